/* SPDX-License-Identifier: GPL-2.0 */
/* Index advice for the slow-query findings of a report or interval. */
#ifndef HIVEMON_POSTGRES_ADVISE_H
#define HIVEMON_POSTGRES_ADVISE_H

#include <stddef.h>

#include "analysis/analysis.h"

/*
 * For each "slow-query" finding of @found, EXPLAINs its statements (most
 * total time first) on @conninfo's database until one gets advice, and
 * appends it to the finding's recommendation:
 *   "...; index advice: CREATE INDEX ON users (email) -- Seq Scan on users
 *    (~100000 rows) filtered by (...)".
 * Statements that fail to plan (another database's tables, not a SELECT)
 * are skipped. Returns the number of findings advised, or -1 with @err set
 * when the database cannot be reached.
 */
int postgres_advise_findings(struct findings *found, const char *conninfo, double min_rows,
			     char *err, size_t errlen);

struct index_advice;
/* Appends "; index advice: CREATE INDEX ON t (cols) -- reason" to @f's
 * recommendation; -ENOMEM leaves it as it was. */
int advice_attach(struct finding *f, const struct index_advice *adv);

/* @normalized (sql_normalize) with each collapsed "(...)" list made one new
 * placeholder, so the server can plan it; malloc'd, NULL on ENOMEM. */
char *advice_plannable_text(const char *normalized);

#endif
