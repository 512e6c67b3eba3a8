// SPDX-License-Identifier: GPL-2.0
/* Snapshot -> Prometheus series: which figure of an interval feeds which series. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/probe_opts.h"
#include "core/snapshot.h"
#include "core/syscalls.h"
#include "export/prom_series.h"

struct labels {
	char text[512];
	size_t len;
};

static void labels_add(struct labels *l, const char *name, const char *value)
{
	int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s%s=\"", l->len ? "," : "",
			 name);

	if (n < 0 || (size_t)n >= sizeof(l->text) - l->len)
		return;
	l->len += (size_t)n;
	l->len += prom_escape_label(value, l->text + l->len, sizeof(l->text) - l->len - 1);
	l->text[l->len++] = '"';
	l->text[l->len] = '\0';
}

/* comm, and pid when asked for: the identity of a process's series. */
static void labels_proc(const struct prom_registry *r, const struct proc_snapshot *p,
			struct labels *l)
{
	char pid[16];

	l->len = 0;
	l->text[0] = '\0';
	labels_add(l, "comm", p->comm[0] ? p->comm : "?");
	if (r->per_pid) {
		snprintf(pid, sizeof(pid), "%u", p->pid);
		labels_add(l, "pid", pid);
	}
}

static int feed_counter(struct prom_registry *r, enum family_id fam, const char *labels,
			uint64_t delta, bool create_at_zero)
{
	struct prom_series *s = prom_series_get(r, fam, labels, delta || create_at_zero);

	if (!s)
		return delta || create_at_zero ? -ENOMEM : 0;
	s->count += delta;
	return 0;
}

static int feed_gauge(struct prom_registry *r, enum family_id fam, const char *labels, double v)
{
	struct prom_series *s = prom_series_get(r, fam, labels, true);

	if (!s)
		return -ENOMEM;
	s->gauge += v;
	return 0;
}

static int feed_summary(struct prom_registry *r, enum family_id fam, const char *labels,
			uint64_t count, uint64_t sum_ns)
{
	struct prom_series *s = prom_series_get(r, fam, labels, count > 0);

	if (!s)
		return count ? -ENOMEM : 0;
	s->count += count;
	s->sum_ns += sum_ns;
	return 0;
}

/* Adds @target counts to @s, spread like @per (per-bucket counts weighing
 * @weight), rounding on the cumulative counts so every `le` stays exact. */
static void add_spread(struct prom_series *s, const uint64_t *per, uint64_t weight, uint64_t target)
{
	uint64_t cum = 0, prev = 0;

	for (size_t i = 0; i < N_BUCKETS; i++) {
		uint64_t scaled;

		cum += per[i];
		scaled = (uint64_t)(((unsigned __int128)cum * target + weight / 2) / weight);
		s->buckets[i] += scaled - prev;
		prev = scaled;
	}
	s->count += target;
}

/*
 * Calls counted but none timed (sampling skipped them all). The exact count
 * still goes out: spread like the series' samples so far (and at their mean
 * for _sum) or, before any sample, in +Inf only, the one bucket that holds
 * whatever their latency was.
 */
static void add_untimed(struct prom_series *s, uint64_t calls)
{
	uint64_t per[N_BUCKETS], seen = s->count, sum = s->sum_ns;

	if (!seen) {
		s->buckets[N_BUCKETS - 1] += calls;
		s->count += calls;
		return;
	}
	memcpy(per, s->buckets, sizeof(per));
	add_spread(s, per, seen, calls);
	s->sum_ns += (uint64_t)((unsigned __int128)sum * calls / seen);
}

/*
 * Folds @h into the series' buckets. When @exact_count is not 0 (syscalls:
 * exact call counts while latencies may be sampled), the histogram is scaled
 * so that its _count, and its +Inf bucket, are the exact count; the shape
 * comes from the samples.
 */
static int feed_hist(struct prom_registry *r, enum family_id fam, const char *labels,
		     const struct hist *h, uint64_t exact_count)
{
	uint64_t per[N_BUCKETS] = {0}, weight = 0, target;
	struct prom_series *s;

	for (uint32_t i = 0; i < h->n; i++) {
		uint32_t slot = h->bins[i].slot < HIST_NSLOTS ? h->bins[i].slot : HIST_NSLOTS - 1;

		per[r->slot_bucket[slot]] += h->bins[i].count;
		weight += h->bins[i].count;
	}
	if (!weight && !exact_count)
		return 0;
	s = prom_series_get(r, fam, labels, true);
	if (!s)
		return -ENOMEM;
	if (!weight) {
		add_untimed(s, exact_count);
		return 0;
	}
	target = exact_count ? exact_count : weight;
	add_spread(s, per, weight, target);
	s->sum_ns += (uint64_t)((unsigned __int128)h->sum_ns * target / weight);
	return 0;
}

int prom_feed_hist(struct prom_registry *r, enum family_id fam, const char *labels,
		   const struct hist *h, uint64_t exact_count)
{
	return feed_hist(r, fam, labels, h, exact_count);
}

int prom_feed_counter(struct prom_registry *r, enum family_id fam, const char *labels,
		      uint64_t delta, bool create_at_zero)
{
	return feed_counter(r, fam, labels, delta, create_at_zero);
}

