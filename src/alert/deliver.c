// SPDX-License-Identifier: GPL-2.0
/* Notification delivery: a queue and a thread per target, libcurl, retries, dead letters. */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "cmd/commands.h"
#include "alert/deliver.h"
#include "util/log.h"
#include "alert/notify.h"
#include "alert/spool.h"

#define RESPONSE_KEEP 200 /* bytes of a refusal kept for the dead letter */

struct item {
	struct item *next;
	char *path; /* spool file; NULL for a refresh that is not spooled */
	char *delivery_id;
	char *body;
};

struct worker {
	struct notifier *owner;
	enum target_kind kind;
	char *name;
	char *url; /* where to POST */
	char *secret;
	uint64_t timeout_ns;
	uint64_t refresh_ns, last_refresh_ns; /* alertmanager, CLOCK_MONOTONIC */
	char *spool_dir;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item *head, *tail; /* under lock */
	size_t queued;		  /* items in memory, under lock */

	/* The spool is the durable copy: memory holds at most
	 * DELIVER_QUEUE_MAX notifications, the rest are read back from the
	 * spool as room frees up, oldest first. Guarded by spool_lock (taken
	 * before lock), so a file is never both queued by its submitter and
	 * read back. */
	pthread_mutex_t spool_lock;
	size_t on_disk_only; /* spooled, not in memory */
	char *loaded_upto;   /* newest spool file ever queued (they sort by age) */
	atomic_bool stop;
	uint64_t rng;
};

struct notifier {
	char *state_dir;
	struct backoff_policy policy;
	struct worker *workers;
	size_t n_workers;
};

enum outcome { SENT, RETRY, REFUSED };

uint64_t backoff_delay_ns(const struct backoff_policy *policy, unsigned int attempt, double random)
{
	uint64_t delay = policy->base_ns;

	for (unsigned int i = 1; i < attempt && delay < policy->cap_ns; i++)
		delay *= 2;
	if (delay > policy->cap_ns)
		delay = policy->cap_ns;
	/* "Equal jitter": at least half the delay, so retries still back off,
	 * spread over the other half so receivers are not hit in lockstep. */
	return delay / 2 + (uint64_t)((double)(delay / 2) * random);
}

static double next_random(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (double)(w->rng >> 11) / 9007199254740992.0;
}

/* ---- queue ------------------------------------------------------------------ */

static void item_free(struct item *it)
{
	free(it->path);
	free(it->delivery_id);
	free(it->body);
	free(it);
}

static struct item *item_new(const char *path, const char *delivery_id, const char *body)
{
	struct item *it = calloc(1, sizeof(*it));

	if (!it)
		return NULL;
	it->path = path ? strdup(path) : NULL;
	it->delivery_id = strdup(delivery_id);
	it->body = strdup(body);
	if ((path && !it->path) || !it->delivery_id || !it->body) {
		item_free(it);
		return NULL;
	}
	return it;
}

