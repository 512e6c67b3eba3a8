#!/bin/bash
# What the whole agent costs a busy server: wrk (1000 connections, one
# thread) against a loopback HTTP server with no tracer (none), under empty
# programs on every hook the default probe sets use (floor-all,
# bench/floor_all.bpf.c), under `hivemon report` with the default probes
# (hivemon) and with each probe set alone (hivemon-syscall, hivemon-tcp,
# hivemon-sched, hivemon-mem); hivemon-before runs another build of hivemon
# (HIVEMON_BEFORE) the same way, to compare two builds in one run.
# Configurations alternate in an order that rotates and reverses
# every other round, over ROUNDS rounds; medians
# are reported. Then, with
# kernel.bpf_stats_enabled=1, one more run per hivemon configuration (and
# floor-all, whose empty programs give each hook's floor) gives each of its
# BPF programs' events and ns per request.
#
# usage: bench/agent-overhead.sh [-c CONNS] [-d SECS] [-r ROUNDS] [-w WORK_US] [-s STATS_RUNS] [-u WARM_SECS]
#   defaults: 1000 connections, 10 s per run, 10 rounds, no work, 1 stats run, no warm-up
#   -w: CPU time the server spends on each request (toy and threaded only)
#   -s: runs per hivemon configuration and floor-all with BPF stats on (0: none)
#   -u: seconds of unmeasured load under each configuration before its
#       measured run (the tracer started, its first intervals past): the
#       steady state of a long-running daemon rather than of a fresh report
# environment:
#   SERVER=toy|threaded|nginx|all, or a list ("toy nginx"); default toy
#   CONFIGS="none floor-all hivemon ..." picks configurations (none first
#     is not needed, but the losses need none and the floor lines floor-all)
#   URL_PATH=/api/v1/users/12345?page=2 asks for that target instead of /
#     (a route of realistic length for the proto parsers; the toy and
#     threaded servers answer any target, nginx gives 404)
#   HIVEMON_BEFORE=PATH: the hivemon binary of configuration hivemon-before
#     (e.g. the main branch built in another directory)
#   UNPINNED=1 lets the scheduler place server and wrk; otherwise the
#     server runs on CPU SERVER_CPU (1) and wrk on CPU WRK_CPU (0), except
#     the threaded server (PIN_THREADED=1 pins it too; see pin_for)
# Needs root, wrk, jq, bpftool, clang, nginx for SERVER=nginx
# (apt-get install nginx-light). Builds hivemon and the workloads.
# Everything it starts is stopped by PID on exit, and the sysctl restored.
set -euo pipefail

conns=1000
secs=10
rounds=10
work_us=0
stats_runs=1
warm_secs=0
while getopts "c:d:r:w:s:u:h" o; do
	case $o in
	c) conns=$OPTARG ;;
	d) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	w) work_us=$OPTARG ;;
	s) stats_runs=$OPTARG ;;
	u) warm_secs=$OPTARG ;;
	*) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" && exit 2 ;;
	esac
done

die() { echo "agent-overhead: $*" >&2; exit 1; }
in_range() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
in_range "$conns" 1 20000 || die "-c CONNS is 1..20000"
in_range "$secs" 1 120 || die "-d SECS is 1..120"
in_range "$rounds" 1 50 || die "-r ROUNDS is 1..50"
in_range "$work_us" 0 100000 || die "-w WORK_US is 0..100000"
in_range "$stats_runs" 0 10 || die "-s STATS_RUNS is 0..10"
in_range "$warm_secs" 0 60 || die "-u WARM_SECS is 0..60"
[ "$(id -u)" -eq 0 ] || die "run as root (BPF)"
for t in wrk jq bpftool clang taskset curl; do
	command -v "$t" >/dev/null || die "$t missing"
done

servers=${SERVER:-toy}
[ "$servers" = all ] && servers="toy threaded nginx"
read -r -a servers <<<"$servers"
for s in "${servers[@]}"; do
	case $s in
	toy | threaded) ;;
	nginx) command -v nginx >/dev/null || die "nginx missing (apt-get install nginx-light)" ;;
	*) die "SERVER is toy, threaded, nginx or all" ;;
	esac
