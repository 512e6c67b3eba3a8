// SPDX-License-Identifier: GPL-2.0
/*
 * The rebalancer's groups as Prometheus series. They come as the groups[]
 * JSON of /api/v1/report (the export layer sits below rebalance): members,
 * imbalance, per-member CPU, moves, steering, scale events. Counters are
 * the rebalancer's own totals since start, set, not added.
 */
#include <errno.h>
#include <stdio.h>

#include "export/prom_series.h"

struct glabels {
	char text[512];
	size_t len;
};

static void add_label(struct glabels *l, const char *name, const char *value)
{
	int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s%s=\"", l->len ? "," : "",
			 name);

	if (n < 0 || (size_t)n >= sizeof(l->text) - l->len)
		return;
	l->len += (size_t)n;
	l->len += prom_escape_label(value, l->text + l->len, sizeof(l->text) - l->len - 1);
	l->text[l->len++] = '"';
	l->text[l->len] = '\0';
}

static int set_gauge(struct prom_registry *r, enum family_id fam, const char *labels, double v)
{
	struct prom_series *s = prom_series_get(r, fam, labels, true);

	if (!s)
		return -ENOMEM;
	s->gauge = v;
	return 0;
}

static int set_counter(struct prom_registry *r, enum family_id fam, const char *labels,
		       json_int_t v)
{
	struct prom_series *s = prom_series_get(r, fam, labels, true);

	if (!s)
		return -ENOMEM;
	s->count = v > 0 ? (uint64_t)v : 0;
	return 0;
}

static int set_members(struct prom_registry *r, const char *group, const json_t *members)
{
	const json_t *m;
	size_t i;

	json_array_foreach(members, i, m)
	{
		const json_t *pinned = json_object_get(m, "pinned_cpu");
		struct glabels l = {.len = 0};
		char pid[16], cpu[16];

		snprintf(pid, sizeof(pid), "%lld",
			 (long long)json_integer_value(json_object_get(m, "pid")));
		snprintf(cpu, sizeof(cpu), "%lld",
			 (long long)json_integer_value(json_is_integer(pinned)
							       ? pinned
							       : json_object_get(m, "last_cpu")));
		add_label(&l, "group", group);
		add_label(&l, "pid", pid);
		add_label(&l, "comm", json_string_value(json_object_get(m, "comm")) ?: "?");
		add_label(&l, "cpu", cpu);
		if (set_gauge(r, FAM_GROUP_MEMBER_CPU, l.text,
			      100.0 * json_number_value(json_object_get(m, "cpu_cores"))))
			return -ENOMEM;
	}
	return 0;
}

static int set_group(struct prom_registry *r, const json_t *g)
{
	const char *name = json_string_value(json_object_get(g, "name"));
	const json_t *members = json_object_get(g, "members");
	const json_t *scale = json_object_get(g, "scale_events");
	struct glabels l = {.len = 0}, out = {.len = 0}, in = {.len = 0};
	int err;

	if (!name)
		return 0;
	add_label(&l, "group", name);
	out = in = l;
	add_label(&out, "direction", "out");
	add_label(&in, "direction", "in");
	/* Before its first measured interval a group has no members[]. */
	err = json_is_array(members)
		      ? set_gauge(r, FAM_GROUP_MEMBERS, l.text, (double)json_array_size(members))
		      : 0;
	if (!err && json_is_object(json_object_get(g, "imbalance")))
		err = set_gauge(
			r, FAM_GROUP_IMBALANCE, l.text,
			json_number_value(json_object_get(json_object_get(g, "imbalance"), "cv")));
	if (!err)
		err = set_members(r, name, members);
	if (!err)
		err = set_counter(r, FAM_GROUP_MOVES, l.text,
				  json_integer_value(json_object_get(g, "moves_applied")));
	if (!err)
		err = set_gauge(r, FAM_GROUP_STEERING, l.text,
				json_is_true(json_object_get(g, "steering")));
	if (!err)
		err = set_counter(r, FAM_GROUP_SCALE_EVENTS, out.text,
				  json_integer_value(json_object_get(scale, "out")));
	if (!err)
		err = set_counter(r, FAM_GROUP_SCALE_EVENTS, in.text,
				  json_integer_value(json_object_get(scale, "in")));
	return err;
}

int prom_registry_set_groups(struct prom_registry *r, const json_t *groups)
{
	const json_t *g;
	size_t i;

	json_array_foreach(groups, i, g)
	{
		int err = set_group(r, g);

		if (err)
			return err;
	}
	return 0;
}
