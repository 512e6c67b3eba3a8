// SPDX-License-Identifier: GPL-2.0
/* hivemon.report/v1 JSON (plus the daemon's "alerts") back into a snapshot. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "report/report.h"
#include "report/report_parse.h"
#include "core/syscalls.h"

static const char *const tier_names[TIER_COUNT] = {"none", "info", "warning", "critical",
						   "emergency"};

enum top_tier tier_from_name(const char *name)
{
	for (int t = TIER_INFO; name && t < TIER_COUNT; t++)
		if (!strcasecmp(name, tier_names[t]))
			return (enum top_tier)t;
	return TIER_NONE;
}

const char *tier_name(enum top_tier tier)
{
	return (unsigned)tier < TIER_COUNT ? tier_names[tier] : "none";
}

static uint64_t u64_of(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
	if (json_is_real(v))
		return json_real_value(v) > 0 ? (uint64_t)(json_real_value(v) + 0.5) : 0;
	return 0;
}

static const char *str_of(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

int endpoint_parse(const char *text, struct endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN + 2];
	const char *colon;
	char *end;
	unsigned long port;
	size_t n;

	memset(ep, 0, sizeof(*ep));
	if (!text)
		return -EINVAL;
	colon = strrchr(text, ':');
	if (!colon)
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port > 65535)
		return -EINVAL;
	n = (size_t)(colon - text);
	if (text[0] == '[') {
		if (n < 2 || text[n - 1] != ']' || n - 2 >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, text + 1, n - 2);
		addr[n - 2] = '\0';
		if (inet_pton(AF_INET6, addr, ep->addr) != 1)
			return -EINVAL;
		ep->family = AF_INET6;
	} else {
		if (n >= sizeof(addr))
			return -EINVAL;
		memcpy(addr, text, n);
		addr[n] = '\0';
		if (inet_pton(AF_INET, addr, ep->addr) != 1)
			return -EINVAL;
		ep->family = AF_INET;
	}
	ep->port = (uint16_t)port;
	return 0;
}

/*
 * Nearest-rank quantiles (hist_quantile) land on the bucket holding the
 * ceil(q*n)-th sample; putting exactly that many samples at or below each
 * reported value makes the rebuilt histogram answer the same values.
 */
int hist_from_quantiles(struct hist *h, uint64_t count, uint64_t sum_ns, uint64_t p50, uint64_t p90,
			uint64_t p99, uint64_t max)
{
	const double qs[] = {0.5, 0.9, 0.99, 1.0};
	uint64_t vals[] = {p50, p90, p99, max}, placed = 0;

	hist_reset(h);
	if (!count)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		uint64_t rank = (uint64_t)(qs[i] * (double)count + 0.999999), v = vals[i];

		if (rank > count)
			rank = count;
		if (i && v < vals[i - 1])
			v = vals[i] = vals[i - 1]; /* keep the bins monotonic */
		if (rank > placed && hist_add_slot(h, hist_slot_of(v), rank - placed))
			return -ENOMEM;
		if (rank > placed)
			placed = rank;
	}
	h->count = count;
	h->sum_ns = sum_ns;
	h->max_ns = max ? max : p99;
	/* The rebuilt mass starts at p50: that is its minimum, and it keeps the
	 * p50 of a report whose producer clamped to an exact minimum. */
	h->min_ns = vals[0];
	return 0;
}

static int parse_lat(struct hist *h, const json_t *o, uint64_t count)
{
	return hist_from_quantiles(h, count, u64_of(o, "total_ns"), u64_of(o, "p50_ns"),
				   json_object_get(o, "p90_ns") ? u64_of(o, "p90_ns")
								: u64_of(o, "p99_ns"),
				   u64_of(o, "p99_ns"), u64_of(o, "max_ns"));
}

static int parse_syscalls(struct proc_snapshot *p, const json_t *arr)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		struct syscall_stat *sc = proc_syscall(p, (uint32_t)u64_of(o, "nr"));

		if (!sc)
			return -ENOMEM;
		sc->count = u64_of(o, "count");
		sc->errors = u64_of(o, "errors");
		if (parse_lat(&sc->lat, o, sc->count))
			return -ENOMEM;
	}
	return 0;
}