done
read -r -a configs <<<"${CONFIGS:-none floor-all hivemon hivemon-syscall hivemon-tcp hivemon-sched hivemon-mem}"
for c in "${configs[@]}"; do
	case $c in
	hivemon-before) [ -x "${HIVEMON_BEFORE:-}" ] || die "hivemon-before needs HIVEMON_BEFORE=PATH" ;;
	none | floor-all | hivemon | hivemon-*) ;; # hivemon-LIST: --probes LIST
	*) die "unknown configuration $c" ;;
	esac
done
# The server on one CPU and wrk (one thread) on the other, as
# tcp-overhead.sh: unpinned, busy threads on two cores made runs differ by
# +-15 % from scheduling alone. Not the threaded server: pinned so, its
# 1000 threads and wrk were all found asleep with requests outstanding,
# a few thousand req/s at most (cross-CPU wakeups of idle threads stall
# on the test VM); PIN_THREADED=1 pins it anyway.
pin_for() { # KIND: sets server_pin, wrk_pin, pinning
	if [ "${UNPINNED:-0}" = 1 ] || { [ "$1" = threaded ] && [ "${PIN_THREADED:-0}" != 1 ]; }; then
		server_pin=()
		wrk_pin=()
		pinning="unpinned"
	else
		server_pin=(taskset -c "${SERVER_CPU:-1}")
		wrk_pin=(taskset -c "${WRK_CPU:-0}")
		pinning="server on CPU ${SERVER_CPU:-1}, wrk on CPU ${WRK_CPU:-0}, tracer unpinned"
	fi
}

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
hivemon=$build/hivemon
tmp=$(mktemp -d /tmp/hivemon-agent-bench.XXXXXX)
tracer=        # PID of the running tracer (SIGINT stops it)
servers_up=()  # PIDs of the running server's processes (SIGTERM stops them)
stats_old=     # kernel.bpf_stats_enabled before we set it

# Stops PID with SIGNAL, waits up to 10 s, then SIGKILL.
stop() { # SIGNAL PID
	kill "-$1" "$2" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$2" 2>/dev/null || true
	wait "$2" 2>/dev/null || true
}

cleanup() {
	local p
	[ -n "$tracer" ] && stop INT "$tracer"
	for p in "${servers_up[@]}"; do stop TERM "$p"; done
	[ -n "$stats_old" ] && sysctl -q -w kernel.bpf_stats_enabled="$stats_old"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ----
make -C "$root" -s BUILD="$build" all workloads >"$tmp/make.log" 2>&1 ||
	{ tail -5 "$tmp/make.log" >&2; die "build failed"; }
mkdir -p "$build/bench"
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$root/vmlinux/x86" -Wall \
	-c "$root/bench/floor_all.bpf.c" -o "$build/bench/floor_all.bpf.o"
# shellcheck disable=SC2046
gcc -O2 -Wall -o "$build/bench/floor_loader" "$root/bench/floor_loader.c" \
	$(pkg-config --cflags --libs libbpf)
ulimit -n "$(ulimit -Hn)"

n_stats=0
for c in "${configs[@]}"; do [[ $c == hivemon* || $c == floor-all ]] && n_stats=$((n_stats + 1)); done
# Each run is WARM_SECS + SECS of wrk plus ~2 s to attach and detach.
est=$(((rounds * ${#configs[@]} + 1 + stats_runs * n_stats) * (warm_secs + secs + 2) * ${#servers[@]}))
echo "# about $((est / 60 + 1)) min: ${#servers[@]} server(s) x ($rounds rounds x ${#configs[@]} configurations + warm-up + $((stats_runs * n_stats)) stats runs) x $((warm_secs + secs)) s"

# ---- servers ----
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # PID-of-server
	for _ in $(seq 200); do
		curl -sf -m 1 "http://127.0.0.1:$port/" >/dev/null && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# tcp_server or tcp_threaded_server; both print "port N".
start_workload() { # BINARY ARGS...
	"${server_pin[@]}" "$@" >"$tmp/server.out" &
	servers_up=($!)
	for _ in $(seq 200); do
		port=$(awk '/^port/ { print $2 }' "$tmp/server.out")
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] && wait_port "${servers_up[0]}"
}

# nginx: a master and 2 workers, every request answered from the config.
start_nginx() {
	local master
	port=$(free_port)
	cat >"$tmp/nginx.conf" <<-EOF
		daemon off;
		worker_processes 2;
		worker_rlimit_nofile $((2 * conns + 256));
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
				location / { return 200 "ok"; }
			}
		}
	EOF
	"${server_pin[@]}" nginx -e "$tmp/nginx.err" -c "$tmp/nginx.conf" -p "$tmp" &
	master=$!
	servers_up=("$master")
	wait_port "$master" || return 1
	# The master first: on SIGTERM it stops its workers, which stopped
	# first it would start again.
	read -r -a servers_up <<<"$master $(cat /proc/"$master"/task/*/children)"
	[ "${#servers_up[@]}" -eq 3 ]
}

start_server() { # KIND
	port=
	case $1 in
	toy) start_workload "$build/workloads/tcp_server" -a 127.0.0.1 -t 0 -w "$work_us" ;;
	threaded) start_workload "$build/workloads/tcp_threaded_server" -a 127.0.0.1 -w "$work_us" ;;
	nginx) start_nginx ;;
	esac || die "server $1 did not start"
	url=http://127.0.0.1:$port${URL_PATH:-/}
}

