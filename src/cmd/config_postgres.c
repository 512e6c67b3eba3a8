// SPDX-License-Identifier: GPL-2.0
/* [postgres "name"] servers and [pool "name"] connection pools, and their checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/config_parser.h"
#include "core/pool_tune.h"
#include "pools/pool_conns.h"
#include "util/parse.h"

#define POOL_COOLDOWN_NS (60 * 1000000000ULL)
#define POOL_SIZE_LIMIT	 10000

const char *pool_tune_mode_name(enum pool_tune_mode mode)
{
	static const char *const names[] = {
		[POOL_TUNE_OFF] = "off", [POOL_TUNE_PLAN] = "plan", [POOL_TUNE_APPLY] = "apply"};

	return mode <= POOL_TUNE_APPLY ? names[mode] : "?";
}

static void set_string(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (copy) {
		free(*dst);
		*dst = copy;
	}
}

/* ---- [postgres "x"] ------------------------------------------------------ */

void open_postgres(struct parser *p, char *name)
{
	struct config *cfg = p->cfg;
	struct cfg_postgres *pg;

	for (size_t i = 0; i < cfg->n_postgres; i++)
		if (!strcmp(cfg->postgres[i].name, name)) {
			problem(p, p->section_line,
				"duplicate [postgres \"%s\"] (first at line %d)", name,
				cfg->postgres[i].line);
			free(name);
			p->kind = SEC_UNKNOWN;
			return;
		}
	pg = config_grow(cfg->postgres, cfg->n_postgres, sizeof(*pg));
	if (!pg) {
		free(name);
		p->kind = SEC_UNKNOWN;
		return;
	}
	cfg->postgres = pg;
	p->index = cfg->n_postgres++;
	pg[p->index].name = name;
	pg[p->index].line = p->section_line;
}

void postgres_conninfo(struct parser *p, const char *value, int arg)
{
	if (!*value)
		problem(p, p->line, "conninfo is empty");
	set_string(&p->cfg->postgres[p->index].conninfo, value);
}

/* ---- [pool "x"] ---------------------------------------------------------- */

static struct cfg_pool *pool(struct parser *p)
{
	return &p->cfg->pools[p->index];
}

void open_pool(struct parser *p, char *name)
{
	struct config *cfg = p->cfg;
	struct raw_value *raw;
	struct cfg_pool *pools;

	for (size_t i = 0; i < cfg->n_pools; i++)
		if (!strcmp(cfg->pools[i].name, name)) {
			problem(p, p->section_line, "duplicate [pool \"%s\"] (first at line %d)",
				name, cfg->pools[i].line);
			free(name);
			p->kind = SEC_UNKNOWN;
			return;
		}
	pools = config_grow(cfg->pools, cfg->n_pools, sizeof(*pools));
	if (pools)
		cfg->pools = pools;
	raw = pools ? config_grow(p->pool_notify, cfg->n_pools, sizeof(*raw)) : NULL;
	if (!raw) {
		free(name);
		p->kind = SEC_UNKNOWN;
		return;
	}
	p->pool_notify = raw;
	p->index = cfg->n_pools++;
	pools[p->index].name = name;
	pools[p->index].mode = POOL_TUNE_PLAN;
	pools[p->index].min = 5;
	pools[p->index].max = 50;
	pools[p->index].cooldown_ns = POOL_COOLDOWN_NS;
	pools[p->index].line = p->section_line;
}

static void pool_endpoint(struct parser *p, const char *value)
{
	struct cfg_pool *pl = pool(p);

	set_string(&pl->endpoint, value);
	memset(&pl->ep, 0, sizeof(pl->ep));
	if (value[0] == '/')
		return; /* a unix socket: planned from the config, not measured */
	if (pool_endpoint_parse(value, &pl->ep))
		problem(p, p->line,
			"endpoint '%s': expected IP:PORT, [IPv6]:PORT, localhost:PORT or a unix "
			"socket path",
			value);
}

