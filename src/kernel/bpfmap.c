// SPDX-License-Identifier: GPL-2.0
/* Batched dumps of BPF hash maps; liveness of traced processes. */
#include <bpf/bpf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "kernel/bpfmap.h"

#define BATCH_ENTRIES 4096
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* kernel-internal "operation not supported" */
#endif

/* Fallback for kernels or map types without batch operations. */
static int for_each_by_key(int fd, size_t key_size, size_t value_size, bpfmap_visit_fn visit,
			   void *ctx, void *key, void *next, void *value)
{
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (!bpf_map_lookup_elem(fd, next, value))
			visit(next, value, ctx);
		/* Keep the cursor in @key so @next can take the following one. */
		for (size_t i = 0; i < key_size; i++)
			((char *)key)[i] = ((char *)next)[i];
		prev = key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int bpfmap_for_each(int fd, size_t key_size, size_t value_size, bpfmap_visit_fn visit, void *ctx)
{
	char *keys = malloc(BATCH_ENTRIES * key_size);
	char *values = malloc(BATCH_ENTRIES * value_size);
	uint32_t in_batch = 0, out_batch = 0;
	bool first = true;
	int err = 0;

	if (!keys || !values) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		uint32_t count = BATCH_ENTRIES;

		err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch, keys, values,
					   &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (uint32_t i = 0; i < count; i++)
			visit(keys + i * key_size, values + i * value_size, ctx);
		if (err) { /* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		in_batch = out_batch;
		first = false;
	}
	if (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP)
		err = for_each_by_key(fd, key_size, value_size, visit, ctx, keys, keys + key_size,
				      values);
out:
	free(keys);
	free(values);
	return err;
}

bool proc_alive(uint32_t pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

#define MAP_BUDGET   (16u << 20)
#define ENTRY_OVERHD 112u /* key, hash node, LRU links, as measured */

uint32_t bpfmap_budget_entries(uint32_t wanted, size_t value_size, int ncpus)
{
	uint64_t fit = MAP_BUDGET / (ENTRY_OVERHD + value_size * (uint64_t)ncpus);

	if (fit < 1024)
		fit = 1024;
	return wanted < fit ? wanted : (uint32_t)fit;
}
