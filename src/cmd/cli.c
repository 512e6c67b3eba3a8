// SPDX-License-Identifier: GPL-2.0
/* Shared command-line parsing: probe sets, filters, usage errors. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/cgroup_names.h"
#include "cmd/cli.h"

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_verror(fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

int parse_probes(const char *text, unsigned int *probes)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} sets[] = {
		{"syscall", PROBE_SYSCALL}, {"tcp", PROBE_TCP},	    {"sched", PROBE_SCHED},
		{"mem", PROBE_MEM},	    {"alloc", PROBE_ALLOC}, {"proto", PROBE_APP},
	};
	char *copy = strdup(text), *save = NULL, *tok;
	unsigned int bits = 0;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", ", &save); tok && !err; tok = strtok_r(NULL, ", ", &save)) {
		size_t i;

		for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
			if (!strcmp(tok, sets[i].name))
				break;
		if (i == sizeof(sets) / sizeof(sets[0]))
			err = -EINVAL;
		else
			bits |= sets[i].bit;
	}
	free(copy);
	if (!err && !bits)
		err = -EINVAL;
	if (!err)
		*probes = bits;
	return err;
}

void probe_opts_default(struct probe_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->probes = PROBES_DEFAULT;
	opts->slow_ns = 10 * 1000 * 1000ULL;
	opts->max_procs = 4096;
	opts->slow_query_ns = 100 * 1000 * 1000ULL;
}

void cli_slow_query(const char *arg, struct probe_opts *opts)
{
	uint64_t ns;

	if (parse_duration_ns(arg, &ns) || ns < 1000000ULL || ns > 3600 * 1000000000ULL)
		die_usage("invalid --slow-query '%s': expected a duration from 1ms to 1h", arg);
	opts->slow_query_ns = ns;
}

int cgroup_path_to_id(const char *path, uint64_t *id)
{
	char full[8192], root[4096];
	struct stat st;

	if (!cgroup2_mount(root, sizeof(root)))
		return -ENOENT;
	/* Accept both "/system.slice/x" and the full path under the mount. */
	if (!strncmp(path, root, strlen(root)))
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s%s%s", root, path[0] == '/' ? "" : "/", path);
	if (stat(full, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* On cgroup v2 the id bpf_get_current_cgroup_id() returns is the inode. */
	*id = st.st_ino;
	return 0;
}

static uint32_t parse_pid(const char *arg)
{
	unsigned long pid;

	if (parse_uint(arg, 1, 0x3fffffff, &pid))
		die_usage("invalid --pid '%s': expected a positive process id", arg);
	return (uint32_t)pid;
}

/* "1s/10s" -> on and period; on must be shorter than the period. */
static int parse_duty(const char *arg, uint64_t *on_ns, uint64_t *period_ns)
{
	char on[32];
	const char *slash = strchr(arg, '/');

	if (!slash || (size_t)(slash - arg) >= sizeof(on))
		return -EINVAL;
	memcpy(on, arg, (size_t)(slash - arg));
	on[slash - arg] = '\0';
	if (parse_duration_ns(on, on_ns) || parse_duration_ns(slash + 1, period_ns))
		return -EINVAL;
	return *on_ns && *on_ns < *period_ns ? 0 : -EINVAL;
}

int cli_common_option(int opt, const char *arg, struct probe_opts *opts)
{
	struct probe_filter *f = &opts->filter;

	switch (opt) {
	case 'p':
		if (f->n_pids == FILTER_PIDS_MAX)
			die_usage("too many --pid filters (at most %d)", FILTER_PIDS_MAX);
		f->pids[f->n_pids++] = parse_pid(arg);
		return 1;
	case 'c':
		if (f->n_comms == FILTER_COMMS_MAX)
			die_usage("too many --comm filters (at most %d)", FILTER_COMMS_MAX);
		if (!*arg || strlen(arg) >= PROC_COMM_LEN)
			die_usage("invalid --comm '%s': 1 to %d characters", arg,
				  PROC_COMM_LEN - 1);
		strcpy(f->comms[f->n_comms++], arg);
		return 1;
	case 'g': {
		int err = cgroup_path_to_id(arg, &f->cgroup_id);

		if (err)
			die_usage("invalid --cgroup '%s': %s", arg, strerror(-err));
		return 1;
	}
	case 'P':
		if (parse_probes(arg, &opts->probes))
			die_usage("invalid --probes '%s': expected a list of "
				  "syscall,tcp,sched,mem,alloc,proto",
				  arg);
		return 1;
	case 'x':
		opts->exact = true;
		return 1;
	case 'D':
		if (parse_duty(arg, &opts->alloc_on_ns, &opts->alloc_period_ns))
			die_usage("invalid --alloc-duty '%s': expected ON/PERIOD with ON < PERIOD, "
				  "e.g. 1s/10s",
				  arg);
		return 1;
	case 'T': {
		unsigned long n;

		if (parse_uint(arg, 1, TCP_SAMPLE_MAX, &n))
			die_usage("invalid --tcp-sample '%s': expected a number from 1 to %d", arg,
				  TCP_SAMPLE_MAX);
		opts->tcp_sample = (uint32_t)n;
		return 1;
	}
	case 'v':
		opts->verbose = true;
		return 1;
	}
	return 0;
}

int cli_wait_signal(const sigset_t *set, uint64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL};
	int sig = sigtimedwait(set, NULL, &ts);

	return sig > 0 ? sig : 0;
}
