// SPDX-License-Identifier: GPL-2.0
/* Per-service time breakdown, and the lock-contention finding it gives. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "analysis/analysis_internal.h"
#include "analysis/breakdown.h"
#include "util/units.h"

static const char *const kind_names[TIME_KINDS] = {
	"oncpu", "cpu_wait", "network", "disk", "locks", "sleep", "child", "other",
};
static const char *const kind_metrics[TIME_KINDS] = {
	"time.oncpu", "time.cpu_wait", "time.network", "time.disk",
	"time.locks", "time.sleep",    "time.child",   "time.other",
};
static const char *const kind_labels[TIME_KINDS] = {
	"on-CPU", "CPU wait", "network", "disk", "locks", "sleep", "child wait", "other",
};

const char *time_kind_name(enum time_kind k)
{
	return k < TIME_KINDS ? kind_names[k] : "?";
}

const char *time_kind_metric(enum time_kind k)
{
	return k < TIME_KINDS ? kind_metrics[k] : "?";
}

enum time_kind syscall_time_kind(uint32_t nr)
{
	switch (nr) {
	case SYS_recvfrom:
	case SYS_sendto:
	case SYS_recvmsg:
	case SYS_sendmsg:
	case SYS_recvmmsg:
	case SYS_sendmmsg:
	case SYS_accept:
	case SYS_accept4:
	case SYS_connect:
	case SYS_sendfile:
	case SYS_poll:
	case SYS_ppoll:
	case SYS_select:
	case SYS_pselect6:
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		return TIME_NETWORK;
	case SYS_fsync:
	case SYS_fdatasync:
	case SYS_sync:
	case SYS_syncfs:
	case SYS_sync_file_range:
	case SYS_msync:
	case SYS_pread64:
	case SYS_pwrite64:
	case SYS_preadv:
	case SYS_pwritev:
	case SYS_preadv2:
	case SYS_pwritev2:
	case SYS_open:
	case SYS_openat:
	case SYS_openat2:
	case SYS_creat:
	case SYS_fallocate:
	case SYS_ftruncate:
	case SYS_truncate:
	case SYS_rename:
	case SYS_renameat:
	case SYS_renameat2:
	case SYS_unlink:
	case SYS_unlinkat:
	case SYS_io_submit:
	case SYS_io_getevents:
	case SYS_io_pgetevents:
		return TIME_DISK;
	case SYS_futex:
	case SYS_futex_waitv:
	case SYS_flock:
	case SYS_semop:
	case SYS_semtimedop:
		return TIME_LOCKS;
	case SYS_nanosleep:
	case SYS_clock_nanosleep:
	case SYS_pause:
	case SYS_rt_sigsuspend:
	case SYS_rt_sigtimedwait:
		return TIME_SLEEP;
	case SYS_wait4:
	case SYS_waitid:
		return TIME_CHILD;
	default:
		return TIME_OTHER;
	}
}

void breakdown_add_proc(struct time_breakdown *b, const struct proc_snapshot *p)
{
	uint64_t before = 0, after = 0;

	for (int k = 0; k < TIME_KINDS; k++)
		before += b->ns[k];
	b->ns[TIME_ONCPU] += p->sched.oncpu_ns;
	b->ns[TIME_CPU_WAIT] += p->sched.runq.sum_ns;
	for (size_t i = 0; i < p->n_syscalls; i++)
		b->ns[syscall_time_kind(p->syscalls[i].nr)] += p->syscalls[i].lat.sum_ns;
	for (int k = 0; k < TIME_KINDS; k++)
		after += b->ns[k];
	b->total_ns += after - before;
}

double breakdown_share(const struct time_breakdown *b, enum time_kind k)
{
	return b->total_ns && k < TIME_KINDS ? (double)b->ns[k] / (double)b->total_ns : 0;
}

enum time_kind breakdown_top(const struct time_breakdown *b, bool blocked_only)
{
	enum time_kind top = blocked_only ? TIME_CPU_WAIT : TIME_ONCPU;

	for (int k = top + 1; k < TIME_KINDS; k++)
		if (b->ns[k] > b->ns[top])
			top = k;
	return top;
}

json_t *breakdown_json(const struct time_breakdown *b)
{
	json_t *o = json_pack("{s:I}", "total_ns", (json_int_t)b->total_ns);

	for (int k = 0; o && k < TIME_KINDS; k++)
		json_object_set_new(o, kind_names[k],
				    json_pack("{s:I, s:f}", "ns", (json_int_t)b->ns[k], "share",
					      breakdown_share(b, k)));
	return o;
}

void breakdown_format(const struct time_breakdown *b, char *buf, size_t len)
{
	bool shown[TIME_KINDS] = {false};
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < TIME_KINDS && used < len; i++) {
		int top = -1;

		for (int k = 0; k < TIME_KINDS; k++)
			if (!shown[k] && (top < 0 || b->ns[k] > b->ns[top]))
				top = k;
		if (breakdown_share(b, top) < 0.005)
			break;
		shown[top] = true;
		used += (size_t)snprintf(buf + used, len - used, "%s%s %.0f%%", used ? ", " : "",
					 kind_labels[top], 100 * breakdown_share(b, top));
	}
}

/* The futex calls of a service: how many and their median wait. */
static uint64_t futex_p50(const struct snapshot *snap, const struct service *svc, uint64_t *calls)
{
	struct hist all;
	uint64_t p50;

	hist_init(&all);
	*calls = 0;
	for (size_t i = 0; i < svc->n_procs; i++) {
		const struct proc_snapshot *p = &snap->procs[svc->procs[i]];

		for (size_t k = 0; k < p->n_syscalls; k++)
			if (p->syscalls[k].nr == SYS_futex) {
				*calls += p->syscalls[k].count;
				hist_merge(&all, &p->syscalls[k].lat);
			}
	}
	p50 = hist_quantile(&all, 0.5);
	hist_free(&all);
	return p50;
}

