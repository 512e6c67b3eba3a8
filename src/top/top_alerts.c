// SPDX-License-Identifier: GPL-2.0
/* The daemon's firing alerts (JSON) flattened into what top displays. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "top/top_alerts.h"

static const char *const tier_names[TIER_COUNT] = {"none", "info", "warning", "critical",
						   "emergency"};

enum top_tier tier_from_name(const char *name)
{
	for (int t = TIER_INFO; name && t < TIER_COUNT; t++)
		if (!strcasecmp(name, tier_names[t]))
			return (enum top_tier)t;
	return TIER_NONE;
}

const char *tier_name(enum top_tier tier)
{
	return (unsigned)tier < TIER_COUNT ? tier_names[tier] : "none";
}

static const char *str_of(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static void alert_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_number(v))
		snprintf(buf, len, "%g", json_number_value(v));
	else
		snprintf(buf, len, "-");
}

static void parse_alert(struct top_alert *a, const json_t *o)
{
	const json_t *labels = json_object_get(o, "labels");
	const char *key, *sev;
	json_t *v;
	size_t used = 0;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s",
		 json_object_get(o, "alertname") ? str_of(o, "alertname")
						 : str_of(labels, "alertname"));
	sev = json_object_get(o, "severity") ? str_of(o, "severity") : str_of(labels, "severity");
	a->tier = tier_from_name(sev);
	json_object_foreach((json_t *)labels, key, v)
	{
		char val[64];

		alert_text(v, val, sizeof(val));
		if (!strcmp(key, "pid"))
			a->pid = (uint32_t)strtoul(val, NULL, 10);
		else if (!strcmp(key, "comm"))
			snprintf(a->comm, sizeof(a->comm), "%.*s", PROC_COMM_LEN - 1, val);
		if (!strcmp(key, "alertname") || !strcmp(key, "severity"))
			continue;
		if (used < sizeof(a->labels))
			used += (size_t)snprintf(a->labels + used, sizeof(a->labels) - used,
						 "%s%s=%s", used ? " " : "", key, val);
	}
	alert_text(json_object_get(o, "value"), a->value, sizeof(a->value));
	alert_text(json_object_get(o, "threshold"), a->threshold, sizeof(a->threshold));
	snprintf(a->starts_at, sizeof(a->starts_at), "%s", str_of(o, "startsAt"));
}

int top_alerts_from_json(const json_t *firing, struct top_alerts *alerts)
{
	size_t i, n = json_array_size(firing);
	json_t *o;

	alerts->items = NULL;
	alerts->n = 0;
	if (!n)
		return 0;
	alerts->items = calloc(n, sizeof(*alerts->items));
	if (!alerts->items)
		return -ENOMEM;
	json_array_foreach(firing, i, o)
	{
		parse_alert(&alerts->items[alerts->n++], o);
	}
	return 0;
}

void top_alerts_free(struct top_alerts *alerts)
{
	free(alerts->items);
	alerts->items = NULL;
	alerts->n = 0;
}
