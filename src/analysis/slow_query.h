/* SPDX-License-Identifier: GPL-2.0 */
/* The slow-query finding: per service, its statements ranked by total time. */
#ifndef HIVEMON_ANALYSIS_SLOW_QUERY_H
#define HIVEMON_ANALYSIS_SLOW_QUERY_H

#include "analysis/analysis.h"

/* The recommendation of a slow-query finding before any index advice. */
extern const char slow_query_recommendation[];

/*
 * One "slow-query" finding per service whose statements (APP_PGSQL rows of
 * its processes; the server side when it answers any, else the client side)
 * are slow: warning when a statement's p99 reaches @lim->slow_query_ns,
 * critical at ten times that, info when only single statements were slower
 * (the slow log, app.slow). Names the top FINDING_MAX_QUERIES statements by
 * total time. 0 or -ENOMEM.
 */
int check_slow_queries(const struct snapshot *snap, const struct analysis_limits *lim,
		       struct findings *out);

#endif
