#!/usr/bin/env bats
# Application-protocol rows as their consumers show them, for a known HTTP
# workload (tests/workloads/app_http.py: /users/{id} thinks 60 ms, /report
# 180 ms, /fail answers 500; the server writes the time each request took it
# to PORTFILE.times): the text report, and through a daemon /metrics,
# the PostgreSQL history (with psql's slow statements) and `top --once` over
# the daemon's socket; Redis's hit ratio in the report, and SLO checks on
# cache.miss_ratio and http.request.latency.

load helpers
load export_helper
load pg_helper

APP="$BATS_TEST_DIRNAME/../workloads/app_http.py"

setup() {
	# Python under names of the test's own: the comm filters pick only them.
	ln -s /usr/bin/python3 "$BATS_TEST_TMPDIR/appsrv"
	ln -s /usr/bin/python3 "$BATS_TEST_TMPDIR/appcli"
	"$BATS_TEST_TMPDIR/appsrv" "$APP" server "$BATS_TEST_TMPDIR/port" &
	SERVER_PID=$!
	wait_until 10 test -s "$BATS_TEST_TMPDIR/port"
	HTTP_PORT=$(cat "$BATS_TEST_TMPDIR/port")
}

teardown() {
	stop_report
	stop_daemon
	[ -z "${LOOP_PID:-}" ] || { kill "$LOOP_PID"; wait "$LOOP_PID"; } 2>/dev/null
	[ -z "${SERVER_PID:-}" ] || { kill "$SERVER_PID"; wait "$SERVER_PID"; } 2>/dev/null
	[ -z "${PG_DIR:-}" ] || { pg_stop; rm -rf "$PG_DIR"; }
	true
}

client() {
	"$BATS_TEST_TMPDIR/appcli" "$APP" client "$HTTP_PORT" "$@"
}

# timed_client OUT PATH:COUNT...: app_http.py's client that also writes, per
# route, the median time it measured from sending a request to the first
# byte of its response, and their sum ("users 20.61 1.0432", ms and s),
# what hivemon times too.
timed_client() {
	local out=$1
	shift
	"$BATS_TEST_TMPDIR/appcli" - "$HTTP_PORT" "$out" "$@" <<-'PY'
		import http.client, socket, statistics, sys, time
		conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
		with open(sys.argv[2], "w") as out:
		    for spec in sys.argv[3:]:
		        path, count = spec.rsplit(":", 1)
		        took = []
		        for i in range(int(count)):
		            t0 = time.perf_counter()
		            conn.request("GET", path.replace("{i}", str(i)))
		            conn.sock.recv(1, socket.MSG_PEEK)
		            took.append(time.perf_counter() - t0)
		            conn.getresponse().read()
		        out.write("%s %.3f %.6f\n" % (path.split("/")[1], statistics.median(took) * 1e3,
		                                      sum(took)))
		conn.close()
	PY
}

# served ROUTE median|sum: the median (ms) or sum (s) of the times the server
# measured for ROUTE, from its request read to its headers sent.
served() {
	sort -k2 -n "$BATS_TEST_TMPDIR/port.times" | awk -v r="$1" -v what="$2" '
		$1 == r { v[n++] = $2; s += $2 }
		END { if (what == "sum") printf "%.6f\n", s / 1e3
		      else print n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }'
}

# median ROUTE, total ROUTE: the client's measured median (ms) and sum (s).
median() {
	awk -v r="$1" '$1 == r { print $2 }' "$BATS_TEST_TMPDIR/medians"
}

total() {
	awk -v r="$1" '$1 == r { print $3 }' "$BATS_TEST_TMPDIR/medians"
}

# "20.4ms" "1.50s" "850us" "120ns" -> milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /ms$/) print n; else if (v ~ /us$/ || v ~ /µs$/) print n / 1e3
		else if (v ~ /ns$/) print n / 1e6; else if (v ~ /s$/) print n * 1e3; else print "nan" }'
}

# field ROLE METHOD ROUTE N: field N of that row of the report's HTTP table.
field() {
	awk -v r="$1" -v m="$2" -v u="$3" -v n="$4" \
		'$1 == r && $2 == m && $3 == u { print $n; exit }' "$REPORT_OUT"
}

