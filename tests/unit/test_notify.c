// SPDX-License-Identifier: GPL-2.0
/* Notification bodies, signature, delivery ids, backoff and the spool on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert/deliver.h"
#include "alert/notify.h"
#include "alert/spool.h"

#define SEC 1000000000ULL

static const char conf[] = "[webhook \"ops\"]\nurl = http://127.0.0.1:9/\n"
			   "[alert \"api-latency\"]\n"
			   "metric = syscall.latency.p99\n"
			   "critical = 200ms\n"
			   "notify = ops\n";

struct fixture {
	struct config *cfg;
	struct alert_notice notice;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_int_equal(config_load_string(conf, "n.conf", &f->cfg, stderr), 0);
	f->notice.rule = &f->cfg->alerts[0];
	f->notice.change = ALERT_ESCALATED;
	f->notice.severity = SEV_CRITICAL;
	f->notice.previous = SEV_WARNING;
	f->notice.value = 212.5e6;
	f->notice.threshold = 200e6;
	f->notice.starts_at_ns = 1700000000ULL * SEC;
	f->notice.at_ns = 1700000060ULL * SEC + 250000000ULL;
	f->notice.labels =
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "alertname", "api-latency", "severity",
			  "critical", "host", "h1", "comm", "api", "pid", "42", "syscall", "read");
	f->notice.fingerprint = "0123456789abcdef";
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	json_decref(f->notice.labels);
	config_free(f->cfg);
	free(f);
	return 0;
}

static const char *str(const json_t *obj, const char *path)
{
	const char *v = json_string_value(json_object_get(obj, path));

	if (!v)
		fail_msg("no string at %s", path);
	return v;
}

static void test_webhook_firing_shape(void **state)
{
	struct fixture *f = *state;
	json_t *doc = notify_webhook_payload(&f->notice, "ops"), *alert, *notes;

	assert_non_null(doc);
	assert_string_equal(str(doc, "version"), "4");
	assert_string_equal(str(doc, "status"), "firing");
	assert_string_equal(str(doc, "receiver"), "ops");
	assert_string_equal(str(doc, "groupKey"), "{}:{alertname=\"api-latency\"}");
	assert_string_equal(str(json_object_get(doc, "groupLabels"), "alertname"), "api-latency");
	assert_string_equal(str(json_object_get(doc, "commonLabels"), "severity"), "critical");
	assert_non_null(json_object_get(doc, "commonAnnotations"));
	assert_non_null(json_object_get(doc, "externalURL"));
	assert_int_equal(json_array_size(json_object_get(doc, "alerts")), 1);
	alert = json_array_get(json_object_get(doc, "alerts"), 0);
	assert_string_equal(str(alert, "status"), "firing");
	assert_string_equal(str(json_object_get(alert, "labels"), "pid"), "42");
	assert_string_equal(str(json_object_get(alert, "labels"), "host"), "h1");
	assert_string_equal(str(alert, "startsAt"), "2023-11-14T22:13:20.000Z");
	assert_string_equal(str(alert, "endsAt"), "0001-01-01T00:00:00Z");
	assert_string_equal(str(alert, "fingerprint"), "0123456789abcdef");
	notes = json_object_get(alert, "annotations");
	assert_string_equal(str(notes, "value"), "212ms");
	assert_string_equal(str(notes, "threshold"), "200ms");
	assert_string_equal(str(notes, "transition"), "escalated");
	assert_string_equal(str(notes, "previous_severity"), "warning");
	assert_non_null(strstr(str(notes, "summary"), "api[42] syscall=read"));
	json_decref(doc);
}

static void test_webhook_resolved(void **state)
{
	struct fixture *f = *state;
	json_t *doc, *alert;

	f->notice.change = ALERT_RESOLVED;
	doc = notify_webhook_payload(&f->notice, "ops");
	alert = json_array_get(json_object_get(doc, "alerts"), 0);
	assert_string_equal(str(doc, "status"), "resolved");
	assert_string_equal(str(alert, "status"), "resolved");
	assert_string_equal(str(alert, "endsAt"), "2023-11-14T22:14:20.250Z");
	json_decref(doc);
}

static void test_alertmanager_tier_change(void **state)
{
	struct fixture *f = *state;
	json_t *list = notify_alertmanager_payload(&f->notice), *now, *before;

	/* Escalated: the critical alert fires, the warning one ends. */
	assert_int_equal(json_array_size(list), 2);
	now = json_array_get(list, 0);
	before = json_array_get(list, 1);
	assert_string_equal(str(json_object_get(now, "labels"), "severity"), "critical");
	assert_null(json_object_get(now, "endsAt"));
	assert_string_equal(str(json_object_get(before, "labels"), "severity"), "warning");
	assert_string_equal(str(before, "endsAt"), "2023-11-14T22:14:20.250Z");
	/* The notice's own labels are not changed by it. */
	assert_string_equal(str(f->notice.labels, "severity"), "critical");
	json_decref(list);

	f->notice.change = ALERT_FIRING;
	list = notify_alertmanager_payload(&f->notice);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
}

