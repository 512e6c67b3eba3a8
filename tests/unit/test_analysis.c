// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the bottleneck rules on fixed snapshots. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

#include <cmocka.h>

#include "analysis/analysis.h"
#include "analysis/baseline.h"
#include "analysis/breakdown.h"
#include "analysis/held.h"
#include "analysis/slow_query.h"
#include "core/app_text.h"
#include "core/metrics.h"

#define MS  1000000ULL
#define SEC 1000000000ULL

static struct proc_snapshot *proc(struct snapshot *s, uint32_t pid, const char *comm)
{
	struct proc_snapshot *p = snapshot_proc(s, pid);

	strcpy(p->comm, comm);
	return p;
}

static void record_n(struct hist *h, uint64_t n, uint64_t value)
{
	for (uint64_t i = 0; i < n; i++)
		hist_record(h, value);
}

static const struct finding *find(const struct findings *f, uint32_t pid, const char *kind)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].pid == pid && !strcmp(f->items[i].kind, kind))
			return &f->items[i];
	return NULL;
}

struct fixture {
	struct snapshot snap;
	struct analysis_limits lim;
	struct findings found;
};

static int setup(void **state)
{
	static struct fixture fx;

	memset(&fx, 0, sizeof(fx));
	snapshot_init(&fx.snap);
	fx.snap.duration_ns = 10 * SEC;
	analysis_default_limits(&fx.lim);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	snapshot_free(&fx->snap);
	findings_free(&fx->found);
	return 0;
}

static void test_sleeper_is_fine(void **state)
{
	struct fixture *fx = *state;
	struct syscall_stat *sc = proc_syscall(proc(&fx->snap, 1, "sleeper"), 230);

	sc->count = 40;
	record_n(&sc->lat, 40, 20 * MS);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(fx->found.n, 0);
}

static void test_cpu_bound_and_starved(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *busy = proc(&fx->snap, 2, "busy");
	struct proc_snapshot *half = proc(&fx->snap, 3, "half");
	const struct finding *f;

	busy->sched.oncpu_ns = 9 * SEC;		   /* 90 % of a core: critical */
	half->sched.oncpu_ns = 7.5 * SEC;	   /* 75 %: warning */
	record_n(&half->sched.runq, 1000, 3 * MS); /* 3 s of 10 waiting */
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	f = find(&fx->found, 2, "cpu-bound");
	assert_non_null(f);
	assert_int_equal(f->severity, FINDING_CRITICAL);
	assert_true(f->value > 89 && f->value < 91);
	f = find(&fx->found, 3, "cpu-bound");
	assert_non_null(f);
	assert_int_equal(f->severity, FINDING_WARNING);
	f = find(&fx->found, 3, "cpu-starved");
	assert_non_null(f);
	assert_int_equal(f->severity, FINDING_CRITICAL);
	assert_null(find(&fx->found, 2, "cpu-starved"));
	/* Most severe first. */
	assert_int_equal(fx->found.items[0].severity, FINDING_CRITICAL);
	assert_int_equal(fx->found.items[fx->found.n - 1].severity, FINDING_WARNING);
}

static void test_slow_responses_and_database(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *api = proc(&fx->snap, 4, "api");
	struct endpoint listen = {.family = AF_INET, .port = 8080};
	struct endpoint db = {.family = AF_INET, .port = 5432};
	struct endpoint cache = {.family = AF_INET, .port = 9999};
	struct tcp_request_stat *r;
	const struct finding *f;

	db.addr[0] = 127;
	db.addr[3] = 1;
	r = proc_tcp_request(api, TCP_ROLE_SERVER, &listen, NULL);
	r->count = 100;
	record_n(&r->lat, 100, 250 * MS);
	r = proc_tcp_request(api, TCP_ROLE_CLIENT, NULL, &db);
	r->count = 100;
	record_n(&r->lat, 100, 120 * MS);
	r = proc_tcp_request(api, TCP_ROLE_CLIENT, NULL, &cache);
	r->count = 100;
	record_n(&r->lat, 100, 120 * MS); /* slow, but not a database port */
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	f = find(&fx->found, 4, "slow-responses");
	assert_non_null(f);
	assert_int_equal(f->severity, FINDING_CRITICAL);
	assert_non_null(strstr(f->summary, "0.0.0.0:8080"));
	f = find(&fx->found, 4, "slow-database");
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "127.0.0.1:5432"));
	/* 10 req/s at p99 ~120 ms: 1.2 in flight, below the minimum pool of 5. */
	f = find(&fx->found, 4, "pool-size");
	assert_non_null(f);
	assert_int_equal((int)f->value, 5);
	assert_int_equal(fx->found.n, 4); /* one pool-size per client endpoint */
}

static void test_api_warning_tier(void **state)
{
	struct fixture *fx = *state;
	struct endpoint listen = {.family = AF_INET, .port = 80};
	struct tcp_request_stat *r =
		proc_tcp_request(proc(&fx->snap, 5, "web"), TCP_ROLE_SERVER, &listen, NULL);

	r->count = 50;
	record_n(&r->lat, 50, 160 * MS);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(fx->found.n, 1);
	assert_int_equal(fx->found.items[0].severity, FINDING_WARNING);
}

