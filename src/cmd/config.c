// SPDX-License-Identifier: GPL-2.0
/* The INI configuration (libinih): parsing, validation with file:line messages, release. */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cli.h"
#include "cmd/config.h"
#include "cmd/ipc.h"

#define DEFAULT_STATE_DIR  "/var/lib/hivemon"
#define DEFAULT_TIMEOUT_NS (5 * 1000000000ULL)
/* Well inside Alertmanager's default resolve_timeout of 5 min. */
#define DEFAULT_REFRESH_NS     (60 * 1000000000ULL)
#define DEFAULT_HYSTERESIS     0.10
#define DEFAULT_RETENTION_DAYS 7
#define WARNING_OF_CRITICAL    0.75

enum section_kind {
	SEC_NONE,
	SEC_UNKNOWN,
	SEC_AGENT,
	SEC_EXPORT,
	SEC_STORE,
	SEC_WEBHOOK,
	SEC_ALERTMANAGER,
	SEC_ALERT,
};

/* Keys of an [alert] section; kept raw until the metric (and unit) is known. */
enum alert_key {
	AK_METRIC,
	AK_WHERE,
	AK_INFO,
	AK_WARNING,
	AK_CRITICAL,
	AK_EMERGENCY,
	AK_FOR,
	AK_HYSTERESIS,
	AK_REPEAT,
	AK_WINDOW,
	AK_NOTIFY,
	AK_SUMMARY,
	AK_COUNT,
};

static const char *const alert_keys[AK_COUNT] = {
	"metric", "where",	"info",	  "warning", "critical", "emergency",
	"for",	  "hysteresis", "repeat", "window",  "notify",	 "summary",
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
	size_t index;	       /* into targets or alerts */
	struct raw_alert *raw; /* parallel to cfg->alerts */
	/* keys seen in the current singleton section occurrence */
	char seen[64][32];
	size_t n_seen;
};

static const char *const severity_names[SEV_COUNT] = {"none", "info", "warning", "critical",
						      "emergency"};

const char *severity_name(enum severity sev)
{
	return sev < SEV_COUNT ? severity_names[sev] : "?";
}

static void problem(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct parser *p, int line, const char *fmt, ...)
{
	struct problem_line *grown;
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	p->n_errors++;
	grown = realloc(p->problems, (size_t)(p->n_problems + 1) * sizeof(*grown));
	if (!grown) {
		free(text);
		return;
	}
	p->problems = grown;
	grown[p->n_problems] = (struct problem_line){line, (size_t)p->n_problems, text};
	p->n_problems++;
}

static int by_line(const void *a, const void *b)
{
	const struct problem_line *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->order < y->order ? -1 : 1;
}

static void print_problems(struct parser *p)
{
	if (p->problems)
		qsort(p->problems, (size_t)p->n_problems, sizeof(*p->problems), by_line);
	for (int i = 0; i < p->n_problems; i++) {
		if (p->errors)
			fprintf(p->errors, "%s:%d: %s\n", p->file, p->problems[i].line,
				p->problems[i].text ? p->problems[i].text : "out of memory");
		free(p->problems[i].text);
	}
	free(p->problems);
	p->problems = NULL;
	p->n_problems = 0;
}

/* ---- value parsers ---------------------------------------------------- */

int parse_size_bytes(const char *text, double *bytes)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{"", 1},
		{"b", 1},
		{"k", 1024.0},
		{"kb", 1024.0},
		{"kib", 1024.0},
		{"m", 1048576.0},
		{"mb", 1048576.0},
		{"mib", 1048576.0},
		{"g", 1073741824.0},
		{"gb", 1073741824.0},
		{"gib", 1073741824.0},
		{"t", 1099511627776.0},
		{"tb", 1099511627776.0},
		{"tib", 1099511627776.0},
	};
	char *end;
	double v;

	if (!text || !*text || *text == '-' || *text == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || v < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(end, units[i].suffix)) {
			*bytes = v * units[i].scale;
			return 0;
		}
	return -EINVAL;
}

