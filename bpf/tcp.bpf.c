// SPDX-License-Identifier: GPL-2.0
/*
 * TCP latency per process from BTF tracepoints only: connect time
 * (inet_sock_set_state SYN_SENT -> ESTABLISHED/CLOSE), request/response time
 * of every connection (sock_send_length / sock_recv_length), smoothed RTT
 * (read from the socket when an exchange completes) and retransmits
 * (tcp_retransmit_skb).
 *
 * Per-socket state lives in sk storage, so it is bounded by the sockets that
 * exist and goes away with them (deleted explicitly on TCP_CLOSE); the
 * element is shared with the proto programs (sock.bpf.h). Aggregates
 * are per (tgid, kind, endpoint) in per-CPU LRU hashes: a stats map (count,
 * errors, sum, max, min) and a sparse histogram map keyed by (stats key,
 * bucket), which keeps memory proportional to the buckets actually hit.
 * Per-CPU because the threads of one server all record into the same row:
 * shared counters would bounce their cache line between CPUs on every
 * request. The adds stay atomic: a program can be preempted, or interrupted
 * by softirq, and another one then updates the same CPU's value.
 *
 * Request times, two per request (the server's and the client's), skip
 * both hash maps when their key has a hot row (hivemon.h): a per-CPU array
 * slot chosen by a hash of the key and claimed by the first key to land on
 * it, so a busy server's exchanges cost two array lookups, not two hash
 * lookups of 28- and 32-byte keys. Keys that find their slot taken use the
 * maps; userspace adds both and frees the rows of processes that are gone.
 *
 * Roles: a socket that went through SYN_SENT here is a client. Any other
 * socket is a server socket when its local port is a listening port (kept in
 * listen_ports from the LISTEN transitions, seeded from /proc at start), so
 * connections opened before hivemon started get their role too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "hivemon.h"
#include "hist.h"
#include "compat.bpf.h"
#include "filter.bpf.h"
#include "hot.bpf.h"
#include "maps.bpf.h"
#include "sock.bpf.h"

#define AF_INET	 2
#define AF_INET6 10
/* rtt_sampled's unit: ~1 ms, so 32 bits last 50 days. */
#define RTT_SHIFT 20

/*
 * 1: every connection is followed. N > 1 (--tcp-sample N): only connections
 * whose hash falls in 1 of N buckets are, and their exchanges count N times.
 * On top of that, a busy process may have its own ratio (tcp_sampling).
 * The choice is a pure function of the socket, so the others cost no state
 * lookup at all: with thousands of busy connections that lookup, a cache
 * miss per send or recv, is nearly the whole cost of request tracing.
 */
const volatile __u32 sample_period = 1;
/* Hot rows in use, minus one (a power of two up to TCP_HOT_ROWS): fewer on
 * hosts with many CPUs, where each row costs its size once per CPU. */
const volatile __u32 hot_mask = TCP_HOT_ROWS - 1;

enum sock_role { ROLE_UNKNOWN = 0, ROLE_SERVER = 1, ROLE_CLIENT = 2 };

/* Sizes are set from userspace (max_procs) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct tcp_stat_key);
	__type(value, struct tcp_stat_val);
} tcp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcp_stat_hist_key);
	__type(value, __u64);
} tcp_hists SEC(".maps");

/* Listening sockets per (netns, address, port) -> how many. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, struct tcp_listen_key);
	__type(value, __u64);
} listen_ports SEC(".maps");

/* Events that could not be recorded (map or storage full). */
__u64 lost_events = 0;

/*
 * Connection steering of one SO_REUSEPORT group (src/probes/steer.c): the
 * members' listening sockets, which slot each member process has, and the
 * requests each member has in flight, kept here because this program sees
 * every request start and end. steer_members == 0 (the usual case) costs a
 * load and a branch per request.
 */
__u32 steer_members = 0;

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, STEER_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u64);
} steer_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, STEER_MAX_MEMBERS);
	__type(key, __u32);   /* tgid */
	__type(value, __u32); /* slot */
} steer_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STEER_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __s64);
} steer_inflight SEC(".maps");

