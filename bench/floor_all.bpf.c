// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of the whole agent: one empty program for every program the
 * default probe sets load (bpf/syscall, tcp, sched, mem and proc .bpf.c;
 * not alloc.bpf.c, whose uprobes are opt-in), on the same hooks and as
 * many per hook. What they cost is what any tracer of these events pays
 * before it does any work; bench/agent-overhead.sh reports hivemon above
 * this line. Keep it in step with every SEC() of those files.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* syscall.bpf.c */
SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_sc_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_sc_exit, struct task_struct *task)
{
	return 0;
}

/* tcp.bpf.c */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(floor_recv, struct sock *sk, int ret, int flags)
{
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(floor_send, struct sock *sk, int ret, int flags)
{
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(floor_state, struct sock *sk, int oldstate, int newstate)
{
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(floor_retransmit, struct sock *sk, struct sk_buff *skb, int err)
{
	return 0;
}

/* sched.bpf.c */
SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

/* mem.bpf.c */
SEC("tp_btf/page_fault_user")
int BPF_PROG(floor_fault, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(floor_dreclaim_b, int order, gfp_t gfp_flags)
{
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(floor_dreclaim_e, unsigned long nr_reclaimed)
{
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(floor_mreclaim_b, int order, gfp_t gfp_flags)
{
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(floor_mreclaim_e, unsigned long nr_reclaimed)
{
	return 0;
}

/* proc.bpf.c */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_proc_exit, struct task_struct *task)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