static void test_memory_network_and_syscalls(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *p = proc(&fx->snap, 6, "db");
	struct endpoint peer = {.family = AF_INET, .port = 6000};
	struct tcp_remote_stat *c = proc_tcp_connect(p, &peer);
	struct syscall_stat *fsync = proc_syscall(p, 74), *kill = proc_syscall(p, 62);
	struct syscall_stat *poll = proc_syscall(p, 7);

	p->alloc.rss_bytes = 120ULL << 20;
	p->alloc.rss_anon = 110ULL << 20;
	p->alloc.reclaim_count = 3;
	p->alloc.reclaim_total_ns = 30 * MS;
	p->tcp.retransmits = 7;
	c->count = 10;
	c->errors = 4;
	fsync->count = 20;
	record_n(&fsync->lat, 20, 80 * MS);
	kill->count = 100;
	kill->errors = 100;
	record_n(&kill->lat, 100, 1000);
	poll->count = 20;
	record_n(&poll->lat, 20, 900 * MS); /* waiting by design: no finding */
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(find(&fx->found, 6, "memory-high")->severity, FINDING_CRITICAL);
	assert_non_null(find(&fx->found, 6, "memory-pressure"));
	assert_non_null(find(&fx->found, 6, "retransmits"));
	assert_non_null(strstr(find(&fx->found, 6, "connect-failures")->summary, "4 of 10"));
	assert_non_null(strstr(find(&fx->found, 6, "slow-syscall")->summary, "fsync"));
	assert_non_null(strstr(find(&fx->found, 6, "syscall-errors")->summary, "100 of 100 kill"));
	assert_int_equal(fx->found.n, 6);
}

static void test_pool_size_follows_littles_law(void **state)
{
	struct fixture *fx = *state;
	struct endpoint db = {.family = AF_INET, .port = 5432};
	struct tcp_request_stat *r =
		proc_tcp_request(proc(&fx->snap, 8, "worker"), TCP_ROLE_CLIENT, NULL, &db);
	const struct finding *f;

	/* 2000 requests of 50 ms in 10 s: 200/s * 0.05 s = 10 in flight; +25 % = 12.5. */
	r->count = 2000;
	record_n(&r->lat, 2000, 50 * MS);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	f = find(&fx->found, 8, "pool-size");
	assert_non_null(f);
	assert_int_equal((int)f->value, 13);
	assert_true(f->threshold > 9.5 && f->threshold < 10.5);
	/* 20000 of them: 100 in flight, clamped to the maximum of 50. */
	r->count = 20000;
	record_n(&r->lat, 18000, 50 * MS);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal((int)find(&fx->found, 8, "pool-size")->value, 50);
}

static void test_findings_json(void **state)
{
	struct fixture *fx = *state;
	json_t *arr;

	proc(&fx->snap, 7, "hot")->sched.oncpu_ns = 10 * SEC;
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	arr = findings_to_json(&fx->found);
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "kind")),
			    "cpu-bound");
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "severity")),
			    "critical");
	json_decref(arr);
}

struct metric_match {
	const struct finding *f;
	bool found;
};

/* Whether the finding's series (same pid) has the finding's value. */
static void match_value(void *ctx, const struct series_labels *l, double value)
{
	struct metric_match *m = ctx;
	char pid[16];

	snprintf(pid, sizeof(pid), "%u", m->f->pid);
	if (!strcmp(l->pid, pid) && value >= m->f->value * 0.999999 &&
	    value <= m->f->value * 1.000001)
		m->found = true;
}

/* Every finding names a metric of the list, and its value is what that
 * metric gives for the process: same unit, same number. */
static void test_findings_speak_their_metric(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *p = proc(&fx->snap, 9, "everything");
	struct endpoint listen = {.family = AF_INET, .port = 80},
			db = {.family = AF_INET, .port = 5432};
	struct tcp_request_stat *r;

	fx->snap.probes = PROBES_DEFAULT;
	p->sched.oncpu_ns = 8 * SEC;
	record_n(&p->sched.runq, 1000, 3 * MS);
	r = proc_tcp_request(p, TCP_ROLE_SERVER, &listen, NULL);
	r->count = 100;
	record_n(&r->lat, 100, 250 * MS);
	r = proc_tcp_request(p, TCP_ROLE_CLIENT, NULL, &db);
	r->count = 100;
	record_n(&r->lat, 100, 120 * MS);
	proc_tcp_connect(p, &db)->count = 10;
	proc_tcp_connect(p, &db)->errors = 4;
	p->tcp.retransmits = 7;
	p->alloc.rss_bytes = 120ULL << 20;
	p->alloc.rss_anon = 110ULL << 20;
	p->alloc.reclaim_count = 3;
	p->alloc.reclaim_total_ns = 30 * MS;
	p->alloc.reclaim_max_ns = 20 * MS;
	proc_syscall(p, 74)->count = 20;
	record_n(&proc_syscall(p, 74)->lat, 20, 80 * MS);
	proc_syscall(p, 62)->count = 100;
	proc_syscall(p, 62)->errors = 100;
	record_n(&proc_syscall(p, 62)->lat, 100, 1000);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(fx->found.n, 11);
	for (size_t i = 0; i < fx->found.n; i++) {
		const struct finding *f = &fx->found.items[i];
		struct metric_match m = {.f = f};
		struct metric_id id;

		if (metric_parse(f->metric, &id))
			fail_msg("%s: metric '%s' is not a metric", f->kind, f->metric);
		metrics_foreach(&fx->snap, &id, match_value, &m);
		if (!m.found)
			fail_msg("%s: value %g is not what %s gives", f->kind, f->value, f->metric);
	}
}

