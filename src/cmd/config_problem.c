// SPDX-License-Identifier: GPL-2.0
/* Problems of a config, kept until the end and printed in line order as FILE:LINE: message. */
#include <stdarg.h>
#include <stdlib.h>

#include "cmd/config_parser.h"

void problem(struct parser *p, int line, const char *fmt, ...)
{
	struct problem_line *grown;
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	p->n_errors++;
	grown = realloc(p->problems, (size_t)(p->n_problems + 1) * sizeof(*grown));
	if (!grown) {
		free(text);
		return;
	}
	p->problems = grown;
	grown[p->n_problems] = (struct problem_line){line, (size_t)p->n_problems, text};
	p->n_problems++;
}

static int by_line(const void *a, const void *b)
{
	const struct problem_line *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->order < y->order ? -1 : 1;
}

void print_problems(struct parser *p)
{
	if (p->problems)
		qsort(p->problems, (size_t)p->n_problems, sizeof(*p->problems), by_line);
	for (int i = 0; i < p->n_problems; i++) {
		if (p->errors)
			fprintf(p->errors, "%s:%d: %s\n", p->file, p->problems[i].line,
				p->problems[i].text ? p->problems[i].text : "out of memory");
		free(p->problems[i].text);
	}
	free(p->problems);
	p->problems = NULL;
	p->n_problems = 0;
}
