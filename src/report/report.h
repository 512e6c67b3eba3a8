/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: report. The hivemon.report/v1 document and its text: what `hivemon
 * report` prints and /api/v1/report serves. Includes analysis, core, util.
 */
#ifndef HIVEMON_REPORT_H
#define HIVEMON_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "analysis/analysis.h"
#include "core/snapshot.h"

#define REPORT_SCHEMA "hivemon.report/v1"

/* The findings of @snap at analysis_limits_for(@snap). 0 or -ENOMEM. */
int report_findings(const struct snapshot *snap, struct findings *out);
/* New reference to the report object of @snap; NULL on ENOMEM. */
json_t *report_to_json(const struct snapshot *snap);
int report_print_json(const struct snapshot *snap, FILE *out);
int report_print_text(const struct snapshot *snap, FILE *out);
/* The same with findings the caller computed once (report_findings(), then
 * perhaps advised) for both outputs; NULL @found = none. */
json_t *report_to_json_with(const struct snapshot *snap, const struct findings *found);
int report_print_text_with(const struct snapshot *snap, const struct findings *found, FILE *out);

#endif
