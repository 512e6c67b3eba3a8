// SPDX-License-Identifier: GPL-2.0
/* Bottleneck rules over a snapshot: CPU, run queue, syscalls, TCP, memory. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "analysis/slow_query.h"
#include "core/pool.h"
#include "core/services.h"
#include "core/syscalls.h"
#include "util/units.h"

#define MS 1000000ULL
#define MB (1024ULL * 1024)

void analysis_default_limits(struct analysis_limits *lim)
{
	lim->api_warning_ns = 150 * MS;
	lim->api_critical_ns = 200 * MS;
	lim->db_slow_ns = 100 * MS;
	lim->rss_warning = 80 * MB;
	lim->rss_critical = 100 * MB;
	lim->cpu_warning = 70;
	lim->cpu_critical = 85;
	lim->runq_share_warning = 0.10;
	lim->error_ratio_warning = 0.5;
	lim->min_calls = 10;
	lim->min_errors = 100;
	lim->pool_min = POOL_MIN_DEFAULT;
	lim->pool_max = POOL_MAX_DEFAULT;
	lim->starved_for_host = 2;
	lim->lock_share_warning = 0.30;
	lim->chain_share = 0.50;
	lim->growth_min_rate = 64 * 1024;
	lim->growth_min_r2 = 0.90;
	lim->growth_min_span_s = 3;
	lim->slow_query_ns = 100 * MS;
}

void analysis_limits_for(const struct snapshot *snap, struct analysis_limits *lim)
{
	analysis_default_limits(lim);
	/* A statement the probe sent as slow is slow here too: one threshold. */
	if (snap->slow_query_ns)
		lim->slow_query_ns = snap->slow_query_ns;
}

const char *finding_severity_name(enum finding_severity s)
{
	return s == FINDING_CRITICAL ? "critical" : s == FINDING_WARNING ? "warning" : "info";
}

/* Frees what the findings own and empties the list (its room is kept). */
static void findings_clear(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		finding_release(&f->items[i]);
	f->n = 0;
}

void findings_free(struct findings *f)
{
	findings_clear(f);
	free(f->items);
	memset(f, 0, sizeof(*f));
}

static int add(struct findings *out, const struct proc_snapshot *p, const struct finding_spec *spec,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int add(struct findings *out, const struct proc_snapshot *p, const struct finding_spec *spec,
	       const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = finding_vadd(out, p, spec, fmt, ap);
	va_end(ap);
	return f ? 0 : -ENOMEM;
}

/* Share of the window @p spent waiting for a CPU (1.0: a whole core). */
static double waiting_share(const struct proc_snapshot *p, uint64_t window_ns)
{
	return window_ns && !p->exited ? (double)p->sched.runq.sum_ns / (double)window_ns : 0;
}

/* @host_saturated: the wait is the host's (one cpu-saturated finding), not
 * the process's own. */
static int check_cpu(const struct proc_snapshot *p, const struct analysis_limits *lim,
		     uint64_t window_ns, bool host_saturated, struct findings *out)
{
	double cpu = window_ns ? 100.0 * p->sched.oncpu_ns / window_ns : 0;
	double waiting = window_ns ? (double)p->sched.runq.sum_ns / window_ns : 0;
	char p99[UNITS_BUFLEN];
	int err = 0;

	if (cpu >= lim->cpu_warning) {
		struct finding_spec spec = {
			cpu >= lim->cpu_critical ? FINDING_CRITICAL : FINDING_WARNING,
			"cpu-bound",
			"cpu.usage",
			"profile its hot path (perf top -p PID); if it is a worker pool, spread "
			"the work over more processes or CPUs",
			cpu,
			cpu >= lim->cpu_critical ? lim->cpu_critical : lim->cpu_warning,
		};

		err = add(out, p, &spec, "uses %.0f%% of a CPU core", cpu);
	}
	if (!err && !host_saturated && waiting >= lim->runq_share_warning) {
		struct finding_spec spec = {
			waiting >= 2 * lim->runq_share_warning ? FINDING_CRITICAL : FINDING_WARNING,
			"cpu-starved",
			"cpu.wait",
			"the CPUs it may run on are oversubscribed: run fewer busy processes "
			"there, widen its CPU affinity or cgroup CPU quota, or add CPUs",
			waiting * 100,
			lim->runq_share_warning * 100,
		};

		err = add(out, p, &spec,
			  "waits for a CPU %.0f%% of the time (run-queue delay p99 %s)",
			  waiting * 100,
			  format_ns(hist_quantile(&p->sched.runq, 0.99), p99, sizeof(p99)));
	}
	return err;
}

static bool is_database_port(uint16_t port)
{
	static const uint16_t ports[] = {5432, 3306, 6379, 27017, 11211, 9042, 1521, 1433};

	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (port == ports[i])
			return true;
	return false;
}

static int check_requests(const struct proc_snapshot *p, const struct analysis_limits *lim,
			  struct findings *out)
{
	char ep[ENDPOINT_STRLEN], p99s[UNITS_BUFLEN];

	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];
		uint64_t p99 = hist_quantile(&r->lat, 0.99);
		int err = 0;

		if (r->count < lim->min_calls)
			continue;
		format_ns(p99, p99s, sizeof(p99s));
		/* Servers are judged per service, with their upstreams (chain.c). */
		if (r->role == TCP_ROLE_CLIENT && is_database_port(r->remote.port) &&
		    p99 >= lim->db_slow_ns) {
			struct finding_spec spec = {
				FINDING_WARNING,
				"slow-database",
				"tcp.request.latency.p99",
				"find the slow queries on the server (pg_stat_statements, slow "
				"log), add indexes, or batch round-trips",
				(double)p99,
				(double)lim->db_slow_ns,
			};

			err = add(out, p, &spec, "database round-trips to %s take p99 %s",
				  endpoint_format(&r->remote, ep, sizeof(ep)), p99s);
		}
		if (err)
			return err;
	}
	return 0;
}

