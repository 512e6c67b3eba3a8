// SPDX-License-Identifier: GPL-2.0
/* Unit tests of service names from cgroups and the grouping of a snapshot. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/services.h"

static void test_cgroup_names(void **unused)
{
	char buf[SERVICE_NAME_LEN];

	assert_string_equal(service_name_of_cgroup("/system.slice/nginx.service", buf), "nginx");
	assert_string_equal(service_name_of_cgroup("/system.slice/web@3.service", buf), "web@3");
	assert_string_equal(service_name_of_cgroup("/kubepods/pod1/ctr", buf), "ctr");
	assert_string_equal(
		service_name_of_cgroup(
			"/system.slice/docker-0123456789abcdef0123456789abcdef0123456789"
			"abcdef0123456789abcdef.scope",
			buf),
		"docker-0123456789ab");
	assert_null(service_name_of_cgroup("/", buf));
	assert_null(service_name_of_cgroup("", buf));
	assert_null(service_name_of_cgroup(NULL, buf));
	assert_null(service_name_of_cgroup("/init.scope", buf));
	assert_null(service_name_of_cgroup("/user.slice/user-0.slice/session-3.scope", buf));
}

/* This test process: not in a service cgroup here, so its executable
 * names it, and a second look gives the same key. */
static void test_identify_self(void **unused)
{
	struct service_id a, b;

	assert_int_equal(service_identify((uint32_t)getpid(), "/", "test_services", &a), 0);
	assert_int_equal(service_identify((uint32_t)getpid(), "/", "test_services", &b), 0);
	assert_string_equal(a.name, "test_services");
	assert_true(a.key && a.key == b.key);
	assert_int_equal(service_identify((uint32_t)getpid(), "/system.slice/api.service", "x", &a),
			 0);
	assert_string_equal(a.name, "api");
	assert_int_equal(service_identify(0x3ffffff0, "/", "gone", &a), -ESRCH);
	assert_string_equal(a.name, "gone");
}

static struct proc_snapshot *proc(struct snapshot *s, uint32_t pid, const char *name, uint64_t key)
{
	struct proc_snapshot *p = snapshot_proc(s, pid);

	strcpy(p->comm, name);
	strcpy(p->service, name);
	p->service_key = key;
	return p;
}

/* Same key, one service; two keys named alike get distinct names. */
static void test_grouping(void **unused)
{
	struct snapshot s;
	struct services svcs;
	const struct service *pg;

	snapshot_init(&s);
	proc(&s, 10, "postgres", 1);
	proc(&s, 11, "postgres", 1);
	proc(&s, 12, "postgres", 1);
	proc(&s, 20, "pgbench", 2);
	proc(&s, 30, "pgbench", 3);
	assert_int_equal(services_build(&s, &svcs), 0);
	assert_int_equal(svcs.n, 3);
	pg = services_of_proc(&svcs, 1);
	assert_string_equal(pg->name, "postgres");
	assert_int_equal(pg->n_procs, 3);
	assert_ptr_equal(services_of_proc(&svcs, 0), pg);
	assert_string_equal(services_of_proc(&svcs, 3)->name, "pgbench");
	assert_string_equal(services_of_proc(&svcs, 4)->name, "pgbench:2");
	services_free(&svcs);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_names),
		cmocka_unit_test(test_identify_self),
		cmocka_unit_test(test_grouping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
