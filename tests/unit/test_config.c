// SPDX-License-Identifier: GPL-2.0
/* The INI config: values, defaults, and every kind of problem reported as file:line. */
#include <setjmp.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/config.h"
#include "cmd/ipc.h"

/* Loads @text; returns the error lines (owned) or NULL when it loaded. */
static char *load_errors(const char *text, struct config **cfg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *errors = open_memstream(&out, &len);
	int err;

	*cfg = NULL;
	err = config_load_string(text, "t.conf", cfg, errors);
	fclose(errors);
	if (!err) {
		free(out);
		return NULL;
	}
	assert_null(*cfg);
	return out;
}

static void assert_single_error(const char *text, const char *expected)
{
	struct config *cfg;
	char *errors = load_errors(text, &cfg);

	if (!errors) {
		config_free(cfg);
		fail_msg("config loaded, expected \"%s\"", expected);
	}
	if (strncmp(errors, expected, strlen(expected)) || strchr(errors, '\n')[1])
		fail_msg("got:\n%sexpected one line starting \"%s\"", errors, expected);
	free(errors);
}

static const char full_conf[] = "; comment\n"
				"[agent]\n"
				"interval = 500ms\n"
				"state_dir = /tmp/hv\n"
				"filter.comm = api worker\n"
				"filter.pid = 12, 34\n"
				"probes = syscall,tcp\n"
				"max_procs = 1024\n"
				"tcp_sample = 8\n"
				"\n"
				"[export]\n"
				"listen = 127.0.0.1:9464   ; inline comment\n"
				"per_pid = yes\n"
				"[store]\n"
				"postgres = postgresql:///hivemon\n"
				"retention_days = 30\n"
				"[webhook \"ops\"]\n"
				"url = http://127.0.0.1:9099/hook\n"
				"secret = change-me\n"
				"timeout = 2s\n"
				"[alertmanager \"am\"]\n"
				"url = http://127.0.0.1:9093/\n"
				"[alert \"api-latency\"]\n"
				"metric = tcp.request.latency.p99\n"
				"where = role=server endpoint=*:8080 comm!=test*\n"
				"critical = 200ms\n"
				"emergency = 1s\n"
				"for = 10s\n"
				"hysteresis = 5%\n"
				"repeat = 1h\n"
				"notify = ops, am\n"
				"[alert \"mem\"]\n"
				"metric = mem.rss\n"
				"warning = 80MB\n"
				"critical = 100MB\n"
				"[alert \"cpu\"]\n"
				"metric = cpu.usage\n"
				"critical = 85%\n"
				"window = 1m\n";

static void test_full(void **unused)
{
	struct config *cfg;
	char *errors = load_errors(full_conf, &cfg);
	const struct cfg_alert *a;

	if (errors)
		fail_msg("%s", errors);
	assert_int_equal(cfg->interval_ns, 500000000ULL);
	assert_string_equal(cfg->state_dir, "/tmp/hv");
	assert_int_equal(cfg->probe.filter.n_comms, 2);
	assert_string_equal(cfg->probe.filter.comms[1], "worker");
	assert_int_equal(cfg->probe.filter.n_pids, 2);
	assert_int_equal(cfg->probe.filter.pids[1], 34);
	assert_int_equal(cfg->probe.probes, PROBE_SYSCALL | PROBE_TCP);
	assert_int_equal(cfg->probe.max_procs, 1024);
	assert_int_equal(cfg->probe.tcp_sample, 8);
	assert_string_equal(cfg->export_listen, "127.0.0.1:9464");
	assert_true(cfg->export_per_pid);
	assert_string_equal(cfg->store_postgres, "postgresql:///hivemon");
	assert_int_equal(cfg->store_retention_days, 30);
	assert_int_equal(cfg->n_targets, 2);
	assert_string_equal(config_target(cfg, "ops")->secret, "change-me");
	assert_int_equal(config_target(cfg, "ops")->timeout_ns, 2000000000ULL);
	assert_int_equal(config_target(cfg, "am")->kind, TARGET_ALERTMANAGER);
	assert_int_equal(cfg->n_alerts, 3);

	a = &cfg->alerts[0];
	assert_string_equal(a->name, "api-latency");
	assert_int_equal(a->metric.source, METRIC_TCP_REQUEST_LATENCY);
	assert_int_equal(a->metric.stat, STAT_P99);
	assert_int_equal(a->n_where, 3);
	assert_string_equal(a->where[1].label, "endpoint");
	assert_string_equal(a->where[1].pattern, "*:8080");
	assert_true(a->where[2].negate);
	/* warning omitted: 75 % of critical */
	assert_true(a->has_threshold[SEV_WARNING]);
	assert_true(a->threshold[SEV_WARNING] == 150e6);
	assert_true(a->threshold[SEV_CRITICAL] == 200e6);
	assert_true(a->threshold[SEV_EMERGENCY] == 1e9);
	assert_false(a->has_threshold[SEV_INFO]);
	assert_int_equal(a->for_ns, 10000000000ULL);
	assert_true(a->hysteresis == 0.05);
	assert_int_equal(a->repeat_ns, 3600000000000ULL);
	assert_int_equal(a->n_notify, 2);

	assert_true(cfg->alerts[1].threshold[SEV_WARNING] == 80.0 * 1024 * 1024);
	assert_true(cfg->alerts[1].threshold[SEV_CRITICAL] == 100.0 * 1024 * 1024);
	assert_true(cfg->alerts[1].hysteresis == 0.10);
	assert_true(cfg->alerts[2].threshold[SEV_CRITICAL] == 85.0);
	assert_int_equal(cfg->alerts[2].window_ns, 60000000000ULL);
	config_free(cfg);
}

