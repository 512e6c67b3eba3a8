// SPDX-License-Identifier: GPL-2.0
/* max_connections, reserved slots and pg_stat_activity states of a server. */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres/pg_conn.h"
#include "postgres/pg_limits.h"

static const char limits_sql[] =
	"SELECT current_setting('max_connections')::int,"
	" current_setting('superuser_reserved_connections')::int,"
	" count(*) FILTER (WHERE state = 'active'),"
	" count(*) FILTER (WHERE state = 'idle'),"
	" count(*) FILTER (WHERE state LIKE 'idle in transaction%'),"
	" count(*) FILTER (WHERE state IS NULL OR state NOT IN ('active', 'idle')"
	"  AND state NOT LIKE 'idle in transaction%')"
	" FROM pg_stat_activity WHERE backend_type = 'client backend'"
	" AND pid <> pg_backend_pid()";

int pg_limits_read(const char *conninfo, struct pg_limits *out, char *err, size_t errlen)
{
	PGconn *conn = pg_conn_open(conninfo, err, errlen);
	PGresult *res;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!conn)
		return -1;
	res = PQexec(conn, limits_sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		out->max_connections = atoi(PQgetvalue(res, 0, 0));
		out->superuser_reserved = atoi(PQgetvalue(res, 0, 1));
		out->active = atoi(PQgetvalue(res, 0, 2));
		out->idle = atoi(PQgetvalue(res, 0, 3));
		out->idle_in_transaction = atoi(PQgetvalue(res, 0, 4));
		out->other = atoi(PQgetvalue(res, 0, 5));
		snprintf(out->host, sizeof(out->host), "%s", PQhost(conn) ? PQhost(conn) : "");
		out->port = (unsigned int)atoi(PQport(conn) ? PQport(conn) : "0");
		rc = 0;
	} else {
		pg_conn_error(conn, err, errlen);
	}
	PQclear(res);
	PQfinish(conn);
	return rc;
}

int pg_limits_clients(const struct pg_limits *l)
{
	return l->active + l->idle + l->idle_in_transaction + l->other;
}

int pg_limits_allowed(const struct pg_limits *l)
{
	int n = l->max_connections - l->superuser_reserved;

	return n > 0 ? n : 0;
}

static bool loopback(const struct endpoint *ep)
{
	static const uint8_t v6[16] = {[15] = 1};

	return ep->family == AF_INET ? ep->addr[0] == 127 : !memcmp(ep->addr, v6, 16);
}

bool pg_limits_serves(const struct pg_limits *l, const struct endpoint *ep)
{
	struct endpoint host = {0};

	if (ep->port != l->port)
		return false;
	if (l->host[0] == '/' || !strcmp(l->host, "localhost"))
		return loopback(ep);
	if (inet_pton(AF_INET, l->host, host.addr) == 1)
		return ep->family == AF_INET && !memcmp(ep->addr, host.addr, 4);
	if (inet_pton(AF_INET6, l->host, host.addr) == 1)
		return ep->family == AF_INET6 && !memcmp(ep->addr, host.addr, 16);
	return false;
}
