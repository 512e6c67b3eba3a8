/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The on-disk spool of notifications not yet delivered, one directory per
 * target under <state_dir>/spool/, one file per notification, named so that
 * a listing is in submission order. A file is written, fsync'd and renamed
 * into place (and the directory fsync'd) before any attempt to send it, and
 * removed only once the receiver took it or it went to the dead letters.
 */
#ifndef HIVEMON_SPOOL_H
#define HIVEMON_SPOOL_H

#include <stddef.h>

struct spool_entry {
	char *path;
	char *delivery_id;
	char *body;
};

void spool_entry_free(struct spool_entry *e);

/* mkdir -p @path (0700). */
int spool_mkdirs(const char *path);
/* Creates (0700) <state_dir>/spool/<target> and returns its path (owned) in @dir. */
int spool_dir(const char *state_dir, const char *target, char **dir);
/* Durably stores @body under @delivery_id; the new file's path (owned) in @path. */
int spool_put(const char *dir, const char *delivery_id, const char *body, char **path);
/* Reads a spooled file. */
int spool_read(const char *path, struct spool_entry *e);
/* The spooled files of @dir, oldest first (owned array of owned paths). */
int spool_list(const char *dir, char ***paths, size_t *n);
/* Forgets a delivered (or dead-lettered) notification. */
int spool_done(const char *path);
/* Writes @text to a temporary file in @dir, fsyncs it, renames it to @path
 * (in @dir) and fsyncs @dir: @path is the old or the new text, never a mix. */
int spool_write_atomic(const char *dir, const char *path, const char *text);
/* Appends one JSON line {at, target, delivery_id, reason, body} to
 * <state_dir>/dead-letter.jsonl, fsync'd. */
int spool_dead_letter(const char *state_dir, const char *target, const char *delivery_id,
		      const char *body, const char *reason);

#endif
