#!/bin/bash
# Throughput cost of hivemon's TCP probes: requests/s of wrk against a small
# loopback HTTP server (tests/workloads/tcp_server, no think time), without
# and with `hivemon report` running, alternated in one run so both see the
# same machine. Prints the medians and their ratio; the target is a loss of
# at most 5 % at 1000 connections.
#
# usage: bench/tcp-overhead.sh [CONNECTIONS] [SECONDS] [ROUNDS] [PROBES]
#   defaults: 1000 connections, 5 s per run, 3 rounds, probes "tcp"
#   (PROBES is passed to --probes, e.g. "syscall,tcp,sched,mem" = default set)
# Needs root, wrk, and `make all workloads` done.
set -euo pipefail

conns=${1:-1000}
secs=${2:-5}
rounds=${3:-3}
probes=${4:-tcp}
root=$(cd "$(dirname "$0")/.." && pwd)
hivemon=$root/build/hivemon
server_bin=$root/build/workloads/tcp_server
tmp=$(mktemp -d)
server=
report=

cleanup() {
	[ -n "$report" ] && kill "$report" 2>/dev/null && wait "$report" 2>/dev/null
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

for f in "$hivemon" "$server_bin"; do
	[ -x "$f" ] || { echo "tcp-overhead: $f missing (run make all workloads)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "tcp-overhead: wrk missing (apt-get install wrk)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"

"$server_bin" -a 127.0.0.1 -t 0 >"$tmp/server.out" &
server=$!
for _ in $(seq 100); do
	port=$(awk '/^port/ { print $2 }' "$tmp/server.out")
	[ -n "$port" ] && break
	sleep 0.02
done
[ -n "$port" ] || { echo "tcp-overhead: server did not start" >&2; exit 1; }
url=http://127.0.0.1:$port/

# Requests/s of one wrk run (2 threads, like the 2 cores of the test VMs).
run_wrk() {
	wrk -t2 -c"$conns" -d"${secs}s" "$url" 2>&1 | awk '/^Requests\/sec:/ { print $2 }'
}

# One run under `hivemon report`, started and attached before wrk.
run_traced() {
	"$hivemon" report --verbose --duration "$((secs + 3))s" --format json --probes "$probes" \
		>"$tmp/report.json" 2>"$tmp/report.err" &
	report=$!
	for _ in $(seq 200); do
		grep -q 'probes attached' "$tmp/report.err" && break
		sleep 0.05
	done
	run_wrk
	kill -INT "$report"
	wait "$report"
	report=
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run_wrk >/dev/null # warm-up: connection set-up, caches
: >"$tmp/plain"
: >"$tmp/traced"
for r in $(seq "$rounds"); do
	plain=$(run_wrk)
	traced=$(run_traced)
	seen=$(jq --argjson pid "$server" '[.processes[] | select(.pid == $pid) |
		.tcp.requests[] | select(.role == "server") | .count] | add // 0' "$tmp/report.json")
	lost=$(jq .lost_events "$tmp/report.json")
	echo "round $r: without $plain req/s, with $traced req/s (hivemon saw $seen server requests, lost $lost)"
	echo "$plain" >>"$tmp/plain"
	echo "$traced" >>"$tmp/traced"
done
plain=$(median <"$tmp/plain")
traced=$(median <"$tmp/traced")
awk -v p="$plain" -v t="$traced" -v c="$conns" -v probes="$probes" 'BEGIN {
	printf "wrk, %d connections, probes %s: median %.0f req/s without, %.0f with hivemon report\n", c, probes, p, t
	printf "ratio with/without: %.3f (throughput loss %.1f %%)\n", t / p, (1 - t / p) * 100
}'
