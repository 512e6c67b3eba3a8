// SPDX-License-Identifier: GPL-2.0
/* A cycle's rows: window, verdict, size, the server cap; as JSON and text. */
#include <math.h>
#include <string.h>

#include "pools/pool_plan.h"
#include "postgres/pg_limits.h"
#include "util/log.h"

void pool_row_fill(struct pool_row *r, const struct cfg_pool *cfg, const struct pool_obs *o,
		   uint64_t window_ns)
{
	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	if (o) {
		snprintf(r->client, sizeof(r->client), "%s", o->client);
		r->ep = o->endpoint;
		r->seen = true;
		pool_obs_measure(o, window_ns, &r->m);
	} else {
		r->ep = cfg->ep;
		r->m.window_s = window_ns / 1e9;
	}
	if (cfg && !r->ep.family)
		snprintf(r->endpoint, sizeof(r->endpoint), "%s", cfg->endpoint);
	else
		endpoint_format(&r->ep, r->endpoint, sizeof(r->endpoint));
}

void pool_row_decide(struct pool_row *r, struct pool_tune_state *state)
{
	struct pool_bounds b = {.min = 5, .max = 50};

	if (r->cfg) {
		b.min = r->cfg->min;
		b.max = r->cfg->max;
	}
	if (!r->seen) {
		/* Nothing to judge: the last size stands, nothing is applied. */
		r->d = (struct pool_decision){.verdict = POOL_OK,
					      .recommended = state->size ? state->size : b.min};
		snprintf(r->d.why, sizeof(r->d.why), "no requests to %s in the window",
			 r->endpoint);
		return;
	}
	pool_tune_decide(&r->m, &b, state, &r->d);
}

/* Lowers the sizes of the rows @server serves to its budget. */
static void cap_server(struct pool_row *rows, size_t n, const struct cfg_postgres *server,
		       const struct pg_limits *l)
{
	unsigned int sizes[64];
	size_t idx[64], k = 0;
	int ours = 0, others, budget;

	for (size_t i = 0; i < n && k < 64; i++)
		if (rows[i].seen && pg_limits_serves(l, &rows[i].ep)) {
			rows[i].server = server->name;
			rows[i].limits = *l;
			idx[k] = i;
			sizes[k++] = rows[i].d.recommended;
			ours += (int)rows[i].m.open;
		}
	if (!k)
		return;
	others = pg_limits_clients(l) - ours;
	if (others < 0)
		others = 0;
	budget = pg_limits_allowed(l) - others;
	if (budget < (int)k)
		budget = (int)k;
	if (!pool_tune_cap(sizes, k, (unsigned int)budget))
		return;
	for (size_t j = 0; j < k; j++) {
		struct pool_row *r = &rows[idx[j]];

		r->d.recommended = sizes[j];
		r->d.capped = true;
		snprintf(r->cap, sizeof(r->cap),
			 "capped: PostgreSQL \"%s\" allows %d connections (max_connections %d - "
			 "%d reserved), %d used by others; %zu pools share %d",
			 server->name, pg_limits_allowed(l), l->max_connections,
			 l->superuser_reserved, others, k, budget);
	}
}

void pool_rows_cap(struct pool_row *rows, size_t n, const struct config *cfg)
{
	for (size_t s = 0; cfg && s < cfg->n_postgres; s++) {
		struct pg_limits l;
		char err[256];

		if (pg_limits_read(cfg->postgres[s].conninfo, &l, err, sizeof(err))) {
			hlog(LOG_WARNING, "pools: postgres \"%s\": cannot read its limits: %s",
			     cfg->postgres[s].name, err);
			continue;
		}
		cap_server(rows, n, &cfg->postgres[s], &l);
	}
}

