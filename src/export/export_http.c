// SPDX-License-Identifier: GPL-2.0
/* HTTP exporter (libmicrohttpd): serves the documents of the latest publish. */
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "export/export.h"
#include "export/export_prom.h"
#include "report/report.h"
#include "store/store_pg.h"

/* A rendered body shared by the exporter and the responses still sending it. */
struct document {
	atomic_int refs;
	size_t len;
	char *data; /* owned */
};

/* A private copy of the latest interval, for the JSON report rendered on
 * request: most intervals are never asked for, and the report of a busy
 * host costs far more to render than to copy. */
struct interval {
	atomic_int refs;
	uint64_t gen;
	struct snapshot snap;
	json_t *groups;	  /* the rebalancer's groups[], NULL when none */
	json_t *findings; /* held over intervals; NULL: the interval's own */
};

struct exporter {
	struct MHD_Daemon *httpd;
	struct prom_registry *prom; /* touched only by exporter_publish's caller */
	uint64_t gen;		    /* publishes so far (exporter_publish's caller) */
	bool has_store;		    /* the figures below are set */
	struct prom_store_figures store;
	json_t *groups;	      /* for the next publish (exporter_set_groups) */
	json_t *findings;     /* for the next publish (exporter_set_findings) */
	pthread_mutex_t lock; /* guards the pointers below */
	struct document *metrics;
	struct interval *latest; /* NULL until the first publish */
	struct document *report; /* rendered from latest, or NULL */
	uint64_t report_gen;	 /* the interval report was rendered from */
	/* Probe sets of the latest publish that could not load (/healthz). */
	atomic_uint probes_failed;
};

/* Takes over @text (malloc'ed), also when it fails. */
static struct document *document_new(char *text, size_t len)
{
	struct document *d = malloc(sizeof(*d));

	if (!d) {
		free(text);
		return NULL;
	}
	atomic_init(&d->refs, 1);
	d->len = len;
	d->data = text;
	return d;
}

static void document_unref(void *cls)
{
	struct document *d = cls;

	if (d && atomic_fetch_sub(&d->refs, 1) == 1) {
		free(d->data);
		free(d);
	}
}

static struct document *document_get(struct exporter *e, struct document **slot)
{
	struct document *d;

	pthread_mutex_lock(&e->lock);
	d = *slot;
	if (d)
		atomic_fetch_add(&d->refs, 1);
	pthread_mutex_unlock(&e->lock);
	return d;
}

static void document_swap(struct exporter *e, struct document **slot, struct document *d)
{
	struct document *old;

	pthread_mutex_lock(&e->lock);
	old = *slot;
	*slot = d;
	pthread_mutex_unlock(&e->lock);
	document_unref(old);
}

static void interval_unref(struct interval *iv)
{
	if (iv && atomic_fetch_sub(&iv->refs, 1) == 1) {
		snapshot_free(&iv->snap);
		json_decref(iv->groups);
		json_decref(iv->findings);
		free(iv);
	}
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned int status,
				  const char *body, const char *allow)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * "ok", or "degraded: tcp,mem probes unavailable" when probe sets could not
 * load. Both are 200: the exporter serves what the other sets measure, and
 * restarting it (what a failing health check leads to) would not make the
 * kernel accept the missing sets.
 */
static enum MHD_Result reply_health(struct MHD_Connection *conn, unsigned int failed)
{
	char body[128] = "ok\n";
	size_t used = 0;

	for (unsigned int i = 0; i < SNAPSHOT_PROBE_SETS; i++)
		if (failed & (1u << i))
			used += (size_t)snprintf(body + used, sizeof(body) - used, "%s%s",
						 used ? "," : "degraded: ", snapshot_probe_name(i));
	if (used)
		snprintf(body + used, sizeof(body) - used, " probes unavailable\n");
	return reply_text(conn, MHD_HTTP_OK, body, NULL);
}

