/* SPDX-License-Identifier: GPL-2.0 */
/* Human units for text output: durations, sizes, rates, timestamps. */
#ifndef HIVEMON_UNITS_H
#define HIVEMON_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_BUFLEN 32

/* "850ns", "12.3us", "20.1ms", "1.50s". */
char *format_ns(uint64_t ns, char *buf, size_t len);
/* "512B", "1.5K", "80.0M", "2.1G" (powers of 1024). */
char *format_bytes(uint64_t bytes, char *buf, size_t len);

#endif
