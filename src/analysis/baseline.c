// SPDX-License-Identifier: GPL-2.0
/* Services' request p99 against the median of their own last intervals. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_internal.h"
#include "analysis/baseline.h"
#include "util/u64map.h"
#include "util/units.h"

/* Services remembered at most; past that the history starts over. */
#define BASELINE_MAX_SERVICES 4096

struct history {
	uint64_t p99[BASELINE_WINDOWS]; /* ring */
	uint32_t n, next;
};

struct baseline {
	struct u64map services; /* service key -> struct history */
};

struct baseline *baseline_new(void)
{
	struct baseline *b = calloc(1, sizeof(*b));

	if (b && u64map_init(&b->services, sizeof(struct history))) {
		free(b);
		return NULL;
	}
	return b;
}

void baseline_free(struct baseline *b)
{
	if (!b)
		return;
	u64map_free(&b->services);
	free(b);
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static uint64_t median(const struct history *h)
{
	uint64_t v[BASELINE_WINDOWS];

	memcpy(v, h->p99, h->n * sizeof(v[0]));
	qsort(v, h->n, sizeof(v[0]), by_value);
	return v[h->n / 2];
}

/* The merged server requests of @svc into @all; their count. */
static uint64_t server_requests(const struct snapshot *snap, const struct service *svc,
				struct hist *all)
{
	uint64_t count = 0;

	hist_reset(all);
	for (size_t i = 0; i < svc->n_procs; i++) {
		const struct proc_snapshot *p = &snap->procs[svc->procs[i]];

		for (size_t k = 0; k < p->tcp.n_requests; k++)
			if (p->tcp.requests[k].role == TCP_ROLE_SERVER) {
				if (hist_merge(all, &p->tcp.requests[k].lat))
					return 0;
				count += p->tcp.requests[k].count;
			}
	}
	return count;
}

static int judge(const struct snapshot *snap, const struct service *svc, uint64_t p99,
		 const struct history *h, struct findings *out)
{
	uint64_t base = median(h);
	char now[UNITS_BUFLEN], was[UNITS_BUFLEN];
	struct finding *f;

	if (p99 < BASELINE_FLOOR_NS || (double)p99 < BASELINE_FACTOR * (double)base)
		return 0;
	struct finding_spec spec = {
		FINDING_WARNING,
		"latency-regression",
		"tcp.request.latency.p99",
		"something changed: a deploy, a query plan, a neighbour, a colder cache; compare "
		"this window's breakdown and slowest calls with an earlier one",
		(double)p99,
		BASELINE_FACTOR * (double)base,
	};
	f = finding_add(out, &snap->procs[svc->procs[0]], &spec,
			"request p99 %s is %.1fx its baseline of %s (median of its last %u "
			"intervals)",
			format_ns(p99, now, sizeof(now)), base ? (double)p99 / (double)base : 0,
			format_ns(base, was, sizeof(was)), h->n);
	if (!f)
		return -ENOMEM;
	finding_set_service(f, svc->name);
	return 0;
}

int baseline_check(struct baseline *b, const struct snapshot *snap,
		   const struct analysis_limits *lim, struct findings *out)
{
	struct services svcs;
	struct hist all;
	int err = 0;

	if (services_build(snap, &svcs))
		return -ENOMEM;
	if (b->services.n > BASELINE_MAX_SERVICES)
		u64map_clear(&b->services);
	hist_init(&all);
	for (size_t i = 0; !err && i < svcs.n; i++) {
		const struct service *svc = &svcs.items[i];
		struct history *h;
		uint64_t p99;

		if (server_requests(snap, svc, &all) < lim->min_calls)
			continue;
		p99 = hist_quantile(&all, 0.99);
		h = u64map_upsert(&b->services, svc->key);
		if (!h) {
			err = -ENOMEM;
			break;
		}
		if (h->n >= BASELINE_MIN)
			err = judge(snap, svc, p99, h, out);
		h->p99[h->next] = p99;
		h->next = (h->next + 1) % BASELINE_WINDOWS;
		if (h->n < BASELINE_WINDOWS)
			h->n++;
	}
	hist_free(&all);
	services_free(&svcs);
	return err;
}
