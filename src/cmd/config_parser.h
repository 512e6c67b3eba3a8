/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the config loader, shared by its parts: config_ini.c reads the INI
 * file and opens sections, config_keys.c holds the table of accepted keys
 * and their handlers, config_alert.c validates [alert] rules once the whole
 * file is read, config_problem.c collects the "file:line: message"
 * problems. config.c is the face (config.h).
 */
#ifndef HIVEMON_CONFIG_PARSER_H
#define HIVEMON_CONFIG_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cmd/config.h"

enum section_kind {
	SEC_NONE,
	SEC_UNKNOWN,
	SEC_AGENT,
	SEC_EXPORT,
	SEC_STORE,
	SEC_WEBHOOK,
	SEC_ALERTMANAGER,
	SEC_ALERT,
	SEC_GROUP,
	SEC_POSTGRES,
	SEC_POOL,
};

/* Keys of an [alert] section; kept raw until the metric (and unit) is known. */
enum alert_key {
	AK_METRIC,
	AK_WHERE,
	AK_INFO, /* AK_INFO..AK_EMERGENCY follow SEV_INFO..SEV_EMERGENCY */
	AK_WARNING,
	AK_CRITICAL,
	AK_EMERGENCY,
	AK_FOR,
	AK_HYSTERESIS,
	AK_REPEAT,
	AK_WINDOW,
	AK_NOTIFY,
	AK_SUMMARY,
	AK_PREDICT,
	AK_COUNT,
};

struct raw_value {
	char *text;
	int line;
};

struct raw_alert {
	struct raw_value v[AK_COUNT];
};

struct problem_line {
	int line;
	size_t order;
	char *text;
};

struct parser {
	const char *file;
	FILE *errors;
	int n_errors;
	struct problem_line *problems; /* printed sorted by line at the end */
	int n_problems;		       /* stored: fewer than n_errors when out of memory */
	struct config *cfg;

	/* reader state */
	FILE *fp;
	const char *text;
	int line;
	int section_line;
	bool skipping_long_line;

	/* current section */
	char *section;
	enum section_kind kind;
	size_t index;			/* into targets or alerts */
	struct raw_alert *raw;		/* parallel to cfg->alerts */
	struct raw_value *group_notify; /* parallel to cfg->groups */
	struct raw_value *pool_notify;	/* parallel to cfg->pools */
	/* keys seen in the current singleton section occurrence */
	char seen[64][32];
	size_t n_seen;
};

/* One accepted key: the table in config_keys.c is what the parser accepts. */
struct config_key {
	enum section_kind section;
	const char *name;
	/* Stores @value of the key at p->line, recording any problem. */
	void (*set)(struct parser *p, const char *value, int arg);
	int arg;
};

/* config_problem.c */
void problem(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void print_problems(struct parser *p);

/* config_ini.c: reads the whole file into p->cfg and p->raw. */
void config_read(struct parser *p);
/* realloc to n + 1 elements of @size, the new one zeroed; NULL when out of memory. */
void *config_grow(void *arr, size_t n, size_t size);

/* config_keys.c */
const struct config_key *config_key_find(enum section_kind section, const char *name);

/* config_alert.c: checks what needs the whole file (targets' urls, alerts). */
void config_validate(struct parser *p);

/* config_group.c: [group "x"] keys and their check once the file is read. */
void group_match(struct parser *p, const char *value, int arg);
void group_cpus(struct parser *p, const char *value, int arg);
void group_rebalance(struct parser *p, const char *value, int arg);
void group_duration(struct parser *p, const char *value, int arg);
void group_steer(struct parser *p, const char *value, int arg);
void group_command(struct parser *p, const char *value, int arg);
enum group_key { GK_COOLDOWN, GK_LATENCY_TARGET, GK_SCALE_OUT, GK_SCALE_IN };
void group_notify(struct parser *p, const char *value, int arg);
/* config_alert.c: the targets of a `notify` key into @a. */
void parse_notify(struct parser *p, struct cfg_alert *a, const struct raw_value *rv);
void open_group(struct parser *p, char *name);
void validate_groups(struct parser *p);
void group_free(struct cfg_group *g);

/* config_postgres.c: [postgres "x"] and [pool "x"] keys and their checks. */
void open_postgres(struct parser *p, char *name);
void open_pool(struct parser *p, char *name);
void postgres_conninfo(struct parser *p, const char *value, int arg);
enum pool_key { PK_ENDPOINT, PK_PGBOUNCER, PK_TUNE, PK_MIN, PK_MAX, PK_COOLDOWN, PK_NOTIFY };
void pool_key(struct parser *p, const char *value, int arg);
void validate_pools(struct parser *p);
void postgres_free(struct cfg_postgres *pg);
void pool_free(struct cfg_pool *pl);

#endif
