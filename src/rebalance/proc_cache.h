/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What group membership is decided on (comm, cgroup, service) for every
 * process of the host, kept across intervals so the daemon does not open
 * two /proc files per process per group every interval. /proc is listed
 * again only when the interval's snapshot names a process the cache does
 * not know (a new one ran), or every PROC_CACHE_RESCAN intervals (gone
 * processes, and new ones the probes' filter hides); only new processes'
 * files are read then. A known process's comm follows the snapshot (exec).
 */
#ifndef HIVEMON_REBALANCE_PROC_CACHE_H
#define HIVEMON_REBALANCE_PROC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/services.h"
#include "core/snapshot.h"

#define PROC_CACHE_RESCAN 30

struct proc_id {
	uint32_t pid;
	char comm[PROC_COMM_LEN];
	char cgroup[512];
	char service[SERVICE_NAME_LEN]; /* "" until looked up */
	bool has_service;
};

struct proc_cache {
	struct proc_id *ids; /* owned, sorted by pid */
	size_t n;
	unsigned int since_scan; /* intervals since /proc was listed */
	uint64_t scans, reads;	 /* /proc listings, processes whose files were read */
};

void proc_cache_init(struct proc_cache *c);
void proc_cache_free(struct proc_cache *c);
/* Reads comm and cgroup of @pid into @id; false when it is gone. */
bool proc_id_read(uint32_t pid, struct proc_id *id);
/* The service of @id (looked up once). NULL when it cannot be told. */
const char *proc_id_service(struct proc_id *id);
/* Brings the cache up to date with the interval @snap. 0 or -ENOMEM (the
 * cache is then left as it was). */
int proc_cache_update(struct proc_cache *c, const struct snapshot *snap);

#endif
