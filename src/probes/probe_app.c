// SPDX-License-Identifier: GPL-2.0
/*
 * Protocol probe module ("proto"): loads bpf/app.bpf.c, keeps the texts of
 * its fingerprints (probes/app_texts.c), and turns its cumulative
 * per-(process, protocol, role, method, status, fingerprint) counters and
 * histogram buckets into per-interval rows of the snapshot's app section,
 * at most APP_ROWS_MAX per protocol and process. Slow statements come one
 * by one through the ring buffer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "app.skel.h"
#include "bpf/hist.h"
#include "core/app_rows.h"
#include "kernel/bpfmap.h"
#include "kernel/counters.h"
#include "kernel/dead_tgids.h"
#include "kernel/loader.h"
#include "probes/app_hot.h"
#include "probes/app_texts.h"
#include "probes/hot_rows.h"
#include "probes/probe.h"
#include "probes/tcp_sampler.h"
#include "util/clock.h"
#include "util/u64map.h"

/* The kernel's text budget per process starts over this often, so that a
 * long-running service's new routes get their own rows again. */
#define BUDGET_RESET_NS (600 * 1000000000ULL)

struct prev_stat {
	struct app_stat_key key;
	struct app_stat_val val;
};

struct prev_hist {
	struct app_hist_key key;
	uint64_t count;
};

struct app_probe {
	struct app_bpf *skel;
	struct ring_buffer *events;
	struct app_texts texts;
	struct u64map prev_stats; /* hash(app_stat_key) -> struct prev_stat */
	struct u64map prev_hists; /* hash(app_hist_key) -> struct prev_hist */
	struct app_hot hot;	  /* the busiest keys' rows, read as deltas */
	struct dead_tgids dead;	  /* keys of exited processes, deleted after collect */
	uint64_t prev_lost, prev_misses;
	uint64_t budget_reset_ns;
	int64_t mono_to_real_ns;
	int ncpus;
	/* The tcp programs' tail-call slots the proto programs run from, -1
	 * when attached on their own; the fds are the collector's. */
	int recv_next_fd, send_next_fd;
	/* Chained, ours see the TCP connections the tcp programs follow. */
	const struct tcp_sampler *tcp_sampler;
	struct snapshot *snap; /* valid during collect only */
	int err;
};

/* The leading counters of struct app_stat_val: count .. sum_ns. */
#define N_COUNTERS 5
_Static_assert(offsetof(struct app_stat_val, sum_ns) == (N_COUNTERS - 1) * sizeof(__u64),
	       "struct app_stat_val no longer starts with its counters");

static const char *const http_methods[APP_HTTP_METHODS] = {
	"", "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS",
};

static uint8_t role_of(uint8_t kernel_role)
{
	return kernel_role == APP_ROLE_SERVER ? TCP_ROLE_SERVER : TCP_ROLE_CLIENT;
}

/* The kernel forgets that a process has the text of @key, so that its next
 * request sends it again (our cache dropped it, or its event was lost). */
static void ask_text_again(struct app_probe *ap, const struct app_stat_key *key)
{
	struct {
		__u32 tgid, proto;
		__u64 fingerprint;
	} seen = {key->tgid, key->proto, key->fingerprint};

	bpf_map_delete_elem(bpf_map__fd(ap->skel->maps.app_seen), &seen);
	/* Sockets that remember the text as known must look again. */
	__atomic_add_fetch(&ap->skel->bss->text_gen, 1, __ATOMIC_RELAXED);
}

/* The snapshot row of a kernel key; NULL on ENOMEM. */
static struct app_request_stat *row_of(struct app_probe *ap, const struct app_stat_key *key)
{
	struct proc_snapshot *p = snapshot_proc(ap->snap, key->tgid);
	const struct app_text *t;
	const char *method = "", *text = APP_ROWS_OTHER;
	uint64_t fp = 0;

	if (!p)
		return NULL;
	if (key->proto == APP_PROTO_HTTP && key->method < APP_HTTP_METHODS)
		method = http_methods[key->method];
	if (key->fingerprint) {
		t = app_texts_get(&ap->texts, key->proto, key->fingerprint);
		if (t) {
			text = t->text;
			fp = t->normalized;
			if (key->proto == APP_PROTO_REDIS)
				method = t->method;
		} else {
			ask_text_again(ap, key);
			text = "?";
			fp = key->fingerprint;
		}
	} else if (key->proto == APP_PROTO_REDIS) {
		method = APP_ROWS_OTHER;
	}
	if (key->proto == APP_PROTO_REDIS)
		text = "";
	return proc_app_request(p, key->proto, role_of(key->role), method, key->status, fp, text);
}

static void sum_cpus(const struct app_stat_val *cpus, int ncpus, struct app_stat_val *sum)
{
	*sum = cpus[0];
	for (int i = 1; i < ncpus; i++)
		app_val_merge(sum, &cpus[i]);
}

