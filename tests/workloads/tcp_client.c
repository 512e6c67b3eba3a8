// SPDX-License-Identifier: GPL-2.0
/*
 * Workload: a TCP client making a known number of requests over a known
 * number of connections to tcp_server. Each connection sends REQS requests
 * one after the other (the next one once the whole response is in), then
 * closes. PAR connections run at once (default 1: one after the other).
 *
 * usage: tcp_client -a ADDR -p PORT [-c CONNS] [-n REQS] [-P PAR] [-r] [-x ADDR] [-w]
 *   -r  first make one connect that is refused (to a closed local port)
 *   -x  first make one connect to ADDR port 80 that gets no answer, and give
 *       it up after 300 ms (ADDR must lead to a black hole)
 *   -w  open all CONNS connections, print "connected", wait for SIGUSR1,
 *       then make the requests (connections that predate a tracer)
 * Prints "connects C requests R refused F abandoned A" and exits 0 when
 * every request got its response.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static const char request[] = "GET / HTTP/1.1\r\nHost: hivemon\r\n\r\n";
#define RESPONSE_LEN 40 /* "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" */

struct conn {
	int fd;
	int left;     /* requests still to make */
	int received; /* bytes of the current response */
	int connected;
};

struct totals {
	long connects, requests, refused, abandoned;
};

static void die(const char *what)
{
	fprintf(stderr, "tcp_client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t make_addr(const char *addr, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			die("bad address");
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
		die("bad address");
	return sizeof(*s4);
}

/* A local port nobody listens on: bound once, then released. */
static int closed_port(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, 0, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len))
		die("bind");
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
	close(fd);
	return port;
}

static void refused_connect(const char *addr, struct totals *t)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, closed_port(addr), &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 || errno != ECONNREFUSED)
		die("connect to a closed port was not refused");
	t->refused++;
	close(fd);
}

static void abandoned_connect(const char *addr, struct totals *t)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, 80, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 || errno != EINPROGRESS)
		die("connect to the black hole did not stay in progress");
	if (poll(&pfd, 1, 300) != 0)
		die("the black hole answered");
	t->abandoned++;
	close(fd);
}

static void send_request(struct conn *c)
{
	if (send(c->fd, request, sizeof(request) - 1, MSG_NOSIGNAL) != sizeof(request) - 1)
		die("send");
	c->received = 0;
}

static void start_conn(struct conn *c, const struct sockaddr_storage *ss, socklen_t len, int epfd,
		       int nonblock)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};

	c->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0),
		       0);
	if (c->fd < 0)
		die("socket");
	c->connected = 0;
	if (connect(c->fd, (const struct sockaddr *)ss, len) == 0)
		c->connected = 1;
	else if (errno != EINPROGRESS)
		die("connect");
	if (epfd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev))
		die("epoll_ctl");
}

/* Advances @c on an event; returns 1 when the connection is finished. */
static int on_event(struct conn *c, unsigned int events, struct totals *t)
{
	char buf[4096];
	ssize_t n;

	if (!c->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return 0;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			errno = err;
			die("connect");
		}
		c->connected = 1;
	}
	if (c->received < 0) { /* connected, request not sent yet */
		send_request(c);
		return 0;
	}
	while ((n = recv(c->fd, buf, sizeof(buf), 0)) > 0)
		c->received += n;
	if (n == 0)
		die("server closed the connection");
	if (n < 0 && errno != EAGAIN)
		die("recv");
	if (c->received < RESPONSE_LEN)
		return 0;
	t->requests++;
	if (--c->left == 0)
		return 1;
	send_request(c);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = NULL;
	int port = 0, conns = 1, reqs = 1, par = 1, refuse = 0, wait_signal = 0, opt, epfd;
	const char *black_hole = NULL;
	int started = 0, done = 0;
	struct totals t = {0};
	struct sockaddr_storage ss;
	struct epoll_event events[256];
	struct conn *cs;
	struct rlimit rl;
	socklen_t len;

	while ((opt = getopt(argc, argv, "a:p:c:n:P:rx:w")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'c':
			conns = atoi(optarg);
			break;
		case 'n':
			reqs = atoi(optarg);
			break;
		case 'P':
			par = atoi(optarg);
			break;
		case 'r':
			refuse = 1;
			break;
		case 'x':
			black_hole = optarg;
			break;
		case 'w':
			wait_signal = 1;
			break;
		default:
			goto usage;
		}
	}
	if (!addr || !port || conns < 1 || reqs < 1 || par < 1)
		goto usage;
	if (wait_signal)
		par = conns;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (refuse)
		refused_connect(addr, &t);
	if (black_hole)
		abandoned_connect(black_hole, &t);
	len = make_addr(addr, port, &ss);
	cs = calloc(conns, sizeof(*cs));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!cs || epfd < 0)
		die("setup");
	if (wait_signal) {
		sigset_t usr1;
		int sig;

		/* Blocking connects, so all are established before the signal. */
		for (int i = 0; i < conns; i++) {
			start_conn(&cs[i], &ss, len, -1, 0);
			t.connects++;
		}
		printf("connected\n");
		fflush(stdout);
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
		if (sigwait(&usr1, &sig))
			die("sigwait");
		for (int i = 0; i < conns; i++)
			if (fcntl(cs[i].fd, F_SETFL, fcntl(cs[i].fd, F_GETFL) | O_NONBLOCK))
				die("fcntl");
	}
	for (;;) {
		int n;

		while (started < conns && started - done < par) {
			struct conn *c = &cs[started++];

			c->left = reqs;
			c->received = -1;
			if (!wait_signal) {
				start_conn(c, &ss, len, epfd, 1);
				t.connects++;
			} else {
				struct epoll_event e = {.events = EPOLLIN | EPOLLOUT,
							.data.ptr = c};

				if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e))
					die("epoll_ctl");
			}
		}
		if (done == conns)
			break;
		n = epoll_wait(epfd, events, 256, 10000);
		if (n <= 0)
			die("epoll_wait (stalled)");
		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;
			struct epoll_event in = {.events = EPOLLIN, .data.ptr = c};

			if (c->fd < 0)
				continue;
			if (!on_event(c, events[i].events, &t)) {
				/* Once the request is out, only wait for the reply. */
				if (c->received >= 0)
					epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &in);
				continue;
			}
			epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
			close(c->fd);
			c->fd = -1;
			done++;
		}
	}
	printf("connects %ld requests %ld refused %ld abandoned %ld\n", t.connects, t.requests,
	       t.refused, t.abandoned);
	return t.requests == (long)conns * reqs ? 0 : 1;
usage:
	fprintf(stderr,
		"usage: tcp_client -a ADDR -p PORT [-c CONNS] [-n REQS] [-P PAR] [-r] [-x ADDR] "
		"[-w]\n");
	return 2;
}
