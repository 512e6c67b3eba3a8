// SPDX-License-Identifier: GPL-2.0
/* The slow-query finding: a service's SQL statements, merged over its
 * processes (20 backends are one database), ranked by total time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/slow_query.h"
#include "core/services.h"
#include "util/units.h"

/* Shown per statement in the summary; the whole text is in "queries". */
#define SUMMARY_QUERY_LEN 48

const char slow_query_recommendation[] =
	"read the plans of these statements (EXPLAIN): add the indexes their filters need, "
	"fetch fewer rows, or cache the results";

/* One normalized statement of a service, summed over its processes. */
struct stmt {
	uint64_t fingerprint;
	const char *text; /* the snapshot's */
	uint64_t calls, errors;
	struct hist lat;
};

struct stmts {
	struct stmt *items;
	size_t n, cap;
};

static void stmts_free(struct stmts *s)
{
	for (size_t i = 0; i < s->n; i++)
		hist_free(&s->items[i].lat);
	free(s->items);
	memset(s, 0, sizeof(*s));
}

static struct stmt *stmt_of(struct stmts *s, const struct app_request_stat *r)
{
	struct stmt *st;

	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].fingerprint == r->fingerprint)
			return &s->items[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct stmt *items = realloc(s->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		s->items = items;
		s->cap = cap;
	}
	st = &s->items[s->n++];
	memset(st, 0, sizeof(*st));
	st->fingerprint = r->fingerprint;
	st->text = r->text ? r->text : "";
	hist_init(&st->lat);
	return st;
}

static bool is_sql(const struct app_request_stat *r, uint8_t role)
{
	return r->proto == APP_PGSQL && r->role == role && r->count;
}

/* The side the service is judged on: the database answers statements; a
 * client that only asks them is judged on what it waited for. */
static uint8_t sql_role(const struct snapshot *snap, const struct service *svc)
{
	for (size_t k = 0; k < svc->n_procs; k++) {
		const struct proc_snapshot *p = &snap->procs[svc->procs[k]];

		for (size_t i = 0; i < p->app.n_requests; i++)
			if (is_sql(&p->app.requests[i], TCP_ROLE_SERVER))
				return TCP_ROLE_SERVER;
	}
	return TCP_ROLE_CLIENT;
}

static int collect(const struct snapshot *snap, const struct service *svc, uint8_t role,
		   struct stmts *out)
{
	for (size_t k = 0; k < svc->n_procs; k++) {
		const struct proc_snapshot *p = &snap->procs[svc->procs[k]];

		for (size_t i = 0; i < p->app.n_requests; i++) {
			const struct app_request_stat *r = &p->app.requests[i];
			struct stmt *st;

			if (!is_sql(r, role))
				continue;
			st = stmt_of(out, r);
			if (!st || hist_merge(&st->lat, &r->lat))
				return -ENOMEM;
			st->calls += r->count;
			st->errors += r->errors;
		}
	}
	return 0;
}

/* Statements of the slow log (each one slower than the limit). */
static size_t slow_logged(const struct snapshot *snap, const struct service *svc, uint8_t role,
			  uint64_t limit_ns)
{
	size_t n = 0;

	for (size_t k = 0; k < svc->n_procs; k++) {
		const struct proc_snapshot *p = &snap->procs[svc->procs[k]];

		for (size_t i = 0; i < p->app.n_slow; i++)
			n += p->app.slow[i].role == role && p->app.slow[i].latency_ns >= limit_ns;
	}
	return n;
}

static int by_total_desc(const void *a, const void *b)
{
	const struct stmt *x = a, *y = b;

	if (x->lat.sum_ns != y->lat.sum_ns)
		return (x->lat.sum_ns < y->lat.sum_ns) - (x->lat.sum_ns > y->lat.sum_ns);
	return (x->fingerprint > y->fingerprint) - (x->fingerprint < y->fingerprint);
}

/* The service's lowest pid stands for it (PostgreSQL's postmaster). */
static const struct proc_snapshot *first_proc(const struct snapshot *snap,
					      const struct service *svc)
{
	const struct proc_snapshot *best = NULL;

	for (size_t k = 0; k < svc->n_procs; k++) {
		const struct proc_snapshot *p = &snap->procs[svc->procs[k]];

		if (!best || p->pid < best->pid)
			best = p;
	}
	return best;
}

/* @text cut to at most SUMMARY_QUERY_LEN bytes, not inside a UTF-8
 * character, "..." marking the cut. */