/* A non-negative number, optionally followed by @unit ("5", "5%", "5 /s"). */
static int parse_number(const char *text, const char *unit, double *value)
{
	char *end;
	double v;

	if (!text || !*text)
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || v < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (!strncmp(end, unit, strlen(unit)))
		end += strlen(unit);
	if (*end)
		return -EINVAL;
	*value = v;
	return 0;
}

int parse_percent(const char *text, double *percent)
{
	return parse_number(text, "%", percent);
}

int parse_threshold(enum metric_unit unit, const char *text, double *value)
{
	uint64_t ns;
	int err;

	switch (unit) {
	case UNIT_NS:
		err = parse_duration_ns(text, &ns);
		if (!err)
			*value = (double)ns;
		return err;
	case UNIT_BYTES:
		return parse_size_bytes(text, value);
	case UNIT_PERCENT:
		return parse_percent(text, value);
	case UNIT_PER_SEC:
		return parse_number(text, "/s", value);
	}
	return -EINVAL;
}

static int parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(text, yes[i])) {
			*value = true;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*value = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*text || *text == '-' || *text == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int set_string(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

/* ---- [agent] [export] [store] ------------------------------------------ */

static void agent_filter_comm(struct parser *p, const char *value)
{
	struct probe_filter *f = &p->cfg->probe.filter;
	char *copy = strdup(value), *save = NULL;

	f->n_comms = 0;
	for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		if (strlen(tok) >= PROC_COMM_LEN) {
			problem(p, p->line, "filter.comm '%s' is longer than %d characters", tok,
				PROC_COMM_LEN - 1);
		} else if (f->n_comms == FILTER_COMMS_MAX) {
			problem(p, p->line, "filter.comm takes at most %d names", FILTER_COMMS_MAX);
			break;
		} else {
			strcpy(f->comms[f->n_comms++], tok);
		}
	}
	free(copy);
}

static void agent_filter_pid(struct parser *p, const char *value)
{
	struct probe_filter *f = &p->cfg->probe.filter;
	char *copy = strdup(value), *save = NULL;
	unsigned long pid;

	f->n_pids = 0;
	for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		if (parse_uint(tok, 1, 0x3fffffff, &pid)) {
			problem(p, p->line, "filter.pid '%s' is not a process id", tok);
		} else if (f->n_pids == FILTER_PIDS_MAX) {
			problem(p, p->line, "filter.pid takes at most %d pids", FILTER_PIDS_MAX);
			break;
		} else {
			f->pids[f->n_pids++] = (uint32_t)pid;
		}
	}
	free(copy);
}

static int agent_key(struct parser *p, const char *name, const char *value)
{
	struct config *cfg = p->cfg;
	unsigned long n;
	bool b;

	if (!strcmp(name, "interval")) {
		if (parse_duration_ns(value, &cfg->interval_ns) ||
		    cfg->interval_ns < 100 * 1000000ULL || cfg->interval_ns > 3600 * 1000000000ULL)
			problem(p, p->line, "interval '%s': expected a duration from 100ms to 1h",
				value);
	} else if (!strcmp(name, "state_dir")) {
		if (value[0] != '/')
			problem(p, p->line, "state_dir '%s' must be an absolute path", value);
		set_string(&cfg->state_dir, value);
	} else if (!strcmp(name, "socket")) {
		if (value[0] != '/')
			problem(p, p->line, "socket '%s' must be an absolute path", value);
		set_string(&cfg->socket_path, value);
	} else if (!strcmp(name, "filter.comm")) {
		agent_filter_comm(p, value);
	} else if (!strcmp(name, "filter.pid")) {
		agent_filter_pid(p, value);
	} else if (!strcmp(name, "filter.cgroup")) {
		if (cgroup_path_to_id(value, &cfg->probe.filter.cgroup_id))
			problem(p, p->line, "filter.cgroup '%s': no such cgroup", value);
	} else if (!strcmp(name, "probes")) {
		if (parse_probes(value, &cfg->probe.probes))
			problem(p, p->line,
				"probes '%s': expected a list of syscall,tcp,sched,mem,alloc",
				value);
	} else if (!strcmp(name, "max_procs")) {
		if (parse_uint(value, 16, 1 << 20, &n))
			problem(p, p->line, "max_procs '%s': expected a number from 16 to 1048576",
				value);
		else
			cfg->probe.max_procs = (uint32_t)n;
	} else if (!strcmp(name, "exact")) {
		if (parse_bool(value, &b))
			problem(p, p->line, "exact '%s': expected true or false", value);
		else
			cfg->probe.exact = b;
	} else if (!strcmp(name, "tcp_sample")) {
		if (parse_uint(value, 1, TCP_SAMPLE_MAX, &n))
			problem(p, p->line, "tcp_sample '%s': expected a number from 1 to %d",
				value, TCP_SAMPLE_MAX);
		else
			cfg->probe.tcp_sample = (uint32_t)n;
	} else {
		return -ENOENT;
	}
	return 0;
}

