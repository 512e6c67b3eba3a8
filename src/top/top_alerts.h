/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The firing alerts `hivemon top` shows: its alerts pane and the ALERT
 * column. They come from the daemon as the JSON array of
 * alert_engine_firing_json() ({alertname, severity, labels, value,
 * threshold, startsAt}) and are flattened here into display strings.
 */
#ifndef HIVEMON_TOP_ALERTS_H
#define HIVEMON_TOP_ALERTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/probe_opts.h"

enum top_tier { TIER_NONE = 0, TIER_INFO, TIER_WARNING, TIER_CRITICAL, TIER_EMERGENCY };
#define TIER_COUNT 5

struct top_alert {
	char name[64];
	enum top_tier tier;
	uint32_t pid;		  /* 0 when the alert carries no pid label */
	char comm[PROC_COMM_LEN]; /* "" when the alert carries no comm label */
	char labels[192];	  /* "k=v k=v", without alertname and severity */
	char value[32];
	char threshold[32];
	char starts_at[32];
};

struct top_alerts {
	struct top_alert *items; /* owned */
	size_t n;
};

/* "info" / "warning" / "critical" / "emergency" (any case) -> tier. */
enum top_tier tier_from_name(const char *name);
const char *tier_name(enum top_tier tier);

/* Fills @alerts from the array @firing (empty when it is not an array).
 * 0 or -ENOMEM. */
int top_alerts_from_json(const json_t *firing, struct top_alerts *alerts);
void top_alerts_free(struct top_alerts *alerts);

#endif
