/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bpf/syscall.bpf.c and src/probes/probe_syscall.c share beyond the
 * map records of hivemon.h: the records of the task iterator and the
 * syscalls the kernel makes for uprobes, which belong to the tracer.
 */
#ifndef HIVEMON_SYSCALL_SHARED_H
#define HIVEMON_SYSCALL_SHARED_H

/*
 * x86_64 syscalls a uprobe makes in the probed process (Linux >= 6.11:
 * every uretprobe return, and on newer kernels an optimised uprobe, enter
 * the kernel through them). They are the tracer's cost, not the process's.
 */
#define NR_URETPROBE 335
#define NR_UPROBE    336

/* Slow calls a process may send per collect before only slower ones go:
 * the report keeps this many per process and window (PROC_MAX_SLOW). */
#define SYSCALL_SLOW_TOP 16

/* A sampled thread has 1 call in this many timed, on average, each
 * weighted by it. */
#define SYSCALL_SAMPLE_PERIOD 64

/* Slots of hot_procs (syscall.bpf.c), a power of two: busy processes by
 * tgid % SYSCALL_HOT_PROC_SLOTS. */
#define SYSCALL_HOT_PROC_SLOTS 1024

/* What a thread holds outside syscall_stats and syscall_hists, as the
 * task iterator writes it (bpf_seq_write) for the collector to add: a
 * batch (slot SYSCALL_HELD_BATCH) or the timed calls, weighted, of one
 * histogram bucket (slot, in weight). */
#define SYSCALL_HELD_BATCH 0xffff

struct syscall_held {
	__u32 tgid;
	__u16 nr;
	__u16 slot;
	__u32 count;
	__u32 errors;
	__u64 weight;
	__u64 total_ns;
	__u64 max_ns;
};

#endif
