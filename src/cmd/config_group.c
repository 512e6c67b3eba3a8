// SPDX-License-Identifier: GPL-2.0
/* [group "name"] sections: worker groups hivemon rebalances, and their checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/config_parser.h"
#include "util/parse.h"

#define DEFAULT_COOLDOWN_NS	  (30 * 1000000000ULL)
#define DEFAULT_LATENCY_TARGET_NS (200 * 1000000ULL) /* the API target */

static struct cfg_group *group(struct parser *p)
{
	return &p->cfg->groups[p->index];
}

void open_group(struct parser *p, char *name)
{
	struct config *cfg = p->cfg;
	struct cfg_group *groups = config_grow(cfg->groups, cfg->n_groups, sizeof(*groups));
	struct raw_value *raw;
	struct cfg_group *g;

	if (!groups || strlen(name) >= GROUP_NAME_LEN) {
		if (groups)
			cfg->groups = groups;
		else
			problem(p, p->section_line, "out of memory");
		if (groups)
			problem(p, p->section_line,
				"group name \"%s\" is longer than %d characters", name,
				GROUP_NAME_LEN - 1);
		free(name);
		p->kind = SEC_UNKNOWN;
		return;
	}
	cfg->groups = groups;
	raw = config_grow(p->group_notify, cfg->n_groups, sizeof(*raw));
	if (!raw) {
		free(name);
		p->kind = SEC_UNKNOWN;
		return;
	}
	p->group_notify = raw;
	p->index = cfg->n_groups++;
	g = &groups[p->index];
	strcpy(g->spec.name, name);
	free(name);
	g->mode = REBALANCE_PLAN;
	g->cooldown_ns = DEFAULT_COOLDOWN_NS;
	g->latency_target_ns = DEFAULT_LATENCY_TARGET_NS;
	g->line = p->section_line;
}

void group_match(struct parser *p, const char *value, int arg)
{
	char *copy = strdup(value), *save = NULL;

	for (char *tok = copy ? strtok_r(copy, " \t", &save) : NULL; tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		int err = group_spec_add_match(&group(p)->spec, tok);

		if (err == -E2BIG)
			problem(p, p->line, "match '%s': at most %d of each kind, one cgroup", tok,
				GROUP_MATCH_MAX);
		else if (err)
			problem(p, p->line,
				"match '%s': expected comm=GLOB, pid=N, service=NAME or "
				"cgroup=PATH",
				tok);
	}
	free(copy);
}

void group_cpus(struct parser *p, const char *value, int arg)
{
	if (cpu_list_parse(value, &group(p)->spec.cpus))
		problem(p, p->line, "cpus '%s': expected a CPU list such as 0-3,6", value);
}

void group_rebalance(struct parser *p, const char *value, int arg)
{
	static const char *const modes[] = {
		[REBALANCE_OFF] = "off", [REBALANCE_PLAN] = "plan", [REBALANCE_APPLY] = "apply"};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(value, modes[i])) {
			group(p)->mode = (enum rebalance_mode)i;
			return;
		}
	problem(p, p->line, "rebalance '%s': expected off, plan or apply", value);
}

void group_duration(struct parser *p, const char *value, int arg)
{
	uint64_t *ns = arg == GK_COOLDOWN ? &group(p)->cooldown_ns : &group(p)->latency_target_ns;

	if (parse_duration_ns(value, ns) || !*ns)
		problem(p, p->line, "%s '%s': expected a duration such as 30s",
			arg == GK_COOLDOWN ? "cooldown" : "latency_target", value);
}

void group_steer(struct parser *p, const char *value, int arg)
{
	unsigned long port;

	if (parse_uint(value, 1, 65535, &port))
		problem(p, p->line, "steer '%s': expected a TCP port", value);
	else
		group(p)->steer_port = (uint16_t)port;
}

void group_command(struct parser *p, const char *value, int arg)
{
	char **dst = arg == GK_SCALE_OUT ? &group(p)->scale_out : &group(p)->scale_in;
	char *copy = strdup(value);

	if (!*value)
		problem(p, p->line, "%s is empty", arg == GK_SCALE_OUT ? "scale_out" : "scale_in");
	if (copy) {
		free(*dst);
		*dst = copy;
	}
}

void group_notify(struct parser *p, const char *value, int arg)
{
	struct raw_value *rv = &p->group_notify[p->index];

	free(rv->text);
	rv->text = strdup(value);
	rv->line = p->line;
}

/* The rule a group's actions are notified as: a name, a metric for the
 * payload, and the targets of its `notify`. */
static void actions_rule(struct parser *p, struct cfg_group *g, const struct raw_value *notify)
{
	struct cfg_alert *a = &g->actions;

	if (asprintf(&a->name, "rebalance-%s", g->spec.name) < 0)
		a->name = NULL;
	a->metric_name = strdup("cpu.wait");
	metric_parse("cpu.wait", &a->metric);
	a->line = g->line;
	if (notify->text)
		parse_notify(p, a, notify);
}

void validate_groups(struct parser *p)
{
	for (size_t i = 0; i < p->cfg->n_groups; i++) {
		struct cfg_group *g = &p->cfg->groups[i];

		if (!g->spec.n_comms && !g->spec.n_pids && !g->spec.n_services &&
		    !g->spec.cgroup[0])
			problem(p, g->line, "group \"%s\": no match", g->spec.name);
		actions_rule(p, g, &p->group_notify[i]);
	}
}

void group_free(struct cfg_group *g)
{
	free(g->scale_out);
	free(g->scale_in);
	free(g->actions.name);
	free(g->actions.metric_name);
	for (size_t i = 0; i < g->actions.n_notify; i++)
		free(g->actions.notify[i]);
	free(g->actions.notify);
}
