// SPDX-License-Identifier: GPL-2.0
/*
 * TCP probe module: loads bpf/tcp.bpf.c, tells it the listening ports that
 * existed before it started, and turns its cumulative per-(process, kind,
 * endpoint) counters and histogram buckets into per-interval deltas in the
 * snapshot's tcp section. A key's totals are what the maps hold plus, for
 * the busiest keys, what their hot row holds (bpf/hivemon.h): both only
 * grow, so their sum is cumulative too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/bpfmap.h"
#include "kernel/counters.h"
#include "kernel/dead_tgids.h"
#include "kernel/loader.h"
#include "probes/probe.h"
#include "tcp.skel.h"
#include "probes/hot_rows.h"
#include "probes/tcp_listeners.h"
#include "probes/tcp_sampler.h"
#include "util/u64map.h"
#include "bpf/hist.h"

/* Previous cumulative values, indexed by a 64-bit hash of the kernel key;
 * the key is kept alongside to step past (unlikely) hash collisions. */
struct prev_stat {
	struct tcp_stat_key key;
	struct tcp_stat_val val;
};

struct prev_hist {
	struct tcp_stat_hist_key key;
	uint64_t count;
};

struct tcp_probe_state {
	struct tcp_bpf *skel;
	struct u64map prev_stats; /* hash(tcp_stat_key) -> struct prev_stat */
	struct u64map prev_hists; /* hash(tcp_stat_hist_key) -> struct prev_hist */
	struct u64map now_stats;  /* the same, totals of this collect */
	struct u64map now_hists;
	struct tcp_hot_owner owners[TCP_HOT_ROWS]; /* as read this collect */
	uint32_t n_hot;				   /* hot rows in use */
	struct tcp_hot_row *rows;		   /* one hot row, all CPUs */
	struct dead_tgids dead;	    /* keys of exited processes, deleted after collect */
	struct tcp_sampler sampler; /* busy processes' connections followed */
	uint64_t prev_lost;
	uint64_t prev_misses;  /* runs the kernel skipped (nested on one CPU) */
	int ncpus;	       /* values of the per-CPU maps come one per possible CPU */
	struct snapshot *snap; /* valid during collect only */
	int err;
};

/* The leading counters of struct tcp_stat_val: count, errors, sum_ns. */
#define N_COUNTERS 3
_Static_assert(offsetof(struct tcp_stat_val, sum_ns) == (N_COUNTERS - 1) * sizeof(__u64),
	       "struct tcp_stat_val no longer starts with its counters");

/* Kernel endpoint -> snapshot endpoint; v4-mapped IPv6 becomes IPv4. */
static void to_endpoint(const struct tcp_ep *ep, struct endpoint *out)
{
	static const uint8_t v4_mapped[12] = {[10] = 0xff, [11] = 0xff};

	memset(out, 0, sizeof(*out));
	out->port = ep->port;
	if (ep->family == AF_INET6 && !memcmp(ep->addr, v4_mapped, sizeof(v4_mapped))) {
		out->family = AF_INET;
		memcpy(out->addr, ep->addr + 12, 4);
	} else if (ep->family == AF_INET6) {
		out->family = AF_INET6;
		memcpy(out->addr, ep->addr, 16);
	} else {
		out->family = AF_INET;
		memcpy(out->addr, ep->addr, 4);
	}
}

/* The snapshot record a kernel key adds to: its histogram and its event
 * counters (errors may be NULL). False on ENOMEM or an unknown kind. */
struct stat_ref {
	struct hist *lat;
	uint64_t *count;
	uint64_t *errors;
};

static bool stat_of(struct snapshot *snap, const struct tcp_stat_key *key, struct stat_ref *ref)
{
	struct proc_snapshot *p = snapshot_proc(snap, key->tgid);
	struct tcp_remote_stat *rs = NULL;
	struct tcp_request_stat *rq = NULL;
	struct endpoint ep;

	if (!p)
		return false;
	to_endpoint(&key->ep, &ep);
	memset(ref, 0, sizeof(*ref));
	switch (key->kind) {
	case TCP_KIND_CONNECT:
		rs = proc_tcp_connect(p, &ep);
		break;
	case TCP_KIND_RTT:
		rs = proc_tcp_rtt(p, &ep);
		break;
	case TCP_KIND_REQ_SERVER:
		rq = proc_tcp_request(p, TCP_ROLE_SERVER, &ep, NULL);
		break;
	case TCP_KIND_REQ_CLIENT:
		rq = proc_tcp_request(p, TCP_ROLE_CLIENT, NULL, &ep);
		break;
	case TCP_KIND_RETRANS:
		ref->count = &p->tcp.retransmits;
		return true;
	default:
		return false;
	}
	if (rs) {
		ref->lat = &rs->lat;
		ref->count = &rs->count;
		ref->errors = &rs->errors;
	} else if (rq) {
		ref->lat = &rq->lat;
		ref->count = &rq->count;
	}
	return ref->count != NULL;
}