static int parse_remotes(struct proc_snapshot *p, const json_t *arr, bool rtt)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		struct endpoint ep;
		struct tcp_remote_stat *st;

		if (endpoint_parse(str_of(o, "remote"), &ep))
			continue;
		st = rtt ? proc_tcp_rtt(p, &ep) : proc_tcp_connect(p, &ep);
		if (!st)
			return -ENOMEM;
		st->count = u64_of(o, rtt ? "samples" : "count");
		st->errors = u64_of(o, "errors");
		if (parse_lat(&st->lat, o, st->count))
			return -ENOMEM;
	}
	return 0;
}

static int parse_requests(struct proc_snapshot *p, const json_t *arr)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		bool server = !strcmp(str_of(o, "role"), "server");
		struct endpoint ep;
		struct tcp_request_stat *st;

		if (endpoint_parse(str_of(o, server ? "local" : "remote"), &ep))
			continue;
		st = proc_tcp_request(p, server ? TCP_ROLE_SERVER : TCP_ROLE_CLIENT,
				      server ? &ep : NULL, server ? NULL : &ep);
		if (!st)
			return -ENOMEM;
		st->count = u64_of(o, "count");
		if (parse_lat(&st->lat, o, st->count))
			return -ENOMEM;
	}
	return 0;
}

/* "2026-11-29T10:00:00Z" (optionally with fractional seconds) -> ns. */
static uint64_t parse_utc(const char *text)
{
	struct tm tm = {0};
	const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	double frac = 0;

	if (!rest)
		return 0;
	if (*rest == '.')
		frac = strtod(rest, NULL);
	return (uint64_t)timegm(&tm) * 1000000000ULL + (uint64_t)(frac * 1e9);
}

/* Syscall number of @name: from the process's own syscall rows (which name
 * it, and are few), else by asking the name table (x86_64 has < 512). */
static uint32_t syscall_nr_of(const char *name, const json_t *syscalls)
{
	char buf[SYSCALL_NAME_LEN];
	size_t i;
	json_t *o;

	json_array_foreach(syscalls, i, o)
	{
		if (!strcmp(str_of(o, "name"), name))
			return (uint32_t)u64_of(o, "nr");
	}
	for (uint32_t nr = 0; nr < 512; nr++)
		if (!strcmp(syscall_name(nr, buf, sizeof(buf)), name))
			return nr;
	return UINT32_MAX;
}

/* "slow_calls": [{tid, syscall, latency_ns, ret, at}], slowest first. */
static void parse_slow(struct proc_snapshot *p, const json_t *arr, const json_t *syscalls)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
	{
		struct slow_call c = {
			.tid = (uint32_t)u64_of(o, "tid"),
			.nr = syscall_nr_of(str_of(o, "syscall"), syscalls),
			.ret = json_integer_value(json_object_get(o, "ret")),
			.latency_ns = u64_of(o, "latency_ns"),
			.end_ns = parse_utc(str_of(o, "at")),
		};

		proc_add_slow(p, &c);
	}
}

static int parse_process(struct snapshot *snap, const json_t *o)
{
	const json_t *tcp = json_object_get(o, "tcp"), *sched = json_object_get(o, "sched"),
		     *alloc = json_object_get(o, "alloc"), *runq = json_object_get(sched, "runq"),
		     *reclaim = json_object_get(alloc, "reclaim_stall");
	uint32_t pid = (uint32_t)u64_of(o, "pid");
	struct proc_snapshot *p;

	if (!pid)
		return 0;
	p = snapshot_proc(snap, pid);
	if (!p)
		return -ENOMEM;
	snprintf(p->comm, sizeof(p->comm), "%s", str_of(o, "comm"));
	free(p->cgroup);
	p->cgroup = strdup(str_of(o, "cgroup"));
	if (!p->cgroup)
		return -ENOMEM;
	p->exited = json_is_true(json_object_get(o, "exited"));
	if (parse_syscalls(p, json_object_get(o, "syscalls")) ||
	    parse_remotes(p, json_object_get(tcp, "connect"), false) ||
	    parse_remotes(p, json_object_get(tcp, "rtt"), true) ||
	    parse_requests(p, json_object_get(tcp, "requests")))
		return -ENOMEM;
	p->tcp.retransmits = u64_of(tcp, "retransmits");
	if (runq && parse_lat(&p->sched.runq, runq, u64_of(runq, "count")))
		return -ENOMEM;
	p->sched.oncpu_ns = u64_of(sched, "oncpu_ns");
	p->alloc.page_faults = u64_of(alloc, "page_faults");
	p->alloc.rss_bytes = u64_of(alloc, "rss_bytes");
	p->alloc.reclaim_count = u64_of(reclaim, "count");
	p->alloc.reclaim_total_ns = u64_of(reclaim, "total_ns");
	p->alloc.reclaim_max_ns = u64_of(reclaim, "max_ns");
	parse_slow(p, json_object_get(o, "slow_calls"), json_object_get(o, "syscalls"));
	return 0;
}

