// SPDX-License-Identifier: GPL-2.0
/* The keys a config accepts, one handler each: this table is what the parser knows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/config_parser.h"
#include "util/parse.h"

static void set_string(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return;
	free(*dst);
	*dst = copy;
}

static bool absolute_path(struct parser *p, const char *key, const char *value)
{
	if (value[0] == '/')
		return true;
	problem(p, p->line, "%s '%s' must be an absolute path", key, value);
	return false;
}

/* ---- [agent] ------------------------------------------------------------ */

static void agent_interval(struct parser *p, const char *value, int arg)
{
	uint64_t *ns = &p->cfg->interval_ns;

	if (parse_duration_ns(value, ns) || *ns < 100 * 1000000ULL || *ns > 3600 * 1000000000ULL)
		problem(p, p->line, "interval '%s': expected a duration from 100ms to 1h", value);
}

static void agent_state_dir(struct parser *p, const char *value, int arg)
{
	absolute_path(p, "state_dir", value);
	set_string(&p->cfg->state_dir, value);
}

static void agent_socket(struct parser *p, const char *value, int arg)
{
	absolute_path(p, "socket", value);
	set_string(&p->cfg->socket_path, value);
}

static void agent_filter_comm(struct parser *p, const char *value, int arg)
{
	struct probe_filter *f = &p->cfg->probe.filter;
	char *copy = strdup(value), *save = NULL;

	f->n_comms = 0;
	for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		if (strlen(tok) >= PROC_COMM_LEN) {
			problem(p, p->line, "filter.comm '%s' is longer than %d characters", tok,
				PROC_COMM_LEN - 1);
		} else if (f->n_comms == FILTER_COMMS_MAX) {
			problem(p, p->line, "filter.comm takes at most %d names", FILTER_COMMS_MAX);
			break;
		} else {
			strcpy(f->comms[f->n_comms++], tok);
		}
	}
	free(copy);
}

static void agent_filter_pid(struct parser *p, const char *value, int arg)
{
	struct probe_filter *f = &p->cfg->probe.filter;
	char *copy = strdup(value), *save = NULL;
	unsigned long pid;

	f->n_pids = 0;
	for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		if (parse_uint(tok, 1, 0x3fffffff, &pid)) {
			problem(p, p->line, "filter.pid '%s' is not a process id", tok);
		} else if (f->n_pids == FILTER_PIDS_MAX) {
			problem(p, p->line, "filter.pid takes at most %d pids", FILTER_PIDS_MAX);
			break;
		} else {
			f->pids[f->n_pids++] = (uint32_t)pid;
		}
	}
	free(copy);
}

static void agent_filter_cgroup(struct parser *p, const char *value, int arg)
{
	if (cgroup_path_to_id(value, &p->cfg->probe.filter.cgroup_id))
		problem(p, p->line, "filter.cgroup '%s': no such cgroup", value);
}

static void agent_probes(struct parser *p, const char *value, int arg)
{
	if (parse_probes(value, &p->cfg->probe.probes))
		problem(p, p->line,
			"probes '%s': expected a list of syscall,tcp,sched,mem,alloc,proto", value);
}

static void agent_max_procs(struct parser *p, const char *value, int arg)
{
	unsigned long n;

	if (parse_uint(value, 16, 1 << 20, &n))
		problem(p, p->line, "max_procs '%s': expected a number from 16 to 1048576", value);
	else
		p->cfg->probe.max_procs = (uint32_t)n;
}

static void agent_exact(struct parser *p, const char *value, int arg)
{
	bool b;

	if (parse_bool(value, &b))
		problem(p, p->line, "exact '%s': expected true or false", value);
	else
		p->cfg->probe.exact = b;
}

static void agent_tcp_sample(struct parser *p, const char *value, int arg)
{
	unsigned long n;

	if (parse_uint(value, 1, TCP_SAMPLE_MAX, &n))
		problem(p, p->line, "tcp_sample '%s': expected a number from 1 to %d", value,
			TCP_SAMPLE_MAX);
	else
		p->cfg->probe.tcp_sample = (uint32_t)n;
}

