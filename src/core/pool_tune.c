// SPDX-License-Identifier: GPL-2.0
/* Pool verdicts and sizes: Little's law on the tail, a Vegas queue check,
 * bounded steps while pinned, hysteresis. */
#include <math.h>
#include <stdio.h>

#include "core/pool_tune.h"

const char *pool_verdict_name(enum pool_verdict v)
{
	static const char *const names[] = {
		[POOL_OK] = "ok",
		[POOL_UNDERSIZED] = "undersized",
		[POOL_OVERSIZED] = "oversized",
		[POOL_NO_POOLING] = "no-pooling",
	};

	return v <= POOL_NO_POOLING ? names[v] : "?";
}

double pool_verdict_value(enum pool_verdict v)
{
	return (double)v;
}

static unsigned int clamp(double size, const struct pool_bounds *b)
{
	if (size < b->min)
		return b->min;
	if (size > b->max)
		return b->max;
	return (unsigned int)size;
}

/* Requests queued at the server, Vegas style: the no-load time is the
 * lowest median of this pool's windows so far. */
static double vegas_queue(const struct pool_measure *m, struct pool_tune_state *s)
{
	double rtt = (double)m->p50_ns;

	if (m->p50_ns && (!s->rtt_noload_ns || m->p50_ns < s->rtt_noload_ns))
		s->rtt_noload_ns = m->p50_ns;
	if (!s->rtt_noload_ns || rtt <= s->rtt_noload_ns)
		return 0;
	return m->busy_mean * (1 - s->rtt_noload_ns / rtt);
}

static bool is_pinned(const struct pool_measure *m)
{
	return m->open_known && m->open && m->busy_mean >= POOL_PINNED_RATIO * m->open;
}

static bool no_pooling(const struct pool_measure *m)
{
	return m->connects_per_s >= 1 && m->connects_per_s * m->window_s >= POOL_MIN_CONNECTS &&
	       m->rate > 0 && m->rate < POOL_REQS_PER_CONNECT * m->connects_per_s;
}

/* The step up from a pinned pool of @open connections. */
static double step_up(unsigned int open)
{
	double up = ceil(open * POOL_STEP);

	return up < open + POOL_STEP_MIN ? open + POOL_STEP_MIN : up;
}

/* Keeps the previous size when @size is within the hysteresis band. */
static unsigned int settle(unsigned int size, const struct pool_tune_state *s)
{
	double band;

	if (!s->size)
		return size;
	band = fmax(2, POOL_HYSTERESIS * s->size);
	return fabs((double)size - s->size) < band ? s->size : size;
}

static void decide_pinned(const struct pool_measure *m, const struct pool_bounds *b,
			  struct pool_decision *d)
{
	d->verdict = POOL_UNDERSIZED;
	if (d->vegas_queue > POOL_VEGAS_BETA) {
		d->recommended = clamp(fmax(m->open, d->little), b);
		snprintf(d->why, sizeof(d->why),
			 "pinned (busy %.1f of %u open) but the server queues %.1f requests: "
			 "more connections would wait there",
			 m->busy_mean, m->open, d->vegas_queue);
		return;
	}
	d->stepped = true;
	d->recommended = clamp(fmax(step_up(m->open), ceil(d->little)), b);
	snprintf(d->why, sizeof(d->why),
		 "pinned: busy %.1f of %u open, requests wait in the client; step up x%.1f "
		 "(at least +%d) and measure again",
		 m->busy_mean, m->open, POOL_STEP, POOL_STEP_MIN);
}

void pool_tune_decide(const struct pool_measure *m, const struct pool_bounds *b,
		      struct pool_tune_state *state, struct pool_decision *d)
{
	*d = (struct pool_decision){.verdict = POOL_OK};
	d->little = m->rate * m->p95_ns / 1e9 * POOL_HEADROOM;
	d->vegas_queue = vegas_queue(m, state);
	d->pinned = is_pinned(m);
	if (no_pooling(m)) {
		d->verdict = POOL_NO_POOLING;
		d->recommended = clamp(ceil(d->little), b);
		snprintf(d->why, sizeof(d->why),
			 "%.1f connects/s for %.1f requests/s: a new connection per request; "
			 "keep a pool of %u open",
			 m->connects_per_s, m->rate, d->recommended);
	} else if (d->pinned) {
		decide_pinned(m, b, d);
	} else {
		d->recommended = settle(clamp(ceil(d->little), b), state);
		/* Never saturated in the window: no request waited for a
		 * connection, so a longer tail alone does not grow the pool. */
		if (m->open_known && d->recommended > m->open &&
		    m->busy_peak <= m->open - POOL_SPARE)
			d->recommended = m->open > b->min ? m->open : b->min;
		if (m->open_known && m->busy_peak < POOL_OVERSIZED_RATIO * m->open &&
		    d->recommended < m->open)
			d->verdict = POOL_OVERSIZED;
		snprintf(d->why, sizeof(d->why),
			 "%.1f req/s x p95 %.1f ms x %.2f headroom = %.1f connections; busy "
			 "peak %.1f of %u open",
			 m->rate, m->p95_ns / 1e6, POOL_HEADROOM, d->little, m->busy_peak, m->open);
	}
	state->size = d->recommended;
}

bool pool_tune_cap(unsigned int *sizes, size_t n, unsigned int budget)
{
	unsigned long sum = 0, total = 0;

	for (size_t i = 0; i < n; i++)
		sum += sizes[i];
	if (sum <= budget)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned int s = (unsigned int)((unsigned long)sizes[i] * budget / sum);

		sizes[i] = s ? s : 1;
		total += sizes[i];
	}
	/* Pools of one connection each may still exceed a tiny budget. */
	for (size_t i = 0; i < n && total > budget; i++)
		if (sizes[i] > 1) {
			sizes[i]--;
			total--;
		}
	return true;
}

void pool_measure_text(const struct pool_measure *m, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%u open (%u-%u), busy %.1f mean %.1f peak, %.1f req/s, p95 %.1f ms, "
		 "%.2f connects/s",
		 m->open, m->open_min, m->open_max, m->busy_mean, m->busy_peak, m->rate,
		 m->p95_ns / 1e6, m->connects_per_s);
}
