// SPDX-License-Identifier: GPL-2.0
/*
 * Slow responses per service, followed upstream. A local service map comes
 * from the TCP request rows: service A's client row to endpoint E and
 * service B's server row listening on E (the same address, a wildcard one,
 * or both on loopback) mean A calls B. When most of A's request time
 * (the sum of its server latencies) is time its clients wait on E (the sum
 * of its client latencies there), A is slow because B is: the chain goes on
 * into B the same way, and ends with the deepest service's own dominant
 * kind of time (on-CPU, disk, locks, ...). One finding on the service the
 * symptom shows on; the services down its chain get none of their own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis/analysis_internal.h"
#include "analysis/breakdown.h"
#include "util/units.h"

/* A service's requests towards (client) or on (server) one endpoint. */
struct svc_row {
	enum tcp_role role;
	struct endpoint ep;
	uint64_t count;
	struct hist lat;
};

struct svc_view {
	const struct service *svc;
	struct svc_row *rows;
	size_t n, cap;
	struct time_breakdown time;
	bool explained; /* down the chain of another service's finding */
};

/* The chain of one slow server row, as it is built. */
struct chain {
	struct finding_spec spec;
	struct chain_link links[FINDING_CHAIN_MAX];
	unsigned int n;
	char text[320];
};

static struct svc_row *row_of(struct svc_view *v, enum tcp_role role, const struct endpoint *ep)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->rows[i].role == role && endpoint_equal(&v->rows[i].ep, ep))
			return &v->rows[i];
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4;
		struct svc_row *rows = realloc(v->rows, cap * sizeof(*rows));

		if (!rows)
			return NULL;
		v->rows = rows;
		v->cap = cap;
	}
	memset(&v->rows[v->n], 0, sizeof(v->rows[0]));
	v->rows[v->n].role = role;
	v->rows[v->n].ep = *ep;
	hist_init(&v->rows[v->n].lat);
	return &v->rows[v->n++];
}

static int view_add_proc(struct svc_view *v, const struct proc_snapshot *p)
{
	breakdown_add_proc(&v->time, p);
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];
		struct svc_row *row =
			row_of(v, r->role, r->role == TCP_ROLE_SERVER ? &r->local : &r->remote);

		if (!row || hist_merge(&row->lat, &r->lat))
			return -ENOMEM;
		row->count += r->count;
	}
	return 0;
}

static void views_free(struct svc_view *views, size_t n)
{
	for (size_t i = 0; views && i < n; i++) {
		for (size_t k = 0; k < views[i].n; k++)
			hist_free(&views[i].rows[k].lat);
		free(views[i].rows);
	}
	free(views);
}

static struct svc_view *views_build(const struct snapshot *snap, const struct services *svcs)
{
	struct svc_view *views = calloc(svcs->n + 1, sizeof(*views));

	for (size_t i = 0; views && i < svcs->n; i++) {
		views[i].svc = &svcs->items[i];
		for (size_t k = 0; k < svcs->items[i].n_procs; k++)
			if (view_add_proc(&views[i], &snap->procs[svcs->items[i].procs[k]])) {
				views_free(views, svcs->n);
				return NULL;
			}
	}
	return views;
}

static bool is_wildcard(const struct endpoint *ep)
{
	static const uint8_t zero[16];

	return !memcmp(ep->addr, zero, ep->family == AF_INET ? 4 : 16);
}

static bool is_loopback(const struct endpoint *ep)
{
	static const uint8_t v6[16] = {[15] = 1};

	return ep->family == AF_INET ? ep->addr[0] == 127 : !memcmp(ep->addr, v6, 16);
}

/* A listening @local serves connections to @remote on this host. */
static bool serves(const struct endpoint *local, const struct endpoint *remote)
{
	if (local->port != remote->port)
		return false;
	return endpoint_equal(local, remote) || is_wildcard(local) ||
	       (is_loopback(local) && is_loopback(remote));
}

