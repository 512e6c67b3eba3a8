/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounded application-protocol rows: a process keeps its busiest request
 * shapes per protocol and folds the rest into one "other" row, so that
 * 100k distinct URLs cost a few rows, not 100k.
 */
#ifndef HIVEMON_CORE_APP_ROWS_H
#define HIVEMON_CORE_APP_ROWS_H

#include <stddef.h>

#include "core/snapshot.h"

#define APP_ROWS_MAX 64

/* Text (and, for Redis, method) of the row that holds the folded ones. */
#define APP_ROWS_OTHER "other"

/*
 * Keeps at most @max rows per protocol in @p, those with the most total
 * time, when it has more; the others, and the kernel's rows of texts past
 * its budget (fingerprint 0), are added into one "other" row per
 * (protocol, role): fingerprint 0, status 0, method "" ("other" for Redis).
 * Row order changes. -ENOMEM (then @p is still consistent, some folded
 * counts may be missing).
 */
int app_rows_bound(struct proc_snapshot *p, size_t max);

#endif