stop_server() {
	local p
	for p in "${servers_up[@]}"; do stop TERM "$p"; done
	servers_up=()
}

# ---- measuring ----
hz=$(getconf CLK_TCK)
cpu_of() { # PID... -> CPU seconds (user + system, live and dead threads)
	local p
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null || true; done |
		awk -v hz="$hz" '{ s += $14 + $15 } END { printf "%.4f\n", s / hz }'
}
# The tracer's CPU seconds to the ns (its threads live through the run):
# in clock ticks, a 10 s run of hivemon would be a handful of them.
tracer_cpu_of() { # PID
	cat "/proc/$1/task/"*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.6f\n", s / 1e9 }'
}

prog_ids() { # PID -> JSON array of the BPF program ids its fds hold
	{ cat "/proc/$1/fdinfo/"* 2>/dev/null || true; } | awk '/^prog_id:/ { print $2 }' | sort -un | jq -sc .
}

bpf_counters() { # IDS-JSON -> "name run_cnt run_time_ns" per program
	bpftool prog show -j | jq -r --argjson ids "$1" '.[] | select(.id as $i | $ids | index($i)) |
		"\(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"' | sort
}

# Tracing BPF programs on the host not held by PID (0: anyone's): another
# tracer raises every configuration's cost, none included.
foreign_progs() { # PID
	local ours
	ours=$(prog_ids "${1:-0}")
	bpftool prog show -j | jq --argjson ours "$ours" '[.[] | select(.type == "tracing" or
		.type == "raw_tracepoint" or .type == "tracepoint" or .type == "kprobe") |
		select(.id as $i | $ours | index($i) | not)] | length'
}

