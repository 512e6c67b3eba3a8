// SPDX-License-Identifier: GPL-2.0
/* HTTP route and SQL normalization: the rules, truncated prefixes, garbage,
 * bounds, and fingerprints (core/app_text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/app_text.h"
#include "util/utf8.h"

#define BIG 1024

static char *route(const char *s)
{
	static char out[BIG];

	return http_route_normalize(s, strlen(s), out, sizeof(out));
}

static char *sql(const char *s)
{
	static char out[BIG];

	return sql_normalize(s, strlen(s), out, sizeof(out));
}

/* Safe to leave hivemon: valid UTF-8, no control bytes. */
static void assert_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t l = p[i] >= 0x80 ? utf8_seq_len(p + i, n - i) : 1;

		assert_true(l > 0);
		assert_false(p[i] < 0x20 || p[i] == 0x7f);
		i += l;
	}
}

/* ---- HTTP -------------------------------------------------------------- */

static void test_route_ids(void **state)
{
	assert_string_equal(route("/users/42?x=1"), "/users/{id}");
	assert_string_equal(route("/users/42/orders/7#top"), "/users/{id}/orders/{id}");
	assert_string_equal(route("/v1/items/550e8400-e29b-41d4-a716-446655440000"),
			    "/v1/items/{id}");
	assert_string_equal(route("/obj/5f3e9a0b7c1d2e4f"), "/obj/{id}");	    /* hex id */
	assert_string_equal(route("/commit/0123456789abcdef0123"), "/commit/{id}"); /* sha */
	assert_string_equal(route("/u/john1985"), "/u/{id}");			    /* mixed */
	assert_string_equal(route("/s/AbCdEfGhIjKlMnO1pQ"), "/s/{id}");		    /* base64 */
	assert_string_equal(route("/t/dGhpc2lzYXRva2VuMTIz_-="), "/t/{id}");
	assert_string_equal(route("/posts/my-first-post-42"), "/posts/{id}"); /* slug with id */
	assert_string_equal(route("/day/2024-01-05"), "/day/{id}");
	assert_string_equal(route("/img/12345.png"), "/img/{id}.png");
	assert_string_equal(route("/img/550e8400-e29b-41d4-a716-446655440000.jpeg"),
			    "/img/{id}.jpeg");
	/* Words stay words. */
	assert_string_equal(route("/api/v2/users"), "/api/v2/users");
	assert_string_equal(route("/oauth2callback"), "/oauth2callback");
	assert_string_equal(route("/deadbeef"), "/deadbeef"); /* hex, but no digit */
	assert_string_equal(route("/abc123"), "/abc123");     /* short */
	assert_string_equal(route("/getUserProfileSettings"), "/getUserProfileSettings");
	assert_string_equal(route("/index.html"), "/index.html");
	assert_string_equal(route("/static/app.css"), "/static/app.css");
	assert_string_equal(route("/report"), "/report");
}

static void test_route_shape(void **state)
{
	assert_string_equal(route("/"), "/");
	assert_string_equal(route("/?q=1"), "/");
	assert_string_equal(route("//a///b"), "/a/b");
	assert_string_equal(route("/users/"), "/users/");
	assert_string_equal(route("/users//"), "/users/");
	assert_string_equal(route("/a/./../b"), "/a/./../b");
	assert_string_equal(route("*"), "*");
	/* Absolute form (to a proxy): the path only. */
	assert_string_equal(route("http://example.com:8080/users/9?x"), "/users/{id}");
	assert_string_equal(route("HTTPS://example.com"), "/");
	assert_string_equal(route("http://example.com?x=1"), "/");
	assert_string_equal(route("http://example.com/"), "/");
	/* Escaped input stays escaped; what is not URL text gets escaped. */
	assert_string_equal(route("/caf%C3%A9"), "/caf%C3%A9");
	assert_string_equal(route("/caf\xc3\xa9"), "/caf%C3%A9");
	assert_string_equal(route("/a\"b<c>{d}"), "/a%22b%3Cc%3E%7Bd%7D");
	assert_string_equal(route("/x\xff"), "/x%FF");
}