static void enqueue(struct worker *w, struct item *it)
{
	pthread_mutex_lock(&w->lock);
	w->queued++;
	if (w->tail)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static bool queue_empty(struct worker *w)
{
	bool empty;

	pthread_mutex_lock(&w->lock);
	empty = !w->head;
	pthread_mutex_unlock(&w->lock);
	return empty;
}

/* The head of the queue, waiting for one; NULL when stopping. The head
 * stays queued (and owned by the queue) until pop(). */
static struct item *wait_head(struct worker *w)
{
	struct item *it;

	pthread_mutex_lock(&w->lock);
	while (!w->head && !atomic_load(&w->stop))
		pthread_cond_wait(&w->cond, &w->lock);
	it = atomic_load(&w->stop) ? NULL : w->head;
	pthread_mutex_unlock(&w->lock);
	return it;
}

static void pop(struct worker *w)
{
	struct item *it;

	pthread_mutex_lock(&w->lock);
	it = w->head;
	w->head = it->next;
	if (!w->head)
		w->tail = NULL;
	w->queued--;
	pthread_mutex_unlock(&w->lock);
	item_free(it);
}

static size_t queued_now(struct worker *w)
{
	size_t n;

	pthread_mutex_lock(&w->lock);
	n = w->queued;
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* Marks @path the newest spool file queued (spool_lock held). */
static void loaded(struct worker *w, const char *path)
{
	if (w->loaded_upto && strcmp(path, w->loaded_upto) <= 0)
		return;
	free(w->loaded_upto);
	w->loaded_upto = strdup(path);
}

/* Queues the notification spooled at @path: 0, -EINVAL (unreadable), -ENOMEM. */
static int queue_file(struct worker *w, const char *path)
{
	struct spool_entry e;
	struct item *it;

	if (spool_read(path, &e)) {
		hlog(LOG_ERR, "%s: unreadable spool file %s left in place", w->name, path);
		return -EINVAL;
	}
	it = item_new(e.path, e.delivery_id, e.body);
	spool_entry_free(&e);
	if (!it)
		return -ENOMEM;
	enqueue(w, it);
	return 0;
}

/*
 * Queues the spool files newer than any queued so far, oldest first, while
 * there is room; counts the ones left on disk (spool_lock held). A file
 * older than loaded_upto is queued already, delivered, or unreadable.
 */
static size_t load_spool_locked(struct worker *w)
{
	size_t n = 0, room, queued = 0, held = queued_now(w);
	char **paths = NULL;
	bool full;

	if (spool_list(w->spool_dir, &paths, &n))
		return 0;
	room = held < DELIVER_QUEUE_MAX ? DELIVER_QUEUE_MAX - held : 0;
	full = !room;
	w->on_disk_only = 0;
	for (size_t i = 0; i < n; i++) {
		int err;

		if (paths[i] && (!w->loaded_upto || strcmp(paths[i], w->loaded_upto) > 0)) {
			err = full ? -ENOSPC : queue_file(w, paths[i]);
			if (err == -ENOSPC || err == -ENOMEM) {
				full = true;
				w->on_disk_only++;
			} else {
				/* Unreadable files are passed over for good. */
				loaded(w, paths[i]);
				queued += !err;
				full = queued >= room;
			}
		}
		free(paths[i]);
	}
	free(paths);
	return queued;
}

/* Reads back from the spool once half the room is free. */
static void refill(struct worker *w)
{
	pthread_mutex_lock(&w->spool_lock);
	if (w->on_disk_only && queued_now(w) <= DELIVER_QUEUE_MAX / 2)
		load_spool_locked(w);
	pthread_mutex_unlock(&w->spool_lock);
}

/* Sleeps @ns unless told to stop. */
static void pause_for(struct worker *w, uint64_t ns)
{
	uint64_t until = clock_ns(CLOCK_MONOTONIC) + ns;
	struct timespec ts = {.tv_sec = (time_t)(until / 1000000000ULL),
			      .tv_nsec = (long)(until % 1000000000ULL)};

	pthread_mutex_lock(&w->lock);
	while (!atomic_load(&w->stop) && clock_ns(CLOCK_MONOTONIC) < until)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&w->lock);
}

/* ---- one HTTP attempt ---------------------------------------------------------- */

struct response {
	char text[RESPONSE_KEEP + 1];
	size_t len;
};

static size_t keep_response(char *data, size_t size, size_t nmemb, void *user)
{
	struct response *r = user;
	size_t n = size * nmemb, room = RESPONSE_KEEP - r->len;

	memcpy(r->text + r->len, data, n < room ? n : room);
	r->len += n < room ? n : room;
	r->text[r->len] = '\0';
	return n;
}

/* Aborts a transfer in flight when the notifier stops. */
static int check_stop(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		      curl_off_t ulnow)
{
	struct worker *w = user;

	return atomic_load(&w->stop) ? 1 : 0;
}

static struct curl_slist *request_headers(const struct worker *w, const struct item *it)
{
	struct curl_slist *h = NULL;
	char line[NOTIFY_SIGNATURE_LEN + 64];

	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	snprintf(line, sizeof(line), "X-Hivemon-Delivery: %s", it->delivery_id);
	h = curl_slist_append(h, line);
	if (w->secret) {
		char sig[NOTIFY_SIGNATURE_LEN];

		if (!notify_signature(w->secret, (long long)time(NULL), it->body, strlen(it->body),
				      sig)) {
			snprintf(line, sizeof(line), "X-Hivemon-Signature: %s", sig);
			h = curl_slist_append(h, line);
		}
	}
	return h;
}

static enum outcome send_once(struct worker *w, CURL *curl, const struct item *it, char *reason,
			      size_t reason_len, uint64_t *retry_after_ns)
{
	struct curl_slist *headers = request_headers(w, it);
	struct response resp = {.len = 0};
	long code = 0;
	curl_off_t retry_after = 0;
	CURLcode res;

	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, w->url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, it->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(it->body));
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "hivemon/" HIVEMON_VERSION);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)(w->timeout_ns / 1000000ULL));
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_stop);
	curl_easy_setopt(curl, CURLOPT_XFERINFODATA, w);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_response);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	res = curl_easy_perform(curl);
	curl_slist_free_all(headers);
	*retry_after_ns = 0;
	if (res != CURLE_OK) {
		snprintf(reason, reason_len, "%s", curl_easy_strerror(res));
		return RETRY;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300)
		return SENT;
	snprintf(reason, reason_len, "HTTP %ld: %s", code, resp.text);
	if (code == 429 || code >= 500) {
		if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
		    retry_after > 0)
			*retry_after_ns = (uint64_t)retry_after * 1000000000ULL;
		return RETRY;
	}
	return REFUSED;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct backoff_policy *policy = &w->owner->policy;
	CURL *curl = curl_easy_init();
	unsigned int attempt = 0;
	struct item *it;

	if (!curl) {
		hlog(LOG_ERR, "%s: cannot initialise libcurl; notifications stay spooled", w->name);
		return NULL;
	}
	while ((it = wait_head(w))) {
		char reason[RESPONSE_KEEP + 64] = "";
		uint64_t retry_after = 0, delay;
		enum outcome o = send_once(w, curl, it, reason, sizeof(reason), &retry_after);

		if (o == RETRY && atomic_load(&w->stop))
			break;
		if (o == RETRY) {
			delay = backoff_delay_ns(policy, ++attempt, next_random(w));
			if (retry_after > delay)
				delay = retry_after < policy->cap_ns ? retry_after : policy->cap_ns;
			hlog(LOG_WARNING, "%s: delivery %s failed (%s), attempt %u, retry in %.1fs",
			     w->name, it->delivery_id, reason, attempt, (double)delay / 1e9);
			pause_for(w, delay);
			continue;
		}
		if (o == SENT) {
			hlog(LOG_INFO, "%s: delivered %s after %u retries", w->name,
			     it->delivery_id, attempt);
		} else {
			hlog(LOG_ERR, "%s: delivery %s refused (%s), moved to the dead letters",
			     w->name, it->delivery_id, reason);
			if (it->path && spool_dead_letter(w->owner->state_dir, w->name,
							  it->delivery_id, it->body, reason))
				hlog(LOG_ERR,
				     "%s: cannot write the dead letter of %s; kept in spool",
				     w->name, it->delivery_id);
		}
		if (it->path)
			spool_done(it->path);
		pop(w);
		refill(w);
		attempt = 0;
	}
	curl_easy_cleanup(curl);
	return NULL;
}

