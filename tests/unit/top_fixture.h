/* SPDX-License-Identifier: GPL-2.0 */
/* A fixed snapshot with known figures, shared by the top unit tests. */
#ifndef HIVEMON_TEST_TOP_FIXTURE_H
#define HIVEMON_TEST_TOP_FIXTURE_H

#include <arpa/inet.h>
#include <string.h>

#include "core/snapshot.h"

#define MS 1000000ULL
#define US 1000ULL

static void record_n(struct hist *h, uint64_t value, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		hist_record(h, value);
}

static struct endpoint ep4(const char *addr, uint16_t port)
{
	struct endpoint ep = {.family = AF_INET, .port = port};

	inet_pton(AF_INET, addr, ep.addr);
	return ep;
}

/*
 * Window of 1 s:
 *  pid 100 "api":    CPU 50 %, read 1000 x 10 us, epoll_wait 10 x 100 ms (the
 *                    dominant syscall), serves 200 requests of 150 ms on :8080,
 *                    RSS 80 MiB, 1000 page faults, runq 50 x 2 ms.
 *  pid 200 "worker": CPU 10 %, clock_nanosleep 50 x 20 ms, 4 slow calls.
 *  pid 50  "db":     CPU 5 %, client of 127.0.0.1:5432 (30 requests of 5 ms,
 *                    10 connects of 300 us, RTT 40 x 50 us), 3 retransmits.
 */
static void fixture_snapshot(struct snapshot *s)
{
	struct proc_snapshot *p;
	struct endpoint listen = ep4("0.0.0.0", 8080), pg = ep4("127.0.0.1", 5432);
	struct syscall_stat *sc;

	snapshot_init(s);
	snprintf(s->host, sizeof(s->host), "testhost");
	snprintf(s->kernel, sizeof(s->kernel), "6.18.0");
	s->started_at_ns = 1795946400ULL * 1000000000ULL; /* 2026-11-29T10:00:00Z */
	s->duration_ns = 1000 * MS;
	s->lost_events = 7;

	p = snapshot_proc(s, 100);
	strcpy(p->comm, "api");
	p->cgroup = strdup("/system.slice/api.service");
	p->sched.oncpu_ns = 500 * MS;
	record_n(&p->sched.runq, 2 * MS, 50);
	sc = proc_syscall(p, 0); /* read */
	sc->count = 1000;
	record_n(&sc->lat, 10 * US, 1000);
	sc = proc_syscall(p, 232); /* epoll_wait */
	sc->count = 10;
	record_n(&sc->lat, 100 * MS, 10);
	record_n(&proc_tcp_request(p, TCP_ROLE_SERVER, &listen, NULL)->lat, 150 * MS, 200);
	proc_tcp_request(p, TCP_ROLE_SERVER, &listen, NULL)->count = 200;
	p->alloc.rss_bytes = 80ULL << 20;
	p->alloc.page_faults = 1000;

	p = snapshot_proc(s, 200);
	strcpy(p->comm, "worker");
	p->cgroup = strdup("/user.slice");
	p->sched.oncpu_ns = 100 * MS;
	sc = proc_syscall(p, 230); /* clock_nanosleep */
	sc->count = 50;
	record_n(&sc->lat, 20 * MS, 50);
	for (unsigned i = 0; i < 4; i++) {
		struct slow_call c = {.tid = 201,
				      .nr = 230,
				      .latency_ns = (21 + i) * MS,
				      .end_ns = s->started_at_ns + (i + 1) * 100 * MS};

		proc_add_slow(p, &c);
	}

	p = snapshot_proc(s, 50);
	strcpy(p->comm, "db");
	p->cgroup = strdup("/system.slice/db.service");
	p->sched.oncpu_ns = 50 * MS;
	sc = proc_syscall(p, 1); /* write */
	sc->count = 30;
	sc->errors = 2;
	record_n(&sc->lat, 40 * US, 30);
	record_n(&proc_tcp_request(p, TCP_ROLE_CLIENT, NULL, &pg)->lat, 5 * MS, 30);
	proc_tcp_request(p, TCP_ROLE_CLIENT, NULL, &pg)->count = 30;
	record_n(&proc_tcp_connect(p, &pg)->lat, 300 * US, 10);
	proc_tcp_connect(p, &pg)->count = 10;
	record_n(&proc_tcp_rtt(p, &pg)->lat, 50 * US, 40);
	proc_tcp_rtt(p, &pg)->count = 40;
	p->tcp.retransmits = 3;
}

/* Within @pct percent of @want. */
static int near(double got, double want, double pct)
{
	double d = got - want;

	return (d < 0 ? -d : d) <= want * pct / 100.0;
}

#endif
