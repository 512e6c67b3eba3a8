// SPDX-License-Identifier: GPL-2.0
/* HTTP route and SQL normalization, and their fingerprints (app_text.h). */
#include "core/app_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"

/* ---- bounded output ---------------------------------------------------- */

/* Appends never split what they are given: a piece that does not fit is not
 * written at all, and the buffer is marked full. */
struct wbuf {
	char *buf;
	size_t len, pos;
	bool full;
};

static bool w_put(struct wbuf *w, const char *s, size_t k)
{
	if (w->full || w->pos + k + 1 > w->len) {
		w->full = true;
		return false;
	}
	memcpy(w->buf + w->pos, s, k);
	w->pos += k;
	w->buf[w->pos] = '\0';
	return true;
}

static void w_rewind(struct wbuf *w, size_t pos)
{
	w->pos = pos;
	w->buf[pos] = '\0';
	w->full = false;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* ---- HTTP routes ------------------------------------------------------- */

/* 8-4-4-4-12 hex digits. */
static bool is_uuid(const unsigned char *s, size_t k)
{
	if (k != 36)
		return false;
	for (size_t i = 0; i < k; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !is_hex(s[i]))
			return false;
	}
	return true;
}

/* A word of a segment (between - _ . ~ and the like) that carries an id: a
 * number, a hex run of 8+ with a digit (12+ without), or 8+ letters and digits with at
 * least two digits ("user1234"; "oauth2callback" stays a word). */
static bool word_is_id(const unsigned char *s, size_t k)
{
	size_t digits = 0, letters = 0, hex = 0;

	if (!k)
		return false;
	for (size_t i = 0; i < k; i++) {
		if (is_digit(s[i]))
			digits++;
		else if (is_alpha(s[i]))
			letters++;
		else
			return false;
		hex += is_hex(s[i]);
	}
	if (digits == k)
		return true;
	/* No English word is 12 letters of a-f: a hex id without a digit. */
	if (hex == k && (k >= 12 || (k >= 8 && digits)))
		return true;
	return k >= 8 && digits >= 2;
}

/* A base64/base64url token: 16+ characters of that alphabet with upper and
 * lower case letters and a digit (session tokens, signed ids). */
static bool is_base64ish(const unsigned char *s, size_t k)
{
	bool upper = false, lower = false, digit = false;

	if (k < 16)
		return false;
	for (size_t i = 0; i < k; i++) {
		unsigned char c = s[i];

		if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (c >= 'a' && c <= 'z')
			lower = true;
		else if (is_digit(c))
			digit = true;
		else if (c != '+' && c != '=' && c != '-' && c != '_')
			return false;
	}
	return upper && lower && digit;
}

static bool is_word_sep(unsigned char c)
{
	return c == '-' || c == '_' || c == '.' || c == '~' || c == ',' || c == ':' || c == ';' ||
	       c == '=' || c == '+' || c == '@';
}

static bool stem_is_id(const unsigned char *s, size_t k)
{
	if (is_uuid(s, k) || is_base64ish(s, k))
		return true;
	for (size_t i = 0; i < k;) {
		size_t j = i;

		while (j < k && !is_word_sep(s[j]))
			j++;
		if (word_is_id(s + i, j - i))
			return true;
		i = j + 1;
	}
	return false;
}

/* Length of a file extension ending the segment ("png" of "42.png"): 1 to 5
 * letters and digits starting with a letter, after a non-empty stem; 0 if
 * none. */
static size_t extension_len(const unsigned char *s, size_t k)
{
	for (size_t e = 1; e <= 5 && e + 1 < k; e++) {
		if (s[k - e - 1] != '.')
			continue;
		for (size_t i = k - e; i < k; i++)
			if (!is_alpha(s[i]) && !is_digit(s[i]))
				return 0;
		return is_alpha(s[k - e]) ? e : 0;
	}
	return 0;
}

/* RFC 3986 pchar, less nothing: unreserved, sub-delims, ':' '@', and '%'
 * (already escaped input stays as it came). Everything else is escaped. */
static bool is_pchar(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("-._~!$&'()*+,;=:@%", c));
}

static bool put_escaped(struct wbuf *w, const unsigned char *s, size_t k)
{
	static const char hexd[] = "0123456789ABCDEF";

	for (size_t i = 0; i < k; i++) {
		char esc[3] = {'%', hexd[s[i] >> 4], hexd[s[i] & 15]};

		if (is_pchar(s[i]) ? !w_put(w, (const char *)s + i, 1) : !w_put(w, esc, 3))
			return false;
	}
	return true;
}

