// SPDX-License-Identifier: GPL-2.0
/* Prometheus exposition: running totals per series, fed by interval snapshots. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/export_prom.h"
#include "util/textbuf.h"
#include "core/probe_opts.h"
#include "core/syscalls.h"
#include "util/utf8.h"

#define NS_PER_S 1000000000ULL

/* `le` bounds: 1-2.5-5 steps from 1 us to 10 s, then 60 s; +Inf is implied.
 * The strings are what client_golang prints for these floats. */
static const struct le_bound {
	uint64_t ns;
	const char *text;
} le_bounds[] = {
	{1000, "1e-06"},     {2500, "2.5e-06"},	  {5000, "5e-06"},     {10000, "1e-05"},
	{25000, "2.5e-05"},  {50000, "5e-05"},	  {100000, "0.0001"},  {250000, "0.00025"},
	{500000, "0.0005"},  {1000000, "0.001"},  {2500000, "0.0025"}, {5000000, "0.005"},
	{10000000, "0.01"},  {25000000, "0.025"}, {50000000, "0.05"},  {100000000, "0.1"},
	{250000000, "0.25"}, {500000000, "0.5"},  {1000000000, "1"},   {2500000000, "2.5"},
	{5000000000, "5"},   {10000000000, "10"}, {60000000000, "60"},
};
#define N_BOUNDS  (sizeof(le_bounds) / sizeof(le_bounds[0]))
#define N_BUCKETS (N_BOUNDS + 1) /* the last one is (60 s, +Inf) */

enum family_kind { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM, KIND_SUMMARY };

enum family_id {
	FAM_SYSCALL_LAT,
	FAM_SYSCALL_ERRORS,
	FAM_TCP_CONNECT_LAT,
	FAM_TCP_CONNECT_ERRORS,
	FAM_TCP_RTT,
	FAM_TCP_RETRANSMITS,
	FAM_TCP_REQUEST_LAT,
	FAM_SCHED_RUNQ_LAT,
	FAM_CPU_SECONDS,
	FAM_CPU_USAGE,
	FAM_MEM_RSS,
	FAM_PAGE_FAULTS,
	FAM_RECLAIM_STALL,
	FAM_MALLOC_LAT,
	FAM_PROCESSES,
	FAM_LOST_EVENTS,
	FAM_STORE_WRITTEN,
	FAM_STORE_DROPPED,
	FAM_STORE_QUEUED,
	FAM_STORE_CONNECTED,
	N_FAMILIES
};

