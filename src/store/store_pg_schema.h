/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PostgreSQL schema of the history (schema "hivemon"): versioned
 * migrations applied at connect, views for the common questions, retention.
 */
#ifndef HIVEMON_STORE_PG_SCHEMA_H
#define HIVEMON_STORE_PG_SCHEMA_H

#include <libpq-fe.h>

#include "store/store_pg_io.h"

/* The version pg_schema_migrate() brings a database to. */
int pg_schema_latest(void);
/* Applies the missing migrations in one transaction, serialised across
 * hosts by an advisory lock. 0, or -1 with the server's message in @err. */
int pg_schema_migrate(const struct pg_timer *t, PGconn *conn, char *err, size_t errlen);
/* Deletes history older than @days (0 keeps everything), and the record of
 * stored batches older than a week. */
int pg_schema_retain(const struct pg_timer *t, PGconn *conn, unsigned int days, char *err,
		     size_t errlen);

#endif
