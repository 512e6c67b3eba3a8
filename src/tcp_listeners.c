// SPDX-License-Identifier: GPL-2.0
/* Parsing of the listening sockets in /proc/net/tcp and /proc/net/tcp6. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcp_listeners.h"

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
