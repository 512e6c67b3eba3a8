/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line helpers shared by the subcommands: filters, probes, usage errors. */
#ifndef HIVEMON_CLI_H
#define HIVEMON_CLI_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "core/probe_opts.h"
#include "util/log.h"
#include "util/parse.h" /* parse_duration_ns() and the other value parsers */

#define EXIT_USAGE	  2
#define EXIT_RUNTIME	  1
#define EXIT_CHECK_FAILED 3 /* report --check: a check failed */

/* "syscall,tcp,sched,mem,alloc,proto" -> PROBE_* bits. 0 on success. */
int parse_probes(const char *text, unsigned int *probes);

/* One line "hivemon: <message>" on stderr (util/log.h), then exit 2. */
void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Handles a filter/probe option shared by report, top and run: --pid,
 * --comm, --cgroup, --probes, --exact, --verbose, --alloc-duty ON/PERIOD
 * (e.g. 1s/10s: allocation probes attached ON in every PERIOD) and
 * --tcp-sample N (follow 1 in N TCP connections). Returns 1 when @opt was
 * one of them, 0 when not, and exits with status 2 on a bad value.
 */
/* Sleeps up to @ns or until a signal of @set (blocked by the caller)
 * comes; returns that signal, or 0. */
int cli_wait_signal(const sigset_t *set, uint64_t ns);

int cli_common_option(int opt, const char *arg, struct probe_opts *opts);
/* getopt_long entries for the shared options (terminated by the caller). */
#define CLI_COMMON_LONGOPTS                                                                        \
	{"pid", required_argument, NULL, 'p'}, {"comm", required_argument, NULL, 'c'},             \
		{"cgroup", required_argument, NULL, 'g'},                                          \
		{"probes", required_argument, NULL, 'P'}, {"exact", no_argument, NULL, 'x'},       \
		{"alloc-duty", required_argument, NULL, 'D'},                                      \
		{"tcp-sample", required_argument, NULL, 'T'},                                      \
	{                                                                                          \
		"verbose", no_argument, NULL, 'v'                                                  \
	}
#define CLI_COMMON_SHORTOPTS "p:c:g:P:xv"
void probe_opts_default(struct probe_opts *opts);
/* --slow-query DUR (1ms to 1h, as [agent] slow_query): statements slower
 * than it are logged one by one and judged slow; exits 2 on a bad value. */
void cli_slow_query(const char *arg, struct probe_opts *opts);
/* Resolves a cgroup v2 path ("/system.slice/x.service" or absolute under
 * /sys/fs/cgroup) to its id. 0 on success. */
int cgroup_path_to_id(const char *path, uint64_t *id);

#endif
