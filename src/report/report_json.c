// SPDX-License-Identifier: GPL-2.0
/* The hivemon.report/v1 JSON document of a snapshot (see DESIGN.md). */
#include <stdlib.h>

#include "analysis/analysis.h"
#include "report/report.h"
#include "report/report_order.h"
#include "report/report_services.h"
#include "core/services.h"
#include "core/syscalls.h"
#include "util/rfc3339.h"
#include "util/units.h"

static json_t *endpoint_json(const struct endpoint *ep)
{
	char buf[ENDPOINT_STRLEN];

	if (!ep->family)
		return json_null();
	return json_string(endpoint_format(ep, buf, sizeof(buf)));
}

static json_t *syscalls_json(const struct proc_snapshot *p)
{
	json_t *arr = json_array();
	size_t *order = report_syscall_order(p);

	for (size_t k = 0; order && k < p->n_syscalls; k++) {
		const struct syscall_stat *sc = &p->syscalls[order[k]];
		char buf[SYSCALL_NAME_LEN];

		json_array_append_new(
			arr,
			json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
				  syscall_name(sc->nr, buf, sizeof(buf)), "nr", (json_int_t)sc->nr,
				  "count", (json_int_t)sc->count, "errors", (json_int_t)sc->errors,
				  "total_ns", (json_int_t)sc->lat.sum_ns, "p50_ns",
				  (json_int_t)hist_quantile(&sc->lat, 0.50), "p90_ns",
				  (json_int_t)hist_quantile(&sc->lat, 0.90), "p99_ns",
				  (json_int_t)hist_quantile(&sc->lat, 0.99), "max_ns",
				  (json_int_t)sc->lat.max_ns));
	}
	free(order);
	return arr;
}

static json_t *connect_json(const struct tcp_remote_stat *st, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			arr, json_pack("{s:o, s:I, s:I, s:I, s:I, s:I}", "remote",
				       endpoint_json(&st[i].remote), "count",
				       (json_int_t)st[i].count, "errors", (json_int_t)st[i].errors,
				       "p50_ns", (json_int_t)hist_quantile(&st[i].lat, 0.50),
				       "p99_ns", (json_int_t)hist_quantile(&st[i].lat, 0.99),
				       "max_ns", (json_int_t)st[i].lat.max_ns));
	return arr;
}

static json_t *rtt_json(const struct tcp_remote_stat *st, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:o, s:I, s:I, s:I}", "remote",
						     endpoint_json(&st[i].remote), "samples",
						     (json_int_t)st[i].count, "p50_ns",
						     (json_int_t)hist_quantile(&st[i].lat, 0.50),
						     "p99_ns",
						     (json_int_t)hist_quantile(&st[i].lat, 0.99)));
	return arr;
}

static json_t *requests_json(const struct tcp_request_stat *st, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			arr,
			json_pack("{s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I}", "role",
				  st[i].role == TCP_ROLE_SERVER ? "server" : "client", "local",
				  endpoint_json(&st[i].local), "remote",
				  endpoint_json(&st[i].remote), "count", (json_int_t)st[i].count,
				  "p50_ns", (json_int_t)hist_quantile(&st[i].lat, 0.50), "p90_ns",
				  (json_int_t)hist_quantile(&st[i].lat, 0.90), "p99_ns",
				  (json_int_t)hist_quantile(&st[i].lat, 0.99), "max_ns",
				  (json_int_t)st[i].lat.max_ns));
	return arr;
}

static json_t *tcp_json(const struct proc_snapshot *p)
{
	return json_pack("{s:o, s:o, s:I, s:I, s:o}", "connect",
			 connect_json(p->tcp.connect, p->tcp.n_connect), "rtt",
			 rtt_json(p->tcp.rtt, p->tcp.n_rtt), "retransmits",
			 (json_int_t)p->tcp.retransmits, "sample",
			 (json_int_t)(p->tcp.sample > 1 ? p->tcp.sample : 1), "requests",
			 requests_json(p->tcp.requests, p->tcp.n_requests));
}

static json_t *sched_json(const struct proc_snapshot *p)
{
	const struct hist *rq = &p->sched.runq;

	return json_pack("{s:{s:I, s:I, s:I, s:I}, s:I}", "runq", "count", (json_int_t)rq->count,
			 "p50_ns", (json_int_t)hist_quantile(rq, 0.50), "p99_ns",
			 (json_int_t)hist_quantile(rq, 0.99), "max_ns", (json_int_t)rq->max_ns,
			 "oncpu_ns", (json_int_t)p->sched.oncpu_ns);
}

/* Share of a window of @window_ns the probes were attached, at most 1. */
static double covered_ratio(uint64_t attached_ns, uint64_t window_ns)
{
	if (!window_ns || attached_ns >= window_ns)
		return 1.0;
	return (double)attached_ns / (double)window_ns;
}

static json_t *malloc_json(const struct proc_snapshot *p, uint64_t window_ns)
{
	const struct malloc_stat *m = &p->alloc.malloc;

	if (!p->alloc.has_malloc)
		return json_null();
	/* Latencies are net of calibrated_probe_ns; counts cover attached_ns
	 * of the window (covered_ratio) when the probes are duty-cycled. */
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "calls",
			 (json_int_t)m->calls, "frees", (json_int_t)m->frees, "bytes",
			 (json_int_t)m->bytes, "p50_ns", (json_int_t)hist_quantile(&m->lat, 0.50),
			 "p99_ns", (json_int_t)hist_quantile(&m->lat, 0.99), "max_ns",
			 (json_int_t)m->lat.max_ns, "outstanding_bytes",
			 (json_int_t)m->outstanding_bytes, "calibrated_probe_ns",
			 (json_int_t)m->probe_cost_ns, "attached_ns", (json_int_t)m->attached_ns,
			 "covered_ratio", covered_ratio(m->attached_ns, window_ns));
}