/* Every client endpoint with traffic gets a pool size: the number a pool
 * owner wants to know, even when nothing is wrong yet. */
static int check_pools(const struct proc_snapshot *p, const struct analysis_limits *lim,
		       uint64_t window_ns, struct findings *out)
{
	char ep[ENDPOINT_STRLEN];

	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];
		struct pool_advice adv;

		if (r->role != TCP_ROLE_CLIENT || r->count < lim->min_calls)
			continue;
		pool_advise(r, window_ns, lim->pool_min, lim->pool_max, &adv);
		struct finding_spec spec = {
			FINDING_INFO,
			"pool-size",
			"pool.recommended_size",
			"size this client's connection pool to the recommended value; it covers "
			"the measured tail concurrency with 25% headroom",
			adv.size,
			adv.tail_inflight,
		};

		if (add(out, p, &spec,
			"pool to %s: %.1f req/s, %.1f in flight on average, %.1f at p99: "
			"recommended size %u",
			endpoint_format(&r->remote, ep, sizeof(ep)), adv.rate, adv.mean_inflight,
			adv.tail_inflight, adv.size))
			return -ENOMEM;
	}
	return 0;
}

static int check_network(const struct proc_snapshot *p, uint64_t window_ns, struct findings *out)
{
	double seconds = window_ns ? (double)window_ns / 1e9 : 1;
	char ep[ENDPOINT_STRLEN];

	for (size_t i = 0; i < p->tcp.n_connect; i++) {
		const struct tcp_remote_stat *c = &p->tcp.connect[i];
		struct finding_spec spec = {
			FINDING_WARNING,
			"connect-failures",
			"tcp.connect.errors",
			"check that the service at that address is up and listening, and its "
			"backlog; pool connections instead of reconnecting",
			(double)c->errors / seconds,
			0,
		};

		if (c->errors && add(out, p, &spec, "%llu of %llu connects to %s failed",
				     (unsigned long long)c->errors, (unsigned long long)c->count,
				     endpoint_format(&c->remote, ep, sizeof(ep))))
			return -ENOMEM;
	}
	if (p->tcp.retransmits) {
		struct finding_spec spec = {
			FINDING_INFO,
			"retransmits",
			"tcp.retransmits",
			"packet loss or a congested path: check interface errors (ip -s link) and "
			"the peer's load",
			(double)p->tcp.retransmits / seconds,
			0,
		};

		return add(out, p, &spec, "%llu TCP segments retransmitted",
			   (unsigned long long)p->tcp.retransmits);
	}
	return 0;
}

