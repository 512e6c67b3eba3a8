/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: probes. One module per BPF domain and the collector that owns them;
 * this header is the layer's public face (probe_opts in, snapshots out) and
 * includes no BPF header, so every other layer can use it.
 *
 * The collector owns the probe modules and turns what they measured since
 * the previous call into one snapshot per interval. Modules are listed in
 * collector.c's module table; each is opened only when its PROBE_* bit is
 * asked for.
 */
#ifndef HIVEMON_COLLECTOR_H
#define HIVEMON_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/probe_opts.h"
#include "core/snapshot.h"

struct collector;

/*
 * Loads and attaches every module in opts->probes. A set the kernel refuses
 * is left out with one line "hivemon: <set> probes unavailable: <why>"; the
 * snapshots then carry it in probes_failed. NULL, with its line(s) printed,
 * when no set loaded or the options cannot be honoured.
 */
struct collector *collector_open(const struct probe_opts *opts);
/* The PROBE_* bits that loaded. */
unsigned int collector_probes(const struct collector *c);
/* Fills @snap (initialised by the caller) with the deltas since the
 * previous collect (or open), resolves comm/cgroup, and starts a new window. */
int collector_collect(struct collector *c, struct snapshot *snap);
/* Collects the interval since the last collect and adds it to @total: how
 * a long window is gathered, draining at least every COLLECTOR_DRAIN_NS so
 * ring buffers never fill. 0 or a negative errno. */
int collector_collect_into(struct collector *c, struct snapshot *total);
#define COLLECTOR_DRAIN_NS 1000000000ULL
/*
 * How long after the last collect the next drain is due: COLLECTOR_DRAIN_NS,
 * but the first window after open is COLLECTOR_FIRST_DRAIN_NS. The tcp
 * probe decides at a collect which busy processes have only some of their
 * connections followed, and until then follows all of them at full price:
 * a 5 s report on a busy server paid that for its first fifth.
 */
uint64_t collector_drain_step(const struct collector *c);
#define COLLECTOR_FIRST_DRAIN_NS 250000000ULL
void collector_close(struct collector *c);

/* A member of a SO_REUSEPORT group: its pid and a duplicate (owned by the
 * caller) of its listening socket. */
#define COLLECTOR_STEER_MAX 64
struct steer_member {
	uint32_t pid;
	int listen_fd;
};

/*
 * Steers the group's new connections to the member with fewer requests in
 * flight of two chosen at random (the tcp probe counts them). One group at
 * a time; 0, -ENOTSUP without the tcp probe, -EBUSY when a group is
 * steered already, or another negative errno with nothing attached.
 */
int collector_steer_start(struct collector *c, const struct steer_member *m, size_t n);
/* Back to the kernel's hash. */
void collector_steer_stop(struct collector *c);

#endif
