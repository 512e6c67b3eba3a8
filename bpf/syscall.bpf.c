// SPDX-License-Identifier: GPL-2.0
/*
 * Per-process syscall counts, errors and latency from the sys_enter/sys_exit
 * BTF tracepoints.
 *
 * Hot path cost is the product, so:
 * - counts are batched per thread in task-local storage, one batch for each
 *   of the last BATCHES syscalls the thread made (a server's loop alternates
 *   a few: epoll_wait, read, write; with a single batch it paid a map
 *   update on nearly every call). A batch is flushed to the shared map when
 *   another syscall needs its place, when it has FLUSH_EVERY calls and
 *   when the thread exits; the task iterator (dump_batches) shows what the
 *   batches still hold, calls and latencies, so that a window is exact
 *   without waiting for a flush, and a thread going to sleep flushes
 *   nothing (flushes on sleep were a third of sched_switch's time under a
 *   ping-pong load);
 * - latency is timed on every call of a thread until it makes more than
 *   ~10k calls/s, or its process more than userspace's threshold (a server
 *   with a thread per connection: each thread alone is slow, all of them
 *   paid a timed exit on every call); then 1 in SAMPLE_PERIOD calls on
 *   average is timed and weighted by SAMPLE_PERIOD so totals and
 *   percentiles stay unbiased (--exact turns this off). The gap to the
 *   next timed call is drawn at random: a fixed stride aliases with loops
 *   whose period divides it (a read/write loop had only its reads timed);
 * - a call that blocks is always timed, from the moment it goes to sleep:
 *   sched_switch stamps it, so a 20 ms sleep of a hot thread is never missed.
 *   Blocked calls carry weight 1, whether or not they were also sampled, which
 *   keeps the estimate unbiased for both kinds;
 * - calls slower than slow_ns go to userspace one by one, but only those
 *   among the SYSCALL_SLOW_TOP slowest of their process since the last
 *   collect (slow_tops), which are all the report keeps: 1000 threads
 *   each blocking 50 ms filled the ring buffer, and events were lost;
 * - the syscalls a uprobe makes (uretprobe, uprobe) are hivemon's own cost:
 *   counted apart, before anything else, never in the process's table nor
 *   in its call rate.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hivemon.h"
#include "hist.h"
#include "compat.bpf.h"
#include "filter.bpf.h"
#include "maps.bpf.h"
#include "syscall_shared.h"

#define SAMPLE_PERIOD	  SYSCALL_SAMPLE_PERIOD
#define FLUSH_EVERY	  256
#define RATE_WINDOW_CALLS 1024
/* RATE_WINDOW_CALLS in less than this means > 10k calls/s: a hot thread. */
#define HOT_WINDOW_NS (RATE_WINDOW_CALLS * 100000ULL)
/* Histogram buckets a thread holds back before touching syscall_hists: a
 * loop's latencies spread over a few neighbouring buckets, and with one
 * held bucket --exact paid a map update on nearly every call. */
#define PEND_SLOTS 8
/* Syscalls a thread batches at once (a power of two). */
#define BATCHES	      4
#define NR_EXIT	      60
#define NR_EXIT_GROUP 231

const volatile bool exact = false;
const volatile __u64 slow_ns = 10000000;
/* hivemon places uprobes (--alloc): their syscalls are its own cost. */
const volatile bool own_uprobes = false;

/* Timed calls of one (syscall, histogram bucket) not yet in syscall_hists. */
struct pending_bucket {
	__u16 nr;
	__u16 slot;
	__u32 count; /* weighted */
};

/* Calls of one syscall not yet added to the shared maps. */
struct batch {
	__u32 tag; /* syscall nr + 1; 0: free */
	__u32 count;
	__u32 errors;
	__u32 weight; /* timed calls, weighted: at most FLUSH_EVERY * SAMPLE_PERIOD */
	__u64 total_ns;
	__u64 max_ns;
};

struct thread_state {
	__u64 start_ns;	    /* start of the timed call in flight, 0 = untimed */
	__u64 window_start; /* rate window start (ktime) */
	__u32 tgid;	    /* process of the thread, set on first use */
	__u32 cur_nr;	    /* syscall in flight */
	__u32 window_calls;
	__u16 sample_left; /* calls until the next timed one (hot threads) */
	__u8 hot;
	__u8 in_syscall;
	__u8 blocked; /* the call in flight went to sleep */
	__u8 weight;  /* weight of the call in flight if it does not block */
	__u8 cur;     /* batch of the call in flight */
	__u8 victim;  /* batch to reuse next when all are taken */
	struct pending_bucket pend[PEND_SLOTS]; /* by (nr, slot) % PEND_SLOTS */
	struct batch batch[BATCHES];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct syscall_key);
	__type(value, struct syscall_val);
} syscall_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct syscall_hist_key);
	__type(value, __u64);
} syscall_hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} slow_events SEC(".maps");

