#!/usr/bin/env bats
# Index advice (src/postgres) against a real, temporary PostgreSQL: a table
# of 100000 rows filtered by a column without an index gets an index on that
# column, an indexed one gets none, statements that would write are refused
# and change nothing, a server that is not there is one clear error. The
# checks run in build/unit/test_pg_advice, on the tables made here. Then
# the product: `hivemon report --postgres` and the daemon's [postgres].

bats_require_minimum_version 1.5.0

load helpers
load pg_helper
load export_helper

advice_bin() {
	echo "$(dirname "$HIVEMON")/unit/test_pg_advice"
}

setup_file() {
	make -s -C "$ROOT" BUILD="$(dirname "$HIVEMON")" "$(advice_bin)" >/dev/null
	PG_DIR=$(mktemp -d /tmp/hivemon-advice.XXXXXX)
	export PG_DIR
	pg_init
	pg_start
	pg_sql "CREATE TABLE users (id int PRIMARY KEY, email text, age int);
		INSERT INTO users SELECT g, 'u' || g || '@example.com', g % 90
		  FROM generate_series(1, 100000) g;
		CREATE TABLE items (id int, sku text);
		INSERT INTO items SELECT g, 'sku-' || g FROM generate_series(1, 100000) g;
		CREATE INDEX ON items (sku);
		CREATE TABLE tiny (v int);
		INSERT INTO tiny SELECT generate_series(1, 100);
		CREATE SEQUENCE ticket;
		ANALYZE"
	# A server that is not there: a socket directory nobody listens in.
	ADVICE_DEAD_CONNINFO="host=$PG_DIR/nobody port=$(pg_free_port) user=postgres connect_timeout=2"
	export ADVICE_DEAD_CONNINFO
}

teardown_file() {
	pg_stop
	rm -rf "$PG_DIR"
}

teardown() {
	stop_daemon
	[ -z "${LOOP_PID:-}" ] || kill "$LOOP_PID" 2>/dev/null || true
	# A failed test must not leave the server stopped for the next one.
	[ ! -f "$PG_DIR/data/postmaster.pid" ] || pg_resume 2>/dev/null || true
}

run_advice() {
	ADVICE_CONNINFO="$PG_CONNINFO" ADVICE_TEST="$1" run "$(advice_bin)"
	echo "$output"
	assert_success
	assert_output --partial "[  PASSED  ] 1 test(s)."
	refute_output --partial "SKIPPED"
}

# What the data looks like before and after: any write would change it.
fingerprint() {
	pg_sql "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT sum(age) FROM users) || ' ' ||
		(SELECT count(*) FROM items) || ' ' || (SELECT last_value || '/' || is_called
		FROM ticket) || ' ' || (SELECT count(*) FROM pg_class WHERE relname = 'users_copy')"
}

@test "a filter on an unindexed column of 100000 rows: an index on that column" {
	run_advice test_unindexed_column
}

@test "an indexed column, a small table, no filter: no advice" {
	run_advice test_no_advice
}

@test "statements that write are refused, and nothing changes" {
	before=$(fingerprint)
	echo "before: $before"
	[ "$before" = "100000 4449610 100000 1/false 0" ]
	run_advice test_refuses_writes
	[ "$(fingerprint)" = "$before" ]
}

