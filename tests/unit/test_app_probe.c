// SPDX-License-Identifier: GPL-2.0
/*
 * The proto probe module against the real kernel (needs root and BPF): two
 * child processes make known HTTP exchanges on loopback, over more request
 * shapes than there are hot rows, so that both the hot rows and the maps
 * record. Successive collects add each request exactly once, time the slow
 * route right, and once the children have exited their rows leave the
 * kernel, hot rows included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "core/hist.h"
#include "kernel_fixture.h"
#include "kernel/loader.h"
#include "probes/probe.h"

/* Routes with no digit (a digit would make them one "{id}" route), each
 * asked FAST_REPEAT times, then SLOW_REPEAT requests answered after
 * SLOW_MS, in each of CHILDREN processes: 2 roles x (ROUTES + 1) shapes
 * each, more than APP_HOT_ROWS in all and fewer than APP_ROWS_MAX (which
 * would fold some) in one. */
#define CHILDREN    2
#define ROUTES	    20
#define FAST_REPEAT 3
#define SLOW_REPEAT 5
#define SLOW_MS	    20

static void route_name(int i, char *buf, size_t len)
{
	snprintf(buf, len, "/r%c%c", 'a' + i / 26, 'a' + i % 26);
}

static void exchange(int c, int s, const char *route, long think_ns)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct timespec think = {.tv_nsec = think_ns};
	char req[64], b[128];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", route);

	if (send(c, req, n, 0) != n || recv(s, b, sizeof(b), 0) != n)
		_exit(1);
	if (think_ns)
		nanosleep(&think, NULL);
	if (send(s, resp, sizeof(resp) - 1, 0) != sizeof(resp) - 1 ||
	    recv(c, b, sizeof(b), 0) != sizeof(resp) - 1)
		_exit(1);
}

static void child_exchanges(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	char route[16];
	int l, c, s;

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		_exit(1);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		_exit(1);
	s = accept(l, NULL, NULL);
	for (int r = 0; r < FAST_REPEAT; r++) {
		for (int i = 0; i < ROUTES; i++) {
			route_name(i, route, sizeof(route));
			exchange(c, s, route, 0);
		}
	}
	for (int r = 0; r < SLOW_REPEAT; r++)
		exchange(c, s, "/slow", SLOW_MS * 1000000L);
	_exit(0);
}

static const struct app_request_stat *find_row(const struct proc_snapshot *p, const char *route,
					       enum tcp_role role)
{
	for (size_t i = 0; p && i < p->app.n_requests; i++) {
		const struct app_request_stat *r = &p->app.requests[i];

		if (r->role == role && !strcmp(r->text, route))
			return r;
	}
	return NULL;
}

static uint64_t all_requests(const struct proc_snapshot *p)
{
	uint64_t n = 0;

	for (size_t i = 0; p && i < p->app.n_requests; i++)
		n += p->app.requests[i].count;
	return n;
}

static void collect(void *state, struct snapshot *snap)
{
	snapshot_free(snap);
	snapshot_init(snap);
	assert_int_equal(app_probe.collect(state, snap), 0);
}

/* Hot rows of the owners map @fd that @pid holds. */
static int hot_rows(int fd, pid_t pid)
{
	int rows = 0;

	for (uint32_t i = 0; i < APP_HOT_ROWS; i++) {
		struct app_hot_owner o;

		if (!bpf_map_lookup_elem(fd, &i, &o))
			rows += o.state == HOT_READY && o.key.tgid == (uint32_t)pid;
	}
	return rows;
}

/* Records of @pid in the app_stats map @fd. */
static int map_rows(int fd, pid_t pid)
{
	struct app_stat_key key, next, *prev = NULL;
	int rows = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		rows += next.tgid == (uint32_t)pid;
		key = next;
		prev = &key;
	}
	return rows;
}

static void check_window(const struct snapshot *snap, pid_t child)
{
	const struct proc_snapshot *p = snapshot_find(snap, (uint32_t)child);
	char route[16];

	assert_non_null(p);
	for (int i = 0; i < ROUTES; i++) {
		route_name(i, route, sizeof(route));
		for (int role = TCP_ROLE_SERVER; role <= TCP_ROLE_CLIENT; role++) {
			const struct app_request_stat *r = find_row(p, route, role);

			assert_non_null(r);
			assert_int_equal(r->count, FAST_REPEAT);
			assert_int_equal(r->lat.count, FAST_REPEAT);
		}
	}
	for (int role = TCP_ROLE_SERVER; role <= TCP_ROLE_CLIENT; role++) {
		const struct app_request_stat *r = find_row(p, "/slow", role);
		uint64_t p50;

		assert_non_null(r);
		assert_int_equal(r->count, SLOW_REPEAT);
		p50 = hist_quantile(&r->lat, 0.5);
		assert_in_range(p50, SLOW_MS * 1000000ULL, SLOW_MS * 1050000ULL);
		assert_in_range(r->lat.min_ns, SLOW_MS * 1000000ULL, r->lat.max_ns);
	}
	assert_int_equal(all_requests(p), 2 * (ROUTES * FAST_REPEAT + SLOW_REPEAT));
}

static void requests_counted_once_in_hot_rows_and_maps(void **unused)
{
	struct probe_opts opts = {.probes = PROBE_APP, .max_procs = 64};
	struct probe_shared shared;
	struct snapshot snap;
	uint32_t last_id = newest_map_id();
	int owners_fd, stats_fd, hot = 0, mapped = 0;
	pid_t child[CHILDREN];
	void *state = NULL;
	int status;

	_Static_assert(2 * CHILDREN * (ROUTES + 1) > APP_HOT_ROWS, "no map rows");
	assert_int_equal(loader_init(false), 0);
	probe_shared_init(&shared);
	assert_int_equal(app_probe.open(&opts, &shared, &state), 0);
	owners_fd = map_fd_since(last_id, "app_hot_owners");
	stats_fd = map_fd_since(last_id, "app_stats");
	assert_true(owners_fd >= 0 && stats_fd >= 0);
	snapshot_init(&snap);

	for (int i = 0; i < CHILDREN; i++) {
		child[i] = fork();
		assert_true(child[i] >= 0);
		if (child[i] == 0)
			child_exchanges();
	}
	for (int i = 0; i < CHILDREN; i++) {
		assert_int_equal(waitpid(child[i], &status, 0), child[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	collect(state, &snap);
	for (int i = 0; i < CHILDREN; i++) {
		check_window(&snap, child[i]);
		hot += hot_rows(owners_fd, child[i]);
		mapped += map_rows(stats_fd, child[i]);
	}
	/* Both ways of recording were taken. */
	assert_in_range(hot, 1, APP_HOT_ROWS);
	assert_true(mapped >= 2 * CHILDREN * (ROUTES + 1) - APP_HOT_ROWS);
	/* Nothing new: the next collects add nothing, and the second one after
	 * the exits drops the children's rows from the kernel. */
	for (int round = 0; round < 2; round++) {
		collect(state, &snap);
		for (int i = 0; i < CHILDREN; i++)
			assert_int_equal(all_requests(snapshot_find(&snap, (uint32_t)child[i])), 0);
	}
	for (int i = 0; i < CHILDREN; i++) {
		assert_int_equal(hot_rows(owners_fd, child[i]), 0);
		assert_int_equal(map_rows(stats_fd, child[i]), 0);
	}

	close(owners_fd);
	close(stats_fd);
	snapshot_free(&snap);
	app_probe.close(state);
	probe_shared_release(&shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests_counted_once_in_hot_rows_and_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
