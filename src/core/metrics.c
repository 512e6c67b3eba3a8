// SPDX-License-Identifier: GPL-2.0
/* Metric names of the contract and the series they take from a window snapshot. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/app_stats.h"
#include "core/metrics.h"
#include "core/pool.h"
#include "core/pool_tune.h"
#include "core/probe_opts.h"
#include "core/syscalls.h"
#include "util/units.h"

#define STAT_BIT(s) (1u << (s))
#define LATENCY_STATS                                                                              \
	(STAT_BIT(STAT_P50) | STAT_BIT(STAT_P90) | STAT_BIT(STAT_P99) | STAT_BIT(STAT_MAX) |       \
	 STAT_BIT(STAT_AVG) | STAT_BIT(STAT_RATE))

static const struct metric_def {
	const char *name;
	enum metric_source source;
	unsigned int stats; /* STAT_BIT()s the name accepts as suffix */
	const char *labels; /* labels beyond comm and pid, space separated */
} metric_defs[] = {
	{"syscall.latency", METRIC_SYSCALL_LATENCY, LATENCY_STATS, "syscall"},
	{"tcp.connect.latency", METRIC_TCP_CONNECT_LATENCY, LATENCY_STATS, "endpoint"},
	{"tcp.rtt", METRIC_TCP_RTT, LATENCY_STATS, "endpoint"},
	{"tcp.request.latency", METRIC_TCP_REQUEST_LATENCY, LATENCY_STATS, "role endpoint"},
	{"tcp.retransmits", METRIC_TCP_RETRANSMITS, STAT_BIT(STAT_NONE) | STAT_BIT(STAT_RATE), ""},
	{"sched.runq.latency", METRIC_SCHED_RUNQ_LATENCY, LATENCY_STATS, ""},
	{"cpu.usage", METRIC_CPU_USAGE, STAT_BIT(STAT_NONE), ""},
	{"mem.rss", METRIC_MEM_RSS, STAT_BIT(STAT_NONE), ""},
	{"mem.anon", METRIC_MEM_ANON, STAT_BIT(STAT_NONE), ""},
	{"alloc.malloc.latency", METRIC_ALLOC_MALLOC_LATENCY, LATENCY_STATS, ""},
	/* Reclaim stalls are counted, not histogrammed: no percentiles. */
	{"alloc.reclaim.stall", METRIC_ALLOC_RECLAIM_STALL,
	 STAT_BIT(STAT_MAX) | STAT_BIT(STAT_AVG) | STAT_BIT(STAT_RATE), ""},
	{"cpu.wait", METRIC_CPU_WAIT, STAT_BIT(STAT_NONE), ""},
	{"tcp.connect.errors", METRIC_TCP_CONNECT_ERRORS, STAT_BIT(STAT_NONE), "endpoint"},
	{"syscall.error_ratio", METRIC_SYSCALL_ERROR_RATIO, STAT_BIT(STAT_NONE), "syscall"},
	{"pool.recommended_size", METRIC_POOL_RECOMMENDED_SIZE, STAT_BIT(STAT_NONE), "endpoint"},
	{"pool.busy", METRIC_POOL_BUSY, STAT_BIT(STAT_NONE), "endpoint"},
	{"pool.verdict", METRIC_POOL_VERDICT, STAT_BIT(STAT_NONE), "endpoint"},
	{"http.request.latency", METRIC_HTTP_REQUEST_LATENCY, LATENCY_STATS,
	 "role method route status"},
	{"sql.query.latency", METRIC_SQL_QUERY_LATENCY, LATENCY_STATS, "role query"},
	{"redis.command.latency", METRIC_REDIS_COMMAND_LATENCY, LATENCY_STATS, "role command"},
	{"cache.hit_ratio", METRIC_CACHE_HIT_RATIO, STAT_BIT(STAT_NONE), "role command"},
	{"cache.miss_ratio", METRIC_CACHE_MISS_RATIO, STAT_BIT(STAT_NONE), "role command"},
};

static const char *const stat_suffixes[] = {
	[STAT_NONE] = "",   [STAT_P50] = "p50", [STAT_P90] = "p90",   [STAT_P99] = "p99",
	[STAT_MAX] = "max", [STAT_AVG] = "avg", [STAT_RATE] = "rate",
};

