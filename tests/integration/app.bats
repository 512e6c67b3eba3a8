#!/usr/bin/env bats
# The protocol probe ("proto") against real servers started here: a Python
# HTTP/1.1 server with known think times per route, nginx serving static
# files, PostgreSQL 15 over TCP and its unix socket (simple and extended
# protocol), Redis over a unix socket. Counts are exact, p50 within 5 % of
# the known think time; garbage gets no rows; 100k distinct URLs stay
# within 64 rows + "other" per process.

load helpers
load pg_helper

# One PostgreSQL cluster for the file, its backends in a cgroup of their
# own so that a test can trace them and nothing else.
setup_file() {
	local root
	PG_DIR=$(mktemp -d /tmp/hivemon-apptest.XXXXXX)
	export PG_DIR
	pg_init
	pg_start
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	PG_CGROUP="/hivemon-app-test-$$"
	mkdir "$root$PG_CGROUP"
	pg_postmaster_pid >"$root$PG_CGROUP/cgroup.procs"
	export PG_CGROUP PG_CGROUP_DIR="$root$PG_CGROUP"
}

teardown_file() {
	pg_stop
	rm -rf "$PG_DIR"
	rmdir "$PG_CGROUP_DIR"
}

setup() {
	SERVER_PIDS=()
}

teardown() {
	stop_report
	for pid in "${SERVER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	true
}

PY_HTTP="$BATS_TEST_DIRNAME/../workloads/app_http.py"
PY_GARBAGE="$BATS_TEST_DIRNAME/../workloads/app_garbage.py"

# jq over the service holding PID: service_jq PID FILTER
service_jq() {
	jq -e --argjson pid "$1" ".services[] | select(.pids | index(\$pid)) | $2" "$REPORT_OUT"
}

# A name no other test uses, letters only (normalisers keep identifiers).
unique_tag() {
	tr -dc a-z </dev/urandom | head -c 10
}

# Median, in ns, of what the HTTP server timed itself for a first segment.
server_p50() {
	awk -v r="$1" '$1 == r { print $2 }' "$BATS_TEST_TMPDIR/port.times" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%d\n", v[int((NR + 1) / 2)] * 1000000 }'
}

start_http_server() {
	python3 "$PY_HTTP" server "$BATS_TEST_TMPDIR/port" &
	HTTP_PID=$!
	SERVER_PIDS+=("$HTTP_PID")
	wait_until 10 test -s "$BATS_TEST_TMPDIR/port"
	HTTP_PORT=$(cat "$BATS_TEST_TMPDIR/port")
}

@test "http: counts exact per route, ids normalized, p50 within 5 % of the server's own time, 5xx are errors" {
	start_http_server
	start_report --probes proto -f json -d 120s
	python3 "$PY_HTTP" client "$HTTP_PORT" "/users/{i}:25" "/report:6" "/fail:7" \
		"/static?v={i}:10" "/users/{i}/orders:5"
	end_report

	rows=$(service_jq "$HTTP_PID" '[.http[] | select(.role == "server")] | sort_by(.route) | map("\(.method) \(.route) \(.status) \(.count) \(.errors)") | join(",")')
	assert_equal "$rows" '"GET /fail 5xx 7 7,GET /report 2xx 6 0,GET /static 2xx 10 0,GET /users/{id} 2xx 25 0,GET /users/{id}/orders 2xx 5 0"'
	# p50 against the server's own clock (think time plus what the loaded
	# machine added), which must hold the think time itself.
	[ "$(server_p50 users)" -ge 60000000 ]
	[ "$(server_p50 report)" -ge 180000000 ]
	assert_within_pct "$(service_jq "$HTTP_PID" '.http[] | select(.role == "server" and .route == "/users/{id}") | .p50_ns')" "$(server_p50 users)" 5
	assert_within_pct "$(service_jq "$HTTP_PID" '.http[] | select(.role == "server" and .route == "/report") | .p50_ns')" "$(server_p50 report)" 5
	# The client's side: the same shapes, no server rows.
	client=$(jq '[.services[] | .http[] | select(.role == "client" and (.route == "/report" or .route == "/fail"))] | map(.count) | add' "$REPORT_OUT")
	[ "$client" -ge 13 ]
	assert_within_pct "$(jq '[.services[] | .http[] | select(.role == "client" and .route == "/report")][0].p50_ns' "$REPORT_OUT")" "$(server_p50 report)" 5
}

# The newest program called NAME (bpftool may not know which process holds
# a program: the report just started is newest): newest_prog NAME FIELD
newest_prog() {
	bpftool prog show name "$1" -j |
		jq -c "[if type == \"array\" then .[] else . end] | max_by(.id) | .$2"
}

