// SPDX-License-Identifier: GPL-2.0
/* Notification bodies (webhook v4, Alertmanager v2), delivery ids and signatures. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/notify.h"
#include "util/units.h"
#include "util/rfc3339.h"

#define ZERO_TIME "0001-01-01T00:00:00Z"

static const char *json_label(const json_t *labels, const char *name)
{
	const char *v = json_string_value(json_object_get(labels, name));

	return v ? v : "";
}

/* "api[1234] syscall=read" from the series labels. */
static void describe_series(const json_t *labels, char *buf, size_t len)
{
	static const char *const extra[] = {"syscall", "role", "endpoint"};
	size_t at;

	at = (size_t)snprintf(buf, len, "%s[%s]", json_label(labels, "comm"),
			      json_label(labels, "pid"));
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]) && at < len; i++)
		if (json_object_get(labels, extra[i]))
			at += (size_t)snprintf(buf + at, len - at, " %s=%s", extra[i],
					       json_label(labels, extra[i]));
}

static json_t *annotations(const struct alert_notice *n)
{
	enum metric_unit unit = metric_unit(&n->rule->metric);
	char value[32], threshold[32], series[256], summary[512], ahead[32];

	metric_format(unit, n->value, value, sizeof(value));
	metric_format(unit, n->threshold, threshold, sizeof(threshold));
	describe_series(n->labels, series, sizeof(series));
	if (n->change == ALERT_ACTION)
		snprintf(summary, sizeof(summary), "%s: %s", n->rule->name, n->text ? n->text : "");
	else if (n->change == ALERT_RESOLVED && n->gone)
		snprintf(summary, sizeof(summary),
			 "%s resolved: no more %s data for %s (exited or idle; last %s)",
			 n->rule->name, n->rule->metric_name, series, value);
	else if (n->change == ALERT_RESOLVED)
		snprintf(summary, sizeof(summary), "%s resolved: %s %s on %s (%s was %s)",
			 n->rule->name, n->rule->metric_name, value, series,
			 severity_name(n->severity), threshold);
	else if (n->rule->predict_ns)
		snprintf(summary, sizeof(summary), "%s %s: %s predicted %s in %s >= %s on %s",
			 n->rule->name, severity_name(n->severity), n->rule->metric_name, value,
			 units_ns((double)n->rule->predict_ns, UNITS_METRIC, ahead, sizeof(ahead)),
			 threshold, series);
	else
		snprintf(summary, sizeof(summary), "%s %s: %s %s >= %s on %s", n->rule->name,
			 severity_name(n->severity), n->rule->metric_name, value, threshold,
			 series);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "summary",
			 n->rule->summary ? n->rule->summary : summary, "description", summary,
			 "value", value, "threshold", threshold, "metric", n->rule->metric_name,
			 "transition", n->transition ? n->transition : alert_change_name(n->change),
			 "previous_severity", severity_name(n->previous));
}

static json_t *webhook_alert(const struct alert_notice *n)
{
	bool resolved = n->change == ALERT_RESOLVED;
	char starts[40], ends[40];

	rfc3339_format(n->starts_at_ns, RFC3339_MILLIS, starts, sizeof(starts));
	if (resolved)
		rfc3339_format(n->at_ns, RFC3339_MILLIS, ends, sizeof(ends));
	else
		snprintf(ends, sizeof(ends), "%s", ZERO_TIME);
	return json_pack("{s:s, s:O, s:o, s:s, s:s, s:s, s:s}", "status",
			 resolved ? "resolved" : "firing", "labels", n->labels, "annotations",
			 annotations(n), "startsAt", starts, "endsAt", ends, "generatorURL", "",
			 "fingerprint", n->fingerprint);
}

json_t *notify_webhook_payload(const struct alert_notice *n, const char *receiver)
{
	bool resolved = n->change == ALERT_RESOLVED;
	json_t *alert = webhook_alert(n), *group;
	char group_key[300];

	if (!alert)
		return NULL;
	snprintf(group_key, sizeof(group_key), "{}:{alertname=\"%s\"}", n->rule->name);
	group = json_pack("{s:s}", "alertname", n->rule->name);
	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:O, s:O, s:s, s:[o]}", "version", "4",
			 "groupKey", group_key, "truncatedAlerts", 0, "status",
			 resolved ? "resolved" : "firing", "receiver", receiver, "groupLabels",
			 group, "commonLabels", n->labels, "commonAnnotations",
			 json_object_get(alert, "annotations"), "externalURL", "", "alerts", alert);
}