static json_t *alloc_json(const struct proc_snapshot *p, uint64_t window_ns)
{
	return json_pack(
		"{s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I}, s:o}", "page_faults",
		(json_int_t)p->alloc.page_faults, "rss_bytes", (json_int_t)p->alloc.rss_bytes,
		"rss_anon_bytes", (json_int_t)p->alloc.rss_anon, "rss_file_bytes",
		(json_int_t)p->alloc.rss_file, "rss_shmem_bytes", (json_int_t)p->alloc.rss_shmem,
		"reclaim_stall", "count", (json_int_t)p->alloc.reclaim_count, "total_ns",
		(json_int_t)p->alloc.reclaim_total_ns, "max_ns",
		(json_int_t)p->alloc.reclaim_max_ns, "malloc", malloc_json(p, window_ns));
}

/* The slowest single calls of the window, slowest first. */
static json_t *slow_calls_json(const struct proc_snapshot *p)
{
	const struct slow_call *order[PROC_MAX_SLOW];
	json_t *arr = json_array();
	size_t n = p->n_slow;

	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j > 0 && order[j - 1]->latency_ns < p->slow[i].latency_ns) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = &p->slow[i];
	}
	for (size_t i = 0; i < n; i++) {
		char name[SYSCALL_NAME_LEN], at[UNITS_BUFLEN];

		json_array_append_new(arr,
				      json_pack("{s:I, s:s, s:I, s:I, s:s}", "tid",
						(json_int_t)order[i]->tid, "syscall",
						syscall_name(order[i]->nr, name, sizeof(name)),
						"latency_ns", (json_int_t)order[i]->latency_ns,
						"ret", (json_int_t)order[i]->ret, "at",
						rfc3339_format(order[i]->end_ns, RFC3339_SECONDS,
							       at, sizeof(at))));
	}
	return arr;
}

static json_t *process_json(const struct proc_snapshot *p, const struct service *svc,
			    uint64_t window_ns)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o}", "pid",
			 (json_int_t)p->pid, "comm", p->comm, "cgroup", p->cgroup ? p->cgroup : "",
			 "service", svc ? svc->name : p->comm, "exited", p->exited, "syscalls",
			 syscalls_json(p), "slow_calls", slow_calls_json(p), "tcp", tcp_json(p),
			 "sched", sched_json(p), "alloc", alloc_json(p, window_ns));
}

int report_findings(const struct snapshot *snap, struct findings *out)
{
	struct analysis_limits lim;

	analysis_limits_for(snap, &lim);
	return analysis_run(snap, &lim, out);
}

/* Probe sets asked for that could not load: their names, and why. */
static void add_unavailable(json_t *doc, const struct snapshot *snap)
{
	json_t *names = json_array(), *why = json_object();

	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS; i++) {
		if (!(snap->probes_failed & (1u << i)))
			continue;
		json_array_append_new(names, json_string(snapshot_probe_name(i)));
		json_object_set_new(why, snapshot_probe_name(i),
				    json_string(snap->probe_errors[i]));
	}
	json_object_set_new(doc, "probes_unavailable", names);
	json_object_set_new(doc, "probe_errors", why);
}

json_t *report_to_json(const struct snapshot *snap)
{
	struct findings found = {0};
	json_t *doc = report_to_json_with(snap, report_findings(snap, &found) ? NULL : &found);

	findings_free(&found);
	return doc;
}

json_t *report_to_json_with(const struct snapshot *snap, const struct findings *found)
{
	char started[UNITS_BUFLEN];
	size_t *order = report_process_order(snap);
	json_t *procs = json_array(), *doc;
	struct services svcs;
	bool grouped = !services_build(snap, &svcs);

	for (size_t k = 0; order && k < snap->n_procs; k++)
		json_array_append_new(
			procs, process_json(&snap->procs[order[k]],
					    grouped ? services_of_proc(&svcs, order[k]) : NULL,
					    snap->duration_ns));
	free(order);
	doc = json_pack(
		"{s:s, s:s, s:s, s:s, s:f, s:I, s:I, s:I, s:o, s:o, s:o}", "schema", REPORT_SCHEMA,
		"host", snap->host, "kernel", snap->kernel, "started_at",
		rfc3339_format(snap->started_at_ns, RFC3339_SECONDS, started, sizeof(started)),
		"duration_s", snap->duration_ns / 1e9, "lost_events", (json_int_t)snap->lost_events,
		"probe_syscalls", (json_int_t)snap->probe_syscalls, "tcp_sample",
		(json_int_t)(snap->tcp_sample ? snap->tcp_sample : 1), "processes", procs,
		"services", grouped ? report_services_json(snap, &svcs) : json_array(), "findings",
		found ? findings_to_json(found) : json_array());
	if (doc)
		add_unavailable(doc, snap);
	if (grouped)
		services_free(&svcs);
	return doc;
}

int report_print_json(const struct snapshot *snap, FILE *out)
{
	json_t *doc = report_to_json(snap);
	int err;

	if (!doc)
		return -1;
	err = json_dumpf(doc, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	fputc('\n', out);
	json_decref(doc);
	return err;
}
