#!/bin/bash
# What the socket programs cost per PostgreSQL query, with protocols on:
# pgbench -S (one simple-protocol SELECT per transaction, both ends on this
# host, over loopback TCP) against a throwaway local cluster, under
# `hivemon report --probes tcp,proto`, and the kernel's run time of
# tcp_recv and tcp_send (which tail-call the proto programs) divided by
# the transactions. Builds alternate in rounds, to compare two builds in
# one run.
#   bench/proto-pg-cost.sh [-r ROUNDS] [-T SECS] [HIVEMON...]
#   defaults: 4 rounds of 5 s, build/hivemon
# Needs root, pgbench and bpftool (deploy/install-deps.sh installs them).
# Everything it starts is stopped on exit, and the sysctl restored.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=4
secs=5
while getopts "r:T:h" o; do
	case $o in
	r) rounds=$OPTARG ;;
	T) secs=$OPTARG ;;
	*) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" && exit 2 ;;
	esac
done
shift $((OPTIND - 1))
die() { echo "proto-pg-cost: $*" >&2; exit 1; }
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 && $rounds -le 50 ]] || die "-r ROUNDS is 1..50"
[[ $secs =~ ^[0-9]+$ && $secs -ge 1 && $secs -le 120 ]] || die "-T SECS is 1..120"
[ "$(id -u)" -eq 0 ] || die "run as root (BPF)"
for t in pgbench bpftool jq; do
	command -v "$t" >/dev/null || die "$t missing"
done
[ $# -gt 0 ] || set -- "$root/build/hivemon"
for hv in "$@"; do
	[ -x "$hv" ] || die "$hv is not an executable"
done

PG_DIR=$(mktemp -d /tmp/hivemon-protopg.XXXXXX)
# shellcheck source=../tests/integration/pg_helper.bash
. "$root/tests/integration/pg_helper.bash"
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
hv_pid=
cleanup() {
	[ -n "$hv_pid" ] && kill -INT "$hv_pid" 2>/dev/null && wait "$hv_pid" || true
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	pg_stop || true
	rm -rf "$PG_DIR"
}
trap cleanup EXIT
pg_init
pg_start
pgbench -i -s 1 -q "$PG_CONNINFO" >/dev/null 2>&1
tcp="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
sysctl -qw kernel.bpf_stats_enabled=1

# The run time, in ns, of the newest program called $1.
run_time() {
	bpftool prog show name "$1" -j |
		jq '[if type == "array" then .[] else . end] | max_by(.id) | .run_time_ns'
}

echo "# pgbench -S -c 2 -T $secs over loopback TCP, $rounds rounds; ns per transaction of tcp_recv + tcp_send (proto inside)"
for round in $(seq "$rounds"); do
	line="round $round:"
	for hv in "$@"; do
		"$hv" report --verbose --probes tcp,proto --duration 10m --format json \
			>/dev/null 2>"$PG_DIR/report.err" &
		hv_pid=$!
		for _ in $(seq 100); do
			grep -q 'probes attached' "$PG_DIR/report.err" && break
			sleep 0.1
		done
		grep -q 'probes attached' "$PG_DIR/report.err" || die "$hv did not attach"
		tx=$(pgbench -n -S -c 2 -j 2 -T "$secs" "$tcp" 2>&1 |
			awk '/number of transactions actually processed/ { split($NF, a, "/"); print a[1] }')
		ns=$(($(run_time tcp_recv) + $(run_time tcp_send)))
		kill -INT "$hv_pid"
		wait "$hv_pid" || true
		hv_pid=
		line="$line $hv $((ns / tx))"
	done
	echo "$line"
done
