#!/usr/bin/env bats
# A probe set that cannot load is left out and said so; the other sets
# measure as before. The failure is made on purpose with the test hook
# HIVEMON_TEST_FAIL_PROBES (src/probes/collector.c): the named sets fail as
# if the kernel refused to attach them, on any kernel.

bats_require_minimum_version 1.5.0

load helpers
load export_helper

TCP_LINE="hivemon: tcp probes unavailable: attach failed: Operation canceled (running without them)"

setup() {
	export HIVEMON_TEST_FAIL_PROBES=tcp
	SLEEPER_PID=
}

teardown() {
	stop_report
	stop_daemon
	if [ -n "$SLEEPER_PID" ]; then
		kill "$SLEEPER_PID" 2>/dev/null
		wait "$SLEEPER_PID" 2>/dev/null
	fi
	true
}

# Runs the syscall workload "ARGS..." as NAME (foreground).
run_named() {
	local name=$1
	shift
	cp "$WORKLOADS/syscall_load" "$BATS_TEST_TMPDIR/$name"
	exec "$BATS_TEST_TMPDIR/$name" "$@" >/dev/null
}

@test "report without the tcp set: exact syscall counts, one stderr line, tcp unavailable in text" {
	start_report --duration 120s --comm dgtext
	run_named dgtext getppid 5000 &
	local pid=$!
	wait "$pid"
	end_report
	cat "$REPORT_OUT"
	run grep -c 'probes unavailable' "$REPORT_ERR"
	assert_output 1
	run grep -Fx "$TCP_LINE" "$REPORT_ERR"
	assert_success
	run grep -c -x 'probes unavailable: tcp (attach failed: Operation canceled)' "$REPORT_OUT"
	assert_output 1
	run awk -v pid="$pid" '$1 == "PID" { p = $2 } p == pid && $1 == "getppid" { print $2 }' \
		"$REPORT_OUT"
	assert_output 5000
}

@test "report --format json without the tcp set: probes_unavailable, exact counts, no tcp rows" {
	start_report --duration 120s --format json --comm dgjson
	run_named dgjson getppid 3000 &
	local pid=$!
	wait "$pid"
	end_report
	run jq -c '[.probes_unavailable, .probe_errors]' "$REPORT_OUT"
	assert_output '[["tcp"],{"tcp":"attach failed: Operation canceled"}]'
	assert_equal "$(proc_jq "$pid" '.syscalls[] | select(.name == "getppid") | .count')" 3000
	# The sched set still runs: the workload spent time on a CPU.
	proc_jq "$pid" '.sched.oncpu_ns > 0'
}

@test "without the tcp set, proto attaches its own programs instead of riding tcp's, and counts every request" {
	local py="$BATS_TEST_DIRNAME/../workloads/app_http.py" port_file="$BATS_TEST_TMPDIR/port"
	python3 "$py" server "$port_file" &
	SLEEPER_PID=$!
	wait_until 10 test -s "$port_file"
	start_report --duration 120s --format json --probes tcp,proto
	python3 "$py" client "$(cat "$port_file")" "/users/{i}:12" "/fail:3"
	end_report
	run jq -c '.probes_unavailable' "$REPORT_OUT"
	assert_output '["tcp"]'
	run jq -c --argjson pid "$SLEEPER_PID" '[.services[] | select(.pids | index($pid)) | .http[]
		| select(.role == "server") | "\(.route) \(.count) \(.errors)"] | sort' "$REPORT_OUT"
	assert_output '["/fail 3 3","/users/{id} 12 0"]'
}

@test "every set loading: probes_unavailable is empty and the text has no such line" {
	unset HIVEMON_TEST_FAIL_PROBES
	run "$HIVEMON" report --duration 0s --format json --probes syscall,sched
	assert_success
	assert_equal "$(echo "$output" | jq -c '[.probes_unavailable, .probe_errors]')" '[[],{}]'
	run "$HIVEMON" report --duration 0s --probes syscall,sched
	assert_success
	refute_output --partial 'unavailable'
}

@test "no requested set loads: exit 1 with one line per set and no report" {
	HIVEMON_TEST_FAIL_PROBES=syscall,sched run --separate-stderr \
		"$HIVEMON" report --duration 1s --probes syscall,sched
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "hivemon: syscall probes unavailable: attach failed: Operation canceled
hivemon: sched probes unavailable: attach failed: Operation canceled"
}

