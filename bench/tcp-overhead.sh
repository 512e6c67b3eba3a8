#!/bin/bash
# Throughput cost of hivemon's TCP probes: requests/s of wrk against a small
# loopback HTTP server (tests/workloads/tcp_server, no think time), without
# and with `hivemon report` running, alternated in one run so both see the
# same machine. Prints the medians and their ratio; the target is a loss of
# at most 5 % at 1000 connections.
#
# Both wrk and the server are CPU-bound on loopback, so requests/s moves
# with whatever else runs on the host. The CPU spent per request (wrk, the
# server and hivemon itself, from /proc) is steadier: its ratio is the
# throughput ratio of a CPU-bound host, and is printed too.
#
# usage: bench/tcp-overhead.sh [CONNECTIONS] [SECONDS] [ROUNDS] [PROBES]
#   defaults: 1000 connections, 5 s per run, 6 rounds, probes "tcp"
#   (PROBES is passed to --probes, e.g. "syscall,tcp,sched,mem" = default set)
# Needs root, wrk, and `make all workloads` done.
set -euo pipefail

conns=${1:-1000}
secs=${2:-5}
rounds=${3:-6}
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

hz=$(getconf CLK_TCK)
# CPU seconds (user + system) process PID has used so far.
cpu_of() { awk -v hz="$hz" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

# One wrk run (2 threads, like the 2 cores of the test VMs); prints
# "REQ_PER_S CPU_US_PER_REQUEST", the CPU of wrk, the server and hivemon
# (when $report runs) per request served.
run_wrk() {
	local before after out reqs rps wrk_cpu hm_before=0 hm_after=0
	before=$(cpu_of "$server")
	[ -n "$report" ] && hm_before=$(cpu_of "$report")
	out=$(/usr/bin/time -f 'cpu %U %S' wrk -t2 -c"$conns" -d"${secs}s" "$url" 2>&1)
	after=$(cpu_of "$server")
	[ -n "$report" ] && hm_after=$(cpu_of "$report")
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	wrk_cpu=$(awk '/^cpu/ { print $2 + $3 }' <<<"$out")
	awk -v r="$reqs" -v rps="$rps" -v w="$wrk_cpu" -v s0="$before" -v s1="$after" \
		-v h0="$hm_before" -v h1="$hm_after" \
		'BEGIN { printf "%.0f %.2f\n", rps, (w + s1 - s0 + h1 - h0) * 1e6 / r }'
}

# One run under `hivemon report`, started and attached before wrk.
run_traced() {
	"$hivemon" report --verbose --duration "$((secs + 3))s" --format json --probes "$probes" \
		>"$tmp/report.json" 2>"$tmp/report.err" &
	report=$!
	for _ in $(seq 400); do
		grep -q 'probes attached' "$tmp/report.err" && break
		sleep 0.05
	done
	grep -q 'probes attached' "$tmp/report.err" ||
		{ echo "tcp-overhead: hivemon report did not attach" >&2; cat "$tmp/report.err" >&2; exit 1; }
	run_wrk
	kill -INT "$report"
	wait "$report" || { echo "tcp-overhead: hivemon report failed" >&2; cat "$tmp/report.err" >&2; exit 1; }
	report=
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

others=$(bpftool prog show 2>/dev/null | grep -c 'tracing\|kprobe\|tracepoint\|raw_tracepoint' || true)
[ "$others" -gt 0 ] &&
	echo "note: $others other tracing BPF programs are loaded; they slow both sides alike"
run_wrk >/dev/null # warm-up: connection set-up, caches
: >"$tmp/plain"
: >"$tmp/traced"
# The second run of a pair pays for the first one's 1000 closed connections
# (TIME_WAIT, timers): an A/A run showed ~5 % from order alone. Alternating
# the order cancels it.
for r in $(seq "$rounds"); do
	if [ $((r % 2)) -eq 1 ]; then
		read -r plain plain_cpu < <(run_wrk)
		read -r traced traced_cpu < <(run_traced)
	else
		read -r traced traced_cpu < <(run_traced)
		read -r plain plain_cpu < <(run_wrk)
	fi
	if ! jq -e . "$tmp/report.json" >/dev/null 2>&1; then
		bad=$(mktemp /tmp/tcp-overhead-report.XXXXXX.json)
		cp "$tmp/report.json" "$bad"
		echo "tcp-overhead: hivemon report wrote invalid JSON (kept in $bad)" >&2
	fi
	seen=$(jq --argjson pid "$server" '[.processes[] | select(.pid == $pid) |
		.tcp.requests[] | select(.role == "server") | .count] | add // 0' "$tmp/report.json" \
		2>/dev/null || echo "?")
	lost=$(jq .lost_events "$tmp/report.json" 2>/dev/null || echo "?")
	echo "round $r: without $plain req/s ($plain_cpu us CPU/req), with $traced req/s" \
		"($traced_cpu us CPU/req; hivemon saw $seen server requests, lost $lost)"
	echo "$plain $plain_cpu" >>"$tmp/plain"
	echo "$traced $traced_cpu" >>"$tmp/traced"
done
plain=$(cut -d' ' -f1 "$tmp/plain" | median)
traced=$(cut -d' ' -f1 "$tmp/traced" | median)
plain_cpu=$(cut -d' ' -f2 "$tmp/plain" | median)
traced_cpu=$(cut -d' ' -f2 "$tmp/traced" | median)
awk -v p="$plain" -v t="$traced" -v pc="$plain_cpu" -v tc="$traced_cpu" -v c="$conns" \
	-v probes="$probes" 'BEGIN {
	printf "wrk, %d connections, probes %s: median %.0f req/s without, %.0f with hivemon report\n", c, probes, p, t
	printf "throughput ratio with/without: %.3f (loss %.1f %%)\n", t / p, (1 - t / p) * 100
	printf "CPU per request: %.2f us without, %.2f us with (wrk + server + hivemon)\n", pc, tc
	printf "CPU-bound throughput ratio (CPU/req without / with): %.3f (loss %.1f %%)\n", pc / tc, (1 - pc / tc) * 100
}'