static void test_refresh_notice(void **state)
{
	struct fixture *f = *state;
	json_t *firing = json_pack(
		"{s:s, s:s, s:s, s:O, s:f, s:f, s:s}", "alertname", "api-latency", "severity",
		"critical", "metric", "syscall.latency.p99", "labels", f->notice.labels, "value",
		250e6, "threshold", 200e6, "startsAt", "2023-11-14T22:13:20.500Z");
	struct alert_notice n;
	json_t *list;

	assert_true(notify_refresh_notice(f->cfg, firing, &n, 1700000100ULL * SEC));
	assert_ptr_equal(n.rule, &f->cfg->alerts[0]);
	assert_int_equal(n.severity, SEV_CRITICAL);
	assert_int_equal(n.change, ALERT_REPEAT);
	assert_int_equal(n.starts_at_ns, 1700000000ULL * SEC + 500000000ULL);
	assert_true(n.value == 250e6);
	list = notify_alertmanager_payload(&n);
	assert_int_equal(json_array_size(list), 1);
	assert_null(json_object_get(json_array_get(list, 0), "endsAt"));
	assert_string_equal(str(json_object_get(json_array_get(list, 0), "annotations"), "value"),
			    "250ms");
	json_decref(list);
	/* A rule that is gone from the config: nothing to re-send. */
	json_object_set_new(firing, "alertname", json_string("removed"));
	assert_false(notify_refresh_notice(f->cfg, firing, &n, 1700000100ULL * SEC));
	json_decref(firing);
}

static void test_signature(void **unused)
{
	char sig[NOTIFY_SIGNATURE_LEN];

	/* printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac top-secret */
	assert_int_equal(notify_signature("top-secret", 1700000000LL, "{\"a\":1}", 7, sig), 0);
	assert_string_equal(
		sig,
		"t=1700000000,v1=d2025794836f47aaa594a141e200ddfcf1ac5c703eeec4de43cd38a72262c5f3");
}

static void test_uuid(void **unused)
{
	char a[NOTIFY_UUID_LEN], b[NOTIFY_UUID_LEN];

	assert_int_equal(notify_uuid(a), 0);
	assert_int_equal(notify_uuid(b), 0);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '4');
	assert_true(strchr("89ab", a[19]) != NULL);
	assert_string_not_equal(a, b);
}

static void test_backoff(void **unused)
{
	struct backoff_policy p = {.base_ns = 500000000ULL, .cap_ns = 30 * SEC};

	/* Equal jitter: between half and all of base * 2^(attempt-1), capped. */
	assert_int_equal(backoff_delay_ns(&p, 1, 0.0), 250000000ULL);
	assert_int_equal(backoff_delay_ns(&p, 1, 0.999999), 499999750ULL);
	assert_int_equal(backoff_delay_ns(&p, 3, 0.0), 1 * SEC);
	assert_int_equal(backoff_delay_ns(&p, 4, 0.5), 3 * SEC);
	assert_int_equal(backoff_delay_ns(&p, 20, 0.0), 15 * SEC);
	assert_int_equal(backoff_delay_ns(&p, 200, 0.999999), 29999985000ULL);
}

static void test_spool_roundtrip(void **unused)
{
	char base[] = "/tmp/hivemon-spool-XXXXXX", *dir = NULL, *p1 = NULL, *p2 = NULL;
	char **paths = NULL, *dead_path = NULL, line[1024];
	struct spool_entry e;
	struct stat st;
	size_t n = 0;
	FILE *dead;

	assert_non_null(mkdtemp(base));
	assert_int_equal(spool_dir(base, "ops", &dir), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(spool_put(dir, "id-1", "{\"n\":1}", &p1), 0);
	usleep(1000);
	assert_int_equal(spool_put(dir, "id-2", "{\"n\":\"two \\\"quoted\\\"\"}", &p2), 0);
	/* A crash between write and rename leaves a temporary: never listed. */
	{
		char *tmp = NULL;
		FILE *t;

		assert_true(asprintf(&tmp, "%s/.tmp-1-x.json", dir) > 0);
		t = fopen(tmp, "w");
		fputs("{", t);
		fclose(t);
		free(tmp);
	}
	assert_int_equal(spool_list(dir, &paths, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(paths[0], p1); /* oldest first */
	assert_string_equal(paths[1], p2);
	assert_int_equal(spool_read(paths[1], &e), 0);
	assert_string_equal(e.delivery_id, "id-2");
	assert_string_equal(e.body, "{\"n\":\"two \\\"quoted\\\"\"}");
	spool_entry_free(&e);
	assert_int_equal(spool_done(paths[0]), 0);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	assert_int_equal(spool_list(dir, &paths, &n), 0);
	assert_int_equal(n, 1);
	free(paths[0]);
	free(paths);

	assert_int_equal(spool_dead_letter(base, "ops", "id-2", "{}", "HTTP 400: bad"), 0);
	assert_true(asprintf(&dead_path, "%s/dead-letter.jsonl", base) > 0);
	dead = fopen(dead_path, "r");
	assert_non_null(dead);
	assert_non_null(fgets(line, sizeof(line), dead));
	fclose(dead);
	{
		json_t *doc = json_loads(line, 0, NULL);

		assert_non_null(doc);
		assert_string_equal(str(doc, "reason"), "HTTP 400: bad");
		assert_string_equal(str(doc, "delivery_id"), "id-2");
		assert_string_equal(str(doc, "target"), "ops");
		json_decref(doc);
	}
	free(dead_path);
	free(p1);
	free(p2);
	free(dir);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_webhook_firing_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_webhook_resolved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alertmanager_tier_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_notice, setup, teardown),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_spool_roundtrip),
	};

	return cmocka_run_group_tests_name("notify", tests, NULL, NULL);
}
