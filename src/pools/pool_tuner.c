// SPDX-License-Identifier: GPL-2.0
/* Tuning the config's pools window after window, and putting PgBouncer back. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pools/pool_apply.h"
#include "pools/pool_measure.h"
#include "pools/pool_plan.h"
#include "pools/pool_tuner.h"
#include "util/log.h"

struct pool_runtime {
	const struct cfg_pool *cfg;
	struct pool_tune_state state;
	struct pool_applier applier;
	json_t *last; /* the last decision */
};

struct pool_tuner {
	const struct config *cfg; /* [postgres] caps */
	struct pool_runtime *pools;
	size_t n;
	struct endpoint *eps; /* what the set gathers */
	struct pool_set set;
	uint64_t window_ns; /* the shortest cooldown */
	alert_notice_fn notify;
	void *notify_ctx;
	char host[64];
};

static bool tuned(const struct cfg_pool *p)
{
	return p->mode != POOL_TUNE_OFF && p->ep.family;
}

struct pool_tuner *pool_tuner_new(const struct config *cfg, alert_notice_fn notify, void *ctx)
{
	struct pool_tuner *t;
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_pools; i++) {
		n += tuned(&cfg->pools[i]);
		if (!cfg->pools[i].ep.family && cfg->pools[i].mode != POOL_TUNE_OFF)
			hlog(LOG_WARNING,
			     "pools: pool %s: %s is a unix socket; only TCP pools are "
			     "measured",
			     cfg->pools[i].name, cfg->pools[i].endpoint);
	}
	if (!n)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t) {
		t->pools = calloc(n, sizeof(*t->pools));
		t->eps = calloc(n, sizeof(*t->eps));
	}
	if (!t || !t->pools || !t->eps) {
		if (t)
			free(t->pools);
		free(t);
		hlog(LOG_ERR, "pools: out of memory; pools are not tuned");
		return NULL;
	}
	pool_set_init(&t->set);
	for (size_t i = 0; i < cfg->n_pools; i++) {
		const struct cfg_pool *p = &cfg->pools[i];
		struct pool_runtime *r = &t->pools[t->n];

		if (!tuned(p))
			continue;
		r->cfg = p;
		r->applier.cfg = p;
		t->eps[t->n++] = p->ep;
		if (!t->window_ns || p->cooldown_ns < t->window_ns)
			t->window_ns = p->cooldown_ns;
	}
	t->cfg = cfg;
	t->set.only = t->eps;
	t->set.n_only = t->n;
	t->notify = notify;
	t->notify_ctx = ctx;
	gethostname(t->host, sizeof(t->host) - 1);
	return t;
}

/* Tells the pool's notify targets about a resize. */
static void notify_resize(const struct pool_tuner *t, const struct pool_row *r)
{
	if (!t->notify || !r->cfg->actions.name)
		return;
	alert_notify_action(&r->cfg->actions, "pool-resized", r->action, r->d.recommended,
			    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "alertname",
				      r->cfg->actions.name, "severity", "info", "host", t->host,
				      "pool", r->cfg->name, "endpoint", r->endpoint, "verdict",
				      pool_verdict_name(r->d.verdict)),
			    t->notify, t->notify_ctx);
}

static void decide(struct pool_tuner *t, uint64_t now_ns)
{
	struct pool_row *rows = calloc(t->n, sizeof(*rows));

	if (!rows)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct pool_runtime *p = &t->pools[i];

		pool_row_fill(&rows[i], p->cfg, pool_set_find(&t->set, &p->cfg->ep, NULL),
			      t->set.window_ns);
		pool_row_decide(&rows[i], &p->state);
	}
	pool_rows_cap(rows, t->n, t->cfg);
	for (size_t i = 0; i < t->n; i++) {
		struct pool_runtime *p = &t->pools[i];

		if (pool_apply(&p->applier, &rows[i], now_ns, false) == POOL_APPLY_CHANGED)
			notify_resize(t, &rows[i]);
		json_decref(p->last);
		p->last = pool_row_json(&rows[i]);
		json_object_set_new(p->last, "changes", json_integer(p->applier.changes));
		json_object_set_new(p->last, "pgbouncer_pool_size",
				    p->applier.current ? json_integer(p->applier.current)
						       : json_null());
	}
	free(rows);
}

void pool_tuner_step(struct pool_tuner *t, const struct snapshot *snap, uint64_t now_ns)
{
	if (!t)
		return;
	if (pool_set_add(&t->set, snap, true)) {
		hlog(LOG_ERR, "pools: the interval could not be added (out of memory)");
		return;
	}
	if (t->set.window_ns < t->window_ns)
		return;
	decide(t, now_ns);
	pool_set_reset(&t->set);
}

json_t *pool_tuner_json(const struct pool_tuner *t)
{
	json_t *arr = json_array();

	for (size_t i = 0; t && i < t->n; i++) {
		const struct pool_runtime *p = &t->pools[i];

		json_array_append_new(arr,
				      p->last ? json_deep_copy(p->last)
					      : json_pack("{s:s, s:s, s:s}", "name", p->cfg->name,
							  "endpoint", p->cfg->endpoint, "mode",
							  pool_tune_mode_name(p->cfg->mode)));
	}
	return arr;
}

void pool_tuner_free(struct pool_tuner *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		pool_applier_restore(&t->pools[i].applier);
		json_decref(t->pools[i].last);
	}
	pool_set_free(&t->set);
	free(t->eps);
	free(t->pools);
	free(t);
}
