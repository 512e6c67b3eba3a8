/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rolling windows of 1 s, 10 s and 1 min over the interval snapshots, for
 * alert rules. The 10 s window merges the last intervals; the 1 min window
 * merges 10 s blocks (so it covers the last 50 to 60 s) to keep memory and
 * merge work bounded. Windows are merged lazily, once per interval.
 */
#ifndef HIVEMON_WINDOW_H
#define HIVEMON_WINDOW_H

#include <stdint.h>

#include "snapshot.h"

enum window_span {
	WINDOW_1S,
	WINDOW_10S,
	WINDOW_1M,
	WINDOW_SPANS,
};

struct windows;

struct windows *windows_new(uint64_t interval_ns);
void windows_free(struct windows *w);
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
