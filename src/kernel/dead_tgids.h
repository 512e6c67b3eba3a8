/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When a process's kernel rows may be deleted: once it was found dead at two
 * collects in a row. Its rows are then read once more after it died (events
 * charged to it late, from softirq or a last flush) before they go.
 */
#ifndef HIVEMON_DEAD_TGIDS_H
#define HIVEMON_DEAD_TGIDS_H

#include <stddef.h>
#include <stdint.h>

#include "util/u64map.h"

/* Longest BPF map key dead_tgids_doom() takes. */
#define DEAD_KEY_MAX 64

struct dead_key; /* a map key queued for deletion (dead_tgids.c) */

struct dead_tgids {
	struct u64map prev;	 /* tgids found dead at the previous collect */
	struct u64map now;	 /* tgid -> 1 alive, 2 dead, at this collect */
	struct dead_key *doomed; /* keys to delete at the next rotate */
	size_t n_doomed, cap_doomed;
};

int dead_tgids_init(struct dead_tgids *d);
void dead_tgids_free(struct dead_tgids *d);
/* 1 when @tgid was dead at the previous collect and still is (its rows are
 * final), 0 when not, -ENOMEM. /proc is asked once per tgid per collect. */
int dead_tgids_final(struct dead_tgids *d, uint32_t tgid);
/*
 * When @tgid's rows are final, queues @key (@key_size bytes, at most
 * DEAD_KEY_MAX) of the map @map_fd for deletion at the next
 * dead_tgids_rotate(), with its previous-value record in @prev
 * (u64map_record(), NULL for none). 1 when queued, 0 when the process's
 * rows are not final, -ENOMEM.
 */
int dead_tgids_doom(struct dead_tgids *d, uint32_t tgid, int map_fd, struct u64map *prev,
		    const void *key, size_t key_size);
/* Ends a collect: deletes the keys queued by dead_tgids_doom(), and this
 * collect's dead become the previous collect's. 0 or -ENOMEM. */
int dead_tgids_rotate(struct dead_tgids *d);

#endif
