// SPDX-License-Identifier: GPL-2.0
/* Bounded waits on a libpq connection: nonblocking mode, poll with deadlines. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/clock.h"
#include "store/store_pg_io.h"

#define NS_PER_MS  1000000ULL
#define COPY_PIECE (256 * 1024) /* bytes handed to libpq at a time */
#define CONNECT_MS 5000		/* silence tolerated while connecting */
#define ABORT_COPY "hivemon: the rows could not all be sent"

int pg_timer_init(struct pg_timer *t, unsigned int io_ms, unsigned int stop_ms)
{
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	atomic_store(&t->stop_at, 0);
	t->io_ms = io_ms;
	t->stop_ms = stop_ms;
	return t->stop_fd < 0 ? -errno : 0;
}

void pg_timer_stop(struct pg_timer *t, uint64_t deadline_ns)
{
	uint64_t one = 1;

	atomic_store(&t->stop_at, deadline_ns ? deadline_ns : 1);
	if (write(t->stop_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow from one write: nothing to do. */
	}
}

void pg_timer_free(struct pg_timer *t)
{
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	t->stop_fd = -1;
}

static void set_outcome(struct pg_outcome *out, int status, const char *sqlstate, const char *msg)
{
	size_t n = strcspn(msg ? msg : "", "\n");

	out->status = status;
	snprintf(out->sqlstate, sizeof(out->sqlstate), "%s", sqlstate ? sqlstate : "");
	if (n >= sizeof(out->message))
		n = sizeof(out->message) - 1;
	memcpy(out->message, msg ? msg : "", n);
	out->message[n] = '\0';
	if (!n)
		snprintf(out->message, sizeof(out->message), "unknown error");
}

static int lost(PGconn *conn, struct pg_outcome *out)
{
	set_outcome(out, PG_LOST, NULL, PQerrorMessage(conn));
	return -1;
}

static int timed_out(struct pg_outcome *out)
{
	set_outcome(out, PG_TIMEOUT, NULL, "no answer from the server in time");
	return -1;
}

/*
 * Waits until @sock is ready for @events. The server gets io_ms of silence
 * (stop_ms once stopping, and never past the stop's deadline). 0, or -1
 * when it has to be given up.
 */
static int wait_socket_ms(const struct pg_timer *t, int sock, short events, unsigned int ms)
{
	uint64_t now = mono_ns(), limit = now + ms * NS_PER_MS;
	bool stopping = false;

	if (sock < 0)
		return -1;
	for (;;) {
		struct pollfd fds[2] = {{.fd = sock, .events = events},
					{.fd = t->stop_fd, .events = POLLIN}};
		uint64_t stop_at = atomic_load(&t->stop_at);
		int n;

		if (stop_at && !stopping) {
			stopping = true;
			if (now + t->stop_ms * NS_PER_MS < limit)
				limit = now + t->stop_ms * NS_PER_MS;
			if (stop_at < limit)
				limit = stop_at;
		}
		if (now >= limit)
			return -1;
		n = poll(fds, stopping ? 1 : 2, (int)((limit - now + NS_PER_MS - 1) / NS_PER_MS));
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && fds[0].revents)
			return 0;
		now = mono_ns();
	}
}

static int wait_socket(const struct pg_timer *t, int sock, short events)
{
	return wait_socket_ms(t, sock, events, t->io_ms);
}

