/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libpq requests whose every wait for the server is bounded: a server that
 * hangs (paused, or a network that drops packets without a reset) must not
 * hang the store's thread, nor the daemon's shutdown behind it. The socket
 * is polled with a deadline (this covers unix sockets, where TCP keepalives
 * do not apply), and a stop cuts the waits short.
 */
#ifndef HIVEMON_STORE_PG_IO_H
#define HIVEMON_STORE_PG_IO_H

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How long to wait for a server; shared by the writer and whoever stops it. */
struct pg_timer {
	int stop_fd;		  /* eventfd, readable once stopping */
	_Atomic uint64_t stop_at; /* CLOCK_MONOTONIC deadline of the stop; 0 = running */
	unsigned int io_ms;	  /* longest silence of a server at work */
	unsigned int stop_ms;	  /* longest silence once stopping */
};

/* What a request came to. */
struct pg_outcome {
	enum { PG_OK, PG_TIMEOUT, PG_LOST, PG_ERROR } status;
	char sqlstate[6];  /* PG_ERROR: the server's code, e.g. "22P02" */
	char message[256]; /* first line of the reason */
};

int pg_timer_init(struct pg_timer *t, unsigned int io_ms, unsigned int stop_ms);
/* From now on a wait ends at @deadline_ns, or after stop_ms of silence. */
void pg_timer_stop(struct pg_timer *t, uint64_t deadline_ns);
void pg_timer_free(struct pg_timer *t);

/* Connects with @keys/@vals (expand_dbname), in nonblocking mode; NULL with
 * the reason in @out. */
PGconn *pg_io_connect(const struct pg_timer *t, const char *const *keys, const char *const *vals,
		      struct pg_outcome *out);
/* Runs @sql (with $1.. @params when @nparams > 0, then one statement only);
 * the last result with rows goes to @rows (NULL: not wanted; PQclear it). */
int pg_io_exec(const struct pg_timer *t, PGconn *conn, const char *sql, int nparams,
	       const char *const *params, PGresult **rows, struct pg_outcome *out);

/* Yields the COPY text to send, piece by piece; NULL at the end. */
typedef const char *(*pg_copy_next)(void *ctx, size_t *len);
/* COPY ... FROM STDIN of what @next yields. A failure to send ends the COPY
 * with an error, so the server never takes part of it. */
int pg_io_copy(const struct pg_timer *t, PGconn *conn, const char *sql, pg_copy_next next,
	       void *ctx, struct pg_outcome *out);

#endif