/* Shared memory counted in every process mapping it (a database's shared
 * buffers) is not the process's own: no memory finding for it. */
static void test_shared_memory_is_not_private(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *backend = proc(&fx->snap, 10, "postgres");

	backend->alloc.rss_bytes = 94ULL << 20;
	backend->alloc.rss_shmem = 88ULL << 20;
	backend->alloc.rss_file = 4ULL << 20;
	backend->alloc.rss_anon = 2ULL << 20;
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_null(find(&fx->found, 10, "memory-high"));
}

/* Three processes of two services wait for a CPU at once: one host finding
 * naming the services by CPU use, and no finding per process. */
static void test_host_cpu_saturation(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *a = proc(&fx->snap, 11, "postgres"),
			     *b = proc(&fx->snap, 12, "postgres");
	struct proc_snapshot *c = proc(&fx->snap, 13, "pgbench");
	const struct finding *f;

	strcpy(a->service, "postgres");
	a->service_key = b->service_key = 1;
	strcpy(b->service, "postgres");
	strcpy(c->service, "pgbench");
	c->service_key = 2;
	a->sched.oncpu_ns = b->sched.oncpu_ns = 4 * SEC;
	c->sched.oncpu_ns = 9 * SEC;
	record_n(&a->sched.runq, 1000, 3 * MS); /* 30 % waiting each */
	record_n(&b->sched.runq, 1000, 3 * MS);
	record_n(&c->sched.runq, 1000, 5 * MS); /* 50 % */
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	f = find(&fx->found, 0, "cpu-saturated");
	assert_non_null(f);
	assert_int_equal(f->severity, FINDING_CRITICAL); /* 1.1 cores waiting in all */
	assert_string_equal(f->comm, "host");
	assert_string_equal(f->metric, "cpu.wait");
	assert_true(f->value > 49.9 && f->value < 50.1); /* the worst process's wait */
	assert_non_null(strstr(f->summary, "3 processes wait for a CPU, 1.1 cores' worth"));
	assert_non_null(strstr(
		f->summary, "top consumers: pgbench 0.9 cores, postgres 0.8 cores (2 processes)"));
	assert_null(find(&fx->found, 11, "cpu-starved"));
	assert_null(find(&fx->found, 13, "cpu-starved"));
	assert_string_equal(find(&fx->found, 13, "cpu-bound")->service, "pgbench");
}

/* A statement row of @p: @calls calls of @each_ns, as the probe fills it. */
static void sql_row(struct proc_snapshot *p, uint8_t role, const char *text, uint64_t calls,
		    uint64_t each_ns)
{
	struct app_request_stat *r =
		proc_app_request(p, APP_PGSQL, role, NULL, 0, app_text_fingerprint(text), text);

	assert_non_null(r);
	r->count += calls;
	record_n(&r->lat, calls, each_ns);
}

/* A process of service @svc (key @key): what the collector would name it. */
static struct proc_snapshot *svc_proc(struct snapshot *s, uint32_t pid, const char *svc,
				      uint64_t key)
{
	struct proc_snapshot *p = proc(s, pid, svc);

	strcpy(p->service, svc);
	p->service_key = key;
	return p;
}

static size_t count_kind(const struct findings *f, const char *kind)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += !strcmp(f->items[i].kind, kind);
	return n;
}

static const struct finding *find_kind(const struct findings *f, const char *kind)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->items[i].kind, kind))
			return &f->items[i];
	return NULL;
}

static void add_calls(struct proc_snapshot *p, uint32_t nr, uint64_t n, uint64_t each_ns)
{
	struct syscall_stat *sc = proc_syscall(p, nr);

	sc->count += n;
	record_n(&sc->lat, n, each_ns);
}

/* Half asleep, half on a CPU: 50/50; every kind adds up to 100 %. */
static void test_breakdown_shares(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *p = svc_proc(&fx->snap, 20, "duty", 1);
	struct time_breakdown b = {0};
	char text[160];
	double sum = 0;

	p->sched.oncpu_ns = 5 * SEC;
	add_calls(p, SYS_clock_nanosleep, 500, 10 * MS);
	breakdown_add_proc(&b, p);
	assert_true(breakdown_share(&b, TIME_ONCPU) > 0.499 &&
		    breakdown_share(&b, TIME_ONCPU) < 0.501);
	assert_true(breakdown_share(&b, TIME_SLEEP) > 0.499 &&
		    breakdown_share(&b, TIME_SLEEP) < 0.501);
	for (int k = 0; k < TIME_KINDS; k++)
		sum += breakdown_share(&b, k);
	assert_true(sum > 0.999 && sum < 1.001);
	breakdown_format(&b, text, sizeof(text));
	assert_string_equal(text, "on-CPU 50%, sleep 50%");
	/* Classification by call number. */
	assert_int_equal(syscall_time_kind(SYS_epoll_wait), TIME_NETWORK);
	assert_int_equal(syscall_time_kind(SYS_recvfrom), TIME_NETWORK);
	assert_int_equal(syscall_time_kind(SYS_fsync), TIME_DISK);
	assert_int_equal(syscall_time_kind(SYS_pread64), TIME_DISK);
	assert_int_equal(syscall_time_kind(SYS_futex), TIME_LOCKS);
	assert_int_equal(syscall_time_kind(SYS_wait4), TIME_CHILD);
	assert_int_equal(syscall_time_kind(SYS_read), TIME_OTHER); /* socket, pipe or file */
	assert_int_equal(breakdown_top(&b, true), TIME_SLEEP);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(fx->found.n, 0);
}

