/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which busy processes have only some of their TCP connections followed,
 * and how many: 1 in 2^shift, decided at each collect from the exchanges the
 * process made and the connections they were spread over, and written to
 * the tcp programs' tcp_sampling slots (bpf/hivemon.h).
 *
 * Following a connection costs a socket-state lookup per send and receive,
 * a cache miss on a server with many connections, and the protocol
 * parsers' reads of each message: ~1 us per exchange at each end. A process
 * making a few thousand exchanges a second pays that unnoticed; one making
 * 80,000 pays 8 % of a core. So past TCP_FOLLOW_BUDGET exchanges a second
 * (~0.25 % of a core), over at least TCP_SAMPLE_MIN_BUSY busy connections,
 * a process's connections are followed 1 in 2, 4, ... (hashed per
 * connection, the exchanges seen weighted by the ratio), keeping enough
 * connections followed for the estimate to hold. 2500 exchanges a second
 * still time a p99 on 25 of them each second, 250 in a 10 s interval.
 */
#ifndef HIVEMON_TCP_SAMPLER_H
#define HIVEMON_TCP_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>

#include "util/u64map.h"

#define TCP_FOLLOW_BUDGET   2500.0 /* exchanges per second a process has followed */
#define TCP_SAMPLE_MIN_BUSY 64.0   /* busy connections before any sampling */
#define TCP_SAMPLE_MIN_KEPT 24.0   /* busy connections still followed at worst */

struct tcp_sampler {
	int map_fd;    /* the tcp_sampling array; -1: every connection followed */
	int events_fd; /* tcp_sample_events, per CPU */
	int ncpus;
	struct tcp_sample_events *per_cpu; /* one slot's values, as read */
	struct u64map procs;		   /* tgid -> struct sampled_proc (tcp_sampler.c) */
	uint32_t *slot_owner;		   /* tgid holding each slot, 0: free */
};

/* @map_fd < 0: sampling off (--exact, --tcp-sample). 0 or -ENOMEM. */
int tcp_sampler_init(struct tcp_sampler *s, int map_fd, int events_fd, int ncpus);
void tcp_sampler_free(struct tcp_sampler *s);

/* @n events of TCP_KIND_* @kind by @tgid in the window being collected. */
int tcp_sampler_note(struct tcp_sampler *s, uint32_t tgid, uint32_t kind, uint64_t n);

/*
 * The window tcp_sampler_decide() ended, for @tgid: the shift in force
 * during it (0: every connection followed), and by how much the rows it
 * recorded, already weighted by 2^shift, are to be multiplied so that they
 * count all its exchanges: its data events over those seen, over 2^shift.
 */
unsigned int tcp_sampler_window(const struct tcp_sampler *s, uint32_t tgid, double *scale);

/*
 * Ends the window of @interval_ns: what was seen of each process
 * (tcp_sampler_window()), and its next shift, written to
 * the kernel when it changed. @hold_off: every process back to all its
 * connections (connection steering counts requests in flight on all of
 * them). 0 or a negative errno.
 */
int tcp_sampler_decide(struct tcp_sampler *s, uint64_t interval_ns, bool hold_off);

/*
 * The policy: the next shift for a process at @cur that made @rate
 * exchanges a second over about @busy busy connections. Up at once, down
 * one step at a time and only with room under the budget, so that a load
 * at the edge does not flap (each change drops the exchanges in flight on
 * the connections followed).
 */
unsigned int tcp_sample_shift_for(unsigned int cur, double rate, double busy);

#endif
