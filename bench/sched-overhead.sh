#!/bin/bash
# Cost of scheduler tracing on a context-switch-heavy load: two processes
# pinned to one CPU bounce a byte through pipes (pingpong). Each round runs
# the load bare, under `hivemon report --probes sched`, under libbpf-tools
# runqlat (when installed) and under hivemon's default probe set, all in the
# same run and interleaved so drift of the host hits every mode alike.
# Prints the median ns per round trip of each mode and its ratio to bare:
# wall time, and CPU time of the two processes (where tracing cost lands;
# steadier than wall time on a host shared with other work).
#
# usage: bench/sched-overhead.sh [ROUNDS] [ROUNDTRIPS] [CPU]   (root; make bench first)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
hivemon=${HIVEMON:-$root/build/hivemon}
pingpong=${WORKLOADS:-$root/build/workloads}/pingpong
rounds=${1:-5}
trips=${2:-200000}
cpu=${3:-0}
settle=1.5 # seconds for a tracer to load and attach before the load starts

[ -x "$hivemon" ] && [ -x "$pingpong" ] || { echo "run 'make bench' first" >&2; exit 1; }
modes="bare hivemon-sched"
command -v runqlat >/dev/null && modes="$modes runqlat"
modes="$modes hivemon-default"
results=$(mktemp)
tracer=
cleanup() {
	[ -n "$tracer" ] && kill "$tracer" 2>/dev/null && wait "$tracer" 2>/dev/null
	rm -f "$results"
}
trap cleanup EXIT

start_tracer() { # mode
	case $1 in
	bare) return ;;
	hivemon-sched) "$hivemon" report --probes sched --duration 10m >/dev/null & ;;
	hivemon-default) "$hivemon" report --duration 10m >/dev/null & ;;
	runqlat) runqlat 3600 1 >/dev/null & ;;
	esac
	tracer=$!
	sleep "$settle"
	kill -0 "$tracer" || { echo "tracer for $1 failed to start" >&2; exit 1; }
}

stop_tracer() {
	[ -z "$tracer" ] && return
	kill -INT "$tracer"
	wait "$tracer" || true
	tracer=
}

for ((r = 1; r <= rounds; r++)); do
	for mode in $modes; do
		start_tracer "$mode"
		read -r wall cpuns < <("$pingpong" "$trips" "$cpu")
		stop_tracer
		echo "$mode $wall $cpuns" >>"$results"
		echo "round $r $mode: $wall ns wall, $cpuns ns CPU per round trip" >&2
	done
done

median() { # mode column
	awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$results" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
wall0=$(median bare 2)
cpu0=$(median bare 3)
echo "pingpong $trips round trips on CPU $cpu, median of $rounds rounds (ns per round trip)"
printf '%-16s %10s %8s %10s %8s\n' mode wall ratio cpu ratio
for mode in $modes; do
	w=$(median "$mode" 2)
	c=$(median "$mode" 3)
	printf '%-16s %10.0f %8s %10.0f %8s\n' "$mode" "$w" "$(ratio "$w" "$wall0")" "$c" "$(ratio "$c" "$cpu0")"
done