@test "report text: HTTP routes of both ends, exact counts and errors, each end's p50 within 5 % of its own timing" {
	start_report --comm appsrv --comm appcli --duration 60s
	timed_client "$BATS_TEST_TMPDIR/medians" "/users/{i}:50" "/report:5" "/fail:4"
	end_report
	cat "$REPORT_OUT"
	grep -q '^Application protocols of ' "$REPORT_OUT"
	for role in server client; do
		# ROLE METHOD ROUTE STATUS COUNT ERRORS P50 P99 MAX
		assert_equal "$(field $role GET '/users/{id}' 4)" 2xx
		assert_equal "$(field $role GET '/users/{id}' 5)" 50
		assert_equal "$(field $role GET '/users/{id}' 6)" 0
		assert_equal "$(field $role GET /report 5)" 5
		assert_equal "$(field $role GET /fail 4)" 5xx
		assert_equal "$(field $role GET /fail 5)" 4
		assert_equal "$(field $role GET /fail 6)" 4
	done
	cat "$BATS_TEST_TMPDIR/medians"
	cat "$BATS_TEST_TMPDIR/port.times" | sort | uniq -c | sort -rn | head -3
	# Each end's p50 within 5 % of what it measured itself.
	for route in users report; do
		local path=/report
		[ $route = report ] || path='/users/{id}'
		assert_within_pct "$(to_ms "$(field client GET "$path" 7)")" "$(median $route)" 5
		assert_within_pct "$(to_ms "$(field server GET "$path" 7)")" "$(served $route median)" 5
	done
}

# value LINE_PREFIX: the value of the /metrics series whose line starts so.
value() {
	curl -sf "$URL/metrics" | awk -v s="$1" 'index($0, s) == 1 { print $NF; exit }'
}

# The _count line of the server's GET /users/{id} 2xx series (or of
# another route and status: users_series 'route="/x",status="5xx"}').
users_series() {
	local tail='route="/users/{id}",status="2xx"}'

	curl -sf "$URL/metrics" | grep '^hivemon_http_request_duration_seconds_count{comm="appsrv",' |
		grep -F "role=\"server\",method=\"GET\",${1:-$tail}"
}

users_series_is() { # EXPECTED
	[ "$(users_series | awk '{ print $NF }')" = "$1" ]
}

users_rows_stored() { # EXPECTED
	[ "$(pg_sql "SELECT coalesce(sum(count), 0) FROM hivemon.http_requests
		WHERE comm = 'appsrv' AND route = '/users/{id}' AND status = '2xx'")" = "$1" ]
}

slow_stored() { # EXPECTED
	[ "$(pg_sql "SELECT count(*) FROM hivemon.slow_queries WHERE comm = 'psql'
		AND query LIKE '%apptag'")" = "$1" ]
}

@test "through a daemon: /metrics, the PostgreSQL history and top --once agree with the workload" {
	PG_DIR=$(mktemp -d /tmp/hivemon-apptest.XXXXXX)
	export PG_DIR
	pg_init
	pg_start
	local port sock="$BATS_TEST_TMPDIR/hivemon.sock"
	port=$(free_port)
	URL="http://127.0.0.1:$port"
	cat >"$BATS_TEST_TMPDIR/hivemon.conf" <<-CONF
		[agent]
		interval = 1s
		state_dir = $BATS_TEST_TMPDIR/state
		socket = $sock
		filter.comm = appsrv appcli psql postgres
		[export]
		listen = 127.0.0.1:$port
		[store]
		postgres = $PG_CONNINFO
	CONF
	start_daemon "$BATS_TEST_TMPDIR/hivemon.conf"
	timed_client "$BATS_TEST_TMPDIR/medians" "/users/{i}:50" "/fail:4"
	# Three statements slower than the 100 ms slow_query default, over the
	# unix socket: in the slow query log with their normalized text. Each
	# psql is a process of its own: their series may differ in service.
	for _ in 1 2 3; do psql "$PG_CONNINFO" -X -qAt -c "SELECT pg_sleep(0.12) AS apptag" >/dev/null; done
	wait_until 10 users_series_is 50
	# Its labels: comm, service, role, method, route, status.
	local s
	s=$(users_series)
	s=${s#hivemon_http_request_duration_seconds_count}
	s=${s% *}
	assert_equal "$(value "hivemon_http_request_duration_seconds_count$s ")" 50
	# The new families pass promtool's lint.
	curl -sf "$URL/metrics" >"$BATS_TEST_TMPDIR/metrics"
	run promtool check metrics <"$BATS_TEST_TMPDIR/metrics"
	assert_success
	assert_output ''
	grep -q '^# TYPE hivemon_http_request_duration_seconds histogram$' "$BATS_TEST_TMPDIR/metrics"
	# No request under 10 ms, all of them in +Inf; their sum within 5 % of
	# what the server measured.
	assert_equal "$(value "hivemon_http_request_duration_seconds_bucket${s%\}},le=\"0.01\"} ")" 0
	assert_equal "$(value "hivemon_http_request_duration_seconds_bucket${s%\}},le=\"+Inf\"} ")" 50
	assert_within_pct "$(value "hivemon_http_request_duration_seconds_sum$s ")" \
		"$(served users sum)" 5
	assert_equal "$(users_series 'route="/fail",status="5xx"}' | awk '{ print $NF }')" 4
	# The history has the same 50, and the 4 errors.
	wait_until 10 users_rows_stored 50
	assert_equal "$(pg_sql "SELECT sum(count), sum(errors) FROM hivemon.http_requests
		WHERE comm = 'appsrv' AND route = '/fail' AND role = 'server'")" "4|4"
	wait_until 10 slow_stored 3
	assert_equal "$(pg_sql "SELECT count(*) FROM hivemon.slow_queries WHERE comm = 'psql'
		AND query = 'SELECT pg_sleep(\$1) AS apptag' AND peer = 'unix'
		AND latency_ns BETWEEN 120000000 AND 150000000")" 3
	assert_equal "$(pg_sql "SELECT sum(count) FROM hivemon.sql_queries
		WHERE comm = 'psql' AND role = 'client' AND query = 'SELECT pg_sleep(\$1) AS apptag'")" 3
	assert_equal "$(curl -sf "$URL/metrics" | grep -F 'hivemon_sql_query_duration_seconds_count{comm="psql",' |
		grep -F 'role="client",query="SELECT pg_sleep($1) AS apptag"}' | awk '{ n += $NF } END { print n }')" 3
	# top over the daemon's socket, while requests go on: the pane's row.
	# A 1 s window holds a few requests at most; its p50 is at least the
	# think time (less a bucket's width), on a loaded machine more.
	(while client "/users/{i}:20"; do :; done) 2>/dev/null &
	LOOP_PID=$!
	local row=
	for _ in $(seq 20); do
		"$HIVEMON" top --once --socket "$sock" --comm appsrv >"$BATS_TEST_TMPDIR/top" 2>/dev/null
		row=$(grep -m1 '^  http  server GET /users/{id} 2xx ' "$BATS_TEST_TMPDIR/top") && break
		sleep 0.5
	done
	cat "$BATS_TEST_TMPDIR/top"
	[ -n "$row" ]
	grep -q '^Application protocols: HTTP, SQL, Redis by total time$' "$BATS_TEST_TMPDIR/top"
	# PROTO ROLE METHOD ROUTE STATUS REQ/s P50 P99 TOTAL ERRORS HIT%
	read -r -a cells <<<"$row"
	# One sequential client of a 60 ms route: at most 16.7 requests/s.
	assert_between "${cells[5]}" 1 16.7
	assert_between "$(to_ms "${cells[6]}")" 58.2 90
	assert_equal "${cells[9]}" 0
}

