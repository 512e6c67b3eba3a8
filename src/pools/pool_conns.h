/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: pools. Connection pools of client services, measured, judged
 * (core/pool_tune.h) and, where the config allows it, resized through
 * PgBouncer (postgres/pg_bouncer.h). Reads snapshots, /proc and sock_diag;
 * no BPF.
 *
 * Open connections of a pool, counted from userspace: one sock_diag
 * (NETLINK_SOCK_DIAG, INET_DIAG) dump of the established TCP sockets whose
 * remote end is the pool's endpoint, matched to the client's processes by
 * socket inode through /proc/PID/fd. Only the pool's own processes are
 * scanned, so the work is bounded by their open files.
 */
#ifndef HIVEMON_POOLS_POOL_CONNS_H
#define HIVEMON_POOLS_POOL_CONNS_H

#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

/* Established TCP connections from @pids to @remote; a negative errno when
 * the dump fails. */
int pool_conns_count(const struct endpoint *remote, const uint32_t *pids, size_t n_pids);

/* "127.0.0.1:5432", "[::1]:5432", "localhost:5432" into @ep; 0 or -EINVAL. */
int pool_endpoint_parse(const char *text, struct endpoint *ep);

#endif