static json_t *nullable_string(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *pool_row_json(const struct pool_row *r)
{
	const struct pool_measure *m = &r->m;
	json_t *o = json_object();

	json_object_set_new(o, "name", r->cfg ? json_string(r->cfg->name) : json_null());
	json_object_set_new(o, "client", nullable_string(r->client));
	json_object_set_new(o, "endpoint", json_string(r->endpoint));
	json_object_set_new(o, "open", m->open_known ? json_integer(m->open) : json_null());
	json_object_set_new(o, "open_min", m->open_known ? json_integer(m->open_min) : json_null());
	json_object_set_new(o, "open_max", m->open_known ? json_integer(m->open_max) : json_null());
	json_object_set_new(o, "idle",
			    m->open_known ? json_real(fmax(0, m->open - m->busy_mean))
					  : json_null());
	json_object_set_new(o, "busy_mean", json_real(m->busy_mean));
	json_object_set_new(o, "busy_peak", json_real(m->busy_peak));
	json_object_set_new(o, "rate", json_real(m->rate));
	json_object_set_new(o, "p50_ns", json_integer((json_int_t)m->p50_ns));
	json_object_set_new(o, "p95_ns", json_integer((json_int_t)m->p95_ns));
	json_object_set_new(o, "p99_ns", json_integer((json_int_t)m->p99_ns));
	json_object_set_new(o, "connects_per_s", json_real(m->connects_per_s));
	json_object_set_new(o, "connect_errors", json_integer((json_int_t)m->connect_errors));
	json_object_set_new(o, "lifetime_s",
			    m->lifetime_s > 0 ? json_real(m->lifetime_s) : json_null());
	json_object_set_new(o, "window_s", json_real(m->window_s));
	json_object_set_new(o, "verdict", json_string(pool_verdict_name(r->d.verdict)));
	json_object_set_new(o, "recommended_size", json_integer(r->d.recommended));
	json_object_set_new(o, "little", json_real(r->d.little));
	json_object_set_new(o, "vegas_queue", json_real(r->d.vegas_queue));
	json_object_set_new(o, "pinned", json_boolean(r->d.pinned));
	json_object_set_new(o, "stepped", json_boolean(r->d.stepped));
	json_object_set_new(o, "why", json_string(r->d.why));
	json_object_set_new(o, "capped", nullable_string(r->cap));
	if (r->server)
		json_object_set_new(
			o, "server",
			json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "name", r->server,
				  "max_connections", r->limits.max_connections,
				  "superuser_reserved_connections", r->limits.superuser_reserved,
				  "active", r->limits.active, "idle", r->limits.idle,
				  "idle_in_transaction", r->limits.idle_in_transaction, "other",
				  r->limits.other));
	json_object_set_new(o, "mode",
			    r->cfg ? json_string(pool_tune_mode_name(r->cfg->mode)) : json_null());
	json_object_set_new(o, "applied", json_boolean(r->applied));
	json_object_set_new(o, "action", nullable_string(r->action));
	return o;
}

void pool_rows_print(const struct pool_row *rows, size_t n, FILE *out)
{
	if (!n) {
		fprintf(out, "no client connections with traffic in the window\n");
		return;
	}
	fprintf(out, "%-16s %-22s %5s %6s %6s %8s %9s %8s %-11s %4s\n", "CLIENT", "ENDPOINT",
		"OPEN", "BUSY", "PEAK", "REQ/s", "p95", "CONN/s", "VERDICT", "SIZE");
	for (size_t i = 0; i < n; i++) {
		const struct pool_row *r = &rows[i];
		char open[16];

		if (r->m.open_known)
			snprintf(open, sizeof(open), "%u", r->m.open);
		else
			snprintf(open, sizeof(open), "-");
		fprintf(out, "%-16s %-22s %5s %6.1f %6.1f %8.1f %7.1fms %8.2f %-11s %4u\n",
			r->seen ? r->client : "-", r->endpoint, open, r->m.busy_mean,
			r->m.busy_peak, r->m.rate, r->m.p95_ns / 1e6, r->m.connects_per_s,
			pool_verdict_name(r->d.verdict), r->d.recommended);
		fprintf(out, "  %s%s: %s\n", r->cfg ? "pool " : "",
			r->cfg ? r->cfg->name : r->client, r->d.why);
		if (r->cap[0])
			fprintf(out, "  %s\n", r->cap);
		if (r->action[0])
			fprintf(out, "  %s\n", r->action);
	}
}

json_t *pool_snapshot_json(const struct snapshot *snap)
{
	json_t *arr = json_array();
	struct pool_set set;

	pool_set_init(&set);
	if (arr && !pool_set_add(&set, snap, true)) {
		for (size_t i = 0; i < set.n; i++) {
			struct pool_tune_state state = {0};
			struct pool_row r;

			pool_row_fill(&r, NULL, &set.pools[i], set.window_ns);
			pool_row_decide(&r, &state);
			json_array_append_new(arr, pool_row_json(&r));
		}
	}
	pool_set_free(&set);
	return arr;
}
