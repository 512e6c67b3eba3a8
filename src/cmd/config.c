// SPDX-License-Identifier: GPL-2.0
/* The config's face: load (read, validate, report problems), look up, free. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/config_parser.h"
#include "cmd/ipc.h"

#define DEFAULT_STATE_DIR      "/var/lib/hivemon"
#define DEFAULT_RETENTION_DAYS 7

static const char *const severity_names[SEV_COUNT] = {"none", "info", "warning", "critical",
						      "emergency"};

const char *severity_name(enum severity sev)
{
	return sev < SEV_COUNT ? severity_names[sev] : "?";
}

static struct config *config_new(const char *path)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->path = strdup(path);
	cfg->interval_ns = 1000000000ULL;
	cfg->state_dir = strdup(DEFAULT_STATE_DIR);
	cfg->socket_path = strdup(IPC_DEFAULT_PATH);
	probe_opts_default(&cfg->probe);
	cfg->store_retention_days = DEFAULT_RETENTION_DAYS;
	if (!cfg->path || !cfg->state_dir || !cfg->socket_path) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static int load(struct parser *p, struct config **out)
{
	p->cfg = config_new(p->file);
	if (!p->cfg)
		return -ENOMEM;
	config_read(p);
	config_validate(p);
	for (size_t i = 0; i < p->cfg->n_alerts; i++)
		for (int k = 0; k < AK_COUNT; k++)
			free(p->raw[i].v[k].text);
	free(p->raw);
	for (size_t i = 0; i < p->cfg->n_groups; i++)
		free(p->group_notify[i].text);
	free(p->group_notify);
	for (size_t i = 0; i < p->cfg->n_pools; i++)
		free(p->pool_notify[i].text);
	free(p->pool_notify);
	print_problems(p);
	if (p->n_errors) {
		config_free(p->cfg);
		return -EINVAL;
	}
	*out = p->cfg;
	return 0;
}

int config_load(const char *path, struct config **out, FILE *errors)
{
	struct parser p = {.file = path, .errors = errors};
	int err;

	p.fp = fopen(path, "r");
	if (!p.fp) {
		err = -errno;
		if (errors)
			fprintf(errors, "hivemon: cannot read %s: %s\n", path, strerror(errno));
		return err;
	}
	err = load(&p, out);
	fclose(p.fp);
	return err;
}

int config_load_string(const char *text, const char *name, struct config **out, FILE *errors)
{
	struct parser p = {.file = name, .errors = errors, .text = text};

	return load(&p, out);
}

const struct cfg_target *config_target(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_targets; i++)
		if (!strcmp(cfg->targets[i].name, name))
			return &cfg->targets[i];
	return NULL;
}

const struct cfg_group *config_group(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_groups; i++)
		if (!strcmp(cfg->groups[i].spec.name, name))
			return &cfg->groups[i];
	return NULL;
}

const struct cfg_pool *config_pool(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_pools; i++)
		if (!strcmp(cfg->pools[i].name, name))
			return &cfg->pools[i];
	return NULL;
}

static void alert_free(struct cfg_alert *a)
{
	free(a->name);
	free(a->metric_name);
	for (size_t i = 0; i < a->n_where; i++) {
		free(a->where[i].label);
		free(a->where[i].pattern);
	}
	free(a->where);
	for (size_t i = 0; i < a->n_notify; i++)
		free(a->notify[i]);
	free(a->notify);
	free(a->summary);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->state_dir);
	free(cfg->socket_path);
	free(cfg->export_listen);
	free(cfg->store_postgres);
	for (size_t i = 0; i < cfg->n_targets; i++) {
		free(cfg->targets[i].name);
		free(cfg->targets[i].url);
		free(cfg->targets[i].secret);
	}
	free(cfg->targets);
	for (size_t i = 0; i < cfg->n_alerts; i++)
		alert_free(&cfg->alerts[i]);
	free(cfg->alerts);
	for (size_t i = 0; i < cfg->n_groups; i++)
		group_free(&cfg->groups[i]);
	free(cfg->groups);
	for (size_t i = 0; i < cfg->n_postgres; i++)
		postgres_free(&cfg->postgres[i]);
	free(cfg->postgres);
	for (size_t i = 0; i < cfg->n_pools; i++)
		pool_free(&cfg->pools[i]);
	free(cfg->pools);
	free(cfg);
}
