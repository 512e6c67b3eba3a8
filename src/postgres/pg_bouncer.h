/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PgBouncer's admin console (the "pgbouncer" database): reading and setting
 * default_pool_size. `SET default_pool_size = N` takes effect at once for
 * every pool without a pool_size of its own (PgBouncer 1.18); RELOAD is not
 * sent, because it re-reads the file and would undo the SET.
 */
#ifndef HIVEMON_POSTGRES_PG_BOUNCER_H
#define HIVEMON_POSTGRES_PG_BOUNCER_H

#include <stddef.h>

/* default_pool_size from SHOW CONFIG; 0, or -1 with the reason in @err. */
int pgbouncer_pool_size(const char *conninfo, unsigned int *size, char *err, size_t errlen);
/* SET default_pool_size = @size; 0, or -1 with the reason in @err. */
int pgbouncer_set_pool_size(const char *conninfo, unsigned int size, char *err, size_t errlen);

#endif
