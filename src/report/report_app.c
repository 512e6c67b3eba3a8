// SPDX-License-Identifier: GPL-2.0
/* Protocol rows of a service in JSON: rows of its processes added up. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app_rows.h"
#include "report/report_app.h"
#include "util/rfc3339.h"

/* A service's rows and slowest statements, owned. */
struct app_totals {
	struct proc_snapshot all;
	const char *service;
};

static void totals_free(struct app_totals *t)
{
	for (size_t i = 0; i < t->all.app.n_requests; i++) {
		free(t->all.app.requests[i].text);
		hist_free(&t->all.app.requests[i].lat);
	}
	free(t->all.app.requests);
	for (size_t i = 0; i < t->all.app.n_slow; i++)
		free(t->all.app.slow[i].text);
}

static int add_proc(struct app_totals *t, const struct proc_snapshot *p)
{
	for (size_t i = 0; i < p->app.n_requests; i++) {
		const struct app_request_stat *r = &p->app.requests[i];
		struct app_request_stat *d = proc_app_request(&t->all, r->proto, r->role, r->method,
							      r->status, r->fingerprint, r->text);

		if (!d || hist_merge(&d->lat, &r->lat))
			return -ENOMEM;
		d->count += r->count;
		d->errors += r->errors;
		d->hits += r->hits;
		d->misses += r->misses;
	}
	for (size_t i = 0; i < p->app.n_slow; i++)
		if (proc_add_slow_query(&t->all, &p->app.slow[i]))
			return -ENOMEM;
	return 0;
}

static int busiest_first(const void *a, const void *b)
{
	const struct app_request_stat *x = a, *y = b;

	if (x->lat.sum_ns != y->lat.sum_ns)
		return x->lat.sum_ns > y->lat.sum_ns ? -1 : 1;
	return (x->count < y->count) - (x->count > y->count);
}

static int slowest_first(const void *a, const void *b)
{
	const struct slow_query *x = a, *y = b;

	return (x->latency_ns < y->latency_ns) - (x->latency_ns > y->latency_ns);
}

static const char *role_name(uint8_t role)
{
	return role == TCP_ROLE_SERVER ? "server" : "client";
}

#define Q(h, q) ((json_int_t)hist_quantile(h, q))

static json_t *http_row(const struct app_request_stat *r)
{
	char status[8] = "other";

	if (r->status)
		snprintf(status, sizeof(status), "%uxx", r->status / 100);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "role",
			 role_name(r->role), "method", r->method, "route", r->text, "status",
			 status, "count", (json_int_t)r->count, "errors", (json_int_t)r->errors,
			 "p50_ns", Q(&r->lat, 0.5), "p90_ns", Q(&r->lat, 0.9), "p99_ns",
			 Q(&r->lat, 0.99), "max_ns", (json_int_t)r->lat.max_ns);
}

static json_t *sql_row(const struct app_request_stat *r)
{
	char fp[20];

	snprintf(fp, sizeof(fp), "%016" PRIx64, r->fingerprint);
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "role",
			 role_name(r->role), "fingerprint", fp, "query", r->text, "count",
			 (json_int_t)r->count, "errors", (json_int_t)r->errors, "total_ns",
			 (json_int_t)r->lat.sum_ns, "p50_ns", Q(&r->lat, 0.5), "p99_ns",
			 Q(&r->lat, 0.99), "max_ns", (json_int_t)r->lat.max_ns);
}

static json_t *redis_row(const struct app_request_stat *r)
{
	uint64_t reads = r->hits + r->misses;
	json_t *ratio = reads ? json_real((double)r->hits / (double)reads) : json_null();

	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "role",
			 role_name(r->role), "command", r->method, "count", (json_int_t)r->count,
			 "errors", (json_int_t)r->errors, "p50_ns", Q(&r->lat, 0.5), "p99_ns",
			 Q(&r->lat, 0.99), "max_ns", (json_int_t)r->lat.max_ns, "hits",
			 (json_int_t)r->hits, "misses", (json_int_t)r->misses, "hit_ratio", ratio);
}

static json_t *slow_row(const struct slow_query *q, const char *service)
{
	char at[RFC3339_BUFLEN], peer[ENDPOINT_STRLEN];
	const char *client = service;

	if (q->role == TCP_ROLE_SERVER)
		client = q->peer.family ? endpoint_format(&q->peer, peer, sizeof(peer))
					: "unix socket";
	return json_pack("{s:s, s:s, s:I, s:s, s:s}", "role", role_name(q->role), "query", q->text,
			 "latency_ns", (json_int_t)q->latency_ns, "at",
			 rfc3339_format(q->end_ns, RFC3339_MILLIS, at, sizeof(at)), "client",
			 client);
}

int report_app_json(json_t *obj, const struct snapshot *snap, const struct service *svc)
{
	struct app_totals t = {.service = svc->name};
	json_t *http = json_array(), *sql = json_array(), *redis = json_array();
	json_t *slow = json_array();
	int err = 0;

	for (size_t k = 0; k < svc->n_procs && !err; k++)
		err = add_proc(&t, &snap->procs[svc->procs[k]]);
	if (!err)
		err = app_rows_bound(&t.all, APP_ROWS_MAX);
	/* No rows, no array: qsort() of NULL is undefined even with 0 of them. */
	if (t.all.app.n_requests)
		qsort(t.all.app.requests, t.all.app.n_requests, sizeof(*t.all.app.requests),
		      busiest_first);
	qsort(t.all.app.slow, t.all.app.n_slow, sizeof(*t.all.app.slow), slowest_first);
	for (size_t i = 0; i < t.all.app.n_requests; i++) {
		const struct app_request_stat *r = &t.all.app.requests[i];

		if (r->proto == APP_HTTP)
			json_array_append_new(http, http_row(r));
		else if (r->proto == APP_PGSQL)
			json_array_append_new(sql, sql_row(r));
		else if (r->proto == APP_REDIS)
			json_array_append_new(redis, redis_row(r));
	}
	for (size_t i = 0; i < t.all.app.n_slow; i++)
		json_array_append_new(slow, slow_row(&t.all.app.slow[i], svc->name));
	json_object_set_new(obj, "http", http);
	json_object_set_new(obj, "sql", sql);
	json_object_set_new(obj, "redis", redis);
	json_object_set_new(obj, "slow_queries", slow);
	totals_free(&t);
	return err;
}
