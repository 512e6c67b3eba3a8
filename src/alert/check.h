/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SLO checks for load tests (`hivemon report --check FILE`): the [alert]
 * rules of a file, each judged once on the whole measured window. A check
 * passes while the worst matching series stays below the rule's critical
 * threshold (its lowest threshold when it has no critical one); a check
 * that no series matches fails, as a gate must not pass on no data.
 */
#ifndef HIVEMON_ALERT_CHECK_H
#define HIVEMON_ALERT_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd/config.h"
#include "core/snapshot.h"

struct check_result {
	const struct cfg_alert *rule;
	bool has_value;
	double value;	  /* worst matching series, in the metric's unit */
	char series[160]; /* its labels, "comm=api pid=12 ..." */
	double threshold;
	bool pass;
};

struct check_results {
	struct check_result *items; /* owned, in the file's order */
	size_t n;
	size_t failed;
};

/* Judges every rule of @cfg on @window. 0 or -ENOMEM. */
int checks_run(const struct config *cfg, const struct snapshot *window, struct check_results *out);
void check_results_free(struct check_results *r);
/* The checks[] array of the report: {name, metric, value, threshold, pass, series}. */
json_t *checks_to_json(const struct check_results *r);
/* One line per check: "PASS name: metric value (threshold ...)". */
void checks_print_text(const struct check_results *r, FILE *out);

#endif
