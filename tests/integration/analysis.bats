#!/usr/bin/env bats
# Findings against workloads with a known bottleneck.

load helpers
load export_helper

setup() {
	PIDS=()
}

teardown() {
	stop_daemon
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	true
}

@test "three CPU hogs on two CPUs: one host finding naming the hog service, none per process" {
	cp "$WORKLOADS/spinner" "$BATS_TEST_TMPDIR/hog"
	for _ in 1 2 3; do
		"$BATS_TEST_TMPDIR/hog" 20 &
		PIDS+=($!)
	done
	"$WORKLOADS/sleeper" 200 10 >/dev/null &
	PIDS+=($!)
	run "$HIVEMON" report --duration 3s --format json --probes sched
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	run jq -r '[.findings[] | select(.kind == "cpu-saturated")] | length' "$BATS_TEST_TMPDIR/r.json"
	assert_output 1
	run jq -r '[.findings[] | select(.kind == "cpu-starved")] | length' "$BATS_TEST_TMPDIR/r.json"
	assert_output 0
	run jq -r '.findings[] | select(.kind == "cpu-saturated") | "\(.pid) \(.comm) \(.metric) \(.summary)"' \
		"$BATS_TEST_TMPDIR/r.json"
	assert_output --regexp "^0 host cpu.wait the CPUs are saturated: [0-9]+ processes wait for a CPU, [0-9.]+ cores' worth in all \(.*\); top consumers: hog [0-9.]+ cores \(3 processes\)"
	# The hogs are one service of three processes.
	run jq -r '.services[] | select(.name == "hog") | .pids | length' "$BATS_TEST_TMPDIR/r.json"
	assert_output 3
}

# jq over the services[] entry of NAME in $BATS_TEST_TMPDIR/r.json.
svc_jq() {
	jq -r --arg name "$1" ".services[] | select(.name == \$name) | $2" "$BATS_TEST_TMPDIR/r.json"
}

# Starts WORKLOAD ARGS... under NAME (a copy of the binary: its own
# service), in the background; its pid lands in PIDS.
start_as() {
	local name=$1 workload=$2
	shift 2
	cp "$WORKLOADS/$workload" "$BATS_TEST_TMPDIR/$name"
	"$BATS_TEST_TMPDIR/$name" "$@" &
	PIDS+=($!)
}

# Real-time priority (SCHED_FIFO) keeps the host's other load out of the
# workloads' time, so their breakdown is the one they were written to have.
@test "half asleep, half spinning: a 50/50 breakdown of the service's time" {
	cp "$WORKLOADS/duty" "$BATS_TEST_TMPDIR/halfhalf"
	# Two of them: one service of two processes, which the text lists.
	for _ in 1 2; do
		chrt -f 10 "$BATS_TEST_TMPDIR/halfhalf" 10 10 8 &
		PIDS+=($!)
	done
	run "$HIVEMON" report --duration 3s --format json --probes syscall,sched --comm halfhalf
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	assert_between "$(svc_jq halfhalf .breakdown.oncpu.share)" 0.40 0.60
	assert_between "$(svc_jq halfhalf .breakdown.sleep.share)" 0.40 0.60
	# The kinds add up to the whole.
	assert_between "$(svc_jq halfhalf '[.breakdown[] | objects | .share] | add')" 0.999 1.001
	run jq -r '.findings | length' "$BATS_TEST_TMPDIR/r.json"
	assert_output 0
	run "$HIVEMON" report --duration 1s --probes syscall,sched --comm halfhalf
	assert_success
	assert_output --regexp "time: (on-CPU [0-9]+%, sleep [0-9]+%|sleep [0-9]+%, on-CPU [0-9]+%)"
}

@test "four threads on one mutex: locks take 3/4 of their time, one lock-contention finding" {
	cp "$WORKLOADS/lock_contend" "$BATS_TEST_TMPDIR/contend"
	chrt -f 10 "$BATS_TEST_TMPDIR/contend" 4 100 8 &
	PIDS+=($!)
	run "$HIVEMON" report --duration 3s --format json --probes syscall,sched --comm contend
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	# One thread holds the lock, three wait for it: 75 %.
	assert_between "$(svc_jq contend .breakdown.locks.share)" 0.65 0.85
	run svc_jq contend '.breakdown | to_entries | map(select(.value | type == "object")) | max_by(.value.share) | .key'
	assert_output locks
	run jq -r '[.findings[] | select(.kind == "lock-contention")] | length' "$BATS_TEST_TMPDIR/r.json"
	assert_output 1
	run jq -r '.findings[] | select(.kind == "lock-contention") | "\(.service) \(.chain[0].metric) \(.summary)"' \
		"$BATS_TEST_TMPDIR/r.json"
	assert_output --regexp "^contend time.locks threads wait on locks \(futex\) [0-9]+% of their time"
}

