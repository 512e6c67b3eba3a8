// SPDX-License-Identifier: GPL-2.0
/* Findings as records: adding one, its optional JSON fields, and one per
 * service where many processes of a service say the same. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "util/rfc3339.h"
#include "util/units.h"

struct finding *finding_vadd(struct findings *out, const struct proc_snapshot *p,
			     const struct finding_spec *spec, const char *fmt, va_list ap)
{
	struct finding *f;

	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct finding *items = realloc(out->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		out->items = items;
		out->cap = cap;
	}
	f = &out->items[out->n++];
	memset(f, 0, sizeof(*f));
	if (p) {
		f->pid = p->pid;
		memcpy(f->comm, p->comm, PROC_COMM_LEN);
		memcpy(f->service, p->service[0] ? p->service : p->comm, SERVICE_NAME_LEN);
	} else {
		snprintf(f->comm, sizeof(f->comm), "host");
	}
	f->severity = spec->severity;
	f->kind = spec->kind;
	f->metric = spec->metric;
	f->recommendation = spec->recommendation;
	f->value = spec->value;
	f->threshold = spec->threshold;
	vsnprintf(f->summary, sizeof(f->summary), fmt, ap);
	return f;
}

struct finding *finding_add(struct findings *out, const struct proc_snapshot *p,
			    const struct finding_spec *spec, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = finding_vadd(out, p, spec, fmt, ap);
	va_end(ap);
	return f;
}

void finding_set_service(struct finding *f, const char *svc)
{
	snprintf(f->service, sizeof(f->service), "%s", svc);
}

static json_t *chain_json(const struct finding *f)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; i < f->n_chain; i++)
		json_array_append_new(
			arr, json_pack("{s:s, s:f, s:s, s:f}", "service", f->chain[i].service,
				       "share", f->chain[i].share, "metric", f->chain[i].metric,
				       "value", f->chain[i].value));
	return arr;
}

void finding_extras_json(const struct finding *f, json_t *obj)
{
	char at[UNITS_BUFLEN];

	if (!obj)
		return;
	if (f->n_chain)
		json_object_set_new(obj, "chain", chain_json(f));
	if (f->since_ns)
		json_object_set_new(
			obj, "since",
			json_string(rfc3339_format(f->since_ns, RFC3339_SECONDS, at, sizeof(at))));
	if (f->growth_span_s > 0)
		json_object_set_new(obj, "growth",
				    json_pack("{s:f, s:f, s:f}", "bytes_per_s", f->growth_per_s,
					      "r2", f->growth_r2, "seconds", f->growth_span_s));
}

/* Same kind, same service, another process: a repeat of @a. */
static bool repeats(const struct finding *a, const struct finding *b)
{
	return a->pid && b->pid && a->pid != b->pid && !strcmp(a->kind, b->kind) &&
	       !strcmp(a->service, b->service);
}

static int by_pid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Processes other than @x's with a repeat of @x among @from..@end. */
static size_t other_processes(const struct finding *x, const struct finding *from,
			      const struct finding *end, uint32_t *pids)
{
	size_t n = 0, distinct = 0;

	for (; from < end; from++)
		if (repeats(x, from))
			pids[n++] = from->pid;
	qsort(pids, n, sizeof(*pids), by_pid);
	for (size_t i = 0; i < n; i++)
		distinct += !i || pids[i] != pids[i - 1];
	return distinct;
}

/*
 * Twenty PostgreSQL backends over a limit are one problem of postgres, not
 * twenty: the first finding of a (kind, service) stays (the list is sorted
 * most severe first), the same kind from the service's other processes
 * goes, and the kept one says how many there were. Findings of one process
 * about several endpoints all stay. Without memory for the pid list the
 * findings stay as they are.
 */
void findings_collapse_services(struct findings *f)
{
	uint32_t *pids = f->n ? malloc(f->n * sizeof(*pids)) : NULL;
	size_t kept = 0;

	if (!pids)
		return;
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->items[i];
		size_t more, k;

		for (k = 0; k < kept && !repeats(&f->items[k], x); k++)
			;
		if (k < kept)
			continue; /* counted in the finding kept for its service */
		more = other_processes(x, x + 1, f->items + f->n, pids);
		if (more) {
			size_t len = strlen(x->summary);

			snprintf(x->summary + len, sizeof(x->summary) - len,
				 " (and %zu more processes of %s)", more, x->service);
		}
		if (kept != i)
			f->items[kept] = *x;
		kept++;
	}
	f->n = kept;
	free(pids);
}
