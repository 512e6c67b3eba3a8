// SPDX-License-Identifier: GPL-2.0
/* Validation of what needs the whole config: targets' urls and the [alert] rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/config_parser.h"
#include "util/parse.h"

#define DEFAULT_HYSTERESIS  0.10
#define WARNING_OF_CRITICAL 0.75

int parse_threshold(enum metric_unit unit, const char *text, double *value)
{
	uint64_t ns;
	int err;

	switch (unit) {
	case UNIT_NS:
		err = parse_duration_ns(text, &ns);
		if (!err)
			*value = (double)ns;
		return err;
	case UNIT_BYTES:
		return parse_size_bytes(text, value);
	case UNIT_PERCENT:
		return parse_percent(text, value);
	case UNIT_PER_SEC:
		return parse_rate(text, value);
	case UNIT_COUNT:
		return parse_count(text, value);
	}
	return -EINVAL;
}

static void parse_where(struct parser *p, struct cfg_alert *a, const struct raw_value *rv)
{
	char *copy = strdup(rv->text), *save = NULL;

	for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		bool negate = eq && eq > tok && eq[-1] == '!';
		struct cfg_matcher *m;

		if (!eq || eq == tok || (negate && eq - 1 == tok) || !eq[1]) {
			problem(p, rv->line, "where '%s': expected LABEL=GLOB or LABEL!=GLOB", tok);
			continue;
		}
		*(negate ? eq - 1 : eq) = '\0';
		if (!metric_has_label(&a->metric, tok)) {
			problem(p, rv->line, "where: metric %s has no label '%s'", a->metric_name,
				tok);
			continue;
		}
		m = config_grow(a->where, a->n_where, sizeof(*m));
		if (!m)
			break;
		a->where = m;
		m[a->n_where].label = strdup(tok);
		m[a->n_where].pattern = strdup(eq + 1);
		m[a->n_where].negate = negate;
		a->n_where++;
	}
	free(copy);
}

void parse_notify(struct parser *p, struct cfg_alert *a, const struct raw_value *rv)
{
	char *copy = strdup(rv->text), *save = NULL;
	size_t named = 0;

	for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		char **names;

		named++;
		if (!config_target(p->cfg, tok)) {
			problem(p, rv->line,
				"notify: no [webhook \"%s\"] or [alertmanager \"%s\"] section", tok,
				tok);
			continue;
		}
		names = config_grow(a->notify, a->n_notify, sizeof(*names));
		if (!names)
			break;
		a->notify = names;
		names[a->n_notify++] = strdup(tok);
	}
	free(copy);
	if (!named)
		problem(p, rv->line, "notify names no target");
}

static void alert_thresholds(struct parser *p, struct cfg_alert *a, const struct raw_alert *raw)
{
	enum metric_unit unit = metric_unit(&a->metric);
	enum severity last = SEV_NONE;
	bool given = false;

	for (int sev = SEV_INFO; sev <= SEV_EMERGENCY; sev++) {
		const struct raw_value *rv = &raw->v[AK_INFO + sev - SEV_INFO];

		if (!rv->text)
			continue;
		given = true;
		if (parse_threshold(unit, rv->text, &a->threshold[sev])) {
			problem(p, rv->line, "%s '%s': expected %s", severity_name(sev), rv->text,
				unit == UNIT_NS	       ? "a duration such as 200ms"
				: unit == UNIT_BYTES   ? "a size such as 100MB"
				: unit == UNIT_PERCENT ? "a percentage such as 85%"
				: unit == UNIT_COUNT   ? "a number"
						       : "a number per second");
			continue;
		}
		a->has_threshold[sev] = true;
	}
	if (!a->has_threshold[SEV_WARNING] && a->has_threshold[SEV_CRITICAL]) {
		a->threshold[SEV_WARNING] = a->threshold[SEV_CRITICAL] * WARNING_OF_CRITICAL;
		a->has_threshold[SEV_WARNING] = true;
	}
	for (int sev = SEV_INFO; sev <= SEV_EMERGENCY; sev++) {
		if (!a->has_threshold[sev])
			continue;
		if (last && a->threshold[sev] <= a->threshold[last])
			problem(p, a->line, "alert \"%s\": %s must be above %s", a->name,
				severity_name(sev), severity_name(last));
		last = sev;
	}
	if (!given)
		problem(p, a->line,
			"alert \"%s\": no threshold (info, warning, critical or emergency)",
			a->name);
}

static void alert_durations(struct parser *p, struct cfg_alert *a, const struct raw_alert *raw)
{
	const struct raw_value *rv;
	double pct;

	a->hysteresis = DEFAULT_HYSTERESIS;
	if ((rv = &raw->v[AK_FOR])->text && parse_duration_ns(rv->text, &a->for_ns))
		problem(p, rv->line, "for '%s': expected a duration such as 10s", rv->text);
	if ((rv = &raw->v[AK_PREDICT])->text &&
	    (parse_duration_ns(rv->text, &a->predict_ns) || !a->predict_ns))
		problem(p, rv->line, "predict '%s': expected a duration such as 15m", rv->text);
	if ((rv = &raw->v[AK_REPEAT])->text && parse_duration_ns(rv->text, &a->repeat_ns))
		problem(p, rv->line, "repeat '%s': expected a duration such as 1h", rv->text);
	if ((rv = &raw->v[AK_WINDOW])->text &&
	    (parse_duration_ns(rv->text, &a->window_ns) ||
	     (a->window_ns != 1000000000ULL && a->window_ns != 10000000000ULL &&
	      a->window_ns != 60000000000ULL)))
		problem(p, rv->line, "window '%s': expected 1s, 10s or 1m", rv->text);
	if ((rv = &raw->v[AK_HYSTERESIS])->text) {
		if (parse_percent(rv->text, &pct) || pct >= 100)
			problem(p, rv->line, "hysteresis '%s': expected a percentage below 100%%",
				rv->text);
		else
			a->hysteresis = pct / 100.0;
	}
}

static void validate_alert(struct parser *p, struct cfg_alert *a, const struct raw_alert *raw)
{
	const struct raw_value *metric = &raw->v[AK_METRIC];

	if (!metric->text) {
		problem(p, a->line, "alert \"%s\": no metric", a->name);
		return;
	}
	a->metric_name = strdup(metric->text);
	if (metric_parse(metric->text, &a->metric)) {
		problem(p, metric->line, "unknown metric '%s'", metric->text);
		return;
	}
	if (raw->v[AK_WHERE].text)
		parse_where(p, a, &raw->v[AK_WHERE]);
	alert_thresholds(p, a, raw);
	alert_durations(p, a, raw);
	if (raw->v[AK_SUMMARY].text)
		a->summary = strdup(raw->v[AK_SUMMARY].text);
	if (raw->v[AK_NOTIFY].text)
		parse_notify(p, a, &raw->v[AK_NOTIFY]);
}

void config_validate(struct parser *p)
{
	struct config *cfg = p->cfg;

	for (size_t i = 0; i < cfg->n_targets; i++)
		if (!cfg->targets[i].url)
			problem(p, cfg->targets[i].line, "%s \"%s\": no url",
				cfg->targets[i].kind == TARGET_WEBHOOK ? "webhook" : "alertmanager",
				cfg->targets[i].name);
	for (size_t i = 0; i < cfg->n_alerts; i++)
		validate_alert(p, &cfg->alerts[i], &p->raw[i]);
	validate_groups(p);
	validate_pools(p);
}