static void agent_slow_query(struct parser *p, const char *value, int arg)
{
	uint64_t ns;

	if (parse_duration_ns(value, &ns) || ns < 1000000ULL || ns > 3600 * 1000000000ULL)
		problem(p, p->line, "slow_query '%s': expected a duration from 1ms to 1h", value);
	else
		p->cfg->probe.slow_query_ns = ns;
}

/* ---- [export] [store] ---------------------------------------------------- */

static void export_listen(struct parser *p, const char *value, int arg)
{
	const char *colon = strrchr(value, ':');
	unsigned long port;

	if (!colon || colon == value || parse_uint(colon + 1, 1, 65535, &port))
		problem(p, p->line, "listen '%s': expected HOST:PORT", value);
	set_string(&p->cfg->export_listen, value);
}

static void export_per_pid(struct parser *p, const char *value, int arg)
{
	if (parse_bool(value, &p->cfg->export_per_pid))
		problem(p, p->line, "per_pid '%s': expected true or false", value);
}

static void store_postgres(struct parser *p, const char *value, int arg)
{
	set_string(&p->cfg->store_postgres, value);
}

static void store_retention_days(struct parser *p, const char *value, int arg)
{
	unsigned long days;

	if (parse_uint(value, 1, 36500, &days))
		problem(p, p->line, "retention_days '%s': expected a number of days", value);
	else
		p->cfg->store_retention_days = (unsigned int)days;
}

/* ---- [webhook "x"] [alertmanager "x"] ---------------------------------- */

static struct cfg_target *target(struct parser *p)
{
	return &p->cfg->targets[p->index];
}

static void target_url(struct parser *p, const char *value, int arg)
{
	bool http = !strncmp(value, "http://", 7)
			    ? value[7] != '\0'
			    : !strncmp(value, "https://", 8) && value[8] != '\0';

	if (!http)
		problem(p, p->line, "url '%s': expected http:// or https://", value);
	set_string(&target(p)->url, value);
}

static void target_secret(struct parser *p, const char *value, int arg)
{
	if (!*value)
		problem(p, p->line, "secret is empty");
	set_string(&target(p)->secret, value);
}

static void target_timeout(struct parser *p, const char *value, int arg)
{
	uint64_t *ns = &target(p)->timeout_ns;

	if (parse_duration_ns(value, ns) || *ns < 1000000ULL)
		problem(p, p->line, "timeout '%s': expected a duration such as 5s", value);
}

static void target_refresh(struct parser *p, const char *value, int arg)
{
	uint64_t *ns = &target(p)->refresh_ns;

	if (parse_duration_ns(value, ns) || *ns < 1000000000ULL)
		problem(p, p->line, "refresh '%s': expected a duration of 1s or more", value);
}

/* ---- [alert "x"]: kept raw, checked by config_alert.c --------------------- */

static void alert_raw(struct parser *p, const char *value, int arg)
{
	struct raw_value *rv = &p->raw[p->index].v[arg];

	set_string(&rv->text, value);
	rv->line = p->line;
}

/* ---- the table -------------------------------------------------------- */

