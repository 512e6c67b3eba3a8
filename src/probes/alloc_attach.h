/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching the allocation probes (bpf/alloc.bpf.c) to one process: where
 * its allocator's functions are, and the uprobe links on them.
 */
#ifndef HIVEMON_ALLOC_ATTACH_H
#define HIVEMON_ALLOC_ATTACH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct alloc_bpf;

#define ALLOC_FUNCS 6 /* malloc calloc realloc posix_memalign aligned_alloc free */
#define ALLOC_LINKS 7 /* an entry link on each, one return link on all but free */

struct alloc_attachment {
	uint32_t pid;
	char lib[PATH_MAX];	     /* allocator library, from our mount namespace */
	size_t offsets[ALLOC_FUNCS]; /* of each function in lib, 0 = absent */
	int links[ALLOC_LINKS];	     /* owned link fds; -1 when detached */
};

/* Finds the allocator @pid maps and where its functions are: 0, -ESRCH
 * (no such process) or -ENOENT (no known allocator, or no malloc in it). */
int alloc_locate(struct alloc_attachment *a, uint32_t pid);
/* Makes the programs of @skel uprobe_multi programs: before loading it. */
int alloc_prepare(struct alloc_bpf *skel);
/* Attaches the probes (return probes first, so no call is seen entered
 * without its return); all or nothing. 0 or a negative errno. */
int alloc_attach(struct alloc_bpf *skel, struct alloc_attachment *a);
void alloc_detach(struct alloc_attachment *a);
/* Detaches the probes of @n processes at once. */
void alloc_detach_set(struct alloc_attachment *const set[], size_t n);
/* Lets the programs count, or stops them: set once every probe is
 * attached, cleared before the first is removed. */
void alloc_set_counting(struct alloc_bpf *skel, bool on);

#endif
