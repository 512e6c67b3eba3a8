/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structs and constants shared by the BPF programs and userspace: map keys,
 * map values and ring buffer records. Plain fixed-width types only.
 */
#ifndef HIVEMON_BPF_SHARED_H
#define HIVEMON_BPF_SHARED_H

#include "hist.h"

#define COMM_LEN	 16
#define FILTER_MAX_PIDS	 16
#define FILTER_MAX_COMMS 8
/* Members of a reuseport group hivemon steers connections in. */
#define STEER_MAX_MEMBERS 64

/* Ring buffer record kinds (first field of every record). */
enum event_kind {
	EVENT_SLOW_SYSCALL = 1,
	EVENT_APP_TEXT = 2, /* struct app_text_event */
	EVENT_APP_SLOW = 3, /* struct app_slow_event */
};

/* Syscall probe (bpf/syscall.bpf.c). */
struct syscall_key {
	__u32 tgid;
	__u32 nr;
};

struct syscall_val {
	__u64 count;	/* calls, exact */
	__u64 errors;	/* calls that returned < 0 */
	__u64 weight;	/* timed calls, weighted (estimates count) */
	__u64 total_ns; /* weighted latency sum */
	__u64 max_ns;
};

struct syscall_hist_key {
	__u32 tgid;
	__u16 nr;
	__u16 slot;
};

