#!/usr/bin/env bats
# `hivemon rebalance` on workers of known load: CPU-bound spinners
# (tests/workloads/spinner.c) pinned to one CPU while another is idle.

load helpers

setup() {
	WORKERS=()
	# A name of their own (this run's), so no other spinner on the host, nor
	# those of another run of these tests, joins the group.
	SPIN_COMM="rb_spin_$$"
	SPIN="$BATS_TEST_TMPDIR/$SPIN_COMM"
	cp "$WORKLOADS/spinner" "$SPIN"
	chmod 755 "$BATS_TEST_TMPDIR" "$SPIN"
}

teardown() {
	# The daemon tests load daemon_helpers: stop what they started first.
	! declare -F stop_started >/dev/null || stop_started
	for pid in "${WORKERS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	true
}

# Four spinners for 60 s, all pinned to CPU 0 (run as USER when given).
start_four_on_cpu0() {
	local as=()
	[ -n "${1:-}" ] && as=(setpriv --reuid="$1" --regid="$1" --clear-groups)
	for _ in 1 2 3 4; do
		"${as[@]}" "$SPIN" 60 0 &
		WORKERS+=($!)
	done
	sleep 0.3
}

mask_of() {
	taskset -p "$1" | awk '{ print $NF }'
}

@test "four workers pinned to CPU 0, CPU 1 idle: the plan moves two to CPU 1 and changes nothing" {
	start_four_on_cpu0
	run "$HIVEMON" rebalance --comm "$SPIN_COMM" --cpus 0-1 --format json
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/plan.json"
	g='.groups[0]'
	run jq -r "$g.members | length" "$BATS_TEST_TMPDIR/plan.json"
	assert_output 4
	# Each wants a whole core: a quarter on CPU 0, the rest waiting for it.
	for wanted in $(jq -r "$g.members[] | .cpu_cores + .runq_wait_cores" "$BATS_TEST_TMPDIR/plan.json"); do
		assert_between "$wanted" 0.8 1.1
	done
	run jq -r "$g.plan.verdict, $g.plan.held, ([$g.plan.moves[] | select(.from == 0 and .to == 1)] | length), $g.applied" \
		"$BATS_TEST_TMPDIR/plan.json"
	assert_output "$(printf 'move\ntrue\n2\nfalse')"
	for pid in "${WORKERS[@]}"; do
		[ "$(mask_of "$pid")" = 1 ]
	done
}

@test "--apply: each worker gets about half a CPU, run-queue p99 falls, two sit on each CPU; the effect says so" {
	start_four_on_cpu0
	run "$HIVEMON" rebalance --comm "$SPIN_COMM" --cpus 0-1 --apply --format json
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/apply.json"
	run jq -r '.groups[0].applied' "$BATS_TEST_TMPDIR/apply.json"
	assert_output true
	check_effect "$BATS_TEST_TMPDIR/apply.json"
	# About half a CPU each (hivemon and the test itself take a little), and
	# the four alike: two per CPU.
	for share in $(jq -r '.groups[0].after.members[].cpu_cores' "$BATS_TEST_TMPDIR/apply.json"); do
		assert_between "$share" 0.35 0.60
	done
	spread=$(jq '[.groups[0].after.members[].cpu_cores] | min / max' "$BATS_TEST_TMPDIR/apply.json")
	assert_between "$spread" 0.8 1
	before=$(jq '[.groups[0].members[].runq_p99_ns] | max' "$BATS_TEST_TMPDIR/apply.json")
	after=$(jq '[.groups[0].after.members[].runq_p99_ns] | max' "$BATS_TEST_TMPDIR/apply.json")
	[ "$after" -lt "$before" ] || fail "run-queue p99 $after ns is not below $before ns"
	on0=0 on1=0
	for pid in "${WORKERS[@]}"; do
		case $(mask_of "$pid") in
		1) on0=$((on0 + 1)) ;;
		2) on1=$((on1 + 1)) ;;
		esac
	done
	[ "$on0" -eq 2 ] && [ "$on1" -eq 2 ] || fail "$on0 on CPU 0, $on1 on CPU 1"
}

