// SPDX-License-Identifier: GPL-2.0
/* Snapshot statistics and alert transitions as COPY text rows. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/probe_opts.h"
#include "store/store_pg_rows.h"
#include "core/syscalls.h"
#include "util/rfc3339.h"
#include "util/utf8.h"

#define NS_PER_S	      1000000000ULL
#define SYSCALL_LABELS_CACHED 1024

/* One statistic of one process in one interval. */
struct stat_row {
	const char *metric;
	json_t *labels;		 /* owned by the caller, NULL = {} */
	const char *labels_text; /* or already rendered */
	uint64_t count, errors;
	const struct hist *lat; /* NULL: no latency columns */
	bool has_sum;		/* sum_ns/max_ns without a histogram */
	uint64_t sum_ns, max_ns;
	bool has_value;
	double value;
};

static void cb_escaped(struct textbuf *b, const char *clean)
{
	for (const char *c = clean; *c; c++) {
		const char *esc = *c == '\\'   ? "\\\\"
				  : *c == '\n' ? "\\n"
				  : *c == '\r' ? "\\r"
				  : *c == '\t' ? "\\t"
					       : NULL;

		if (esc)
			textbuf_put(b, esc, 2);
		else
			textbuf_put(b, c, 1);
	}
}

/* True when @s is plain printable ASCII that COPY takes as is (the usual case). */
static bool plain_ascii(const char *s, size_t *len)
{
	const char *c = s;

	for (; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f || *c == '\\')
			return false;
	*len = (size_t)(c - s);
	return true;
}

/* A text field: valid UTF-8, with COPY's text-format escapes. */
static void cb_text(struct textbuf *b, const char *value)
{
	char small[256], *clean = small;
	size_t n;

	if (plain_ascii(value, &n)) {
		textbuf_put(b, value, n);
		return;
	}
	n = strlen(value);
	if (n >= sizeof(small) && !(clean = malloc(n + 1))) {
		b->oom = true;
		return;
	}
	utf8_sanitize(value, clean, n + 1);
	cb_escaped(b, clean);
	if (clean != small)
		free(clean);
}

static void cb_sep(struct textbuf *b)
{
	textbuf_put(b, "\t", 1);
}

static void cb_null(struct textbuf *b)
{
	textbuf_put(b, "\\N", 2);
}

/* CLOCK_REALTIME nanoseconds as a timestamptz literal in UTC. */
static void cb_timestamp(struct textbuf *b, uint64_t ns)
{
	char text[RFC3339_BUFLEN];

	textbuf_puts(b, rfc3339_format(ns, RFC3339_PG, text, sizeof(text)));
}

static void cb_json(struct textbuf *b, json_t *labels)
{
	char *text;

	if (!labels) {
		textbuf_put(b, "{}", 2);
		return;
	}
	text = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text) {
		b->oom = true;
		return;
	}
	cb_text(b, text);
	free(text);
}

/* json_string() needs valid UTF-8, and comm/cgroup are just bytes. */
static json_t *json_clean_string(const char *value)
{
	size_t n = strlen(value);
	char *clean = malloc(n + 1);
	json_t *s;

	if (!clean)
		return NULL;
	utf8_sanitize(value, clean, n + 1);
	s = json_string(clean);
	free(clean);
	return s;
}

/* What the rows of one snapshot share, rendered once. */
struct rows_ctx {
	struct copybuf *b;
	const struct snapshot *snap;
	struct textbuf prefix;	/* ts, interval_s, host, pid, comm, cgroup of the process */
	size_t snap_prefix_len; /* ts, interval_s, host */
	char *syscall_labels[SYSCALL_LABELS_CACHED]; /* JSON by syscall nr */
	char *uncached_labels;			     /* the last one past the cache */
};

static void ctx_begin_proc(struct rows_ctx *ctx, const struct proc_snapshot *p)
{
	ctx->prefix.len = ctx->snap_prefix_len;
	textbuf_u64(&ctx->prefix, p->pid);
	cb_sep(&ctx->prefix);
	cb_text(&ctx->prefix, p->comm);
	cb_sep(&ctx->prefix);
	cb_text(&ctx->prefix, p->cgroup ? p->cgroup : "");
	cb_sep(&ctx->prefix);
	ctx->b->text.oom = ctx->b->text.oom || ctx->prefix.oom;
}

