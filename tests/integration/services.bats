#!/usr/bin/env bats
# Services: processes grouped by cgroup, or by executable under one parent
# (tests/workloads/reuseport_server forks its workers from one parent).

load helpers

setup() {
	STARTED=()
}

teardown() {
	for pid in $(printf '%s\n' "${STARTED[@]}" | tac); do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	true
}

# start_group NAME: three workers under a server process started by a shell
# of its own (so two groups have two parents); PORT, WORKER_PIDS.
start_group() {
	bash -c '"$0" -n 3 -t 5 & wait' "$WORKLOADS/reuseport_server" >"$BATS_TEST_TMPDIR/$1.out" &
	STARTED+=($!)
	wait_until 5 grep -q '^worker 2 pid' "$BATS_TEST_TMPDIR/$1.out"
	PORT=$(awk '/^port/ { print $2 }' "$BATS_TEST_TMPDIR/$1.out")
	WORKER_PIDS=$(awk '/^worker [0-9] pid/ { print $4 }' "$BATS_TEST_TMPDIR/$1.out" | sort -n | xargs)
	# The server, so teardown stops it (it stops its workers).
	STARTED+=("$(ps -o ppid= -p "${WORKER_PIDS%% *}" | tr -d ' ')")
}

@test "workers of one executable under one parent are one service; another parent, another service" {
	start_group a
	a_port=$PORT a_pids=$WORKER_PIDS
	start_group b
	b_port=$PORT b_pids=$WORKER_PIDS
	start_report --duration 3s --format json --probes tcp,sched
	"$WORKLOADS/rate_client" -p "$a_port" -r 100 -d 2 >/dev/null
	"$WORKLOADS/rate_client" -p "$b_port" -r 100 -d 2 >/dev/null
	finish_report
	svc_pids() { # service name -> its pids, sorted
		jq -r --arg n "$1" '.services[] | select(.name == $n) | .pids | sort | map(tostring) | join(" ")' "$REPORT_OUT"
	}
	a_name=$(jq -r --argjson p "${a_pids%% *}" '.processes[] | select(.pid == $p) | .service' "$REPORT_OUT")
	b_name=$(jq -r --argjson p "${b_pids%% *}" '.processes[] | select(.pid == $p) | .service' "$REPORT_OUT")
	echo "services: $a_name ($a_pids), $b_name ($b_pids)"
	[ "$(svc_pids "$a_name")" = "$a_pids" ]
	[ "$(svc_pids "$b_name")" = "$b_pids" ]
	[ "$a_name" != "$b_name" ]
	case "$a_name $b_name" in
	"reuseport_server reuseport_server:2" | "reuseport_server:2 reuseport_server") ;;
	*) fail "unexpected names $a_name $b_name" ;;
	esac
	# Totals: the service served what its workers served.
	served=$(jq --arg n "$a_name" '.services[] | select(.name == $n) | .requests' "$REPORT_OUT")
	[ "$served" -eq 200 ]
}

@test "alert rules and checks select by service" {
	start_group a
	printf '[alert "svc"]\nmetric = tcp.request.latency.p50\nwhere = role=server service=reuseport_server\ncritical = 1s\n' \
		>"$BATS_TEST_TMPDIR/svc.ini"
	run "$HIVEMON" report --probes tcp --check "$BATS_TEST_TMPDIR/svc.ini" -- \
		"$WORKLOADS/rate_client" -p "$PORT" -r 50 -d 1
	assert_success
	assert_output --regexp "PASS svc: tcp.request.latency.p50 [5-6](\.[0-9]+)?ms \(must stay below 1s; comm=reuseport_serve pid=[0-9]+ service=reuseport_server role=server"
}
