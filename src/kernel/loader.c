// SPDX-License-Identifier: GPL-2.0
/* Loader set-up: privilege and BTF checks, libbpf logging, load errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/capability.h>

#include "cmd/cli.h"
#include "kernel/loader.h"

static bool loader_verbose;

/* The last report while held (loader_hold()); why[0] == '\0' when none. */
static struct {
	bool on;
	char why[96];
	const char *hint;
} loader_held_report;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Without --verbose, loader_report() summarises failures in one line. */
	if (!loader_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bool has_capability(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

int loader_init(bool verbose)
{
	loader_verbose = verbose;
	libbpf_set_print(print_libbpf);
	if (geteuid() != 0 && !(has_capability(CAP_BPF) && has_capability(CAP_PERFMON))) {
		log_error("loading BPF programs needs root (or CAP_BPF and CAP_PERFMON); "
			  "try: sudo hivemon ...");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		log_error("this kernel exposes no BTF (/sys/kernel/btf/vmlinux): "
			  "hivemon needs CONFIG_DEBUG_INFO_BTF=y");
		return -ENOENT;
	}
	return 0;
}

int loader_report(const char *name, const char *stage, int err)
{
	const char *hint = "";

	if (err > 0)
		err = -err;
	if (err == -EPERM || err == -EACCES)
		hint = ": permission denied (root, CAP_BPF and CAP_PERFMON needed; "
		       "lockdown or a seccomp/LSM policy may forbid BPF)";
	else if (err == -EINVAL && !strcmp(stage, "load"))
		hint = ": rejected by the kernel verifier";
	else if (err == -ENOENT && !strcmp(stage, "attach"))
		hint = ": tracepoint not found in this kernel";
	else if (err == -ENOMEM || err == -E2BIG)
		hint = ": out of memory for BPF maps (lower max_procs)";
	if (loader_held_report.on) {
		snprintf(loader_held_report.why, sizeof(loader_held_report.why), "%s failed: %s",
			 stage, strerror(-err));
		loader_held_report.hint = hint;
	} else if (loader_verbose)
		log_error("%s probes: %s failed: %s%s", name, stage, strerror(-err), hint);
	else
		log_error("%s probes: %s failed: %s%s (details with --verbose)", name, stage,
			  strerror(-err), hint);
	return err;
}

void loader_hold(bool hold)
{
	loader_held_report.on = hold;
	loader_held_report.why[0] = '\0';
	loader_held_report.hint = "";
}

bool loader_held(char *why, size_t why_len, char *hint, size_t hint_len)
{
	if (!loader_held_report.why[0])
		return false;
	snprintf(why, why_len, "%s", loader_held_report.why);
	snprintf(hint, hint_len, "%s", loader_held_report.hint);
	return true;
}
