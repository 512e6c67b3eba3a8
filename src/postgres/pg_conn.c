// SPDX-License-Identifier: GPL-2.0
/* Opening short libpq connections and turning their errors into one line. */
#include <stdio.h>
#include <string.h>

#include "postgres/pg_conn.h"
#include "postgres/pg_limits.h"

void pg_conn_error(PGconn *conn, char *err, size_t errlen)
{
	char *nl;

	snprintf(err, errlen, "%s", conn ? PQerrorMessage(conn) : "out of memory");
	while ((nl = strchr(err, '\n'))) {
		if (!nl[1]) {
			*nl = '\0';
			break;
		}
		*nl = ' ';
	}
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