/* One Alertmanager alert; @ends_ns 0 leaves the end to Alertmanager. */
static json_t *am_alert(json_t *labels, json_t *annotations, uint64_t starts_ns, uint64_t ends_ns)
{
	char starts[40], ends[40];
	json_t *alert = json_pack("{s:O, s:O, s:s, s:s}", "labels", labels, "annotations",
				  annotations, "startsAt",
				  rfc3339_format(starts_ns, RFC3339_MILLIS, starts, sizeof(starts)),
				  "generatorURL", "");

	if (alert && ends_ns)
		json_object_set_new(
			alert, "endsAt",
			json_string(rfc3339_format(ends_ns, RFC3339_MILLIS, ends, sizeof(ends))));
	return alert;
}

json_t *notify_alertmanager_payload(const struct alert_notice *n)
{
	json_t *list = json_array(), *notes = annotations(n);
	bool resolved = n->change == ALERT_RESOLVED;
	bool tier_changed = n->change == ALERT_ESCALATED || n->change == ALERT_DEESCALATED;

	json_array_append_new(list,
			      am_alert(n->labels, notes, n->starts_at_ns, resolved ? n->at_ns : 0));
	if (tier_changed) {
		json_t *old = json_deep_copy(n->labels);

		json_object_set_new(old, "severity", json_string(severity_name(n->previous)));
		json_array_append_new(list, am_alert(old, notes, n->starts_at_ns, n->at_ns));
		json_decref(old);
	}
	json_decref(notes);
	return list;
}

bool notify_refresh_notice(const struct config *cfg, const json_t *firing, struct alert_notice *n,
			   uint64_t now_ns)
{
	const char *rule = json_string_value(json_object_get(firing, "alertname"));
	const char *sev = json_string_value(json_object_get(firing, "severity"));

	memset(n, 0, sizeof(*n));
	for (size_t i = 0; rule && i < cfg->n_alerts; i++)
		if (!strcmp(cfg->alerts[i].name, rule))
			n->rule = &cfg->alerts[i];
	for (int s = SEV_INFO; sev && s <= SEV_EMERGENCY; s++)
		if (!strcmp(sev, severity_name((enum severity)s)))
			n->severity = n->previous = (enum severity)s;
	n->labels = json_object_get(firing, "labels");
	n->fingerprint = "";
	n->change = ALERT_REPEAT;
	n->value = json_number_value(json_object_get(firing, "value"));
	n->threshold = json_number_value(json_object_get(firing, "threshold"));
	n->starts_at_ns = rfc3339_parse(json_string_value(json_object_get(firing, "startsAt")));
	n->at_ns = now_ns;
	return n->rule && n->severity && json_is_object(n->labels) && n->starts_at_ns;
}

int notify_signature(const char *secret, long long t, const char *body, size_t body_len,
		     char out[NOTIFY_SIGNATURE_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	char prefix[32];
	size_t prefix_len, at;
	unsigned char *msg;

	prefix_len = (size_t)snprintf(prefix, sizeof(prefix), "%lld.", t);
	msg = malloc(prefix_len + body_len);
	if (!msg)
		return -1;
	memcpy(msg, prefix, prefix_len);
	memcpy(msg + prefix_len, body, body_len);
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, prefix_len + body_len, mac,
		  &mac_len)) {
		free(msg);
		return -1;
	}
	free(msg);
	at = (size_t)snprintf(out, NOTIFY_SIGNATURE_LEN, "t=%lld,v1=", t);
	for (unsigned int i = 0; i < mac_len && at + 3 <= NOTIFY_SIGNATURE_LEN; i++)
		at += (size_t)snprintf(out + at, NOTIFY_SIGNATURE_LEN - at, "%02x", mac[i]);
	return 0;
}

int notify_uuid(char out[NOTIFY_UUID_LEN])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, NOTIFY_UUID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return 0;
}
