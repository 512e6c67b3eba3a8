// SPDX-License-Identifier: GPL-2.0
/* Histogram bucket math (bpf/hist.h) and percentile extraction (src/hist.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bpf/hist.h"
#include "core/hist.h"

/* First value past the log-linear range: it and all above share the last slot. */
#define HIST_OVERFLOW (1ULL << (HIST_MAX_LOG + 1))

/* xoshiro256** seeded by splitmix64: reproducible samples on every libc. */
struct rng {
	uint64_t s[4];
};

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		r->s[i] = z ^ (z >> 31);
	}
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in (0, 1]: never 0, so log() is safe. */
static double rng_unit(struct rng *r)
{
	return ((rng_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

static double rng_normal(struct rng *r)
{
	return sqrt(-2 * log(rng_unit(r))) * cos(2 * M_PI * rng_unit(r));
}

static uint64_t clamp_ns(double v)
{
	if (v < 0)
		return 0;
	/* Keep samples inside the log-linear range; overflow has its own test. */
	if (v >= (double)(HIST_OVERFLOW - 1))
		return HIST_OVERFLOW - 1;
	return (uint64_t)v;
}

enum dist { UNIFORM, EXPONENTIAL, LOGNORMAL, BIMODAL, CONSTANT, PARETO, SMALL_INTS, N_DISTS };

static const char *const dist_names[N_DISTS] = {
	"uniform", "exponential", "lognormal", "bimodal", "constant", "pareto", "small-ints",
};

static uint64_t draw(struct rng *r, enum dist d)
{
	switch (d) {
	case UNIFORM: /* 0 .. 10 ms */
		return rng_next(r) % 10000001;
	case EXPONENTIAL: /* mean 50 us */
		return clamp_ns(-50000.0 * log(rng_unit(r)));
	case LOGNORMAL: /* median 1 ms, wide */
		return clamp_ns(exp(log(1e6) + 2.0 * rng_normal(r)));
	case BIMODAL: /* cache hits ~20 us, 30 % misses ~20 ms */
		if (rng_next(r) % 100 < 70)
			return clamp_ns(20000 + 2000 * rng_normal(r));
		return clamp_ns(20e6 + 1e6 * rng_normal(r));
	case CONSTANT: /* a 20 ms sleep */
		return 20000000;
	case PARETO: /* heavy tail: alpha 1.1, scale 1 us */
		return clamp_ns(1000.0 / pow(rng_unit(r), 1 / 1.1));
	case SMALL_INTS: /* exact-bucket region and its first log-linear groups */
		return rng_next(r) % 200;
	default:
		return 0;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least permille/1000 of them at or below it. */
static uint64_t exact_quantile(const uint64_t *sorted, size_t n, unsigned int permille)
{
	size_t rank = ((size_t)permille * n + 999) / 1000;

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static void assert_within_5pct(uint64_t got, uint64_t want, const char *what, const char *dist,
			       size_t n)
{
	double err = fabs((double)got - (double)want);

	if (err > 0.05 * (double)want) {
		print_error("%s of %zu %s samples: got %llu, exact %llu (%.2f %%)\n", what, n, dist,
			    (unsigned long long)got, (unsigned long long)want,
			    want ? 100 * err / (double)want : 100.0);
		fail();
	}
}

/* ---- bucket math ---- */

static unsigned int ref_log2(uint64_t v)
{
	unsigned int r = 0;

	while (v >>= 1)
		r++;
	return r;
}

/* @v lies in its slot's range; past the range it lands in the open last slot. */
static void assert_value_in_slot(uint64_t v)
{
	unsigned int s = hist_slot(v);

	assert_true(s < HIST_SLOTS);
	assert_true(hist_slot_low(s) <= v);
	if (v >= HIST_OVERFLOW) {
		assert_int_equal(s, HIST_SLOTS - 1);
		return;
	}
	assert_true(v - hist_slot_low(s) < hist_slot_width(s));
}

static void test_log2_matches_reference(void **state)
{
	struct rng r;

	for (unsigned int k = 0; k < 64; k++) {
		uint64_t p = 1ULL << k;

		assert_int_equal(hist_log2(p), k);
		assert_int_equal(hist_log2(p | (p - 1)), k);
		if (k > 0)
			assert_int_equal(hist_log2(p - 1), k - 1);
	}
	rng_seed(&r, 1);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = rng_next(&r) >> (rng_next(&r) % 64);

		if (v)
			assert_int_equal(hist_log2(v), ref_log2(v));
	}
}

static void test_slots_tile_the_range(void **state)
{
	/* Consecutive slots are contiguous: no gap, no overlap, from 0 up. */
	assert_int_equal(hist_slot_low(0), 0);
	for (unsigned int s = 0; s + 1 < HIST_SLOTS; s++) {
		assert_int_equal(hist_slot_low(s) + hist_slot_width(s), hist_slot_low(s + 1));
		assert_int_equal(hist_slot(hist_slot_low(s)), s);
		assert_int_equal(hist_slot(hist_slot_low(s + 1) - 1), s);
	}
	assert_int_equal(hist_slot_low(HIST_SLOTS - 1) + hist_slot_width(HIST_SLOTS - 1),
			 HIST_OVERFLOW);
	assert_int_equal(hist_slot(HIST_OVERFLOW - 1), HIST_SLOTS - 1);
}

static void test_slot_width_bounds_error(void **state)
{
	/* Exact below 32; above, a bucket spans at most 1/16 of its low edge, so
	 * its midpoint is within 1/32 (3.1 %) of every value in it. */
	for (unsigned int s = 0; s < HIST_SLOTS; s++) {
		uint64_t low = hist_slot_low(s), w = hist_slot_width(s);

		if (low < 32) {
			assert_int_equal(w, 1);
			continue;
		}
		assert_true(w * 16 <= low);
	}
}

static void test_edge_values_in_their_slot(void **state)
{
	static const uint64_t fixed[] = {0,
					 1,
					 14,
					 15,
					 16,
					 17,
					 31,
					 32,
					 33,
					 47,
					 48,
					 63,
					 64,
					 1000,
					 1000000,
					 20000000,
					 HIST_OVERFLOW - 1,
					 HIST_OVERFLOW,
					 HIST_OVERFLOW + 1,
					 UINT64_MAX - 1,
					 UINT64_MAX};
	unsigned int prev = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_value_in_slot(fixed[i]);
	assert_int_equal(hist_slot(0), 0);
	assert_int_equal(hist_slot(15), 15);
	assert_int_equal(hist_slot(16), 16);
	assert_int_equal(hist_slot(UINT64_MAX), HIST_SLOTS - 1);
	assert_int_equal(hist_slot(HIST_OVERFLOW), HIST_SLOTS - 1);
	/* 2^k - 1, 2^k, 2^k + 1 for every k, and the slot never decreases. */
	for (unsigned int k = 1; k < 64; k++) {
		uint64_t p = 1ULL << k, v[3] = {p - 1, p, p + 1};

		for (int j = 0; j < 3; j++) {
			assert_value_in_slot(v[j]);
			assert_true(hist_slot(v[j]) >= prev);
			prev = hist_slot(v[j]);
		}
		if (p >= 16 && p < HIST_OVERFLOW) {
			assert_int_equal(hist_slot_low(hist_slot(p)), p);
			assert_int_equal(hist_slot(p) % HIST_SUB, 0);
		}
	}
}

static void test_random_values_in_their_slot(void **state)
{
	struct rng r;

	rng_seed(&r, 2);
	for (int i = 0; i < 1000000; i++)
		assert_value_in_slot(rng_next(&r) >> (rng_next(&r) % 64));
}

/* ---- src/hist.c ---- */

static void test_empty_hist_is_zero(void **state)
{
	struct hist h;

	hist_init(&h);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	assert_int_equal(hist_quantile(&h, 0.99), 0);
	assert_int_equal(hist_quantile(&h, 1.0), 0);
	assert_int_equal(hist_mean(&h), 0);
	/* A reset hist is empty again, and adding zero samples changes nothing. */
	assert_int_equal(hist_record(&h, 12345), 0);
	assert_int_equal(hist_add_slot(&h, 100, 0), 0);
	assert_int_equal(h.n, 1);
	hist_reset(&h);
	assert_int_equal(h.count, 0);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	assert_int_equal(hist_mean(&h), 0);
	hist_free(&h);
	hist_free(&h); /* free leaves an empty hist behind: a second free is harmless */
}

static void test_single_sample(void **state)
{
	struct hist h;

	hist_init(&h);
	assert_int_equal(hist_record(&h, 20000000), 0);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.max_ns, 20000000);
	assert_int_equal(hist_mean(&h), 20000000);
	/* One sample is every quantile; clamping to max makes it exact. */
	assert_int_equal(hist_quantile(&h, 0.0), 20000000);
	assert_int_equal(hist_quantile(&h, 0.5), 20000000);
	assert_int_equal(hist_quantile(&h, 1.0), 20000000);
	hist_free(&h);
}

static void test_quantile_clamps_q(void **state)
{
	struct hist h;

	hist_init(&h);
	for (uint64_t v = 1; v <= 10; v++)
		assert_int_equal(hist_record(&h, v), 0);
	assert_int_equal(hist_quantile(&h, -1.0), 1);
	assert_int_equal(hist_quantile(&h, 0.0), 1);
	assert_int_equal(hist_quantile(&h, 0.5), 5);
	assert_int_equal(hist_quantile(&h, 0.51), 6);
	assert_int_equal(hist_quantile(&h, 0.9), 9);
	assert_int_equal(hist_quantile(&h, 1.0), 10);
	assert_int_equal(hist_quantile(&h, 7.0), 10);
	assert_int_equal(hist_mean(&h), 5); /* 55 / 10, integer */
	hist_free(&h);
}

static void check_distribution(enum dist d, size_t n, uint64_t seed)
{
	static const unsigned int permilles[] = {500, 900, 990};
	static const char *const names[] = {"p50", "p90", "p99"};
	uint64_t *v = malloc(n * sizeof(*v)), sum = 0;
	struct hist h;
	struct rng r;

	assert_non_null(v);
	rng_seed(&r, seed);
	hist_init(&h);
	for (size_t i = 0; i < n; i++) {
		v[i] = draw(&r, d);
		sum += v[i];
		assert_int_equal(hist_record(&h, v[i]), 0);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(h.count, n);
	assert_int_equal(h.sum_ns, sum);
	assert_int_equal(h.max_ns, v[n - 1]);
	assert_int_equal(h.min_ns, v[0]);
	assert_int_equal(hist_mean(&h), sum / n);
	for (size_t i = 0; i < 3; i++)
		assert_within_5pct(hist_quantile(&h, permilles[i] / 1000.0),
				   exact_quantile(v, n, permilles[i]), names[i], dist_names[d], n);
	assert_within_5pct(hist_quantile(&h, 1.0), v[n - 1], "max", dist_names[d], n);
	assert_within_5pct(hist_quantile(&h, 0.0), v[0], "min", dist_names[d], n);
	hist_free(&h);
	free(v);
}

static void test_quantiles_within_5pct(void **state)
{
	static const size_t sizes[] = {1, 2, 3, 7, 10, 99, 100, 101, 1000, 9999, 100000};

	for (int d = 0; d < N_DISTS; d++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (uint64_t seed = 1; seed <= (sizes[i] < 1000 ? 20 : 2); seed++)
				check_distribution(d, sizes[i], seed * 1000 + d);
}

/* Weighted samples (what sampling in the kernel produces) act as repeats. */
static void test_weighted_slots_equal_repeats(void **state)
{
	struct hist repeated, weighted;
	struct rng r;

	hist_init(&repeated);
	hist_init(&weighted);
	rng_seed(&r, 3);
	for (int i = 0; i < 500; i++) {
		uint64_t v = draw(&r, LOGNORMAL), w = 1 + rng_next(&r) % 64;

		for (uint64_t j = 0; j < w; j++)
			assert_int_equal(hist_record(&repeated, v), 0);
		assert_int_equal(hist_add_slot(&weighted, hist_slot(v), w), 0);
	}
	/* The kernel side knows its exact extremes too; the collector copies them. */
	weighted.max_ns = repeated.max_ns;
	weighted.min_ns = repeated.min_ns;
	assert_int_equal(weighted.n, repeated.n);
	for (uint32_t i = 0; i < repeated.n; i++) {
		assert_int_equal(weighted.bins[i].slot, repeated.bins[i].slot);
		assert_int_equal(weighted.bins[i].count, repeated.bins[i].count);
	}
	for (double q = 0; q <= 1.0; q += 0.01)
		assert_int_equal(hist_quantile(&weighted, q), hist_quantile(&repeated, q));
	/* Slots past the end are folded into the last one rather than dropped. */
	assert_int_equal(hist_add_slot(&weighted, HIST_SLOTS + 5, 7), 0);
	assert_int_equal(weighted.bins[weighted.n - 1].slot, HIST_SLOTS - 1);
	assert_int_equal(weighted.bins[weighted.n - 1].count, 7);
	hist_free(&repeated);
	hist_free(&weighted);
}

/* Scaling a sample up to the whole: counts and sum grow, the shape and the
 * extremes stay, so the quantiles do too. */
static void test_scale_keeps_the_shape(void **state)
{
	struct hist h;
	uint64_t p50, p99;

	(void)state;
	hist_init(&h);
	for (int i = 1; i <= 1000; i++)
		assert_int_equal(hist_record(&h, (uint64_t)i * 1000), 0);
	p50 = hist_quantile(&h, 0.5);
	p99 = hist_quantile(&h, 0.99);
	hist_scale(&h, 2.5);
	assert_int_equal(h.count, 2500);
	assert_int_equal(h.sum_ns, 500500000ULL * 5 / 2);
	assert_int_equal(h.max_ns, 1000000);
	assert_int_equal(h.min_ns, 1000);
	assert_int_equal(hist_quantile(&h, 0.5), p50);
	assert_int_equal(hist_quantile(&h, 0.99), p99);
	/* Each bucket rounded: 3 * 0.5 is 2, not 1. */
	assert_int_equal(scale_count(3, 0.5), 2);
	assert_int_equal(scale_count(0, 7.0), 0);
	hist_free(&h);
}

static void assert_hist_equal(const struct hist *a, const struct hist *b)
{
	assert_int_equal(a->n, b->n);
	for (uint32_t i = 0; i < a->n; i++) {
		assert_int_equal(a->bins[i].slot, b->bins[i].slot);
		assert_int_equal(a->bins[i].count, b->bins[i].count);
		if (i > 0)
			assert_true(a->bins[i - 1].slot < a->bins[i].slot);
	}
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->sum_ns, b->sum_ns);
	assert_int_equal(a->max_ns, b->max_ns);
}

static void test_merge_equals_union(void **state)
{
	struct hist a, b, all, merged;
	struct rng r;

	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	hist_init(&merged);
	rng_seed(&r, 4);
	/* Overlapping and disjoint slots: b has a mode a never reaches. */
	for (int i = 0; i < 20000; i++) {
		uint64_t x = draw(&r, EXPONENTIAL), y = draw(&r, i % 2 ? BIMODAL : PARETO);

		assert_int_equal(hist_record(&a, x), 0);
		assert_int_equal(hist_record(&all, x), 0);
		assert_int_equal(hist_record(&b, y), 0);
		assert_int_equal(hist_record(&all, y), 0);
	}
	assert_int_equal(hist_copy(&merged, &a), 0);
	assert_hist_equal(&merged, &a);
	assert_int_equal(hist_merge(&merged, &b), 0);
	assert_hist_equal(&merged, &all);
	for (double q = 0; q <= 1.0; q += 0.001)
		assert_int_equal(hist_quantile(&merged, q), hist_quantile(&all, q));
	assert_int_equal(hist_mean(&merged), hist_mean(&all));

	/* Merging an empty hist changes nothing; merging into one copies. */
	hist_reset(&b);
	assert_int_equal(hist_merge(&merged, &b), 0);
	assert_hist_equal(&merged, &all);
	assert_int_equal(hist_merge(&b, &a), 0);
	assert_hist_equal(&b, &a);

	/* copy replaces what was there. */
	assert_int_equal(hist_copy(&merged, &a), 0);
	assert_hist_equal(&merged, &a);
	hist_free(&a);
	hist_free(&b);
	hist_free(&all);
	hist_free(&merged);
}

/* Many small merges (one per interval) equal one hist of everything. */
static void test_merge_many_windows(void **state)
{
	struct hist window, total, all;
	struct rng r;

	hist_init(&window);
	hist_init(&total);
	hist_init(&all);
	rng_seed(&r, 5);
	for (int w = 0; w < 200; w++) {
		hist_reset(&window);
		for (int i = 0; i < 50; i++) {
			uint64_t v = draw(&r, (enum dist)(w % N_DISTS));

			assert_int_equal(hist_record(&window, v), 0);
			assert_int_equal(hist_record(&all, v), 0);
		}
		assert_int_equal(hist_merge(&total, &window), 0);
	}
	assert_hist_equal(&total, &all);
	hist_free(&window);
	hist_free(&total);
	hist_free(&all);
}

/* The exact min and max bound every quantile: with all samples in one wide
 * bucket, the midpoint alone could lie outside what was ever seen. */
static void test_min_max_bound_quantiles(void **state)
{
	struct hist a, b, unknown;

	hist_init(&a);
	hist_init(&b);
	hist_init(&unknown);
	assert_int_equal(hist_record(&a, 1000010), 0);
	assert_int_equal(hist_record(&a, 1000003), 0);
	assert_int_equal(hist_slot(1000003), hist_slot(1000010));
	assert_int_equal(a.min_ns, 1000003);
	assert_int_equal(a.max_ns, 1000010);
	for (double q = 0; q <= 1.0; q += 0.25) {
		assert_true(hist_quantile(&a, q) >= 1000003);
		assert_true(hist_quantile(&a, q) <= 1000010);
	}
	/* Merge keeps the smaller min ... */
	assert_int_equal(hist_record(&b, 20000000), 0);
	assert_int_equal(hist_record(&b, 999999), 0);
	assert_int_equal(hist_merge(&a, &b), 0);
	assert_int_equal(a.min_ns, 999999);
	assert_int_equal(hist_quantile(&a, 0.0), hist_quantile(&b, 0.0));
	/* ... into an empty hist it is copied, and a side whose min is unknown
	 * (slots only, as drained from the kernel) makes it unknown (0). */
	hist_reset(&b);
	assert_int_equal(b.min_ns, 0);
	assert_int_equal(hist_copy(&b, &a), 0);
	assert_int_equal(b.min_ns, 999999);
	assert_int_equal(hist_add_slot(&unknown, hist_slot(5000), 3), 0);
	assert_int_equal(hist_merge(&b, &unknown), 0);
	assert_int_equal(b.min_ns, 0);
	assert_within_5pct(hist_quantile(&b, 0.0), 5000, "min", "unknown-min", 7);
	hist_free(&a);
	hist_free(&b);
	hist_free(&unknown);
}

/* Past 2^41 ns (~36 min: a long blocking read or wait4) the last slot is
 * open-ended; the only exact figure left there is the max. */
static void test_overflow_slot(void **state)
{
	const uint64_t hour = 3600ULL * 1000000000ULL;
	struct hist h;

	hist_init(&h);
	for (int i = 0; i < 10; i++)
		assert_int_equal(hist_record(&h, hour), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.bins[0].slot, HIST_SLOTS - 1);
	assert_int_equal(hist_quantile(&h, 0.5), hour);
	assert_int_equal(hist_quantile(&h, 0.99), hour);
	assert_int_equal(hist_mean(&h), hour);
	/* Mixed with in-range samples, lower quantiles stay exact-ish and the
	 * overflow ones never exceed the max. */
	for (int i = 0; i < 90; i++)
		assert_int_equal(hist_record(&h, 1000000), 0);
	assert_within_5pct(hist_quantile(&h, 0.5), 1000000, "p50", "overflow", 100);
	assert_true(hist_quantile(&h, 0.95) >= hist_slot_low(HIST_SLOTS - 1));
	assert_true(hist_quantile(&h, 0.95) <= hour);
	assert_int_equal(hist_record(&h, UINT64_MAX / 4), 0);
	assert_int_equal(hist_quantile(&h, 1.0), UINT64_MAX / 4);
	hist_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log2_matches_reference),
		cmocka_unit_test(test_slots_tile_the_range),
		cmocka_unit_test(test_slot_width_bounds_error),
		cmocka_unit_test(test_edge_values_in_their_slot),
		cmocka_unit_test(test_random_values_in_their_slot),
		cmocka_unit_test(test_empty_hist_is_zero),
		cmocka_unit_test(test_single_sample),
		cmocka_unit_test(test_quantile_clamps_q),
		cmocka_unit_test(test_quantiles_within_5pct),
		cmocka_unit_test(test_weighted_slots_equal_repeats),
		cmocka_unit_test(test_merge_equals_union),
		cmocka_unit_test(test_scale_keeps_the_shape),
		cmocka_unit_test(test_merge_many_windows),
		cmocka_unit_test(test_min_max_bound_quantiles),
		cmocka_unit_test(test_overflow_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
