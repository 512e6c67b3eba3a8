// SPDX-License-Identifier: GPL-2.0
/* Rolling windows: what each span covers, and the trimming of older intervals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/window.h"

#define SEC 1000000000ULL

/* Interval number @k: pid 10 ("api") made k+1 read() calls of 1 ms; pid 20
 * ("db") has an RSS of k MB and no syscalls. */
static void make_interval(struct snapshot *s, int k, bool api_exits)
{
	struct proc_snapshot *p;
	struct syscall_stat *sc;

	snapshot_init(s);
	s->duration_ns = SEC;
	s->started_at_ns = (uint64_t)(1000 + k) * SEC;
	p = snapshot_proc(s, 10);
	strcpy(p->comm, "api");
	p->exited = api_exits;
	sc = proc_syscall(p, 0);
	for (int i = 0; i <= k; i++)
		assert_int_equal(hist_record(&sc->lat, 1000000), 0);
	sc->count = (uint64_t)k + 1;
	p = snapshot_proc(s, 20);
	strcpy(p->comm, "db");
	p->alloc.rss_bytes = (uint64_t)(k + 1) << 20;
}

static uint64_t read_calls(const struct snapshot *w, uint32_t pid)
{
	const struct proc_snapshot *p = snapshot_find(w, pid);

	return p && p->n_syscalls ? p->syscalls[0].count : 0;
}

static void push(struct windows *w, int k, bool api_exits)
{
	struct snapshot s;

	make_interval(&s, k, api_exits);
	assert_int_equal(windows_push(w, &s), 0);
	assert_int_equal(s.n_procs, 0); /* taken over */
}

static void test_spans(void **unused)
{
	struct window_needs needs = {.spans = (1u << WINDOW_1S) | (1u << WINDOW_10S) |
					      (1u << WINDOW_1M),
				     .data = WDATA_SYSCALL | WDATA_ALLOC,
				     .all_procs = true};
	struct windows *w = windows_new(SEC, &needs);
	const struct snapshot *win;

	assert_non_null(w);
	assert_null(windows_get(w, WINDOW_10S));
	for (int k = 0; k < 75; k++)
		push(w, k, false);
	/* 1 s: the latest interval (k = 74: 75 calls). */
	win = windows_get(w, WINDOW_1S);
	assert_ptr_equal(win, windows_latest(w));
	assert_int_equal(read_calls(win, 10), 75);
	/* 10 s: k = 65..74, sum of k+1 = 66..75. */
	win = windows_get(w, WINDOW_10S);
	assert_int_equal(win->duration_ns, 10 * SEC);
	assert_int_equal(read_calls(win, 10), (66 + 75) * 10 / 2);
	assert_int_equal(snapshot_find(win, 10)->syscalls[0].lat.count, (66 + 75) * 10 / 2);
	/* RSS is a level: the newest value. */
	assert_int_equal(snapshot_find(win, 20)->alloc.rss_bytes, 75ULL << 20);
	/* 1 min: 5 full blocks (k = 10..59), the block being filled (60..73)
	 * and the latest (74): 65 intervals, between 50 and 60 s plus the
	 * partial block. */
	win = windows_get(w, WINDOW_1M);
	assert_true(win->duration_ns >= 50 * SEC && win->duration_ns <= 70 * SEC);
	{
		uint64_t first = 75 - win->duration_ns / SEC, want = 0;

		for (uint64_t k = first; k < 75; k++)
			want += k + 1;
		assert_int_equal(read_calls(win, 10), want);
	}
	/* Cached until the next push. */
	assert_ptr_equal(windows_get(w, WINDOW_10S), windows_get(w, WINDOW_10S));
	windows_free(w);
}

static void test_trimming(void **unused)
{
	char *comms[] = {"ap?"};
	struct window_needs needs = {
		.spans = 1u << WINDOW_10S, .data = WDATA_SYSCALL, .comms = comms, .n_comms = 1};
	struct windows *w = windows_new(SEC, &needs);
	const struct snapshot *win;

	for (int k = 0; k < 3; k++)
		push(w, k, false);
	/* The latest is whole: db is there with its RSS. */
	assert_non_null(snapshot_find(windows_latest(w), 20));
	/* Older intervals kept only api's syscalls: db (no syscalls, no
	 * matching comm) comes from the latest alone. */
	win = windows_get(w, WINDOW_10S);
	assert_int_equal(read_calls(win, 10), 1 + 2 + 3);
	assert_int_equal(snapshot_find(win, 20)->alloc.rss_bytes, 3ULL << 20);
	push(w, 3, true); /* api exits */
	push(w, 4, false);
	/* The exit stays visible for the whole window (a record marked exited
	 * in the trimmed interval), so api's alerts resolve. */
	win = windows_get(w, WINDOW_10S);
	assert_true(snapshot_find(win, 10)->exited);
	windows_free(w);
}

static void test_window_choice(void **unused)
{
	assert_int_equal(window_span_for(0, 0), WINDOW_10S);
	assert_int_equal(window_span_for(0, 30 * SEC), WINDOW_10S);
	assert_int_equal(window_span_for(0, 60 * SEC), WINDOW_1M);
	assert_int_equal(window_span_for(SEC, 60 * SEC), WINDOW_1S);
	assert_int_equal(window_span_for(60 * SEC, 0), WINDOW_1M);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_trimming),
		cmocka_unit_test(test_window_choice),
	};

	return cmocka_run_group_tests_name("window", tests, NULL, NULL);
}
