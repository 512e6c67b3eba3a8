#!/bin/bash
# Throughput cost of hivemon's TCP probes: requests/s of wrk against a small
# loopback HTTP server (tests/workloads/tcp_server, no think time) with no
# tracer (none), under empty programs on the same tracepoints (floor: what
# every tracer of these events pays, bench/floor_tcp.bpf.c), under `hivemon
# report` (hivemon) and under `hivemon report --tcp-sample 8`
# (hivemon-sample8). They alternate in rotating order, in one run, so all
# see the same machine; CONFIGS="none floor hivemon" picks some ("none"
# must be among them). Prints the medians and the losses against none; the
# target is a loss of at most 5 % at 1000 connections.
#
# Both wrk and the server are CPU-bound on loopback, so requests/s moves
# with whatever else runs on the host. The CPU spent per request (wrk, the
# server and the tracer itself, from /proc) is steadier: its ratio is the
# throughput ratio of a CPU-bound host, and is printed too.
#
# usage: bench/tcp-overhead.sh [CONNECTIONS] [SECONDS] [ROUNDS] [PROBES] [WORK_US]
#   defaults: 1000 connections, 5 s per run, 6 rounds, probes "tcp", no work
#   (PROBES is passed to --probes, e.g. "syscall,tcp,sched,mem" = default set;
#   WORK_US is CPU time the server spends on each request, as a real server
#   would: the tracer's cost per request is fixed, its share falls with it)
#   SERVER=nginx serves the requests with nginx (one process, a fixed
#   answer from its config) instead of tcp_server; WORK_US does not apply
# Needs root, wrk, clang, and `make all workloads` done.
set -euo pipefail

conns=${1:-1000}
secs=${2:-5}
rounds=${3:-6}
probes=${4:-tcp}
work_us=${5:-0}
server_kind=${SERVER:-toy}
server_on=${SERVER_CPU:-1}
wrk_on=${WRK_CPU:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
hivemon=$build/hivemon
server_bin=$build/workloads/tcp_server
tmp=$(mktemp -d)
server=
tracer=

cleanup() {
	[ -n "$tracer" ] && kill "$tracer" 2>/dev/null && wait "$tracer" 2>/dev/null
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

for f in "$hivemon" "$server_bin"; do
	[ -x "$f" ] || { echo "tcp-overhead: $f missing (run make all workloads)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "tcp-overhead: wrk missing (apt-get install wrk)" >&2; exit 1; }
mkdir -p "$build/bench"
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$root/vmlinux/x86" -Wall \
	-c "$root/bench/floor_tcp.bpf.c" -o "$build/bench/floor_tcp.bpf.o"
# shellcheck disable=SC2046
gcc -O2 -Wall -o "$build/bench/floor_loader" "$root/bench/floor_loader.c" \
	$(pkg-config --cflags --libs libbpf)
ulimit -n "$(ulimit -Hn)"

# The server on one CPU and wrk (one thread) on the other: unpinned, three
# busy threads on two cores made runs differ by +-15 % from scheduling alone.
start_toy_server() {
	taskset -c "$server_on" "$server_bin" -a 127.0.0.1 -t 0 -w "$work_us" >"$tmp/server.out" &
	server=$!
	for _ in $(seq 100); do
		port=$(awk '/^port/ { print $2 }' "$tmp/server.out")
		[ -n "$port" ] && return 0
		sleep 0.02
	done
	return 1
}

# nginx, one process, answering every request from its config.
start_nginx() {
	command -v nginx >/dev/null || { echo "tcp-overhead: nginx missing (apt-get install nginx-light)" >&2; exit 1; }
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$tmp/nginx.conf" <<-EOF
		daemon off;
		master_process off;
		worker_processes 1;
		pid $tmp/nginx.pid;
		error_log $tmp/nginx.err;
		events { worker_connections $((conns + 64)); }
		http {
			access_log off;
			keepalive_requests 100000000;
			client_body_temp_path $tmp;
			proxy_temp_path $tmp;
			fastcgi_temp_path $tmp;
			uwsgi_temp_path $tmp;
			scgi_temp_path $tmp;
			server {
				listen 127.0.0.1:$port;
				location / { return 200 "ok\\n"; }
			}
		}
	EOF
	taskset -c "$server_on" nginx -c "$tmp/nginx.conf" -p "$tmp" &
	server=$!
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$port/" >/dev/null && return 0
		sleep 0.02
	done
	return 1
}

case $server_kind in
toy) start_toy_server ;;
nginx) start_nginx ;;
*) echo "tcp-overhead: SERVER is toy or nginx" >&2; exit 2 ;;
esac || { echo "tcp-overhead: server did not start" >&2; exit 1; }
url=http://127.0.0.1:$port/

hz=$(getconf CLK_TCK)
# CPU seconds (user + system) process PID has used so far.
cpu_of() { awk -v hz="$hz" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }

