// SPDX-License-Identifier: GPL-2.0
/* Resolves cgroup v2 paths from /proc/PID/cgroup and from cgroup ids. */
#include <dirent.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cgroup_names.h"

/* A missing id walks the cgroup tree again at most this often. */
#define WALK_INTERVAL_S 5

void cgroup_names_init(struct cgroup_names *cn)
{
	memset(cn, 0, sizeof(*cn));
	u64map_init(&cn->by_pid, sizeof(char *));
	u64map_init(&cn->by_id, sizeof(char *));
}

static void free_strings(struct u64map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->used[i])
			free(*(char **)(m->values + i * m->value_size));
	u64map_free(m);
}

void cgroup_names_free(struct cgroup_names *cn)
{
	free_strings(&cn->by_pid);
	free_strings(&cn->by_id);
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

const char *cgroup_names_of_pid(struct cgroup_names *cn, uint32_t pid)
{
	char **cached = u64map_get(&cn->by_pid, pid), path[128], line[4096];
	const char *found = NULL;
	FILE *f;

	if (cached)
		return *cached;
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		/* cgroup v2 is the "0::" line; v1 hierarchies are ignored. */
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = remember(&cn->by_pid, pid, line + 3);
		break;
	}
	fclose(f);
	return found;
}

void cgroup_names_forget_pid(struct cgroup_names *cn, uint32_t pid)
{
	char **cached = u64map_get(&cn->by_pid, pid);

	if (!cached)
		return;
	free(*cached);
	u64map_delete(&cn->by_pid, pid);
}

/* Records every cgroup directory below @dir (path @rel) by inode. */
static void walk(struct u64map *by_id, int dirfd, const char *rel, int depth)
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
	while ((de = readdir(dir))) {
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
		walk(by_id, fd, child, depth + 1);
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
		if (!fstat(fd, &st))
			remember(&cn->by_id, st.st_ino, "/");
		walk(&cn->by_id, fd, "", 0);
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