# The effect in FILE's .groups[0]: each of the four members got a quarter
# of what CPU 0 had left before (other processes of the host use some of
# it: background_cores, measured from /proc/stat less the members), half
# of what its CPU had left after, both within 10 points: on an idle host
# 25 % -> 50 %. The group's run-queue p99 fell.
check_effect() {
	local f=$1 bg0 bg1 pid before after cpu want_before want_after
	run jq -r '.groups[0].effect | "\(.windows_before) \(.windows_after) \(.members | length)"' "$f"
	assert_output "3 3 4"
	bg0=$(jq '.groups[0].imbalance.background_cores[0]' "$f")
	want_before=$(awk -v b="$bg0" 'BEGIN { print (1 - b) / 4 * 100 }')
	for pid in "${WORKERS[@]}"; do
		before=$(jq --argjson p "$pid" '.groups[0].effect.members[] | select(.pid == $p) | .before.cpu_percent' "$f")
		after=$(jq --argjson p "$pid" '.groups[0].effect.members[] | select(.pid == $p) | .after.cpu_percent' "$f")
		cpu=$(jq --argjson p "$pid" '.groups[0].after.members[] | select(.pid == $p) | .pinned_cpu' "$f")
		bg1=$(jq --argjson c "$cpu" '.groups[0].after.imbalance.background_cores[$c]' "$f")
		want_after=$(awk -v b="$bg1" 'BEGIN { print (1 - b) / 2 * 100 }')
		echo "pid $pid: cpu% $before (want $want_before) -> $after on cpu $cpu (want $want_after)"
		assert_between "$before" "$(awk -v w="$want_before" 'BEGIN { print w - 10 }')" \
			"$(awk -v w="$want_before" 'BEGIN { print w + 10 }')"
		assert_between "$after" "$(awk -v w="$want_after" 'BEGIN { print w - 10 }')" \
			"$(awk -v w="$want_after" 'BEGIN { print w + 10 }')"
	done
	before=$(jq '.groups[0].effect.group.before.runq_p99_ns' "$f")
	after=$(jq '.groups[0].effect.group.after.runq_p99_ns' "$f")
	[ "$after" -lt "$before" ] || fail "the group's run-queue p99 $after ns is not below $before ns"
}

@test "text output names the imbalance, the moves and that it is a dry run" {
	start_four_on_cpu0
	run "$HIVEMON" rebalance --comm "$SPIN_COMM" --cpus 0-1 --windows 2 --interval 500ms
	assert_success
	assert_output --partial "group cli: 4 members on CPUs 0-1"
	assert_output --regexp "plan: move 2 members over 2 windows of imbalance \(busiest CPU [34]\.[0-9]+ -> [12]\.[0-9]+ cores"
	assert_output --partial "dry run: --apply moves them"
	refute_output --partial "effect ("
	run "$HIVEMON" rebalance --comm "$SPIN_COMM" --cpus 0-1 --windows 2 --interval 500ms --apply
	assert_success
	assert_output --partial "effect (2 windows before, 2 after):"
	assert_output --regexp "MEMBER +CPU% before->after +RUNQ p99 before->after +REQ p50 before->after +REQ p99 before->after"
	assert_output --regexp "group \(mean CPU%\) +[0-9]+\.[0-9] -> +[0-9]+\.[0-9] "
	run grep -cE "^  ${WORKERS[0]} $SPIN_COMM " <<<"$output"
	assert_output 1
}

@test "--apply without CAP_SYS_NICE on another user's workers: a clear error, nothing moved" {
	start_four_on_cpu0 65534
	run setpriv --bounding-set -sys_nice --inh-caps -sys_nice "$HIVEMON" rebalance \
		--comm "$SPIN_COMM" --cpus 0-1 --apply --windows 1
	assert_failure 1
	assert_output --regexp "^hivemon: rebalance: cannot move pid [0-9]+ to cpu 1: Operation not permitted \(needs CAP_SYS_NICE\); nothing changed$"
	for pid in "${WORKERS[@]}"; do
		[ "$(mask_of "$pid")" = 1 ]
	done
}

