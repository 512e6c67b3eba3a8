/* SPDX-License-Identifier: GPL-2.0 */
/* The text report of a snapshot, as a string the test frees. */
#ifndef HIVEMON_TEST_REPORT_FIXTURE_H
#define HIVEMON_TEST_REPORT_FIXTURE_H

#include <stdio.h>

#include "report/report.h"

/* Not inlined: gcc 12 then takes the stream's buffer for a local that
 * dangles (-Wdangling-pointer) in the callers' string searches. */
static __attribute__((noinline, unused)) char *render_text(const struct snapshot *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(report_print_text(s, f), 0);
	fclose(f);
	return text;
}

#endif