static bool put_segment(struct wbuf *w, const unsigned char *s, size_t k)
{
	size_t ext = extension_len(s, k);

	if (!w_put(w, "/", 1))
		return false;
	if (ext && stem_is_id(s, k - ext - 1))
		return w_put(w, "{id}.", 5) && put_escaped(w, s + k - ext, ext);
	if (stem_is_id(s, k))
		return w_put(w, "{id}", 4);
	return put_escaped(w, s, k);
}

/* Length of "scheme://" at @s, 0 if it does not start so. */
static size_t scheme_len(const unsigned char *s, size_t n)
{
	size_t i = 0;

	if (!n || !is_alpha(s[0]))
		return 0;
	while (i < n &&
	       (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	return n - i >= 3 && !memcmp(s + i, "://", 3) ? i + 3 : 0;
}

char *http_route_normalize(const char *target, size_t n, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)target;
	struct wbuf w = {out, len, 0, false};
	size_t i = 0, end, skip;

	if (!out || !len)
		return out;
	out[0] = '\0';
	if (!target)
		return out;
	n = strnlen(target, n);
	for (size_t j = 0; j < n; j++)
		if (is_ctl(s[j]) || s[j] == ' ')
			return out;
	if (n == 1 && s[0] == '*') {
		w_put(&w, "*", 1);
		return out;
	}
	if ((skip = scheme_len(s, n))) {
		i = skip;
		while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
			i++;
	} else if (!n || s[0] != '/') {
		return out;
	}
	for (end = i; end < n && s[end] != '?' && s[end] != '#';)
		end++;
	while (i < end) {
		size_t j, mark = w.pos;

		while (i < end && s[i] == '/')
			i++;
		for (j = i; j < end && s[j] != '/';)
			j++;
		if (j > i && !put_segment(&w, s + i, j - i)) {
			/* Cut at the last whole segment, and say so. */
			w_rewind(&w, mark);
			if (!w_put(&w, "/...", 4) && !mark) {
				w_rewind(&w, 0);
				w_put(&w, "/", 1);
			}
			return out;
		}
		i = j;
	}
	if (!w.pos || (end > 0 && s[end - 1] == '/'))
		w_put(&w, "/", 1);
	return out;
}

/* ---- SQL --------------------------------------------------------------- */

enum tok_kind { T_EOF, T_WORD, T_QIDENT, T_NUMBER, T_STRING, T_PARAM, T_PUNCT, T_BAD };

struct tok {
	enum tok_kind kind;
	size_t start, end;
	bool space_before; /* whitespace or a comment separated it from the last */
};

struct lexer {
	const unsigned char *s;
	size_t n, pos;
};

/* A valid but incomplete UTF-8 sequence running to the end of the input: a
 * prefix cut mid-character, dropped rather than turned into '?'. */
static bool utf8_cut(const unsigned char *s, size_t k)
{
	size_t need = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (!need || k >= need || s[0] > 0xf4)
		return false;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return false;
	return true;
}

/* ASCII letters, digits, '_' and '$' (bit set: may continue a word). */
static const uint8_t word_ascii[128] = {
	['$'] = 1, ['_'] = 1, ['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

static bool is_word_start(const struct lexer *lx, size_t i)
{
	unsigned char c = lx->s[i];

	if (c < 0x80)
		return word_ascii[c] && c != '$' && !is_digit(c);
	return utf8_seq_len(lx->s + i, lx->n - i) > 0;
}

static bool is_word_char(const struct lexer *lx, size_t i)
{
	unsigned char c = lx->s[i];

	return c < 0x80 ? word_ascii[c] : utf8_seq_len(lx->s + i, lx->n - i) > 0;
}

/* Skips whitespace, control bytes and comments ("--" to the end of the line,
 * nested slash-star); true if anything was skipped. */
static bool skip_space(struct lexer *lx)
{
	const unsigned char *s = lx->s;
	size_t start = lx->pos;

	while (lx->pos < lx->n) {
		size_t p = lx->pos;

		if (s[p] == ' ' || is_ctl(s[p])) {
			lx->pos++;
		} else if (s[p] == '-' && p + 1 < lx->n && s[p + 1] == '-') {
			while (lx->pos < lx->n && s[lx->pos] != '\n')
				lx->pos++;
		} else if (s[p] == '/' && p + 1 < lx->n && s[p + 1] == '*') {
			unsigned int depth = 0;

			do {
				if (lx->pos + 1 < lx->n && s[lx->pos] == '/' &&
				    s[lx->pos + 1] == '*') {
					depth++;
					lx->pos += 2;
				} else if (lx->pos + 1 < lx->n && s[lx->pos] == '*' &&
					   s[lx->pos + 1] == '/') {
					depth--;
					lx->pos += 2;
				} else {
					lx->pos++;
				}
			} while (depth && lx->pos < lx->n);
		} else {
			break;
		}
	}
	return lx->pos > start;
}

/* From the opening quote: to past the closing one, or to the end. */
static void scan_quoted(struct lexer *lx, unsigned char q, bool backslash)
{
	lx->pos++;
	while (lx->pos < lx->n) {
		unsigned char c = lx->s[lx->pos++];

		if (backslash && c == '\\') {
			lx->pos += lx->pos < lx->n;
		} else if (c == q) {
			if (lx->pos < lx->n && lx->s[lx->pos] == q)
				lx->pos++; /* '' or "" */
			else
				return;
		}
	}
}

static void scan_number(struct lexer *lx)
{
	const unsigned char *s = lx->s;
	size_t n = lx->n;

	if (s[lx->pos] == '0' && lx->pos + 1 < n && strchr("xXoObB", s[lx->pos + 1]) &&
	    s[lx->pos + 1]) {
		lx->pos += 2;
		while (lx->pos < n && (is_hex(s[lx->pos]) || s[lx->pos] == '_'))
			lx->pos++;
		return;
	}
	while (lx->pos < n && (is_digit(s[lx->pos]) || s[lx->pos] == '_'))
		lx->pos++;
	if (lx->pos < n && s[lx->pos] == '.' && !(lx->pos + 1 < n && s[lx->pos + 1] == '.'))
		for (lx->pos++; lx->pos < n && (is_digit(s[lx->pos]) || s[lx->pos] == '_');)
			lx->pos++;
	if (lx->pos < n && (s[lx->pos] == 'e' || s[lx->pos] == 'E')) {
		size_t p = lx->pos + 1;

		if (p < n && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p < n && is_digit(s[p]))
			for (lx->pos = p; lx->pos < n && is_digit(s[lx->pos]);)
				lx->pos++;
	}
}

/* At '$': a $n placeholder, a $tag$ dollar-quoted string, or a lone '$'. */
static enum tok_kind scan_dollar(struct lexer *lx)
{
	const unsigned char *s = lx->s;
	size_t open = lx->pos, p = open + 1, tag;

	if (p < lx->n && is_digit(s[p])) {
		while (p < lx->n && is_digit(s[p]))
			p++;
		lx->pos = p;
		return T_PARAM;
	}
	if (p < lx->n && s[p] != '$' && !is_word_start(lx, p)) {
		lx->pos = p;
		return T_PUNCT;
	}
	while (p < lx->n && s[p] != '$' && (is_word_char(lx, p)))
		p++;
	if (p >= lx->n) { /* cut inside the opening tag: treat as a string */
		lx->pos = lx->n;
		return T_STRING;
	}
	if (s[p] != '$') {
		lx->pos = open + 1;
		return T_PUNCT;
	}
	tag = p + 1 - open; /* "$tag$" */
	for (p++; p + tag <= lx->n; p++) {
		if (!memcmp(s + p, s + open, tag)) {
			lx->pos = p + tag;
			return T_STRING;
		}
	}
	lx->pos = lx->n;
	return T_STRING;
}

/* After a word: E'..', B'..', X'..', N'..' and U&'..' are strings. */
static bool scan_prefixed_string(struct lexer *lx, const struct tok *t)
{
	const unsigned char *s = lx->s;
	size_t k = t->end - t->start;
	unsigned char c = s[t->start] | 0x20;

	if (k != 1 || lx->pos >= lx->n)
		return false;
	if (strchr("ebxn", c) && s[lx->pos] == '\'') {
		scan_quoted(lx, '\'', c == 'e');
		return true;
	}
	if (c == 'u' && lx->pos + 1 < lx->n && s[lx->pos] == '&' && s[lx->pos + 1] == '\'') {
		lx->pos++;
		scan_quoted(lx, '\'', false);
		return true;
	}
	return false;
}

static struct tok lex_next(struct lexer *lx)
{
	const unsigned char *s = lx->s;
	struct tok t = {.space_before = skip_space(lx)};
	unsigned char c;

	t.start = lx->pos;
	if (lx->pos >= lx->n) {
		t.kind = T_EOF;
		t.end = lx->pos;
		return t;
	}
	c = s[lx->pos];
	if (is_word_start(lx, lx->pos)) {
		t.kind = T_WORD;
		while (lx->pos < lx->n && is_word_char(lx, lx->pos))
			lx->pos +=
				s[lx->pos] >= 0x80 ? utf8_seq_len(s + lx->pos, lx->n - lx->pos) : 1;
		t.end = lx->pos;
		if (scan_prefixed_string(lx, &t))
			t.kind = T_STRING;
	} else if (is_digit(c) || (c == '.' && lx->pos + 1 < lx->n && is_digit(s[lx->pos + 1]))) {
		t.kind = T_NUMBER;
		scan_number(lx);
	} else if (c == '\'') {
		t.kind = T_STRING;
		scan_quoted(lx, '\'', false);
	} else if (c == '"') {
		t.kind = T_QIDENT;
		scan_quoted(lx, '"', false);
	} else if (c == '$') {
		t.kind = scan_dollar(lx);
	} else if (c >= 0x80) {
		t.kind = utf8_cut(s + lx->pos, lx->n - lx->pos) ? T_EOF : T_BAD;
		lx->pos = t.kind == T_EOF ? lx->n : lx->pos + 1;
	} else {
		t.kind = T_PUNCT;
		lx->pos++;
	}
	t.end = lx->pos;
	return t;
}

static struct tok lex_peek(const struct lexer *lx)
{
	struct lexer copy = *lx;

	return lex_next(&copy);
}

static bool tok_is(const struct lexer *lx, const struct tok *t, const char *word)
{
	size_t k = strlen(word);

	if (t->kind == T_WORD)
		return t->end - t->start == k &&
		       !strncasecmp((const char *)lx->s + t->start, word, k);
	return t->kind == T_PUNCT && k == 1 && lx->s[t->start] == (unsigned char)word[0];
}

static bool is_literal(const struct lexer *lx, const struct tok *t)
{
	return t->kind == T_NUMBER || t->kind == T_STRING || t->kind == T_PARAM ||
	       tok_is(lx, t, "null") || tok_is(lx, t, "true") || tok_is(lx, t, "false");
}

/* One element of an IN list: [sign] literal [::type[ [] ]]... Leaves @lx
 * after it; false if it is something else (a subquery, a column). */
static bool skip_list_element(struct lexer *lx, bool *eof)
{
	struct tok t = lex_next(lx);

	if (tok_is(lx, &t, "-") || tok_is(lx, &t, "+"))
		t = lex_next(lx);
	if (t.kind == T_EOF)
		return *eof = true;
	if (!is_literal(lx, &t))
		return false;
	for (;;) {
		struct lexer save = *lx;
		struct tok a = lex_next(lx), b = lex_next(lx);

		if (!tok_is(lx, &a, ":") || !tok_is(lx, &b, ":") || a.end != b.start) {
			*lx = save;
			return true;
		}
		t = lex_next(lx);
		if (t.kind == T_EOF)
			return *eof = true;
		if (t.kind != T_WORD && t.kind != T_QIDENT)
			return false;
		save = *lx;
		a = lex_next(lx);
		b = lex_next(lx);
		if (!tok_is(lx, &a, "[") || !tok_is(lx, &b, "]"))
			*lx = save;
	}
}

/* At "(" after IN: true if the list holds only literals and placeholders
 * (or the input ends inside it), with @lx moved past its ")". */
static bool skip_literal_list(struct lexer *lx)
{
	struct lexer l = *lx;
	struct tok t = lex_next(&l); /* "(" */
	bool eof = false;

	for (;;) {
		if (!skip_list_element(&l, &eof))
			return false;
		if (eof)
			break;
		t = lex_next(&l);
		if (t.kind == T_EOF || tok_is(&l, &t, ")"))
			break;
		if (!tok_is(&l, &t, ","))
			return false;
	}
	*lx = l;
	return true;
}

/* At "(" after VALUES: moves @lx past every "( ... )" row of the list. */
static void skip_rows(struct lexer *lx)
{
	for (;;) {
		unsigned int depth = 0;
		struct tok t;

		do {
			t = lex_next(lx);
			if (tok_is(lx, &t, "("))
				depth++;
			else if (tok_is(lx, &t, ")"))
				depth--;
		} while (depth && t.kind != T_EOF);
		t = lex_peek(lx);
		if (!tok_is(lx, &t, ","))
			return;
		struct lexer l = *lx;

		lex_next(&l);
		t = lex_next(&l);
		if (!tok_is(&l, &t, "("))
			return;
		lx->pos = t.start;
	}
}

static unsigned long param_number(const struct lexer *lx, const struct tok *t)
{
	unsigned long v = 0;

	for (size_t i = t->start + 1; i < t->end && v < 1000000; i++)
		v = v * 10 + (lx->s[i] - '0');
	return v;
}

/* Highest $n placeholder of the statement, so new ones do not collide. */
static unsigned long max_param(const unsigned char *s, size_t n)
{
	struct lexer lx = {s, n, 0};
	unsigned long max = 0;

	for (struct tok t = lex_next(&lx); t.kind != T_EOF; t = lex_next(&lx))
		if (t.kind == T_PARAM && param_number(&lx, &t) > max)
			max = param_number(&lx, &t);
	return max;
}

/* Copies a quoted identifier with control bytes and invalid UTF-8 as '?'. */
static bool put_sanitized(struct wbuf *w, const unsigned char *s, size_t k)
{
	for (size_t i = 0; i < k;) {
		size_t l = 0;

		/* A run of printable ASCII, or one UTF-8 character, at once. */
		while (i + l < k && s[i + l] < 0x80 && !is_ctl(s[i + l]))
			l++;
		if (!l && s[i] >= 0x80)
			l = utf8_seq_len(s + i, k - i);
		if (!(l ? w_put(w, (const char *)s + i, l) : w_put(w, "?", 1)))
			return false;
		i += l ? l : 1;
	}
	return true;
}

struct sql_state {
	struct lexer lx;
	struct wbuf w;
	unsigned long next_param;
	enum tok_kind prev;	 /* kind of the last token written */
	unsigned char prev_char; /* and its first byte */
};

static bool put_token(struct sql_state *st, const struct tok *t, const char *text, size_t k)
{
	size_t mark = st->w.pos;

	if (t->space_before && st->w.pos && !w_put(&st->w, " ", 1))
		return false;
	if (!(text ? w_put(&st->w, text, k)
		   : put_sanitized(&st->w, st->lx.s + t->start, t->end - t->start))) {
		w_rewind(&st->w, mark);
		st->w.full = true;
		return false;
	}
	st->prev = t->kind;
	st->prev_char = st->lx.s[t->start];
	return true;
}

static bool put_literal(struct sql_state *st, const struct tok *t)
{
	char num[24];
	int k = snprintf(num, sizeof(num), "$%lu", st->next_param++);

	return put_token(st, t, num, (size_t)k);
}

/* A '-' or '+' right before a number after an operator, "(" or "," (or at the
 * start) is the number's sign: "x = -1" gives "x = $1" like "x = 1". */
static bool is_sign(struct sql_state *st, const struct tok *t)
{
	struct tok next;

	if (!tok_is(&st->lx, t, "-") && !tok_is(&st->lx, t, "+"))
		return false;
	if (st->w.pos && (st->prev != T_PUNCT || st->prev_char == ')' || st->prev_char == ']'))
		return false;
	next = lex_peek(&st->lx);
	return next.kind == T_NUMBER && !next.space_before;
}

static bool put_list(struct sql_state *st, const struct tok *open, const char *text)
{
	return put_token(st, open, text, strlen(text));
}

static bool sql_step(struct sql_state *st, const struct tok *t)
{
	struct tok next;

	if (is_sign(st, t)) {
		struct tok num = lex_next(&st->lx);

		num.space_before = t->space_before;
		return put_literal(st, &num);
	}
	switch (t->kind) {
	case T_NUMBER:
	case T_STRING:
		return put_literal(st, t);
	case T_BAD:
		return put_token(st, t, "?", 1);
	default:
		break;
	}
	if (!put_token(st, t, NULL, 0))
		return false;
	next = lex_peek(&st->lx);
	if (!tok_is(&st->lx, &next, "("))
		return true;
	if (tok_is(&st->lx, t, "in") && skip_literal_list(&st->lx))
		return put_list(st, &next, "(...)");
	if (tok_is(&st->lx, t, "values")) {
		skip_rows(&st->lx);
		return put_list(st, &next, "(...)");
	}
	return true;
}

char *sql_normalize(const char *sql, size_t n, char *out, size_t len)
{
	struct sql_state st = {.w = {out, len, 0, false}};

	if (!out || !len)
		return out;
	out[0] = '\0';
	if (!sql)
		return out;
	n = strnlen(sql, n);
	st.lx = (struct lexer){(const unsigned char *)sql, n, 0};
	st.next_param = max_param(st.lx.s, n) + 1;
	for (struct tok t = lex_next(&st.lx); t.kind != T_EOF; t = lex_next(&st.lx))
		if (!sql_step(&st, &t))
			break;
	return out;
}

unsigned long sql_max_placeholder(const char *sql, size_t n)
{
	return sql ? max_param((const unsigned char *)sql, strnlen(sql, n)) : 0;
}

/* ---- fingerprints ------------------------------------------------------ */

uint64_t app_text_fingerprint(const char *normalized)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)normalized; p && *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}
