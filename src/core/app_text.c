// SPDX-License-Identifier: GPL-2.0
/* Minimal normalisers of request texts (routes, SQL): numbers become ids. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/app_text.h"

static bool id_segment(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)s[i]))
			return true;
	return false;
}

char *http_route_normalize(const char *target, size_t n, char *out, size_t len)
{
	size_t o = 0, i = 0;

	if (!len)
		return out;
	while (i < n && target[i] && target[i] != '?' && target[i] != '#' && target[i] != ' ') {
		size_t seg = i + (target[i] == '/'), end = seg;

		while (end < n && target[end] && !strchr("/?# ", target[end]))
			end++;
		const char *piece = id_segment(target + seg, end - seg) ? "{id}" : NULL;

		if (target[i] == '/' && o + 1 < len)
			out[o++] = '/';
		for (size_t k = 0; piece ? piece[k] : k < end - seg; k++) {
			char c = piece ? piece[k] : target[seg + k];

			if (o + 1 < len)
				out[o++] = c;
		}
		i = end;
	}
	if (!o && len > 1)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

char *sql_normalize(const char *sql, size_t n, char *out, size_t len)
{
	size_t o = 0;
	int param = 0;
	bool space = false, word = false;

	if (!len)
		return out;
	for (size_t i = 0; i < n && sql[i]; i++) {
		unsigned char c = (unsigned char)sql[i];
		char lit[16] = "";

		if (c == '\'') {
			while (++i < n && sql[i] && sql[i] != '\'')
				;
			snprintf(lit, sizeof(lit), "$%d", ++param);
		} else if (isdigit(c) && !word) {
			while (i + 1 < n &&
			       (isdigit((unsigned char)sql[i + 1]) || sql[i + 1] == '.'))
				i++;
			snprintf(lit, sizeof(lit), "$%d", ++param);
		} else if (isspace(c)) {
			space = o > 0;
			word = false;
			continue;
		}
		if (space && o + 1 < len)
			out[o++] = ' ';
		space = false;
		if (lit[0]) {
			for (char *p = lit; *p; p++)
				if (o + 1 < len)
					out[o++] = *p;
			word = false;
			continue;
		}
		word = isalnum(c) || c == '_' || c == '$';
		if (o + 1 < len)
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

uint64_t app_text_fingerprint(const char *normalized)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)normalized; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h ? h : 1;
}