static void emit_row(struct rows_ctx *ctx, const struct stat_row *r)
{
	struct textbuf *b = &ctx->b->text;

	textbuf_put(b, ctx->prefix.s, ctx->prefix.len);
	cb_text(b, r->metric);
	cb_sep(b);
	if (r->labels_text)
		cb_text(b, r->labels_text);
	else
		cb_json(b, r->labels);
	cb_sep(b);
	textbuf_u64(b, r->count);
	cb_sep(b);
	textbuf_u64(b, r->errors);
	cb_sep(b);
	if (r->lat) {
		const uint64_t v[] = {r->lat->sum_ns, hist_quantile(r->lat, 0.50),
				      hist_quantile(r->lat, 0.90), hist_quantile(r->lat, 0.99),
				      r->lat->max_ns};

		for (size_t i = 0; i < 5; i++) {
			textbuf_u64(b, v[i]);
			cb_sep(b);
		}
	} else if (r->has_sum) {
		textbuf_u64(b, r->sum_ns);
		textbuf_put(b, "\t\\N\t\\N\t\\N\t", 10);
		textbuf_u64(b, r->max_ns);
		cb_sep(b);
	} else {
		textbuf_put(b, "\\N\t\\N\t\\N\t\\N\t\\N\t", 15);
	}
	if (r->has_value)
		textbuf_printf(b, "%.17g", r->value);
	else
		cb_null(b);
	textbuf_put(b, "\n", 1);
	ctx->b->rows++;
}

/* Emits @r and releases its labels. */
static void emit(struct rows_ctx *ctx, struct stat_row *r)
{
	emit_row(ctx, r);
	json_decref(r->labels);
}

/* {"nr": N, "syscall": "name"}, rendered once per snapshot and syscall. */
static const char *syscall_labels(struct rows_ctx *ctx, uint32_t nr)
{
	char name[SYSCALL_NAME_LEN];
	json_t *labels;
	char *text;

	if (nr < SYSCALL_LABELS_CACHED && ctx->syscall_labels[nr])
		return ctx->syscall_labels[nr];
	labels = json_pack("{s:s, s:i}", "syscall", syscall_name(nr, name, sizeof(name)), "nr",
			   (int)nr);
	text = labels ? json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(labels);
	if (!text) {
		ctx->b->text.oom = true;
		return "{}";
	}
	if (nr >= SYSCALL_LABELS_CACHED) { /* not a real syscall number: not worth caching */
		free(ctx->uncached_labels);
		ctx->uncached_labels = text;
		return text;
	}
	ctx->syscall_labels[nr] = text;
	return text;
}

static void emit_syscalls(struct rows_ctx *ctx, const struct proc_snapshot *p)
{
	for (size_t i = 0; i < p->n_syscalls; i++) {
		const struct syscall_stat *sc = &p->syscalls[i];
		struct stat_row r = {
			.metric = "syscall.latency",
			.count = sc->count,
			.errors = sc->errors,
			.lat = &sc->lat,
		};

		if (!sc->count)
			continue;
		r.labels_text = syscall_labels(ctx, sc->nr);
		emit(ctx, &r);
	}
}

static json_t *endpoint_label(const struct endpoint *ep)
{
	char text[ENDPOINT_STRLEN];

	return json_string(endpoint_format(ep, text, sizeof(text)));
}

static void emit_tcp(struct rows_ctx *ctx, const struct proc_snapshot *p)
{
	for (size_t i = 0; i < p->tcp.n_connect; i++) {
		const struct tcp_remote_stat *c = &p->tcp.connect[i];
		struct stat_row r = {
			.metric = "tcp.connect.latency",
			.labels = json_pack("{s:o}", "remote", endpoint_label(&c->remote)),
			.count = c->count,
			.errors = c->errors,
			.lat = &c->lat};

		emit(ctx, &r);
	}
	for (size_t i = 0; i < p->tcp.n_rtt; i++) {
		const struct tcp_remote_stat *c = &p->tcp.rtt[i];
		struct stat_row r = {
			.metric = "tcp.rtt",
			.labels = json_pack("{s:o}", "remote", endpoint_label(&c->remote)),
			.count = c->count,
			.lat = &c->lat};

		emit(ctx, &r);
	}
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *q = &p->tcp.requests[i];
		bool server = q->role == TCP_ROLE_SERVER;
		struct stat_row r = {
			.metric = "tcp.request.latency",
			.labels = json_pack("{s:s, s:o}", "role", server ? "server" : "client",
					    "endpoint",
					    endpoint_label(server ? &q->local : &q->remote)),
			.count = q->count,
			.lat = &q->lat,
		};

		emit(ctx, &r);
	}
	if (p->tcp.retransmits) {
		struct stat_row r = {.metric = "tcp.retransmits", .count = p->tcp.retransmits};

		emit(ctx, &r);
	}
}