static const struct family {
	const char *name;
	enum family_kind kind;
	const char *help;
} families[N_FAMILIES] = {
	[FAM_SYSCALL_LAT] =
		{"hivemon_syscall_latency_seconds", KIND_HISTOGRAM,
		 "Syscall latency (syscall.latency); _count is the exact number of calls."},
	[FAM_SYSCALL_ERRORS] = {"hivemon_syscall_errors_total", KIND_COUNTER,
				"Syscalls that returned an error."},
	[FAM_TCP_CONNECT_LAT] = {"hivemon_tcp_connect_latency_seconds", KIND_HISTOGRAM,
				 "TCP connect latency per remote endpoint (tcp.connect.latency)."},
	[FAM_TCP_CONNECT_ERRORS] = {"hivemon_tcp_connect_errors_total", KIND_COUNTER,
				    "TCP connects that were refused or timed out."},
	[FAM_TCP_RTT] = {"hivemon_tcp_rtt_seconds", KIND_HISTOGRAM,
			 "Smoothed TCP round-trip time samples per remote endpoint (tcp.rtt)."},
	[FAM_TCP_RETRANSMITS] = {"hivemon_tcp_retransmits_total", KIND_COUNTER,
				 "TCP segments retransmitted (tcp.retransmits)."},
	[FAM_TCP_REQUEST_LAT] = {"hivemon_tcp_request_latency_seconds", KIND_HISTOGRAM,
				 "Request/response time on TCP connections (tcp.request.latency)."},
	[FAM_SCHED_RUNQ_LAT] = {"hivemon_sched_runq_latency_seconds", KIND_HISTOGRAM,
				"Time runnable threads waited for a CPU (sched.runq.latency)."},
	[FAM_CPU_SECONDS] = {"hivemon_cpu_seconds_total", KIND_COUNTER, "CPU time spent on a CPU."},
	[FAM_CPU_USAGE] = {"hivemon_cpu_usage_ratio", KIND_GAUGE,
			   "CPU usage in the last interval, 1 = one core busy (cpu.usage / 100)."},
	[FAM_MEM_RSS] = {"hivemon_mem_rss_bytes", KIND_GAUGE, "Resident set size (mem.rss)."},
	[FAM_PAGE_FAULTS] = {"hivemon_alloc_page_faults_total", KIND_COUNTER, "Page faults."},
	[FAM_RECLAIM_STALL] = {"hivemon_alloc_reclaim_stall_seconds", KIND_SUMMARY,
			       "Time stalled in direct memory reclaim (alloc.reclaim.stall)."},
	[FAM_MALLOC_LAT] = {"hivemon_alloc_malloc_latency_seconds", KIND_HISTOGRAM,
			    "malloc latency, net of probe cost (alloc.malloc.latency)."},
	[FAM_PROCESSES] = {"hivemon_processes", KIND_GAUGE, "Processes seen in the last interval."},
	[FAM_LOST_EVENTS] = {"hivemon_lost_events_total", KIND_COUNTER,
			     "Events the kernel could not hand to hivemon (full buffers)."},
	[FAM_STORE_WRITTEN] = {"hivemon_store_rows_written_total", KIND_COUNTER,
			       "Rows committed to the PostgreSQL history."},
	[FAM_STORE_DROPPED] = {"hivemon_store_rows_dropped_total", KIND_COUNTER,
			       "History rows dropped: queue full while the database was away, or "
			       "rejected by it."},
	[FAM_STORE_QUEUED] = {"hivemon_store_rows_queued", KIND_GAUGE,
			      "History rows waiting in memory for the database."},
	[FAM_STORE_CONNECTED] = {"hivemon_store_connected", KIND_GAUGE,
				 "1 when the history store is connected to PostgreSQL."},
};

struct series {
	enum family_id family;
	uint32_t gen;	  /* registry generation that last fed it */
	uint64_t last_ns; /* snapshot time that last fed it */
	char *labels;	  /* `name="value",...`, escaped; "" for none */
	uint64_t count;	  /* counter value, or histogram/summary count */
	uint64_t sum_ns;  /* histogram/summary sum */
	double gauge;
	uint64_t buckets[]; /* histograms: N_BUCKETS per-bound counts (not cumulative) */
};

struct prom_registry {
	bool per_pid;
	uint32_t gen;
	uint64_t now_ns;
	uint8_t slot_bucket[HIST_NSLOTS]; /* kernel slot -> le bucket */
	struct series **series;
	size_t n, cap;
	uint32_t *index; /* open addressing: hash -> series index + 1 */
	size_t index_cap;
};

/* Nanoseconds as exact decimal seconds ("1.500000000"). */
static void tb_seconds(struct textbuf *b, uint64_t ns)
{
	char frac[10];
	uint64_t rest = ns % NS_PER_S;

	textbuf_u64(b, ns / NS_PER_S);
	for (int i = 9; i >= 1; i--) {
		frac[i] = (char)('0' + rest % 10);
		rest /= 10;
	}
	frac[0] = '.';
	textbuf_put(b, frac, sizeof(frac));
}

static void tb_double(struct textbuf *b, double v)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%.9g", v);

	textbuf_put(b, text, (size_t)n);
}

/* ---- labels ---- */

size_t prom_escape_label(const char *value, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value), o = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t seq = utf8_seq_len(s + i, n - i);
		const char *esc = NULL;

		if (s[i] == '\\')
			esc = "\\\\";
		else if (s[i] == '"')
			esc = "\\\"";
		else if (s[i] == '\n')
			esc = "\\n";
		if (esc) {
			if (o + 2 >= cap)
				break;
			memcpy(out + o, esc, 2);
			o += 2;
			i++;
			continue;
		}
		if (!seq) { /* not UTF-8: replaced so the exposition stays valid */
			if (o + 1 >= cap)
				break;
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + seq >= cap)
			break;
		memcpy(out + o, s + i, seq);
		o += seq;
		i += seq;
	}
	out[o] = '\0';
	return o;
}

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

