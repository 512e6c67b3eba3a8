#!/bin/bash
# Rows per second hivemon's PostgreSQL store writes (COPY, batched), into a
# throwaway local cluster (unix socket, fsync off: the database's own disk
# speed is not what is measured), plus the daemon-side cost per interval.
#   bench/pg-ingest.sh [PROCESSES] [INTERVALS]     (root; default 1000 10)
# Then the /metrics render cost for the same number of processes.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
procs=${1:-1000}
intervals=${2:-10}
cd "$root"
make --no-print-directory -s build/bench/pg_ingest build/bench/prom_render

PG_DIR=$(mktemp -d /tmp/hivemon-pgbench.XXXXXX)
# shellcheck source=../tests/integration/pg_helper.bash
. "$root/tests/integration/pg_helper.bash"
cleanup() {
	pg_stop || true
	rm -rf "$PG_DIR"
}
trap cleanup EXIT
pg_init
pg_start

echo "# PostgreSQL ingest ($procs processes x ~26 rows, $intervals intervals queued at once)"
build/bench/pg_ingest "$PG_CONNINFO" "$procs" "$intervals"
echo "rows in the table: $(pg_sql 'SELECT count(*) FROM hivemon.process_stats')"
echo
echo "# /metrics ($procs processes, 20 syscalls each; median of 15 intervals)"
build/bench/prom_render "$procs"
