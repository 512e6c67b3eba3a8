#!/bin/bash
# What syscall tracing costs: ns per getppid in a tight loop, measured side by
# side in one run with no tracer, under empty tp_btf enter/exit programs (the
# floor), under `hivemon report` (default sampling, and --exact) and under
# libbpf-tools `syscount -L`. Configurations alternate in rounds; medians are
# reported. Also: time from `hivemon report` start to its probes attached, and
# its peak RSS with 500 live processes. Run as root from anywhere:
#   bench/syscall-overhead.sh [-n CALLS] [-r ROUNDS] [-R REPEATS] [-c CPU] [-s SWARM] [-w SECS]
# Everything it starts is stopped by PID on exit; tracefs is mounted for
# syscount only if it was not, and unmounted again.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
hivemon=${HIVEMON:-$build/hivemon}
calls=20000    # getppid calls per window (3-15 ms)
rounds=5       # each configuration is measured once per round
repeats=200    # windows per measurement; the fastest counts (short windows
               # dodge preemption and the VM's spells at half speed)
cpu=1          # the loop is pinned here
swarm=500      # live processes for the RSS measurement
quiet_wait=0   # wait up to this long for other tracers to go before each measurement
configs=${CONFIGS:-"none floor hivemon hivemon-exact syscount"}

usage() {
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}
while getopts "n:r:R:c:s:w:h" o; do
	case $o in
	n) calls=$OPTARG ;;
	r) rounds=$OPTARG ;;
	R) repeats=$OPTARG ;;
	c) cpu=$OPTARG ;;
	s) swarm=$OPTARG ;;
	w) quiet_wait=$OPTARG ;;
	*) usage ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "syscall-overhead: run as root (BPF)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/hivemon-bench.XXXXXX)
started=()        # PIDs of everything this script started in the background
mounted_tracefs=0

# Stops every PID we started (SIGINT first: hivemon and syscount print and
# detach on it), then anything still alive with SIGKILL.
cleanup() {
	local p
	for p in "${started[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${started[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	started=()
	[ "$mounted_tracefs" -eq 1 ] && umount /sys/kernel/tracing
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

forget() { # PID: no longer ours to stop
	local keep=() p
	for p in "${started[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	started=("${keep[@]}")
}

stop() { # PID: SIGINT, wait for it (up to 10 s), then SIGKILL
	kill -INT "$1" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	forget "$1"
}

median() { # numbers... -> median
	printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {
		if (NR == 0) exit; if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2 }'
}

# ---- build what the bench needs ----
make -C "$root" -s workloads >/dev/null || exit 1
if ! make -C "$root" -s all >"$tmp/make.log" 2>&1; then
	echo "# hivemon does not build; its configurations are skipped:" >&2
	tail -3 "$tmp/make.log" >&2
fi
mkdir -p "$build/bench"
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$root/vmlinux/x86" -Wall \
	-c "$root/bench/floor.bpf.c" -o "$build/bench/floor.bpf.o" || exit 1
# shellcheck disable=SC2046
gcc -O2 -Wall -o "$build/bench/floor_loader" "$root/bench/floor_loader.c" \
	$(pkg-config --cflags --libs libbpf) || exit 1
loop="$build/workloads/getppid_loop"

syscount_bin=$(command -v syscount || ls /usr/sbin/syscount 2>/dev/null || true)
if [ -n "$syscount_bin" ] && ! mountpoint -q /sys/kernel/tracing; then
	# syscount attaches classic raw_syscalls tracepoints, which need tracefs.
	mount -t tracefs nodev /sys/kernel/tracing && mounted_tracefs=1
fi

tracer_cmd() { # CONFIG -> command line on stdout, nothing when unavailable
	case $1 in
	none) echo ":" ;;
	floor) echo "$build/bench/floor_loader $build/bench/floor.bpf.o" ;;
	hivemon) [ -x "$hivemon" ] && echo "$hivemon report --duration 1h --format json" ;;
	hivemon-exact) [ -x "$hivemon" ] && echo "$hivemon report --exact --duration 1h --format json" ;;
	hivemon-syscall) [ -x "$hivemon" ] &&
		echo "$hivemon report --probes syscall --duration 1h --format json" ;;
	syscount) [ -n "$syscount_bin" ] && echo "$syscount_bin -L -d 3600" ;;
	esac
}

