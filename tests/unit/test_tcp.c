// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the TCP probe's userspace parts: listening sockets parsed
 * from /proc/net/tcp{,6}, and histogram percentiles clamped to the smallest
 * sample (request times just above a bucket's midpoint). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/hist.h"
#include "probes/tcp_listeners.h"

static void listener_v4(void **state)
{
	const char *line = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
			   "00000000   101        0 44323 1 00000000bdf9625b 100 0 0 10 0";
	const uint8_t loopback[4] = {127, 0, 0, 1};
	struct tcp_ep ep;

	assert_true(tcp_listener_parse(line, AF_INET, &ep));
	assert_int_equal(ep.family, AF_INET);
	assert_int_equal(ep.port, 8080);
	assert_memory_equal(ep.addr, loopback, 4);
}

static void listener_v6(void **state)
{
	const char *any =
		"   1: 00000000000000000000000000000000:0050 "
		"00000000000000000000000000000000:0000 0A 00000000:00000000 "
		"00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0";
	const char *lo = "   2: 00000000000000000000000001000000:01BB "
			 "00000000000000000000000000000000:0000 0A 00000000:00000000 "
			 "00:00000000 00000000     0        0 1235 1 0000000000000000 100 0 0 10 0";
	const uint8_t zero[16] = {0}, one[16] = {[15] = 1};
	struct tcp_ep ep;

	assert_true(tcp_listener_parse(any, AF_INET6, &ep));
	assert_int_equal(ep.family, AF_INET6);
	assert_int_equal(ep.port, 80);
	assert_memory_equal(ep.addr, zero, 16);
	assert_true(tcp_listener_parse(lo, AF_INET6, &ep));
	assert_int_equal(ep.port, 443);
	assert_memory_equal(ep.addr, one, 16);
}

static void not_a_listener(void **state)
{
	const char *established =
		"   3: 0100007F:1F90 0100007F:D431 01 00000000:00000000 "
		"00:00000000 00000000     0        0 999 1 0000000000000000 20 4 30 10 -1";
	const char *header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when";
	struct tcp_ep ep;

	assert_false(tcp_listener_parse(established, AF_INET, &ep));
	assert_false(tcp_listener_parse(header, AF_INET, &ep));
	/* A v4 line read as a v6 table has the wrong address length. */
	assert_false(tcp_listener_parse("   0: 0100007F:1F90 00000000:0000 0A 0", AF_INET6, &ep));
}

static const char header[] = "  sl  local_address rem_address   st tx_queue\n";

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A fake /proc: "self" and pid 10 share a namespace (hard-linked ns/net),
 * pid 20 has its own, pid 30 is a kernel thread without one. */
static void make_proc(char *root)
{
	const char *dirs[] = {"self",	"self/ns", "self/net", "10",	 "10/ns",
			      "10/net", "20",	   "20/ns",    "20/net", "30"};
	char a[512], b[512];

	assert_non_null(mkdtemp(root));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(a, sizeof(a), "%s/%s", root, dirs[i]);
		assert_int_equal(mkdir(a, 0755), 0);
	}
	write_file(root, "self/ns/net", "");
	snprintf(a, sizeof(a), "%s/self/ns/net", root);
	snprintf(b, sizeof(b), "%s/10/ns/net", root);
	assert_int_equal(link(a, b), 0);
	write_file(root, "20/ns/net", "");
	write_file(root, "self/net/tcp",
		   "  sl  local_address rem_address   st\n"
		   "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 0\n");
	write_file(root, "self/net/tcp6", header);
	write_file(root, "10/net/tcp", header);
	write_file(root, "10/net/tcp6", header);
	write_file(root, "20/net/tcp",
		   "  sl  local_address rem_address   st\n"
		   "   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 0\n");
	write_file(root, "20/net/tcp6", header);
}

struct scanned {
	uint32_t netns[8];
	uint16_t port[8];
	int n;
};

static int note(uint32_t netns, const struct tcp_ep *ep, void *c)
{
	struct scanned *s = c;

	if (s->n == 8)
		return -1;
	s->netns[s->n] = netns;
	s->port[s->n++] = ep->port;
	return 0;
}

static void scan_reads_each_namespace_once(void **state)
{
	char root[] = "/tmp/hivemon-test-proc-XXXXXX", cmd[600];
	struct scanned s = {0};

	make_proc(root);
	assert_int_equal(tcp_listeners_scan(root, note, &s), 0);
	/* 8080 in our namespace (read once for self and pid 10), 80 in pid 20's. */
	assert_int_equal(s.n, 2);
	assert_int_equal(s.port[0], 8080);
	assert_int_equal(s.port[1], 80);
	assert_int_not_equal(s.netns[0], s.netns[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void quantile_clamped_to_min(void **state)
{
	struct hist h;

	/* 50.1 ms falls in the bucket [48.2 ms, 50.3 ms) whose midpoint is
	 * 49.3 ms: below every sample, so the min is reported instead. */
	hist_init(&h);
	for (int i = 0; i < 10; i++)
		assert_int_equal(hist_record(&h, 50100000 + i * 10000), 0);
	assert_int_equal(h.min_ns, 50100000);
	assert_int_equal(hist_quantile(&h, 0.5), 50100000);
	assert_in_range(hist_quantile(&h, 0.99), 50100000, 50190000);
	hist_free(&h);
}

static void min_survives_merge_only_when_known(void **state)
{
	struct hist a, b, c;

	hist_init(&a);
	hist_init(&b);
	hist_init(&c);
	hist_record(&a, 3000);
	hist_record(&b, 2000);
	assert_int_equal(hist_merge(&c, &a), 0);
	assert_int_equal(c.min_ns, 3000);
	assert_int_equal(hist_merge(&c, &b), 0);
	assert_int_equal(c.min_ns, 2000);
	/* Buckets added without their samples (min unknown): no clamp. */
	hist_reset(&b);
	assert_int_equal(hist_add_slot(&b, 100, 1), 0);
	assert_int_equal(hist_merge(&c, &b), 0);
	assert_int_equal(c.min_ns, 0);
	hist_free(&a);
	hist_free(&b);
	hist_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(listener_v4),
		cmocka_unit_test(listener_v6),
		cmocka_unit_test(not_a_listener),
		cmocka_unit_test(scan_reads_each_namespace_once),
		cmocka_unit_test(quantile_clamped_to_min),
		cmocka_unit_test(min_survives_merge_only_when_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
