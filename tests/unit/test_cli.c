// SPDX-License-Identifier: GPL-2.0
/* Command-line helpers: durations, probe lists, cgroup ids, shared options. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/cli.h"

/* ---- parse_duration_ns ---- */

static void assert_duration(const char *text, uint64_t want)
{
	uint64_t ns = 0xdeadbeef;
	int err = parse_duration_ns(text, &ns);

	if (err || ns != want) {
		print_error("parse_duration_ns(\"%s\"): err %d, %llu ns, want %llu\n", text, err,
			    (unsigned long long)ns, (unsigned long long)want);
		fail();
	}
}

static void assert_duration_rejected(const char *text)
{
	uint64_t ns = 0xdeadbeef;
	int err = parse_duration_ns(text, &ns);

	if (err >= 0 || ns != 0xdeadbeef) {
		print_error("parse_duration_ns(\"%s\") accepted: err %d, %llu ns\n", text, err,
			    (unsigned long long)ns);
		fail();
	}
}

static void test_duration_units(void **state)
{
	assert_duration("500ms", 500000000ULL);
	assert_duration("2s", 2000000000ULL);
	assert_duration("1m", 60000000000ULL);
	assert_duration("1h", 3600000000000ULL);
	assert_duration("250us", 250000ULL);
	assert_duration("100ns", 100ULL);
	assert_duration("1.5s", 1500000000ULL);
	assert_duration("0.1s", 100000000ULL);
	assert_duration(".5s", 500000000ULL);
	assert_duration("2.5ms", 2500000ULL);
	assert_duration("0s", 0);
	assert_duration("0", 0);
}

static void test_duration_bare_number_is_seconds(void **state)
{
	assert_duration("3", 3000000000ULL);
	assert_duration("10", 10000000000ULL);
	assert_duration("0.25", 250000000ULL);
}

static void test_duration_rejects(void **state)
{
	static const char *const bad[] = {
		"",	"-1s",	"+1s", "-0",	 "2x",	 "ms",	   "s",	   "1e400s", "1e12h",
		"2 s",	"2s ",	" 2s", "2sec",	 "2S",	 "1.5.5s", "nan",  "nans",   "inf",
		"infs", "1ms2", "abc", "1 000s", "1,5s", ".",	   "--1s",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_duration_rejected(bad[i]);
	assert_duration_rejected(NULL);
	assert_int_equal(parse_duration_ns("1e400s", &(uint64_t){0}) < 0, 1);
}

/* ---- parse_probes ---- */

static void test_probes_valid(void **state)
{
	unsigned int p = 0;

	assert_int_equal(parse_probes("syscall", &p), 0);
	assert_int_equal(p, PROBE_SYSCALL);
	assert_int_equal(parse_probes("tcp,sched", &p), 0);
	assert_int_equal(p, PROBE_TCP | PROBE_SCHED);
	assert_int_equal(parse_probes("syscall,tcp,sched,mem,alloc,proto", &p), 0);
	assert_int_equal(p, PROBES_ALL);
	assert_int_equal(parse_probes("alloc,mem", &p), 0);
	assert_int_equal(p, PROBE_ALLOC | PROBE_MEM);
	assert_int_equal(parse_probes("syscall,syscall", &p), 0);
	assert_int_equal(p, PROBE_SYSCALL);
	/* The result replaces, never accumulates onto, the previous set. */
	assert_int_equal(parse_probes("mem", &p), 0);
	assert_int_equal(p, PROBE_MEM);
}

static void test_probes_invalid_leave_value(void **state)
{
	static const char *const bad[] = {"",	     ",",   "bogus",	"syscall,bogus",
					  "Syscall", "sys", "syscalls", "tcp;sched"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned int p = 0x5a5a;

		if (parse_probes(bad[i], &p) >= 0 || p != 0x5a5a) {
			print_error("parse_probes(\"%s\") accepted: %#x\n", bad[i], p);
			fail();
		}
	}
}

/* ---- cgroup_path_to_id ---- */

/* The id the kernel itself gives a cgroup: the file handle of its directory
 * on cgroup2 (what bpf_get_current_cgroup_id() returns for its members). */
static uint64_t kernel_cgroup_id(const char *dir)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = {.fh.handle_bytes = sizeof(uint64_t)};
	int mount_id;

	if (name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0)) {
		print_error("name_to_handle_at(%s): %s\n", dir, strerror(errno));
		fail();
	}
	assert_int_equal(h.fh.handle_bytes, sizeof(uint64_t));
	return h.id;
}