static int check_memory(const struct proc_snapshot *p, const struct analysis_limits *lim,
			struct findings *out)
{
	char rss[UNITS_BUFLEN], anon[UNITS_BUFLEN], stall[UNITS_BUFLEN];
	int err = 0;

	/* Private memory: shared memory (a database's shared buffers) and file
	 * pages are counted in every process mapping them. */
	if (p->alloc.rss_anon >= lim->rss_warning) {
		bool critical = p->alloc.rss_anon >= lim->rss_critical;
		struct finding_spec spec = {
			critical ? FINDING_CRITICAL : FINDING_WARNING,
			"memory-high",
			"mem.anon",
			"look for caches without bounds and leaks (outstanding bytes of "
			"hivemon report --alloc --pid PID)",
			(double)p->alloc.rss_anon,
			(double)(critical ? lim->rss_critical : lim->rss_warning),
		};

		err = add(out, p, &spec, "private memory is %s (resident %s)",
			  format_bytes(p->alloc.rss_anon, anon, sizeof(anon)),
			  format_bytes(p->alloc.rss_bytes, rss, sizeof(rss)));
	}
	if (!err && p->alloc.reclaim_count) {
		struct finding_spec spec = {
			FINDING_WARNING,
			"memory-pressure",
			"alloc.reclaim.stall.max",
			"the host is short of free memory: lower memory use of the largest "
			"processes or raise the memory limit of its cgroup",
			(double)p->alloc.reclaim_max_ns,
			0,
		};

		err = add(out, p, &spec, "stalled %llu times in direct reclaim (%s in total)",
			  (unsigned long long)p->alloc.reclaim_count,
			  format_ns(p->alloc.reclaim_total_ns, stall, sizeof(stall)));
	}
	return err;
}

/* Calls that wait by design: long latencies there are idleness, not trouble. */
static bool is_waiting_syscall(const char *name)
{
	static const char *const waits[] = {
		"epoll_wait",	   "epoll_pwait",    "epoll_pwait2", "poll",
		"ppoll",	   "select",	     "pselect6",     "nanosleep",
		"clock_nanosleep", "pause",	     "wait4",	     "waitid",
		"rt_sigtimedwait", "rt_sigsuspend",  "accept",	     "accept4",
		"futex",	   "recvmsg",	     "recvfrom",     "read",
		"io_getevents",	   "io_uring_enter", "msgrcv",	     "semtimedop",
		"futex_wait",
	};

	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++)
		if (!strcmp(name, waits[i]))
			return true;
	return false;
}

/* Calls whose failures are part of normal operation (timeouts, EAGAIN on
 * non-blocking I/O, ENOTTY probing, EINPROGRESS). */
static bool fails_by_design(const char *name)
{
	static const char *const normal[] = {
		"futex",    "ioctl",	"wait4",      "waitid",	 "accept",    "accept4",
		"read",	    "recvfrom", "recvmsg",    "connect", "epoll_ctl", "rt_sigreturn",
		"readlink", "access",	"newfstatat", "statx",
	};

	for (size_t i = 0; i < sizeof(normal) / sizeof(normal[0]); i++)
		if (!strcmp(name, normal[i]))
			return true;
	return false;
}

static const char *syscall_advice(const char *name)
{
	if (strstr(name, "sync"))
		return "each call waits for the disk: batch writes and flush less often "
		       "(group commit), or move the data to faster storage";
	if (!strcmp(name, "connect"))
		return "connection set-up is slow: keep connections open in a pool";
	if (strstr(name, "write") || strstr(name, "open") || strstr(name, "stat") ||
	    strstr(name, "pread"))
		return "file-system I/O is slow: check the device's latency (iostat -x) and "
		       "whether the data can be cached";
	if (strstr(name, "mmap") || strstr(name, "munmap") || !strcmp(name, "brk") ||
	    !strcmp(name, "madvise"))
		return "memory mapping churn: reuse buffers, or tune the allocator's trim "
		       "and arena settings";
	return "find what makes this call slow (strace -T -e NAME -p PID)";
}

