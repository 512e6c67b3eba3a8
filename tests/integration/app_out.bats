#!/usr/bin/env bats
# Application-protocol rows as their consumers show them, for a known HTTP
# workload (tests/workloads/app_http.py: /users/{id} thinks 20 ms, /report
# 180 ms, /fail answers 500): the text report, and through a daemon /metrics,
# the PostgreSQL history and `top --once` over the daemon's socket.

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

@test "report text: HTTP routes of both ends, exact counts and errors, p50 within 5 %" {
	start_report --comm appsrv --comm appcli --duration 60s
	client "/users/{i}:50" "/report:5" "/fail:4"
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
	# The server's time from request to response is its think time.
	assert_within_pct "$(to_ms "$(field server GET '/users/{id}' 7)")" 20 5
	assert_within_pct "$(to_ms "$(field server GET /report 7)")" 180 5
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
		filter.comm = appsrv appcli
		[export]
		listen = 127.0.0.1:$port
		[store]
		postgres = $PG_CONNINFO
	CONF
	start_daemon "$BATS_TEST_TMPDIR/hivemon.conf"
	client "/users/{i}:50" "/fail:4"
	wait_until 10 users_series_is 50
	# Its labels: comm, service, role, method, route, status.
	local s
	s=$(users_series)
	s=${s#hivemon_http_request_duration_seconds_count}
	s=${s% *}
	assert_equal "$(value "hivemon_http_request_duration_seconds_count$s ")" 50
	# No request under 10 ms, all of them in +Inf; none shorter than its
	# 20 ms think time, so the sum is at least 1 s (a loaded machine adds).
	assert_equal "$(value "hivemon_http_request_duration_seconds_bucket${s%\}},le=\"0.01\"} ")" 0
	assert_equal "$(value "hivemon_http_request_duration_seconds_bucket${s%\}},le=\"+Inf\"} ")" 50
	assert_between "$(value "hivemon_http_request_duration_seconds_sum$s ")" 1.0 1.25
	assert_equal "$(users_series 'route="/fail",status="5xx"}' | awk '{ print $NF }')" 4
	# The history has the same 50, and the 4 errors.
	wait_until 10 users_rows_stored 50
	assert_equal "$(pg_sql "SELECT sum(count), sum(errors) FROM hivemon.http_requests
		WHERE comm = 'appsrv' AND route = '/fail' AND role = 'server'")" "4|4"
	# top over the daemon's socket, while requests go on: the pane's row.
	# A 1 s window holds a few dozen requests at most; its p50 is at least
	# the think time, and on a loaded machine a few ms more.
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
	# One sequential client of a 20 ms route: at most 50 requests/s.
	assert_between "${cells[5]}" 1 50
	assert_between "$(to_ms "${cells[6]}")" 19 25
	assert_equal "${cells[9]}" 0
}