static bool valid_listen(const char *value)
{
	const char *colon = strrchr(value, ':');
	unsigned long port;

	return colon && colon != value && !parse_uint(colon + 1, 1, 65535, &port);
}

static int export_key(struct parser *p, const char *name, const char *value)
{
	if (!strcmp(name, "listen")) {
		if (!valid_listen(value))
			problem(p, p->line, "listen '%s': expected HOST:PORT", value);
		set_string(&p->cfg->export_listen, value);
	} else if (!strcmp(name, "per_pid")) {
		if (parse_bool(value, &p->cfg->export_per_pid))
			problem(p, p->line, "per_pid '%s': expected true or false", value);
	} else {
		return -ENOENT;
	}
	return 0;
}

static int store_key(struct parser *p, const char *name, const char *value)
{
	unsigned long days;

	if (!strcmp(name, "postgres")) {
		set_string(&p->cfg->store_postgres, value);
	} else if (!strcmp(name, "retention_days")) {
		if (parse_uint(value, 1, 36500, &days))
			problem(p, p->line, "retention_days '%s': expected a number of days",
				value);
		else
			p->cfg->store_retention_days = (unsigned int)days;
	} else {
		return -ENOENT;
	}
	return 0;
}

/* ---- [webhook "x"] [alertmanager "x"] ---------------------------------- */

static bool valid_url(const char *url)
{
	return !strncmp(url, "http://", 7) ? url[7] != '\0'
					   : !strncmp(url, "https://", 8) && url[8] != '\0';
}

static int target_key(struct parser *p, const char *name, const char *value)
{
	struct cfg_target *t = &p->cfg->targets[p->index];

	if (!strcmp(name, "url")) {
		if (!valid_url(value))
			problem(p, p->line, "url '%s': expected http:// or https://", value);
		set_string(&t->url, value);
	} else if (!strcmp(name, "secret") && t->kind == TARGET_WEBHOOK) {
		if (!*value)
			problem(p, p->line, "secret is empty");
		set_string(&t->secret, value);
	} else if (!strcmp(name, "timeout")) {
		if (parse_duration_ns(value, &t->timeout_ns) || t->timeout_ns < 1000000ULL)
			problem(p, p->line, "timeout '%s': expected a duration such as 5s", value);
	} else if (!strcmp(name, "refresh") && t->kind == TARGET_ALERTMANAGER) {
		if (parse_duration_ns(value, &t->refresh_ns) || t->refresh_ns < 1000000000ULL)
			problem(p, p->line, "refresh '%s': expected a duration of 1s or more",
				value);
	} else {
		return -ENOENT;
	}
	return 0;
}

/* ---- [alert "x"] -------------------------------------------------------- */

