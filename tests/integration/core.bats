#!/usr/bin/env bats
# CO-RE: the BPF objects load on kernels whose fields and tracepoint
# arguments differ from this one's. tests/helpers/core_load resolves an
# object's relocations against this kernel's BTF with some members hidden,
# as an older or differently configured kernel lacks them, loads it here and
# prints what the verifier kept of each tp_btf program: its length and the
# tracepoint arguments it reads.

load helpers

: "${ROOT:=$BATS_TEST_DIRNAME/../..}"

setup_file() {
	local b="$BATS_FILE_TMPDIR/b"

	make -s -C "$ROOT" BUILD="$b" "$b/syscall.bpf.o" "$b/tcp.bpf.o" "$b/sched.bpf.o" \
		"$b/mem.bpf.o" "$b/proc.bpf.o"
	# shellcheck disable=SC2046
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/core_load" "$ROOT/tests/helpers/core_load.c" \
		$(pkg-config --cflags --libs libbpf)
}

core_load() { # OBJECT-NAME [STRUCT.MEMBER...]
	local obj=$1
	shift
	"$BATS_FILE_TMPDIR/core_load" "$BATS_FILE_TMPDIR/b/$obj.bpf.o" "$@"
}

# Length of program $2 in the output of core_load.
insns() {
	printf '%s\n' "$1" | awk -v p="$2" '$1 == p { sub(":", "", $2); print $2 }'
}

# The output without lengths: "NAME: ARGS" lines.
args_only() {
	printf '%s\n' "$output" | sed 's/^\([a-z_]*\) [0-9]*:/\1:/'
}

@test "a read of a field the kernel lacks, left unguarded, fails the load" {
	run core_load sched task_struct.tgid
	assert_failure
	assert_output --partial "task_struct.tgid"
}

@test "no program reads a tracepoint argument that older kernels do not pass" {
	# sched_switch has passed prev_state as 4th argument only since 5.18,
	# tcp_retransmit_skb its error as 3rd only since 6.17.
	run core_load sched
	assert_success
	assert_equal "$(args_only)" "sched_switch: 1 2"
	run core_load syscall
	assert_success
	assert_equal "$(args_only)" "$(printf '%s\n' 'sys_enter: 1' 'sys_exit: 1' \
		'syscall_sched_switch: 0 1' 'syscall_thread_exit: 0')"
	run core_load mem
	assert_success
	assert_equal "$(args_only)" "$(printf '%s:\n' page_fault_user direct_reclaim_begin \
		direct_reclaim_end memcg_reclaim_begin memcg_reclaim_end)"
	run core_load proc
	assert_success
	assert_equal "$(args_only)" "proc_exit: 0"
	run core_load tcp trace_event_raw_tcp_retransmit_skb.err
	assert_success
	assert_equal "$(args_only)" "$(printf '%s\n' 'tcp_recv: 0 1' 'tcp_send: 0 1' \
		'tcp_state: 0 1 2' 'tcp_retransmit: 0')"
}

@test "tcp_retransmit_skb: the error is read where the kernel passes it (6.17+)" {
	run core_load tcp
	assert_success
	assert_line --regexp '^tcp_retransmit [0-9]+: 0 2$'
}

@test "tcp loads without CONFIG_NET_NS" {
	run core_load tcp possible_net_t.net
	assert_success
	assert_line --regexp '^tcp_state [0-9]+: 0 1 2$'
}

@test "sched loads without group scheduling or sched_info: the run-queue code is dropped at load" {
	local full
	run core_load sched
	assert_success
	full=$(insns "$output" sched_switch)
	for hide in sched_entity.cfs_rq cfs_rq.rq sched_info.last_queued; do
		run core_load sched "$hide"
		assert_success
		[ "$(insns "$output" sched_switch)" -lt "$full" ] ||
			fail "$hide hidden: sched_switch not shorter than $full insns"
	done
}

@test "syscall reads the task state from state before 5.14, __state since" {
	local b="$BATS_FILE_TMPDIR"
	# A kernel before 5.14 as far as this relocation is concerned.
	printf '%s\n' 'struct task_struct { volatile long state; int pid; int tgid; };' \
		'struct task_struct *keep;' >"$b/old.c"
	clang -g -O2 -target bpf -c "$b/old.c" -o "$b/old.o"
	run bpftool gen min_core_btf "$b/old.o" "$b/old.btf" "$b/b/syscall.bpf.o"
	assert_success
	run bpftool btf dump file "$b/old.btf" format c
	assert_output --partial "volatile long state;"
	refute_output --partial "__state"
	run bpftool gen min_core_btf /sys/kernel/btf/vmlinux "$b/new.btf" "$b/b/syscall.bpf.o"
	assert_success
	run bpftool btf dump file "$b/new.btf" format c
	assert_output --partial "unsigned int __state;"
	refute_output --regexp "[^_]state;"
}
