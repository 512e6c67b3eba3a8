// SPDX-License-Identifier: GPL-2.0
/* The report as text for a terminal: per process, where its time went. */
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "report/report.h"
#include "report/report_app_text.h"
#include "report/report_order.h"
#include "report/report_services.h"
#include "core/syscalls.h"
#include "util/rfc3339.h"
#include "util/units.h"

#define TOP_SYSCALLS 10

/* @ns formatted, or "-" when @h holds no timed event: a call still in
 * flight, or only failed connects, has a count but no latency yet. */
static const char *lat_text(const struct hist *h, uint64_t ns, char *buf, size_t len)
{
	return h->count ? format_ns(ns, buf, len) : "-";
}

static void print_syscalls(const struct proc_snapshot *p, FILE *out)
{
	size_t *order = report_syscall_order(p);
	char total[UNITS_BUFLEN], p50[UNITS_BUFLEN], p99[UNITS_BUFLEN], max[UNITS_BUFLEN];
	char name[SYSCALL_NAME_LEN];

	if (!order)
		return;
	fprintf(out, "  %-20s %10s %8s %10s %10s %10s %10s\n", "SYSCALL", "COUNT", "ERRORS",
		"TOTAL", "P50", "P99", "MAX");
	for (size_t k = 0; k < p->n_syscalls && k < TOP_SYSCALLS; k++) {
		const struct syscall_stat *sc = &p->syscalls[order[k]];

		fprintf(out, "  %-20s %10llu %8llu %10s %10s %10s %10s\n",
			syscall_name(sc->nr, name, sizeof(name)), (unsigned long long)sc->count,
			(unsigned long long)sc->errors,
			lat_text(&sc->lat, sc->lat.sum_ns, total, sizeof(total)),
			lat_text(&sc->lat, hist_quantile(&sc->lat, 0.50), p50, sizeof(p50)),
			lat_text(&sc->lat, hist_quantile(&sc->lat, 0.99), p99, sizeof(p99)),
			lat_text(&sc->lat, sc->lat.max_ns, max, sizeof(max)));
	}
	if (p->n_syscalls > TOP_SYSCALLS)
		fprintf(out, "  ... %zu more syscalls\n", p->n_syscalls - TOP_SYSCALLS);
	free(order);
}

static void print_tcp(const struct proc_snapshot *p, FILE *out)
{
	char ep[ENDPOINT_STRLEN], p50[UNITS_BUFLEN], p99[UNITS_BUFLEN];

	for (size_t i = 0; i < p->tcp.n_requests; i++) {
		const struct tcp_request_stat *r = &p->tcp.requests[i];

		fprintf(out, "  tcp %s %s: %llu requests, p50 %s, p99 %s\n",
			r->role == TCP_ROLE_SERVER ? "server" : "client",
			endpoint_format(r->role == TCP_ROLE_SERVER ? &r->local : &r->remote, ep,
					sizeof(ep)),
			(unsigned long long)r->count,
			lat_text(&r->lat, hist_quantile(&r->lat, 0.5), p50, sizeof(p50)),
			lat_text(&r->lat, hist_quantile(&r->lat, 0.99), p99, sizeof(p99)));
	}
	/* A busy process's own ratio, or --tcp-sample's (tcp_sampler.h). */
	if (p->tcp.sample > 1)
		fprintf(out, "  tcp requests are estimates: 1 in %u connections followed\n",
			p->tcp.sample);
	for (size_t i = 0; i < p->tcp.n_connect; i++) {
		const struct tcp_remote_stat *c = &p->tcp.connect[i];

		fprintf(out, "  tcp connect %s: %llu (%llu failed), p50 %s, p99 %s\n",
			endpoint_format(&c->remote, ep, sizeof(ep)), (unsigned long long)c->count,
			(unsigned long long)c->errors,
			lat_text(&c->lat, hist_quantile(&c->lat, 0.5), p50, sizeof(p50)),
			lat_text(&c->lat, hist_quantile(&c->lat, 0.99), p99, sizeof(p99)));
	}
	for (size_t i = 0; i < p->tcp.n_rtt; i++) {
		const struct tcp_remote_stat *r = &p->tcp.rtt[i];

		fprintf(out, "  tcp rtt %s: p50 %s, p99 %s (%llu samples)\n",
			endpoint_format(&r->remote, ep, sizeof(ep)),
			lat_text(&r->lat, hist_quantile(&r->lat, 0.5), p50, sizeof(p50)),
			lat_text(&r->lat, hist_quantile(&r->lat, 0.99), p99, sizeof(p99)),
			(unsigned long long)r->count);
	}
	if (p->tcp.retransmits)
		fprintf(out, "  tcp retransmits: %llu\n", (unsigned long long)p->tcp.retransmits);
}

/* What part of the window the malloc counts cover (--alloc-duty). */
static void print_malloc_coverage(uint64_t attached_ns, uint64_t window_ns, FILE *out)
{
	uint64_t shown = attached_ns < window_ns ? attached_ns : window_ns;

	fprintf(out, "  malloc probes attached %.1fs of %.1fs (%.0f%%)\n", shown / 1e9,
		window_ns / 1e9, window_ns ? 100.0 * (double)shown / (double)window_ns : 100.0);
}

