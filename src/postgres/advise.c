// SPDX-License-Identifier: GPL-2.0
/* Index advice attached to slow-query findings (advise.h). */
#include "postgres/advise.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/app_text.h"
#include "postgres/explain.h"

char *advice_plannable_text(const char *normalized)
{
	unsigned long next = sql_max_placeholder(normalized, strlen(normalized)) + 1;
	size_t len = strlen(normalized) * 2 + 16;
	char *out = malloc(len), *w = out;

	if (!out)
		return NULL;
	for (const char *p = normalized; *p;) {
		if (!strncmp(p, "(...)", 5)) {
			w += snprintf(w, len - (size_t)(w - out), "($%lu)", next++);
			p += 5;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
	return out;
}

/* Advice for one finding's statements: 1 when found (in @adv), else 0;
 * -2 when the connection was lost. */
static int advise_one(struct pg_advisor *a, const struct finding *f, double min_rows,
		      struct index_advice *adv)
{
	for (size_t i = 0; i < f->n_queries; i++) {
		char *sql = advice_plannable_text(f->queries[i].text), err[8];
		int r = sql ? pg_advisor_explain(a, sql, min_rows, adv, err, sizeof(err)) : 0;

		free(sql);
		if (r == 1 || r == -2)
			return r;
	}
	return 0;
}

int advice_attach(struct finding *f, const struct index_advice *adv)
{
	char *text = NULL;
	int err;

	if (asprintf(&text, "%s; index advice: CREATE INDEX ON %s (%s) -- %s", f->recommendation,
		     adv->table, adv->columns, adv->reason) < 0)
		return -1;
	err = finding_set_recommendation(f, text);
	free(text);
	return err;
}

int postgres_advise_findings(struct findings *found, const char *conninfo, double min_rows,
			     char *err, size_t errlen)
{
	struct pg_advisor *a = NULL;
	int advised = 0;

	for (size_t i = 0; i < found->n; i++) {
		struct finding *f = &found->items[i];
		struct index_advice adv;
		int r;

		if (strcmp(f->kind, "slow-query") || !f->n_queries)
			continue;
		if (!a && !(a = pg_advisor_open(conninfo, err, errlen)))
			return -1;
		r = advise_one(a, f, min_rows, &adv);
		if (r == -2) {
			snprintf(err, errlen, "lost the connection to PostgreSQL");
			pg_advisor_close(a);
			return -1;
		}
		if (r == 1 && !advice_attach(f, &adv))
			advised++;
	}
	pg_advisor_close(a);
	return advised;
}
