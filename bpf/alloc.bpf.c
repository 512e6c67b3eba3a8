// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace allocations of chosen processes: uprobes and uretprobes on
 * malloc, calloc, realloc, posix_memalign, aligned_alloc and a uprobe on
 * free, in the allocator each process maps. Userspace attaches them per
 * pid only, so no other process ever takes the (costly) breakpoint.
 *
 * - Latency is from the entry probe to the return probe, minus the probe
 *   cost userspace calibrated at start (probe_cost_ns).
 * - Calls nested inside another allocator call (glibc's realloc(NULL, n)
 *   calls malloc, realloc(p, 0) calls free) are not counted twice: a
 *   per-thread depth counts the outer call only.
 * - Outstanding bytes follow the blocks seen allocated, by address, in a
 *   bounded hash: a block that finds it full is counted as untracked and
 *   never subtracted, so the sum stays that of the blocks tracked.
 */
#include "vmlinux.h"
#include <asm-generic/errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hivemon.h"
#include "hist.h"
#include "flip.bpf.h"

enum alloc_kind { KIND_MALLOC, KIND_REALLOC, KIND_MEMALIGN };

struct alloc_task {
	__u64 start;   /* ktime at entry of the outermost call */
	__u64 size;    /* bytes it asked for */
	__u64 old_ptr; /* realloc: the block being resized */
	__u64 memptr;  /* posix_memalign: where the result is stored */
	__u32 depth;   /* allocator calls in flight on this thread */
	__u32 epoch;   /* attach epoch the state belongs to */
	__u32 kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct alloc_task);
} tasks SEC(".maps");

/* Two buffers of per-process counters and histograms; `gen` names the
 * live one. */
FLIP_MAP(stats, __u32, struct alloc_val, FILTER_MAX_PIDS + 1, 0);
FLIP_MAP(hists, struct tgid_slot_key, struct hist_bucket, (FILTER_MAX_PIDS + 1) * HIST_SLOTS, 0);

/* Live blocks: (tgid, address) -> size. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);
	__type(key, struct alloc_key);
	__type(value, __u64);
} live SEC(".maps");

/* Buffer the programs write (0 or 1); flipped by userspace each collect. */
__u32 gen = 0;
/* Set by userspace once all probes of all processes are attached, cleared
 * before it starts detaching them: attaching and detaching take a while,
 * and a half-attached set (malloc seen, free not yet) would skew counts. */
__u32 enabled = 0;
/* Bumped by userspace at every attach: state left by calls that were in
 * flight when the probes were detached is stale. */
__u32 epoch = 0;
/* Calibrated cost the probes add to a call's measured latency. */
__u64 probe_cost_ns = 0;
/* Updates that found a full map; read by userspace. */
__u64 lost_events = 0;

static __always_inline struct alloc_val *proc_stats(__u32 tgid)
{
	static const struct alloc_val zero;

	return flip_lookup_or_init(&stats, gen, &tgid, &zero, &lost_events);
}

/* Forgets block @addr if it was tracked; returns its size (0 if not). */
static __always_inline __u64 forget_block(__u32 tgid, __u64 addr)
{
	struct alloc_key key = {.tgid = tgid, .addr = addr};
	__u64 *size = bpf_map_lookup_elem(&live, &key), bytes;

	if (!size)
		return 0;
	bytes = *size;
	bpf_map_delete_elem(&live, &key);
	return bytes;
}

static __always_inline void track_block(struct alloc_val *val, __u32 tgid, __u64 addr, __u64 bytes)
{
	struct alloc_key key = {.tgid = tgid, .addr = addr};
	__u64 *size = bpf_map_lookup_elem(&live, &key);

	/* Still there: its free happened while the probes were detached. */
	if (size) {
		val->outstanding -= *size;
		*size = bytes;
	} else if (bpf_map_update_elem(&live, &key, &bytes, BPF_NOEXIST)) {
		val->untracked++;
		return;
	}
	val->outstanding += bytes;
}

static __always_inline void enter(enum alloc_kind kind, __u64 size, __u64 old_ptr, __u64 memptr)
{
	struct alloc_task *t;

	if (!enabled)
		return;
	t = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		return;
	if (t->epoch != epoch) {
		t->epoch = epoch;
		t->depth = 0;
	}
	if (t->depth++)
		return;
	t->kind = kind;
	t->size = size;
	t->old_ptr = old_ptr;
	t->memptr = memptr;
	/* Last, so the entry probe's own work is not in the latency. */
	t->start = bpf_ktime_get_ns();
}

static __always_inline void leave(__u64 ret)
{
	/* First, so the return probe's own work is not in the latency. */
	__u64 now = bpf_ktime_get_ns(), lat, addr = ret;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct alloc_task *t;
	struct alloc_val *val;

	t = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	if (!t || t->epoch != epoch || !t->depth || --t->depth)
		return;
	lat = now - t->start;
	lat = lat > probe_cost_ns ? lat - probe_cost_ns : 0;
	if (t->kind == KIND_MEMALIGN) {
		addr = 0;
		/* posix_memalign returns an int: 0 on success. */
		if ((int)ret == 0)
			bpf_probe_read_user(&addr, sizeof(addr), (void *)t->memptr);
	}
	val = proc_stats(tgid);
	if (!val)
		return;
	val->calls++;
	val->bytes += t->size;
	val->lat_total_ns += lat;
	if (lat > val->lat_max_ns)
		val->lat_max_ns = lat;
	flip_hist_record(&hists, gen, tgid, lat, &lost_events);
	/* A failed realloc leaves the old block in place. */
	if (t->kind == KIND_REALLOC && t->old_ptr && (addr || !t->size))
		val->outstanding -= forget_block(tgid, t->old_ptr);
	if (addr)
		track_block(val, tgid, addr, t->size);
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, size_t size)
{
	enter(KIND_MALLOC, size, 0, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(calloc_enter, size_t n, size_t size)
{
	enter(KIND_MALLOC, (__u64)n * size, 0, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(realloc_enter, void *ptr, size_t size)
{
	enter(KIND_REALLOC, size, (__u64)ptr, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, void **memptr, size_t alignment, size_t size)
{
	enter(KIND_MEMALIGN, size, 0, (__u64)memptr);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(aligned_alloc_enter, size_t alignment, size_t size)
{
	enter(KIND_MALLOC, size, 0, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(alloc_exit, void *ret)
{
	leave((__u64)ret);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(free_enter, void *ptr)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct alloc_task *t;
	struct alloc_val *val;

	if (!ptr || !enabled)
		return 0;
	/* free() called by realloc() is accounted by realloc's return. */
	t = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
	if (t && t->epoch == epoch && t->depth)
		return 0;
	val = proc_stats(tgid);
	if (!val)
		return 0;
	val->frees++;
	val->outstanding -= forget_block(tgid, (__u64)ptr);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
