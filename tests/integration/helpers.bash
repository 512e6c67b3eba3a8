# Shared helpers for the bats integration tests. They need root: they load
# the real BPF programs. $HIVEMON and $WORKLOADS come from tests/run-all.sh.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${HIVEMON:=$BATS_TEST_DIRNAME/../../build/hivemon}"
: "${WORKLOADS:=$BATS_TEST_DIRNAME/../../build/workloads}"

# Starts `hivemon report --verbose ARGS...` in the background and returns
# once its probes are attached. Output lands in $REPORT_OUT / $REPORT_ERR.
start_report() {
	REPORT_OUT="$BATS_TEST_TMPDIR/report.out"
	REPORT_ERR="$BATS_TEST_TMPDIR/report.err"
	"$HIVEMON" report --verbose "$@" >"$REPORT_OUT" 2>"$REPORT_ERR" &
	REPORT_PID=$!
	for _ in $(seq 200); do
		grep -q 'probes attached' "$REPORT_ERR" && return 0
		kill -0 "$REPORT_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "hivemon report did not attach:" >&2
	cat "$REPORT_ERR" >&2
	return 1
}

# Ends the report started by start_report now, as Ctrl-C would, so tests
# do not depend on how fast this machine runs the workload.
end_report() {
	kill -INT "$REPORT_PID"
	finish_report
}

# Waits for the report started by start_report; fails if it failed.
finish_report() {
	wait "$REPORT_PID"
	local rc=$?
	REPORT_PID=
	[ "$rc" -eq 0 ] || { cat "$REPORT_ERR" >&2; return 1; }
}

# Stops a report still running (test teardown).
stop_report() {
	if [ -n "${REPORT_PID:-}" ]; then
		kill "$REPORT_PID" 2>/dev/null
		wait "$REPORT_PID" 2>/dev/null
		REPORT_PID=
	fi
}

# jq over the process record of PID in the JSON report: proc_jq PID FILTER
proc_jq() {
	jq -e --argjson pid "$1" ".processes[] | select(.pid == \$pid) | $2" "$REPORT_OUT"
}

# A syscall field of PID: syscall_field PID NAME FIELD
syscall_field() {
	proc_jq "$1" ".syscalls[] | select(.name == \"$2\") | .$3"
}

# Asserts that VALUE lies within PCT percent of EXPECTED.
assert_within_pct() {
	local value=$1 expected=$2 pct=$3
	awk -v v="$value" -v e="$expected" -v p="$pct" \
		'BEGIN { d = v - e; if (d < 0) d = -d; exit !(d <= e * p / 100) }' ||
		fail "$value is not within $pct% of $expected"
}

# Asserts LOW <= VALUE <= HIGH (numbers, possibly fractional).
assert_between() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
		fail "$1 is not between $2 and $3"
}

# Runs CMD... until it succeeds, every 0.1 s, for at most SECONDS.
wait_until() {
	local seconds=$1
	shift
	local deadline=$((SECONDS + seconds))
	while ! "$@" 2>/dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# A TCP port free on 127.0.0.1 right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