@test "tcp and proto: one element per socket, proto runs as tcp's tail call, both count every request" {
	start_http_server
	start_report --probes tcp,proto -f json -d 120s
	local tcp_maps app_maps shared prog
	tcp_maps=$(newest_prog tcp_recv 'map_ids | sort')
	app_maps=$(newest_prog app_recv 'map_ids | sort')
	shared=$(jq -n --argjson a "$tcp_maps" --argjson b "$app_maps" '$a - ($a - $b) | .[]')
	[ "$(wc -w <<<"$shared")" -eq 1 ] || fail "tcp_recv maps $tcp_maps, app_recv maps $app_maps"
	assert_equal "$(bpftool map show id "$shared" -j | jq -r .type)" sk_storage
	# Only the tcp programs are attached to the socket tracepoints.
	for prog in tcp_recv tcp_send app_recv app_send; do
		eval "${prog}_links=$(bpftool link show -j | jq --argjson id "$(newest_prog $prog id)" '[.[] | select(.prog_id == $id)] | length')"
	done
	assert_equal "$tcp_recv_links $tcp_send_links $app_recv_links $app_send_links" "1 1 0 0"
	python3 "$PY_HTTP" client "$HTTP_PORT" "/users/{i}:20" "/report:4" "/fail:3"
	end_report

	assert_equal "$(service_jq "$HTTP_PID" '[.http[] | select(.role == "server") | .count] | add')" 27
	assert_equal "$(proc_jq "$HTTP_PID" '[.tcp.requests[] | select(.role == "server") | .count] | add')" 27
}

@test "http: garbage, truncated requests and plain text on the same port give no rows" {
	start_http_server
	start_report --probes proto -f json -d 120s
	python3 "$PY_GARBAGE" tcp "$HTTP_PORT"
	python3 "$PY_HTTP" client "$HTTP_PORT" "/report:2"
	python3 "$PY_GARBAGE" tcp "$HTTP_PORT"
	end_report

	rows=$(service_jq "$HTTP_PID" '[.http[] | select(.role == "server")] | map("\(.route) \(.status) \(.count)") | join(",")')
	assert_equal "$rows" '"/report 2xx 2"'
}

@test "http: nginx static files, 100k distinct URLs stay within 64 rows + other" {
	local root="$BATS_TEST_TMPDIR/www" port
	port=$(free_port)
	mkdir -p "$root/img" "$BATS_TEST_TMPDIR/nginx"
	echo hello >"$root/index.html"
	for i in 1 2 3; do echo "$i" >"$root/img/$i.png"; done
	cat >"$BATS_TEST_TMPDIR/nginx.conf" <<-EOF
		worker_processes 1;
		user root;
		pid $BATS_TEST_TMPDIR/nginx/nginx.pid;
		error_log $BATS_TEST_TMPDIR/nginx/error.log;
		events { worker_connections 256; }
		http {
			access_log off;
			client_body_temp_path $BATS_TEST_TMPDIR/nginx;
			proxy_temp_path $BATS_TEST_TMPDIR/nginx;
			fastcgi_temp_path $BATS_TEST_TMPDIR/nginx;
			uwsgi_temp_path $BATS_TEST_TMPDIR/nginx;
			scgi_temp_path $BATS_TEST_TMPDIR/nginx;
			server { listen 127.0.0.1:$port; root $root; }
		}
	EOF
	nginx -c "$BATS_TEST_TMPDIR/nginx.conf" -g 'daemon off;' &
	SERVER_PIDS+=($!)
	wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$port/index.html"
	cat >"$BATS_TEST_TMPDIR/paths.lua" <<-'EOF'
		local n = 0
		request = function()
			n = n + 1
			local s = ""
			local k = n
			repeat
				s = s .. string.char(97 + k % 26)
				k = math.floor(k / 26)
			until k == 0
			return wrk.format("GET", "/p/" .. s)
		end
		local done = 0
		response = function()
			done = done + 1
			if done == 100000 then
				wrk.thread:stop()
				io.open(os.getenv("WRK_DONE"), "w"):close()
			end
		end
	EOF

	local worker
	worker=$(pgrep -P "${SERVER_PIDS[0]}" | head -1)
	# Static files: the route and status shape.
	start_report --probes proto -f json -d 120s
	for i in 1 2 3 4; do curl -sf -o /dev/null "http://127.0.0.1:$port/img/$((i % 3 + 1)).png"; done
	curl -s -o /dev/null "http://127.0.0.1:$port/missing.html"
	curl -sf -o /dev/null "http://127.0.0.1:$port/index.html"
	end_report
	rows=$(service_jq "$worker" '.http | sort_by(.route) | map("\(.method) \(.route) \(.status) \(.count)") | join(",")')
	assert_equal "$rows" '"GET /img/{id}.png 2xx 4,GET /index.html 2xx 1,GET /missing.html 4xx 1"'

	# 100k distinct URLs, one request each.
	start_report --probes proto -f json -d 120s
	# Letters only: every URL is its own route until the bound.
	# wrk sleeps its whole duration even once the script stopped it.
	export WRK_DONE="$BATS_TEST_TMPDIR/wrk.done"
	wrk -t1 -c4 -d80s -s "$BATS_TEST_TMPDIR/paths.lua" "http://127.0.0.1:$port/" >/dev/null &
	SERVER_PIDS+=($!)
	wait_until 80 test -f "$WRK_DONE"
	sleep 0.2
	end_report

	run service_jq "$worker" '.http | length'
	[ "$status" -eq 0 ]
	[ "$output" -le 65 ]
	[ "$(service_jq "$worker" '[.http[] | select(.route == "other")] | length')" -eq 1 ]
	# Every request counted once, in some row: 100k, plus at most one in
	# flight on each of wrk's other connections.
	assert_between "$(service_jq "$worker" '[.http[] | .count] | add')" 100000 100003
	[ "$(jq .lost_events "$REPORT_OUT")" -eq 0 ]
}

