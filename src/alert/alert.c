// SPDX-License-Identifier: GPL-2.0
/* Alert rules: the tier state machine and one instance per matching series. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/trend.h"
#include "util/clock.h"
#include "util/rfc3339.h"

/* One alert instance: a rule applied to one series. */
struct instance {
	char *key;	/* canonical labels, the identity of the series */
	json_t *labels; /* without severity */
	char fingerprint[17];
	struct alert_state st;
	unsigned int seen;   /* generation of the last evaluation that saw it */
	struct trend *trend; /* rules with `predict` only */
};

struct rule_instances {
	const struct cfg_alert *rule;
	struct instance **slots; /* open addressing by key hash */
	size_t cap, n;
	unsigned int generation;
};

struct alert_engine {
	const struct config *cfg;
	struct rule_instances *rules; /* parallel to cfg->alerts */
	size_t n_rules;
};

static const char *const change_names[] = {
	[ALERT_NO_CHANGE] = "none",	 [ALERT_FIRING] = "firing",
	[ALERT_ESCALATED] = "escalated", [ALERT_DEESCALATED] = "deescalated",
	[ALERT_RESOLVED] = "resolved",	 [ALERT_REPEAT] = "repeat",
	[ALERT_ACTION] = "action",
};

void alert_notify_action(const struct cfg_alert *rule, const char *transition, const char *text,
			 double value, json_t *labels, alert_notice_fn fn, void *ctx)
{
	struct alert_notice n = {
		.rule = rule,
		.change = ALERT_ACTION,
		.severity = SEV_INFO,
		.value = value,
		.labels = labels,
		.text = text,
		.transition = transition,
	};
	char fingerprint[17];

	if (labels && fn) {
		n.at_ns = n.starts_at_ns = clock_ns(CLOCK_REALTIME);
		/* Each action is its own notification. */
		snprintf(fingerprint, sizeof(fingerprint), "%016llx",
			 (unsigned long long)(n.at_ns * 0x9e3779b97f4a7c15ULL));
		n.fingerprint = fingerprint;
		fn(ctx, &n);
	}
	json_decref(labels);
}

const char *alert_change_name(enum alert_change change)
{
	return change_names[change];
}

/* ---- the state machine ------------------------------------------------- */

/* Updates which tiers hold: the threshold, less the hysteresis for the tiers
 * at or below the one firing (so it does not flap around the threshold). */
static void update_holding(const struct cfg_alert *rule, struct alert_state *st, double value,
			   uint64_t now_ns)
{
	for (int sev = SEV_INFO; sev <= SEV_EMERGENCY; sev++) {
		unsigned int bit = 1u << sev;
		double threshold = rule->threshold[sev];

		if (!rule->has_threshold[sev])
			continue;
		if (sev <= (int)st->level)
			threshold *= 1.0 - rule->hysteresis;
		if (value >= threshold) {
			if (!(st->holding & bit))
				st->since[sev] = now_ns;
			st->holding |= bit;
		} else {
			st->holding &= ~bit;
		}
	}
}

/* The highest tier that holds and, above the firing one, has held for `for`. */
static enum severity target_level(const struct cfg_alert *rule, const struct alert_state *st,
				  uint64_t now_ns)
{
	for (int sev = SEV_EMERGENCY; sev >= SEV_INFO; sev--) {
		if (!(st->holding & (1u << sev)))
			continue;
		if (sev <= (int)st->level || now_ns - st->since[sev] >= rule->for_ns)
			return (enum severity)sev;
	}
	return SEV_NONE;
}

enum alert_change alert_step(const struct cfg_alert *rule, struct alert_state *st, bool present,
			     double value, uint64_t now_ns, enum severity *previous)
{
	enum severity prev = st->level, next;

	*previous = prev;
	if (present) {
		st->value = value;
		update_holding(rule, st, value, now_ns);
		next = target_level(rule, st, now_ns);
	} else {
		st->holding = 0;
		next = SEV_NONE;
	}
	st->level = next;
	if (next == prev) {
		if (next && rule->repeat_ns && now_ns - st->notified_ns >= rule->repeat_ns) {
			st->notified_ns = now_ns;
			return ALERT_REPEAT;
		}
		return ALERT_NO_CHANGE;
	}
	st->notified_ns = now_ns;
	if (!prev) {
		st->started_ns = now_ns;
		return ALERT_FIRING;
	}
	if (!next)
		return ALERT_RESOLVED;
	return next > prev ? ALERT_ESCALATED : ALERT_DEESCALATED;
}

