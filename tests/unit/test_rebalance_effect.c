// SPDX-License-Identifier: GPL-2.0
/* Before/after effect of an action on fixed windows, and the daemon's action log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rebalance/action_log.h"

#define MS  1000000ULL
#define SEC 1000000000ULL

/* One window of 1 s: members @pids; each on a CPU @oncpu_ms, with @waits
 * run-queue waits of @wait_ms, and (pid 101 only) @reqs server requests of
 * @req_ms each. A pid with oncpu_ms 0 is idle: no record. */
struct window {
	struct snapshot snap;
	struct group_member m[4];
	struct group_state g;
};

static void window_make(struct window *w, const uint32_t *pids, size_t n, uint64_t oncpu_ms,
			uint64_t wait_ms, int reqs, uint64_t req_ms)
{
	snapshot_init(&w->snap);
	w->snap.duration_ns = SEC;
	memset(w->m, 0, sizeof(w->m));
	for (size_t i = 0; i < n; i++) {
		struct proc_snapshot *p;

		w->m[i].pid = pids[i];
		strcpy(w->m[i].comm, "w");
		if (!oncpu_ms)
			continue;
		p = snapshot_proc(&w->snap, pids[i]);
		assert_non_null(p);
		p->sched.oncpu_ns = oncpu_ms * MS;
		for (int k = 0; k < 10; k++)
			assert_int_equal(hist_record(&p->sched.runq, wait_ms * MS), 0);
		if (pids[i] == 101 && reqs) {
			struct tcp_request_stat *r =
				proc_tcp_request(p, TCP_ROLE_SERVER, NULL, NULL);

			assert_non_null(r);
			for (int k = 0; k < reqs; k++)
				assert_int_equal(hist_record(&r->lat, req_ms * MS), 0);
			r->count += (uint64_t)reqs;
		}
	}
	w->g = (struct group_state){
		.name = "web", .members = w->m, .n_members = n, .window_ns = SEC};
}

static void window_free(struct window *w)
{
	snapshot_free(&w->snap);
}

static const json_t *member(const json_t *effect, uint32_t pid)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(effect, "members"), i,
			   m) if (json_integer_value(json_object_get(m, "pid")) == pid) return m;
	fail_msg("no member %u", pid);
	return NULL;
}

static double fig(const json_t *m, const char *side, const char *key)
{
	return json_number_value(json_object_get(json_object_get(m, side), key));
}

/* Four members at 250 ms of CPU per 1 s window before, 500 ms after;
 * waits of 40 ms before, 10 ms after; one member serves 20 requests of
 * 5 ms before and 40 of 2 ms after. */
static void test_before_after_figures(void **state)
{
	static const uint32_t pids[] = {101, 102, 103, 104};
	struct effect_span before, after;
	struct window w;
	json_t *e;

	effect_span_init(&before);
	effect_span_init(&after);
	for (int i = 0; i < 3; i++) {
		window_make(&w, pids, 4, 250, 40, 20, 5);
		assert_int_equal(effect_span_add(&before, &w.g, &w.snap), 0);
		window_free(&w);
	}
	for (int i = 0; i < 2; i++) {
		window_make(&w, pids, 4, 500, 10, 40, 2);
		assert_int_equal(effect_span_add(&after, &w.g, &w.snap), 0);
		window_free(&w);
	}
	e = effect_to_json(&before, &after);
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "windows_before")), 3);
	assert_int_equal(json_integer_value(json_object_get(e, "windows_after")), 2);
	assert_int_equal(json_array_size(json_object_get(e, "members")), 4);
	for (uint32_t pid = 101; pid <= 104; pid++) {
		const json_t *m = member(e, pid);

		assert_float_equal(fig(m, "before", "cpu_percent"), 25.0, 1e-9);
		assert_float_equal(fig(m, "after", "cpu_percent"), 50.0, 1e-9);
		/* Bucket midpoints clamped to the exact min/max: exact here. */
		assert_int_equal((uint64_t)fig(m, "before", "runq_p99_ns"), 40 * MS);
		assert_int_equal((uint64_t)fig(m, "after", "runq_p99_ns"), 10 * MS);
	}
	assert_float_equal(fig(member(e, 101), "before", "requests_per_s"), 20.0, 1e-9);
	assert_float_equal(fig(member(e, 101), "after", "requests_per_s"), 40.0, 1e-9);
	assert_int_equal((uint64_t)fig(member(e, 101), "before", "request_p50_ns"), 5 * MS);
	assert_int_equal((uint64_t)fig(member(e, 101), "after", "request_p99_ns"), 2 * MS);
	assert_true(json_is_null(
		json_object_get(json_object_get(member(e, 102), "before"), "request_p99_ns")));
	{
		const json_t *g = json_object_get(e, "group");

		assert_float_equal(fig(g, "before", "cpu_percent"), 25.0, 1e-9);
		assert_float_equal(fig(g, "after", "cpu_percent"), 50.0, 1e-9);
		assert_float_equal(fig(g, "after", "requests_per_s"), 40.0, 1e-9);
		assert_int_equal((uint64_t)fig(g, "before", "runq_p99_ns"), 40 * MS);
		assert_int_equal(json_integer_value(
					 json_object_get(json_object_get(g, "before"), "members")),
				 4);
	}
	json_decref(e);
	effect_span_free(&before);
	effect_span_free(&after);
}

