// SPDX-License-Identifier: GPL-2.0
/*
 * Application-protocol rows -> Prometheus series: request histograms per
 * HTTP method/route/status class, normalized SQL statement and Redis
 * command, their errors, and cache hits and misses. Cardinality is the
 * snapshot's: its rows are bounded per process (top routes and statements
 * plus "other"); a statement's text is cut to QUERY_LABEL_MAX bytes.
 */
#include <string.h>

#include "core/app_stats.h"
#include "export/prom_series.h"
#include "util/utf8.h"

#define QUERY_LABEL_MAX 256

struct app_labels {
	char text[1024];
	size_t len;
};

static void add(struct app_labels *l, const char *name, const char *value)
{
	size_t room = sizeof(l->text) - l->len;
	size_t n = strlen(name);

	/* name="" plus the separator: always room, values are bounded. */
	if (room < n + 5)
		return;
	if (l->len)
		l->text[l->len++] = ',';
	memcpy(l->text + l->len, name, n);
	l->len += n;
	memcpy(l->text + l->len, "=\"", 2);
	l->len += 2;
	l->len += prom_escape_label(value, l->text + l->len, sizeof(l->text) - l->len - 1);
	l->text[l->len++] = '"';
	l->text[l->len] = '\0';
}

/* At most QUERY_LABEL_MAX bytes of @text, never half a UTF-8 sequence. */
static const char *query_label(const char *text, char *buf)
{
	size_t at = 0, n = strlen(text);

	if (n < QUERY_LABEL_MAX)
		return text;
	while (at < n) {
		size_t k = utf8_seq_len((const unsigned char *)text + at, n - at);

		k = k ? k : 1;
		if (at + k >= QUERY_LABEL_MAX)
			break;
		at += k;
	}
	memcpy(buf, text, at);
	buf[at] = '\0';
	return buf;
}

static int feed_row(struct prom_registry *r, const struct proc_snapshot *p, const char *who,
		    const struct app_request_stat *row)
{
	struct app_labels l = {.len = strlen(who)};
	char status[APP_STATUS_LEN], query[QUERY_LABEL_MAX];
	int err;

	memcpy(l.text, who, l.len + 1);
	add(&l, "service", p->service[0] ? p->service : p->comm);
	add(&l, "role", app_role_name(row->role));
	switch (row->proto) {
	case APP_HTTP:
		add(&l, "method", row->method);
		add(&l, "route", row->text ? row->text : "");
		add(&l, "status", app_status_text(row->status, status));
		return prom_feed_hist(r, FAM_HTTP_REQUEST_LAT, l.text, &row->lat, row->count);
	case APP_PGSQL:
		add(&l, "query", query_label(row->text ? row->text : "", query));
		err = prom_feed_hist(r, FAM_SQL_QUERY_LAT, l.text, &row->lat, row->count);
		return err ? err
			   : prom_feed_counter(r, FAM_SQL_QUERY_ERRORS, l.text, row->errors, false);
	case APP_REDIS:
		add(&l, "command", row->method);
		err = prom_feed_hist(r, FAM_REDIS_COMMAND_LAT, l.text, &row->lat, row->count);
		if (!err)
			err = prom_feed_counter(r, FAM_REDIS_COMMAND_ERRORS, l.text, row->errors,
						false);
		/* Both or neither: a ratio needs its zero. */
		if (!err)
			err = prom_feed_counter(r, FAM_CACHE_HITS, l.text, row->hits,
						row->hits + row->misses > 0);
		if (!err)
			err = prom_feed_counter(r, FAM_CACHE_MISSES, l.text, row->misses,
						row->hits + row->misses > 0);
		return err;
	}
	return 0;
}

int prom_feed_app(struct prom_registry *r, const struct proc_snapshot *p, const char *who)
{
	int err = 0;

	for (size_t i = 0; i < p->app.n_requests && !err; i++)
		err = feed_row(r, p, who, &p->app.requests[i]);
	return err;
}
