#!/usr/bin/env bats
# PostgreSQL history of `hivemon run` against a real, temporary PostgreSQL
# cluster (Debian's initdb/pg_ctl as the postgres user, unix socket in a
# temporary directory): schema, rows of workloads with known call counts,
# rows of a database outage arriving afterwards, alert transitions, retention;
# batches stored whole and once whatever the server does (the answer to COMMIT
# lost, a disk-full error, killed mid-COPY, paused with SIGSTOP).

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
	[ -z "${SWARM_PID:-}" ] || { kill "$SWARM_PID"; wait "$SWARM_PID"; } 2>/dev/null
	[ -z "${CUTTER_PID:-}" ] || { kill "$CUTTER_PID"; wait "$CUTTER_PID"; } 2>/dev/null
	# A paused server (a failed test) must not hang the next test.
	[ ! -f "$PG_DIR/data/postmaster.pid" ] || pg_resume 2>/dev/null
	stop_daemon
	# A test that stopped the server must not leave it down for the next one.
	[ -f "$PG_DIR/data/postmaster.pid" ] || pg_start
	pg_sql "DROP TRIGGER IF EXISTS hivemon_test ON hivemon.process_stats" 2>/dev/null
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

# The migrations this hivemon has (src/store/store_pg_schema.c).
SCHEMA_VERSION=4

schema_ready() {
	[ "$(pg_sql 'SELECT max(version) FROM hivemon.schema_version' 2>/dev/null)" = "$SCHEMA_VERSION" ]
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
	assert_equal "$(pg_sql 'SELECT count(*) FROM hivemon.schema_version')" "$SCHEMA_VERSION"
}

@test "schema 4: application-protocol tables and views; from 3, and applied again harmlessly" {
	make_conf pgschema3
	start_daemon "$CONF"
	wait_until 10 schema_ready
	pg_sql "INSERT INTO hivemon.app_requests (ts, interval_s, host, pid, comm, proto, role,
			method, status, fingerprint, text, count, errors, hits, misses, sum_ns)
		VALUES (now(), 1, 'h', 1, 'api', 'http', 'server', 'GET', '5xx', 7, '/users/{id}', 4, 4,
			NULL, NULL, 80000000),
		       (now(), 1, 'h', 1, 'api', 'sql', 'client', NULL, NULL, 9, 'SELECT 1', 10, 0,
			NULL, NULL, 20000000),
		       (now(), 1, 'h', 1, 'api', 'sql', 'client', NULL, NULL, 8, 'SELECT pg_sleep(\$1)', 2, 0,
			NULL, NULL, 240000000),
		       (now(), 1, 'h', 1, 'api', 'redis', 'client', 'GET', NULL, 0, NULL, 1000, 0,
			900, 100, 100000000)"
	assert_equal "$(pg_sql "SELECT route, status, errors FROM hivemon.http_requests")" "/users/{id}|5xx|4"
	assert_equal "$(pg_sql "SELECT command, hit_ratio_percent FROM hivemon.redis_commands")" "GET|90.0"
	run pg_sql "SELECT query, calls, total_ms FROM hivemon.sql_top_last_hour"
	assert_success
	assert_equal "${lines[0]}" 'SELECT pg_sleep($1)|2|240.000'
	assert_equal "${lines[1]}" 'SELECT 1|10|20.000'
	assert_equal "$(pg_sql "SELECT count(*) FROM hivemon.slow_queries")" 0
	stop_daemon
	# Recorded as version 3 with the tables there: applied again, rows kept.
	pg_sql "DELETE FROM hivemon.schema_version WHERE version = 4"
	start_daemon "$CONF"
	wait_until 10 schema_ready
	assert_equal "$(pg_sql "SELECT count(*) FROM hivemon.app_requests")" 4
	stop_daemon
	# A real version 3 database: migrated to 4.
	pg_sql "DROP VIEW hivemon.sql_top_last_hour, hivemon.http_requests, hivemon.sql_queries,
			hivemon.redis_commands;
		DROP TABLE hivemon.app_requests, hivemon.slow_queries;
		DELETE FROM hivemon.schema_version WHERE version = 4"
	start_daemon "$CONF"
	wait_until 10 schema_ready
	run pg_sql "SELECT count(*) FROM hivemon.app_requests; SELECT count(*) FROM hivemon.slow_queries;
		SELECT count(*) FROM hivemon.redis_commands"
	assert_success
	assert_equal "$output" "0