/* Adds @add (one CPU's, or one source's) to the total @sum. */
static void merge_val(struct tcp_stat_val *sum, const struct tcp_stat_val *add)
{
	sum->count += add->count;
	sum->errors += add->errors;
	sum->sum_ns += add->sum_ns;
	if (add->max_ns > sum->max_ns)
		sum->max_ns = add->max_ns;
	if (add->min_ns && (!sum->min_ns || add->min_ns < sum->min_ns))
		sum->min_ns = add->min_ns;
}

/* Adds the per-CPU values of a tcp_stats entry to the key's total. */
static void sum_stat(const void *k, const void *v, void *ctx)
{
	const struct tcp_stat_val *cpus = v;
	struct tcp_probe_state *tp = ctx;
	struct prev_stat *now = u64map_record(&tp->now_stats, k, sizeof(struct tcp_stat_key));

	if (!now) {
		tp->err = -ENOMEM;
		return;
	}
	for (int i = 0; i < tp->ncpus; i++)
		merge_val(&now->val, &cpus[i]);
}

/* Adds @count to the total of bucket @key. */
static void add_hist(struct tcp_probe_state *tp, const struct tcp_stat_hist_key *key,
		     uint64_t count)
{
	struct prev_hist *now = u64map_record(&tp->now_hists, key, sizeof(*key));

	if (!now)
		tp->err = -ENOMEM;
	else
		now->count += count;
}

static void sum_hist(const void *k, const void *v, void *ctx)
{
	const uint64_t *cpus = v;
	uint64_t count = 0;

	for (int i = 0; i < ((struct tcp_probe_state *)ctx)->ncpus; i++)
		count += cpus[i];
	add_hist(ctx, k, count);
}

/* Adds the rows in use of the hot array to the totals; keeps their owners. */
static int sum_hot_rows(struct tcp_probe_state *tp)
{
	int owners_fd = bpf_map__fd(tp->skel->maps.tcp_hot_owners);
	int rows_fd = bpf_map__fd(tp->skel->maps.tcp_hot_rows);

	for (uint32_t i = 0; i < tp->n_hot; i++) {
		struct tcp_hot_owner *o = &tp->owners[i];
		struct tcp_stat_hist_key hkey;
		struct prev_stat *now;

		if (bpf_map_lookup_elem(owners_fd, &i, o))
			return -errno;
		if (o->state != HOT_READY)
			continue;
		if (bpf_map_lookup_elem(rows_fd, &i, tp->rows))
			return -errno;
		hkey.key = o->key;
		now = u64map_record(&tp->now_stats, &o->key, sizeof(o->key));
		if (!now)
			return -ENOMEM;
		for (int cpu = 0; cpu < tp->ncpus; cpu++) {
			const struct tcp_hot_row *row = &tp->rows[cpu];

			merge_val(&now->val, &row->val);
			for (uint32_t slot = 0; slot < HIST_SLOTS; slot++) {
				if (!row->hist[slot])
					continue;
				hkey.slot = slot;
				add_hist(tp, &hkey, row->hist[slot]);
			}
		}
	}
	return tp->err;
}

/*
 * Frees the hot row of @key, a process that is gone: zeroed first, then
 * given up, so the next key to claim it starts from nothing.
 */
static void free_hot_row(struct tcp_probe_state *tp, const struct tcp_stat_key *key)
{
	static const struct tcp_hot_owner free_owner;

	for (uint32_t i = 0; i < tp->n_hot; i++) {
		if (tp->owners[i].state != HOT_READY ||
		    memcmp(&tp->owners[i].key, key, sizeof(*key)))
			continue;
		memset(tp->rows, 0, sizeof(*tp->rows) * tp->ncpus);
		if (bpf_map_update_elem(bpf_map__fd(tp->skel->maps.tcp_hot_rows), &i, tp->rows,
					BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(tp->skel->maps.tcp_hot_owners), &i, &free_owner,
					BPF_ANY))
			tp->err = -errno;
		tp->owners[i].state = HOT_FREE;
	}
}

/*
 * Queues @key of @map_fd (and its record in @prev) for deletion when its
 * process's rows are final: events charged to it after its exit, from
 * softirq, were read once more. 1 when queued.
 */
