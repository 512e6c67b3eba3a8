/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A window with application-protocol rows of known shape, for the tests of
 * their consumers: "api" (pid 10, service "shop") serves HTTP and asks
 * PostgreSQL and Redis; "api" pid 11 of the same service serves more of
 * one route. Latencies are recorded one by one, so percentiles are known.
 */
#ifndef HIVEMON_TEST_APP_FIXTURE_H
#define HIVEMON_TEST_APP_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "core/snapshot.h"

#define APP_MS 1000000ULL
#define APP_T0 (1700000000ULL * 1000000000ULL)

static inline struct app_request_stat *app_fill(struct proc_snapshot *p, uint8_t proto,
						uint8_t role, const char *method, uint16_t status,
						uint64_t fp, const char *text, int count,
						uint64_t ns, int errors)
{
	struct app_request_stat *r = proc_app_request(p, proto, role, method, status, fp, text);

	for (int i = 0; i < count; i++)
		hist_record(&r->lat, ns);
	r->count += (uint64_t)count;
	r->errors += (uint64_t)errors;
	return r;
}

static inline struct proc_snapshot *app_proc(struct snapshot *s, uint32_t pid, const char *comm,
					     const char *service)
{
	struct proc_snapshot *p = snapshot_proc(s, pid);

	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	snprintf(p->service, sizeof(p->service), "%s", service);
	p->service_key = 0x5eed;
	return p;
}

/* 2 s window. HTTP: GET /users/{id} 2xx 40 x 20 ms (pid 10) + 10 x 20 ms
 * (pid 11); GET /report 2xx 5 x 180 ms; POST /orders 5xx 4 x 50 ms (all
 * errors). SQL: "SELECT pg_sleep($1)" 10 x 120 ms, "SELECT * FROM users
 * WHERE id = $1" 100 x 1 ms with 2 errors; one slow statement of 120 ms.
 * Redis: GET 1000 x 100 us, 900 hits and 100 misses; SET 50 x 200 us. */
static inline void app_window(struct snapshot *s)
{
	struct proc_snapshot *p, *q;
	struct app_request_stat *r;
	struct slow_query sq = {.text = "SELECT pg_sleep($1)",
				.fingerprint = 0xabc,
				.latency_ns = 121 * APP_MS,
				.end_ns = APP_T0 + 1500 * APP_MS,
				.role = TCP_ROLE_CLIENT};

	snapshot_init(s);
	strcpy(s->host, "web-1");
	s->started_at_ns = APP_T0;
	s->duration_ns = 2000 * APP_MS;
	p = app_proc(s, 10, "api", "shop");
	q = app_proc(s, 11, "api", "shop");
	app_fill(p, APP_HTTP, TCP_ROLE_SERVER, "GET", 200, 0x1, "/users/{id}", 40, 20 * APP_MS, 0);
	app_fill(q, APP_HTTP, TCP_ROLE_SERVER, "GET", 200, 0x1, "/users/{id}", 10, 20 * APP_MS, 0);
	app_fill(p, APP_HTTP, TCP_ROLE_SERVER, "GET", 200, 0x2, "/report", 5, 180 * APP_MS, 0);
	app_fill(p, APP_HTTP, TCP_ROLE_SERVER, "POST", 500, 0x3, "/orders", 4, 50 * APP_MS, 4);
	app_fill(p, APP_PGSQL, TCP_ROLE_CLIENT, NULL, 0, 0xabc, "SELECT pg_sleep($1)", 10,
		 120 * APP_MS, 0);
	app_fill(p, APP_PGSQL, TCP_ROLE_CLIENT, NULL, 0, 0xdef, "SELECT * FROM users WHERE id = $1",
		 100, 1 * APP_MS, 2);
	r = app_fill(p, APP_REDIS, TCP_ROLE_CLIENT, "GET", 0, 0, NULL, 1000, 100000, 0);
	r->hits = 900;
	r->misses = 100;
	app_fill(p, APP_REDIS, TCP_ROLE_CLIENT, "SET", 0, 0, NULL, 50, 200000, 0);
	proc_add_slow_query(p, &sq);
}

#endif
