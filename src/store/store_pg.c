// SPDX-License-Identifier: GPL-2.0
/*
 * PostgreSQL history writer: a bounded queue of COPY batches drained by the
 * store's own thread, which reconnects with backoff when the database is
 * away, so callers (measurement, alerting) never wait for the database.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "util/clock.h"
#include "util/log.h"
#include "store/store_pg.h"
#include "store/store_pg_rows.h"
#include "store/store_pg_schema.h"

#define NS_PER_MS	    1000000ULL
#define TXN_MAX_ROWS	    65536 /* rows per transaction */
#define BACKOFF_MIN_MS	    250
#define BACKOFF_MAX_MS	    10000
#define RETENTION_PERIOD_NS (3600ULL * 1000 * NS_PER_MS)

enum pg_table { TABLE_STATS, TABLE_ALERTS };

/* Rows of one table, in COPY text format, waiting to be written. */
struct batch {
	struct batch *next;
	enum pg_table table;
	struct copybuf rows;
};

struct store_pg {
	char *conninfo;
	unsigned int retention_days;
	char host[64];
	pthread_t thread;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;
	struct batch *head, *tail;
	uint64_t queued, written, dropped;
	uint64_t in_flight; /* taken by the writer, not yet committed */
	bool connected;
	bool stop;
	uint64_t stop_deadline_ns; /* CLOCK_MONOTONIC */
	uint64_t drop_logged_ns;   /* last "dropping" log line, CLOCK_MONOTONIC */
};

/* The first line of a libpq message (they end with a newline, some have more). */
static const char *first_line(const char *msg, char *buf, size_t len)
{
	size_t n = strcspn(msg, "\n");

	if (n >= len)
		n = len - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return n ? buf : "unknown error";
}

static void batch_free(struct batch *b)
{
	copybuf_free(&b->rows);
	free(b);
}

/* ---- the queue (callers: any thread, with the lock held) ---- */

/* Says so when rows start to be dropped, then at most once a minute. */
static void log_drops(struct store_pg *s)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);

	if (s->drop_logged_ns && now - s->drop_logged_ns < 60000 * NS_PER_MS)
		return;
	s->drop_logged_ns = now;
	hlog(LOG_WARNING,
	     "store: PostgreSQL away and %d rows queued: dropping the oldest (%llu so far)",
	     STORE_PG_QUEUE_MAX_ROWS, (unsigned long long)s->dropped);
}

/* Drops the oldest batches while over the bound, statistics before alerts. */
static void queue_trim(struct store_pg *s)
{
	while (s->queued > STORE_PG_QUEUE_MAX_ROWS && s->head) {
		struct batch **victim = &s->head, *prev = NULL, *b;

		for (struct batch *it = s->head; it; prev = it, it = it->next)
			if (it->table == TABLE_STATS) {
				victim = prev ? &prev->next : &s->head;
				break;
			}
		b = *victim;
		*victim = b->next;
		if (s->tail == b) {
			s->tail = NULL;
			for (struct batch *it = s->head; it; it = it->next)
				s->tail = it;
		}
		s->queued -= b->rows.rows;
		s->dropped += b->rows.rows;
		batch_free(b);
		log_drops(s);
	}
}