static void test_defaults(void **unused)
{
	struct config *cfg;
	char *errors = load_errors("", &cfg);

	assert_null(errors);
	assert_int_equal(cfg->interval_ns, 1000000000ULL);
	assert_string_equal(cfg->state_dir, "/var/lib/hivemon");
	assert_string_equal(cfg->socket_path, IPC_DEFAULT_PATH);
	assert_null(cfg->export_listen);
	assert_false(cfg->export_per_pid);
	assert_null(cfg->store_postgres);
	assert_int_equal(cfg->store_retention_days, 7);
	assert_int_equal(cfg->probe.probes, PROBES_DEFAULT);
	config_free(cfg);
}

static void test_problems(void **unused)
{
	assert_single_error("[agent]\ninterval = 1s\nbogus = 1\n",
			    "t.conf:3: unknown key 'bogus' in [agent]");
	assert_single_error("[agent]\n\n[nonsense]\nx = 1\n",
			    "t.conf:3: unknown section [nonsense]");
	assert_single_error("[agent]\ninterval = soon\n", "t.conf:2: interval 'soon'");
	assert_single_error("[agent]\ninterval = 1s\ninterval = 2s\n",
			    "t.conf:3: duplicate key 'interval'");
	assert_single_error("[agent]\nthis line has no equals\n", "t.conf:2: syntax error");
	assert_single_error("[alert \"a\"]\nmetric = syscall.latency.p98\ncritical = 1s\n",
			    "t.conf:2: unknown metric 'syscall.latency.p98'");
	assert_single_error("[alert \"a\"]\nmetric = mem.rss\ncritical = 100 elephants\n",
			    "t.conf:3: critical '100 elephants': expected a size");
	assert_single_error("[alert \"a\"]\nmetric = cpu.usage\ncritical = 85 %%\n",
			    "t.conf:3: critical '85 %%': expected a percentage");
	assert_single_error("[alert \"a\"]\nmetric = syscall.latency.p99\ncritical = 1s\n"
			    "notify = nobody\n",
			    "t.conf:4: notify: no [webhook \"nobody\"]");
	assert_single_error(
		"[alert \"a\"]\nmetric = mem.rss\ncritical = 1GB\nwhere = syscall=read\n",
		"t.conf:4: where: metric mem.rss has no label 'syscall'");
	assert_single_error("\n[alert \"a\"]\nmetric = mem.rss\nwarning = 2GB\ncritical = 1GB\n",
			    "t.conf:2: alert \"a\": critical must be above warning");
	assert_single_error("[alert \"a\"]\nmetric = mem.rss\n",
			    "t.conf:1: alert \"a\": no threshold");
	assert_single_error("[alert \"a\"]\ncritical = 1s\n", "t.conf:1: alert \"a\": no metric");
	assert_single_error("[alert \"a\"]\nmetric = mem.rss\ncritical = 1GB\nwindow = 5s\n",
			    "t.conf:4: window '5s': expected 1s, 10s or 1m");
	assert_single_error("[webhook \"w\"]\nurl = ftp://x\n", "t.conf:2: url 'ftp://x'");
	assert_single_error("[webhook \"w\"]\ntimeout = 1s\n", "t.conf:1: webhook \"w\": no url");
	assert_single_error("[webhook \"w\"]\nurl = http://a\n[alert \"w\"]\nmetric = mem.rss\n"
			    "critical = 1GB\n",
			    "t.conf:3: duplicate name \"w\" (first at line 1)");
	assert_single_error("[export]\nlisten = nowhere\n", "t.conf:2: listen 'nowhere'");
	assert_single_error("[agent]\ntcp_sample = 0\n",
			    "t.conf:2: tcp_sample '0': expected a number from 1 to 1024");
}

