#!/usr/bin/env bats
# Memory probes against workloads with known behaviour: a process touching N
# fresh pages faults at least N times and holds them resident; a process
# filling the page cache inside a memory cgroup smaller than what it writes
# waits for reclaim.

setup() {
	: "${HIVEMON:?set HIVEMON to the hivemon binary}" "${WORKLOADS:?set WORKLOADS}"
	PIDS=()
	CGROUP=
	FILE=
}

teardown() {
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -n "$FILE" ] && rm -f "$FILE"
	[ -n "$CGROUP" ] && rmdir "$CGROUP" 2>/dev/null || true
}

report() {
	local args=()
	for pid in "${PIDS[@]}"; do args+=(--pid "$pid"); done
	run "$HIVEMON" report --duration 3s --format json --probes sched,mem "${args[@]}"
	[ "$status" -eq 0 ] || { echo "hivemon failed: $output" >&2; return 1; }
	echo "$output" | jq -e . >/dev/null
}

proc() { # pid filter
	echo "$output" | jq -e --argjson pid "$1" ".processes[] | select(.pid == \$pid) | $2"
}

@test "touching N fresh pages: at least N page faults, N pages resident" {
	pages=20000
	# Touches after 1 s (hivemon attached by then), then holds for 3 s.
	"$WORKLOADS/pagetoucher" "$pages" 1 3 >/dev/null &
	PIDS+=($!)
	report
	faults=$(proc "${PIDS[0]}" .alloc.page_faults)
	rss=$(proc "${PIDS[0]}" .alloc.rss_bytes)
	echo "page faults $faults, rss $rss bytes for $pages pages"
	[ "$faults" -ge "$pages" ]
	# Its own few faults besides (stack, libc data): not thousands more.
	[ "$faults" -le $((pages + 500)) ]
	[ "$rss" -ge $((pages * 4096)) ]
	[ "$(proc "${PIDS[0]}" .alloc.reclaim_stall.count)" -eq 0 ]
}

# A memory cgroup limited to @1 MiB (v1 or v2, whichever has the memory
# controller); its path in CGROUP.
make_memcg() {
	local name=hivemon-test-$$
	if [ -d /sys/fs/cgroup/memory ]; then
		CGROUP=/sys/fs/cgroup/memory/$name
		mkdir "$CGROUP"
		echo $(($1 << 20)) >"$CGROUP/memory.limit_in_bytes"
	else
		CGROUP=/sys/fs/cgroup/$name
		mkdir "$CGROUP"
		echo $(($1 << 20)) >"$CGROUP/memory.max"
	fi
}

@test "filling the page cache beyond a memory cgroup limit: reclaim stalls" {
	make_memcg 32
	FILE=$(mktemp /var/tmp/hivemon-mem.XXXXXX)
	# 128 MiB of writes through a 32 MiB cgroup, starting after 1 s.
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" 128 1' sh "$CGROUP" \
		"$WORKLOADS/filewriter" "$FILE" &
	PIDS+=($!)
	report
	count=$(proc "${PIDS[0]}" .alloc.reclaim_stall.count)
	total=$(proc "${PIDS[0]}" .alloc.reclaim_stall.total_ns)
	max=$(proc "${PIDS[0]}" .alloc.reclaim_stall.max_ns)
	echo "reclaim stalls: $count, total $total ns, max $max ns"
	# ~96 MiB to reclaim, in batches of 32 pages or more: many stalls.
	[ "$count" -ge 10 ]
	[ "$total" -gt 0 ]
	[ "$max" -gt 0 ]
	[ "$max" -le "$total" ]
}

@test "RSS is split into private, file and shared memory; only private memory raises memory-high" {
	# 120 MB of shared memory (like a database's shared buffers) and 8 MB private.
	"$WORKLOADS/shmholder" 120 8 6 >"$BATS_TEST_TMPDIR/shared.out" &
	PIDS+=($!)
	# 120 MB private.
	"$WORKLOADS/shmholder" 0 120 6 >"$BATS_TEST_TMPDIR/private.out" &
	PIDS+=($!)
	for f in shared private; do
		for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/$f.out" && break; sleep 0.05; done
	done
	report
	shmem=$(proc "${PIDS[0]}" .alloc.rss_shmem_bytes)
	anon=$(proc "${PIDS[0]}" .alloc.rss_anon_bytes)
	rss=$(proc "${PIDS[0]}" .alloc.rss_bytes)
	echo "shared holder: rss $rss anon $anon shmem $shmem"
	[ "$shmem" -ge $((120 << 20)) ]
	[ "$shmem" -le $((121 << 20)) ]
	[ "$anon" -ge $((8 << 20)) ]
	[ "$anon" -le $((10 << 20)) ]
	[ "$rss" -ge $((shmem + anon)) ]
	anon=$(proc "${PIDS[1]}" .alloc.rss_anon_bytes)
	[ "$anon" -ge $((120 << 20)) ]
	[ "$anon" -le $((122 << 20)) ]
	# One finding, for the private 120 MB, in mem.anon's unit (bytes).
	run jq -r '.findings[] | select(.kind == "memory-high") | "\(.pid) \(.metric) \(.severity)"' <<<"$output"
	[ "$output" = "${PIDS[1]} mem.anon critical" ]
}
