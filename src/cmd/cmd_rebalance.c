// SPDX-License-Identifier: GPL-2.0
/* `hivemon rebalance`: one measure-plan(-apply) cycle for a group of workers. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cli.h"
#include "cmd/commands.h"
#include "cmd/config.h"
#include "probes/collector.h"
#include "rebalance/affinity.h"
#include "rebalance/effect.h"
#include "rebalance/group.h"
#include "rebalance/reuseport.h"
#include "rebalance/scale.h"
#include "util/clock.h"
#include "util/parse.h"
#include "util/units.h"

static const char usage_text[] =
	"usage: hivemon rebalance [--comm GLOB] [--pid PID] [--cgroup PATH] [--cpus LIST]\n"
	"                         [--group NAME [--config FILE]]\n"
	"                         [--interval DUR] [--windows N] [--min-gain CORES]\n"
	"                         [--steer PORT] [--scale-out CMD] [--scale-in CMD]\n"
	"                         [--latency-target DUR] [--apply] [--format text|json]\n"
	"                         [--verbose]\n"
	"\n"
	"Measures a group of worker processes (the processes any of --comm, --pid,\n"
	"--cgroup match) over N windows, and when the CPU demand of the group is\n"
	"unevenly spread over its CPUs in every window, proposes a placement that\n"
	"evens it out (longest processing time first). Dry run unless --apply: then\n"
	"every thread of each moved member is pinned to its new CPU, the group is\n"
	"measured again and the effect printed. The placement stays after exit.\n"
	"With --steer, new connections to the members' SO_REUSEPORT listeners on\n"
	"PORT go to the member with fewer requests in flight of two picked at\n"
	"random, while the after-windows are measured; back to the kernel's hash\n"
	"on exit.\n"
	"\n"
	"  --comm GLOB        members by process name (fnmatch glob; repeatable)\n"
	"  --pid PID          a member by pid (repeatable)\n"
	"  --cgroup PATH      members in this cgroup v2 path or below\n"
	"  --group NAME       the [group \"NAME\"] of the config: its match, cpus, steer,\n"
	"                     scale_out, scale_in and latency_target (options override)\n"
	"  --config FILE      where --group is (default /etc/hivemon/hivemon.conf)\n"
	"  --cpus LIST        the group's CPUs, e.g. 0-3 (default: the members' cpusets)\n"
	"  --interval DUR     length of one window (default 1s)\n"
	"  --windows N        windows the imbalance must hold in (default 3)\n"
	"  --min-gain CORES   least load the busiest CPU must shed to move (default 0.25)\n"
	"  --steer PORT       steer connections to the members' listeners on PORT\n"
	"  --scale-out CMD    run CMD when every member is busy and the group's p99 is\n"
	"                     over --latency-target in every window (%n: members + 1)\n"
	"  --scale-in CMD     run CMD when every member is idle in every window\n"
	"                     (%n: members)\n"
	"  --latency-target DUR  p99 that means saturated (default 200ms)\n"
	"  --apply            move the members (needs CAP_SYS_NICE), steer with --steer\n"
	"  --format FORMAT    text (default) or json\n"
	"  --verbose          libbpf and verifier messages on errors\n"
	"  -h, --help         this text\n";

struct rebalance_args {
	struct group_spec group;
	const char *group_name, *config_path;
	struct config *cfg; /* owned, with --group */
	uint64_t interval_ns;
	unsigned int windows;
	double min_gain;
	uint16_t steer_port;
	struct scale_policy scale;
	bool latency_given;
	bool apply, json, verbose;
};

/* --comm, --pid, --cgroup: the same tokens as a [group]'s match. */
static void add_match(struct group_spec *g, const char *kind, const char *arg)
{
	char token[300];
	int err;

	snprintf(token, sizeof(token), "%s=%s", kind, arg);
	err = group_spec_add_match(g, token);
	if (err == -E2BIG)
		die_usage("too many --%s (at most %d)", kind, GROUP_MATCH_MAX);
	if (err)
		die_usage("invalid --%s '%s': expected %s", kind, arg,
			  !strcmp(kind, "comm") ? "a name or glob of 1 to 15 characters"
			  : !strcmp(kind, "pid")
				  ? "a positive process id"
				  : "a cgroup v2 path such as /system.slice/web.service");
}

