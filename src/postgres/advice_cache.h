/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Index advice for the daemon's findings, every interval, without stalling
 * it: advice (or "none") is cached per statement fingerprint for
 * ADVICE_CACHE_TTL_NS, statements not in the cache are EXPLAINed in at most
 * one round per call (one connection, at most ADVICE_ROUND_MAX statements),
 * and after the database could not be reached no round is tried for
 * ADVICE_RETRY_NS, so a dead server costs one connect timeout a minute. One
 * log line per failure episode, one when it is reachable again.
 */
#ifndef HIVEMON_POSTGRES_ADVICE_CACHE_H
#define HIVEMON_POSTGRES_ADVICE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"
#include "postgres/explain.h"

#define ADVICE_CACHE_TTL_NS (600ULL * 1000000000ULL)
#define ADVICE_RETRY_NS	    (60ULL * 1000000000ULL)
#define ADVICE_ROUND_MAX    3
#define ADVICE_CACHE_MAX    256

/* Where plans come from: the database (advice_cache_new), or a test's. */
struct advice_source {
	/* A connection; NULL with a one-line reason in @err. */
	void *(*open)(void *ctx, char *err, size_t errlen);
	/* 1 advice in @adv, 0 none, -1 this statement failed, -2 connection lost. */
	int (*explain)(void *conn, const char *sql, struct index_advice *adv);
	void (*close)(void *conn);
	void *ctx;
};

struct advice_cache;

/* Advice from @conninfo's database (copied); NULL on ENOMEM. */
struct advice_cache *advice_cache_new(const char *conninfo);
struct advice_cache *advice_cache_new_source(const struct advice_source *src);
void advice_cache_free(struct advice_cache *c);

/*
 * Appends index advice to the slow-query findings of @found (the first of
 * a finding's statements that has some), from the cache or from one round
 * of EXPLAINs; @now_ns is CLOCK_MONOTONIC. Returns the statements
 * EXPLAINed, or -1 when the database could not be reached this call.
 */
int advice_cache_apply(struct advice_cache *c, struct findings *found, uint64_t now_ns);

#endif
