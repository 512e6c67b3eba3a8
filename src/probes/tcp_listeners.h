/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Listening TCP sockets, read from /proc/PID/net/tcp and tcp6 for every
 * network namespace a process lives in: the server ports of connections
 * that were opened before hivemon started.
 */
#ifndef HIVEMON_TCP_LISTENERS_H
#define HIVEMON_TCP_LISTENERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/types.h>

#include "bpf/hivemon.h"

/* Parses one line of /proc/net/tcp{,6} (@family AF_INET or AF_INET6) into
 * the local endpoint; true when the line is a socket in LISTEN state. */
bool tcp_listener_parse(const char *line, int family, struct tcp_ep *ep);

typedef int (*tcp_listener_fn)(const struct tcp_ep *ep, void *ctx);

/* Calls @fn for every listening socket in @f (a /proc/net/tcp{,6} table);
 * stops at the first non-zero return, which it returns. */
int tcp_listeners_read(FILE *f, int family, tcp_listener_fn fn, void *ctx);

typedef int (*tcp_netns_listener_fn)(uint32_t netns, const struct tcp_ep *ep, void *ctx);

/* Calls @fn for every listening socket of every network namespace that a
 * process under @proc (normally "/proc") is in, reading each namespace
 * once; @fn gets the namespace's inode number. Stops at the first non-zero
 * return of @fn, which it returns; a negative errno on other failures. */
int tcp_listeners_scan(const char *proc, tcp_netns_listener_fn fn, void *ctx);

#endif
