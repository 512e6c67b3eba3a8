// SPDX-License-Identifier: GPL-2.0
/*
 * Application protocols on sockets (TCP and unix stream): HTTP/1.x,
 * PostgreSQL (simple and extended query protocol) and Redis (RESP), timed
 * per request shape without kprobes.
 *
 * sock_recv_length / sock_send_length fire in the calling task after the
 * data was copied; the task's syscall registers say where the user buffer
 * is (read/write/recvfrom/sendto: arg 2; readv/writev: an iovec;
 * recvmsg/sendmsg: a msghdr's first iovec). The first 8 bytes decide
 * cheaply whether a message of a known protocol can start there; only then
 * is a bounded prefix (APP_PREFIX_LEN) copied into a per-CPU buffer and
 * parsed.
 *
 * Per socket (sk storage): the protocol and role once recognised and the
 * one request in flight. A socket's role comes from the direction its
 * first request went: sent = client, received = server; after that only
 * that direction can start requests and only the other can answer them, so
 * response bodies are never taken for requests. One request is outstanding
 * per connection: with pipelining, the first request is timed to the first
 * response and the others are not counted.
 *
 * Cardinality: the fingerprint is a normalising hash of the text (HTTP
 * path segments holding a digit, SQL number and string literals and IN
 * lists, whitespace runs and letter case do not change it), so that
 * /users/1 and /users/2 share a row. Its text goes to userspace (ring
 * buffer) only the first time a process uses it, and each process may
 * bring APP_FP_BUDGET texts per protocol: further ones count as "other"
 * (fingerprint 0). Aggregates are per-CPU as in tcp.bpf.c: hot rows for the
 * busiest keys, LRU hashes for the others.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "hivemon.h"
#include "hist.h"
#include "filter.bpf.h"
#include "hot.bpf.h"
#include "maps.bpf.h"
#include "sock.bpf.h"

#define AF_UNIX	     1
#define AF_INET	     2
#define AF_INET6     10
#define MSG_PEEK     2
#define PF_IO_WORKER 0x00000010
#define PF_KTHREAD   0x00200000
#define PREFIX_MSK   (APP_PREFIX_LEN - 1)
/* Messages of a socket not recognised before it stops being looked at. */
#define MAX_STRIKES 16
/* Values of one MGET/HMGET reply counted as hits or misses. */
#define REDIS_KEYS_MAX 64
/* PostgreSQL messages from this size may come in several reads. */
#define PG_SPLIT_MIN 4096

/* Requests slower than this go to userspace one by one ([agent] slow_query). */
const volatile __u64 slow_ns = 100000000ULL;
/* Hot rows in use, minus one (a power of two up to APP_HOT_ROWS). */
const volatile __u32 hot_mask = APP_HOT_ROWS - 1;

enum { PROTO_NONE = 0xff };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct app_stat_key);
	__type(value, struct app_stat_val);
} app_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct app_hist_key);
	__type(value, __u64);
} app_hists SEC(".maps");

/* Hot rows (hivemon.h): which key each holds, and the per-CPU aggregates. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, APP_HOT_ROWS);
	__type(key, __u32);
	__type(value, struct app_hot_owner);
} app_hot_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, APP_HOT_ROWS);
	__type(key, __u32);
	__type(value, struct app_hot_row);
} app_hot_rows SEC(".maps");

/* (tgid, fingerprint) whose text userspace has. */
struct app_seen_key {
	__u32 tgid;
	__u32 proto;
	__u64 fingerprint;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct app_seen_key);
	__type(value, __u8);
} app_seen SEC(".maps");

/* (tgid, proto) -> texts admitted; cleared by userspace now and then. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} app_budget SEC(".maps");

/* Prepared statements: (socket cookie, name hash) -> fingerprint of the
 * query Parse gave it, for the Binds that execute it by name. */
struct app_stmt_key {
	__u64 cookie;
	__u64 name;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct app_stmt_key);
	__type(value, __u64);
} app_stmts SEC(".maps");

/* Twice the prefix: sizes are masked to a power of two for the verifier. */
struct app_buf {
	char b[APP_PREFIX_LEN * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct app_buf);
} app_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} app_events SEC(".maps");

__u64 lost_events = 0;
/* Bumped by userspace each time it makes the kernel forget a text it has
 * (app_seen): a socket's memory of an admitted text is good only while it
 * holds the generation it was made in. */
__u32 text_gen = 0;
/* --tcp-sample's N once the tcp programs tail-call these (probe_app.c);
 * 0 while they do not, and every socket's events come here. */
__u32 tcp_sample_period = 0;

static const struct app_stat_val zero_val;

static __always_inline void count_lost(void)
{
	__sync_fetch_and_add(&lost_events, 1);
}

/* FNV-1a step. */
static __always_inline __u64 mix(__u64 h, __u64 c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

#define HASH_SEED 0xcbf29ce484222325ULL

static __always_inline __u8 lower(__u8 c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static __always_inline bool is_digit(__u8 c)
{
	return c >= '0' && c <= '9';
}

/* ---- where the syscall's buffer is -------------------------------------- */

/* The user address the message starts at and how many bytes of it are
 * contiguous there; 0 when the syscall is not a plain socket read/write. */
static __always_inline __u64 user_buffer(__u64 *contig)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;
	struct iovec iov;
	__u64 p;

	/* Kernel threads and io_uring workers send and receive outside any
	 * syscall of theirs: their saved registers say nothing of this call. */
	if (task->flags & (PF_KTHREAD | PF_IO_WORKER))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);

	switch (regs->orig_ax) {
	case 0:	 /* read */
	case 1:	 /* write */
	case 44: /* sendto */
	case 45: /* recvfrom */
		*contig = ~0ULL;
		return regs->si;
	case 19: /* readv */
	case 20: /* writev */
		p = regs->si;
		break;
	case 46: /* sendmsg */
	case 47: /* recvmsg */
		if (bpf_probe_read_user(&p, sizeof(p),
					(void *)(regs->si + offsetof(struct user_msghdr, msg_iov))))
			return 0;
		break;
	default:
		return 0;
	}
	if (bpf_probe_read_user(&iov, sizeof(iov), (void *)p))
		return 0;
	*contig = iov.iov_len;
	return (__u64)iov.iov_base;
#else
	return 0;
#endif
}

