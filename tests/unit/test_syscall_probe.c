// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall probe module against the real kernel (needs root and BPF): a
 * child makes a known number of getppid calls and exits; successive
 * collects count them exactly once, and what reaches the child's record
 * after it was found final (a late flush, or a new process that got the
 * same pid) is counted when the record is deleted, not lost with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "kernel/loader.h"
#include "kernel_fixture.h"
#include "probes/probe.h"

#define CALLS 1000
#define LATE  100

static uint64_t getppid_calls(const struct snapshot *snap, pid_t pid)
{
	const struct proc_snapshot *p = snapshot_find(snap, (uint32_t)pid);

	for (size_t i = 0; p && i < p->n_syscalls; i++)
		if (p->syscalls[i].nr == SYS_getppid)
			return p->syscalls[i].count;
	return 0;
}

static uint64_t collect(void *state, struct snapshot *snap, pid_t pid)
{
	snapshot_free(snap);
	snapshot_init(snap);
	assert_int_equal(syscall_probe.collect(state, snap), 0);
	return getppid_calls(snap, pid);
}

static void late_calls_of_a_final_record_are_counted(void **unused)
{
	struct probe_opts opts = {.probes = PROBE_SYSCALL, .max_procs = 64};
	struct syscall_key key = {.nr = SYS_getppid};
	struct probe_shared shared;
	struct syscall_val val;
	struct snapshot snap;
	uint32_t last_id = newest_map_id();
	uint64_t total = 0;
	void *state = NULL;
	pid_t child;
	int status, fd;

	assert_int_equal(loader_init(false), 0);
	probe_shared_init(&shared);
	assert_int_equal(syscall_probe.open(&opts, &shared, &state), 0);
	snapshot_init(&snap);
	fd = map_fd_since(last_id, "syscall_stats");
	assert_true(fd >= 0);

	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		for (int i = 0; i < CALLS; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	/* Dead at two collects: final at the second, its record read then. */
	total += collect(state, &snap, child);
	total += collect(state, &snap, child);
	assert_int_equal(total, CALLS);

	/* Calls reaching the record after that read. */
	key.tgid = (uint32_t)child;
	assert_int_equal(bpf_map_lookup_elem(fd, &key, &val), 0);
	val.count += LATE;
	assert_int_equal(bpf_map_update_elem(fd, &key, &val, BPF_EXIST), 0);

	/* The next collect deletes the record and counts them. */
	assert_int_equal(collect(state, &snap, child), LATE);
	assert_int_not_equal(bpf_map_lookup_elem(fd, &key, &val), 0);
	assert_int_equal(collect(state, &snap, child), 0);

	close(fd);
	snapshot_free(&snap);
	syscall_probe.close(state);
	probe_shared_release(&shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(late_calls_of_a_final_record_are_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
