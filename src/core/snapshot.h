/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: core. The vocabulary every layer shares: the snapshot below, histograms,
 * windows, metric names, services, syscall and cgroup names, probe options.
 * No BPF: only core/hist.c reads the kernel's bucket math.
 *
 * The snapshot: everything measured in one interval, per process. It is the
 * hub of hivemon: probes fill it, every consumer (report, top, analysis,
 * alerts, exporters, store) reads it, and none of them touches BPF maps.
 *
 * Ownership: a snapshot owns its process records and everything they point
 * to; snapshot_free() releases all of it.
 */
#ifndef HIVEMON_SNAPSHOT_H
#define HIVEMON_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/probe_opts.h"
#include "core/hist.h"
#include "core/trend.h"

/* An IPv4 or IPv6 socket address; v4-mapped IPv6 is stored as IPv4. */
struct endpoint {
	uint8_t family; /* AF_INET, AF_INET6, 0 = none */
	uint16_t port;	/* host byte order */
	uint8_t addr[16];
};

struct syscall_stat {
	uint32_t nr;
	uint64_t count;	 /* exact number of calls */
	uint64_t errors; /* calls that returned < 0 */
	struct hist lat; /* latency (weighted samples when sampling) */
};

/* Connect latency or RTT towards one remote endpoint. */
struct tcp_remote_stat {
	struct endpoint remote;
	uint64_t count;	 /* connects, or RTT samples */
	uint64_t errors; /* refused / timed-out connects */
	struct hist lat;
};

enum tcp_role { TCP_ROLE_SERVER = 0, TCP_ROLE_CLIENT = 1 };

/* Request/response exchanges; server rows keyed by local (listening)
 * address, client rows by remote endpoint (the other one is zeroed). */
struct tcp_request_stat {
	enum tcp_role role;
	struct endpoint local;
	struct endpoint remote;
	uint64_t count;
	struct hist lat;
};

struct malloc_stat {
	uint64_t calls, frees, bytes;
	int64_t outstanding_bytes;
	struct hist lat;	/* net of the calibrated probe cost */
	uint64_t probe_cost_ns; /* calibrated cost subtracted from each call */
	uint64_t attached_ns;	/* time the probes were attached (duty cycle) */
};

/* One call slower than the slow threshold, from the ring buffer. */
struct slow_call {
	uint32_t tid;
	uint32_t nr;
	int64_t ret;
	uint64_t latency_ns;
	uint64_t end_ns; /* CLOCK_REALTIME */
};

#define PROC_MAX_SLOW 16

/* Application protocols recognised on sockets (TCP and unix stream). */
enum app_proto { APP_HTTP = 1, APP_PGSQL = 2, APP_REDIS = 3 };

#define APP_METHOD_LEN 16

/*
 * Requests of one shape seen by one process, in one role: an HTTP method,
 * route and status class; a normalized SQL statement; a Redis command.
 * Rows are keyed by (proto, role, method, status, fingerprint).
 */
struct app_request_stat {
	uint8_t proto;		     /* enum app_proto */
	uint8_t role;		     /* enum tcp_role: answered it (server) or asked it */
	uint16_t status;	     /* HTTP status class: 100..500; 0 for the others */
	char method[APP_METHOD_LEN]; /* HTTP method or Redis command; "" for SQL */
	uint64_t fingerprint;	     /* stable id of the normalized text */
	char *text;		     /* owned: HTTP route or normalized SQL; "" for Redis */
	uint64_t count;
	uint64_t errors;       /* HTTP 5xx, PostgreSQL ErrorResponse, Redis -ERR */
	uint64_t hits, misses; /* Redis reads: a null reply is a miss */
	struct hist lat;
};

/* One statement slower than [agent] slow_query. */
struct slow_query {
	char *text; /* owned, normalized */
	uint64_t fingerprint;
	uint64_t latency_ns;
	uint64_t end_ns;      /* CLOCK_REALTIME */
	uint8_t role;	      /* enum tcp_role of the process that saw it */
	struct endpoint peer; /* the other end; family 0 for a unix socket */
};

#define PROC_MAX_SLOW_QUERIES 16

#define SERVICE_NAME_LEN 48

struct proc_snapshot {
	uint32_t pid;
	char comm[PROC_COMM_LEN];
	char *cgroup; /* owned, "" when unknown */
	/* Its service (core/services.h): name, and the key processes of one
	 * service share; "" and 0 when unknown (then its comm names it). */
	char service[SERVICE_NAME_LEN];
	uint64_t service_key;
	bool exited; /* process exited during the window */

	struct syscall_stat *syscalls;
	size_t n_syscalls, cap_syscalls;
	/* Slowest calls of the window (at most PROC_MAX_SLOW, unordered). */
	struct slow_call slow[PROC_MAX_SLOW];
	size_t n_slow;

	struct {
		struct tcp_remote_stat *connect;
		size_t n_connect, cap_connect;
		struct tcp_remote_stat *rtt;
		size_t n_rtt, cap_rtt;
		uint64_t retransmits;
		/* 1 in this many of the process's connections were followed,
		 * the most during the window: its request counts are weighted
		 * estimates. 0 or 1: all of them (counts exact). */
		uint32_t sample;
		struct tcp_request_stat *requests;
		size_t n_requests, cap_requests;
	} tcp;