/* ---- fingerprints --------------------------------------------------------- */

#define ID_MARK	 0x7b69647dULL /* "{id}" */
#define LIT_MARK 0x3f3f3fULL

/*
 * The parsers are global functions: the verifier checks each once, on its
 * own, instead of once per path of the hook that calls it.
 */

/*
 * Scans are open-coded iterators (bpf_iter_num): the verifier checks a
 * step until its states repeat instead of every byte position, and unlike
 * bpf_loop() callbacks they cost no indirect call per byte.
 */
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

#define for_each_step(it, steps)                                                                   \
	for (bpf_iter_num_new(&(it), 0, (steps)); bpf_iter_num_next(&(it));)

/* Whether the request line goes on with " HTTP/1." at @i, its target's end. */
static __always_inline bool http1_at(const char *c, __u32 i, __u32 n)
{
	return i + 9 <= n && c[i & PREFIX_MSK] == ' ' && c[(i + 1) & PREFIX_MSK] == 'H' &&
	       c[(i + 2) & PREFIX_MSK] == 'T' && c[(i + 3) & PREFIX_MSK] == 'T' &&
	       c[(i + 4) & PREFIX_MSK] == 'P' && c[(i + 5) & PREFIX_MSK] == '/' &&
	       c[(i + 6) & PREFIX_MSK] == '1' && c[(i + 7) & PREFIX_MSK] == '.';
}

/* What a byte of a request target is to its fingerprint: one load tells. */
enum { T_PLAIN = 0, T_DIGIT, T_SLASH, T_QUERY, T_END };

static const __u8 target_class[256] = {
	['0' ... '9'] = T_DIGIT, ['/'] = T_SLASH, ['?'] = T_QUERY, ['#'] = T_QUERY,
	[' '] = T_END,		 ['\r'] = T_END,  ['\n'] = T_END,
};

/* A target's fingerprint as it is scanned: the path so far (@h), the
 * segment in progress (@seg), whether that holds a digit, and whether the
 * path is still going (the query and fragment are left out). */
struct target_scan {
	__u64 h, seg;
	bool digit, path;
};

/* Adds byte @c to @t; false when @c ends the target. */
static __always_inline bool target_step(struct target_scan *t, __u8 c)
{
	__u8 k = target_class[c];

	if (k == T_END)
		return false;
	if (!t->path)
		return true;
	if (k <= T_DIGIT) {
		t->digit |= k == T_DIGIT;
		t->seg = mix(t->seg, c);
	} else if (k == T_SLASH) {
		t->h = mix(mix(t->h, t->digit ? ID_MARK : t->seg), '/');
		t->seg = HASH_SEED;
		t->digit = false;
	} else {
		t->path = false;
	}
	return true;
}

/*
 * The request target at @start (its '/'), in one pass: its fingerprint,
 * where path segments holding a digit hash as one id and the query and
 * fragment are left out; and in *@end where the target ends, before
 * " HTTP/1." (@n when it goes past a full prefix, 0 when the line is not
 * an HTTP/1 request line). Two bytes per step: the iterator's call per
 * step was a good part of the cost of a byte.
 */
__noinline __u64 app_http_target(struct app_buf *b, __u32 start, __u32 n, __u32 *end)
{
	struct target_scan t = {.h = HASH_SEED, .seg = HASH_SEED, .path = true};
	struct bpf_iter_num it;
	__u32 i = start + 1;

	if (!b || !end)
		return 1;
	for_each_step(it, APP_PREFIX_LEN / 2)
	{
		if (i + 2 > n || !target_step(&t, b->b[i & PREFIX_MSK]))
			break;
		i++;
		if (!target_step(&t, b->b[i & PREFIX_MSK]))
			break;
		i++;
	}
	bpf_iter_num_destroy(&it);
	/* An odd byte left before @n. */
	if (i + 1 == n && target_step(&t, b->b[i & PREFIX_MSK]))
		i++;
	if (i >= n)
		*end = n == APP_PREFIX_LEN ? n : 0;
	else
		*end = http1_at(b->b, i, n) ? i : 0;
	t.h = mix(t.h, t.digit ? ID_MARK : t.seg);
	return t.h | 1; /* 0 is "other"; no branch: h stays imprecise */
}

enum { SQL_START = 0, SQL_WORD, SQL_SPACE, SQL_NUM, SQL_LIT, SQL_LITCOMMA, SQL_OTHER };

/* What a byte of SQL is to its fingerprint. */
enum { S_OTHER = 0, S_IDENT, S_DIGIT, S_SPACE, S_QUOTE, S_COMMA, S_DOT, S_NUL };

static const __u8 sql_class[256] = {
	[0] = S_NUL,	  ['a' ... 'z'] = S_IDENT, ['A' ... 'Z'] = S_IDENT,
	['_'] = S_IDENT,  ['0' ... '9'] = S_DIGIT, [' '] = S_SPACE,
	['\t'] = S_SPACE, ['\n'] = S_SPACE,	   ['\r'] = S_SPACE,
	['\''] = S_QUOTE, [','] = S_COMMA,	   ['.'] = S_DOT,
};

