// SPDX-License-Identifier: GPL-2.0
/*
 * Adaptive TCP connection sampling (src/probes/tcp_sampler.c): the policy
 * as a pure function, then the sampler against real kernel arrays shaped
 * like the tcp programs' (needs root and BPF): the ratio it writes for a
 * busy process, the scale it derives from the events counted, and the
 * slot it gives back when the process is gone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "bpf/hivemon.h"
#include "probes/tcp_sampler.h"

#define SEC_NS 1000000000ULL
#define BUDGET TCP_FOLLOW_BUDGET

static void test_quiet_or_few_connections_stay_whole(void **state)
{
	(void)state;
	assert_int_equal(tcp_sample_shift_for(0, BUDGET, 1000), 0);
	/* Busy, but over too few connections for a sample of them. */
	assert_int_equal(tcp_sample_shift_for(0, 40 * BUDGET, TCP_SAMPLE_MIN_BUSY - 1), 0);
}

static void test_ratio_brings_rate_under_budget(void **state)
{
	(void)state;
	/* 8 budgets' worth: 1 in 8 leaves one followed. */
	assert_int_equal(tcp_sample_shift_for(0, 8 * BUDGET, 1000), 3);
	assert_int_equal(tcp_sample_shift_for(0, 8 * BUDGET + 1, 1000), 4);
	assert_int_equal(tcp_sample_shift_for(0, 2 * BUDGET, 1000), 1);
	/* Never past the largest shift the kernel takes. */
	assert_int_equal(tcp_sample_shift_for(0, 1e9, 1e6), TCP_SAMPLE_MAX_SHIFT);
}

static void test_keeps_enough_connections_followed(void **state)
{
	(void)state;
	/* 1 in 4 only while it keeps TCP_SAMPLE_MIN_KEPT followed. */
	assert_int_equal(tcp_sample_shift_for(0, 40 * BUDGET, 4 * TCP_SAMPLE_MIN_KEPT - 1), 1);
	assert_int_equal(tcp_sample_shift_for(0, 40 * BUDGET, 4 * TCP_SAMPLE_MIN_KEPT), 2);
}

static void test_goes_down_one_step_with_room(void **state)
{
	(void)state;
	/* At 1 in 8, 3.6 budgets would be 0.9 of one at 1 in 4: over 3/4. */
	assert_int_equal(tcp_sample_shift_for(3, 3.6 * BUDGET, 1000), 3);
	/* 2 budgets: half of one at 1 in 4, room enough; one step only. */
	assert_int_equal(tcp_sample_shift_for(3, 2 * BUDGET, 1000), 2);
	/* Idle, or down to a few connections: one step per window. */
	assert_int_equal(tcp_sample_shift_for(3, 0, 0), 2);
	assert_int_equal(tcp_sample_shift_for(2, 70000, 10), 1);
	/* Up at once. */
	assert_int_equal(tcp_sample_shift_for(1, 16 * BUDGET, 1000), 4);
}

struct kernel_maps {
	int slots, events, ncpus;
};

static int open_maps(void **state)
{
	struct kernel_maps *m = calloc(1, sizeof(*m));

	if (!m)
		return -1;
	m->ncpus = libbpf_num_possible_cpus();
	m->slots = bpf_map_create(BPF_MAP_TYPE_ARRAY, "test_sampling", sizeof(__u32),
				  sizeof(struct tcp_sampling), TCP_SAMPLING_SLOTS, NULL);
	m->events = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "test_events", sizeof(__u32),
				   sizeof(struct tcp_sample_events), TCP_SAMPLING_SLOTS, NULL);
	*state = m;
	return m->ncpus > 0 && m->slots >= 0 && m->events >= 0 ? 0 : -1;
}

static int close_maps(void **state)
{
	struct kernel_maps *m = *state;

	close(m->slots);
	close(m->events);
	free(m);
	return 0;
}

static struct tcp_sampling slot_of(const struct kernel_maps *m, uint32_t tgid)
{
	struct tcp_sampling val = {0};
	uint32_t slot = tgid & (TCP_SAMPLING_SLOTS - 1);

	assert_int_equal(bpf_map_lookup_elem(m->slots, &slot, &val), 0);
	return val;
}

/* What the tcp programs would have counted on CPU 0 for @tgid, so far. */
static void set_events(const struct kernel_maps *m, uint32_t tgid, uint64_t all, uint64_t followed)
{
	struct tcp_sample_events *cpu = calloc((size_t)m->ncpus, sizeof(*cpu));
	uint32_t slot = tgid & (TCP_SAMPLING_SLOTS - 1);

	assert_non_null(cpu);
	cpu[0].all = all;
	cpu[0].followed = followed;
	assert_int_equal(bpf_map_update_elem(m->events, &slot, cpu, BPF_ANY), 0);
	free(cpu);
}

/* One window of @tgid: @exchanges (weighted) and @rtt readings in 1 s. */
static void window(struct tcp_sampler *s, uint32_t tgid, uint64_t exchanges, uint64_t rtt)
{
	assert_int_equal(tcp_sampler_note(s, tgid, TCP_KIND_REQ_SERVER, exchanges), 0);
	assert_int_equal(tcp_sampler_note(s, tgid, TCP_KIND_RTT, rtt), 0);
	assert_int_equal(tcp_sampler_decide(s, SEC_NS, false), 0);
}

