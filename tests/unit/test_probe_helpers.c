// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the helpers behind the sched, mem and alloc probes: the
 * double-buffered kernel maps (real BPF maps: needs root), the ELF symbol
 * reader and allocator lookup (against this process's own libc), and the
 * --alloc-duty option.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "probes/allocator_lib.h"
#include "cmd/cli.h"
#include "kernel/elf_sym.h"
#include "kernel/flipmap.h"

struct maps {
	int a, b, outer;
};

static void create_maps(struct maps *fds)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);

	fds->a = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "t_a", 4, 8, 4096, NULL);
	fds->b = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "t_b", 4, 8, 4096, NULL);
	assert_true(fds->a >= 0 && fds->b >= 0);
	opts.inner_map_fd = fds->a;
	fds->outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "t_outer", 4, 4, 2, &opts);
	assert_true(fds->outer >= 0);
	for (uint32_t slot = 0; slot < 2; slot++) {
		uint32_t fd = (uint32_t)(slot ? fds->b : fds->a);

		assert_int_equal(bpf_map_update_elem(fds->outer, &slot, &fd, BPF_ANY), 0);
	}
}

struct sums {
	uint64_t by_key[1500];
	unsigned int seen;
};

static int add_up(const void *key, const void *values, const struct flipmap *m, void *ctx)
{
	struct sums *s = ctx;
	uint32_t k = *(const uint32_t *)key;

	assert_true(k < 1500);
	for (int cpu = 0; cpu < m->ncpus; cpu++)
		s->by_key[k] += *(const uint64_t *)((const char *)values + cpu * m->stride);
	s->seen++;
	return 0;
}

/* Values written on every CPU are summed; the drained buffer ends empty,
 * across several batches; the live one is untouched. */
static void test_flipmap_flip_and_drain(void **state)
{
	struct sums *sums = calloc(1, sizeof(*sums));
	volatile uint32_t gen = 0;
	struct flipmap m;
	struct maps fds;
	uint64_t *vals;
	uint32_t key = 0, next;
	int ncpus, which;

	create_maps(&fds);
	assert_int_equal(flipmap_init_fds(&m, fds.outer, fds.a, fds.b, 4, 8), 0);
	ncpus = m.ncpus;
	vals = calloc((size_t)ncpus, sizeof(*vals));
	for (uint32_t k = 0; k < 1500; k++) {
		for (int cpu = 0; cpu < ncpus; cpu++)
			vals[cpu] = k + (uint64_t)cpu * 1000000;
		assert_int_equal(bpf_map_update_elem(fds.a, &k, vals, BPF_ANY), 0);
	}
	assert_int_equal(bpf_map_update_elem(fds.b, &key, vals, BPF_ANY), 0);

	which = flipmap_flip(&m, &gen);
	assert_int_equal(which, 0);
	assert_int_equal(gen, 1);
	assert_int_equal(flipmap_drain(&m, which, add_up, sums), 0);
	assert_int_equal(sums->seen, 1500);
	for (uint32_t k = 0; k < 1500; k++)
		assert_int_equal(sums->by_key[k],
				 (uint64_t)k * ncpus + 1000000ULL * ncpus * (ncpus - 1) / 2);
	assert_int_equal(bpf_map_get_next_key(fds.a, NULL, &next), -ENOENT);
	assert_int_equal(bpf_map_get_next_key(fds.b, NULL, &next), 0);

	assert_int_equal(flipmap_flip(&m, &gen), 1);
	assert_int_equal(gen, 0);
	flipmap_free(&m);
	free(vals);
	free(sums);
	close(fds.outer);
	close(fds.a);
	close(fds.b);
}

/* Offsets of libc's malloc and free, as the dynamic linker placed them. */
static void test_elf_offsets_match_the_loaded_libc(void **state)
{
	static const char *const names[] = {"malloc", "free", "no_such_function_here"};
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	size_t offsets[3];
	char path[4096];
	Dl_info info;

	assert_non_null(libc);
	assert_int_equal(allocator_lib_of((uint32_t)getpid(), path, sizeof(path)), 0);
	assert_non_null(strstr(path, "/root/"));
	assert_non_null(strstr(path, "libc.so.6"));
	assert_int_equal(elf_func_offsets(path, names, 3, offsets), 0);
	assert_true(offsets[0] && offsets[1] && offsets[0] != offsets[1]);
	assert_int_equal(offsets[2], 0);
	/* libc's text is mapped at its file offset: address - base = offset. */
	for (int i = 0; i < 2; i++) {
		void *fn = dlsym(libc, names[i]);

		assert_non_null(fn);
		assert_true(dladdr(fn, &info));
		assert_int_equal((uintptr_t)fn - (uintptr_t)info.dli_fbase, offsets[i]);
	}
	dlclose(libc);
}

static void test_allocator_of_missing_process(void **state)
{
	char path[4096];

	assert_int_equal(allocator_lib_of(0x3ffffff0, path, sizeof(path)), -ESRCH);
}

static void test_alloc_duty_option(void **state)
{
	struct probe_opts opts;

	probe_opts_default(&opts);
	assert_int_equal(opts.alloc_on_ns, 0);
	assert_int_equal(cli_common_option('D', "1s/10s", &opts), 1);
	assert_int_equal(opts.alloc_on_ns, 1000000000ULL);
	assert_int_equal(opts.alloc_period_ns, 10000000000ULL);
	assert_int_equal(cli_common_option('D', "250ms/1m", &opts), 1);
	assert_int_equal(opts.alloc_on_ns, 250000000ULL);
	assert_int_equal(opts.alloc_period_ns, 60000000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flipmap_flip_and_drain),
		cmocka_unit_test(test_elf_offsets_match_the_loaded_libc),
		cmocka_unit_test(test_allocator_of_missing_process),
		cmocka_unit_test(test_alloc_duty_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
