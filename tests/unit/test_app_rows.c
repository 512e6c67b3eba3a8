// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the protocol rows' bound and of the probe's text cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/app_rows.h"
#include "core/app_text.h"
#include "core/snapshot.h"
#include "probes/app_texts.h"

static void add_rows(struct proc_snapshot *p, uint8_t proto, unsigned int n)
{
	for (unsigned int i = 1; i <= n; i++) {
		char text[32];
		struct app_request_stat *r;

		snprintf(text, sizeof(text), "/r%u", i);
		r = proc_app_request(p, proto, TCP_ROLE_SERVER, "GET", 200, i, text);
		assert_non_null(r);
		r->count = 2;
		r->errors = i % 2;
		/* Row i took i ms in all: the busiest are the last ones. */
		assert_int_equal(hist_record(&r->lat, i * 500000ULL), 0);
		assert_int_equal(hist_record(&r->lat, i * 500000ULL), 0);
	}
}

static void test_bound_folds_the_least_busy(void **state)
{
	struct snapshot s;
	struct proc_snapshot *p;
	uint64_t count = 0, errors = 0, other_count = 0;
	struct app_request_stat *kernel_other;

	snapshot_init(&s);
	p = snapshot_proc(&s, 42);
	add_rows(p, APP_HTTP, 100);
	add_rows(p, APP_REDIS, 3);
	/* The kernel's own "other" (texts past its budget) joins the fold. */
	kernel_other =
		proc_app_request(p, APP_HTTP, TCP_ROLE_SERVER, "GET", 400, 0, APP_ROWS_OTHER);
	assert_non_null(kernel_other);
	kernel_other->count = 10;
	assert_int_equal(app_rows_bound(p, 64), 0);
	/* 64 HTTP rows, their "other", the 3 Redis rows untouched. */
	assert_int_equal(p->app.n_requests, 64 + 1 + 3);
	for (size_t i = 0; i < p->app.n_requests; i++) {
		const struct app_request_stat *r = &p->app.requests[i];

		if (r->proto != APP_HTTP)
			continue;
		count += r->count;
		errors += r->errors;
		if (!strcmp(r->text, APP_ROWS_OTHER)) {
			assert_int_equal(r->fingerprint, 0);
			assert_int_equal(r->status, 0);
			other_count = r->count;
			assert_int_equal(r->lat.count, 72);
			/* Rows 1..36 went there: the slowest of them took 18 ms. */
			assert_true(r->lat.max_ns >= 18000000 && r->lat.max_ns < 18600000);
		} else {
			assert_true(r->fingerprint > 36);
		}
	}
	assert_int_equal(count, 210);
	assert_int_equal(errors, 50);
	assert_int_equal(other_count, 82);
	/* Bounded already: nothing changes. */
	assert_int_equal(app_rows_bound(p, 64), 0);
	assert_int_equal(p->app.n_requests, 68);
	snapshot_free(&s);
}

static struct app_text_event text_event(uint8_t proto, uint64_t fp, const char *text)
{
	struct app_text_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_APP_TEXT;
	ev.proto = proto;
	ev.fingerprint = fp;
	ev.off = 4;
	ev.len = (uint16_t)strlen(text);
	memcpy(ev.text, "XXXX", 4);
	memcpy(ev.text + 4, text, strlen(text));
	return ev;
}

static void test_texts_normalise_by_protocol(void **state)
{
	struct app_texts t;
	struct app_text_event ev;
	const struct app_text *e;

	assert_int_equal(app_texts_init(&t), 0);
	ev = text_event(APP_PROTO_HTTP, 7, "/users/42?x=1");
	assert_int_equal(app_texts_add(&t, &ev), 0);
	ev = text_event(APP_PROTO_REDIS, 7, "get");
	assert_int_equal(app_texts_add(&t, &ev), 0);
	ev = text_event(APP_PROTO_PGSQL, 9, "P_1");
	ev.flags = APP_TEXT_STMT_NAME;
	assert_int_equal(app_texts_add(&t, &ev), 0);

	e = app_texts_get(&t, APP_PROTO_HTTP, 7);
	assert_non_null(e);
	assert_string_equal(e->text, "/users/{id}");
	assert_int_equal(e->normalized, app_text_fingerprint("/users/{id}"));
	e = app_texts_get(&t, APP_PROTO_REDIS, 7);
	assert_non_null(e);
	assert_string_equal(e->method, "GET");
	assert_string_equal(e->text, "");
	e = app_texts_get(&t, APP_PROTO_PGSQL, 9);
	assert_non_null(e);
	assert_string_equal(e->text, "EXECUTE P_1");
	assert_null(app_texts_get(&t, APP_PROTO_PGSQL, 7));
	app_texts_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound_folds_the_least_busy),
		cmocka_unit_test(test_texts_normalise_by_protocol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
