// SPDX-License-Identifier: GPL-2.0
/*
 * Workload: an open-loop client. RATE requests per second for SECONDS, each
 * on a new connection (so a reuseport group places every one), sent on
 * schedule whether or not earlier ones were answered, as users arrive.
 * Prints "requests N failed F p50_ms X p99_ms Y" measured from the
 * scheduled send time.
 *
 * usage: rate_client -p PORT [-r RATE] [-d SECONDS]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char request[] = "GET / HTTP/1.1\r\nHost: hivemon\r\n\r\n";
#define RESPONSE_LEN 40

struct shot {
	int port;
	double sched_s;
	double latency_s; /* < 0: failed */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *one_request(void *arg)
{
	struct shot *s = arg;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char buf[128];
	int got = 0;

	s->latency_s = -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return NULL;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    write(fd, request, sizeof(request) - 1) == (ssize_t)sizeof(request) - 1) {
		while (got < RESPONSE_LEN) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n <= 0)
				break;
			got += (int)n;
		}
		if (got >= RESPONSE_LEN)
			s->latency_s = now_s() - s->sched_s;
	}
	close(fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int port = 0, rate = 100, opt, n, failed = 0, ok = 0;
	double secs = 5, start, *lat;
	struct shot *shots;
	pthread_t *threads;
	pthread_attr_t attr;

	while ((opt = getopt(argc, argv, "p:r:d:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'r')
			rate = atoi(optarg);
		else if (opt == 'd')
			secs = atof(optarg);
		else
			return 2;
	}
	if (!port || rate < 1 || secs <= 0 || secs * rate > 200000)
		return 2;
	n = (int)(secs * rate);
	shots = calloc((size_t)n, sizeof(*shots));
	threads = calloc((size_t)n, sizeof(*threads));
	lat = calloc((size_t)n, sizeof(*lat));
	if (!shots || !threads || !lat)
		return 1;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	start = now_s() + 0.05;
	for (int i = 0; i < n; i++) {
		double at = start + (double)i / rate, wait = at - now_s();

		if (wait > 0) {
			struct timespec ts = {.tv_sec = (time_t)wait,
					      .tv_nsec = (long)((wait - (time_t)wait) * 1e9)};
			nanosleep(&ts, NULL);
		}
		shots[i].port = port;
		shots[i].sched_s = at;
		if (pthread_create(&threads[i], &attr, one_request, &shots[i]))
			shots[i].latency_s = -2;
	}
	for (int i = 0; i < n; i++)
		if (shots[i].latency_s != -2)
			pthread_join(threads[i], NULL);
	for (int i = 0; i < n; i++) {
		if (shots[i].latency_s < 0)
			failed++;
		else
			lat[ok++] = shots[i].latency_s;
	}
	qsort(lat, (size_t)ok, sizeof(*lat), cmp_double);
	printf("requests %d failed %d p50_ms %.1f p99_ms %.1f\n", n, failed,
	       ok ? lat[ok / 2] * 1e3 : 0.0, ok ? lat[(int)(ok * 0.99)] * 1e3 : 0.0);
	return failed ? 1 : 0;
}
