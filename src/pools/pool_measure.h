/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A window of pools, gathered sub-window by sub-window: each snapshot adds
 * its client exchanges and connects per (client service, endpoint), and
 * the pool's open connections are counted at its end. Busy (connections
 * with an exchange in flight) is exact on average: the sum of exchange
 * times over the window's length (Little's law). Its peak is the highest
 * sub-window mean, so it is only as fine as the sub-windows: a burst
 * shorter than one is averaged out.
 */
#ifndef HIVEMON_POOLS_POOL_MEASURE_H
#define HIVEMON_POOLS_POOL_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/pool_tune.h"
#include "core/snapshot.h"

#define POOL_MAX_PIDS 64

struct pool_obs {
	char client[SERVICE_NAME_LEN]; /* service name, else comm */
	uint64_t client_key;
	struct endpoint endpoint;
	uint32_t pids[POOL_MAX_PIDS];
	size_t n_pids;
	struct hist lat;     /* client exchanges of the window */
	uint64_t sub_sum_ns; /* exchange time of the current sub-window */
	uint64_t connects, connect_errors;
	double busy_peak;
	bool open_known;
	unsigned int open, open_min, open_max;
	double open_sum; /* over sub-windows, for the mean */
	unsigned int open_samples;
};

struct pool_set {
	struct pool_obs *pools;
	size_t n, cap;
	uint64_t window_ns;
	/* Only these endpoints when n_only > 0 (configured pools). */
	const struct endpoint *only;
	size_t n_only;
};

void pool_set_init(struct pool_set *s);
void pool_set_free(struct pool_set *s);
/* Starts a new window (keeps @only). */
void pool_set_reset(struct pool_set *s);
/* Adds one sub-window; counts open connections unless @count_open is
 * false. 0 or -ENOMEM. */
int pool_set_add(struct pool_set *s, const struct snapshot *snap, bool count_open);
/* The window of pool @o as the tuner reads it. */
void pool_obs_measure(const struct pool_obs *o, uint64_t window_ns, struct pool_measure *m);
/* The busiest pool to @ep (most exchanges); NULL when none. */
const struct pool_obs *pool_set_find(const struct pool_set *s, const struct endpoint *ep,
				     const char *client);

#endif
