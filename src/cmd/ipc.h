/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local unix socket through which a running daemon hands its latest window
 * (hivemon.report/v1 JSON plus an "alerts" array) to `hivemon top`, so top
 * does not load a second tracer. Root-only permissions (0600).
 */
#ifndef HIVEMON_IPC_H
#define HIVEMON_IPC_H

#define IPC_DEFAULT_PATH "/run/hivemon/hivemon.sock"

struct ipc_server;

/* Binds @path (replacing a stale socket) and serves from its own thread. */
struct ipc_server *ipc_server_open(const char *path);
/* Makes @json (copied) the document every next client receives. */
int ipc_server_publish(struct ipc_server *srv, const char *json);
void ipc_server_close(struct ipc_server *srv);

/* Reads the current document from a daemon; NULL (errno set) when none runs. */
char *ipc_fetch(const char *path);

#endif