const char *const metric_label_names[METRIC_LABELS_MAX] = {
	"comm",	  "pid",   "service", "syscall", "role",   "endpoint",
	"method", "route", "status",  "query",	 "command"};

static const struct metric_def *metric_def(enum metric_source source)
{
	for (size_t i = 0; i < sizeof(metric_defs) / sizeof(metric_defs[0]); i++)
		if (metric_defs[i].source == source)
			return &metric_defs[i];
	return NULL;
}

int metric_parse(const char *name, struct metric_id *id)
{
	for (size_t i = 0; i < sizeof(metric_defs) / sizeof(metric_defs[0]); i++) {
		const struct metric_def *d = &metric_defs[i];
		size_t len = strlen(d->name);

		if (strncmp(name, d->name, len) || (name[len] && name[len] != '.'))
			continue;
		for (size_t s = 0; s < sizeof(stat_suffixes) / sizeof(stat_suffixes[0]); s++) {
			const char *suffix = name[len] ? name + len + 1 : "";

			if (!(d->stats & STAT_BIT(s)) || strcmp(suffix, stat_suffixes[s]))
				continue;
			if (name[len] && s == STAT_NONE)
				continue;
			id->source = d->source;
			id->stat = (enum metric_stat)s;
			return 0;
		}
	}
	return -EINVAL;
}

enum metric_unit metric_unit(const struct metric_id *id)
{
	switch (id->source) {
	case METRIC_CPU_USAGE:
	case METRIC_CPU_WAIT:
	case METRIC_SYSCALL_ERROR_RATIO:
	case METRIC_CACHE_HIT_RATIO:
	case METRIC_CACHE_MISS_RATIO:
		return UNIT_PERCENT;
	case METRIC_MEM_RSS:
	case METRIC_MEM_ANON:
		return UNIT_BYTES;
	case METRIC_TCP_RETRANSMITS:
	case METRIC_TCP_CONNECT_ERRORS:
		return UNIT_PER_SEC;
	case METRIC_POOL_RECOMMENDED_SIZE:
	case METRIC_POOL_BUSY:
	case METRIC_POOL_VERDICT:
		return UNIT_COUNT;
	default:
		return id->stat == STAT_RATE ? UNIT_PER_SEC : UNIT_NS;
	}
}

