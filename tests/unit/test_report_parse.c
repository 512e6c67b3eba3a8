// SPDX-License-Identifier: GPL-2.0
/* Unit tests: hivemon.report/v1 JSON back into a snapshot, and its alerts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"
#include "report/report_parse.h"
#include "top_fixture.h"

static const struct syscall_stat *find_sc(const struct proc_snapshot *p, uint32_t nr)
{
	for (size_t i = 0; i < p->n_syscalls; i++)
		if (p->syscalls[i].nr == nr)
			return &p->syscalls[i];
	fail_msg("syscall %u missing", nr);
	return NULL;
}

static void assert_same_quantiles(const struct hist *a, const struct hist *b)
{
	assert_int_equal(hist_quantile(a, 0.5), hist_quantile(b, 0.5));
	assert_int_equal(hist_quantile(a, 0.9), hist_quantile(b, 0.9));
	assert_int_equal(hist_quantile(a, 0.99), hist_quantile(b, 0.99));
	assert_int_equal(a->max_ns, b->max_ns);
}

/* report_to_json then report_parse_json gives back the figures top shows. */
static void test_round_trip(void **state)
{
	struct snapshot orig, back;
	const struct proc_snapshot *po, *pb;
	json_t *doc;
	char ep[ENDPOINT_STRLEN];

	fixture_snapshot(&orig);
	orig.tcp_sample = 4;
	doc = report_to_json(&orig);
	assert_non_null(doc);
	snapshot_init(&back);
	assert_int_equal(report_parse_json(doc, &back), 0);
	json_decref(doc);

	assert_string_equal(back.host, "testhost");
	assert_string_equal(back.kernel, "6.18.0");
	assert_int_equal(back.started_at_ns, orig.started_at_ns);
	assert_int_equal(back.duration_ns, 1000 * MS);
	assert_int_equal(back.lost_events, 7);
	assert_int_equal(back.tcp_sample, 4);
	assert_int_equal(back.n_procs, 3);

	po = snapshot_find(&orig, 100);
	pb = snapshot_find(&back, 100);
	assert_non_null(pb);
	assert_string_equal(pb->comm, "api");
	assert_string_equal(pb->cgroup, "/system.slice/api.service");
	assert_int_equal(pb->n_syscalls, 2);
	assert_int_equal(find_sc(pb, 0)->count, 1000);
	assert_int_equal(find_sc(pb, 232)->lat.sum_ns, 1000 * MS);
	assert_same_quantiles(&find_sc(po, 0)->lat, &find_sc(pb, 0)->lat);
	assert_same_quantiles(&find_sc(po, 232)->lat, &find_sc(pb, 232)->lat);
	assert_int_equal(pb->sched.oncpu_ns, 500 * MS);
	assert_same_quantiles(&po->sched.runq, &pb->sched.runq);
	assert_int_equal(pb->alloc.rss_bytes, 80ULL << 20);
	assert_int_equal(pb->alloc.page_faults, 1000);
	assert_int_equal(pb->tcp.n_requests, 1);
	assert_int_equal(pb->tcp.requests[0].role, TCP_ROLE_SERVER);
	assert_string_equal(endpoint_format(&pb->tcp.requests[0].local, ep, sizeof(ep)),
			    "0.0.0.0:8080");
	assert_int_equal(pb->tcp.requests[0].count, 200);
	assert_same_quantiles(&po->tcp.requests[0].lat, &pb->tcp.requests[0].lat);

	/* The slowest calls of worker (4 sleeps of 21..24 ms), ended at whole
	 * seconds past the window start, as the report's RFC 3339 "at" keeps. */
	pb = snapshot_find(&back, 200);
	assert_int_equal(pb->n_slow, 4);
	for (size_t i = 0; i < pb->n_slow; i++) {
		assert_int_equal(pb->slow[i].nr, 230);
		assert_int_equal(pb->slow[i].tid, 201);
		assert_int_equal(pb->slow[i].latency_ns, (24 - i) * MS);
		assert_int_equal(pb->slow[i].end_ns / 1000000000ULL,
				 snapshot_find(&orig, 200)->slow[3 - i].end_ns / 1000000000ULL);
	}

	pb = snapshot_find(&back, 50);
	po = snapshot_find(&orig, 50);
	assert_int_equal(find_sc(pb, 1)->errors, 2);
	assert_int_equal(pb->tcp.retransmits, 3);
	assert_int_equal(pb->tcp.n_connect, 1);
	assert_int_equal(pb->tcp.connect[0].count, 10);
	assert_string_equal(endpoint_format(&pb->tcp.connect[0].remote, ep, sizeof(ep)),
			    "127.0.0.1:5432");
	assert_int_equal(hist_quantile(&pb->tcp.connect[0].lat, 0.99),
			 hist_quantile(&po->tcp.connect[0].lat, 0.99));
	assert_int_equal(pb->tcp.rtt[0].count, 40);
	assert_int_equal(hist_quantile(&pb->tcp.rtt[0].lat, 0.5),
			 hist_quantile(&po->tcp.rtt[0].lat, 0.5));
	assert_int_equal(pb->tcp.requests[0].role, TCP_ROLE_CLIENT);
	assert_string_equal(endpoint_format(&pb->tcp.requests[0].remote, ep, sizeof(ep)),
			    "127.0.0.1:5432");

	snapshot_free(&orig);
	snapshot_free(&back);
}

