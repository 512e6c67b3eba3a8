/* SPDX-License-Identifier: GPL-2.0 */
/* Which malloc implementation a process really uses, found in its mappings. */
#ifndef HIVEMON_ALLOCATOR_LIB_H
#define HIVEMON_ALLOCATOR_LIB_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Writes to @path the allocator library mapped by @pid, as a path that
 * resolves from hivemon's mount namespace (/proc/PID/root/...): jemalloc or
 * tcmalloc when mapped (they interpose malloc), else the C library.
 * Returns 0, -ESRCH when the process is gone, -ENOENT when it maps none.
 */
int allocator_lib_of(uint32_t pid, char *path, size_t len);

#endif
