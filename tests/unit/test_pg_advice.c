// SPDX-License-Identifier: GPL-2.0
/*
 * Index advice against a live PostgreSQL (postgres/explain.c, advise.c).
 * Needs the server and tables tests/integration/advice.bats prepares:
 * ADVICE_CONNINFO names it, ADVICE_DEAD_CONNINFO a server that is not
 * there, ADVICE_TEST picks tests. test_statement_timeout and
 * test_server_hung need the server in a state the bats test sets up, so
 * they run only when picked by name. Without ADVICE_CONNINFO every test is
 * skipped (the unit test run has no server).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "analysis/analysis.h"
#include "core/app_text.h"
#include "postgres/advise.h"
#include "postgres/explain.h"

#define MS 1000000ULL

static const char *conninfo(void)
{
	const char *c = getenv("ADVICE_CONNINFO");

	if (!c)
		skip();
	return c;
}

static int advise(const char *sql, struct index_advice *adv, char *err, size_t errlen)
{
	return explain_advice(conninfo(), sql, ADVICE_MIN_ROWS, adv, err, errlen);
}

/* users: 100000 rows, no index but the primary key on id. */
static void test_unindexed_column(void **state)
{
	struct index_advice adv;
	char err[256];

	assert_int_equal(advise("SELECT * FROM users WHERE email = 'u5@example.com'", &adv, err,
				sizeof(err)),
			 1);
	assert_string_equal(adv.table, "users");
	assert_string_equal(adv.columns, "email");
	assert_true(adv.rows_scanned > 99000 && adv.rows_scanned < 101000);
	assert_non_null(strstr(adv.reason, "Seq Scan on users (~"));
	assert_non_null(strstr(adv.reason, "filtered by (users.email = $1::text)"));
	assert_null(strstr(adv.reason, "u5@")); /* no user data */
	/* Normalized text (placeholders, a generic plan) and two columns. */
	assert_int_equal(advise("SELECT id FROM users WHERE email = $1 AND age > $2", &adv, err,
				sizeof(err)),
			 1);
	assert_string_equal(adv.columns, "age, email");
	/* By the indexed key: no advice. */
	assert_int_equal(advise("SELECT * FROM users WHERE id = 42", &adv, err, sizeof(err)), 0);
	/* Through a function a plain index does not serve: none advised. */
	assert_int_equal(
		advise("SELECT * FROM users WHERE lower(email) = 'x'", &adv, err, sizeof(err)), 0);
}

/* items: 100000 rows, indexed on sku; tiny: 100 rows, no index. */
static void test_no_advice(void **state)
{
	struct index_advice adv;
	char err[256];

	assert_int_equal(advise("SELECT * FROM items WHERE sku = 'sku-77'", &adv, err, sizeof(err)),
			 0);
	assert_string_equal(adv.columns, "");
	assert_int_equal(advise("SELECT * FROM tiny WHERE v = 3", &adv, err, sizeof(err)), 0);
	assert_int_equal(advise("SELECT count(*) FROM users", &adv, err, sizeof(err)), 0);
}

/* Refused before anything reaches the server; advice.bats checks that no
 * row changed. */
static void test_refuses_writes(void **state)
{
	static const char *const writes[] = {
		"DELETE FROM users WHERE id < 1000",
		"UPDATE users SET age = 0",
		"SELECT 1; DELETE FROM users",
		"WITH d AS (DELETE FROM users WHERE id < 10 RETURNING *) SELECT * FROM d",
		"SELECT * INTO users_copy FROM users",
		"TRUNCATE items",
	};
	struct index_advice adv;
	char err[256];

	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		assert_int_equal(advise(writes[i], &adv, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "not a single SELECT statement"));
	}
}

/* A SELECT that would write if it ran is only planned: advice, and the
 * sequence it calls is not advanced (advice.bats checks). */
static void test_never_runs(void **state)
{
	struct index_advice adv;
	char err[256];

	assert_int_equal(advise("SELECT nextval('ticket') FROM users WHERE email = 'x'", &adv, err,
				sizeof(err)),
			 1);
	assert_string_equal(adv.columns, "email");
}

static void test_server_errors(void **state)
{
	const char *dead = getenv("ADVICE_DEAD_CONNINFO");
	struct index_advice adv;
	char err[256];

	assert_int_equal(advise("SELECT * FROM missing WHERE a = 1", &adv, err, sizeof(err)), -1);
	assert_string_equal(err, "PostgreSQL: relation \"missing\" does not exist");
	if (!dead)
		skip();
	assert_int_equal(explain_advice(dead, "SELECT * FROM users WHERE email = 'x'",
					ADVICE_MIN_ROWS, &adv, err, sizeof(err)),
			 -1);
	assert_int_equal(strncmp(err, "cannot connect to PostgreSQL: ", 30), 0);
	assert_null(strchr(err, '\n'));
}

