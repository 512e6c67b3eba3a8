/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup v2 paths of processes, by pid or by cgroup id, cached. */
#ifndef HIVEMON_CGROUP_NAMES_H
#define HIVEMON_CGROUP_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/u64map.h"

/* Processes remembered (their last cgroup, for after they exit). */
#define CGROUP_NAMES_MAX_PIDS 16384
/* Cgroups remembered by id; a walk of the tree stops there. */
#define CGROUP_NAMES_MAX_IDS 65536
/* Seconds a live process's cgroup is taken from the cache. */
#define CGROUP_NAMES_MAX_AGE_S 10

struct cgroup_names {
	struct u64map by_pid; /* pid -> struct cgroup_pid_entry */
	struct u64map by_id;  /* cgroup id -> char * (owned) */
	size_t max_pids;      /* beyond, the least recently seen are forgotten */
	size_t max_ids;
	time_t max_age_s; /* a live process's cgroup is read again after this */
	uint64_t tick;	  /* lookups so far: the age of an entry */
	time_t last_walk;
};

struct cgroup_pid_entry {
	char *path;	/* owned */
	uint64_t ino;	/* of /proc/PID: a new process under the pid gets another */
	time_t read_at; /* CLOCK_MONOTONIC seconds */
	uint64_t seen;	/* tick of the last lookup */
};

void cgroup_names_init(struct cgroup_names *cn);
void cgroup_names_free(struct cgroup_names *cn);
/* "/system.slice/x.service" while the process lives: read again when the
 * pid names another process than the one cached (a reused pid never shows
 * an old cgroup) and every max_age_s (a process moved shows its new one by
 * then). Once it is gone, the last one seen for it, or NULL. */
const char *cgroup_names_of_pid(struct cgroup_names *cn, uint32_t pid);
/* Path of the cgroup whose id (directory inode) is @id, or NULL. */
const char *cgroup_names_of_id(struct cgroup_names *cn, uint64_t id);
void cgroup_names_forget_pid(struct cgroup_names *cn, uint32_t pid);
/* The cgroup v2 path of @pid read now from /proc/@pid/cgroup, uncached;
 * false if unreadable. */
bool read_cgroup(uint32_t pid, char *buf, size_t len);
/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid
 * hosts) into @buf; NULL when it is not mounted. */
const char *cgroup2_mount(char *buf, size_t len);

#endif