links_of() { # PID -> number of BPF links it holds
	find "/proc/$1/fd" -lname 'anon_inode:bpf_link' 2>/dev/null | wc -l
}

# Starts a tracer in the background and waits until its BPF links have been
# stable for 0.5 s. Sets tracer_pid and attach_s (start to last link, in s).
start_tracer() { # CONFIG OUTFILE
	local t0 n last=0 t_last changed_at cmd
	tracer_pid=
	attach_s=
	read -ra cmd <<<"$(tracer_cmd "$1")"
	t0=$EPOCHREALTIME
	"${cmd[@]}" >"$2" 2>"$2.err" &
	tracer_pid=$!
	started+=("$tracer_pid")
	changed_at=$t0
	while :; do
		if ! kill -0 "$tracer_pid" 2>/dev/null; then
			echo "# $1 exited before attaching: $(head -c 300 "$2.err")" >&2
			wait "$tracer_pid" 2>/dev/null
			forget "$tracer_pid"
			tracer_pid=
			return 1
		fi
		n=$(links_of "$tracer_pid")
		t_last=$EPOCHREALTIME
		if [ "$n" -ne "$last" ]; then
			last=$n
			changed_at=$t_last
		elif [ "$n" -gt 0 ] && awk "BEGIN{exit !($t_last - $changed_at >= 0.5)}"; then
			break
		fi
		if awk "BEGIN{exit !($t_last - $t0 >= 20)}"; then
			echo "# $1 attached nothing within 20 s" >&2
			stop "$tracer_pid"
			tracer_pid=
			return 1
		fi
	done
	attach_s=$(awk "BEGIN{printf \"%.3f\", $changed_at - $t0}")
}

# Syscall tracers of anyone but PID (0: of anyone): BPF links on the
# sys_enter/sys_exit tracepoints and classic tracepoint programs. Another
# syscall tracer on the host raises every figure, the baseline included.
foreign_tracing() { # PID
	local ours
	ours=$(cat "/proc/$1/fdinfo/"* 2>/dev/null | awk '/^prog_id:/ {print $2}' | sort -u)
	{
		bpftool link show -j 2>/dev/null |
			jq -r '.[] | select(.tp_name == "sys_enter" or .tp_name == "sys_exit") | .prog_id'
		bpftool prog show -j 2>/dev/null | jq -r '.[] | select(.type == "tracepoint") | .id'
	} | sort -u | comm -23 - <(printf '%s\n' "$ours" | sort -u) | wc -l
}

# One measurement: the pinned loop under CONFIG. Sets measured_ns (ns/call).
measure() { # CONFIG ROUND
	local cfg=$1 out="$tmp/$1.$2" lp count foreign waited
	measured_ns=
	tracer_pid=
	if [ "$cfg" != none ]; then
		start_tracer "$cfg" "$out" || return 1
		[[ $cfg == hivemon* ]] && attach_times+=("$attach_s")
	fi
	foreign=$(foreign_tracing "${tracer_pid:-0}")
	for ((waited = 0; foreign > 0 && waited < quiet_wait * 2; waited++)); do
		sleep 0.5
		foreign=$(foreign_tracing "${tracer_pid:-0}")
	done
	[ "$foreign" -gt 0 ] && foreign_seen+=("$cfg round $2: $foreign") && round_clean=0
	taskset -c "$cpu" "$loop" "$calls" "$repeats" >"$out.loop" &
	lp=$!
	started+=("$lp")
	wait "$lp"
	forget "$lp"
	measured_ns=$(cat "$out.loop")
	if [ "$cfg" != none ]; then
		stop "$tracer_pid"
	fi
	# hivemon must have seen every call of the loop, sampled or not.
	if [[ $cfg == hivemon* ]]; then
		count=$(jq -r --argjson pid "$lp" '[.processes[] | select(.pid == $pid) |
			.syscalls[] | select(.name == "getppid") | .count] | add // 0' "$out" 2>/dev/null)
		counted+=("$cfg round $2: ${count:-unreadable} of $((calls * repeats)) getppid calls")
	fi
}

declare -A results byround
attach_times=()
counted=()
foreign_seen=()
cfglist=()
for c in $configs; do
	if [ -n "$(tracer_cmd "$c")" ]; then cfglist+=("$c"); else echo "# $c: not available, skipped" >&2; fi