pg_workload() {
	local tag=$1 n=$2 m=$3 conninfo=$4 i
	{
		for i in $(seq "$n"); do echo "SELECT pg_sleep(0.12) AS $tag;"; done
		for i in $(seq "$m"); do echo "SELECT relname AS $tag FROM pg_class WHERE relname = 'nope$i' AND relpages > $i;"; done
		echo "SELECT nonexistent_$tag FROM pg_class LIMIT 1;"
	} | psql "$conninfo" -X -q >/dev/null 2>&1 || true
}

# Sum over every service of the rows of @role whose query holds @text.
sql_count() {
	jq --arg r "$1" --arg t "$2" '[.services[] | .sql[] | select(.role == $r and (.query | contains($t))) | .count] | add // 0' "$REPORT_OUT"
}

@test "postgresql: simple and prepared queries over TCP and the unix socket, slow ones logged" {
	local tag ptag n=5 m=20 prepared=4
	tag=$(unique_tag)
	ptag=$(unique_tag)
	echo "SELECT pg_sleep(0.12) AS $ptag;" >"$BATS_TEST_TMPDIR/bench.sql"
	# With the tcp set, as by default: proto runs chained to it (sock.bpf.h),
	# unix sockets included.
	start_report --probes tcp,proto -f json -d 120s
	pg_workload "$tag" "$n" "$m" "$PG_CONNINFO"
	pg_workload "$tag" "$n" "$m" "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
	pgbench -n -M prepared -t "$prepared" -f "$BATS_TEST_TMPDIR/bench.sql" "$PG_CONNINFO" >/dev/null
	end_report

	# Literals became parameters, the rows of both transports add up.
	[ "$(sql_count server "pg_sleep(\$1) AS $tag")" -eq $((2 * n)) ]
	[ "$(sql_count client "pg_sleep(\$1) AS $tag")" -eq $((2 * n)) ]
	[ "$(sql_count server "relname = \$")" -ge $((2 * m)) ]
	[ "$(sql_count server "AS $tag FROM pg_class WHERE relname = \$")" -eq $((2 * m)) ]
	run jq -e --arg t "$tag" '[.services[] | .sql[] | select(.query | contains($t)) | .query] | map(select(contains("nope") or contains("0.12"))) | length == 0' "$REPORT_OUT"
	assert_success
	# The failing statement is an error on both sides.
	[ "$(jq --arg t "nonexistent_$tag" '[.services[] | .sql[] | select(.query | contains($t)) | .errors] | add' "$REPORT_OUT")" -eq 4 ]
	# p50 of the sleeps, per server row (one row per transport's backend).
	for p50 in $(jq --arg t "pg_sleep(\$1) AS $tag" '.services[] | .sql[] | select(.role == "server" and (.query | contains($t))) | .p50_ns' "$REPORT_OUT"); do
		assert_within_pct "$p50" 120000000 5
	done
	# Extended protocol: Bind/Execute by statement name, text from its Parse.
	[ "$(sql_count server "pg_sleep(\$1) AS $ptag")" -eq "$prepared" ]
	[ "$(sql_count client "pg_sleep(\$1) AS $ptag")" -eq "$prepared" ]
	# Every sleep was slower than the 100 ms default: logged with its text, time and client.
	run jq -e --arg t "pg_sleep(\$1) AS $tag" '[.services[] | .slow_queries[] | select(.role == "server" and (.query | contains($t)))] | length' "$REPORT_OUT"
	[ "$output" -ge 10 ]
	jq -e --arg t "pg_sleep(\$1) AS $tag" '[.services[] | .slow_queries[] | select(.query | contains($t))] | all(.latency_ns >= 120000000 and (.at | test("^20[0-9-]+T")))' "$REPORT_OUT"
	jq -e --arg t "pg_sleep(\$1) AS $tag" '[.services[] | .slow_queries[] | select(.role == "server" and (.query | contains($t))) | .client] | (index("unix socket") != null) and (map(select(startswith("127.0.0.1:"))) | length > 0)' "$REPORT_OUT"
	# Fast statements are not slow ones.
	run jq -e '[.services[] | .slow_queries[] | select(.query | contains("relname = $"))] | length == 0' "$REPORT_OUT"
	assert_success
}

