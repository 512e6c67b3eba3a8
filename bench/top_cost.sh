#!/bin/bash
# CPU cost of `hivemon top` itself with N sleeping processes on screen:
# runs top for SECS seconds in a detached tmux pane and reads its
# utime+stime from /proc. MODE standalone (top loads its own probes) or
# daemon (top reads a running `hivemon run` over the socket; the daemon's
# own CPU is printed separately).
# With FILTER=comm only the N workload processes are shown (--comm), so
# other activity on the host does not change the row count.
# usage: [FILTER=comm] bench/top_cost.sh [N=500] [SECS=30] [MODE=standalone|daemon]
set -eu
n=${1:-500}
secs=${2:-30}
mode=${3:-standalone}
filter=
[ "${FILTER:-}" = comm ] && filter="--comm hm_cost"
root=$(cd "$(dirname "$0")/.." && pwd)
hivemon=$root/build/hivemon
tmp=$(mktemp -d)
workload=
daemon=

cleanup() {
	tmux -S "$tmp/tmux.sock" kill-server 2>/dev/null || true
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	[ -n "$workload" ] && kill "$workload" 2>/dev/null && wait "$workload" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

"$root/build/workloads/sleepers" "$n" 100 hm_cost >/dev/null &
workload=$!
args=--standalone
if [ "$mode" = daemon ]; then
	printf '[agent]\ninterval = 1s\nstate_dir = %s/state\nsocket = %s/hivemon.sock\n' \
		"$tmp" "$tmp" >"$tmp/hivemon.conf"
	"$hivemon" run --config "$tmp/hivemon.conf" 2>"$tmp/daemon.err" &
	daemon=$!
	args="--socket $tmp/hivemon.sock"
	sleep 3
fi
tmux -S "$tmp/tmux.sock" -f /dev/null new-session -d -s cost -x 220 -y 60 \
	"env LANG=C.UTF-8 TERM=xterm-256color $hivemon top $args $filter"
sleep 4 # probes loaded, first frames drawn
pid=$(tmux -S "$tmp/tmux.sock" display-message -p -t cost '#{pane_pid}')
t0=$(cpu_ticks "$pid")
[ -n "$daemon" ] && d0=$(cpu_ticks "$daemon")
sleep "$secs"
t1=$(cpu_ticks "$pid")
[ -n "$daemon" ] && d1=$(cpu_ticks "$daemon")
shown=$(tmux -S "$tmp/tmux.sock" capture-pane -p -t cost | grep -o 'showing [0-9]* of [0-9]*')
hz=$(getconf CLK_TCK)
awk -v t="$((t1 - t0))" -v hz="$hz" -v s="$secs" -v m="$mode" -v shown="$shown" \
	-v c="$(grep -c hm_cost <(ps -eo comm))" 'BEGIN {
	printf "hivemon top (%s), %d hm_cost processes, %s: %.2f%% of one core over %d s\n",
		m, c, shown, 100 * t / hz / s, s }'
if [ -n "$daemon" ]; then
	awk -v t="$((d1 - d0))" -v hz="$hz" -v s="$secs" 'BEGIN {
		printf "hivemon run (the daemon, not top): %.2f%% of one core\n", 100 * t / hz / s }'
fi
