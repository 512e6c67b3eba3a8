// SPDX-License-Identifier: GPL-2.0
/* `hivemon report`: measure for a while, then print one diagnosis. */
#include <errno.h>
#include <stdint.h>
#include <sys/wait.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/check.h"
#include "cmd/child.h"
#include "cmd/cli.h"
#include "util/clock.h"
#include "pools/pool_plan.h"
#include "postgres/advise.h"
#include "postgres/explain.h"
#include "probes/collector.h"
#include "cmd/commands.h"
#include "report/report.h"

static const char usage_text[] =
	"usage: hivemon report [filters] [--duration DUR] [--format text|json] [--alloc]\n"
	"                      [--exact] [--tcp-sample N] [--probes LIST] [--verbose]\n"
	"                      [--slow-query DUR] [--postgres CONNINFO]\n"
	"                      [--check FILE] [-- COMMAND [ARGS...]]\n"
	"\n"
	"Measures every process (or the filtered ones) for DUR, then prints where their\n"
	"time went: syscalls, TCP, run queue, memory. Ctrl-C ends early and still prints.\n"
	"With -- COMMAND, measures while COMMAND runs (its output passes through) and\n"
	"ends when it exits. With --check, judges the [alert] rules of FILE on the\n"
	"window: each passes while its worst series stays below its critical threshold;\n"
	"exit status 3 when any fails.\n"
	"\n"
	"  --duration DUR     how long to measure (500ms, 2s, 1m; default 5s)\n"
	"  --format FORMAT    text (default) or json (schema hivemon.report/v1)\n"
	"  --probes LIST      probe sets: syscall,tcp,sched,mem,alloc,proto (default all but "
	"alloc)\n"
	"  --exact            time every syscall and follow every TCP connection\n"
	"                     (default: very busy threads and processes are sampled)\n"
	"  --tcp-sample N     follow 1 in N TCP connections of every process, counting\n"
	"                     each N times (default: only busy processes, adaptive)\n"
	"  --alloc            malloc/free probes in the --pid processes (costly, opt-in)\n"
	"  --alloc-duty ON/PERIOD  attach the malloc probes ON in every PERIOD (e.g. 1s/10s)\n"
	"  --slow DUR         send calls slower than DUR as single events (default 10ms)\n"
	"  --slow-query DUR   statements slower than DUR are logged and judged slow\n"
	"                     (default 100ms)\n"
	"  --postgres CONNINFO  index advice for the slow statements: EXPLAIN (never\n"
	"                     ANALYZE) them on this database after the window\n"
	"  --max-procs N      bound on processes tracked in the kernel (default 4096)\n"
	"  --pid PID          only this process (repeatable)\n"
	"  --comm NAME        only processes with this name (repeatable)\n"
	"  --cgroup PATH      only processes in this cgroup (v2 path)\n"
	"  --check FILE       SLO checks: the [alert] rules of FILE, pass or fail\n"
	"  --verbose          libbpf and verifier messages on errors\n"
	"  -h, --help         this text\n";

struct report_args {
	struct probe_opts probes;
	uint64_t duration_ns;
	bool duration_given;
	bool json;
	const char *check_path;
	const char *postgres; /* --postgres: conninfo for index advice; NULL = none */
	char **command;	      /* after "--", NULL-terminated; NULL = none */
};

static void parse_args(int argc, char **argv, struct report_args *args)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"duration", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"alloc", no_argument, NULL, 'a'},
		{"slow", required_argument, NULL, 's'},
		{"max-procs", required_argument, NULL, 'm'},
		{"check", required_argument, NULL, 'k'},
		{"slow-query", required_argument, NULL, 'Q'},
		{"postgres", required_argument, NULL, 'G'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool alloc = false;
	int opt;

	probe_opts_default(&args->probes);
	args->duration_ns = 5000000000ULL;
	args->duration_given = false;
	args->json = false;
	args->check_path = NULL;
	args->postgres = NULL;
	args->command = NULL;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+" CLI_COMMON_SHORTOPTS "d:f:h", longopts, NULL)) !=
	       -1) {
		if (cli_common_option(opt, optarg, &args->probes))
			continue;
		switch (opt) {
		case 'd':
			if (parse_duration_ns(optarg, &args->duration_ns))
				die_usage("invalid --duration '%s': expected e.g. 500ms, 2s, 1m",
					  optarg);
			args->duration_given = true;
			break;
		case 'k':
			args->check_path = optarg;
			break;
		case 'Q':
			cli_slow_query(optarg, &args->probes);
			break;
		case 'G':
			if (!*optarg)
				die_usage(
					"invalid --postgres '': expected a libpq conninfo or URI");
			args->postgres = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				die_usage("invalid --format '%s': expected text or json", optarg);
			args->json = !strcmp(optarg, "json");
			break;
		case 'a':
			alloc = true;
			break;
		case 's':
			if (parse_duration_ns(optarg, &args->probes.slow_ns))
				die_usage("invalid --slow '%s': expected e.g. 10ms", optarg);
			break;
		case 'm': {
			unsigned long v;

			if (parse_uint(optarg, 1, 1000000, &v))
				die_usage("invalid --max-procs '%s': expected 1 to 1000000",
					  optarg);
			args->probes.max_procs = (uint32_t)v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			die_usage("report: unknown or incomplete option '%s' (see hivemon report "
				  "--help)",
				  argv[optind - 1]);
		}
	}
	if (optind > 1 && !strcmp(argv[optind - 1], "--")) {
		if (optind == argc)
			die_usage("report: '--' must be followed by a command to run");
		args->command = &argv[optind];
	} else if (optind < argc) {
		die_usage("report: unexpected argument '%s'", argv[optind]);
	}
	if (alloc)
		args->probes.probes |= PROBE_ALLOC;
	if ((args->probes.probes & PROBE_ALLOC) && !args->probes.filter.n_pids)
		die_usage("--alloc needs --pid: allocation probes are never system-wide");
}