done
n_cfg=${#cfglist[@]}

echo "# getppid loop: fastest of $repeats windows of $calls calls, pinned to CPU $cpu; $rounds rounds; $(nproc) CPUs, $(uname -r)"
clean_rounds=()
for ((r = 1; r <= rounds; r++)); do
	line="round $r:"
	round_clean=1
	# Rotate the order each round so no configuration always runs first.
	for ((i = 0; i < n_cfg; i++)); do
		c=${cfglist[$(((i + r - 1) % n_cfg))]}
		if measure "$c" "$r" && [ -n "$measured_ns" ]; then
			byround[$c,$r]=$measured_ns
			line+=" $c=$measured_ns"
		else
			line+=" $c=failed"
			round_clean=0
		fi
	done
	[ "$round_clean" -eq 1 ] && clean_rounds+=("$r") && line+=" (clean)"
	echo "# $line"
done

# Rounds in which another tracer was loaded are left out when any round was
# free of them: the others raised every figure of theirs.
if [ "${#clean_rounds[@]}" -gt 0 ]; then
	used_rounds=("${clean_rounds[@]}")
	echo "# figures below: the ${#clean_rounds[@]} clean round(s) (${clean_rounds[*]}), no other tracer loaded"
else
	mapfile -t used_rounds < <(seq "$rounds")
	echo "# figures below: all rounds; NONE was free of other tracers (see the warning)"
fi
for c in "${cfglist[@]}"; do
	for r in "${used_rounds[@]}"; do
		[ -n "${byround[$c,$r]:-}" ] && results[$c]+=" ${byround[$c,$r]}"
	done
done

med() { # CONFIG -> median ns/call or empty
	# shellcheck disable=SC2086
	median ${results[$1]:-}
}
base=$(med none)
floor=$(med floor)
echo
printf '%-16s %10s %12s %12s %8s %8s   %s\n' config ns/call "+ns vs none" "+ns vs floor" "x none" best "rounds used"
for c in "${cfglist[@]}"; do
	m=$(med "$c")
	[ -n "$m" ] || continue
	awk -v c="$c" -v m="$m" -v b="${base:-0}" -v f="${floor:-0}" -v all="${results[$c]}" 'BEGIN {
		dn = b ? sprintf("%+.1f", m - b) : "-"
		df = (f && c != "none") ? sprintf("%+.1f", m - f) : "-"
		x = b ? sprintf("%.2f", m / b) : "-"
		n = split(all, v, " "); best = v[1]
		for (i = 2; i <= n; i++) if (v[i] + 0 < best + 0) best = v[i]
		printf "%-16s %10.1f %12s %12s %8s %8s  %s\n", c, m, dn, df, x, best, all }'
done
fl_delta=$(awk -v f="${floor:-0}" -v b="${base:-0}" 'BEGIN{if (f && b && f > b) printf "%.1f", f - b}')
[ -n "$fl_delta" ] && for c in hivemon hivemon-exact syscount; do
	m=$(med "$c")
	[ -n "$m" ] && awk -v c="$c" -v m="$m" -v f="$floor" -v fd="$fl_delta" 'BEGIN {
		printf "# %s: %.1f ns above the floor = %.2f x what the floor itself adds\n", c, m - f,
			(m - f) / fd }'
done
# Paired within a round (configurations measured seconds apart): steadier
# than the difference of medians when the host's speed drifts.
paired() { # CONFIG REF -> median over rounds of CONFIG - REF
	local d=() k
	for k in "${used_rounds[@]}"; do
		[ -n "${byround[$1,$k]:-}" ] && [ -n "${byround[$2,$k]:-}" ] &&
			d+=("$(awk "BEGIN{print ${byround[$1,$k]} - ${byround[$2,$k]}}")")
	done
	# shellcheck disable=SC2068
	median ${d[@]}
}
for c in "${cfglist[@]}"; do
	[ "$c" = none ] && continue
	vn=$(paired "$c" none)
	vf=
	[ "$c" != floor ] && vf=$(paired "$c" floor)
	[ -n "$vn" ] && vn=$(printf '%+.1f ns over none' "$vn")
	[ -n "$vf" ] && vf=$(printf ', %+.1f ns over the floor' "$vf")
	echo "# paired per round: $c $vn$vf"