/* Syscalls made by hivemon's uprobes in traced processes (and in hivemon
 * itself while it calibrates them), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} probe_syscalls SEC(".maps");

/* The slowest calls sent per process since the last collect, whose
 * number userspace bumps in slow_gen at each one. */
struct slow_top {
	__u64 gen;
	__u64 lat_ns[SYSCALL_SLOW_TOP];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct slow_top);
} slow_tops SEC(".maps");

/* Busy processes, by tgid % SYSCALL_HOT_PROC_SLOTS: their threads are
 * sampled as hot ones are. Written by userspace at each collect
 * (src/probes/probe_syscall.c), read with no lookup. */
__u32 hot_procs[SYSCALL_HOT_PROC_SLOTS];

__u64 lost_events = 0;
__u64 slow_gen = 0;
/* Slow calls not sent: slower ones of their process were already. */
__u64 slow_suppressed = 0;

static const struct syscall_val zero_val;

static __always_inline void flush_bucket(struct thread_state *ts, struct pending_bucket *pend)
{
	struct syscall_hist_key key = {
		.tgid = ts->tgid,
		.nr = pend->nr,
		.slot = pend->slot,
	};
	__u64 zero = 0, *bucket;

	bucket = map_lookup_or_try_init(&syscall_hists, &key, &zero);
	if (bucket)
		__sync_fetch_and_add(bucket, pend->count);
	pend->count = 0;
}

/* The buckets of syscall @nr still held, so a flushed batch's latency
 * sum and its histogram agree. */
static __always_inline void flush_buckets(struct thread_state *ts, __u32 nr)
{
	for (int i = 0; i < PEND_SLOTS; i++)
		if (ts->pend[i].count && ts->pend[i].nr == nr)
			flush_bucket(ts, &ts->pend[i]);
}

static __always_inline void flush_batch(struct thread_state *ts, struct batch *b)
{
	struct syscall_key key = {.tgid = ts->tgid, .nr = b->tag - 1};
	struct syscall_val *val;

	if (!b->tag)
		return;
	if (b->weight)
		flush_buckets(ts, key.nr);
	if (!b->count && !b->errors && !b->weight)
		return;
	val = map_lookup_or_try_init(&syscall_stats, &key, &zero_val);
	if (val) {
		__sync_fetch_and_add(&val->count, b->count);
		if (b->errors)
			__sync_fetch_and_add(&val->errors, b->errors);
		if (b->weight) {
			__sync_fetch_and_add(&val->weight, b->weight);
			__sync_fetch_and_add(&val->total_ns, b->total_ns);
			atomic_max_u64(&val->max_ns, b->max_ns);
		}
	}
	b->count = 0;
	b->errors = 0;
	b->weight = 0;
	b->total_ns = 0;
	b->max_ns = 0;
}

/*
 * The batch of syscall @nr: the one holding it, else a free one, else the
 * next victim, flushed. A server's loop alternates a few syscalls (epoll,
 * read, write): each keeps its own batch, so none of them touches the
 * shared map but once every FLUSH_EVERY calls.
 */
static __always_inline __u32 batch_of(struct thread_state *ts, __u32 nr)
{
	__u32 tag = nr + 1, free = BATCHES, i;
	struct batch *b;

	for (i = 0; i < BATCHES; i++) {
		if (ts->batch[i].tag == tag)
			return i;
		if (free == BATCHES && !ts->batch[i].tag)
			free = i;
	}
	if (free == BATCHES) {
		free = ts->victim % BATCHES;
		ts->victim = (free + 1) % BATCHES;
		b = &ts->batch[free];
		flush_batch(ts, b);
	}
	ts->batch[free & (BATCHES - 1)].tag = tag;
	return free & (BATCHES - 1);
}

/* Decides whether the call starting now is timed, and with what weight. */
static __always_inline bool sample_call(struct thread_state *ts)
{
	if (exact) {
		ts->weight = 1;
		return true;
	}
	if (++ts->window_calls >= RATE_WINDOW_CALLS) {
		__u64 now = bpf_ktime_get_ns();

		ts->hot = now - ts->window_start < HOT_WINDOW_NS;
		ts->window_start = now;
		ts->window_calls = 0;
	}
	if (!ts->hot && hot_procs[ts->tgid & (SYSCALL_HOT_PROC_SLOTS - 1)] != ts->tgid) {
		ts->weight = 1;
		return true;
	}
	if (ts->sample_left) {
		ts->sample_left--;
		return false;
	}
	/*
	 * Next gap uniform over [1, 2 * SAMPLE_PERIOD - 1]: mean SAMPLE_PERIOD,
	 * and aperiodic, so in the long run every call of any pattern is timed
	 * with probability 1 / SAMPLE_PERIOD. Drawn on timed calls only.
	 */
	ts->sample_left = bpf_get_prandom_u32() % (2 * SAMPLE_PERIOD - 1);
	ts->weight = SAMPLE_PERIOD;
	return true;
}

