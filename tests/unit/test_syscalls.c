// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of core/syscalls.c, the x86_64 syscall name table, against
 * the running kernel: every native entry point __x64_sys_NAME in
 * /proc/kallsyms must have its name in the table, so that a syscall added
 * to the kernel never shows as syscall_N (as uretprobe, 335, did).
 *
 * The kernel also builds __x64_sys_ wrappers for the entry points only
 * 32-bit x86 uses (16-bit uid calls, *_time32, ia32_*, old*, socketcall...):
 * those are skipped by the list below. A few native calls are defined under
 * another name than their syscall's (newstat is stat...): renamed below.
 * Table names without any __x64_sys_ symbol (calls never implemented, such
 * as afs_syscall or tuxcall, or configured out, such as kexec_load) are
 * fine: the table keeps them for their numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/syscalls.h"

/* Entry points of 32-bit x86 only, beyond the patterns of compat_only(). */
static const char *const compat_names[] = {
	"fadvise64_64", "fstatfs64", "gethostname", "llseek",	   "mmap_pgoff",
	"ni_syscall",	"nice",	     "recv",	    "send",	   "sendfile64",
	"sgetmask",	"signal",    "sigpending",  "sigprocmask", "sigsuspend",
	"socketcall",	"ssetmask",  "statfs64",    "stime",	   "sync_file_range2",
	"waitpid",
};

/* Native entry points named otherwise than their syscall. */
static const char *const renamed[][2] = {
	{"newstat", "stat"},   {"newlstat", "lstat"}, {"newfstat", "fstat"},
	{"newuname", "uname"}, {"umount", "umount2"},
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool compat_only(const char *name)
{
	if (ends_with(name, "16") || ends_with(name, "time32") || !strncmp(name, "ia32_", 5) ||
	    !strncmp(name, "old", 3))
		return true;
	for (size_t i = 0; i < sizeof(compat_names) / sizeof(compat_names[0]); i++)
		if (!strcmp(name, compat_names[i]))
			return true;
	return false;
}

static const char *syscall_of(const char *entry)
{
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (!strcmp(entry, renamed[i][0]))
			return renamed[i][1];
	return entry;
}

static void test_every_kernel_syscall_has_a_name(void **state)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], name[256], type;
	unsigned int seen = 0, missing = 0;

	if (!f)
		skip();
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %c __x64_sys_%255s", &type, name) != 2)
			continue;
		/* .cold and the like are parts of a function, not entry points. */
		if ((type != 'T' && type != 't') || strchr(name, '.'))
			continue;
		seen++;
		if (compat_only(name) || syscall_nr(syscall_of(name)) >= 0)
			continue;
		fprintf(stderr, "syscall %s of the kernel is not in src/core/syscalls.c\n", name);
		missing++;
	}
	fclose(f);
	if (!seen)
		skip(); /* not x86_64, or symbols hidden */
	assert_int_equal(missing, 0);
}

static void test_uprobe_syscalls_are_named(void **state)
{
	char buf[SYSCALL_NAME_LEN];

	assert_string_equal(syscall_name(335, buf, sizeof(buf)), "uretprobe");
	assert_string_equal(syscall_name(336, buf, sizeof(buf)), "uprobe");
	assert_int_equal(syscall_nr("uretprobe"), 335);
	assert_int_equal(syscall_nr("read"), 0);
	assert_int_equal(syscall_nr("no_such_call"), -1);
	assert_string_equal(syscall_name(999, buf, sizeof(buf)), "syscall_999");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kernel_syscall_has_a_name),
		cmocka_unit_test(test_uprobe_syscalls_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
