/* SPDX-License-Identifier: GPL-2.0 */
/* hivemon_pool_connections{state}, hivemon_pool_busy and
 * hivemon_pool_recommended_size from the pool tuner's pools[] (gauges of
 * its last decision; labels pool, client, endpoint). */
#ifndef HIVEMON_EXPORT_PROM_POOLS_H
#define HIVEMON_EXPORT_PROM_POOLS_H

#include <jansson.h>

#include "util/textbuf.h"

/* Appends the families to @out; nothing when @pools is empty. */
void prom_pools_render(json_t *pools, struct textbuf *out);

#endif
