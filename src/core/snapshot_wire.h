/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A compact, lossless binary form of struct snapshot, for handing a window
 * from one hivemon process to another (the daemon to `hivemon top`):
 * histograms travel as their sparse buckets with exact count/sum/max/min,
 * so every percentile read from the copy equals the original's.
 *
 * Layout: the magic "HVSW", a little-endian u16 version, then the fields
 * in declaration order as LEB128 varints (signed ones zigzagged), strings
 * as length + bytes. The decoder bounds-checks every length and count: a
 * truncated or hostile message is rejected, never trusted.
 */
#ifndef HIVEMON_SNAPSHOT_WIRE_H
#define HIVEMON_SNAPSHOT_WIRE_H

#include <stddef.h>

#include "core/snapshot.h"
#include "util/textbuf.h"

#define SNAPSHOT_WIRE_VERSION 5 /* 5: a process's TCP sample ratio */

/* Appends the encoding of @s to @out; 0, or -ENOMEM (then @out->oom). */
int snapshot_encode(const struct snapshot *s, struct textbuf *out);

/*
 * Fills @s (initialised by the caller; freed by the caller on any result)
 * from the encoding at the start of @buf. *@used gets the bytes it took;
 * with @used NULL the encoding must fill all @len bytes. Returns 0,
 * -EPROTONOSUPPORT when @buf is not this format or another version of it,
 * -EINVAL when it is truncated or malformed, -ENOMEM.
 */
int snapshot_decode(const void *buf, size_t len, struct snapshot *s, size_t *used);

#endif