static int doom_if_final(struct tcp_probe_state *tp, uint32_t tgid, int map_fd, struct u64map *prev,
			 const void *key, size_t key_size)
{
	int final = dead_tgids_doom(&tp->dead, tgid, map_fd, prev, key, key_size);

	if (final < 0)
		tp->err = final;
	return final > 0;
}

/* Runs after visit_hist, so the window's buckets are in the snapshot. */
static void visit_stat(struct tcp_probe_state *tp, const struct tcp_stat_key *key,
		       const struct tcp_stat_val *val)
{
	struct prev_stat *prev = u64map_record(&tp->prev_stats, key, sizeof(*key));
	struct tcp_stat_val before;
	uint64_t d[N_COUNTERS];
	struct stat_ref ref;

	if (!prev) {
		tp->err = -ENOMEM;
		return;
	}
	if (doom_if_final(tp, key->tgid, bpf_map__fd(tp->skel->maps.tcp_stats), &tp->prev_stats,
			  key, sizeof(*key)))
		free_hot_row(tp, key);
	before = prev->val;
	/* __u64 and uint64_t differ in name only. */
	if (counters_delta((const uint64_t *)&val->count, (uint64_t *)&prev->val.count, NULL, NULL,
			   d, N_COUNTERS))
		memset(&before, 0, sizeof(before)); /* evicted, created again */
	prev->val = *val;
	if (tcp_sampler_note(&tp->sampler, key->tgid, key->kind, d[0]))
		tp->err = -ENOMEM;
	if (d[0]) {
		if (!stat_of(tp->snap, key, &ref)) {
			tp->err = -ENOMEM;
			return;
		}
		*ref.count += d[0];
		if (ref.errors)
			*ref.errors += d[1];
		if (ref.lat) {
			ref.lat->count += d[0] - d[1];
			ref.lat->sum_ns += d[2];
			hist_window_extremes(ref.lat, val->max_ns, before.max_ns, val->min_ns,
					     before.min_ns);
		}
	}
}

static void visit_hist(struct tcp_probe_state *tp, const struct tcp_stat_hist_key *key,
		       uint64_t count)
{
	struct prev_hist *prev = u64map_record(&tp->prev_hists, key, sizeof(*key));
	uint64_t d;
	struct stat_ref ref;

	if (!prev) {
		tp->err = -ENOMEM;
		return;
	}
	doom_if_final(tp, key->key.tgid, bpf_map__fd(tp->skel->maps.tcp_hists), &tp->prev_hists,
		      key, sizeof(*key));
	counters_delta(&count, &prev->count, NULL, NULL, &d, 1);
	if (!d)
		return;
	if (!stat_of(tp->snap, &key->key, &ref) || !ref.lat || hist_add_slot(ref.lat, key->slot, d))
		tp->err = -ENOMEM;
}

/* Runs of our programs the kernel skipped because one was already running
 * on that CPU (a softirq event during a process-context run): lost events. */
static uint64_t recursion_misses(struct tcp_probe_state *tp)
{
	struct bpf_program *prog;
	uint64_t total = 0;

	bpf_object__for_each_program(prog, tp->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			total += info.recursion_misses;
	}
	return total;
}

/* The window's deltas of every key: buckets first (see visit_stat). */
static void visit_totals(struct tcp_probe_state *tp)
{
	for (size_t i = 0; i < tp->now_hists.cap; i++) {
		const struct prev_hist *h = u64map_at(&tp->now_hists, i);

		if (h)
			visit_hist(tp, &h->key, h->count);
	}
	for (size_t i = 0; i < tp->now_stats.cap; i++) {
		const struct prev_stat *st = u64map_at(&tp->now_stats, i);

		if (st)
			visit_stat(tp, &st->key, &st->val);
	}
}

/* Rows of @p recorded from 1 in @sample connections: scaled to all of its
 * exchanges by @scale (tcp_sampler_window()), and said to be estimates. */
static void scale_rows(struct proc_snapshot *p, uint32_t sample, double scale)
{
	p->tcp.sample = sample;
	if (scale == 1.0)
		return;
	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		p->tcp.requests[i].count = scale_count(p->tcp.requests[i].count, scale);
		hist_scale(&p->tcp.requests[i].lat, scale);
	}
	p->tcp.retransmits = scale_count(p->tcp.retransmits, scale);
}

