/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel fields and tracepoint arguments that differ between the kernels
 * hivemon runs on, read with CO-RE so that one object loads on all of them.
 * Each check is a relocation libbpf resolves to a constant at load time; the
 * verifier never walks the branch not taken (and libbpf poisons the reads of
 * fields the kernel lacks), so the hot paths pay nothing for it. The oldest
 * kernel of each probe set is in docs/probes.md ("Kernel versions").
 */
#ifndef HIVEMON_COMPAT_BPF_H
#define HIVEMON_COMPAT_BPF_H

#include <bpf/bpf_core_read.h>

/* Before 5.14 (commit 2f064a59a11f) the task state was `long state`. */
struct task_struct___o {
	volatile long state;
} __attribute__((preserve_access_index));

/*
 * Since 6.17 (commit ad892e912b84) tcp_retransmit_skb also fires for
 * retransmits that failed, with their error as a third argument; its event
 * record gained `err` in the same change. Before, it fired only for segments
 * actually sent, with two arguments, and reading a third one would make the
 * verifier reject the program.
 */
struct trace_event_raw_tcp_retransmit_skb___x {
	int err;
} __attribute__((preserve_access_index));

/* Whether @t is runnable (TASK_RUNNING), on kernels before and after 5.14. */
static __always_inline bool task_runnable(struct task_struct *t)
{
	struct task_struct___o *old = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return t->__state == 0;
	return old->state == 0;
}

/*
 * Whether the run-queue delay of a task can be read at sched_switch: its
 * sched_info.last_queued exists with CONFIG_SCHED_INFO (TASK_DELAY_ACCT or
 * SCHEDSTATS), and the run queue's clock is reached through se.cfs_rq->rq,
 * which exist only with CONFIG_FAIR_GROUP_SCHED. Without it the run queue is
 * the per-CPU `runqueues`, which the kernel resolves only with
 * CONFIG_KALLSYMS_ALL, and a failed ksym would fail the whole load.
 */
static __always_inline bool runq_delay_readable(void)
{
	return bpf_core_field_exists(struct task_struct, sched_info.last_queued) &&
	       bpf_core_field_exists(struct sched_entity, cfs_rq) &&
	       bpf_core_field_exists(struct cfs_rq, rq);
}

/* Whether tcp_retransmit_skb passes the error as its third argument. */
static __always_inline bool tcp_retransmit_has_err(void)
{
	return bpf_core_field_exists(struct trace_event_raw_tcp_retransmit_skb___x, err);
}

#endif