/* ---- series table ---- */

static uint64_t series_hash(enum family_id fam, const char *labels)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)fam;

	for (const unsigned char *c = (const unsigned char *)labels; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return h;
}

static void index_fill(struct prom_registry *r, uint32_t *index, size_t cap)
{
	for (size_t i = 0; i < r->n; i++) {
		size_t h = series_hash(r->series[i]->family, r->series[i]->labels) & (cap - 1);

		while (index[h])
			h = (h + 1) & (cap - 1);
		index[h] = (uint32_t)i + 1;
	}
	free(r->index);
	r->index = index;
	r->index_cap = cap;
}

static int index_rebuild(struct prom_registry *r, size_t cap)
{
	uint32_t *index = calloc(cap, sizeof(*index));

	if (!index)
		return -ENOMEM;
	index_fill(r, index, cap);
	return 0;
}

static struct series *series_find(const struct prom_registry *r, enum family_id fam,
				  const char *labels)
{
	size_t mask = r->index_cap - 1;

	if (!r->index_cap)
		return NULL;
	for (size_t h = series_hash(fam, labels) & mask; r->index[h]; h = (h + 1) & mask) {
		struct series *s = r->series[r->index[h] - 1];

		if (s->family == fam && !strcmp(s->labels, labels))
			return s;
	}
	return NULL;
}

static struct series *series_create(struct prom_registry *r, enum family_id fam, const char *labels)
{
	size_t nb = families[fam].kind == KIND_HISTOGRAM ? N_BUCKETS : 0;
	struct series *s;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct series **grown = realloc(r->series, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		r->series = grown;
		r->cap = cap;
	}
	if ((r->n + 1) * 2 > r->index_cap &&
	    index_rebuild(r, r->index_cap ? r->index_cap * 2 : 512))
		return NULL;
	s = calloc(1, sizeof(*s) + nb * sizeof(s->buckets[0]));
	if (!s)
		return NULL;
	s->labels = strdup(labels);
	if (!s->labels) {
		free(s);
		return NULL;
	}
	s->family = fam;
	r->series[r->n++] = s;
	{
		size_t mask = r->index_cap - 1, h = series_hash(fam, labels) & mask;

		while (r->index[h])
			h = (h + 1) & mask;
		r->index[h] = (uint32_t)r->n;
	}
	return s;
}

/* The series, created when @create; marks it fed by this generation. */
static struct series *series_get(struct prom_registry *r, enum family_id fam, const char *labels,
				 bool create)
{
	struct series *s = series_find(r, fam, labels);

	if (!s && create)
		s = series_create(r, fam, labels);
	if (s) {
		if (families[fam].kind == KIND_GAUGE && s->gen != r->gen)
			s->gauge = 0; /* gauges are levels of this interval, summed over its pids */
		s->gen = r->gen;
		s->last_ns = r->now_ns;
	}
	return s;
}

static bool series_stale(const struct prom_registry *r, const struct series *s)
{
	return s->last_ns + PROM_STALE_NS < r->now_ns;
}

static void series_expire(struct prom_registry *r)
{
	size_t kept = 0, stale = 0;
	uint32_t *index;

	if (r->now_ns < PROM_STALE_NS)
		return;
	for (size_t i = 0; i < r->n; i++)
		stale += series_stale(r, r->series[i]);
	if (!stale)
		return;
	/* The index is rebuilt after compaction; without memory, expire later. */
	index = calloc(r->index_cap, sizeof(*index));
	if (!index)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct series *s = r->series[i];

		if (series_stale(r, s)) {
			free(s->labels);
			free(s);
			continue;
		}
		r->series[kept++] = s;
	}
	r->n = kept;
	index_fill(r, index, r->index_cap);
}

/* ---- feeding ---- */

