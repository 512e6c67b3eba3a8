// SPDX-License-Identifier: GPL-2.0
/*
 * The TCP probe module against the real kernel (needs root and BPF): a
 * child process makes a known number of exchanges on loopback; successive
 * collects add each exchange exactly once, and once the child has exited
 * its rows leave the kernel maps, hot rows included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "kernel/loader.h"
#include "kernel_fixture.h"
#include "probes/probe.h"

#define EXCHANGES 5

/* In a child: a listener, one connection to it, EXCHANGES request/response
 * pairs with a 10 ms answer time, then exit. */
static void child_exchanges(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timespec think = {.tv_nsec = 10 * 1000 * 1000};
	socklen_t len = sizeof(a);
	int l, c, s;
	char b[8];

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		_exit(1);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		_exit(1);
	s = accept(l, NULL, NULL);
	for (int i = 0; i < EXCHANGES; i++) {
		if (send(c, "q", 1, 0) != 1 || recv(s, b, sizeof(b), 0) != 1)
			_exit(1);
		nanosleep(&think, NULL);
		if (send(s, "r", 1, 0) != 1 || recv(c, b, sizeof(b), 0) != 1)
			_exit(1);
	}
	_exit(0);
}

static uint64_t requests(const struct snapshot *snap, pid_t pid, enum tcp_role role)
{
	const struct proc_snapshot *p = snapshot_find(snap, (uint32_t)pid);
	uint64_t n = 0;

	for (size_t i = 0; p && i < p->tcp.n_requests; i++)
		if (p->tcp.requests[i].role == role)
			n += p->tcp.requests[i].count;
	return n;
}

static void collect(void *state, struct snapshot *snap)
{
	snapshot_free(snap);
	snapshot_init(snap);
	assert_int_equal(tcp_probe.collect(state, snap), 0);
}

/* Hot rows (array map @fd) that @pid holds. */
static int hot_rows(int fd, pid_t pid)
{
	int rows = 0;

	for (uint32_t i = 0; i < TCP_HOT_ROWS; i++) {
		struct tcp_hot_owner o;

		if (!bpf_map_lookup_elem(fd, &i, &o))
			rows += o.state == HOT_READY && o.key.tgid == (uint32_t)pid;
	}
	return rows;
}

/* An IPv4 endpoint is all of the key: the address bytes past its four are
 * zero, never what the program's stack held (one row per such value). */
static bool ep_is_clean(const struct tcp_ep *ep)
{
	static const uint8_t zeros[sizeof(ep->addr) - 4];

	return ep->family != AF_INET || !memcmp(ep->addr + 4, zeros, sizeof(zeros));
}

/* Rows of @pid in the map named @map created since map id @after; every
 * key's endpoint must be clean. */
static int kernel_rows(uint32_t after, pid_t pid, const char *map)
{
	struct tcp_stat_key key, next, *prev = NULL;
	int fd = map_fd_since(after, map), rows = 0;

	if (fd < 0)
		return 0;
	if (!strcmp(map, "tcp_hot_owners")) {
		rows = hot_rows(fd, pid);
	} else {
		while (!bpf_map_get_next_key(fd, prev, &next)) {
			rows += next.tgid == (uint32_t)pid;
			if (next.tgid == (uint32_t)pid)
				assert_true(ep_is_clean(&next.ep));
			key = next;
			prev = &key;
		}
	}
	close(fd);
	return rows;
}

static void exchanges_counted_once_and_rows_freed(void **unused)
{
	struct probe_opts opts = {.probes = PROBE_TCP, .max_procs = 64};
	struct probe_shared shared;
	struct snapshot snap;
	uint32_t last_id = newest_map_id();
	void *state = NULL;
	pid_t child;
	int status;

	assert_int_equal(loader_init(false), 0);
	probe_shared_init(&shared);
	assert_int_equal(tcp_probe.open(&opts, &shared, &state), 0);
	snapshot_init(&snap);

	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		child_exchanges();
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	collect(state, &snap);
	assert_int_equal(requests(&snap, child, TCP_ROLE_SERVER), EXCHANGES);
	assert_int_equal(requests(&snap, child, TCP_ROLE_CLIENT), EXCHANGES);
	assert_true(kernel_rows(last_id, child, "tcp_stats") > 0);
	/* Its two request rows (server, client) are hot rows. */
	assert_int_equal(kernel_rows(last_id, child, "tcp_hot_owners"), 2);
	/* Nothing new: the next collects add nothing, and the second one after
	 * the exit drops the child's rows from the kernel. */
	collect(state, &snap);
	assert_int_equal(requests(&snap, child, TCP_ROLE_SERVER), 0);
	collect(state, &snap);
	assert_int_equal(requests(&snap, child, TCP_ROLE_CLIENT), 0);
	assert_int_equal(kernel_rows(last_id, child, "tcp_stats"), 0);
	assert_int_equal(kernel_rows(last_id, child, "tcp_hot_owners"), 0);

	snapshot_free(&snap);
	tcp_probe.close(state);
	/* The probe shared its socket map and tail-call slots. */
	assert_true(shared.socks_fd >= 0 && shared.recv_next_fd >= 0 && shared.send_next_fd >= 0);
	probe_shared_release(&shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exchanges_counted_once_and_rows_freed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
