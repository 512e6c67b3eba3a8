/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reads a hivemon.report/v1 document (as served by the daemon over the IPC
 * socket) back into a struct snapshot, plus the "alerts" array of firing
 * alerts the daemon appends. The report carries percentiles, not buckets,
 * so each histogram is rebuilt from p50/p90/p99/max: its quantiles at those
 * points match the document; anything between them is approximate.
 */
#ifndef HIVEMON_REPORT_PARSE_H
#define HIVEMON_REPORT_PARSE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

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

/* Fills @snap (initialised by the caller) from @doc. 0, or -EINVAL when the
 * document is not a hivemon.report/v1 object, -ENOMEM. */
int report_parse_json(const json_t *doc, struct snapshot *snap);
/* Parses doc["alerts"] into @alerts (empty when absent). */
int report_parse_alerts(const json_t *doc, struct top_alerts *alerts);
/* Both of the above from text; -EINVAL on malformed JSON. */
int report_parse_text(const char *text, struct snapshot *snap, struct top_alerts *alerts);
void top_alerts_free(struct top_alerts *alerts);

/* "127.0.0.1:80", "[::1]:80" -> endpoint. 0, or -EINVAL. */
int endpoint_parse(const char *text, struct endpoint *ep);
/* Rebuilds a histogram whose quantiles 0.5/0.9/0.99/1 are the given values. */
int hist_from_quantiles(struct hist *h, uint64_t count, uint64_t sum_ns, uint64_t p50, uint64_t p90,
			uint64_t p99, uint64_t max);

#endif
