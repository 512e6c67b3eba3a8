// SPDX-License-Identifier: GPL-2.0
/*
 * Run-queue latency and on-CPU time per process, from the sched_switch BTF
 * tracepoint alone.
 *
 * Context switches are the hottest events of a host, so nothing runs on
 * wakeups: the scheduler already stamps every task (CONFIG_SCHED_INFO, what
 * /proc/PID/schedstat reports) with sched_info.last_queued, the run-queue
 * clock when it was queued by a wakeup or by being preempted while
 * runnable, cleared when it runs. At sched_switch, before the scheduler
 * consumes it, next's run-queue delay is rq->clock - last_queued (rq->clock
 * was just updated by __schedule(); read through the task's cfs_rq because
 * without KALLSYMS_ALL the `runqueues` symbol cannot be resolved).
 *
 * On-CPU time is the kernel's own se.sum_exec_runtime (what top and
 * schedstat show; it leaves out time stolen by the hypervisor), credited
 * per task from what was credited last (task-local storage), so a task is
 * never counted twice; a task first seen is counted from then on, or from
 * its start if it started after the probe did (short-lived processes).
 * Crediting is not done at every switch: the kernel keeps the sum, so a
 * task iterator (`credit_tasks`) that userspace runs just before it swaps
 * buffers credits every task at once, running ones up to their last tick;
 * only a dying task, which the iterator would not see again, is credited
 * at its switches. That took a task-storage and two map lookups off every
 * context switch (pipe ping-pong under the sched set: 8.6-9.3 % over bare
 * before, 5.8-6.8 % after).
 */
#include "vmlinux.h"
#include <asm-generic/errno.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hivemon.h"
#include "hist.h"
#include "compat.bpf.h"
#include "filter.bpf.h"
#include "flip.bpf.h"
#include "maps.bpf.h"

#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000

/* Two buffers of per-process counters; `gen` names the live one. */
FLIP_MAP(stats, __u32, struct sched_val, 4096, 0);
FLIP_MAP(hists, struct tgid_slot_key, struct hist_bucket, 65536, BPF_F_NO_PREALLOC);

/* Per task: se.sum_exec_runtime already credited. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} credited SEC(".maps");

/* CLOCK_MONOTONIC when the probe started (task->start_time's clock). */
const volatile __u64 started_ns = 0;

/* Buffer the programs write (0 or 1); flipped by userspace each collect. */
__u32 gen = 0;
/* Updates that found a full map; read by userspace. */
__u64 lost_events = 0;

static __always_inline bool user_task(struct task_struct *t)
{
	return t->pid && !(t->flags & PF_KTHREAD);
}

/* Clock of the run queue of @t's CPU (sched_info's time base). */
static __always_inline __u64 rq_clock_of(struct task_struct *t)
{
	return t->se.cfs_rq->rq->clock;
}

static __always_inline void add_oncpu(__u32 tgid, __u64 ns)
{
	static const struct sched_val zero;
	struct sched_val *val = flip_lookup_or_init(&stats, gen, &tgid, &zero, &lost_events);

	/* Atomic: the iterator may be preempted by a switch on its CPU. */
	if (val)
		__sync_fetch_and_add(&val->oncpu_ns, ns);
}

/*
 * Credits the runtime @t gained since its last credit. The iterator and a
 * dying task's last switches may credit one task at once: advancing what
 * was credited with a compare-and-swap gives each stretch to one of them.
 */
static __always_inline void credit_oncpu(struct task_struct *t)
{
	__u64 runtime = t->se.sum_exec_runtime, *done, gained;

	done = bpf_task_storage_get(&credited, t, 0, 0);
	if (!done) {
		/* All of it ran while probed if the task started since. */
		__u64 init = t->start_time > started_ns ? 0 : runtime;

		done = bpf_task_storage_get(&credited, t, &init, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!done)
			return;
	}
	gained = atomic_raise_u64(done, runtime);
	if (gained)
		add_oncpu(t->tgid, gained);
}

/* prev_state, the fourth argument since 5.18, is not read: older kernels
 * pass three. */
SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now, queued;
	__u32 tgid;

	/* A dying task: the iterator may not see it again. prev is current:
	 * filter_current() sees its comm and cgroup. */
	if ((prev->flags & PF_EXITING) && user_task(prev) && filter_current(prev->tgid))
		credit_oncpu(prev);

	/* Resolved at load: without the fields only on-CPU time is measured. */
	if (!runq_delay_readable())
		return 0;
	queued = next->sched_info.last_queued;
	tgid = next->tgid;
	if (!queued || !user_task(next) || !filter_task(next, tgid))
		return 0;
	now = rq_clock_of(next);
	/* Equal when the wakeup that queued next also asked __schedule() to
	 * skip its clock update: a wait too short for the scheduler's clock. */
	if (now >= queued)
		flip_hist_record(&hists, gen, tgid, now - queued, &lost_events);
	return 0;
}

/*
 * Run by userspace at each collect, before it swaps buffers: credits every
 * traced task what it ran since its last credit. A running task's sum was
 * last brought up to date at its latest tick.
 */
SEC("iter/task")
int credit_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task && user_task(task) && filter_task(task, task->tgid))
		credit_oncpu(task);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
