// SPDX-License-Identifier: GPL-2.0
/* PgBouncer's pool size brought to the plan, once per cooldown, and put back. */
#include <stdio.h>
#include <string.h>

#include "pools/pool_apply.h"
#include "postgres/pg_bouncer.h"
#include "util/log.h"

static bool cooling(const struct pool_applier *a, uint64_t now_ns)
{
	return a->last_try_ns && now_ns - a->last_try_ns < a->cfg->cooldown_ns;
}

static enum pool_apply_result failed(struct pool_row *r, const char *what, const char *err)
{
	snprintf(r->action, sizeof(r->action),
		 "not applied: PgBouncer %s failed: %.300s; retried after the cooldown", what, err);
	hlog(LOG_ERR, "pools: pool %s: PgBouncer %s failed: %s; plan %u kept, nothing applied",
	     r->cfg->name, what, err, r->d.recommended);
	return POOL_APPLY_FAILED;
}

enum pool_apply_result pool_apply(struct pool_applier *a, struct pool_row *r, uint64_t now_ns,
				  bool force)
{
	const struct cfg_pool *cfg = a->cfg;
	unsigned int size = r->d.recommended, now_size;
	char err[256], evidence[200];
	bool apply = force || cfg->mode == POOL_TUNE_APPLY;

	if (!cfg->pgbouncer || !r->seen || !size ||
	    (!force && (cfg->mode == POOL_TUNE_OFF || cooling(a, now_ns))))
		return POOL_APPLY_NONE;
	a->last_try_ns = now_ns;
	if (pgbouncer_pool_size(cfg->pgbouncer, &now_size, err, sizeof(err)))
		return failed(r, "admin console", err);
	a->current = now_size;
	if (now_size == size)
		return POOL_APPLY_NONE;
	pool_measure_text(&r->m, evidence, sizeof(evidence));
	if (!apply) {
		snprintf(r->action, sizeof(r->action),
			 "would set PgBouncer default_pool_size %u -> %u (tune = plan)", now_size,
			 size);
		return POOL_APPLY_NONE;
	}
	if (pgbouncer_set_pool_size(cfg->pgbouncer, size, err, sizeof(err)))
		return failed(r, "SET default_pool_size", err);
	if (!a->original)
		a->original = now_size;
	a->current = size;
	a->changes++;
	r->applied = true;
	snprintf(r->action, sizeof(r->action), "PgBouncer default_pool_size %u -> %u (%s: %s)",
		 now_size, size, pool_verdict_name(r->d.verdict), evidence);
	hlog(LOG_NOTICE, "pools: pool %s: %s; %s%s%s", cfg->name, r->action, r->d.why,
	     r->cap[0] ? "; " : "", r->cap);
	return POOL_APPLY_CHANGED;
}

int pool_applier_restore(struct pool_applier *a)
{
	char err[256];

	if (!a->original || a->original == a->current)
		return 0;
	if (pgbouncer_set_pool_size(a->cfg->pgbouncer, a->original, err, sizeof(err))) {
		hlog(LOG_ERR,
		     "pools: pool %s: cannot put PgBouncer default_pool_size back to %u: %s",
		     a->cfg->name, a->original, err);
		return -1;
	}
	hlog(LOG_NOTICE, "pools: pool %s: PgBouncer default_pool_size back to %u (was %u)",
	     a->cfg->name, a->original, a->current);
	a->current = a->original;
	return 0;
}
