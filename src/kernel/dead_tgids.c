// SPDX-License-Identifier: GPL-2.0
/* Processes dead at two collects in a row, whose kernel rows are final. */
#include <errno.h>

#include "kernel/bpfmap.h"
#include "kernel/dead_tgids.h"

enum { ALIVE = 1, DEAD = 2 };

int dead_tgids_init(struct dead_tgids *d)
{
	if (u64map_init(&d->prev, 1))
		return -ENOMEM;
	if (u64map_init(&d->now, 1)) {
		u64map_free(&d->prev);
		return -ENOMEM;
	}
	return 0;
}

void dead_tgids_free(struct dead_tgids *d)
{
	u64map_free(&d->prev);
	u64map_free(&d->now);
}

int dead_tgids_final(struct dead_tgids *d, uint32_t tgid)
{
	unsigned char *state = u64map_get(&d->now, tgid);

	if (!state) {
		state = u64map_upsert(&d->now, tgid);
		if (!state)
			return -ENOMEM;
		*state = proc_alive(tgid) ? ALIVE : DEAD;
	}
	return *state == DEAD && u64map_get(&d->prev, tgid);
}

int dead_tgids_rotate(struct dead_tgids *d)
{
	int err = 0;

	u64map_clear(&d->prev);
	for (size_t i = 0; i < d->now.cap; i++)
		if (d->now.used[i] && d->now.values[i] == DEAD &&
		    !u64map_upsert(&d->prev, d->now.keys[i]))
			err = -ENOMEM;
	u64map_clear(&d->now);
	return err;
}
