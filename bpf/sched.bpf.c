// SPDX-License-Identifier: GPL-2.0
/*
 * Run-queue latency and on-CPU time per process, from the sched_wakeup,
 * sched_wakeup_new and sched_switch BTF tracepoints.
 *
 * Context switches are the hottest events of a host, so the hot path is
 * kept to task-local storage and per-CPU maps:
 * - a task is enqueued when woken (first wakeup wins) or when it is
 *   preempted (switched out still TASK_RUNNING); its run-queue delay ends
 *   when it is switched in;
 * - on-CPU time is credited when a task is switched out, and for tasks still
 *   running at collect time by the `flush_cpu` program, which userspace runs
 *   on every CPU (BPF_PROG_TEST_RUN) just before it swaps buffers;
 * - the process filter (comm, cgroup) needs the task to be current, so tasks
 *   get storage when they are first switched out (prev is current in
 *   sched_switch) or forked by a traced parent; tasks without storage are
 *   not traced and cost one pointer test.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hivemon.h"
#include "hist.h"
#include "filter.bpf.h"

#define TASK_RUNNING 0
#define PF_KTHREAD   0x00200000

struct task_sched {
	__u64 queued_at; /* ktime when put on the run queue, 0 = not queued */
	__u64 oncpu_at;	 /* ktime when switched in (or last flushed), 0 = off CPU */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_sched);
} task_sched SEC(".maps");

/* Two buffers of per-process counters; `gen` names the live one. */
struct stats_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sched_val);
} stats_a SEC(".maps"), stats_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct stats_map);
} stats SEC(".maps") = {
	.values = {&stats_a, &stats_b},
};

struct hist_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct tgid_slot_key);
	__type(value, __u64);
} hist_a SEC(".maps"), hist_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct hist_map);
} hists SEC(".maps") = {
	.values = {&hist_a, &hist_b},
};

/* Buffer the programs write (0 or 1); flipped by userspace each collect. */
__u32 gen = 0;

/* Updates that found a full map; read by userspace. */
__u64 lost_events = 0;

static const struct sched_val zero_val;

static __always_inline struct sched_val *proc_stats(__u32 tgid)
{
	__u32 g = gen;
	struct sched_val *val;
	void *map;

	map = bpf_map_lookup_elem(&stats, &g);
	if (!map)
		return 0;
	val = bpf_map_lookup_elem(map, &tgid);
	if (val)
		return val;
	if (bpf_map_update_elem(map, &tgid, &zero_val, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(map, &tgid)) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	return bpf_map_lookup_elem(map, &tgid);
}

static __always_inline void record_runq(__u32 tgid, __u64 delay)
{
	struct tgid_slot_key key = {.tgid = tgid, .slot = hist_slot(delay)};
	struct sched_val *val = proc_stats(tgid);
	__u32 g = gen;
	__u64 one = 1, *bucket;
	void *map;

	if (val) {
		val->runq_count++;
		val->runq_total_ns += delay;
		if (delay > val->runq_max_ns)
			val->runq_max_ns = delay;
	}
	map = bpf_map_lookup_elem(&hists, &g);
	if (!map)
		return;
	bucket = bpf_map_lookup_elem(map, &key);
	if (bucket) {
		(*bucket)++;
		return;
	}
	if (bpf_map_update_elem(map, &key, &one, BPF_NOEXIST)) {
		bucket = bpf_map_lookup_elem(map, &key);
		if (bucket)
			(*bucket)++;
		else
			__sync_fetch_and_add(&lost_events, 1);
	}
}

static __always_inline void credit_oncpu(__u32 tgid, struct task_sched *ts, __u64 now)
{
	struct sched_val *val;

	if (!ts->oncpu_at)
		return;
	val = proc_stats(tgid);
	if (val)
		val->oncpu_ns += now - ts->oncpu_at;
	ts->oncpu_at = 0;
}

static __always_inline void mark_queued(struct task_struct *p)
{
	struct task_sched *ts = bpf_task_storage_get(&task_sched, p, 0, 0);

	if (ts && !ts->queued_at)
		ts->queued_at = bpf_ktime_get_ns();
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	mark_queued(p);
	return 0;
}

/* A child forked by a traced parent is traced from its first run. */
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	struct task_sched *ts;
	__u32 tgid = p->tgid;

	if (p->flags & PF_KTHREAD)
		return 0;
	/* Comm and cgroup are inherited: the parent's (current) are the child's. */
	if (!filter_current(tgid))
		return 0;
	ts = bpf_task_storage_get(&task_sched, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts && !ts->queued_at)
		ts->queued_at = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct task_sched *ts;
	__u64 now = 0;

	ts = bpf_task_storage_get(&task_sched, prev, 0, 0);
	if (!ts && prev->pid && !(prev->flags & PF_KTHREAD) && filter_current(prev->tgid))
		ts = bpf_task_storage_get(&task_sched, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts) {
		now = bpf_ktime_get_ns();
		credit_oncpu(prev->tgid, ts, now);
		/* Preempted tasks stay runnable: their wait starts now. A task
		 * going to sleep drops a wakeup that raced with its last run. */
		ts->queued_at = prev_state == TASK_RUNNING ? now : 0;
	}

	ts = bpf_task_storage_get(&task_sched, next, 0, 0);
	if (!ts)
		return 0;
	if (!now)
		now = bpf_ktime_get_ns();
	if (ts->queued_at) {
		if (now > ts->queued_at)
			record_runq(next->tgid, now - ts->queued_at);
		ts->queued_at = 0;
	}
	ts->oncpu_at = now;
	return 0;
}

/*
 * Run by userspace on each CPU in turn (in IPI context, so current is the
 * task that was running there): credits the part of the running slice not
 * yet accounted, so a task that never switches out still shows its CPU use.
 */
SEC("raw_tp")
int flush_cpu(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_sched *ts;
	__u64 now;

	ts = bpf_task_storage_get(&task_sched, task, 0, 0);
	if (!ts || !ts->oncpu_at)
		return 0;
	now = bpf_ktime_get_ns();
	credit_oncpu(task->tgid, ts, now);
	ts->oncpu_at = now;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
