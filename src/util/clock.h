/* SPDX-License-Identifier: GPL-2.0 */
/* Clock readings in nanoseconds, the unit of every hivemon timestamp. */
#ifndef HIVEMON_CLOCK_H
#define HIVEMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

#endif
