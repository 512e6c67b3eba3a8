// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching the allocation probes to one process's allocator, as uprobe_multi
 * links where the kernel has them (Linux >= 6.6): one link per program,
 * whatever the number of functions, and no perf event. A uprobe attached
 * through a perf event waits ~0.1 s for a grace period when removed, under a
 * lock, one after the other: the 11 of one process took 1.2 s to remove,
 * paid by calibration (attach, measure, detach) before the window could
 * start, at exit, and in every duty-cycle period. Older kernels get those
 * perf-event uprobes all the same, slower to start and stop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "alloc.skel.h"
#include "probes/alloc_attach.h"
#include "probes/allocator_lib.h"
#include "kernel/elf_sym.h"
#include "bpf/hivemon.h"

/* Kernel ABI values libbpf 1.1 and the installed headers predate. */
#define ATTACH_UPROBE_MULTI 48 /* BPF_TRACE_UPROBE_MULTI */
#define UPROBE_MULTI_RETURN 1U /* BPF_F_UPROBE_MULTI_RETURN */

/* BPF_LINK_CREATE's uprobe_multi member, as laid out in union bpf_attr. */
struct uprobe_multi_attr {
	__u32 prog_fd, target_fd, attach_type, flags;
	__aligned_u64 path, offsets, ref_ctr_offsets, cookies;
	__u32 cnt, multi_flags, pid;
};

/* In the order of ALLOC_FUNCS; malloc is required, free has no return probe. */
static const char *const alloc_funcs[ALLOC_FUNCS] = {
	"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "free",
};
#define FREE_FUNC     (ALLOC_FUNCS - 1)
#define EXIT_LINK     ALLOC_FUNCS /* links[]: an entry link per function, then this */
#define CLOSE_THREADS 16

static struct bpf_program *entry_prog(struct alloc_bpf *skel, size_t i)
{
	struct bpf_program *progs[] = {
		skel->progs.malloc_enter,	 skel->progs.calloc_enter,
		skel->progs.realloc_enter,	 skel->progs.posix_memalign_enter,
		skel->progs.aligned_alloc_enter, skel->progs.free_enter,
	};

	return progs[i];
}

/*
 * Whether BPF_LINK_CREATE knows uprobe_multi (Linux >= 6.6). It has to be
 * known before loading, as the programs are loaded for one kind of link or
 * the other; the kernel's own BTF lists the attach types it has.
 */
bool alloc_uprobe_multi_supported(void)
{
	const char *no_multi = getenv("HIVEMON_TEST_NO_UPROBE_MULTI");
	const struct btf_type *type;
	const struct btf_enum *e;
	struct btf *btf;
	bool found = false;
	int id;

	/* Test hook: lets a recent kernel run the perf-event fallback. */
	if (no_multi && !strcmp(no_multi, "1"))
		return false;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "bpf_attach_type", BTF_KIND_ENUM);
	type = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
	e = type ? btf_enum(type) : NULL;
	for (int i = 0; e && i < btf_vlen(type) && !found; i++)
		found = e[i].val == ATTACH_UPROBE_MULTI &&
			!strcmp(btf__name_by_offset(btf, e[i].name_off), "BPF_TRACE_UPROBE_MULTI");
	btf__free(btf);
	return found;
}

int alloc_prepare(struct alloc_bpf *skel, bool multi)
{
	int err = 0;

	if (!multi)
		return 0; /* SEC("uprobe") already makes perf-event uprobes */
	err = bpf_program__set_expected_attach_type(skel->progs.alloc_exit,
						    (enum bpf_attach_type)ATTACH_UPROBE_MULTI);
	for (size_t i = 0; i < ALLOC_FUNCS && !err; i++)
		err = bpf_program__set_expected_attach_type(
			entry_prog(skel, i), (enum bpf_attach_type)ATTACH_UPROBE_MULTI);
	return err;
}

/* The kind alloc_prepare() chose, kept by the skeleton itself. */
static bool uses_multi(struct alloc_bpf *skel)
{
	return bpf_program__expected_attach_type(skel->progs.alloc_exit) ==
	       (enum bpf_attach_type)ATTACH_UPROBE_MULTI;
}

/* Link fds closed by several threads, each taking the next. */
struct close_queue {
	int fds[ALLOC_LINKS * FILTER_MAX_PIDS];
	size_t n, next; /* next: taken atomically */
};

static void *close_links(void *arg)
{
	struct close_queue *q = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&q->next, 1, __ATOMIC_RELAXED)) < q->n)
		close(q->fds[i]);
	return NULL;
}

/*
 * Removing a uprobe_multi link waits for an SRCU grace period (30-75 ms
 * here); waits made at the same time share one, so the links, of all
 * processes at once, are closed by threads: 7 links took 0.3 s one after the
 * other, 0.09 s so. Counting is off by then, so the order does not matter.
 * Perf-event uprobes are removed one after the other under a kernel lock
 * anyway: they go in reverse order of attaching, entry probes first.
 */
