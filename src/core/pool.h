/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection-pool sizing from measured request concurrency (Little's law):
 * a client that sends r requests/s to an endpoint whose responses take W
 * seconds keeps r*W requests in flight; sizing for the tail (W = p99) with
 * some headroom gives a pool that rarely makes a request wait for a
 * connection, clamped to the configured bounds.
 */
#ifndef HIVEMON_POOL_H
#define HIVEMON_POOL_H

#include <stdint.h>

#include "core/snapshot.h"

#define POOL_MIN_DEFAULT 5
#define POOL_MAX_DEFAULT 50

struct pool_advice {
	double rate;	      /* requests per second */
	double mean_inflight; /* rate * mean latency */
	double tail_inflight; /* rate * p99 latency */
	unsigned int size;    /* recommended pool size */
};

/* Advice for the client row @r measured over @window_ns. */
void pool_advise(const struct tcp_request_stat *r, uint64_t window_ns, unsigned int min_size,
		 unsigned int max_size, struct pool_advice *out);

#endif
