// SPDX-License-Identifier: GPL-2.0
/* Running, watching and stopping the command a report measures. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/child.h"

int child_start(struct child *c, char **argv, const sigset_t *mask, bool stdout_to_stderr)
{
	c->status = 0;
	c->pid = fork();
	if (c->pid < 0) {
		c->pid = 0;
		return -errno;
	}
	if (c->pid)
		return 0;
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (stdout_to_stderr)
		dup2(STDERR_FILENO, STDOUT_FILENO);
	execvp(argv[0], argv);
	fprintf(stderr, "hivemon: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

bool child_exited(struct child *c)
{
	if (!c->pid)
		return true;
	if (waitpid(c->pid, &c->status, WNOHANG) != c->pid)
		return false;
	c->pid = 0;
	return true;
}

void child_stop(struct child *c, int sig)
{
	if (!c->pid)
		return;
	kill(c->pid, sig);
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	c->pid = 0;
}

const char *child_describe(const struct child *c, char *buf, size_t len)
{
	if (WIFSIGNALED(c->status))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(c->status));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(c->status));
	return buf;
}