static void test_route_rejects(void **state)
{
	char out[64] = "unchanged";

	/* Not a request target: "" (the caller counts it as unparsed). */
	assert_string_equal(route(""), "");
	assert_string_equal(route("users/1"), "");
	assert_string_equal(route("example.com:443"), ""); /* CONNECT */
	assert_string_equal(route("/a b"), "");
	assert_string_equal(route("/a\r\nHost: x"), "");
	assert_string_equal(route("/a\x01"), "");
	assert_string_equal(route("\x16\x03\x01\x02"), ""); /* a TLS hello */
	/* The length given is the length read, a NUL ends it earlier. */
	assert_string_equal(http_route_normalize("/users/42/x", 9, out, sizeof(out)),
			    "/users/{id}");
	assert_string_equal(http_route_normalize("/ab\0/cd", 7, out, sizeof(out)), "/ab");
	assert_string_equal(http_route_normalize(NULL, 3, out, sizeof(out)), "");
	/* No room: nothing written past @len. */
	assert_ptr_equal(http_route_normalize("/a", 2, out, 0), out);
	assert_string_equal(http_route_normalize("/a", 2, out, 1), "");
}

static void test_route_bounds(void **state)
{
	char out[16];
	char big[4096];

	/* Cut at a whole segment, marked. */
	assert_string_equal(http_route_normalize("/alpha/beta/gamma", 17, out, sizeof(out)),
			    "/alpha/beta/...");
	assert_string_equal(http_route_normalize("/averyveryverylongsegment", 25, out, 8), "/...");
	assert_string_equal(http_route_normalize("/averyveryverylongsegment", 25, out, 3), "/");
	/* No room for the mark either: the whole segments that fit. */
	assert_string_equal(http_route_normalize("/alpha/42", 9, out, 10), "/alpha");
	/* A 4 KiB route of ids stays in the buffer. */
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 3 == 0 ? '/' : '7';
	big[sizeof(big) - 1] = '\0';
	route(big);
	assert_true(strlen(route(big)) < BIG);
	assert_int_equal(strncmp(route(big), "/{id}/{id}/", 11), 0);
}

/* 100k distinct URLs of a few shapes give a few routes. */
static void test_route_cardinality(void **state)
{
	char url[128], seen[8][64];
	size_t n_seen = 0;

	for (unsigned int i = 0; i < 100000; i++) {
		const char *r;
		size_t k;

		switch (i % 4) {
		case 0:
			snprintf(url, sizeof(url), "/users/%u?page=%u", i, i * 7);
			break;
		case 1:
			snprintf(url, sizeof(url), "/orders/%08x%04x/items/%u", i * 2654435761u, i,
				 i % 97);
			break;
		case 2:
			snprintf(url, sizeof(url), "/files/%u.pdf", i);
			break;
		default:
			snprintf(url, sizeof(url), "/u/user%05u/profile", i);
			break;
		}
		r = route(url);
		for (k = 0; k < n_seen && strcmp(seen[k], r); k++)
			;
		if (k == n_seen) {
			assert_true(n_seen < 8);
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", r);
		}
	}
	assert_int_equal(n_seen, 4);
}

/* ---- SQL --------------------------------------------------------------- */

static void test_sql_literals(void **state)
{
	assert_string_equal(sql("SELECT * FROM t WHERE id = 42 AND name = 'x'"),
			    "SELECT * FROM t WHERE id = $1 AND name = $2");
	assert_string_equal(sql("select 1.5, .5, 1e10, 2.5E-3, 0x1F, 1_000"),
			    "select $1, $2, $3, $4, $5, $6");
	assert_string_equal(sql("SELECT 'it''s', E'a\\'b', B'101', X'ff', N'n', U&'d\\0061t'"),
			    "SELECT $1, $2, $3, $4, $5, $6");
	assert_string_equal(sql("SELECT $$a 'b' $$, $fn$ x $y$ $fn$ FROM t"),
			    "SELECT $1, $2 FROM t");
	assert_string_equal(sql("SELECT pg_sleep(0.12)"), "SELECT pg_sleep($1)");
	/* Identifiers with digits are not numbers; quoted ones are kept. */
	assert_string_equal(sql("SELECT t1.col2 FROM \"Tab 1\" t1"),
			    "SELECT t1.col2 FROM \"Tab 1\" t1");
	assert_string_equal(sql("SELECT \"a\"\"b\" FROM x"), "SELECT \"a\"\"b\" FROM x");
	/* Casts, keywords and booleans stay. */
	assert_string_equal(sql("SELECT '2024-01-01'::date, TRUE, NULL, DATE '2024-01-02'"),
			    "SELECT $1::date, TRUE, NULL, DATE $2");
	/* A sign after an operator is the literal's; a minus between operands is not. */
	assert_string_equal(sql("SELECT a FROM t WHERE x = -1 AND y > +2.5"),
			    "SELECT a FROM t WHERE x = $1 AND y > $2");
	assert_string_equal(sql("SELECT a -1, a - 2, (-3)"), "SELECT a -$1, a - $2, ($3)");
	assert_string_equal(sql("SELECT -1"), "SELECT -$1");
	/* An identifier like E or x is only a prefix right before a quote. */
	assert_string_equal(sql("SELECT e, x FROM t"), "SELECT e, x FROM t");
}