/* ---- instances ------------------------------------------------------------ */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct instance **slot_of(struct rule_instances *ri, const char *key)
{
	size_t i = hash_str(key) & (ri->cap - 1);

	while (ri->slots[i] && strcmp(ri->slots[i]->key, key))
		i = (i + 1) & (ri->cap - 1);
	return &ri->slots[i];
}

static int rehash(struct rule_instances *ri, size_t cap)
{
	struct instance **old = ri->slots;
	size_t old_cap = ri->cap;

	ri->slots = calloc(cap, sizeof(*ri->slots));
	if (!ri->slots) {
		ri->slots = old;
		return -ENOMEM;
	}
	ri->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			*slot_of(ri, old[i]->key) = old[i];
	free(old);
	return 0;
}

static void instance_free(struct instance *in)
{
	free(in->trend);
	free(in->key);
	json_decref(in->labels);
	free(in);
}

static void instances_clear(struct rule_instances *ri)
{
	for (size_t i = 0; i < ri->cap; i++)
		if (ri->slots[i])
			instance_free(ri->slots[i]);
	free(ri->slots);
	ri->slots = NULL;
	ri->cap = ri->n = 0;
}

/* Canonical key of a series, e.g. "comm=api\x1fpid=12\x1fsyscall=read". */
static char *series_key(const struct series_labels *l)
{
	char *key = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&key, &len);

	if (!f)
		return NULL;
	for (int i = 0; i < METRIC_LABELS_MAX; i++) {
		const char *v = series_label(l, metric_label_names[i]);

		if (v)
			fprintf(f, "%s=%s\x1f", metric_label_names[i], v);
	}
	fclose(f);
	return key;
}

static struct instance *instance_new(const struct cfg_alert *rule, const char *host,
				     const struct series_labels *l, char *key)
{
	struct instance *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->key = key;
	in->labels = json_object();
	json_object_set_new(in->labels, "alertname", json_string(rule->name));
	if (host && *host)
		json_object_set_new(in->labels, "host", json_string(host));
	for (int i = 0; i < METRIC_LABELS_MAX; i++) {
		const char *v = series_label(l, metric_label_names[i]);

		if (v)
			json_object_set_new(in->labels, metric_label_names[i], json_string(v));
	}
	snprintf(in->fingerprint, sizeof(in->fingerprint), "%016llx",
		 (unsigned long long)(hash_str(rule->name) ^ hash_str(key)));
	return in;
}

bool alert_rule_matches(const struct cfg_alert *rule, const struct series_labels *l)
{
	for (size_t i = 0; i < rule->n_where; i++) {
		const struct cfg_matcher *m = &rule->where[i];
		const char *v = series_label(l, m->label);
		bool match = v && !fnmatch(m->pattern, v, 0);

		if (match == m->negate)
			return false;
	}
	return true;
}

/* ---- evaluation ------------------------------------------------------------ */

struct eval_ctx {
	struct rule_instances *ri;
	const char *host;
	uint64_t now_ns;
	alert_notice_fn fn;
	void *ctx;
};

static void notify(struct eval_ctx *ec, struct instance *in, enum alert_change change,
		   enum severity previous, bool gone)
{
	const struct cfg_alert *rule = ec->ri->rule;
	enum severity sev = change == ALERT_RESOLVED ? previous : in->st.level;
	struct alert_notice notice = {
		.rule = rule,
		.change = change,
		.severity = sev,
		.previous = previous,
		.value = in->st.value,
		.threshold = rule->threshold[sev],
		.starts_at_ns = in->st.started_ns,
		.at_ns = ec->now_ns,
		.gone = gone,
		.labels = json_deep_copy(in->labels),
		.fingerprint = in->fingerprint,
	};