/*
 * Lock contention, told apart from idle threads parked on a condition
 * variable (both wait in futex): contended waits are short and frequent
 * (the lock is handed over within milliseconds) and the service does work
 * while they wait; an idle pool's waits are long and it hardly runs.
 */
#define CONTENDED_WAIT_NS  (10 * 1000000ULL) /* median futex wait below this */
#define CONTENDED_MIN_CPU  0.05		     /* on-CPU share at least this */
#define CONTENDED_MIN_RATE 50.0		     /* futex calls per second */

static int check_locks(const struct snapshot *snap, const struct service *svc,
		       const struct time_breakdown *b, const struct analysis_limits *lim,
		       struct findings *out)
{
	double locks = breakdown_share(b, TIME_LOCKS), seconds = snap->duration_ns / 1e9;
	char p50s[UNITS_BUFLEN], parts[160];
	uint64_t calls, p50;
	struct finding *f;

	if (locks < lim->lock_share_warning || breakdown_share(b, TIME_ONCPU) < CONTENDED_MIN_CPU)
		return 0;
	p50 = futex_p50(snap, svc, &calls);
	if (p50 >= CONTENDED_WAIT_NS || (seconds > 0 && calls / seconds < CONTENDED_MIN_RATE))
		return 0;
	struct finding_spec spec = {
		locks >= 2 * lim->lock_share_warning ? FINDING_CRITICAL : FINDING_WARNING,
		"lock-contention",
		"syscall.latency.p50",
		"threads queue for a lock: shorten what is done while holding it, split it "
		"(one lock per shard or per object), or use fewer threads",
		(double)p50,
		0,
	};
	breakdown_format(b, parts, sizeof(parts));
	f = finding_add(out, &snap->procs[svc->procs[0]], &spec,
			"threads wait on locks (futex) %.0f%% of their time: %llu futex waits "
			"of p50 %s (%s)",
			100 * locks, (unsigned long long)calls, format_ns(p50, p50s, sizeof(p50s)),
			parts);
	if (!f)
		return -ENOMEM;
	finding_set_service(f, svc->name);
	f->chain[0] = (struct chain_link){.share = locks, .metric = "time.locks", .value = locks};
	snprintf(f->chain[0].service, sizeof(f->chain[0].service), "%s", svc->name);
	f->n_chain = 1;
	return 0;
}

int analysis_breakdowns(const struct snapshot *snap, const struct services *svcs,
			const struct analysis_limits *lim, struct findings *out)
{
	for (size_t i = 0; i < svcs->n; i++) {
		struct time_breakdown b = {0};

		for (size_t k = 0; k < svcs->items[i].n_procs; k++)
			breakdown_add_proc(&b, &snap->procs[svcs->items[i].procs[k]]);
		if (check_locks(snap, &svcs->items[i], &b, lim, out))
			return -ENOMEM;
	}
	return 0;
}
