#!/usr/bin/env bats
# The layer boundary of src/: only src/probes and src/kernel touch BPF
# (libbpf, skeletons, bpf/ headers); every consumer sees snapshots only.

load helpers

build_dir() {
	dirname "$HIVEMON"
}

@test "no consumer layer depends on libbpf, a skeleton or a bpf/ header" {
	run make -s -C "$ROOT" BUILD="$(build_dir)" check-layers
	assert_success
	assert_output ""
}

@test "the layer check catches a consumer that reaches BPF through a header" {
	printf '#include "probes/probe.h"\n' >"$BATS_TEST_TMPDIR/leak.c"
	printf '#include "bpf/hist.h"\n' >"$BATS_TEST_TMPDIR/direct.c"
	printf '#include <bpf/libbpf.h>\n' >"$BATS_TEST_TMPDIR/libbpf.c"
	for f in leak direct libbpf; do
		run make -s -C "$ROOT" BUILD="$(build_dir)" check-layers FILES="$BATS_TEST_TMPDIR/$f.c"
		assert_failure
		assert_output --partial "$f.c depends on"
	done
}
