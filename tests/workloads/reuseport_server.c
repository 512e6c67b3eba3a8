// SPDX-License-Identifier: GPL-2.0
/*
 * Workload: WORKERS processes, each with its own SO_REUSEPORT listener on
 * one port (the kernel spreads new connections over them by a hash), each
 * serving every connection on a thread of its own: read a request (up to a
 * blank line), wait THINK_MS, answer, until the client closes. Worker SLOW
 * thinks FACTOR times longer, so it is the one a load balancer should
 * spare.
 *
 * usage: reuseport_server [-p PORT] [-n WORKERS] [-t THINK_MS] [-s SLOW -f FACTOR]
 * Prints "port P" and "worker I pid N" lines; on SIGTERM each worker prints
 * "worker I served K" and exits.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 16

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
static atomic_long served;
static double think_ms;
static int worker_index;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int listen_on(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	socklen_t len = sizeof(sa);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4096))
		die("bind/listen");
	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		die("getsockname");
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	getsockname(fd, (struct sockaddr *)&sa, &len);
	return ntohs(sa.sin_port);
}

/* Whether @buf[0..n) ends a request: a blank line. */
static int request_done(const char *buf, size_t n)
{
	return n >= 4 && !memcmp(buf + n - 4, "\r\n\r\n", 4);
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];
	size_t n = 0;

	for (;;) {
		ssize_t got = read(fd, buf + n, sizeof(buf) - n);

		if (got <= 0)
			break;
		n += (size_t)got;
		if (!request_done(buf, n)) {
			if (n == sizeof(buf))
				break;
			continue;
		}
		struct timespec ts = {
			.tv_sec = (time_t)(think_ms / 1000),
			.tv_nsec = (long)((think_ms - (long)(think_ms / 1000) * 1000) * 1e6)};
		nanosleep(&ts, NULL);
		if (write(fd, response, sizeof(response) - 1) < 0)
			break;
		atomic_fetch_add(&served, 1);
		n = 0;
	}
	close(fd);
	return NULL;
}

static void on_term(int sig)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "worker %d served %ld\n", worker_index,
			   atomic_load(&served));

	(void)sig;
	if (write(1, line, (size_t)len) < 0)
		_exit(1);
	_exit(0);
}

static void worker(int lfd)
{
	pthread_attr_t attr;

	signal(SIGTERM, on_term);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t t;

		if (fd < 0)
			continue;
		if (pthread_create(&t, &attr, serve, (void *)(long)fd))
			close(fd);
	}
}

static volatile sig_atomic_t stopping;

static void on_parent_term(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	int port = 0, workers = 4, slow = -1, opt;
	pid_t pids[MAX_WORKERS];
	double factor = 1, base_ms = 10;

	while ((opt = getopt(argc, argv, "p:n:t:s:f:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			workers = atoi(optarg);
			break;
		case 't':
			base_ms = atof(optarg);
			break;
		case 's':
			slow = atoi(optarg);
			break;
		case 'f':
			factor = atof(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: reuseport_server [-p PORT] [-n WORKERS] [-t THINK_MS] "
				"[-s SLOW -f FACTOR]\n");
			return 2;
		}
	}
	if (workers < 1 || workers > MAX_WORKERS)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < workers; i++) {
		/* Each worker binds its own socket, as nginx with reuseport does;
		 * the first one picks the port when none is given. */
		int lfd = listen_on(port);

		port = port_of(lfd);
		if (i == 0)
			printf("port %d\n", port);
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0) {
			worker_index = i;
			think_ms = i == slow ? base_ms * factor : base_ms;
			worker(lfd);
		}
		close(lfd);
		printf("worker %d pid %d\n", i, pids[i]);
	}
	signal(SIGTERM, on_parent_term);
	signal(SIGINT, on_parent_term);
	while (!stopping)
		pause();
	for (int i = 0; i < workers; i++)
		kill(pids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	return 0;
}
