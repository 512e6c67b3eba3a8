// SPDX-License-Identifier: GPL-2.0
/* Processes dead at two collects in a row, whose kernel rows are final. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "kernel/bpfmap.h"
#include "kernel/dead_tgids.h"

enum { ALIVE = 1, DEAD = 2 };

struct dead_key {
	int map_fd;
	struct u64map *prev;
	size_t size;
	unsigned char bytes[DEAD_KEY_MAX];
};

int dead_tgids_init(struct dead_tgids *d)
{
	d->doomed = NULL;
	d->n_doomed = d->cap_doomed = 0;
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
	free(d->doomed);
	d->doomed = NULL;
	d->n_doomed = d->cap_doomed = 0;
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

int dead_tgids_doom(struct dead_tgids *d, uint32_t tgid, int map_fd, struct u64map *prev,
		    const void *key, size_t key_size)
{
	int final = dead_tgids_final(d, tgid);
	struct dead_key *k;

	if (final <= 0)
		return final;
	if (key_size > DEAD_KEY_MAX)
		return -EINVAL;
	if (d->n_doomed == d->cap_doomed) {
		size_t cap = d->cap_doomed ? d->cap_doomed * 2 : 256;
		struct dead_key *grown = realloc(d->doomed, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		d->doomed = grown;
		d->cap_doomed = cap;
	}
	k = &d->doomed[d->n_doomed++];
	k->map_fd = map_fd;
	k->prev = prev;
	k->size = key_size;
	memcpy(k->bytes, key, key_size);
	return 1;
}

int dead_tgids_rotate(struct dead_tgids *d)
{
	int err = 0;

	for (size_t i = 0; i < d->n_doomed; i++) {
		const struct dead_key *k = &d->doomed[i];

		bpf_map_delete_elem(k->map_fd, k->bytes);
		if (k->prev)
			u64map_record_delete(k->prev, k->bytes, k->size);
	}
	d->n_doomed = 0;

	u64map_clear(&d->prev);
	for (size_t i = 0; i < d->now.cap; i++)
		if (d->now.used[i] && d->now.values[i] == DEAD &&
		    !u64map_upsert(&d->prev, d->now.keys[i]))
			err = -ENOMEM;
	u64map_clear(&d->now);
	return err;
}
