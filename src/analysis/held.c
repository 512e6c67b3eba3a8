// SPDX-License-Identifier: GPL-2.0
/* Findings held over intervals: streaks and since, for the daemon. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "analysis/baseline.h"
#include "analysis/held.h"

struct streak {
	char key[96]; /* kind, service and rank */
	uint64_t since_ns;
	unsigned int intervals;
};

struct held_findings {
	unsigned int need;
	struct baseline *baseline; /* services' own latency history */
	struct streak *items;	   /* owned, of the last interval */
	size_t n;
	held_advise_fn advise; /* NULL: none */
	void *advise_ctx;
};

struct held_findings *held_new(unsigned int need)
{
	struct held_findings *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->need = need ? need : 1;
	h->baseline = baseline_new();
	if (!h->baseline) {
		free(h);
		return NULL;
	}
	return h;
}

void held_free(struct held_findings *h)
{
	if (!h)
		return;
	baseline_free(h->baseline);
	free(h->items);
	free(h);
}

/* "cpu-bound/postgres/0": the rank tells apart findings of one kind and
 * service (a process's pools to two endpoints). */
static void key_of(const struct findings *f, size_t i, char *key, size_t len)
{
	const struct finding *x = &f->items[i];
	unsigned int rank = 0;

	for (size_t k = 0; k < i; k++)
		rank += !strcmp(f->items[k].kind, x->kind) &&
			!strcmp(f->items[k].service, x->service);
	snprintf(key, len, "%s/%s/%u", x->kind, x->service, rank);
}

static const struct streak *previous(const struct held_findings *h, const char *key)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->items[i].key, key))
			return &h->items[i];
	return NULL;
}

int held_update(struct held_findings *h, const struct findings *now, uint64_t start_ns,
		struct findings *out)
{
	struct streak *next = calloc(now->n + 1, sizeof(*next));
	struct finding *items = NULL;
	size_t n_out = 0;

	if (!next)
		return -ENOMEM;
	if (now->n && !(items = malloc(now->n * sizeof(*items)))) {
		free(next);
		return -ENOMEM;
	}
	for (size_t i = 0; i < now->n; i++) {
		const struct streak *was;

		key_of(now, i, next[i].key, sizeof(next[i].key));
		was = previous(h, next[i].key);
		next[i].since_ns = was ? was->since_ns : start_ns;
		next[i].intervals = was ? was->intervals + 1 : 1;
		if (next[i].intervals >= h->need) {
			items[n_out] = now->items[i];
			items[n_out++].since_ns = next[i].since_ns;
		}
	}
	free(h->items);
	h->items = next;
	h->n = now->n;
	free(out->items);
	out->items = items;
	out->n = n_out;
	out->cap = now->n;
	return 0;
}

void held_set_advise(struct held_findings *h, held_advise_fn fn, void *ctx)
{
	h->advise = fn;
	h->advise_ctx = ctx;
}

json_t *held_report(struct held_findings *h, const struct snapshot *snap)
{
	struct findings now = {0}, held = {0};
	struct analysis_limits lim;
	json_t *arr = NULL;

	analysis_limits_for(snap, &lim);
	if (!analysis_run(snap, &lim, &now) && !baseline_check(h->baseline, snap, &lim, &now)) {
		findings_sort_stable(&now);
		/* Before holding, so the advice is ready when the finding shows. */
		if (h->advise)
			h->advise(&now, h->advise_ctx);
		if (!held_update(h, &now, snap->started_at_ns, &held))
			arr = findings_to_json(&held);
	}
	findings_free(&now);
	free(held.items); /* its findings are @now's */
	return arr;
}