static unsigned long number(const char *opt, const char *arg, unsigned long min, unsigned long max)
{
	unsigned long v;

	if (parse_uint(arg, min, max, &v))
		die_usage("invalid --%s '%s': expected %lu to %lu", opt, arg, min, max);
	return v;
}

static void parse_args(int argc, char **argv, struct rebalance_args *a)
{
	static const struct option longopts[] = {
		{"comm", required_argument, NULL, 'c'},
		{"pid", required_argument, NULL, 'p'},
		{"cgroup", required_argument, NULL, 'g'},
		{"cpus", required_argument, NULL, 'C'},
		{"interval", required_argument, NULL, 'i'},
		{"windows", required_argument, NULL, 'w'},
		{"min-gain", required_argument, NULL, 'G'},
		{"steer", required_argument, NULL, 'S'},
		{"group", required_argument, NULL, 'N'},
		{"config", required_argument, NULL, 'F'},
		{"scale-out", required_argument, NULL, 'O'},
		{"scale-in", required_argument, NULL, 'I'},
		{"latency-target", required_argument, NULL, 'L'},
		{"apply", no_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	memset(a, 0, sizeof(*a));
	snprintf(a->group.name, sizeof(a->group.name), "cli");
	a->interval_ns = 1000000000ULL;
	a->windows = 3;
	a->min_gain = 0.25;
	scale_policy_default(&a->scale);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+c:p:g:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			add_match(&a->group, "comm", optarg);
			break;
		case 'p':
			add_match(&a->group, "pid", optarg);
			break;
		case 'g':
			add_match(&a->group, "cgroup", optarg);
			break;
		case 'C':
			if (cpu_list_parse(optarg, &a->group.cpus))
				die_usage("invalid --cpus '%s': expected a CPU list such as 0-3,6",
					  optarg);
			break;
		case 'i':
			if (parse_duration_ns(optarg, &a->interval_ns) ||
			    a->interval_ns < 100000000ULL)
				die_usage("invalid --interval '%s': expected 100ms or more",
					  optarg);
			break;
		case 'w':
			a->windows = (unsigned int)number("windows", optarg, 1, 60);
			break;
		case 'G':
			if (parse_count(optarg, &a->min_gain) || !(a->min_gain > 0))
				die_usage("invalid --min-gain '%s': expected a number of cores, "
					  "e.g. 0.25",
					  optarg);
			break;
		case 'S':
			a->steer_port = (uint16_t)number("steer", optarg, 1, 65535);
			break;
		case 'N':
			a->group_name = optarg;
			break;
		case 'F':
			a->config_path = optarg;
			break;
		case 'O':
			a->scale.scale_out = optarg;
			break;
		case 'I':
			a->scale.scale_in = optarg;
			break;
		case 'L':
			if (parse_duration_ns(optarg, &a->scale.latency_target_ns))
				die_usage("invalid --latency-target '%s': expected e.g. 200ms",
					  optarg);
			break;
		case 'a':
			a->apply = true;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				die_usage("invalid --format '%s': expected text or json", optarg);
			a->json = !strcmp(optarg, "json");
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			die_usage("rebalance: unknown or incomplete option '%s' (see hivemon "
				  "rebalance --help)",
				  argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("rebalance: unexpected argument '%s'", argv[optind]);
	a->scale.windows = a->windows;
	if (a->group_name && (a->group.n_comms || a->group.n_pids || a->group.cgroup[0]))
		die_usage("rebalance: --group or --comm/--pid/--cgroup, not both");
	if (a->config_path && !a->group_name)
		die_usage("rebalance: --config goes with --group");
	if (!a->group_name && !a->group.n_comms && !a->group.n_pids && !a->group.cgroup[0])
		die_usage("rebalance: name the group's members with --comm, --pid or --cgroup, or "
			  "--group");
}

/* --group: the section's settings, under what the command line gave. */
static int load_group(struct rebalance_args *a)
{
	const char *path = a->config_path ? a->config_path : CONFIG_DEFAULT_PATH;
	const struct cfg_group *g;
	struct cpu_list cli_cpus = a->group.cpus;
	int err = config_load(path, &a->cfg, stderr);

	if (err)
		return err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	g = config_group(a->cfg, a->group_name);
	if (!g) {
		log_error("rebalance: no [group \"%s\"] in %s", a->group_name, path);
		return EXIT_USAGE;
	}
	a->group = g->spec;
	if (cli_cpus.n)
		a->group.cpus = cli_cpus;
	if (!a->steer_port)
		a->steer_port = g->steer_port;
	if (!a->scale.scale_out)
		a->scale.scale_out = g->scale_out;
	if (!a->scale.scale_in)
		a->scale.scale_in = g->scale_in;
	if (!a->latency_given)
		a->scale.latency_target_ns = g->latency_target_ns;
	return 0;
}

/* Kernel-side filter: the pids when only pids are given, else everything
 * (comm globs and cgroup subtrees are matched in userspace). */
static void probe_opts_for(const struct rebalance_args *a, struct probe_opts *o)
{
	probe_opts_default(o);
	o->probes = PROBE_SCHED | PROBE_TCP;
	o->verbose = a->verbose;
	if (!a->group.n_comms && !a->group.cgroup[0] && a->group.n_pids <= FILTER_PIDS_MAX) {
		memcpy(o->filter.pids, a->group.pids, a->group.n_pids * sizeof(uint32_t));
		o->filter.n_pids = (unsigned int)a->group.n_pids;
	}
}

static bool sleep_or_stop(uint64_t ns)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	return cli_wait_signal(&stop, ns) != 0;
}

/* One window: the group measured and planned, and added to @span. */
static int measure_window(struct collector *c, const struct rebalance_args *a,
			  struct group_state *state, struct plan *plan, struct effect_span *span,
			  bool *stopped)
{
	struct cpu_times before, after;
	struct snapshot snap;
	int err;

	snapshot_init(&snap);
	err = cpu_times_read(&before);
	if (!err)
		*stopped = sleep_or_stop(a->interval_ns);
	if (!err)
		err = collector_collect(c, &snap);
	if (!err)
		err = cpu_times_read(&after);
	if (!err)
		err = group_measure(&a->group, &snap, &before, &after, state);
	if (!err)
		err = effect_span_add(span, state, &snap);
	snapshot_free(&snap);
	if (!err && !state->n_members) {
		group_state_free(state);
		return -ESRCH;
	}
	if (!err)
		err = group_plan(state, a->min_gain, plan);
	if (err)
		group_state_free(state);
	return err;
}

/* Measures @windows windows, each added to @span; the last one's state and
 * plan are kept. The plan stands only when every window asked for moves. */
static int measure(struct collector *c, const struct rebalance_args *a, struct group_state *state,
		   struct plan *plan, struct effect_span *span, bool *held,
		   enum scale_action *scale)
{
	struct scale_state scale_state = {0};
	struct snapshot discard;
	bool stopped = false;
	int err;

	/* Windows start now, not when the probes were loaded or moved. */
	snapshot_init(&discard);
	err = collector_collect(c, &discard);
	snapshot_free(&discard);
	if (err)
		return err;
	*held = true;
	for (unsigned int w = 0; w < a->windows && !stopped; w++) {
		if (w) {
			group_state_free(state);
			plan_free(plan);
		}
		err = measure_window(c, a, state, plan, span, &stopped);
		if (err)
			return err;
		*held = *held && !strcmp(plan->verdict, "move");
		if (scale)
			*scale = scale_decide(&a->scale, &scale_state, state, mono_ns());
	}
	return 0;
}

static void print_members(const struct group_state *s, FILE *out)
{
	char p99[UNITS_BUFLEN], req[UNITS_BUFLEN];

	fprintf(out, "  %-8s %-16s %-5s %6s %6s %10s %8s %10s\n", "PID", "COMM", "CPU", "CPU%",
		"WAIT%", "RUNQ p99", "REQ/s", "REQ p99");
	for (size_t i = 0; i < s->n_members; i++) {
		const struct group_member *m = &s->members[i];
		char cpu[16];

		if (m->pinned_cpu >= 0)
			snprintf(cpu, sizeof(cpu), "%d", m->pinned_cpu);
		else
			snprintf(cpu, sizeof(cpu), "~%d", m->last_cpu);
		fprintf(out, "  %-8u %-16s %-5s %6.1f %6.1f %10s %8.1f %10s\n", m->pid, m->comm,
			cpu, m->cpu * 100, m->wait * 100,
			format_ns(m->runq_p99_ns, p99, sizeof(p99)), m->req_rate,
			m->req_rate > 0 ? format_ns(m->req_p99_ns, req, sizeof(req)) : "-");
	}
}

static void print_text(const struct group_state *s, const struct plan *p, bool held,
		       unsigned int windows, FILE *out)
{
	char cpus[256];

	fprintf(out, "group %s: %zu members on CPUs %s\n", s->name, s->n_members,
		cpu_list_format(&s->cpus, cpus, sizeof(cpus)));
	fprintf(out, "load per CPU (cores wanted):");
	for (size_t i = 0; i < s->cpus.n; i++)
		fprintf(out, " cpu%d %.2f", s->cpus.cpu[i], p->load_before[i]);
	fprintf(out, "; imbalance cv %.2f\n", p->cv_before);
	print_members(s, out);
	if (!p->n_moves) {
		fprintf(out, "plan: none (%s)\n", p->verdict);
		return;
	}
	if (!held) {
		fprintf(out, "plan: none (the imbalance did not hold in all %u windows)\n",
			windows);
		return;
	}
	fprintf(out,
		"plan: move %zu members over %u windows of imbalance (busiest CPU %.2f -> "
		"%.2f cores, cv %.2f -> %.2f)\n",
		p->n_moves, windows, p->max_before, p->max_after, p->cv_before, p->cv_after);
	for (size_t i = 0; i < p->n_moves; i++) {
		char from[16];

		if (p->moves[i].from >= 0)
			snprintf(from, sizeof(from), "cpu %d", p->moves[i].from);
		else
			snprintf(from, sizeof(from), "floating");
		fprintf(out, "  pid %u: %s -> cpu %d\n", p->moves[i].pid, from, p->moves[i].to);
	}
}

/* Pins each moved member; on failure puts back what was moved. */
static int apply_plan(const struct plan *p, struct affinity_log *log)
{
	for (size_t i = 0; i < p->n_moves; i++) {
		int err = affinity_pin(log, p->moves[i].pid, p->moves[i].to);

		if (err == -ENOENT || err == -ESRCH)
			continue; /* the member exited meanwhile */
		if (err) {
			affinity_restore(log);
			log_error("rebalance: cannot move pid %u to cpu %d: %s%s; nothing changed",
				  p->moves[i].pid, p->moves[i].to, strerror(-err),
				  err == -EPERM ? " (needs CAP_SYS_NICE)" : "");
			return err;
		}
	}
	return 0;
}

struct outcome {
	struct group_state before, after;
	struct plan plan, after_plan;
	struct effect_span span_before, span_after; /* every window of each */
	bool held, applied;
	int steered; /* members steered, -1 = not asked */
	enum scale_action scale;
	int scale_status; /* of the command run; -1 = not run */
};

static json_t *result_json(const struct outcome *o)
{
	const struct group_state *s = &o->before, *after = o->applied ? &o->after : NULL;
	const struct plan *p = &o->plan, *after_plan = &o->after_plan;
	bool held = o->held, applied = o->applied;
	int steered = o->steered;
	json_t *g = group_to_json(s, p);

	json_object_set_new(json_object_get(g, "plan"), "held", json_boolean(held));
	json_object_set_new(g, "applied", json_boolean(applied));
	if (steered >= 0)
		json_object_set_new(g, "steered_members", json_integer(steered));
	if (after) {
		json_object_set_new(g, "after", group_to_json(after, after_plan));
		json_object_set_new(g, "effect", effect_to_json(&o->span_before, &o->span_after));
	}
	return json_pack("{s:[o]}", "groups", g);
}

/* Attaches steering over the members listening on the port; the number
 * of members steered, or a negative errno with a message printed. */
static int start_steering(struct collector *c, const struct rebalance_args *a,
			  const struct group_state *s, struct steer_member *m)
{
	int n = reuseport_members(s, a->steer_port, m, COLLECTOR_STEER_MAX), err;

	if (n >= 0 && n < 2) {
		reuseport_members_close(m, (size_t)n);
		log_error("rebalance: --steer %u: fewer than two members hold a SO_REUSEPORT "
			  "listener of their own on that port",
			  a->steer_port);
		return -ENOENT;
	}
	err = n < 0 ? n : collector_steer_start(c, m, (size_t)n);
	if (err) {
		if (n > 0)
			reuseport_members_close(m, (size_t)n);
		log_error("rebalance: cannot steer port %u: %s", a->steer_port, strerror(-err));
		return err;
	}
	return n;
}

static const char *opt_ns(const json_t *v, char *buf, size_t len)
{
	return json_is_integer(v) ? format_ns((uint64_t)json_integer_value(v), buf, len) : "-";
}

/* One line of the effect table: CPU %, run-queue p99, request p50/p99,
 * before -> after. */
static void print_effect_line(const char *who, const json_t *b, const json_t *a)
{
	char t[6][UNITS_BUFLEN], cpu[32], cb[16] = "-", ca[16] = "-";

	/* A member that exited, or appeared, has no figures on one side. */
	if (json_is_object(b))
		snprintf(cb, sizeof(cb), "%.1f",
			 json_real_value(json_object_get(b, "cpu_percent")));
	if (json_is_object(a))
		snprintf(ca, sizeof(ca), "%.1f",
			 json_real_value(json_object_get(a, "cpu_percent")));
	snprintf(cpu, sizeof(cpu), "%5s -> %5s", cb, ca);
	printf("  %-25s %18s %10s -> %-8s %10s -> %-8s %10s -> %-8s\n", who, cpu,
	       opt_ns(json_object_get(b, "runq_p99_ns"), t[0], UNITS_BUFLEN),
	       opt_ns(json_object_get(a, "runq_p99_ns"), t[1], UNITS_BUFLEN),
	       opt_ns(json_object_get(b, "request_p50_ns"), t[2], UNITS_BUFLEN),
	       opt_ns(json_object_get(a, "request_p50_ns"), t[3], UNITS_BUFLEN),
	       opt_ns(json_object_get(b, "request_p99_ns"), t[4], UNITS_BUFLEN),
	       opt_ns(json_object_get(a, "request_p99_ns"), t[5], UNITS_BUFLEN));
}

static void print_effect(const struct outcome *o)
{
	json_t *e = effect_to_json(&o->span_before, &o->span_after);
	const json_t *m;
	size_t i;

	if (!e)
		return;
	printf("effect (%u windows before, %u after):\n", o->span_before.windows,
	       o->span_after.windows);
	printf("  %-25s %18s %22s %22s %22s\n", "MEMBER", "CPU% before->after",
	       "RUNQ p99 before->after", "REQ p50 before->after", "REQ p99 before->after");
	json_array_foreach(json_object_get(e, "members"), i, m)
	{
		char who[40];

		snprintf(who, sizeof(who), "%lld %s",
			 (long long)json_integer_value(json_object_get(m, "pid")),
			 json_string_value(json_object_get(m, "comm")));
		print_effect_line(who, json_object_get(m, "before"), json_object_get(m, "after"));
	}
	m = json_object_get(e, "group");
	print_effect_line("group (mean CPU%)", json_object_get(m, "before"),
			  json_object_get(m, "after"));
	json_decref(e);
}

static void print_outcome(const struct rebalance_args *a, const struct outcome *o)
{
	print_text(&o->before, &o->plan, o->held, a->windows, stdout);
	if (o->steered >= 0)
		printf("steering: %d members on port %u%s\n", o->steered, a->steer_port,
		       a->apply ? "" : " (dry run)");
	if (o->scale != SCALE_NONE) {
		char evidence[256];

		scale_evidence(&o->before, evidence, sizeof(evidence));
		printf("%s: %s (%s)%s\n", scale_action_name(o->scale),
		       o->scale == SCALE_OUT ? a->scale.scale_out : a->scale.scale_in, evidence,
		       o->scale_status < 0 ? ", dry run"
		       : o->scale_status   ? ", failed"
					   : ", ran");
	}
	if (o->applied) {
		printf("applied; after:\n");
		print_members(&o->after, stdout);
		print_effect(o);
	} else if (o->held && o->plan.n_moves) {
		printf("dry run: --apply moves them\n");
	}
}

static int act(struct collector *c, const struct rebalance_args *a, struct outcome *o,
	       struct affinity_log *log)
{
	struct steer_member steer[COLLECTOR_STEER_MAX];
	bool after_held;
	int err = 0;

	if (!a->apply)
		return 0;
	if (o->scale != SCALE_NONE) {
		o->scale_status = scale_run(&a->scale, o->scale, &o->before);
		if (o->scale_status) {
			log_error("rebalance: the %s command failed (%s %d); nothing else applied",
				  scale_action_name(o->scale),
				  o->scale_status < 0 ? "error" : "status",
				  o->scale_status < 0 ? -o->scale_status : o->scale_status);
			return -ECHILD;
		}
	}
	if (o->held && o->plan.n_moves) {
		err = apply_plan(&o->plan, log);
		if (err)
			return err;
		o->applied = true;
	}
	if (a->steer_port) {
		o->steered = start_steering(c, a, &o->before, steer);
		if (o->steered < 0)
			return o->steered;
		o->applied = true;
	}
	if (o->applied)
		err = measure(c, a, &o->after, &o->after_plan, &o->span_after, &after_held, NULL);
	if (o->steered > 0) {
		collector_steer_stop(c);
		reuseport_members_close(steer, (size_t)o->steered);
	}
	if (err)
		log_error("rebalance failed: %s", strerror(-err));
	return err;
}

static int run(struct collector *c, const struct rebalance_args *a)
{
	struct outcome o = {.steered = -1, .scale_status = -1};
	struct affinity_log log = {0};
	int err;

	effect_span_init(&o.span_before);
	effect_span_init(&o.span_after);
	err = measure(c, a, &o.before, &o.plan, &o.span_before, &o.held, &o.scale);

	if (err) {
		if (err == -ESRCH)
			log_error("rebalance: no running process matches the group");
		else
			log_error("rebalance failed: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	if (a->steer_port && !a->apply) {
		struct steer_member steer[COLLECTOR_STEER_MAX];

		o.steered = reuseport_members(&o.before, a->steer_port, steer, COLLECTOR_STEER_MAX);
		if (o.steered > 0)
			reuseport_members_close(steer, (size_t)o.steered);
	}
	err = act(c, a, &o, &log);
	if (!err && a->json) {
		json_t *doc = result_json(&o);
		char evidence[256];

		scale_evidence(&o.before, evidence, sizeof(evidence));
		json_object_set_new(
			json_array_get(json_object_get(doc, "groups"), 0), "scale",
			json_pack("{s:s, s:s, s:o}", "action", scale_action_name(o.scale),
				  "evidence", evidence, "status",
				  o.scale_status < 0 ? json_null() : json_integer(o.scale_status)));

		err = json_dumpf(doc, stdout, JSON_INDENT(2)) ? -EIO : 0;
		fputc('\n', stdout);
		json_decref(doc);
	} else if (!err) {
		print_outcome(a, &o);
	}
	affinity_log_free(&log); /* applied moves stay: the log is not restored */
	group_state_free(&o.before);
	plan_free(&o.plan);
	group_state_free(&o.after);
	plan_free(&o.after_plan);
	effect_span_free(&o.span_before);
	effect_span_free(&o.span_after);
	return err ? EXIT_RUNTIME : 0;
}

int cmd_rebalance(int argc, char **argv)
{
	struct rebalance_args args;
	struct probe_opts opts;
	struct collector *c;
	sigset_t stop;
	int rc;

	parse_args(argc, argv, &args);
	if (args.group_name) {
		rc = load_group(&args);
		if (rc) {
			config_free(args.cfg);
			return rc;
		}
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	probe_opts_for(&args, &opts);
	c = collector_open(&opts);
	if (!c) {
		config_free(args.cfg);
		return EXIT_RUNTIME;
	}
	rc = run(c, &args);
	collector_close(c);
	config_free(args.cfg);
	return rc;
}