/* The window's processes whose connections were not all followed. */
static void mark_sampled(struct tcp_probe_state *tp, struct snapshot *snap)
{
	uint32_t period = tp->skel->rodata->sample_period;

	for (size_t i = 0; i < snap->n_procs; i++) {
		struct proc_snapshot *p = &snap->procs[i];
		double scale;
		unsigned int shift = tcp_sampler_window(&tp->sampler, p->pid, &scale);

		if ((period > 1 || shift) && (p->tcp.n_requests || p->tcp.retransmits))
			scale_rows(p, period << shift, scale);
	}
}

static int probe_collect(void *state, struct snapshot *snap)
{
	struct tcp_probe_state *tp = state;
	uint64_t misses;
	int err;

	tp->snap = snap;
	tp->err = 0;
	u64map_clear(&tp->now_stats);
	u64map_clear(&tp->now_hists);
	memset(tp->owners, 0, sizeof(tp->owners));
	err = bpfmap_for_each(bpf_map__fd(tp->skel->maps.tcp_hists),
			      sizeof(struct tcp_stat_hist_key), sizeof(uint64_t) * tp->ncpus,
			      sum_hist, tp);
	if (!err)
		err = bpfmap_for_each(bpf_map__fd(tp->skel->maps.tcp_stats),
				      sizeof(struct tcp_stat_key),
				      sizeof(struct tcp_stat_val) * tp->ncpus, sum_stat, tp);
	if (!err)
		err = sum_hot_rows(tp);
	if (!err)
		visit_totals(tp);
	if (!err)
		err = tcp_sampler_decide(&tp->sampler, snap->duration_ns,
					 tp->skel->bss->steer_members != 0);
	if (!err)
		mark_sampled(tp, snap);
	if (dead_tgids_rotate(&tp->dead))
		tp->err = -ENOMEM;
	snap->lost_events += tp->skel->bss->lost_events - tp->prev_lost;
	tp->prev_lost = tp->skel->bss->lost_events;
	misses = recursion_misses(tp);
	snap->lost_events += misses - tp->prev_misses;
	tp->prev_misses = misses;
	tp->snap = NULL;
	return err ? err : tp->err;
}

/* One listening (netns, address, port) and how many sockets listen on it. */
struct seed {
	struct tcp_listen_key key;
	uint64_t n;
};

static int count_listener(uint32_t netns, const struct tcp_ep *ep, void *c)
{
	struct u64map *seeds = c;
	struct tcp_listen_key key = {.netns = netns, .ep = *ep};
	struct seed *s = u64map_record(seeds, &key, sizeof(key));

	if (!s)
		return -ENOMEM;
	s->n++;
	return 0;
}

/* Gives the kernel side the listening sockets that exist already, in every
 * network namespace (containers). /proc is read after the LISTEN tracking
 * was attached, so it lists every listener the kernel side counted
 * meanwhile: the larger of the two counts is right. */
static int seed_listeners(struct tcp_probe_state *tp)
{
	int fd = bpf_map__fd(tp->skel->maps.listen_ports);
	struct u64map seeds; /* hash(tcp_listen_key) -> struct seed */
	int err;

	if (u64map_init(&seeds, sizeof(struct seed)))
		return -ENOMEM;
	err = tcp_listeners_scan("/proc", count_listener, &seeds);
	for (size_t i = 0; i < seeds.cap && !err; i++) {
		const struct seed *s = u64map_at(&seeds, i);
		uint64_t counted;

		if (!s)
			continue;
		if (!bpf_map_lookup_elem(fd, &s->key, &counted) && counted >= s->n)
			continue;
		if (bpf_map_update_elem(fd, &s->key, &s->n, BPF_ANY))
			err = -errno;
	}
	u64map_free(&seeds);
	return err;
}

static void probe_close(void *state)
{
	struct tcp_probe_state *tp = state;

	if (!tp)
		return;
	tcp_bpf__destroy(tp->skel);
	u64map_free(&tp->prev_stats);
	u64map_free(&tp->prev_hists);
	u64map_free(&tp->now_stats);
	u64map_free(&tp->now_hists);
	free(tp->rows);
	dead_tgids_free(&tp->dead);
	tcp_sampler_free(&tp->sampler);
	free(tp);
}

static int attach_one(struct bpf_program *prog, struct bpf_link **link)
{
	*link = bpf_program__attach(prog);
	return *link ? 0 : loader_report("tcp", "attach", -errno);
}

/*
 * A socket's role is fixed when the data programs first see it, from the
 * listening ports known then. So: track listen() first, read /proc's
 * listeners (no listen() can fall in between), and only then attach the
 * programs that classify sockets. Attaching all at once let a busy server
 * socket be taken for a client in the moment before /proc was read.
 */
