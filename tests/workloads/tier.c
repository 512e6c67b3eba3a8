// SPDX-License-Identifier: GPL-2.0
/*
 * One tier of a service chain with a known cause: a thread-per-connection
 * TCP server answering every burst of request bytes with tcp_server's
 * small HTTP response. With -u it first asks the server on 127.0.0.1:UP
 * (one connection of its own per client connection) and answers once that
 * answer is in; else it sleeps THINK ms (clock_nanosleep) first. Copies of
 * it under other names make front -> middle -> back chains whose back
 * alone is slow.
 *
 * usage: tier [-p PORT] [-u UP] [-t THINK_MS]
 * Prints "port N" on stdout once listening; runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
static const char request[] = "GET / HTTP/1.1\r\nHost: hivemon\r\n\r\n";

static int up_port, think_ms;

static void die(const char *what)
{
	fprintf(stderr, "tier: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int connect_up(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(up_port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect upstream");
	return fd;
}

/* One request to the upstream, until its whole response is in. */
static int ask_up(int fd)
{
	char buf[sizeof(response)];
	size_t got = 0;

	if (send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL) < 0)
		return -1;
	while (got < sizeof(response) - 1) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg, up = up_port ? connect_up() : -1;
	struct timespec think = {think_ms / 1000, (think_ms % 1000) * 1000000L};
	char buf[4096];

	while (recv(fd, buf, sizeof(buf), 0) > 0) {
		if (up >= 0 ? ask_up(up) : clock_nanosleep(CLOCK_MONOTONIC, 0, &think, NULL))
			break;
		if (send(fd, response, sizeof(response) - 1, MSG_NOSIGNAL) < 0)
			break;
	}
	if (up >= 0)
		close(up);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int opt, lfd, one = 1, port = 0;
	pthread_attr_t attr;

	while ((opt = getopt(argc, argv, "p:u:t:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'u')
			up_port = atoi(optarg);
		else if (opt == 't')
			think_ms = atoi(optarg);
		else
			return 2;
	}
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 128))
		die("bind/listen");
	getsockname(lfd, (struct sockaddr *)&sa, &len);
	printf("port %d\n", ntohs(sa.sin_port));
	fflush(stdout);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t tid;

		if (cfd < 0 && errno != EINTR && errno != ECONNABORTED)
			die("accept");
		if (cfd >= 0 && pthread_create(&tid, &attr, serve, (void *)(long)cfd))
			close(cfd);
	}
}
