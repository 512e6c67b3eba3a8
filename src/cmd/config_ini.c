// SPDX-License-Identifier: GPL-2.0
/* Reading a config with libinih: line numbers, sections, and each key to its handler. */
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/config_parser.h"

#define DEFAULT_TIMEOUT_NS (5 * 1000000000ULL)
/* Well inside Alertmanager's default resolve_timeout of 5 min. */
#define DEFAULT_REFRESH_NS (60 * 1000000000ULL)

void *config_grow(void *arr, size_t n, size_t size)
{
	char *grown = realloc(arr, (n + 1) * size);

	if (grown)
		memset(grown + n * size, 0, size);
	return grown;
}

/* ---- sections ------------------------------------------------------------ */

/* Splits `kind "name"`; returns the name (owned) or NULL when unnamed. */
static char *section_name(const char *section, const char *kind)
{
	size_t klen = strlen(kind), len;
	const char *q;

	if (strncmp(section, kind, klen) || section[klen] != ' ')
		return NULL;
	for (q = section + klen; *q == ' '; q++)
		;
	len = strlen(q);
	if (len < 3 || q[0] != '"' || q[len - 1] != '"')
		return NULL;
	return strndup(q + 1, len - 2);
}

static bool named_section_exists(struct parser *p, const char *name, int *line)
{
	for (size_t i = 0; i < p->cfg->n_targets; i++)
		if (!strcmp(p->cfg->targets[i].name, name)) {
			*line = p->cfg->targets[i].line;
			return true;
		}
	for (size_t i = 0; i < p->cfg->n_alerts; i++)
		if (!strcmp(p->cfg->alerts[i].name, name)) {
			*line = p->cfg->alerts[i].line;
			return true;
		}
	for (size_t i = 0; i < p->cfg->n_groups; i++)
		if (!strcmp(p->cfg->groups[i].spec.name, name)) {
			*line = p->cfg->groups[i].line;
			return true;
		}
	return false;
}

static void open_target(struct parser *p, enum target_kind kind, char *name)
{
	struct config *cfg = p->cfg;
	struct cfg_target *targets = config_grow(cfg->targets, cfg->n_targets, sizeof(*targets));

	if (!targets) {
		free(name);
		p->kind = SEC_UNKNOWN;
		return;
	}
	cfg->targets = targets;
	p->index = cfg->n_targets++;
	targets[p->index].kind = kind;
	targets[p->index].name = name;
	targets[p->index].timeout_ns = DEFAULT_TIMEOUT_NS;
	targets[p->index].refresh_ns = DEFAULT_REFRESH_NS;
	targets[p->index].line = p->section_line;
}

static void open_alert(struct parser *p, char *name)
{
	struct config *cfg = p->cfg;
	struct cfg_alert *alerts = config_grow(cfg->alerts, cfg->n_alerts, sizeof(*alerts));
	struct raw_alert *raw;

	if (alerts)
		cfg->alerts = alerts;
	raw = alerts ? config_grow(p->raw, cfg->n_alerts, sizeof(*raw)) : NULL;
	if (!raw) {
		free(name);
		p->kind = SEC_UNKNOWN;
		return;
	}
	p->raw = raw;
	p->index = cfg->n_alerts++;
	alerts[p->index].name = name;
	alerts[p->index].line = p->section_line;
}

/* [webhook "x"], [alertmanager "x"], [alert "x"], [group "x"], [postgres "x"]
 * or [pool "x"]; @name is owned. A [postgres] and a [pool] may share a name. */
static void open_named(struct parser *p, const char *section, char *name)
{
	int first;

	if (!*name || strpbrk(name, " \t\"")) {
		problem(p, p->section_line,
			"section [%s]: the name must be non-empty, without spaces or quotes",
			section);
		free(name);
		return;
	}
	if (strncmp(section, "postgres", 8) && strncmp(section, "pool", 4) &&
	    named_section_exists(p, name, &first)) {
		problem(p, p->section_line, "duplicate name \"%s\" (first at line %d)", name,
			first);
		free(name);
		return;
	}
	if (!strncmp(section, "webhook", 7)) {
		p->kind = SEC_WEBHOOK;
		open_target(p, TARGET_WEBHOOK, name);
	} else if (!strncmp(section, "alertmanager", 12)) {
		p->kind = SEC_ALERTMANAGER;
		open_target(p, TARGET_ALERTMANAGER, name);
	} else if (!strncmp(section, "group", 5)) {
		p->kind = SEC_GROUP;
		open_group(p, name);
	} else if (!strncmp(section, "postgres", 8)) {
		p->kind = SEC_POSTGRES;
		open_postgres(p, name);
	} else if (!strncmp(section, "pool", 4)) {
		p->kind = SEC_POOL;
		open_pool(p, name);
	} else {
		p->kind = SEC_ALERT;
		open_alert(p, name);
	}
}

