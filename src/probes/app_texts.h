/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The texts of the kernel's request fingerprints (bpf/app.bpf.c sends each
 * once per process): normalised here, kept by (protocol, fingerprint).
 */
#ifndef HIVEMON_APP_TEXTS_H
#define HIVEMON_APP_TEXTS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/types.h>

#include "bpf/hivemon.h"
#include "util/u64map.h"

#define APP_TEXT_LEN 256

struct app_text {
	uint64_t fingerprint; /* the kernel's */
	uint8_t proto;
	char method[16];	 /* Redis: the command, upper case */
	char text[APP_TEXT_LEN]; /* route or normalised SQL; "" for Redis */
	uint64_t normalized;	 /* app_text_fingerprint of method + text */
};

struct app_texts {
	struct u64map map; /* key(proto, fingerprint) -> struct app_text */
};

int app_texts_init(struct app_texts *t);
void app_texts_free(struct app_texts *t);
/* Normalises and keeps the text of @ev; -ENOMEM. Past a bound the cache
 * starts over: fingerprints then missing are asked for again. */
int app_texts_add(struct app_texts *t, const struct app_text_event *ev);
/* The text of (@proto, @fingerprint); NULL when unknown. */
const struct app_text *app_texts_get(const struct app_texts *t, uint8_t proto,
				     uint64_t fingerprint);

#endif
