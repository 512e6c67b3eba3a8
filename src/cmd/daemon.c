// SPDX-License-Identifier: GPL-2.0
/*
 * `hivemon run`: the daemon loop. Every interval: collect a snapshot, roll
 * the windows, evaluate the alert rules, hand notifications to the notifier,
 * publish the interval to the consumers. SIGHUP reloads, SIGTERM/SIGINT stop.
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/alert.h"
#include "cmd/cli.h"
#include "util/clock.h"
#include "probes/collector.h"
#include "cmd/commands.h"
#include "cmd/config.h"
#include "pools/pool_tuner.h"
#include "rebalance/rebalancer.h"
#include "alert/deliver.h"
#include "export/export.h"
#include "analysis/held.h"
#include "postgres/advice_cache.h"
#include "cmd/ipc.h"
#include "util/log.h"
#include "alert/spool.h"
#include "store/store_pg.h"
#include "core/window.h"

#define NS_PER_SEC	1000000000ULL
#define BACKOFF_BASE_NS (500 * 1000000ULL)
#define BACKOFF_CAP_NS	(30 * NS_PER_SEC)

struct daemon {
	char *config_path;
	struct probe_opts cli_probe; /* command-line options, over the config's */

	struct config *cfg;
	/* NULL only when, after a reload, no probe set could be loaded:
	 * run_interval() retries. */
	struct collector *collector;
	/* Measured by probes a reload unloaded, for the interval under way. */
	struct snapshot carry;
	struct windows *windows;
	struct alert_engine *alerts;
	struct notifier *notifier;
	bool alerts_changed;	       /* since the alert state was last saved */
	struct rebalancer *rebalancer; /* [group] sections; NULL when none */
	struct held_findings *held;    /* findings over intervals, for the exporter */
	struct advice_cache *advice;   /* index advice in them; NULL without [postgres] */
	struct pool_tuner *pools;      /* [pool] sections; NULL when none */

	/*
	 * Consumers of each interval (exporter, PostgreSQL store, IPC server for
	 * `hivemon top`) are opened in consumers_open(), fed in daemon_publish()
	 * and closed in consumers_close().
	 */
	struct exporter *exporter; /* [export] listen */
	struct store_pg *store;	   /* [store] postgres */
	struct ipc_server *ipc;	   /* `hivemon top`; NULL when the socket could not open */
};

/* ---- consumers of every interval ------------------------------------------ */

/* Flushing the history at exit may wait this long for the database. */
#define STORE_CLOSE_TIMEOUT_MS 3000

/* The first [postgres] section's conninfo: where index advice comes from
 * (a finding does not say which server its statements went to); NULL = none. */
static const char *advice_conninfo(const struct config *cfg)
{
	return cfg->n_postgres ? cfg->postgres[0].conninfo : NULL;
}

/* held_advise_fn: bounded by the cache (one round, backoff after failures). */
static void advise_findings(struct findings *now, void *ctx)
{
	advice_cache_apply(ctx, now, clock_ns(CLOCK_MONOTONIC));
}

static int consumers_open(struct daemon *d)
{
	/* Without the socket `hivemon top` loads its own probes: not fatal. */
	d->ipc = ipc_server_open(d->cfg->socket_path);
	if (!d->ipc)
		hlog(LOG_WARNING, "no socket for `hivemon top` at %s", d->cfg->socket_path);
	if (d->cfg->export_listen) {
		d->exporter = exporter_open(d->cfg->export_listen, d->cfg->export_per_pid);
		d->held = held_new(HELD_INTERVALS);
		if (!d->exporter || !d->held)
			return -1;
		if (advice_conninfo(d->cfg)) {
			d->advice = advice_cache_new(advice_conninfo(d->cfg));
			if (!d->advice)
				return -1;
			held_set_advise(d->held, advise_findings, d->advice);
		}
	}
	if (d->cfg->store_postgres) {
		d->store = store_pg_open(d->cfg->store_postgres, d->cfg->store_retention_days);
		if (!d->store)
			return -1;
	}
	return 0;
}

/* The interval plus the firing alerts (and the groups, NULL = none), for
 * `hivemon top`. */
static void publish_ipc(struct daemon *d, const struct snapshot *snap, const json_t *groups)
{
	json_t *firing = alert_engine_firing_json(d->alerts);
	struct textbuf msg = {0};

	if (firing && !ipc_message_encode_groups(snap, firing, groups, &msg))
		ipc_server_publish(d->ipc, msg.s, msg.len);
	else
		hlog(LOG_ERR, "ipc: the interval could not be encoded (out of memory)");
	textbuf_free(&msg);
	json_decref(firing);
}

