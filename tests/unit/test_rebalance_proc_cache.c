// SPDX-License-Identifier: GPL-2.0
/* The process cache lists /proc again only when it must. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rebalance/proc_cache.h"

static const struct proc_id *lookup(const struct proc_cache *c, uint32_t pid)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->ids[i].pid == pid)
			return &c->ids[i];
	return NULL;
}

/* A snapshot naming @pid as @comm. */
static void snap_of(struct snapshot *s, uint32_t pid, const char *comm)
{
	struct proc_snapshot *p;

	snapshot_init(s);
	p = snapshot_proc(s, pid);
	assert_non_null(p);
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
}

static void test_rescans_only_when_needed(void **state)
{
	uint32_t self = (uint32_t)getpid();
	struct proc_cache c;
	struct snapshot s;
	char comm[PROC_COMM_LEN] = "";
	FILE *f = fopen("/proc/self/comm", "r");

	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	proc_cache_init(&c);
	snap_of(&s, self, comm);
	assert_int_equal(proc_cache_update(&c, &s), 0);
	assert_int_equal(c.scans, 1);
	assert_true(c.reads >= 1);
	assert_non_null(lookup(&c, self));
	assert_string_equal(lookup(&c, self)->comm, comm);
	assert_non_null(lookup(&c, 1));
	/* Known processes only: no listing, whatever ran meanwhile. */
	for (int i = 0; i < PROC_CACHE_RESCAN - 2; i++)
		assert_int_equal(proc_cache_update(&c, &s), 0);
	assert_int_equal(c.scans, 1);
	snapshot_free(&s);

	/* An exec renames a known process: the snapshot's name is taken. */
	snap_of(&s, self, "renamed");
	assert_int_equal(proc_cache_update(&c, &s), 0);
	assert_int_equal(c.scans, 1);
	assert_string_equal(lookup(&c, self)->comm, "renamed");
	snapshot_free(&s);

	/* Every PROC_CACHE_RESCAN intervals, a listing anyway. */
	snap_of(&s, self, "renamed");
	assert_int_equal(proc_cache_update(&c, &s), 0);
	assert_int_equal(c.scans, 2);
	snapshot_free(&s);

	/* A pid the cache does not know: listed again (it is not in /proc:
	 * not added). */
	snap_of(&s, 0x3ffffff0, "ghost");
	assert_int_equal(proc_cache_update(&c, &s), 0);
	assert_int_equal(c.scans, 3);
	assert_null(lookup(&c, 0x3ffffff0));
	snapshot_free(&s);
	proc_cache_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rescans_only_when_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
