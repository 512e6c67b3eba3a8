// SPDX-License-Identifier: GPL-2.0
/*
 * PostgreSQL history writer: a bounded queue of COPY batches drained by the
 * store's own thread, which reconnects with backoff when the database is
 * away, so callers (measurement, alerting) never wait for the database.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "util/clock.h"
#include "util/log.h"
#include "store/store_pg.h"
#include "store/store_pg_app.h"
#include "store/store_pg_rows.h"
#include "store/store_pg_io.h"
#include "store/store_pg_schema.h"

#define NS_PER_MS	    1000000ULL
#define TXN_MAX_ROWS	    65536 /* rows per transaction */
#define BACKOFF_MIN_MS	    250
#define BACKOFF_MAX_MS	    10000
#define RETENTION_PERIOD_NS (3600ULL * 1000 * NS_PER_MS)
/* The server ends a statement it works on longer than STATEMENT_TIMEOUT;
 * this side waits IO_TIMEOUT_MS of silence before it gives a server up,
 * STOP_SILENCE_MS once stopping (a server that says nothing for that long
 * while the daemon stops is taken for hung). */
#define STATEMENT_TIMEOUT "20s"
#define IO_TIMEOUT_MS	  30000
#define STOP_SILENCE_MS	  1000

enum pg_table {
	TABLE_STATS,
	TABLE_ALERTS,
	TABLE_GROUPS,
	TABLE_GROUP_ACTIONS,
	TABLE_APP,
	TABLE_SLOW_QUERIES,
	N_TABLES
};

static const char *const copy_sql[N_TABLES] = {
	[TABLE_STATS] = "COPY " PG_STATS_TABLE " (" PG_STATS_COLUMNS ") FROM STDIN",
	[TABLE_ALERTS] = "COPY " PG_ALERTS_TABLE " (" PG_ALERTS_COLUMNS ") FROM STDIN",
	[TABLE_GROUPS] = "COPY " PG_GROUPS_TABLE " (" PG_GROUPS_COLUMNS ") FROM STDIN",
	[TABLE_GROUP_ACTIONS] =
		"COPY " PG_GROUP_ACTIONS_TABLE " (" PG_GROUP_ACTIONS_COLUMNS ") FROM STDIN",
	[TABLE_APP] = "COPY " PG_APP_TABLE " (" PG_APP_COLUMNS ") FROM STDIN",
	[TABLE_SLOW_QUERIES] =
		"COPY " PG_SLOW_QUERIES_TABLE " (" PG_SLOW_QUERIES_COLUMNS ") FROM STDIN",
};

/* Rows of one table, in COPY text format, waiting to be written. */
struct batch {
	struct batch *next;
	enum pg_table table;
	uint64_t seq; /* the writer's number for it, unique in hivemon.stored_batches */
	bool stored;  /* found stored by an earlier attempt */
	struct copybuf rows;
};