static void test_sql_placeholders(void **state)
{
	assert_string_equal(sql("SELECT * FROM t WHERE id = $1"), "SELECT * FROM t WHERE id = $1");
	/* New numbers come after the highest existing one. */
	assert_string_equal(sql("SELECT $2, 7, $1, 'x'"), "SELECT $2, $3, $1, $4");
	/* A $n inside a literal is no placeholder. */
	assert_string_equal(sql("SELECT '$9', 1"), "SELECT $1, $2");
	assert_int_equal(sql_max_placeholder("SELECT $2, '$7', $$ $9 $$ /* $8 */, $3", 100), 3);
	assert_int_equal(sql_max_placeholder("SELECT 1", 8), 0);
	assert_int_equal(sql_max_placeholder(NULL, 8), 0);
	/* A lone $ is punctuation. */
	assert_string_equal(sql("SELECT a$b, $ + 1"), "SELECT a$b, $ + $1");
}

static void test_sql_lists(void **state)
{
	assert_string_equal(sql("SELECT * FROM t WHERE id IN (1, 2, 3)"),
			    "SELECT * FROM t WHERE id IN (...)");
	assert_string_equal(sql("SELECT * FROM t WHERE id IN (1)"),
			    "SELECT * FROM t WHERE id IN (...)");
	assert_string_equal(sql("SELECT * FROM t WHERE id in ($1,$2,$3) AND b = $4"),
			    "SELECT * FROM t WHERE id in (...) AND b = $4");
	assert_string_equal(sql("SELECT 1 FROM t WHERE s NOT IN ('a', -2, 'c'::text, NULL)"),
			    "SELECT $1 FROM t WHERE s NOT IN (...)");
	assert_string_equal(sql("SELECT 1 FROM t WHERE a IN ('x'::varchar[], 'y'::varchar[])"),
			    "SELECT $1 FROM t WHERE a IN (...)");
	/* A subquery or a column list is not collapsed. */
	assert_string_equal(sql("SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE v = 3)"),
			    "SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE v = $1)");
	assert_string_equal(sql("SELECT * FROM t WHERE 3 IN (a, 4)"),
			    "SELECT * FROM t WHERE $1 IN (a, $2)");
	/* VALUES: rows of any count and content are one shape. */
	assert_string_equal(sql("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, now())"),
			    "INSERT INTO t (a, b) VALUES (...)");
	assert_string_equal(sql("INSERT INTO t VALUES ($1, $2) RETURNING id"),
			    "INSERT INTO t VALUES (...) RETURNING id");
	assert_string_equal(sql("INSERT INTO t VALUES (1, (2)),(3,(4)) ON CONFLICT DO NOTHING"),
			    "INSERT INTO t VALUES (...) ON CONFLICT DO NOTHING");
	assert_string_equal(sql("INSERT INTO t DEFAULT VALUES"), "INSERT INTO t DEFAULT VALUES");
	assert_string_equal(sql("SELECT * FROM (VALUES (1), (2)) AS v(x) WHERE x > 1"),
			    "SELECT * FROM (VALUES (...)) AS v(x) WHERE x > $1");
	/* Same statement, different list lengths: one fingerprint. */
	assert_int_equal(app_text_fingerprint(sql("SELECT 1 FROM t WHERE a IN (1,2)")),
			 app_text_fingerprint(sql("SELECT 1 FROM t WHERE a IN (5,6,7,8,9)")));
}

