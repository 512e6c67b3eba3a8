// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of TCP request tracing: empty programs on the tracepoints
 * hivemon's tcp probe uses. What they cost is what any tracer of these
 * events pays before it does any work; bench/tcp-overhead.sh reports hivemon
 * above this line.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

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

char LICENSE[] SEC("license") = "GPL";
