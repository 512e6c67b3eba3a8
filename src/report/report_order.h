/* SPDX-License-Identifier: GPL-2.0 */
/* The order in which reports list processes and syscalls: busiest first. */
#ifndef HIVEMON_REPORT_ORDER_H
#define HIVEMON_REPORT_ORDER_H

#include <stddef.h>

#include "core/snapshot.h"

/* Time a process spent in syscalls plus on CPU, the report's sort key. */
uint64_t proc_busy_ns(const struct proc_snapshot *p);
/* Index permutations (caller frees); NULL on ENOMEM or when empty. */
size_t *report_process_order(const struct snapshot *snap);
size_t *report_syscall_order(const struct proc_snapshot *p);

#endif
