/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rolling windows of 1 s, 10 s and 1 min over the interval snapshots, for
 * alert rules. The 10 s window merges the last intervals; the 1 min window
 * merges 10 s blocks (so it covers the last 50 to 60 s) to keep memory and
 * merge work bounded. Windows are merged lazily, once per interval.
 */
#ifndef HIVEMON_WINDOW_H
#define HIVEMON_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

enum window_span {
	WINDOW_1S,
	WINDOW_10S,
	WINDOW_1M,
	WINDOW_SPANS,
};

/*
 * What the rules read, so the windows keep only that: intervals older than
 * the latest are trimmed to these data kinds and processes (the latest is
 * kept whole for the consumers of the interval).
 */
enum window_data {
	WDATA_SYSCALL = 1 << 0,
	WDATA_TCP = 1 << 1,
	WDATA_SCHED = 1 << 2,
	WDATA_ALLOC = 1 << 3,
	WDATA_APP = 1 << 4, /* application-protocol rows */
};

struct window_needs {
	unsigned int spans; /* bit per enum window_span */
	unsigned int data;  /* WDATA_* */
	/* Processes the rules can match: all, or those whose comm matches one
	 * of these globs. */
	bool all_procs;
	char **comms;
	size_t n_comms;
};

struct windows;

/* Copies @needs. */
struct windows *windows_new(uint64_t interval_ns, const struct window_needs *needs);
void windows_free(struct windows *w);
/* Whether @w was made for @interval_ns and @needs (else make a new one). */
bool windows_same_needs(const struct windows *w, uint64_t interval_ns,
			const struct window_needs *needs);
/* Takes over @snap (left initialised and empty); 0 or -ENOMEM. */
int windows_push(struct windows *w, struct snapshot *snap);
/* The latest interval; NULL before the first push. */
const struct snapshot *windows_latest(const struct windows *w);
/* The merged window; valid until the next push; NULL before the first push. */
const struct snapshot *windows_get(struct windows *w, enum window_span span);
/* The span of a rule: its `window`, else 10 s (1 min when `for` >= 1 min). */
enum window_span window_span_for(uint64_t window_ns, uint64_t for_ns);
uint64_t window_span_ns(enum window_span span);

#endif
