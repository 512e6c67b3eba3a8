/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layer: kernel. libbpf plumbing that knows no probe domain: loading, batched
 * map reads, double-buffered maps, counter deltas, ELF symbols. Only this
 * layer and probes/ include libbpf or bpf/ headers.
 *
 * libbpf set-up and load errors a user can act on. The only process-wide
 * state of hivemon lives here: libbpf's print callback and its verbosity.
 */
#ifndef HIVEMON_LOADER_H
#define HIVEMON_LOADER_H

#include <stdbool.h>

/* Checks privileges and BTF, routes libbpf logs. 0 or a negative errno
 * with a one-line message printed. */
int loader_init(bool verbose);
/* Prints one line explaining why @stage of module @name failed with @err
 * (negative errno) and returns @err. */
int loader_report(const char *name, const char *stage, int err);

#endif