/* ---- notifier ------------------------------------------------------------------ */

/* Queues what a previous run left in the spool, oldest first, as much as
 * memory may hold; the rest is read back as deliveries free room. */
static void load_spool(struct worker *w)
{
	size_t queued;

	pthread_mutex_lock(&w->spool_lock);
	queued = load_spool_locked(w);
	if (queued || w->on_disk_only)
		hlog(LOG_NOTICE, "%s: %zu spooled notifications to deliver", w->name,
		     queued + w->on_disk_only);
	pthread_mutex_unlock(&w->spool_lock);
}

static int worker_init(struct notifier *n, struct worker *w, const struct cfg_target *t)
{
	pthread_condattr_t attr;

	w->owner = n;
	w->kind = t->kind;
	w->name = strdup(t->name);
	w->secret = t->secret ? strdup(t->secret) : NULL;
	w->timeout_ns = t->timeout_ns;
	w->refresh_ns = t->refresh_ns;
	w->last_refresh_ns = clock_ns(CLOCK_MONOTONIC);
	if (t->kind == TARGET_ALERTMANAGER) {
		size_t len = strlen(t->url);

		while (len && t->url[len - 1] == '/')
			len--;
		if (asprintf(&w->url, "%.*s/api/v2/alerts", (int)len, t->url) < 0)
			w->url = NULL;
	} else {
		w->url = strdup(t->url);
	}
	if (RAND_bytes((unsigned char *)&w->rng, sizeof(w->rng)) != 1 || !w->rng)
		w->rng = clock_ns(CLOCK_MONOTONIC) | 1;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&w->lock, NULL);
	pthread_mutex_init(&w->spool_lock, NULL);
	if (!w->name || !w->url || (t->secret && !w->secret))
		return -ENOMEM;
	return spool_dir(n->state_dir, t->name, &w->spool_dir);
}

