/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a service's threads spend their time over the window: on a CPU,
 * waiting for one, or blocked in a syscall of a kind (network, disk, locks,
 * timers, child processes, other).
 *
 * On-CPU is the scheduler's oncpu_ns, CPU wait the run-queue delay total,
 * and the blocked kinds the total latency of the syscalls of that kind
 * (sampled totals are weighted, so unbiased). The kind of a call is known
 * from its number only, not its file descriptor: read/write/readv/writev
 * may be a socket, a pipe or a file and count as "other"; socket calls
 * (send/recv*, accept, connect) and readiness waits (poll, select,
 * epoll_wait) count as network; calls that only make sense on files
 * (fsync, pread64, openat, ...) as disk; futex as locks; nanosleep as
 * timers; wait4/waitid as child processes.
 *
 * The denominator is the sum of the kinds, so shares add up to 100 %:
 * thread time is not known exactly (threads come and go, a call still
 * blocked at the window's end counts when it returns). The kernel's CPU
 * time inside a call also shows in on-CPU; for blocking calls it is small.
 */
#ifndef HIVEMON_ANALYSIS_BREAKDOWN_H
#define HIVEMON_ANALYSIS_BREAKDOWN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

enum time_kind {
	TIME_ONCPU,
	TIME_CPU_WAIT,
	TIME_NETWORK,
	TIME_DISK,
	TIME_LOCKS,
	TIME_SLEEP,
	TIME_CHILD,
	TIME_OTHER,
	TIME_KINDS
};

struct time_breakdown {
	uint64_t ns[TIME_KINDS];
	uint64_t total_ns; /* their sum */
};

/* "oncpu", "cpu_wait", "network", "disk", "locks", "sleep", "child", "other" */
const char *time_kind_name(enum time_kind k);
/* "time.oncpu": the metric name chain links and findings use. */
const char *time_kind_metric(enum time_kind k);
enum time_kind syscall_time_kind(uint32_t nr);
void breakdown_add_proc(struct time_breakdown *b, const struct proc_snapshot *p);
/* Share of @k in 0..1; 0 when nothing was measured. */
double breakdown_share(const struct time_breakdown *b, enum time_kind k);
/* The kind with the largest share, on-CPU excepted when @blocked_only. */
enum time_kind breakdown_top(const struct time_breakdown *b, bool blocked_only);
/* {"total_ns", "<kind>": {"ns", "share"}, ...} (new reference). */
json_t *breakdown_json(const struct time_breakdown *b);
/* "on-CPU 50%, sleep 49%, CPU wait 1%": kinds of 1 % or more, largest
 * first; "" when nothing was measured. */
void breakdown_format(const struct time_breakdown *b, char *buf, size_t len);

#endif