@test "a group that matches nothing, and usage errors" {
	run "$HIVEMON" rebalance --comm no_such_worker --windows 1 --interval 100ms
	assert_failure 1
	assert_output "hivemon: rebalance: no running process matches the group"
	run "$HIVEMON" rebalance
	assert_failure 2
	assert_output "hivemon: rebalance: name the group's members with --comm, --pid or --cgroup, or --group"
	run "$HIVEMON" rebalance --comm x --cpus 1-0
	assert_failure 2
	assert_output --partial "invalid --cpus '1-0'"
	run "$HIVEMON" rebalance --help
	assert_success
	assert_output --partial "usage: hivemon rebalance"
}

# Four SO_REUSEPORT workers (tests/workloads/reuseport_server.c), one of
# them thinking 4x longer, under an open-loop client making a connection
# per request.
start_reuseport_group() {
	"$WORKLOADS/reuseport_server" -n 4 -t 10 -s 3 -f 4 >"$BATS_TEST_TMPDIR/server.out" &
	WORKERS+=($!)
	wait_until 5 grep -q '^worker 3 pid' "$BATS_TEST_TMPDIR/server.out"
	PORT=$(awk '/^port/ { print $2 }' "$BATS_TEST_TMPDIR/server.out")
	SLOW_PID=$(awk '/^worker 3 pid/ { print $4 }' "$BATS_TEST_TMPDIR/server.out")
}

# The ids of the sk_reuseport programs loaded now, as a JSON array.
reuseport_programs() {
	bpftool prog show -j | jq -c '[.[] | select(.type == "sk_reuseport") | .id]'
}

@test "--steer: the slow worker gets fewer connections than its hash share; detached on exit" {
	start_reuseport_group
	before=$(reuseport_programs)
	"$WORKLOADS/rate_client" -p "$PORT" -r 200 -d 10 >"$BATS_TEST_TMPDIR/client.out" &
	client=$!
	run "$HIVEMON" rebalance --comm 'reuseport_serv*' --steer "$PORT" --apply --windows 3 \
		--format json
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/steer.json"
	wait "$client"
	run jq -r '.groups[0].steered_members' "$BATS_TEST_TMPDIR/steer.json"
	assert_output 4
	share() { # the slow worker's share of the requests in WHICH (members or after.members)
		jq --argjson pid "$SLOW_PID" "[.groups[0].$1[] | select(.requests_per_s > 0)] |
			(map(select(.pid == \$pid) | .requests_per_s) | add) / (map(.requests_per_s) | add)" \
			"$BATS_TEST_TMPDIR/steer.json"
	}
	hashed=$(share members)
	steered=$(share after.members)
	echo "slow worker's share: $hashed by the kernel's hash, $steered steered"
	assert_between "$hashed" 0.15 0.35
	assert_between "$steered" 0 0.20
	awk -v s="$steered" -v h="$hashed" 'BEGIN { exit !(s < h) }'
	# The effect says the same over all windows: the slow worker's share of
	# the requests per second fell; the group's request p50/p99 both sides.
	run jq -r --argjson pid "$SLOW_PID" '.groups[0].effect |
		([.members[] | select(.pid == $pid) | .before.requests_per_s] | add) / .group.before.requests_per_s >
		([.members[] | select(.pid == $pid) | .after.requests_per_s] | add) / .group.after.requests_per_s,
		([.group.before, .group.after][] | .request_p50_ns, .request_p99_ns | type)' \
		"$BATS_TEST_TMPDIR/steer.json"
	assert_output "$(printf 'true\nnumber\nnumber\nnumber\nnumber')"
	jq -r '.groups[0].effect.group | "group request p99: \(.before.request_p99_ns) ns hashed, \(.after.request_p99_ns) ns steered"' \
		"$BATS_TEST_TMPDIR/steer.json"
	# Detached: a program still attached to the group would outlive hivemon.
	run jq -n --argjson after "$(reuseport_programs)" --argjson before "$before" \
		'$after - $before | length'
	assert_output 0
}