/* The groups' state to /api, /metrics and the history; the actions whose
 * effect became final to the history (taken either way). */
static void publish_groups(struct daemon *d, const struct snapshot *snap, json_t *groups)
{
	json_t *actions = rebalancer_take_actions(d->rebalancer);

	if (d->store && groups && actions &&
	    store_pg_write_groups(d->store, snap->started_at_ns, groups, actions))
		hlog(LOG_ERR, "store: the groups could not be queued (out of memory)");
	if (d->exporter)
		exporter_set_groups(d->exporter, json_incref(groups));
	json_decref(actions);
}

/*
 * Hands the snapshot of the interval that just ended to every consumer.
 * @snap is read-only and valid until the next interval; the firing alerts
 * are alert_engine_firing_json(d->alerts).
 */
static void daemon_publish(struct daemon *d, const struct snapshot *snap)
{
	json_t *groups = d->rebalancer ? rebalancer_json(d->rebalancer) : NULL;

	/* The store first, so /metrics shows its figures with this interval queued. */
	if (d->store && store_pg_write_snapshot(d->store, snap))
		hlog(LOG_ERR, "store: the interval could not be queued (out of memory)");
	if (d->exporter && d->store) {
		struct store_pg_stats st;

		store_pg_get_stats(d->store, &st);
		exporter_set_store_stats(d->exporter, &st);
	}
	if (groups)
		publish_groups(d, snap, groups);
	if (d->exporter)
		exporter_set_findings(d->exporter, held_report(d->held, snap));
	if (d->exporter && d->pools)
		exporter_set_pools(d->exporter, pool_tuner_json(d->pools));
	if (d->exporter && exporter_publish(d->exporter, snap))
		hlog(LOG_ERR, "export: the interval could not be rendered (out of memory)");
	if (d->ipc)
		publish_ipc(d, snap, groups);
	json_decref(groups);
}

static void consumers_close(struct daemon *d)
{
	exporter_close(d->exporter);
	d->exporter = NULL;
	held_free(d->held);
	d->held = NULL;
	advice_cache_free(d->advice);
	d->advice = NULL;
	store_pg_close(d->store, STORE_CLOSE_TIMEOUT_MS);
	d->store = NULL;
	ipc_server_close(d->ipc);
	d->ipc = NULL;
}

/* Alert transitions into the history; repeats are not transitions. */
static void store_alert(struct daemon *d, const struct alert_notice *n)
{
	bool resolved = n->change == ALERT_RESOLVED;
	struct store_alert_row row = {.rule = n->rule->name,
				      .severity = severity_name(n->severity),
				      .status = n->transition ? n->transition
						: resolved    ? "resolved"
							      : "firing",
				      .value = n->value,
				      .threshold = n->threshold,
				      .at_ns = n->at_ns};
	json_t *labels;
	char *text;

	if (!d->store || n->change == ALERT_REPEAT || n->change == ALERT_NO_CHANGE)
		return;
	/* The severity is a column; without it the labels name the alert across tiers. */
	labels = json_copy(n->labels);
	json_object_del(labels, "severity");
	text = labels ? json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(labels);
	row.labels_json = text;
	if (store_pg_write_alert(d->store, &row))
		hlog(LOG_ERR, "store: alert %s could not be queued", n->rule->name);
	free(text);
}

/* ---- alerts -------------------------------------------------------------- */

/* Every alert transition: logged, then spooled for its targets. Other
 * consumers of transitions (the store's alert history) belong here too. */
static void on_notice(void *ctx, const struct alert_notice *n)
{
	struct daemon *d = ctx;
	char *labels = json_dumps(n->labels, JSON_COMPACT | JSON_SORT_KEYS);
	char value[32], threshold[32];
	enum metric_unit unit = metric_unit(&n->rule->metric);

	hlog(n->change == ALERT_RESOLVED ? LOG_NOTICE : LOG_WARNING,
	     "alert %s %s %s: %s = %s (threshold %s) %s", n->rule->name,
	     alert_change_name(n->change), severity_name(n->severity), n->rule->metric_name,
	     metric_format(unit, n->value, value, sizeof(value)),
	     metric_format(unit, n->threshold, threshold, sizeof(threshold)), labels ? labels : "");
	free(labels);
	d->alerts_changed = true;
	if (n->rule->n_notify && notifier_submit(d->notifier, n))
		hlog(LOG_ERR, "alert %s: a notification could not be queued", n->rule->name);
	store_alert(d, n);
}

