// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel memory signals per process: user page faults and reclaim stalls
 * (direct reclaim of the whole machine and reclaim forced by a memory
 * cgroup limit, both of which the faulting task waits for).
 *
 * Page faults are frequent (one per fresh page), so a fault costs one
 * per-CPU map update; RSS is not traced here: the rss_stat tracepoint fires
 * on every counter change, and reading /proc/PID/statm once per interval
 * for the processes in the snapshot is cheaper (bench/mem-overhead.sh).
 *
 * No program reads its tracepoint's arguments, whose lists differ between
 * kernels (the reclaim ones changed over versions): only the event counts.
 */
#include "vmlinux.h"
#include <asm-generic/errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hivemon.h"
#include "filter.bpf.h"
#include "flip.bpf.h"

/* Two buffers of per-process counters; `gen` names the live one. */
FLIP_MAP(stats, __u32, struct mem_val, 4096, 0);

/* Per task: when the reclaim it is stuck in began (0 = none). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} reclaim_start SEC(".maps");

/* Buffer the programs write (0 or 1); flipped by userspace each collect. */
__u32 gen = 0;
/* Updates that found a full map; read by userspace. */
__u64 lost_events = 0;

static __always_inline struct mem_val *proc_stats(__u32 tgid)
{
	static const struct mem_val zero;

	return flip_lookup_or_init(&stats, gen, &tgid, &zero, &lost_events);
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mem_val *val;

	if (!filter_current(tgid))
		return 0;
	val = proc_stats(tgid);
	if (val)
		val->page_faults++;
	return 0;
}

static __always_inline void reclaim_begin(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 *start;

	if (!filter_current(tgid))
		return;
	start = bpf_task_storage_get(&reclaim_start, bpf_get_current_task_btf(), 0,
				     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (start)
		*start = bpf_ktime_get_ns();
}

static __always_inline void reclaim_end(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mem_val *val;
	__u64 *start, ns;

	start = bpf_task_storage_get(&reclaim_start, bpf_get_current_task_btf(), 0, 0);
	if (!start || !*start)
		return;
	ns = bpf_ktime_get_ns() - *start;
	*start = 0;
	val = proc_stats(tgid);
	if (!val)
		return;
	val->reclaim_count++;
	val->reclaim_total_ns += ns;
	if (ns > val->reclaim_max_ns)
		val->reclaim_max_ns = ns;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(direct_reclaim_begin)
{
	reclaim_begin();
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(direct_reclaim_end)
{
	reclaim_end();
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(memcg_reclaim_begin)
{
	reclaim_begin();
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(memcg_reclaim_end)
{
	reclaim_end();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
