// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching the allocation probes to one process's allocator, as uprobe_multi
 * links (Linux >= 6.6): one link per program, whatever the number of
 * functions, and no perf event. A uprobe attached through a perf event
 * waits ~0.1 s for a grace period when removed, under a lock, one after the
 * other: the 11 of one process took 1.2 s to remove, paid by calibration
 * (attach, measure, detach) before the window could start, at exit, and in
 * every duty-cycle period.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
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

int alloc_prepare(struct alloc_bpf *skel)
{
	int err = bpf_program__set_expected_attach_type(skel->progs.alloc_exit,
							(enum bpf_attach_type)ATTACH_UPROBE_MULTI);

	for (size_t i = 0; i < ALLOC_FUNCS && !err; i++)
		err = bpf_program__set_expected_attach_type(
			entry_prog(skel, i), (enum bpf_attach_type)ATTACH_UPROBE_MULTI);
	return err;
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
 * Removing a link waits for an SRCU grace period (30-75 ms here); waits made
 * at the same time share one, so the links, of all processes at once, are
 * closed by threads: 7 links took 0.3 s one after the other, 0.09 s so.
 * Counting is off by then, so the order does not matter.
 */
void alloc_detach_set(struct alloc_attachment *const set[], size_t n)
{
	struct close_queue q = {.n = 0};
	pthread_t threads[CLOSE_THREADS];
	size_t started = 0;

	for (size_t t = 0; t < n; t++)
		for (size_t i = 0; i < ALLOC_LINKS; i++) {
			if (set[t]->links[i] >= 0 && q.n < sizeof(q.fds) / sizeof(q.fds[0]))
				q.fds[q.n++] = set[t]->links[i];
			set[t]->links[i] = -1;
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
int alloc_attach(struct alloc_bpf *skel, struct alloc_attachment *t)
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
	t->links[EXIT_LINK] = fd;
	for (size_t i = 0; i < ALLOC_FUNCS; i++) {
		size_t off = t->offsets[i];

		if (!off)
			continue;
		fd = link_create(entry_prog(skel, i), t, &off, 1, false);
		if (fd < 0) {
			alloc_detach(t);
			return fd;
		}
		t->links[i] = fd;
	}
	return 0;
}

int alloc_locate(struct alloc_attachment *t, uint32_t pid)
{
	int err;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < ALLOC_LINKS; i++)
		t->links[i] = -1;
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
