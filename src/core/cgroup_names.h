/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup v2 paths of processes, by pid or by cgroup id, cached. */
#ifndef HIVEMON_CGROUP_NAMES_H
#define HIVEMON_CGROUP_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util/u64map.h"

struct cgroup_names {
	struct u64map by_pid; /* pid -> char * (owned) */
	struct u64map by_id;  /* cgroup id -> char * (owned) */
	time_t last_walk;
};

void cgroup_names_init(struct cgroup_names *cn);
void cgroup_names_free(struct cgroup_names *cn);
/* "/system.slice/x.service", or NULL when the process is gone. */
const char *cgroup_names_of_pid(struct cgroup_names *cn, uint32_t pid);
/* Path of the cgroup whose id (directory inode) is @id, or NULL. */
const char *cgroup_names_of_id(struct cgroup_names *cn, uint64_t id);
void cgroup_names_forget_pid(struct cgroup_names *cn, uint32_t pid);
/* Where cgroup v2 is mounted (/sys/fs/cgroup, or .../unified on hybrid
 * hosts) into @buf; NULL when it is not mounted. */
const char *cgroup2_mount(char *buf, size_t len);

#endif