/* Busy processes followed 1 connection in 2^shift (hivemon.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCP_SAMPLING_SLOTS);
	__type(key, __u32);
	__type(value, struct tcp_sampling);
} tcp_sampling SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCP_SAMPLING_SLOTS);
	__type(key, __u32);
	__type(value, struct tcp_sample_events);
} tcp_sample_events SEC(".maps");

/* Hot rows (hivemon.h): which key each holds, and the per-CPU aggregates. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TCP_HOT_ROWS);
	__type(key, __u32);
	__type(value, struct tcp_hot_owner);
} tcp_hot_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCP_HOT_ROWS);
	__type(key, __u32);
	__type(value, struct tcp_hot_row);
} tcp_hot_rows SEC(".maps");

/*
 * The proto programs, when they load with these: the recv and send
 * programs end with a tail call into them instead of their being attached
 * to the same tracepoints, which saves a tracepoint dispatch per event.
 * One array per hook: a tail call must stay on the hook it came from.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} recv_next SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} send_next SEC(".maps");

static const struct tcp_stat_val zero_val;

/*
 * The protocol operations (sk_prot) of the TCP sockets seen so far:
 * tcp_prot, tcpv6_prot, and those of sockets with kTLS or in a sockmap.
 * Learned from the sockets, because this kernel lists no variables in its
 * BTF nor in kallsyms. Only a TCP socket ever uses one of them.
 */
#define TCP_PROTOS 4
__u64 tcp_protos[TCP_PROTOS];

/*
 * Whether @sk is a TCP socket, by its sk_prot, which sits in the cache
 * line the kernel has just used: sk_protocol and sk_type sit 500 bytes
 * further, in a line the data path does not read, and testing them missed
 * the cache on every event of a busy server. They are read only for a
 * sk_prot not learned yet (or not TCP).
 */
static __always_inline bool is_tcp(const struct sock *sk)
{
	__u64 prot = (__u64)sk->__sk_common.skc_prot;
	__u16 family;
	int i;

	for (i = 0; i < TCP_PROTOS; i++)
		if (tcp_protos[i] == prot)
			return true;
	family = sk->__sk_common.skc_family;
	if (sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM ||
	    (family != AF_INET && family != AF_INET6))
		return false;
	/* Two CPUs may race for a slot: the loser is learned again later. */
	for (i = 0; i < TCP_PROTOS; i++)
		if (!tcp_protos[i]) {
			tcp_protos[i] = prot;
			break;
		}
	return true;
}

