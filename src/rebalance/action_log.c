// SPDX-License-Identifier: GPL-2.0
/* The actions applied to a group, with their before/after effect. */
#include <stdio.h>
#include <string.h>

#include "rebalance/action_log.h"
#include "util/rfc3339.h"
#include "util/units.h"

void action_log_init(struct action_log *l)
{
	memset(l, 0, sizeof(*l));
	for (unsigned int i = 0; i < EFFECT_WINDOWS_BEFORE; i++)
		effect_span_init(&l->recent[i]);
	effect_span_init(&l->before);
	effect_span_init(&l->after);
}

void action_log_free(struct action_log *l)
{
	for (unsigned int i = 0; i < EFFECT_WINDOWS_BEFORE; i++)
		effect_span_free(&l->recent[i]);
	for (unsigned int i = 0; i < l->n_kept; i++)
		json_decref(l->kept[i]);
	effect_span_free(&l->before);
	effect_span_free(&l->after);
	json_decref(l->finished);
	memset(l, 0, sizeof(*l));
}

/* Writes the effect so far into the record being measured. */
static void update_effect(struct action_log *l, const char *state)
{
	json_t *effect = effect_to_json(&l->before, &l->after);

	if (!effect)
		return;
	json_object_set_new(effect, "state", json_string(state));
	json_object_set_new(l->measuring, "effect", effect);
}

/* The measured record is final: handed to the history, no longer measured. */
static void finish(struct action_log *l, const char *state)
{
	update_effect(l, state);
	if (!l->finished)
		l->finished = json_array();
	if (l->finished)
		json_array_append(l->finished, l->measuring);
	l->measuring = NULL;
	effect_span_free(&l->before);
	effect_span_free(&l->after);
}

const json_t *action_log_window(struct action_log *l, const struct group_state *s,
				const struct snapshot *snap)
{
	struct effect_span *slot = &l->recent[l->next_recent];
	json_t *done;

	effect_span_free(slot);
	/* Out of memory: the window is missing from before, not wrong. */
	if (effect_span_add(slot, s, snap))
		effect_span_free(slot);
	l->next_recent = (l->next_recent + 1) % EFFECT_WINDOWS_BEFORE;
	if (!l->measuring)
		return NULL;
	effect_span_add(&l->after, s, snap);
	if (l->after.windows < EFFECT_WINDOWS_AFTER) {
		update_effect(l, "measuring");
		return NULL;
	}
	done = l->measuring;
	finish(l, "done");
	return done;
}

static void keep(struct action_log *l, json_t *record)
{
	if (l->n_kept == ACTIONS_KEPT) {
		json_decref(l->kept[0]);
		memmove(l->kept, l->kept + 1, (ACTIONS_KEPT - 1) * sizeof(l->kept[0]));
		l->n_kept--;
	}
	l->kept[l->n_kept++] = record;
}

void action_log_begin(struct action_log *l, const char *kind, const char *text, json_t *evidence,
		      uint64_t at_ns)
{
	char at[RFC3339_BUFLEN];
	json_t *record;

	if (l->measuring)
		finish(l, "cut short");
	record = json_pack("{s:s, s:s, s:s, s:o}", "at",
			   rfc3339_format(at_ns, RFC3339_MILLIS, at, sizeof(at)), "action", kind,
			   "text", text, "evidence", evidence ? evidence : json_object());
	if (!record)
		return;
	/* The windows before, oldest first: their order does not matter to sums. */
	for (unsigned int i = 0; i < EFFECT_WINDOWS_BEFORE; i++)
		effect_span_merge(&l->before, &l->recent[i]);
	keep(l, record);
	l->measuring = record;
	update_effect(l, "measuring");
}

json_t *action_log_json(const struct action_log *l)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; arr && i < l->n_kept; i++)
		json_array_append_new(arr, json_deep_copy(l->kept[i]));
	return arr;
}

json_t *action_log_take_finished(struct action_log *l)
{
	json_t *arr = l->finished ? l->finished : json_array();

	l->finished = NULL;
	return arr;
}

static const char *ns_text(const json_t *v, char *buf, size_t len)
{
	return json_is_integer(v) ? format_ns((uint64_t)json_integer_value(v), buf, len) : "-";
}

void action_effect_summary(const json_t *record, char *buf, size_t len)
{
	const json_t *g = json_object_get(json_object_get(record, "effect"), "group");
	const json_t *b = json_object_get(g, "before"), *a = json_object_get(g, "after");
	char rb[UNITS_BUFLEN], ra[UNITS_BUFLEN], qb[UNITS_BUFLEN], qa[UNITS_BUFLEN];
	int n = snprintf(buf, len, "cpu %.1f%% -> %.1f%% per member, run-queue p99 %s -> %s",
			 json_real_value(json_object_get(b, "cpu_percent")),
			 json_real_value(json_object_get(a, "cpu_percent")),
			 ns_text(json_object_get(b, "runq_p99_ns"), rb, sizeof(rb)),
			 ns_text(json_object_get(a, "runq_p99_ns"), ra, sizeof(ra)));

	/* Request latency only for groups that serve requests. */
	if (n > 0 && (size_t)n < len &&
	    (json_is_integer(json_object_get(b, "request_p99_ns")) ||
	     json_is_integer(json_object_get(a, "request_p99_ns"))))
		snprintf(buf + n, len - (size_t)n, ", request p99 %s -> %s",
			 ns_text(json_object_get(b, "request_p99_ns"), qb, sizeof(qb)),
			 ns_text(json_object_get(a, "request_p99_ns"), qa, sizeof(qa)));
}
