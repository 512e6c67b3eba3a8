/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: cmd. The entry points: dispatch, options, configuration, one file per
 * subcommand, the daemon and its socket to top. May include every layer.
 *
 * Subcommand entry points; each parses its own options (argv[0] = name).
 */
#ifndef HIVEMON_COMMANDS_H
#define HIVEMON_COMMANDS_H

#define HIVEMON_VERSION "0.1.0"

int cmd_report(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_rebalance(int argc, char **argv);
int cmd_pools(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
