/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Human units for text output: durations and sizes. One formatter, in the
 * style each view needs: reports, top's fixed-width columns, alert values.
 */
#ifndef HIVEMON_UNITS_H
#define HIVEMON_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_BUFLEN 32

enum units_style {
	/* "850ns" "12.3us" "20.1ms" "1.50s"; "512B" "1.5K" "80.0M" (to P). */
	UNITS_REPORT,
	/* Three significant digits, a unit up once they would round to 1000
	 * (1024): "850ns" "1.23µs" "123µs" "1.00ms"; "512B" "80.0M" "1.50G";
	 * "-" for 0. */
	UNITS_TOP,
	/* Up to three significant digits: "850ns" "212ms" "1.5s"; one decimal
	 * for sizes: "512B" "100.0MB" "2.0GB". */
	UNITS_METRIC,
};

char *units_ns(double ns, enum units_style style, char *buf, size_t len);
char *units_bytes(double bytes, enum units_style style, char *buf, size_t len);
/* @v with three significant digits ("1.23", "12.3", "123") and @unit. */
char *units_sig3(double v, const char *unit, char *buf, size_t len);

/* units_ns() and units_bytes() in UNITS_REPORT style. */
char *format_ns(uint64_t ns, char *buf, size_t len);
char *format_bytes(uint64_t bytes, char *buf, size_t len);

#endif
