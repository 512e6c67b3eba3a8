/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Application-protocol rows of one service in the JSON report: http[],
 * sql[], redis[] and slow_queries[], merged over the service's processes.
 */
#ifndef HIVEMON_REPORT_APP_H
#define HIVEMON_REPORT_APP_H

#include <jansson.h>

#include "core/services.h"
#include "core/snapshot.h"

/* Adds http[], sql[], redis[] and slow_queries[] of @svc to @obj (each an
 * empty array when the service has none). -ENOMEM. */
int report_app_json(json_t *obj, const struct snapshot *snap, const struct service *svc);

#endif
