// SPDX-License-Identifier: GPL-2.0
/*
 * Names of processes that exit, so that a process living shorter than one
 * interval is still reported with its comm and cgroup after /proc forgot it.
 * Loaded with every probe set; one map update per process exit.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hivemon.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct proc_exit_info);
} exited_procs SEC(".maps");

SEC("tp_btf/sched_process_exit")
int BPF_PROG(proc_exit, struct task_struct *task)
{
	struct proc_exit_info info = {};
	__u32 tgid = task->tgid;

	if (task->pid != tgid)
		return 0;
	/* The exiting task is current here, so its cgroup id is at hand. */
	bpf_probe_read_kernel_str(info.comm, sizeof(info.comm), task->comm);
	info.cgroup_id = bpf_get_current_cgroup_id();
	bpf_map_update_elem(&exited_procs, &tgid, &info, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
