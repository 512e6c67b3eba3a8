/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When a process's kernel rows may be deleted: once it was found dead at two
 * collects in a row. Its rows are then read once more after it died (events
 * charged to it late, from softirq or a last flush) before they go.
 */
#ifndef HIVEMON_DEAD_TGIDS_H
#define HIVEMON_DEAD_TGIDS_H

#include <stdint.h>

#include "util/u64map.h"

struct dead_tgids {
	struct u64map prev; /* tgids found dead at the previous collect */
	struct u64map now;  /* tgid -> 1 alive, 2 dead, at this collect */
};

int dead_tgids_init(struct dead_tgids *d);
void dead_tgids_free(struct dead_tgids *d);
/* 1 when @tgid was dead at the previous collect and still is (its rows are
 * final), 0 when not, -ENOMEM. /proc is asked once per tgid per collect. */
int dead_tgids_final(struct dead_tgids *d, uint32_t tgid);
/* Ends a collect: its dead become the previous collect's. 0 or -ENOMEM. */
int dead_tgids_rotate(struct dead_tgids *d);

#endif
