// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the daemon -> top unix socket and its message (src/cmd/ipc.c). */
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
#include "top/top_alerts.h"
#include "top_fixture.h"

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
	size_t big_len = 3 * 1024 * 1024, len = 0;

	srv = ipc_server_open(f->path); /* creates the missing run/ directory */
	assert_non_null(srv);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Up, but no window yet. */
	errno = 0;
	assert_null(ipc_fetch(f->path, &len));
	assert_int_equal(errno, ENODATA);

	/* Binary: NUL bytes included, nothing appended. */
	assert_int_equal(ipc_server_publish(srv, "a\0b", 3), 0);
	doc = ipc_fetch(f->path, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(doc, "a\0b", 3);
	free(doc);
	assert_int_equal(ipc_server_publish(srv, "second", 6), 0);
	doc = ipc_fetch(f->path, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(doc, "second", 6);
	free(doc);

	/* Larger than any socket buffer: arrives whole. */
	big = malloc(big_len);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)(i % 251);
	assert_int_equal(ipc_server_publish(srv, big, big_len), 0);
	doc = ipc_fetch(f->path, &len);
	assert_non_null(doc);
	assert_int_equal(len, big_len);
	assert_memory_equal(doc, big, big_len);
	free(doc);
	free(big);

	ipc_server_close(srv);
	assert_int_equal(stat(f->path, &st), -1); /* removed on close */
	errno = 0;
	assert_null(ipc_fetch(f->path, &len));
	assert_int_equal(errno, ENOENT);
}