done
echo "# targets: hivemon <= floor + 80 ns; hivemon --exact <= floor + 160 ns"
for l in "${counted[@]}"; do echo "# counted: $l"; done
if [ "${#foreign_seen[@]}" -gt 0 ]; then
	echo "# WARNING: other syscall tracers were attached during these measurements;"
	echo "# every configuration (none included) paid for them too:"
	for l in "${foreign_seen[@]}"; do echo "#   $l foreign syscall tracing programs"; done
fi

# ---- start-up: `hivemon report` start to probes attached ----
if [ -x "$hivemon" ]; then
	echo
	if [ "${#attach_times[@]}" -gt 0 ]; then
		# shellcheck disable=SC2068
		echo "# start to last BPF link (from the runs above): median $(median ${attach_times[@]}) s," \
			"max $(printf '%s\n' "${attach_times[@]}" | sort -g | tail -1) s (target <= 1 s)"
	fi
	# --verbose logs "probes attached" once every module is attached.
	logged=()
	for i in 1 2 3 4 5; do
		err="$tmp/verbose.$i.err" # a fresh file: an old line must not count
		t0=$EPOCHREALTIME
		"$hivemon" report --verbose --duration 2s --format json >/dev/null 2>"$err" &
		hp=$!
		started+=("$hp")
		while kill -0 "$hp" 2>/dev/null && ! grep -qs 'probes attached' "$err"; do
			sleep 0.005
		done
		if grep -qs 'probes attached' "$err"; then
			logged+=("$(awk "BEGIN{printf \"%.3f\", $EPOCHREALTIME - $t0}")")
		else
			logged+=("never($(head -c 100 "$err"))")
		fi
		stop "$hp"
	done
	echo "# start to the 'probes attached' log line (--verbose): ${logged[*]:-never} s"
	walls=()
	for _ in 1 2 3; do
		t0=$EPOCHREALTIME
		"$hivemon" report --duration 0s --format json >"$tmp/zero.json" 2>"$tmp/zero.err"
		rc=$?
		walls+=("$(awk "BEGIN{printf \"%.3f\", $EPOCHREALTIME - $t0}")")
		[ "$rc" -eq 0 ] || echo "# hivemon report --duration 0s: exit $rc: $(head -c 200 "$tmp/zero.err")"
	done
	echo "# hivemon report --duration 0s wall time (load+attach+collect+print+detach): ${walls[*]} s"
fi

# ---- memory: peak RSS of `hivemon report` with $swarm live processes ----
peak_rss_kb() { # FORMAT OUTFILE: runs hivemon report for 5 s, prints its peak RSS in kB
	local hp hwm=0 v
	if [ -x /usr/bin/time ]; then
		# Exact (the child's ru_maxrss), including the final print.
		/usr/bin/time -f %M -o "$2.rss" "$hivemon" report --duration 5s --format "$1" \
			>"$2" 2>"$2.err"
		tail -1 "$2.rss"
		return
	fi
	# Without GNU time: VmHWM polled until exit (may miss the last 50 ms).
	"$hivemon" report --duration 5s --format "$1" >"$2" 2>"$2.err" &
	hp=$!
	started+=("$hp")
	while kill -0 "$hp" 2>/dev/null; do
		v=$(awk '/^VmHWM:/ {print $2}' "/proc/$hp/status" 2>/dev/null)
		[ -n "$v" ] && hwm=$v
		sleep 0.05
	done
	wait "$hp"
	forget "$hp"
	echo "$hwm"
}
rss_run() { # LABEL
	local text json nprocs
	text=$(peak_rss_kb text "$tmp/rss.txt")
	json=$(peak_rss_kb json "$tmp/rss.json")
	nprocs=$(jq '.processes | length' "$tmp/rss.json" 2>/dev/null)
	echo "# $1: peak RSS --format text $((text / 1024)) MB ($text kB)," \
		"--format json $((json / 1024)) MB ($json kB); ${nprocs:-?} processes in the report" \
		"(target <= 32 MB)"
}
if [ -x "$hivemon" ]; then
	echo
	rss_run "host as it is"
	"$build/workloads/proc_swarm" "$swarm" 30 50 >"$tmp/swarm.out" &
	sp=$!
	started+=("$sp")
	for _ in $(seq 100); do grep -qs ready "$tmp/swarm.out" && break; sleep 0.1; done
	rss_run "$swarm more live processes (each getppid+nanosleep every 50 ms)"
	stop "$sp"
fi