static int attach_in_order(struct tcp_probe_state *tp)
{
	struct tcp_bpf *s = tp->skel;
	int err;

	err = attach_one(s->progs.tcp_state, &s->links.tcp_state);
	if (err)
		return err;
	err = seed_listeners(tp);
	if (err)
		return loader_report("tcp", "listening ports", err);
	err = attach_one(s->progs.tcp_recv, &s->links.tcp_recv);
	if (!err)
		err = attach_one(s->progs.tcp_send, &s->links.tcp_send);
	if (!err)
		err = attach_one(s->progs.tcp_retransmit, &s->links.tcp_retransmit);
	return err;
}

static int probe_open(const struct probe_opts *opts, struct probe_shared *shared, void **state)
{
	struct tcp_probe_state *tp = calloc(1, sizeof(*tp));
	uint32_t procs = opts->max_procs ? opts->max_procs : 1024;
	int err = -ENOMEM;

	if (!tp)
		return -ENOMEM;
	if (u64map_init(&tp->prev_stats, sizeof(struct prev_stat)) ||
	    u64map_init(&tp->prev_hists, sizeof(struct prev_hist)) ||
	    u64map_init(&tp->now_stats, sizeof(struct prev_stat)) ||
	    u64map_init(&tp->now_hists, sizeof(struct prev_hist)) || dead_tgids_init(&tp->dead))
		goto fail;
	tp->ncpus = libbpf_num_possible_cpus();
	if (tp->ncpus <= 0) {
		err = loader_report("tcp", "counting CPUs", tp->ncpus ? tp->ncpus : -EINVAL);
		goto fail;
	}
	tp->rows = calloc((size_t)tp->ncpus, sizeof(*tp->rows));
	if (!tp->rows)
		goto fail;
	tp->skel = tcp_bpf__open();
	if (!tp->skel) {
		err = loader_report("tcp", "open", -errno);
		goto fail;
	}
	PROBE_SET_FILTER(tp->skel->rodata, &opts->filter);
	tp->skel->rodata->sample_period = opts->tcp_sample > 1 ? opts->tcp_sample : 1;
	tp->n_hot = hot_rows_for(TCP_HOT_ROWS, sizeof(struct tcp_hot_row), tp->ncpus);
	tp->skel->rodata->hot_mask = tp->n_hot - 1;
	bpf_map__set_max_entries(tp->skel->maps.tcp_hot_owners, tp->n_hot);
	bpf_map__set_max_entries(tp->skel->maps.tcp_hot_rows, tp->n_hot);
	/* Most processes have no TCP rows; one that has talks to a few
	 * endpoints, each filling ~10-30 buckets. */
	bpf_map__set_max_entries(
		tp->skel->maps.tcp_stats,
		bpfmap_budget_entries(procs * 4, sizeof(struct tcp_stat_val), tp->ncpus));
	bpf_map__set_max_entries(tp->skel->maps.tcp_hists,
				 bpfmap_budget_entries(procs * 32, sizeof(uint64_t), tp->ncpus));
	err = probe_shared_reuse(tp->skel->maps.socks, shared->socks_fd);
	if (!err)
		err = tcp_bpf__load(tp->skel);
	if (!err)
		err = probe_shared_keep(tp->skel->maps.socks, &shared->socks_fd);
	if (err) {
		err = loader_report("tcp", "load", err);
		goto fail;
	}
	/* --tcp-sample N (1 included) or --exact: the user's ratio. */
	err = tcp_sampler_init(
		&tp->sampler,
		opts->exact || opts->tcp_sample ? -1 : bpf_map__fd(tp->skel->maps.tcp_sampling),
		bpf_map__fd(tp->skel->maps.tcp_sample_events), tp->ncpus);
	if (err)
		goto fail;
	err = attach_in_order(tp);
	if (err)
		goto fail;
	/* Only attached programs may carry proto's as tail calls. */
	err = probe_shared_keep(tp->skel->maps.recv_next, &shared->recv_next_fd);
	if (!err)
		err = probe_shared_keep(tp->skel->maps.send_next, &shared->send_next_fd);
	if (err) {
		err = loader_report("tcp", "attach", err);
		goto fail;
	}
	shared->tcp_sampler = &tp->sampler;
	*state = tp;
	return 0;
fail:
	probe_close(tp);
	return err;
}

const struct probe_module tcp_probe = {
	.name = "tcp",
	.set = PROBE_TCP,
	.open = probe_open,
	.collect = probe_collect,
	.close = probe_close,
};

struct tcp_bpf *tcp_probe_skel(void *state)
{
	return state ? ((struct tcp_probe_state *)state)->skel : NULL;
}
