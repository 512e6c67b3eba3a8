/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-socket state shared by the tcp and proto programs: one sk storage
 * map, `socks`, declared alike in tcp.bpf.c and app.bpf.c, whose fd the
 * second of them to load reuses (src/probes/probe_tcp.c, probe_app.c).
 *
 * Both hook sock_recv_length and sock_send_length. A server's socket has
 * been idle since its last response when a request arrives, so the first
 * lookup of each request finds its storage cold, a few hundred ns of cache
 * and TLB misses; with one element per socket the second program's lookup
 * finds what the first brought in, where a map of its own paid the misses
 * again.
 *
 * With both loaded, the proto programs are not attached to the tracepoints
 * at all: tcp_recv and tcp_send end with a tail call into them (recv_next,
 * send_next), which saves a tracepoint dispatch per event, and they time
 * with the tcp program's clock reading when it took one (event_ns).
 */
#ifndef HIVEMON_SOCK_BPF_H
#define HIVEMON_SOCK_BPF_H

#include "hivemon.h"

/*
 * The tcp part: 56 bytes, first, so that with the storage's map pointer in
 * front of it the tcp program touches one cache line. The RTT endpoint is
 * read from the socket when needed instead of kept. role 0: the tcp
 * program has not set this part up yet (the proto program made the
 * element).
 */
struct tcp_sock_state {
	__u64 req_start_ns;	/* start of the exchange in flight, 0 = idle */
	__u64 connect_start_ns; /* SYN_SENT time, 0 = not connecting */
	__u32 rtt_sampled;	/* when srtt was last recorded, ns >> RTT_SHIFT */
	__u32 tgid;		/* last traced process that used the socket */
	__u8 role;		/* enum sock_role (tcp.bpf.c) */
	__u8 steer_slot;	/* 1 + member slot counting this request in flight */
	/* The process's tcp_sampling (hivemon.h) when the socket was last
	 * followed: the exchange in flight counts 1 << sample_shift times
	 * (across a change of ratio, the larger one: resample()). */
	__u8 sample_shift;
	__u8 sample_gen;
	struct tcp_ep req_ep; /* listening address (server) or remote (client) */
	/* The clock as the tcp program read it in the event under way, for
	 * the proto program it tail-calls; 0 once that one took it. */
	__u64 event_ns;
};

_Static_assert(sizeof(struct tcp_sock_state) <= 56, "tcp_sock_state no longer fits one cache line");

/* The proto part: the protocol once recognised and the request in flight. */
struct app_sock_state {
	__u64 start_ns;	   /* request in flight, 0 = idle */
	__u64 fingerprint; /* of the request in flight, or the last one */
	__u32 method;
	__u8 proto;   /* APP_PROTO_*, 0 = not yet known, PROTO_NONE = given up */
	__u8 role;    /* APP_ROLE_*, 0 = not yet known */
	__u8 read;    /* Redis read command in flight (hit or miss) */
	__u8 strikes; /* messages seen while unknown */
	/* text_gen (app.bpf.c) when the text of `fingerprint` was known to be
	 * in userspace: a repeat of it on this socket skips the lookup. */
	__u32 text_gen;
	__u32 pad;
};

struct sock_state {
	struct tcp_sock_state tcp;
	struct app_sock_state app;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_state);
} socks SEC(".maps");

#endif
