// SPDX-License-Identifier: GPL-2.0
/* Resolves cgroup v2 paths from /proc/PID/cgroup and from cgroup ids. */
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cgroup_names.h"

/* A missing id walks the cgroup tree again at most this often. */
#define WALK_INTERVAL_S 5

void cgroup_names_init(struct cgroup_names *cn)
{
	memset(cn, 0, sizeof(*cn));
	u64map_init(&cn->by_pid, sizeof(struct cgroup_pid_entry));
	u64map_init(&cn->by_id, sizeof(char *));
	cn->max_pids = CGROUP_NAMES_MAX_PIDS;
	cn->max_ids = CGROUP_NAMES_MAX_IDS;
	cn->max_age_s = CGROUP_NAMES_MAX_AGE_S;
}

static void free_strings(struct u64map *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		char **path = u64map_at(m, i);

		if (path)
			free(*path);
	}
	u64map_clear(m);
}

void cgroup_names_free(struct cgroup_names *cn)
{
	/* The path is the first member of a pid entry. */
	free_strings(&cn->by_pid);
	free_strings(&cn->by_id);
	u64map_free(&cn->by_pid);
	u64map_free(&cn->by_id);
}

static const char *remember(struct u64map *m, uint64_t key, const char *path)
{
	char **slot = u64map_upsert(m, key);

	if (!slot)
		return NULL;
	free(*slot);
	*slot = strdup(path);
	return *slot;
}

/* Forgets the processes not looked up in the last max_pids / 2 lookups: at
 * least half the entries go, so the scans cost O(1) per lookup overall. */
static void evict_pids(struct cgroup_names *cn)
{
	uint64_t keep_from = cn->tick - cn->max_pids / 2;
	struct u64map *m = &cn->by_pid;
	uint64_t *gone = malloc(m->n * sizeof(*gone));
	size_t n = 0;

	if (!gone)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		struct cgroup_pid_entry *e = u64map_at(m, i);

		if (e && e->seen <= keep_from) {
			free(e->path);
			gone[n++] = m->keys[i];
		}
	}
	for (size_t i = 0; i < n; i++)
		u64map_delete(m, gone[i]);
	free(gone);
}

bool read_cgroup(uint32_t pid, char *buf, size_t len)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* cgroup v2 is the "0::" line; v1 hierarchies are ignored. */
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, len, "%s", line + 3);
		found = true;
	}
	fclose(f);
	return found;
}

static time_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Which process @pid names now: procfs gives each instance of /proc/PID a
 * new inode number, and a pid reused by a new process gets a new instance
 * (the old one's dentry is dropped once its task is gone). 0 when gone.
 */
static uint64_t process_instance(uint32_t pid)
{
	char path[32];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%u", pid);
	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

const char *cgroup_names_of_pid(struct cgroup_names *cn, uint32_t pid)
{
	struct cgroup_pid_entry *e = u64map_get(&cn->by_pid, pid);
	uint64_t ino = process_instance(pid);
	time_t now = mono_s();
	char path[4096];

	cn->tick++;
	if (e && (!ino || (ino == e->ino && now - e->read_at < cn->max_age_s))) {
		e->seen = cn->tick;
		return e->path;
	}
	if (!ino || !read_cgroup(pid, path, sizeof(path)))
		return e && e->ino == ino ? e->path : NULL; /* it just exited */
	e = u64map_upsert(&cn->by_pid, pid);
	if (!e)
		return NULL;
	e->seen = cn->tick;
	e->ino = ino;
	e->read_at = now;
	if (!e->path || strcmp(e->path, path)) {
		free(e->path);
		e->path = strdup(path);
	}
	if (cn->by_pid.n > cn->max_pids) {
		char *kept = e->path;

		/* The entry just looked up survives; its slot may move. */
		evict_pids(cn);
		return kept;
	}
	return e->path;
}

void cgroup_names_forget_pid(struct cgroup_names *cn, uint32_t pid)
{
	struct cgroup_pid_entry *e = u64map_get(&cn->by_pid, pid);

	if (!e)
		return;
	free(e->path);
	u64map_delete(&cn->by_pid, pid);
}

/* Records every cgroup directory below @dir (path @rel) by inode. */
static void walk(struct u64map *by_id, size_t max, int dirfd, const char *rel, int depth)
{
	struct dirent *de;
	DIR *dir;

	if (depth > 32)
		return;
	dir = fdopendir(dirfd);
	if (!dir) {
		close(dirfd);
		return;
	}
	while (by_id->n < max && (de = readdir(dir))) {
		char child[4096];
		struct stat st;
		int fd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		snprintf(child, sizeof(child), "%s/%s", rel, de->d_name);
		if (!fstat(fd, &st))
			remember(by_id, st.st_ino, child);
		walk(by_id, max, fd, child, depth + 1);
	}
	closedir(dir);
}

const char *cgroup_names_of_id(struct cgroup_names *cn, uint64_t id)
{
	char **cached = u64map_get(&cn->by_id, id);
	time_t now = time(NULL);

	if (cached || !id)
		return cached ? *cached : NULL;
	if (now - cn->last_walk < WALK_INTERVAL_S)
		return NULL;
	cn->last_walk = now;
	{
		char root[4096];
		int fd = cgroup2_mount(root, sizeof(root))
				 ? open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				 : -1;
		struct stat st;

		if (fd < 0)
			return NULL;
		/* Rebuilt from the tree of now: removed cgroups are forgotten. */
		free_strings(&cn->by_id);
		if (!fstat(fd, &st))
			remember(&cn->by_id, st.st_ino, "/");
		walk(&cn->by_id, cn->max_ids, fd, "", 0);
	}
	cached = u64map_get(&cn->by_id, id);
	return cached ? *cached : NULL;
}

const char *cgroup2_mount(char *buf, size_t len)
{
	const char *found = NULL;
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "re");

	if (!f)
		return NULL;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(buf, len, "%s", m->mnt_dir);
			found = buf;
			break;
		}
	}
	endmntent(f);
	return found;
}
