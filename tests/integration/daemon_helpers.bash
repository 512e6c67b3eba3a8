# Helpers of the daemon tests: a webhook receiver (tests/helpers/
# webhook_receiver.py) and `hivemon run`, both started per test and stopped
# by PID in teardown. Everything listens on 127.0.0.1 only.

: "${ROOT:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
HELPERS_DIR="$BATS_TEST_DIRNAME/../helpers"
STARTED_PIDS=()

# start_receiver NAME [PORT]: requests go to $BATS_TEST_TMPDIR/NAME.log;
# status codes to answer are read from $BATS_TEST_TMPDIR/NAME.codes.
# Sets RECEIVER_PORT and RECEIVER_PID.
start_receiver() {
	local name=$1 port=${2:-0}
	rm -f "$BATS_TEST_TMPDIR/$name.port"
	python3 "$HELPERS_DIR/webhook_receiver.py" --port "$port" \
		--port-file "$BATS_TEST_TMPDIR/$name.port" \
		--log "$BATS_TEST_TMPDIR/$name.log" --codes "$BATS_TEST_TMPDIR/$name.codes" &
	RECEIVER_PID=$!
	STARTED_PIDS+=("$RECEIVER_PID")
	wait_until 10 test -s "$BATS_TEST_TMPDIR/$name.port" || fail "receiver $name did not start"
	RECEIVER_PORT=$(cat "$BATS_TEST_TMPDIR/$name.port")
	touch "$BATS_TEST_TMPDIR/$name.log"
}

# daemon_starts_above N: more than N "running:" lines in $DAEMON_LOG.
daemon_starts_above() {
	[ "$(grep -c 'notice: running:' "$DAEMON_LOG")" -gt "$1" ]
}

# start_daemon CONF: `hivemon run`, stderr in $DAEMON_LOG; returns once it runs.
# With DAEMON_FD_LIMIT set, it runs under `ulimit -n $DAEMON_FD_LIMIT`.
start_daemon() {
	DAEMON_LOG="$BATS_TEST_TMPDIR/daemon.log"
	touch "$DAEMON_LOG"
	local starts
	starts=$(grep -c 'notice: running:' "$DAEMON_LOG" || true)
	(
		[ -z "${DAEMON_FD_LIMIT:-}" ] || ulimit -n "$DAEMON_FD_LIMIT"
		exec "$HIVEMON" run --config "$1" 2>>"$DAEMON_LOG"
	) &
	DAEMON_PID=$!
	STARTED_PIDS+=("$DAEMON_PID")
	wait_until 20 daemon_starts_above "$starts" || {
		cat "$DAEMON_LOG" >&2
		fail "hivemon run did not start"
	}
}

# Stops what the test started, by PID.
stop_started() {
	local pid
	for pid in "${STARTED_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${STARTED_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	STARTED_PIDS=()
	true
}

# A copy of the phased sleep workload named NAME (so filters can pick it).
workload() {
	cp "$WORKLOADS/sleep_phases" "$BATS_TEST_TMPDIR/$1"
	echo "$BATS_TEST_TMPDIR/$1"
}

# write_conf FILE COMM TARGETS_INI NOTIFY: a daemon config whose one rule
# watches the clock_nanosleep p90 of COMM (warning 20 ms, critical 50 ms,
# 1 s window) and notifies NOTIFY. p90, not p99: on a busy 2-core machine a
# single late wake-up among the ~30 sleeps of an interval would be its p99.
write_conf() {
	local file=$1 comm=$2 targets=$3 notify=$4
	cat >"$file" <<CONF
[agent]
interval = 1s
state_dir = $BATS_TEST_TMPDIR/state
socket = $BATS_TEST_TMPDIR/hivemon.sock
filter.comm = $comm
probes = syscall

$targets

[alert "sleep-latency"]
metric = syscall.latency.p90
where = comm=$comm syscall=clock_nanosleep
warning = 20ms
critical = 50ms
window = 1s
notify = $notify
CONF
}

# The requests receiver NAME got, as one array: jq FILTER [JQ ARGS...] over them.
received() {
	local name=$1 filter=$2
	shift 2
	jq -s "$@" "$filter" "$BATS_TEST_TMPDIR/$name.log"
}

# Number of requests receiver NAME answered 200.
delivered_count() {
	received "$1" '[.[] | select(.code == 200)] | length'
}

# delivered_at_least NAME N: receiver NAME answered 200 at least N times.
delivered_at_least() {
	[ "$(delivered_count "$1")" -ge "$2" ]
}

# requests_at_least NAME N: receiver NAME got at least N requests.
requests_at_least() {
	[ "$(received "$1" length)" -ge "$2" ]
}

# BPF programs the daemon holds (one file descriptor each).
daemon_progs() {
	find /proc/"$DAEMON_PID"/fd -lname 'anon_inode:bpf-prog' 2>/dev/null | wc -l
}

# sample_progs FILE: appends daemon_progs to FILE, as often as it can,
# until stopped (its PID is in SAMPLER_PID and STARTED_PIDS).
sample_progs() {
	(while :; do daemon_progs >>"$1"; done) &
	SAMPLER_PID=$!
	STARTED_PIDS+=("$SAMPLER_PID")
}

# The end of the daemon's latest window as top shows it ("10:00:01"), its
# row of COMM in $BATS_TEST_TMPDIR/top.
daemon_top() {
	"$HIVEMON" top --once --socket "$BATS_TEST_TMPDIR/hivemon.sock" >"$BATS_TEST_TMPDIR/top" 2>&1
}
window_end() {
	grep -o 'to [0-9:]*' "$BATS_TEST_TMPDIR/top" | head -1
}