@test "--steer without --apply only counts the members it would steer" {
	start_reuseport_group
	run "$HIVEMON" rebalance --comm 'reuseport_serv*' --steer "$PORT" --windows 1 --interval 200ms
	assert_success
	assert_output --partial "steering: 4 members on port $PORT (dry run)"
	run "$HIVEMON" rebalance --comm 'reuseport_serv*' --steer 1 --apply --windows 1 --interval 200ms
	assert_failure 1
	assert_output --partial "hivemon: rebalance: --steer 1: fewer than two members hold a SO_REUSEPORT listener of their own on that port"
}

@test "a saturated group runs --scale-out once with the evidence; a dry run only says so" {
	for _ in 1 2; do
		"$SPIN" 60 0 &
		WORKERS+=($!)
	done
	sleep 0.3
	hook="echo \"\$HIVEMON_ACTION \$HIVEMON_GROUP %n \$HIVEMON_MEMBERS \$HIVEMON_EVIDENCE\" >>$BATS_TEST_TMPDIR/hook.out"
	run "$HIVEMON" rebalance --comm "$SPIN_COMM" --cpus 0 --windows 2 --latency-target 1ms \
		--scale-out "$hook"
	assert_success
	assert_output --regexp "scale-out: .* \(2 members, mean [0-9.]+ cores wanted, worst p99 [0-9.]+ms\), dry run"
	[ ! -e "$BATS_TEST_TMPDIR/hook.out" ]
	run "$HIVEMON" rebalance --comm "$SPIN_COMM" --cpus 0 --windows 2 --latency-target 1ms \
		--scale-out "$hook" --apply --format json
	assert_success
	run jq -r '.groups[0].scale | "\(.action) \(.status)"' <<<"$output"
	assert_output "scale-out 0"
	run cat "$BATS_TEST_TMPDIR/hook.out"
	assert_output --regexp "^scale-out cli 3 2 2 members, mean (0\.9|1\.0)[0-9] cores wanted, worst p99 [0-9.]+ms$"
	# Under the latency target the group is not saturated: nothing runs.
	run "$HIVEMON" rebalance --comm "$SPIN_COMM" --cpus 0 --windows 2 --latency-target 10s \
		--scale-out "$hook" --apply --format json
	assert_success
	run jq -r '.groups[0].scale.action' <<<"$output"
	assert_output none
	[ "$(wc -l <"$BATS_TEST_TMPDIR/hook.out")" -eq 1 ]
}

@test "an idle group runs --scale-in with the instance to stop; a failing hook is an error" {
	cp /bin/sleep "$BATS_TEST_TMPDIR/rb_idle_$$"
	for _ in 1 2 3; do
		"$BATS_TEST_TMPDIR/rb_idle_$$" 60 &
		WORKERS+=($!)
	done
	run "$HIVEMON" rebalance --comm rb_idle_$$ --windows 2 --interval 500ms \
		--scale-in "echo in %n >$BATS_TEST_TMPDIR/in.out" --apply
	assert_success
	run cat "$BATS_TEST_TMPDIR/in.out"
	assert_output "in 3"
	run "$HIVEMON" rebalance --comm rb_idle_$$ --windows 1 --interval 500ms --scale-in "exit 4" --apply
	assert_failure 1
	assert_output --partial "hivemon: rebalance: the scale-in command failed (status 4); nothing else applied"
}

@test "--group takes the group from the config; an unknown group is a usage error" {
	start_four_on_cpu0
	printf '[group "spin"]\nmatch = comm=%s\ncpus = 0-1\n' "$SPIN_COMM" >"$BATS_TEST_TMPDIR/g.conf"
	run "$HIVEMON" rebalance --group spin --config "$BATS_TEST_TMPDIR/g.conf" --windows 1 --format json
	assert_success
	run jq -r '.groups[0] | "\(.name) \(.members | length) \(.cpus | join(","))"' <<<"$output"
	assert_output "spin 4 0,1"
	run "$HIVEMON" rebalance --group nope --config "$BATS_TEST_TMPDIR/g.conf"
	assert_failure 2
	assert_output "hivemon: rebalance: no [group \"nope\"] in $BATS_TEST_TMPDIR/g.conf"
	run "$HIVEMON" rebalance --group spin --comm x
	assert_failure 2
	assert_output "hivemon: rebalance: --group or --comm/--pid/--cgroup, not both"
}