bool metric_has_label(const struct metric_id *id, const char *label)
{
	const struct metric_def *d = metric_def(id->source);
	size_t len = strlen(label);
	const char *p;

	if (!strcmp(label, "comm") || !strcmp(label, "pid") || !strcmp(label, "service"))
		return true;
	for (p = d->labels; (p = strstr(p, label)); p += len)
		if ((p == d->labels || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
			return true;
	return false;
}

const char *series_label(const struct series_labels *l, const char *name)
{
	if (!strcmp(name, "comm"))
		return l->comm;
	if (!strcmp(name, "pid"))
		return l->pid;
	if (!strcmp(name, "service"))
		return l->service;
	if (!strcmp(name, "syscall"))
		return l->syscall;
	if (!strcmp(name, "role"))
		return l->role;
	if (!strcmp(name, "endpoint"))
		return l->endpoint;
	if (!strcmp(name, "method"))
		return l->method;
	if (!strcmp(name, "route"))
		return l->route;
	if (!strcmp(name, "status"))
		return l->status;
	if (!strcmp(name, "query"))
		return l->query;
	if (!strcmp(name, "command"))
		return l->command;
	return NULL;
}

char *metric_format(enum metric_unit unit, double value, char *buf, size_t len)
{
	switch (unit) {
	case UNIT_NS:
		return units_ns(value, UNITS_METRIC, buf, len);
	case UNIT_BYTES:
		return units_bytes(value, UNITS_METRIC, buf, len);
	case UNIT_PERCENT:
		snprintf(buf, len, "%.1f%%", value);
		break;
	case UNIT_PER_SEC:
		snprintf(buf, len, "%.3g/s", value);
		break;
	case UNIT_COUNT:
		snprintf(buf, len, "%.0f", value);
		break;
	}
	return buf;
}

/* The value of a latency statistic; false when the histogram is empty. */
static bool hist_stat(const struct hist *h, uint64_t events, enum metric_stat stat, double seconds,
		      double *value)
{
	switch (stat) {
	case STAT_RATE:
		*value = seconds > 0 ? (double)events / seconds : 0;
		return events > 0;
	case STAT_P50:
		*value = (double)hist_quantile(h, 0.50);
		break;
	case STAT_P90:
		*value = (double)hist_quantile(h, 0.90);
		break;
	case STAT_P99:
		*value = (double)hist_quantile(h, 0.99);
		break;
	case STAT_MAX:
		*value = (double)h->max_ns;
		break;
	case STAT_AVG:
	case STAT_NONE:
		*value = (double)hist_mean(h);
		break;
	}
	return h->count > 0;
}

struct series_ctx {
	const struct metric_id *id;
	double seconds;
	series_fn fn;
	void *ctx;
	struct series_labels labels;
};

static void emit_hist(struct series_ctx *sc, const struct hist *h, uint64_t events)
{
	double value = 0;

	if (hist_stat(h, events, sc->id->stat, sc->seconds, &value))
		sc->fn(sc->ctx, &sc->labels, value);
}

static void proc_syscalls(struct series_ctx *sc, const struct proc_snapshot *p)
{
	char name[SYSCALL_NAME_LEN];

	for (size_t i = 0; i < p->n_syscalls; i++) {
		const struct syscall_stat *st = &p->syscalls[i];

		sc->labels.syscall = syscall_name(st->nr, name, sizeof(name));
		emit_hist(sc, &st->lat, st->count);
	}
	sc->labels.syscall = NULL;
}

static void proc_remotes(struct series_ctx *sc, const struct tcp_remote_stat *st, size_t n)
{
	char endpoint[ENDPOINT_STRLEN];

	for (size_t i = 0; i < n; i++) {
		sc->labels.endpoint = endpoint_format(&st[i].remote, endpoint, sizeof(endpoint));
		emit_hist(sc, &st[i].lat, st[i].count);
	}
	sc->labels.endpoint = NULL;
}

static void proc_requests(struct series_ctx *sc, const struct proc_snapshot *p)
{
	char endpoint[ENDPOINT_STRLEN];

	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *st = &p->tcp.requests[i];
		bool server = st->role == TCP_ROLE_SERVER;

		sc->labels.role = server ? "server" : "client";
		sc->labels.endpoint = endpoint_format(server ? &st->local : &st->remote, endpoint,
						      sizeof(endpoint));
		emit_hist(sc, &st->lat, st->count);
	}
	sc->labels.role = sc->labels.endpoint = NULL;
}

static void proc_error_ratios(struct series_ctx *sc, const struct proc_snapshot *p)
{
	char name[SYSCALL_NAME_LEN];

	for (size_t i = 0; i < p->n_syscalls; i++) {
		const struct syscall_stat *st = &p->syscalls[i];

		if (!st->count)
			continue;
		sc->labels.syscall = syscall_name(st->nr, name, sizeof(name));
		sc->fn(sc->ctx, &sc->labels, 100.0 * (double)st->errors / (double)st->count);
	}
	sc->labels.syscall = NULL;
}

static void proc_connect_errors(struct series_ctx *sc, const struct proc_snapshot *p)
{
	char endpoint[ENDPOINT_STRLEN];

	for (size_t i = 0; i < p->tcp.n_connect; i++) {
		const struct tcp_remote_stat *st = &p->tcp.connect[i];

		if (!st->count)
			continue;
		sc->labels.endpoint = endpoint_format(&st->remote, endpoint, sizeof(endpoint));
		sc->fn(sc->ctx, &sc->labels, (double)st->errors / sc->seconds);
	}
	sc->labels.endpoint = NULL;
}

static void proc_pool_sizes(struct series_ctx *sc, const struct proc_snapshot *p,
			    uint64_t window_ns)
{
	char endpoint[ENDPOINT_STRLEN];

	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *st = &p->tcp.requests[i];
		struct pool_advice adv;

		if (st->role != TCP_ROLE_CLIENT || !st->count)
			continue;
		pool_advise(st, window_ns, POOL_MIN_DEFAULT, POOL_MAX_DEFAULT, &adv);
		sc->labels.endpoint = endpoint_format(&st->remote, endpoint, sizeof(endpoint));
		sc->fn(sc->ctx, &sc->labels, adv.size);
	}
	sc->labels.endpoint = NULL;
}

