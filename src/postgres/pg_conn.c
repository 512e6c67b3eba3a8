// SPDX-License-Identifier: GPL-2.0
/* Opening short libpq connections and turning their errors into one line. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "postgres/pg_conn.h"
#include "postgres/pg_limits.h"

void pg_conn_error(PGconn *conn, char *err, size_t errlen)
{
	size_t len, out = 0;

	snprintf(err, errlen, "%s", conn ? PQerrorMessage(conn) : "out of memory");
	len = strlen(err);
	while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
		err[--len] = '\0';
	/* One line: newlines and tabs become one space each run. */
	for (size_t i = 0; i < len; i++) {
		bool space = err[i] == '\n' || err[i] == '\t' || err[i] == ' ';

		if (space && out && err[out - 1] == ' ')
			continue;
		err[out++] = space ? ' ' : err[i];
	}
	err[out] = '\0';
}

PGconn *pg_conn_open(const char *conninfo, char *err, size_t errlen)
{
	/* Later keywords win: the conninfo's own connect_timeout over ours. */
	const char *keys[] = {"connect_timeout", "dbname", NULL};
	const char *values[] = {PG_CONNECT_TIMEOUT, conninfo, NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);

	if (conn && PQstatus(conn) == CONNECTION_OK)
		return conn;
	pg_conn_error(conn, err, errlen);
	PQfinish(conn);
	return NULL;
}