static int alert_key(struct parser *p, const char *name, const char *value)
{
	struct raw_alert *raw = &p->raw[p->index];

	for (int k = 0; k < AK_COUNT; k++) {
		if (strcmp(name, alert_keys[k]))
			continue;
		set_string(&raw->v[k].text, value);
		raw->v[k].line = p->line;
		return 0;
	}
	return -ENOENT;
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

static void *grow(void *arr, size_t n, size_t size)
{
	char *grown = realloc(arr, (n + 1) * size);

	if (grown)
		memset(grown + n * size, 0, size);
	return grown;
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
	return false;
}

static void open_target(struct parser *p, enum target_kind kind, char *name)
{
	struct config *cfg = p->cfg;
	struct cfg_target *targets = grow(cfg->targets, cfg->n_targets, sizeof(*targets));

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
	struct cfg_alert *alerts = grow(cfg->alerts, cfg->n_alerts, sizeof(*alerts));
	struct raw_alert *raw;

	if (alerts)
		cfg->alerts = alerts;
	raw = alerts ? grow(p->raw, cfg->n_alerts, sizeof(*raw)) : NULL;
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
	int first;

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
	    (name = section_name(section, "alertmanager"))) {
		if (!*name || strpbrk(name, " \t\"")) {
			problem(p, p->section_line,
				"section [%s]: the name must be non-empty, without spaces or "
				"quotes",
				section);
			free(name);
			return;
		}
		if (named_section_exists(p, name, &first)) {
			problem(p, p->section_line, "duplicate name \"%s\" (first at line %d)",
				name, first);
			free(name);
			return;
		}
		if (!strncmp(section, "webhook", 7)) {
			p->kind = SEC_WEBHOOK;
			open_target(p, TARGET_WEBHOOK, name);
		} else if (!strncmp(section, "alertmanager", 12)) {
			p->kind = SEC_ALERTMANAGER;
			open_target(p, TARGET_ALERTMANAGER, name);
		} else {
			p->kind = SEC_ALERT;
			open_alert(p, name);
		}
		return;
	}
	problem(p, p->section_line,
		"unknown section [%s] (expected agent, export, store, webhook \"NAME\", "
		"alertmanager \"NAME\" or alert \"NAME\")",
		section);
}

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
	int err = -ENOENT;

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
	switch (p->kind) {
	case SEC_AGENT:
		err = agent_key(p, name, value);
		break;
	case SEC_EXPORT:
		err = export_key(p, name, value);
		break;
	case SEC_STORE:
		err = store_key(p, name, value);
		break;
	case SEC_WEBHOOK:
	case SEC_ALERTMANAGER:
		err = target_key(p, name, value);
		break;
	case SEC_ALERT:
		err = alert_key(p, name, value);
		break;
	default:
		break;
	}
	if (err == -ENOENT)
		problem(p, p->line, "unknown key '%s' in [%s]", name, section);
	return 1;
}

/* ---- reader: counts lines (for file:line) and rejects overlong ones ----- */

static bool next_line(struct parser *p, char *buf, int size)
{
	if (p->fp)
		return fgets(buf, size, p->fp) != NULL;
	if (!*p->text)
		return false;
	{
		const char *nl = strchr(p->text, '\n');
		size_t len = nl ? (size_t)(nl - p->text) + 1 : strlen(p->text);

		if (len > (size_t)size - 1)
			len = (size_t)size - 1;
		memcpy(buf, p->text, len);
		buf[len] = '\0';
		p->text += len;
	}
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

/* ---- validation of [alert] sections ------------------------------------ */

static void parse_where(struct parser *p, struct cfg_alert *a, const struct raw_value *rv)
{
	char *copy = strdup(rv->text), *save = NULL;

	for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		bool negate = eq && eq > tok && eq[-1] == '!';
		struct cfg_matcher *m;

		if (!eq || eq == tok || (negate && eq - 1 == tok) || !eq[1]) {
			problem(p, rv->line, "where '%s': expected LABEL=GLOB or LABEL!=GLOB", tok);
			continue;
		}
		*(negate ? eq - 1 : eq) = '\0';
		if (!metric_has_label(&a->metric, tok)) {
			problem(p, rv->line, "where: metric %s has no label '%s'", a->metric_name,
				tok);
			continue;
		}
		m = grow(a->where, a->n_where, sizeof(*m));
		if (!m)
			break;
		a->where = m;
		m[a->n_where].label = strdup(tok);
		m[a->n_where].pattern = strdup(eq + 1);
		m[a->n_where].negate = negate;
		a->n_where++;
	}
	free(copy);
}