static void print_sched_alloc(const struct proc_snapshot *p, uint64_t window_ns, FILE *out)
{
	char a[UNITS_BUFLEN], b[UNITS_BUFLEN], c[UNITS_BUFLEN];

	if (p->sched.runq.count || p->sched.oncpu_ns)
		fprintf(out, "  on-CPU %s, run-queue delay p50 %s p99 %s\n",
			format_ns(p->sched.oncpu_ns, a, sizeof(a)),
			lat_text(&p->sched.runq, hist_quantile(&p->sched.runq, 0.5), b, sizeof(b)),
			lat_text(&p->sched.runq, hist_quantile(&p->sched.runq, 0.99), c,
				 sizeof(c)));
	if (p->alloc.rss_bytes || p->alloc.page_faults) {
		char anon[UNITS_BUFLEN], file[UNITS_BUFLEN], shmem[UNITS_BUFLEN];

		fprintf(out,
			"  RSS %s (anon %s, file %s, shmem %s), %llu page faults, %llu reclaim "
			"stalls (%s)\n",
			format_bytes(p->alloc.rss_bytes, a, sizeof(a)),
			format_bytes(p->alloc.rss_anon, anon, sizeof(anon)),
			format_bytes(p->alloc.rss_file, file, sizeof(file)),
			format_bytes(p->alloc.rss_shmem, shmem, sizeof(shmem)),
			(unsigned long long)p->alloc.page_faults,
			(unsigned long long)p->alloc.reclaim_count,
			format_ns(p->alloc.reclaim_total_ns, b, sizeof(b)));
	}
	if (p->alloc.has_malloc)
		fprintf(out, "  malloc: %llu calls, %llu frees, p50 %s p99 %s, outstanding %s\n",
			(unsigned long long)p->alloc.malloc.calls,
			(unsigned long long)p->alloc.malloc.frees,
			lat_text(&p->alloc.malloc.lat, hist_quantile(&p->alloc.malloc.lat, 0.5), a,
				 sizeof(a)),
			lat_text(&p->alloc.malloc.lat, hist_quantile(&p->alloc.malloc.lat, 0.99), b,
				 sizeof(b)),
			format_bytes(p->alloc.malloc.outstanding_bytes > 0
					     ? (uint64_t)p->alloc.malloc.outstanding_bytes
					     : 0,
				     c, sizeof(c)));
	if (p->alloc.has_malloc)
		print_malloc_coverage(p->alloc.malloc.attached_ns, window_ns, out);
}

static void print_findings(const struct findings *found, FILE *out)
{
	if (found && found->n) {
		fprintf(out, "\nFindings:\n");
		for (size_t i = 0; i < found->n; i++) {
			const struct finding *f = &found->items[i];

			char who[48];

			if (f->pid)
				snprintf(who, sizeof(who), "%s[%u]", f->comm, f->pid);
			else
				snprintf(who, sizeof(who), "%s", f->comm);
			fprintf(out, "  %-8s %s %s\n           -> %s\n",
				finding_severity_name(f->severity), who, f->summary,
				f->recommendation);
		}
	}
}

/* "probes unavailable: tcp (attach failed: ...), mem (...)": sets asked
 * for that could not load, whose tables are missing, not empty. */
static void print_unavailable(const struct snapshot *snap, FILE *out)
{
	const char *sep = "probes unavailable: ";

	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS; i++) {
		if (!(snap->probes_failed & (1u << i)))
			continue;
		fprintf(out, "%s%s", sep, snapshot_probe_name(i));
		if (snap->probe_errors[i][0])
			fprintf(out, " (%s)", snap->probe_errors[i]);
		sep = ", ";
	}
	if (snap->probes_failed)
		fputc('\n', out);
}

int report_print_text(const struct snapshot *snap, FILE *out)
{
	struct findings found = {0};
	int err = report_print_text_with(snap, report_findings(snap, &found) ? NULL : &found, out);

	findings_free(&found);
	return err;
}

int report_print_text_with(const struct snapshot *snap, const struct findings *found, FILE *out)
{
	char started[UNITS_BUFLEN];
	size_t *order = report_process_order(snap);
	struct services svcs;
	bool grouped;

	fprintf(out,
		"hivemon report: host %s, kernel %s, from %s for %.1fs, %zu processes, "
		"%llu lost events\n",
		snap->host, snap->kernel,
		rfc3339_format(snap->started_at_ns, RFC3339_SECONDS, started, sizeof(started)),
		snap->duration_ns / 1e9, snap->n_procs, (unsigned long long)snap->lost_events);
	if (snap->probe_syscalls)
		fprintf(out,
			"hivemon's uprobes: %llu uretprobe/uprobe syscalls in the traced processes "
			"(not in their tables)\n",
			(unsigned long long)snap->probe_syscalls);
	print_unavailable(snap, out);
	if (snap->tcp_sample > 1)
		fprintf(out,
			"TCP: 1 in %u connections followed; request counts are estimates "
			"(--tcp-sample)\n",
			snap->tcp_sample);
	print_findings(found, out);
	grouped = !services_build(snap, &svcs);
	if (grouped) {
		report_print_services(snap, &svcs, out);
		report_print_app_text(snap, &svcs, out);
	}
	for (size_t k = 0; order && k < snap->n_procs; k++) {
		const struct proc_snapshot *p = &snap->procs[order[k]];
		const struct service *svc = grouped ? services_of_proc(&svcs, order[k]) : NULL;
		const char *service = svc && strcmp(svc->name, p->comm) ? svc->name : NULL;

		fprintf(out, "\nPID %u %s%s%s%s%s%s\n", p->pid, p->comm,
			p->cgroup && *p->cgroup ? " " : "", p->cgroup ? p->cgroup : "",
			service ? " service " : "", service ? service : "",
			p->exited ? " (exited)" : "");
		print_syscalls(p, out);
		print_tcp(p, out);
		print_sched_alloc(p, snap->duration_ns, out);
	}
	free(order);
	if (grouped)
		services_free(&svcs);
	return ferror(out) ? -1 : 0;
}