	if (!notice.labels)
		return;
	json_object_set_new(notice.labels, "severity", json_string(severity_name(sev)));
	ec->fn(ec->ctx, &notice);
	json_decref(notice.labels);
}

/* The value @predict_ns ahead of the series' trend; false until the trend
 * has enough points. */
static bool predicted(struct instance *in, uint64_t now_ns, uint64_t predict_ns, double *value)
{
	double slope;

	if (!in->trend)
		in->trend = calloc(1, sizeof(*in->trend));
	if (!in->trend)
		return false;
	trend_add(in->trend, now_ns, *value);
	return trend_predict(in->trend, now_ns + predict_ns, value, &slope);
}

static void on_series(void *ctx, const struct series_labels *l, double value)
{
	struct eval_ctx *ec = ctx;
	struct rule_instances *ri = ec->ri;
	struct instance **slot, *in;
	enum alert_change change;
	enum severity previous;
	char *key;

	if (!alert_rule_matches(ri->rule, l))
		return;
	key = series_key(l);
	if (!key)
		return;
	if ((ri->n + 1) * 2 > ri->cap && rehash(ri, ri->cap ? ri->cap * 2 : 16)) {
		free(key);
		return;
	}
	slot = slot_of(ri, key);
	if (!*slot) {
		*slot = instance_new(ri->rule, ec->host, l, key);
		if (!*slot) {
			free(key);
			return;
		}
		ri->n++;
	} else {
		free(key);
	}
	in = *slot;
	in->seen = ri->generation;
	if (ri->rule->predict_ns && !predicted(in, ec->now_ns, ri->rule->predict_ns, &value))
		return;
	change = alert_step(ri->rule, &in->st, true, value, ec->now_ns, &previous);
	if (change != ALERT_NO_CHANGE)
		notify(ec, in, change, previous, false);
}

/* Resolves the instances whose series did not show up, and drops them. */
static void sweep(struct eval_ctx *ec)
{
	struct rule_instances *ri = ec->ri;
	size_t removed = 0;

	for (size_t i = 0; i < ri->cap; i++) {
		struct instance *in = ri->slots[i];
		enum severity previous;

		if (!in || in->seen == ri->generation)
			continue;
		if (alert_step(ri->rule, &in->st, false, 0, ec->now_ns, &previous) ==
		    ALERT_RESOLVED)
			notify(ec, in, ALERT_RESOLVED, previous, true);
		instance_free(in);
		ri->slots[i] = NULL;
		removed++;
	}
	if (removed) {
		ri->n -= removed;
		/* Re-insert everything: linear probing needs unbroken runs. */
		rehash(ri, ri->cap);
	}
}

void alert_engine_eval_rule(struct alert_engine *e, size_t i, const struct snapshot *window,
			    uint64_t now_ns, alert_notice_fn fn, void *ctx)
{
	struct eval_ctx ec = {
		.ri = &e->rules[i],
		.host = window ? window->host : NULL,
		.now_ns = now_ns,
		.fn = fn,
		.ctx = ctx,
	};

	ec.ri->generation++;
	if (window)
		metrics_foreach(window, &ec.ri->rule->metric, on_series, &ec);
	sweep(&ec);
}

void alert_engine_eval(struct alert_engine *e, struct windows *w, uint64_t now_ns,
		       alert_notice_fn fn, void *ctx)
{
	for (size_t i = 0; i < e->n_rules; i++) {
		const struct cfg_alert *rule = e->rules[i].rule;
		enum window_span span = window_span_for(rule->window_ns, rule->for_ns);

		alert_engine_eval_rule(e, i, windows_get(w, span), now_ns, fn, ctx);
	}
}