# One wrk run; writes "REQ_PER_S CPU_US_PER_REQ TRACER_US_PER_REQ REQUESTS
# SOCKET_ERRORS CORES" to $tmp/run: CPU of wrk, the server and the tracer
# per request, the tracer's own (userspace: BPF programs run in the traced
# tasks) on its own, and how many CPUs the three kept busy on average.
# With STATS_TO=FILE, also the BPF counters of the tracer's programs
# before and after, in FILE.before and FILE.after.
run_wrk() {
	local s0 s1 t0=0 t1=0 out ids=
	if [ -n "${STATS_TO:-}" ]; then
		ids=$(prog_ids "$tracer")
		bpf_counters "$ids" >"$STATS_TO.before"
	fi
	s0=$(cpu_of "${servers_up[@]}")
	[ -n "$tracer" ] && t0=$(tracer_cpu_of "$tracer")
	out=$(/usr/bin/time -f 'cpu %U %S' timeout $((secs + 30)) "${wrk_pin[@]}" \
		wrk -t1 -c"$conns" -d"${secs}s" "$url" 2>&1) || { echo "$out" >&2; die "wrk failed"; }
	s1=$(cpu_of "${servers_up[@]}")
	[ -n "$tracer" ] && t1=$(tracer_cpu_of "$tracer")
	[ -n "$ids" ] && bpf_counters "$ids" >"$STATS_TO.after"
	awk -v s0="$s0" -v s1="$s1" -v t0="$t0" -v t1="$t1" -v secs="$secs" '
		/requests in/ { reqs = $1 }
		/^Requests\/sec:/ { rps = $2 }
		/^cpu/ { wrk = $2 + $3 }
		/Socket errors:/ { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
		END {
			if (!reqs) exit 1
			cpu = wrk + s1 - s0 + t1 - t0
			printf "%.0f %.3f %.3f %d %d %.2f\n", rps, cpu * 1e6 / reqs,
				(t1 - t0) * 1e6 / reqs, reqs, errs, cpu / secs
		}' <<<"$out" >"$tmp/run" || { echo "$out" >&2; die "no requests counted"; }
}

# WARM_SECS of the same load before the measured run, not measured: what
# a tracer costs once past its first intervals.
warm_up() {
	[ "$warm_secs" -gt 0 ] || return 0
	timeout $((warm_secs + 30)) "${wrk_pin[@]}" wrk -t1 -c"$conns" -d"${warm_secs}s" "$url" >/dev/null 2>&1 ||
		die "warm-up wrk failed"
}

tracer_cmd() { # CONFIG
	case $1 in
	floor-all) echo "$build/bench/floor_loader $build/bench/floor_all.bpf.o" ;;
	hivemon) echo "$hivemon report --verbose --duration 1h --format json" ;;
	hivemon-before) echo "$HIVEMON_BEFORE report --verbose --duration 1h --format json" ;;
	hivemon-*) echo "$hivemon report --verbose --duration 1h --format json --probes ${1#hivemon-}" ;;
	esac
}

# Starts CONFIG's tracer, waits until it says it attached, runs wrk under
# it, stops it; $tmp/tracer.out holds what it printed (hivemon's report).
run_config() { # CONFIG
	local cmd pattern="probes attached"
	[ "$1" = none ] && { warm_up; run_wrk; return; }
	[ "$1" = floor-all ] && pattern="^attached"
	read -r -a cmd <<<"$(tracer_cmd "$1")"
	"${cmd[@]}" >"$tmp/tracer.out" 2>"$tmp/tracer.err" &
	tracer=$!
	# Up to 60 s: on a host loaded by other jobs, loading and attaching
	# took over 20 s.
	for _ in $(seq 1200); do
		grep -qs "$pattern" "$tmp/tracer.out" "$tmp/tracer.err" && break
		kill -0 "$tracer" 2>/dev/null || break
		sleep 0.05
	done
	grep -qs "$pattern" "$tmp/tracer.out" "$tmp/tracer.err" ||
		{ cat "$tmp/tracer.err" >&2; die "$1 did not attach"; }
	warm_up
	run_wrk
	kill -INT "$tracer"
	wait "$tracer" || { cat "$tmp/tracer.err" >&2; die "$1 failed"; }
	tracer=
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# What hivemon's report says: lost events, and requests it saw the
# server's processes serve.
hivemon_seen() {
	local pids
	pids=$(printf '%s\n' "${servers_up[@]}" | jq -sc .)
	jq -r --argjson pids "$pids" '"\(.lost_events) \([.processes[] |
		select(.pid as $p | $pids | index($p)) | .tcp.requests[]? |
		select(.role == "server") | .count] | add // 0)"' "$tmp/tracer.out" 2>/dev/null ||
		echo "? ?"
}

