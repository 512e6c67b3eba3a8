// SPDX-License-Identifier: GPL-2.0
/* hivemon entry point: dispatches subcommands, nothing else. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"report", cmd_report, "measure for a while and print a diagnosis"},
	{"top", cmd_top, "live view of where every process's time goes"},
	{"run", cmd_run, "the daemon: measure, raise alerts, deliver them"},
	{"rebalance", cmd_rebalance, "even out a group of workers over its CPUs"},
	{"pools", cmd_pools, "size connection pools (and resize PgBouncer)"},
	{"check-config", cmd_check_config, "validate a daemon config file"},
	{"version", cmd_version, "print the version"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: hivemon COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'hivemon COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	die_usage("unknown command '%s' (try 'hivemon --help')", argv[1]);
}
