/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: report. The hivemon.report/v1 document and its text: what `hivemon
 * report` prints and /api/v1/report serves. Includes analysis, core, util.
 */
#ifndef HIVEMON_REPORT_H
#define HIVEMON_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "core/snapshot.h"

#define REPORT_SCHEMA "hivemon.report/v1"

/* New reference to the report object of @snap; NULL on ENOMEM. */
json_t *report_to_json(const struct snapshot *snap);
int report_print_json(const struct snapshot *snap, FILE *out);
int report_print_text(const struct snapshot *snap, FILE *out);

#endif