# ---- one server: rounds, summary, BPF stats ----
measure_rounds() { # KIND
	local r i c line rps cpu tcpu reqs errs cores lost seen foreign
	for r in $(seq "$rounds"); do
		line="round $r:"
		for i in "${!configs[@]}"; do
			# Each run pays for the previous one's closed connections
			# (TIME_WAIT, timers) and tracer (maps and storage freed
			# after it exits): rotating the order spreads that, and
			# reversing it every other round keeps a configuration from
			# always following the same one (the same build in two
			# slots measured ~0.3 µs apart without the reversal).
			local n=${#configs[@]} k=$(((i + r) % ${#configs[@]}))
			((r % 2)) || k=$((n - 1 - k))
			c=${configs[$k]}
			foreign=$(foreign_progs 0)
			run_config "$c"
			read -r rps cpu tcpu reqs errs cores <"$tmp/run"
			echo "$rps $cpu $tcpu $cores" >>"$tmp/$1.$c"
			line+=" $c $rps req/s $cpu us/req $cores cores"
			if [[ $c == hivemon* ]]; then
				read -r lost seen <<<"$(hivemon_seen)"
				echo "$lost" >>"$tmp/$1.$c.lost"
				line+=" (hivemon $tcpu us/req, lost $lost"
				[ "$c" = hivemon ] || [ "$c" = hivemon-tcp ] || [ "$c" = hivemon-before ] &&
					line+=", saw $seen of $reqs requests$([ "$warm_secs" = 0 ] || echo " + the warm-up's")"
				line+=")"
			fi
			[ "$errs" -gt 0 ] && line+=" [$errs socket errors]"
			[ "$foreign" -gt 0 ] && line+=" [$foreign foreign tracing programs]" &&
				echo x >>"$tmp/foreign"
			line+=";"
		done
		echo "$line"
	done
}

col() { cut -d' ' -f"$1" "$2" | median; }

# Per round, CONFIG's figure FIELD against BASE's: "loss" = (1 - c/base) %
# of req/s, "diff" = c - base of CPU us/req; the median over rounds.
paired() { # KIND CONFIG BASE loss|diff
	paste -d' ' "$tmp/$1.$3" "$tmp/$1.$2" | awk -v how="$4" '{
		n = NF / 2
		if (how == "loss") print (1 - $(n + 1) / $1) * 100; else print $(n + 2) - $2 }' | median
}

summarize() { # KIND
	local k=$1 c rps cpu tcpu loss ploss cpuloss above pabove lost
	local nrps ncpu fcpu
	nrps=$( [ -f "$tmp/$k.none" ] && col 1 "$tmp/$k.none" || echo "")
	ncpu=$( [ -f "$tmp/$k.none" ] && col 2 "$tmp/$k.none" || echo "")
	fcpu=$( [ -f "$tmp/$k.floor-all" ] && col 2 "$tmp/$k.floor-all" || echo "")
	echo
	echo "server $k, wrk $conns connections, $secs s x $rounds rounds," \
		"WORK_US $([ "$k" = nginx ] && echo "n/a" || echo "$work_us"), $pinning"
	printf '%-16s %9s %7s %7s %8s %8s %7s %7s %8s %6s %5s\n' config 'req/s' 'loss%' 'paired' \
		'us/req' 'cpu-loss' '+floor' 'paired' 'hivemon' lost cores
	for c in "${configs[@]}"; do
		rps=$(col 1 "$tmp/$k.$c")
		cpu=$(col 2 "$tmp/$k.$c")
		tcpu=$(col 3 "$tmp/$k.$c")
		loss=- ploss=- above=- pabove=- lost=-
		if [ -n "$nrps" ]; then
			loss=$(awk -v n="$nrps" -v r="$rps" 'BEGIN { printf "%.1f", (1 - r / n) * 100 }')
			ploss=$(printf '%.1f' "$(paired "$k" "$c" none loss)")
			cpuloss=$(awk -v n="$ncpu" -v r="$cpu" 'BEGIN { printf "%.1f", (1 - n / r) * 100 }')
		else
			cpuloss=-
		fi
		if [ -n "$fcpu" ] && [ "$c" != none ] && [ "$c" != floor-all ]; then
			above=$(awk -v f="$fcpu" -v r="$cpu" 'BEGIN { printf "%.2f", r - f }')
			pabove=$(printf '%.2f' "$(paired "$k" "$c" floor-all diff)")
		fi
		[ -f "$tmp/$k.$c.lost" ] && lost=$(sort -g "$tmp/$k.$c.lost" | tail -1)
		[[ $c == hivemon* ]] || tcpu=-
		printf '%-16s %9.0f %7s %7s %8.2f %8s %7s %7s %8s %6s %5.2f\n' "$c" "$rps" "$loss" "$ploss" \
			"$cpu" "$cpuloss" "$above" "$pabove" "$tcpu" "$lost" "$(col 4 "$tmp/$k.$c")"
	done
	targets "$k"
}

