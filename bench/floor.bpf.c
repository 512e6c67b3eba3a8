// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of syscall tracing: empty tp_btf sys_enter and sys_exit
 * programs. What they cost is what any syscall tracer pays before it does
 * any work; bench/syscall-overhead.sh reports tracers above this line.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
