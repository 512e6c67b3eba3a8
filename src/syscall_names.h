/* SPDX-License-Identifier: GPL-2.0 */
/* Syscall number -> name for the host architecture (x86-64). */
#ifndef HIVEMON_SYSCALL_NAMES_H
#define HIVEMON_SYSCALL_NAMES_H

/* The name of syscall @nr, NULL when unknown. */
const char *syscall_name(unsigned int nr);

#endif
