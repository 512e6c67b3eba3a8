/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector owns the probe modules and their ring buffers and turns what
 * they measured since the previous call into one snapshot per interval.
 */
#ifndef HIVEMON_COLLECTOR_H
#define HIVEMON_COLLECTOR_H

#include "probe.h"
#include "snapshot.h"

struct collector;

/* Loads and attaches every module in opts->probes; NULL with a one-line
 * "hivemon: ..." message printed on failure. */
struct collector *collector_open(const struct probe_opts *opts);
/* Waits up to @timeout_ms for ring buffer events (slow calls), handling them;
 * returns early (>= 0) when interrupted by a signal. */
int collector_poll(struct collector *c, int timeout_ms);
/* Fills @snap (initialised by the caller) with the deltas since the
 * previous collect (or open), resolves comm/cgroup, and starts a new window. */
int collector_collect(struct collector *c, struct snapshot *snap);
void collector_close(struct collector *c);

#endif