static void test_busy_process_gets_a_ratio_and_a_scale(void **state)
{
	const struct kernel_maps *m = *state;
	uint32_t me = (uint32_t)getpid();
	struct tcp_sampler s;
	double scale;

	assert_int_equal(tcp_sampler_init(&s, m->slots, m->events, m->ncpus), 0);
	/* 8 budgets' worth of exchanges over 1000 connections busy all
	 * along (10 RTT readings each per second). */
	set_events(m, me, 500, 500);
	window(&s, me, 8 * BUDGET, 10000);
	assert_int_equal(tcp_sampler_window(&s, me, &scale), 0);
	assert_true(scale == 1.0);
	assert_int_equal(slot_of(m, me).tgid, me);
	assert_int_equal(slot_of(m, me).shift, 3);
	assert_int_equal(slot_of(m, me).gen, 1);

	/* Next window at 1 in 8: 1600 data events, 100 of them followed
	 * (busier connections than the average were not): each exchange
	 * seen, already counted 8 times, stands for 16. */
	set_events(m, me, 500 + 1600, 500 + 100);
	window(&s, me, BUDGET * 8, 1250);
	assert_int_equal(tcp_sampler_window(&s, me, &scale), 3);
	assert_true(scale > 1.999 && scale < 2.001);
	/* 16 budgets scaled: the ratio goes to 1 in 16, a new generation. */
	assert_int_equal(slot_of(m, me).shift, 4);
	assert_int_equal(slot_of(m, me).gen, 2);

	/* Nothing followed, though the process moved data: back one step. */
	set_events(m, me, 2100 + 50, 600);
	window(&s, me, 0, 0);
	assert_int_equal(slot_of(m, me).shift, 3);
	tcp_sampler_free(&s);
}

static void test_gone_process_frees_its_slot(void **state)
{
	const struct kernel_maps *m = *state;
	struct tcp_sampler s;
	double scale;
	pid_t child = fork();

	assert_true(child >= 0);
	if (!child)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(tcp_sampler_init(&s, m->slots, m->events, m->ncpus), 0);
	/* Its last window was busy (its rows arrive after it exited). */
	window(&s, (uint32_t)child, 8 * BUDGET, 10000);
	assert_int_equal(slot_of(m, (uint32_t)child).shift, 3);
	/* No exchanges since, and gone: forgotten, its slot free. */
	assert_int_equal(tcp_sampler_decide(&s, SEC_NS, false), 0);
	assert_int_equal(slot_of(m, (uint32_t)child).tgid, 0);
	assert_int_equal(tcp_sampler_window(&s, (uint32_t)child, &scale), 0);
	tcp_sampler_free(&s);
}

static void test_startup_drain_is_forgotten(void **state)
{
	const struct kernel_maps *m = *state;
	uint32_t me = (uint32_t)getpid();
	struct tcp_sampler s;

	assert_int_equal(tcp_sampler_init(&s, m->slots, m->events, m->ncpus), 0);
	/* What the start-up drain noted, since the probes attached... */
	assert_int_equal(tcp_sampler_note(&s, me, TCP_KIND_REQ_SERVER, 8 * BUDGET), 0);
	assert_int_equal(tcp_sampler_note(&s, me, TCP_KIND_RTT, 10000), 0);
	assert_int_equal(tcp_sampler_decide(&s, SEC_NS / 100, false), 0);
	assert_int_equal(slot_of(m, me).tgid, 0);
	/* ...is no part of the first window's rate: half a budget stays whole. */
	window(&s, me, BUDGET / 2, 10000);
	assert_int_equal(slot_of(m, me).tgid, 0);
	window(&s, me, 8 * BUDGET, 10000);
	assert_int_equal(slot_of(m, me).shift, 3);
	tcp_sampler_free(&s);
}

static void test_off_writes_nothing(void **state)
{
	const struct kernel_maps *m = *state;
	uint32_t me = (uint32_t)getpid() + 1;
	struct tcp_sampler s;
	double scale;

	assert_int_equal(tcp_sampler_init(&s, -1, m->events, m->ncpus), 0);
	window(&s, me, 1000000, 100000);
	assert_int_equal(slot_of(m, me).tgid, 0);
	assert_int_equal(tcp_sampler_window(&s, me, &scale), 0);
	assert_true(scale == 1.0);
	tcp_sampler_free(&s);
}

static void test_hold_off_puts_everyone_back(void **state)
{
	const struct kernel_maps *m = *state;
	uint32_t me = (uint32_t)getpid();
	struct tcp_sampler s;

	assert_int_equal(tcp_sampler_init(&s, m->slots, m->events, m->ncpus), 0);
	window(&s, me, 8 * BUDGET, 10000);
	assert_int_equal(slot_of(m, me).shift, 3);
	assert_int_equal(tcp_sampler_note(&s, me, TCP_KIND_REQ_CLIENT, 8 * BUDGET), 0);
	/* Steering started: it counts requests on every connection. */
	assert_int_equal(tcp_sampler_decide(&s, SEC_NS, true), 0);
	assert_int_equal(slot_of(m, me).shift, 0);
	tcp_sampler_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quiet_or_few_connections_stay_whole),
		cmocka_unit_test(test_ratio_brings_rate_under_budget),
		cmocka_unit_test(test_keeps_enough_connections_followed),
		cmocka_unit_test(test_goes_down_one_step_with_room),
		cmocka_unit_test_setup_teardown(test_busy_process_gets_a_ratio_and_a_scale,
						open_maps, close_maps),
		cmocka_unit_test_setup_teardown(test_gone_process_frees_its_slot, open_maps,
						close_maps),
		cmocka_unit_test_setup_teardown(test_startup_drain_is_forgotten, open_maps,
						close_maps),
		cmocka_unit_test_setup_teardown(test_off_writes_nothing, open_maps, close_maps),
		cmocka_unit_test_setup_teardown(test_hold_off_puts_everyone_back, open_maps,
						close_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
