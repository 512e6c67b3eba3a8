/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: alert. Rules, notifications (bodies, spool, delivery) and the SLO
 * checks of report --check. Includes core, util and cmd/config.h.
 *
 * The alert engine: each [alert] rule is evaluated every interval on its
 * rolling window, with one instance (state machine) per matching series.
 * Tiers INFO < WARNING < CRITICAL < EMERGENCY; a tier is entered once its
 * threshold has held for `for`, left when the value drops below the
 * threshold less the hysteresis; every change of tier (and a repeat of a
 * long-firing alert) gives exactly one notification.
 */
#ifndef HIVEMON_ALERT_H
#define HIVEMON_ALERT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmd/config.h"
#include "core/window.h"

enum alert_change {
	ALERT_NO_CHANGE,
	ALERT_FIRING,	   /* not firing -> a tier */
	ALERT_ESCALATED,   /* to a higher tier */
	ALERT_DEESCALATED, /* to a lower tier, still firing */
	ALERT_RESOLVED,	   /* condition cleared or series gone */
	ALERT_REPEAT,	   /* still firing after `repeat` */
	ALERT_ACTION,	   /* not an alert: hivemon acted on the host (rebalance) */
};

const char *alert_change_name(enum alert_change change);

/* State of one alert instance. */
struct alert_state {
	enum severity level;	   /* SEV_NONE: not firing */
	unsigned int holding;	   /* bit per tier whose condition holds */
	uint64_t since[SEV_COUNT]; /* when each holding tier started to hold */
	uint64_t started_ns;	   /* when it began firing */
	uint64_t notified_ns;	   /* last notification */
	double value;		   /* last value seen */
};

/*
 * One evaluation of @rule for a series at @now_ns: @present is false when
 * the series has no data any more (process exited or went quiet). Updates
 * @st and returns the change to notify; @previous gets the tier before.
 */
enum alert_change alert_step(const struct cfg_alert *rule, struct alert_state *st, bool present,
			     double value, uint64_t now_ns, enum severity *previous);

/* One notification, valid during the callback only. */
struct alert_notice {
	const struct cfg_alert *rule;
	enum alert_change change;
	enum severity severity; /* the tier now (for RESOLVED: the one that cleared) */
	enum severity previous; /* the tier before (SEV_NONE when it starts firing) */
	double value;
	double threshold;	 /* of @severity */
	uint64_t starts_at_ns;	 /* CLOCK_REALTIME */
	uint64_t at_ns;		 /* CLOCK_REALTIME */
	bool gone;		 /* RESOLVED because the series has no data any more */
	json_t *labels;		 /* alertname, severity, host, comm, pid, metric labels */
	const char *fingerprint; /* 16 hex digits, stable across tiers */
	const char *text;	 /* ALERT_ACTION: what was done, with the evidence */
	const char *transition;	 /* ALERT_ACTION: its name ("pool-resized"); NULL: "action" */
};

typedef void (*alert_notice_fn)(void *ctx, const struct alert_notice *notice);

/* Hands @fn an ALERT_ACTION notice of @rule, now, severity info: what
 * hivemon did on the host (@text, with its evidence), named @transition
 * (NULL: "action"), with @value and @labels (taken over; NULL is out of
 * memory, then nothing is sent). Used by the rebalancer and the pool tuner. */
void alert_notify_action(const struct cfg_alert *rule, const char *transition, const char *text,
			 double value, json_t *labels, alert_notice_fn fn, void *ctx);

struct alert_engine;

/* The engine keeps a pointer to @cfg: it must outlive the engine or the next reload. */
struct alert_engine *alert_engine_new(const struct config *cfg);
/* Switches to @cfg; instances of rules kept by name keep their state. */
int alert_engine_reload(struct alert_engine *e, const struct config *cfg);
void alert_engine_free(struct alert_engine *e);
/* What the rules of @cfg read: windows, data kinds, processes. The comm
 * globs point into @cfg; free the array with free(needs->comms). */
int alert_rules_needs(const struct config *cfg, struct window_needs *needs);
/* Whether a series' labels pass the rule's `where` matchers. */
bool alert_rule_matches(const struct cfg_alert *rule, const struct series_labels *l);
/* Evaluates every rule on its window at @now_ns (CLOCK_REALTIME). */
void alert_engine_eval(struct alert_engine *e, struct windows *w, uint64_t now_ns,
		       alert_notice_fn fn, void *ctx);
/* Lower-level: evaluates rule @i on @window. */
void alert_engine_eval_rule(struct alert_engine *e, size_t i, const struct snapshot *window,
			    uint64_t now_ns, alert_notice_fn fn, void *ctx);
/*
 * The state of the firing alerts, to survive a restart:
 * [{rule, metric, key, labels, level, started_ns, notified_ns, value}].
 */
json_t *alert_engine_state_json(const struct alert_engine *e);
/* Brings back what alert_engine_state_json() saved, for the rules that still
 * exist (same name and metric). An alert still in breach then goes on
 * without a new notification; one that cleared meanwhile resolves at the
 * next evaluation. Returns the number of alerts restored. */
size_t alert_engine_restore(struct alert_engine *e, const json_t *state);

/* [{alertname, severity, labels{}, value, threshold, startsAt}] of the firing alerts. */
json_t *alert_engine_firing_json(const struct alert_engine *e);

#endif
