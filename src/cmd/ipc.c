// SPDX-License-Identifier: GPL-2.0
/*
 * Unix socket hand-off of the daemon's latest window to `hivemon top`.
 * Protocol: a client connects and reads until EOF; the server writes the
 * current message (nothing when none is published yet) and closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/ipc.h"
#include "core/snapshot_wire.h"

struct ipc_server {
	int listen_fd;
	int stop_fd; /* eventfd: wakes the thread for shutdown */
	pthread_t thread;
	pthread_mutex_t lock;
	void *msg; /* latest published message, owned, under lock */
	size_t msg_len;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static int fill_addr(struct sockaddr_un *addr, const char *path)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	strcpy(addr->sun_path, path);
	return 0;
}

/* A socket file nobody listens on is left over by a daemon that died. */
static int remove_stale(const char *path)
{
	struct sockaddr_un addr;
	struct stat st;
	int fd, live;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	fill_addr(&addr, path);
	live = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(fd);
	if (live)
		return -EADDRINUSE;
	return unlink(path) ? -errno : 0;
}

/* Creates the parent directory (root-only) when it does not exist. */
static void make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	mkdir(dir, 0700);
}

/* A copy, so a slow client does not hold the lock the daemon publishes under. */
static void *current_msg(struct ipc_server *srv, size_t *len)
{
	void *copy = NULL;

	pthread_mutex_lock(&srv->lock);
	if (srv->msg) {
		copy = malloc(srv->msg_len);
		if (copy)
			memcpy(copy, srv->msg, srv->msg_len);
		*len = srv->msg_len;
	}
	pthread_mutex_unlock(&srv->lock);
	return copy;
}

static void serve_client(struct ipc_server *srv, int fd)
{
	const struct timeval timeout = {.tv_sec = 1};
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char *msg;
	size_t off = 0, n = 0;

	/* The file mode already keeps others out; this also covers a socket
	 * path the operator placed in a permissive directory. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    (cred.uid != 0 && cred.uid != geteuid()))
		return;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	msg = current_msg(srv, &n);
	if (!msg)
		return;
	while (off < n) {
		ssize_t w = send(fd, msg + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(msg);
}

static void *serve(void *arg)
{
	struct ipc_server *srv = arg;
	struct pollfd fds[2] = {{srv->listen_fd, POLLIN, 0}, {srv->stop_fd, POLLIN, 0}};

	for (;;) {
		int fd;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents)
			break;
		fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_client(srv, fd);
		close(fd);
	}
	return NULL;
}

static int listen_on(const char *path)
{
	struct sockaddr_un addr;
	int fd, err;

	err = fill_addr(&addr, path);
	if (err)
		return err;
	make_parent(path);
	err = remove_stale(path);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Clients cannot connect before listen(), so the chmod has no window. */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || chmod(path, 0600) ||
	    listen(fd, 16)) {
		err = -errno;
		close(fd);
		unlink(path);
		return err;
	}
	return fd;
}

struct ipc_server *ipc_server_open(const char *path)
{
	struct ipc_server *srv = calloc(1, sizeof(*srv));
	int fd, err;

	if (!srv) {
		log_error("ipc: out of memory");
		return NULL;
	}
	fd = listen_on(path);
	if (fd < 0) {
		log_error("cannot serve %s: %s", path,
			  fd == -EADDRINUSE ? "another hivemon daemon is listening there"
			  : fd == -EEXIST   ? "a file that is not a socket is in the way"
					    : strerror(-fd));
		free(srv);
		return NULL;
	}
	srv->listen_fd = fd;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	pthread_mutex_init(&srv->lock, NULL);
	srv->stop_fd = eventfd(0, EFD_CLOEXEC);
	err = srv->stop_fd < 0 ? errno : pthread_create(&srv->thread, NULL, serve, srv);
	if (err) {
		log_error("cannot serve %s: %s", path, strerror(err));
		if (srv->stop_fd >= 0)
			close(srv->stop_fd);
		close(fd);
		unlink(path);
		pthread_mutex_destroy(&srv->lock);
		free(srv);
		return NULL;
	}
	return srv;
}

int ipc_server_publish(struct ipc_server *srv, const void *msg, size_t len)
{
	void *copy = malloc(len ? len : 1);
	void *old;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, msg, len);
	pthread_mutex_lock(&srv->lock);
	old = srv->msg;
	srv->msg = copy;
	srv->msg_len = len;
	pthread_mutex_unlock(&srv->lock);
	free(old);
	return 0;
}