# One wrk run (one thread, pinned); prints
# "REQ_PER_S CPU_US_PER_REQUEST", the CPU of wrk, the server and the tracer
# (when $tracer runs) per request served.
run_wrk() {
	local before after out reqs rps wrk_cpu tr_before=0 tr_after=0
	before=$(cpu_of "$server")
	[ -n "$tracer" ] && tr_before=$(cpu_of "$tracer")
	out=$(/usr/bin/time -f 'cpu %U %S' taskset -c "$wrk_on" wrk -t1 -c"$conns" -d"${secs}s" "$url" 2>&1)
	after=$(cpu_of "$server")
	[ -n "$tracer" ] && tr_after=$(cpu_of "$tracer")
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	wrk_cpu=$(awk '/^cpu/ { print $2 + $3 }' <<<"$out")
	awk -v r="$reqs" -v rps="$rps" -v w="$wrk_cpu" -v s0="$before" -v s1="$after" \
		-v h0="$tr_before" -v h1="$tr_after" \
		'BEGIN { printf "%.0f %.2f\n", rps, (w + s1 - s0 + h1 - h0) * 1e6 / r }'
}

# Starts TRACER-COMMAND... in the background, waits until its stderr or
# stdout says it attached (PATTERN), runs wrk under it, and stops it.
run_under() {
	local pattern=$1
	shift
	"$@" >"$tmp/tracer.out" 2>"$tmp/tracer.err" &
	tracer=$!
	for _ in $(seq 400); do
		grep -qs "$pattern" "$tmp/tracer.out" "$tmp/tracer.err" && break
		sleep 0.05
	done
	grep -qs "$pattern" "$tmp/tracer.out" "$tmp/tracer.err" ||
		{ echo "tcp-overhead: $1 did not attach" >&2; cat "$tmp/tracer.err" >&2; exit 1; }
	run_wrk
	kill -INT "$tracer"
	wait "$tracer" || { echo "tcp-overhead: $1 failed" >&2; cat "$tmp/tracer.err" >&2; exit 1; }
	tracer=
}

run_config() {
	case $1 in
	none) run_wrk ;;
	floor) run_under "attached" "$build/bench/floor_loader" "$build/bench/floor_tcp.bpf.o" ;;
	hivemon)
		run_under "probes attached" "$hivemon" report --verbose --duration 1h --format json \
			--probes "$probes"
		;;
	hivemon-sample8)
		run_under "probes attached" "$hivemon" report --verbose --duration 1h --format json \
			--probes "$probes" --tcp-sample 8
		;;
	esac
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

others=$(bpftool prog show 2>/dev/null | grep -c 'tracing\|kprobe\|tracepoint\|raw_tracepoint' || true)
[ "$others" -gt 0 ] &&
	echo "note: $others other tracing BPF programs are loaded; they slow every configuration alike"
run_wrk >/dev/null # warm-up: connection set-up, caches
read -r -a configs <<<"${CONFIGS:-none floor hivemon hivemon-sample8}"
# Each run pays for the previous one's 1000 closed connections (TIME_WAIT,
# timers): an A/A run showed ~5 % from order alone. Rotating the order
# spreads that over all configurations.
for r in $(seq "$rounds"); do
	line="round $r:"
	for i in "${!configs[@]}"; do
		c=${configs[$(((i + r) % ${#configs[@]}))]}
		run_config "$c" >"$tmp/run" # not in a subshell: cleanup must see $tracer
		read -r run_rps run_cpu <"$tmp/run"
		echo "$run_rps $run_cpu" >>"$tmp/$c"
		line+=" $c $run_rps req/s ($run_cpu us CPU/req)"
		if [ "${c#hivemon}" != "$c" ]; then
			seen=$(jq --argjson pid "$server" '[.processes[] | select(.pid == $pid) |
				.tcp.requests[] | select(.role == "server") | .count] | add // 0' \
				"$tmp/tracer.out" 2>/dev/null || echo "?")
			lost=$(jq .lost_events "$tmp/tracer.out" 2>/dev/null || echo "?")
			line+=" [saw $seen server requests, lost $lost]"
		fi
		line+=";"
	done
	echo "$line"
done
declare -A med_rps med_cpu
for c in "${configs[@]}"; do
	med_rps[$c]=$(cut -d' ' -f1 "$tmp/$c" | median)
	med_cpu[$c]=$(cut -d' ' -f2 "$tmp/$c" | median)
done
base_rps=${med_rps[none]}
base_cpu=${med_cpu[none]}
echo "wrk, $conns connections, server $server_kind, $work_us us of work per request, probes $probes"
for c in "${configs[@]}"; do
	# Rounds swing with the shared host; a round's configurations see the
	# same host, so the loss within each round is steadier: its median too.
	paired=$(paste -d' ' "$tmp/none" "$tmp/$c" | awk '{ print (1 - $2 / $4) * 100 }' | median)
	awk -v c="$c" -v n="$base_rps" -v r="${med_rps[$c]}" -v nc="$base_cpu" -v rc="${med_cpu[$c]}" \
		-v fc="${med_cpu[floor]:-}" -v paired="$paired" 'BEGIN {
		printf "%-16s median %7.0f req/s (loss %5.1f %%), %6.2f us CPU/req (CPU-bound loss %5.1f %%, per round %5.1f %%)",
			c, r, (1 - r / n) * 100, rc, (1 - nc / rc) * 100, paired
		if (fc != "" && c != "none" && c != "floor")
			printf ", %.2f us/req above the floor", rc - fc
		printf "\n"
	}'
done