/* A statement's fingerprint as it is scanned. */
struct sql_scan {
	__u64 h;
	__u8 state, quote;
};

/* Adds byte @c to @s; false at a NUL, which ends the statement. */
static __always_inline bool sql_step(struct sql_scan *s, __u8 c)
{
	__u8 k = sql_class[c];

	if (k == S_NUL)
		return false;
	if (s->quote) {
		s->quote = k != S_QUOTE;
		return true;
	}
	if (s->state == SQL_NUM && (k == S_DIGIT || k == S_DOT))
		return true;
	if (k == S_QUOTE || (k == S_DIGIT && s->state != SQL_WORD)) {
		s->quote = k == S_QUOTE;
		if (s->state != SQL_LITCOMMA)
			s->h = mix(s->h, LIT_MARK);
		s->state = s->quote ? SQL_LIT : SQL_NUM;
		return true;
	}
	if (k == S_SPACE) {
		if (s->state == SQL_LITCOMMA || s->state == SQL_START)
			return true;
		if (s->state != SQL_SPACE)
			s->h = mix(s->h, ' ');
		s->state = SQL_SPACE;
		return true;
	}
	if (k == S_COMMA && (s->state == SQL_NUM || s->state == SQL_LIT)) {
		s->state = SQL_LITCOMMA;
		return true;
	}
	if (s->state == SQL_LITCOMMA)
		s->h = mix(s->h, ',');
	s->h = mix(s->h, lower(c));
	s->state = k == S_IDENT || k == S_DIGIT ? SQL_WORD : SQL_OTHER;
	return true;
}

/* SQL in [start, end): number and string literals hash as one mark, a list
 * of them (IN (1, 2, 3)) as one; whitespace runs as one space; letters
 * case-folded. Two bytes per step, as app_http_target() does. */
__noinline __u64 app_fp_sql(struct app_buf *b, __u32 start, __u32 end)
{
	struct sql_scan s = {.h = HASH_SEED, .state = SQL_START};
	struct bpf_iter_num it;
	__u32 i = start;

	if (!b)
		return 1;
	for_each_step(it, APP_PREFIX_LEN / 2)
	{
		if (i + 2 > end)
			break;
		if (!sql_step(&s, b->b[i & PREFIX_MSK]) ||
		    !sql_step(&s, b->b[(i + 1) & PREFIX_MSK])) {
			i = end; /* a NUL: nothing after it counts */
			break;
		}
		i += 2;
	}
	bpf_iter_num_destroy(&it);
	if (i + 1 == end)
		sql_step(&s, b->b[i & PREFIX_MSK]);
	return s.h | 1;
}

/* Offset of the NUL ending the string at @off, or @n. */
__noinline __u32 app_nul_at(struct app_buf *b, __u32 off, __u32 n)
{
	struct bpf_iter_num it;
	__u32 i = off;

	if (!b)
		return n;
	for_each_step(it, APP_PREFIX_LEN)
	{
		if (i >= n || !b->b[i & PREFIX_MSK])
			break;
		i++;
	}
	bpf_iter_num_destroy(&it);
	return i < n ? i : n;
}

static __always_inline __u64 hash_bytes(const char *buf, __u32 off, __u32 len, bool fold)
{
	__u64 h = HASH_SEED;

	for (int i = 0; i < 64; i++) {
		if (i >= len)
			break;
		__u8 c = buf[(off + i) & PREFIX_MSK];
		h = mix(h, fold ? lower(c) : c);
	}
	return h | 1;
}

/* ---- text and rows ------------------------------------------------------- */

/* A fingerprint's text: the prefix's bytes [off, off + len). */
struct app_text_in {
	__u64 fingerprint;
	__u32 tgid;
	__u32 off;
	__u32 len;
	__u8 proto;
	__u8 flags;
	__u16 pad;
};

/*
 * admit() for a fingerprint the socket did not just use: a global
 * function, so that its code, with the copy of the prefix into the event,
 * is in the program once and not in each parser's hot path.
 */
__noinline __u64 app_admit(const struct app_buf *b, const struct app_text_in *t)
{
	struct app_seen_key key = {};
	struct app_text_event *ev;
	__u32 one = 1, *used;
	__u64 bkey;
	__u8 yes = 1;

	if (!b || !t)
		return 0;
	key.tgid = t->tgid;
	key.proto = t->proto;
	key.fingerprint = t->fingerprint;
	if (bpf_map_lookup_elem(&app_seen, &key))
		return t->fingerprint;
	bkey = ((__u64)t->tgid << 8) | t->proto;
	used = bpf_map_lookup_elem(&app_budget, &bkey);
	if (used && *used >= APP_FP_BUDGET)
		return 0;
	ev = bpf_ringbuf_reserve(&app_events, sizeof(*ev), 0);
	if (!ev) {
		count_lost();
		return 0;
	}
	ev->kind = EVENT_APP_TEXT;
	ev->tgid = t->tgid;
	ev->proto = t->proto;
	ev->flags = t->flags;
	ev->off = t->off;
	ev->len = t->len;
	ev->pad = 0;
	ev->fingerprint = t->fingerprint;
	__builtin_memcpy(ev->text, b->b, APP_PREFIX_LEN);
	bpf_ringbuf_submit(ev, 0);
	bpf_map_update_elem(&app_seen, &key, &yes, BPF_ANY);
	if (used)
		__sync_fetch_and_add(used, 1);
	else
		bpf_map_update_elem(&app_budget, &bkey, &one, BPF_NOEXIST);
	return t->fingerprint;
}