static void test_long_line(void **unused)
{
	char text[600];

	snprintf(text, sizeof(text), "[agent]\nstate_dir = /%0400d\ninterval = 1s\n", 0);
	assert_single_error(text, "t.conf:2: line longer than");
}

static void test_problems_in_line_order(void **unused)
{
	struct config *cfg;
	char *errors = load_errors("[alert \"a\"]\n"
				   "metric = mem.rss\n"
				   "critical = lots\n"
				   "notify = nobody\n"
				   "[agent]\n"
				   "color = blue\n",
				   &cfg);

	assert_non_null(errors);
	assert_string_equal(errors, "t.conf:3: critical 'lots': expected a size such as 100MB\n"
				    "t.conf:4: notify: no [webhook \"nobody\"] or [alertmanager "
				    "\"nobody\"] section\n"
				    "t.conf:6: unknown key 'color' in [agent]\n");
	free(errors);
}

static void test_units(void **unused)
{
	double v;

	assert_int_equal(parse_size_bytes("512KB", &v), 0);
	assert_true(v == 512 * 1024.0);
	assert_int_equal(parse_size_bytes("1.5GiB", &v), 0);
	assert_true(v == 1.5 * 1024 * 1024 * 1024);
	assert_int_equal(parse_size_bytes("4096", &v), 0);
	assert_true(v == 4096);
	assert_int_not_equal(parse_size_bytes("-1MB", &v), 0);
	assert_int_not_equal(parse_size_bytes("1XB", &v), 0);
	assert_int_equal(parse_percent("70%", &v), 0);
	assert_true(v == 70);
	assert_int_not_equal(parse_percent("70%%", &v), 0);
	assert_int_equal(parse_threshold(UNIT_PER_SEC, "12.5/s", &v), 0);
	assert_true(v == 12.5);
	assert_int_equal(parse_threshold(UNIT_NS, "150ms", &v), 0);
	assert_true(v == 150e6);
}

static void test_default_config_file(void **unused)
{
	struct config *cfg = NULL;
	const char *path = getenv("HIVEMON_DEFAULT_CONF");

	if (!path)
		path = "deploy/hivemon.conf";
	assert_int_equal(config_load(path, &cfg, stderr), 0);
	assert_int_equal(cfg->n_alerts, 4);
	/* The default rules of the design: 150/200 ms, 80/100 MB, 70/85 %, 100 ms. */
	assert_true(cfg->alerts[0].threshold[SEV_WARNING] == 150e6);
	assert_true(cfg->alerts[0].threshold[SEV_CRITICAL] == 200e6);
	assert_true(cfg->alerts[1].threshold[SEV_WARNING] == 80.0 * 1024 * 1024);
	assert_true(cfg->alerts[1].threshold[SEV_CRITICAL] == 100.0 * 1024 * 1024);
	assert_true(cfg->alerts[2].threshold[SEV_WARNING] == 70);
	assert_true(cfg->alerts[2].threshold[SEV_CRITICAL] == 85);
	assert_true(cfg->alerts[3].threshold[SEV_WARNING] == 100e6);
	config_free(cfg);
}

/* A header opening @section: named for webhook, alertmanager and alert. */
static void section_header(const char *section, char *buf, size_t len)
{
	bool named = !strcmp(section, "webhook") || !strcmp(section, "alertmanager") ||
		     !strcmp(section, "alert") || !strcmp(section, "group") ||
		     !strcmp(section, "postgres") || !strcmp(section, "pool");

	snprintf(buf, len, named ? "[%s \"w\"]" : "[%s]", section);
}

/*
 * --keys lists the parser's own table: sorted "SECTION KEY" lines, each of
 * them a key the parser takes (no "unknown key"), and a key it does not list
 * is unknown.
 */
