/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: postgres. Read-only questions to a PostgreSQL the config names
 * ([postgres "NAME"] conninfo): index advice from EXPLAIN plans. Includes
 * analysis, core and util, and libpq; never BPF.
 *
 * Index advice: a statement is planned, never run. It is prepared (one
 * statement only: the server refuses more) inside a READ ONLY transaction
 * with SET LOCAL statement_timeout = '2s', explained with EXPLAIN (FORMAT
 * JSON, VERBOSE) -- never ANALYZE -- under a generic plan, so text with
 * literals (simple protocol) and normalized text with $n placeholders both
 * work, and rolled back. A Seq Scan with a Filter on a table the planner
 * thinks has more than min_rows rows is worth an index on the filter's
 * columns.
 */
#ifndef HIVEMON_POSTGRES_EXPLAIN_H
#define HIVEMON_POSTGRES_EXPLAIN_H

#include <stddef.h>

/* Tables smaller than this are read whole faster than through an index. */
#define ADVICE_MIN_ROWS 10000.0

struct index_advice {
	char table[64];	     /* "users", or "schema.users" outside public */
	char columns[128];   /* "email", "age, email" */
	double rows_scanned; /* the planner's estimate of the table's rows */
	/* "Seq Scan on users (~100000 rows) filtered by (users.email = $1::text)":
	 * the filter normalized, no literal of the statement in it */
	char reason[160];
};

/*
 * Runs EXPLAIN on @sql (one SELECT, with literals or $n placeholders) on the
 * database of @conninfo. When the plan has a Seq Scan with a Filter on a
 * table of more than @min_rows estimated rows, fills @advice (the filter's
 * column names; the largest such table) and returns 1; 0 = no advice;
 * -1 = error, a one-line message in @err (not a single SELECT, cannot
 * connect, the server's error).
 */
int explain_advice(const char *conninfo, const char *sql, double min_rows,
		   struct index_advice *advice, char *err, size_t errlen);

/* A connection kept for several statements (the same checks each time). */
struct pg_advisor;

/* NULL with a message in @err when the database cannot be reached. */
struct pg_advisor *pg_advisor_open(const char *conninfo, char *err, size_t errlen);
/* As explain_advice(); -2 when the connection was lost (then close it). */
int pg_advisor_explain(struct pg_advisor *a, const char *sql, double min_rows,
		       struct index_advice *advice, char *err, size_t errlen);
void pg_advisor_close(struct pg_advisor *a);

#endif
