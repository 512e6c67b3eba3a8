// SPDX-License-Identifier: GPL-2.0
/* Index advice from EXPLAIN on a live PostgreSQL (explain.h). */
#include "postgres/explain.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app_text.h"
#include "postgres/plan.h"
#include "util/clock.h"

/* The client's patience per statement: the server stops itself at 2 s
 * (statement_timeout); this is for a server that stopped answering. */
#define ANSWER_TIMEOUT_MS 5000
#define MAX_SCANS	  8
/* Placeholders bound (as NULL) at most: more is not a statement to advise. */
#define MAX_PARAMS 1000

struct pg_advisor {
	PGconn *conn;
};

/* @msg's first line, without libpq's "ERROR:  " prefix, after @prefix. */
static void set_err(char *err, size_t errlen, const char *prefix, const char *msg)
{
	size_t k;

	if (!err || !errlen)
		return;
	msg = msg ? msg : "";
	if (!strncmp(msg, "ERROR:  ", 8))
		msg += 8;
	k = strcspn(msg, "\n");
	snprintf(err, errlen, "%s%.*s", prefix, (int)k, msg);
}

struct pg_advisor *pg_advisor_open(const char *conninfo, char *err, size_t errlen)
{
	/* The conninfo comes last: what it says wins over these defaults. */
	const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *vals[] = {"5", "hivemon-advice", conninfo ? conninfo : "", NULL};
	struct pg_advisor *a = calloc(1, sizeof(*a));

	if (!a) {
		set_err(err, errlen, "", "out of memory");
		return NULL;
	}
	a->conn = PQconnectdbParams(keys, vals, 1);
	if (!a->conn || PQstatus(a->conn) != CONNECTION_OK) {
		set_err(err, errlen, "cannot connect to PostgreSQL: ",
			a->conn ? PQerrorMessage(a->conn) : "out of memory");
		pg_advisor_close(a);
		return NULL;
	}
	return a;
}

void pg_advisor_close(struct pg_advisor *a)
{
	if (!a)
		return;
	PQfinish(a->conn);
	free(a);
}

/* Waits for the answer of what was sent, at most ANSWER_TIMEOUT_MS. */
static bool wait_answer(PGconn *c)
{
	uint64_t deadline = mono_ns() + ANSWER_TIMEOUT_MS * 1000000ULL;

	while (PQisBusy(c)) {
		struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
		uint64_t now = mono_ns();
		int r;

		if (now >= deadline)
			return false;
		r = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
		if (r < 0 && errno != EINTR)
			return false;
		if (r > 0 && !PQconsumeInput(c))
			return false;
	}
	return true;
}

/*
 * One statement by the extended protocol (so one statement only, whatever
 * @sql holds). Its result on success; NULL with @err set on failure, and
 * *@lost when the connection is no longer usable.
 */
static PGresult *run(PGconn *c, const char *sql, bool *lost, char *err, size_t errlen)
{
	PGresult *res, *next;

	if (!PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0)) {
		*lost = true;
		set_err(err, errlen, "PostgreSQL: ", PQerrorMessage(c));
		return NULL;
	}
	if (!wait_answer(c)) {
		*lost = true;
		set_err(err, errlen, "",
			PQstatus(c) == CONNECTION_OK ? "PostgreSQL did not answer within 5s"
						     : PQerrorMessage(c));
		return NULL;
	}
	res = PQgetResult(c);
	while ((next = PQgetResult(c)))
		PQclear(next);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	*lost = PQstatus(c) != CONNECTION_OK;
	set_err(err, errlen, "PostgreSQL: ", res ? PQresultErrorMessage(res) : PQerrorMessage(c));
	PQclear(res);
	return NULL;
}

static bool run_ok(PGconn *c, const char *sql, bool *lost, char *err, size_t errlen)
{
	PGresult *res = run(c, sql, lost, err, errlen);

	PQclear(res);
	return res != NULL;
}

/* The JSON text of EXPLAIN @sql (malloc'd), or NULL. */
static char *explain_json(PGconn *c, const char *sql, bool *lost, char *err, size_t errlen)
{
	PGresult *res = run(c, sql, lost, err, errlen);
	char *json = NULL;

	if (res && PQntuples(res) == 1 && PQnfields(res) == 1)
		json = strdup(PQgetvalue(res, 0, 0));
	else if (res)
		set_err(err, errlen, "", "EXPLAIN gave no plan");
	PQclear(res);
	return json;
}

/* "EXECUTE hivemon_advice(NULL, NULL)" for @n placeholders; NULL on ENOMEM. */
static char *execute_text(unsigned long n)
{
	size_t len = 64 + 6 * n;
	char *s = malloc(len);
	size_t used;

	if (!s)
		return NULL;
	used = (size_t)snprintf(s, len, "EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE hivemon_advice");
	for (unsigned long i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, len - used, "%sNULL", i ? ", " : "(");
	if (n)
		snprintf(s + used, len - used, ")");
	return s;
}

