// SPDX-License-Identifier: GPL-2.0
/* Folding a process's least busy protocol rows into "other". */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/app_rows.h"

#define PROTOS 4 /* enum app_proto values 1..3 */
#define ROLES  3 /* enum tcp_role values 1..2 */

static int busiest_first(const void *a, const void *b)
{
	const struct app_request_stat *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->lat.sum_ns != y->lat.sum_ns)
		return x->lat.sum_ns > y->lat.sum_ns ? -1 : 1;
	return (x->count < y->count) - (x->count > y->count);
}

static int add_row(struct app_request_stat *dst, const struct app_request_stat *src)
{
	dst->count += src->count;
	dst->errors += src->errors;
	dst->hits += src->hits;
	dst->misses += src->misses;
	return hist_merge(&dst->lat, &src->lat);
}

static void free_row(struct app_request_stat *r)
{
	free(r->text);
	hist_free(&r->lat);
}

static bool is_other(const struct app_request_stat *r)
{
	return !r->fingerprint && (!strcmp(r->text, APP_ROWS_OTHER) || r->proto == APP_REDIS);
}

static const char *fold_method(uint8_t proto)
{
	return proto == APP_REDIS ? APP_ROWS_OTHER : "";
}

static bool is_fold_row(const struct app_request_stat *r)
{
	return is_other(r) && !r->status && !strcmp(r->method, fold_method(r->proto));
}

int app_rows_bound(struct proc_snapshot *p, size_t max)
{
	struct app_request_stat other[PROTOS][ROLES];
	struct app_request_stat *rows = p->app.requests;
	bool used[PROTOS][ROLES] = {{false}};
	size_t n = p->app.n_requests, kept = 0, rank = 0;
	int err = 0;

	if (n <= max)
		return 0;
	qsort(rows, n, sizeof(*rows), busiest_first);
	memset(other, 0, sizeof(other));
	for (size_t i = 0; i < n; i++) {
		struct app_request_stat *r = &rows[i];

		if (!i || rows[i - 1].proto != r->proto)
			rank = 0;
		/* The kernel's "other" rows (one per method and status) join the
		 * one of the fold; an earlier fold's row stays and is added to. */
		if (r->proto >= PROTOS || r->role >= ROLES || is_fold_row(r) ||
		    (!is_other(r) && rank++ < max)) {
			rows[kept++] = *r;
			continue;
		}
		if (!used[r->proto][r->role])
			hist_init(&other[r->proto][r->role].lat);
		used[r->proto][r->role] = true;
		if (add_row(&other[r->proto][r->role], r))
			err = -ENOMEM;
		free_row(r);
	}
	p->app.n_requests = kept;
	for (unsigned int pr = 0; pr < PROTOS; pr++) {
		for (unsigned int ro = 0; ro < ROLES; ro++) {
			struct app_request_stat *o;

			if (!used[pr][ro])
				continue;
			o = proc_app_request(p, (uint8_t)pr, (uint8_t)ro, fold_method(pr), 0, 0,
					     APP_ROWS_OTHER);
			if (!o || add_row(o, &other[pr][ro]))
				err = -ENOMEM;
			hist_free(&other[pr][ro].lat);
		}
	}
	return err;
}
