// SPDX-License-Identifier: GPL-2.0
/*
 * Workload: a thread-per-connection TCP server, the other classic shape
 * of a busy server next to tcp_server's single epoll loop. An accept loop
 * starts one thread per connection; each thread blocks in recv() and
 * answers every burst of request bytes with the same small HTTP response
 * as tcp_server, so wrk can drive it. With 1000 connections there are
 * 1000 threads and every request is a wakeup and a context switch.
 *
 * usage: tcp_threaded_server [-a ADDR] [-p PORT] [-w WORK_US]
 *   -a  IPv4 address to listen on (default 127.0.0.1)
 *   -p  port (default 0: any free one)
 *   -w  spin WORK_US on each request before answering (no syscalls)
 * Prints "port N" on stdout once listening; runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define USAGE "usage: tcp_threaded_server [-a ADDR] [-p PORT] [-w WORK_US]\n"
/* A connection thread needs little: a 4 KiB buffer and libc calls. */
#define THREAD_STACK (64 * 1024)

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

struct conn {
	int fd;
	double work_us;
};

static void die(const char *what)
{
	fprintf(stderr, "tcp_threaded_server: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * Spins for @us. On CLOCK_MONOTONIC, which the vDSO reads without a
 * syscall: a thread CPU clock is a syscall per read, and a tracer would
 * see ~1.5 of them per microsecond of work. A preempted spin burns less
 * CPU than asked; the benchmark measures the CPU actually used.
 */
static void spend_cpu(double us)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - start.tv_sec) * 1e6 + (now.tv_nsec - start.tv_nsec) / 1e3 < us);
}

/* Serves one connection until the client closes it or it fails. */
static void *serve(void *arg)
{
	struct conn *c = arg;
	char buf[4096];

	while (recv(c->fd, buf, sizeof(buf), 0) > 0) {
		if (c->work_us > 0)
			spend_cpu(c->work_us);
		if (send(c->fd, response, sizeof(response) - 1, MSG_NOSIGNAL) < 0)
			break;
	}
	close(c->fd);
	free(c);
	return NULL;
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "tcp_threaded_server: bad address %s\n", addr);
		exit(2);
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4096))
		die("bind/listen");
	getsockname(fd, (struct sockaddr *)&sa, &len);
	printf("port %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	return fd;
}

/* Starts a detached thread serving @fd; on failure drops the connection. */
static void start_conn(int fd, double work_us, const pthread_attr_t *attr)
{
	struct conn *c = malloc(sizeof(*c));
	pthread_t tid;

	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->work_us = work_us;
	if (pthread_create(&tid, attr, serve, c)) {
		close(fd);
		free(c);
	}
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	double work_us = 0;
	int port = 0, opt, lfd;
	pthread_attr_t attr;
	struct rlimit rl;

	while ((opt = getopt(argc, argv, "a:p:w:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'w':
			work_us = atof(optarg);
			break;
		default:
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	lfd = listen_on(addr, port);
	for (;;) {
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (cfd >= 0)
			start_conn(cfd, work_us, &attr);
		else if (errno != EINTR && errno != ECONNABORTED && errno != EMFILE &&
			 errno != ENFILE)
			die("accept");
	}
}
