#!/bin/bash
# Daemon cost: CPU (% of one core) and RSS of `hivemon run` with the shipped
# rules (deploy/hivemon.conf), system-wide, at idle and while a process makes
# ~100k getppid calls per second. Not a pass/fail test.
#   usage: [FILTER=NAME] [EXTRA_RULES=FILE] bench/daemon_overhead.sh [SECONDS]
#   (as root, after `make all workloads`)
set -eu
cd "$(dirname "$0")/.."
secs=${1:-30}
tmp=$(mktemp -d)
trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; rm -rf "$tmp"' EXIT
sed -e "s|^state_dir = .*|state_dir = $tmp/state|" -e 's|^listen = .*|; no exporter|' \
	deploy/hivemon.conf >"$tmp/hivemon.conf"
sed -i "s|^; socket = .*|socket = $tmp/hivemon.sock|" "$tmp/hivemon.conf"
# FILTER=NAME traces only processes named NAME (the daemon's own floor when
# nothing matches); EXTRA_RULES=FILE appends rules (e.g. a syscall rule over
# every process).
if [ -n "${FILTER:-}" ]; then
	sed -i "s|^; filter.comm = .*|filter.comm = $FILTER|" "$tmp/hivemon.conf"
fi
if [ -n "${EXTRA_RULES:-}" ]; then
	cat "$EXTRA_RULES" >>"$tmp/hivemon.conf"
fi
./build/hivemon run --config "$tmp/hivemon.conf" 2>"$tmp/log" &
daemon=$!
until grep -q 'running:' "$tmp/log" 2>/dev/null; do sleep 0.1; done
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$daemon/status"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$daemon/status"; }

measure() { # label, then a command run during the measurement (or "sleep")
	local label=$1
	shift
	local t0 c0 t1 c1
	sleep 3 # let the windows fill
	t0=$(date +%s.%N)
	c0=$(cpu_ticks)
	"$@"
	t1=$(date +%s.%N)
	c1=$(cpu_ticks)
	awk -v l="$label" -v c=$((c1 - c0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" \
		-v rss="$(rss_kb)" -v hwm="$(hwm_kb)" 'BEGIN {
		printf "%-28s cpu %5.2f %% of one core over %.1f s, RSS %.1f MB (peak %.1f MB)\n",
			l, 100 * c / hz / (t1 - t0), t1 - t0, rss / 1024, hwm / 1024 }'
}

load() { # ~100k getppid/s: 1150 calls then a 10 ms sleep, for $secs s
	local start end
	start=$(date +%s.%N)
	./build/workloads/syscall_load mixed $((secs * 100000)) 1150 10
	end=$(date +%s.%N)
	awk -v n=$((secs * 100000)) -v a="$start" -v b="$end" \
		'BEGIN { printf "  (load: %.0f getppid calls/s)\n", n / (b - a) }' >&2
}

measure "idle" sleep "$secs"
measure "~100k syscalls/s" load
