// SPDX-License-Identifier: GPL-2.0
/* Busiest-first orderings of processes and syscalls for the reports. */
#include <stdlib.h>

#include "report/report_order.h"

uint64_t proc_busy_ns(const struct proc_snapshot *p)
{
	uint64_t ns = p->sched.oncpu_ns;

	for (size_t i = 0; i < p->n_syscalls; i++)
		ns += p->syscalls[i].lat.sum_ns;
	return ns;
}

struct keyed {
	uint64_t key;
	uint32_t tie; /* pid or syscall nr: keeps the order stable */
	size_t index;
};

static int by_key_desc(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return (x->tie > y->tie) - (x->tie < y->tie);
}

static size_t *order_of(struct keyed *keyed, size_t n)
{
	size_t *order = n ? malloc(n * sizeof(*order)) : NULL;

	if (order) {
		qsort(keyed, n, sizeof(*keyed), by_key_desc);
		for (size_t i = 0; i < n; i++)
			order[i] = keyed[i].index;
	}
	free(keyed);
	return order;
}

size_t *report_process_order(const struct snapshot *snap)
{
	struct keyed *keyed = calloc(snap->n_procs ? snap->n_procs : 1, sizeof(*keyed));

	if (!keyed)
		return NULL;
	for (size_t i = 0; i < snap->n_procs; i++)
		keyed[i] = (struct keyed){proc_busy_ns(&snap->procs[i]), snap->procs[i].pid, i};
	return order_of(keyed, snap->n_procs);
}

size_t *report_syscall_order(const struct proc_snapshot *p)
{
	struct keyed *keyed = calloc(p->n_syscalls ? p->n_syscalls : 1, sizeof(*keyed));

	if (!keyed)
		return NULL;
	for (size_t i = 0; i < p->n_syscalls; i++)
		keyed[i] = (struct keyed){p->syscalls[i].lat.sum_ns, p->syscalls[i].nr, i};
	return order_of(keyed, p->n_syscalls);
}
