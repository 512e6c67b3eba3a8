#!/usr/bin/env bats
# Findings against workloads with a known bottleneck.

load helpers

setup() {
	PIDS=()
}

teardown() {
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