static __always_inline void local_ep(const struct sock *sk, struct tcp_ep *ep)
{
	ep->family = sk->__sk_common.skc_family;
	ep->port = sk->__sk_common.skc_num;
	if (ep->family == AF_INET) {
		/* The rest is part of the key: never stack garbage. */
		__builtin_memset(ep->addr, 0, sizeof(ep->addr));
		__builtin_memcpy(ep->addr, &sk->__sk_common.skc_rcv_saddr, 4);
	} else {
		__builtin_memcpy(ep->addr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
	}
}

static __always_inline void remote_ep(const struct sock *sk, struct tcp_ep *ep)
{
	ep->family = sk->__sk_common.skc_family;
	ep->port = bpf_ntohs(sk->__sk_common.skc_dport);
	if (ep->family == AF_INET) {
		__builtin_memset(ep->addr, 0, sizeof(ep->addr));
		__builtin_memcpy(ep->addr, &sk->__sk_common.skc_daddr, 4);
	} else {
		__builtin_memcpy(ep->addr, &sk->__sk_common.skc_v6_daddr, 16);
	}
}

/* Network namespace of @sk: its inode number, what /proc/PID/ns/net shows.
 * Without CONFIG_NET_NS possible_net_t holds no pointer and /proc has no
 * ns/net: there is one namespace, 0 here. */
static __always_inline __u32 sock_netns(const struct sock *sk)
{
	if (!bpf_core_field_exists(sk->__sk_common.skc_net.net))
		return 0;
	return sk->__sk_common.skc_net.net->ns.inum;
}

static __always_inline void count_lost(void)
{
	__sync_fetch_and_add(&lost_events, 1);
}

/* Adds @weight events to the (tgid, kind, ep) aggregate; @timed events
 * carry a latency that goes to the histogram, others only count. */
static __always_inline void record(__u32 tgid, __u32 kind, const struct tcp_ep *ep, __u64 lat,
				   __u64 weight, bool timed, bool error)
{
	struct tcp_stat_hist_key hkey = {};
	struct tcp_stat_val *val;
	__u64 zero = 0, *bucket;

	hkey.key.tgid = tgid;
	hkey.key.kind = kind;
	if (ep)
		hkey.key.ep = *ep;
	val = map_lookup_or_try_init(&tcp_stats, &hkey.key, &zero_val);
	if (!val) {
		count_lost();
		return;
	}
	__sync_fetch_and_add(&val->count, weight);
	if (error)
		__sync_fetch_and_add(&val->errors, weight);
	if (!timed)
		return;
	__sync_fetch_and_add(&val->sum_ns, lat * weight);
	atomic_max_u64(&val->max_ns, lat);
	atomic_min_u64(&val->min_ns, lat);
	hkey.slot = hist_slot(lat);
	bucket = map_lookup_or_try_init(&tcp_hists, &hkey, &zero);
	if (!bucket) {
		count_lost();
		return;
	}
	__sync_fetch_and_add(bucket, weight);
}

/* The hot row of @key: its row if it holds @key, claimed if free. */
static __always_inline struct tcp_hot_row *hot_row(const struct tcp_stat_key *key)
{
	__u32 idx = (key->tgid * 2654435761u ^ key->ep.port * 40503u ^ key->kind) & hot_mask;
	struct tcp_hot_owner *o = bpf_map_lookup_elem(&tcp_hot_owners, &idx);

	if (!o || !hot_holds(&o->state, &o->key, key, sizeof(*key)))
		return 0;
	return bpf_map_lookup_elem(&tcp_hot_rows, &idx);
}

/*
 * A timed exchange of (tgid, kind, ep): to its hot row when it has one,
 * which costs two array lookups, else to the maps as record() does. The
 * adds stay atomic for the reason given at the top.
 */
static __always_inline void record_exchange(__u32 tgid, __u32 kind, const struct tcp_ep *ep,
					    __u64 lat, __u64 weight)
{
	struct tcp_stat_key key = {.tgid = tgid, .kind = kind, .ep = *ep};
	struct tcp_hot_row *row = hot_row(&key);
	__u32 slot;

	if (!row) {
		record(tgid, kind, ep, lat, weight, true, false);
		return;
	}
	__sync_fetch_and_add(&row->val.count, weight);
	__sync_fetch_and_add(&row->val.sum_ns, lat * weight);
	atomic_max_u64(&row->val.max_ns, lat);
	atomic_min_u64(&row->val.min_ns, lat);
	slot = hist_slot(lat);
	if (slot < HIST_SLOTS)
		__sync_fetch_and_add(&row->hist[slot], weight);
}

/* The listening socket a connection on @sk was accepted from, if any:
 * same port and either the same address or a wildcard one. */
static __always_inline bool find_listener(const struct sock *sk, struct tcp_ep *listen)
{
	struct tcp_listen_key key = {};

	key.netns = sock_netns(sk);
	local_ep(sk, &key.ep);
	if (bpf_map_lookup_elem(&listen_ports, &key))
		goto found;
	__builtin_memset(key.ep.addr, 0, sizeof(key.ep.addr));
	if (bpf_map_lookup_elem(&listen_ports, &key))
		goto found;
	/* An IPv4 socket accepted by a dual-stack [::] listener is AF_INET6
	 * (v4-mapped); an AF_INET one can only come from an AF_INET listener. */
	return false;
found:
	*listen = key.ep;
	return true;
}

/* The state of @sk, created on first sight. Sockets that did not go
 * through SYN_SENT here get their role from the listening ports. */
static __always_inline struct sock_state *sock_state(struct sock *sk, __u32 tgid)
{
	struct sock_state *st;

	st = bpf_sk_storage_get(&socks, sk, 0, 0);
	if (st && st->tcp.role)
		return st;
	if (!st) {
		st = bpf_sk_storage_get(&socks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!st) {
			count_lost();
			return 0;
		}
	}
	st->tcp.tgid = tgid;
	if (find_listener(sk, &st->tcp.req_ep)) {
		st->tcp.role = ROLE_SERVER;
	} else {
		st->tcp.role = ROLE_CLIENT;
		remote_ep(sk, &st->tcp.req_ep);
	}
	return st;
}

static __always_inline void record_rtt(struct sock *sk, struct sock_state *st, __u32 tgid,
				       __u64 now)
{
	__u32 tick = (__u32)(now >> RTT_SHIFT);
	struct tcp_sock *tp;
	struct tcp_ep ep;
	__u64 srtt_us;

	if (st->tcp.rtt_sampled && tick - st->tcp.rtt_sampled < (TCP_RTT_SAMPLE_NS >> RTT_SHIFT))
		return;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return;
	srtt_us = tp->srtt_us >> 3; /* stored as 8 * srtt */
	if (!srtt_us)
		return;
	st->tcp.rtt_sampled = tick ? tick : 1;
	/* Towards the remote; for a server, its address with port 0. */
	remote_ep(sk, &ep);
	if (st->tcp.role == ROLE_SERVER)
		ep.port = 0;
	record(tgid, TCP_KIND_RTT, &ep, srtt_us * 1000, 1, true, false);
}

/* The exchange in flight on @st ends now: record it, and maybe the RTT. */
static __always_inline void end_exchange(struct sock *sk, struct sock_state *st, __u32 tgid,
					 __u32 kind)
{
	__u64 now = bpf_ktime_get_ns();

	st->tcp.event_ns = now;
	record_exchange(tgid, kind, &st->tcp.req_ep, now - st->tcp.req_start_ns,
			sample_period << st->tcp.sample_shift);
	st->tcp.req_start_ns = 0;
	record_rtt(sk, st, tgid, now);
}

static __always_inline void steer_add(__u32 slot, __s64 delta)
{
	__s64 *n = bpf_map_lookup_elem(&steer_inflight, &slot);

	if (n)
		__sync_fetch_and_add(n, delta);
}

/* A request starts on a server socket of a steered member: count it. */
static __always_inline void steer_request_start(struct sock_state *st, __u32 tgid)
{
	__u32 *slot;

	if (!steer_members || st->tcp.steer_slot)
		return;
	slot = bpf_map_lookup_elem(&steer_slots, &tgid);
	if (!slot)
		return;
	steer_add(*slot, 1);
	st->tcp.steer_slot = *slot + 1;
}

/* The request counted on @st was answered, or its socket closed. */
static __always_inline void steer_request_end(struct sock_state *st)
{
	if (!st->tcp.steer_slot)
		return;
	steer_add(st->tcp.steer_slot - 1, -1);
	st->tcp.steer_slot = 0;
}

/*
 * Picks the member for a new connection: of two members chosen at random,
 * the one with fewer requests in flight (power of two choices). Returning
 * without a selection leaves the choice to the kernel's hash.
 */
SEC("sk_reuseport")
int steer_select(struct sk_reuseport_md *md)
{
	__u32 n = steer_members, a, b;
	__s64 *ia, *ib;

	if (n < 2 || n > STEER_MAX_MEMBERS)
		return SK_PASS;
	a = bpf_get_prandom_u32() % n;
	b = (a + 1 + bpf_get_prandom_u32() % (n - 1)) % n;
	ia = bpf_map_lookup_elem(&steer_inflight, &a);
	ib = bpf_map_lookup_elem(&steer_inflight, &b);
	if (ia && ib && *ib < *ia)
		a = b;
	bpf_sk_select_reuseport(md, &steer_socks, &a, 0);
	return SK_PASS;
}

/*
 * Whether @sk is one of the connections of @tgid followed (sample_period,
 * and the process's own ratio, which @samp receives; its tgid is 0 when
 * the process has none). skc_hash is the 4-tuple's hash in the established
 * table, keyed by a boot-time secret, and stable for the connection's
 * life; but its low bits were seen to be alike for all of one client's
 * connections (none followed 1 in 8), so the ratio takes the top bits of
 * its product with the golden ratio, which depend on all of them. A
 * connection followed 1 in 2^s is followed at any smaller s too, so
 * lowering a ratio keeps the connections followed.
 */
static __always_inline bool followed(const struct sock *sk, __u32 tgid, struct tcp_sampling *samp)
{
	__u32 mixed = sk->__sk_common.skc_hash * 2654435761u;
	__u32 slot = tgid & (TCP_SAMPLING_SLOTS - 1);
	struct tcp_sampling *s = bpf_map_lookup_elem(&tcp_sampling, &slot);

	*samp = (struct tcp_sampling){};
	if (s && s->tgid == tgid) {
		samp->tgid = tgid;
		samp->shift = s->shift & 7;
		samp->gen = s->gen;
	}
	if (samp->shift && mixed >> (32 - samp->shift))
		return false;
	return sample_period <= 1 || (mixed >> 16) % sample_period == 0;
}

/* A data event of a process that has a ratio, @seen or not (hivemon.h). */
static __always_inline void count_sampled(__u32 tgid, bool seen)
{
	__u32 slot = tgid & (TCP_SAMPLING_SLOTS - 1);
	struct tcp_sample_events *e = bpf_map_lookup_elem(&tcp_sample_events, &slot);

	if (!e)
		return;
	__sync_fetch_and_add(&e->all, 1);
	if (seen)
		__sync_fetch_and_add(&e->followed, 1);
}

/*
 * The process's ratio changed since @st was last followed. One change
 * ago, the socket was followed all along (whether a socket is followed
 * depends on its hash alone), so an exchange in flight is whole: it counts
 * 2^max of the two shifts, as the sockets followed under both ratios are 1
 * in that many, and the socket keeps that shift until its next exchange
 * starts. (Dropping them lost one exchange per followed connection at each
 * change: 10 % of a half-second burst.) Further back, the socket may have
 * gone unfollowed in between, its exchange's end unseen: dropped.
 */
static __always_inline void resample(struct sock_state *st, const struct tcp_sampling *samp)
{
	bool whole = (__u8)(st->tcp.sample_gen + 1) == samp->gen;

	st->tcp.sample_gen = samp->gen;
	if (whole) {
		if (samp->shift > st->tcp.sample_shift)
			st->tcp.sample_shift = samp->shift;
		return;
	}
	st->tcp.sample_shift = samp->shift;
	st->tcp.req_start_ns = 0;
	st->app.start_ns = 0;
	steer_request_end(st);
}

/*
 * Bytes moved on @sk by the current process. On a socket of role
 * @starts (a server receiving, a client sending) the first byte while idle
 * starts an exchange; on the other role it ends the exchange in flight,
 * recorded as @ends. False when the proto program has nothing to see
 * either: a process filtered out, a TCP connection not followed.
 */
static __always_inline bool on_bytes(struct sock *sk, __u32 starts, __u32 ends)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct tcp_sampling samp;
	struct sock_state *st;
	bool seen;

	/* Unix stream sockets carry protocols too. */
	if (!is_tcp(sk))
		return true;
	if (!filter_current(tgid))
		return false;
	seen = followed(sk, tgid, &samp);
	if (samp.tgid)
		count_sampled(tgid, seen);
	if (!seen)
		return false;
	st = sock_state(sk, tgid);
	if (!st)
		return true;
	if (st->tcp.sample_gen != samp.gen)
		resample(st, &samp);
	st->tcp.tgid = tgid;
	if (st->tcp.role == starts) {
		if (!st->tcp.req_start_ns) {
			st->tcp.sample_shift = samp.shift;
			st->tcp.req_start_ns = st->tcp.event_ns = bpf_ktime_get_ns();
			if (starts == ROLE_SERVER)
				steer_request_start(st, tgid);
		}
	} else if (st->tcp.req_start_ns) {
		end_exchange(sk, st, tgid, ends);
		steer_request_end(st);
	}
	return true;
}