@test "front -> middle -> back (220 ms): one finding, on front, whose chain ends in back" {
	start_as back tier -t 220 >"$BATS_TEST_TMPDIR/back.port"
	wait_until 5 grep -q port "$BATS_TEST_TMPDIR/back.port"
	start_as middle tier -u "$(awk '{print $2}' "$BATS_TEST_TMPDIR/back.port")" >"$BATS_TEST_TMPDIR/middle.port"
	wait_until 5 grep -q port "$BATS_TEST_TMPDIR/middle.port"
	start_as front tier -u "$(awk '{print $2}' "$BATS_TEST_TMPDIR/middle.port")" >"$BATS_TEST_TMPDIR/front.port"
	wait_until 5 grep -q port "$BATS_TEST_TMPDIR/front.port"
	"$WORKLOADS/tcp_client" -a 127.0.0.1 -p "$(awk '{print $2}' "$BATS_TEST_TMPDIR/front.port")" \
		-c 4 -n 40 -P 4 >/dev/null &
	PIDS+=($!)
	run "$HIVEMON" report --duration 3s --format json --probes syscall,tcp,sched \
		--comm front --comm middle --comm back
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	run jq -r '[.findings[] | select(.kind == "slow-responses")] | length' "$BATS_TEST_TMPDIR/r.json"
	assert_output 1
	run jq -r '.findings[] | select(.kind == "slow-responses") | "\(.service) \(.severity) \([.chain[].service] | join(">")) \(.chain[-1].metric)"' \
		"$BATS_TEST_TMPDIR/r.json"
	assert_output "front critical front>middle>back>back time.sleep"
	# Middle thinks for no time: all of front's time is back's.
	assert_between "$(jq -r '.findings[] | select(.kind == "slow-responses") | .chain[2].share' "$BATS_TEST_TMPDIR/r.json")" 0.90 1.0
	assert_between "$(jq -r '.findings[] | select(.kind == "slow-responses") | .chain[2].value' "$BATS_TEST_TMPDIR/r.json")" 209000000 231000000
	run jq -r '.findings[] | select(.kind == "slow-responses") | .summary' "$BATS_TEST_TMPDIR/r.json"
	assert_output --regexp "^answers requests on 127.0.0.1:[0-9]+ with p99 2[0-9.]+ms: [0-9]+% waiting on 127.0.0.1:[0-9]+ \(middle, p99 [0-9.]+ms\) <- middle: [0-9]+% waiting on 127.0.0.1:[0-9]+ \(back, p99 [0-9.]+ms\) <- back: [0-9]+% sleep$"
}

@test "a process leaking 1 MB/s: memory-growth at that rate; a steady one: none" {
	start_as leak1m leaker 1024 12
	start_as steady sleeper 300 20
	run "$HIVEMON" report --duration 6s --format json --probes sched,mem --comm leak1m --comm steady
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	run jq -r '[.findings[] | select(.kind == "memory-growth")] | length' "$BATS_TEST_TMPDIR/r.json"
	assert_output 1
	run jq -r '.findings[] | select(.kind == "memory-growth") | .service' "$BATS_TEST_TMPDIR/r.json"
	assert_output leak1m
	assert_within_pct "$(jq -r '.findings[] | select(.kind == "memory-growth") | .growth.bytes_per_s' "$BATS_TEST_TMPDIR/r.json")" 1048576 10
	# Time to the 100 MiB limit: what is left of it at 1 MiB/s.
	assert_within_pct "$(jq -r '.findings[] | select(.kind == "memory-growth") | .growth.eta_s' "$BATS_TEST_TMPDIR/r.json")" \
		"$(jq -r '.findings[] | select(.kind == "memory-growth") | (104857600 - .value) / 1048576' "$BATS_TEST_TMPDIR/r.json")" 20
}

@test "a healthy steady load gives no warning or critical finding" {
	start_as calm tcp_server -t 5 >"$BATS_TEST_TMPDIR/calm.port"
	wait_until 5 grep -q port "$BATS_TEST_TMPDIR/calm.port"
	cp "$WORKLOADS/tcp_client" "$BATS_TEST_TMPDIR/calmclient"
	"$BATS_TEST_TMPDIR/calmclient" -a 127.0.0.1 -p "$(awk '{print $2}' "$BATS_TEST_TMPDIR/calm.port")" \
		-c 2 -n 300 -P 2 >/dev/null &
	PIDS+=($!)
	start_as napper sleeper 300 10
	run "$HIVEMON" report --duration 3s --format json --comm calm --comm calmclient --comm napper
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	# The load is there...
	assert_between "$(svc_jq calm .requests)" 100 100000
	# ...and nothing is wrong with it.
	run jq -r '[.findings[] | select(.severity != "info")] | length' "$BATS_TEST_TMPDIR/r.json"
	assert_output 0
}

@test "the daemon reports a finding once it held 3 intervals, with since" {
	local port conf
	port=$(free_port)
	conf="$BATS_TEST_TMPDIR/hivemon.conf"
	cat >"$conf" <<-CONF
		[agent]
		interval = 1s
		state_dir = $BATS_TEST_TMPDIR/state
		filter.comm = heldlock
		probes = syscall,sched
		[export]
		listen = 127.0.0.1:$port
	CONF
	cp "$WORKLOADS/lock_contend" "$BATS_TEST_TMPDIR/heldlock"
	chrt -f 10 "$BATS_TEST_TMPDIR/heldlock" 4 100 12 &
	PIDS+=($!)
	start_daemon "$conf"
	# The first interval sees the contention, but one interval is not enough.
	wait_until 5 eval "curl -sf http://127.0.0.1:$port/api/v1/report >'$BATS_TEST_TMPDIR/first.json'"
	run jq -r '[.processes[] | select(.comm == "heldlock")] | length' "$BATS_TEST_TMPDIR/first.json"
	assert_output 1
	run jq -r '[.findings[] | select(.kind == "lock-contention")] | length' "$BATS_TEST_TMPDIR/first.json"
	assert_output 0
	wait_until 6 eval "curl -sf http://127.0.0.1:$port/api/v1/report | tee '$BATS_TEST_TMPDIR/held.json' |
		jq -e '.findings[] | select(.kind == \"lock-contention\")'"
	# Since: the start of the first of the 3 intervals, 2 s before this one's.
	run jq -r '(.started_at | fromdateiso8601) - (.findings[] | select(.kind == "lock-contention") | .since | fromdateiso8601)' \
		"$BATS_TEST_TMPDIR/held.json"
	# (RFC 3339 to the second: 2, give or take the rounding of each)
	assert_between "$output" 1 3
}