/* Four threads on one lock: 3/4 of their time in short futex waits is
 * contention; a pool parked on a condition variable is not. */
static void test_lock_contention(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *busy = svc_proc(&fx->snap, 21, "locker", 1);
	struct proc_snapshot *idle = svc_proc(&fx->snap, 22, "pool", 2);
	const struct finding *f;

	busy->sched.oncpu_ns = 10 * SEC;
	add_calls(busy, SYS_futex, 300000, 100000); /* 30 s of 100 us waits */
	idle->sched.oncpu_ns = 100 * MS;
	add_calls(idle, SYS_futex, 80, 500 * MS); /* 40 s of parked threads */
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "lock-contention"), 1);
	f = find(&fx->found, 21, "lock-contention");
	assert_non_null(f);
	assert_int_equal(f->severity, FINDING_CRITICAL);
	assert_string_equal(f->service, "locker");
	assert_non_null(strstr(f->summary, "(futex) 75% of their time"));
	assert_int_equal(f->n_chain, 1);
	assert_true(f->chain[0].share > 0.749 && f->chain[0].share < 0.751);
	assert_string_equal(f->chain[0].metric, "time.locks");
}

static struct endpoint loopback(uint16_t port)
{
	struct endpoint ep = {.family = AF_INET, .port = port, .addr = {127, 0, 0, 1}};

	return ep;
}

static void request_rows(struct proc_snapshot *p, enum tcp_role role, uint16_t port, uint64_t n,
			 uint64_t each_ns)
{
	struct endpoint ep = loopback(port), any = {.family = AF_INET, .port = port};
	struct tcp_request_stat *r =
		role == TCP_ROLE_SERVER ? proc_tcp_request(p, role, port == 8080 ? &any : &ep, NULL)
					: proc_tcp_request(p, role, NULL, &ep);

	r->count += n;
	record_n(&r->lat, n, each_ns);
}

/* front (8080, wildcard) -> middle (9000) -> back (9001, 220 ms of disk):
 * one finding, on front, whose chain ends in back's disk time. */
static void test_chain_three_tiers(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *front = svc_proc(&fx->snap, 30, "front", 1);
	struct proc_snapshot *middle = svc_proc(&fx->snap, 31, "middle", 2);
	struct proc_snapshot *back = svc_proc(&fx->snap, 32, "back", 3);
	const struct finding *f;
	json_t *arr, *chain;

	request_rows(front, TCP_ROLE_SERVER, 8080, 100, 230 * MS);
	request_rows(front, TCP_ROLE_CLIENT, 9000, 100, 225 * MS);
	request_rows(middle, TCP_ROLE_SERVER, 9000, 100, 225 * MS);
	request_rows(middle, TCP_ROLE_CLIENT, 9001, 100, 221 * MS);
	request_rows(back, TCP_ROLE_SERVER, 9001, 100, 221 * MS);
	add_calls(back, SYS_fsync, 100, 200 * MS);
	back->sched.oncpu_ns = 2 * SEC;
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-responses"), 1);
	f = find_kind(&fx->found, "slow-responses");
	assert_string_equal(f->service, "front");
	assert_int_equal(f->severity, FINDING_CRITICAL);
	assert_int_equal(f->n_chain, 4);
	assert_string_equal(f->chain[0].service, "front");
	assert_string_equal(f->chain[1].service, "middle");
	assert_string_equal(f->chain[2].service, "back");
	assert_string_equal(f->chain[3].service, "back");
	assert_string_equal(f->chain[3].metric, "time.disk");
	/* 225/230 of front's time is middle's, 221/225 of that is back's. */
	assert_true(f->chain[2].share > 0.955 && f->chain[2].share < 0.965);
	assert_true(f->chain[3].value > 0.90 && f->chain[3].value < 0.92); /* 20 of 22 s */
	assert_non_null(strstr(f->summary, "98% waiting on 127.0.0.1:9000 (middle, p99"));
	assert_non_null(strstr(f->summary, "<- middle: 98% waiting on 127.0.0.1:9001 (back"));
	assert_non_null(strstr(f->summary, "<- back: 91% disk"));
	arr = findings_to_json(&fx->found);
	chain = json_object_get(json_array_get(arr, 0), "chain");
	assert_int_equal(json_array_size(chain), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(chain, 2), "service")),
			    "back");
	json_decref(arr);
	/* Without the upstream wait front is slow on its own: a finding of its
	 * own, and middle's (back's cause named in its chain). */
	fx->snap.procs[0].tcp.requests[1].lat.sum_ns = 0;
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-responses"), 2);
	assert_int_equal(find(&fx->found, 30, "slow-responses")->n_chain, 0);
	assert_int_equal(find(&fx->found, 31, "slow-responses")->n_chain, 3);
}

