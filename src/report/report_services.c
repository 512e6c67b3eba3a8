// SPDX-License-Identifier: GPL-2.0
/* Services of a report: totals per service, in JSON and as text. */
#include <stdlib.h>

#include "analysis/breakdown.h"
#include "core/services.h"
#include "report/report_app.h"
#include "report/report_services.h"
#include "util/units.h"

/* Text rows at most; the JSON has every service. */
#define TEXT_ROWS 10

struct service_totals {
	const struct service *svc;
	uint64_t oncpu_ns, runq_wait_ns, rss_anon, syscalls, requests;
	/* Its requests and protocol rows are as rough an estimate as its
	 * most thinned-out process's (tcp.sample). */
	uint32_t tcp_sample;
	struct time_breakdown time;
};

static void add_process(struct service_totals *t, const struct proc_snapshot *p)
{
	t->oncpu_ns += p->sched.oncpu_ns;
	t->runq_wait_ns += p->sched.runq.sum_ns;
	t->rss_anon += p->alloc.rss_anon;
	if (p->tcp.sample > t->tcp_sample)
		t->tcp_sample = p->tcp.sample;
	breakdown_add_proc(&t->time, p);
	for (size_t i = 0; i < p->n_syscalls; i++)
		t->syscalls += p->syscalls[i].count;
	for (size_t i = 0; i < p->tcp.n_requests; i++)
		if (p->tcp.requests[i].role == TCP_ROLE_SERVER)
			t->requests += p->tcp.requests[i].count;
}

static int by_cpu_desc(const void *a, const void *b)
{
	const struct service_totals *x = a, *y = b;

	if (x->oncpu_ns != y->oncpu_ns)
		return x->oncpu_ns < y->oncpu_ns ? 1 : -1;
	return (x->svc->n_procs < y->svc->n_procs) - (x->svc->n_procs > y->svc->n_procs);
}

/* Totals of every service of @snap, busiest first; NULL on ENOMEM. */
static struct service_totals *totals_of(const struct snapshot *snap, const struct services *svcs)
{
	struct service_totals *t = calloc(svcs->n + 1, sizeof(*t));

	if (!t)
		return NULL;
	for (size_t i = 0; i < svcs->n; i++) {
		t[i].svc = &svcs->items[i];
		for (size_t k = 0; k < svcs->items[i].n_procs; k++)
			add_process(&t[i], &snap->procs[svcs->items[i].procs[k]]);
	}
	qsort(t, svcs->n, sizeof(*t), by_cpu_desc);
	return t;
}

json_t *report_services_json(const struct snapshot *snap, const struct services *svcs)
{
	struct service_totals *t = totals_of(snap, svcs);
	json_t *arr = json_array();

	for (size_t i = 0; t && i < svcs->n; i++) {
		json_t *pids = json_array();

		for (size_t k = 0; k < t[i].svc->n_procs; k++)
			json_array_append_new(pids,
					      json_integer(snap->procs[t[i].svc->procs[k]].pid));
		json_t *o = json_pack(
			"{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "name", t[i].svc->name,
			"pids", pids, "oncpu_ns", (json_int_t)t[i].oncpu_ns, "runq_wait_ns",
			(json_int_t)t[i].runq_wait_ns, "rss_anon_bytes", (json_int_t)t[i].rss_anon,
			"syscalls", (json_int_t)t[i].syscalls, "requests",
			(json_int_t)t[i].requests, "tcp_sample",
			(json_int_t)(t[i].tcp_sample > 1 ? t[i].tcp_sample : 1), "breakdown",
			breakdown_json(&t[i].time));

		report_app_json(o, snap, t[i].svc);
		json_array_append_new(arr, o);
	}
	free(t);
	return arr;
}

void report_print_services(const struct snapshot *snap, const struct services *svcs, FILE *out)
{
	struct service_totals *t = totals_of(snap, svcs);

	if (t && svcs->n < snap->n_procs) {
		fprintf(out, "\nServices (%zu):\n  %-24s %5s %10s %10s %10s %10s\n", svcs->n,
			"NAME", "PROCS", "ON-CPU", "CPU WAIT", "PRIVATE", "REQUESTS");
		for (size_t i = 0; i < svcs->n && i < TEXT_ROWS; i++) {
			char cpu[UNITS_BUFLEN], wait[UNITS_BUFLEN], mem[UNITS_BUFLEN], time[160];

			fprintf(out, "  %-24s %5zu %10s %10s %10s %10llu\n", t[i].svc->name,
				t[i].svc->n_procs, format_ns(t[i].oncpu_ns, cpu, sizeof(cpu)),
				format_ns(t[i].runq_wait_ns, wait, sizeof(wait)),
				format_bytes(t[i].rss_anon, mem, sizeof(mem)),
				(unsigned long long)t[i].requests);
			breakdown_format(&t[i].time, time, sizeof(time));
			if (time[0])
				fprintf(out, "  %-24s time: %s\n", "", time);
		}
		if (svcs->n > TEXT_ROWS)
			fprintf(out, "  (%zu more in --format json)\n", svcs->n - TEXT_ROWS);
	}
	free(t);
}
