// SPDX-License-Identifier: GPL-2.0
/* The Prometheus text exposition (format 0.0.4) of the series table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/prom_series.h"
#include "util/textbuf.h"
#include "util/utf8.h"

/* Nanoseconds as exact decimal seconds ("1.500000000"). */
static void tb_seconds(struct textbuf *b, uint64_t ns)
{
	char frac[10];
	uint64_t rest = ns % NS_PER_S;

	textbuf_u64(b, ns / NS_PER_S);
	for (int i = 9; i >= 1; i--) {
		frac[i] = (char)('0' + rest % 10);
		rest /= 10;
	}
	frac[0] = '.';
	textbuf_put(b, frac, sizeof(frac));
}

static void tb_double(struct textbuf *b, double v)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%.9g", v);

	textbuf_put(b, text, (size_t)n);
}

size_t prom_escape_label(const char *value, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value), o = 0;

	if (!cap)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t seq = utf8_seq_len(s + i, n - i);
		const char *esc = NULL;

		if (s[i] == '\\')
			esc = "\\\\";
		else if (s[i] == '"')
			esc = "\\\"";
		else if (s[i] == '\n')
			esc = "\\n";
		if (esc) {
			if (o + 2 >= cap)
				break;
			memcpy(out + o, esc, 2);
			o += 2;
			i++;
			continue;
		}
		if (!seq) { /* not UTF-8: replaced so the exposition stays valid */
			if (o + 1 >= cap)
				break;
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + seq >= cap)
			break;
		memcpy(out + o, s + i, seq);
		o += seq;
		i += seq;
	}
	out[o] = '\0';
	return o;
}

static int series_order(const void *a, const void *b)
{
	const struct prom_series *x = *(struct prom_series *const *)a,
				 *y = *(struct prom_series *const *)b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return strcmp(x->labels, y->labels);
}

/* name + suffix + {labels[,extra]} */
static void render_name(struct textbuf *b, const char *name, const char *suffix, const char *labels,
			const char *extra)
{
	textbuf_puts(b, name);
	textbuf_puts(b, suffix);
	if (!labels[0] && !extra)
		return;
	textbuf_put(b, "{", 1);
	textbuf_puts(b, labels);
	if (extra) {
		if (labels[0])
			textbuf_put(b, ",", 1);
		textbuf_puts(b, extra);
	}
	textbuf_put(b, "}", 1);
}

/* The _sum (seconds) and _count lines of a histogram or summary series. */
static void render_sum_count(struct textbuf *b, const char *name, const struct prom_series *s)
{
	render_name(b, name, "_sum", s->labels, NULL);
	textbuf_put(b, " ", 1);
	tb_seconds(b, s->sum_ns);
	textbuf_put(b, "\n", 1);
	render_name(b, name, "_count", s->labels, NULL);
	textbuf_put(b, " ", 1);
	textbuf_u64(b, s->count);
	textbuf_put(b, "\n", 1);
}

static void render_hist(struct textbuf *b, const char *name, const struct prom_series *s)
{
	struct textbuf prefix = {0};
	uint64_t cum = 0;

	/* `name_bucket{labels,le="` once; the bucket lines only differ after it. */
	textbuf_puts(&prefix, name);
	textbuf_puts(&prefix, "_bucket{");
	textbuf_puts(&prefix, s->labels);
	textbuf_puts(&prefix, s->labels[0] ? ",le=\"" : "le=\"");
	if (prefix.oom) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < N_BUCKETS; i++) {
		cum += s->buckets[i];
		textbuf_put(b, prefix.s, prefix.len);
		textbuf_puts(b, i < N_BOUNDS ? prom_le_bounds[i].text : "+Inf");
		textbuf_put(b, "\"} ", 3);
		textbuf_u64(b, cum);
		textbuf_put(b, "\n", 1);
	}
	textbuf_free(&prefix);
	render_sum_count(b, name, s);
}

static void render_series(struct textbuf *b, const struct prom_series *s)
{
	const struct prom_family *f = &prom_families[s->family];

	switch (f->kind) {
	case KIND_HISTOGRAM:
		render_hist(b, f->name, s);
		return;
	case KIND_SUMMARY:
		render_sum_count(b, f->name, s);
		return;
	case KIND_COUNTER:
		render_name(b, f->name, "", s->labels, NULL);
		textbuf_put(b, " ", 1);
		if (s->family == FAM_CPU_SECONDS)
			tb_seconds(b, s->count);
		else
			textbuf_u64(b, s->count);
		break;
	case KIND_GAUGE:
		render_name(b, f->name, "", s->labels, NULL);
		textbuf_put(b, " ", 1);
		tb_double(b, s->gauge);
		break;
	}
	textbuf_put(b, "\n", 1);
}

static const char *kind_name(enum family_kind kind)
{
	static const char *const names[] = {"counter", "gauge", "histogram", "summary"};

	return names[kind];
}

/* About the size of the exposition, so the buffer grows once or twice. */
static size_t render_estimate(struct prom_series *const *series, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		size_t line = strlen(prom_families[series[i]->family].name) +
			      strlen(series[i]->labels) + 40;

		total += prom_families[series[i]->family].kind == KIND_HISTOGRAM
				 ? line * (N_BUCKETS + 2)
				 : line * 2;
	}
	return total;
}

int prom_registry_render(const struct prom_registry *r, char **text, size_t *len)
{
	struct prom_series **sorted = NULL;
	struct textbuf b = {0};
	size_t n = 0;
	int last_family = -1;

	if (r->n) {
		sorted = malloc(r->n * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
	}
	/* Gauges only say something about the interval that fed them last. */
	for (size_t i = 0; i < r->n; i++)
		if (prom_families[r->series[i]->family].kind != KIND_GAUGE ||
		    r->series[i]->gen == r->gen)
			sorted[n++] = r->series[i];
	if (n)
		qsort(sorted, n, sizeof(*sorted), series_order);
	textbuf_reserve(&b, render_estimate(sorted, n));
	for (size_t i = 0; i < n; i++) {
		const struct prom_family *f = &prom_families[sorted[i]->family];

		if ((int)sorted[i]->family != last_family) {
			last_family = (int)sorted[i]->family;
			textbuf_puts(&b, "# HELP ");
			textbuf_puts(&b, f->name);
			textbuf_put(&b, " ", 1);
			textbuf_puts(&b, f->help);
			textbuf_puts(&b, "\n# TYPE ");
			textbuf_puts(&b, f->name);
			textbuf_put(&b, " ", 1);
			textbuf_puts(&b, kind_name(f->kind));
			textbuf_put(&b, "\n", 1);
		}
		render_series(&b, sorted[i]);
	}
	free(sorted);
	if (!textbuf_reserve(&b, 0)) {
		textbuf_free(&b);
		return -ENOMEM;
	}
	*text = b.s;
	*len = b.len;
	return 0;
}