/* The service listening on @ep and its server row there; -1 if none. */
static long listener_of(struct svc_view *views, size_t n, const struct endpoint *ep,
			struct svc_row **row)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < views[i].n; k++)
			if (views[i].rows[k].role == TCP_ROLE_SERVER &&
			    serves(&views[i].rows[k].ep, ep)) {
				*row = &views[i].rows[k];
				return (long)i;
			}
	return -1;
}

/* The client row @v waits on longest in all; NULL if it calls nothing. */
static const struct svc_row *longest_wait(const struct svc_view *v)
{
	const struct svc_row *best = NULL;

	for (size_t i = 0; i < v->n; i++)
		if (v->rows[i].role == TCP_ROLE_CLIENT &&
		    (!best || v->rows[i].lat.sum_ns > best->lat.sum_ns))
			best = &v->rows[i];
	return best;
}

static void chain_link(struct chain *c, const char *service, double share, const char *metric,
		       double value)
{
	struct chain_link *l = &c->links[c->n++];

	snprintf(l->service, sizeof(l->service), "%.*s", (int)sizeof(l->service) - 1, service);
	l->share = share;
	l->metric = metric;
	l->value = value;
}

static void chain_say(struct chain *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void chain_say(struct chain *c, const char *fmt, ...)
{
	size_t used = strlen(c->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->text + used, sizeof(c->text) - used, fmt, ap);
	va_end(ap);
}

/* Blocked time that is a service's own cause: network waits are the
 * chain's business (or idleness), "other" says nothing. */
static bool own_cause(enum time_kind k)
{
	return k != TIME_NETWORK && k != TIME_OTHER;
}

/* The end of the chain: the deepest service's own dominant kind of time. */
static void chain_cause(struct chain *c, const struct svc_view *v, double share)
{
	enum time_kind top = TIME_ONCPU;
	double kind_share;

	for (int k = TIME_ONCPU; k < TIME_KINDS; k++)
		if (own_cause(k) && v->time.ns[k] > v->time.ns[top])
			top = k;
	kind_share = breakdown_share(&v->time, top);
	if (kind_share < 0.30 || c->n >= FINDING_CHAIN_MAX)
		return;
	chain_link(c, v->svc->name, share * kind_share, time_kind_metric(top), kind_share);
	chain_say(c, " <- %s: %.0f%% %s", v->svc->name, 100 * kind_share, time_kind_name(top));
}

/*
 * Follows the upstreams of @views[a]'s server row @row for as long as one
 * of them explains at least lim->chain_share of the time, marking the
 * services passed as explained. Link shares are of @row's time.
 */
static void chain_follow(struct svc_view *views, size_t n_views, size_t a,
			 const struct svc_row *row, const struct analysis_limits *lim,
			 struct chain *c, bool *visited)
{
	const struct svc_view *cur = &views[a];
	double own = (double)row->lat.sum_ns, share = 1;
	char ep[ENDPOINT_STRLEN], p99[UNITS_BUFLEN];

	memset(visited, 0, n_views * sizeof(*visited));
	visited[a] = true;
	while (c->n < FINDING_CHAIN_MAX - 1) {
		const struct svc_row *up = longest_wait(cur);
		struct svc_row *served = NULL;
		uint64_t q;
		/* Over 1 when a handler waits on several calls at once: all of it. */
		double frac = up && own > 0 ? (double)up->lat.sum_ns / own : 0;
		long b;

		if (frac < lim->chain_share)
			break;
		frac = frac > 1 ? 1 : frac;
		share *= frac;
		endpoint_format(&up->ep, ep, sizeof(ep));
		b = listener_of(views, n_views, &up->ep, &served);
		if (c->n > 1)
			chain_say(c, " <- %s:", cur->svc->name);
		else
			chain_say(c, ":");
		if (b < 0 || visited[b]) {
			uint64_t q = hist_quantile(&up->lat, 0.99);

			chain_link(c, ep, share, "tcp.request.latency.p99", (double)q);
			chain_say(c, " %.0f%% waiting on %s (p99 %s)", 100 * frac, ep,
				  format_ns(q, p99, sizeof(p99)));
			return;
		}
		q = hist_quantile(&served->lat, 0.99);
		chain_link(c, views[b].svc->name, share, "tcp.request.latency.p99", (double)q);
		chain_say(c, " %.0f%% waiting on %s (%s, p99 %s)", 100 * frac, ep,
			  views[b].svc->name, format_ns(q, p99, sizeof(p99)));
		visited[b] = true;
		views[b].explained = true;
		cur = &views[b];
		own = (double)served->lat.sum_ns;
	}
	chain_cause(c, cur, share);
}

static const char *const advice_upstream =
	"the time goes to the service at the end of the chain: fix its cause (named last), "
	"give it capacity, or cache its answers";
static const char *const advice_own =
	"look at where the handler's time goes: its slowest syscalls, database round-trips "
	"and run-queue delay below";

/* The chain of @views[a]'s slow server row @row into @c; false when the
 * row is fast or has too few requests to judge. */
static bool chain_of(struct svc_view *views, size_t n_views, size_t a, const struct svc_row *row,
		     const struct analysis_limits *lim, struct chain *c, bool *visited)
{
	uint64_t p99 = hist_quantile(&row->lat, 0.99);
	char ep[ENDPOINT_STRLEN], p99s[UNITS_BUFLEN];
	bool critical = p99 >= lim->api_critical_ns;

	if (row->role != TCP_ROLE_SERVER || row->count < lim->min_calls ||
	    p99 < lim->api_warning_ns)
		return false;
	memset(c, 0, sizeof(*c));
	c->spec = (struct finding_spec){
		critical ? FINDING_CRITICAL : FINDING_WARNING,
		"slow-responses",
		"tcp.request.latency.p99",
		advice_own,
		(double)p99,
		(double)(critical ? lim->api_critical_ns : lim->api_warning_ns),
	};
	chain_say(c, "answers requests on %s with p99 %s",
		  endpoint_format(&row->ep, ep, sizeof(ep)), format_ns(p99, p99s, sizeof(p99s)));
	chain_link(c, views[a].svc->name, 1, "tcp.request.latency.p99", (double)p99);
	chain_follow(views, n_views, a, row, lim, c, visited);
	if (c->n > 1 && strcmp(c->links[1].service, views[a].svc->name))
		c->spec.recommendation = advice_upstream;
	return true;
}

static int emit(const struct snapshot *snap, const struct svc_view *v, const struct chain *c,
		struct findings *out)
{
	struct finding *f =
		finding_add(out, &snap->procs[v->svc->procs[0]], &c->spec, "%s", c->text);

	if (!f)
		return -ENOMEM;
	finding_set_service(f, v->svc->name);
	if (c->n > 1) {
		memcpy(f->chain, c->links, sizeof(c->links));
		f->n_chain = c->n;
	}
	return 0;
}

int analysis_chains(const struct snapshot *snap, const struct services *svcs,
		    const struct analysis_limits *lim, struct findings *out)
{
	struct svc_view *views = views_build(snap, svcs);
	bool *visited = calloc(svcs->n + 1, sizeof(*visited));
	struct chain c;
	int err = 0;

	if (!views || !visited) {
		views_free(views, svcs->n);
		free(visited);
		return -ENOMEM;
	}
	/* Chains first, so that whatever any chain passes is known (a service
	 * already passed starts none: two slow services calling each other
	 * still give one finding)... */
	for (size_t i = 0; i < svcs->n; i++)
		for (size_t k = 0; !views[i].explained && k < views[i].n; k++)
			chain_of(views, svcs->n, i, &views[i].rows[k], lim, &c, visited);
	/* ...and only the services no chain explains get a finding. */
	for (size_t i = 0; !err && i < svcs->n; i++)
		for (size_t k = 0; !err && !views[i].explained && k < views[i].n; k++)
			if (chain_of(views, svcs->n, i, &views[i].rows[k], lim, &c, visited))
				err = emit(snap, &views[i], &c, out);
	views_free(views, svcs->n);
	free(visited);
	return err;
}
