/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: postgres. Read-only conversations with PostgreSQL servers and the
 * PgBouncer admin console (libpq), for consumers that act on what they
 * learn (pool sizes). Includes core and util.
 *
 * A server's connection budget: max_connections, the slots reserved for
 * superusers, and its client backends by state (pg_stat_activity), read
 * in one query on a short-lived connection.
 */
#ifndef HIVEMON_POSTGRES_PG_LIMITS_H
#define HIVEMON_POSTGRES_PG_LIMITS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/snapshot.h"

#define PG_CONNECT_TIMEOUT "3" /* seconds */

struct pg_limits {
	int max_connections;
	int superuser_reserved;
	/* Client backends other than ours, by state. */
	int active, idle, idle_in_transaction, other;
	/* Where the connection went: a host name, an address or a socket
	 * directory, and the port. */
	char host[256];
	unsigned int port;
};

/* Reads @conninfo's limits; 0, or -1 with the reason in @err. */
int pg_limits_read(const char *conninfo, struct pg_limits *out, char *err, size_t errlen);
/* Client backends the server has now (all states). */
int pg_limits_clients(const struct pg_limits *l);
/* Connections ordinary users may open: max - reserved. */
int pg_limits_allowed(const struct pg_limits *l);
/* Whether connections to @ep reach this server: same port, and the same
 * address (a socket directory or "localhost" stands for loopback). */
bool pg_limits_serves(const struct pg_limits *l, const struct endpoint *ep);

#endif
