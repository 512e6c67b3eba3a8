/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection steering in a SO_REUSEPORT group (the tcp probe's
 * steer_select program, bpf/tcp.bpf.c): each new connection goes to the
 * member with fewer requests in flight of two picked at random, instead of
 * the kernel's hash. Attached to the group through one member's listening
 * socket; detached (back to the hash) by steer_stop.
 */
#ifndef HIVEMON_PROBES_STEER_H
#define HIVEMON_PROBES_STEER_H

#include <stddef.h>

#include "probes/collector.h"

struct tcp_bpf;

/* Fills the maps and attaches. 0, or a negative errno with nothing left
 * attached. */
int steer_start(struct tcp_bpf *skel, const struct steer_member *m, size_t n);
/* Detaches through @m[0]'s socket and clears the maps. */
void steer_stop(struct tcp_bpf *skel, const struct steer_member *m, size_t n);

#endif
