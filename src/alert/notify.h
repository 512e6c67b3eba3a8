/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What is sent for an alert notification: the Alertmanager webhook v4 body
 * for webhooks, the POST /api/v2/alerts body for an Alertmanager, delivery
 * ids and HMAC-SHA256 signatures. Pure functions; delivery is deliver.h.
 */
#ifndef HIVEMON_NOTIFY_H
#define HIVEMON_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "alert/alert.h"

#define NOTIFY_UUID_LEN	     37 /* 36 characters and the NUL */
#define NOTIFY_SIGNATURE_LEN 96 /* "t=<unix>,v1=<64 hex>" and the NUL */

/* The webhook v4 document for @notice sent to receiver @receiver (new reference). */
json_t *notify_webhook_payload(const struct alert_notice *notice, const char *receiver);
/*
 * The Alertmanager v2 alerts for @notice (new reference, an array): the
 * alert at its tier, plus the previous tier's alert ended when the tier
 * changed (Alertmanager tells alerts apart by labels, severity included).
 */
json_t *notify_alertmanager_payload(const struct alert_notice *notice);
/*
 * The notice that re-sends a firing alert of alert_engine_firing_json()
 * (an ALERT_REPEAT of its rule in @cfg); false when it cannot be rebuilt.
 * @n->labels is a borrowed reference into @firing.
 */
bool notify_refresh_notice(const struct config *cfg, const json_t *firing, struct alert_notice *n,
			   uint64_t now_ns);

/* "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>" into @out; 0 or -1. */
int notify_signature(const char *secret, long long t, const char *body, size_t body_len,
		     char out[NOTIFY_SIGNATURE_LEN]);
/* A random (version 4) UUID; 0 or -1. */
int notify_uuid(char out[NOTIFY_UUID_LEN]);

#endif
