// SPDX-License-Identifier: GPL-2.0
/* default_pool_size through the PgBouncer admin console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres/pg_bouncer.h"
#include "postgres/pg_conn.h"

/* SHOW CONFIG rows are (key, value, default, changeable). */
static int find_pool_size(PGresult *res, unsigned int *size)
{
	for (int i = 0; i < PQntuples(res); i++)
		if (!strcmp(PQgetvalue(res, i, 0), "default_pool_size")) {
			*size = (unsigned int)strtoul(PQgetvalue(res, i, 1), NULL, 10);
			return 0;
		}
	return -1;
}

int pgbouncer_pool_size(const char *conninfo, unsigned int *size, char *err, size_t errlen)
{
	PGconn *conn = pg_conn_open(conninfo, err, errlen);
	PGresult *res;
	int rc = -1;

	if (!conn)
		return -1;
	res = PQexec(conn, "SHOW CONFIG");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		pg_conn_error(conn, err, errlen);
	else if (!(rc = find_pool_size(res, size)) && !*size)
		rc = -1;
	if (rc && PQresultStatus(res) == PGRES_TUPLES_OK)
		snprintf(err, errlen,
			 "SHOW CONFIG has no default_pool_size: not a PgBouncer "
			 "admin console?");
	PQclear(res);
	PQfinish(conn);
	return rc;
}

int pgbouncer_set_pool_size(const char *conninfo, unsigned int size, char *err, size_t errlen)
{
	PGconn *conn = pg_conn_open(conninfo, err, errlen);
	char sql[64];
	PGresult *res;
	int rc = -1;

	if (!conn)
		return -1;
	snprintf(sql, sizeof(sql), "SET default_pool_size = %u", size);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
		rc = 0;
	else
		pg_conn_error(conn, err, errlen);
	PQclear(res);
	PQfinish(conn);
	return rc;
}
