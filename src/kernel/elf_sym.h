/* SPDX-License-Identifier: GPL-2.0 */
/* File offsets of functions in an ELF shared object, for uprobes. */
#ifndef HIVEMON_ELF_SYM_H
#define HIVEMON_ELF_SYM_H

#include <stddef.h>

/*
 * Fills offsets[i] with the file offset of function names[i] in the ELF
 * file @path (dynamic symbols first, then the full table), 0 when it has
 * no such function. Parsing once and attaching by offset keeps libbpf from
 * re-reading the library for every probe. Returns 0 or a negative errno.
 */
int elf_func_offsets(const char *path, const char *const names[], size_t n, size_t offsets[]);

#endif
