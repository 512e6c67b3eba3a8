#!/usr/bin/env bats
# The HTTP exporter of `hivemon run`: /metrics checked by the real promtool
# and scraped by a real Prometheus, histogram counts against workloads with
# known call counts, /api/v1/report, /healthz.

load helpers
load export_helper

setup() {
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	CONF="$BATS_TEST_TMPDIR/hivemon.conf"
	cat >"$CONF" <<-CONF
		[agent]
		interval = 1s
		state_dir = $BATS_TEST_TMPDIR/state
		filter.comm = expgetppid expsleep
		[export]
		listen = 127.0.0.1:$PORT
	CONF
}

teardown() {
	stop_daemon
	if [ -n "${PROM_PID:-}" ]; then
		kill "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
	fi
	true
}

# metric_value NAME_AND_LABELS: the value of one exact series line in /metrics.
metric_value() {
	curl -sf "$URL/metrics" | awk -v s="$1" '$1 == s { print $2 }'
}

count_is() { # SERIES EXPECTED
	[ "$(metric_value "$1")" = "$2" ]
}

@test "/metrics passes promtool check metrics, with a workload's series in it" {
	start_daemon "$CONF"
	workload expgetppid getppid 1000
	workload expsleep sleep 5 20
	wait_until 5 count_is 'hivemon_syscall_latency_seconds_count{comm="expsleep",syscall="clock_nanosleep"}' 5
	curl -sf "$URL/metrics" >"$BATS_TEST_TMPDIR/metrics"
	run promtool check metrics <"$BATS_TEST_TMPDIR/metrics"
	assert_success
	assert_output ''
	grep -q '^# TYPE hivemon_syscall_latency_seconds histogram$' "$BATS_TEST_TMPDIR/metrics"
	grep -q '^# TYPE hivemon_lost_events_total counter$' "$BATS_TEST_TMPDIR/metrics"
	run curl -sf -o /dev/null -w '%{content_type}' "$URL/metrics"
	assert_output 'text/plain; version=0.0.4; charset=utf-8'
}

@test "_count of getppid is the exact call count, and cumulative across runs" {
	start_daemon "$CONF"
	workload expgetppid getppid 7777
	wait_until 5 count_is 'hivemon_syscall_latency_seconds_count{comm="expgetppid",syscall="getppid"}' 7777
	workload expgetppid getppid 3000
	wait_until 5 count_is 'hivemon_syscall_latency_seconds_count{comm="expgetppid",syscall="getppid"}' 10777
	# The +Inf bucket equals _count.
	assert_equal "$(metric_value 'hivemon_syscall_latency_seconds_bucket{comm="expgetppid",syscall="getppid",le="+Inf"}')" 10777
}

@test "40 sleeps of 20 ms: none under 10 ms, (nearly) all under 25 ms, sum ~0.8 s" {
	start_daemon "$CONF"
	workload expsleep sleep 40 20
	local s='{comm="expsleep",syscall="clock_nanosleep"'
	wait_until 5 count_is "hivemon_syscall_latency_seconds_count$s}" 40
	assert_equal "$(metric_value "hivemon_syscall_latency_seconds_bucket$s,le=\"0.01\"}")" 0
	assert_equal "$(metric_value "hivemon_syscall_latency_seconds_bucket$s,le=\"0.0025\"}")" 0
	# A busy 2-core VM wakes a few sleepers late: allow 10 % past 25 ms.
	assert_between "$(metric_value "hivemon_syscall_latency_seconds_bucket$s,le=\"0.025\"}")" 36 40
	assert_equal "$(metric_value "hivemon_syscall_latency_seconds_bucket$s,le=\"+Inf\"}")" 40
	assert_within_pct "$(metric_value "hivemon_syscall_latency_seconds_sum$s}")" 0.8 10
}

@test "per_pid = true adds a pid label" {
	printf 'per_pid = true\n' >>"$CONF"
	start_daemon "$CONF"
	cp "$WORKLOADS/syscall_load" "$BATS_TEST_TMPDIR/expgetppid"
	"$BATS_TEST_TMPDIR/expgetppid" getppid 2000 &
	local pid=$!
	wait "$pid"
	wait_until 5 count_is "hivemon_syscall_latency_seconds_count{comm=\"expgetppid\",pid=\"$pid\",syscall=\"getppid\"}" 2000
}

