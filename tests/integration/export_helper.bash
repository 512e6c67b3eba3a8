# Helpers for the exporter and store tests: a `hivemon run` daemon with a
# temporary config, started and stopped by PID, and workloads under unique
# names so the daemon's comm filter picks only them.

: "${ROOT:=$BATS_TEST_DIRNAME/../..}"

# start_daemon CONF: runs `hivemon run --config CONF`, returns once it runs.
start_daemon() {
	DAEMON_ERR="$BATS_TEST_TMPDIR/daemon.err"
	"$HIVEMON" run --config "$@" >"$BATS_TEST_TMPDIR/daemon.out" 2>"$DAEMON_ERR" &
	DAEMON_PID=$!
	for _ in $(seq 200); do
		grep -q 'running:' "$DAEMON_ERR" && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "hivemon run did not start:" >&2
	cat "$DAEMON_ERR" >&2
	return 1
}

stop_daemon() {
	if [ -n "${DAEMON_PID:-}" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
	fi
}

# workload NAME ARGS...: runs tests/workloads/syscall_load as NAME (foreground).
workload() {
	local name=$1
	shift
	cp "$WORKLOADS/syscall_load" "$BATS_TEST_TMPDIR/$name"
	"$BATS_TEST_TMPDIR/$name" "$@"
}
