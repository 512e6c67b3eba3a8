#!/bin/bash
# Fails when code above the probe layer reaches BPF: libbpf's headers, a
# skeleton, a header of bpf/, or the probe/kernel internals; and when code
# outside the database layers (store: the history; postgres: read-only
# questions such as index advice) reaches libpq. Dependencies are taken from
# the preprocessor (-M), so an include through another header counts too.
#
# usage: check-layers.sh [FILE...]   (default: every consumer-layer source)
# env:   CC, CFLAGS as the Makefile builds with.
set -u
cd "$(dirname "$0")/../.."

# Layers that may touch BPF; every other folder of src/ is checked.
bpf_layers="probes kernel"
# The probe layer's public face: the collector, which takes probe_opts and
# fills snapshots. The one bridge into bpf/: core/hist.c turns the kernel's
# bucket math into functions.
public="src/probes/collector.h"
bridge="src/core/hist.c:bpf/hist.h"
# Layers that may talk to PostgreSQL through libpq.
pq_layers="store postgres"

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	for dir in src/*/; do
		layer=$(basename "$dir")
		case " $bpf_layers " in *" $layer "*) continue ;; esac
		files+=("$dir"*.c "$dir"*.h)
	done
fi

bad=0
for f in "${files[@]}"; do
	[ -e "$f" ] || continue
	deps=$(${CC:-cc} ${CFLAGS:-} -M -MG -x c "$f" 2>&1) || {
		echo "check-layers: $f: $deps" >&2
		bad=1
		continue
	}
	layer=${f#src/}
	layer=${layer%%/*}
	for dep in $(printf '%s\n' "$deps" | tr -d '\\' | tr ' ' '\n' | sed -n '2,$p'); do
		case "$dep" in
		*/libpq-fe.h | */libpq/* | */postgres_ext.h)
			case " $pq_layers " in *" $layer "*) continue ;; esac
			echo "check-layers: $f depends on $dep: only src/store and src/postgres may use libpq" >&2
			bad=1
			continue
			;;
		esac
		case "$dep" in
		*.skel.h | */bpf/bpf.h | */bpf/libbpf*.h | bpf/* | ./bpf/* | src/probes/* | src/kernel/* | \
			*/bpf/btf.h) ;;
		*) continue ;;
		esac
		[ "${dep#./}" = "$public" ] && continue
		[ "$f:${dep#./}" = "$bridge" ] && continue
		echo "check-layers: $f depends on $dep: only src/probes and src/kernel may touch BPF" >&2
		bad=1
	done
done
exit $bad