0
0"
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
		       (now() - interval '6 days', 1, 'recent', 1, 'pgretain', 'mem.rss');
		INSERT INTO hivemon.app_requests (ts, interval_s, host, pid, comm, proto, role)
		VALUES (now() - interval '10 days', 1, 'old', 1, 'pgretain', 'http', 'server'),
		       (now() - interval '6 days', 1, 'recent', 1, 'pgretain', 'http', 'server');
		INSERT INTO hivemon.slow_queries (ts, host, pid, comm, role, peer, query, latency_ns)
		VALUES (now() - interval '10 days', 'old', 1, 'pgretain', 'client', 'unix', 'q', 1),
		       (now() - interval '6 days', 'recent', 1, 'pgretain', 'client', 'unix', 'q', 1)"
	make_conf pgretain
	start_daemon "$CONF"
	old_gone() {
		[ "$(pg_sql "SELECT string_agg(host, ',') FROM hivemon.process_stats WHERE comm = 'pgretain'")" = recent ]
	}
	wait_until 10 old_gone
	assert_equal "$(pg_sql "SELECT string_agg(host, ',') FROM hivemon.app_requests WHERE comm = 'pgretain'")" recent
	assert_equal "$(pg_sql "SELECT string_agg(host, ',') FROM hivemon.slow_queries WHERE comm = 'pgretain'")" recent
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

# ---- Batches stored whole and once, whatever the server does ----------------

# Any schema version: the tests below also run against builds before version 2.
schema_any() {
	[ "$(pg_sql 'SELECT max(version) >= 1 FROM hivemon.schema_version' 2>/dev/null)" = t ]
}

# Rows of COMM stored more than once (same host, interval, process, metric, labels).
duplicates() {
	pg_sql "SELECT count(*) FROM (SELECT 1 FROM hivemon.process_stats WHERE comm = '$1'
		GROUP BY host, ts, pid, metric, labels HAVING count(*) > 1) d"
}