/* Server: a request starts at its first byte; client: a response ends it.
 * Then the proto program, if chained (sock.bpf.h), sees the event. */
SEC("tp_btf/sock_recv_length")
int BPF_PROG(tcp_recv, struct sock *sk, int ret, int flags)
{
	/* Nothing moved (EAGAIN, an error): nothing for either program. */
	if (ret > 0 && on_bytes(sk, ROLE_SERVER, TCP_KIND_REQ_CLIENT))
		bpf_tail_call(ctx, &recv_next, 0);
	return 0;
}

/* Client: a request starts at its first byte; server: a response ends it. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(tcp_send, struct sock *sk, int ret, int flags)
{
	if (ret > 0 && on_bytes(sk, ROLE_CLIENT, TCP_KIND_REQ_SERVER))
		bpf_tail_call(ctx, &send_next, 0);
	return 0;
}

static __always_inline void listen_change(const struct sock *sk, bool up)
{
	struct tcp_listen_key key = {};
	__u64 one = 1, *n;

	key.netns = sock_netns(sk);
	local_ep(sk, &key.ep);
	n = bpf_map_lookup_elem(&listen_ports, &key);
	if (up) {
		if (n)
			__sync_fetch_and_add(n, 1);
		else if (bpf_map_update_elem(&listen_ports, &key, &one, BPF_NOEXIST))
			count_lost();
	} else if (n) {
		if (__sync_fetch_and_add(n, -1) <= 1)
			bpf_map_delete_elem(&listen_ports, &key);
	}
}

/* connect() runs in the caller's context: SYN_SENT names the process;
 * ESTABLISHED or CLOSE comes later, usually from softirq. */