static void worker_fini(struct worker *w)
{
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		atomic_store(&w->stop, true);
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	while (w->head)
		pop(w);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	pthread_mutex_destroy(&w->spool_lock);
	free(w->loaded_upto);
	free(w->name);
	free(w->url);
	free(w->secret);
	free(w->spool_dir);
}

/* Notifications spooled for a target the config no longer has stay on disk:
 * say so, since nothing will send them. */
static void warn_orphan_spools(const struct config *cfg)
{
	char *root = NULL;
	struct dirent *ent;
	DIR *d;

	if (asprintf(&root, "%s/spool", cfg->state_dir) < 0)
		return;
	d = opendir(root);
	while (d && (ent = readdir(d))) {
		char *dir = NULL, **paths = NULL;
		size_t n = 0;

		if (ent->d_name[0] == '.' || config_target(cfg, ent->d_name))
			continue;
		if (asprintf(&dir, "%s/%s", root, ent->d_name) > 0 &&
		    !spool_list(dir, &paths, &n)) {
			if (n)
				hlog(LOG_WARNING,
				     "%zu notifications for target '%s', which the config no "
				     "longer "
				     "has, stay in %s",
				     n, ent->d_name, dir);
			for (size_t i = 0; i < n; i++)
				free(paths[i]);
			free(paths);
		}
		free(dir);
	}
	if (d)
		closedir(d);
	free(root);
}

struct notifier *notifier_open(const struct config *cfg, const struct backoff_policy *policy)
{
	struct notifier *n = calloc(1, sizeof(*n));
	size_t i;

	if (!n)
		return NULL;
	n->policy = *policy;
	n->state_dir = strdup(cfg->state_dir);
	n->workers = calloc(cfg->n_targets ? cfg->n_targets : 1, sizeof(*n->workers));
	if (!n->state_dir || !n->workers) {
		notifier_close(n);
		return NULL;
	}
	for (i = 0; i < cfg->n_targets; i++) {
		struct worker *w = &n->workers[i];
		int err;

		n->n_workers++;
		err = worker_init(n, w, &cfg->targets[i]);
		if (err) {
			hlog(LOG_ERR, "%s: cannot create the spool under %s: %s",
			     cfg->targets[i].name, cfg->state_dir, strerror(-err));
			notifier_close(n);
			return NULL;
		}
		load_spool(w);
		if (pthread_create(&w->thread, NULL, worker_main, w)) {
			hlog(LOG_ERR, "%s: cannot start the delivery thread", w->name);
			notifier_close(n);
			return NULL;
		}
		w->started = true;
	}
	warn_orphan_spools(cfg);
	return n;
}

static struct worker *find_worker(struct notifier *n, const char *name)
{
	for (size_t i = 0; i < n->n_workers; i++)
		if (!strcmp(n->workers[i].name, name))
			return &n->workers[i];
	return NULL;
}

static char *render_body(const struct worker *w, const struct alert_notice *notice)
{
	json_t *doc = w->kind == TARGET_WEBHOOK ? notify_webhook_payload(notice, w->name)
						: notify_alertmanager_payload(notice);
	char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	return body;
}