# A daemon config with one group of the $SPIN_COMM workers, rebalance = MODE
# (and EXTRA lines in the group: notify = ...; TARGETS before it).
group_conf() {
	local extra=${2:-} targets=${3:-}
	cat >"$BATS_TEST_TMPDIR/run.conf" <<-CONF
		[agent]
		interval = 1s
		state_dir = $BATS_TEST_TMPDIR/state
		socket = $BATS_TEST_TMPDIR/hivemon.sock
		probes = sched,tcp

		$targets

		[group "spin"]
		match = comm=$SPIN_COMM
		cpus = 0-1
		rebalance = $1
		cooldown = 1m
		$extra
	CONF
}

daemon_log_has() {
	grep -q "$1" "$BATS_TEST_TMPDIR/daemon.log"
}

@test "the daemon moves an unbalanced group after it held, and puts it back on stop" {
	load daemon_helpers
	start_four_on_cpu0
	group_conf apply
	start_daemon "$BATS_TEST_TMPDIR/run.conf"
	wait_until 15 daemon_log_has "rebalance: group spin: moved pid" || {
		cat "$BATS_TEST_TMPDIR/daemon.log"
		fail "no move"
	}
	sleep 0.5
	on1=0
	for pid in "${WORKERS[@]}"; do
		[ "$(mask_of "$pid")" = 2 ] && on1=$((on1 + 1))
	done
	[ "$on1" -eq 2 ] || fail "$on1 workers on CPU 1, not 2"
	run grep -c "rebalance: group spin: moved pid" "$BATS_TEST_TMPDIR/daemon.log"
	assert_output 2
	grep -E "moved pid [0-9]+ from cpu 0 to cpu 1 \(busiest CPU [34]\.[0-9]+ -> [12]\.[0-9]+ cores wanted, .*held 3 intervals\)" \
		"$BATS_TEST_TMPDIR/daemon.log"
	stop_started
	for pid in "${WORKERS[@]}"; do
		[ "$(mask_of "$pid")" = 1 ] || fail "pid $pid not back on CPU 0"
	done
	grep -q "rebalance: group spin: 2 of 2 threads put back on their CPUs" "$BATS_TEST_TMPDIR/daemon.log"
}

@test "rebalance = plan only logs what it would move" {
	load daemon_helpers
	start_four_on_cpu0
	group_conf plan
	start_daemon "$BATS_TEST_TMPDIR/run.conf"
	wait_until 15 daemon_log_has "rebalance: group spin: would move (plan) pid" || {
		cat "$BATS_TEST_TMPDIR/daemon.log"
		fail "no plan"
	}
	for pid in "${WORKERS[@]}"; do
		[ "$(mask_of "$pid")" = 1 ]
	done
	stop_started
}

@test "--steer on nginx (2 workers, reuseport): each worker's own socket is found, every request is served" {
	command -v nginx >/dev/null || fail "nginx missing (deploy/install-deps.sh installs nginx-light)"
	local dir="$BATS_TEST_TMPDIR/nginx" port
	port=$(free_port)
	mkdir -p "$dir"
	cat >"$dir/nginx.conf" <<-CONF
		daemon off;
		worker_processes 2;
		pid $dir/nginx.pid;
		error_log $dir/error.log;
		events { worker_connections 1024; }
		http {
			access_log off;
			client_body_temp_path $dir;
			proxy_temp_path $dir;
			fastcgi_temp_path $dir;
			uwsgi_temp_path $dir;
			scgi_temp_path $dir;
			server { listen 127.0.0.1:$port reuseport; location / { return 200 "ok\n"; } }
		}
	CONF
	nginx -c "$dir/nginx.conf" -p "$dir" &
	WORKERS+=($!)
	wait_until 5 curl -sf "http://127.0.0.1:$port/"
	before=$(reuseport_programs)
	"$WORKLOADS/rate_client" -p "$port" -r 100 -d 8 >"$BATS_TEST_TMPDIR/client.out" &
	client=$!
	run "$HIVEMON" rebalance --comm nginx --steer "$port" --apply --windows 2 --format json
	assert_success
	wait "$client" || fail "requests failed: $(cat "$BATS_TEST_TMPDIR/client.out")"
	echo "$output" >"$BATS_TEST_TMPDIR/steer.json"
	# The master holds both sockets and polls neither: two members steered.
	run jq -r '.groups[0].steered_members' "$BATS_TEST_TMPDIR/steer.json"
	assert_output 2
	run jq -r '[.groups[0].after.members[] | select(.requests_per_s > 10)] | length' "$BATS_TEST_TMPDIR/steer.json"
	assert_output 2
	run jq -n --argjson after "$(reuseport_programs)" --argjson before "$before" '$after - $before | length'
	assert_output 0
}