static void short_text(const char *text, char *buf, size_t len)
{
	size_t n = strlen(text);

	if (n <= SUMMARY_QUERY_LEN) {
		snprintf(buf, len, "%s", text);
		return;
	}
	n = SUMMARY_QUERY_LEN - 3;
	while (n && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	snprintf(buf, len, "%.*s...", (int)n, text);
}

static void describe(struct finding *f, const struct stmts *s, size_t n_slow_shapes,
		     size_t n_logged, uint64_t limit_ns)
{
	char limit[UNITS_BUFLEN];
	size_t used;

	format_ns(limit_ns, limit, sizeof(limit));
	used = (size_t)snprintf(f->summary, sizeof(f->summary),
				"%zu of %zu statements have p99 over %s, %zu slower calls logged; "
				"by total time:",
				n_slow_shapes, s->n, limit, n_logged);
	for (size_t i = 0; i < f->n_queries && used < sizeof(f->summary); i++) {
		const struct finding_query *q = &f->queries[i];
		char text[SUMMARY_QUERY_LEN + 1], p99[UNITS_BUFLEN];

		short_text(q->text, text, sizeof(text));
		used += (size_t)snprintf(f->summary + used, sizeof(f->summary) - used,
					 "%s \"%s\" %llu calls, p99 %s, %.0f%%", i ? ";" : "", text,
					 (unsigned long long)q->calls,
					 format_ns(q->p99_ns, p99, sizeof(p99)), q->share * 100);
	}
}

/* Fills @f's top statements from @s (sorted by total time). */
static int name_top(struct finding *f, const struct stmts *s)
{
	uint64_t all = 0;

	for (size_t i = 0; i < s->n; i++)
		all += s->items[i].lat.sum_ns;
	f->n_queries = s->n < FINDING_MAX_QUERIES ? s->n : FINDING_MAX_QUERIES;
	if (!f->n_queries)
		return 0;
	f->queries = calloc(f->n_queries, sizeof(*f->queries));
	if (!f->queries) {
		f->n_queries = 0;
		return -ENOMEM;
	}
	for (size_t i = 0; i < f->n_queries; i++) {
		const struct stmt *st = &s->items[i];
		struct finding_query *q = &f->queries[i];

		q->text = strdup(st->text);
		if (!q->text)
			return -ENOMEM; /* findings_free frees what was made */
		q->fingerprint = st->fingerprint;
		q->calls = st->calls;
		q->errors = st->errors;
		q->total_ns = st->lat.sum_ns;
		q->p99_ns = hist_quantile(&st->lat, 0.99);
		q->share = all ? (double)st->lat.sum_ns / (double)all : 0;
	}
	return 0;
}

static int judge_service(const struct snapshot *snap, const struct service *svc,
			 const struct analysis_limits *lim, struct findings *out)
{
	uint8_t role = sql_role(snap, svc);
	const struct proc_snapshot *p = first_proc(snap, svc);
	uint64_t limit = lim->slow_query_ns, worst = 0;
	size_t n_slow = 0, n_logged;
	struct stmts s = {0};
	struct finding *f;
	int err = collect(snap, svc, role, &s);

	n_logged = slow_logged(snap, svc, role, limit);
	for (size_t i = 0; i < s.n; i++) {
		uint64_t p99 = hist_quantile(&s.items[i].lat, 0.99);

		n_slow += p99 >= limit;
		worst = p99 > worst ? p99 : worst;
	}
	if (err || !p || !limit || (!n_slow && !n_logged) || !s.n) {
		stmts_free(&s);
		return err;
	}
	qsort(s.items, s.n, sizeof(s.items[0]), by_total_desc);
	f = findings_push(out);
	if (!f) {
		stmts_free(&s);
		return -ENOMEM;
	}
	f->pid = p->pid;
	memcpy(f->comm, p->comm, PROC_COMM_LEN);
	snprintf(f->service, sizeof(f->service), "%s", svc->name);
	f->severity = worst >= 10 * limit ? FINDING_CRITICAL
		      : worst >= limit	  ? FINDING_WARNING
					  : FINDING_INFO;
	f->kind = "slow-query";
	f->metric = "sql.query.latency.p99";
	f->recommendation = slow_query_recommendation;
	f->value = (double)worst;
	f->threshold = (double)(f->severity == FINDING_CRITICAL ? 10 * limit : limit);
	err = name_top(f, &s);
	if (!err)
		describe(f, &s, n_slow, n_logged, limit);
	stmts_free(&s);
	return err;
}

int check_slow_queries(const struct snapshot *snap, const struct analysis_limits *lim,
		       struct findings *out)
{
	struct services svcs;
	int err = 0;

	if (services_build(snap, &svcs))
		return -ENOMEM;
	for (size_t i = 0; !err && i < svcs.n; i++) {
		struct service *svc = &svcs.items[i];

		/* Processes of no known service are each their own. */
		for (size_t k = 0; !err && !svc->key && k < svc->n_procs; k++) {
			struct service one = {.procs = &svc->procs[k], .n_procs = 1};

			snprintf(one.name, sizeof(one.name), "%s", snap->procs[svc->procs[k]].comm);
			err = judge_service(snap, &one, lim, out);
		}
		if (svc->key)
			err = judge_service(snap, svc, lim, out);
	}
	services_free(&svcs);
	return err;
}