static void test_keys_table(void **unused)
{
	char *out = NULL, *save = NULL, prev[64] = "", conf[256];
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&out, &len);

	assert_int_equal(config_print_keys(f), 0);
	fclose(f);
	assert_non_null(strstr(out, "agent interval\n"));
	assert_non_null(strstr(out, "alert metric\n"));
	assert_non_null(strstr(out, "webhook url\n"));
	assert_non_null(strstr(out, "webhook secret\n"));
	assert_null(strstr(out, "alertmanager secret\n"));
	assert_int_equal(out[len - 1], '\n');
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char section[32], key[32], header[64], *errors;
		struct config *cfg;

		assert_int_equal(sscanf(line, "%31s %31s", section, key), 2);
		if (strcmp(prev, line) >= 0)
			fail_msg("not sorted: '%s' after '%s'", line, prev);
		snprintf(prev, sizeof(prev), "%s", line);
		section_header(section, header, sizeof(header));
		snprintf(conf, sizeof(conf), "%s\n%s = x\n", header, key);
		errors = load_errors(conf, &cfg);
		if (errors && strstr(errors, "unknown key"))
			fail_msg("'%s' is listed but not accepted: %s", line, errors);
		free(errors);
		if (!errors)
			config_free(cfg);
		n++;
	}
	assert_int_equal(n, 51);
	free(out);
	assert_single_error("[alertmanager \"w\"]\nurl = http://a\nsecret = x\n",
			    "t.conf:3: unknown key 'secret' in [alertmanager \"w\"]");
}

/* [group] sections: defaults, every key, and the problems of bad values. */
static void test_group_section(void **unused)
{
	struct config *cfg;
	const struct cfg_group *g;
	char *errors = load_errors("[group \"web\"]\nmatch = comm=nginx* pid=42 service=pg "
				   "cgroup=/system.slice/web.service\ncpus = 0-1,3\n"
				   "rebalance = apply\ncooldown = 1m\nsteer = 8080\n"
				   "scale_out = systemctl start web@%n\nlatency_target = 150ms\n"
				   "[group \"jobs\"]\nmatch = comm=runner\n",
				   &cfg);

	assert_null(errors);
	assert_int_equal(cfg->n_groups, 2);
	g = config_group(cfg, "web");
	assert_non_null(g);
	assert_string_equal(g->spec.comms[0], "nginx*");
	assert_int_equal(g->spec.pids[0], 42);
	assert_string_equal(g->spec.services[0], "pg");
	assert_string_equal(g->spec.cgroup, "/system.slice/web.service");
	assert_int_equal(g->spec.cpus.n, 3);
	assert_int_equal(g->spec.cpus.cpu[2], 3);
	assert_int_equal(g->mode, REBALANCE_APPLY);
	assert_int_equal(g->cooldown_ns, 60000000000ULL);
	assert_int_equal(g->steer_port, 8080);
	assert_string_equal(g->scale_out, "systemctl start web@%n");
	assert_null(g->scale_in);
	assert_int_equal(g->latency_target_ns, 150000000ULL);
	g = config_group(cfg, "jobs");
	assert_int_equal(g->mode, REBALANCE_PLAN);
	assert_int_equal(g->cooldown_ns, 30000000000ULL);
	assert_int_equal(g->spec.cpus.n, 0);
	config_free(cfg);
	assert_single_error("[group \"g\"]\ncpus = 0-1\n", "t.conf:1: group \"g\": no match");
	assert_single_error("[group \"g\"]\nmatch = pid=1 user=x\n",
			    "t.conf:2: match 'user=x': expected comm=GLOB, pid=N, service=NAME or "
			    "cgroup=PATH");
	assert_single_error("[group \"g\"]\nmatch = pid=1\nrebalance = yes\n",
			    "t.conf:3: rebalance 'yes': expected off, plan or apply");
	assert_single_error("[group \"g\"]\nmatch = pid=1\ncpus = 3-1\n",
			    "t.conf:3: cpus '3-1': expected a CPU list such as 0-3,6");
	assert_single_error("[group \"g\"]\nmatch = pid=1\nsteer = 70000\n",
			    "t.conf:3: steer '70000': expected a TCP port");
	assert_single_error(
		"[group \"g\"]\nmatch = pid=1\nnotify = ops\n",
		"t.conf:3: notify: no [webhook \"ops\"] or [alertmanager \"ops\"] section");
	assert_null(load_errors("[webhook \"ops\"]\nurl = http://127.0.0.1:1/\n"
				"[group \"g\"]\nmatch = pid=1\nnotify = ops\n",
				&cfg));
	assert_string_equal(cfg->groups[0].actions.name, "rebalance-g");
	assert_int_equal(cfg->groups[0].actions.n_notify, 1);
	assert_string_equal(cfg->groups[0].actions.notify[0], "ops");
	config_free(cfg);
	assert_single_error("[alert \"g\"]\nmetric = cpu.usage\ncritical = 90%\n"
			    "[group \"g\"]\nmatch = pid=1\n",
			    "t.conf:4: duplicate name \"g\" (first at line 1)");
}

