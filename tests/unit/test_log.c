// SPDX-License-Identifier: GPL-2.0
/* Log lines: exact prefixes, and whole lines when several threads log at once. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/log.h"

#define THREADS 8
#define LINES	1000

struct capture {
	char path[64];
	int saved;
};

/* Points fd 2 at a fresh temporary file (O_APPEND, as a journal or log file). */
static void capture_begin(struct capture *c)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "/tmp/test_log.XXXXXX");
	fd = mkstemp(c->path);
	assert_true(fd >= 0);
	close(fd);
	fd = open(c->path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
}

/* Restores fd 2; returns what was written (malloc'ed). */
static char *capture_end(struct capture *c)
{
	FILE *f;
	long len;
	char *text;

	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	f = fopen(c->path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(c->path);
	return text;
}

static void test_prefixes(void **state)
{
	struct capture c;
	char *text;

	unsetenv("JOURNAL_STREAM");
	capture_begin(&c);
	log_error("cannot read %s: %s", "x.conf", "No such file or directory");
	hlog(LOG_WARNING, "webhook %s: HTTP %d", "ops", 500);
	hlog(LOG_ERR, "store: %s", "gone");
	setenv("JOURNAL_STREAM", "8:1234", 1);
	hlog(LOG_INFO, "started");
	log_error("plain %d", 1);
	unsetenv("JOURNAL_STREAM");
	text = capture_end(&c);
	assert_string_equal(text, "hivemon: cannot read x.conf: No such file or directory\n"
				  "hivemon: warning: webhook ops: HTTP 500\n"
				  "hivemon: error: store: gone\n"
				  "<6>started\n"
				  "hivemon: plain 1\n");
	free(text);
}

/* A line longer than any stack buffer still comes out whole. */
static void test_long_line(void **state)
{
	struct capture c;
	char *text, *want, big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	capture_begin(&c);
	log_error("%s", big);
	text = capture_end(&c);
	assert_int_equal(asprintf(&want, "hivemon: %s\n", big) > 0, 1);
	assert_string_equal(text, want);
	free(want);
	free(text);
}

static void *writer(void *arg)
{
	int id = (int)(intptr_t)arg;

	/* Long enough that stdio would have needed several writes. */
	for (int i = 0; i < LINES; i++) {
		if (i % 2)
			log_error("t%d n%d %s %s end", id, i, "abcdefghijklmnopqrstuvwxyz",
				  "0123456789012345678901234567890123456789");
		else
			hlog(LOG_NOTICE, "t%d n%d %s %s end", id, i, "abcdefghijklmnopqrstuvwxyz",
			     "0123456789012345678901234567890123456789");
	}
	return NULL;
}

/* Checks one line; marks it seen. */
static void check_line(const char *line, size_t len, bool seen[THREADS][LINES])
{
	char copy[256], tail[128];
	int id, n, used = 0;

	if (len >= sizeof(copy))
		fail_msg("overlong line: %.*s", (int)len, line);
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (sscanf(copy, "hivemon: notice: t%d n%d %n", &id, &n, &used) != 2 &&
	    sscanf(copy, "hivemon: t%d n%d %n", &id, &n, &used) != 2)
		fail_msg("broken line: %s", copy);
	snprintf(tail, sizeof(tail), "%s %s end", "abcdefghijklmnopqrstuvwxyz",
		 "0123456789012345678901234567890123456789");
	if (id < 0 || id >= THREADS || n < 0 || n >= LINES || strcmp(copy + used, tail) ||
	    (n % 2) != !strncmp(copy, "hivemon: t", 10))
		fail_msg("broken line: %s", copy);
	if (seen[id][n])
		fail_msg("line twice: %s", copy);
	seen[id][n] = true;
}

static void test_threads_never_interleave(void **state)
{
	static bool seen[THREADS][LINES];
	pthread_t th[THREADS];
	struct capture c;
	size_t lines = 0;
	char *text;

	unsetenv("JOURNAL_STREAM");
	capture_begin(&c);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	text = capture_end(&c);
	for (char *p = text, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			fail_msg("last line without newline: %s", p);
		check_line(p, (size_t)(nl - p), seen);
		lines++;
	}
	assert_int_equal(lines, THREADS * LINES);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_threads_never_interleave),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
