/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection-pool verdicts and sizes from one window of measurements of a
 * pool (a client service -> one endpoint). Pure: no I/O.
 *
 * - no-pooling: the client opens a connection for (almost) every request:
 *   fewer than POOL_REQS_PER_CONNECT exchanges per connect, over at least
 *   POOL_MIN_CONNECTS connects with requests on them.
 * - undersized: the pool is pinned, busy (connections with an exchange in
 *   flight, time-weighted mean) >= POOL_PINNED_RATIO of the open connections.
 *   Behind a pinned pool the demand is invisible (requests wait inside the
 *   client, not on the wire), so the size steps up by POOL_STEP (at least
 *   +POOL_STEP_MIN) and the pool is measured again; the steps stop when it
 *   is no longer pinned, then Little's law sizes it.
 * - oversized: peak busy below POOL_OVERSIZED_RATIO of the open connections for
 *   the whole window, and the sized pool is smaller than the open one.
 * - ok: the rest.
 * The size: Little's law on the tail, rate x p95 x POOL_HEADROOM, and a
 * Vegas-style second opinion: the queue at the server is estimated as
 * busy x (1 - rtt_noload / rtt), rtt the window's median exchange time and
 * rtt_noload the lowest median of this pool's windows so far (a minimum of
 * single exchanges would be a different, faster kind of request: a health
 * check, a connection set-up); when it exceeds POOL_VEGAS_BETA the server
 * is queueing, and a bigger pool would only move the queue there, so the
 * size does not step up. A pool that is not pinned grows only when its
 * busy peak came within POOL_SPARE of its open connections: when no
 * sub-window saturated it, a longer tail (a slower server) alone does not
 * make it grow. Clamped to [min, max]; a new size within
 * POOL_HYSTERESIS of the previous one keeps the previous one.
 */
#ifndef HIVEMON_CORE_POOL_TUNE_H
#define HIVEMON_CORE_POOL_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_HEADROOM	      1.25
#define POOL_PINNED_RATIO     0.9
#define POOL_OVERSIZED_RATIO  0.5
#define POOL_STEP	      1.5
#define POOL_STEP_MIN	      2
#define POOL_REQS_PER_CONNECT 4.0
#define POOL_MIN_CONNECTS     3
#define POOL_VEGAS_BETA	      6.0
#define POOL_HYSTERESIS	      0.2 /* fraction of the previous size (at least 2) */
#define POOL_SPARE	      1.0 /* busy peak this far below open: never saturated */

enum pool_verdict { POOL_OK, POOL_UNDERSIZED, POOL_OVERSIZED, POOL_NO_POOLING };

/* One window of a pool. Rates per second; counts of connections. */
struct pool_measure {
	double window_s;
	bool open_known;		       /* the socket scan worked */
	unsigned int open, open_min, open_max; /* now, and over the window */
	double busy_mean;		       /* sum of exchange time / window */
	double busy_peak;		       /* highest busy of the sub-windows */
	double rate;			       /* exchanges per second */
	uint64_t p50_ns, p95_ns, p99_ns;
	uint64_t rtt_noload_ns; /* fastest exchanges (min) */
	double connects_per_s;
	uint64_t connect_errors;
	double lifetime_s; /* mean connection lifetime, 0 = unknown */
};

struct pool_bounds {
	unsigned int min, max;
};

/* What the tuner remembers of a pool between windows (hysteresis). */
struct pool_tune_state {
	unsigned int size;	/* last recommendation, 0 = none yet */
	uint64_t rtt_noload_ns; /* lowest median so far (Vegas' baseline) */
};

struct pool_decision {
	enum pool_verdict verdict;
	unsigned int recommended;
	double little;	    /* rate x p95 x headroom, connections */
	double vegas_queue; /* estimated requests queued at the server */
	bool pinned;
	bool stepped; /* size chosen by a step up from a pinned pool */
	bool capped;  /* lowered to fit a server's connection limit */
	char why[256];
};

const char *pool_verdict_name(enum pool_verdict v);
/* Numeric value of a verdict for metrics: ok 0, undersized 1, oversized 2,
 * no-pooling 3. */
double pool_verdict_value(enum pool_verdict v);

/* Verdict and size for @m; updates @state. */
void pool_tune_decide(const struct pool_measure *m, const struct pool_bounds *b,
		      struct pool_tune_state *state, struct pool_decision *out);

/* Scales @sizes (n pools of one server) down so their sum is at most
 * @budget, proportionally, each at least 1; true when it had to. */
bool pool_tune_cap(unsigned int *sizes, size_t n, unsigned int budget);

/* "pool.*" of a decision in a short text: "busy 3.9 of 4 open, ..." */
void pool_measure_text(const struct pool_measure *m, char *buf, size_t len);

#endif