/* Tests that need the server in a state advice.bats sets up for them. */
static void only_when_picked(const char *name)
{
	const char *picked = getenv("ADVICE_TEST");

	if (!picked || strcmp(picked, name))
		skip();
}

static double seconds_of(int (*fn)(const char *, struct index_advice *, char *, size_t),
			 const char *sql, int *ret, char *err, size_t errlen)
{
	struct index_advice adv;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	*ret = fn(sql, &adv, err, errlen);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* advice.bats holds an ACCESS EXCLUSIVE lock on users: planning waits for
 * it until the 2 s statement_timeout cancels it. */
static void test_statement_timeout(void **state)
{
	char err[256];
	int ret;
	double s;

	only_when_picked("test_statement_timeout");
	s = seconds_of(advise, "SELECT * FROM users WHERE email = 'x'", &ret, err, sizeof(err));
	assert_int_equal(ret, -1);
	assert_string_equal(err, "PostgreSQL: canceling statement due to statement timeout");
	assert_true(s >= 1.9 && s < 4.5);
}

/* advice.bats stopped the server (SIGSTOP): the connection attempt gives
 * up after its 5 s connect_timeout, with a message. */
static void test_server_hung(void **state)
{
	char err[256];
	int ret;
	double s;

	only_when_picked("test_server_hung");
	conninfo();
	s = seconds_of(advise, "SELECT * FROM users WHERE email = 'x'", &ret, err, sizeof(err));
	assert_int_equal(ret, -1);
	assert_int_equal(strncmp(err, "cannot connect to PostgreSQL: ", 30), 0);
	assert_non_null(strstr(err, "timeout"));
	assert_true(s >= 4.5 && s < 9);
}

static void sql_row(struct proc_snapshot *p, const char *wire, uint64_t calls, uint64_t each)
{
	char text[256];
	struct app_request_stat *r;

	sql_normalize(wire, strlen(wire), text, sizeof(text));
	r = proc_app_request(p, APP_PGSQL, TCP_ROLE_SERVER, NULL, 0, app_text_fingerprint(text),
			     text);
	assert_non_null(r);
	r->count = calls;
	for (uint64_t i = 0; i < calls; i++)
		hist_record(&r->lat, each);
}

/* The whole way: statements as the probe records them (normalized, an IN
 * list collapsed), a slow-query finding, advice on its recommendation. The
 * top statement by time is on an indexed column, the next one gets it. */
static void test_findings_get_advice(void **state)
{
	const char *c = conninfo();
	struct snapshot snap;
	struct findings found = {0};
	struct analysis_limits lim;
	const struct finding *f = NULL;
	char err[256];

	snapshot_init(&snap);
	snap.duration_ns = 10000 * MS;
	struct proc_snapshot *p = snapshot_proc(&snap, 4242);

	strcpy(p->comm, "postgres");
	sql_row(p, "SELECT * FROM items WHERE sku = 'sku-1'", 1000, 50 * MS);
	sql_row(p, "SELECT * FROM users WHERE email = 'u7@example.com' AND age IN (1, 2, 3)", 10,
		150 * MS);
	analysis_default_limits(&lim);
	assert_int_equal(analysis_run(&snap, &lim, &found), 0);
	assert_int_equal(postgres_advise_findings(&found, c, ADVICE_MIN_ROWS, err, sizeof(err)), 1);
	for (size_t i = 0; i < found.n; i++)
		if (!strcmp(found.items[i].kind, "slow-query"))
			f = &found.items[i];
	assert_non_null(f);
	assert_non_null(strstr(f->recommendation, "; index advice: CREATE INDEX ON users ("));
	assert_non_null(strstr(f->recommendation, "email"));
	assert_non_null(strstr(f->recommendation, "Seq Scan on users"));
	/* A database that is not there: -1, the recommendation as it was. */
	if (getenv("ADVICE_DEAD_CONNINFO")) {
		assert_int_equal(analysis_run(&snap, &lim, &found), 0);
		assert_int_equal(postgres_advise_findings(&found, getenv("ADVICE_DEAD_CONNINFO"),
							  ADVICE_MIN_ROWS, err, sizeof(err)),
				 -1);
		assert_int_equal(strncmp(err, "cannot connect to PostgreSQL: ", 30), 0);
	}
	findings_free(&found);
	snapshot_free(&snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unindexed_column),
		cmocka_unit_test(test_no_advice),
		cmocka_unit_test(test_refuses_writes),
		cmocka_unit_test(test_never_runs),
		cmocka_unit_test(test_server_errors),
		cmocka_unit_test(test_findings_get_advice),
		cmocka_unit_test(test_statement_timeout),
		cmocka_unit_test(test_server_hung),
	};

	if (getenv("ADVICE_TEST"))
		cmocka_set_test_filter(getenv("ADVICE_TEST"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
