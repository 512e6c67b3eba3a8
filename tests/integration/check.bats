#!/usr/bin/env bats
# `hivemon report --check FILE -- COMMAND`: an SLO gate for load tests,
# against tests/workloads/tcp_server answering after a known 50 ms.

load helpers

setup() {
	"$WORKLOADS/tcp_server" -t 50 >"$BATS_TEST_TMPDIR/server.out" &
	SERVER=$!
	wait_until 5 grep -q '^port' "$BATS_TEST_TMPDIR/server.out"
	PORT=$(awk '/^port/ { print $2 }' "$BATS_TEST_TMPDIR/server.out")
	CLIENT=("$WORKLOADS/tcp_client" -a 127.0.0.1 -p "$PORT" -c 4 -n 10 -P 4)
}

teardown() {
	kill "$SERVER" 2>/dev/null
	wait "$SERVER" 2>/dev/null
	true
}

# slo FILE P99_LIMIT P50_LIMIT
slo() {
	cat >"$1" <<-EOF
		[alert "api-p99"]
		metric = tcp.request.latency.p99
		where = role=server comm=tcp_server
		critical = $2

		[alert "api-p50"]
		metric = tcp.request.latency.p50
		where = role=server comm=tcp_server
		warning = $3
	EOF
}

@test "every check under its limit: PASS lines with the measured values, exit 0" {
	slo "$BATS_TEST_TMPDIR/ok.ini" 100ms 80ms
	run "$HIVEMON" report --probes tcp --check "$BATS_TEST_TMPDIR/ok.ini" -- "${CLIENT[@]}"
	assert_success
	assert_output --partial "connects 4 requests 40"
	assert_output --regexp "PASS api-p99: tcp.request.latency.p99 5[0-9](\.[0-9]+)?ms \(must stay below 100ms; comm=tcp_server"
	assert_output --regexp "PASS api-p50: tcp.request.latency.p50 5[0-2](\.[0-9]+)?ms \(must stay below 80ms"
	assert_output --partial "2 of 2 checks passed"
}

@test "a check over its limit fails: exit 3, and JSON checks[] carries the numbers" {
	slo "$BATS_TEST_TMPDIR/tight.ini" 100ms 40ms
	run "$HIVEMON" report --probes tcp --format json --check "$BATS_TEST_TMPDIR/tight.ini" -- "${CLIENT[@]}"
	assert_failure 3
	# The command's output went to stderr: stdout is one JSON document.
	echo "$output" | grep -v '^connects' >"$BATS_TEST_TMPDIR/out.json"
	run jq -r '.checks[] | "\(.name) \(.pass) \(.threshold)"' "$BATS_TEST_TMPDIR/out.json"
	assert_output "$(printf 'api-p99 true 100000000\napi-p50 false 40000000')"
	p50=$(jq '.checks[1].value' "$BATS_TEST_TMPDIR/out.json")
	assert_within_pct "$p50" 50000000 5
	# The window ended when the client did: 40 requests, all counted.
	count=$(jq '[.processes[] | select(.comm == "tcp_server") | .tcp.requests[] | select(.role == "server") | .count] | add' \
		"$BATS_TEST_TMPDIR/out.json")
	[ "$count" -eq 40 ]
}

@test "a check that no series matches fails rather than passing on no data" {
	printf '[alert "ghost"]\nmetric = tcp.request.latency.p99\nwhere = comm=no_such_server\ncritical = 1s\n' \
		>"$BATS_TEST_TMPDIR/ghost.ini"
	run "$HIVEMON" report --probes tcp --check "$BATS_TEST_TMPDIR/ghost.ini" -- "${CLIENT[@]}"
	assert_failure 3
	assert_output --partial "FAIL ghost: tcp.request.latency.p99 has no data (must stay below 1s)"
}

@test "a command that fails makes the report fail; bad files and a missing command are usage errors" {
	slo "$BATS_TEST_TMPDIR/ok.ini" 100ms 80ms
	run "$HIVEMON" report --probes tcp --check "$BATS_TEST_TMPDIR/ok.ini" -- sh -c 'exit 7'
	assert_failure 1
	assert_output --partial "hivemon: sh exited with status 7"
	run "$HIVEMON" report --probes tcp -- /nonexistent/cmd
	assert_failure 1
	assert_output --partial "hivemon: cannot run /nonexistent/cmd"
	printf '[alert "x"]\nmetric = no.such.metric\ncritical = 1s\n' >"$BATS_TEST_TMPDIR/bad.ini"
	run "$HIVEMON" report --check "$BATS_TEST_TMPDIR/bad.ini"
	assert_failure 2
	assert_output --regexp "bad.ini:2: "
	printf '[agent]\ninterval = 1s\n' >"$BATS_TEST_TMPDIR/none.ini"
	run "$HIVEMON" report --check "$BATS_TEST_TMPDIR/none.ini"
	assert_failure 2
	assert_output "hivemon: --check $BATS_TEST_TMPDIR/none.ini: no [alert] section to check"
	run "$HIVEMON" report --
	assert_failure 2
	assert_output "hivemon: report: '--' must be followed by a command to run"
}

@test "--duration 0s is one collection, not a wait for a command" {
	run timeout 20 "$HIVEMON" report --probes syscall --duration 0s --format json
	assert_success
	run jq -r .schema <<<"$output"
	assert_output hivemon.report/v1
}