/* The planner's estimate of the rows of @scan's table (-1 if unknown). */
static double table_rows(PGconn *c, const struct plan_scan *scan, bool *lost)
{
	char *schema =
		scan->schema[0] ? PQescapeIdentifier(c, scan->schema, strlen(scan->schema)) : NULL;
	char *rel = PQescapeIdentifier(c, scan->relation, strlen(scan->relation));
	char *sql = NULL, *json = NULL, ignored[8];
	double rows = -1;

	if (rel && asprintf(&sql, "EXPLAIN (FORMAT JSON) SELECT 1 FROM ONLY %s%s%s",
			    schema ? schema : "", schema ? "." : "", rel) >= 0) {
		json = explain_json(c, sql, lost, ignored, sizeof(ignored));
		rows = json ? plan_top_rows(json) : -1;
	}
	free(json);
	free(sql);
	PQfreemem(rel);
	PQfreemem(schema);
	return rows;
}

static void fill_advice(struct index_advice *adv, const struct plan_scan *scan, double rows,
			const char *columns)
{
	bool public = !scan->schema[0] || !strcmp(scan->schema, "public");
	char filter[sizeof(adv->reason)];
	size_t used, k;

	/* The filter holds the statement's literals (user data): they are
	 * left out, as everywhere else hivemon shows statements. */
	sql_normalize(scan->filter, sizeof(scan->filter), filter, sizeof(filter));

	snprintf(adv->table, sizeof(adv->table), "%s%s%s", public ? "" : scan->schema,
		 public ? "" : ".", scan->relation);
	snprintf(adv->columns, sizeof(adv->columns), "%s", columns);
	adv->rows_scanned = rows;
	snprintf(adv->reason, sizeof(adv->reason), "Seq Scan on %s (~%.0f rows) filtered by ",
		 adv->table, rows);
	/* Cut to fit: the columns are in @columns whole. */
	used = strlen(adv->reason);
	k = strlen(filter);
	k = k < sizeof(adv->reason) - 1 - used ? k : sizeof(adv->reason) - 1 - used;
	memcpy(adv->reason + used, filter, k);
	adv->reason[used + k] = '\0';
}

/* The largest filtered scan of plan @json over @min_rows: 1 and @adv, or 0. */
static int judge_plan(PGconn *c, const char *json, double min_rows, struct index_advice *adv,
		      bool *lost)
{
	struct plan_scan scans[MAX_SCANS];
	int n = plan_filtered_scans(json, scans, MAX_SCANS), found = 0;

	for (int i = 0; i < n && !*lost; i++) {
		char columns[sizeof(adv->columns)];
		double rows;

		if (!filter_columns(scans[i].filter, columns, sizeof(columns)))
			continue;
		rows = table_rows(c, &scans[i], lost);
		if (rows > min_rows && rows > adv->rows_scanned) {
			fill_advice(adv, &scans[i], rows, columns);
			found = 1;
		}
	}
	return found;
}

int pg_advisor_explain(struct pg_advisor *a, const char *sql, double min_rows,
		       struct index_advice *advice, char *err, size_t errlen)
{
	unsigned long params = sql ? sql_max_placeholder(sql, strlen(sql)) : 0;
	char why[64], *prepare = NULL, *execute = NULL, *json = NULL;
	bool lost = false;
	int ret = -1;

	memset(advice, 0, sizeof(*advice));
	if (err && errlen)
		err[0] = '\0';
	if (!sql_is_single_select(sql, why, sizeof(why))) {
		set_err(err, errlen, "no advice: not a single SELECT statement: ", why);
		return -1;
	}
	if (params > MAX_PARAMS) {
		set_err(err, errlen, "no advice: ", "too many placeholders");
		return -1;
	}
	if (asprintf(&prepare, "PREPARE hivemon_advice AS %s", sql) < 0 ||
	    !(execute = execute_text(params))) {
		set_err(err, errlen, "", "out of memory");
		free(execute);
		return -1;
	}
	if (run_ok(a->conn, "BEGIN READ ONLY", &lost, err, errlen) &&
	    run_ok(a->conn, "SET LOCAL statement_timeout = '2s'", &lost, err, errlen) &&
	    run_ok(a->conn, "SET LOCAL plan_cache_mode = force_generic_plan", &lost, err, errlen) &&
	    run_ok(a->conn, prepare, &lost, err, errlen) &&
	    (json = explain_json(a->conn, execute, &lost, err, errlen)))
		ret = judge_plan(a->conn, json, min_rows, advice, &lost);
	if (!lost) {
		char ignored[8];

		run_ok(a->conn, "ROLLBACK", &lost, ignored, sizeof(ignored));
		run_ok(a->conn, "DEALLOCATE ALL", &lost, ignored, sizeof(ignored));
	}
	free(json);
	free(execute);
	free(prepare);
	return lost && ret < 0 ? -2 : ret;
}

int explain_advice(const char *conninfo, const char *sql, double min_rows,
		   struct index_advice *advice, char *err, size_t errlen)
{
	struct pg_advisor *a;
	int ret;

	memset(advice, 0, sizeof(*advice));
	if (!sql_is_single_select(sql, NULL, 0))
		return pg_advisor_explain(NULL, sql, min_rows, advice, err, errlen);
	a = pg_advisor_open(conninfo, err, errlen);
	if (!a)
		return -1;
	ret = pg_advisor_explain(a, sql, min_rows, advice, err, errlen);
	pg_advisor_close(a);
	return ret < 0 ? -1 : ret;
}
