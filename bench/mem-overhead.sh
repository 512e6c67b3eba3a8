#!/bin/bash
# Cost of the memory probes and of the two ways to get RSS.
# 1. A page-fault-heavy load (pagetoucher: one fault per fresh 4 KiB page)
#    bare and under `hivemon report --probes mem`, interleaved, median wall
#    and CPU ns per page and the ratios (CPU time holds the fault handling
#    and the probe, and is steadier on a shared host). The rss_stat tracepoint would fire at least
#    once per such fault too, so its cost is at least the fault program's.
# 2. Reading /proc/PID/statm for every process on the host (what hivemon
#    does once per interval instead): µs per process.
#
# usage: bench/mem-overhead.sh [ROUNDS] [PAGES]   (root; make bench first)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
hivemon=${HIVEMON:-$root/build/hivemon}
toucher=${WORKLOADS:-$root/build/workloads}/pagetoucher
rounds=${1:-5}
pages=${2:-100000}
results=$(mktemp)
tracer=
cleanup() {
	[ -n "$tracer" ] && kill "$tracer" 2>/dev/null && wait "$tracer" 2>/dev/null
	rm -f "$results"
}
trap cleanup EXIT

for ((r = 1; r <= rounds; r++)); do
	echo "bare $("$toucher" "$pages")" >>"$results"
	"$hivemon" report --probes mem --duration 10m >/dev/null &
	tracer=$!
	sleep 1.5
	echo "mem $("$toucher" "$pages")" >>"$results"
	kill -INT "$tracer"
	wait "$tracer" || true
	tracer=
done

median() { # mode column
	awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$results" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "pagetoucher $pages pages, median of $rounds rounds (ns per page)"
printf '%-22s %8s %7s %8s %7s\n' mode wall ratio cpu ratio
for mode in bare mem; do
	printf '%-22s %8s %7s %8s %7s\n' "$mode" "$(median $mode 2)" \
		"$(ratio "$(median $mode 2)" "$(median bare 2)")" "$(median $mode 3)" \
		"$(ratio "$(median $mode 3)" "$(median bare 3)")"
done

python3 - <<'PY'
import os, time
pids = [p for p in os.listdir('/proc') if p.isdigit()]
t0 = time.perf_counter()
n = 0
for _ in range(20):
    for p in pids:
        try:
            with open('/proc/%s/statm' % p) as f:
                f.read()
            n += 1
        except OSError:
            pass
dt = time.perf_counter() - t0
print('/proc/PID/statm: %.1f us per process (%d processes, python; C is cheaper)' % (dt / n * 1e6, len(pids)))
PY