/* The fingerprint to count under: @fp once userspace has its text (sent
 * now when new), 0 ("other") past the process's budget. @known, the
 * socket's last request when its text is known to be admitted, spares a
 * connection repeating one request the lookup. */
static __always_inline __u64 admit(__u64 known, __u32 tgid, __u8 proto, __u64 fp, const char *buf,
				   __u32 off, __u32 len, __u8 flags)
{
	struct app_text_in t = {
		.fingerprint = fp,
		.tgid = tgid,
		.off = off,
		.len = len,
		.proto = proto,
		.flags = flags,
	};

	if (fp == known)
		return fp;
	return app_admit((const struct app_buf *)buf, &t);
}

/* How many requests one seen here stands for: the tcp programs, when they
 * tail-call these, pass only the TCP connections they follow (tcp.bpf.c);
 * unix sockets (no tcp part) are all seen. */
static __always_inline __u64 follow_weight(const struct sock_state *st)
{
	__u32 period = tcp_sample_period;

	if (!period || !st->tcp.role)
		return 1;
	return (__u64)period << st->tcp.sample_shift;
}

/* What the first bytes of a response say. */
struct app_resp {
	__u16 status;
	bool error;
	__u32 hits, misses; /* Redis reads: values found, nulls */
};

/* The hot row of @key: its row if it holds @key, claimed if free. */
static __always_inline struct app_hot_row *hot_row(const struct app_stat_key *key)
{
	__u32 idx = (key->tgid * 2654435761u ^ (__u32)key->fingerprint ^ key->status * 40503u ^
		     key->role) &
		    hot_mask;
	struct app_hot_owner *o = bpf_map_lookup_elem(&app_hot_owners, &idx);

	if (!o || !hot_holds(&o->state, &o->key, key, sizeof(*key)))
		return 0;
	return bpf_map_lookup_elem(&app_hot_rows, &idx);
}

static __always_inline void add_val(struct app_stat_val *val, __u64 lat, const struct app_resp *r,
				    __u64 weight)
{
	__sync_fetch_and_add(&val->count, weight);
	if (r->error)
		__sync_fetch_and_add(&val->errors, weight);
	if (r->hits)
		__sync_fetch_and_add(&val->hits, r->hits * weight);
	if (r->misses)
		__sync_fetch_and_add(&val->misses, r->misses * weight);
	__sync_fetch_and_add(&val->sum_ns, lat * weight);
	atomic_max_u64(&val->max_ns, lat);
	atomic_min_u64(&val->min_ns, lat);
}

/* A request of @hkey's key answered, standing for @weight of them: to its
 * hot row when it has one (two array lookups), else to the maps (two hash
 * lookups). The adds stay atomic: another program may run on this CPU in
 * between (tcp.bpf.c). */
static __always_inline void record(struct app_hist_key *hkey, __u64 lat, const struct app_resp *r,
				   __u64 weight)
{
	struct app_hot_row *row = hot_row(&hkey->key);
	struct app_stat_val *val;
	__u64 zero = 0, *bucket;
	__u32 slot = hist_slot(lat);

	if (row) {
		add_val(&row->val, lat, r, weight);
		if (slot < HIST_SLOTS)
			__sync_fetch_and_add(&row->hist[slot], weight);
		return;
	}
	val = map_lookup_or_try_init(&app_stats, &hkey->key, &zero_val);
	if (!val) {
		count_lost();
		return;
	}
	add_val(val, lat, r, weight);
	hkey->slot = slot;
	bucket = map_lookup_or_try_init(&app_hists, hkey, &zero);
	if (!bucket) {
		count_lost();
		return;
	}
	__sync_fetch_and_add(bucket, weight);
}

static __always_inline void peer_of(const struct sock *sk, struct tcp_ep *ep)
{
	ep->family = sk->__sk_common.skc_family;
	if (ep->family == AF_INET) {
		ep->port = bpf_ntohs(sk->__sk_common.skc_dport);
		__builtin_memcpy(ep->addr, &sk->__sk_common.skc_daddr, 4);
	} else if (ep->family == AF_INET6) {
		ep->port = bpf_ntohs(sk->__sk_common.skc_dport);
		__builtin_memcpy(ep->addr, &sk->__sk_common.skc_v6_daddr, 16);
	} else {
		ep->family = 0;
	}
}

