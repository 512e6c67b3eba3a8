// SPDX-License-Identifier: GPL-2.0
/* History schema: versioned migrations, views and retention. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_pg_schema.h"

/* A batch is sent again within a run only while it is queued: a week covers
 * any outage the queue outlives. */
#define BATCH_MEMORY "interval '7 days'"

/*
 * The rebalancer's history: each [group]'s state per interval, and every
 * action applied with its evidence and measured effect (before/after per
 * member and for the group, as in groups[].actions[] of the report).
 */
static const char migration_groups[] =
	"CREATE TABLE hivemon.group_stats ("
	"  ts timestamptz NOT NULL," /* interval start */
	"  host text NOT NULL,"
	"  group_name text NOT NULL,"
	"  mode text NOT NULL," /* off|plan|apply */
	"  members integer NOT NULL,"
	"  imbalance_cv double precision," /* NULL before the first measured interval */
	"  max_load double precision,"	   /* busiest CPU, cores wanted */
	"  verdict text,"		   /* move|balanced */
	"  held integer NOT NULL DEFAULT 0,"
	"  steering boolean NOT NULL DEFAULT false,"
	"  moves_total bigint NOT NULL DEFAULT 0,"
	"  member_stats jsonb NOT NULL DEFAULT '[]');" /* groups[].members */
	"CREATE INDEX group_stats_ts ON hivemon.group_stats (ts);"
	"CREATE TABLE hivemon.group_actions ("
	"  ts timestamptz NOT NULL," /* when it was applied */
	"  host text NOT NULL,"
	"  group_name text NOT NULL,"
	"  action text NOT NULL," /* move|steering|scale-out|scale-in */
	"  description text NOT NULL,"
	"  evidence jsonb NOT NULL DEFAULT '{}',"
	"  effect jsonb);"
	"CREATE INDEX group_actions_ts ON hivemon.group_actions (ts);"
	/* Each action with the group's figures before and after it. */
	"CREATE VIEW hivemon.group_action_effects AS"
	"  SELECT ts, host, group_name, action, description,"
	"    round((effect #>> '{group,before,cpu_percent}')::numeric, 1) AS cpu_percent_before,"
	"    round((effect #>> '{group,after,cpu_percent}')::numeric, 1) AS cpu_percent_after,"
	"    round((effect #>> '{group,before,runq_p99_ns}')::numeric / 1e6, 3) AS "
	"runq_p99_ms_before,"
	"    round((effect #>> '{group,after,runq_p99_ns}')::numeric / 1e6, 3) AS "
	"runq_p99_ms_after,"
	"    round((effect #>> '{group,before,request_p99_ns}')::numeric / 1e6, 3)"
	"      AS request_p99_ms_before,"
	"    round((effect #>> '{group,after,request_p99_ns}')::numeric / 1e6, 3)"
	"      AS request_p99_ms_after"
	"  FROM hivemon.group_actions ORDER BY ts DESC;";

