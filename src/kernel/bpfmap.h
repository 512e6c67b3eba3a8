/* SPDX-License-Identifier: GPL-2.0 */
/* Reading whole BPF hash maps from userspace in batches. */
#ifndef HIVEMON_BPFMAP_H
#define HIVEMON_BPFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*bpfmap_visit_fn)(const void *key, const void *value, void *ctx);

/*
 * Calls @visit for every entry of the hash map @fd, reading up to a few
 * thousand entries per syscall. Entries added or removed meanwhile may or
 * may not be seen. Returns 0 or a negative errno.
 */
int bpfmap_for_each(int fd, size_t key_size, size_t value_size, bpfmap_visit_fn visit, void *ctx);

/* Whether process @pid still exists (zombies included). */
bool proc_alive(uint32_t pid);

/*
 * Entries for a per-CPU hash map that wants @wanted entries of @value_size
 * bytes per CPU, within a fixed memory budget per map (16 MB, at least
 * 1024 entries): per-CPU values cost memory on every CPU, so a big host
 * gets fewer entries and the LRU drops the least recently used.
 */
uint32_t bpfmap_budget_entries(uint32_t wanted, size_t value_size, int ncpus);

#endif
