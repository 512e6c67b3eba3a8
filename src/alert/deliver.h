/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lossless delivery of alert notifications: one thread per target (webhook
 * or Alertmanager), each with its own queue, so a slow or dead receiver
 * holds up neither the others nor the measurement loop. A notification is
 * spooled (fsync'd) before it is queued; network errors, 5xx and 429 are
 * retried with capped exponential backoff and jitter, other 4xx go to the
 * dead letters. Whatever was spooled is sent again after a restart.
 * Memory holds at most DELIVER_QUEUE_MAX notifications per target; the
 * rest wait in the spool and are read back, in order, as room frees up.
 */
#ifndef HIVEMON_DELIVER_H
#define HIVEMON_DELIVER_H

#include <jansson.h>

#include "alert/alert.h"
#include "cmd/config.h"

struct notifier;

/* Notifications of one target held in memory; the spool holds the rest. */
#define DELIVER_QUEUE_MAX 256

/* Backoff of retries: base * 2^attempt, capped, with jitter. */
struct backoff_policy {
	uint64_t base_ns;
	uint64_t cap_ns;
};

/*
 * Starts a thread per target of @cfg (the notifier copies what it needs)
 * and queues what the spool of each target holds from a previous run.
 * curl_global_init() must have been called. NULL on failure (logged).
 */
struct notifier *notifier_open(const struct config *cfg, const struct backoff_policy *policy);
/* Spools @notice for every target of its rule and wakes their threads. */
int notifier_submit(struct notifier *n, const struct alert_notice *notice);
/* Whether an Alertmanager target is due for a refresh at @now_mono_ns. */
bool notifier_refresh_due(const struct notifier *n, uint64_t now_mono_ns);
/* Re-sends the @firing alerts (alert_engine_firing_json()) of @cfg's rules
 * to the Alertmanager targets due (`refresh`), so Alertmanager does not
 * time them out. Not spooled: the next refresh carries the same news. */
void notifier_refresh_alertmanagers(struct notifier *n, const struct config *cfg,
				    const json_t *firing, uint64_t now_mono_ns);
/* Stops the threads promptly (an in-flight request is aborted); what was not
 * delivered stays in the spool. */
void notifier_close(struct notifier *n);

/* Delay before retry number @attempt (1-based) under @policy, with @random in [0,1). */
uint64_t backoff_delay_ns(const struct backoff_policy *policy, unsigned int attempt, double random);

#endif
