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
				    json_pack("{s:f, s:f, s:f, s:f}", "bytes_per_s",
					      f->growth_per_s, "r2", f->growth_r2, "seconds",
					      f->growth_span_s, "eta_s", f->growth_eta_s));
}

/* Orders indices into @items by kind, service, then position in the list. */
static int by_kind_service(const void *a, const void *b, void *items)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct finding *fx = (const struct finding *)items + x,
			     *fy = (const struct finding *)items + y;
	int c = strcmp(fx->kind, fy->kind);

	if (!c)
		c = strcmp(fx->service, fy->service);
	return c ? c : (x > y) - (x < y);
}

static int by_pid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Marks in @drop the findings of @grp[0..n) (one kind and service, in list
 * order) from processes other than the first's; the number of those
 * processes. @pids is scratch room for n. */
static size_t drop_repeats(const struct finding *items, const size_t *grp, size_t n, bool *drop,
			   uint32_t *pids)
{
	uint32_t first = items[grp[0]].pid;
	size_t m = 0, distinct = 0;

	for (size_t i = 1; first && i < n; i++)
		if (items[grp[i]].pid && items[grp[i]].pid != first) {
			drop[grp[i]] = true;
			pids[m++] = items[grp[i]].pid;
		}
	qsort(pids, m, sizeof(*pids), by_pid);
	for (size_t i = 0; i < m; i++)
		distinct += !i || pids[i] != pids[i - 1];
	return distinct;
}

/*
 * Twenty PostgreSQL backends over a limit are one problem of postgres, not
 * twenty: the first finding of a (kind, service) stays (the list is sorted
 * most severe first), the same kind from the service's other processes
 * goes, and the kept one says how many there were. Findings of one process
 * about several endpoints all stay, and host findings. O(n log n): a busy
 * host has thousands. Without memory the findings stay as they are.
 */
void findings_collapse_services(struct findings *f)
{
	size_t *idx = f->n ? malloc(f->n * sizeof(*idx)) : NULL;
	uint32_t *pids = f->n ? malloc(f->n * sizeof(*pids)) : NULL;
	bool *drop = f->n ? calloc(f->n, sizeof(*drop)) : NULL;
	size_t kept = 0;

	if (!idx || !pids || !drop)
		goto out;
	for (size_t i = 0; i < f->n; i++)
		idx[i] = i;
	qsort_r(idx, f->n, sizeof(*idx), by_kind_service, f->items);
	for (size_t i = 0, j; i < f->n; i = j) {
		struct finding *x = &f->items[idx[i]];
		size_t more;

		for (j = i + 1; j < f->n && !strcmp(f->items[idx[j]].kind, x->kind) &&
				!strcmp(f->items[idx[j]].service, x->service);
		     j++)
			;
		more = drop_repeats(f->items, idx + i, j - i, drop, pids);
		if (more) {
			size_t len = strlen(x->summary);

			snprintf(x->summary + len, sizeof(x->summary) - len,
				 " (and %zu more processes of %s)", more, x->service);
		}
	}
	for (size_t i = 0; i < f->n; i++)
		if (!drop[i])
			f->items[kept++] = f->items[i];
	f->n = kept;
out:
	free(idx);
	free(pids);
	free(drop);
}

/* Severity descending, then position: qsort is not stable by itself. */
static int by_severity_then_place(const void *a, const void *b, void *items)
{
	const struct finding *base = items;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (base[x].severity != base[y].severity)
		return (int)base[y].severity - (int)base[x].severity;
	return (x > y) - (x < y);
}

void findings_sort_stable(struct findings *f)
{
	size_t *idx = f->n ? malloc(f->n * sizeof(*idx)) : NULL;
	struct finding *sorted = f->n ? malloc(f->n * sizeof(*sorted)) : NULL;

	if (idx && sorted) {
		for (size_t i = 0; i < f->n; i++)
			idx[i] = i;
		qsort_r(idx, f->n, sizeof(*idx), by_severity_then_place, f->items);
		for (size_t i = 0; i < f->n; i++)
			sorted[i] = f->items[idx[i]];
		memcpy(f->items, sorted, f->n * sizeof(*sorted));
	}
	free(idx);
	free(sorted);
}
