// SPDX-License-Identifier: GPL-2.0
/* The daemon's index-advice cache: TTL, one round per call, backoff after a
 * failure, one log line per failure episode; a fake database, injected time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "postgres/advice_cache.h"

#define S 1000000000ULL

/* The fake database: which statements have advice, what it was asked. */
struct fake {
	bool down;
	bool drop_after_one; /* the connection is lost on the 2nd statement */
	unsigned int opens, explains;
};

static void *fake_open(void *ctx, char *err, size_t errlen)
{
	struct fake *f = ctx;

	f->opens++;
	if (f->down) {
		snprintf(err, errlen, "cannot connect to PostgreSQL: refused");
		return NULL;
	}
	return f;
}

/* "... FROM users WHERE email ..." has advice; anything else none. */
static int fake_explain(void *conn, const char *sql, struct index_advice *adv)
{
	struct fake *f = conn;

	f->explains++;
	if (f->drop_after_one && f->explains > 1)
		return -2;
	if (!strstr(sql, "users"))
		return 0;
	memset(adv, 0, sizeof(*adv));
	strcpy(adv->table, "users");
	strcpy(adv->columns, "email");
	strcpy(adv->reason, "Seq Scan on users (~100000 rows)");
	return 1;
}

static void fake_close(void *conn)
{
	(void)conn;
}

static const char *const texts[] = {
	"SELECT * FROM users WHERE email = $1",
	"SELECT * FROM orders WHERE note = $1",
	"SELECT * FROM items WHERE sku = $1",
	"SELECT * FROM carts WHERE owner = $1",
};

/* One slow-query finding per statement of @fps (indexes into texts[]),
 * plus a finding of another kind that must be left alone. */
static void make(struct findings *out, const int *which, size_t n)
{
	struct finding *other = findings_push(out);

	other->kind = "cpu-bound";
	other->recommendation = "other";
	for (size_t i = 0; i < n; i++) {
		struct finding *f = findings_push(out);

		f->kind = "slow-query";
		f->recommendation = "look at the plan";
		f->queries = calloc(1, sizeof(*f->queries));
		f->queries[0].fingerprint = 100 + (uint64_t)which[i];
		f->queries[0].text = strdup(texts[which[i]]);
		f->n_queries = 1;
	}
}

static bool advised(const struct findings *found, size_t i)
{
	return strstr(found->items[i].recommendation, "CREATE INDEX ON users (email)") != NULL;
}

static struct advice_cache *open_cache(struct fake *f)
{
	struct advice_source src = {fake_open, fake_explain, fake_close, f};
	struct advice_cache *c = advice_cache_new_source(&src);

	assert_non_null(c);
	return c;
}

static void test_cached_for_ten_minutes(void **state)
{
	struct fake db = {0};
	struct advice_cache *c = open_cache(&db);
	const int all[] = {0, 1};
	struct findings found = {0};
	(void)state;

	make(&found, all, 2);
	assert_int_equal(advice_cache_apply(c, &found, 1 * S), 2);
	assert_true(advised(&found, 1));
	assert_false(advised(&found, 2));
	assert_string_equal(found.items[2].recommendation, "look at the plan");
	assert_string_equal(found.items[0].recommendation, "other");
	findings_free(&found);
	/* Within 10 minutes: from the cache, advice and "none" alike. */
	make(&found, all, 2);
	assert_int_equal(advice_cache_apply(c, &found, 599 * S), 0);
	assert_true(advised(&found, 1));
	assert_int_equal(db.opens, 1);
	assert_int_equal(db.explains, 2);
	findings_free(&found);
	/* After: asked again. */
	make(&found, all, 2);
	assert_int_equal(advice_cache_apply(c, &found, 602 * S), 2);
	assert_true(advised(&found, 1));
	assert_int_equal(db.opens, 2);
	findings_free(&found);
	advice_cache_free(c);
}

static void test_one_round_per_call(void **state)
{
	struct fake db = {0};
	struct advice_cache *c = open_cache(&db);
	const int all[] = {1, 2, 3, 0}; /* the advised one last */
	struct findings found = {0};
	(void)state;

	make(&found, all, 4);
	assert_int_equal(advice_cache_apply(c, &found, 1 * S), ADVICE_ROUND_MAX);
	assert_false(advised(&found, 4)); /* next round */
	findings_free(&found);
	make(&found, all, 4);
	assert_int_equal(advice_cache_apply(c, &found, 2 * S), 1);
	assert_true(advised(&found, 4));
	assert_int_equal(db.opens, 2);
	findings_free(&found);
	advice_cache_free(c);
}

/* Captures stderr to count the log lines. */
static unsigned int count_lines(FILE *tmp)
{
	unsigned int n = 0;
	int ch;

	fflush(stderr);
	rewind(tmp);
	while ((ch = fgetc(tmp)) != EOF)
		n += ch == '\n';
	return n;
}

static void test_backoff_after_failure(void **state)
{
	struct fake db = {.down = true};
	struct advice_cache *c = open_cache(&db);
	const int one[] = {0};
	struct findings found = {0};
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	(void)state;

	assert_non_null(tmp);
	dup2(fileno(tmp), STDERR_FILENO);
	for (uint64_t t = 1; t <= 130; t++) { /* an interval a second */
		make(&found, one, 1);
		advice_cache_apply(c, &found, t * S);
		assert_false(advised(&found, 1));
		findings_free(&found);
	}
	/* Tried at 1 s, 61 s, 121 s: one connect timeout a minute at most. */
	assert_int_equal(db.opens, 3);
	assert_int_equal(count_lines(tmp), 1); /* one episode, one line */
	db.down = false;
	make(&found, one, 1);
	assert_int_equal(advice_cache_apply(c, &found, 150 * S), 0); /* still waiting */
	findings_free(&found);
	make(&found, one, 1);
	assert_int_equal(advice_cache_apply(c, &found, 181 * S), 1);
	assert_true(advised(&found, 1));
	findings_free(&found);
	assert_int_equal(count_lines(tmp), 2); /* "reachable again" */
	/* A new episode is logged again. */
	db.down = true;
	make(&found, (const int[]){1}, 1);
	assert_int_equal(advice_cache_apply(c, &found, 200 * S), -1);
	findings_free(&found);
	assert_int_equal(count_lines(tmp), 3);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(tmp);
	advice_cache_free(c);
}

static void test_connection_lost_backs_off(void **state)
{
	struct fake db = {.drop_after_one = true};
	struct advice_cache *c = open_cache(&db);
	const int two[] = {1, 0};
	struct findings found = {0};
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	(void)state;

	dup2(fileno(tmp), STDERR_FILENO);
	make(&found, two, 2);
	assert_int_equal(advice_cache_apply(c, &found, 1 * S), -1);
	findings_free(&found);
	make(&found, two, 2);
	advice_cache_apply(c, &found, 30 * S);
	findings_free(&found);
	assert_int_equal(db.opens, 1); /* waits the minute */
	assert_int_equal(count_lines(tmp), 1);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(tmp);
	advice_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_for_ten_minutes),
		cmocka_unit_test(test_one_round_per_call),
		cmocka_unit_test(test_backoff_after_failure),
		cmocka_unit_test(test_connection_lost_backs_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
