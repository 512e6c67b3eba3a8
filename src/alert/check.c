// SPDX-License-Identifier: GPL-2.0
/* SLO checks: alert rules judged once on a whole window, pass or fail. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "alert/check.h"
#include "core/metrics.h"

/* The line a check must stay below: critical, else the lowest tier given. */
static double check_threshold(const struct cfg_alert *rule)
{
	if (rule->has_threshold[SEV_CRITICAL])
		return rule->threshold[SEV_CRITICAL];
	for (int sev = SEV_INFO; sev < SEV_COUNT; sev++)
		if (rule->has_threshold[sev])
			return rule->threshold[sev];
	return 0;
}

static void describe(const struct series_labels *l, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < METRIC_LABELS_MAX && used < len; i++) {
		const char *v = series_label(l, metric_label_names[i]);

		if (v)
			used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "",
						 metric_label_names[i], v);
	}
}

/* Keeps the worst series that passes the rule's matchers. */
static void on_series(void *ctx, const struct series_labels *l, double value)
{
	struct check_result *c = ctx;

	if (!alert_rule_matches(c->rule, l) || (c->has_value && value <= c->value))
		return;
	c->has_value = true;
	c->value = value;
	describe(l, c->series, sizeof(c->series));
}

int checks_run(const struct config *cfg, const struct snapshot *window, struct check_results *out)
{
	memset(out, 0, sizeof(*out));
	out->items = calloc(cfg->n_alerts + 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_alerts; i++) {
		struct check_result *c = &out->items[out->n++];

		c->rule = &cfg->alerts[i];
		c->threshold = check_threshold(c->rule);
		metrics_foreach(window, &c->rule->metric, on_series, c);
		c->pass = c->has_value && c->value < c->threshold;
		out->failed += !c->pass;
	}
	return 0;
}

void check_results_free(struct check_results *r)
{
	free(r->items);
	memset(r, 0, sizeof(*r));
}

json_t *checks_to_json(const struct check_results *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < r->n; i++) {
		const struct check_result *c = &r->items[i];

		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:o, s:f, s:b, s:o}", "name", c->rule->name,
				       "metric", c->rule->metric_name, "value",
				       c->has_value ? json_real(c->value) : json_null(),
				       "threshold", c->threshold, "pass", c->pass, "series",
				       c->has_value ? json_string(c->series) : json_null()));
	}
	return arr;
}

void checks_print_text(const struct check_results *r, FILE *out)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct check_result *c = &r->items[i];
		enum metric_unit unit = metric_unit(&c->rule->metric);
		char value[32], threshold[32];

		metric_format(unit, c->threshold, threshold, sizeof(threshold));
		if (!c->has_value) {
			fprintf(out, "FAIL %s: %s has no data (must stay below %s)\n",
				c->rule->name, c->rule->metric_name, threshold);
			continue;
		}
		fprintf(out, "%s %s: %s %s (must stay below %s; %s)\n", c->pass ? "PASS" : "FAIL",
			c->rule->name, c->rule->metric_name,
			metric_format(unit, c->value, value, sizeof(value)), threshold, c->series);
	}
	fprintf(out, "%zu of %zu checks passed\n", r->n - r->failed, r->n);
}
