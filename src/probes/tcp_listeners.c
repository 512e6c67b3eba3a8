// SPDX-License-Identifier: GPL-2.0
/* Listening sockets from /proc/PID/net/tcp{,6}, one read per network namespace. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "probes/tcp_listeners.h"
#include "util/u64map.h"

#define TCP_STATE_LISTEN 0x0A

/* The kernel prints each 32-bit word of the address with %08X as it sits
 * in memory, so storing the parsed word back in host order restores the
 * network byte order of the address. */
static bool parse_addr(const char *hex, size_t words, uint8_t *addr)
{
	for (size_t i = 0; i < words; i++) {
		char word[9];
		char *end;
		uint32_t v;

		memcpy(word, hex + i * 8, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, &end, 16);
		if (end != word + 8)
			return false;
		memcpy(addr + i * 4, &v, 4);
	}
	return true;
}

bool tcp_listener_parse(const char *line, int family, struct tcp_ep *ep)
{
	size_t words = family == AF_INET6 ? 4 : 1;
	unsigned int slot, port, state;
	char local[33], remote[33];
	char rest;

	if (sscanf(line, " %u: %32[0-9A-Fa-f]:%x %32[0-9A-Fa-f]:%*x %x%c", &slot, local, &port,
		   remote, &state, &rest) != 6)
		return false;
	if (state != TCP_STATE_LISTEN || strlen(local) != words * 8 || port > 0xffff)
		return false;
	memset(ep, 0, sizeof(*ep));
	ep->family = (uint16_t)family;
	ep->port = (uint16_t)port;
	return parse_addr(local, words, ep->addr);
}

int tcp_listeners_read(FILE *f, int family, tcp_listener_fn fn, void *ctx)
{
	char line[512];
	struct tcp_ep ep;
	int err;

	while (fgets(line, sizeof(line), f)) {
		if (!tcp_listener_parse(line, family, &ep))
			continue;
		err = fn(&ep, ctx);
		if (err)
			return err;
	}
	return 0;
}

struct netns_ctx {
	uint32_t netns;
	tcp_netns_listener_fn fn;
	void *ctx;
};

static int with_netns(const struct tcp_ep *ep, void *c)
{
	struct netns_ctx *nc = c;

	return nc->fn(nc->netns, ep, nc->ctx);
}

/* Reads both tables of the namespace of process @pid ("self" or a number);
 * 1 when the process is gone (try another one of the namespace). */
static int read_netns(const char *proc, const char *pid, struct netns_ctx *nc)
{
	static const struct {
		const char *name;
		int family;
	} tables[] = {{"tcp", AF_INET}, {"tcp6", AF_INET6}};
	char path[512];
	int err = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) && !err; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s/net/%s", proc, pid, tables[i].name);
		f = fopen(path, "re");
		if (!f) {
			/* No IPv6 in this kernel: nothing listens there. */
			if (i > 0 && errno == ENOENT)
				continue;
			return 1;
		}
		err = tcp_listeners_read(f, tables[i].family, with_netns, nc);
		fclose(f);
	}
	return err;
}

/* Reads the namespace of @pid unless already done; the namespace counts as
 * done only once a read succeeded. */
static int scan_pid(const char *proc, const char *pid, struct u64map *done, struct netns_ctx *nc)
{
	char path[512];
	struct stat st;
	int err;

	snprintf(path, sizeof(path), "%s/%s/ns/net", proc, pid);
	if (stat(path, &st))
		return 0; /* gone, or a kernel thread */
	if (u64map_get(done, st.st_ino))
		return 0;
	nc->netns = (uint32_t)st.st_ino;
	err = read_netns(proc, pid, nc);
	if (err == 1)
		return 0;
	if (!err && !u64map_upsert(done, st.st_ino))
		return -ENOMEM;
	return err;
}

int tcp_listeners_scan(const char *proc, tcp_netns_listener_fn fn, void *ctx)
{
	struct netns_ctx nc = {.fn = fn, .ctx = ctx};
	struct u64map done;
	struct dirent *de;
	DIR *dir;
	int err;

	if (u64map_init(&done, 1))
		return -ENOMEM;
	/* Our own namespace first, so it is read even if /proc hides others. */
	err = scan_pid(proc, "self", &done, &nc);
	dir = err ? NULL : opendir(proc);
	while (dir && !err && (de = readdir(dir)))
		if (isdigit((unsigned char)de->d_name[0]))
			err = scan_pid(proc, de->d_name, &done, &nc);
	if (dir)
		closedir(dir);
	u64map_free(&done);
	return err;
}