/* Queues @key of @map_fd (and its record in @prev) for deletion when its
 * process's rows are final (read once more after it exited). */
static void doom_if_final(struct app_probe *ap, uint32_t tgid, int map_fd, struct u64map *prev,
			  const void *key, size_t key_size)
{
	int final = dead_tgids_doom(&ap->dead, tgid, map_fd, prev, key, key_size);

	if (final < 0)
		ap->err = final;
}

/* Adds the counters @d a key gained in the window to its row; @now and
 * @before bound the window's extremes. The row's buckets are in already. */
static void add_window(struct app_request_stat *row, const uint64_t *d,
		       const struct app_stat_val *now, const struct app_stat_val *before)
{
	row->count += d[0];
	row->errors += d[1];
	row->hits += d[2];
	row->misses += d[3];
	row->lat.count += d[0];
	row->lat.sum_ns += d[4];
	hist_window_extremes(&row->lat, now->max_ns, before->max_ns, now->min_ns, before->min_ns);
}

/* Runs after visit_hist, so the window's buckets are in the row. */
static void visit_stat(const void *k, const void *v, void *ctx)
{
	const struct app_stat_key *key = k;
	struct app_probe *ap = ctx;
	struct prev_stat *prev = u64map_record(&ap->prev_stats, key, sizeof(*key));
	struct app_stat_val val, before;
	struct app_request_stat *row;
	uint64_t d[N_COUNTERS];

	if (!prev) {
		ap->err = -ENOMEM;
		return;
	}
	sum_cpus(v, ap->ncpus, &val);
	doom_if_final(ap, key->tgid, bpf_map__fd(ap->skel->maps.app_stats), &ap->prev_stats, key,
		      sizeof(*key));
	before = prev->val;
	if (counters_delta((const uint64_t *)&val.count, (uint64_t *)&prev->val.count, NULL, NULL,
			   d, N_COUNTERS))
		memset(&before, 0, sizeof(before)); /* evicted, created again */
	prev->val = val;
	if (!d[0])
		return;
	row = row_of(ap, key);
	if (!row) {
		ap->err = -ENOMEM;
		return;
	}
	add_window(row, d, &val, &before);
}

static void visit_hist(const void *k, const void *v, void *ctx)
{
	const struct app_hist_key *key = k;
	struct app_probe *ap = ctx;
	struct prev_hist *prev = u64map_record(&ap->prev_hists, key, sizeof(*key));
	const uint64_t *cpus = v;
	struct app_request_stat *row;
	uint64_t count = 0, d;

	if (!prev) {
		ap->err = -ENOMEM;
		return;
	}
	for (int i = 0; i < ap->ncpus; i++)
		count += cpus[i];
	doom_if_final(ap, key->key.tgid, bpf_map__fd(ap->skel->maps.app_hists), &ap->prev_hists,
		      key, sizeof(*key));
	counters_delta(&count, &prev->count, NULL, NULL, &d, 1);
	if (!d)
		return;
	row = row_of(ap, &key->key);
	if (!row || hist_add_slot(&row->lat, key->slot, d))
		ap->err = -ENOMEM;
}

static int visit_hot(const struct app_hot_delta *hd, void *ctx)
{
	struct app_request_stat *row = row_of(ctx, &hd->key);
	uint64_t d[N_COUNTERS];

	if (!row)
		return -ENOMEM;
	for (uint32_t slot = 0; slot < HIST_SLOTS; slot++)
		if (hd->hist[slot] && hist_add_slot(&row->lat, slot, hd->hist[slot]))
			return -ENOMEM;
	for (int i = 0; i < N_COUNTERS; i++)
		d[i] = ((const uint64_t *)&hd->now)[i] - ((const uint64_t *)&hd->before)[i];
	add_window(row, d, &hd->now, &hd->before);
	return 0;
}

/* Whether the rows of @tgid are final: its process is gone. */
static bool hot_gone(uint32_t tgid, void *ctx)
{
	struct app_probe *ap = ctx;
	int final = dead_tgids_final(&ap->dead, tgid);

	if (final < 0)
		ap->err = final;
	return final > 0;
}

