// SPDX-License-Identifier: GPL-2.0
/* The groups pane: one block per group, its members below. */
#include <stdio.h>
#include <string.h>

#include "top/top_groups.h"

static const char *str(const json_t *o, const char *key, const char *none)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : none;
}

static long long integer(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static double number(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* "move 2 (held 1/3)", "balanced", or "-" before the first interval. */
static void plan_text(const json_t *g, char *buf, size_t len)
{
	const json_t *plan = json_object_get(g, "plan");
	const char *verdict = str(plan, "verdict", NULL);

	if (!verdict)
		snprintf(buf, len, "-");
	else if (!strcmp(verdict, "move"))
		snprintf(buf, len, "move %zu (held %lld)",
			 json_array_size(json_object_get(plan, "moves")), integer(g, "held"));
	else
		snprintf(buf, len, "%s", verdict);
}

/* The last action's effect on the group: CPU % and run-queue p99. */
static void effect_line(const json_t *action, struct top_lines *out)
{
	const json_t *effect = json_object_get(action, "effect");
	const json_t *grp = json_object_get(effect, "group");
	const json_t *b = json_object_get(grp, "before"), *a = json_object_get(grp, "after");
	char rb[16], ra[16];

	if (!json_is_object(b) || !json_is_object(a))
		return;
	top_lines_add(out, STYLE_NORMAL,
		      "  effect (%s, %lld/%lld intervals): CPU%% per member %.1f -> %.1f, "
		      "run-queue p99 %s -> %s",
		      str(effect, "state", "?"), integer(effect, "windows_before"),
		      integer(effect, "windows_after"), number(b, "cpu_percent"),
		      number(a, "cpu_percent"),
		      fmt_latency((uint64_t)integer(b, "runq_p99_ns"), rb, sizeof(rb)),
		      fmt_latency((uint64_t)integer(a, "runq_p99_ns"), ra, sizeof(ra)));
}

static void members_lines(const json_t *members, struct top_lines *out)
{
	const json_t *m;
	size_t i;

	if (!json_array_size(members))
		return;
	top_lines_add(out, STYLE_COLHDR, "  %-8s %-16s %5s %7s %9s %8s %9s", "PID", "COMM", "CPU",
		      "CPU%", "RUNQp99", "REQ/s", "REQp99");
	json_array_foreach(members, i, m)
	{
		const json_t *pinned = json_object_get(m, "pinned_cpu");
		char cpu[16], runq[16], req[16], rate[16];

		if (json_is_integer(pinned))
			snprintf(cpu, sizeof(cpu), "%lld", (long long)json_integer_value(pinned));
		else
			snprintf(cpu, sizeof(cpu), "~%lld", integer(m, "last_cpu"));
		top_lines_add(
			out, STYLE_NORMAL, "  %-8lld %-16s %5s %7.1f %9s %8s %9s",
			integer(m, "pid"), str(m, "comm", "?"), cpu, 100 * number(m, "cpu_cores"),
			fmt_latency((uint64_t)integer(m, "runq_p99_ns"), runq, sizeof(runq)),
			fmt_rate(number(m, "requests_per_s"), rate, sizeof(rate)),
			fmt_latency((uint64_t)integer(m, "request_p99_ns"), req, sizeof(req)));
	}
}

static void group_lines(const json_t *g, struct top_lines *out)
{
	const json_t *actions = json_object_get(g, "actions");
	const json_t *imb = json_object_get(g, "imbalance");
	const json_t *last = json_array_get(actions, json_array_size(actions) - 1);
	char plan[64], cv[16] = "-";

	plan_text(g, plan, sizeof(plan));
	if (json_is_number(json_object_get(imb, "cv")))
		snprintf(cv, sizeof(cv), "%.2f", number(imb, "cv"));
	top_lines_add(out, STYLE_NORMAL, "%-16s %-6s %7zu %9s  %-20s %-8s %5lld",
		      str(g, "name", "?"), str(g, "mode", "?"),
		      json_array_size(json_object_get(g, "members")), cv, plan,
		      json_is_true(json_object_get(g, "steering")) ? "on" : "off",
		      integer(g, "moves_applied"));
	top_lines_add(out, STYLE_NORMAL, "  last action: %s", str(g, "last_action", "none"));
	if (last)
		effect_line(last, out);
	members_lines(json_object_get(g, "members"), out);
	top_lines_add(out, STYLE_NORMAL, "%s", "");
}

void top_format_groups(const json_t *groups, struct top_lines *out)
{
	const json_t *g;
	size_t i;

	top_lines_add(out, STYLE_TITLE, "Groups (%zu)", json_array_size(groups));
	if (!json_array_size(groups)) {
		top_lines_add(out, STYLE_NORMAL,
			      "  none: groups are the [group] sections of a running daemon's "
			      "config; top shows them when it reads from the daemon");
		return;
	}
	top_lines_add(out, STYLE_COLHDR, "%-16s %-6s %7s %9s  %-20s %-8s %5s", "GROUP", "MODE",
		      "MEMBERS", "IMBALANCE", "PLAN", "STEERING", "MOVES");
	json_array_foreach(groups, i, g) group_lines(g, out);
}