static int check_syscalls(const struct proc_snapshot *p, const struct analysis_limits *lim,
			  struct findings *out)
{
	for (size_t i = 0; i < p->n_syscalls; i++) {
		const struct syscall_stat *sc = &p->syscalls[i];
		char name[SYSCALL_NAME_LEN], p99s[UNITS_BUFLEN];
		const char *nm = syscall_name(sc->nr, name, sizeof(name));
		/* No quantile of a histogram whose largest value is under the limit. */
		uint64_t p99 =
			sc->lat.max_ns >= lim->db_slow_ns / 2 ? hist_quantile(&sc->lat, 0.99) : 0;
		int err = 0;

		if (sc->count < lim->min_calls)
			continue;
		/* Numbers first: the name lists are the costly part on a busy host. */
		if (sc->errors >= lim->min_errors &&
		    sc->errors >= lim->error_ratio_warning * sc->count && !fails_by_design(nm)) {
			struct finding_spec spec = {
				FINDING_INFO,
				"syscall-errors",
				"syscall.error_ratio",
				"a failing call repeated in a loop wastes time: check what it "
				"asks for (strace -e NAME -Z -p PID)",
				100.0 * (double)sc->errors / (double)sc->count,
				100.0 * lim->error_ratio_warning,
			};

			err = add(out, p, &spec, "%llu of %llu %s calls failed",
				  (unsigned long long)sc->errors, (unsigned long long)sc->count,
				  nm);
		}
		if (!err && p99 >= lim->db_slow_ns / 2 && !is_waiting_syscall(nm)) {
			struct finding_spec spec = {
				FINDING_WARNING,    "slow-syscall", "syscall.latency.p99",
				syscall_advice(nm), (double)p99,    (double)(lim->db_slow_ns / 2),
			};

			err = add(out, p, &spec, "%s calls take p99 %s (%llu calls)", nm,
				  format_ns(p99, p99s, sizeof(p99s)),
				  (unsigned long long)sc->count);
		}
		if (err)
			return err;
	}
	return 0;
}

static int by_severity_desc(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->severity != y->severity)
		return (int)y->severity - (int)x->severity;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

struct consumer {
	const char *service;
	double cpu, wait; /* cores */
	size_t procs;
};

static int by_cpu_desc(const void *a, const void *b)
{
	const struct consumer *x = a, *y = b;

	return (x->cpu < y->cpu) - (x->cpu > y->cpu);
}

/* The services' CPU use and wait, busiest first; NULL on ENOMEM. */
static struct consumer *consumers_of(const struct snapshot *snap, const struct services *svcs)
{
	struct consumer *c = calloc(svcs->n + 1, sizeof(*c));
	double window = (double)snap->duration_ns;

	for (size_t i = 0; c && i < svcs->n; i++) {
		c[i].service = svcs->items[i].name;
		c[i].procs = svcs->items[i].n_procs;
		for (size_t k = 0; k < svcs->items[i].n_procs; k++) {
			const struct proc_snapshot *p = &snap->procs[svcs->items[i].procs[k]];

			c[i].cpu += (double)p->sched.oncpu_ns / window;
			c[i].wait += waiting_share(p, snap->duration_ns);
		}
	}
	if (c)
		qsort(c, svcs->n, sizeof(*c), by_cpu_desc);
	return c;
}

/* "pgbench 1.1 cores, postgres 0.8 cores (10 processes)" of the top three. */
static void describe_consumers(const struct consumer *c, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 3 && used < len; i++) {
		char procs[48] = "";

		if (c[i].procs > 1)
			snprintf(procs, sizeof(procs), " (%zu processes)", c[i].procs);
		used += (size_t)snprintf(buf + used, len - used, "%s%s %.1f cores%s", i ? ", " : "",
					 c[i].service, c[i].cpu, procs);
	}
}

/*
 * Several processes waiting for a CPU at once is the host's problem, not
 * each process's: one finding that says how much CPU is missing and who
 * uses it, instead of one cpu-starved finding per process.
 */