/* A spread distribution: the rebuilt histogram answers p50/p90/p99 exactly. */
static void test_hist_from_quantiles(void **state)
{
	struct hist h, r;

	hist_init(&h);
	hist_init(&r);
	for (uint64_t v = 1; v <= 1000; v++)
		hist_record(&h, v * 1000 + v * v);
	assert_int_equal(hist_from_quantiles(&r, h.count, h.sum_ns, hist_quantile(&h, 0.5),
					     hist_quantile(&h, 0.9), hist_quantile(&h, 0.99),
					     h.max_ns),
			 0);
	assert_int_equal(r.count, 1000);
	assert_same_quantiles(&h, &r);
	assert_int_equal(hist_mean(&r), hist_mean(&h));
	/* One sample: every quantile is that sample. */
	assert_int_equal(hist_from_quantiles(&r, 1, 7 * MS, 7 * MS, 7 * MS, 7 * MS, 7 * MS), 0);
	assert_true(near((double)hist_quantile(&r, 0.5), 7.0 * MS, 5));
	assert_int_equal(hist_quantile(&r, 0.99), hist_quantile(&r, 0.5));
	/* Nothing recorded: an empty histogram. */
	assert_int_equal(hist_from_quantiles(&r, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(hist_quantile(&r, 0.99), 0);
	hist_free(&h);
	hist_free(&r);
}

static void test_endpoint_parse(void **state)
{
	struct endpoint ep;
	char buf[ENDPOINT_STRLEN];

	assert_int_equal(endpoint_parse("127.0.0.1:5432", &ep), 0);
	assert_int_equal(ep.family, AF_INET);
	assert_int_equal(ep.port, 5432);
	assert_int_equal(endpoint_parse("[::1]:8080", &ep), 0);
	assert_int_equal(ep.family, AF_INET6);
	assert_string_equal(endpoint_format(&ep, buf, sizeof(buf)), "[::1]:8080");
	assert_int_equal(endpoint_parse("[fe80::2]:1", &ep), 0);
	assert_int_equal(ep.port, 1);
	assert_int_equal(endpoint_parse("127.0.0.1", &ep), -EINVAL);
	assert_int_equal(endpoint_parse("127.0.0.1:99999", &ep), -EINVAL);
	assert_int_equal(endpoint_parse("::1:80", &ep), -EINVAL);
	assert_int_equal(endpoint_parse("host:80", &ep), -EINVAL);
	assert_int_equal(endpoint_parse(NULL, &ep), -EINVAL);
}

static void test_alerts(void **state)
{
	static const char doc[] =
		"{\"schema\":\"hivemon.report/v1\",\"host\":\"h\",\"kernel\":\"k\","
		"\"started_at\":\"2026-11-29T10:00:00Z\",\"duration_s\":1.5,\"lost_events\":2,"
		"\"processes\":[{\"pid\":9,\"comm\":\"api\",\"cgroup\":\"\",\"syscalls\":[],"
		"\"tcp\":{\"connect\":[],\"rtt\":[],\"retransmits\":0,\"requests\":[]},"
		"\"sched\":{\"runq\":{\"count\":0,\"p50_ns\":0,\"p99_ns\":0,\"max_ns\":0},"
		"\"oncpu_ns\":750000000},\"alloc\":{\"page_faults\":0,\"rss_bytes\":4096,"
		"\"reclaim_stall\":{\"count\":0,\"total_ns\":0,\"max_ns\":0},\"malloc\":null}}],"
		"\"findings\":[],\"alerts\":["
		"{\"alertname\":\"api-latency\",\"severity\":\"critical\","
		"\"labels\":{\"alertname\":\"api-latency\",\"severity\":\"critical\",\"comm\":"
		"\"api\","
		"\"pid\":\"9\",\"role\":\"server\"},\"value\":0.21,\"threshold\":0.2,"
		"\"startsAt\":\"2026-11-29T09:59:00Z\"},"
		"{\"alertname\":\"mem\",\"labels\":{\"severity\":\"EMERGENCY\",\"comm\":\"db\"},"
		"\"value\":\"101M\",\"threshold\":\"100M\"}]}";
	struct snapshot s;
	struct top_alerts a;

	snapshot_init(&s);
	assert_int_equal(report_parse_text(doc, &s, &a), 0);
	assert_int_equal(s.duration_ns, 1500 * MS);
	assert_int_equal(s.lost_events, 2);
	assert_int_equal(snapshot_find(&s, 9)->sched.oncpu_ns, 750 * MS);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.items[0].name, "api-latency");
	assert_int_equal(a.items[0].tier, TIER_CRITICAL);
	assert_int_equal(a.items[0].pid, 9);
	assert_string_equal(a.items[0].comm, "api");
	assert_string_equal(a.items[0].labels, "comm=api pid=9 role=server");
	assert_string_equal(a.items[0].value, "0.21");
	assert_string_equal(a.items[0].threshold, "0.2");
	assert_string_equal(a.items[0].starts_at, "2026-11-29T09:59:00Z");
	assert_int_equal(a.items[1].tier, TIER_EMERGENCY); /* severity among the labels */
	assert_int_equal(a.items[1].pid, 0);
	assert_string_equal(a.items[1].value, "101M");
	top_alerts_free(&a);
	snapshot_free(&s);
}

static void test_rejects(void **state)
{
	struct snapshot s;
	struct top_alerts a = {0};

	snapshot_init(&s);
	assert_int_equal(report_parse_text("{not json", &s, &a), -EINVAL);
	assert_int_equal(report_parse_text("{\"schema\":\"other/v1\"}", &s, &a), -EINVAL);
	assert_int_equal(report_parse_text("[1,2]", &s, &a), -EINVAL);
	/* No "alerts": none firing. */
	assert_int_equal(
		report_parse_text("{\"schema\":\"hivemon.report/v1\",\"processes\":[]}", &s, &a),
		0);
	assert_int_equal(a.n, 0);
	assert_int_equal(s.n_procs, 0);
	assert_int_equal(tier_from_name("Warning"), TIER_WARNING);
	assert_int_equal(tier_from_name("bogus"), TIER_NONE);
	assert_string_equal(tier_name(TIER_INFO), "info");
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_hist_from_quantiles),
		cmocka_unit_test(test_endpoint_parse), cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