/* A client row's window as the pool tuner reads it, without the open
 * connections (counted by `hivemon pools` and the daemon's [pool] tuner,
 * not in snapshots): verdicts here are ok or no-pooling. */
static double row_verdict(const struct proc_snapshot *p, const struct tcp_request_stat *st,
			  uint64_t window_ns)
{
	struct pool_bounds b = {POOL_MIN_DEFAULT, POOL_MAX_DEFAULT};
	struct pool_measure m = {.window_s = window_ns / 1e9};
	struct pool_tune_state state = {0};
	struct pool_decision d;

	m.rate = st->count / m.window_s;
	m.busy_mean = m.busy_peak = st->lat.sum_ns / 1e9 / m.window_s;
	m.p50_ns = hist_quantile(&st->lat, 0.50);
	m.p95_ns = hist_quantile(&st->lat, 0.95);
	for (size_t i = 0; i < p->tcp.n_connect; i++)
		if (endpoint_equal(&p->tcp.connect[i].remote, &st->remote))
			m.connects_per_s = p->tcp.connect[i].count / m.window_s;
	pool_tune_decide(&m, &b, &state, &d);
	return pool_verdict_value(d.verdict);
}

/* pool.busy and pool.verdict of every client endpoint of @p. */
static void proc_pools(struct series_ctx *sc, const struct proc_snapshot *p, uint64_t window_ns)
{
	char endpoint[ENDPOINT_STRLEN];

	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *st = &p->tcp.requests[i];

		if (st->role != TCP_ROLE_CLIENT || !st->count)
			continue;
		sc->labels.endpoint = endpoint_format(&st->remote, endpoint, sizeof(endpoint));
		sc->fn(sc->ctx, &sc->labels,
		       sc->id->source == METRIC_POOL_BUSY ? st->lat.sum_ns / 1e9 / sc->seconds
							  : row_verdict(p, st, window_ns));
	}
	sc->labels.endpoint = NULL;
}

static void proc_reclaim(struct series_ctx *sc, const struct proc_snapshot *p)
{
	double value;

	if (!p->alloc.reclaim_count)
		return;
	if (sc->id->stat == STAT_MAX)
		value = (double)p->alloc.reclaim_max_ns;
	else if (sc->id->stat == STAT_AVG)
		value = (double)p->alloc.reclaim_total_ns / (double)p->alloc.reclaim_count;
	else
		value = (double)p->alloc.reclaim_count / sc->seconds;
	sc->fn(sc->ctx, &sc->labels, value);
}

/* Rows of one application protocol: latency, or the cache ratios of
 * commands that read (hits and misses counted). */
static void proc_app(struct series_ctx *sc, const struct proc_snapshot *p, uint8_t proto)
{
	bool ratio = sc->id->source == METRIC_CACHE_HIT_RATIO ||
		     sc->id->source == METRIC_CACHE_MISS_RATIO;
	char status[APP_STATUS_LEN];
	double hit;

	for (size_t i = 0; i < p->app.n_requests; i++) {
		const struct app_request_stat *r = &p->app.requests[i];

		if (r->proto != proto)
			continue;
		sc->labels.role = app_role_name(r->role);
		if (proto == APP_HTTP) {
			sc->labels.method = r->method;
			sc->labels.route = r->text;
			sc->labels.status = app_status_text(r->status, status);
		} else if (proto == APP_PGSQL) {
			sc->labels.query = r->text;
		} else {
			sc->labels.command = r->method;
		}
		if (!ratio)
			emit_hist(sc, &r->lat, r->count);
		else if (app_hit_ratio(r, &hit))
			sc->fn(sc->ctx, &sc->labels,
			       100.0 * (sc->id->source == METRIC_CACHE_HIT_RATIO ? hit : 1 - hit));
	}
	sc->labels.role = sc->labels.method = sc->labels.route = sc->labels.status = NULL;
	sc->labels.query = sc->labels.command = NULL;
}