static int check_host_cpu(const struct snapshot *snap, const struct analysis_limits *lim,
			  bool *saturated, struct findings *out)
{
	double total_wait = 0, worst = 0;
	unsigned int starved = 0;
	struct services svcs;
	struct consumer *c;
	char top[160];
	int err;

	for (size_t i = 0; i < snap->n_procs; i++) {
		double w = waiting_share(&snap->procs[i], snap->duration_ns);

		total_wait += w;
		if (w >= lim->runq_share_warning) {
			starved++;
			worst = w > worst ? w : worst;
		}
	}
	*saturated = starved >= lim->starved_for_host;
	if (!*saturated)
		return 0;
	if (services_build(snap, &svcs))
		return -ENOMEM;
	c = consumers_of(snap, &svcs);
	if (!c) {
		services_free(&svcs);
		return -ENOMEM;
	}
	describe_consumers(c, svcs.n, top, sizeof(top));
	struct finding_spec spec = {
		total_wait >= 1.0 ? FINDING_CRITICAL : FINDING_WARNING,
		"cpu-saturated",
		"cpu.wait",
		"the host is short of CPU: add CPUs, or take work off it (limit, move or "
		"reschedule the top consumers)",
		worst * 100,
		lim->runq_share_warning * 100,
	};
	err = add(out, NULL, &spec,
		  "the CPUs are saturated: %u processes wait for a CPU, %.1f cores' worth in "
		  "all (%.0f more CPUs would absorb it); top consumers: %s",
		  starved, total_wait, total_wait < 1 ? 1 : total_wait + 0.5, top);
	free(c);
	services_free(&svcs);
	return err;
}

/* The analyses of services as a whole: what their time is spent on, which
 * services' slowness explains theirs, and what grows. */
static int check_services(const struct snapshot *snap, const struct analysis_limits *lim,
			  struct findings *out)
{
	struct services svcs;
	int err;

	if (services_build(snap, &svcs))
		return -ENOMEM;
	err = analysis_breakdowns(snap, &svcs, lim, out);
	if (!err)
		err = analysis_chains(snap, &svcs, lim, out);
	services_free(&svcs);
	return err ? err : analysis_growth(snap, lim, out);
}

int analysis_run(const struct snapshot *snap, const struct analysis_limits *lim,
		 struct findings *out)
{
	bool host_saturated;

	findings_clear(out);
	if (check_host_cpu(snap, lim, &host_saturated, out) || check_slow_queries(snap, lim, out))
		return -ENOMEM;
	for (size_t i = 0; i < snap->n_procs; i++) {
		const struct proc_snapshot *p = &snap->procs[i];

		if (check_cpu(p, lim, snap->duration_ns, host_saturated, out) ||
		    check_requests(p, lim, out) || check_pools(p, lim, snap->duration_ns, out) ||
		    check_network(p, snap->duration_ns, out) || check_memory(p, lim, out) ||
		    check_syscalls(p, lim, out))
			return -ENOMEM;
	}
	if (check_services(snap, lim, out))
		return -ENOMEM;
	if (out->n)
		qsort(out->items, out->n, sizeof(out->items[0]), by_severity_desc);
	findings_collapse_services(out);
	return 0;
}

/* "queries" of a slow-query finding; the fingerprint as 16 hex digits (a
 * JSON number loses bits past 2^53). */
static json_t *queries_to_json(const struct finding *x)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < x->n_queries; i++) {
		const struct finding_query *q = &x->queries[i];
		char fp[17];

		snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)q->fingerprint);
		json_array_append_new(
			arr, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:f}", "fingerprint", fp,
				       "query", q->text, "calls", (json_int_t)q->calls, "errors",
				       (json_int_t)q->errors, "total_ns", (json_int_t)q->total_ns,
				       "p99_ns", (json_int_t)q->p99_ns, "share", q->share));
	}
	return arr;
}

json_t *findings_to_json(const struct findings *f)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		json_t *o = json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:f, s:f}", "pid",
				      (json_int_t)x->pid, "comm", x->comm, "service",
				      x->service[0] ? json_string(x->service) : json_null(), "kind",
				      x->kind, "severity", finding_severity_name(x->severity),
				      "summary", x->summary, "recommendation", x->recommendation,
				      "metric", x->metric, "value", x->value, "threshold",
				      x->threshold);

		finding_extras_json(x, o);
		if (o && x->n_queries)
			json_object_set_new(o, "queries", queries_to_json(x));
		json_array_append_new(arr, o);
	}
	return arr;
}