/* Alertmanager ends an alert nobody re-sends (resolve_timeout): keep
 * the firing ones alive. */
/* What the rebalancer did, to the group's notify targets. */
static void on_action(void *ctx, const struct alert_notice *n)
{
	struct daemon *d = ctx;

	if (d->notifier && notifier_submit(d->notifier, n))
		hlog(LOG_ERR, "%s: the action could not be queued for every target", n->rule->name);
}

/* A pool resize: to the pool's notify targets, and into the history
 * (alerts table, status pool-resized). */
static void on_pool_action(void *ctx, const struct alert_notice *n)
{
	if (n->rule->n_notify)
		on_action(ctx, n);
	store_alert(ctx, n);
}

static void refresh_alertmanagers(struct daemon *d, uint64_t now_mono)
{
	json_t *firing;

	if (!notifier_refresh_due(d->notifier, now_mono))
		return;
	firing = alert_engine_firing_json(d->alerts);
	if (firing)
		notifier_refresh_alertmanagers(d->notifier, d->cfg, firing, now_mono);
	json_decref(firing);
}

/* ---- alert state across restarts ------------------------------------------------- */

#define ALERT_STATE_FILE "alerts.json"

/* Saves the firing alerts, so a restart neither repeats their firing nor
 * forgets to resolve them. */
static void save_alert_state(struct daemon *d)
{
	json_t *state = alert_engine_state_json(d->alerts);
	char *text = state ? json_dumps(state, JSON_COMPACT) : NULL;
	char *path = NULL;
	int err = -ENOMEM;

	if (text && asprintf(&path, "%s/" ALERT_STATE_FILE, d->cfg->state_dir) > 0)
		err = spool_write_atomic(d->cfg->state_dir, path, text);
	if (err)
		hlog(LOG_ERR, "cannot save the alert state in %s: %s", d->cfg->state_dir,
		     strerror(-err));
	else
		d->alerts_changed = false;
	free(path);
	free(text);
	json_decref(state);
}

static void restore_alert_state(struct daemon *d)
{
	char *path = NULL;
	json_t *state;
	size_t n;

	if (asprintf(&path, "%s/" ALERT_STATE_FILE, d->cfg->state_dir) < 0)
		return;
	state = json_load_file(path, 0, NULL);
	free(path);
	if (!state)
		return;
	n = alert_engine_restore(d->alerts, state);
	json_decref(state);
	if (n)
		hlog(LOG_NOTICE, "%zu firing alerts restored from the last run", n);
}

/* ---- one interval ------------------------------------------------------------ */

/* The interval that just ended, with what probes unloaded by a reload
 * measured of it. */
static int collect_interval(struct daemon *d, struct snapshot *snap)
{
	if (!d->collector) {
		d->collector = collector_open(&d->cfg->probe);
		if (!d->collector)
			return -EAGAIN;
		hlog(LOG_NOTICE, "probes: loaded again");
	}
	if (!d->carry.n_procs && !d->carry.duration_ns)
		return collector_collect(d->collector, snap);
	*snap = d->carry;
	snapshot_init(&d->carry);
	return collector_collect_into(d->collector, snap);
}

static void run_interval(struct daemon *d)
{
	struct snapshot snap;
	uint64_t now;
	int err;

	snapshot_init(&snap);
	err = collect_interval(d, &snap);
	if (!err)
		err = windows_push(d->windows, &snap);
	snapshot_free(&snap);
	if (err) {
		hlog(LOG_ERR, "interval skipped: %s",
		     err == -EAGAIN ? "no probes loaded" : strerror(-err));
		return;
	}
	now = clock_ns(CLOCK_REALTIME);
	alert_engine_eval(d->alerts, d->windows, now, on_notice, d);
	if (d->alerts_changed)
		save_alert_state(d);
	refresh_alertmanagers(d, clock_ns(CLOCK_MONOTONIC));
	rebalancer_step(d->rebalancer, d->collector, windows_latest(d->windows),
			clock_ns(CLOCK_MONOTONIC));
	pool_tuner_step(d->pools, windows_latest(d->windows), clock_ns(CLOCK_MONOTONIC));
	daemon_publish(d, windows_latest(d->windows));
}