/*
 * The thread's state, created on its first traced call. Unfiltered, the
 * process check is a compare against the tgid kept there, so the hot path
 * calls no helper but the storage lookup.
 */
static __always_inline struct thread_state *traced_thread(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct thread_state *ts;

	if (filter_configured() && !filter_task(task, task->tgid))
		return 0;
	ts = bpf_task_storage_get(&threads, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		/* No memory, or the storage was busy on this CPU: a call not
		 * counted must be a lost event, not silence. */
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	if (!ts->tgid)
		ts->tgid = task->tgid;
	/* filter_current() already left hivemon out when a filter is set. */
	return !filter_configured() && ts->tgid == self_tgid ? 0 : ts;
}

/*
 * A syscall of one of hivemon's uprobes. The path is the same for hivemon
 * itself, so the allocation probes' calibration (run in hivemon) pays what
 * a traced process pays for them.
 */
static __always_inline void count_probe_syscall(void)
{
	struct task_struct *task;
	__u32 zero = 0;
	__u64 *n;

	if (!own_uprobes)
		return;
	task = bpf_get_current_task_btf();
	if (task->tgid != self_tgid && !filter_task(task, task->tgid))
		return;
	n = bpf_map_lookup_elem(&probe_syscalls, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct thread_state *ts;
	struct batch *b;
	__u32 nr = (__u32)id;
	__u32 i;

	if (nr == NR_URETPROBE || nr == NR_UPROBE) {
		count_probe_syscall();
		return 0;
	}
	ts = traced_thread();
	if (!ts)
		return 0;
	i = ts->batch[ts->cur & (BATCHES - 1)].tag == nr + 1 ? ts->cur : batch_of(ts, nr);
	b = &ts->batch[i & (BATCHES - 1)];
	if (b->count >= FLUSH_EVERY)
		flush_batch(ts, b);
	b->count++;
	ts->cur = i;
	ts->cur_nr = nr;
	ts->in_syscall = 1;
	ts->blocked = 0;
	ts->start_ns = 0;
	/* exit and exit_group never return: nothing to time. */
	if (nr == NR_EXIT || nr == NR_EXIT_GROUP)
		return 0;
	if (sample_call(ts))
		ts->start_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * Whether a call of @lat_ns is among the SYSCALL_SLOW_TOP slowest of process
 * @tgid since the last collect, counting it if so. Threads of one process
 * race on the list: a lost entry only lowers the bar, so every call that
 * belongs in the window's top is still sent.
 */
static __always_inline bool among_slowest(__u32 tgid, __u64 lat_ns)
{
	struct slow_top *top = bpf_map_lookup_elem(&slow_tops, &tgid);
	__u64 gen = slow_gen;
	__u32 low = 0;

	if (!top) {
		struct slow_top init = {.gen = gen, .lat_ns = {lat_ns}};

		bpf_map_update_elem(&slow_tops, &tgid, &init, BPF_NOEXIST);
		return true;
	}
	if (top->gen != gen) {
		for (int i = 0; i < SYSCALL_SLOW_TOP; i++)
			top->lat_ns[i] = 0;
		top->gen = gen;
	}
	for (int i = 1; i < SYSCALL_SLOW_TOP; i++)
		if (top->lat_ns[i] < top->lat_ns[low])
			low = i;
	if (lat_ns <= top->lat_ns[low & (SYSCALL_SLOW_TOP - 1)]) {
		__sync_fetch_and_add(&slow_suppressed, 1);
		return false;
	}
	top->lat_ns[low & (SYSCALL_SLOW_TOP - 1)] = lat_ns;
	return true;
}

/*
 * Adds a timed call to its batch. Its bucket waits in the thread too until
 * another bucket needs its place, so a loop whose calls land in a few
 * buckets touches no shared map per call.
 */
static __always_inline void record_latency(struct thread_state *ts, struct batch *b, __u64 lat,
					   long ret)
{
	__u64 weight = ts->blocked ? 1 : ts->weight;
	__u32 slot = hist_slot(lat);
	struct pending_bucket *pend = &ts->pend[(slot + ts->cur_nr * 3) % PEND_SLOTS];

	b->weight += weight;
	b->total_ns += lat * weight;
	if (lat > b->max_ns)
		b->max_ns = lat;
	if (pend->count && (pend->slot != slot || pend->nr != ts->cur_nr))
		flush_bucket(ts, pend);
	pend->nr = ts->cur_nr;
	pend->slot = slot;
	pend->count += weight;
	if (lat >= slow_ns && among_slowest(ts->tgid, lat)) {
		struct slow_syscall_event *e;

		e = bpf_ringbuf_reserve(&slow_events, sizeof(*e), 0);
		if (!e) {
			__sync_fetch_and_add(&lost_events, 1);
			return;
		}
		e->kind = EVENT_SLOW_SYSCALL;
		e->tgid = ts->tgid;
		e->tid = (__u32)bpf_get_current_pid_tgid();
		e->nr = ts->cur_nr;
		e->ret = ret;
		e->latency_ns = lat;
		e->end_ns = ts->start_ns + lat;
		bpf_ringbuf_submit(e, 0);
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct thread_state *ts;
	struct batch *b;

	/* Unfiltered, only traced threads have state: the lookup is the filter. */
	if (filter_configured() && !filter_task(task, task->tgid))
		return 0;
	ts = bpf_task_storage_get(&threads, task, 0, 0);
	if (!ts || !ts->in_syscall)
		return 0;
	ts->in_syscall = 0;
	b = &ts->batch[ts->cur & (BATCHES - 1)];
	if (b->tag != ts->cur_nr + 1)
		return 0;
	if (ret < 0)
		b->errors++;
	if (ts->start_ns) {
		record_latency(ts, b, bpf_ktime_get_ns() - ts->start_ns, ret);
		ts->start_ns = 0;
	}
	return 0;
}

/*
 * A thread going to sleep inside a syscall: stamp the call if it was not
 * sampled, so blocking calls are never missed. What its batches hold is
 * read by the collector (dump_batches), not flushed here.
 */
static __always_inline void on_switch(bool preempt, struct task_struct *prev)
{
	struct thread_state *ts;

	if (preempt || task_runnable(prev))
		return;
	ts = bpf_task_storage_get(&threads, prev, 0, 0);
	if (!ts || !ts->in_syscall || ts->blocked)
		return;
	ts->blocked = 1;
	if (!ts->start_ns)
		ts->start_ns = bpf_ktime_get_ns();
}

/*
 * The sched set's program, when it loads with this one: called at the end
 * (tail call) instead of being attached to sched_switch too, which saves a
 * tracepoint dispatch per context switch, the hottest event of a host.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} switch_next SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(syscall_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	on_switch(preempt, prev);
	bpf_tail_call(ctx, &switch_next, 0);
	return 0;
}

/* A dying thread's batches would otherwise be lost with its task storage. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(syscall_thread_exit, struct task_struct *task)
{
	struct thread_state *ts;

	ts = bpf_task_storage_get(&threads, task, 0, 0);
	if (!ts)
		return 0;
	for (int i = 0; i < BATCHES; i++)
		flush_batch(ts, &ts->batch[i]);
	return 0;
}

/*
 * What every thread holds that syscall_stats and syscall_hists do not have
 * yet: its batches and its pending buckets, read by the collector after it
 * read those maps, so that flushed + held is exact. Read only, so a flush
 * racing with the reads can only make a window short (see
 * src/probes/probe_syscall.c).
 */
SEC("iter/task")
int dump_batches(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct syscall_held rec;
	struct thread_state *ts;

	if (!task)
		return 0;
	ts = bpf_task_storage_get(&threads, task, 0, 0);
	if (!ts)
		return 0;
	rec.tgid = ts->tgid;
	for (int i = 0; i < BATCHES; i++) {
		struct batch *b = &ts->batch[i];

		if (!b->tag || (!b->count && !b->errors && !b->weight))
			continue;
		rec.nr = b->tag - 1;
		rec.slot = SYSCALL_HELD_BATCH;
		rec.count = b->count;
		rec.errors = b->errors;
		rec.weight = b->weight;
		rec.total_ns = b->total_ns;
		rec.max_ns = b->max_ns;
		bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	}
	for (int i = 0; i < PEND_SLOTS; i++) {
		struct pending_bucket *pend = &ts->pend[i];

		if (!pend->count)
			continue;
		rec.nr = pend->nr;
		rec.slot = pend->slot;
		rec.count = 0;
		rec.errors = 0;
		rec.weight = pend->count;
		rec.total_ns = 0;
		rec.max_ns = 0;
		bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