/* Sends @d without copying it; the response drops its reference when done. */
static enum MHD_Result reply_document(struct MHD_Connection *conn, struct document *d,
				      const char *content_type)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
		d->len, d->data, document_unref, d);
	enum MHD_Result ret;

	if (!resp) {
		document_unref(d);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int render_metrics(struct exporter *e)
{
	struct document *d;
	size_t len;
	char *text;
	int err = prom_registry_render(e->prom, &text, &len);

	if (err)
		return err;
	d = document_new(text, len);
	if (!d)
		return -ENOMEM;
	document_swap(e, &e->metrics, d);
	return 0;
}

static struct document *render_report(const struct snapshot *snap, json_t *groups, json_t *findings)
{
	json_t *doc = report_to_json(snap);
	char *text;

	if (!doc)
		return NULL;
	if (groups)
		json_object_set(doc, "groups", groups);
	if (findings)
		json_object_set(doc, "findings", findings);
	text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(doc);
	return text ? document_new(text, strlen(text)) : NULL;
}

/* The report of the latest interval (a new reference), rendered at most
 * once per interval and never under the lock publish() takes. */
static struct document *report_get(struct exporter *e)
{
	struct interval *iv;
	struct document *d;

	pthread_mutex_lock(&e->lock);
	iv = e->latest;
	if (iv && e->report && e->report_gen == iv->gen) {
		d = e->report;
		atomic_fetch_add(&d->refs, 1);
		pthread_mutex_unlock(&e->lock);
		return d;
	}
	if (iv)
		atomic_fetch_add(&iv->refs, 1);
	pthread_mutex_unlock(&e->lock);
	if (!iv)
		return NULL;
	d = render_report(&iv->snap, iv->groups, iv->findings);
	if (d) {
		pthread_mutex_lock(&e->lock);
		if (e->latest == iv) {
			document_unref(e->report);
			e->report = d;
			e->report_gen = iv->gen;
			atomic_fetch_add(&d->refs, 1);
		}
		pthread_mutex_unlock(&e->lock);
	}
	interval_unref(iv);
	return d;
}

static int keep_interval(struct exporter *e, const struct snapshot *snap)
{
	struct interval *iv = calloc(1, sizeof(*iv)), *old;

	if (!iv)
		return -ENOMEM;
	atomic_init(&iv->refs, 1);
	iv->gen = ++e->gen;
	iv->groups = e->groups;
	e->groups = NULL;
	iv->findings = e->findings;
	e->findings = NULL;
	snapshot_init(&iv->snap);
	if (snapshot_merge(&iv->snap, snap)) {
		interval_unref(iv);
		return -ENOMEM;
	}
	pthread_mutex_lock(&e->lock);
	old = e->latest;
	e->latest = iv;
	pthread_mutex_unlock(&e->lock);
	interval_unref(old);
	return 0;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version,
				      const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	struct exporter *e = cls;
	bool known = !strcmp(url, "/metrics") || !strcmp(url, "/api/v1/report") ||
		     !strcmp(url, "/healthz");
	struct document *d;

	if (!known)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
				  "GET, HEAD");
	if (!strcmp(url, "/healthz"))
		return reply_health(conn, atomic_load(&e->probes_failed));
	if (!strcmp(url, "/metrics")) {
		d = document_get(e, &e->metrics);
		return d ? reply_document(conn, d, PROM_CONTENT_TYPE)
			 : reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no data yet\n", NULL);
	}
	d = report_get(e);
	if (!d)
		return reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no interval measured yet\n",
				  NULL);
	return reply_document(conn, d, "application/json");
}

void exporter_set_groups(struct exporter *e, json_t *groups)
{
	json_decref(e->groups);
	e->groups = groups;
}

void exporter_set_findings(struct exporter *e, json_t *findings)
{
	json_decref(e->findings);
	e->findings = findings;
}

void exporter_set_store_stats(struct exporter *e, const struct store_pg_stats *st)
{
	e->has_store = true;
	e->store = (struct prom_store_figures){.rows_written = st->rows_written,
					       .rows_dropped = st->rows_dropped,
					       .rows_queued = st->rows_queued,
					       .connected = st->connected};
}

int exporter_publish(struct exporter *e, const struct snapshot *snap)
{
	int err = prom_registry_add(e->prom, snap);

	if (!err && e->has_store)
		err = prom_registry_set_store(e->prom, &e->store);
	int err2 = render_metrics(e);
	int err3 = keep_interval(e, snap);

	atomic_store(&e->probes_failed, snap->probes_failed);

	return err ? err : err2 ? err2 : err3;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" (all addresses) into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
	struct addrinfo *res = NULL;
	const char *colon = strrchr(listen, ':');
	char host[256];
	size_t hlen;
	int rc;

	if (!colon || !colon[1])
		return -EINVAL;
	hlen = (size_t)(colon - listen);
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
	if (rc || !res)
		return -EINVAL;
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

struct exporter *exporter_open(const char *listen, bool per_pid_labels)
{
	struct sockaddr_storage addr;
	struct exporter *e;
	socklen_t addr_len;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;

	if (parse_listen(listen, &addr, &addr_len)) {
		log_error("export: bad listen address '%s' (want HOST:PORT)", listen);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e || pthread_mutex_init(&e->lock, NULL)) {
		free(e);
		log_error("export: out of memory");
		return NULL;
	}
	e->prom = prom_registry_new(per_pid_labels);
	if (!e->prom || render_metrics(e)) {
		log_error("export: out of memory");
		exporter_close(e);
		return NULL;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	e->httpd = MHD_start_daemon(flags, 0, NULL, NULL, handle_request, e, MHD_OPTION_SOCK_ADDR,
				    (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
				    (unsigned int)64, MHD_OPTION_CONNECTION_TIMEOUT,
				    (unsigned int)10, MHD_OPTION_END);
	if (!e->httpd) {
		log_error("export: cannot listen on %s: %s", listen, strerror(errno));
		exporter_close(e);
		return NULL;
	}
	return e;
}

void exporter_close(struct exporter *e)
{
	if (!e)
		return;
	/* Stopping the daemon waits for its thread, so no request is left. */
	if (e->httpd)
		MHD_stop_daemon(e->httpd);
	document_unref(e->metrics);
	document_unref(e->report);
	interval_unref(e->latest);
	json_decref(e->groups);
	json_decref(e->findings);
	prom_registry_free(e->prom);
	pthread_mutex_destroy(&e->lock);
	free(e);
}