static void open_section(struct parser *p, const char *section)
{
	static const struct {
		const char *name;
		enum section_kind kind;
	} singletons[] = {
		{"agent", SEC_AGENT},
		{"export", SEC_EXPORT},
		{"store", SEC_STORE},
	};
	char *name;

	free(p->section);
	p->section = strdup(section);
	p->n_seen = 0;
	p->kind = SEC_UNKNOWN;
	for (size_t i = 0; i < sizeof(singletons) / sizeof(singletons[0]); i++)
		if (!strcmp(section, singletons[i].name)) {
			p->kind = singletons[i].kind;
			return;
		}
	if ((name = section_name(section, "webhook")) || (name = section_name(section, "alert")) ||
	    (name = section_name(section, "alertmanager")) ||
	    (name = section_name(section, "group")) || (name = section_name(section, "postgres")) ||
	    (name = section_name(section, "pool"))) {
		open_named(p, section, name);
		return;
	}
	problem(p, p->section_line,
		"unknown section [%s] (expected agent, export, store, webhook \"NAME\", "
		"alertmanager \"NAME\", alert \"NAME\", group \"NAME\", postgres \"NAME\" or "
		"pool \"NAME\")",
		section);
}

/* ---- keys ------------------------------------------------------------------ */

static bool seen_before(struct parser *p, const char *name)
{
	for (size_t i = 0; i < p->n_seen; i++)
		if (!strcmp(p->seen[i], name))
			return true;
	if (p->n_seen < sizeof(p->seen) / sizeof(p->seen[0]) && strlen(name) < sizeof(p->seen[0]))
		strcpy(p->seen[p->n_seen++], name);
	return false;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parser *p = user;
	const struct config_key *key;

	if (!p->section || strcmp(section, p->section))
		open_section(p, section);
	if (p->kind == SEC_UNKNOWN)
		return 1; /* reported once, at the section */
	if (p->kind == SEC_NONE || !*section) {
		problem(p, p->line, "key '%s' outside of any section", name);
		return 1;
	}
	if (seen_before(p, name)) {
		problem(p, p->line, "duplicate key '%s' in [%s]", name, section);
		return 1;
	}
	key = config_key_find(p->kind, name);
	if (key)
		key->set(p, value, key->arg);
	else
		problem(p, p->line, "unknown key '%s' in [%s]", name, section);
	return 1;
}

/* ---- reader: counts lines (for file:line) and rejects overlong ones ----- */

static bool next_line(struct parser *p, char *buf, int size)
{
	const char *nl;
	size_t len;

	if (p->fp)
		return fgets(buf, size, p->fp) != NULL;
	if (!*p->text)
		return false;
	nl = strchr(p->text, '\n');
	len = nl ? (size_t)(nl - p->text) + 1 : strlen(p->text);
	if (len > (size_t)size - 1)
		len = (size_t)size - 1;
	memcpy(buf, p->text, len);
	buf[len] = '\0';
	p->text += len;
	return true;
}

static char *reader(char *buf, int size, void *stream)
{
	struct parser *p = stream;

	for (;;) {
		size_t len;
		bool complete;
		const char *s;

		if (!next_line(p, buf, size))
			return NULL;
		len = strlen(buf);
		complete = len && buf[len - 1] == '\n';
		if (p->skipping_long_line) {
			p->skipping_long_line = !complete;
			continue;
		}
		p->line++;
		if (!complete && len == (size_t)size - 1) {
			problem(p, p->line, "line longer than %d characters", size - 2);
			p->skipping_long_line = true;
			buf[0] = '\n';
			buf[1] = '\0';
			return buf;
		}
		for (s = buf; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '[')
			p->section_line = p->line;
		return buf;
	}
}

void config_read(struct parser *p)
{
	int syntax = ini_parse_stream(reader, p, on_key, p);

	if (syntax > 0)
		problem(p, syntax, "syntax error (expected [section] or key = value)");
	free(p->section);
	p->section = NULL;
}