static void pool_tune(struct parser *p, const char *value)
{
	for (int m = POOL_TUNE_OFF; m <= POOL_TUNE_APPLY; m++)
		if (!strcmp(value, pool_tune_mode_name((enum pool_tune_mode)m))) {
			pool(p)->mode = (enum pool_tune_mode)m;
			return;
		}
	problem(p, p->line, "tune '%s': expected off, plan or apply", value);
}

static void pool_size(struct parser *p, const char *key, const char *value, unsigned int *dst)
{
	unsigned long n;

	if (parse_uint(value, 1, POOL_SIZE_LIMIT, &n))
		problem(p, p->line, "%s '%s': expected a number of connections from 1 to %d", key,
			value, POOL_SIZE_LIMIT);
	else
		*dst = (unsigned int)n;
}

void pool_key(struct parser *p, const char *value, int arg)
{
	struct cfg_pool *pl = pool(p);

	switch (arg) {
	case PK_ENDPOINT:
		pool_endpoint(p, value);
		break;
	case PK_PGBOUNCER:
		if (!*value)
			problem(p, p->line, "pgbouncer is empty");
		set_string(&pl->pgbouncer, value);
		break;
	case PK_TUNE:
		pool_tune(p, value);
		break;
	case PK_MIN:
		pool_size(p, "min", value, &pl->min);
		break;
	case PK_MAX:
		pool_size(p, "max", value, &pl->max);
		break;
	case PK_COOLDOWN:
		if (parse_duration_ns(value, &pl->cooldown_ns) || !pl->cooldown_ns)
			problem(p, p->line, "cooldown '%s': expected a duration such as 1m", value);
		break;
	case PK_NOTIFY:
		set_string(&p->pool_notify[p->index].text, value);
		p->pool_notify[p->index].line = p->line;
		break;
	}
}

/* The rule a pool's resizes are notified as. */
static void actions_rule(struct parser *p, struct cfg_pool *pl, const struct raw_value *notify)
{
	struct cfg_alert *a = &pl->actions;

	if (asprintf(&a->name, "pool-%s", pl->name) < 0)
		a->name = NULL;
	a->metric_name = strdup("pool.recommended_size");
	metric_parse("pool.recommended_size", &a->metric);
	a->line = pl->line;
	if (notify->text)
		parse_notify(p, a, notify);
}

void validate_pools(struct parser *p)
{
	for (size_t i = 0; i < p->cfg->n_postgres; i++)
		if (!p->cfg->postgres[i].conninfo)
			problem(p, p->cfg->postgres[i].line, "postgres \"%s\": no conninfo",
				p->cfg->postgres[i].name);
	for (size_t i = 0; i < p->cfg->n_pools; i++) {
		struct cfg_pool *pl = &p->cfg->pools[i];

		if (!pl->endpoint)
			problem(p, pl->line, "pool \"%s\": no endpoint", pl->name);
		if (pl->min > pl->max)
			problem(p, pl->line, "pool \"%s\": min %u is above max %u", pl->name,
				pl->min, pl->max);
		if (pl->mode == POOL_TUNE_APPLY && !pl->pgbouncer)
			problem(p, pl->line,
				"pool \"%s\": tune = apply needs pgbouncer (the admin console "
				"conninfo)",
				pl->name);
		actions_rule(p, pl, &p->pool_notify[i]);
	}
}

void postgres_free(struct cfg_postgres *pg)
{
	free(pg->name);
	free(pg->conninfo);
}

void pool_free(struct cfg_pool *pl)
{
	free(pl->name);
	free(pl->endpoint);
	free(pl->pgbouncer);
	free(pl->actions.name);
	free(pl->actions.metric_name);
	for (size_t i = 0; i < pl->actions.n_notify; i++)
		free(pl->actions.notify[i]);
	free(pl->actions.notify);
}
