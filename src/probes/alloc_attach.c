// SPDX-License-Identifier: GPL-2.0
/* Attaching the allocation probes to one process's allocator. */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "alloc.skel.h"
#include "probes/alloc_attach.h"
#include "probes/allocator_lib.h"
#include "kernel/elf_sym.h"

/* In the order of ALLOC_FUNCS; malloc is required, free has no return probe. */
static const char *const alloc_funcs[ALLOC_FUNCS] = {
	"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "free",
};

static struct bpf_program *entry_prog(struct alloc_bpf *skel, size_t i)
{
	struct bpf_program *progs[] = {
		skel->progs.malloc_enter,	 skel->progs.calloc_enter,
		skel->progs.realloc_enter,	 skel->progs.posix_memalign_enter,
		skel->progs.aligned_alloc_enter, skel->progs.free_enter,
	};

	return progs[i];
}

/* Entry probes (attached last) go first, so no call is left entered. */
void alloc_detach(struct alloc_attachment *t)
{
	for (size_t i = ALLOC_LINKS; i-- > 0;) {
		bpf_link__destroy(t->links[i]);
		t->links[i] = NULL;
	}
}

static struct bpf_link *attach_one(struct bpf_program *prog, const struct alloc_attachment *t,
				   size_t func, bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);

	return bpf_program__attach_uprobe_opts(prog, (pid_t)t->pid, t->lib, t->offsets[func],
					       &opts);
}

/*
 * Return probes first, so that no call is entered without its return being
 * seen: hivemon probes itself for calibration, and libbpf allocates while
 * attaching.
 */
int alloc_attach(struct alloc_bpf *skel, struct alloc_attachment *t)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ALLOC_FUNCS; i++) {
			bool ret = pass == 0;
			struct bpf_link *link;

			if (!t->offsets[i] || (ret && !strcmp(alloc_funcs[i], "free")))
				continue;
			link = attach_one(ret ? skel->progs.alloc_exit : entry_prog(skel, i), t, i,
					  ret);
			if (!link) {
				int err = -errno;

				alloc_detach(t);
				return err;
			}
			t->links[n++] = link;
		}
	}
	return 0;
}

int alloc_locate(struct alloc_attachment *t, uint32_t pid)
{
	int err;

	memset(t, 0, sizeof(*t));
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
