/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attaching the allocation probes (bpf/alloc.bpf.c) to one process: where
 * its allocator's functions are, and the uprobe links on them: uprobe_multi
 * links where the kernel has them (Linux >= 6.6), perf-event uprobes before.
 */
#ifndef HIVEMON_ALLOC_ATTACH_H
#define HIVEMON_ALLOC_ATTACH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct alloc_bpf;
struct bpf_link;

#define ALLOC_FUNCS 6 /* malloc calloc realloc posix_memalign aligned_alloc free */
/* At most: an entry probe on each, a return probe on all but free (perf-event
 * uprobes); uprobe_multi needs 7, one return link covering all. */
#define ALLOC_LINKS 11

/* One probe, of either kind; at most one member is set. */
struct alloc_link {
	int fd;		       /* uprobe_multi link fd, -1 if none */
	struct bpf_link *perf; /* perf-event uprobe, NULL if none */
};

struct alloc_attachment {
	uint32_t pid;
	char lib[PATH_MAX];		      /* allocator library, from our mount namespace */
	size_t offsets[ALLOC_FUNCS];	      /* of each function in lib, 0 = absent */
	struct alloc_link links[ALLOC_LINKS]; /* owned; cleared when detached */
};

/* Finds the allocator @pid maps and where its functions are: 0, -ESRCH
 * (no such process) or -ENOENT (no known allocator, or no malloc in it). */
int alloc_locate(struct alloc_attachment *a, uint32_t pid);
/* Whether this kernel has uprobe_multi links; false when the test hook
 * HIVEMON_TEST_NO_UPROBE_MULTI=1 is set. */
bool alloc_uprobe_multi_supported(void);
/* Before loading @skel: makes its programs uprobe_multi programs when
 * @multi, else leaves them perf-event uprobes. alloc_attach() follows. */
int alloc_prepare(struct alloc_bpf *skel, bool multi);
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