static void proc_series(struct series_ctx *sc, const struct snapshot *w,
			const struct proc_snapshot *p)
{
	switch (sc->id->source) {
	case METRIC_SYSCALL_LATENCY:
		proc_syscalls(sc, p);
		break;
	case METRIC_TCP_CONNECT_LATENCY:
		proc_remotes(sc, p->tcp.connect, p->tcp.n_connect);
		break;
	case METRIC_TCP_RTT:
		proc_remotes(sc, p->tcp.rtt, p->tcp.n_rtt);
		break;
	case METRIC_TCP_REQUEST_LATENCY:
		proc_requests(sc, p);
		break;
	case METRIC_TCP_RETRANSMITS:
		if (w->probes & PROBE_TCP)
			sc->fn(sc->ctx, &sc->labels, (double)p->tcp.retransmits / sc->seconds);
		break;
	case METRIC_SCHED_RUNQ_LATENCY:
		emit_hist(sc, &p->sched.runq, p->sched.runq.count);
		break;
	case METRIC_CPU_USAGE:
		if (w->probes & PROBE_SCHED)
			sc->fn(sc->ctx, &sc->labels,
			       100.0 * (double)p->sched.oncpu_ns / (double)w->duration_ns);
		break;
	case METRIC_MEM_RSS:
		if (p->alloc.rss_bytes)
			sc->fn(sc->ctx, &sc->labels, (double)p->alloc.rss_bytes);
		break;
	case METRIC_MEM_ANON:
		if (p->alloc.rss_bytes)
			sc->fn(sc->ctx, &sc->labels, (double)p->alloc.rss_anon);
		break;
	case METRIC_ALLOC_MALLOC_LATENCY:
		if (p->alloc.has_malloc)
			emit_hist(sc, &p->alloc.malloc.lat, p->alloc.malloc.calls);
		break;
	case METRIC_ALLOC_RECLAIM_STALL:
		proc_reclaim(sc, p);
		break;
	case METRIC_CPU_WAIT:
		if (w->probes & PROBE_SCHED)
			sc->fn(sc->ctx, &sc->labels,
			       100.0 * (double)p->sched.runq.sum_ns / (double)w->duration_ns);
		break;
	case METRIC_TCP_CONNECT_ERRORS:
		proc_connect_errors(sc, p);
		break;
	case METRIC_SYSCALL_ERROR_RATIO:
		proc_error_ratios(sc, p);
		break;
	case METRIC_POOL_RECOMMENDED_SIZE:
		proc_pool_sizes(sc, p, w->duration_ns);
		break;
	case METRIC_POOL_BUSY:
	case METRIC_POOL_VERDICT:
		proc_pools(sc, p, w->duration_ns);
		break;
	case METRIC_HTTP_REQUEST_LATENCY:
		proc_app(sc, p, APP_HTTP);
		break;
	case METRIC_SQL_QUERY_LATENCY:
		proc_app(sc, p, APP_PGSQL);
		break;
	case METRIC_REDIS_COMMAND_LATENCY:
	case METRIC_CACHE_HIT_RATIO:
	case METRIC_CACHE_MISS_RATIO:
		proc_app(sc, p, APP_REDIS);
		break;
	}
}

void metrics_foreach(const struct snapshot *window, const struct metric_id *id, series_fn fn,
		     void *ctx)
{
	struct series_ctx sc = {.id = id, .fn = fn, .ctx = ctx};
	char pid[16];

	if (!window->duration_ns)
		return;
	sc.seconds = (double)window->duration_ns / 1e9;
	for (size_t i = 0; i < window->n_procs; i++) {
		const struct proc_snapshot *p = &window->procs[i];

		if (p->exited)
			continue;
		snprintf(pid, sizeof(pid), "%u", p->pid);
		sc.labels.comm = p->comm;
		sc.labels.pid = pid;
		sc.labels.service = p->service[0] ? p->service : p->comm;
		proc_series(&sc, window, p);
	}
}