int report_parse_json(const json_t *doc, struct snapshot *snap)
{
	const json_t *dur = json_object_get(doc, "duration_s");
	size_t i;
	json_t *o;

	if (!json_is_object(doc) || strcmp(str_of(doc, "schema"), REPORT_SCHEMA))
		return -EINVAL;
	snprintf(snap->host, sizeof(snap->host), "%s", str_of(doc, "host"));
	snprintf(snap->kernel, sizeof(snap->kernel), "%s", str_of(doc, "kernel"));
	snap->started_at_ns = parse_utc(str_of(doc, "started_at"));
	snap->duration_ns = (uint64_t)(json_number_value(dur) * 1e9 + 0.5);
	snap->lost_events = u64_of(doc, "lost_events");
	snap->tcp_sample =
		json_object_get(doc, "tcp_sample") ? (uint32_t)u64_of(doc, "tcp_sample") : 1;
	json_array_foreach(json_object_get(doc, "processes"), i, o)
	{
		if (parse_process(snap, o))
			return -ENOMEM;
	}
	return 0;
}

static void alert_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_number(v))
		snprintf(buf, len, "%g", json_number_value(v));
	else
		snprintf(buf, len, "-");
}

static void parse_alert(struct top_alert *a, const json_t *o)
{
	const json_t *labels = json_object_get(o, "labels");
	const char *key, *sev;
	json_t *v;
	size_t used = 0;

	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s",
		 json_object_get(o, "alertname") ? str_of(o, "alertname")
						 : str_of(labels, "alertname"));
	sev = json_object_get(o, "severity") ? str_of(o, "severity") : str_of(labels, "severity");
	a->tier = tier_from_name(sev);
	json_object_foreach((json_t *)labels, key, v)
	{
		char val[64];

		alert_text(v, val, sizeof(val));
		if (!strcmp(key, "pid"))
			a->pid = (uint32_t)strtoul(val, NULL, 10);
		else if (!strcmp(key, "comm"))
			snprintf(a->comm, sizeof(a->comm), "%.*s", PROC_COMM_LEN - 1, val);
		if (!strcmp(key, "alertname") || !strcmp(key, "severity"))
			continue;
		if (used < sizeof(a->labels))
			used += (size_t)snprintf(a->labels + used, sizeof(a->labels) - used,
						 "%s%s=%s", used ? " " : "", key, val);
	}
	alert_text(json_object_get(o, "value"), a->value, sizeof(a->value));
	alert_text(json_object_get(o, "threshold"), a->threshold, sizeof(a->threshold));
	snprintf(a->starts_at, sizeof(a->starts_at), "%s", str_of(o, "startsAt"));
}

int report_parse_alerts(const json_t *doc, struct top_alerts *alerts)
{
	const json_t *arr = json_object_get(doc, "alerts");
	size_t i, n = json_array_size(arr);
	json_t *o;

	alerts->items = NULL;
	alerts->n = 0;
	if (!n)
		return 0;
	alerts->items = calloc(n, sizeof(*alerts->items));
	if (!alerts->items)
		return -ENOMEM;
	json_array_foreach(arr, i, o)
	{
		parse_alert(&alerts->items[alerts->n++], o);
	}
	return 0;
}

int report_parse_text(const char *text, struct snapshot *snap, struct top_alerts *alerts)
{
	json_t *doc = json_loads(text, 0, NULL);
	int err;

	if (!doc)
		return -EINVAL;
	err = report_parse_json(doc, snap);
	if (!err)
		err = report_parse_alerts(doc, alerts);
	json_decref(doc);
	return err;
}

void top_alerts_free(struct top_alerts *alerts)
{
	free(alerts->items);
	alerts->items = NULL;
	alerts->n = 0;
}