/* [postgres] and [pool] sections: defaults, every key, bad values. */
static void test_pool_sections(void **unused)
{
	struct config *cfg;
	const struct cfg_pool *p;
	char *errors = load_errors("[webhook \"ops\"]\nurl = http://127.0.0.1:1/\n"
				   "[postgres \"db\"]\nconninfo = host=/run/postgresql dbname=app\n"
				   "[pool \"db\"]\nendpoint = 127.0.0.1:6432\n"
				   "pgbouncer = port=6432 dbname=pgbouncer\ntune = apply\nmin = 4\n"
				   "max = 20\ncooldown = 2s\nnotify = ops\n"
				   "[pool \"sock\"]\nendpoint = /run/pg/.s.PGSQL.5432\n",
				   &cfg);

	assert_null(errors);
	assert_int_equal(cfg->n_postgres, 1);
	assert_string_equal(cfg->postgres[0].name, "db");
	assert_string_equal(cfg->postgres[0].conninfo, "host=/run/postgresql dbname=app");
	assert_int_equal(cfg->n_pools, 2);
	p = config_pool(cfg, "db");
	assert_int_equal(p->ep.family, AF_INET);
	assert_int_equal(p->ep.port, 6432);
	assert_string_equal(p->pgbouncer, "port=6432 dbname=pgbouncer");
	assert_int_equal(p->mode, POOL_TUNE_APPLY);
	assert_int_equal(p->min, 4);
	assert_int_equal(p->max, 20);
	assert_int_equal(p->cooldown_ns, 2000000000ULL);
	assert_string_equal(p->actions.name, "pool-db");
	assert_string_equal(p->actions.notify[0], "ops");
	p = config_pool(cfg, "sock");
	assert_int_equal(p->ep.family, 0);
	assert_int_equal(p->mode, POOL_TUNE_PLAN);
	assert_int_equal(p->min, 5);
	assert_int_equal(p->max, 50);
	assert_int_equal(p->cooldown_ns, 60000000000ULL);
	config_free(cfg);
	assert_single_error("[pool \"p\"]\ntune = plan\n", "t.conf:1: pool \"p\": no endpoint");
	assert_single_error("[pool \"p\"]\nendpoint = db:5432\n",
			    "t.conf:2: endpoint 'db:5432': expected IP:PORT");
	assert_single_error("[pool \"p\"]\nendpoint = 127.0.0.1:5432\ntune = apply\n",
			    "t.conf:1: pool \"p\": tune = apply needs pgbouncer");
	assert_single_error("[pool \"p\"]\nendpoint = 127.0.0.1:5432\nmin = 9\nmax = 3\n",
			    "t.conf:1: pool \"p\": min 9 is above max 3");
	assert_single_error("[pool \"p\"]\nendpoint = 127.0.0.1:5432\nmin = 0\n",
			    "t.conf:3: min '0': expected a number of connections");
	assert_single_error("[pool \"p\"]\nendpoint = 127.0.0.1:5432\ntune = yes\n",
			    "t.conf:3: tune 'yes': expected off, plan or apply");
	assert_single_error("[postgres \"p\"]\nconninfo =\n", "t.conf:2: conninfo is empty");
	assert_single_error("[postgres \"p\"]\nconninfo = x\n[postgres \"p\"]\nconninfo = y\n",
			    "t.conf:4: duplicate key 'conninfo' in [postgres \"p\"]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_problems_in_line_order),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_default_config_file),
		cmocka_unit_test(test_keys_table),
		cmocka_unit_test(test_group_section),
		cmocka_unit_test(test_pool_sections),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
