// SPDX-License-Identifier: GPL-2.0
/*
 * The report, JSON and text, of a window where the TCP probe followed only
 * some connections of one busy process: that process, and its service,
 * say their request counts are estimates; the others say they are exact.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_fixture.h"
#include "report/report.h"
#include "app_fixture.h"

/* The app fixture, and: pid 10 of "shop" serves 40 requests on :8080 with
 * every connection followed (sample 0); pid 11 of "shop" serves 80, 1 in 8
 * connections followed; pid 20, service "batch" of its own, sample 1. */
static void sampled_window(struct snapshot *s)
{
	struct endpoint listen = {.family = AF_INET, .port = 8080};
	struct proc_snapshot *p;

	app_window(s);
	p = snapshot_find(s, 10);
	p->tcp.sample = 0;
	proc_tcp_request(p, TCP_ROLE_SERVER, &listen, NULL)->count = 40;
	p = snapshot_find(s, 11);
	p->tcp.sample = 8;
	proc_tcp_request(p, TCP_ROLE_SERVER, &listen, NULL)->count = 80;
	p = app_proc(s, 20, "batch", "batch");
	p->service_key = 0xba7c;
	p->tcp.sample = 1;
}

static json_t *by_key(json_t *arr, const char *key, json_int_t want)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i,
			   o) if (json_integer_value(json_object_get(o, key)) == want) return o;
	fail_msg("no element with %s %lld", key, (long long)want);
	return NULL;
}

static json_t *service_named(json_t *arr, const char *name)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o) if (!strcmp(json_string_value(json_object_get(o, "name")),
						  name)) return o;
	fail_msg("no service %s", name);
	return NULL;
}

static json_int_t int_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void test_json_sample(void **state)
{
	struct snapshot s;
	json_t *doc, *procs, *svcs;

	sampled_window(&s);
	doc = report_to_json(&s);
	assert_non_null(doc);
	procs = json_object_get(doc, "processes");
	assert_int_equal(int_at(json_object_get(by_key(procs, "pid", 10), "tcp"), "sample"), 1);
	assert_int_equal(int_at(json_object_get(by_key(procs, "pid", 11), "tcp"), "sample"), 8);
	assert_int_equal(int_at(json_object_get(by_key(procs, "pid", 20), "tcp"), "sample"), 1);
	/* A service is as rough as its roughest process. */
	svcs = json_object_get(doc, "services");
	assert_int_equal(int_at(service_named(svcs, "shop"), "tcp_sample"), 8);
	assert_int_equal(int_at(service_named(svcs, "shop"), "requests"), 120);
	assert_int_equal(int_at(service_named(svcs, "batch"), "tcp_sample"), 1);
	/* The global --tcp-sample is another matter, and stays 1. */
	assert_int_equal(int_at(doc, "tcp_sample"), 1);
	json_decref(doc);
	snapshot_free(&s);
	(void)state;
}

/* The lines of @text from "PID @pid " to the next blank line. */
static char *proc_block(const char *text, uint32_t pid)
{
	char head[32];
	const char *at, *end;

	snprintf(head, sizeof(head), "\nPID %u ", pid);
	at = strstr(text, head);
	assert_non_null(at);
	end = strstr(at + 1, "\n\n");
	return strndup(at + 1, end ? (size_t)(end - at) : strlen(at + 1));
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
		n++;
	return n;
}

static void test_text_sample(void **state)
{
	static const char note[] = "  tcp requests are estimates: 1 in 8 connections followed\n";
	struct snapshot s;
	char *text, *block;

	sampled_window(&s);
	text = render_text(&s);
	/* Under the process's request rows. */
	block = proc_block(text, 11);
	if (!strstr(block, "  tcp server 0.0.0.0:8080: 80 requests, p50 -, p99 -\n"
			   "  tcp requests are estimates: 1 in 8 connections followed\n"))
		fail_msg("no note under the requests of pid 11:\n%s", block);
	free(block);
	/* Once: not for sample 0 or 1, nor in the header. */
	assert_int_equal(count_of(text, "estimates"), 1);
	free(text);

	/* With --tcp-sample too, both notes. */
	s.tcp_sample = 4;
	text = render_text(&s);
	assert_non_null(strstr(text, "TCP: 1 in 4 connections followed; request counts are "
				     "estimates (--tcp-sample)\n"));
	assert_non_null(strstr(text, note));
	assert_int_equal(count_of(text, "estimates"), 2);
	free(text);
	snapshot_free(&s);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_sample),
		cmocka_unit_test(test_text_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