static const char *cgroup2_mount(void)
{
	static char mnt[256];
	char dev[64], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");

	assert_non_null(f);
	mnt[0] = 0;
	while (fscanf(f, "%63s %255s %63s %*[^\n]", dev, mnt, type) == 3)
		if (!strcmp(type, "cgroup2"))
			break;
		else
			mnt[0] = 0;
	fclose(f);
	if (!mnt[0]) {
		print_error("no cgroup2 mount\n");
		fail();
	}
	return mnt;
}

static void test_cgroup_root(void **state)
{
	uint64_t id = 0;

	assert_int_equal(cgroup_path_to_id("/", &id), 0);
	assert_int_equal(id, kernel_cgroup_id(cgroup2_mount()));
	assert_int_equal(id, 1); /* the v2 root's id */
}

static void test_cgroup_missing(void **state)
{
	uint64_t id = 77;

	assert_int_equal(cgroup_path_to_id("/hivemon-no-such-cgroup", &id), -ENOENT);
	assert_int_equal(cgroup_path_to_id("hivemon-no-such-cgroup/x", &id), -ENOENT);
	assert_int_equal(cgroup_path_to_id("/sys/fs/cgroup/hivemon-no-such", &id), -ENOENT);
	assert_int_equal(cgroup_path_to_id("/cgroup.procs", &id), -ENOTDIR);
	assert_int_equal(id, 77);
}

/* A cgroup made for the test resolves to the id the kernel reports, given as
 * a v2 path ("/a/b", "a/b") or as an absolute path under the mount. */
static void test_cgroup_child(void **state)
{
	char name[64], dir[512], rel[80];
	uint64_t want, id[3] = {0, 0, 0};
	int err[3];

	snprintf(name, sizeof(name), "hivemon-unit-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/%s", cgroup2_mount(), name);
	if (mkdir(dir, 0755)) {
		print_error("mkdir %s: %s (the unit tests run as root)\n", dir, strerror(errno));
		fail();
	}
	snprintf(rel, sizeof(rel), "/%s", name);
	err[0] = cgroup_path_to_id(rel, &id[0]);
	err[1] = cgroup_path_to_id(name, &id[1]);
	err[2] = cgroup_path_to_id(dir, &id[2]);
	want = kernel_cgroup_id(dir);
	rmdir(dir); /* before any assertion can end the test */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(err[i], 0);
		assert_int_equal(id[i], want);
	}
	assert_true(want != 1);
}

/* ---- cli_common_option ---- */

static void test_common_option_valid(void **state)
{
	struct probe_opts o, untouched;

	probe_opts_default(&o);
	assert_int_equal(o.probes, PROBES_DEFAULT);
	assert_false(o.exact);
	assert_false(o.verbose);
	assert_int_equal(o.filter.n_pids, 0);

	assert_int_equal(cli_common_option('p', "1234", &o), 1);
	assert_int_equal(cli_common_option('p', "1", &o), 1);
	assert_int_equal(o.filter.n_pids, 2);
	assert_int_equal(o.filter.pids[0], 1234);
	assert_int_equal(o.filter.pids[1], 1);

	assert_int_equal(cli_common_option('c', "nginx", &o), 1);
	assert_int_equal(cli_common_option('c', "fifteen-chars-x", &o), 1);
	assert_int_equal(o.filter.n_comms, 2);
	assert_string_equal(o.filter.comms[0], "nginx");
	assert_string_equal(o.filter.comms[1], "fifteen-chars-x");

	assert_int_equal(cli_common_option('g', "/", &o), 1);
	assert_int_equal(o.filter.cgroup_id, 1);

	assert_int_equal(cli_common_option('P', "syscall,alloc", &o), 1);
	assert_int_equal(o.probes, PROBE_SYSCALL | PROBE_ALLOC);
	assert_int_equal(cli_common_option('x', NULL, &o), 1);
	assert_true(o.exact);
	assert_int_equal(cli_common_option('v', NULL, &o), 1);
	assert_true(o.verbose);

	/* Not a shared option: 0, and nothing changes. */
	memcpy(&untouched, &o, sizeof(o));
	assert_int_equal(cli_common_option('d', "5s", &o), 0);
	assert_int_equal(cli_common_option('f', "json", &o), 0);
	assert_memory_equal(&o, &untouched, sizeof(o));
}