static int feed_counter(struct prom_registry *r, enum family_id fam, const char *labels,
			uint64_t delta, bool create_at_zero)
{
	struct series *s = series_get(r, fam, labels, delta || create_at_zero);

	if (!s)
		return delta || create_at_zero ? -ENOMEM : 0;
	s->count += delta;
	return 0;
}

static int feed_gauge(struct prom_registry *r, enum family_id fam, const char *labels, double v)
{
	struct series *s = series_get(r, fam, labels, true);

	if (!s)
		return -ENOMEM;
	s->gauge += v;
	return 0;
}

static int feed_summary(struct prom_registry *r, enum family_id fam, const char *labels,
			uint64_t count, uint64_t sum_ns)
{
	struct series *s = series_get(r, fam, labels, count > 0);

	if (!s)
		return count ? -ENOMEM : 0;
	s->count += count;
	s->sum_ns += sum_ns;
	return 0;
}

/* Adds @target counts to @s, spread like @per (per-bucket counts weighing
 * @weight), rounding on the cumulative counts so every `le` stays exact. */
static void add_spread(struct series *s, const uint64_t *per, uint64_t weight, uint64_t target)
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
static void add_untimed(struct series *s, uint64_t calls)
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
	struct series *s;

	for (uint32_t i = 0; i < h->n; i++) {
		uint32_t slot = h->bins[i].slot < HIST_NSLOTS ? h->bins[i].slot : HIST_NSLOTS - 1;

		per[r->slot_bucket[slot]] += h->bins[i].count;
		weight += h->bins[i].count;
	}
	if (!weight && !exact_count)
		return 0;
	s = series_get(r, fam, labels, true);
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
	if (!err)
		err = feed_counter(r, FAM_PAGE_FAULTS, who.text, p->alloc.page_faults, false);
	if (!err)
		err = feed_summary(r, FAM_RECLAIM_STALL, who.text, p->alloc.reclaim_count,
				   p->alloc.reclaim_total_ns);
	if (!err && p->alloc.has_malloc)
		err = feed_hist(r, FAM_MALLOC_LAT, who.text, &p->alloc.malloc.lat, 0);
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
	series_expire(r);
	return err;
}

static int set_value(struct prom_registry *r, enum family_id fam, uint64_t value)
{
	struct series *s = series_get(r, fam, "", true);

	if (!s)
		return -ENOMEM;
	if (families[fam].kind == KIND_GAUGE)
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

/* ---- rendering ---- */

static int series_order(const void *a, const void *b)
{
	const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return strcmp(x->labels, y->labels);
}

/* name + suffix + {labels[,extra]} */
static void render_name(struct textbuf *b, const char *name, const char *suffix, const char *labels,
			const char *extra)
{
	textbuf_puts(b, name);
	textbuf_puts(b, suffix);
	if (!labels[0] && !extra)
		return;
	textbuf_put(b, "{", 1);
	textbuf_puts(b, labels);
	if (extra) {
		if (labels[0])
			textbuf_put(b, ",", 1);
		textbuf_puts(b, extra);
	}
	textbuf_put(b, "}", 1);
}

/* The _sum (seconds) and _count lines of a histogram or summary series. */
static void render_sum_count(struct textbuf *b, const char *name, const struct series *s)
{
	render_name(b, name, "_sum", s->labels, NULL);
	textbuf_put(b, " ", 1);
	tb_seconds(b, s->sum_ns);
	textbuf_put(b, "\n", 1);
	render_name(b, name, "_count", s->labels, NULL);
	textbuf_put(b, " ", 1);
	textbuf_u64(b, s->count);
	textbuf_put(b, "\n", 1);
}

static void render_hist(struct textbuf *b, const char *name, const struct series *s)
{
	struct textbuf prefix = {0};
	uint64_t cum = 0;

	/* `name_bucket{labels,le="` once; the bucket lines only differ after it. */
	textbuf_puts(&prefix, name);
	textbuf_puts(&prefix, "_bucket{");
	textbuf_puts(&prefix, s->labels);
	textbuf_puts(&prefix, s->labels[0] ? ",le=\"" : "le=\"");
	if (prefix.oom) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < N_BUCKETS; i++) {
		cum += s->buckets[i];
		textbuf_put(b, prefix.s, prefix.len);
		textbuf_puts(b, i < N_BOUNDS ? le_bounds[i].text : "+Inf");
		textbuf_put(b, "\"} ", 3);
		textbuf_u64(b, cum);
		textbuf_put(b, "\n", 1);
	}
	textbuf_free(&prefix);
	render_sum_count(b, name, s);
}

