/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's configuration: an INI file (libinih) with [agent], [export],
 * [store], [webhook "name"], [alertmanager "name"], [alert "name"],
 * [group "name"], [postgres "name"] and [pool "name"] sections. Loading validates everything and reports each problem as
 * "file:line: message"; a config with any problem is rejected whole.
 */
#ifndef HIVEMON_CONFIG_H
#define HIVEMON_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/metrics.h"
#include "core/probe_opts.h"
#include "core/snapshot.h"
#include "rebalance/group.h"
#include "util/parse.h"

#define CONFIG_DEFAULT_PATH "/etc/hivemon/hivemon.conf"

enum severity {
	SEV_NONE = 0,
	SEV_INFO,
	SEV_WARNING,
	SEV_CRITICAL,
	SEV_EMERGENCY,
};
#define SEV_COUNT (SEV_EMERGENCY + 1)

const char *severity_name(enum severity sev);

enum target_kind {
	TARGET_WEBHOOK,	     /* Alertmanager webhook v4 payload, signed */
	TARGET_ALERTMANAGER, /* POST /api/v2/alerts of a Prometheus Alertmanager */
};

struct cfg_target {
	enum target_kind kind;
	char *name;
	char *url;
	char *secret; /* NULL: unsigned */
	uint64_t timeout_ns;
	uint64_t refresh_ns; /* alertmanager: how often firing alerts are re-sent */
	int line;
};

/* label=glob (or label!=glob) of a `where`. */
struct cfg_matcher {
	char *label;
	char *pattern;
	bool negate;
};

struct cfg_alert {
	char *name;
	char *metric_name;
	struct metric_id metric;
	struct cfg_matcher *where;
	size_t n_where;
	/* Thresholds in the metric's unit, indexed by severity (0 unused). */
	double threshold[SEV_COUNT];
	bool has_threshold[SEV_COUNT];
	uint64_t for_ns;
	double hysteresis;   /* fraction: 0.10 = clear 10 % below the threshold */
	uint64_t repeat_ns;  /* 0 = no repeats */
	uint64_t window_ns;  /* 0 = chosen from `for` */
	uint64_t predict_ns; /* 0; else judge the value predicted this far ahead */
	char *summary;	     /* optional text for the notification */
	char **notify;	     /* target names */
	size_t n_notify;
	int line;
};

enum rebalance_mode { REBALANCE_OFF, REBALANCE_PLAN, REBALANCE_APPLY };

/* [group "name"]: a group of worker processes hivemon may rebalance. */
struct cfg_group {
	struct group_spec spec; /* name, match, cpus */
	enum rebalance_mode mode;
	uint64_t cooldown_ns;
	uint16_t steer_port; /* 0: no connection steering */
	char *scale_out, *scale_in;
	uint64_t latency_target_ns;
	/* What it does is notified as the actions of this rule (named
	 * "rebalance-NAME", notify = the group's targets). */
	struct cfg_alert actions;
	int line;
};

/* [postgres "name"]: a PostgreSQL server hivemon may query read-only. */
struct cfg_postgres {
	char *name;
	char *conninfo; /* libpq conninfo or URI */
	int line;
};

enum pool_tune_mode { POOL_TUNE_OFF, POOL_TUNE_PLAN, POOL_TUNE_APPLY };

/* [pool "name"]: the connections of clients to one endpoint, sized by
 * hivemon and, with tune = apply, resized through PgBouncer. */
struct cfg_pool {
	char *name;
	char *endpoint;	    /* as written: HOST:PORT or a unix socket path */
	struct endpoint ep; /* family 0 for a unix socket path */
	char *pgbouncer;    /* admin console conninfo, NULL: none */
	enum pool_tune_mode mode;
	unsigned int min, max;
	uint64_t cooldown_ns;
	/* Resizes are notified as the actions of this rule (named
	 * "pool-NAME", notify = the pool's targets). */
	struct cfg_alert actions;
	int line;
};

struct config {
	char *path;

	/* [agent] */
	uint64_t interval_ns;
	char *state_dir;
	char *socket_path;
	struct probe_opts probe;

	/* [export] */
	char *export_listen; /* NULL: no exporter */
	bool export_per_pid;

	/* [store] */
	char *store_postgres; /* NULL: no history */
	unsigned int store_retention_days;

	struct cfg_target *targets;
	size_t n_targets;
	struct cfg_alert *alerts;
	size_t n_alerts;
	struct cfg_group *groups;
	size_t n_groups;
	struct cfg_postgres *postgres;
	size_t n_postgres;
	struct cfg_pool *pools;
	size_t n_pools;
};

/*
 * Reads and validates @path. On success returns 0 and a config to free with
 * config_free(). Otherwise every problem is printed to @errors as
 * "file:line: message" (one line each) and -EINVAL (or -errno when the file
 * cannot be read) is returned.
 */
int config_load(const char *path, struct config **out, FILE *errors);
/* Same from an in-memory string, @name used in messages. */
int config_load_string(const char *text, const char *name, struct config **out, FILE *errors);
void config_free(struct config *cfg);

const struct cfg_target *config_target(const struct config *cfg, const char *name);
const struct cfg_group *config_group(const struct config *cfg, const char *name);
const struct cfg_pool *config_pool(const struct config *cfg, const char *name);
const char *pool_tune_mode_name(enum pool_tune_mode mode);

/* Every accepted key as "SECTION KEY" lines, sorted ("agent interval",
 * "webhook url"): the table the parser uses. 0, or -ENOMEM. */
int config_print_keys(FILE *out);

/* A threshold in @unit: a duration, size, percentage or plain number
 * (util/parse.h has the parsers of each kind). 0 on success. */
int parse_threshold(enum metric_unit unit, const char *text, double *value);

#endif