PGconn *pg_io_connect(const struct pg_timer *t, const char *const *keys, const char *const *vals,
		      struct pg_outcome *out)
{
	PGconn *conn = PQconnectStartParams(keys, vals, 1);
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	if (!conn) {
		set_outcome(out, PG_LOST, NULL, "out of memory");
		return NULL;
	}
	while (PQstatus(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
	       st != PGRES_POLLING_FAILED) {
		if (wait_socket_ms(t, PQsocket(conn),
				   st == PGRES_POLLING_READING ? POLLIN : POLLOUT, CONNECT_MS)) {
			timed_out(out);
			PQfinish(conn);
			return NULL;
		}
		st = PQconnectPoll(conn);
	}
	if (PQstatus(conn) != CONNECTION_OK || PQsetnonblocking(conn, 1)) {
		lost(conn, out);
		PQfinish(conn);
		return NULL;
	}
	set_outcome(out, PG_OK, NULL, "ok");
	return conn;
}

/* Sends what libpq holds; 0, or -1 with @out set. */
static int flush_out(const struct pg_timer *t, PGconn *conn, struct pg_outcome *out)
{
	int r;

	while ((r = PQflush(conn)) == 1) {
		/* The server may be waiting for us to read before it reads more. */
		if (wait_socket(t, PQsocket(conn), POLLIN | POLLOUT))
			return timed_out(out);
		if (!PQconsumeInput(conn))
			return lost(conn, out);
	}
	return r ? lost(conn, out) : 0;
}

/* The next result, waiting for it; *@res NULL at the end. 0, or -1. */
static int next_result(const struct pg_timer *t, PGconn *conn, PGresult **res,
		       struct pg_outcome *out)
{
	*res = NULL;
	while (PQisBusy(conn)) {
		if (wait_socket(t, PQsocket(conn), POLLIN))
			return timed_out(out);
		if (!PQconsumeInput(conn))
			return lost(conn, out);
	}
	*res = PQgetResult(conn);
	return 0;
}

/* Reads every result of the request sent; the first failure wins. */
static int collect(const struct pg_timer *t, PGconn *conn, PGresult **rows, struct pg_outcome *out)
{
	bool failed = false;
	PGresult *res;

	set_outcome(out, PG_OK, NULL, "ok");
	for (;;) {
		if (next_result(t, conn, &res, out))
			return -1;
		if (!res)
			break;
		switch (PQresultStatus(res)) {
		case PGRES_TUPLES_OK:
			if (rows && !failed) {
				PQclear(*rows);
				*rows = res;
				res = NULL;
			}
			break;
		case PGRES_COMMAND_OK:
		case PGRES_EMPTY_QUERY:
			break;
		default:
			if (!failed)
				set_outcome(out,
					    PQstatus(conn) == CONNECTION_OK ? PG_ERROR : PG_LOST,
					    PQresultErrorField(res, PG_DIAG_SQLSTATE),
					    PQresultErrorMessage(res));
			failed = true;
		}
		/* A COPY nobody sends data for never ends: give the connection up. */
		if (PQresultStatus(res) == PGRES_COPY_IN || PQresultStatus(res) == PGRES_COPY_OUT ||
		    PQresultStatus(res) == PGRES_COPY_BOTH) {
			PQclear(res);
			set_outcome(out, PG_LOST, NULL, "unexpected COPY");
			return -1;
		}
		PQclear(res);
	}
	return failed ? -1 : 0;
}

int pg_io_exec(const struct pg_timer *t, PGconn *conn, const char *sql, int nparams,
	       const char *const *params, PGresult **rows, struct pg_outcome *out)
{
	int sent = nparams ? PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0)
			   : PQsendQuery(conn, sql);

	if (rows)
		*rows = NULL;
	if (!sent)
		return lost(conn, out);
	if (flush_out(t, conn, out) || collect(t, conn, rows, out)) {
		if (rows) {
			PQclear(*rows);
			*rows = NULL;
		}
		return -1;
	}
	return 0;
}

/* Hands @len bytes to libpq, waiting while its buffer cannot take them. */
static int put_data(const struct pg_timer *t, PGconn *conn, const char *data, int len,
		    struct pg_outcome *out)
{
	int r;

	while ((r = PQputCopyData(conn, data, len)) == 0) {
		if (wait_socket(t, PQsocket(conn), POLLOUT))
			return timed_out(out);
		if (PQflush(conn) < 0)
			return lost(conn, out);
	}
	return r == 1 ? 0 : lost(conn, out);
}

/* Ends the COPY; with @error the server rolls all of it back. */
static int put_end(const struct pg_timer *t, PGconn *conn, const char *error,
		   struct pg_outcome *out)
{
	int r;

	while ((r = PQputCopyEnd(conn, error)) == 0)
		if (wait_socket(t, PQsocket(conn), POLLOUT))
			return timed_out(out);
	return r == 1 ? flush_out(t, conn, out) : lost(conn, out);
}

static int send_rows(const struct pg_timer *t, PGconn *conn, pg_copy_next next, void *ctx,
		     struct pg_outcome *out)
{
	const char *text;
	size_t len;

	while ((text = next(ctx, &len)))
		for (size_t off = 0; off < len; off += COPY_PIECE) {
			size_t n = len - off < COPY_PIECE ? len - off : COPY_PIECE;

			if (put_data(t, conn, text + off, (int)n, out))
				return -1;
		}
	return 0;
}

int pg_io_copy(const struct pg_timer *t, PGconn *conn, const char *sql, pg_copy_next next,
	       void *ctx, struct pg_outcome *out)
{
	struct pg_outcome ignored;
	PGresult *res;

	if (!PQsendQuery(conn, sql))
		return lost(conn, out);
	if (flush_out(t, conn, out) || next_result(t, conn, &res, out))
		return -1;
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		set_outcome(out, PQstatus(conn) == CONNECTION_OK ? PG_ERROR : PG_LOST,
			    PQresultErrorField(res, PG_DIAG_SQLSTATE), PQresultErrorMessage(res));
		PQclear(res);
		collect(t, conn, NULL, &ignored);
		return -1;
	}
	PQclear(res);
	if (send_rows(t, conn, next, ctx, out)) {
		/* Never PQputCopyEnd(conn, NULL) here: it would commit a part. */
		if (out->status != PG_TIMEOUT && !put_end(t, conn, ABORT_COPY, &ignored))
			collect(t, conn, NULL, &ignored);
		return -1;
	}
	if (put_end(t, conn, NULL, out))
		return -1;
	return collect(t, conn, NULL, out);
}