static void render_series(struct textbuf *b, const struct series *s)
{
	const struct family *f = &families[s->family];

	switch (f->kind) {
	case KIND_HISTOGRAM:
		render_hist(b, f->name, s);
		return;
	case KIND_SUMMARY:
		render_sum_count(b, f->name, s);
		return;
	case KIND_COUNTER:
		render_name(b, f->name, "", s->labels, NULL);
		textbuf_put(b, " ", 1);
		if (s->family == FAM_CPU_SECONDS)
			tb_seconds(b, s->count);
		else
			textbuf_u64(b, s->count);
		break;
	case KIND_GAUGE:
		render_name(b, f->name, "", s->labels, NULL);
		textbuf_put(b, " ", 1);
		tb_double(b, s->gauge);
		break;
	}
	textbuf_put(b, "\n", 1);
}

static const char *kind_name(enum family_kind kind)
{
	static const char *const names[] = {"counter", "gauge", "histogram", "summary"};

	return names[kind];
}

/* About the size of the exposition, so the buffer grows once or twice. */
static size_t render_estimate(struct series *const *series, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		size_t line =
			strlen(families[series[i]->family].name) + strlen(series[i]->labels) + 40;

		total += families[series[i]->family].kind == KIND_HISTOGRAM ? line * (N_BUCKETS + 2)
									    : line * 2;
	}
	return total;
}

int prom_registry_render(const struct prom_registry *r, char **text, size_t *len)
{
	struct series **sorted = NULL;
	struct textbuf b = {0};
	size_t n = 0;
	int last_family = -1;

	if (r->n) {
		sorted = malloc(r->n * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
	}
	/* Gauges only say something about the interval that fed them last. */
	for (size_t i = 0; i < r->n; i++)
		if (families[r->series[i]->family].kind != KIND_GAUGE ||
		    r->series[i]->gen == r->gen)
			sorted[n++] = r->series[i];
	if (n)
		qsort(sorted, n, sizeof(*sorted), series_order);
	textbuf_reserve(&b, render_estimate(sorted, n));
	for (size_t i = 0; i < n; i++) {
		const struct family *f = &families[sorted[i]->family];

		if ((int)sorted[i]->family != last_family) {
			last_family = (int)sorted[i]->family;
			textbuf_puts(&b, "# HELP ");
			textbuf_puts(&b, f->name);
			textbuf_put(&b, " ", 1);
			textbuf_puts(&b, f->help);
			textbuf_puts(&b, "\n# TYPE ");
			textbuf_puts(&b, f->name);
			textbuf_put(&b, " ", 1);
			textbuf_puts(&b, kind_name(f->kind));
			textbuf_put(&b, "\n", 1);
		}
		render_series(&b, sorted[i]);
	}
	free(sorted);
	if (!textbuf_reserve(&b, 0)) {
		textbuf_free(&b);
		return -ENOMEM;
	}
	*text = b.s;
	*len = b.len;
	return 0;
}

/* ---- lifetime ---- */

struct prom_registry *prom_registry_new(bool per_pid_labels)
{
	struct prom_registry *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->per_pid = per_pid_labels;
	/* A kernel bucket counts under the first bound that holds all of its
	 * values: never more than the true count under any `le`. */
	for (uint32_t slot = 0; slot < HIST_NSLOTS; slot++) {
		uint64_t high = hist_slot_highest(slot);
		size_t b = 0;

		while (b < N_BOUNDS && le_bounds[b].ns < high)
			b++;
		r->slot_bucket[slot] = (uint8_t)b;
	}
	return r;
}

void prom_registry_free(struct prom_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->series[i]->labels);
		free(r->series[i]);
	}
	free(r->series);
	free(r->index);
	free(r);
}
