// SPDX-License-Identifier: GPL-2.0
/* Durable notification spool: fsync'd files per target, dead-letter log. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert/spool.h"

#define SPOOL_SUFFIX ".json"

void spool_entry_free(struct spool_entry *e)
{
	free(e->path);
	free(e->delivery_id);
	free(e->body);
	memset(e, 0, sizeof(*e));
}

static int mkdir_one(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int spool_mkdirs(const char *path)
{
	char *copy = strdup(path);
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (char *p = copy + 1; *p && !err; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		err = mkdir_one(copy);
		*p = '/';
	}
	if (!err)
		err = mkdir_one(copy);
	free(copy);
	return err;
}

int spool_dir(const char *state_dir, const char *target, char **dir)
{
	int err;

	if (asprintf(dir, "%s/spool/%s", state_dir, target) < 0)
		return -ENOMEM;
	err = spool_mkdirs(*dir);
	if (err) {
		free(*dir);
		*dir = NULL;
	}
	return err;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int spool_write_atomic(const char *dir, const char *path, const char *text)
{
	char *tmp = NULL;
	int fd, err;

	if (asprintf(&tmp, "%s/.tmp-%d-%s", dir, (int)getpid(), strrchr(path, '/') + 1) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	err = write_all(fd, text, strlen(text));
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err ? err : fsync_dir(dir);
}

int spool_put(const char *dir, const char *delivery_id, const char *body, char **path)
{
	struct timespec now;
	json_t *doc;
	char *text;
	int err;

	clock_gettime(CLOCK_REALTIME, &now);
	/* Realtime ns first so a sorted listing is the order of submission. */
	if (asprintf(path, "%s/%020llu-%s" SPOOL_SUFFIX, dir,
		     (unsigned long long)now.tv_sec * 1000000000ULL +
			     (unsigned long long)now.tv_nsec,
		     delivery_id) < 0)
		return -ENOMEM;
	doc = json_pack("{s:s, s:s}", "delivery_id", delivery_id, "body", body);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	err = text ? spool_write_atomic(dir, *path, text) : -ENOMEM;
	free(text);
	if (err) {
		free(*path);
		*path = NULL;
	}
	return err;
}

int spool_read(const char *path, struct spool_entry *e)
{
	json_t *doc = json_load_file(path, 0, NULL);
	const char *id, *body;

	memset(e, 0, sizeof(*e));
	if (!doc)
		return -EINVAL;
	id = json_string_value(json_object_get(doc, "delivery_id"));
	body = json_string_value(json_object_get(doc, "body"));
	if (id && body) {
		e->path = strdup(path);
		e->delivery_id = strdup(id);
		e->body = strdup(body);
	}
	json_decref(doc);
	if (!e->path || !e->delivery_id || !e->body) {
		spool_entry_free(e);
		return id && body ? -ENOMEM : -EINVAL;
	}
	return 0;
}

static int is_spooled(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > strlen(SPOOL_SUFFIX) &&
	       !strcmp(d->d_name + len - strlen(SPOOL_SUFFIX), SPOOL_SUFFIX);
}

/* Leftovers of a write interrupted by a crash: never renamed, never sent. */
static void remove_temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;

	if (!d)
		return;
	while ((ent = readdir(d)))
		if (!strncmp(ent->d_name, ".tmp-", 5))
			unlinkat(dirfd(d), ent->d_name, 0);
	closedir(d);
}

int spool_list(const char *dir, char ***paths, size_t *n)
{
	struct dirent **names;
	int count;

	remove_temporaries(dir);
	count = scandir(dir, &names, is_spooled, alphasort);
	if (count < 0)
		return -errno;
	*paths = calloc(count ? (size_t)count : 1, sizeof(**paths));
	for (int i = 0; i < count; i++) {
		if (*paths && asprintf(&(*paths)[i], "%s/%s", dir, names[i]->d_name) < 0)
			(*paths)[i] = NULL;
		free(names[i]);
	}
	free(names);
	if (!*paths)
		return -ENOMEM;
	*n = (size_t)count;
	return 0;
}

int spool_done(const char *path)
{
	return unlink(path) ? -errno : 0;
}

int spool_dead_letter(const char *state_dir, const char *target, const char *delivery_id,
		      const char *body, const char *reason)
{
	char *path = NULL, *line = NULL, at[32];
	struct timespec now;
	json_t *doc;
	int fd, err;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(at, sizeof(at), "%lld", (long long)now.tv_sec);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "at", at, "target", target, "delivery_id",
			delivery_id, "reason", reason, "body", body);
	line = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!line || asprintf(&path, "%s/dead-letter.jsonl", state_dir) < 0) {
		free(line);
		return -ENOMEM;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	err = fd < 0 ? -errno : 0;
	if (!err) {
		err = write_all(fd, line, strlen(line));
		if (!err)
			err = write_all(fd, "\n", 1);
		if (!err && fsync(fd))
			err = -errno;
		close(fd);
	}
	free(path);
	free(line);
	return err;
}
