/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structs and constants shared by the BPF programs and userspace: map keys,
 * map values and ring buffer records. Plain fixed-width types only.
 */
#ifndef HIVEMON_BPF_SHARED_H
#define HIVEMON_BPF_SHARED_H

#define COMM_LEN	 16
#define FILTER_MAX_PIDS	 16
#define FILTER_MAX_COMMS 8

/* Ring buffer record kinds (first field of every record). */
enum event_kind {
	EVENT_SLOW_SYSCALL = 1,
};

/* Syscall probe (bpf/syscall.bpf.c). */
struct syscall_key {
	__u32 tgid;
	__u32 nr;
};

struct syscall_val {
	__u64 count;	/* calls, exact */
	__u64 errors;	/* calls that returned < 0 */
	__u64 weight;	/* timed calls, weighted (estimates count) */
	__u64 total_ns; /* weighted latency sum */
	__u64 max_ns;
};

struct syscall_hist_key {
	__u32 tgid;
	__u16 nr;
	__u16 slot;
};

struct slow_syscall_event {
	__u32 kind; /* EVENT_SLOW_SYSCALL */
	__u32 tgid;
	__u32 tid;
	__u32 nr;
	__s64 ret;
	__u64 latency_ns;
	__u64 end_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

/* Name and cgroup of a process, kept when it exits so short-lived
 * processes can still be named after /proc forgot them. */
struct proc_exit_info {
	char comm[COMM_LEN];
	__u64 cgroup_id;
};

#endif
