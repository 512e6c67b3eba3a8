/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local unix socket through which a running daemon hands its latest window
 * to `hivemon top`, so top does not load a second tracer. Root-only
 * permissions (0600).
 *
 * The message is the interval's snapshot in its lossless binary form
 * (core/snapshot_wire.h: histograms as buckets, so top's percentiles equal
 * the daemon's), followed by the firing alerts as a JSON array, then (when
 * the daemon rebalances groups) a versioned groups section.
 */
#ifndef HIVEMON_IPC_H
#define HIVEMON_IPC_H

#include <jansson.h>
#include <stddef.h>

#include "core/snapshot.h"
#include "util/textbuf.h"

#define IPC_DEFAULT_PATH "/run/hivemon/hivemon.sock"

struct ipc_server;

/* Binds @path (replacing a stale socket) and serves from its own thread. */
struct ipc_server *ipc_server_open(const char *path);
/* Makes the @len bytes at @msg (copied) what every next client receives. */
int ipc_server_publish(struct ipc_server *srv, const void *msg, size_t len);
void ipc_server_close(struct ipc_server *srv);

/* Reads the current message from a daemon into a malloc'ed buffer of *@len
 * bytes; NULL (errno set) when none runs, ENODATA when it has no window yet. */
void *ipc_fetch(const char *path, size_t *len);

/* The message of one interval: @snap, then the array @firing. 0 or -ENOMEM. */
int ipc_message_encode(const struct snapshot *snap, const json_t *firing, struct textbuf *out);
/* Fills @snap (initialised by the caller, who frees it on any result) and
 * *@firing (a new reference, an array) from a message. 0, -EPROTONOSUPPORT
 * from a daemon of another version, -EINVAL when malformed, -ENOMEM. */
int ipc_message_decode(const void *msg, size_t len, struct snapshot *snap, json_t **firing);
/* The same with the daemon's groups (the report's groups[]) appended in a
 * section of its own version; @groups NULL: none. Decoding sets *@groups
 * (when @groups is not NULL) to a new reference, or NULL when the message
 * has no groups section of this version. */
int ipc_message_encode_groups(const struct snapshot *snap, const json_t *firing,
			      const json_t *groups, struct textbuf *out);
int ipc_message_decode_groups(const void *msg, size_t len, struct snapshot *snap, json_t **firing,
			      json_t **groups);

#endif