@test "a SELECT calling nextval() is planned, never run: the sequence stays" {
	before=$(fingerprint)
	run_advice test_never_runs
	[ "$(fingerprint)" = "$before" ]
	# Nothing is left behind in the server either.
	[ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hivemon-advice'")" = 0 ]
}

@test "a missing table and a server that is not there: one clear error each" {
	run_advice test_server_errors
}

@test "a slow-query finding gets the advice of its statements" {
	run_advice test_findings_get_advice
}

@test "planning that waits for a lock is cancelled by the 2 s statement_timeout" {
	PGAPPNAME=advice-locker psql "$PG_CONNINFO" -X -q -c "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE;
		SELECT pg_sleep(6); COMMIT" >/dev/null &
	LOCKER=$!
	# The lock is held before the advice asks.
	for _ in $(seq 100); do
		[ "$(pg_sql "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock'
			AND relation = 'users'::regclass AND granted")" = 1 ] && break
		sleep 0.05
	done
	run_advice test_statement_timeout
	pg_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'advice-locker'" >/dev/null
	wait "$LOCKER" || true
}

@test "a server that stopped answering: given up after the connect timeout" {
	pg_pause
	ADVICE_CONNINFO="$PG_CONNINFO" ADVICE_TEST=test_server_hung run "$(advice_bin)"
	pg_resume
	echo "$output"
	assert_success
	assert_output --partial "[  PASSED  ] 1 test(s)."
}

# The statement the product tests below run: a filter on users.email, which
# has no index (a Seq Scan of 100000 rows, ~10 ms, over --slow-query 2ms).
EMAIL_Q="SELECT * FROM users WHERE email = 'u77@example.com'"

# report_psql ARGS...: `hivemon report ARGS -- psql` running EMAIL_Q twice.
report_psql() {
	run --separate-stderr "$HIVEMON" report --probes proto --slow-query 2ms "$@" -- \
		psql "$PG_CONNINFO" -X -q -o /dev/null -c "$EMAIL_Q" -c "$EMAIL_Q"
	echo "$output"
	echo "stderr: $stderr"
	assert_success
}

@test "report --postgres: the slow statement's finding names the missing index, json and text" {
	report_psql --postgres "$PG_CONNINFO" --format json
	[ -z "$stderr" ]
	# The server's and the client's slow-query findings, both advised; 2 calls each.
	run jq -r '[.findings[] | select(.kind == "slow-query"
		and (.queries[0].query == "SELECT * FROM users WHERE email = $1"))
		| "\(.service) \(.queries[0].calls) \(.recommendation | contains("; index advice: CREATE INDEX ON users (email) -- Seq Scan on users"))"]
		| sort | join(",")' <<<"$output"
	assert_output "postgres 2 true,psql 2 true"
	report_psql --postgres "$PG_CONNINFO"
	[ -z "$stderr" ]
	[ "$(grep -c -- '-> read the plans.*; index advice: CREATE INDEX ON users (email) -- ' <<<"$output")" = 2 ]
	# Without --postgres, no advice; without --slow-query, 10 ms is not slow.
	report_psql --format json
	run jq '[.findings[] | select(.kind == "slow-query")] | (length == 2) and all(.recommendation | contains("index advice") | not)' <<<"$output"
	assert_output true
	run --separate-stderr "$HIVEMON" report --probes proto --format json -- \
		psql "$PG_CONNINFO" -X -q -o /dev/null -c "$EMAIL_Q"
	assert_success
	run jq '[.findings[] | select(.kind == "slow-query")] | length' <<<"$output"
	assert_output 0
}

@test "report --postgres, database down: one warning line, the report still printed" {
	report_psql --postgres "$ADVICE_DEAD_CONNINFO" --format json
	[ "$(wc -l <<<"$stderr")" = 1 ]
	[[ "$stderr" == "hivemon: warning: no index advice: cannot connect to PostgreSQL: "* ]]
	run jq -r '[.findings[] | select(.kind == "slow-query") | .recommendation | contains("index advice")] | "\(length) \(any)"' <<<"$output"
	assert_output "2 false"
	run "$HIVEMON" report --postgres '' -- true
	assert_failure 2
	run "$HIVEMON" report --slow-query 0.5ms -- true
	assert_failure 2
	assert_output "hivemon: invalid --slow-query '0.5ms': expected a duration from 1ms to 1h"
}

@test "the daemon with [postgres]: /api/v1/report's slow-query findings carry the advice" {
	local port conf
	port=$(free_port)
	conf="$BATS_TEST_TMPDIR/hivemon.conf"
	cat >"$conf" <<-CONF
		[agent]
		interval = 1s
		state_dir = $BATS_TEST_TMPDIR/state
		socket = $BATS_TEST_TMPDIR/hivemon.sock
		probes = proto
		slow_query = 2ms
		filter.comm = postgres
		[export]
		listen = 127.0.0.1:$port
		[postgres "main"]
		conninfo = $PG_CONNINFO
	CONF
	start_daemon "$conf"
	# The statement every 200 ms; the server's backends run it.
	(for _ in $(seq 100); do
		psql "$PG_CONNINFO" -X -q -o /dev/null -c "$EMAIL_Q"
		sleep 0.2
	done) &
	LOOP_PID=$!
	# Held 3 intervals, then advised: within a few intervals.
	wait_until 12 eval "curl -sf http://127.0.0.1:$port/api/v1/report |
		jq -e '[.findings[] | select(.kind == \"slow-query\" and .service == \"postgres\")
		| .recommendation | contains(\"; index advice: CREATE INDEX ON users (email) -- \")] | any' >/dev/null"
	kill "$LOOP_PID"
	LOOP_PID=
	# The database was there all along: no failure logged.
	run grep -c "index advice" "$DAEMON_ERR"
	assert_output 0
}