static unsigned int metric_data(enum metric_source source)
{
	switch (source) {
	case METRIC_SYSCALL_LATENCY:
	case METRIC_SYSCALL_ERROR_RATIO:
		return WDATA_SYSCALL;
	case METRIC_TCP_CONNECT_LATENCY:
	case METRIC_TCP_CONNECT_ERRORS:
	case METRIC_POOL_RECOMMENDED_SIZE:
	case METRIC_POOL_BUSY:
	case METRIC_POOL_VERDICT:
	case METRIC_TCP_RTT:
	case METRIC_TCP_REQUEST_LATENCY:
	case METRIC_TCP_RETRANSMITS:
		return WDATA_TCP;
	case METRIC_SCHED_RUNQ_LATENCY:
	case METRIC_CPU_USAGE:
	case METRIC_CPU_WAIT:
		return WDATA_SCHED;
	case METRIC_MEM_RSS:
	case METRIC_MEM_ANON:
	case METRIC_ALLOC_MALLOC_LATENCY:
	case METRIC_ALLOC_RECLAIM_STALL:
		return WDATA_ALLOC;
	case METRIC_HTTP_REQUEST_LATENCY:
	case METRIC_SQL_QUERY_LATENCY:
	case METRIC_REDIS_COMMAND_LATENCY:
	case METRIC_CACHE_HIT_RATIO:
	case METRIC_CACHE_MISS_RATIO:
		return WDATA_APP;
	}
	return 0;
}

/* The pattern of the rule's positive comm= matcher, NULL when it has none. */
static const char *comm_pattern(const struct cfg_alert *rule)
{
	for (size_t i = 0; i < rule->n_where; i++)
		if (!rule->where[i].negate && !strcmp(rule->where[i].label, "comm"))
			return rule->where[i].pattern;
	return NULL;
}

int alert_rules_needs(const struct config *cfg, struct window_needs *needs)
{
	memset(needs, 0, sizeof(*needs));
	needs->comms = calloc(cfg->n_alerts ? cfg->n_alerts : 1, sizeof(*needs->comms));
	if (!needs->comms)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_alerts; i++) {
		const struct cfg_alert *rule = &cfg->alerts[i];
		const char *comm = comm_pattern(rule);

		needs->spans |= 1u << window_span_for(rule->window_ns, rule->for_ns);
		needs->data |= metric_data(rule->metric.source);
		if (comm)
			needs->comms[needs->n_comms++] = (char *)comm;
		else
			needs->all_procs = true;
	}
	return 0;
}

/* ---- lifetime ---------------------------------------------------------------- */

static struct rule_instances *rules_new(const struct config *cfg)
{
	struct rule_instances *rules = calloc(cfg->n_alerts ? cfg->n_alerts : 1, sizeof(*rules));

	if (!rules)
		return NULL;
	for (size_t i = 0; i < cfg->n_alerts; i++)
		rules[i].rule = &cfg->alerts[i];
	return rules;
}

struct alert_engine *alert_engine_new(const struct config *cfg)
{
	struct alert_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->rules = rules_new(cfg);
	if (!e->rules) {
		free(e);
		return NULL;
	}
	e->cfg = cfg;
	e->n_rules = cfg->n_alerts;
	return e;
}

int alert_engine_reload(struct alert_engine *e, const struct config *cfg)
{
	struct rule_instances *rules = rules_new(cfg);

	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_rules; i++) {
		struct rule_instances *old = &e->rules[i];
		size_t j;

		for (j = 0; j < cfg->n_alerts; j++)
			if (!strcmp(cfg->alerts[j].name, old->rule->name) &&
			    !strcmp(cfg->alerts[j].metric_name, old->rule->metric_name))
				break;
		if (j == cfg->n_alerts) {
			instances_clear(old);
			continue;
		}
		rules[j].slots = old->slots;
		rules[j].cap = old->cap;
		rules[j].n = old->n;
		rules[j].generation = old->generation;
	}
	free(e->rules);
	e->rules = rules;
	e->n_rules = cfg->n_alerts;
	e->cfg = cfg;
	return 0;
}

void alert_engine_free(struct alert_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_rules; i++)
		instances_clear(&e->rules[i]);
	free(e->rules);
	free(e);
}

