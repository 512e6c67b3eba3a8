// SPDX-License-Identifier: GPL-2.0
/* Deltas of cumulative kernel counters, guarded against evicted records. */
#include "kernel/counters.h"

static bool restarted(const uint64_t *now, const uint64_t *seen, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (now[i] < seen[i])
			return true;
	return false;
}

/* Adds the held counts' growth to @d, carrying a drop to later windows. */
static uint64_t with_held(uint64_t d, uint64_t held, uint64_t *held_seen)
{
	if (d + held >= *held_seen) {
		d += held - *held_seen;
		*held_seen = held;
		return d;
	}
	*held_seen -= d;
	return 0;
}

bool counters_delta(const uint64_t *now, uint64_t *seen, const uint64_t *held, uint64_t *held_seen,
		    uint64_t *delta, size_t n)
{
	bool restart = restarted(now, seen, n);

	for (size_t i = 0; i < n; i++) {
		delta[i] = restart ? now[i] : now[i] - seen[i];
		seen[i] = now[i];
		if (!held)
			continue;
		/* Reported held calls no longer held went into the evicted
		 * record: lost with it, not owed by the new one. */
		if (restart && held_seen[i] > held[i])
			held_seen[i] = held[i];
		delta[i] = with_held(delta[i], held[i], &held_seen[i]);
	}
	return restart;
}