/* Two slow services waiting on each other: one finding, not none. */
static void test_chain_cycle(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *a = svc_proc(&fx->snap, 33, "ping", 1);
	struct proc_snapshot *b = svc_proc(&fx->snap, 34, "pong", 2);
	const struct finding *f;

	request_rows(a, TCP_ROLE_SERVER, 9100, 100, 230 * MS);
	request_rows(a, TCP_ROLE_CLIENT, 9101, 100, 220 * MS);
	request_rows(b, TCP_ROLE_SERVER, 9101, 100, 220 * MS);
	request_rows(b, TCP_ROLE_CLIENT, 9100, 100, 210 * MS);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-responses"), 1);
	f = find_kind(&fx->found, "slow-responses");
	assert_string_equal(f->service, "ping");
	/* ping -> pong -> back to ping's address: the loop ends the chain. */
	assert_int_equal(f->n_chain, 3);
	assert_string_equal(f->chain[2].service, "127.0.0.1:9100");
}

/* Twenty backends of one service over the same limits: one finding per
 * kind, naming how many more there are. */
static void test_twenty_backends_one_service(void **state)
{
	struct fixture *fx = *state;
	const struct finding *f;

	for (uint32_t pid = 100; pid < 120; pid++) {
		struct proc_snapshot *p = svc_proc(&fx->snap, pid, "postgres", 7);

		p->sched.oncpu_ns = 9 * SEC;
		p->alloc.rss_bytes = p->alloc.rss_anon = 90ULL << 20;
	}
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "cpu-bound"), 1);
	assert_int_equal(count_kind(&fx->found, "memory-high"), 1);
	assert_int_equal(fx->found.n, 2);
	f = find_kind(&fx->found, "cpu-bound");
	assert_string_equal(f->service, "postgres");
	assert_non_null(strstr(f->summary, "(and 19 more processes of postgres)"));
}

/* Six intervals merged: private memory rising 1 MiB/s is a leak of that
 * rate; level memory and a single step are not. */
static void test_memory_growth(void **state)
{
	struct fixture *fx = *state;
	const struct finding *f;

	snapshot_free(&fx->snap);
	snapshot_init(&fx->snap);
	for (int i = 0; i < 6; i++) {
		struct snapshot part;

		snapshot_init(&part);
		part.started_at_ns = 1700000000 * SEC + (uint64_t)i * SEC;
		part.duration_ns = SEC;
		svc_proc(&part, 40, "leaker", 1)->alloc.rss_bytes = 64ULL << 20;
		part.procs[0].alloc.rss_anon = (10ULL << 20) + (uint64_t)i * (1ULL << 20);
		svc_proc(&part, 41, "steady", 2)->alloc.rss_bytes = 64ULL << 20;
		part.procs[1].alloc.rss_anon = (20ULL << 20) + (i % 2) * 4096;
		svc_proc(&part, 42, "stepper", 3)->alloc.rss_bytes = 64ULL << 20;
		part.procs[2].alloc.rss_anon = i < 3 ? 10ULL << 20 : 20ULL << 20;
		assert_int_equal(snapshot_merge(&fx->snap, &part), 0);
		snapshot_free(&part);
	}
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "memory-growth"), 1);
	f = find(&fx->found, 40, "memory-growth");
	assert_non_null(f);
	assert_true(f->growth_per_s > 1048575 && f->growth_per_s < 1048577);
	assert_true(f->growth_span_s > 4.99 && f->growth_span_s < 5.01);
	assert_int_equal(f->severity, FINDING_WARNING);
	/* 100 MiB - 15 MiB at 1 MiB/s. */
	assert_non_null(strstr(f->summary, "reaches 100.0M in ~85"));
}

/* An idle host: sleepers, event loops waiting, a shell. No findings. */
static void test_idle_host_is_quiet(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *p;

	p = svc_proc(&fx->snap, 50, "nginx", 1);
	add_calls(p, SYS_epoll_wait, 20, 500 * MS);
	request_rows(p, TCP_ROLE_SERVER, 8080, 20, 2 * MS);
	p = svc_proc(&fx->snap, 51, "cron", 2);
	add_calls(p, SYS_clock_nanosleep, 10, SEC);
	p = svc_proc(&fx->snap, 52, "java", 3);
	add_calls(p, SYS_futex, 400, 100 * MS); /* 40 threads parked */
	p->sched.oncpu_ns = 200 * MS;
	p = svc_proc(&fx->snap, 53, "bash", 4);
	add_calls(p, SYS_wait4, 1, 10 * SEC);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(fx->found.n, 0);
}

/* The cost of one analysis of a busy host: 500 processes of 50 services,
 * each with syscalls, requests both ways and a run queue. */