json_t *alert_engine_state_json(const struct alert_engine *e)
{
	json_t *list = json_array();

	for (size_t r = 0; list && r < e->n_rules; r++) {
		const struct rule_instances *ri = &e->rules[r];

		for (size_t i = 0; i < ri->cap; i++) {
			const struct instance *in = ri->slots[i];

			if (!in || !in->st.level)
				continue;
			json_array_append_new(
				list,
				json_pack("{s:s, s:s, s:s, s:O, s:i, s:I, s:I, s:f}", "rule",
					  ri->rule->name, "metric", ri->rule->metric_name, "key",
					  in->key, "labels", in->labels, "level", (int)in->st.level,
					  "started_ns", (json_int_t)in->st.started_ns,
					  "notified_ns", (json_int_t)in->st.notified_ns, "value",
					  in->st.value));
		}
	}
	return list;
}

static struct rule_instances *rule_named(struct alert_engine *e, const char *name,
					 const char *metric)
{
	for (size_t i = 0; i < e->n_rules; i++)
		if (!strcmp(e->rules[i].rule->name, name) &&
		    !strcmp(e->rules[i].rule->metric_name, metric))
			return &e->rules[i];
	return NULL;
}

static bool restore_one(struct alert_engine *e, const json_t *saved)
{
	const char *rule = NULL, *metric = NULL, *key = NULL;
	json_int_t started = 0, notified = 0;
	json_t *labels = NULL;
	struct rule_instances *ri;
	struct instance **slot, *in;
	double value = 0;
	int level = 0;

	if (json_unpack((json_t *)saved, "{s:s, s:s, s:s, s:o, s:i, s:I, s:I, s:F}", "rule", &rule,
			"metric", &metric, "key", &key, "labels", &labels, "level", &level,
			"started_ns", &started, "notified_ns", &notified, "value", &value) ||
	    level <= SEV_NONE || level > SEV_EMERGENCY || !json_is_object(labels))
		return false;
	ri = rule_named(e, rule, metric);
	if (!ri || !ri->rule->has_threshold[level])
		return false;
	if ((ri->n + 1) * 2 > ri->cap && rehash(ri, ri->cap ? ri->cap * 2 : 16))
		return false;
	slot = slot_of(ri, key);
	if (*slot)
		return false;
	in = calloc(1, sizeof(*in));
	if (!in || !(in->key = strdup(key))) {
		free(in);
		return false;
	}
	in->labels = json_deep_copy(labels);
	snprintf(in->fingerprint, sizeof(in->fingerprint), "%016llx",
		 (unsigned long long)(hash_str(rule) ^ hash_str(key)));
	in->st.level = (enum severity)level;
	in->st.started_ns = (uint64_t)started;
	in->st.notified_ns = (uint64_t)notified;
	in->st.value = value;
	in->seen = ri->generation;
	*slot = in;
	ri->n++;
	return true;
}

size_t alert_engine_restore(struct alert_engine *e, const json_t *state)
{
	const json_t *saved;
	size_t i, restored = 0;

	json_array_foreach(state, i, saved) restored += restore_one(e, saved);
	return restored;
}

json_t *alert_engine_firing_json(const struct alert_engine *e)
{
	json_t *list = json_array();
	char when[40];

	for (size_t r = 0; list && r < e->n_rules; r++) {
		const struct rule_instances *ri = &e->rules[r];

		for (size_t i = 0; i < ri->cap; i++) {
			const struct instance *in = ri->slots[i];
			json_t *labels;

			if (!in || !in->st.level)
				continue;
			labels = json_deep_copy(in->labels);
			json_object_set_new(labels, "severity",
					    json_string(severity_name(in->st.level)));
			json_array_append_new(
				list,
				json_pack("{s:s, s:s, s:s, s:o, s:f, s:f, s:s}", "alertname",
					  ri->rule->name, "severity", severity_name(in->st.level),
					  "metric", ri->rule->metric_name, "labels", labels,
					  "value", in->st.value, "threshold",
					  ri->rule->threshold[in->st.level], "startsAt",
					  rfc3339_format(in->st.started_ns, RFC3339_MILLIS, when,
							 sizeof(when))));
		}
	}
	return list;
}