void alloc_detach_set(struct alloc_attachment *const set[], size_t n)
{
	struct close_queue q = {.n = 0};
	pthread_t threads[CLOSE_THREADS];
	size_t started = 0;

	for (size_t t = 0; t < n; t++)
		for (size_t i = ALLOC_LINKS; i-- > 0;) {
			struct alloc_link *l = &set[t]->links[i];

			if (l->fd >= 0 && q.n < sizeof(q.fds) / sizeof(q.fds[0]))
				q.fds[q.n++] = l->fd;
			bpf_link__destroy(l->perf);
			*l = (struct alloc_link){.fd = -1, .perf = NULL};
		}
	while (started < CLOSE_THREADS && started < q.n &&
	       !pthread_create(&threads[started], NULL, close_links, &q))
		started++;
	close_links(&q); /* whatever no thread took */
	while (started)
		pthread_join(threads[--started], NULL);
}

void alloc_detach(struct alloc_attachment *t)
{
	alloc_detach_set(&t, 1);
}

/* A link on @n functions at @offsets of the allocator, for process t->pid
 * only. A link fd or a negative errno. */
static int link_create(struct bpf_program *prog, const struct alloc_attachment *t,
		       const size_t offsets[], size_t n, bool retprobe)
{
	union {
		union bpf_attr attr; /* the size the kernel is told */
		struct uprobe_multi_attr um;
	} a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.um.prog_fd = (__u32)bpf_program__fd(prog);
	a.um.attach_type = ATTACH_UPROBE_MULTI;
	a.um.path = (__u64)(uintptr_t)t->lib;
	a.um.offsets = (__u64)(uintptr_t)offsets;
	a.um.cnt = (__u32)n;
	a.um.multi_flags = retprobe ? UPROBE_MULTI_RETURN : 0;
	a.um.pid = t->pid;
	fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

/*
 * The return link first, so that no call is entered without its return
 * being seen: hivemon probes itself for calibration, and allocates while
 * attaching.
 */
static int attach_multi(struct alloc_bpf *skel, struct alloc_attachment *t)
{
	size_t rets[ALLOC_FUNCS];
	size_t n = 0;
	int fd;

	for (size_t i = 0; i < ALLOC_FUNCS; i++)
		if (t->offsets[i] && i != FREE_FUNC)
			rets[n++] = t->offsets[i];
	fd = link_create(skel->progs.alloc_exit, t, rets, n, true);
	if (fd < 0)
		return fd;
	t->links[EXIT_LINK].fd = fd;
	for (size_t i = 0; i < ALLOC_FUNCS; i++) {
		size_t off = t->offsets[i];

		if (!off)
			continue;
		fd = link_create(entry_prog(skel, i), t, &off, 1, false);
		if (fd < 0) {
			alloc_detach(t);
			return fd;
		}
		t->links[i].fd = fd;
	}
	return 0;
}

/* Return probes first, as for attach_multi(); one perf event each. */
static int attach_perf(struct alloc_bpf *skel, struct alloc_attachment *t)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ALLOC_FUNCS; i++) {
			LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = pass == 0);
			struct bpf_link *link;

			if (!t->offsets[i] || (opts.retprobe && i == FREE_FUNC))
				continue;
			link = bpf_program__attach_uprobe_opts(
				opts.retprobe ? skel->progs.alloc_exit : entry_prog(skel, i),
				(pid_t)t->pid, t->lib, t->offsets[i], &opts);
			if (!link) {
				int err = -errno;

				alloc_detach(t);
				return err;
			}
			t->links[n++].perf = link;
		}
	}
	return 0;
}

int alloc_attach(struct alloc_bpf *skel, struct alloc_attachment *t)
{
	return uses_multi(skel) ? attach_multi(skel, t) : attach_perf(skel, t);
}

int alloc_locate(struct alloc_attachment *t, uint32_t pid)
{
	int err;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < ALLOC_LINKS; i++)
		t->links[i].fd = -1;
	t->pid = pid;
	err = allocator_lib_of(pid, t->lib, sizeof(t->lib));
	if (!err)
		err = elf_func_offsets(t->lib, alloc_funcs, ALLOC_FUNCS, t->offsets);
	if (!err && !t->offsets[0])
		err = -ENOENT;
	return err;
}

/* A new epoch on enabling drops the per-thread state of calls that were
 * in flight when counting stopped. */
void alloc_set_counting(struct alloc_bpf *skel, bool on)
{
	if (on)
		__atomic_add_fetch(&skel->bss->epoch, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&skel->bss->enabled, on, __ATOMIC_SEQ_CST);
}
