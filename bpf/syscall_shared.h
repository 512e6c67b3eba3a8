/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bpf/syscall.bpf.c and src/probes/probe_syscall.c share beyond the
 * map records of hivemon.h: the batch records of the task iterator.
 */
#ifndef HIVEMON_SYSCALL_SHARED_H
#define HIVEMON_SYSCALL_SHARED_H

/* One thread's batch not yet in syscall_stats, as the task iterator
 * writes it (bpf_seq_write) for the collector to add. */
struct syscall_pending {
	__u32 tgid;
	__u32 nr;
	__u32 count;
	__u32 errors;
};

#endif
