/* SPDX-License-Identifier: GPL-2.0 */
/* Synthetic snapshots for the exporter benchmarks: a busy host's worth of
 * processes with realistic histogram spreads (deterministic, no BPF). */
#ifndef HIVEMON_BENCH_SYNTH_H
#define HIVEMON_BENCH_SYNTH_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "probes/probe.h"
#include "core/snapshot.h"

static const unsigned int synth_syscalls[] = {0,  1,  3,  7,  9,   17,	18,  23,  35,  41,
					      42, 43, 44, 45, 202, 230, 232, 257, 262, 281};

/* Fills @s with @n_procs processes (comm shared by @per_comm of them), each
 * with @n_syscalls syscalls of ~16 buckets, a server and a client request
 * row, run-queue delays and RSS. */
static void synth_snapshot(struct snapshot *s, unsigned int n_procs, unsigned int per_comm,
			   unsigned int n_syscalls, unsigned int seq)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snapshot_init(s);
	snprintf(s->host, sizeof(s->host), "bench");
	s->started_at_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	s->duration_ns = 1000000000ULL;
	s->probes = PROBES_DEFAULT;
	for (unsigned int i = 0; i < n_procs; i++) {
		struct proc_snapshot *p = snapshot_proc(s, 1000 + i);
		struct endpoint local = {
			.family = 2, .port = (uint16_t)(8000 + i % 50), .addr = {127, 0, 0, 1}};
		struct endpoint remote = {.family = 2, .port = 5432, .addr = {127, 0, 0, 1}};
		struct tcp_request_stat *q;

		snprintf(p->comm, sizeof(p->comm), "svc-%u", i / per_comm);
		p->cgroup = strdup("/system.slice/bench.service");
		for (unsigned int k = 0; k < n_syscalls && k < 20; k++) {
			struct syscall_stat *sc = proc_syscall(p, synth_syscalls[k]);

			for (unsigned int v = 0; v < 16; v++)
				hist_record(&sc->lat, 500ULL << (v + k % 4 + seq % 3));
			sc->count = 16 + k;
			sc->errors = k % 5 == 0;
		}
		q = proc_tcp_request(p, TCP_ROLE_SERVER, &local, NULL);
		for (unsigned int v = 0; v < 8; v++)
			hist_record(&q->lat, 1000000ULL * (v + 1));
		q->count = 8;
		q = proc_tcp_request(p, TCP_ROLE_CLIENT, NULL, &remote);
		for (unsigned int v = 0; v < 8; v++)
			hist_record(&q->lat, 300000ULL * (v + 1));
		q->count = 8;
		for (unsigned int v = 0; v < 8; v++)
			hist_record(&p->sched.runq, 2000ULL << v);
		p->sched.oncpu_ns = 10000000ULL * (i % 10);
		p->alloc.rss_bytes = 50ULL << 20;
		p->alloc.page_faults = i % 7;
	}
}

#endif