static void test_sql_space_and_comments(void **state)
{
	assert_string_equal(sql("  SELECT\t*\n\n FROM   t  "), "SELECT * FROM t");
	assert_string_equal(sql("SELECT 1 -- trailing 'comment'\nFROM t"), "SELECT $1 FROM t");
	assert_string_equal(sql("/* lead */SELECT /* a /* nested */ b */ x FROM t"),
			    "SELECT x FROM t");
	assert_string_equal(sql("SELECT a/b, a*b, a-b FROM t"), "SELECT a/b, a*b, a-b FROM t");
	assert_string_equal(sql("SELECT 1;"), "SELECT $1;");
	assert_string_equal(sql(""), "");
	assert_string_equal(sql("   \n\t "), "");
	assert_string_equal(sql("-- only a comment"), "");
	/* Keyword case is kept. */
	assert_string_equal(sql("sElEcT x FrOm T"), "sElEcT x FrOm T");
}

/* Every prefix of a statement (a wire capture cut anywhere) yields clean text
 * that never shows a literal's content. */
static void test_sql_truncated(void **state)
{
	static const char *const stmts[] = {
		"SELECT * FROM accounts WHERE email = 'secret@example.com' AND pin = 98765",
		"SELECT * FROM t WHERE note = E'sec\\'ret' AND n = -98765",
		"SELECT $body$ secret $body$, $$secret$$ FROM t /* secret */",
		"SELECT * FROM t WHERE id IN (98765, 98766, 98767) -- secret",
		"INSERT INTO t VALUES ('secret', 98765), ('secret', 98766)",
		"SELECT * FROM \"t\" WHERE x = U&'secret' AND y = X'98765'",
	};

	for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
		for (size_t k = 0; k <= strlen(stmts[i]); k++) {
			char out[256];

			sql_normalize(stmts[i], k, out, sizeof(out));
			assert_clean(out);
			if (strstr(out, "ecr") || strstr(out, "876")) {
				fprintf(stderr, "prefix %zu of \"%s\" gave \"%s\"\n", k, stmts[i],
					out);
				fail();
			}
		}
	}
	/* Cut inside a literal or a list: the same text as the whole statement. */
	assert_string_equal(sql("SELECT * FROM t WHERE name = 'abc"),
			    "SELECT * FROM t WHERE name = $1");
	assert_string_equal(sql("SELECT * FROM t WHERE name = $$ab"),
			    "SELECT * FROM t WHERE name = $1");
	assert_string_equal(sql("SELECT * FROM t WHERE name = $tag"),
			    "SELECT * FROM t WHERE name = $1");
	assert_string_equal(sql("SELECT * FROM t WHERE id IN (1, 2, 3, 4"),
			    "SELECT * FROM t WHERE id IN (...)");
	assert_string_equal(sql("SELECT * FROM t WHERE id IN (1, 2,"),
			    "SELECT * FROM t WHERE id IN (...)");
	assert_string_equal(sql("INSERT INTO t VALUES (1, 2), (3, "), "INSERT INTO t VALUES (...)");
	assert_string_equal(sql("SELECT 1 /* cut comm"), "SELECT $1");
	assert_string_equal(sql("SELECT \"ab"), "SELECT \"ab");
	/* A UTF-8 character cut in two is dropped, not turned into '?'. */
	assert_string_equal(sql("SELECT caf\xc3"), "SELECT caf");
	assert_string_equal(sql("SELECT caf\xe2\x82"), "SELECT caf");
}

static void test_sql_garbage(void **state)
{
	char out[64];

	/* UTF-8 identifiers stay; invalid bytes become '?', control bytes spaces. */
	assert_string_equal(sql("SELECT café, naïve FROM tëst"), "SELECT café, naïve FROM tëst");
	assert_string_equal(sql("SELECT \xff\xfe x"), "SELECT ?? x");
	assert_string_equal(sql("SELECT\x01\x02x\x7f"), "SELECT x");
	assert_string_equal(sql("SELECT \"a\x01\xff\" FROM t"), "SELECT \"a??\" FROM t");
	/* A NUL ends the statement (a Query message is NUL-terminated). */
	assert_string_equal(sql_normalize("SELECT 1\0DROP", 13, out, sizeof(out)), "SELECT $1");
	assert_string_equal(sql_normalize(NULL, 10, out, sizeof(out)), "");
	assert_ptr_equal(sql_normalize("SELECT", 6, out, 0), out);
	assert_string_equal(sql_normalize("SELECT", 6, out, 1), "");
	/* Cut between tokens, never inside one. */
	assert_string_equal(sql_normalize("SELECT abc, 12345 FROM t", 24, out, 12), "SELECT abc,");
	assert_string_equal(sql_normalize("SELECT $1, $22", 14, out, 13), "SELECT $1,");
}

