#!/usr/bin/env bats
# PostgreSQL history of `hivemon run` against a real, temporary PostgreSQL
# cluster (Debian's initdb/pg_ctl as the postgres user, unix socket in a
# temporary directory): schema, rows of workloads with known call counts,
# rows of a database outage arriving afterwards, alert transitions, retention.

load helpers
load export_helper
load pg_helper

setup_file() {
	PG_DIR=$(mktemp -d /tmp/hivemon-pgtest.XXXXXX)
	export PG_DIR
	pg_init
	pg_start
}

teardown_file() {
	pg_stop
	rm -rf "$PG_DIR"
}

setup() {
	CONF="$BATS_TEST_TMPDIR/hivemon.conf"
}

teardown() {
	stop_daemon
	[ -z "${PGSAFE_DEBUG:-}" ] || cat "$DAEMON_ERR" >>"$PGSAFE_DEBUG"
	# A test that stopped the server must not leave it down for the next one.
	[ -f "$PG_DIR/data/postmaster.pid" ] || pg_start
	true
}

# make_conf COMMS [CONNINFO]: a 1 s daemon for the named processes only.
make_conf() {
	cat >"$CONF" <<-CONF
		[agent]
		interval = 1s
		state_dir = $BATS_TEST_TMPDIR/state
		filter.comm = $1
		[store]
		postgres = ${2:-$PG_CONNINFO}
		retention_days = 7
	CONF
}

# calls COMM SYSCALL: calls of SYSCALL by COMM stored so far.
calls() {
	pg_sql "SELECT coalesce(sum(count), 0) FROM hivemon.process_stats
		WHERE comm = '$1' AND metric = 'syscall.latency' AND labels->>'syscall' = '$2'"
}

calls_are() { # COMM SYSCALL EXPECTED
	[ "$(calls "$1" "$2")" = "$3" ]
}

schema_ready() {
	[ "$(pg_sql 'SELECT max(version) FROM hivemon.schema_version' 2>/dev/null)" = 2 ]
}

@test "schema is created at start and versioned; the views answer" {
	make_conf pgschema
	start_daemon "$CONF"
	wait_until 10 schema_ready
	run pg_sql "SELECT count(*) FROM hivemon.slowest_last_hour; SELECT count(*) FROM hivemon.alert_history;
		SELECT count(*) FROM hivemon.busiest_last_hour"
	assert_success
	# A restart finds the schema current and migrates nothing.
	stop_daemon
	start_daemon "$CONF"
	sleep 1.5
	assert_equal "$(pg_sql 'SELECT count(*) FROM hivemon.schema_version')" 2
}

@test "rows for known workloads: exact getppid and clock_nanosleep counts, p50 of 20 ms" {
	make_conf "pggetppid pgsleep"
	start_daemon "$CONF"
	wait_until 10 schema_ready
	workload pggetppid getppid 5000
	workload pgsleep sleep 40 20
	wait_until 10 calls_are pggetppid getppid 5000
	wait_until 10 calls_are pgsleep clock_nanosleep 40
	# Every interval's p50 of a 20 ms sleeper is within 5 % of 20 ms.
	run pg_sql "SELECT min(p50_ns), max(p50_ns) FROM hivemon.process_stats
		WHERE comm = 'pgsleep' AND labels->>'syscall' = 'clock_nanosleep' AND count >= 10"
	assert_success
	assert_within_pct "${output%|*}" 20000000 5
	assert_within_pct "${output#*|}" 20000000 5
	run pg_sql "SELECT worst_p99_ms FROM hivemon.slowest_last_hour
		WHERE comm = 'pgsleep' AND labels->>'syscall' = 'clock_nanosleep'"
	assert_between "$output" 20 45
}

@test "PostgreSQL stopped and started mid-run: the rows of the gap arrive afterwards" {
	make_conf pggap
	start_daemon "$CONF"
	wait_until 10 schema_ready
	cp "$WORKLOADS/syscall_load" "$BATS_TEST_TMPDIR/pggap"
	# 250 sleeps of 20 ms: about 5 s of calls, 3 s of which the database is down.
	"$BATS_TEST_TMPDIR/pggap" sleep 250 20 &
	local pid=$!
	sleep 1
	pg_stop
	local down_at
	down_at=$(date +%s)
	sleep 3
	pg_start
	wait "$pid"
	wait_until 30 calls_are pggap clock_nanosleep 250
	# Intervals from inside the outage are there, one row per interval.
	run pg_sql "SELECT count(*), count(DISTINCT ts) FROM hivemon.process_stats
		WHERE comm = 'pggap' AND labels->>'syscall' = 'clock_nanosleep'
		AND ts >= to_timestamp($down_at) AND ts < to_timestamp($down_at + 3)"
	assert_success
	assert_between "${output%|*}" 2 4
	assert_equal "${output%|*}" "${output#*|}"
	grep -q 'store: connected to PostgreSQL again' "$DAEMON_ERR"
}

