// SPDX-License-Identifier: GPL-2.0
/*
 * Workload: CONNS clients at once, one thread each, every one making REQS
 * requests to tcp_server over its own connection with blocking calls: the
 * thread sleeps in recv() for the server's think time on every request.
 * With 1000 clients and a 50 ms think time that is 20,000 blocked calls
 * per second, each one slower than the default --slow (10 ms): the load
 * under which the slow-call events must not be lost.
 *
 * usage: tcp_threaded_client -a ADDR -p PORT [-c CONNS] [-n REQS]
 * Prints "connects C requests R" and exits 0 when every request got its
 * response.
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
#include <unistd.h>

static const char request[] = "GET / HTTP/1.1\r\nHost: hivemon\r\n\r\n";
#define RESPONSE_LEN 40 /* "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" */
/* A client thread needs little: a small buffer and libc calls. */
#define THREAD_STACK (64 * 1024)

struct client {
	struct sockaddr_in addr;
	int reqs;
	long connects, requests; /* what this thread did */
};

/* One client: connect, REQS requests one after the other, close. */
static void *run_client(void *arg)
{
	struct client *c = arg;
	char buf[256];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&c->addr, sizeof(c->addr)))
		goto out;
	c->connects = 1;
	for (int i = 0; i < c->reqs; i++) {
		int got = 0;

		if (send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL) != sizeof(request) - 1)
			goto out;
		while (got < RESPONSE_LEN) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			if (n <= 0)
				goto out;
			got += (int)n;
		}
		c->requests++;
	}
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *addr = NULL;
	int port = 0, conns = 1, reqs = 1, opt;
	long connects = 0, requests = 0;
	struct client *cs;
	pthread_t *tids;
	pthread_attr_t attr;
	struct rlimit rl;

	while ((opt = getopt(argc, argv, "a:p:c:n:")) != -1) {
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
		default:
			goto usage;
		}
	}
	if (!addr || port <= 0 || port > 65535 || conns < 1 || reqs < 1)
		goto usage;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	cs = calloc(conns, sizeof(*cs));
	tids = calloc(conns, sizeof(*tids));
	if (!cs || !tids)
		return 1;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	for (int i = 0; i < conns; i++) {
		cs[i].addr.sin_family = AF_INET;
		cs[i].addr.sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &cs[i].addr.sin_addr) != 1)
			goto usage;
		cs[i].reqs = reqs;
		if (pthread_create(&tids[i], &attr, run_client, &cs[i])) {
			fprintf(stderr, "tcp_threaded_client: pthread_create: %s\n",
				strerror(errno));
			return 1;
		}
	}
	for (int i = 0; i < conns; i++) {
		pthread_join(tids[i], NULL);
		connects += cs[i].connects;
		requests += cs[i].requests;
	}
	printf("connects %ld requests %ld\n", connects, requests);
	return requests == (long)conns * reqs ? 0 : 1;
usage:
	fprintf(stderr, "usage: tcp_threaded_client -a ADDR -p PORT [-c CONNS] [-n REQS]\n");
	return 2;
}
