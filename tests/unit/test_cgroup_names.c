// SPDX-License-Identifier: GPL-2.0
/* The cgroup name cache: bounded, and a reused pid never keeps an old cgroup.
 * Real processes in a real cgroup v2 directory (root; skipped otherwise). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/cgroup_names.h"

struct fixture {
	char dir[4096]; /* a cgroup made for the test */
	char name[64];	/* its path below the mount, "/hivemon-test-N" */
	char own[4096]; /* this process's cgroup */
};

static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* A failed assertion must not leave it behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	return pid;
}

static void end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int write_file(const char *path, long value)
{
	FILE *f = fopen(path, "we");
	int err;

	if (!f)
		return -1;
	fprintf(f, "%ld\n", value);
	err = fclose(f);
	return err ? -1 : 0;
}

static int move_to(const struct fixture *fx, pid_t pid)
{
	char procs[4200];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", fx->dir);
	return write_file(procs, pid);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char mount[4000], line[4096];
	FILE *f;

	if (!fx || !cgroup2_mount(mount, sizeof(mount)))
		return -1;
	snprintf(fx->name, sizeof(fx->name), "/hivemon-test-%d", (int)getpid());
	snprintf(fx->dir, sizeof(fx->dir), "%s%s", mount, fx->name);
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(fx->own, sizeof(fx->own), "%s", line + 3);
		}
	if (f)
		fclose(f);
	if (mkdir(fx->dir, 0755)) {
		free(fx);
		*state = NULL;
		return 0;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx)
		rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A new process that gets the pid of one that lived in another cgroup. */
static void test_reused_pid_gets_its_own_cgroup(void **state)
{
	struct fixture *fx = *state;
	struct cgroup_names cn;
	pid_t first, second = -1;
	const char *path;

	if (!fx)
		skip();
	cgroup_names_init(&cn);
	first = sleeper();
	assert_int_equal(move_to(fx, first), 0);
	path = cgroup_names_of_pid(&cn, (uint32_t)first);
	assert_non_null(path);
	assert_string_equal(path, fx->name);
	end(first);
	/* Ask the kernel for the same pid again (others may take it first). */
	for (int tries = 0; tries < 100 && second != first; tries++) {
		if (second > 0)
			end(second);
		if (write_file("/proc/sys/kernel/ns_last_pid", (long)first - 1))
			break;
		second = sleeper();
	}
	if (second != first) {
		if (second > 0)
			end(second);
		cgroup_names_free(&cn);
		skip();
	}
	path = cgroup_names_of_pid(&cn, (uint32_t)second);
	assert_non_null(path);
	assert_string_equal(path, fx->own);
	end(second);
	cgroup_names_free(&cn);
}

/* A process moved to another cgroup shows the new one once its cached
 * name is max_age_s old (0 here: at once). */
static void test_moved_process_shows_new_cgroup(void **state)
{
	struct fixture *fx = *state;
	struct cgroup_names cn;
	pid_t pid;

	if (!fx)
		skip();
	cgroup_names_init(&cn);
	cn.max_age_s = 0;
	pid = sleeper();
	assert_string_equal(cgroup_names_of_pid(&cn, (uint32_t)pid), fx->own);
	assert_int_equal(move_to(fx, pid), 0);
	assert_string_equal(cgroup_names_of_pid(&cn, (uint32_t)pid), fx->name);
	/* Gone: the last cgroup seen is what it had. */
	end(pid);
	assert_string_equal(cgroup_names_of_pid(&cn, (uint32_t)pid), fx->name);
	cgroup_names_free(&cn);
}

/* More processes than the bound: the cache stays within it. */
static void test_bounded(void **state)
{
	enum { PROCS = 40, BOUND = 8 };
	struct fixture *fx = *state;
	struct cgroup_names cn;
	pid_t pids[PROCS];
	size_t most = 0;

	if (!fx)
		skip();
	cgroup_names_init(&cn);
	cn.max_pids = BOUND;
	for (int i = 0; i < PROCS; i++) {
		pids[i] = sleeper();
		assert_int_equal(move_to(fx, pids[i]), 0);
		assert_string_equal(cgroup_names_of_pid(&cn, (uint32_t)pids[i]), fx->name);
		if (cn.by_pid.n > most)
			most = cn.by_pid.n;
	}
	assert_true(most <= BOUND);
	/* The latest ones are still remembered after they exit. */
	end(pids[PROCS - 1]);
	assert_string_equal(cgroup_names_of_pid(&cn, (uint32_t)pids[PROCS - 1]), fx->name);
	/* The oldest are forgotten: nothing to say once they are gone. */
	end(pids[0]);
	assert_null(cgroup_names_of_pid(&cn, (uint32_t)pids[0]));
	for (int i = 1; i < PROCS - 1; i++)
		end(pids[i]);
	cgroup_names_free(&cn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_pid_gets_its_own_cgroup),
		cmocka_unit_test(test_moved_process_shows_new_cgroup),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