static void test_stale_and_busy(void **state)
{
	struct fx *f = *state;
	struct ipc_server *srv, *second;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t len = 0;
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
	ipc_server_publish(srv, "live", 4);

	/* A second daemon must not steal a live socket. */
	second = ipc_server_open(f->path);
	assert_null(second);
	doc = ipc_fetch(f->path, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(doc, "live", 4);
	free(doc);
	ipc_server_close(srv);

	/* A regular file in the way is not removed. */
	fd = open(f->path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(ipc_server_open(f->path));
	assert_int_equal(access(f->path, F_OK), 0);
}

/* The daemon's firing alerts, as alert_engine_firing_json() writes them. */
static const char firing_json[] =
	"[{\"alertname\":\"api-latency\",\"severity\":\"critical\",\"metric\":\"x\","
	"\"labels\":{\"alertname\":\"api-latency\",\"severity\":\"critical\",\"comm\":\"api\","
	"\"pid\":\"9\",\"role\":\"server\"},\"value\":0.21,\"threshold\":0.2,"
	"\"startsAt\":\"2026-11-29T09:59:00Z\"},"
	"{\"alertname\":\"mem\",\"labels\":{\"severity\":\"EMERGENCY\",\"comm\":\"db\"},"
	"\"value\":\"101M\",\"threshold\":\"100M\"}]";

/* A message carries the whole snapshot (buckets and all) and the alerts. */
static void test_message(void **state)
{
	struct snapshot orig, back;
	struct textbuf msg = {0};
	struct top_alerts a;
	json_t *firing = json_loads(firing_json, 0, NULL), *got;
	const struct hist *h, *g;

	fixture_snapshot(&orig);
	assert_int_equal(ipc_message_encode(&orig, firing, &msg), 0);
	snapshot_init(&back);
	assert_int_equal(ipc_message_decode(msg.s, msg.len, &back, &got), 0);
	assert_true(json_equal(firing, got));
	assert_int_equal(back.n_procs, 3);
	h = &snapshot_find(&orig, 100)->syscalls[1].lat;
	g = &snapshot_find(&back, 100)->syscalls[1].lat;
	assert_int_equal(g->n, h->n);
	for (uint32_t i = 0; i < h->n; i++) {
		assert_int_equal(g->bins[i].slot, h->bins[i].slot);
		assert_int_equal(g->bins[i].count, h->bins[i].count);
	}
	assert_int_equal(hist_quantile(g, 0.99), hist_quantile(h, 0.99));
	assert_true(near((double)hist_quantile(g, 0.5), 100 * MS, 6.25));

	assert_int_equal(top_alerts_from_json(got, &a), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.items[0].name, "api-latency");
	assert_int_equal(a.items[0].tier, TIER_CRITICAL);
	assert_int_equal(a.items[0].pid, 9);
	assert_string_equal(a.items[0].comm, "api");
	assert_string_equal(a.items[0].labels, "comm=api pid=9 role=server");
	assert_string_equal(a.items[0].value, "0.21");
	assert_string_equal(a.items[0].threshold, "0.2");
	assert_string_equal(a.items[0].starts_at, "2026-11-29T09:59:00Z");
	assert_int_equal(a.items[1].tier, TIER_EMERGENCY); /* severity among the labels */
	assert_int_equal(a.items[1].pid, 0);
	assert_string_equal(a.items[1].value, "101M");
	top_alerts_free(&a);
	json_decref(got);
	snapshot_free(&back);

	/* The alerts part cut short, or not an array: malformed. */
	snapshot_init(&back);
	assert_int_equal(ipc_message_decode(msg.s, msg.len - 1, &back, &got), -EINVAL);
	assert_null(got);
	snapshot_free(&back);
	msg.len -= strlen(firing_json);
	textbuf_puts(&msg, "{}");
	snapshot_init(&back);
	assert_int_equal(ipc_message_decode(msg.s, msg.len, &back, &got), -EINVAL);
	snapshot_free(&back);
	/* A daemon of the JSON era. */
	snapshot_init(&back);
	assert_int_equal(ipc_message_decode("{\"schema\":\"hivemon.report/v1\"}", 30, &back, &got),
			 -EPROTONOSUPPORT);
	snapshot_free(&back);

	assert_int_equal(tier_from_name("Warning"), TIER_WARNING);
	assert_int_equal(tier_from_name("bogus"), TIER_NONE);
	assert_string_equal(tier_name(TIER_INFO), "info");
	assert_int_equal(top_alerts_from_json(NULL, &a), 0);
	assert_int_equal(a.n, 0);

	textbuf_free(&msg);
	json_decref(firing);
	snapshot_free(&orig);
}

/* The groups section after the alerts: carried whole, optional, versioned. */
static void test_message_groups(void **state)
{
	json_t *firing = json_loads(firing_json, 0, NULL), *got, *groups;
	json_t *sent =
		json_loads("[{\"name\":\"web\",\"mode\":\"apply\",\"members\":[{\"pid\":7}],"
			   "\"actions\":[{\"action\":\"move\",\"effect\":{\"state\":\"done\"}}]}]",
			   0, NULL);
	struct snapshot orig, back;
	struct textbuf msg = {0};
	size_t plain_len;

	assert_non_null(sent);
	fixture_snapshot(&orig);
	assert_int_equal(ipc_message_encode(&orig, firing, &msg), 0);
	plain_len = msg.len;
	/* Without a section: no groups. */
	snapshot_init(&back);
	assert_int_equal(ipc_message_decode_groups(msg.s, msg.len, &back, &got, &groups), 0);
	assert_null(groups);
	json_decref(got);
	snapshot_free(&back);
	textbuf_free(&msg);

	assert_int_equal(ipc_message_encode_groups(&orig, firing, sent, &msg), 0);
	assert_true(msg.len > plain_len);
	snapshot_init(&back);
	assert_int_equal(ipc_message_decode_groups(msg.s, msg.len, &back, &got, &groups), 0);
	assert_true(json_equal(firing, got));
	assert_true(json_equal(sent, groups));
	assert_int_equal(back.n_procs, 3);
	json_decref(got);
	json_decref(groups);
	snapshot_free(&back);
	/* A reader that does not ask for groups reads the rest as before. */
	snapshot_init(&back);
	assert_int_equal(ipc_message_decode(msg.s, msg.len, &back, &got), 0);
	assert_true(json_equal(firing, got));
	json_decref(got);
	snapshot_free(&back);

	/* A section of another version: the window is read, without groups. */
	msg.len = plain_len;
	textbuf_puts(&msg, "\n{\"groups_version\":2,\"groups\":[{\"name\":\"web\"}]}");
	snapshot_init(&back);
	assert_int_equal(ipc_message_decode_groups(msg.s, msg.len, &back, &got, &groups), 0);
	assert_null(groups);
	assert_true(json_equal(firing, got));
	json_decref(got);
	snapshot_free(&back);

	textbuf_free(&msg);
	json_decref(sent);
	json_decref(firing);
	snapshot_free(&orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_publish_and_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_busy, setup, teardown),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_message_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