	/* Application-protocol requests, and the slowest statements of the
	 * window (at most PROC_MAX_SLOW_QUERIES, unordered). */
	struct {
		struct app_request_stat *requests;
		size_t n_requests, cap_requests;
		struct slow_query slow[PROC_MAX_SLOW_QUERIES];
		size_t n_slow;
	} app;

	struct {
		struct hist runq;
		uint64_t oncpu_ns;
	} sched;

	struct {
		uint64_t page_faults;
		uint64_t rss_bytes;
		/* RSS split (/proc/PID/status): private anonymous memory, file
		 * pages, shared memory (PostgreSQL's shared buffers live there). */
		uint64_t rss_anon, rss_file, rss_shmem;
		/* rss_anon over the intervals merged into this snapshot, one
		 * point per interval (a lone interval has none): its growth. */
		struct trend_fit anon_trend;
		uint64_t reclaim_count, reclaim_total_ns, reclaim_max_ns;
		bool has_malloc;
		struct malloc_stat malloc;
	} alloc;
};

/* Probe sets a snapshot can name (PROBE_* bits 0..5), and the room for
 * why one of them could not load. */
#define SNAPSHOT_PROBE_SETS	 6
#define SNAPSHOT_PROBE_ERROR_LEN 96
_Static_assert(PROBES_ALL < 1u << SNAPSHOT_PROBE_SETS, "a probe set has no name");

struct snapshot {
	char host[64];
	char kernel[64];
	uint64_t started_at_ns; /* CLOCK_REALTIME at the window start */
	uint64_t duration_ns;
	uint64_t lost_events;
	/* Syscalls hivemon's own uprobes made in the traced processes
	 * (uretprobe, uprobe): its cost, kept out of their syscall tables. */
	uint64_t probe_syscalls;
	unsigned int probes; /* PROBE_* bits that were active */
	/* PROBE_* bits asked for that could not load, and why, by bit number
	 * ("attach failed: Operation not permitted"; "" if not known). */
	unsigned int probes_failed;
	char probe_errors[SNAPSHOT_PROBE_SETS][SNAPSHOT_PROBE_ERROR_LEN];
	uint32_t tcp_sample;	/* 1 in this many TCP connections followed (1 = all) */
	uint64_t slow_query_ns; /* the slow-statement threshold the probe used; 0 = default */

	struct proc_snapshot *procs; /* unordered, owned */
	size_t n_procs, cap_procs;
	uint32_t *index; /* open-addressing pid -> procs[i]+1 */
	size_t index_cap;
};

void snapshot_init(struct snapshot *s);
void snapshot_free(struct snapshot *s);
/* Finds the record of @pid, creating an empty one; NULL on ENOMEM. */
struct proc_snapshot *snapshot_proc(struct snapshot *s, uint32_t pid);
struct proc_snapshot *snapshot_find(const struct snapshot *s, uint32_t pid);
/* Adds everything of @src into @dst (windows of several intervals). */
int snapshot_merge(struct snapshot *dst, const struct snapshot *src);

/* Keeps @call if it is among the PROC_MAX_SLOW slowest of the window. */
void proc_add_slow(struct proc_snapshot *p, const struct slow_call *call);
struct syscall_stat *proc_syscall(struct proc_snapshot *p, uint32_t nr);
struct tcp_remote_stat *proc_tcp_connect(struct proc_snapshot *p, const struct endpoint *remote);
struct tcp_remote_stat *proc_tcp_rtt(struct proc_snapshot *p, const struct endpoint *remote);
struct tcp_request_stat *proc_tcp_request(struct proc_snapshot *p, enum tcp_role role,
					  const struct endpoint *local,
					  const struct endpoint *remote);

/* The row of requests of that shape, created empty (text copied) if new;
 * NULL on ENOMEM. @method and @text may be NULL for "". */
struct app_request_stat *proc_app_request(struct proc_snapshot *p, uint8_t proto, uint8_t role,
					  const char *method, uint16_t status, uint64_t fingerprint,
					  const char *text);
/* Keeps a copy of @q if it is among the PROC_MAX_SLOW_QUERIES slowest;
 * -1 on ENOMEM. */
int proc_add_slow_query(struct proc_snapshot *p, const struct slow_query *q);
/* Adds @src's protocol rows and slow statements to @dst's; -1 on ENOMEM. */
int proc_merge_app(struct proc_snapshot *dst, const struct proc_snapshot *src);
/* Frees @p's protocol rows and slow statements and empties them. */
void proc_free_app(struct proc_snapshot *p);

/* "syscall", "tcp", "sched", "mem", "alloc", "proto": the name of PROBE_* bit @i. */
const char *snapshot_probe_name(unsigned int i);

bool endpoint_equal(const struct endpoint *a, const struct endpoint *b);
/* "127.0.0.1:80", "[::1]:80"; returns @buf. */
char *endpoint_format(const struct endpoint *ep, char *buf, size_t len);
#define ENDPOINT_STRLEN 64

#endif