/* A member idle in a window counts its time (0 % then); one that left is
 * null after; one that joined is null before. */
static void test_idle_gone_and_new_members(void **state)
{
	static const uint32_t first[] = {101, 102}, second[] = {101, 103};
	struct effect_span before, after;
	struct window w;
	json_t *e;

	effect_span_init(&before);
	effect_span_init(&after);
	window_make(&w, first, 2, 600, 1, 0, 0);
	assert_int_equal(effect_span_add(&before, &w.g, &w.snap), 0);
	window_free(&w);
	window_make(&w, first, 2, 0, 0, 0, 0); /* both idle */
	assert_int_equal(effect_span_add(&before, &w.g, &w.snap), 0);
	window_free(&w);
	window_make(&w, second, 2, 400, 1, 0, 0);
	assert_int_equal(effect_span_add(&after, &w.g, &w.snap), 0);
	window_free(&w);
	e = effect_to_json(&before, &after);
	assert_float_equal(fig(member(e, 101), "before", "cpu_percent"), 30.0, 1e-9);
	assert_true(json_is_null(json_object_get(member(e, 102), "after")));
	assert_true(json_is_null(json_object_get(member(e, 103), "before")));
	assert_float_equal(fig(member(e, 103), "after", "cpu_percent"), 40.0, 1e-9);
	assert_int_equal(json_array_size(json_object_get(e, "members")), 3);
	json_decref(e);
	effect_span_free(&before);
	effect_span_free(&after);
}

static void feed(struct action_log *l, uint64_t oncpu_ms, int n, const json_t **done)
{
	static const uint32_t pids[] = {101, 102};
	struct window w;

	for (int i = 0; i < n; i++) {
		window_make(&w, pids, 2, oncpu_ms, 1, 0, 0);
		*done = action_log_window(l, &w.g, &w.snap);
		window_free(&w);
	}
}

static const char *effect_state(const json_t *record)
{
	return json_string_value(json_object_get(json_object_get(record, "effect"), "state"));
}

/* The last EFFECT_WINDOWS_BEFORE windows are the before (older ones not);
 * final after EFFECT_WINDOWS_AFTER windows, handed to the history once. */
static void test_action_log(void **state)
{
	struct action_log l;
	const json_t *done = NULL;
	json_t *shown, *taken;

	action_log_init(&l);
	feed(&l, 900, 5, &done); /* too old to count */
	feed(&l, 250, EFFECT_WINDOWS_BEFORE, &done);
	assert_null(done);
	action_log_begin(&l, "move", "moved pid 102", json_pack("{s:i}", "held_intervals", 3),
			 1764500000ULL * SEC);
	feed(&l, 500, EFFECT_WINDOWS_AFTER - 1, &done);
	assert_null(done);
	shown = action_log_json(&l);
	assert_int_equal(json_array_size(shown), 1);
	assert_string_equal(effect_state(json_array_get(shown, 0)), "measuring");
	json_decref(shown);
	taken = action_log_take_finished(&l);
	assert_int_equal(json_array_size(taken), 0);
	json_decref(taken);

	feed(&l, 500, 1, &done);
	assert_non_null(done);
	assert_string_equal(effect_state(done), "done");
	assert_string_equal(json_string_value(json_object_get(done, "at")),
			    "2025-11-30T10:53:20.000Z");
	{
		const json_t *g = json_object_get(json_object_get(done, "effect"), "group");
		char text[256];

		assert_float_equal(fig(g, "before", "cpu_percent"), 25.0, 1e-9);
		assert_float_equal(fig(g, "after", "cpu_percent"), 50.0, 1e-9);
		action_effect_summary(done, text, sizeof(text));
		assert_string_equal(text,
				    "cpu 25.0% -> 50.0% per member, run-queue p99 1.0ms -> 1.0ms");
	}
	taken = action_log_take_finished(&l);
	assert_int_equal(json_array_size(taken), 1);
	json_decref(taken);
	taken = action_log_take_finished(&l);
	assert_int_equal(json_array_size(taken), 0);
	json_decref(taken);

	/* A second action while one is measured: the first is cut short. */
	action_log_begin(&l, "steering", "steering", NULL, 1764500100ULL * SEC);
	feed(&l, 500, 1, &done);
	action_log_begin(&l, "scale-out", "ran scale-out", NULL, 1764500200ULL * SEC);
	taken = action_log_take_finished(&l);
	assert_int_equal(json_array_size(taken), 1);
	assert_string_equal(effect_state(json_array_get(taken, 0)), "cut short");
	json_decref(taken);
	/* At most ACTIONS_KEPT shown, oldest dropped. */
	for (int i = 0; i < ACTIONS_KEPT; i++)
		action_log_begin(&l, "move", "again", NULL, 1764500300ULL * SEC);
	shown = action_log_json(&l);
	assert_int_equal(json_array_size(shown), ACTIONS_KEPT);
	assert_string_equal(json_string_value(json_object_get(json_array_get(shown, 0), "text")),
			    "again");
	json_decref(shown);
	action_log_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_after_figures),
		cmocka_unit_test(test_idle_gone_and_new_members),
		cmocka_unit_test(test_action_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
