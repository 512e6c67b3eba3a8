/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The measured effect of an action on a group (a placement applied,
 * steering attached, a scale hook run): what each member did over the
 * windows before it and over the windows after it, side by side. A span
 * accumulates windows: per member its CPU time and window time, and its
 * run-queue and server request latencies as merged histograms, so the
 * percentiles of a span are those of all its samples, not an average of
 * per-window percentiles.
 */
#ifndef HIVEMON_REBALANCE_EFFECT_H
#define HIVEMON_REBALANCE_EFFECT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"
#include "rebalance/group.h"

/* Windows measured after an action before its effect is final. */
#define EFFECT_WINDOWS_AFTER 3

struct effect_member {
	uint32_t pid;
	char comm[PROC_COMM_LEN];
	uint64_t oncpu_ns; /* on a CPU, summed over the windows */
	uint64_t span_ns;  /* windows in which it was a member */
	uint64_t requests; /* server requests answered */
	struct hist runq;  /* run-queue waits */
	struct hist req;   /* server request latencies */
};

struct effect_span {
	struct effect_member *members; /* owned */
	size_t n, cap;
	unsigned int windows;
};

void effect_span_init(struct effect_span *s);
void effect_span_free(struct effect_span *s);
/* Adds one window: the members of @g as measured in @snap (a member with
 * no record in @snap was idle in it). 0 or -ENOMEM. */
int effect_span_add(struct effect_span *s, const struct group_state *g,
		    const struct snapshot *snap);
/* Adds every window of @src to @dst. 0 or -ENOMEM. */
int effect_span_merge(struct effect_span *dst, const struct effect_span *src);

/*
 * {"windows_before", "windows_after", "members": [{"pid", "comm", "before":
 * FIGURES|null, "after": FIGURES|null}], "group": {"before": FIGURES,
 * "after": FIGURES}} where FIGURES is {"cpu_percent", "runq_p99_ns",
 * "requests_per_s", "request_p50_ns", "request_p99_ns"}; the group's
 * cpu_percent is the members' mean, its percentiles are over all members'
 * samples. NULL on ENOMEM.
 */
json_t *effect_to_json(const struct effect_span *before, const struct effect_span *after);

#endif
