// SPDX-License-Identifier: GPL-2.0
/*
 * Workload: a TCP server with a known think time. Every burst of request
 * bytes on a connection is answered with one small HTTP response exactly
 * THINK ms after it was read (0 = at once), so a request's server-side time
 * is the think time. Serves thousands of connections from one epoll loop;
 * answers wrk too.
 *
 * usage: tcp_server [-a ADDR] [-p PORT] [-t THINK_MS] [-w WORK_US]
 *   -a  address to listen on (default 127.0.0.1; "::" is dual-stack)
 *   -p  port (default 0: any free one)
 *   -w  with no think time: spend WORK_US of CPU on each request before
 *       answering, like a server that computes its answers
 * Prints "port N" on stdout once listening. On SIGTERM prints what it
 * measured itself, "requests N p50_ns X" (from the return of the first recv
 * of a request to the return of the send of its reply), and exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 65536

static const char response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

struct reply {
	int fd;
	unsigned int gen; /* connection generation of fd when queued */
	struct timespec due;
};

/* Per fd number: whether a reply is queued, and which connection holds it. */
struct conn {
	unsigned char pending;
	unsigned int gen;
	struct timespec got; /* when the pending request was read */
};

/* Request times as the server sees them: the ground truth for tests. */
struct self_times {
	long long *ns;
	size_t n, cap;
};

static long long ns_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

static void self_record(struct self_times *st, const struct timespec *got)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 4096;
		st->ns = realloc(st->ns, st->cap * sizeof(*st->ns));
		if (!st->ns)
			exit(1);
	}
	st->ns[st->n++] = ns_between(got, &now);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void self_print(struct self_times *st)
{
	qsort(st->ns, st->n, sizeof(*st->ns), cmp_ll);
	printf("requests %zu p50_ns %lld\n", st->n, st->n ? st->ns[(st->n - 1) / 2] : 0);
	fflush(stdout);
}

/* Replies due in order: the think time is constant, so a FIFO is sorted. */
struct reply_queue {
	struct reply items[MAX_FDS];
	size_t head, len;
};

static void die(const char *what)
{
	fprintf(stderr, "tcp_server: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fd, one = 1, zero = 0;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			die("bad address");
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			die("bad address");
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096))
		die("bind/listen");
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	printf("port %d\n",
	       ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	return fd;
}

static void timespec_add_ms(struct timespec *t, double ms)
{
	long long ns = t->tv_nsec + (long long)(ms * 1e6);

	t->tv_sec += ns / 1000000000LL;
	t->tv_nsec = ns % 1000000000LL;
}

static void reply(int fd)
{
	/* A failed send means the client went away; its close is seen later. */
	if (send(fd, response, sizeof(response) - 1, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		die("send");
}

static void arm(int tfd, const struct reply_queue *q)
{
	struct itimerspec its = {0};

	if (q->len)
		its.it_value = q->items[q->head].due;
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL))
		die("timerfd_settime");
}

static void send_due(int tfd, struct reply_queue *q, struct conn *conns, struct self_times *st)
{
	struct timespec now;
	uint64_t expirations;

	if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		die("read timerfd");
	clock_gettime(CLOCK_MONOTONIC, &now);
	while (q->len) {
		struct reply *r = &q->items[q->head];

		if (r->due.tv_sec > now.tv_sec ||
		    (r->due.tv_sec == now.tv_sec && r->due.tv_nsec > now.tv_nsec))
			break;
		/* A reply queued for a connection since closed must not go out. */
		if (conns[r->fd].gen == r->gen) {
			reply(r->fd);
			self_record(st, &conns[r->fd].got);
			conns[r->fd].pending = 0;
		}
		q->head = (q->head + 1) % MAX_FDS;
		q->len--;
	}
	arm(tfd, q);
}

#define USAGE "usage: tcp_server [-a ADDR] [-p PORT] [-t THINK_MS] [-w WORK_US]\n"

struct server_opts {
	double think_ms;
	double work_us;
};

/*
 * Spins for @us. On CLOCK_MONOTONIC, which the vDSO reads without a
 * syscall: a thread CPU clock is a syscall per read, and a tracer would see
 * ~1.3 of them per microsecond of work, which is not what a server that
 * computes its answers does. A preempted spin burns less CPU than asked;
 * the benchmarks measure the CPU actually used.
 */
static void spend_cpu(double us)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - start.tv_sec) * 1e6 + (now.tv_nsec - start.tv_nsec) / 1e3 < us);
}

/* Reads what the client sent; one burst is one request. */
static void on_readable(int fd, int epfd, int tfd, const struct server_opts *opts,
			struct reply_queue *q, struct conn *conns, struct self_times *st)
{
	struct timespec got_at;
	struct reply *r;
	char buf[4096];
	ssize_t n;
	int got = 0;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (!got++)
			clock_gettime(CLOCK_MONOTONIC, &got_at);
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
		close(fd);
		conns[fd].gen++;
		conns[fd].pending = 0;
		return;
	}
	if (!got || conns[fd].pending)
		return;
	if (opts->think_ms <= 0) {
		if (opts->work_us > 0)
			spend_cpu(opts->work_us);
		reply(fd);
		self_record(st, &got_at);
		return;
	}
	conns[fd].pending = 1;
	conns[fd].got = got_at;
	r = &q->items[(q->head + q->len) % MAX_FDS];
	r->fd = fd;
	r->gen = conns[fd].gen;
	clock_gettime(CLOCK_MONOTONIC, &r->due);
	timespec_add_ms(&r->due, opts->think_ms);
	if (q->len++ == 0)
		arm(tfd, q);
}

int main(int argc, char **argv)
{
	static struct conn conns[MAX_FDS];
	static struct reply_queue queue;
	struct self_times self = {0};
	sigset_t term;
	int sfd;
	const char *addr = "127.0.0.1";
	struct epoll_event ev, events[256];
	struct server_opts opts = {0};
	int port = 0, opt, lfd, epfd, tfd;
	struct rlimit rl;

	while ((opt = getopt(argc, argv, "a:p:t:w:")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			opts.think_ms = atof(optarg);
			break;
		case 'w':
			opts.work_us = atof(optarg);
			break;
		default:
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max < MAX_FDS ? rl.rlim_max : MAX_FDS;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lfd = listen_on(addr, port);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (epfd < 0 || tfd < 0)
		die("epoll/timerfd");
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	sfd = signalfd(-1, &term, SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd");
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
	for (;;) {
		int n = epoll_wait(epfd, events, 256, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;

			if (fd == lfd) {
				int cfd;

				while ((cfd = accept4(lfd, NULL, NULL,
						      SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					if (cfd >= MAX_FDS) {
						close(cfd);
						continue;
					}
					ev.events = EPOLLIN;
					ev.data.fd = cfd;
					epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &ev);
				}
			} else if (fd == sfd) {
				self_print(&self);
				return 0;
			} else if (fd == tfd) {
				send_due(tfd, &queue, conns, &self);
			} else {
				on_readable(fd, epfd, tfd, &opts, &queue, conns, &self);
			}
		}
	}
}
