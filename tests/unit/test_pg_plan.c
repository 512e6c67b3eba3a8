// SPDX-License-Identifier: GPL-2.0
/* What index advice reads in plans and statements, on fixed text
 * (postgres/plan.c), and the plannable form of normalized SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "postgres/advise.h"
#include "postgres/plan.h"

static const char *cols(const char *filter)
{
	static char out[128];

	filter_columns(filter, out, sizeof(out));
	return out;
}

static void test_filter_columns(void **state)
{
	assert_string_equal(cols("(email = 'x'::text)"), "email");
	assert_string_equal(cols("((users.age > $2) AND (users.email = $1))"), "age, email");
	assert_string_equal(cols("((email)::text = 'a''b AND c'::text)"), "email");
	assert_string_equal(cols("((a = 1) OR (b IS NULL) OR (NOT c))"), "a, b, c");
	/* Through a function: a plain index on it does not serve. */
	assert_string_equal(cols("(lower(email) = 'x'::text)"), "");
	assert_string_equal(cols("((lower((u.email)::text) ~~ '%x%'::text) AND (u.age > 3))"),
			    "age");
	assert_string_equal(cols("((COALESCE(a, 0) = 5) AND ((b)::text = 'x'::text))"), "b");
	assert_string_equal(cols("(f(g(a), (b)) = c)"), "c");
	assert_string_equal(cols("((a + b) > (c * 2))"), "a, b, c");
	assert_string_equal(cols("(t.\"Mixed Case\" = 5)"), "\"Mixed Case\"");
	assert_string_equal(cols("((s.id = ANY ('{1,2,3}'::integer[])) AND (s.id > 0))"), "id");
	assert_string_equal(cols("((created_at)::timestamp without time zone > '2024-01-01 "
				 "00:00:00'::timestamp without time zone)"),
			    "created_at");
	assert_string_equal(cols("((name)::character varying(10) ~~ 'a%'::text)"), "name");
	assert_string_equal(cols("((x)::double precision < '1.5'::double precision)"), "x");
	assert_string_equal(cols("((name)::text = 'b'::text COLLATE \"C\")"), "name");
	assert_string_equal(cols("(hashed SubPlan 1)"), "");
	assert_string_equal(cols("(CASE WHEN (a > 1) THEN b ELSE c END = 3)"), "a, b, c");
	assert_string_equal(cols(""), "");
	assert_string_equal(cols(NULL), "");
	assert_string_equal(cols("(\"unterminated"), "\"unterminated");
	/* Whole names only: what does not fit is left out. */
	{
		char small[8];

		assert_int_equal(
			filter_columns("((abc = 1) AND (defgh = 2))", small, sizeof(small)), 1);
		assert_string_equal(small, "abc");
	}
}

static const char plan_json[] =
	"[{\"Plan\": {\"Node Type\": \"Hash Join\", \"Plan Rows\": 10, \"Plans\": ["
	"{\"Node Type\": \"Seq Scan\", \"Relation Name\": \"orders\", \"Schema\": \"shop\","
	" \"Plan Rows\": 5, \"Filter\": \"(orders.total > 100)\"},"
	"{\"Node Type\": \"Hash\", \"Plans\": [{\"Node Type\": \"Seq Scan\","
	" \"Relation Name\": \"users\", \"Plan Rows\": 1000}]},"
	"{\"Node Type\": \"Index Scan\", \"Relation Name\": \"items\", \"Filter\": \"(a = 1)\"},"
	"{\"Node Type\": \"Aggregate\", \"Plans\": [{\"Node Type\": \"Seq Scan\","
	" \"Relation Name\": \"t\", \"Plan Rows\": 7, \"Filter\": \"(b = $1)\"}]}]}}]";

static void test_plan_scans(void **state)
{
	struct plan_scan s[4];

	/* Only sequential scans with a filter, at any depth, in plan order. */
	assert_int_equal(plan_filtered_scans(plan_json, s, 4), 2);
	assert_string_equal(s[0].schema, "shop");
	assert_string_equal(s[0].relation, "orders");
	assert_string_equal(s[0].filter, "(orders.total > 100)");
	assert_true(s[0].plan_rows == 5);
	assert_string_equal(s[1].schema, "");
	assert_string_equal(s[1].relation, "t");
	assert_int_equal(plan_filtered_scans(plan_json, s, 1), 1);
	assert_true(plan_top_rows(plan_json) == 10);
	/* Not a plan. */
	assert_int_equal(plan_filtered_scans("", s, 4), -1);
	assert_int_equal(plan_filtered_scans("{\"Plan\": 1}", s, 4), -1);
	assert_int_equal(plan_filtered_scans("[{\"Plan\": \"x\"}]", s, 4), -1);
	assert_int_equal(plan_filtered_scans(NULL, s, 4), -1);
	assert_true(plan_top_rows("[{\"Plan\": {}}]") == -1);
	assert_true(plan_top_rows("garbage") == -1);
}

static bool select_ok(const char *sql)
{
	char why[64];

	return sql_is_single_select(sql, why, sizeof(why));
}

static void test_single_select(void **state)
{
	char why[64];

	assert_true(select_ok("SELECT * FROM users WHERE email = 'x'"));
	assert_true(select_ok("  select 1;  "));
	assert_true(select_ok("/* c */ WITH a AS (SELECT 1) SELECT * FROM a"));
	assert_true(select_ok("SELECT 'DELETE FROM t; DROP TABLE t' AS s -- ; UPDATE t"));
	assert_true(select_ok("SELECT \"update\" FROM t"));
	assert_true(select_ok("SELECT $$; insert $$, E'\\'; delete'"));
	assert_false(sql_is_single_select("DELETE FROM users", why, sizeof(why)));
	assert_string_equal(why, "not a SELECT");
	assert_false(sql_is_single_select("SELECT 1; DELETE FROM users", why, sizeof(why)));
	assert_string_equal(why, "more than one statement");
	assert_false(sql_is_single_select("SELECT 1;; COMMIT", why, sizeof(why)));
	assert_false(sql_is_single_select("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
					  why, sizeof(why)));
	assert_string_equal(why, "names a data-modifying command");
	assert_false(select_ok("SELECT * INTO copy_of_t FROM t"));
	assert_false(select_ok("SELECT * FROM t FOR UPDATE"));
	assert_false(select_ok("INSERT INTO t SELECT 1"));
	assert_false(select_ok("EXPLAIN ANALYZE SELECT 1"));
	assert_false(select_ok("\"select\" 1"));
	assert_false(sql_is_single_select("", why, sizeof(why)));
	assert_string_equal(why, "empty statement");
	assert_false(select_ok("-- nothing"));
	assert_false(select_ok(NULL));
	assert_false(sql_is_single_select("\x01\xff", NULL, 0));
}

static void test_plannable_text(void **state)
{
	char *s = advice_plannable_text("SELECT * FROM t WHERE a IN (...) AND b = $2");

	assert_string_equal(s, "SELECT * FROM t WHERE a IN ($3) AND b = $2");
	free(s);
	s = advice_plannable_text("SELECT 1 FROM t WHERE a IN (...) OR b IN (...)");
	assert_string_equal(s, "SELECT 1 FROM t WHERE a IN ($1) OR b IN ($2)");
	free(s);
	s = advice_plannable_text("");
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_columns),
		cmocka_unit_test(test_plan_scans),
		cmocka_unit_test(test_single_select),
		cmocka_unit_test(test_plannable_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