static void test_analysis_cost_500_procs(void **state)
{
	struct fixture *fx = *state;
	struct timespec a, b;
	double ms;

	for (uint32_t pid = 1000; pid < 1500; pid++) {
		char name[16];
		struct proc_snapshot *p;

		snprintf(name, sizeof(name), "svc%u", pid % 50);
		p = svc_proc(&fx->snap, pid, name, pid % 50 + 1);
		p->sched.oncpu_ns = (pid % 7) * 100 * MS;
		record_n(&p->sched.runq, 50, (pid % 5) * 100000);
		for (uint32_t nr = 0; nr < 20; nr++)
			add_calls(p, nr * 7 % 300, 20, (nr + 1) * 10000);
		request_rows(p, TCP_ROLE_SERVER, 10000 + pid % 50, 50, (pid % 11) * 20 * MS);
		request_rows(p, TCP_ROLE_CLIENT, 10000 + (pid + 1) % 50, 50, (pid % 13) * 10 * MS);
		p->alloc.rss_bytes = p->alloc.rss_anon = (pid % 9) * 12ULL << 20;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	print_message("analysis of 500 processes: %.2f ms, %zu findings\n", ms, fx->found.n);
	/* 5 ms is the target (bench/analysis_cost); a loaded machine or a
	 * sanitizer build gets 20x slack, so the check still catches a
	 * quadratic blow-up. */
	assert_true(ms < 100);
}

/* Feeds held_update one interval of findings of @kinds (space separated,
 * all of service "svc"); the number it reports. */
static size_t held_step(struct held_findings *h, const char *kinds, uint64_t start,
			struct findings *out)
{
	static const char *const names[] = {"a", "b", "c"};
	struct findings now = {0};
	now.items = calloc(3, sizeof(*now.items));
	now.cap = 3;
	for (size_t i = 0; i < 3; i++)
		if (strchr(kinds, names[i][0])) {
			struct finding *f = &now.items[now.n++];

			f->kind = names[i];
			f->pid = 1;
			strcpy(f->service, "svc");
		}
	assert_int_equal(held_update(h, &now, start, out), 0);
	findings_free(&now);
	return out->n;
}

/* a from interval 1, b from 2 with a gap at 5, c flickers once. */
static void test_held_over_intervals(void **state)
{
	struct held_findings *h = held_new(HELD_INTERVALS);
	struct findings out = {0};

	(void)state;
	assert_non_null(h);
	assert_int_equal(held_step(h, "a", 100, &out), 0);
	assert_int_equal(held_step(h, "ab", 101, &out), 0);
	assert_int_equal(held_step(h, "abc", 102, &out), 1);
	assert_string_equal(out.items[0].kind, "a");
	assert_int_equal(out.items[0].since_ns, 100);
	assert_int_equal(held_step(h, "ab", 103, &out), 2);
	assert_int_equal(out.items[1].since_ns, 101);
	assert_int_equal(held_step(h, "a", 104, &out), 1);
	/* b cleared: it starts over. */
	assert_int_equal(held_step(h, "ab", 105, &out), 1);
	assert_int_equal(held_step(h, "ab", 106, &out), 1);
	assert_int_equal(held_step(h, "ab", 107, &out), 2);
	assert_int_equal(out.items[0].since_ns, 100);
	assert_int_equal(out.items[1].since_ns, 105);
	findings_free(&out);
	held_free(h);
}

/* One interval of service "api" answering 100 requests of @ms, judged
 * against its baseline; the number of findings it gives. */
static size_t baseline_step(struct baseline *b, uint64_t ms, struct findings *out)
{
	struct analysis_limits lim;
	struct snapshot snap;
	int err;

	analysis_default_limits(&lim);
	snapshot_init(&snap);
	snap.duration_ns = SEC;
	request_rows(svc_proc(&snap, 60, "api", 5), TCP_ROLE_SERVER, 9200, 100, ms * MS);
	out->n = 0;
	err = baseline_check(b, &snap, &lim, out);
	snapshot_free(&snap);
	assert_int_equal(err, 0);
	return out->n;
}

/* 12 ms for a dozen intervals, then 40 ms: 3.3x its baseline, though
 * under the 150 ms target; nothing before BASELINE_MIN intervals. */
static void test_latency_against_baseline(void **state)
{
	struct baseline *b = baseline_new();
	struct findings out = {0};

	(void)state;
	assert_non_null(b);
	assert_int_equal(baseline_step(b, 40, &out), 0); /* no history yet */
	for (int i = 0; i < 12; i++)
		assert_int_equal(baseline_step(b, 12, &out), 0);
	assert_int_equal(baseline_step(b, 30, &out), 0); /* 2.5x */
	assert_int_equal(baseline_step(b, 40, &out), 1);
	assert_string_equal(out.items[0].kind, "latency-regression");
	assert_string_equal(out.items[0].service, "api");
	assert_true(out.items[0].threshold > 35.9e6 && out.items[0].threshold < 36.1e6);
	assert_non_null(strstr(out.items[0].summary, "is 3.3x its baseline of 12.0ms"));
	findings_free(&out);
	baseline_free(b);
}

#define FAST_Q	"SELECT * FROM t WHERE id = $1"
#define SLEEP_Q "SELECT pg_sleep($1)"
#define SCAN_Q	"SELECT * FROM users WHERE email = $1"

/* The database's statements, over its backends, ranked by total time: the
 * fast but frequent one first, then the slow ones; its clients' fast
 * statements give them nothing. */
static void test_slow_query_names_top_by_total_time(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *pm = svc_proc(&fx->snap, 100, "postgres", 1);
	struct proc_snapshot *b1 = svc_proc(&fx->snap, 101, "postgres", 1);
	struct proc_snapshot *b2 = svc_proc(&fx->snap, 102, "postgres", 1);
	struct proc_snapshot *api = svc_proc(&fx->snap, 300, "api", 2);
	const struct finding *f;

	(void)pm;
	sql_row(b1, TCP_ROLE_SERVER, FAST_Q, 600, 2 * MS);   /* 1.2 s */
	sql_row(b2, TCP_ROLE_SERVER, FAST_Q, 400, 2 * MS);   /* + 0.8 s = 2 s */
	sql_row(b1, TCP_ROLE_SERVER, SLEEP_Q, 10, 120 * MS); /* 1.2 s */
	sql_row(b2, TCP_ROLE_SERVER, SCAN_Q, 5, 150 * MS);   /* 0.75 s */
	sql_row(api, TCP_ROLE_CLIENT, FAST_Q, 1000, 3 * MS);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-query"), 1);
	f = find(&fx->found, 100, "slow-query");
	assert_non_null(f);
	assert_string_equal(f->service, "postgres");
	assert_string_equal(f->comm, "postgres");
	assert_int_equal(f->severity, FINDING_WARNING);
	assert_string_equal(f->metric, "sql.query.latency.p99");
	assert_true(f->value > 142.5 * MS && f->value < 157.5 * MS); /* the worst p99 */
	assert_true(f->threshold == 100 * MS);
	assert_int_equal(f->n_queries, 3);
	assert_string_equal(f->queries[0].text, FAST_Q);
	assert_int_equal(f->queries[0].calls, 1000);
	assert_true(f->queries[0].share > 0.50 && f->queries[0].share < 0.52); /* 2 / 3.95 */
	assert_string_equal(f->queries[1].text, SLEEP_Q);
	assert_int_equal(f->queries[1].calls, 10);
	assert_true(f->queries[1].p99_ns > 114 * MS && f->queries[1].p99_ns < 126 * MS);
	assert_string_equal(f->queries[2].text, SCAN_Q);
	assert_true(f->queries[0].fingerprint == app_text_fingerprint(FAST_Q));
	/* The summary names them in that order, with the numbers. */
	assert_non_null(strstr(f->summary, "2 of 3 statements have p99 over 100.0ms"));
	assert_non_null(strstr(f->summary, "\"" FAST_Q "\" 1000 calls"));
	assert_true(strstr(f->summary, FAST_Q) < strstr(f->summary, SLEEP_Q));
	assert_true(strstr(f->summary, SLEEP_Q) < strstr(f->summary, SCAN_Q));
	assert_string_equal(f->recommendation, slow_query_recommendation);
	assert_null(find(&fx->found, 300, "slow-query"));
}

static void test_fast_service_has_no_slow_query(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *b = svc_proc(&fx->snap, 110, "postgres", 1);

	sql_row(b, TCP_ROLE_SERVER, FAST_Q, 5000, 2 * MS);
	sql_row(b, TCP_ROLE_SERVER, SLEEP_Q, 50, 95 * MS); /* below 100 ms */
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-query"), 0);
	/* The same with a lower limit is slow. */
	fx->lim.slow_query_ns = 50 * MS;
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-query"), 1);
}

/* The threshold the probe used (report --slow-query, [agent] slow_query)
 * travels with the snapshot, through merges, into the limits. */
static void test_snapshot_threshold_sets_limit(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *b = svc_proc(&fx->snap, 110, "postgres", 1);
	struct analysis_limits lim;
	struct snapshot window;

	sql_row(b, TCP_ROLE_SERVER, FAST_Q, 5000, 2 * MS);
	sql_row(b, TCP_ROLE_SERVER, SLEEP_Q, 50, 95 * MS);
	analysis_limits_for(&fx->snap, &lim); /* 0: the default */
	assert_true(lim.slow_query_ns == 100 * MS);
	assert_int_equal(analysis_run(&fx->snap, &lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-query"), 0);

	fx->snap.slow_query_ns = 5 * MS;
	snapshot_init(&window);
	assert_int_equal(snapshot_merge(&window, &fx->snap), 0);
	assert_true(window.slow_query_ns == 5 * MS);
	analysis_limits_for(&window, &lim);
	assert_true(lim.slow_query_ns == 5 * MS);
	assert_int_equal(analysis_run(&window, &lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-query"), 1);
	/* 95 ms is ten times 5 ms: critical, at 10 x the threshold. */
	assert_int_equal(find(&fx->found, 110, "slow-query")->severity, FINDING_CRITICAL);
	assert_true(find(&fx->found, 110, "slow-query")->threshold == 50 * MS);
	snapshot_free(&window);
}

/* held_advise_fn of the test: counts calls, advises slow-query findings. */
static void advise_slow(struct findings *now, void *ctx)
{
	(*(int *)ctx)++;
	for (size_t i = 0; i < now->n; i++)
		if (!strcmp(now->items[i].kind, "slow-query"))
			assert_int_equal(finding_set_recommendation(&now->items[i], "use an index"),
					 0);
}

/* The daemon's path: slow-query findings (owned statements and advice)
 * held, advised by the hook, at the snapshot's threshold, freed once. */
static void test_held_report_advised(void **state)
{
	struct fixture *fx = *state;
	struct held_findings *h = held_new(1);
	struct proc_snapshot *b = svc_proc(&fx->snap, 110, "postgres", 1);
	int calls = 0;
	json_t *arr;

	assert_non_null(h);
	sql_row(b, TCP_ROLE_SERVER, SLEEP_Q, 50, 30 * MS);
	fx->snap.slow_query_ns = 20 * MS;
	held_set_advise(h, advise_slow, &calls);
	for (int round = 0; round < 2; round++) {
		arr = held_report(h, &fx->snap);
		assert_non_null(arr);
		assert_int_equal(calls, round + 1);
		assert_int_equal(json_array_size(arr), 1);
		assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0),
								      "recommendation")),
				    "use an index");
		json_decref(arr);
	}
	held_free(h);
}

/* 20 backends of one database running the same slow statement: one
 * finding, its calls summed. */
static void test_twenty_backends_one_finding(void **state)
{
	struct fixture *fx = *state;
	const struct finding *f;
	json_t *arr, *q = NULL;

	for (uint32_t i = 0; i < 20; i++)
		sql_row(svc_proc(&fx->snap, 200 + i, "postgres", 7), TCP_ROLE_SERVER, SLEEP_Q, 5,
			250 * MS);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-query"), 1);
	f = find(&fx->found, 200, "slow-query");
	assert_non_null(f);
	assert_int_equal(f->n_queries, 1);
	assert_int_equal(f->queries[0].calls, 100);
	assert_true(f->queries[0].share == 1.0);
	assert_non_null(strstr(f->summary, "\"" SLEEP_Q "\" 100 calls"));
	/* The JSON finding carries the statements. */
	arr = findings_to_json(&fx->found);
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(arr, i), "kind")),
			    "slow-query"))
			q = json_array_get(json_object_get(json_array_get(arr, i), "queries"), 0);
	assert_non_null(q);
	assert_string_equal(json_string_value(json_object_get(q, "query")), SLEEP_Q);
	assert_int_equal(json_integer_value(json_object_get(q, "calls")), 100);
	assert_int_equal(strlen(json_string_value(json_object_get(q, "fingerprint"))), 16);
	json_decref(arr);
}

