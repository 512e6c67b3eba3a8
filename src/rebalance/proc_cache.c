// SPDX-License-Identifier: GPL-2.0
/* The host's processes with what group membership needs, kept across intervals. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cgroup_names.h"
#include "rebalance/proc_cache.h"

void proc_cache_init(struct proc_cache *c)
{
	memset(c, 0, sizeof(*c));
}

void proc_cache_free(struct proc_cache *c)
{
	free(c->ids);
	proc_cache_init(c);
}

bool proc_id_read(uint32_t pid, struct proc_id *id)
{
	char path[64];
	FILE *f;

	memset(id, 0, sizeof(*id));
	id->pid = pid;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(id->comm, sizeof(id->comm), f))
		id->comm[strcspn(id->comm, "\n")] = '\0';
	fclose(f);
	read_cgroup(pid, id->cgroup, sizeof(id->cgroup));
	return true;
}

const char *proc_id_service(struct proc_id *id)
{
	struct service_id svc;

	if (!id->has_service) {
		/* A process gone meanwhile gets a guess: not kept. */
		if (service_identify(id->pid, id->cgroup, id->comm, &svc))
			return NULL;
		snprintf(id->service, sizeof(id->service), "%s", svc.name);
		id->has_service = true;
	}
	return id->service;
}

static int by_pid(const void *a, const void *b)
{
	uint32_t x = ((const struct proc_id *)a)->pid, y = ((const struct proc_id *)b)->pid;

	return x < y ? -1 : x > y;
}

static struct proc_id *find(const struct proc_cache *c, uint32_t pid)
{
	struct proc_id key = {.pid = pid};

	return c->n ? bsearch(&key, c->ids, c->n, sizeof(key), by_pid) : NULL;
}

/* Lists /proc: known processes are copied, new ones read. */
static int rescan(struct proc_cache *c)
{
	size_t n = 0, cap = c->n + 64;
	struct proc_id *ids = malloc(cap * sizeof(*ids));
	DIR *dir = opendir("/proc");
	struct dirent *d;

	if (!ids || !dir) {
		free(ids);
		if (dir)
			closedir(dir);
		return -ENOMEM;
	}
	while ((d = readdir(dir))) {
		char *end;
		unsigned long pid = strtoul(d->d_name, &end, 10);
		const struct proc_id *known;

		if (*end || !pid || pid > UINT32_MAX)
			continue;
		if (n == cap) {
			struct proc_id *more = realloc(ids, 2 * cap * sizeof(*ids));

			if (!more) {
				free(ids);
				closedir(dir);
				return -ENOMEM;
			}
			ids = more;
			cap *= 2;
		}
		known = find(c, (uint32_t)pid);
		if (known)
			ids[n++] = *known;
		else if (proc_id_read((uint32_t)pid, &ids[n]))
			n++, c->reads++;
	}
	closedir(dir);
	qsort(ids, n, sizeof(*ids), by_pid);
	free(c->ids);
	c->ids = ids;
	c->n = n;
	c->since_scan = 0;
	c->scans++;
	return 0;
}

int proc_cache_update(struct proc_cache *c, const struct snapshot *snap)
{
	bool unknown = !c->scans || ++c->since_scan >= PROC_CACHE_RESCAN;

	for (size_t i = 0; i < snap->n_procs && !unknown; i++)
		unknown = !find(c, snap->procs[i].pid);
	if (unknown && rescan(c))
		return -ENOMEM;
	/* An exec since: the snapshot has the new name. */
	for (size_t i = 0; i < snap->n_procs; i++) {
		struct proc_id *id = find(c, snap->procs[i].pid);

		if (id && snap->procs[i].comm[0] && strcmp(id->comm, snap->procs[i].comm)) {
			memcpy(id->comm, snap->procs[i].comm, PROC_COMM_LEN);
			id->has_service = false;
		}
	}
	return 0;
}