@test "alert transitions are stored: firing, then resolved with its duration" {
	make_conf pgalert
	cat >>"$CONF" <<-CONF
		[alert "slow-sleep"]
		metric = syscall.latency.p99
		where = comm=pgalert syscall=clock_nanosleep
		critical = 10ms
		window = 1s
	CONF
	start_daemon "$CONF"
	wait_until 10 schema_ready
	workload pgalert sleep 100 20
	alert_rows() {
		[ "$(pg_sql "SELECT string_agg(status || ':' || severity, ',' ORDER BY ts)
			FROM hivemon.alerts WHERE rule = 'slow-sleep'")" = "firing:critical,resolved:critical" ]
	}
	wait_until 20 alert_rows
	run pg_sql "SELECT labels->>'comm', extract(epoch FROM fired_for) FROM hivemon.alert_history
		WHERE rule = 'slow-sleep' AND status = 'resolved'"
	assert_success
	assert_equal "${output%|*}" pgalert
	# It fired while the 2 s workload ran.
	assert_between "${output#*|}" 1 4
	# Values are in the metric's unit: nanoseconds for latencies.
	run pg_sql "SELECT value >= 20000000, threshold FROM hivemon.alerts
		WHERE rule = 'slow-sleep' AND status = 'firing'"
	assert_output 't|10000000'
}

@test "retention deletes history older than retention_days and keeps the rest" {
	wait_until 10 schema_ready || {
		make_conf pgretain
		start_daemon "$CONF"
		wait_until 10 schema_ready
		stop_daemon
	}
	pg_sql "INSERT INTO hivemon.process_stats (ts, interval_s, host, pid, comm, metric)
		VALUES (now() - interval '10 days', 1, 'old', 1, 'pgretain', 'mem.rss'),
		       (now() - interval '6 days', 1, 'recent', 1, 'pgretain', 'mem.rss')"
	make_conf pgretain
	start_daemon "$CONF"
	old_gone() {
		[ "$(pg_sql "SELECT string_agg(host, ',') FROM hivemon.process_stats WHERE comm = 'pgretain'")" = recent ]
	}
	wait_until 10 old_gone
}

@test "with the database unreachable, measurement goes on and /metrics stays exact" {
	local port
	port=$(free_port)
	make_conf pgdown "host=$BATS_TEST_TMPDIR/nosocket port=1 user=postgres dbname=postgres"
	printf '[export]\nlisten = 127.0.0.1:%s\n' "$port" >>"$CONF"
	start_daemon "$CONF"
	workload pgdown getppid 3333
	exact() {
		curl -sf "http://127.0.0.1:$port/metrics" |
			grep -qx 'hivemon_syscall_latency_seconds_count{comm="pgdown",syscall="getppid"} 3333'
	}
	wait_until 5 exact
	grep -q 'store: cannot connect to PostgreSQL (will retry)' "$DAEMON_ERR"
	# The store's own figures: nothing written, the workload's rows waiting.
	curl -sf "http://127.0.0.1:$port/metrics" >"$BATS_TEST_TMPDIR/metrics"
	grep -qx 'hivemon_store_connected 0' "$BATS_TEST_TMPDIR/metrics"
	grep -qx 'hivemon_store_rows_written_total 0' "$BATS_TEST_TMPDIR/metrics"
	grep -qx 'hivemon_store_rows_dropped_total 0' "$BATS_TEST_TMPDIR/metrics"
	local queued
	queued=$(awk '$1 == "hivemon_store_rows_queued" { print $2 }' "$BATS_TEST_TMPDIR/metrics")
	assert_between "$queued" 1 1000
	# Stopping does not hang on the database that never came.
	local t0=$SECONDS
	stop_daemon
	[ $((SECONDS - t0)) -le 5 ]
}