static void emit_sched_mem(struct rows_ctx *ctx, const struct proc_snapshot *p)
{
	const struct snapshot *snap = ctx->snap;

	if (p->sched.runq.count) {
		struct stat_row r = {.metric = "sched.runq.latency",
				     .count = p->sched.runq.count,
				     .lat = &p->sched.runq};

		emit(ctx, &r);
	}
	if ((snap->probes & PROBE_SCHED) && snap->duration_ns && p->sched.oncpu_ns) {
		/* cpu.usage is a percentage of one core, as alert rules use it. */
		struct stat_row r = {.metric = "cpu.usage",
				     .has_value = true,
				     .value = 100.0 * (double)p->sched.oncpu_ns /
					      (double)snap->duration_ns};

		emit(ctx, &r);
	}
	if (p->alloc.rss_bytes) {
		struct stat_row r = {.metric = "mem.rss",
				     .has_value = true,
				     .value = (double)p->alloc.rss_bytes};
		struct stat_row anon = {.metric = "mem.anon",
					.has_value = true,
					.value = (double)p->alloc.rss_anon};

		emit(ctx, &r);
		emit(ctx, &anon);
	}
	if (p->alloc.page_faults) {
		struct stat_row r = {.metric = "alloc.page_faults", .count = p->alloc.page_faults};

		emit(ctx, &r);
	}
	if (p->alloc.reclaim_count) {
		struct stat_row r = {.metric = "alloc.reclaim.stall",
				     .count = p->alloc.reclaim_count,
				     .has_sum = true,
				     .sum_ns = p->alloc.reclaim_total_ns,
				     .max_ns = p->alloc.reclaim_max_ns};

		emit(ctx, &r);
	}
	if (p->alloc.has_malloc) {
		const struct malloc_stat *m = &p->alloc.malloc;
		struct stat_row r = {.metric = "alloc.malloc.latency",
				     .labels = json_pack("{s:I, s:I, s:I}", "frees",
							 (json_int_t)m->frees, "bytes",
							 (json_int_t)m->bytes, "outstanding_bytes",
							 (json_int_t)m->outstanding_bytes),
				     .count = m->calls,
				     .lat = &m->lat};

		emit(ctx, &r);
	}
}

int pg_rows_snapshot(struct copybuf *b, const struct snapshot *snap)
{
	struct rows_ctx ctx = {.b = b, .snap = snap};

	cb_timestamp(&ctx.prefix, snap->started_at_ns);
	textbuf_printf(&ctx.prefix, "\t%.6f\t", (double)snap->duration_ns / 1e9);
	cb_text(&ctx.prefix, snap->host);
	cb_sep(&ctx.prefix);
	ctx.snap_prefix_len = ctx.prefix.len;
	for (size_t i = 0; i < snap->n_procs && !b->text.oom && !ctx.prefix.oom; i++) {
		ctx_begin_proc(&ctx, &snap->procs[i]);
		emit_syscalls(&ctx, &snap->procs[i]);
		emit_tcp(&ctx, &snap->procs[i]);
		emit_sched_mem(&ctx, &snap->procs[i]);
	}
	for (size_t i = 0; i < SYSCALL_LABELS_CACHED; i++)
		free(ctx.syscall_labels[i]);
	free(ctx.uncached_labels);
	if (ctx.prefix.oom)
		b->text.oom = true;
	textbuf_free(&ctx.prefix);
	return b->text.oom ? -ENOMEM : 0;
}

