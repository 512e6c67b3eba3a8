#!/bin/bash
# Cost of the malloc probes (--alloc) to the process they watch: ns per
# malloc+free pair (64 bytes) of a loop running for a fixed time, with no
# probes, with the probes attached all the time, and duty-cycled
# (--alloc-duty ON/PERIOD: the average over whole periods). Interleaved
# rounds, medians.
#
# usage: bench/alloc-overhead.sh [ROUNDS] [SECONDS] [DUTY]   (root; make bench first)
#        DUTY defaults to 1s/10s; SECONDS (default 20) should span whole periods.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
hivemon=${HIVEMON:-$root/build/hivemon}
mallocer=${WORKLOADS:-$root/build/workloads}/mallocer
rounds=${1:-3}
seconds=${2:-20}
duty=${3:-1s/10s}
tmp=$(mktemp -d)
results=$tmp/results
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# run MODE: one timed loop; hivemon (if any) attached before it starts.
run() {
	local start=$tmp/start out=$tmp/out tracer=
	rm -f "$start" "$out"
	"$mallocer" -b "$seconds" 64 "$start" >"$out" &
	local loop=$!
	pids=("$loop")
	case $1 in
	probes) "$hivemon" report --probes sched --alloc --pid "$loop" --duration 10m \
		--verbose >/dev/null 2>"$tmp/err" & ;;
	duty) "$hivemon" report --probes sched --alloc --alloc-duty "$duty" --pid "$loop" \
		--duration 10m --verbose >/dev/null 2>"$tmp/err" & ;;
	esac
	if [ "$1" != none ]; then
		tracer=$!
		pids+=("$tracer")
		until grep -q 'probes attached' "$tmp/err"; do
			kill -0 "$tracer" || { cat "$tmp/err" >&2; exit 1; }
			sleep 0.05
		done
	fi
	touch "$start"
	wait "$loop"
	[ -n "$tracer" ] && { kill -INT "$tracer"; wait "$tracer" || true; }
	pids=()
	echo "$1 $(cat "$out")" >>"$results"
	echo "round $r $1: $(cat "$out") ns per malloc+free" >&2
}

for ((r = 1; r <= rounds; r++)); do
	for mode in none probes duty; do run $mode; done
done

median() {
	awk -v m="$1" '$1 == m { print $2 }' "$results" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
base=$(median none)
echo "malloc(64)+free for ${seconds}s, median of $rounds rounds"
printf '%-26s %10s %8s\n' mode ns/pair ratio
for mode in none probes duty; do
	label=$mode
	[ $mode = duty ] && label="duty $duty"
	m=$(median $mode)
	printf '%-26s %10s %8s\n' "$label" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.1f", a / b }')"
done
