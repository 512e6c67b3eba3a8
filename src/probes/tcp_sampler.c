// SPDX-License-Identifier: GPL-2.0
/* Decides which busy processes have 1 in 2^shift TCP connections followed. */
#include <errno.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "bpf/hivemon.h"
#include "kernel/bpfmap.h"
#include "probes/tcp_sampler.h"
#include "util/log.h"

/* A process seen making exchanges, or holding a slot. */
struct sampled_proc {
	uint64_t exchanges;		 /* this window, weighted */
	uint64_t rtt_samples;		 /* this window, one per busy connection per 100 ms */
	struct tcp_sample_events events; /* its slot's, as last read */
	double window_scale;		 /* of the window last ended */
	uint8_t window_shift;
	uint8_t shift; /* in force */
	uint8_t gen;   /* as written to its slot */
	bool has_slot;
};

_Static_assert((TCP_SAMPLING_SLOTS & (TCP_SAMPLING_SLOTS - 1)) == 0,
	       "TCP_SAMPLING_SLOTS is not a power of two");

int tcp_sampler_init(struct tcp_sampler *s, int map_fd, int events_fd, int ncpus)
{
	s->map_fd = map_fd;
	s->events_fd = events_fd;
	s->ncpus = ncpus;
	s->slot_owner = NULL;
	s->per_cpu = NULL;
	if (u64map_init(&s->procs, sizeof(struct sampled_proc)))
		return -ENOMEM;
	if (map_fd < 0)
		return 0;
	s->slot_owner = calloc(TCP_SAMPLING_SLOTS, sizeof(*s->slot_owner));
	s->per_cpu = calloc((size_t)ncpus, sizeof(*s->per_cpu));
	if (!s->slot_owner || !s->per_cpu) {
		tcp_sampler_free(s);
		return -ENOMEM;
	}
	return 0;
}

void tcp_sampler_free(struct tcp_sampler *s)
{
	u64map_free(&s->procs);
	free(s->slot_owner);
	free(s->per_cpu);
	s->slot_owner = NULL;
	s->per_cpu = NULL;
}

int tcp_sampler_note(struct tcp_sampler *s, uint32_t tgid, uint32_t kind, uint64_t n)
{
	struct sampled_proc *p;

	if (s->map_fd < 0 ||
	    (kind != TCP_KIND_REQ_SERVER && kind != TCP_KIND_REQ_CLIENT && kind != TCP_KIND_RTT))
		return 0;
	p = u64map_upsert(&s->procs, tgid);
	if (!p)
		return -ENOMEM;
	if (kind == TCP_KIND_RTT)
		p->rtt_samples += n;
	else
		p->exchanges += n;
	return 0;
}

unsigned int tcp_sampler_window(const struct tcp_sampler *s, uint32_t tgid, double *scale)
{
	const struct sampled_proc *p = s->map_fd < 0 ? NULL : u64map_get(&s->procs, tgid);

	*scale = p && p->window_scale > 0 ? p->window_scale : 1.0;
	return p ? p->window_shift : 0;
}

/* The events of @slot so far, summed over the CPUs. */
static int read_events(struct tcp_sampler *s, uint32_t slot, struct tcp_sample_events *sum)
{
	*sum = (struct tcp_sample_events){0};
	if (bpf_map_lookup_elem(s->events_fd, &slot, s->per_cpu))
		return -errno;
	for (int i = 0; i < s->ncpus; i++) {
		sum->all += s->per_cpu[i].all;
		sum->followed += s->per_cpu[i].followed;
	}
	return 0;
}

/*
 * Ends @p's window: the shift it had, and the scale of its rows. Without
 * events seen (a window with no data, or a slot just taken), the weight
 * 2^shift alone stands. 1 when the process moved data on none of the
 * connections followed (too few for its ratio), 0, or a negative errno.
 */
static int end_window(struct tcp_sampler *s, uint32_t tgid, struct sampled_proc *p)
{
	struct tcp_sample_events now;
	uint64_t all, seen;
	int err;

	p->window_shift = p->shift;
	p->window_scale = 1.0;
	if (!p->has_slot)
		return 0;
	err = read_events(s, tgid & (TCP_SAMPLING_SLOTS - 1), &now);
	if (err)
		return err;
	all = now.all - p->events.all;
	seen = now.followed - p->events.followed;
	p->events = now;
	if (p->shift && seen && all >= seen)
		p->window_scale = (double)all / (double)seen / (double)(1u << p->shift);
	return p->shift && all && !seen;
}

