// SPDX-License-Identifier: GPL-2.0
/* Connection-pool size recommendations from request rate and latency. */
#include <math.h>

#include "core/pool.h"

/* Spare connections for bursts above the measured tail. */
#define POOL_HEADROOM 1.25

void pool_advise(const struct tcp_request_stat *r, uint64_t window_ns, unsigned int min_size,
		 unsigned int max_size, struct pool_advice *out)
{
	double window_s = window_ns / 1e9, size;

	out->rate = window_s > 0 ? r->count / window_s : 0;
	out->mean_inflight = out->rate * hist_mean(&r->lat) / 1e9;
	out->tail_inflight = out->rate * hist_quantile(&r->lat, 0.99) / 1e9;
	size = ceil(out->tail_inflight * POOL_HEADROOM);
	if (size < min_size)
		size = min_size;
	if (size > max_size)
		size = max_size;
	out->size = (unsigned int)size;
}
