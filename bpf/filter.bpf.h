/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-side process filter shared by every program: --pid, --comm and
 * --cgroup become read-only data set before load, so the verifier/JIT sees
 * constants and unfiltered runs pay almost nothing. hivemon itself is left
 * out unless asked for by pid.
 */
#ifndef HIVEMON_FILTER_BPF_H
#define HIVEMON_FILTER_BPF_H

#include <bpf/bpf_core_read.h>

#include "hivemon.h"

const volatile __u32 filter_tgids[FILTER_MAX_PIDS] = {};
const volatile __u32 filter_n_tgids = 0;
const volatile char filter_comms[FILTER_MAX_COMMS][COMM_LEN] = {};
const volatile __u32 filter_n_comms = 0;
const volatile __u64 filter_cgroup = 0;
const volatile __u32 self_tgid = 0;

static __always_inline bool comm_equal(const char *a, const volatile char *b)
{
	for (int i = 0; i < COMM_LEN; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			return true;
	}
	return true;
}

/* Whether any filter was asked for (all rodata: the verifier prunes). */
static __always_inline bool filter_configured(void)
{
	return filter_n_tgids || filter_n_comms || filter_cgroup;
}

/* Whether task @t, of process @tgid, is traced (any task, not only current). */
static __always_inline bool filter_task(struct task_struct *t, __u32 tgid)
{
	if (filter_n_tgids) {
		for (int i = 0; i < FILTER_MAX_PIDS; i++) {
			if (i >= filter_n_tgids)
				return false;
			if (filter_tgids[i] == tgid)
				return true;
		}
		return false;
	}
	if (tgid == self_tgid)
		return false;
	/* The cgroup v2 id bpf_get_current_cgroup_id() would give, for any task. */
	if (filter_cgroup && BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id) != filter_cgroup)
		return false;
	if (filter_n_comms) {
		for (int i = 0; i < FILTER_MAX_COMMS; i++) {
			if (i >= filter_n_comms)
				return false;
			if (comm_equal(t->comm, filter_comms[i]))
				return true;
		}
		return false;
	}
	return true;
}

/* Whether the current task's process is traced. Unfiltered, only hivemon
 * is left out, which its tgid tells: no helper call for the task. */
static __always_inline bool filter_current(__u32 tgid)
{
	if (!filter_configured())
		return tgid != self_tgid;
	return filter_task(bpf_get_current_task_btf(), tgid);
}

#endif