/* Whether the window is over: Ctrl-C or SIGTERM (passed on to the command),
 * or the command exited. */
static bool window_over(int sig, struct child *cmd)
{
	if (sig == SIGINT || sig == SIGTERM) {
		child_stop(cmd, sig);
		return true;
	}
	return cmd->pid && child_exited(cmd);
}

/*
 * Drains the probes every second (the first time sooner: see
 * collector_drain_step()) so ring buffers never fill and exited
 * processes are released, merging the intervals into @total. Ends after
 * @duration_ns (UINT64_MAX: only when the command exits), on Ctrl-C or
 * SIGTERM, or when the command (cmd->pid != 0) exits.
 */
static int measure(struct collector *c, uint64_t duration_ns, const sigset_t *stop,
		   struct child *cmd, struct snapshot *total)
{
	uint64_t end = duration_ns == UINT64_MAX ? UINT64_MAX : mono_ns() + duration_ns;
	bool over = false;

	for (;;) {
		uint64_t now = mono_ns();
		int err;

		if (!over && now < end) {
			uint64_t step = collector_drain_step(c);

			over = window_over(
				cli_wait_signal(stop, end - now < step ? end - now : step), cmd);
		}
		err = collector_collect_into(c, total);
		if (err)
			return err;
		if (over || mono_ns() >= end) {
			child_stop(cmd, SIGTERM); /* --duration ran out first */
			return 0;
		}
	}
}

/* The findings of the window, once for either output; with --postgres,
 * index advice in the slow-query ones (an unreachable database is a
 * warning: the report is still worth printing). */
static int window_findings(const struct report_args *args, const struct snapshot *total,
			   struct findings *found)
{
	char why[256];

	if (report_findings(total, found))
		return -ENOMEM;
	if (args->postgres &&
	    postgres_advise_findings(found, args->postgres, ADVICE_MIN_ROWS, why, sizeof(why)) < 0)
		hlog(LOG_WARNING, "no index advice: %s", why);
	return 0;
}

/* The [alert] rules of --check FILE judged on the window; exit status 3
 * when any fails. */
static int print_report(const struct report_args *args, const struct snapshot *total,
			const struct config *checks, int *status)
{
	struct check_results results = {0};
	struct findings found = {0};
	int err = 0;

	if (checks && checks_run(checks, total, &results))
		return -ENOMEM;
	if (window_findings(args, total, &found)) {
		check_results_free(&results);
		return -ENOMEM;
	}
	if (args->json) {
		json_t *doc = report_to_json_with(total, &found);

		if (doc)
			json_object_set_new(doc, "pools", pool_snapshot_json(total));
		if (doc && checks)
			json_object_set_new(doc, "checks", checks_to_json(&results));
		err = !doc || json_dumpf(doc, stdout, JSON_INDENT(2)) ? -EIO : 0;
		fputc('\n', stdout);
		json_decref(doc);
	} else {
		err = report_print_text_with(total, &found, stdout);
		if (!err && checks) {
			printf("\nchecks (%s):\n", args->check_path);
			checks_print_text(&results, stdout);
		}
	}
	if (results.failed)
		*status = EXIT_CHECK_FAILED;
	check_results_free(&results);
	findings_free(&found);
	return err;
}

static int run_report(const struct report_args *args, const struct config *checks)
{
	struct child cmd = {0};
	sigset_t stop, old;
	struct snapshot total;
	struct collector *c;
	int err, status = 0;
	char how[64];

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGCHLD);
	sigprocmask(SIG_BLOCK, &stop, &old);
	c = collector_open(&args->probes);
	if (!c)
		return EXIT_RUNTIME;
	err = args->command ? child_start(&cmd, args->command, &old, args->json) : 0;
	if (err) {
		log_error("cannot start %s: %s", args->command[0], strerror(-err));
		collector_close(c);
		return EXIT_RUNTIME;
	}
	snapshot_init(&total);
	err = measure(c, args->command && !args->duration_given ? UINT64_MAX : args->duration_ns,
		      &stop, &cmd, &total);
	collector_close(c);
	if (!err)
		err = print_report(args, &total, checks, &status);
	if (err)
		log_error("report failed: %s", err < 0 ? strerror(-err) : "write error");
	snapshot_free(&total);
	if (!err && args->command && (WIFSIGNALED(cmd.status) || WEXITSTATUS(cmd.status))) {
		log_error("%s %s", args->command[0], child_describe(&cmd, how, sizeof(how)));
		status = EXIT_RUNTIME;
	}
	return err ? EXIT_RUNTIME : status;
}

int cmd_report(int argc, char **argv)
{
	struct report_args args;
	struct config *checks = NULL;
	int rc;

	parse_args(argc, argv, &args);
	if (args.check_path) {
		rc = config_load(args.check_path, &checks, stderr);
		if (rc)
			return rc == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		if (!checks->n_alerts) {
			config_free(checks);
			die_usage("--check %s: no [alert] section to check", args.check_path);
		}
	}
	rc = run_report(&args, checks);
	config_free(checks);
	return rc;
}

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: hivemon version\n\nPrints the version of hivemon.");
		return 0;
	}
	if (argc > 1)
		die_usage("version: unexpected argument '%s'", argv[1]);
	printf("hivemon %s\n", HIVEMON_VERSION);
	return 0;
}