static void on_slow(struct app_probe *ap, const struct app_slow_event *e)
{
	struct proc_snapshot *p = snapshot_proc(ap->snap, e->tgid);
	const struct app_text *t =
		e->fingerprint ? app_texts_get(&ap->texts, e->proto, e->fingerprint) : NULL;
	struct slow_query q = {0};
	char text[APP_TEXT_LEN];

	if (!p) {
		ap->err = -ENOMEM;
		return;
	}
	snprintf(text, sizeof(text), "%s", t ? t->text : e->fingerprint ? "?" : APP_ROWS_OTHER);
	q.text = text;
	q.fingerprint = t ? t->normalized : e->fingerprint;
	q.latency_ns = e->latency_ns;
	q.end_ns = e->end_ns + ap->mono_to_real_ns;
	q.role = role_of(e->role);
	q.peer.family = e->peer.family;
	q.peer.port = e->peer.port;
	memcpy(q.peer.addr, e->peer.addr, sizeof(q.peer.addr));
	if (proc_add_slow_query(p, &q))
		ap->err = -ENOMEM;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct app_probe *ap = ctx;
	const __u32 *kind = data;

	if (size >= sizeof(struct app_text_event) && *kind == EVENT_APP_TEXT) {
		if (app_texts_add(&ap->texts, data))
			ap->err = -ENOMEM;
	} else if (size >= sizeof(struct app_slow_event) && *kind == EVENT_APP_SLOW && ap->snap) {
		on_slow(ap, data);
	}
	return 0;
}

/* Runs the kernel skipped because one of ours already ran on that CPU. */
static uint64_t recursion_misses(struct app_probe *ap)
{
	struct bpf_program *prog;
	uint64_t total = 0;

	bpf_object__for_each_program(prog, ap->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			total += info.recursion_misses;
	}
	return total;
}

static void clear_map(int fd, size_t key_size)
{
	char key[64], next[64];
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		bpf_map_delete_elem(fd, key);
		prev = NULL; /* start over: the deleted key no longer leads on */
	}
}

static void bound_rows(struct app_probe *ap)
{
	for (size_t i = 0; i < ap->snap->n_procs; i++)
		if (app_rows_bound(&ap->snap->procs[i], APP_ROWS_MAX))
			ap->err = -ENOMEM;
}

/* A process with only some TCP connections followed: its rows, weighted
 * by the share of connections, scaled to its share of traffic as the tcp
 * module measured it (probes/tcp_sampler.h). */
static void scale_sampled(const struct app_probe *ap, struct snapshot *snap)
{
	if (!ap->tcp_sampler || ap->recv_next_fd < 0)
		return;
	for (size_t i = 0; i < snap->n_procs; i++) {
		struct proc_snapshot *p = &snap->procs[i];
		double scale;

		tcp_sampler_window(ap->tcp_sampler, p->pid, &scale);
		if (scale == 1.0)
			continue;
		for (size_t j = 0; j < p->app.n_requests; j++) {
			struct app_request_stat *row = &p->app.requests[j];

			row->count = scale_count(row->count, scale);
			row->errors = scale_count(row->errors, scale);
			row->hits = scale_count(row->hits, scale);
			row->misses = scale_count(row->misses, scale);
			hist_scale(&row->lat, scale);
		}
	}
}

static int probe_collect(void *state, struct snapshot *snap)
{
	struct app_probe *ap = state;
	uint64_t now = clock_ns(CLOCK_MONOTONIC), misses;
	int err;

	ap->snap = snap;
	ap->err = 0;
	ap->mono_to_real_ns = (int64_t)(clock_ns(CLOCK_REALTIME) - now);
	/* Texts first: the rows read next name them. */
	if (ring_buffer__consume(ap->events) < 0)
		ap->err = -EIO;
	err = bpfmap_for_each(bpf_map__fd(ap->skel->maps.app_hists), sizeof(struct app_hist_key),
			      sizeof(uint64_t) * ap->ncpus, visit_hist, ap);
	if (!err)
		err = bpfmap_for_each(bpf_map__fd(ap->skel->maps.app_stats),
				      sizeof(struct app_stat_key),
				      sizeof(struct app_stat_val) * ap->ncpus, visit_stat, ap);
	if (!err)
		err = app_hot_read(&ap->hot, visit_hot, hot_gone, ap);
	if (dead_tgids_rotate(&ap->dead))
		ap->err = -ENOMEM;
	bound_rows(ap);
	scale_sampled(ap, snap);
	if (now - ap->budget_reset_ns >= BUDGET_RESET_NS) {
		clear_map(bpf_map__fd(ap->skel->maps.app_budget), sizeof(__u64));
		ap->budget_reset_ns = now;
	}
	snap->lost_events += ap->skel->bss->lost_events - ap->prev_lost;
	ap->prev_lost = ap->skel->bss->lost_events;
	misses = recursion_misses(ap);
	snap->lost_events += misses - ap->prev_misses;
	ap->prev_misses = misses;
	ap->snap = NULL;
	return err ? err : ap->err;
}

static void probe_close(void *state)
{
	struct app_probe *ap = state;

	if (!ap)
		return;
	probe_shared_unchain(ap->recv_next_fd);
	probe_shared_unchain(ap->send_next_fd);
	ring_buffer__free(ap->events);
	app_bpf__destroy(ap->skel);
	app_texts_free(&ap->texts);
	u64map_free(&ap->prev_stats);
	u64map_free(&ap->prev_hists);
	app_hot_free(&ap->hot);
	dead_tgids_free(&ap->dead);
	free(ap);
}