@test "each move the daemon makes is notified to the group's targets, with its evidence" {
	load daemon_helpers
	start_receiver ops
	start_four_on_cpu0
	group_conf apply "notify = ops" "[webhook \"ops\"]
url = http://127.0.0.1:$RECEIVER_PORT/hook"
	start_daemon "$BATS_TEST_TMPDIR/run.conf"
	wait_until 20 requests_at_least ops 2 || {
		cat "$BATS_TEST_TMPDIR/daemon.log"
		fail "no notification"
	}
	run received ops '[.[].body | fromjson | .alerts[0] | "\(.labels.alertname) \(.labels.group) \(.labels.action) \(.annotations.transition) \(.status)"] | unique | .[]' -r
	assert_output "rebalance-spin spin moved action firing"
	run received ops '.[0].body | fromjson | .alerts[0].annotations.summary' -r
	assert_output --regexp "^rebalance-spin: moved pid [0-9]+ from cpu 0 to cpu 1 \(busiest CPU [0-9.]+ -> [0-9.]+ cores wanted"
}

@test "members that exit while the plan is made or applied: skipped, the rest moved, no error" {
	# Two workers live for the measurement only: they exit around the
	# moment the plan is applied (or just before), the two others stay.
	for t in 60 60 3.2 3.4; do
		"$SPIN" "$t" 0 &
		WORKERS+=($!)
	done
	sleep 0.3
	run "$HIVEMON" rebalance --comm "$SPIN_COMM" --cpus 0-1 --windows 3 --apply --format json
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/gone.json"
	# The survivors end up one per CPU, or stay where they were when no
	# move was left worth making: never an error, never a gone pid pinned.
	for pid in "${WORKERS[@]:0:2}"; do
		case $(mask_of "$pid") in 1 | 2) ;; *) fail "pid $pid has mask $(mask_of "$pid")" ;; esac
	done
	# When moves were applied, the measurement after them has the two
	# survivors only.
	if [ "$(jq -r '.groups[0].applied' "$BATS_TEST_TMPDIR/gone.json")" = true ]; then
		run jq -r '[.groups[0].after.members[].pid] | sort | map(tostring) | join(" ")' \
			"$BATS_TEST_TMPDIR/gone.json"
		assert_output "$(printf '%s\n' "${WORKERS[@]:0:2}" | sort -n | xargs)"
	fi
}

