// SPDX-License-Identifier: GPL-2.0
/* `hivemon report`: measure for a while, then print one diagnosis. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cli.h"
#include "util/clock.h"
#include "probes/collector.h"
#include "cmd/commands.h"
#include "report/report.h"

static const char usage_text[] =
	"usage: hivemon report [filters] [--duration DUR] [--format text|json] [--alloc]\n"
	"                      [--exact] [--tcp-sample N] [--probes LIST] [--verbose]\n"
	"\n"
	"Measures every process (or the filtered ones) for DUR, then prints where their\n"
	"time went: syscalls, TCP, run queue, memory. Ctrl-C ends early and still prints.\n"
	"\n"
	"  --duration DUR     how long to measure (500ms, 2s, 1m; default 5s)\n"
	"  --format FORMAT    text (default) or json (schema hivemon.report/v1)\n"
	"  --probes LIST      probe sets: syscall,tcp,sched,mem,alloc (default all but alloc)\n"
	"  --exact            time every syscall instead of sampling very busy threads\n"
	"  --tcp-sample N     follow 1 in N TCP connections, counting each N times\n"
	"                     (cheaper with thousands of busy connections; default 1)\n"
	"  --alloc            malloc/free probes in the --pid processes (costly, opt-in)\n"
	"  --alloc-duty ON/PERIOD  attach the malloc probes ON in every PERIOD (e.g. 1s/10s)\n"
	"  --slow DUR         send calls slower than DUR as single events (default 10ms)\n"
	"  --max-procs N      bound on processes tracked in the kernel (default 4096)\n"
	"  --pid PID          only this process (repeatable)\n"
	"  --comm NAME        only processes with this name (repeatable)\n"
	"  --cgroup PATH      only processes in this cgroup (v2 path)\n"
	"  --verbose          libbpf and verifier messages on errors\n"
	"  -h, --help         this text\n";

struct report_args {
	struct probe_opts probes;
	uint64_t duration_ns;
	bool json;
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
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool alloc = false;
	int opt;

	probe_opts_default(&args->probes);
	args->duration_ns = 5000000000ULL;
	args->json = false;
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
	if (optind < argc)
		die_usage("report: unexpected argument '%s'", argv[optind]);
	if (alloc)
		args->probes.probes |= PROBE_ALLOC;
	if ((args->probes.probes & PROBE_ALLOC) && !args->probes.filter.n_pids)
		die_usage("--alloc needs --pid: allocation probes are never system-wide");
}

/* Sleeps up to @ns; returns true when SIGINT/SIGTERM asked to stop. */
static bool wait_or_signal(const sigset_t *stop, uint64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL};

	return sigtimedwait(stop, NULL, &ts) > 0;
}

/* Drains the probes every second so ring buffers never fill and exited
 * processes are released, merging the intervals into @total. */
static int measure(struct collector *c, uint64_t duration_ns, struct snapshot *total)
{
	uint64_t end = mono_ns() + duration_ns;
	sigset_t stop;
	bool stopped = false;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	for (;;) {
		uint64_t now = mono_ns();
		int err;

		if (!stopped && now < end)
			stopped = wait_or_signal(&stop, end - now < COLLECTOR_DRAIN_NS
								? end - now
								: COLLECTOR_DRAIN_NS);
		err = collector_collect_into(c, total);
		if (err)
			return err;
		if (stopped || mono_ns() >= end)
			return 0;
	}
}

int cmd_report(int argc, char **argv)
{
	struct report_args args;
	struct snapshot total;
	struct collector *c;
	int err;

	parse_args(argc, argv, &args);
	c = collector_open(&args.probes);
	if (!c)
		return EXIT_RUNTIME;
	snapshot_init(&total);
	err = measure(c, args.duration_ns, &total);
	collector_close(c);
	if (!err)
		err = args.json ? report_print_json(&total, stdout)
				: report_print_text(&total, stdout);
	if (err)
		log_error("report failed: %s", err < 0 ? strerror(-err) : "write error");
	snapshot_free(&total);
	return err ? EXIT_RUNTIME : 0;
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
