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

#include <linux/types.h>

struct bpf_map;
struct bpf_program;

#include "bpf/hivemon.h"
#include "core/probe_opts.h"
#include "core/snapshot.h"

struct tcp_sampler;

/* The kernel side's limits are the ones core/probe_opts.h promises. */
_Static_assert(COMM_LEN == PROC_COMM_LEN, "comm length differs from bpf/hivemon.h");
_Static_assert(FILTER_MAX_PIDS == FILTER_PIDS_MAX, "pid filter size differs from bpf/hivemon.h");
_Static_assert(FILTER_MAX_COMMS == FILTER_COMMS_MAX, "comm filter size differs from bpf/hivemon.h");

/*
 * BPF maps that several modules use, owned by the collector
 * (probe_shared.c): the first module to load one keeps a copy of its fd
 * here, the others reuse it.
 */
struct probe_shared {
	int socks_fd; /* per-socket state of tcp and proto (bpf/sock.bpf.h), -1: none yet */
	/* The tcp programs' tail-call slots for the proto ones, -1: no tcp. */
	int recv_next_fd, send_next_fd;
	/* The syscall set's sched_switch slot for the sched set's, -1: none. */
	int switch_next_fd;
	/* Which processes had only some TCP connections followed, and by how
	 * much to scale what was seen of them; the tcp module's, NULL: none. */
	const struct tcp_sampler *tcp_sampler;
};

void probe_shared_init(struct probe_shared *s);
void probe_shared_release(struct probe_shared *s);
/* Before a module's load: @map becomes the shared one if there is one. */
int probe_shared_reuse(struct bpf_map *map, int shared_fd);
/* After it: the first module to load @map shares it; 0 or -errno. */
int probe_shared_keep(const struct bpf_map *map, int *shared_fd);
/* Makes @prog the tail call of the slot @next_fd; 0 or -errno. */
int probe_shared_chain(int next_fd, const struct bpf_program *prog);
void probe_shared_unchain(int next_fd);

struct probe_module {
	const char *name;
	unsigned int set; /* PROBE_* bit it implements */
	/* Loads and attaches; returns a negative errno with a message printed. */
	int (*open)(const struct probe_opts *opts, struct probe_shared *shared, void **state);
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
extern const struct probe_module app_probe;

/* The tcp probe's skeleton, for connection steering (probes/steer.c). */
struct tcp_bpf *tcp_probe_skel(void *state);

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
