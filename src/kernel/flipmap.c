// SPDX-License-Identifier: GPL-2.0
/* Double-buffered per-CPU kernel counters: flip and drain. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel/flipmap.h"

#define FLIPMAP_BATCH 512

int flipmap_init_fds(struct flipmap *m, int outer_fd, int a_fd, int b_fd, size_t key_size,
		     size_t value_size)
{
	memset(m, 0, sizeof(*m));
	m->outer_fd = outer_fd;
	m->inner_fd[0] = a_fd;
	m->inner_fd[1] = b_fd;
	m->key_size = key_size;
	m->value_size = value_size;
	m->stride = (m->value_size + 7) & ~(size_t)7;
	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus <= 0)
		return m->ncpus ? m->ncpus : -EINVAL;
	m->batch = FLIPMAP_BATCH;
	m->keys = calloc(m->batch, m->key_size);
	m->values = calloc((size_t)m->batch * m->ncpus, m->stride);
	if (!m->keys || !m->values) {
		flipmap_free(m);
		return -ENOMEM;
	}
	return 0;
}

int flipmap_init(struct flipmap *m, const struct bpf_map *outer, const struct bpf_map *a,
		 const struct bpf_map *b)
{
	return flipmap_init_fds(m, bpf_map__fd(outer), bpf_map__fd(a), bpf_map__fd(b),
				bpf_map__key_size(a), bpf_map__value_size(a));
}

void flipmap_free(struct flipmap *m)
{
	free(m->keys);
	free(m->values);
	m->keys = m->values = NULL;
}

int flipmap_flip(struct flipmap *m, volatile uint32_t *gen)
{
	uint32_t old = *gen & 1;

	*gen = !old;
	/* Rewriting a slot with the map it already holds is a no-op apart
	 * from the grace period the kernel waits for. */
	if (bpf_map_update_elem(m->outer_fd, &old, &m->inner_fd[old], BPF_ANY))
		return -errno;
	return (int)old;
}

int flipmap_drain(struct flipmap *m, int which, flipmap_visit_fn visit, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint64_t token = 0;
	bool first = true, done = false;
	int fd = m->inner_fd[which & 1];

	while (!done) {
		uint32_t count = m->batch;
		int err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token,
							  m->keys, m->values, &count, &opts);

		if (err) {
			err = -errno;
			if (err != -ENOENT)
				return err;
			done = true;
		}
		first = false;
		for (uint32_t i = 0; i < count; i++) {
			err = visit(m->keys + (size_t)i * m->key_size,
				    m->values + (size_t)i * m->ncpus * m->stride, m, ctx);
			if (err)
				return err;
		}
	}
	return 0;
}