/* ---- probes across a reload ------------------------------------------------------ */

/* "syscall,sched" for the log. */
static const char *probes_text(unsigned int probes, char *buf, size_t len)
{
	static const char *const names[] = {"syscall", "tcp", "sched", "mem", "alloc", "proto"};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (probes & (1u << i) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 names[i]);
	return buf[0] ? buf : "none";
}

/* Collects what the running probes measured of this interval into
 * d->carry, then unloads them. */
static void collector_stop(struct daemon *d)
{
	int err;

	if (!d->collector)
		return;
	err = collector_collect_into(d->collector, &d->carry);
	if (err)
		hlog(LOG_ERR, "probes: the interval so far is lost: %s", strerror(-err));
	collector_close(d->collector);
	d->collector = NULL;
}

/* A warning when some of @asked's sets are left out (the collector said
 * why on stderr); false when all of them loaded. */
static bool log_partial_load(const struct daemon *d, const struct probe_opts *asked)
{
	char loaded[64], all[64];

	if (collector_probes(d->collector) == asked->probes)
		return false;
	hlog(LOG_WARNING, "probes: loaded %s of %s",
	     probes_text(collector_probes(d->collector), loaded, sizeof(loaded)),
	     probes_text(asked->probes, all, sizeof(all)));
	return true;
}

/*
 * Replaces the running probes by @to's. The old set is unloaded before the
 * new one loads, so the hooks never carry two sets of programs at once (twice
 * the overhead, and twice the kernel memory). When @to cannot load, or would
 * leave out a set that was running, @from's set is loaded again; sets @to
 * adds that cannot load are only left out. 0 when @to runs, else -1.
 */
static int collector_switch(struct daemon *d, const struct probe_opts *from,
			    const struct probe_opts *to)
{
	unsigned int running = d->collector ? collector_probes(d->collector) : 0, lost = 0;
	char old_set[64], new_set[64];

	probes_text(from->probes, old_set, sizeof(old_set));
	probes_text(to->probes, new_set, sizeof(new_set));
	collector_stop(d);
	hlog(LOG_NOTICE, "probes: unloaded %s, loading %s", old_set, new_set);
	d->collector = collector_open(to);
	if (d->collector)
		lost = running & to->probes & ~collector_probes(d->collector);
	if (d->collector && !lost) {
		if (!log_partial_load(d, to))
			hlog(LOG_NOTICE, "probes: loaded %s", new_set);
		return 0;
	}
	collector_close(d->collector);
	hlog(LOG_ERR, "probes: %s could not be loaded; loading %s again", new_set, old_set);
	d->collector = collector_open(from);
	if (d->collector)
		hlog(LOG_NOTICE, "probes: loaded %s", old_set);
	else
		hlog(LOG_ERR, "probes: %s could not be loaded either; retrying every interval",
		     old_set);
	return -1;
}

/* ---- start, reload, stop --------------------------------------------------------- */

static struct backoff_policy backoff_policy(void)
{
	struct backoff_policy p = {.base_ns = BACKOFF_BASE_NS, .cap_ns = BACKOFF_CAP_NS};

	return p;
}

static bool same_probes(const struct probe_opts *a, const struct probe_opts *b)
{
	return a->probes == b->probes && a->exact == b->exact && a->max_procs == b->max_procs &&
	       a->slow_ns == b->slow_ns && a->tcp_sample == b->tcp_sample &&
	       a->slow_query_ns == b->slow_query_ns && a->alloc_on_ns == b->alloc_on_ns &&
	       a->alloc_period_ns == b->alloc_period_ns &&
	       !memcmp(&a->filter, &b->filter, sizeof(a->filter));
}

static struct windows *new_windows(const struct config *cfg)
{
	struct window_needs needs;
	struct windows *w;

	if (alert_rules_needs(cfg, &needs))
		return NULL;
	w = windows_new(cfg->interval_ns, &needs);
	free(needs.comms);
	return w;
}

/* Whether the running windows serve @cfg's rules (else they are remade). */
static bool same_windows(const struct daemon *d, const struct config *cfg)
{
	struct window_needs needs;
	bool same;

	if (alert_rules_needs(cfg, &needs))
		return false;
	same = windows_same_needs(d->windows, cfg->interval_ns, &needs);
	free(needs.comms);
	return same;
}

