// SPDX-License-Identifier: GPL-2.0
/* `hivemon pools`: one measure-plan(-apply) cycle for connection pools. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/config.h"
#include "pools/pool_apply.h"
#include "pools/pool_measure.h"
#include "pools/pool_plan.h"
#include "probes/collector.h"
#include "util/clock.h"

static const char usage_text[] =
	"usage: hivemon pools [--pid PID] [--comm NAME] [--cgroup PATH]\n"
	"                     [--pool NAME] [--config FILE] [--interval DUR] [--windows N]\n"
	"                     [--apply] [--format text|json] [--verbose]\n"
	"\n"
	"Measures the connection pools of client processes (each client service ->\n"
	"one TCP endpoint it sends requests to) over N windows: open connections\n"
	"(sock_diag), busy connections (mean: the sum of exchange times over the\n"
	"window; peak: the busiest window), request rate and latency, connects/s.\n"
	"Gives each a verdict (ok, undersized, oversized, no-pooling) and a size:\n"
	"Little's law on the p95 with 25 % headroom, a step up of x1.5 (at least\n"
	"+2) while the pool is pinned, clamped to [min, max]. The [postgres]\n"
	"servers of the config cap the sizes of their clients' pools. Dry run\n"
	"unless --apply: then the --pool's PgBouncer (its admin console) gets\n"
	"SET default_pool_size, which stays after exit.\n"
	"\n"
	"  --pid PID          clients by pid (repeatable)\n"
	"  --comm NAME        clients by process name (repeatable)\n"
	"  --cgroup PATH      clients in this cgroup v2 path or below\n"
	"  --pool NAME        only the [pool \"NAME\"] of the config: its endpoint,\n"
	"                     min, max and pgbouncer\n"
	"  --config FILE      the config for --pool and [postgres] (default\n"
	"                     /etc/hivemon/hivemon.conf with --pool, else none)\n"
	"  --interval DUR     length of one window (default 1s)\n"
	"  --windows N        windows measured (default 3)\n"
	"  --apply            resize the --pool's PgBouncer to the recommendation\n"
	"  --format FORMAT    text (default) or json\n"
	"  --verbose          libbpf and verifier messages on errors\n"
	"  -h, --help         this text\n";

struct pools_args {
	struct probe_opts opts;
	const char *pool_name, *config_path;
	struct config *cfg; /* owned */
	const struct cfg_pool *pool;
	uint64_t interval_ns;
	unsigned int windows;
	bool apply, json;
};

