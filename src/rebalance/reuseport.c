// SPDX-License-Identifier: GPL-2.0
/* Finding and duplicating the listening sockets of reuseport group members. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rebalance/reuseport.h"

#define MAX_LISTENERS 4096

/* Inodes of the sockets listening on @port in @pid's network namespace. */
static size_t listening_inodes(uint32_t pid, uint16_t port, unsigned long *inodes, size_t max)
{
	static const char *const files[] = {"tcp", "tcp6"};
	size_t n = 0;

	for (size_t f = 0; f < 2; f++) {
		char path[64], line[512];
		FILE *in;

		snprintf(path, sizeof(path), "/proc/%u/net/%s", pid, files[f]);
		in = fopen(path, "re");
		if (!in)
			continue;
		while (fgets(line, sizeof(line), in) && n < max) {
			unsigned int lport, state;
			unsigned long inode;
			char local[64];

			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, "%*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &state,
				   &inode) != 3 ||
			    state != 0x0A)
				continue;
			if (sscanf(strchr(local, ':') ? strrchr(local, ':') + 1 : "", "%x",
				   &lport) == 1 &&
			    lport == port)
				inodes[n++] = inode;
		}
		fclose(in);
	}
	return n;
}

static int is_listener(const char *link, const unsigned long *inodes, size_t n)
{
	unsigned long inode;

	if (sscanf(link, "socket:[%lu]", &inode) != 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (inodes[i] == inode)
			return 1;
	return 0;
}

#define MAX_HELD 64

/* Whether @fd is registered in an epoll instance of @pid (its fdinfo lists
 * "tfd: N" per watched descriptor). */
static bool polled(uint32_t pid, const int *epolls, size_t n_epolls, int fd)
{
	for (size_t i = 0; i < n_epolls; i++) {
		char path[64], line[256];
		FILE *f;
		bool found = false;

		snprintf(path, sizeof(path), "/proc/%u/fdinfo/%d", pid, epolls[i]);
		f = fopen(path, "re");
		while (f && !found && fgets(line, sizeof(line), f)) {
			int tfd;

			found = sscanf(line, "tfd: %d", &tfd) == 1 && tfd == fd;
		}
		if (f)
			fclose(f);
		if (found)
			return true;
	}
	return false;
}

/*
 * The fd number of @pid's own listener among @inodes, -1 when it has none
 * or cannot be told: the only one it holds, or, when it holds several (nginx
 * workers inherit every worker's reuseport socket), the only one its epoll
 * watches. A master process that watches none is left out.
 */
static int own_listener_fd(uint32_t pid, const unsigned long *inodes, size_t n)
{
	int held[MAX_HELD], epolls[MAX_HELD], found = -1;
	size_t n_held = 0, n_epolls = 0, n_polled = 0;
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		char link[300], target[64];
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/%u/fd/%s", pid, d->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (is_listener(target, inodes, n) && n_held < MAX_HELD)
			held[n_held++] = atoi(d->d_name);
		else if (!strcmp(target, "anon_inode:[eventpoll]") && n_epolls < MAX_HELD)
			epolls[n_epolls++] = atoi(d->d_name);
	}
	closedir(dir);
	if (n_held == 1)
		return held[0];
	for (size_t i = 0; i < n_held; i++)
		if (polled(pid, epolls, n_epolls, held[i])) {
			found = held[i];
			n_polled++;
		}
	return n_polled == 1 ? found : -1;
}

/* A duplicate of @pid's @fd in this process, or a negative errno. */
static int steal_fd(uint32_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0), dup, reuse = 0;
	socklen_t len = sizeof(reuse);

	if (pidfd < 0)
		return -errno;
	dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (dup < 0)
		dup = -errno;
	close(pidfd);
	if (dup >= 0 && (getsockopt(dup, SOL_SOCKET, SO_REUSEPORT, &reuse, &len) || !reuse)) {
		close(dup);
		return -EINVAL;
	}
	return dup;
}

int reuseport_members(const struct group_state *s, uint16_t port, struct steer_member *out,
		      size_t max)
{
	unsigned long *inodes = calloc(MAX_LISTENERS, sizeof(*inodes));
	size_t n = 0;

	if (!inodes)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_members && n < max; i++) {
		uint32_t pid = s->members[i].pid;
		size_t k = listening_inodes(pid, port, inodes, MAX_LISTENERS);
		int fd = k ? own_listener_fd(pid, inodes, k) : -1, dup;

		if (fd < 0)
			continue;
		dup = steal_fd(pid, fd);
		if (dup < 0)
			continue;
		out[n].pid = pid;
		out[n].listen_fd = dup;
		n++;
	}
	free(inodes);
	return (int)n;
}

void reuseport_members_close(struct steer_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(m[i].listen_fd);
}
