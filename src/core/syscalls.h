/* SPDX-License-Identifier: GPL-2.0 */
/* Syscall numbers to names (x86_64). */
#ifndef HIVEMON_SYSCALLS_H
#define HIVEMON_SYSCALLS_H

#include <stddef.h>

#define SYSCALL_NAME_LEN 32

/* The name of @nr, or "syscall_<nr>" written into @buf when unknown. */
const char *syscall_name(unsigned int nr, char *buf, size_t len);
/* The number of syscall @name, or -1 when the table does not know it. */
int syscall_nr(const char *name);

#endif