/* A notification spooled at @path waits on disk (spool_lock held) when
 * memory is full or older ones wait there: they go first. One that sorts
 * before what was read back (the clock went back) would never be read
 * back, so it is queued whatever the bound. */
static bool stays_on_disk(struct worker *w, const char *path)
{
	if (w->loaded_upto && strcmp(path, w->loaded_upto) <= 0)
		return false;
	return w->on_disk_only || queued_now(w) >= DELIVER_QUEUE_MAX;
}

int notifier_submit(struct notifier *n, const struct alert_notice *notice)
{
	int failures = 0;

	for (size_t i = 0; i < notice->rule->n_notify; i++) {
		struct worker *w = find_worker(n, notice->rule->notify[i]);
		char id[NOTIFY_UUID_LEN], *body, *path = NULL;
		struct item *it;
		int err;

		if (!w || notify_uuid(id) || !(body = render_body(w, notice))) {
			failures++;
			continue;
		}
		pthread_mutex_lock(&w->spool_lock);
		err = spool_put(w->spool_dir, id, body, &path);
		if (err)
			hlog(LOG_ERR, "%s: cannot spool %s (%s); sending it without a copy on disk",
			     w->name, id, strerror(-err));
		if (!err && stays_on_disk(w, path)) {
			w->on_disk_only++;
			/* Memory emptied while a read-back failed: read back now. */
			if (!queued_now(w))
				load_spool_locked(w);
		} else if ((it = item_new(path, id, body))) {
			enqueue(w, it);
			if (path)
				loaded(w, path);
		} else {
			failures++;
		}
		pthread_mutex_unlock(&w->spool_lock);
		free(path);
		free(body);
	}
	return failures ? -EIO : 0;
}

static bool refresh_due(const struct worker *w, uint64_t now_mono_ns)
{
	return w->kind == TARGET_ALERTMANAGER && now_mono_ns - w->last_refresh_ns >= w->refresh_ns;
}

bool notifier_refresh_due(const struct notifier *n, uint64_t now_mono_ns)
{
	for (size_t i = 0; i < n->n_workers; i++)
		if (refresh_due(&n->workers[i], now_mono_ns))
			return true;
	return false;
}

/* The Alertmanager alerts of @firing that @w's rules send it; NULL if none. */
static char *refresh_body(const struct worker *w, const struct config *cfg, const json_t *firing)
{
	json_t *alerts = json_array(), *f;
	uint64_t now = clock_ns(CLOCK_REALTIME);
	char *body = NULL;
	size_t j;

	json_array_foreach(firing, j, f)
	{
		struct alert_notice notice;

		if (!notify_refresh_notice(cfg, f, &notice, now))
			continue;
		for (size_t k = 0; k < notice.rule->n_notify; k++)
			if (!strcmp(notice.rule->notify[k], w->name)) {
				json_t *payload = notify_alertmanager_payload(&notice);

				json_array_extend(alerts, payload);
				json_decref(payload);
			}
	}
	if (json_array_size(alerts))
		body = json_dumps(alerts, JSON_COMPACT);
	json_decref(alerts);
	return body;
}

void notifier_refresh_alertmanagers(struct notifier *n, const struct config *cfg,
				    const json_t *firing, uint64_t now_mono_ns)
{
	for (size_t i = 0; i < n->n_workers; i++) {
		struct worker *w = &n->workers[i];
		char id[NOTIFY_UUID_LEN], *body;
		struct item *it;

		if (!refresh_due(w, now_mono_ns))
			continue;
		w->last_refresh_ns = now_mono_ns;
		/* A backlog means it is down: the backlog carries the news. */
		if (!queue_empty(w) || !(body = refresh_body(w, cfg, firing)))
			continue;
		it = notify_uuid(id) ? NULL : item_new(NULL, id, body);
		if (it)
			enqueue(w, it);
		free(body);
	}
}

void notifier_close(struct notifier *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_workers; i++)
		worker_fini(&n->workers[i]);
	free(n->workers);
	free(n->state_dir);
	free(n);
}