int pg_rows_alert(struct copybuf *b, const char *host, const struct store_alert_row *row)
{
	json_t *labels = row->labels_json ? json_loads(row->labels_json, 0, NULL) : NULL;
	struct textbuf *t = &b->text;

	/* A label set that is not a JSON object is kept as text, not lost. */
	if (row->labels_json && !json_is_object(labels)) {
		json_decref(labels);
		labels = json_pack("{s:o}", "raw", json_clean_string(row->labels_json));
	}
	cb_timestamp(t, row->at_ns);
	cb_sep(t);
	cb_text(t, host);
	cb_sep(t);
	cb_text(t, row->rule ? row->rule : "");
	cb_sep(t);
	cb_text(t, row->severity ? row->severity : "");
	cb_sep(t);
	cb_text(t, row->status ? row->status : "");
	cb_sep(t);
	cb_json(t, labels);
	textbuf_printf(t, "\t%.17g\t%.17g\n", row->value, row->threshold);
	json_decref(labels);
	b->rows++;
	return t->oom ? -ENOMEM : 0;
}

/* A number of @o, or \N when it has none. */
static void cb_number(struct textbuf *t, const json_t *v)
{
	if (json_is_number(v))
		textbuf_printf(t, "%.17g", json_number_value(v));
	else
		cb_null(t);
}

static void cb_opt_text(struct textbuf *t, const json_t *v)
{
	if (json_is_string(v))
		cb_text(t, json_string_value(v));
	else
		cb_null(t);
}

int pg_rows_groups(struct copybuf *b, const char *host, uint64_t ts_ns, const json_t *groups)
{
	struct textbuf *t = &b->text;
	const json_t *g;
	size_t i;

	json_array_foreach(groups, i, g)
	{
		const json_t *members = json_object_get(g, "members");
		const json_t *imb = json_object_get(g, "imbalance");

		if (!json_is_string(json_object_get(g, "name")))
			continue;
		cb_timestamp(t, ts_ns);
		cb_sep(t);
		cb_text(t, host);
		cb_sep(t);
		cb_opt_text(t, json_object_get(g, "name"));
		cb_sep(t);
		cb_text(t, json_string_value(json_object_get(g, "mode")) ?: "");
		textbuf_printf(t, "\t%zu\t", json_array_size(members));
		cb_number(t, json_object_get(imb, "cv"));
		cb_sep(t);
		cb_number(t, json_object_get(imb, "max_load"));
		cb_sep(t);
		cb_opt_text(t, json_object_get(json_object_get(g, "plan"), "verdict"));
		textbuf_printf(t, "\t%lld\t%s\t%lld\t",
			       (long long)json_integer_value(json_object_get(g, "held")),
			       json_is_true(json_object_get(g, "steering")) ? "t" : "f",
			       (long long)json_integer_value(json_object_get(g, "moves_applied")));
		if (json_is_array(members))
			cb_json(t, (json_t *)members);
		else
			textbuf_put(t, "[]", 2);
		textbuf_put(t, "\n", 1);
		b->rows++;
	}
	return t->oom ? -ENOMEM : 0;
}

int pg_rows_group_actions(struct copybuf *b, const char *host, const json_t *actions)
{
	struct textbuf *t = &b->text;
	const json_t *a;
	size_t i;

	json_array_foreach(actions, i, a)
	{
		uint64_t at = rfc3339_parse(json_string_value(json_object_get(a, "at")) ?: "");
		const json_t *effect = json_object_get(a, "effect");

		if (!at || !json_is_string(json_object_get(a, "group")))
			continue;
		cb_timestamp(t, at);
		cb_sep(t);
		cb_text(t, host);
		cb_sep(t);
		cb_opt_text(t, json_object_get(a, "group"));
		cb_sep(t);
		cb_text(t, json_string_value(json_object_get(a, "action")) ?: "");
		cb_sep(t);
		cb_text(t, json_string_value(json_object_get(a, "text")) ?: "");
		cb_sep(t);
		cb_json(t, json_object_get(a, "evidence"));
		cb_sep(t);
		if (json_is_object(effect))
			cb_json(t, (json_t *)effect);
		else
			cb_null(t);
		textbuf_put(t, "\n", 1);
		b->rows++;
	}
	return t->oom ? -ENOMEM : 0;
}

void pg_copy_text(struct textbuf *b, const char *value)
{
	cb_text(b, value);
}

void pg_copy_timestamp(struct textbuf *b, uint64_t ns)
{
	cb_timestamp(b, ns);
}

void copybuf_free(struct copybuf *b)
{
	textbuf_free(&b->text);
	b->rows = 0;
}
