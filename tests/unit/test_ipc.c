// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the daemon -> top unix socket (src/ipc.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/ipc.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/hivemon-ipc-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/run/hivemon.sock", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char sub[160];

	unlink(f->path);
	snprintf(sub, sizeof(sub), "%s/run", f->dir);
	rmdir(sub);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_publish_and_fetch(void **state)
{
	struct fx *f = *state;
	struct ipc_server *srv;
	struct stat st;
	char *doc, *big;
	size_t big_len = 3 * 1024 * 1024;

	srv = ipc_server_open(f->path); /* creates the missing run/ directory */
	assert_non_null(srv);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Up, but no window yet. */
	errno = 0;
	assert_null(ipc_fetch(f->path));
	assert_int_equal(errno, ENODATA);

	assert_int_equal(ipc_server_publish(srv, "{\"n\":1}"), 0);
	doc = ipc_fetch(f->path);
	assert_string_equal(doc, "{\"n\":1}");
	free(doc);
	assert_int_equal(ipc_server_publish(srv, "{\"n\":2}"), 0);
	doc = ipc_fetch(f->path);
	assert_string_equal(doc, "{\"n\":2}");
	free(doc);

	/* Larger than any socket buffer: arrives whole. */
	big = malloc(big_len + 1);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	assert_int_equal(ipc_server_publish(srv, big), 0);
	doc = ipc_fetch(f->path);
	assert_non_null(doc);
	assert_int_equal(strlen(doc), big_len);
	assert_memory_equal(doc, big, big_len);
	free(doc);
	free(big);

	ipc_server_close(srv);
	assert_int_equal(stat(f->path, &st), -1); /* removed on close */
	errno = 0;
	assert_null(ipc_fetch(f->path));
	assert_int_equal(errno, ENOENT);
}

static void test_stale_and_busy(void **state)
{
	struct fx *f = *state;
	struct ipc_server *srv, *second;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char *doc;
	int fd;

	/* A socket file left by a daemon that died (bound, nobody listening). */
	srv = ipc_server_open(f->path);
	assert_non_null(srv);
	ipc_server_close(srv);
	strcpy(addr.sun_path, f->path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	srv = ipc_server_open(f->path);
	assert_non_null(srv);
	ipc_server_publish(srv, "live");

	/* A second daemon must not steal a live socket. */
	second = ipc_server_open(f->path);
	assert_null(second);
	doc = ipc_fetch(f->path);
	assert_string_equal(doc, "live");
	free(doc);
	ipc_server_close(srv);

	/* A regular file in the way is not removed. */
	fd = open(f->path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(ipc_server_open(f->path));
	assert_int_equal(access(f->path, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_publish_and_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_busy, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
