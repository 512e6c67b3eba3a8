/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Probe modules: one per BPF domain (bpf/<domain>.bpf.c + src/probe_<domain>.c).
 * A module opens, loads and attaches its skeleton with the shared options,
 * and each interval adds what its maps gained since the last call to a
 * snapshot. The collector owns the modules; nothing else sees BPF.
 */
#ifndef HIVEMON_PROBE_H
#define HIVEMON_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/snapshot.h"

enum probe_set {
	PROBE_SYSCALL = 1 << 0,
	PROBE_TCP = 1 << 1,
	PROBE_SCHED = 1 << 2,
	PROBE_MEM = 1 << 3,
	PROBE_ALLOC = 1 << 4,
};
#define PROBES_DEFAULT (PROBE_SYSCALL | PROBE_TCP | PROBE_SCHED | PROBE_MEM)
#define PROBES_ALL     (PROBES_DEFAULT | PROBE_ALLOC)

struct probe_filter {
	uint32_t pids[FILTER_MAX_PIDS];
	unsigned int n_pids;
	char comms[FILTER_MAX_COMMS][COMM_LEN];
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
	/* Follow 1 in tcp_sample TCP connections, counting their exchanges
	 * tcp_sample times (0 or 1: every connection, exact counts). */
	uint32_t tcp_sample;
};

struct probe_module {
	const char *name;
	unsigned int set; /* PROBE_* bit it implements */
	/* Loads and attaches; returns a negative errno with a message printed. */
	int (*open)(const struct probe_opts *opts, void **state);
	/* Adds the deltas since the last call to @snap, consuming the module's
	 * ring buffers (non-blocking) and adding their lost-event counts. */
	int (*collect)(void *state, struct snapshot *snap);
	void (*close)(void *state);
};

/* The modules, listed in collector.c's table. */
extern const struct probe_module syscall_probe;
extern const struct probe_module sched_probe;
extern const struct probe_module mem_probe;
extern const struct probe_module alloc_probe;
extern const struct probe_module tcp_probe;

/*
 * Copies the filter into a skeleton's read-only data before load; every
 * skeleton that includes bpf/filter.bpf.h has these fields.
 */
#define PROBE_SET_FILTER(rodata, f)                                                                \
	do {                                                                                       \
		for (unsigned int i_ = 0; i_ < (f)->n_pids; i_++)                                  \
			(rodata)->filter_tgids[i_] = (f)->pids[i_];                                \
		(rodata)->filter_n_tgids = (f)->n_pids;                                            \
		for (unsigned int i_ = 0; i_ < (f)->n_comms; i_++)                                 \
			memcpy((void *)(rodata)->filter_comms[i_], (f)->comms[i_], COMM_LEN);      \
		(rodata)->filter_n_comms = (f)->n_comms;                                           \
		(rodata)->filter_cgroup = (f)->cgroup_id;                                          \
		(rodata)->self_tgid = (uint32_t)getpid();                                          \
	} while (0)

#endif