@test "/api/v1/report is the hivemon.report/v1 of the latest 1 s interval" {
	start_daemon "$CONF"
	cp "$WORKLOADS/syscall_load" "$BATS_TEST_TMPDIR/expsleep"
	"$BATS_TEST_TMPDIR/expsleep" sleep 300 10 &
	local pid=$!
	sleep 2.5
	curl -sf "$URL/api/v1/report" >"$BATS_TEST_TMPDIR/report.json"
	wait "$pid"
	jq -e '.schema == "hivemon.report/v1" and (.duration_s | . > 0.9 and . < 1.1)' \
		"$BATS_TEST_TMPDIR/report.json"
	# One interval of a 10 ms sleeper: about 99 calls, never the whole run.
	local n
	n=$(jq -e --argjson pid "$pid" '.processes[] | select(.pid == $pid) |
		.syscalls[] | select(.name == "clock_nanosleep") | .count' "$BATS_TEST_TMPDIR/report.json")
	assert_between "$n" 85 101
	run curl -s -o /dev/null -w '%{content_type}' "$URL/api/v1/report"
	assert_output 'application/json'
}

@test "tcp_sample of the config, or --tcp-sample over it, is in /api/v1/report" {
	sed -i 's/^interval = 1s$/&\ntcp_sample = 4/' "$CONF"
	start_daemon "$CONF"
	wait_until 5 eval 'curl -sf "$URL/api/v1/report" | jq -e ".tcp_sample == 4"'
	stop_daemon
	start_daemon "$CONF" --tcp-sample 2
	wait_until 5 eval 'curl -sf "$URL/api/v1/report" | jq -e ".tcp_sample == 2"'
}

@test "/healthz answers ok; unknown paths 404; other methods 405" {
	start_daemon "$CONF"
	run curl -s -w ' %{http_code}' "$URL/healthz"
	assert_output 'ok
 200'
	run curl -s -o /dev/null -w '%{http_code}' "$URL/nope"
	assert_output 404
	run curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/metrics"
	assert_output 405
}

@test "a listen port already taken stops the daemon with one error line" {
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(30)' "$PORT" &
	local holder=$!
	port_taken() { ss -Hltn "sport = :$PORT" | grep -q .; }
	wait_until 5 port_taken
	run "$HIVEMON" run --config "$CONF"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	assert_failure
	assert_line --partial "hivemon: export: cannot listen on 127.0.0.1:$PORT"
}

@test "a real Prometheus scrapes /metrics and sees the exact getppid count" {
	start_daemon "$CONF"
	workload expgetppid getppid 4321
	wait_until 5 count_is 'hivemon_syscall_latency_seconds_count{comm="expgetppid",syscall="getppid"}' 4321
	local pport
	pport=$(free_port)
	cat >"$BATS_TEST_TMPDIR/prometheus.yml" <<-YML
		global:
		  scrape_interval: 1s
		scrape_configs:
		  - job_name: hivemon
		    static_configs:
		      - targets: ['127.0.0.1:$PORT']
	YML
	prometheus --config.file="$BATS_TEST_TMPDIR/prometheus.yml" \
		--storage.tsdb.path="$BATS_TEST_TMPDIR/prom-data" \
		--web.listen-address="127.0.0.1:$pport" >"$BATS_TEST_TMPDIR/prom.log" 2>&1 &
	PROM_PID=$!
	local q='hivemon_syscall_latency_seconds_count{comm="expgetppid",syscall="getppid"}'
	prom_value() {
		curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$q" |
			jq -r '.data.result[0].value[1] // empty'
	}
	prom_has() { [ "$(prom_value)" = 4321 ]; }
	wait_until 30 prom_has || { tail -20 "$BATS_TEST_TMPDIR/prom.log" >&2; false; }
	# The scrape itself was healthy.
	run curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=up{job="hivemon"}'
	assert_output --partial '"value":['
	assert_equal "$(echo "$output" | jq -r '.data.result[0].value[1]')" 1
}

@test "deploy/prometheus.yml passes promtool check config" {
	run promtool check config "$ROOT/deploy/prometheus.yml"
	assert_success
	assert_output --partial 'SUCCESS'
}

@test "the DaemonSet: its config passes check-config; privileged, hostPID, BTF and state mounts, ports agree" {
	python3 - "$ROOT/deploy/k8s/daemonset.yaml" "$BATS_TEST_TMPDIR/k8s.conf" <<-'PY'
		import re, sys, yaml
		cm, ds = list(yaml.safe_load_all(open(sys.argv[1])))
		conf = cm["data"]["hivemon.conf"]
		open(sys.argv[2], "w").write(conf)
		pod = ds["spec"]["template"]
		spec = pod["spec"]
		c = spec["containers"][0]
		assert spec["hostPID"] is True
		assert c["securityContext"]["privileged"] is True
		mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
		paths = {v["name"]: v.get("hostPath", {}).get("path") for v in spec["volumes"]}
		assert paths[mounts["/sys/kernel/btf"]] == "/sys/kernel/btf"
		assert paths[mounts["/var/lib/hivemon"]] == "/var/lib/hivemon"
		assert "/etc/hivemon" in mounts and c["command"][-1] == "/etc/hivemon/hivemon.conf"
		port = int(re.search(r"^listen = [^:]+:(\d+)", conf, re.M).group(1))
		assert c["ports"][0]["containerPort"] == port
		assert int(pod["metadata"]["annotations"]["prometheus.io/port"]) == port
		assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
	PY
	run "$HIVEMON" check-config "$BATS_TEST_TMPDIR/k8s.conf"
	assert_success
}