static void test_common_option_pid_limit(void **state)
{
	struct probe_opts o;
	char pid[16];

	probe_opts_default(&o);
	for (int i = 0; i < FILTER_PIDS_MAX; i++) {
		snprintf(pid, sizeof(pid), "%d", 100 + i);
		assert_int_equal(cli_common_option('p', pid, &o), 1);
	}
	assert_int_equal(o.filter.n_pids, FILTER_PIDS_MAX);
	assert_int_equal(o.filter.pids[FILTER_PIDS_MAX - 1], 100 + FILTER_PIDS_MAX - 1);
}

/*
 * Runs cli_common_option in a child (a bad value exits) after @pre options,
 * and checks it exits 2 with exactly one "hivemon: " line on stderr that
 * contains @needle.
 */
static void assert_usage_exit(int opt, const char *arg, int pre_opt, int n_pre, const char *needle)
{
	char buf[1024] = "";
	int fds[2], status;
	ssize_t len = 0, r;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct probe_opts o;
		char pre[16];

		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		probe_opts_default(&o);
		for (int i = 0; i < n_pre; i++) {
			snprintf(pre, sizeof(pre), pre_opt == 'p' ? "%d" : "c%d", 100 + i);
			cli_common_option(pre_opt, pre, &o);
		}
		cli_common_option(opt, arg, &o);
		_exit(0); /* returned: the bad value was accepted */
	}
	close(fds[1]);
	while ((r = read(fds[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += r;
	buf[len] = 0;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_USAGE) {
		print_error("-%c '%s': status %#x, stderr '%s'\n", opt, arg, status, buf);
		fail();
	}
	assert_int_equal(strncmp(buf, "hivemon: ", 9), 0);
	assert_non_null(strstr(buf, needle));
	/* One line: a newline only at the very end. */
	assert_true(len > 0 && buf[len - 1] == '\n');
	assert_ptr_equal(strchr(buf, '\n'), buf + len - 1);
}

static void test_common_option_invalid_exits_2(void **state)
{
	static const char *const bad_pids[] = {"0", "-5",	   "abc",	"12x",
					       "",  "99999999999", "1073741824"};
	char long_comm[PROC_COMM_LEN + 1];

	for (size_t i = 0; i < sizeof(bad_pids) / sizeof(bad_pids[0]); i++)
		assert_usage_exit('p', bad_pids[i], 0, 0, "--pid");
	memset(long_comm, 'a', PROC_COMM_LEN);
	long_comm[PROC_COMM_LEN] = 0;
	assert_usage_exit('c', "", 0, 0, "--comm");
	assert_usage_exit('c', long_comm, 0, 0, "--comm");
	assert_usage_exit('g', "/hivemon-no-such-cgroup", 0, 0, "--cgroup");
	assert_usage_exit('g', "/cgroup.procs", 0, 0, "--cgroup");
	assert_usage_exit('P', "bogus", 0, 0, "--probes");
	assert_usage_exit('P', "", 0, 0, "--probes");
	assert_usage_exit('P', "syscall,nope", 0, 0, "--probes");
	assert_usage_exit('p', "42", 'p', FILTER_PIDS_MAX, "--pid");
	assert_usage_exit('c', "x", 'c', FILTER_COMMS_MAX, "--comm");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_bare_number_is_seconds),
		cmocka_unit_test(test_duration_rejects),
		cmocka_unit_test(test_probes_valid),
		cmocka_unit_test(test_probes_invalid_leave_value),
		cmocka_unit_test(test_cgroup_root),
		cmocka_unit_test(test_cgroup_missing),
		cmocka_unit_test(test_cgroup_child),
		cmocka_unit_test(test_common_option_valid),
		cmocka_unit_test(test_common_option_pid_limit),
		cmocka_unit_test(test_common_option_invalid_exits_2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