/* Random bytes and random mutations of SQL: bounded, clean output, no crash
 * (the sanitizer build checks every access). */
static void test_fuzz(void **state)
{
	static const char seed[] = "SELECT a, 'x''y', $$z$$, E'\\'' FROM t WHERE b IN (1, 2) "
				   "/* c */ AND d = $1 -- e\nVALUES (1), (2) \"q\"\"r\" U&'s'";
	unsigned int r = 12345;
	char in[300], out[128];

	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (r = r * 1103515245 + 12345) >> 16 & 255;

		if (iter & 1) {
			for (size_t i = 0; i < n; i++)
				in[i] = (char)((r = r * 1103515245 + 12345) >> 16);
		} else {
			n = n % sizeof(seed);
			memcpy(in, seed, n);
			for (int m = 0; m < 4 && n; m++) {
				r = r * 1103515245 + 12345;
				in[(r >> 16) % n] = "'\"$-/*()\\,\xc3 1aE"[(r >> 8) % 16];
			}
		}
		sql_normalize(in, n, out, sizeof(out));
		assert_true(strlen(out) < sizeof(out));
		assert_clean(out);
		http_route_normalize(in, n, out, sizeof(out));
		assert_true(strlen(out) < sizeof(out));
		assert_clean(out);
		for (const char *p = out; *p; p++)
			assert_true((unsigned char)*p < 0x80);
	}
}

static void test_long(void **state)
{
	size_t n = 100000;
	char *in = malloc(n + 1), out[256];

	assert_non_null(in);
	/* A very long IN list: one short statement. */
	strcpy(in, "SELECT * FROM t WHERE id IN (");
	for (size_t k = strlen(in); k < n - 8; k += 7)
		memcpy(in + k, "123456,", 7), in[k + 7] = '\0';
	assert_string_equal(sql_normalize(in, strlen(in), out, sizeof(out)),
			    "SELECT * FROM t WHERE id IN (...)");
	/* A very long literal and a very long path. */
	memset(in, 'a', n);
	memcpy(in, "SELECT '", 8);
	in[n] = '\0';
	assert_string_equal(sql_normalize(in, n, out, sizeof(out)), "SELECT $1");
	for (size_t k = 0; k < n; k++)
		in[k] = k % 10 == 0 ? '/' : 'b';
	http_route_normalize(in, n, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_string_equal(out + strlen(out) - 4, "/...");
	free(in);
}

static void test_fingerprint(void **state)
{
	/* FNV-1a 64 reference values. */
	assert_true(app_text_fingerprint("") == 0xcbf29ce484222325ULL);
	assert_true(app_text_fingerprint("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(app_text_fingerprint("foobar") == 0x85944171f73967e8ULL);
	assert_true(app_text_fingerprint(NULL) == 0xcbf29ce484222325ULL);
	/* Same shape, same fingerprint; different shape, different one. */
	assert_true(app_text_fingerprint(sql("SELECT * FROM t WHERE id = 1")) ==
		    app_text_fingerprint(sql("SELECT  *  FROM t WHERE id = 99 -- x")));
	assert_true(app_text_fingerprint(sql("SELECT * FROM t WHERE id = 1")) !=
		    app_text_fingerprint(sql("SELECT * FROM u WHERE id = 1")));
	assert_true(app_text_fingerprint(route("/users/1")) ==
		    app_text_fingerprint(route("/users/2?x")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_ids),
		cmocka_unit_test(test_route_shape),
		cmocka_unit_test(test_route_rejects),
		cmocka_unit_test(test_route_bounds),
		cmocka_unit_test(test_route_cardinality),
		cmocka_unit_test(test_sql_literals),
		cmocka_unit_test(test_sql_placeholders),
		cmocka_unit_test(test_sql_lists),
		cmocka_unit_test(test_sql_space_and_comments),
		cmocka_unit_test(test_sql_truncated),
		cmocka_unit_test(test_sql_garbage),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_fingerprint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
