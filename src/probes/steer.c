// SPDX-License-Identifier: GPL-2.0
/* Attaching and detaching the reuseport steering program of the tcp probe. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <linux/types.h>

#include "bpf/hivemon.h"
#include "probes/steer.h"
#include "tcp.skel.h"

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif

static void clear_maps(struct tcp_bpf *skel, size_t n)
{
	int64_t zero = 0;

	skel->bss->steer_members = 0;
	for (uint32_t slot = 0; slot < n; slot++) {
		bpf_map_delete_elem(bpf_map__fd(skel->maps.steer_socks), &slot);
		bpf_map_update_elem(bpf_map__fd(skel->maps.steer_inflight), &slot, &zero, BPF_ANY);
	}
	for (uint32_t key, next, *prev = NULL;
	     !bpf_map_get_next_key(bpf_map__fd(skel->maps.steer_slots), prev, &next); prev = &key) {
		key = next;
		bpf_map_delete_elem(bpf_map__fd(skel->maps.steer_slots), &key);
		prev = NULL; /* the key is gone: start over */
	}
}

static int fill_maps(struct tcp_bpf *skel, const struct steer_member *m, size_t n)
{
	for (uint32_t slot = 0; slot < n; slot++) {
		uint64_t fd = (uint64_t)m[slot].listen_fd;
		int64_t zero = 0;

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.steer_slots), &m[slot].pid, &slot,
					BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(skel->maps.steer_inflight), &slot, &zero,
					BPF_ANY) ||
		    bpf_map_update_elem(bpf_map__fd(skel->maps.steer_socks), &slot, &fd, BPF_ANY))
			return -errno;
	}
	return 0;
}

int steer_start(struct tcp_bpf *skel, const struct steer_member *m, size_t n)
{
	int prog = bpf_program__fd(skel->progs.steer_select), err;

	if (n < 2 || n > STEER_MAX_MEMBERS)
		return -EINVAL;
	err = fill_maps(skel, m, n);
	if (!err) {
		skel->bss->steer_members = (uint32_t)n;
		if (setsockopt(m[0].listen_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog,
			       sizeof(prog)))
			err = -errno;
	}
	if (err)
		clear_maps(skel, n);
	return err;
}

void steer_stop(struct tcp_bpf *skel, const struct steer_member *m, size_t n)
{
	int unused = 0;

	if (n)
		setsockopt(m[0].listen_fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &unused,
			   sizeof(unused));
	clear_maps(skel, n);
}
