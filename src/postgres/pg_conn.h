/* SPDX-License-Identifier: GPL-2.0 */
/* A short-lived libpq connection with a connect timeout, and its errors as one line. */
#ifndef HIVEMON_POSTGRES_PG_CONN_H
#define HIVEMON_POSTGRES_PG_CONN_H

#include <libpq-fe.h>
#include <stddef.h>

/* Connects to @conninfo (a connect_timeout of its own wins over ours);
 * NULL with the reason in @err. */
PGconn *pg_conn_open(const char *conninfo, char *err, size_t errlen);
/* libpq's last error of @conn on one line into @err. */
void pg_conn_error(PGconn *conn, char *err, size_t errlen);

#endif
