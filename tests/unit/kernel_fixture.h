/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the unit tests that load a probe module into the real kernel: the
 * maps it created, found by name among those newer than the ones that
 * existed before it loaded.
 */
#ifndef HIVEMON_TEST_KERNEL_FIXTURE_H
#define HIVEMON_TEST_KERNEL_FIXTURE_H

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

/* The id of the newest BPF map now, 0 for none. */
static inline uint32_t newest_map_id(void)
{
	uint32_t id = 0, newest = 0;

	while (!bpf_map_get_next_id(id, &id))
		newest = id;
	return newest;
}

/* An fd of the map named @name created after map id @after, or -1. */
static inline int map_fd_since(uint32_t after, const char *name)
{
	uint32_t id = after;

	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name))
			return fd;
		close(fd);
	}
	return -1;
}

#endif