static void parse_notify(struct parser *p, struct cfg_alert *a, const struct raw_value *rv)
{
	char *copy = strdup(rv->text), *save = NULL;
	size_t named = 0;

	for (char *tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		char **names;

		named++;
		if (!config_target(p->cfg, tok)) {
			problem(p, rv->line,
				"notify: no [webhook \"%s\"] or [alertmanager \"%s\"] section", tok,
				tok);
			continue;
		}
		names = grow(a->notify, a->n_notify, sizeof(*names));
		if (!names)
			break;
		a->notify = names;
		names[a->n_notify++] = strdup(tok);
	}
	free(copy);
	if (!named)
		problem(p, rv->line, "notify names no target");
}

static void alert_thresholds(struct parser *p, struct cfg_alert *a, const struct raw_alert *raw)
{
	enum metric_unit unit = metric_unit(&a->metric);
	enum severity last = SEV_NONE;
	bool given = false;

	for (int sev = SEV_INFO; sev <= SEV_EMERGENCY; sev++) {
		const struct raw_value *rv = &raw->v[AK_INFO + sev - SEV_INFO];

		if (!rv->text)
			continue;
		given = true;
		if (parse_threshold(unit, rv->text, &a->threshold[sev])) {
			problem(p, rv->line, "%s '%s': expected %s", alert_keys[AK_INFO + sev - 1],
				rv->text,
				unit == UNIT_NS	       ? "a duration such as 200ms"
				: unit == UNIT_BYTES   ? "a size such as 100MB"
				: unit == UNIT_PERCENT ? "a percentage such as 85%"
						       : "a number per second");
			continue;
		}
		a->has_threshold[sev] = true;
	}
	if (!a->has_threshold[SEV_WARNING] && a->has_threshold[SEV_CRITICAL]) {
		a->threshold[SEV_WARNING] = a->threshold[SEV_CRITICAL] * WARNING_OF_CRITICAL;
		a->has_threshold[SEV_WARNING] = true;
	}
	for (int sev = SEV_INFO; sev <= SEV_EMERGENCY; sev++) {
		if (!a->has_threshold[sev])
			continue;
		if (last && a->threshold[sev] <= a->threshold[last])
			problem(p, a->line, "alert \"%s\": %s must be above %s", a->name,
				severity_name(sev), severity_name(last));
		last = sev;
	}
	if (!given)
		problem(p, a->line,
			"alert \"%s\": no threshold (info, warning, critical or emergency)",
			a->name);
}

static void alert_durations(struct parser *p, struct cfg_alert *a, const struct raw_alert *raw)
{
	const struct raw_value *rv;
	double pct;

	a->hysteresis = DEFAULT_HYSTERESIS;
	if ((rv = &raw->v[AK_FOR])->text && parse_duration_ns(rv->text, &a->for_ns))
		problem(p, rv->line, "for '%s': expected a duration such as 10s", rv->text);
	if ((rv = &raw->v[AK_REPEAT])->text && parse_duration_ns(rv->text, &a->repeat_ns))
		problem(p, rv->line, "repeat '%s': expected a duration such as 1h", rv->text);
	if ((rv = &raw->v[AK_WINDOW])->text &&
	    (parse_duration_ns(rv->text, &a->window_ns) ||
	     (a->window_ns != 1000000000ULL && a->window_ns != 10000000000ULL &&
	      a->window_ns != 60000000000ULL)))
		problem(p, rv->line, "window '%s': expected 1s, 10s or 1m", rv->text);
	if ((rv = &raw->v[AK_HYSTERESIS])->text) {
		if (parse_percent(rv->text, &pct) || pct >= 100)
			problem(p, rv->line, "hysteresis '%s': expected a percentage below 100%%",
				rv->text);
		else
			a->hysteresis = pct / 100.0;
	}
}