static int feed_syscalls(struct prom_registry *r, const struct proc_snapshot *p,
			 const struct labels *who)
{
	struct labels l;
	char name[SYSCALL_NAME_LEN];
	int err = 0;

	for (size_t i = 0; i < p->n_syscalls && !err; i++) {
		const struct syscall_stat *sc = &p->syscalls[i];

		l = *who;
		labels_add(&l, "syscall", syscall_name(sc->nr, name, sizeof(name)));
		err = feed_hist(r, FAM_SYSCALL_LAT, l.text, &sc->lat, sc->count);
		if (!err)
			err = feed_counter(r, FAM_SYSCALL_ERRORS, l.text, sc->errors, false);
	}
	return err;
}

static int feed_tcp(struct prom_registry *r, const struct proc_snapshot *p,
		    const struct labels *who)
{
	char ep[ENDPOINT_STRLEN];
	struct labels l;
	int err = 0;

	for (size_t i = 0; i < p->tcp.n_connect && !err; i++) {
		const struct tcp_remote_stat *c = &p->tcp.connect[i];

		l = *who;
		labels_add(&l, "remote", endpoint_format(&c->remote, ep, sizeof(ep)));
		err = feed_hist(r, FAM_TCP_CONNECT_LAT, l.text, &c->lat, 0);
		if (!err)
			err = feed_counter(r, FAM_TCP_CONNECT_ERRORS, l.text, c->errors, false);
	}
	for (size_t i = 0; i < p->tcp.n_rtt && !err; i++) {
		l = *who;
		labels_add(&l, "remote", endpoint_format(&p->tcp.rtt[i].remote, ep, sizeof(ep)));
		err = feed_hist(r, FAM_TCP_RTT, l.text, &p->tcp.rtt[i].lat, 0);
	}
	for (size_t i = 0; i < p->tcp.n_requests && !err; i++) {
		const struct tcp_request_stat *q = &p->tcp.requests[i];
		bool server = q->role == TCP_ROLE_SERVER;

		l = *who;
		labels_add(&l, "role", server ? "server" : "client");
		labels_add(&l, "endpoint",
			   endpoint_format(server ? &q->local : &q->remote, ep, sizeof(ep)));
		err = feed_hist(r, FAM_TCP_REQUEST_LAT, l.text, &q->lat, 0);
	}
	if (!err)
		err = feed_counter(r, FAM_TCP_RETRANSMITS, who->text, p->tcp.retransmits, false);
	return err;
}

static int feed_proc(struct prom_registry *r, const struct snapshot *snap,
		     const struct proc_snapshot *p)
{
	struct labels who;
	int err;

	labels_proc(r, p, &who);
	err = feed_syscalls(r, p, &who);
	if (!err)
		err = feed_tcp(r, p, &who);
	if (!err)
		err = feed_hist(r, FAM_SCHED_RUNQ_LAT, who.text, &p->sched.runq, 0);
	if (!err)
		err = feed_counter(r, FAM_CPU_SECONDS, who.text, p->sched.oncpu_ns, false);
	if (!err && (snap->probes & PROBE_SCHED) && snap->duration_ns)
		err = feed_gauge(r, FAM_CPU_USAGE, who.text,
				 (double)p->sched.oncpu_ns / (double)snap->duration_ns);
	if (!err && p->alloc.rss_bytes)
		err = feed_gauge(r, FAM_MEM_RSS, who.text, (double)p->alloc.rss_bytes);
	if (!err && p->alloc.rss_bytes)
		err = feed_gauge(r, FAM_MEM_ANON, who.text, (double)p->alloc.rss_anon);
	if (!err)
		err = feed_counter(r, FAM_PAGE_FAULTS, who.text, p->alloc.page_faults, false);
	if (!err)
		err = feed_summary(r, FAM_RECLAIM_STALL, who.text, p->alloc.reclaim_count,
				   p->alloc.reclaim_total_ns);
	if (!err && p->alloc.has_malloc)
		err = feed_hist(r, FAM_MALLOC_LAT, who.text, &p->alloc.malloc.lat, 0);
	if (!err)
		err = prom_feed_app(r, p, who.text);
	return err;
}

int prom_registry_add(struct prom_registry *r, const struct snapshot *snap)
{
	int err;

	r->gen++;
	r->now_ns = snap->started_at_ns + snap->duration_ns;
	for (size_t i = 0; i < snap->n_procs; i++) {
		err = feed_proc(r, snap, &snap->procs[i]);
		if (err)
			return err;
	}
	err = feed_gauge(r, FAM_PROCESSES, "", (double)snap->n_procs);
	if (!err)
		err = feed_counter(r, FAM_LOST_EVENTS, "", snap->lost_events, true);
	prom_series_expire(r);
	return err;
}

static int set_value(struct prom_registry *r, enum family_id fam, uint64_t value)
{
	struct prom_series *s = prom_series_get(r, fam, "", true);

	if (!s)
		return -ENOMEM;
	if (prom_families[fam].kind == KIND_GAUGE)
		s->gauge = (double)value;
	else
		s->count = value;
	return 0;
}

int prom_registry_set_store(struct prom_registry *r, const struct prom_store_figures *f)
{
	int err = set_value(r, FAM_STORE_WRITTEN, f->rows_written);

	if (!err)
		err = set_value(r, FAM_STORE_DROPPED, f->rows_dropped);
	if (!err)
		err = set_value(r, FAM_STORE_QUEUED, f->rows_queued);
	if (!err)
		err = set_value(r, FAM_STORE_CONNECTED, f->connected);
	return err;
}