void ipc_server_close(struct ipc_server *srv)
{
	uint64_t one = 1;

	if (!srv)
		return;
	if (write(srv->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(srv->thread, NULL);
	close(srv->stop_fd);
	close(srv->listen_fd);
	unlink(srv->path);
	pthread_mutex_destroy(&srv->lock);
	free(srv->msg);
	free(srv);
}

void *ipc_fetch(const char *path, size_t *out_len)
{
	const struct timeval timeout = {.tv_sec = 2};
	struct sockaddr_un addr;
	size_t len = 0, cap = 65536;
	char *buf;
	int fd, err;

	err = fill_addr(&addr, path);
	if (err) {
		errno = -err;
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	buf = malloc(cap);
	if (!buf || connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = errno;
		goto fail;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				err = ENOMEM;
				goto fail;
			}
			buf = bigger;
			cap *= 2;
		}
		r = recv(fd, buf + len, cap - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!len) {
		free(buf);
		errno = ENODATA; /* a daemon runs but has no window yet */
		return NULL;
	}
	*out_len = len;
	return buf;
fail:
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

static int message_encode(const struct snapshot *snap, const json_t *firing, struct textbuf *out)
{
	char *alerts;
	int err;

	err = snapshot_encode(snap, out);
	if (err)
		return err;
	alerts = json_dumps(firing, JSON_COMPACT);
	if (!alerts)
		return -ENOMEM;
	textbuf_puts(out, alerts);
	free(alerts);
	return out->oom ? -ENOMEM : 0;
}

int ipc_message_encode(const struct snapshot *snap, const json_t *firing, struct textbuf *out)
{
	return ipc_message_encode_groups(snap, firing, NULL, out);
}

int ipc_message_decode(const void *msg, size_t len, struct snapshot *snap, json_t **firing)
{
	return ipc_message_decode_groups(msg, len, snap, firing, NULL);
}

/*
 * The groups section: after the firing array, a newline and the object
 * {"groups_version": IPC_GROUPS_VERSION, "groups": [...]} (the report's
 * groups[]). It has its own version so the snapshot's wire format stays
 * as it is; a reader that finds another version shows no groups.
 */
#define IPC_GROUPS_VERSION 1

int ipc_message_encode_groups(const struct snapshot *snap, const json_t *firing,
			      const json_t *groups, struct textbuf *out)
{
	int err = message_encode(snap, firing, out);
	json_t *section;
	char *text;

	if (err || !groups)
		return err;
	section = json_pack("{s:i, s:O}", "groups_version", IPC_GROUPS_VERSION, "groups", groups);
	text = section ? json_dumps(section, JSON_COMPACT) : NULL;
	json_decref(section);
	if (!text)
		return -ENOMEM;
	textbuf_put(out, "\n", 1);
	textbuf_puts(out, text);
	free(text);
	return out->oom ? -ENOMEM : 0;
}

/* The groups of the section at @rest, or NULL (none, or another version). */
static json_t *decode_groups(const char *rest, size_t len)
{
	json_t *section = json_loadb(rest, len, 0, NULL);
	json_t *groups = json_object_get(section, "groups");

	if (json_integer_value(json_object_get(section, "groups_version")) != IPC_GROUPS_VERSION ||
	    !json_is_array(groups))
		groups = NULL;
	json_incref(groups);
	json_decref(section);
	return groups;
}

int ipc_message_decode_groups(const void *msg, size_t len, struct snapshot *snap, json_t **firing,
			      json_t **groups)
{
	const char *text = msg;
	json_error_t jerr;
	size_t used;
	int err;

	*firing = NULL;
	if (groups)
		*groups = NULL;
	err = snapshot_decode(msg, len, snap, &used);
	if (err)
		return err;
	*firing = json_loadb(text + used, len - used, JSON_DISABLE_EOF_CHECK, &jerr);
	if (!json_is_array(*firing)) {
		json_decref(*firing);
		*firing = NULL;
		return -EINVAL;
	}
	/* On success the position is the bytes the array took. */
	used += (size_t)jerr.position;
	while (used < len && (text[used] == '\n' || text[used] == ' '))
		used++;
	if (groups && used < len)
		*groups = decode_groups(text + used, len - used);
	return 0;
}
