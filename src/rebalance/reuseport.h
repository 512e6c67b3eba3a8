/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The listening sockets of a SO_REUSEPORT group's members, found in /proc
 * and duplicated into hivemon with pidfd_getfd(2) so the group's
 * connection steering can be attached and detached from here.
 */
#ifndef HIVEMON_REBALANCE_REUSEPORT_H
#define HIVEMON_REBALANCE_REUSEPORT_H

#include <stddef.h>
#include <stdint.h>

#include "probes/collector.h"
#include "rebalance/group.h"

/*
 * For every member holding exactly one listening socket on @port (a
 * member holding several, like a master process that keeps all of them,
 * is left out), a duplicate of it with SO_REUSEPORT set. Returns how many
 * were found into @out (at most @max), or a negative errno.
 */
int reuseport_members(const struct group_state *s, uint16_t port, struct steer_member *out,
		      size_t max);
void reuseport_members_close(struct steer_member *m, size_t n);

#endif
