/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU placement of whole processes (every thread), remembering each
 * thread's affinity from before hivemon's first change so it can be put
 * back: on stop, when a group is removed, or when a move fails half-way.
 */
#ifndef HIVEMON_REBALANCE_AFFINITY_H
#define HIVEMON_REBALANCE_AFFINITY_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

struct affinity_saved {
	uint32_t pid, tid;
	cpu_set_t mask;
};

/* Affinities hivemon changed, as they were before; owned by one group. */
struct affinity_log {
	struct affinity_saved *items;
	size_t n, cap;
};

/* Pins every thread of @pid to @cpu, saving what each had first. A thread
 * that exits meanwhile is skipped. 0, or a negative errno (EPERM without
 * CAP_SYS_NICE) with the threads already moved put back. */
int affinity_pin(struct affinity_log *log, uint32_t pid, int cpu);
/* Puts every saved thread back (those still alive) and empties the log.
 * Returns how many threads were restored. */
size_t affinity_restore(struct affinity_log *log);
void affinity_log_free(struct affinity_log *log);

#endif