@test "top --once without the tcp and mem sets says so in its header and still lists processes" {
	# A process of our own, so the check does not depend on what else runs.
	"$WORKLOADS/sleeper" 400 5 &
	local sleeper=$!
	HIVEMON_TEST_FAIL_PROBES=tcp,mem run --separate-stderr \
		"$HIVEMON" top --once --standalone --interval 1s
	kill "$sleeper"
	wait "$sleeper" 2>/dev/null || true
	assert_success
	echo "$output" | head -5
	assert_equal "$(echo "$output" | sed -n 3p)" \
		"probes unavailable: tcp (attach failed: Operation canceled), mem (attach failed: Operation canceled)"
	echo "$output" | grep -E "^ *$sleeper +sleeper +[0-9.]+ .* [1-9][0-9]* +[0-9.]+ms +clock_nanosleep "
	assert_equal "$(echo "$stderr" | grep -c 'probes unavailable')" 2
}

@test "the daemon runs without the tcp set: /healthz degraded, top on its socket says why, SIGHUP does not retry" {
	local port sock="$BATS_TEST_TMPDIR/hivemon.sock" conf="$BATS_TEST_TMPDIR/hivemon.conf"
	port=$(free_port)
	cat >"$conf" <<-CONF
		[agent]
		interval = 1s
		state_dir = $BATS_TEST_TMPDIR/state
		socket = $sock
		filter.comm = dgdaemon
		[export]
		listen = 127.0.0.1:$port
	CONF
	run_named dgdaemon sleep 100000 5 &
	SLEEPER_PID=$!
	start_daemon "$conf"
	wait_until 10 curl -sf "http://127.0.0.1:$port/api/v1/report" || fail "no interval"
	run curl -s -w ' %{http_code}' "http://127.0.0.1:$port/healthz"
	assert_output 'degraded: tcp probes unavailable
 200'
	run curl -s "http://127.0.0.1:$port/api/v1/report"
	assert_equal "$(echo "$output" | jq -c .probes_unavailable)" '["tcp"]'
	# The other sets measure: the sleeper's clock_nanosleep calls are there.
	echo "$output" | jq -e '.processes[] | select(.comm == "dgdaemon")
		| .syscalls[] | select(.name == "clock_nanosleep") | .count > 0'
	# top --once reads the window over the socket, the failure with it.
	run --separate-stderr "$HIVEMON" top --once --socket "$sock"
	assert_success
	assert_line --index 2 'probes unavailable: tcp (attach failed: Operation canceled)'

	# A reload with the same probes keeps them as they are: no retry.
	kill -HUP "$DAEMON_PID"
	wait_until 10 grep -q 'reloaded' "$DAEMON_ERR" || fail "not reloaded"
	sleep 2
	cat "$DAEMON_ERR"
	kill -0 "$DAEMON_PID"
	run grep -c 'probes unavailable' "$DAEMON_ERR"
	assert_output 1
	run grep -Fx "$TCP_LINE" "$DAEMON_ERR"
	assert_success
	run grep -oE '(notice|warning|error): probes: .*' "$DAEMON_ERR"
	assert_output 'warning: probes: loaded syscall,sched,mem,proto of syscall,tcp,sched,mem,proto'
	run curl -s "http://127.0.0.1:$port/healthz"
	assert_output 'degraded: tcp probes unavailable'
}

@test "a reload that adds a set which cannot load runs without it and says so" {
	local conf="$BATS_TEST_TMPDIR/hivemon.conf"
	write_conf() {
		cat >"$conf" <<-CONF
			[agent]
			interval = 1s
			state_dir = $BATS_TEST_TMPDIR/state
			socket = $BATS_TEST_TMPDIR/hivemon.sock
			filter.comm = dgreload
			probes = $1
		CONF
	}
	write_conf syscall
	start_daemon "$conf"
	# tcp is asked for and cannot load: the reload goes through without it.
	write_conf syscall,tcp,sched
	kill -HUP "$DAEMON_PID"
	wait_until 10 grep -q 'reloaded' "$DAEMON_ERR" || fail "not reloaded"
	run grep -oE '(notice|warning|error): probes: .*' "$DAEMON_ERR"
	assert_output "notice: probes: unloaded syscall, loading syscall,tcp,sched
warning: probes: loaded syscall,sched of syscall,tcp,sched"
	run grep -Fxc "$TCP_LINE" "$DAEMON_ERR"
	assert_output 1
	kill -0 "$DAEMON_PID"
}