@test "redis: the report's hit ratio, and SLO checks on cache.miss_ratio and http.request.latency" {
	local sock="$BATS_TEST_TMPDIR/redis.sock" i
	redis-server --port 0 --unixsocket "$sock" --save "" --appendonly no \
		>"$BATS_TEST_TMPDIR/redis.log" 2>&1 &
	REDIS_PID=$!
	wait_until 10 redis-cli -s "$sock" ping
	{
		for i in $(seq 10); do echo "SET key$i v$i"; done
		for i in $(seq 900); do echo "GET key$((i % 10 + 1))"; done
		for i in $(seq 100); do echo "GET absent$i"; done
	} >"$BATS_TEST_TMPDIR/cmds"
	cat >"$BATS_TEST_TMPDIR/slo.ini" <<-SLO
		[alert "cache"]
		metric = cache.miss_ratio
		where = command=GET role=server
		critical = 15%
		[alert "users"]
		metric = http.request.latency.p50
		where = route=/users/{id} status=2xx role=server
		critical = 50ms
	SLO
	cat >"$BATS_TEST_TMPDIR/load.sh" <<-LOAD
		redis-cli -s "$sock" <"$BATS_TEST_TMPDIR/cmds" >/dev/null
		"$BATS_TEST_TMPDIR/appcli" "$APP" client "$HTTP_PORT" "/users/{i}:20"
	LOAD
	run "$HIVEMON" report --check "$BATS_TEST_TMPDIR/slo.ini" --duration 60s \
		--comm redis-server --comm appsrv -- sh "$BATS_TEST_TMPDIR/load.sh"
	kill "$REDIS_PID"
	wait "$REDIS_PID" 2>/dev/null
	echo "$output"
	# The users check fails: its p50 is above 50 ms, as the 60 ms think time makes it.
	assert_equal "$status" 3
	# REDIS: ROLE COMMAND COUNT ERRORS P50 P99 HIT RATIO
	assert_equal "$(awk '$1 == "server" && $2 == "GET" && $3 ~ /^[0-9]+$/ { print $3, $4, $7 }' <<<"$output")" "1000 0 90.0%"
	assert_equal "$(awk '$1 == "server" && $2 == "SET" && $3 ~ /^[0-9]+$/ { print $3, $7 }' <<<"$output")" "10 -"
	grep -q '^PASS cache: cache.miss_ratio 10.0% ' <<<"$output"
	grep -q '^FAIL users: http.request.latency.p50 [0-9.]*ms (must stay below 50ms; ' <<<"$output"
}