unsigned int tcp_sample_shift_for(unsigned int cur, double rate, double busy)
{
	unsigned int want = 0;

	if (busy >= TCP_SAMPLE_MIN_BUSY)
		while (want < TCP_SAMPLE_MAX_SHIFT && rate / (1u << want) > TCP_FOLLOW_BUDGET &&
		       busy / (2u << want) >= TCP_SAMPLE_MIN_KEPT)
			want++;
	if (want >= cur)
		return want;
	if (busy >= TCP_SAMPLE_MIN_BUSY && rate / (1u << (cur - 1)) > TCP_FOLLOW_BUDGET * 0.75)
		return cur;
	return cur - 1;
}

/* Writes @p's ratio to its slot, taking the slot if free. False when
 * another live process holds it: @p stays followed whole. */
static bool write_slot(struct tcp_sampler *s, uint32_t tgid, struct sampled_proc *p,
		       unsigned int shift)
{
	uint32_t slot = tgid & (TCP_SAMPLING_SLOTS - 1);
	struct tcp_sampling val = {.tgid = tgid};

	if (!p->has_slot) {
		uint32_t owner = s->slot_owner[slot];

		if (owner && owner != tgid && proc_alive(owner))
			return false;
		/* What the slot counted so far was another process's. */
		if (read_events(s, slot, &p->events))
			return false;
		s->slot_owner[slot] = tgid;
		p->has_slot = true;
	}
	val.shift = (__u8)shift;
	val.gen = ++p->gen;
	if (bpf_map_update_elem(s->map_fd, &slot, &val, BPF_ANY))
		return false;
	p->shift = (uint8_t)shift;
	return true;
}

/* Frees the slot of @tgid, gone: its sockets are gone with it. */
static void free_slot(struct tcp_sampler *s, uint32_t tgid)
{
	uint32_t slot = tgid & (TCP_SAMPLING_SLOTS - 1);
	struct tcp_sampling val = {0};

	if (s->slot_owner[slot] != tgid)
		return;
	s->slot_owner[slot] = 0;
	bpf_map_update_elem(s->map_fd, &slot, &val, BPF_ANY);
}

/* Forgets the processes of @gone (@n of them), and their slots. */
static void forget(struct tcp_sampler *s, const uint32_t *gone, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free_slot(s, gone[i]);
		u64map_delete(&s->procs, gone[i]);
	}
}

static void forget_counts(struct tcp_sampler *s)
{
	for (size_t i = 0; i < s->procs.cap; i++) {
		struct sampled_proc *p = u64map_at(&s->procs, i);

		if (p)
			p->exchanges = p->rtt_samples = 0;
	}
}

int tcp_sampler_decide(struct tcp_sampler *s, uint64_t interval_ns, bool hold_off)
{
	double secs = (double)interval_ns / 1e9;
	uint32_t *gone;
	size_t n_gone = 0;
	int err = 0;

	if (s->map_fd < 0 || !s->procs.n)
		return 0;
	/* The start-up drain's window is no measure of a rate, and what it
	 * noted (since the probes attached, load time included) must not
	 * count in the next window's: that one is a quarter second, and
	 * took 200 connections for 570. */
	if (interval_ns < 100000000ULL) {
		forget_counts(s);
		return 0;
	}
	gone = malloc(s->procs.n * sizeof(*gone));
	if (!gone)
		return -ENOMEM;
	for (size_t i = 0; i < s->procs.cap; i++) {
		struct sampled_proc *p = u64map_at(&s->procs, i);
		uint32_t tgid = (uint32_t)s->procs.keys[i];
		double rate, busy;
		unsigned int next;
		int blind;

		if (!p)
			continue;
		if (!p->exchanges && !proc_alive(tgid)) {
			gone[n_gone++] = tgid;
			continue;
		}
		blind = end_window(s, tgid, p);
		if (blind < 0) {
			err = blind;
			break;
		}
		rate = (double)p->exchanges * p->window_scale / secs;
		/* One RTT reading per followed connection per TCP_RTT_SAMPLE_NS
		 * at most: a connection busy all along gives 1. */
		busy = (double)p->rtt_samples * (1u << p->shift) * (TCP_RTT_SAMPLE_NS / 1e9) / secs;
		next = hold_off ? 0 : tcp_sample_shift_for(p->shift, rate, busy);
		/* Too few connections for the ratio: nothing to scale from. */
		if (blind && next >= p->shift)
			next = p->shift - 1;
		p->exchanges = p->rtt_samples = 0;
		if (next == p->shift)
			continue;
		if (!write_slot(s, tgid, p, next)) {
			if (p->shift) {
				err = -errno;
				break;
			}
			continue;
		}
		if (next)
			hlog(LOG_INFO,
			     "tcp: process %u: 1 in %u connections followed (%.0f exchanges/s, "
			     "~%.0f busy connections)",
			     tgid, 1u << next, rate, busy);
		else
			hlog(LOG_INFO, "tcp: process %u: every connection followed again", tgid);
	}
	forget(s, gone, n_gone);
	free(gone);
	return err;
}
