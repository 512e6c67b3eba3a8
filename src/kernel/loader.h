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
#include <stddef.h>

/* Checks privileges and BTF, routes libbpf logs. 0 or a negative errno
 * with a one-line message printed. */
int loader_init(bool verbose);
/* Prints one line explaining why @stage of module @name failed with @err
 * (negative errno) and returns @err. */
int loader_report(const char *name, const char *stage, int err);

/*
 * While held, loader_report() keeps its explanation instead of printing it,
 * so that the collector can say in one line that a set is unavailable and
 * why. loader_hold() starts over with no explanation kept.
 */
void loader_hold(bool hold);
/* What the last held report said: "attach failed: Operation not permitted"
 * in @why, the advice that went with it in @hint (": permission denied
 * (...)", or ""); false when nothing was reported since loader_hold(true). */
bool loader_held(char *why, size_t why_len, char *hint, size_t hint_len);

#endif
