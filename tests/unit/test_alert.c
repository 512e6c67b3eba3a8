// SPDX-License-Identifier: GPL-2.0
/*
 * The alert state machine, table-driven: a rule, a sequence of values
 * (one per second) and the transition and tier expected after each; then
 * the engine on hand-built snapshots (one instance per series, `where`
 * globs, a process that goes away).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert/alert.h"

#define MS	  1e6
#define SEC	  1000000000ULL
#define ABSENT	  -1.0 /* the series has no data at this step */
#define MAX_STEPS 16

struct step {
	double value;
	enum alert_change change;
	enum severity level;
};

struct rule_spec {
	double info, warning, critical, emergency; /* 0 = none */
	uint64_t for_ns, repeat_ns;
	double hysteresis;
};

struct sequence {
	const char *name;
	struct rule_spec rule;
	struct step steps[MAX_STEPS];
};

#define N ALERT_NO_CHANGE

static const struct sequence sequences[] = {
	{"fires at warning, escalates to critical, resolves",
	 {.warning = 150 * MS, .critical = 200 * MS, .hysteresis = 0.1},
	 {{100 * MS, N, SEV_NONE},
	  {160 * MS, ALERT_FIRING, SEV_WARNING},
	  {210 * MS, ALERT_ESCALATED, SEV_CRITICAL},
	  {100 * MS, ALERT_RESOLVED, SEV_NONE}}},
	{"a steady breach notifies once, never again",
	 {.warning = 150 * MS, .critical = 200 * MS, .hysteresis = 0.1},
	 {{250 * MS, ALERT_FIRING, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {260 * MS, N, SEV_CRITICAL},
	  {240 * MS, N, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL}}},
	{"for 3s: fires on the fourth second of the breach",
	 {.critical = 200 * MS, .for_ns = 3 * SEC, .hysteresis = 0.1},
	 {{210 * MS, N, SEV_NONE},
	  {210 * MS, N, SEV_NONE},
	  {210 * MS, N, SEV_NONE},
	  {210 * MS, ALERT_FIRING, SEV_CRITICAL}}},
	{"for 3s: a dip restarts the pending time",
	 {.critical = 200 * MS, .for_ns = 3 * SEC, .hysteresis = 0.1},
	 {{210 * MS, N, SEV_NONE},
	  {210 * MS, N, SEV_NONE},
	  {100 * MS, N, SEV_NONE},
	  {210 * MS, N, SEV_NONE},
	  {210 * MS, N, SEV_NONE},
	  {210 * MS, N, SEV_NONE},
	  {210 * MS, ALERT_FIRING, SEV_CRITICAL}}},
	{"hysteresis 10%: holds down to 90% of the threshold, then steps down",
	 {.warning = 150 * MS, .critical = 200 * MS, .hysteresis = 0.1},
	 {{200 * MS, ALERT_FIRING, SEV_CRITICAL},
	  {185 * MS, N, SEV_CRITICAL},
	  {181 * MS, N, SEV_CRITICAL},
	  {179 * MS, ALERT_DEESCALATED, SEV_WARNING},
	  {140 * MS, N, SEV_WARNING},
	  {199 * MS, N, SEV_WARNING},
	  {134 * MS, ALERT_RESOLVED, SEV_NONE},
	  {149 * MS, N, SEV_NONE},
	  {150 * MS, ALERT_FIRING, SEV_WARNING}}},
	{"hysteresis 0: clears as soon as the value is below",
	 {.critical = 200 * MS, .hysteresis = 0},
	 {{200 * MS, ALERT_FIRING, SEV_CRITICAL}, {199 * MS, ALERT_RESOLVED, SEV_NONE}}},
	{"repeat 5s while firing, none after it resolves",
	 {.critical = 200 * MS, .repeat_ns = 5 * SEC, .hysteresis = 0.1},
	 {{250 * MS, ALERT_FIRING, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {250 * MS, ALERT_REPEAT, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {250 * MS, N, SEV_CRITICAL},
	  {250 * MS, ALERT_REPEAT, SEV_CRITICAL},
	  {10 * MS, ALERT_RESOLVED, SEV_NONE},
	  {10 * MS, N, SEV_NONE}}},
	{"the series goes away (process exited): resolved once",
	 {.critical = 200 * MS, .hysteresis = 0.1},
	 {{250 * MS, ALERT_FIRING, SEV_CRITICAL},
	  {ABSENT, ALERT_RESOLVED, SEV_NONE},
	  {ABSENT, N, SEV_NONE}}},
	{"emergency needs `for` too; the way down is immediate",
	 {.warning = 150 * MS,
	  .critical = 200 * MS,
	  .emergency = 1000 * MS,
	  .for_ns = 2 * SEC,
	  .hysteresis = 0.1},
	 {{250 * MS, N, SEV_NONE},
	  {1200 * MS, N, SEV_NONE},
	  {1200 * MS, ALERT_FIRING, SEV_CRITICAL},
	  {1200 * MS, ALERT_ESCALATED, SEV_EMERGENCY},
	  {160 * MS, ALERT_DEESCALATED, SEV_WARNING},
	  {10 * MS, ALERT_RESOLVED, SEV_NONE}}},
	{"a short spike above critical while warning does not escalate with for",
	 {.warning = 150 * MS, .critical = 200 * MS, .for_ns = 2 * SEC, .hysteresis = 0.1},
	 {{160 * MS, N, SEV_NONE},
	  {160 * MS, N, SEV_NONE},
	  {160 * MS, ALERT_FIRING, SEV_WARNING},
	  {250 * MS, N, SEV_WARNING},
	  {160 * MS, N, SEV_WARNING},
	  {250 * MS, N, SEV_WARNING},
	  {250 * MS, N, SEV_WARNING},
	  {250 * MS, ALERT_ESCALATED, SEV_CRITICAL}}},
	{"info tier alone (rates)",
	 {.info = 1000, .hysteresis = 0.1},
	 {{999, N, SEV_NONE},
	  {1000, ALERT_FIRING, SEV_INFO},
	  {901, N, SEV_INFO},
	  {899, ALERT_RESOLVED, SEV_NONE}}},
};

static void rule_from_spec(const struct rule_spec *s, struct cfg_alert *rule)
{
	const double tiers[SEV_COUNT] = {0, s->info, s->warning, s->critical, s->emergency};

	memset(rule, 0, sizeof(*rule));
	rule->name = "test";
	rule->metric_name = "syscall.latency.p99";
	for (int sev = SEV_INFO; sev <= SEV_EMERGENCY; sev++) {
		rule->threshold[sev] = tiers[sev];
		rule->has_threshold[sev] = tiers[sev] > 0;
	}
	rule->for_ns = s->for_ns;
	rule->repeat_ns = s->repeat_ns;
	rule->hysteresis = s->hysteresis;
}

static void test_sequences(void **unused)
{
	for (size_t i = 0; i < sizeof(sequences) / sizeof(sequences[0]); i++) {
		const struct sequence *seq = &sequences[i];
		struct alert_state st = {0};
		struct cfg_alert rule;

		rule_from_spec(&seq->rule, &rule);
		for (size_t k = 0; k < MAX_STEPS; k++) {
			const struct step *s = &seq->steps[k];
			enum severity previous;
			enum alert_change got;

			if (!s->value && !s->change && !s->level)
				break;
			got = alert_step(&rule, &st, s->value != ABSENT, s->value,
					 1700000000ULL * SEC + k * SEC, &previous);
			if (got != s->change || st.level != s->level)
				fail_msg("%s, step %zu (value %g): got %s/%s, want %s/%s",
					 seq->name, k, s->value, alert_change_name(got),
					 severity_name(st.level), alert_change_name(s->change),
					 severity_name(s->level));
		}
	}
}

static void test_previous_and_start(void **unused)
{
	struct rule_spec spec = {.warning = 150 * MS, .critical = 200 * MS, .hysteresis = 0.1};
	struct alert_state st = {0};
	struct cfg_alert rule;
	enum severity previous;

	rule_from_spec(&spec, &rule);
	assert_int_equal(alert_step(&rule, &st, true, 160 * MS, 10 * SEC, &previous), ALERT_FIRING);
	assert_int_equal(previous, SEV_NONE);
	assert_int_equal(alert_step(&rule, &st, true, 300 * MS, 11 * SEC, &previous),
			 ALERT_ESCALATED);
	assert_int_equal(previous, SEV_WARNING);
	assert_int_equal(alert_step(&rule, &st, false, 0, 12 * SEC, &previous), ALERT_RESOLVED);
	assert_int_equal(previous, SEV_CRITICAL);
	/* startsAt is when it began firing, not the last change. */
	assert_int_equal(st.started_ns, 10 * SEC);
	assert_true(st.value == 300 * MS);
}

/* ---- the engine on snapshots ------------------------------------------------ */

struct recorded {
	enum alert_change change[32];
	enum severity severity[32];
	char pid[32][16];
	double value[32];
	bool gone[32];
	uint64_t starts[32];
	size_t n;
};

static void record(void *ctx, const struct alert_notice *n)
{
	struct recorded *r = ctx;

	assert_true(r->n < 32);
	r->change[r->n] = n->change;
	r->severity[r->n] = n->severity;
	snprintf(r->pid[r->n], sizeof(r->pid[0]), "%s",
		 json_string_value(json_object_get(n->labels, "pid")));
	r->value[r->n] = n->value;
	r->gone[r->n] = n->gone;
	r->starts[r->n] = n->starts_at_ns;
	assert_string_equal(json_string_value(json_object_get(n->labels, "severity")),
			    severity_name(n->severity));
	assert_string_equal(json_string_value(json_object_get(n->labels, "alertname")), "slow");
	assert_int_equal(strlen(n->fingerprint), 16);
	r->n++;
}

/* A process @pid named @comm that made @count calls of @nr taking @ns each. */
static void add_calls(struct snapshot *s, uint32_t pid, const char *comm, uint32_t nr, int count,
		      uint64_t ns)
{
	struct proc_snapshot *p = snapshot_proc(s, pid);
	struct syscall_stat *sc = proc_syscall(p, nr);

	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	for (int i = 0; i < count; i++)
		assert_int_equal(hist_record(&sc->lat, ns), 0);
	sc->count += (uint64_t)count;
}

static const char engine_conf[] = "[alert \"slow\"]\n"
				  "metric = syscall.latency.p99\n"
				  "where = comm=api* syscall=clock_nanosleep\n"
				  "critical = 20ms\n";

static void test_engine_series(void **unused)
{
	struct config *cfg = NULL;
	struct alert_engine *e;
	struct recorded r = {.n = 0};
	struct snapshot s;
	json_t *firing;

	assert_int_equal(config_load_string(engine_conf, "engine.conf", &cfg, stderr), 0);
	e = alert_engine_new(cfg);
	assert_non_null(e);

	/* Syscall 230 is clock_nanosleep on x86-64, 0 is read. */
	snapshot_init(&s);
	s.duration_ns = SEC;
	add_calls(&s, 100, "api-1", 230, 50, 30 * 1000000ULL); /* critical */
	add_calls(&s, 200, "api-2", 230, 50, 16 * 1000000ULL); /* warning (75 % = 15ms) */
	add_calls(&s, 300, "api-3", 230, 50, 1 * 1000000ULL);  /* fine */
	add_calls(&s, 400, "db", 230, 50, 90 * 1000000ULL);    /* not matched: comm */
	add_calls(&s, 100, "api-1", 0, 50, 90 * 1000000ULL);   /* not matched: read */
	alert_engine_eval_rule(e, 0, &s, 10 * SEC, record, &r);
	assert_int_equal(r.n, 2);
	for (size_t i = 0; i < r.n; i++) {
		assert_int_equal(r.change[i], ALERT_FIRING);
		if (!strcmp(r.pid[i], "100")) {
			assert_int_equal(r.severity[i], SEV_CRITICAL);
			assert_true(r.value[i] > 28.5e6 && r.value[i] < 31.5e6);
		} else {
			assert_string_equal(r.pid[i], "200");
			assert_int_equal(r.severity[i], SEV_WARNING);
		}
	}
	firing = alert_engine_firing_json(e);
	assert_int_equal(json_array_size(firing), 2);
	json_decref(firing);

	/* Same values again: no duplicate notifications. */
	r.n = 0;
	alert_engine_eval_rule(e, 0, &s, 11 * SEC, record, &r);
	assert_int_equal(r.n, 0);
	snapshot_free(&s);

	/* pid 100 exits (marked), pid 200 is gone from the window: both resolve. */
	snapshot_init(&s);
	s.duration_ns = SEC;
	add_calls(&s, 100, "api-1", 230, 50, 30 * 1000000ULL);
	snapshot_find(&s, 100)->exited = true;
	add_calls(&s, 300, "api-3", 230, 50, 1 * 1000000ULL);
	alert_engine_eval_rule(e, 0, &s, 12 * SEC, record, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.change[0], ALERT_RESOLVED);
	assert_int_equal(r.change[1], ALERT_RESOLVED);
	assert_true(r.gone[0] && r.gone[1]);
	firing = alert_engine_firing_json(e);
	assert_int_equal(json_array_size(firing), 0);
	json_decref(firing);
	snapshot_free(&s);

	alert_engine_free(e);
	config_free(cfg);
}

static void test_engine_reload_keeps_state(void **unused)
{
	struct config *cfg = NULL, *cfg2 = NULL;
	struct recorded r = {.n = 0};
	struct alert_engine *e;
	struct snapshot s;

	assert_int_equal(config_load_string(engine_conf, "a.conf", &cfg, stderr), 0);
	assert_int_equal(config_load_string(engine_conf, "b.conf", &cfg2, stderr), 0);
	e = alert_engine_new(cfg);
	snapshot_init(&s);
	s.duration_ns = SEC;
	add_calls(&s, 100, "api-1", 230, 50, 30 * 1000000ULL);
	alert_engine_eval_rule(e, 0, &s, 10 * SEC, record, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(alert_engine_reload(e, cfg2), 0);
	config_free(cfg);
	/* Still firing after the reload: no second FIRING. */
	alert_engine_eval_rule(e, 0, &s, 11 * SEC, record, &r);
	assert_int_equal(r.n, 1);
	snapshot_free(&s);
	alert_engine_free(e);
	config_free(cfg2);
}

static void test_state_survives_restart(void **unused)
{
	struct config *cfg = NULL;
	struct recorded r = {.n = 0};
	struct alert_engine *e, *e2;
	struct snapshot s, empty;
	json_t *state, *firing;

	assert_int_equal(config_load_string(engine_conf, "a.conf", &cfg, stderr), 0);
	e = alert_engine_new(cfg);
	snapshot_init(&s);
	s.duration_ns = SEC;
	add_calls(&s, 100, "api-1", 230, 50, 30 * 1000000ULL);
	add_calls(&s, 200, "api-2", 230, 50, 30 * 1000000ULL);
	alert_engine_eval_rule(e, 0, &s, 10 * SEC, record, &r);
	assert_int_equal(r.n, 2);
	state = alert_engine_state_json(e);
	assert_int_equal(json_array_size(state), 2);
	alert_engine_free(e);

	/* "Restart": a new engine from the saved state. */
	e2 = alert_engine_new(cfg);
	assert_int_equal(alert_engine_restore(e2, state), 2);
	/* Restoring twice adds nothing. */
	assert_int_equal(alert_engine_restore(e2, state), 0);
	json_decref(state);
	firing = alert_engine_firing_json(e2);
	assert_int_equal(json_array_size(firing), 2);
	json_decref(firing);
	/* pid 100 still in breach: no new notification; pid 200 gone: resolved,
	 * with the startsAt of the first run. */
	snapshot_free(&s);
	snapshot_init(&s);
	s.duration_ns = SEC;
	add_calls(&s, 100, "api-1", 230, 50, 30 * 1000000ULL);
	r.n = 0;
	alert_engine_eval_rule(e2, 0, &s, 20 * SEC, record, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.change[0], ALERT_RESOLVED);
	assert_string_equal(r.pid[0], "200");
	assert_int_equal(r.starts[0], 10 * SEC);
	snapshot_init(&empty);
	empty.duration_ns = SEC;
	r.n = 0;
	alert_engine_eval_rule(e2, 0, &empty, 21 * SEC, record, &r);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.pid[0], "100");
	snapshot_free(&s);
	alert_engine_free(e2);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_previous_and_start),
		cmocka_unit_test(test_engine_series),
		cmocka_unit_test(test_engine_reload_keeps_state),
		cmocka_unit_test(test_state_survives_restart),
	};

	return cmocka_run_group_tests_name("alert", tests, NULL, NULL);
}