static void queue_push(struct store_pg *s, struct batch *b)
{
	pthread_mutex_lock(&s->lock);
	b->next = NULL;
	if (s->tail)
		s->tail->next = b;
	else
		s->head = b;
	s->tail = b;
	s->queued += b->rows.rows;
	queue_trim(s);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

/* Takes the oldest batches, up to about TXN_MAX_ROWS rows, counted in @rows_out. */
static struct batch *queue_take(struct store_pg *s, size_t *rows_out)
{
	struct batch *first = s->head, *last = NULL;
	size_t rows = 0;

	*rows_out = 0;
	for (struct batch *b = s->head; b && (rows == 0 || rows + b->rows.rows <= TXN_MAX_ROWS);
	     b = b->next) {
		rows += b->rows.rows;
		last = b;
	}
	if (!last)
		return NULL;
	s->head = last->next;
	if (!s->head)
		s->tail = NULL;
	last->next = NULL;
	s->queued -= rows;
	*rows_out = rows;
	return first;
}

/* Puts back batches that could not be written, ahead of newer ones. */
static void queue_requeue(struct store_pg *s, struct batch *list)
{
	struct batch *last = list;
	size_t rows = 0;

	if (!list)
		return;
	for (struct batch *b = list; b; b = b->next) {
		rows += b->rows.rows;
		last = b;
	}
	last->next = s->head;
	s->head = list;
	if (!s->tail)
		s->tail = last;
	s->queued += rows;
	queue_trim(s);
}

static void list_free(struct batch *list)
{
	while (list) {
		struct batch *next = list->next;

		batch_free(list);
		list = next;
	}
}

/* ---- writing (writer thread only) ---- */

static int copy_table(PGconn *conn, enum pg_table table, const struct batch *list)
{
	const char *sql = table == TABLE_STATS
				  ? "COPY " PG_STATS_TABLE " (" PG_STATS_COLUMNS ") FROM STDIN"
				  : "COPY " PG_ALERTS_TABLE " (" PG_ALERTS_COLUMNS ") FROM STDIN";
	PGresult *res;
	bool any = false, ok;

	for (const struct batch *b = list; b; b = b->next)
		any = any || b->table == table;
	if (!any)
		return 0;
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COPY_IN;
	PQclear(res);
	if (!ok)
		return -1;
	for (const struct batch *b = list; b; b = b->next)
		if (b->table == table &&
		    PQputCopyData(conn, b->rows.text.s, (int)b->rows.text.len) != 1)
			break;
	if (PQputCopyEnd(conn, NULL) != 1)
		return -1;
	ok = true;
	while ((res = PQgetResult(conn))) {
		ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
	}
	return ok ? 0 : -1;
}

/* Writes @list in one transaction. */
static int write_batches(PGconn *conn, const struct batch *list)
{
	PGresult *res = PQexec(conn, "BEGIN");
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	if (!ok)
		return -1;
	if (copy_table(conn, TABLE_STATS, list) || copy_table(conn, TABLE_ALERTS, list)) {
		PQclear(PQexec(conn, "ROLLBACK"));
		return -1;
	}
	res = PQexec(conn, "COMMIT");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok ? 0 : -1;
}

static PGconn *connect_db(struct store_pg *s, bool report)
{
	/* Earlier keywords are defaults the user's conninfo may override. */
	const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *vals[] = {"3", "hivemon", s->conninfo, NULL};
	char err[512], line[256];
	PGconn *conn = PQconnectdbParams(keys, vals, 1);

	if (PQstatus(conn) != CONNECTION_OK) {
		if (report)
			hlog(LOG_WARNING, "store: cannot connect to PostgreSQL (will retry): %s",
			     first_line(PQerrorMessage(conn), line, sizeof(line)));
		PQfinish(conn);
		return NULL;
	}
	if (pg_schema_migrate(conn, err, sizeof(err))) {
		if (report)
			hlog(LOG_ERR, "store: schema migration failed (will retry): %s",
			     first_line(err, line, sizeof(line)));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* Sleeps up to @ms unless stopped; returns with the lock held. */
static void wait_locked(struct store_pg *s, unsigned int ms)
{
	uint64_t until = clock_ns(CLOCK_MONOTONIC) + ms * NS_PER_MS;
	struct timespec ts;

	if (s->stop && s->stop_deadline_ns < until)
		until = s->stop_deadline_ns;
	ts.tv_sec = (time_t)(until / 1000000000ULL);
	ts.tv_nsec = (long)(until % 1000000000ULL);
	pthread_cond_timedwait(&s->wake, &s->lock, &ts);
}

static void retain(struct store_pg *s, PGconn *conn, uint64_t *next_ns)
{
	char err[512], line[256];

	if (!s->retention_days || clock_ns(CLOCK_MONOTONIC) < *next_ns)
		return;
	*next_ns = clock_ns(CLOCK_MONOTONIC) + RETENTION_PERIOD_NS;
	if (pg_schema_retain(conn, s->retention_days, err, sizeof(err)))
		hlog(LOG_ERR, "store: retention failed: %s", first_line(err, line, sizeof(line)));
}

/* One pass: write a transaction's worth of batches; false when disconnected. */
static bool drain_once(struct store_pg *s, PGconn *conn)
{
	struct batch *list;
	char line[256];
	size_t rows;

	pthread_mutex_lock(&s->lock);
	list = queue_take(s, &rows);
	s->in_flight = rows;
	pthread_mutex_unlock(&s->lock);
	if (!list)
		return true;
	if (!write_batches(conn, list)) {
		pthread_mutex_lock(&s->lock);
		s->written += rows;
		s->in_flight = 0;
		pthread_mutex_unlock(&s->lock);
		list_free(list);
		return true;
	}
	pthread_mutex_lock(&s->lock);
	s->in_flight = 0;
	if (PQstatus(conn) == CONNECTION_OK) {
		/* The server refused the rows themselves: retrying cannot help. */
		hlog(LOG_ERR, "store: PostgreSQL rejected %zu rows: %s", rows,
		     first_line(PQerrorMessage(conn), line, sizeof(line)));
		s->dropped += rows;
		list_free(list);
		pthread_mutex_unlock(&s->lock);
		return true;
	}
	queue_requeue(s, list);
	pthread_mutex_unlock(&s->lock);
	return false;
}

/* The writer thread's own state. */
struct writer {
	PGconn *conn;
	unsigned int backoff_ms;
	uint64_t next_retention_ns;
	bool reported_down;
};

/* Connects if needed (lock held, released meanwhile); false after a backoff
 * wait when the database is away. */
static bool writer_connect(struct store_pg *s, struct writer *w)
{
	if (w->conn)
		return true;
	pthread_mutex_unlock(&s->lock);
	w->conn = connect_db(s, !w->reported_down);
	if (w->conn)
		retain(s, w->conn, &w->next_retention_ns);
	pthread_mutex_lock(&s->lock);
	s->connected = w->conn != NULL;
	if (!w->conn) {
		w->reported_down = true;
		wait_locked(s, w->backoff_ms);
		w->backoff_ms =
			w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->backoff_ms * 2;
		return false;
	}
	if (w->reported_down)
		hlog(LOG_NOTICE, "store: connected to PostgreSQL again, %llu rows pending",
		     (unsigned long long)s->queued);
	w->reported_down = false;
	w->backoff_ms = BACKOFF_MIN_MS;
	return true;
}

static void *writer_main(void *arg)
{
	struct store_pg *s = arg;
	struct writer w = {.backoff_ms = BACKOFF_MIN_MS};

	pthread_mutex_lock(&s->lock);
	for (;;) {
		bool expired = s->stop && clock_ns(CLOCK_MONOTONIC) >= s->stop_deadline_ns;

		if ((s->stop && !s->head) || expired)
			break;
		if (!writer_connect(s, &w))
			continue;
		if (!s->head) {
			/* Idle: wake up for new rows, stop, or the hourly retention. */
			wait_locked(s, 60000);
			if (s->head || s->stop)
				continue;
		}
		pthread_mutex_unlock(&s->lock);
		retain(s, w.conn, &w.next_retention_ns);
		if (!drain_once(s, w.conn)) {
			PQfinish(w.conn);
			w.conn = NULL;
		}
		pthread_mutex_lock(&s->lock);
		s->connected = w.conn != NULL;
	}
	if (s->queued)
		hlog(LOG_WARNING, "store: %llu rows not written to PostgreSQL at exit",
		     (unsigned long long)s->queued);
	s->connected = false;
	pthread_mutex_unlock(&s->lock);
	PQfinish(w.conn);
	return NULL;
}

/* ---- API ---- */

static int push_rows(struct store_pg *s, enum pg_table table, struct copybuf *rows)
{
	struct batch *b;

	if (!rows->rows) {
		copybuf_free(rows);
		return 0;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		copybuf_free(rows);
		return -ENOMEM;
	}
	b->table = table;
	b->rows = *rows;
	queue_push(s, b);
	return 0;
}

int store_pg_write_snapshot(struct store_pg *s, const struct snapshot *snap)
{
	struct copybuf rows = {0};

	if (pg_rows_snapshot(&rows, snap)) {
		copybuf_free(&rows);
		return -ENOMEM;
	}
	return push_rows(s, TABLE_STATS, &rows);
}

int store_pg_write_alert(struct store_pg *s, const struct store_alert_row *row)
{
	struct copybuf rows = {0};

	if (pg_rows_alert(&rows, s->host, row)) {
		copybuf_free(&rows);
		return -ENOMEM;
	}
	return push_rows(s, TABLE_ALERTS, &rows);
}

void store_pg_get_stats(struct store_pg *s, struct store_pg_stats *out)
{
	pthread_mutex_lock(&s->lock);
	out->rows_queued = s->queued + s->in_flight;
	out->rows_written = s->written;
	out->rows_dropped = s->dropped;
	out->connected = s->connected;
	pthread_mutex_unlock(&s->lock);
}

struct store_pg *store_pg_open(const char *conninfo, unsigned int retention_days)
{
	struct store_pg *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;

	if (!s || !(s->conninfo = strdup(conninfo))) {
		free(s);
		log_error("store: out of memory");
		return NULL;
	}
	s->retention_days = retention_days;
	if (gethostname(s->host, sizeof(s->host) - 1))
		strcpy(s->host, "unknown");
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&s->thread, NULL, writer_main, s)) {
		log_error("store: cannot start the writer thread");
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->lock);
		free(s->conninfo);
		free(s);
		return NULL;
	}
	return s;
}

void store_pg_close(struct store_pg *s, int timeout_ms)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	s->stop_deadline_ns =
		clock_ns(CLOCK_MONOTONIC) + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * NS_PER_MS;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	list_free(s->head);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s->conninfo);
	free(s);
}