/*
 * With the tcp programs loaded, ours run as their tail calls (one
 * tracepoint dispatch per event instead of two); else, or if the kernel
 * refuses, app_bpf__attach() attaches them.
 */
static void chain_or_attach(struct app_probe *ap, const struct probe_shared *shared,
			    uint32_t tcp_sample)
{
	/* Chained, ours see only the TCP connections followed, and weigh
	 * their requests by it: set before the first tail call can come. */
	ap->skel->bss->tcp_sample_period = tcp_sample > 1 ? tcp_sample : 1;
	if (probe_shared_chain(shared->recv_next_fd, ap->skel->progs.app_recv))
		goto attach;
	if (probe_shared_chain(shared->send_next_fd, ap->skel->progs.app_send)) {
		probe_shared_unchain(shared->recv_next_fd);
		goto attach;
	}
	ap->recv_next_fd = shared->recv_next_fd;
	ap->send_next_fd = shared->send_next_fd;
	ap->tcp_sampler = shared->tcp_sampler;
	bpf_program__set_autoattach(ap->skel->progs.app_recv, false);
	bpf_program__set_autoattach(ap->skel->progs.app_send, false);
	return;
attach:
	ap->skel->bss->tcp_sample_period = 0;
}

static int probe_open(const struct probe_opts *opts, struct probe_shared *shared, void **state)
{
	struct app_probe *ap = calloc(1, sizeof(*ap));
	uint32_t procs = opts->max_procs ? opts->max_procs : 1024, n_hot;
	int err = -ENOMEM;

	if (!ap)
		return -ENOMEM;
	ap->recv_next_fd = ap->send_next_fd = -1;
	if (app_texts_init(&ap->texts) || u64map_init(&ap->prev_stats, sizeof(struct prev_stat)) ||
	    u64map_init(&ap->prev_hists, sizeof(struct prev_hist)) || dead_tgids_init(&ap->dead))
		goto fail;
	ap->ncpus = libbpf_num_possible_cpus();
	if (ap->ncpus <= 0) {
		err = loader_report("proto", "counting CPUs", ap->ncpus ? ap->ncpus : -EINVAL);
		goto fail;
	}
	ap->skel = app_bpf__open();
	if (!ap->skel) {
		err = loader_report("proto", "open", -errno);
		goto fail;
	}
	PROBE_SET_FILTER(ap->skel->rodata, &opts->filter);
	if (opts->slow_query_ns)
		ap->skel->rodata->slow_ns = opts->slow_query_ns;
	n_hot = hot_rows_for(APP_HOT_ROWS, sizeof(struct app_hot_row), ap->ncpus);
	ap->skel->rodata->hot_mask = n_hot - 1;
	bpf_map__set_max_entries(ap->skel->maps.app_hot_owners, n_hot);
	bpf_map__set_max_entries(ap->skel->maps.app_hot_rows, n_hot);
	/* Few processes speak these protocols; each has a few dozen shapes of
	 * ~10-30 buckets. */
	bpf_map__set_max_entries(
		ap->skel->maps.app_stats,
		bpfmap_budget_entries(procs * 2, sizeof(struct app_stat_val), ap->ncpus));
	bpf_map__set_max_entries(ap->skel->maps.app_hists,
				 bpfmap_budget_entries(procs * 16, sizeof(uint64_t), ap->ncpus));
	err = probe_shared_reuse(ap->skel->maps.socks, shared->socks_fd);
	if (!err)
		err = app_bpf__load(ap->skel);
	if (!err)
		err = probe_shared_keep(ap->skel->maps.socks, &shared->socks_fd);
	if (err) {
		err = loader_report("proto", "load", err);
		goto fail;
	}
	err = app_hot_init(&ap->hot, bpf_map__fd(ap->skel->maps.app_hot_owners),
			   bpf_map__fd(ap->skel->maps.app_hot_rows), n_hot, ap->ncpus);
	if (err)
		goto fail;
	ap->events = ring_buffer__new(bpf_map__fd(ap->skel->maps.app_events), on_event, ap, NULL);
	if (!ap->events) {
		err = loader_report("proto", "ring buffer", -errno);
		goto fail;
	}
	chain_or_attach(ap, shared, opts->tcp_sample);
	err = app_bpf__attach(ap->skel);
	if (err) {
		err = loader_report("proto", "attach", err);
		goto fail;
	}
	ap->budget_reset_ns = clock_ns(CLOCK_MONOTONIC);
	*state = ap;
	return 0;
fail:
	probe_close(ap);
	return err;
}

const struct probe_module app_probe = {
	.name = "proto",
	.set = PROBE_APP,
	.open = probe_open,
	.collect = probe_collect,
	.close = probe_close,
};