static __always_inline void send_slow(const struct sock *sk, const struct app_stat_key *key,
				      __u64 lat, __u64 now)
{
	struct app_slow_event *ev = bpf_ringbuf_reserve(&app_events, sizeof(*ev), 0);

	if (!ev) {
		count_lost();
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->kind = EVENT_APP_SLOW;
	ev->tgid = key->tgid;
	ev->proto = key->proto;
	ev->role = key->role;
	ev->status = key->status;
	ev->method = key->method;
	ev->fingerprint = key->fingerprint;
	ev->latency_ns = lat;
	ev->end_ns = now;
	peer_of(sk, &ev->peer);
	bpf_ringbuf_submit(ev, 0);
}

/* ---- requests ------------------------------------------------------------- */

struct app_req {
	__u64 fingerprint;
	__u32 method;
	__u8 proto;
	__u8 read;
};

static __always_inline bool starts_with(__u64 word, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (((word >> (8 * i)) & 0xff) != (__u8)s[i])
			return false;
	return true;
}

/* HTTP method and the offset of its target, from the first 8 bytes. */
static __always_inline __u32 http_method(__u64 w, __u32 *target)
{
	static const struct {
		char s[8];
		__u32 n, id;
	} methods[] = {
		{"GET /", 5, APP_HTTP_GET},	   {"POST /", 6, APP_HTTP_POST},
		{"PUT /", 5, APP_HTTP_PUT},	   {"DELETE /", 8, APP_HTTP_DELETE},
		{"HEAD /", 6, APP_HTTP_HEAD},	   {"PATCH /", 7, APP_HTTP_PATCH},
		{"OPTIONS ", 8, APP_HTTP_OPTIONS},
	};

	for (int i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (starts_with(w, methods[i].s, methods[i].n)) {
			*target = methods[i].n - 1;
			if (methods[i].id == APP_HTTP_OPTIONS)
				*target = 8;
			return methods[i].id;
		}
	}
	return 0;
}

static __always_inline int parse_http(struct app_buf *b, __u32 n, __u64 w, __u32 tgid, __u64 known,
				      struct app_req *rq)
{
	__u32 target = 0, method = http_method(w, &target), end = 0;
	__u64 fp;

	if (!method)
		return 0;
	fp = app_http_target(b, target, n, &end);
	if (end <= target)
		return 0;
	rq->proto = APP_PROTO_HTTP;
	rq->method = method;
	/* The text goes from the '/' to the space. */
	rq->fingerprint = admit(known, tgid, APP_PROTO_HTTP, fp, b->b, target, end - target, 0);
	return 1;
}

static __always_inline __u32 be32_at(const char *buf, __u32 off)
{
	return ((__u32)(__u8)buf[off & PREFIX_MSK] << 24) |
	       ((__u32)(__u8)buf[(off + 1) & PREFIX_MSK] << 16) |
	       ((__u32)(__u8)buf[(off + 2) & PREFIX_MSK] << 8) | (__u8)buf[(off + 3) & PREFIX_MSK];
}

/* Whether one of the messages after the first (of @first_len bytes, length
 * field included) in the user buffer is an Execute: Parse alone only
 * prepares, Parse + Bind + Execute (unnamed statements) runs. */
static __always_inline bool pg_executes(__u64 ubuf, __u32 avail, __u32 first_len)
{
	__u32 off = first_len + 1;
	char hdr[5];

	for (int i = 0; i < 4; i++) {
		if (off + 5 > avail)
			return false;
		if (bpf_probe_read_user(hdr, sizeof(hdr), (void *)(ubuf + off)))
			return false;
		if (hdr[0] == 'E')
			return true;
		off += 1 + (((__u32)(__u8)hdr[1] << 24) | ((__u32)(__u8)hdr[2] << 16) |
			    ((__u32)(__u8)hdr[3] << 8) | (__u8)hdr[4]);
	}
	return false;
}

/* PostgreSQL frontend: Q (simple query), P (Parse, counted when an Execute
 * follows), B (Bind: executes a statement prepared before). */
static __always_inline int parse_pg(struct app_buf *b, __u32 n, __u64 ubuf, __u32 avail,
				    __u64 cookie, __u32 tgid, __u64 known, struct app_req *rq)
{
	const char *buf = b->b;
	__u32 len = be32_at(buf, 1), name_end, q, end;
	struct app_stmt_key key = {.cookie = cookie};
	__u8 type = buf[0];
	__u64 fp, *prepared;

	if (len < 5 || len > (1 << 24))
		return 0;
	/* A message arrives whole unless it is big: a short one cut off is
	 * not one. A query ends with its NUL. */
	if (len + 1 > avail && avail < PG_SPLIT_MIN)
		return 0;
	end = len + 1 < n ? len + 1 : n;
	if (type == 'Q' && len < n && buf[len & PREFIX_MSK])
		return 0;
	if (type == 'Q') {
		fp = app_fp_sql(b, 5, end);
		rq->fingerprint = admit(known, tgid, APP_PROTO_PGSQL, fp, buf, 5, end - 5, 0);
		rq->proto = APP_PROTO_PGSQL;
		return 1;
	}
	name_end = app_nul_at(b, 5, end);
	if (name_end >= end)
		return 0;
	if (type == 'P') {
		q = app_nul_at(b, name_end + 1, end);
		fp = admit(known, tgid, APP_PROTO_PGSQL, app_fp_sql(b, name_end + 1, q), buf,
			   name_end + 1, q - name_end - 1, 0);
		key.name = hash_bytes(buf, 5, name_end - 5, false);
		bpf_map_update_elem(&app_stmts, &key, &fp, BPF_ANY);
		if (!pg_executes(ubuf, avail, len))
			return 0;
		rq->fingerprint = fp;
		rq->proto = APP_PROTO_PGSQL;
		return 1;
	}
	/* Bind: portal name, then statement name. */
	q = app_nul_at(b, name_end + 1, end);
	if (q >= end)
		return 0;
	key.name = hash_bytes(buf, name_end + 1, q - name_end - 1, false);
	prepared = bpf_map_lookup_elem(&app_stmts, &key);
	if (prepared) {
		/* Admitted (its text sent) when it was parsed. */
		rq->fingerprint = *prepared;
	} else {
		/* Prepared before hivemon started: known by name only. */
		fp = mix(key.name, 'B');
		rq->fingerprint = admit(known, tgid, APP_PROTO_PGSQL, fp | 1, buf, name_end + 1,
					q - name_end - 1, APP_TEXT_STMT_NAME);
	}
	rq->proto = APP_PROTO_PGSQL;
	return 1;
}

/* Small decimal at buf[*i], ended by "\r\n"; -1 if none. */
static __always_inline int resp_int(const char *buf, __u32 *i, __u32 n)
{
	int v = 0, digits = 0;

	for (int k = 0; k < 4; k++) {
		__u8 c = buf[(*i + k) & PREFIX_MSK];

		if (*i + k + 2 > n)
			return -1;
		if (c == '\r') {
			if (!digits || buf[(*i + k + 1) & PREFIX_MSK] != '\n')
				return -1;
			*i += k + 2;
			return v;
		}
		if (!is_digit(c))
			return -1;
		v = v * 10 + (c - '0');
		digits++;
	}
	return -1;
}

/* What a Redis command reads: REDIS_READ_ONE key (a null reply is a miss)
 * or REDIS_READ_MANY (an array reply, one value or null per key). */
enum { REDIS_READ_NONE = 0, REDIS_READ_ONE = 1, REDIS_READ_MANY = 2 };

static __always_inline __u8 redis_read(__u64 cmd, __u32 len)
{
	/* Upper-cased command, little-endian. */
	if ((len == 4 && cmd == 0x5445474dULL) || /* MGET */
	    (len == 5 && cmd == 0x5445474d48ULL)) /* HMGET */
		return REDIS_READ_MANY;
	if ((len == 3 && cmd == 0x544547ULL) ||	    /* GET */
	    (len == 4 && cmd == 0x54454748ULL) ||   /* HGET */
	    (len == 5 && cmd == 0x5845544547ULL) || /* GETEX */
	    (len == 6 && cmd == 0x4c4544544547ULL)) /* GETDEL */
		return REDIS_READ_ONE;
	return REDIS_READ_NONE;
}

/* RESP array of bulk strings: *N\r\n$L\r\nCOMMAND\r\n */
static __always_inline int parse_redis(const char *buf, __u32 n, __u32 tgid, __u64 known,
				       struct app_req *rq)
{
	__u32 i = 1;
	int args = resp_int(buf, &i, n), len;
	__u64 cmd = 0;

	if (args < 1 || i >= n || buf[i & PREFIX_MSK] != '$')
		return 0;
	i++;
	len = resp_int(buf, &i, n);
	if (len < 1 || len > 16 || i + len + 2 > n)
		return 0;
	for (int k = 0; k < 16; k++) {
		__u8 c;

		if (k >= len)
			break;
		c = buf[(i + k) & PREFIX_MSK];
		if (c >= 'a' && c <= 'z')
			c -= 32;
		if (!(c >= 'A' && c <= 'Z') && c != '_' && c != '.' && c != '-')
			return 0;
		if (k < 8)
			cmd |= (__u64)c << (8 * k);
	}
	if (buf[(i + len) & PREFIX_MSK] != '\r')
		return 0;
	rq->proto = APP_PROTO_REDIS;
	rq->read = redis_read(cmd, len);
	rq->fingerprint =
		admit(known, tgid, APP_PROTO_REDIS, hash_bytes(buf, i, len, true), buf, i, len, 0);
	return 1;
}

/* ---- responses ------------------------------------------------------------ */

static __always_inline bool http_response(const char *b, __u32 n, struct app_resp *r)
{
	__u8 d;

	if (n < 12 || b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/' ||
	    b[5] != '1' || b[6] != '.' || b[8] != ' ')
		return false;
	d = b[9];
	if (d < '1' || d > '5' || !is_digit(b[10]) || !is_digit(b[11]))
		return false;
	r->status = (d - '0') * 100;
	r->error = d == '5';
	return true;
}

static __always_inline bool pg_backend_type(__u8 c)
{
	switch (c) {
	case '1':
	case '2':
	case '3':
	case 'C':
	case 'D':
	case 'E':
	case 'I':
	case 'n':
	case 'N':
	case 's':
	case 't':
	case 'T':
	case 'Z':
	case 'A':
	case 'S':
	case 'G':
	case 'H':
	case 'W':
	case 'V':
		return true;
	}
	return false;
}

/* The reply's messages in the prefix: an ErrorResponse among them fails it. */
static __always_inline bool pg_response(const char *b, __u32 n, struct app_resp *r)
{
	__u32 off = 0, len;

	if (n < 5 || !pg_backend_type(b[0]))
		return false;
	for (int i = 0; i < 8; i++) {
		if (off + 5 > n)
			break;
		if (b[off & PREFIX_MSK] == 'E') {
			r->error = true;
			break;
		}
		len = be32_at(b, off + 1);
		if (len < 4)
			return i > 0;
		off += 1 + len;
	}
	return true;
}

static __always_inline bool redis_response(const char *b, __u32 n, __u8 read, struct app_resp *r)
{
	__u8 c = b[0];
	bool null = false;

	switch (c) {
	case '-':
	case '!':
		r->error = true;
		return true;
	case '*':
		/* One value per key: counted by app_redis_keys(). */
		if (read == REDIS_READ_MANY)
			return true;
		/* fallthrough */
	case '$':
		null = n >= 3 && b[1] == '-' && b[2] == '1';
		break;
	case '_':
		null = true;
		break;
	case '+':
	case ':':
	case ',':
	case '#':
	case '%':
	case '~':
	case '=':
	case '(':
	case '>':
	case '|':
		break;
	default:
		return false;
	}
	if (read) {
		r->hits = !null;
		r->misses = null;
	}
	return true;
}

/* "$<len>\r\n" at the start of @h, of @sz bytes: the header's length, with
 * the value's in *@len; 0 when it is not one. */
static __always_inline __u32 bulk_header(const char *h, __u32 sz, __u64 *len)
{
	__u64 v = 0;

	for (int k = 1; k < 14; k++) {
		char c;

		if (k + 1 >= sz)
			return 0;
		c = h[k];
		if (c == '\r')
			return k > 1 && h[k + 1] == '\n' ? k + 2 : 0;
		if (!is_digit(c))
			return 0;
		v = v * 10 + (c - '0');
		*len = v;
	}
	return 0;
}

/*
 * The values of an array reply to MGET or HMGET: @keys of them from @off
 * in the user buffer, which holds @avail bytes of the reply. A null ($-1,
 * RESP3 _) is a miss, anything else a hit. Each costs a copy of its
 * header; those past this read or past REDIS_KEYS_MAX are not counted.
 */
__noinline int app_redis_keys(__u64 ubuf, __u32 avail, __u32 off, __u32 keys, struct app_resp *r)
{
	struct bpf_iter_num it;
	__u64 at = off, len;
	char h[16];
	__u32 k = 0;

	if (!r)
		return 0;
	for_each_step(it, REDIS_KEYS_MAX)
	{
		__u64 sz = avail - at, hdr;

		if (k >= keys || at + 3 > avail)
			break;
		if (sz > sizeof(h))
			sz = sizeof(h);
		/* Masked where the verifier needs it, as in copy_prefix(). */
		asm volatile("%0 &= 31" : "+r"(sz));
		if (sz > sizeof(h) || bpf_probe_read_user(h, sz, (void *)(ubuf + at)))
			break;
		k++;
		if (h[0] == '_') {
			r->misses++;
			at += 3;
			continue;
		}
		if (h[0] != '$')
			break;
		if (h[1] == '-') {
			r->misses++;
			at += 5;
			continue;
		}
		len = 0;
		hdr = bulk_header(h, sz, &len);
		if (!hdr)
			break;
		r->hits++;
		at += hdr + len + 2;
	}
	bpf_iter_num_destroy(&it);
	return 0;
}

/* The request @in->w starts, parsed from the copied prefix. */
struct app_parse_in {
	__u64 w;      /* its first 8 bytes */
	__u64 ubuf;   /* user address of the message */
	__u64 cookie; /* socket cookie */
	__u32 n;      /* bytes in @b */
	__u32 avail;  /* contiguous bytes at @ubuf */
	__u32 tgid;
	__u32 pad;
	__u64 known; /* fingerprint whose text userspace has, or 0 */
};

__noinline int app_parse_request(struct app_buf *b, struct app_parse_in *in, struct app_req *rq)
{
	__u32 n;

	if (!b || !in || !rq)
		return 0;
	n = in->n;
	if (!((in->w >> 8) & 0xff))
		return parse_pg(b, n, in->ubuf, in->avail, in->cookie, in->tgid, in->known, rq);
	if ((in->w & 0xff) == '*')
		return parse_redis(b->b, n, in->tgid, in->known, rq);
	return parse_http(b, n, in->w, in->tgid, in->known, rq);
}

/* Whether @b (of @n bytes) answers a request of @proto; @read: a Redis
 * read, whose null reply is a miss. */
__noinline int app_parse_response(struct app_buf *b, __u32 n, __u32 proto, __u32 read,
				  struct app_resp *r)
{
	if (!b || !r)
		return 0;
	if (proto == APP_PROTO_HTTP)
		return http_response(b->b, n, r);
	if (proto == APP_PROTO_PGSQL)
		return pg_response(b->b, n, r);
	return redis_response(b->b, n, read, r);
}

/* ---- the hooks ------------------------------------------------------------ */

static __always_inline bool stream_socket(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	if (sk->sk_type != SOCK_STREAM)
		return false;
	if (family == AF_UNIX)
		return true;
	return sk->sk_protocol == IPPROTO_TCP && (family == AF_INET || family == AF_INET6);
}

/* Whether the first bytes can start a request of a known protocol. */
static __always_inline bool maybe_request(__u64 w, __u8 proto)
{
	__u8 c = w & 0xff;

	if (!proto || proto == APP_PROTO_PGSQL)
		if ((c == 'Q' || c == 'P' || c == 'B') && !((w >> 8) & 0xff))
			return true;
	if (!proto || proto == APP_PROTO_REDIS)
		if (c == '*' && is_digit((w >> 8) & 0xff))
			return true;
	if (!proto || proto == APP_PROTO_HTTP)
		if (c >= 'D' && c <= 'P')
			return true;
	return false;
}

/* Copies @n (masked) bytes of the message into the per-CPU buffer. */
static __always_inline struct app_buf *copy_prefix(__u64 ubuf, __u32 n)
{
	__u32 zero = 0;
	struct app_buf *buf = bpf_map_lookup_elem(&app_scratch, &zero);
	__u64 sz;

	if (!buf)
		return 0;
	if (n > APP_PREFIX_LEN)
		n = APP_PREFIX_LEN;
	/* Left-over bytes past @n are never read: every parser stops at n.
	 * The mask is written in assembly so that clang keeps it where the
	 * verifier needs it, on the register passed as the size. */
	sz = n;
	asm volatile("%0 &= 511" : "+r"(sz));
	if (bpf_probe_read_user(buf->b, sz, (void *)ubuf))
		return 0;
	return buf;
}

/* The clock for this event: the tcp program's reading when it took one
 * (@tcp_ns, sock.bpf.h), else our own. */
static __always_inline __u64 event_clock(__u64 tcp_ns)
{
	return tcp_ns ? tcp_ns : bpf_ktime_get_ns();
}

/* A message of @ret bytes starts in the current syscall's buffer: a new
 * request on @st? */
static __always_inline void try_request(struct sock *sk, struct sock_state *st, int ret, __u8 role,
					__u32 tgid, __u64 tcp_ns)
{
	struct app_parse_in in = {.tgid = tgid};
	__u32 gen = text_gen;
	struct app_req rq = {};
	__u64 contig = 0;
	struct app_buf *buf;

	in.ubuf = user_buffer(&contig);
	if (!in.ubuf)
		return;
	in.avail = contig < (__u64)ret ? contig : ret;
	if (in.avail < 8)
		goto strike;
	in.n = in.avail < APP_PREFIX_LEN ? in.avail : APP_PREFIX_LEN;
	if (st->app.proto) {
		/* A known protocol's socket: its requests are worth one copy. */
		buf = copy_prefix(in.ubuf, in.n);
		if (!buf)
			return;
		__builtin_memcpy(&in.w, buf->b, sizeof(in.w));
		if (!maybe_request(in.w, st->app.proto))
			return;
	} else {
		/* Anything else: 8 bytes say whether to copy more. */
		if (bpf_probe_read_user(&in.w, sizeof(in.w), (void *)in.ubuf))
			goto strike;
		if (!maybe_request(in.w, 0))
			goto strike;
		buf = copy_prefix(in.ubuf, in.n);
		if (!buf)
			return;
	}
	if (!((in.w >> 8) & 0xff))
		in.cookie = bpf_get_socket_cookie(sk); /* PostgreSQL statements */
	if (st->app.text_gen == gen)
		in.known = st->app.fingerprint;
	if (!app_parse_request(buf, &in, &rq) || (st->app.proto && st->app.proto != rq.proto))
		goto strike;
	st->app.proto = rq.proto;
	st->app.role = role;
	st->app.method = rq.method;
	st->app.read = rq.read;
	st->app.fingerprint = rq.fingerprint;
	/* Not 0: userspace has its text (0 is "other", over the budget). */
	st->app.text_gen = rq.fingerprint ? gen : gen - 1;
	st->app.start_ns = event_clock(tcp_ns);
	return;
strike:
	if (!st->app.proto && ++st->app.strikes >= MAX_STRIKES)
		st->app.proto = PROTO_NONE;
}

/* The first bytes back after a request: record it if they answer it. */
static __always_inline void try_response(struct sock *sk, struct sock_state *st, int ret,
					 __u32 tgid, __u64 tcp_ns)
{
	struct app_hist_key hkey = {};
	struct app_resp r = {};
	__u64 ubuf, contig = 0, now = event_clock(tcp_ns), lat;
	struct app_buf *buf;
	__u32 n, avail;
	bool ok;

	lat = now - st->app.start_ns;
	st->app.start_ns = 0;
	ubuf = user_buffer(&contig);
	if (!ubuf)
		return;
	avail = contig < (__u64)ret ? contig : ret;
	n = avail < APP_PREFIX_LEN ? avail : APP_PREFIX_LEN;
	/* HTTP and Redis say it all in their first bytes; PostgreSQL's
	 * ErrorResponse may come after a few other messages. */
	if (st->app.proto != APP_PROTO_PGSQL && n > 16)
		n = 16;
	buf = copy_prefix(ubuf, n);
	if (!buf)
		return;
	ok = app_parse_response(buf, n, st->app.proto, st->app.read, &r);
	if (!ok)
		return;
	if (st->app.read == REDIS_READ_MANY && buf->b[0] == '*') {
		__u32 i = 1;
		int keys = resp_int(buf->b, &i, n);

		if (keys > 0)
			app_redis_keys(ubuf, avail, i, keys, &r);
	}
	hkey.key.tgid = tgid;
	hkey.key.proto = st->app.proto;
	hkey.key.role = st->app.role;
	hkey.key.status = r.status;
	hkey.key.method = st->app.method;
	hkey.key.fingerprint = st->app.fingerprint;
	record(&hkey, lat, &r, follow_weight(st));
	if (lat >= slow_ns && st->app.proto == APP_PROTO_PGSQL)
		send_slow(sk, &hkey.key, lat, now);
}

/*
 * @ret bytes moved on @sk by the current task, received (@rx) or sent.
 * Requests go the way of the socket's role (into a server, out of a
 * client); the other way, the first bytes after a request answer it.
 */
static __always_inline int on_bytes(struct sock *sk, int ret, bool rx, bool peek)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sock_state *st;
	__u8 role = rx ? APP_ROLE_SERVER : APP_ROLE_CLIENT;
	__u64 tcp_ns;

	if (ret <= 0 || !stream_socket(sk) || !filter_current(tgid))
		return 0;
	st = bpf_sk_storage_get(&socks, sk, 0, 0);
	if (!st) {
		st = bpf_sk_storage_get(&socks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!st) {
			count_lost();
			return 0;
		}
	}
	/* Taken whatever happens next: a reading left here would be stale
	 * at the next event the tcp program does not time. */
	tcp_ns = st->tcp.event_ns;
	if (tcp_ns)
		st->tcp.event_ns = 0;
	/* A peek leaves the bytes for the read that follows. */
	if (peek || st->app.proto == PROTO_NONE)
		return 0;
	if (!st->app.role || st->app.role == role) {
		if (!st->app.start_ns)
			try_request(sk, st, ret, role, tgid, tcp_ns);
	} else if (st->app.start_ns) {
		try_response(sk, st, ret, tgid, tcp_ns);
	}
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(app_recv, struct sock *sk, int ret, int flags)
{
	return on_bytes(sk, ret, true, flags & MSG_PEEK);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(app_send, struct sock *sk, int ret, int flags)
{
	return on_bytes(sk, ret, false, false);
}

char LICENSE[] SEC("license") = "GPL";
