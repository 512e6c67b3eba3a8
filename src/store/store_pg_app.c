// SPDX-License-Identifier: GPL-2.0
/* Application-protocol requests and slow statements as COPY text rows. */
#include <errno.h>
#include <stdio.h>

#include "core/app_stats.h"
#include "store/store_pg_app.h"

static void sep(struct textbuf *t)
{
	textbuf_put(t, "\t", 1);
}

/* A text column, NULL when @value is empty. */
static void text_or_null(struct textbuf *t, const char *value)
{
	if (value && *value)
		pg_copy_text(t, value);
	else
		textbuf_put(t, "\\N", 2);
	sep(t);
}

/* ts .. service, shared by both tables' rows of process @p. */
static void proc_columns(struct textbuf *t, const struct proc_snapshot *p)
{
	textbuf_u64(t, p->pid);
	sep(t);
	pg_copy_text(t, p->comm);
	sep(t);
	pg_copy_text(t, p->service[0] ? p->service : p->comm);
	sep(t);
}

/* A fingerprint is 64 bits; bigint is signed: stored as its two's complement. */
static void fingerprint(struct textbuf *t, uint64_t fp)
{
	textbuf_printf(t, "%lld", (long long)(int64_t)fp);
	sep(t);
}

static void request_row(struct textbuf *t, const struct snapshot *snap,
			const struct proc_snapshot *p, const struct app_request_stat *r)
{
	char status[APP_STATUS_LEN];
	const struct hist *h = &r->lat;

	pg_copy_timestamp(t, snap->started_at_ns);
	textbuf_printf(t, "\t%.6f\t", (double)snap->duration_ns / 1e9);
	pg_copy_text(t, snap->host);
	sep(t);
	proc_columns(t, p);
	textbuf_puts(t, app_proto_name(r->proto));
	sep(t);
	textbuf_puts(t, app_role_name(r->role));
	sep(t);
	text_or_null(t, r->method);
	text_or_null(t, app_status_text(r->status, status));
	fingerprint(t, r->fingerprint);
	text_or_null(t, r->text);
	textbuf_printf(t, "%llu\t%llu\t", (unsigned long long)r->count,
		       (unsigned long long)r->errors);
	if (r->proto == APP_REDIS)
		textbuf_printf(t, "%llu\t%llu\t", (unsigned long long)r->hits,
			       (unsigned long long)r->misses);
	else
		textbuf_puts(t, "\\N\t\\N\t");
	if (h->count)
		textbuf_printf(t, "%llu\t%llu\t%llu\t%llu\t%llu\n", (unsigned long long)h->sum_ns,
			       (unsigned long long)hist_quantile(h, 0.50),
			       (unsigned long long)hist_quantile(h, 0.90),
			       (unsigned long long)hist_quantile(h, 0.99),
			       (unsigned long long)h->max_ns);
	else
		textbuf_puts(t, "\\N\t\\N\t\\N\t\\N\t\\N\n");
}

int pg_rows_app(struct copybuf *b, const struct snapshot *snap)
{
	for (size_t i = 0; i < snap->n_procs; i++) {
		const struct proc_snapshot *p = &snap->procs[i];

		for (size_t k = 0; k < p->app.n_requests; k++) {
			if (!p->app.requests[k].count)
				continue;
			request_row(&b->text, snap, p, &p->app.requests[k]);
			b->rows++;
		}
	}
	return b->text.oom ? -ENOMEM : 0;
}

int pg_rows_slow_queries(struct copybuf *b, const struct snapshot *snap)
{
	char peer[ENDPOINT_STRLEN];

	for (size_t i = 0; i < snap->n_procs; i++) {
		const struct proc_snapshot *p = &snap->procs[i];

		for (size_t k = 0; k < p->app.n_slow; k++) {
			const struct slow_query *q = &p->app.slow[k];
			struct textbuf *t = &b->text;

			pg_copy_timestamp(t, q->end_ns);
			sep(t);
			pg_copy_text(t, snap->host);
			sep(t);
			proc_columns(t, p);
			textbuf_puts(t, app_role_name(q->role));
			sep(t);
			pg_copy_text(t, q->peer.family
						? endpoint_format(&q->peer, peer, sizeof(peer))
						: "unix");
			sep(t);
			fingerprint(t, q->fingerprint);
			pg_copy_text(t, q->text ? q->text : "");
			textbuf_printf(t, "\t%llu\n", (unsigned long long)q->latency_ns);
			b->rows++;
		}
	}
	return b->text.oom ? -ENOMEM : 0;
}
