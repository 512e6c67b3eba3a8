// SPDX-License-Identifier: GPL-2.0
/* Pinning processes to CPUs and putting them back. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rebalance/affinity.h"

static bool saved(const struct affinity_log *log, uint32_t tid)
{
	for (size_t i = 0; i < log->n; i++)
		if (log->items[i].tid == tid)
			return true;
	return false;
}

static int save(struct affinity_log *log, uint32_t pid, uint32_t tid)
{
	struct affinity_saved *s;

	if (saved(log, tid))
		return 0;
	if (log->n == log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 16;
		struct affinity_saved *items = realloc(log->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		log->items = items;
		log->cap = cap;
	}
	s = &log->items[log->n];
	s->pid = pid;
	s->tid = tid;
	if (sched_getaffinity((pid_t)tid, sizeof(s->mask), &s->mask))
		return -errno;
	log->n++;
	return 0;
}

/* Puts back entries [from, log->n) and drops them from the log. */
static void restore_from(struct affinity_log *log, size_t from)
{
	while (log->n > from) {
		struct affinity_saved *s = &log->items[--log->n];

		sched_setaffinity((pid_t)s->tid, sizeof(s->mask), &s->mask);
	}
}

static int pin_thread(struct affinity_log *log, uint32_t pid, uint32_t tid, int cpu)
{
	cpu_set_t set;
	int err = save(log, pid, tid);

	if (err)
		return err == -ESRCH ? 0 : err;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity((pid_t)tid, sizeof(set), &set))
		return errno == ESRCH ? 0 : -errno;
	return 0;
}

int affinity_pin(struct affinity_log *log, uint32_t pid, int cpu)
{
	size_t mark = log->n;
	char path[64];
	struct dirent *d;
	int err = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!err && (d = readdir(dir))) {
		char *end;
		unsigned long tid = strtoul(d->d_name, &end, 10);

		if (*end || !tid)
			continue;
		err = pin_thread(log, pid, (uint32_t)tid, cpu);
	}
	closedir(dir);
	if (err) {
		/* Threads saved earlier for this pid stay in the log: they were
		 * moved by an earlier call and are restored on stop. */
		restore_from(log, mark);
	}
	return err;
}

size_t affinity_restore(struct affinity_log *log)
{
	size_t n = 0;

	for (size_t i = 0; i < log->n; i++)
		n += !sched_setaffinity((pid_t)log->items[i].tid, sizeof(log->items[i].mask),
					&log->items[i].mask);
	log->n = 0;
	return n;
}

void affinity_log_free(struct affinity_log *log)
{
	free(log->items);
	memset(log, 0, sizeof(*log));
}
