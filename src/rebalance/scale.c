// SPDX-License-Identifier: GPL-2.0
/* Deciding and running a group's scale-out and scale-in commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rebalance/scale.h"
#include "util/units.h"

void scale_policy_default(struct scale_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->cooldown_ns = 30000000000ULL;
	p->latency_target_ns = 200000000ULL; /* the API target hivemon started from */
	p->busy_cores = 0.9;
	p->idle_cores = 0.1;
	p->windows = 3;
}

const char *scale_action_name(enum scale_action a)
{
	return a == SCALE_OUT ? "scale-out" : a == SCALE_IN ? "scale-in" : "none";
}

/* The group's worst latency: request p99 where members serve requests,
 * else run-queue p99. */
static uint64_t worst_latency(const struct group_state *s)
{
	uint64_t worst = 0;

	for (size_t i = 0; i < s->n_members; i++) {
		const struct group_member *m = &s->members[i];
		uint64_t lat = m->req_rate > 0 ? m->req_p99_ns : m->runq_p99_ns;

		if (lat > worst)
			worst = lat;
	}
	return worst;
}

static bool all_members(const struct group_state *s,
			bool (*pred)(const struct group_member *, double), double arg)
{
	for (size_t i = 0; i < s->n_members; i++)
		if (!pred(&s->members[i], arg))
			return false;
	return s->n_members > 0;
}

static bool is_busy(const struct group_member *m, double cores)
{
	return m->cpu + m->wait >= cores || m->inflight >= 1.0;
}

static bool is_idle(const struct group_member *m, double cores)
{
	return m->cpu < cores && m->inflight < 0.1;
}

enum scale_action scale_decide(const struct scale_policy *p, struct scale_state *st,
			       const struct group_state *s, uint64_t now_ns)
{
	bool saturated =
		all_members(s, is_busy, p->busy_cores) && worst_latency(s) >= p->latency_target_ns;
	bool idle = s->n_members > 1 && all_members(s, is_idle, p->idle_cores);
	enum scale_action a = SCALE_NONE;

	st->saturated = saturated ? st->saturated + 1 : 0;
	st->idle = idle ? st->idle + 1 : 0;
	if (st->last_run_ns && now_ns - st->last_run_ns < p->cooldown_ns)
		return SCALE_NONE;
	if (p->scale_out && st->saturated >= p->windows)
		a = SCALE_OUT;
	else if (p->scale_in && st->idle >= p->windows)
		a = SCALE_IN;
	if (a != SCALE_NONE) {
		st->last_run_ns = now_ns;
		st->saturated = st->idle = 0;
	}
	return a;
}

void scale_evidence(const struct group_state *s, char *buf, size_t len)
{
	double wanted = 0;
	char lat[UNITS_BUFLEN];

	for (size_t i = 0; i < s->n_members; i++)
		wanted += s->members[i].cpu + s->members[i].wait;
	snprintf(buf, len, "%zu members, mean %.2f cores wanted, worst p99 %s", s->n_members,
		 s->n_members ? wanted / (double)s->n_members : 0,
		 format_ns(worst_latency(s), lat, sizeof(lat)));
}

/* @cmd with every %n replaced by @n (and %% by %). */
static char *expand(const char *cmd, size_t n)
{
	size_t len = strlen(cmd) + 1;
	char *out = malloc(len * 8 + 32), *o = out;

	if (!out)
		return NULL;
	for (const char *c = cmd; *c; c++) {
		if (c[0] == '%' && c[1] == 'n') {
			o += sprintf(o, "%zu", n);
			c++;
		} else if (c[0] == '%' && c[1] == '%') {
			*o++ = '%';
			c++;
		} else {
			*o++ = *c;
		}
	}
	*o = '\0';
	return out;
}

int scale_run(const struct scale_policy *p, enum scale_action a, const struct group_state *s)
{
	const char *cmd = a == SCALE_OUT ? p->scale_out : a == SCALE_IN ? p->scale_in : NULL;
	char members[32], evidence[256], *line;
	int status;
	pid_t pid;

	if (!cmd)
		return -EINVAL;
	line = expand(cmd, a == SCALE_OUT ? s->n_members + 1 : s->n_members);
	if (!line)
		return -ENOMEM;
	snprintf(members, sizeof(members), "%zu", s->n_members);
	scale_evidence(s, evidence, sizeof(evidence));
	pid = fork();
	if (pid == 0) {
		setenv("HIVEMON_GROUP", s->name, 1);
		setenv("HIVEMON_ACTION", scale_action_name(a), 1);
		setenv("HIVEMON_MEMBERS", members, 1);
		setenv("HIVEMON_EVIDENCE", evidence, 1);
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	free(line);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