static const struct config_key keys[] = {
	{SEC_AGENT, "interval", agent_interval},
	{SEC_AGENT, "state_dir", agent_state_dir},
	{SEC_AGENT, "socket", agent_socket},
	{SEC_AGENT, "filter.comm", agent_filter_comm},
	{SEC_AGENT, "filter.pid", agent_filter_pid},
	{SEC_AGENT, "filter.cgroup", agent_filter_cgroup},
	{SEC_AGENT, "probes", agent_probes},
	{SEC_AGENT, "max_procs", agent_max_procs},
	{SEC_AGENT, "exact", agent_exact},
	{SEC_AGENT, "tcp_sample", agent_tcp_sample},
	{SEC_AGENT, "slow_query", agent_slow_query},
	{SEC_EXPORT, "listen", export_listen},
	{SEC_EXPORT, "per_pid", export_per_pid},
	{SEC_STORE, "postgres", store_postgres},
	{SEC_STORE, "retention_days", store_retention_days},
	{SEC_WEBHOOK, "url", target_url},
	{SEC_WEBHOOK, "secret", target_secret},
	{SEC_WEBHOOK, "timeout", target_timeout},
	{SEC_ALERTMANAGER, "url", target_url},
	{SEC_ALERTMANAGER, "timeout", target_timeout},
	{SEC_ALERTMANAGER, "refresh", target_refresh},
	{SEC_ALERT, "metric", alert_raw, AK_METRIC},
	{SEC_ALERT, "where", alert_raw, AK_WHERE},
	{SEC_ALERT, "info", alert_raw, AK_INFO},
	{SEC_ALERT, "warning", alert_raw, AK_WARNING},
	{SEC_ALERT, "critical", alert_raw, AK_CRITICAL},
	{SEC_ALERT, "emergency", alert_raw, AK_EMERGENCY},
	{SEC_ALERT, "for", alert_raw, AK_FOR},
	{SEC_ALERT, "hysteresis", alert_raw, AK_HYSTERESIS},
	{SEC_ALERT, "repeat", alert_raw, AK_REPEAT},
	{SEC_ALERT, "window", alert_raw, AK_WINDOW},
	{SEC_ALERT, "notify", alert_raw, AK_NOTIFY},
	{SEC_ALERT, "summary", alert_raw, AK_SUMMARY},
	{SEC_ALERT, "predict", alert_raw, AK_PREDICT},
	{SEC_GROUP, "match", group_match},
	{SEC_GROUP, "cpus", group_cpus},
	{SEC_GROUP, "rebalance", group_rebalance},
	{SEC_GROUP, "cooldown", group_duration, GK_COOLDOWN},
	{SEC_GROUP, "latency_target", group_duration, GK_LATENCY_TARGET},
	{SEC_GROUP, "notify", group_notify},
	{SEC_GROUP, "steer", group_steer},
	{SEC_GROUP, "scale_out", group_command, GK_SCALE_OUT},
	{SEC_GROUP, "scale_in", group_command, GK_SCALE_IN},
	{SEC_POSTGRES, "conninfo", postgres_conninfo},
	{SEC_POOL, "endpoint", pool_key, PK_ENDPOINT},
	{SEC_POOL, "pgbouncer", pool_key, PK_PGBOUNCER},
	{SEC_POOL, "tune", pool_key, PK_TUNE},
	{SEC_POOL, "min", pool_key, PK_MIN},
	{SEC_POOL, "max", pool_key, PK_MAX},
	{SEC_POOL, "cooldown", pool_key, PK_COOLDOWN},
	{SEC_POOL, "notify", pool_key, PK_NOTIFY},
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

const struct config_key *config_key_find(enum section_kind section, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].section == section && !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static const char *section_word(enum section_kind kind)
{
	static const char *const words[] = {
		[SEC_AGENT] = "agent",
		[SEC_EXPORT] = "export",
		[SEC_STORE] = "store",
		[SEC_WEBHOOK] = "webhook",
		[SEC_ALERTMANAGER] = "alertmanager",
		[SEC_ALERT] = "alert",
		[SEC_GROUP] = "group",
		[SEC_POSTGRES] = "postgres",
		[SEC_POOL] = "pool",
	};

	return words[kind];
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int config_print_keys(FILE *out)
{
	char *lines[N_KEYS];
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; i < N_KEYS; i++) {
		if (asprintf(&lines[n], "%s %s", section_word(keys[i].section), keys[i].name) < 0) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	qsort(lines, n, sizeof(lines[0]), by_text);
	for (size_t i = 0; i < n; i++) {
		if (!err)
			fprintf(out, "%s\n", lines[i]);
		free(lines[i]);
	}
	return err;
}
