// SPDX-License-Identifier: GPL-2.0
/* Text cache of the protocol probe: kernel prefixes normalised once. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/app_text.h"
#include "probes/app_texts.h"

/* The kernel's seen-map holds 16384 (process, fingerprint) pairs. */
#define APP_TEXTS_MAX 16384

static uint64_t key_of(uint8_t proto, uint64_t fingerprint)
{
	return (fingerprint * 0x9e3779b97f4a7c15ULL) ^ proto;
}

int app_texts_init(struct app_texts *t)
{
	return u64map_init(&t->map, sizeof(struct app_text)) ? -ENOMEM : 0;
}

void app_texts_free(struct app_texts *t)
{
	u64map_free(&t->map);
}

/* Printable ASCII of @n bytes at @s, stopping at a NUL. */
static size_t clean_len(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i])
		i++;
	return i;
}

static void fill(struct app_text *e, const struct app_text_event *ev)
{
	size_t off = ev->off < APP_PREFIX_LEN ? ev->off : APP_PREFIX_LEN;
	size_t n = ev->len < APP_PREFIX_LEN - off ? ev->len : APP_PREFIX_LEN - off;
	const char *s = ev->text + off;
	char raw[APP_PREFIX_LEN + 1];

	n = clean_len(s, n);
	switch (ev->proto) {
	case APP_PROTO_HTTP:
		http_route_normalize(s, n, e->text, sizeof(e->text));
		break;
	case APP_PROTO_PGSQL:
		if (ev->flags & APP_TEXT_STMT_NAME) {
			snprintf(e->text, sizeof(e->text), "EXECUTE %.*s", (int)n, s);
			break;
		}
		sql_normalize(s, n, e->text, sizeof(e->text));
		break;
	default:
		memcpy(raw, s, n);
		raw[n] = '\0';
		for (size_t i = 0; i < sizeof(e->method) - 1 && raw[i]; i++)
			e->method[i] = (char)toupper((unsigned char)raw[i]);
		break;
	}
	for (char *c = e->text; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	e->normalized = app_text_fingerprint(ev->proto == APP_PROTO_REDIS ? e->method : e->text);
}

int app_texts_add(struct app_texts *t, const struct app_text_event *ev)
{
	struct app_text *e;

	if (t->map.n >= APP_TEXTS_MAX)
		u64map_clear(&t->map);
	e = u64map_upsert(&t->map, key_of(ev->proto, ev->fingerprint));
	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	e->fingerprint = ev->fingerprint;
	e->proto = ev->proto;
	fill(e, ev);
	return 0;
}

const struct app_text *app_texts_get(const struct app_texts *t, uint8_t proto, uint64_t fingerprint)
{
	const struct app_text *e = u64map_get(&t->map, key_of(proto, fingerprint));

	return e && e->fingerprint == fingerprint && e->proto == proto ? e : NULL;
}
