// SPDX-License-Identifier: GPL-2.0
/* UTF-8 validation: process names are bytes, exporters need valid UTF-8. */
#include <string.h>

#include "util/utf8.h"

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	/* Exclude overlong forms, surrogates and code points past U+10FFFF. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

void utf8_sanitize(const char *in, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), o = 0;

	if (!cap)
		return;
	for (size_t i = 0; i < n;) {
		size_t seq = utf8_seq_len(s + i, n - i);

		if (o + (seq ? seq : 1) >= cap)
			break;
		if (!seq) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, s + i, seq);
		o += seq;
		i += seq;
	}
	out[o] = '\0';
}