# store_figure PORT NAME: the daemon's own store counter from /metrics.
store_figure() {
	curl -sf "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}

# Nothing queued, and every row the daemon says it wrote is in the table.
settled() { # PORT COMM
	local queued written stored
	queued=$(store_figure "$1" hivemon_store_rows_queued)
	written=$(store_figure "$1" hivemon_store_rows_written_total)
	stored=$(pg_sql "SELECT count(*) FROM hivemon.process_stats WHERE comm = '$2'")
	[ "$queued" = 0 ] && [ "$written" = "$stored" ]
}

# make_trigger SQL: a statement trigger on the statistics running SQL (plpgsql).
make_trigger() {
	pg_sql "CREATE OR REPLACE FUNCTION public.hivemon_test() RETURNS trigger LANGUAGE plpgsql
		AS \$\$ BEGIN $1; RETURN NULL; END \$\$;
		CREATE TRIGGER hivemon_test $2 ON hivemon.process_stats
		FOR EACH STATEMENT EXECUTE FUNCTION public.hivemon_test()"
}

@test "the answer to COMMIT lost after the server committed: the batch is not stored twice" {
	local port
	port=$(free_port)
	# The relay loses the answers to the first two COMMITs that carried rows.
	python3 "$ROOT/tests/helpers/pg_commit_cutter.py" "$port" \
		"$PG_DIR/sock/.s.PGSQL.$PG_PORT" 2 >"$BATS_TEST_TMPDIR/cutter.out" &
	CUTTER_PID=$!
	wait_until 5 grep -q listening "$BATS_TEST_TMPDIR/cutter.out"
	make_conf pgcut "host=127.0.0.1 port=$port user=postgres dbname=postgres sslmode=disable gssencmode=disable"
	start_daemon "$CONF"
	wait_until 10 schema_any
	# 150 sleeps of 20 ms: three or four intervals, so four or so transactions.
	workload pgcut sleep 150 20
	cut_twice() { [ "$(grep -c '^cut' "$BATS_TEST_TMPDIR/cutter.out")" = 2 ]; }
	wait_until 20 cut_twice
	at_least() { [ "$(calls pgcut clock_nanosleep)" -ge 150 ]; }
	wait_until 20 at_least
	sleep 2 # any second copy would have arrived by now
	assert_equal "$(calls pgcut clock_nanosleep)" 150
	assert_equal "$(duplicates pgcut)" 0
	grep -q 'were stored already (the answer to their COMMIT was lost)' "$DAEMON_ERR"
}

@test "an error of a live server (disk full) keeps the rows until it passes" {
	make_conf pgfull
	start_daemon "$CONF"
	wait_until 10 schema_any
	make_trigger "RAISE EXCEPTION 'no room left (test)' USING ERRCODE = 'disk_full'" "BEFORE INSERT"
	workload pgfull getppid 4000
	# Three seconds of failing transactions (the first comes within a second).
	sleep 3
	pg_sql "DROP TRIGGER hivemon_test ON hivemon.process_stats"
	wait_until 20 calls_are pgfull getppid 4000 || fail "$(calls pgfull getppid) of 4000 calls stored"
	grep -q 'no room left (test)' "$DAEMON_ERR"
	assert_equal "$(duplicates pgfull)" 0
	run grep -c 'rejected' "$DAEMON_ERR"
	assert_output 0
}

@test "PostgreSQL killed (immediate) while a COPY runs, then started: no row lost, none twice" {
	local port
	port=$(free_port)
	make_conf pgkill
	printf '[export]\nlisten = 127.0.0.1:%s\n' "$port" >>"$CONF"
	start_daemon "$CONF"
	wait_until 10 schema_any
	cp "$WORKLOADS/proc_swarm" "$BATS_TEST_TMPDIR/pgkill"
	# 200 processes calling getppid every 20 ms for 16 s.
	"$BATS_TEST_TMPDIR/pgkill" 200 16 20 >"$BATS_TEST_TMPDIR/swarm.out" &
	SWARM_PID=$!
	wait_until 10 grep -q ready "$BATS_TEST_TMPDIR/swarm.out"
	# A backlog of several intervals, then one big COPY that the server is
	# killed in the middle of: the trigger holds the COPY open after its rows.
	pg_stop
	sleep 5
	pg_start
	make_trigger "PERFORM pg_sleep(3)" "AFTER INSERT"
	copying() {
		[ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hivemon'
			AND state = 'active' AND query LIKE 'COPY%'")" = 1 ]
	}
	wait_until 15 copying
	sleep 0.5
	pg_kill
	pg_start
	pg_sql "DROP TRIGGER hivemon_test ON hivemon.process_stats"
	wait "$SWARM_PID"
	SWARM_PID=
	wait_until 40 settled "$port" pgkill
	assert_equal "$(store_figure "$port" hivemon_store_rows_dropped_total)" 0
	assert_equal "$(duplicates pgkill)" 0
	# Every whole interval of the swarm has its 200 getppid rows, the outage's too.
	run pg_sql "SELECT count(*), min(n), max(n),
		round(1000 * extract(epoch FROM max(ts) - min(ts))),
		round(1000 * (sum(len) - (array_agg(len ORDER BY ts DESC))[1])) FROM (
		SELECT ts, max(interval_s) AS len, count(*) AS n FROM hivemon.process_stats
		WHERE comm = 'pgkill' AND labels->>'syscall' = 'getppid' GROUP BY ts) i
		WHERE n > 10 AND ts > (SELECT min(ts) FROM hivemon.process_stats WHERE comm = 'pgkill')
		AND ts < (SELECT max(ts) FROM hivemon.process_stats WHERE comm = 'pgkill')"
	assert_success
	IFS='|' read -r intervals least most span_ms tiled_ms <<<"$output"
	assert_between "$intervals" 12 17
	assert_equal "$least" 200
	assert_equal "$most" 200
	# No interval missing in between: ts is where an interval starts, so the
	# intervals before the last tile the span exactly (an interval the daemon
	# ran late is longer, not missing).
	assert_between "$tiled_ms" "$((span_ms - 2))" "$((span_ms + 2))"
}

@test "PostgreSQL paused (SIGSTOP) mid-batch: SIGTERM stops the daemon within 2 s; nothing stored twice" {
	local port
	port=$(free_port)
	make_conf pgpause
	printf '[export]\nlisten = 127.0.0.1:%s\n' "$port" >>"$CONF"
	start_daemon "$CONF"
	wait_until 10 schema_any
	cp "$WORKLOADS/proc_swarm" "$BATS_TEST_TMPDIR/pgpause"
	"$BATS_TEST_TMPDIR/pgpause" 100 30 20 >"$BATS_TEST_TMPDIR/swarm.out" &
	SWARM_PID=$!
	wait_until 10 grep -q ready "$BATS_TEST_TMPDIR/swarm.out"
	sleep 3
	pg_pause
	sleep 2.5 # the writer is now waiting for the paused server
	local written_before t0 t1
	written_before=$(store_figure "$port" hivemon_store_rows_written_total)
	t0=$(date +%s%N)
	kill -TERM "$DAEMON_PID"
	for _ in $(seq 50); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	t1=$(date +%s%N)
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID"
		wait "$DAEMON_PID" 2>/dev/null || true
		DAEMON_PID=
		pg_resume
		fail "hivemon still running 5 s after SIGTERM with the server paused"
	fi
	wait "$DAEMON_PID"
	DAEMON_PID=
	echo "stopped in $(((t1 - t0) / 1000000)) ms" >&3
	[ $((t1 - t0)) -le 2000000000 ]
	# What was queued at exit is said, and is all that can be missing.
	local unwritten
	unwritten=$(sed -n 's/.*store: \([0-9]*\) rows not written to PostgreSQL at exit.*/\1/p' "$DAEMON_ERR")
	pg_resume
	local first_run_stored
	sleep 1
	first_run_stored=$(pg_sql "SELECT count(*) FROM hivemon.process_stats WHERE comm = 'pgpause'")
	echo "first run: $written_before rows written before the pause, $first_run_stored stored," \
		"${unwritten:-no} rows said unwritten at exit" >&3
	[ "$first_run_stored" -ge "$written_before" ]
	[ -n "$unwritten" ]
	# A new run stores its own rows, none twice.
	cp "$DAEMON_ERR" "$BATS_TEST_TMPDIR/first.err"
	start_daemon "$CONF"
	sleep 4
	kill "$SWARM_PID"
	wait "$SWARM_PID" 2>/dev/null
	SWARM_PID=
	wait_until 10 settled_since "$port" "$first_run_stored"
	assert_equal "$(duplicates pgpause)" 0
}

# The second run's rows all stored: stored = first run's + written.
settled_since() { # PORT FIRST_RUN_ROWS
	local queued written stored
	queued=$(store_figure "$1" hivemon_store_rows_queued)
	written=$(store_figure "$1" hivemon_store_rows_written_total)
	stored=$(pg_sql "SELECT count(*) FROM hivemon.process_stats WHERE comm = 'pgpause'")
	[ "$queued" = 0 ] && [ "$((stored - $2))" = "$written" ]
}

@test "rows the server refuses (a data error) are dropped alone: the batches queued with them are stored" {
	make_conf "pgbad pggood"
	start_daemon "$CONF"
	wait_until 10 schema_any
	pg_sql "CREATE OR REPLACE FUNCTION public.hivemon_test() RETURNS trigger LANGUAGE plpgsql
		AS \$\$ BEGIN IF NEW.comm = 'pgbad' THEN
			RAISE EXCEPTION 'bad row (test)' USING ERRCODE = 'invalid_parameter_value';
		END IF; RETURN NEW; END \$\$;
		CREATE TRIGGER hivemon_test BEFORE INSERT ON hivemon.process_stats
		FOR EACH ROW EXECUTE FUNCTION public.hivemon_test()"
	# Database away: the intervals of both workloads queue up, then go in one transaction.
	pg_stop
	workload pgbad getppid 1000
	sleep 1.5
	workload pggood getppid 2000
	sleep 1.5
	pg_start
	wait_until 20 calls_are pggood getppid 2000 || fail "$(calls pggood getppid) of 2000 calls stored"
	assert_equal "$(calls pgbad getppid)" 0
	grep -q 'store: PostgreSQL rejected .* bad row (test)' "$DAEMON_ERR"
}

group_action_stored() {
	[ "$(pg_sql "SELECT count(*) FROM hivemon.group_actions WHERE group_name = 'pgspin'")" -ge 1 ]
}

@test "a group's state per interval and its applied move with evidence and effect are stored" {
	local spin="$BATS_TEST_TMPDIR/pg_spin" pids=() pid
	cp "$WORKLOADS/spinner" "$spin"
	chmod 755 "$BATS_TEST_TMPDIR"
	for _ in 1 2 3 4; do
		"$spin" 40 0 &
		pids+=($!)
	done
	cat >"$CONF" <<-CONF
		[agent]
		interval = 1s
		state_dir = $BATS_TEST_TMPDIR/state
		probes = sched
		[store]
		postgres = $PG_CONNINFO
		[group "pgspin"]
		match = comm=pg_spin
		cpus = 0-1
		rebalance = apply
		cooldown = 1m
	CONF
	start_daemon "$CONF"
	# Three held intervals, the move, three intervals after it.
	wait_until 25 group_action_stored || fail "no action stored: $(cat "$DAEMON_ERR")"
	stop_daemon
	for pid in "${pids[@]}"; do kill "$pid"; done
	run pg_sql "SELECT action, jsonb_array_length(evidence->'moves'),
		(SELECT count(*) FROM jsonb_array_elements(evidence->'moves') m
			WHERE (m->>'from')::int = 0 AND (m->>'to')::int = 1),
		effect->>'windows_before', effect->>'windows_after', effect->>'state',
		jsonb_array_length(effect->'members')
		FROM hivemon.group_actions WHERE group_name = 'pgspin'"
	assert_output "move|2|2|3|3|done|4"
	# Every member was measured before and after (CPU % of a core, > 0).
	run pg_sql "SELECT count(*) FROM hivemon.group_actions, jsonb_array_elements(effect->'members') m
		WHERE group_name = 'pgspin' AND (m->'before'->>'cpu_percent')::float > 0
		AND (m->'after'->>'cpu_percent')::float > 0"
	assert_output 4
	run pg_sql "SELECT count(*) > 0 FROM hivemon.group_action_effects
		WHERE group_name = 'pgspin' AND cpu_percent_before > 0 AND runq_p99_ms_before > 0"
	assert_output t
	# One row per interval: four members; imbalanced (all on CPU 0) until the move.
	run pg_sql "SELECT min(members), max(members), count(*) >= 6, count(DISTINCT ts) = count(*),
		bool_or(imbalance_cv > 0.5 AND verdict = 'move'), max(moves_total)
		FROM hivemon.group_stats WHERE group_name = 'pgspin' AND imbalance_cv IS NOT NULL"
	assert_output "4|4|t|t|t|2"
}