static __always_inline void connect_start(struct sock *sk)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sock_state *st;

	if (!filter_current(tgid))
		return;
	st = bpf_sk_storage_get(&socks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		count_lost();
		return;
	}
	st->tcp.tgid = tgid;
	st->tcp.role = ROLE_CLIENT;
	st->tcp.req_start_ns = 0;
	remote_ep(sk, &st->tcp.req_ep);
	st->tcp.connect_start_ns = bpf_ktime_get_ns();
}

static __always_inline void connect_end(struct sock *sk, bool established)
{
	struct sock_state *st = bpf_sk_storage_get(&socks, sk, 0, 0);

	if (!st || !st->tcp.connect_start_ns)
		return;
	record(st->tcp.tgid, TCP_KIND_CONNECT, &st->tcp.req_ep,
	       bpf_ktime_get_ns() - st->tcp.connect_start_ns, 1, established, !established);
	st->tcp.connect_start_ns = 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_state, struct sock *sk, int oldstate, int newstate)
{
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_LISTEN) {
		listen_change(sk, true);
		return 0;
	}
	/* A child socket is cloned from its listener: LISTEN -> SYN_RECV. */
	if (oldstate == TCP_LISTEN) {
		if (newstate == TCP_CLOSE)
			listen_change(sk, false);
		return 0;
	}
	if (newstate == TCP_SYN_SENT) {
		connect_start(sk);
		return 0;
	}
	if (oldstate == TCP_SYN_SENT)
		connect_end(sk, newstate == TCP_ESTABLISHED);
	if (newstate == TCP_CLOSE) {
		if (steer_members) {
			struct sock_state *st = bpf_sk_storage_get(&socks, sk, 0, 0);

			if (st)
				steer_request_end(st);
		}
		bpf_sk_storage_delete(&socks, sk);
	}
	return 0;
}

/* The error (third argument) is read only where it exists: see compat.bpf.h.
 * Older kernels trace only the retransmits that were sent. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit, struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sampling samp;
	struct sock_state *st;

	if (tcp_retransmit_has_err() && (int)ctx[2])
		return 0;
	/* Retransmits come from timers and softirq: charge the socket's owner,
	 * known only for sockets a traced process has used, if it is still
	 * followed at the ratio its state was kept under. */
	st = bpf_sk_storage_get(&socks, sk, 0, 0);
	if (!st || !st->tcp.role || !followed(sk, st->tcp.tgid, &samp) ||
	    samp.gen != st->tcp.sample_gen)
		return 0;
	record(st->tcp.tgid, TCP_KIND_RETRANS, 0, 0, sample_period << samp.shift, false, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