@test "postgresql: garbage on its port and socket gives no rows, queries there still do" {
	local tag
	tag=$(unique_tag)
	start_report --probes tcp,proto -f json -d 120s --cgroup "$PG_CGROUP"
	python3 "$PY_GARBAGE" tcp "$PG_PORT"
	python3 "$PY_GARBAGE" unix "$PG_DIR/sock/.s.PGSQL.$PG_PORT"
	pg_workload "$tag" 0 3 "$PG_CONNINFO"
	python3 "$PY_GARBAGE" unix "$PG_DIR/sock/.s.PGSQL.$PG_PORT"
	end_report
	# The backends of this cluster: the tagged statements (3 and the failing
	# one), nothing else.
	run jq -c '[.services[] | .sql[] | "\(.role) \(.count) \(.errors)"] | sort' "$REPORT_OUT"
	assert_output '["server 1 1","server 3 0"]'
	[ "$(sql_count server "AS $tag FROM pg_class")" -eq 3 ]
}

# A Redis server on unix socket SOCK only, stopped with the test's servers.
start_redis() { # SOCK
	redis-server --port 0 --unixsocket "$1" --save "" --appendonly no >"$BATS_TEST_TMPDIR/redis.log" 2>&1 &
	REDIS_PID=$!
	SERVER_PIDS+=("$REDIS_PID")
	wait_until 10 redis-cli -s "$1" ping
}

@test "redis: 900 hits and 100 misses make a hit ratio of 0.9, command counts exact, errors counted" {
	local sock="$BATS_TEST_TMPDIR/redis.sock" i
	start_redis "$sock"
	{
		for i in $(seq 10); do echo "SET key$i v$i"; done
		for i in $(seq 900); do echo "GET key$((i % 10 + 1))"; done
		for i in $(seq 100); do echo "GET absent$i"; done
		echo "LPUSH key1 x"
	} >"$BATS_TEST_TMPDIR/cmds"
	start_report --probes tcp,proto -f json -d 120s
	redis-cli -s "$sock" <"$BATS_TEST_TMPDIR/cmds" >/dev/null
	python3 "$PY_GARBAGE" unix "$sock"
	end_report

	rows=$(service_jq "$REDIS_PID" '[.redis[] | select(.role == "server")] | sort_by(.command) | map("\(.command) \(.count) \(.errors) \(.hit_ratio)") | join(",")')
	# redis-cli asks COMMAND DOCS once at start.
	assert_equal "$rows" '"COMMAND 1 0 null,GET 1000 0 0.9,LPUSH 1 1 null,SET 10 0 null"'
	[ "$(jq '[.services[] | .redis[] | select(.role == "client" and .command == "GET") | .hit_ratio] == [0.9]' "$REPORT_OUT")" = true ]
	assert_within_pct "$(service_jq "$REDIS_PID" '.redis[] | select(.command == "GET") | .count')" 1000 0
}

@test "redis: MGET and HMGET count a hit or a miss per key, on both ends" {
	local sock="$BATS_TEST_TMPDIR/redis.sock" i
	start_redis "$sock"
	{
		for i in $(seq 7); do echo "SET key$i value-$i"; done
		echo "HSET h f1 a f2 bb"
		# 7 of 10 keys exist: 700 hits and 300 misses in 100 requests.
		for i in $(seq 100); do echo "MGET key1 nokey1 key2 key3 nokey2 key4 key5 key6 nokey3 key7"; done
		# 2 of 4 fields: 100 hits and 100 misses in 50 requests.
		for i in $(seq 50); do echo "HMGET h f1 nof1 f2 nof2"; done
	} >"$BATS_TEST_TMPDIR/cmds"
	start_report --probes tcp,proto -f json -d 120s
	redis-cli -s "$sock" <"$BATS_TEST_TMPDIR/cmds" >/dev/null
	end_report

	for role in server client; do
		rows=$(jq -c --arg role "$role" '[.services[] | .redis[] | select(.role == $role and
			(.command == "MGET" or .command == "HMGET")) | "\(.command) \(.count) \(.hits) \(.misses) \(.hit_ratio)"] | sort' "$REPORT_OUT")
		assert_equal "$rows" '["HMGET 50 100 100 0.5","MGET 100 700 300 0.7"]'
	done
}
