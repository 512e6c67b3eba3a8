/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a command asks of the probes: which probe sets (PROBE_* bits), which
 * processes (filters), and how (sampling, slow-call threshold, bounds).
 * This is all a consumer knows of the probe layer; the limits below are the
 * kernel side's (bpf/hivemon.h), checked equal in probes/probe.h, so nothing
 * above the probes needs a BPF header.
 */
#ifndef HIVEMON_CORE_PROBE_OPTS_H
#define HIVEMON_CORE_PROBE_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#define PROC_COMM_LEN	 16 /* bytes of a comm, NUL included */
#define FILTER_PIDS_MAX	 16
#define FILTER_COMMS_MAX 8

enum probe_set {
	PROBE_SYSCALL = 1 << 0,
	PROBE_TCP = 1 << 1,
	PROBE_SCHED = 1 << 2,
	PROBE_MEM = 1 << 3,
	PROBE_ALLOC = 1 << 4,
	PROBE_APP = 1 << 5, /* "proto": HTTP, PostgreSQL, Redis requests */
};
#define PROBES_DEFAULT (PROBE_SYSCALL | PROBE_TCP | PROBE_SCHED | PROBE_MEM | PROBE_APP)
#define PROBES_ALL     (PROBES_DEFAULT | PROBE_ALLOC)

struct probe_filter {
	uint32_t pids[FILTER_PIDS_MAX];
	unsigned int n_pids;
	char comms[FILTER_COMMS_MAX][PROC_COMM_LEN];
	unsigned int n_comms;
	uint64_t cgroup_id; /* cgroup v2 id (inode of its directory), 0 = any */
};

#define TCP_SAMPLE_MAX 1024

struct probe_opts {
	struct probe_filter filter;
	unsigned int probes; /* PROBE_* bits */
	bool exact;	     /* time every syscall instead of sampling hot threads */
	bool verbose;	     /* libbpf and verifier logs on stderr */
	uint64_t slow_ns;    /* calls slower than this are sent as single events */
	uint32_t max_procs;  /* bound on tracked processes (kernel LRU sizes) */
	/* Allocation probes attached alloc_on_ns in every alloc_period_ns
	 * (duty cycle); 0 = attached all the time. */
	uint64_t alloc_on_ns, alloc_period_ns;
	/* Follow 1 in tcp_sample TCP connections of every process, counting
	 * their exchanges tcp_sample times (1: every connection, exact
	 * counts); 0: busy processes only, at a ratio of their load
	 * (probes/tcp_sampler.h), unless exact. */
	uint32_t tcp_sample;
	/* Statements slower than this are kept one by one ([agent] slow_query). */
	uint64_t slow_query_ns;
};

#endif