@test "/api/v1/report carries the daemon's groups: members, plan, moves applied" {
	load daemon_helpers
	local port
	port=$(free_port)
	start_four_on_cpu0
	group_conf apply "" "[export]
listen = 127.0.0.1:$port"
	start_daemon "$BATS_TEST_TMPDIR/run.conf"
	wait_until 20 daemon_log_has "rebalance: group spin: moved pid" || fail "no move"
	sleep 1.5
	run curl -sf "http://127.0.0.1:$port/api/v1/report"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/api.json"
	run jq -r '.groups[0] | "\(.name) \(.mode) \(.moves_applied) \(.members | length) \(.cpus | join(","))"' \
		"$BATS_TEST_TMPDIR/api.json"
	assert_output "spin apply 2 4 0,1"
	run jq -r '.groups[0].last_action' "$BATS_TEST_TMPDIR/api.json"
	assert_output --regexp "^moved pid [0-9]+ from cpu 0 to cpu 1"
	# The move's effect: measured over the three intervals before it and
	# the three after, every member on both sides.
	wait_until 10 api_effect_done "$port" || fail "effect not final: $(cat "$BATS_TEST_TMPDIR/api.json")"
	run jq -r '.groups[0].actions | length, (.[0] | .action, (.evidence.moves | length),
		.effect.windows_before, .effect.windows_after,
		([.effect.members[] | select(.before.cpu_percent > 0 and .after.cpu_percent > 0)] | length))' \
		"$BATS_TEST_TMPDIR/api.json"
	assert_output "$(printf '1\nmove\n2\n3\n3\n4')"
	run jq -r '.groups[0] | "\(.steering) \(.scale_events.out) \(.scale_events.in)"' "$BATS_TEST_TMPDIR/api.json"
	assert_output "false 0 0"
	# The same on /metrics.
	run curl -sf "http://127.0.0.1:$port/metrics"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/metrics"
	run promtool check metrics <"$BATS_TEST_TMPDIR/metrics"
	assert_success
	grep -qx 'hivemon_group_members{group="spin"} 4' "$BATS_TEST_TMPDIR/metrics"
	grep -qx 'hivemon_group_moves_total{group="spin"} 2' "$BATS_TEST_TMPDIR/metrics"
	grep -qx 'hivemon_group_steering{group="spin"} 0' "$BATS_TEST_TMPDIR/metrics"
	grep -qx 'hivemon_group_scale_events_total{group="spin",direction="out"} 0' "$BATS_TEST_TMPDIR/metrics"
	grep -qE '^hivemon_group_imbalance\{group="spin"\} [0-9.e-]+$' "$BATS_TEST_TMPDIR/metrics"
	# Two members on each CPU.
	run grep -cE '^hivemon_group_member_cpu_percent\{group="spin",pid="[0-9]+",comm="'"$SPIN_COMM"'",cpu="1"\} [0-9.e+-]+$' \
		"$BATS_TEST_TMPDIR/metrics"
	assert_output 2
}

# Fetches /api/v1/report into api.json; true once the first action's
# effect is final.
api_effect_done() {
	curl -sf "http://127.0.0.1:$1/api/v1/report" >"$BATS_TEST_TMPDIR/api.json" &&
		[ "$(jq -r '.groups[0].actions[0].effect.state' "$BATS_TEST_TMPDIR/api.json")" = done ]
}

@test "a saturated group in the daemon: scale-out runs once per cooldown, counted on /api and /metrics" {
	load daemon_helpers
	local port
	port=$(free_port)
	for _ in 1 2; do
		"$SPIN" 60 0 &
		WORKERS+=($!)
	done
	sleep 0.3
	group_conf apply "scale_out = echo \"\$HIVEMON_ACTION %n\" >>$BATS_TEST_TMPDIR/hook.out
latency_target = 1ms" "[export]
listen = 127.0.0.1:$port"
	sed -i 's/^cpus = 0-1$/cpus = 0/' "$BATS_TEST_TMPDIR/run.conf"
	start_daemon "$BATS_TEST_TMPDIR/run.conf"
	wait_until 15 test -s "$BATS_TEST_TMPDIR/hook.out" || fail "no scale-out: $(cat "$BATS_TEST_TMPDIR/daemon.log")"
	# Three more saturated intervals (the effect's after), all within the
	# cooldown of 1 minute: nothing more runs.
	wait_until 10 api_effect_done "$port" || fail "effect not final: $(cat "$BATS_TEST_TMPDIR/api.json")"
	run cat "$BATS_TEST_TMPDIR/hook.out"
	assert_output "scale-out 3"
	run jq -r '.groups[0] | "\(.scale_events.out) \(.scale_events.in) \(.actions | length)",
		(.actions[0] | "\(.action) \(.evidence.status) \(.evidence.members) \(.effect.state)")' \
		"$BATS_TEST_TMPDIR/api.json"
	assert_output "$(printf '1 0 1\nscale-out 0 2 done')"
	run curl -sf "http://127.0.0.1:$port/metrics"
	assert_success
	grep -qx 'hivemon_group_scale_events_total{group="spin",direction="out"} 1' <<<"$output"
	grep -qx 'hivemon_group_scale_events_total{group="spin",direction="in"} 0' <<<"$output"
	grep -qx 'hivemon_group_moves_total{group="spin"} 0' <<<"$output"
}