static void validate_alert(struct parser *p, struct cfg_alert *a, const struct raw_alert *raw)
{
	const struct raw_value *metric = &raw->v[AK_METRIC];

	if (!metric->text) {
		problem(p, a->line, "alert \"%s\": no metric", a->name);
		return;
	}
	a->metric_name = strdup(metric->text);
	if (metric_parse(metric->text, &a->metric)) {
		problem(p, metric->line, "unknown metric '%s'", metric->text);
		return;
	}
	if (raw->v[AK_WHERE].text)
		parse_where(p, a, &raw->v[AK_WHERE]);
	alert_thresholds(p, a, raw);
	alert_durations(p, a, raw);
	if (raw->v[AK_SUMMARY].text)
		a->summary = strdup(raw->v[AK_SUMMARY].text);
	if (raw->v[AK_NOTIFY].text)
		parse_notify(p, a, &raw->v[AK_NOTIFY]);
}

static void validate(struct parser *p)
{
	struct config *cfg = p->cfg;

	for (size_t i = 0; i < cfg->n_targets; i++)
		if (!cfg->targets[i].url)
			problem(p, cfg->targets[i].line, "%s \"%s\": no url",
				cfg->targets[i].kind == TARGET_WEBHOOK ? "webhook" : "alertmanager",
				cfg->targets[i].name);
	for (size_t i = 0; i < cfg->n_alerts; i++)
		validate_alert(p, &cfg->alerts[i], &p->raw[i]);
}

/* ---- entry points ----------------------------------------------------- */

static struct config *config_new(const char *path)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->path = strdup(path);
	cfg->interval_ns = 1000000000ULL;
	cfg->state_dir = strdup(DEFAULT_STATE_DIR);
	cfg->socket_path = strdup(IPC_DEFAULT_PATH);
	probe_opts_default(&cfg->probe);
	cfg->store_retention_days = DEFAULT_RETENTION_DAYS;
	if (!cfg->path || !cfg->state_dir || !cfg->socket_path) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static int load(struct parser *p, struct config **out)
{
	int syntax;

	p->cfg = config_new(p->file);
	if (!p->cfg)
		return -ENOMEM;
	syntax = ini_parse_stream(reader, p, on_key, p);
	if (syntax > 0)
		problem(p, syntax, "syntax error (expected [section] or key = value)");
	validate(p);
	for (size_t i = 0; i < p->cfg->n_alerts; i++)
		for (int k = 0; k < AK_COUNT; k++)
			free(p->raw[i].v[k].text);
	free(p->raw);
	free(p->section);
	print_problems(p);
	if (p->n_errors) {
		config_free(p->cfg);
		return -EINVAL;
	}
	*out = p->cfg;
	return 0;
}

int config_load(const char *path, struct config **out, FILE *errors)
{
	struct parser p = {.file = path, .errors = errors};
	int err;

	p.fp = fopen(path, "r");
	if (!p.fp) {
		err = -errno;
		if (errors)
			fprintf(errors, "hivemon: cannot read %s: %s\n", path, strerror(errno));
		return err;
	}
	err = load(&p, out);
	fclose(p.fp);
	return err;
}

int config_load_string(const char *text, const char *name, struct config **out, FILE *errors)
{
	struct parser p = {.file = name, .errors = errors, .text = text};

	return load(&p, out);
}

const struct cfg_target *config_target(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_targets; i++)
		if (!strcmp(cfg->targets[i].name, name))
			return &cfg->targets[i];
	return NULL;
}

static void alert_free(struct cfg_alert *a)
{
	free(a->name);
	free(a->metric_name);
	for (size_t i = 0; i < a->n_where; i++) {
		free(a->where[i].label);
		free(a->where[i].pattern);
	}
	free(a->where);
	for (size_t i = 0; i < a->n_notify; i++)
		free(a->notify[i]);
	free(a->notify);
	free(a->summary);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->state_dir);
	free(cfg->socket_path);
	free(cfg->export_listen);
	free(cfg->store_postgres);
	for (size_t i = 0; i < cfg->n_targets; i++) {
		free(cfg->targets[i].name);
		free(cfg->targets[i].url);
		free(cfg->targets[i].secret);
	}
	free(cfg->targets);
	for (size_t i = 0; i < cfg->n_alerts; i++)
		alert_free(&cfg->alerts[i]);
	free(cfg->alerts);
	free(cfg);
}
