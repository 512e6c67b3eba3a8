/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The services of a report: processes grouped (core/services.h) with
 * their totals, busiest first. Shared by the JSON document and the text.
 */
#ifndef HIVEMON_REPORT_SERVICES_H
#define HIVEMON_REPORT_SERVICES_H

#include <jansson.h>
#include <stdio.h>

#include "core/services.h"
#include "core/snapshot.h"

/* The services[] array: {"name", "pids", "oncpu_ns", "runq_wait_ns",
 * "rss_anon_bytes", "syscalls", "requests", "tcp_sample", "breakdown", and
 * the protocol tables} (new reference; an empty array when out of memory). */
json_t *report_services_json(const struct snapshot *snap, const struct services *svcs);
/* A "Services:" table, busiest first; nothing when every process is a
 * service of its own. */
void report_print_services(const struct snapshot *snap, const struct services *svcs, FILE *out);

#endif