struct slow_syscall_event {
	__u32 kind; /* EVENT_SLOW_SYSCALL */
	__u32 tgid;
	__u32 tid;
	__u32 nr;
	__s64 ret;
	__u64 latency_ns;
	__u64 end_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

/* Name and cgroup of a process, kept when it exits so short-lived
 * processes can still be named after /proc forgot them. */
struct proc_exit_info {
	char comm[COMM_LEN];
	__u64 cgroup_id;
};

/*
 * Per-process counters of the sched, mem and alloc probes. They live in
 * double-buffered per-CPU hash maps keyed by tgid: the programs write to the
 * buffer an array-of-maps slot points at, userspace swaps the slot (the
 * kernel waits for running programs) and drains the other buffer, so every
 * interval gets exact deltas with no userspace history.
 */
struct sched_val {
	__u64 oncpu_ns;
};

/* Histogram bucket of one process (run-queue or malloc latency): the
 * bucket's own count, sum and max make the totals exact. */
struct tgid_slot_key {
	__u32 tgid;
	__u32 slot;
};

struct hist_bucket {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
};

struct mem_val {
	__u64 page_faults;
	__u64 reclaim_count;
	__u64 reclaim_total_ns;
	__u64 reclaim_max_ns;
};

struct alloc_val {
	__u64 calls;	    /* malloc, calloc, realloc, posix_memalign, aligned_alloc */
	__u64 frees;	    /* free() of a non-NULL pointer */
	__u64 bytes;	    /* bytes requested by the calls */
	__u64 lat_total_ns; /* net of the calibrated probe cost */
	__u64 lat_max_ns;
	__s64 outstanding; /* bytes allocated minus bytes freed (tracked blocks) */
	__u64 untracked;   /* blocks not tracked: live-allocation map full */
};

/* A live heap block, by process and address. */
struct alloc_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

/* TCP probe (bpf/tcp.bpf.c). */
enum tcp_stat_kind {
	TCP_KIND_CONNECT = 1,	 /* connect latency towards ep (remote) */
	TCP_KIND_RTT = 2,	 /* smoothed RTT samples towards ep */
	TCP_KIND_REQ_SERVER = 3, /* request time, ep = listening address */
	TCP_KIND_REQ_CLIENT = 4, /* request time, ep = remote endpoint */
	TCP_KIND_RETRANS = 5,	 /* retransmitted segments, ep zeroed */
};

/* A socket address as the kernel holds it: family AF_INET (first 4 bytes
 * of addr used) or AF_INET6 (v4-mapped left as is), port in host order. */
struct tcp_ep {
	__u16 family;
	__u16 port;
	__u8 addr[16];
};

struct tcp_stat_key {
	__u32 tgid;
	__u32 kind; /* enum tcp_stat_kind */
	struct tcp_ep ep;
};

struct tcp_stat_val {
	__u64 count;  /* events, failed connects included */
	__u64 errors; /* failed connects (refused, timed out, aborted) */
	__u64 sum_ns; /* sum of the timed events' latencies */
	__u64 max_ns; /* all-time max */
	__u64 min_ns; /* all-time min, 0 = none yet */
};

struct tcp_stat_hist_key {
	struct tcp_stat_key key;
	__u32 slot;
};

/*
 * Hot rows (bpf/hot.bpf.h): the aggregates of the busiest keys of a probe,
 * in a per-CPU array indexed by a hash of the key, so that recording adds
 * to an array slot instead of looking up two hash maps. An owners array
 * says which key each row holds; a key whose slot another holds uses the
 * maps. Userspace sums both, and frees the row of a process that is gone.
 */
enum hot_state {
	HOT_FREE = 0,
	HOT_CLAIMING = 1, /* a program is writing the key */
	HOT_READY = 2,
};

#define TCP_HOT_ROWS 64 /* a power of two */

struct tcp_hot_owner {
	__u64 state; /* enum hot_state */
	struct tcp_stat_key key;
	__u32 pad;
};

/* One CPU's share of a hot row: what tcp_stats and tcp_hists hold for it. */
struct tcp_hot_row {
	struct tcp_stat_val val;
	__u64 hist[HIST_SLOTS];
};

/*
 * Busy processes whose connections are followed 1 in 2^shift (tcp_sampler.c
 * decides, from each interval's exchange rate and busy connections): one
 * slot per process, at tgid % TCP_SAMPLING_SLOTS; a process whose slot
 * holds another tgid is followed whole. gen changes whenever shift does, so
 * a socket can tell that the exchange it holds began under another ratio.
 */
#define TCP_SAMPLING_SLOTS   1024 /* a power of two */
#define TCP_SAMPLE_MAX_SHIFT 6

struct tcp_sampling {
	__u32 tgid;
	__u8 shift;
	__u8 gen;
	__u16 pad;
};

/* A sampled process's TCP data events (sends and receives that moved
 * bytes), per CPU, in the slot of its tcp_sampling: all of them, and those
 * on the connections followed. Their ratio scales what was seen
 * (tcp_sampler.c): connections differ in how busy they are, and the share
 * of them followed is only 1 in 2^shift on average. */
struct tcp_sample_events {
	__u64 all;
	__u64 followed;
};

/* Smoothed RTT is read at most once per socket per this long (the busy
 * connections of a process are estimated from those readings too). */
#define TCP_RTT_SAMPLE_NS 100000000ULL

/* A listening socket: which local ports accept connections (server role). */
struct tcp_listen_key {
	__u32 netns; /* network namespace inode number */
	struct tcp_ep ep;
};

/* Application protocol probe (bpf/app.bpf.c). */
#define APP_PREFIX_LEN 256 /* bytes of a message copied for parsing */
/* Distinct texts (fingerprints) one process may add per protocol before
 * the rest fold into fingerprint 0, "other" (userspace resets it). */
#define APP_FP_BUDGET 256

/* Values of app_stat_key.proto: enum app_proto of core/snapshot.h. */
#define APP_PROTO_HTTP	1
#define APP_PROTO_PGSQL 2
#define APP_PROTO_REDIS 3

/* Values of app_stat_key.role: enum tcp_role of core/snapshot.h. */
#define APP_ROLE_SERVER 1
#define APP_ROLE_CLIENT 2

/* HTTP methods (app_stat_key.method); 0 for the other protocols. */
enum app_http_method {
	APP_HTTP_GET = 1,
	APP_HTTP_POST,
	APP_HTTP_PUT,
	APP_HTTP_DELETE,
	APP_HTTP_HEAD,
	APP_HTTP_PATCH,
	APP_HTTP_OPTIONS,
	APP_HTTP_METHODS,
};

struct app_stat_key {
	__u32 tgid;
	__u8 proto;   /* APP_PROTO_* */
	__u8 role;    /* APP_ROLE_* */
	__u16 status; /* HTTP status class 100..500; 0 for the others */
	__u32 method; /* enum app_http_method; 0 for the others */
	__u32 pad;
	__u64 fingerprint; /* normalising hash of the text; 0 = "other" */
};

struct app_stat_val {
	__u64 count;
	__u64 errors; /* HTTP 5xx, PostgreSQL ErrorResponse, Redis error */
	__u64 hits;   /* Redis reads answered with a value (MGET: per key) */
	__u64 misses; /* Redis reads answered with null (MGET: per key) */
	__u64 sum_ns;
	__u64 max_ns; /* all-time max */
	__u64 min_ns; /* all-time min, 0 = none yet */
};

struct app_hist_key {
	struct app_stat_key key;
	__u32 slot;
	__u32 pad;
};

/* Hot rows of the proto probe: request shapes of the busiest services. */
#define APP_HOT_ROWS 64 /* a power of two */

struct app_hot_owner {
	__u64 state; /* enum hot_state */
	struct app_stat_key key;
};

/* One CPU's share of a hot row: what app_stats and app_hists hold for it. */
struct app_hot_row {
	struct app_stat_val val;
	__u64 hist[HIST_SLOTS];
};

/* app_text_event.flags */
#define APP_TEXT_STMT_NAME 1 /* text is a prepared statement's name only */

/* The text of a fingerprint a process used for the first time: the
 * message prefix, text[off, off + len) (raw: userspace normalises). */
struct app_text_event {
	__u32 kind; /* EVENT_APP_TEXT */
	__u32 tgid;
	__u8 proto;
	__u8 flags;
	__u16 off;
	__u16 len;
	__u16 pad;
	__u64 fingerprint;
	char text[APP_PREFIX_LEN];
};

/* A request slower than the slow_query threshold. */
struct app_slow_event {
	__u32 kind; /* EVENT_APP_SLOW */
	__u32 tgid;
	__u8 proto;
	__u8 role;
	__u16 status;
	__u32 method;
	__u64 fingerprint;
	__u64 latency_ns;
	__u64 end_ns;	    /* CLOCK_MONOTONIC */
	struct tcp_ep peer; /* family 0: a unix socket */
};

#endif
