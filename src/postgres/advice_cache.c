// SPDX-License-Identifier: GPL-2.0
/* Cached, rate-limited index advice for the daemon (advice_cache.h). */
#include "postgres/advice_cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "postgres/advise.h"
#include "util/log.h"

struct cached {
	uint64_t fingerprint;
	uint64_t expires_ns;
	bool has_advice;
	struct index_advice adv;
};

struct advice_cache {
	struct advice_source src;
	char *conninfo; /* owned; the default source's ctx */
	struct cached items[ADVICE_CACHE_MAX];
	size_t n;
	uint64_t retry_at_ns; /* no round before this (after a failure) */
	bool failing;	      /* in a failure episode: logged once */
};

/* One round: the connection, opened on the first statement that needs it. */
struct round {
	void *conn;
	unsigned int explained;
	bool failed;
};

static void *pg_open(void *ctx, char *err, size_t errlen)
{
	return pg_advisor_open(ctx, err, errlen);
}

static int pg_explain(void *conn, const char *sql, struct index_advice *adv)
{
	char err[8];

	return pg_advisor_explain(conn, sql, ADVICE_MIN_ROWS, adv, err, sizeof(err));
}

static void pg_close(void *conn)
{
	pg_advisor_close(conn);
}

struct advice_cache *advice_cache_new_source(const struct advice_source *src)
{
	struct advice_cache *c = calloc(1, sizeof(*c));

	if (c)
		c->src = *src;
	return c;
}

struct advice_cache *advice_cache_new(const char *conninfo)
{
	struct advice_source src = {.open = pg_open, .explain = pg_explain, .close = pg_close};
	struct advice_cache *c;

	src.ctx = strdup(conninfo);
	if (!src.ctx)
		return NULL;
	c = advice_cache_new_source(&src);
	if (!c)
		free(src.ctx);
	else
		c->conninfo = src.ctx;
	return c;
}

void advice_cache_free(struct advice_cache *c)
{
	if (!c)
		return;
	free(c->conninfo);
	free(c);
}

static struct cached *lookup(struct advice_cache *c, uint64_t fingerprint, uint64_t now_ns)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].fingerprint == fingerprint)
			return c->items[i].expires_ns > now_ns ? &c->items[i] : NULL;
	return NULL;
}

/* The slot for @fingerprint: its old one, an expired one, else the one
 * expiring first. */
static struct cached *slot(struct advice_cache *c, uint64_t fingerprint, uint64_t now_ns)
{
	struct cached *soonest = NULL;

	for (size_t i = 0; i < c->n; i++) {
		struct cached *x = &c->items[i];

		if (x->fingerprint == fingerprint || x->expires_ns <= now_ns)
			return x;
		if (!soonest || x->expires_ns < soonest->expires_ns)
			soonest = x;
	}
	return c->n < ADVICE_CACHE_MAX ? &c->items[c->n++] : soonest;
}

static void fail(struct advice_cache *c, struct round *r, const char *why, uint64_t now_ns)
{
	r->failed = true;
	c->retry_at_ns = now_ns + ADVICE_RETRY_NS;
	if (!c->failing)
		hlog(LOG_WARNING, "index advice: %s (trying again every minute)", why);
	c->failing = true;
}

/* EXPLAINs one statement into the cache; NULL when the round is over. */
static struct cached *explain(struct advice_cache *c, struct round *r,
			      const struct finding_query *q, uint64_t now_ns)
{
	struct index_advice adv;
	struct cached *e;
	char why[256], *sql;
	int ret;

	if (r->failed || r->explained == ADVICE_ROUND_MAX || now_ns < c->retry_at_ns)
		return NULL;
	if (!r->conn && !(r->conn = c->src.open(c->src.ctx, why, sizeof(why)))) {
		fail(c, r, why, now_ns);
		return NULL;
	}
	sql = advice_plannable_text(q->text);
	if (!sql)
		return NULL;
	ret = c->src.explain(r->conn, sql, &adv);
	free(sql);
	r->explained++;
	if (ret == -2) {
		fail(c, r, "lost the connection to PostgreSQL", now_ns);
		return NULL;
	}
	if (c->failing)
		hlog(LOG_NOTICE, "index advice: PostgreSQL reachable again");
	c->failing = false;
	/* A statement that cannot be planned here is "none" as well. */
	e = slot(c, q->fingerprint, now_ns);
	e->fingerprint = q->fingerprint;
	e->expires_ns = now_ns + ADVICE_CACHE_TTL_NS;
	e->has_advice = ret == 1;
	if (ret == 1)
		e->adv = adv;
	return e;
}

/* Advice for @f's statements, most total time first: the first that has some. */
static void advise(struct advice_cache *c, struct round *r, struct finding *f, uint64_t now_ns)
{
	for (size_t i = 0; i < f->n_queries; i++) {
		struct cached *e = lookup(c, f->queries[i].fingerprint, now_ns);

		if (!e)
			e = explain(c, r, &f->queries[i], now_ns);
		if (e && e->has_advice) {
			advice_attach(f, &e->adv);
			return;
		}
		if (!e)
			return; /* not known yet: a later one must not win over it */
	}
}

int advice_cache_apply(struct advice_cache *c, struct findings *found, uint64_t now_ns)
{
	struct round r = {0};

	for (size_t i = 0; i < found->n; i++)
		if (!strcmp(found->items[i].kind, "slow-query"))
			advise(c, &r, &found->items[i], now_ns);
	if (r.conn)
		c->src.close(r.conn);
	return r.failed ? -1 : (int)r.explained;
}