# The issue's targets, where this run measured them.
targets() { # KIND
	local k=$1 v
	if [ -f "$tmp/$k.hivemon" ] && [ -f "$tmp/$k.floor-all" ] && [ "$work_us" = 0 ] &&
		[ "$k" != threaded ]; then
		v=$(paired "$k" hivemon floor-all diff)
		awk -v v="$v" 'BEGIN { printf "target: hivemon <= floor-all + 1.5 us CPU/req: %+.2f us/req (paired) -> %s\n",
			v, v <= 1.5 ? "met" : "MISSED" }'
	fi
	if [ -f "$tmp/$k.hivemon" ] && [ -f "$tmp/$k.none" ] && [ "$work_us" = 50 ] &&
		[ "$k" != nginx ]; then
		v=$(paired "$k" hivemon none loss)
		awk -v v="$v" 'BEGIN { printf "target: hivemon req/s loss <= 3 %% at WORK_US=50: %.1f %% (paired) -> %s\n",
			v, v <= 3 ? "met" : "MISSED" }'
	fi
	return 0
}

# One run per hivemon configuration and STATS_RUNS with BPF stats on: per
# program, events and ns per request (counter deltas over wrk's requests).
bpf_stats() { # KIND
	local k=$1 c reqs total=0
	[ "$stats_runs" -gt 0 ] && [ "$n_stats" -gt 0 ] || return 0
	stats_old=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q -w kernel.bpf_stats_enabled=1
	for c in "${configs[@]}"; do
		[[ $c == hivemon* || $c == floor-all ]] || continue
		: >"$tmp/stats.$c"
		total=0
		for _ in $(seq "$stats_runs"); do
			STATS_TO=$tmp/bpf run_config "$c"
			read -r _ _ _ reqs _ <"$tmp/run"
			total=$((total + reqs))
			join "$tmp/bpf.before" "$tmp/bpf.after" |
				awk '{ print $1, $4 - $2, $5 - $3 }' >>"$tmp/stats.$c"
		done
		echo
		echo "BPF programs under $c, server $k ($stats_runs run(s) with bpf_stats_enabled, $total requests; run_time_ns is the program body, not the tracepoint call floor-all pays too; with the tcp set loaded, the proto programs run as tail calls of tcp_recv/tcp_send, and with the syscall set the sched set's sched_switch of syscall_sched_switch: their time is in those rows):"
		printf '%-24s %12s %10s %10s\n' program events/req ns/event ns/req
		awk -v reqs="$total" '
			{ cnt[$1] += $2; ns[$1] += $3 }
			END {
				for (p in cnt) {
					printf "%-24s %12.3f %10.1f %10.1f\n", p, cnt[p] / reqs,
						cnt[p] ? ns[p] / cnt[p] : 0, ns[p] / reqs
					tc += cnt[p]; tn += ns[p]
				}
				printf "%-24s %12.3f %10.1f %10.1f\n", "total", tc / reqs, tc ? tn / tc : 0, tn / reqs
			}' "$tmp/stats.$c" | sort -k4,4gr -k1,1 | awk '$1 == "total" { t = $0; next } { print } END { print t }'
	done
	sysctl -q -w kernel.bpf_stats_enabled="$stats_old"
	stats_old=
}

for k in "${servers[@]}"; do
	pin_for "$k"
	start_server "$k"
	echo "# server $k on port $port (pids ${servers_up[*]}); warm-up run"
	run_wrk # connection set-up, caches
	measure_rounds "$k"
	summarize "$k"
	bpf_stats "$k"
	stop_server
done
if [ -f "$tmp/foreign" ]; then
	echo "WARNING: other tracing BPF programs were loaded during $(wc -l <"$tmp/foreign") run(s)" \
		"(marked above); they slow every configuration, none included"
fi
