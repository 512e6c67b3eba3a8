// SPDX-License-Identifier: GPL-2.0
/* Service identity of processes (/proc) and their grouping per snapshot. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/services.h"

/* Deeper chains of one executable are cut here (fork bombs, shells). */
#define CHAIN_MAX 16

static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && !memcmp(s + len - n, suffix, n);
}

const char *service_name_of_cgroup(const char *cgroup, char *buf)
{
	const char *last;
	size_t len;

	if (!cgroup || !cgroup[0] || !strcmp(cgroup, "/") || !strncmp(cgroup, "/user.slice", 11) ||
	    !strcmp(cgroup, "/init.scope"))
		return NULL;
	last = strrchr(cgroup, '/');
	last = last ? last + 1 : cgroup;
	len = strlen(last);
	if (has_suffix(last, len, ".service") || has_suffix(last, len, ".socket"))
		len -= strlen(strrchr(last, '.'));
	else if (has_suffix(last, len, ".scope") || has_suffix(last, len, ".slice"))
		len -= strlen(strrchr(last, '.'));
	/* docker-<64 hex> and the like: a short id is enough to tell apart. */
	if (len > 24 && memchr(last, '-', len))
		len = (size_t)((const char *)memchr(last, '-', len) - last) + 13;
	snprintf(buf, SERVICE_NAME_LEN, "%.*s", (int)len, last);
	return buf;
}

/* Executable path and parent pid of @pid; false when it is gone or a
 * kernel thread (no executable). */
static bool exe_and_parent(uint32_t pid, char *exe, size_t len, uint32_t *ppid)
{
	char path[64], stat[512], *close;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, exe, len - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	close = fgets(stat, sizeof(stat), f) ? strrchr(stat, ')') : NULL;
	fclose(f);
	return close && sscanf(close + 1, " %*c %u", ppid) == 1;
}

int service_identify(uint32_t pid, const char *cgroup, const char *comm, struct service_id *out)
{
	char exe[4096], up_exe[4096];
	uint32_t ppid, up_ppid;
	const char *base;

	memset(out, 0, sizeof(*out));
	if (service_name_of_cgroup(cgroup, out->name)) {
		out->key = fnv1a(cgroup, 0xcbf29ce484222325ULL);
		return 0;
	}
	if (!exe_and_parent(pid, exe, sizeof(exe), &ppid)) {
		/* A kernel thread, hidden from us, or gone: its name is all
		 * there is. */
		snprintf(out->name, sizeof(out->name), "%s", comm && *comm ? comm : "?");
		out->key = fnv1a(out->name, 0x84222325cbf29ce4ULL);
		return kill((pid_t)pid, 0) && errno == ESRCH ? -ESRCH : 0;
	}
	/* Climb while the parent runs the same executable. */
	for (int depth = 0; depth < CHAIN_MAX && ppid > 1; depth++) {
		if (!exe_and_parent(ppid, up_exe, sizeof(up_exe), &up_ppid) || strcmp(up_exe, exe))
			break;
		ppid = up_ppid;
	}
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	snprintf(out->name, sizeof(out->name), "%.*s", SERVICE_NAME_LEN - 1, base);
	/* A binary replaced on disk reads "(deleted)": still the same service. */
	if (has_suffix(out->name, strlen(out->name), " (deleted)"))
		out->name[strlen(out->name) - 10] = '\0';
	out->key = fnv1a(exe, 0xcbf29ce484222325ULL) ^ ((uint64_t)ppid * 0x9e3779b97f4a7c15ULL);
	return 0;
}

static struct service *find(struct services *s, uint64_t key)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].key == key)
			return &s->items[i];
	return NULL;
}

/* Two services named alike become "name" and "name:2", ... */
static void unique_names(struct services *s)
{
	for (size_t i = 1; i < s->n; i++) {
		unsigned int same = 1;

		for (size_t j = 0; j < i; j++)
			same += !strncmp(s->items[j].name, s->items[i].name, SERVICE_NAME_LEN);
		if (same > 1) {
			char name[SERVICE_NAME_LEN];

			snprintf(name, sizeof(name), "%.*s:%u", SERVICE_NAME_LEN - 12,
				 s->items[i].name, same);
			memcpy(s->items[i].name, name, sizeof(name));
		}
	}
}

int services_build(const struct snapshot *snap, struct services *out)
{
	memset(out, 0, sizeof(*out));
	out->items = calloc(snap->n_procs + 1, sizeof(*out->items));
	out->of_proc = calloc(snap->n_procs + 1, sizeof(*out->of_proc));
	if (!out->items || !out->of_proc)
		goto nomem;
	for (size_t i = 0; i < snap->n_procs; i++) {
		const struct proc_snapshot *p = &snap->procs[i];
		struct service *svc = find(out, p->service_key);

		if (!svc) {
			svc = &out->items[out->n++];
			svc->key = p->service_key;
			snprintf(svc->name, sizeof(svc->name), "%s",
				 p->service[0] ? p->service : p->comm);
			svc->procs = calloc(snap->n_procs, sizeof(*svc->procs));
			if (!svc->procs)
				goto nomem;
		}
		svc->procs[svc->n_procs++] = i;
		out->of_proc[i] = (size_t)(svc - out->items);
	}
	unique_names(out);
	return 0;
nomem:
	services_free(out);
	return -ENOMEM;
}

void services_free(struct services *s)
{
	for (size_t i = 0; s->items && i < s->n; i++)
		free(s->items[i].procs);
	free(s->items);
	free(s->of_proc);
	memset(s, 0, sizeof(*s));
}

const struct service *services_of_proc(const struct services *s, size_t proc_index)
{
	return s->n ? &s->items[s->of_proc[proc_index]] : NULL;
}
