// SPDX-License-Identifier: GPL-2.0
/*
 * Maps that two probe modules share (struct probe_shared). The tcp and
 * proto programs keep one element per socket instead of one each, so the
 * second lookup of an event finds the first one's cache lines; and with
 * both loaded, the proto programs run as tail calls of the tcp ones
 * instead of being attached to the same tracepoints (bpf/sock.bpf.h), as
 * the sched set's sched_switch program does of the syscall set's.
 */
#include <errno.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probes/probe.h"

void probe_shared_init(struct probe_shared *s)
{
	s->socks_fd = -1;
	s->recv_next_fd = -1;
	s->send_next_fd = -1;
	s->switch_next_fd = -1;
	s->tcp_sampler = NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void probe_shared_release(struct probe_shared *s)
{
	close_fd(&s->socks_fd);
	close_fd(&s->recv_next_fd);
	close_fd(&s->send_next_fd);
	close_fd(&s->switch_next_fd);
}

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

int probe_shared_chain(int next_fd, const struct bpf_program *prog)
{
	__u32 zero = 0;
	int fd = bpf_program__fd(prog);

	if (next_fd < 0)
		return -ENOENT;
	return bpf_map_update_elem(next_fd, &zero, &fd, BPF_ANY) ? -errno : 0;
}

void probe_shared_unchain(int next_fd)
{
	__u32 zero = 0;

	if (next_fd >= 0)
		bpf_map_delete_elem(next_fd, &zero);
}
