// SPDX-License-Identifier: GPL-2.0
/*
 * Maps that two probe modules share (struct probe_shared): the tcp and
 * proto programs keep one element per socket instead of one each, so the
 * second lookup of an event finds the first one's cache lines.
 */
#include <errno.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes/probe.h"

int probe_shared_reuse(struct bpf_map *map, int shared_fd)
{
	return shared_fd < 0 ? 0 : bpf_map__reuse_fd(map, shared_fd);
}

int probe_shared_keep(const struct bpf_map *map, int *shared_fd)
{
	int fd;

	if (*shared_fd >= 0)
		return 0;
	fd = dup(bpf_map__fd(map));
	if (fd < 0)
		return -errno;
	*shared_fd = fd;
	return 0;
}
