/* SPDX-License-Identifier: GPL-2.0 */
/* CPU lists ("0-3,6"), the host's busy time per CPU, and cgroup cpusets. */
#ifndef HIVEMON_REBALANCE_CPUS_H
#define HIVEMON_REBALANCE_CPUS_H

#include <stddef.h>
#include <stdint.h>

#define CPUS_MAX 1024

struct cpu_list {
	int cpu[CPUS_MAX]; /* ascending, distinct */
	size_t n;
};

/* "0-3,6" -> list. 0, or -EINVAL (syntax, CPU >= CPUS_MAX). */
int cpu_list_parse(const char *text, struct cpu_list *out);
/* "0-3,6" into @buf; returns @buf. */
char *cpu_list_format(const struct cpu_list *l, char *buf, size_t len);
void cpu_list_add(struct cpu_list *l, int cpu);
int cpu_list_index(const struct cpu_list *l, int cpu); /* -1 when absent */

/* Busy (non-idle, non-iowait) nanoseconds per CPU since boot, /proc/stat. */
struct cpu_times {
	uint64_t busy_ns[CPUS_MAX];
	int n; /* highest CPU number + 1 */
};

int cpu_times_read(struct cpu_times *t);
/* The CPUs a cgroup v2 path (relative to the mount) may use, from its
 * cpuset.cpus.effective; the online CPUs when it has no cpuset. */
int cgroup_cpus(const char *cgroup, struct cpu_list *out);

#endif