struct store_pg {
	char *conninfo;
	unsigned int retention_days;
	char host[64];
	char writer_id[33]; /* random: names this run in hivemon.stored_batches */
	struct pg_timer timer;
	pthread_t thread;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t wake;
	struct batch *head, *tail;
	uint64_t next_seq;
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

/* Drops the oldest batches while over the bound, statistics (of processes
 * and groups) before alerts and actions. */
static void queue_trim(struct store_pg *s)
{
	while (s->queued > STORE_PG_QUEUE_MAX_ROWS && s->head) {
		struct batch **victim = &s->head, *prev = NULL, *b;

		for (struct batch *it = s->head; it; prev = it, it = it->next)
			if (it->table != TABLE_ALERTS && it->table != TABLE_GROUP_ACTIONS) {
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
	b->seq = ++s->next_seq;
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

/* Takes the oldest batches, up to about @max_rows rows, counted in @rows_out. */
static struct batch *queue_take(struct store_pg *s, size_t max_rows, size_t *rows_out)
{
	struct batch *first = s->head, *last = NULL;
	size_t rows = 0;

	*rows_out = 0;
	for (struct batch *b = s->head; b && (rows == 0 || rows + b->rows.rows <= max_rows);
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

/* The copy text of the batches of one table not yet stored, in turn. */
struct copy_walk {
	const struct batch *next;
	enum pg_table table;
};

static const char *copy_next(void *ctx, size_t *len)
{
	struct copy_walk *walk = ctx;

	for (const struct batch *b = walk->next; b; b = b->next)
		if (b->table == walk->table && !b->stored) {
			walk->next = b->next;
			*len = b->rows.text.len;
			return b->rows.text.s;
		}
	walk->next = NULL;
	return NULL;
}

static int copy_table(struct store_pg *s, PGconn *conn, enum pg_table table,
		      const struct batch *list, struct pg_outcome *out)
{
	const char *sql = copy_sql[table];
	struct copy_walk walk = {.next = list, .table = table};
	size_t len;

	if (!copy_next(&walk, &len))
		return 0;
	walk.next = list;
	return pg_io_copy(&s->timer, conn, sql, copy_next, &walk, out);
}

/*
 * Records the batches of @list as stored, in the transaction that stores
 * them; a batch already recorded (an earlier attempt committed, but its
 * answer was lost) is marked stored and not sent again.
 */
static int claim_batches(struct store_pg *s, PGconn *conn, struct batch *list,
			 struct pg_outcome *out)
{
	struct textbuf seqs = {0};
	const char *params[2] = {s->writer_id, NULL};
	PGresult *res = NULL;
	int err;

	textbuf_puts(&seqs, "{");
	for (struct batch *b = list; b; b = b->next) {
		if (b != list)
			textbuf_puts(&seqs, ",");
		textbuf_u64(&seqs, b->seq);
		b->stored = true;
	}
	textbuf_puts(&seqs, "}");
	if (seqs.oom) {
		textbuf_free(&seqs);
		snprintf(out->message, sizeof(out->message), "out of memory");
		out->status = PG_LOST;
		return -1;
	}
	params[1] = seqs.s;
	err = pg_io_exec(&s->timer, conn,
			 "INSERT INTO hivemon.stored_batches (writer, seq)"
			 " SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING RETURNING seq",
			 2, params, &res, out);
	for (int i = 0; !err && res && i < PQntuples(res); i++) {
		uint64_t seq = strtoull(PQgetvalue(res, i, 0), NULL, 10);

		for (struct batch *b = list; b; b = b->next)
			if (b->seq == seq)
				b->stored = false;
	}
	PQclear(res);
	textbuf_free(&seqs);
	return err;
}

static size_t rows_already_stored(const struct batch *list)
{
	size_t rows = 0;

	for (const struct batch *b = list; b; b = b->next)
		rows += b->stored ? b->rows.rows : 0;
	return rows;
}

/* Writes @list in one transaction: all of it is stored, or none. */
static int write_batches(struct store_pg *s, PGconn *conn, struct batch *list,
			 struct pg_outcome *out)
{
	size_t again;

	if (pg_io_exec(&s->timer, conn, "BEGIN", 0, NULL, NULL, out) ||
	    claim_batches(s, conn, list, out))
		return -1;
	for (int table = 0; table < N_TABLES; table++)
		if (copy_table(s, conn, (enum pg_table)table, list, out))
			return -1;
	if (pg_io_exec(&s->timer, conn, "COMMIT", 0, NULL, NULL, out))
		return -1;
	again = rows_already_stored(list);
	if (again)
		hlog(LOG_NOTICE,
		     "store: %zu rows were stored already (the answer to their COMMIT was lost); "
		     "not stored twice",
		     again);
	return 0;
}

/* Errors in the rows themselves: sending them again cannot help. The rest
 * (timeouts, resources, shutdowns, lost connections) are retried. */
static bool rows_rejected(const struct pg_outcome *out)
{
	return out->status == PG_ERROR &&
	       (!strncmp(out->sqlstate, "22", 2) || !strncmp(out->sqlstate, "23", 2));
}

static PGconn *connect_db(struct store_pg *s, bool report)
{
	/* Earlier keywords are defaults the user's conninfo may override;
	 * keepalives find a dead peer on TCP, the timer covers the rest. */
	const char *keys[] = {"connect_timeout",
			      "application_name",
			      "keepalives",
			      "keepalives_idle",
			      "keepalives_interval",
			      "keepalives_count",
			      "tcp_user_timeout",
			      "dbname",
			      NULL};
	const char *vals[] = {"5", "hivemon", "1", "10", "5", "3", "30000", s->conninfo, NULL};
	struct pg_outcome out;
	char err[512], line[256];
	PGconn *conn = pg_io_connect(&s->timer, keys, vals, &out);

	if (!conn) {
		if (report)
			hlog(LOG_WARNING, "store: cannot connect to PostgreSQL (will retry): %s",
			     out.message);
		return NULL;
	}
	/* A statement the server works on longer than this gives up there,
	 * before this side stops waiting (IO_TIMEOUT_MS). */
	if (pg_io_exec(&s->timer, conn,
		       "SET statement_timeout = '" STATEMENT_TIMEOUT "';"
		       "SET idle_in_transaction_session_timeout = '60s'",
		       0, NULL, NULL, &out)) {
		snprintf(err, sizeof(err), "%s", out.message);
	} else if (!pg_schema_migrate(&s->timer, conn, err, sizeof(err))) {
		return conn;
	}
	if (report)
		hlog(LOG_ERR, "store: schema migration failed (will retry): %s",
		     first_line(err, line, sizeof(line)));
	PQfinish(conn);
	return NULL;
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

	if (clock_ns(CLOCK_MONOTONIC) < *next_ns)
		return;
	*next_ns = clock_ns(CLOCK_MONOTONIC) + RETENTION_PERIOD_NS;
	if (pg_schema_retain(&s->timer, conn, s->retention_days, err, sizeof(err)))
		hlog(LOG_ERR, "store: retention failed: %s", first_line(err, line, sizeof(line)));
}

/* The writer thread's own state. */
struct writer {
	PGconn *conn;
	unsigned int backoff_ms;
	uint64_t next_retention_ns;
	bool reported_down;
	unsigned int one_by_one; /* batches to write alone, to find a rejected one */
	bool rejected;		 /* the last transaction failed on its rows, not the link */
};

static size_t list_batches(const struct batch *list)
{
	size_t n = 0;

	for (; list; list = list->next)
		n++;
	return n;
}

/* One pass: write a transaction's worth of batches; false when the
 * connection has to be given up (the batches are queued again). */
static bool drain_once(struct store_pg *s, struct writer *w)
{
	struct pg_outcome out;
	struct batch *list;
	size_t rows;

	pthread_mutex_lock(&s->lock);
	list = queue_take(s, w->one_by_one ? 1 : TXN_MAX_ROWS, &rows);
	s->in_flight = rows;
	pthread_mutex_unlock(&s->lock);
	if (!list)
		return true;
	if (!write_batches(s, w->conn, list, &out)) {
		pthread_mutex_lock(&s->lock);
		s->written += rows;
		s->in_flight = 0;
		pthread_mutex_unlock(&s->lock);
		list_free(list);
		w->one_by_one -= w->one_by_one ? 1 : 0;
		return true;
	}
	pthread_mutex_lock(&s->lock);
	s->in_flight = 0;
	w->rejected = rows_rejected(&out);
	if (rows_rejected(&out) && !list->next) {
		hlog(LOG_ERR, "store: PostgreSQL rejected %zu rows: %s", rows, out.message);
		s->dropped += rows;
		list_free(list);
		w->one_by_one -= w->one_by_one ? 1 : 0;
		pthread_mutex_unlock(&s->lock);
		/* The transaction failed: start the next one on a clean connection. */
		return false;
	}
	if (rows_rejected(&out))
		w->one_by_one = (unsigned int)list_batches(list);
	else
		hlog(LOG_WARNING, "store: writing %zu rows failed (kept, will retry): %s", rows,
		     out.message);
	queue_requeue(s, list);
	pthread_mutex_unlock(&s->lock);
	return false;
}

/* Connects if needed (lock held, released meanwhile); false after a backoff
 * wait when the database is away. */
static bool writer_connect(struct store_pg *s, struct writer *w)
{
	bool stopping;

	if (w->conn)
		return true;
	stopping = s->stop;
	pthread_mutex_unlock(&s->lock);
	w->conn = connect_db(s, !w->reported_down);
	if (w->conn && !stopping)
		retain(s, w->conn, &w->next_retention_ns);
	pthread_mutex_lock(&s->lock);
	s->connected = w->conn != NULL;
	if (!w->conn) {
		w->reported_down = true;
		if (!s->stop)
			wait_locked(s, w->backoff_ms);
		w->backoff_ms =
			w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->backoff_ms * 2;
		return false;
	}
	if (w->reported_down)
		hlog(LOG_NOTICE, "store: connected to PostgreSQL again, %llu rows pending",
		     (unsigned long long)s->queued);
	w->reported_down = false;
	return true;
}

/* Gives the connection up after a failed transaction; backs off before the
 * next one unless stopping (then the writer ends) or the server refused
 * the rows. Lock held. */
static void writer_failed(struct store_pg *s, struct writer *w)
{
	pthread_mutex_unlock(&s->lock);
	PQfinish(w->conn);
	pthread_mutex_lock(&s->lock);
	w->conn = NULL;
	s->connected = false;
	/* Rows the server refused say nothing of the link: no wait. Otherwise
	 * the backoff grown while the database was away is paid (and doubled)
	 * again for the transaction that finds a bad row and for that row's
	 * batch alone, up to 20 s before the good rows behind them go in. */
	if (s->stop || w->rejected) {
		w->rejected = false;
		return;
	}
	wait_locked(s, w->backoff_ms);
	w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->backoff_ms * 2;
}

static void *writer_main(void *arg)
{
	struct store_pg *s = arg;
	struct writer w = {.backoff_ms = BACKOFF_MIN_MS};
	bool given_up = false, stopping;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		bool expired = s->stop && clock_ns(CLOCK_MONOTONIC) >= s->stop_deadline_ns;

		/* Stopping: what failed once is not tried again. */
		if ((s->stop && (!s->head || given_up)) || expired)
			break;
		if (!writer_connect(s, &w)) {
			given_up = s->stop;
			continue;
		}
		if (!s->head) {
			/* Idle: wake up for new rows, stop, or the hourly retention. */
			wait_locked(s, 60000);
			if (s->head || s->stop)
				continue;
		}
		stopping = s->stop;
		pthread_mutex_unlock(&s->lock);
		if (!stopping)
			retain(s, w.conn, &w.next_retention_ns);
		if (drain_once(s, &w)) {
			pthread_mutex_lock(&s->lock);
			w.backoff_ms = BACKOFF_MIN_MS;
			continue;
		}
		pthread_mutex_lock(&s->lock);
		given_up = s->stop;
		writer_failed(s, &w);
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
	struct copybuf rows = {0}, app = {0}, slow = {0};
	int err;

	if (pg_rows_snapshot(&rows, snap) || pg_rows_app(&app, snap) ||
	    pg_rows_slow_queries(&slow, snap)) {
		copybuf_free(&rows);
		copybuf_free(&app);
		copybuf_free(&slow);
		return -ENOMEM;
	}
	err = push_rows(s, TABLE_STATS, &rows);
	if (push_rows(s, TABLE_APP, &app))
		err = -ENOMEM;
	if (push_rows(s, TABLE_SLOW_QUERIES, &slow))
		err = -ENOMEM;
	return err;
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

int store_pg_write_groups(struct store_pg *s, uint64_t ts_ns, const json_t *groups,
			  const json_t *actions)
{
	struct copybuf rows = {0}, done = {0};
	int err = pg_rows_groups(&rows, s->host, ts_ns, groups);

	if (!err)
		err = pg_rows_group_actions(&done, s->host, actions);
	if (err) {
		copybuf_free(&rows);
		copybuf_free(&done);
		return -ENOMEM;
	}
	err = push_rows(s, TABLE_GROUPS, &rows);
	return push_rows(s, TABLE_GROUP_ACTIONS, &done) ?: err;
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

/* 128 random bits in hex: no two runs (of any host) share it. */
static void writer_name(char out[33])
{
	unsigned char bits[16];
	uint64_t fallback[2] = {clock_ns(CLOCK_REALTIME), (uint64_t)getpid()};

	if (getrandom(bits, sizeof(bits), 0) != (ssize_t)sizeof(bits))
		memcpy(bits, fallback, sizeof(bits));
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", bits[i]);
}

struct store_pg *store_pg_open(const char *conninfo, unsigned int retention_days)
{
	struct store_pg *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;

	if (!s || !(s->conninfo = strdup(conninfo)) ||
	    pg_timer_init(&s->timer, IO_TIMEOUT_MS, STOP_SILENCE_MS)) {
		if (s)
			free(s->conninfo);
		free(s);
		log_error("store: out of memory");
		return NULL;
	}
	s->retention_days = retention_days;
	if (gethostname(s->host, sizeof(s->host) - 1))
		strcpy(s->host, "unknown");
	writer_name(s->writer_id);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&s->thread, NULL, writer_main, s)) {
		log_error("store: cannot start the writer thread");
		pg_timer_free(&s->timer);
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
	pg_timer_stop(&s->timer, s->stop_deadline_ns);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pg_timer_free(&s->timer);
	list_free(s->head);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s->conninfo);
	free(s);
}