static void parse_args(int argc, char **argv, struct pools_args *a)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"pool", required_argument, NULL, 'N'},
		{"config", required_argument, NULL, 'F'},
		{"interval", required_argument, NULL, 'i'},
		{"windows", required_argument, NULL, 'w'},
		{"apply", no_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned long n;
	int opt;

	memset(a, 0, sizeof(*a));
	probe_opts_default(&a->opts);
	a->interval_ns = 1000000000ULL;
	a->windows = 3;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+" CLI_COMMON_SHORTOPTS "h", longopts, NULL)) !=
	       -1) {
		if (cli_common_option(opt, optarg, &a->opts))
			continue;
		switch (opt) {
		case 'N':
			a->pool_name = optarg;
			break;
		case 'F':
			a->config_path = optarg;
			break;
		case 'i':
			if (parse_duration_ns(optarg, &a->interval_ns) ||
			    a->interval_ns < 100000000ULL)
				die_usage("invalid --interval '%s': expected 100ms or more",
					  optarg);
			break;
		case 'w':
			if (parse_uint(optarg, 1, 600, &n))
				die_usage("invalid --windows '%s': expected 1 to 600", optarg);
			a->windows = (unsigned int)n;
			break;
		case 'a':
			a->apply = true;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				die_usage("invalid --format '%s': expected text or json", optarg);
			a->json = !strcmp(optarg, "json");
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			die_usage("pools: unknown or incomplete option '%s' (see hivemon pools "
				  "--help)",
				  argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("pools: unexpected argument '%s'", argv[optind]);
	if (a->apply && !a->pool_name)
		die_usage("pools: --apply needs --pool NAME (a [pool] with pgbouncer)");
	a->opts.probes = PROBE_TCP;
}

static int load_config(struct pools_args *a)
{
	const char *path = a->config_path ? a->config_path : CONFIG_DEFAULT_PATH;
	int err;

	if (!a->config_path && !a->pool_name)
		return 0;
	err = config_load(path, &a->cfg, stderr);
	if (err)
		return err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	if (!a->pool_name)
		return 0;
	a->pool = config_pool(a->cfg, a->pool_name);
	if (!a->pool) {
		log_error("pools: no [pool \"%s\"] in %s", a->pool_name, path);
		return EXIT_USAGE;
	}
	if (!a->pool->ep.family) {
		log_error("pools: pool \"%s\": endpoint %s is a unix socket; only TCP pools are "
			  "measured",
			  a->pool_name, a->pool->endpoint);
		return EXIT_USAGE;
	}
	if (a->apply && !a->pool->pgbouncer) {
		log_error("pools: --apply: pool \"%s\" has no pgbouncer", a->pool_name);
		return EXIT_USAGE;
	}
	return 0;
}

/* N windows into @set; 1 when a signal stopped it early. */
static int measure(struct collector *c, const struct pools_args *a, struct pool_set *set)
{
	sigset_t stop;
	struct snapshot snap;
	int err;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	snapshot_init(&snap);
	err = collector_collect(c, &snap); /* windows start now */
	snapshot_free(&snap);
	for (unsigned int w = 0; !err && w < a->windows; w++) {
		bool stopped = cli_wait_signal(&stop, a->interval_ns) != 0;

		snapshot_init(&snap);
		err = collector_collect(c, &snap);
		if (!err)
			err = pool_set_add(set, &snap, true);
		snapshot_free(&snap);
		if (stopped)
			break;
	}
	return err;
}

/* The rows of the cycle: the --pool's, or every pool seen. */
static struct pool_row *plan(const struct pools_args *a, const struct pool_set *set, size_t *n)
{
	struct pool_row *rows = calloc(set->n ? set->n : 1, sizeof(*rows));
	struct pool_tune_state state = {0};

	*n = 0;
	if (!rows)
		return NULL;
	if (a->pool) {
		pool_row_fill(&rows[0], a->pool, pool_set_find(set, &a->pool->ep, NULL),
			      set->window_ns);
		*n = 1;
	} else {
		for (size_t i = 0; i < set->n; i++)
			pool_row_fill(&rows[(*n)++], NULL, &set->pools[i], set->window_ns);
	}
	for (size_t i = 0; i < *n; i++) {
		state.size = 0;
		pool_row_decide(&rows[i], &state);
	}
	pool_rows_cap(rows, *n, a->cfg);
	return rows;
}

static int print(const struct pools_args *a, const struct pool_row *rows, size_t n)
{
	json_t *doc, *arr;
	int err;

	if (!a->json) {
		pool_rows_print(rows, n, stdout);
		return 0;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, pool_row_json(&rows[i]));
	doc = json_pack("{s:o}", "pools", arr);
	err = !doc || json_dumpf(doc, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(doc);
	return err ? EXIT_RUNTIME : 0;
}

static int run(struct collector *c, struct pools_args *a)
{
	struct pool_set set;
	struct pool_row *rows = NULL;
	size_t n = 0;
	int rc = 0, err;

	pool_set_init(&set);
	if (a->pool) {
		set.only = &a->pool->ep;
		set.n_only = 1;
	}
	err = measure(c, a, &set);
	if (!err)
		rows = plan(a, &set, &n);
	if (err || !rows) {
		log_error("pools failed: %s", strerror(err ? -err : ENOMEM));
		pool_set_free(&set);
		return EXIT_RUNTIME;
	}
	if (a->pool && a->pool->pgbouncer) {
		struct pool_applier ap = {.cfg = a->pool};

		if (pool_apply(&ap, &rows[0], mono_ns(), a->apply) == POOL_APPLY_FAILED)
			rc = EXIT_RUNTIME;
	}
	if (print(a, rows, n))
		rc = EXIT_RUNTIME;
	free(rows);
	pool_set_free(&set);
	return rc;
}

int cmd_pools(int argc, char **argv)
{
	struct pools_args args;
	struct collector *c;
	sigset_t stop;
	int rc;

	parse_args(argc, argv, &args);
	rc = load_config(&args);
	if (rc) {
		config_free(args.cfg);
		return rc;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	c = collector_open(&args.opts);
	if (!c) {
		config_free(args.cfg);
		return EXIT_RUNTIME;
	}
	rc = run(c, &args);
	collector_close(c);
	config_free(args.cfg);
	return rc;
}
