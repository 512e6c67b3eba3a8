// SPDX-License-Identifier: GPL-2.0
/* `hivemon check-config FILE`: validates a daemon config, one file:line per problem;
 * `--keys` lists the keys a config accepts. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/config.h"

int cmd_check_config(int argc, char **argv)
{
	struct config *cfg;
	int err;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: hivemon check-config FILE\n"
		       "       hivemon check-config --keys\n"
		       "Validates a daemon config: prints FILE:LINE: MESSAGE for every problem\n"
		       "and exits 2 if there is any.\n"
		       "--keys prints every accepted key, one per line as SECTION KEY, sorted.\n");
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--keys"))
		return config_print_keys(stdout) ? EXIT_RUNTIME : 0;
	if (argc != 2)
		die_usage("check-config: expected one FILE (usage: hivemon check-config FILE)");
	err = config_load(argv[1], &cfg, stderr);
	if (err == -EINVAL)
		return EXIT_USAGE;
	if (err)
		return EXIT_RUNTIME;
	printf("%s: ok (%zu alert rules, %zu notification targets, interval %.3gs)\n", argv[1],
	       cfg->n_alerts, cfg->n_targets, (double)cfg->interval_ns / 1e9);
	config_free(cfg);
	return 0;
}
