/* SPDX-License-Identifier: GPL-2.0 */
/* The command `hivemon report -- COMMAND` measures while it runs. */
#ifndef HIVEMON_CMD_CHILD_H
#define HIVEMON_CMD_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct child {
	pid_t pid; /* 0: none, or reaped */
	int status;
};

/* Starts @argv with the signal mask @mask (the one hivemon was started
 * with); its stdout goes to hivemon's stderr when @stdout_to_stderr. 0 or
 * a negative errno. A command that cannot be executed exits with 127. */
int child_start(struct child *c, char **argv, const sigset_t *mask, bool stdout_to_stderr);
/* Reaps the child if it has exited; true once it has. */
bool child_exited(struct child *c);
/* Sends @sig to a child still running, then waits for it. */
void child_stop(struct child *c, int sig);
/* "exited with status 2", "was killed by signal 9" for a reaped child. */
const char *child_describe(const struct child *c, char *buf, size_t len);

#endif
