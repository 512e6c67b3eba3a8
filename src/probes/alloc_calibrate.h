/* SPDX-License-Identifier: GPL-2.0 */
/* The cost the allocation probes add to the latency they measure. */
#ifndef HIVEMON_ALLOC_CALIBRATE_H
#define HIVEMON_ALLOC_CALIBRATE_H

#include <stdint.h>

struct alloc_bpf;
struct flipmap;

/*
 * hivemon probes its own malloc, times known calls (64-byte malloc+free
 * pairs) with and without the probes, and returns in @cost_ns what the
 * probes add to a malloc's measured latency. Uses (and leaves drained) the
 * program's stats and histogram buffers. 0 or a negative errno.
 *
 * The cost includes the uretprobe syscall each return makes (Linux >= 6.11)
 * and the syscall probe's sys_enter work on it, when that probe is loaded
 * (the collector opens it first): bpf/syscall.bpf.c takes the same path for
 * hivemon's own uretprobe syscalls as for a traced process's.
 */
int alloc_calibrate(struct alloc_bpf *skel, struct flipmap *stats, struct flipmap *hists,
		    uint64_t *cost_ns);

#endif
