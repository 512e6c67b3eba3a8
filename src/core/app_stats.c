// SPDX-License-Identifier: GPL-2.0
/* Names, hit ratios, merging and ordering of application-protocol rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app_stats.h"

const char *app_proto_name(uint8_t proto)
{
	switch (proto) {
	case APP_HTTP:
		return "http";
	case APP_PGSQL:
		return "sql";
	case APP_REDIS:
		return "redis";
	}
	return "?";
}

const char *app_role_name(uint8_t role)
{
	return role == TCP_ROLE_CLIENT ? "client" : "server";
}

const char *app_status_text(uint16_t status, char *buf)
{
	if (!status)
		buf[0] = '\0';
	else
		snprintf(buf, APP_STATUS_LEN, "%uxx", (unsigned int)(status / 100 % 10));
	return buf;
}

bool app_hit_ratio(const struct app_request_stat *r, double *ratio)
{
	uint64_t reads = r->hits + r->misses;

	if (!reads)
		return false;
	*ratio = (double)r->hits / (double)reads;
	return true;
}

void app_merged_init(struct app_merged *m)
{
	memset(m, 0, sizeof(*m));
}

void app_merged_free(struct app_merged *m)
{
	proc_free_app(&m->acc);
	app_merged_init(m);
}

int app_merged_add(struct app_merged *m, const struct proc_snapshot *p)
{
	return proc_merge_app(&m->acc, p);
}

static int by_time_desc(const void *a, const void *b)
{
	const struct app_request_stat *x = *(const struct app_request_stat *const *)a;
	const struct app_request_stat *y = *(const struct app_request_stat *const *)b;
	int c;

	if (x->lat.sum_ns != y->lat.sum_ns)
		return x->lat.sum_ns < y->lat.sum_ns ? 1 : -1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	c = strcmp(x->method, y->method);
	if (c)
		return c;
	c = strcmp(x->text ? x->text : "", y->text ? y->text : "");
	if (c)
		return c;
	if (x->status != y->status)
		return x->status < y->status ? -1 : 1;
	return (int)x->role - (int)y->role;
}

const struct app_request_stat **app_rows_by_time(const struct proc_snapshot *p, uint8_t proto,
						 size_t *n)
{
	const struct app_request_stat **rows;
	size_t k = 0;

	*n = 0;
	for (size_t i = 0; i < p->app.n_requests; i++)
		k += !proto || p->app.requests[i].proto == proto;
	if (!k || !(rows = malloc(k * sizeof(*rows))))
		return NULL;
	for (size_t i = 0; i < p->app.n_requests; i++)
		if (!proto || p->app.requests[i].proto == proto)
			rows[(*n)++] = &p->app.requests[i];
	qsort(rows, *n, sizeof(*rows), by_time_desc);
	return rows;
}

size_t app_slow_sorted(const struct proc_snapshot *p, const struct slow_query **out)
{
	size_t n = p->app.n_slow;

	for (size_t i = 0; i < n; i++)
		out[i] = &p->app.slow[i];
	for (size_t i = 1; i < n; i++) /* slowest first; 16 at most */
		for (size_t j = i; j > 0 && out[j - 1]->latency_ns < out[j]->latency_ns; j--) {
			const struct slow_query *t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}
