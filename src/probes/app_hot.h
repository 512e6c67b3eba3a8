/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The proto probe's hot rows (bpf/hivemon.h) read as what each row gained
 * since the last read. A row only grows while it holds one key; it starts
 * from zero when it is freed here (its process is gone) and claimed again.
 */
#ifndef HIVEMON_APP_HOT_H
#define HIVEMON_APP_HOT_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/types.h>

#include "bpf/hist.h"
#include "bpf/hivemon.h"

struct app_hot_seen; /* a row as last read, all CPUs summed (app_hot.c) */

/* What one row gained since the last read. */
struct app_hot_delta {
	struct app_stat_key key;
	struct app_stat_val now, before; /* cumulative, all CPUs */
	uint64_t hist[HIST_SLOTS];	 /* requests per bucket */
};

struct app_hot {
	int owners_fd, rows_fd;
	uint32_t n; /* rows in use */
	int ncpus;
	struct app_hot_row *cpus;  /* one row as read: a value per CPU */
	struct app_hot_seen *seen; /* n */
	struct app_hot_delta delta;
};

/* Adds one CPU's (or one record's) @v to @sum. */
void app_val_merge(struct app_stat_val *sum, const struct app_stat_val *v);

int app_hot_init(struct app_hot *h, int owners_fd, int rows_fd, uint32_t n, int ncpus);
void app_hot_free(struct app_hot *h);

/*
 * Calls @add for each row that gained requests since the last read, then
 * frees the rows whose process @gone says is gone (read one last time
 * now). Returns 0, the first error of @add, or -errno of a map access.
 */
int app_hot_read(struct app_hot *h, int (*add)(const struct app_hot_delta *d, void *ctx),
		 bool (*gone)(uint32_t tgid, void *ctx), void *ctx);

#endif