/* Migration N+1 is migrations[N]; never edit one that has shipped, add one. */
static const char *const migrations[] = {
	/* 1: per-interval process statistics, alert transitions, views. */
	"CREATE TABLE hivemon.process_stats ("
	"  ts timestamptz NOT NULL,"		  /* interval start */
	"  interval_s double precision NOT NULL," /* interval length */
	"  host text NOT NULL,"
	"  pid integer NOT NULL,"
	"  comm text NOT NULL,"
	"  cgroup text NOT NULL DEFAULT '',"
	"  metric text NOT NULL," /* DESIGN.md metric name, e.g. syscall.latency */
	"  labels jsonb NOT NULL DEFAULT '{}',"
	"  count bigint NOT NULL DEFAULT 0,"
	"  errors bigint NOT NULL DEFAULT 0,"
	"  sum_ns bigint, p50_ns bigint, p90_ns bigint, p99_ns bigint, max_ns bigint,"
	"  value double precision);" /* levels: cpu.usage (% of a core), mem.rss (bytes) */
	"CREATE INDEX process_stats_ts ON hivemon.process_stats (ts);"
	"CREATE INDEX process_stats_metric_ts ON hivemon.process_stats (metric, ts);"
	"CREATE TABLE hivemon.alerts ("
	"  ts timestamptz NOT NULL,"
	"  host text NOT NULL,"
	"  rule text NOT NULL,"
	"  severity text NOT NULL,"
	"  status text NOT NULL,"
	"  labels jsonb NOT NULL DEFAULT '{}',"
	"  value double precision,"
	"  threshold double precision);"
	"CREATE INDEX alerts_ts ON hivemon.alerts (ts);"
	/* Latency statistics of the last hour, worst interval p99 first. */
	"CREATE VIEW hivemon.slowest_last_hour AS"
	"  SELECT host, comm, pid, metric, labels,"
	"         sum(count)::bigint AS count,"
	"         round((max(p99_ns) / 1e6)::numeric, 3) AS worst_p99_ms,"
	"         round((max(max_ns) / 1e6)::numeric, 3) AS max_ms,"
	"         round((sum(sum_ns) / nullif(sum(count), 0) / 1e6)::numeric, 3) AS mean_ms"
	"  FROM hivemon.process_stats"
	"  WHERE ts > now() - interval '1 hour' AND p99_ns IS NOT NULL AND count > 0"
	"  GROUP BY host, comm, pid, metric, labels"
	"  ORDER BY max(p99_ns) DESC;"
	/* CPU of the last hour, busiest first. */
	"CREATE VIEW hivemon.busiest_last_hour AS"
	"  SELECT host, comm, pid,"
	"         round(avg(value)::numeric, 1) AS avg_cpu_percent,"
	"         round(max(value)::numeric, 1) AS max_cpu_percent"
	"  FROM hivemon.process_stats"
	"  WHERE metric = 'cpu.usage' AND ts > now() - interval '1 hour'"
	"  GROUP BY host, comm, pid"
	"  ORDER BY avg(value) DESC;"
	/* Every alert transition, newest first. An alert is one (host, rule,
	 * labels); resolved rows say how long it fired since it started. */
	"CREATE VIEW hivemon.alert_history AS"
	"  SELECT a.ts, a.host, a.rule, a.severity, a.status, a.labels, a.value, a.threshold,"
	"         CASE WHEN a.status = 'resolved' THEN a.ts - ("
	"           SELECT min(f.ts) FROM hivemon.alerts f"
	"           WHERE f.host = a.host AND f.rule = a.rule AND f.labels = a.labels"
	"             AND f.status = 'firing' AND f.ts <= a.ts"
	"             AND f.ts > coalesce((SELECT max(r.ts) FROM hivemon.alerts r"
	"               WHERE r.host = a.host AND r.rule = a.rule AND r.labels = a.labels"
	"                 AND r.status = 'resolved' AND r.ts < a.ts), '-infinity'))"
	"         END AS fired_for"
	"  FROM hivemon.alerts a"
	"  ORDER BY a.ts DESC;",
	/* 2: the batches already stored, so that a batch sent again after a
	 * COMMIT whose answer was lost (the server committed, the connection
	 * broke before it said so) is recognised and not stored twice. */
	"CREATE TABLE hivemon.stored_batches ("
	"  writer text NOT NULL," /* one writer (a daemon run), random */
	"  seq bigint NOT NULL,"  /* the writer's batch number */
	"  stored_at timestamptz NOT NULL DEFAULT now(),"
	"  PRIMARY KEY (writer, seq));"
	"CREATE INDEX stored_batches_stored_at ON hivemon.stored_batches (stored_at);",
	/* 3: the rebalancer's groups and actions. */
	migration_groups,
	/* 4: application protocols (store_pg_app.c): requests per shape and
	 * interval, one table for the three protocols and a view for each;
	 * the slow query log. Written to apply again harmlessly. */
	"CREATE TABLE IF NOT EXISTS hivemon.app_requests ("
	"  ts timestamptz NOT NULL,"
	"  interval_s double precision NOT NULL,"
	"  host text NOT NULL,"
	"  pid integer NOT NULL,"
	"  comm text NOT NULL,"
	"  service text NOT NULL DEFAULT '',"
	"  proto text NOT NULL," /* http, sql, redis */
	"  role text NOT NULL,"	 /* server: answered them; client: asked */
	"  method text,"	 /* HTTP method, Redis command */
	"  status text,"	 /* HTTP status class: 2xx ... 5xx */
	"  fingerprint bigint,"	 /* of the normalized text, as two's complement */
	"  text text,"		 /* HTTP route or normalized SQL */
	"  count bigint NOT NULL DEFAULT 0,"
	"  errors bigint NOT NULL DEFAULT 0," /* HTTP 5xx, PostgreSQL E, Redis -ERR */
	"  hits bigint, misses bigint,"	      /* Redis reads */
	"  sum_ns bigint, p50_ns bigint, p90_ns bigint, p99_ns bigint, max_ns bigint);"
	"CREATE INDEX IF NOT EXISTS app_requests_ts ON hivemon.app_requests (ts);"
	"CREATE INDEX IF NOT EXISTS app_requests_proto_ts ON hivemon.app_requests (proto, ts);"
	"CREATE TABLE IF NOT EXISTS hivemon.slow_queries ("
	"  ts timestamptz NOT NULL," /* when the statement ended */
	"  host text NOT NULL,"
	"  pid integer NOT NULL,"
	"  comm text NOT NULL,"
	"  service text NOT NULL DEFAULT '',"
	"  role text NOT NULL,"
	"  peer text NOT NULL," /* the other end, or 'unix' */
	"  fingerprint bigint,"
	"  query text NOT NULL,"
	"  latency_ns bigint NOT NULL);"
	"CREATE INDEX IF NOT EXISTS slow_queries_ts ON hivemon.slow_queries (ts);"
	"CREATE OR REPLACE VIEW hivemon.http_requests AS"
	"  SELECT ts, interval_s, host, pid, comm, service, role, method, text AS route, status,"
	"         count, errors, sum_ns, p50_ns, p90_ns, p99_ns, max_ns"
	"  FROM hivemon.app_requests WHERE proto = 'http';"
	"CREATE OR REPLACE VIEW hivemon.sql_queries AS"
	"  SELECT ts, interval_s, host, pid, comm, service, role, fingerprint, text AS query,"
	"         count, errors, sum_ns, p50_ns, p90_ns, p99_ns, max_ns"
	"  FROM hivemon.app_requests WHERE proto = 'sql';"
	"CREATE OR REPLACE VIEW hivemon.redis_commands AS"
	"  SELECT ts, interval_s, host, pid, comm, service, role, method AS command,"
	"         count, errors, hits, misses,"
	"         round(100.0 * hits / nullif(hits + misses, 0), 1) AS hit_ratio_percent,"
	"         sum_ns, p50_ns, p90_ns, p99_ns, max_ns"
	"  FROM hivemon.app_requests WHERE proto = 'redis';"
	/* Statements of the last hour by total time: what to optimise first. */
	"CREATE OR REPLACE VIEW hivemon.sql_top_last_hour AS"
	"  SELECT host, service, fingerprint, query,"
	"         sum(count)::bigint AS calls, sum(errors)::bigint AS errors,"
	"         round((sum(sum_ns) / 1e6)::numeric, 3) AS total_ms,"
	"         round((sum(sum_ns) / nullif(sum(count), 0) / 1e6)::numeric, 3) AS mean_ms,"
	"         round((max(p99_ns) / 1e6)::numeric, 3) AS worst_p99_ms"
	"  FROM hivemon.sql_queries"
	"  WHERE ts > now() - interval '1 hour'"
	"  GROUP BY host, service, fingerprint, query"
	"  ORDER BY sum(sum_ns) DESC NULLS LAST;",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int pg_schema_latest(void)
{
	return N_MIGRATIONS;
}

static int exec_ok(const struct pg_timer *t, PGconn *conn, const char *sql, char *err,
		   size_t errlen)
{
	struct pg_outcome out;

	if (!pg_io_exec(t, conn, sql, 0, NULL, NULL, &out))
		return 0;
	snprintf(err, errlen, "%s", out.message);
	return -1;
}

static int current_version(const struct pg_timer *t, PGconn *conn, char *err, size_t errlen)
{
	struct pg_outcome out;
	PGresult *res = NULL;
	int version = -1;

	if (pg_io_exec(t, conn, "SELECT coalesce(max(version), 0) FROM hivemon.schema_version", 0,
		       NULL, &res, &out))
		snprintf(err, errlen, "%s", out.message);
	else if (res && PQntuples(res) == 1)
		version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return version;
}

int pg_schema_migrate(const struct pg_timer *t, PGconn *conn, char *err, size_t errlen)
{
	char record[96], rollback_err[256];
	int version;

	if (exec_ok(t, conn, "SET client_min_messages = warning", err, errlen) ||
	    exec_ok(t, conn, "BEGIN", err, errlen))
		return -1;
	/* Hosts of a fleet start together against one database. */
	if (exec_ok(t, conn, "SELECT pg_advisory_xact_lock(hashtext('hivemon schema'))", err,
		    errlen) ||
	    exec_ok(t, conn,
		    "CREATE SCHEMA IF NOT EXISTS hivemon;"
		    "CREATE TABLE IF NOT EXISTS hivemon.schema_version ("
		    "  version integer PRIMARY KEY,"
		    "  applied_at timestamptz NOT NULL DEFAULT now())",
		    err, errlen))
		goto rollback;
	version = current_version(t, conn, err, errlen);
	if (version < 0)
		goto rollback;
	if (version > N_MIGRATIONS) {
		snprintf(err, errlen, "database schema version %d is newer than this hivemon (%d)",
			 version, N_MIGRATIONS);
		goto rollback;
	}
	for (; version < N_MIGRATIONS; version++) {
		snprintf(record, sizeof(record),
			 "INSERT INTO hivemon.schema_version (version) VALUES (%d)", version + 1);
		if (exec_ok(t, conn, migrations[version], err, errlen) ||
		    exec_ok(t, conn, record, err, errlen))
			goto rollback;
	}
	return exec_ok(t, conn, "COMMIT", err, errlen);
rollback:
	/* The first error is the one to report. */
	exec_ok(t, conn, "ROLLBACK", rollback_err, sizeof(rollback_err));
	return -1;
}

int pg_schema_retain(const struct pg_timer *t, PGconn *conn, unsigned int days, char *err,
		     size_t errlen)
{
	char sql[1024];

	if (exec_ok(t, conn,
		    "DELETE FROM hivemon.stored_batches WHERE stored_at < now() - " BATCH_MEMORY,
		    err, errlen))
		return -1;
	if (!days)
		return 0;
	snprintf(sql, sizeof(sql),
		 "DELETE FROM hivemon.process_stats WHERE ts < now() - make_interval(days => %u);"
		 "DELETE FROM hivemon.alerts WHERE ts < now() - make_interval(days => %u);"
		 "DELETE FROM hivemon.group_stats WHERE ts < now() - make_interval(days => %u);"
		 "DELETE FROM hivemon.group_actions WHERE ts < now() - make_interval(days => %u);"
		 "DELETE FROM hivemon.app_requests WHERE ts < now() - make_interval(days => %u);"
		 "DELETE FROM hivemon.slow_queries WHERE ts < now() - make_interval(days => %u)",
		 days, days, days, days, days, days);
	return exec_ok(t, conn, sql, err, errlen);
}
