// SPDX-License-Identifier: GPL-2.0
/* Counting a pool's open connections: sock_diag for the sockets, /proc for their owners. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pools/pool_conns.h"
#include "util/u64map.h"

#define TCP_ESTABLISHED_STATE 1

static int dump_request(int fd, int family)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
		.req = {.sdiag_family = (uint8_t)family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_states = 1u << TCP_ESTABLISHED_STATE},
	};
	struct sockaddr_nl nl = {.nl_family = AF_NETLINK};

	return sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0 ? -errno
											: 0;
}

static bool is_remote(const struct inet_diag_msg *d, const struct endpoint *remote)
{
	if (ntohs(d->id.idiag_dport) != remote->port)
		return false;
	if (d->idiag_family == AF_INET6 && remote->family == AF_INET) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		const uint8_t *a = (const uint8_t *)d->id.idiag_dst;

		return !memcmp(a, mapped, 12) && !memcmp(a + 12, remote->addr, 4);
	}
	return d->idiag_family == remote->family &&
	       !memcmp(d->id.idiag_dst, remote->addr, remote->family == AF_INET6 ? 16 : 4);
}

/* Inodes of the established sockets of @family connected to @remote. */
static int collect_inodes(int family, const struct endpoint *remote, struct u64map *inodes)
{
	char buf[16384];
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG), err;

	if (fd < 0)
		return -errno;
	err = dump_request(fd, family);
	while (!err) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len < 0) {
			err = -errno;
			break;
		}
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			const struct inet_diag_msg *d = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = -EPROTO;
				goto out;
			}
			if (is_remote(d, remote) && d->idiag_inode &&
			    !u64map_upsert(inodes, d->idiag_inode))
				err = -ENOMEM;
		}
	}
out:
	close(fd);
	return err;
}

/* Sockets of @pid among @inodes. */
static int count_pid(uint32_t pid, const struct u64map *inodes)
{
	char path[300], link[64];
	struct dirent *e;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	dir = opendir(path);
	if (!dir)
		return 0; /* exited, or not ours to read */
	while ((e = readdir(dir))) {
		unsigned long long ino;
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%u/fd/%s", pid, e->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%llu]", &ino) == 1 && u64map_get(inodes, ino))
			n++;
	}
	closedir(dir);
	return n;
}

int pool_conns_count(const struct endpoint *remote, const uint32_t *pids, size_t n_pids)
{
	struct u64map inodes;
	int err, n = 0;

	if (u64map_init(&inodes, 1))
		return -ENOMEM;
	err = collect_inodes(AF_INET, remote, &inodes);
	if (!err)
		err = collect_inodes(AF_INET6, remote, &inodes);
	for (size_t i = 0; !err && i < n_pids && inodes.n; i++)
		n += count_pid(pids[i], &inodes);
	u64map_free(&inodes);
	return err ? err : n;
}

int pool_endpoint_parse(const char *text, struct endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	unsigned long port;
	char *end;
	size_t hlen;

	if (!colon || colon == text)
		return -EINVAL;
	hlen = (size_t)(colon - text);
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || !port || port > 65535)
		return -EINVAL;
	memset(ep, 0, sizeof(*ep));
	ep->port = (uint16_t)port;
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, ep->addr) == 1) {
		ep->family = AF_INET;
		return 0;
	}
	if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, ep->addr) == 1) {
			ep->family = AF_INET6;
			return 0;
		}
	}
	return -EINVAL;
}
