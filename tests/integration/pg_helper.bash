# A throwaway PostgreSQL cluster for tests and benchmarks: Debian's initdb and
# pg_ctl run as the unprivileged "postgres" user, listening on a unix socket in
# a temporary directory and on a loopback port. Callers set PG_DIR first
# (a fresh directory); PG_CONNINFO is then what hivemon and psql use.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${PG_USER:-postgres}

pg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_as_user() {
	runuser -u "$PG_USER" -- "$@"
}

# pg_init: creates the cluster in $PG_DIR/data (trust auth, loopback only).
pg_init() {
	PG_PORT=${PG_PORT:-$(pg_free_port)}
	chmod 755 "$PG_DIR"
	mkdir -p "$PG_DIR/data" "$PG_DIR/sock"
	chown "$PG_USER" "$PG_DIR" "$PG_DIR/data" "$PG_DIR/sock"
	pg_as_user "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
		--no-sync >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
	PG_CONNINFO="host=$PG_DIR/sock port=$PG_PORT user=postgres dbname=postgres"
	export PG_PORT PG_CONNINFO
}

# pg_start: starts the server and waits until it accepts connections.
pg_start() {
	pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-k $PG_DIR/sock -p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off" \
		start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
}

# pg_stop: fast shutdown (open connections are terminated), waits for it.
pg_stop() {
	[ -f "$PG_DIR/data/postmaster.pid" ] || return 0
	pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null
}

# pg_sql SQL: runs SQL, prints unaligned tuples only.
pg_sql() {
	psql "$PG_CONNINFO" -X -v ON_ERROR_STOP=1 -qAt -c "$1"
}

# pg_kill: immediate shutdown, as a crash would be (no checkpoint, open
# transactions lost, what was committed kept).
pg_kill() {
	pg_as_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null
}

# pg_postmaster_pid: the server's main process.
pg_postmaster_pid() {
	head -1 "$PG_DIR/data/postmaster.pid"
}

# pg_pause / pg_resume: the server and all its backends stop answering (a hung
# server, not a refusing one), then go on.
pg_pause() {
	local pm
	pm=$(pg_postmaster_pid)
	kill -STOP "$pm" $(pgrep -P "$pm")
}

pg_resume() {
	local pm
	pm=$(pg_postmaster_pid)
	kill -CONT "$pm" $(pgrep -P "$pm")
}