/* Command-line filters, probe sets, --tcp-sample and --alloc-duty replace
 * the config's; --exact and --verbose add to it. */
static void apply_cli(const struct daemon *d, struct config *cfg)
{
	const struct probe_opts *cli = &d->cli_probe;
	struct probe_opts defaults;

	probe_opts_default(&defaults);
	if (cli->filter.n_pids || cli->filter.n_comms || cli->filter.cgroup_id)
		cfg->probe.filter = cli->filter;
	if (cli->probes != defaults.probes)
		cfg->probe.probes = cli->probes;
	if (cli->tcp_sample)
		cfg->probe.tcp_sample = cli->tcp_sample;
	if (cli->alloc_period_ns) {
		cfg->probe.alloc_on_ns = cli->alloc_on_ns;
		cfg->probe.alloc_period_ns = cli->alloc_period_ns;
	}
	cfg->probe.exact = cfg->probe.exact || cli->exact;
	cfg->probe.verbose = cfg->probe.verbose || cli->verbose;
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* SIGHUP: the new config replaces the old only if it is valid and its
 * parts start; otherwise the old one keeps running (its probes loaded
 * again if they had been swapped). */
static void daemon_reload(struct daemon *d)
{
	struct backoff_policy policy = backoff_policy();
	struct windows *windows = NULL;
	struct notifier *notifier;
	struct config *cfg;
	bool new_probes;

	hlog(LOG_NOTICE, "reloading %s", d->config_path);
	if (config_load(d->config_path, &cfg, stderr)) {
		hlog(LOG_ERR, "reload rejected: %s is not valid; keeping the running config",
		     d->config_path);
		return;
	}
	apply_cli(d, cfg);
	/* Groups start over from the new config: what was moved goes back. */
	rebalancer_free(d->rebalancer, d->collector);
	d->rebalancer = NULL;
	pool_tuner_free(d->pools);
	d->pools = NULL;
	new_probes = !same_probes(&cfg->probe, &d->cfg->probe);
	if (!same_windows(d, cfg) || new_probes) {
		windows = new_windows(cfg);
		if (!windows)
			goto rejected;
	}
	if (new_probes && collector_switch(d, &d->cfg->probe, &cfg->probe))
		goto rejected;
	/* The old threads stop first so one target never has two senders;
	 * what they had queued is in the spool and is queued again. */
	notifier_close(d->notifier);
	d->notifier = NULL;
	notifier = notifier_open(cfg, &policy);
	if (!notifier || alert_engine_reload(d->alerts, cfg)) {
		notifier_close(notifier);
		d->notifier = notifier_open(d->cfg, &policy);
		if (new_probes)
			collector_switch(d, &cfg->probe, &d->cfg->probe);
		goto rejected;
	}
	d->notifier = notifier;
	if (windows) {
		windows_free(d->windows);
		d->windows = windows;
	}
	if (!same_string(cfg->export_listen, d->cfg->export_listen) ||
	    cfg->export_per_pid != d->cfg->export_per_pid ||
	    !same_string(cfg->store_postgres, d->cfg->store_postgres) ||
	    cfg->store_retention_days != d->cfg->store_retention_days ||
	    !same_string(advice_conninfo(cfg), advice_conninfo(d->cfg)))
		hlog(LOG_WARNING,
		     "[export], [store] and index advice ([postgres]) changes apply at the next "
		     "restart");
	config_free(d->cfg);
	d->cfg = cfg;
	d->rebalancer = rebalancer_new(cfg, on_action, d);
	d->pools = pool_tuner_new(cfg, on_pool_action, d);
	hlog(LOG_NOTICE, "reloaded %s: %zu rules, %zu targets", d->config_path, cfg->n_alerts,
	     cfg->n_targets);
	return;
rejected:
	d->rebalancer = rebalancer_new(d->cfg, on_action, d);
	d->pools = pool_tuner_new(d->cfg, on_pool_action, d);
	windows_free(windows);
	config_free(cfg);
	hlog(LOG_ERR, "reload rejected: the new config could not start; keeping the running one");
}

static int daemon_start(struct daemon *d)
{
	struct backoff_policy policy = backoff_policy();
	int err;

	if (config_load(d->config_path, &d->cfg, stderr))
		return EXIT_USAGE;
	apply_cli(d, d->cfg);
	err = spool_mkdirs(d->cfg->state_dir);
	if (err) {
		log_error("cannot create state_dir %s: %s", d->cfg->state_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	d->collector = collector_open(&d->cfg->probe);
	if (!d->collector)
		return EXIT_RUNTIME;
	log_partial_load(d, &d->cfg->probe);
	d->windows = new_windows(d->cfg);
	d->alerts = alert_engine_new(d->cfg);
	d->notifier = notifier_open(d->cfg, &policy);
	if (!d->windows || !d->alerts || !d->notifier || consumers_open(d))
		return EXIT_RUNTIME;
	restore_alert_state(d);
	d->rebalancer = rebalancer_new(d->cfg, on_action, d);
	d->pools = pool_tuner_new(d->cfg, on_pool_action, d);
	return 0;
}

static void daemon_stop(struct daemon *d)
{
	if (d->alerts && d->alerts_changed)
		save_alert_state(d);
	rebalancer_free(d->rebalancer, d->collector);
	pool_tuner_free(d->pools);
	consumers_close(d);
	/* Pending notifications are already on disk; this only stops sending. */
	notifier_close(d->notifier);
	alert_engine_free(d->alerts);
	windows_free(d->windows);
	collector_close(d->collector);
	snapshot_free(&d->carry);
	config_free(d->cfg);
}

/* Waits for the next tick or a signal; returns the signal, 0 at the tick. */
static int wait_tick(const sigset_t *signals, uint64_t tick_mono)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	struct timespec timeout;
	int sig;

	if (now >= tick_mono)
		return 0;
	timeout.tv_sec = (time_t)((tick_mono - now) / NS_PER_SEC);
	timeout.tv_nsec = (long)((tick_mono - now) % NS_PER_SEC);
	sig = sigtimedwait(signals, NULL, &timeout);
	return sig > 0 ? sig : 0;
}

static int daemon_loop(struct daemon *d, const sigset_t *signals)
{
	uint64_t tick = clock_ns(CLOCK_MONOTONIC) + d->cfg->interval_ns;

	for (;;) {
		int sig = wait_tick(signals, tick);
		uint64_t now;

		if (sig == SIGTERM || sig == SIGINT) {
			hlog(LOG_NOTICE, "stopping on %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			return 0;
		}
		if (sig == SIGHUP) {
			daemon_reload(d);
			continue;
		}
		if (sig)
			continue;
		run_interval(d);
		now = clock_ns(CLOCK_MONOTONIC);
		tick += d->cfg->interval_ns;
		/* Overran (or the interval changed): restart the cadence from now. */
		if (tick <= now || tick > now + d->cfg->interval_ns)
			tick = now + d->cfg->interval_ns;
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hivemon run [--config FILE] [--pid PID] [--comm NAME] [--cgroup PATH]\n"
		"                   [--probes LIST] [--exact] [--tcp-sample N]\n"
		"                   [--alloc-duty ON/PERIOD] [--verbose]\n"
		"Runs the daemon: measures every interval, raises alerts and delivers\n"
		"them; the config defaults to " CONFIG_DEFAULT_PATH ".\n");
}

static void parse_args(int argc, char **argv, struct daemon *d)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		CLI_COMMON_LONGOPTS,
		{0},
	};
	int opt;

	probe_opts_default(&d->cli_probe);
	d->config_path = CONFIG_DEFAULT_PATH;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "C:h" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_common_option(opt, optarg, &d->cli_probe))
			continue;
		switch (opt) {
		case 'C':
			d->config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		die_usage("run: unexpected argument '%s'", argv[optind]);
}

int cmd_run(int argc, char **argv)
{
	struct daemon d = {0};
	sigset_t signals;
	int rc;

	parse_args(argc, argv, &d);
	/* Blocked in every thread (they inherit the mask) and taken
	 * synchronously by the loop: no handlers, no shared flags. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGHUP);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		log_error("cannot initialise libcurl");
		return EXIT_RUNTIME;
	}
	rc = daemon_start(&d);
	if (!rc) {
		hlog(LOG_NOTICE, "running: %s, interval %.3gs, %zu rules, %zu targets, state in %s",
		     d.config_path, (double)d.cfg->interval_ns / 1e9, d.cfg->n_alerts,
		     d.cfg->n_targets, d.cfg->state_dir);
		rc = daemon_loop(&d, &signals);
	}
	daemon_stop(&d);
	curl_global_cleanup();
	return rc;
}