/* Tiers: ten times the limit is critical; single slow statements in the slow
 * log with a fast p99 are worth an info. Processes of no known service are
 * judged one by one. A client judges what it waited for. */
static void test_slow_query_tiers(void **state)
{
	struct fixture *fx = *state;
	struct proc_snapshot *a = proc(&fx->snap, 120, "batch"), *b = proc(&fx->snap, 121, "web");
	struct slow_query sq = {.text = SLEEP_Q,
				.fingerprint = app_text_fingerprint(SLEEP_Q),
				.latency_ns = 400 * MS,
				.role = TCP_ROLE_CLIENT};

	sql_row(a, TCP_ROLE_CLIENT, SCAN_Q, 20, 1500 * MS);
	sql_row(b, TCP_ROLE_CLIENT, SLEEP_Q, 999, 1 * MS);
	assert_int_equal(proc_add_slow_query(b, &sq), 0);
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(count_kind(&fx->found, "slow-query"), 2);
	assert_int_equal(find(&fx->found, 120, "slow-query")->severity, FINDING_CRITICAL);
	assert_true(find(&fx->found, 120, "slow-query")->threshold == 1000 * MS);
	assert_int_equal(find(&fx->found, 121, "slow-query")->severity, FINDING_INFO);
	assert_non_null(strstr(find(&fx->found, 121, "slow-query")->summary, "1 slower calls"));
	/* Findings own their text: a second run over the same list frees the first. */
	assert_int_equal(analysis_run(&fx->snap, &fx->lim, &fx->found), 0);
	assert_int_equal(finding_set_recommendation(&fx->found.items[0], "x"), 0);
	assert_string_equal(fx->found.items[0].recommendation, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sleeper_is_fine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_bound_and_starved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_responses_and_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_warning_tier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_network_and_syscalls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_size_follows_littles_law, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_findings_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_findings_speak_their_metric, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_memory_is_not_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_cpu_saturation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_breakdown_shares, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_contention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_three_tiers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_twenty_backends_one_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_host_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_analysis_cost_500_procs, setup, teardown),
		cmocka_unit_test(test_held_over_intervals),
		cmocka_unit_test(test_latency_against_baseline),
		cmocka_unit_test_setup_teardown(test_slow_query_names_top_by_total_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_held_report_advised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_threshold_sets_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fast_service_has_no_slow_query, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_twenty_backends_one_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_query_tiers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
