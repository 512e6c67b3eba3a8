#!/bin/bash
# Runs every test of `make test` and ends with the line "N passed, N failed".
# Unit tests (cmocka) run plain and under ASan+UBSan; integration tests (bats)
# load the real BPF programs and need root.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count_cmocka() { # binary
	local out rc p f
	out=$("$1" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0}
	f=${f:-0}
	# A crash (sanitizer abort) prints no summary: count it as a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "$build"/unit/test_* "$build"/unit-asan/test_*; do
	[ -x "$t" ] || continue
	echo "# unit: $t"
	count_cmocka "$t"
done

export HIVEMON="$root/$build/hivemon" WORKLOADS="$root/$build/workloads" ROOT="$root"
if ls "$root"/tests/integration/*.bats >/dev/null 2>&1; then
	bats --tap "$root"/tests/integration/ 2>&1 | tee "$log"
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
