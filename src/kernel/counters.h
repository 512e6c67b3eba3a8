/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deltas of cumulative kernel counters: the one routine with which every
 * probe turns a map's running totals into a window's figures.
 */
#ifndef HIVEMON_COUNTERS_H
#define HIVEMON_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Writes into @delta what the @n counters @now of one map record gained
 * since @seen (their values at the last read, zeros for a new record) and
 * stores @now into @seen.
 *
 * Counters only grow, but an LRU map may evict a record and create it again
 * from zero. A counter below its last value means that happened: the whole
 * record restarted, its delta is its value (calls made between the last
 * read and the eviction are lost, never turned into ~2^64). Returns whether
 * the record restarted.
 *
 * @held, when not NULL, are counts the kernel keeps outside the map (a
 * thread's batch), read after the map: the window then gets the growth of
 * map + held. @held_seen is the part of @held already reported. Map and
 * held are not read at one instant, so their sum may drop (a batch moved
 * into the map between the two reads); the window then gets 0 and the
 * shortfall is carried in @held_seen, so a window never reports a call
 * twice and the next reads make the total exact again. When the record
 * restarted, reported held calls no longer held are taken as lost with the
 * evicted record (a batch flushed after the eviction into the new record
 * may then count twice: eviction trades exactness for bounded errors).
 */
bool counters_delta(const uint64_t *now, uint64_t *seen, const uint64_t *held, uint64_t *held_seen,
		    uint64_t *delta, size_t n);

#endif
