// SPDX-License-Identifier: GPL-2.0
/* `hivemon top`: options, data source (own probes or the daemon), main loop. */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "util/clock.h"
#include "probes/collector.h"
#include "cmd/commands.h"
#include "cmd/ipc.h"
#include "top/top_alerts.h"
#include "top/top_model.h"
#include "top/top_render.h"
#include "top/top_view.h"

struct top_opts {
	struct probe_opts probe;
	uint64_t interval_ns;
	bool once;
	bool standalone;	 /* never read from a daemon */
	const char *socket;	 /* daemon socket */
	bool socket_given;	 /* --socket: a missing daemon is an error */
	const char *cgroup_path; /* --cgroup as given, for daemon snapshots */
};

/* Where windows come from: our own collector, or a running daemon. */
struct top_source {
	struct collector *collector;
	const char *socket;
	char label[128];
};

/* One window and what was firing during it. */
struct top_window {
	struct snapshot snap;
	struct top_alerts alerts;
	json_t *groups; /* the daemon's groups[], NULL when none */
};

/* Set by SIGINT/SIGTERM/SIGHUP so the loop can restore the terminal. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hivemon top [--pid PID]... [--comm NAME]... [--cgroup PATH]\n"
		"                   [--probes LIST] [--exact] [--tcp-sample N]\n"
		"                   [--interval DUR] [--once] [--slow-query DUR]\n"
		"                   [--socket PATH | --standalone]\n\n"
		"Live view of where every process's time goes.\n\n"
		"  --interval DUR  refresh period (default 1s)\n"
		"  --once          print one plain frame after one interval and exit\n"
		"  --slow-query DUR  statements slower than DUR are listed one by one\n"
		"                  (own probes only; default 100ms, a daemon's is [agent] "
		"slow_query)\n"
		"  --socket PATH   read the daemon's windows from PATH (default %s)\n"
		"  --standalone    load our own probes even when a daemon is running\n\n"
		"Keys: q quit, j/k or arrows move, s or </> sort column, r reverse,\n"
		"/ filter by comm, Enter detail, a alerts, g groups, p pause, h or ? help.\n",
		IPC_DEFAULT_PATH);
}

static void parse_opts(int argc, char **argv, struct top_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"interval", required_argument, NULL, 'i'},
		{"once", no_argument, NULL, '1'},
		{"socket", required_argument, NULL, 'S'},
		{"standalone", no_argument, NULL, 'A'},
		{"slow-query", required_argument, NULL, 'Q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;

	memset(o, 0, sizeof(*o));
	probe_opts_default(&o->probe);
	o->interval_ns = 1000000000ULL;
	o->socket = IPC_DEFAULT_PATH;
	optind = 1;
	opterr = 0; /* our own one-line errors */
	while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "i:h", longopts, NULL)) != -1) {
		if (opt == 'g')
			o->cgroup_path = optarg;
		if (cli_common_option(opt, optarg, &o->probe))
			continue;
		switch (opt) {
		case 'i':
			if (parse_duration_ns(optarg, &o->interval_ns) ||
			    o->interval_ns < 100000000ULL)
				die_usage("invalid --interval '%s': a duration of at least 100ms",
					  optarg);
			break;
		case '1':
			o->once = true;
			break;
		case 'S':
			o->socket = optarg;
			o->socket_given = true;
			break;
		case 'A':
			o->standalone = true;
			break;
		case 'Q':
			cli_slow_query(optarg, &o->probe);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			die_usage(
				"top: unknown or incomplete option '%s' (try 'hivemon top --help')",
				argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("top: unexpected argument '%s'", argv[optind]);
	if (o->standalone && o->socket_given)
		die_usage("top: --socket and --standalone exclude each other");
	if (!o->once && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		die_usage("top needs a terminal (use --once for plain output)");
}

/* A daemon of another hivemon version encodes windows differently. */
static int check_version(const char *socket, const void *msg, size_t len)
{
	struct snapshot snap;
	json_t *firing;
	int err;

	snapshot_init(&snap);
	err = ipc_message_decode(msg, len, &snap, &firing);
	snapshot_free(&snap);
	json_decref(firing);
	if (err == -EPROTONOSUPPORT)
		log_error("the daemon at %s speaks another version", socket);
	return err == -EPROTONOSUPPORT ? -1 : 0;
}

static int source_open(struct top_source *src, const struct top_opts *o)
{
	memset(src, 0, sizeof(*src));
	if (!o->standalone) {
		size_t len = 0;
		void *msg = ipc_fetch(o->socket, &len);

		/* ENODATA: a daemon is up but has not finished its first window. */
		if (msg || errno == ENODATA) {
			int err = msg ? check_version(o->socket, msg, len) : 0;

			free(msg);
			src->socket = o->socket;
			snprintf(src->label, sizeof(src->label), "daemon %s", o->socket);
			return err;
		}
		if (errno == EACCES) { /* a daemon runs, and it is not for us */
			log_error("the hivemon daemon's socket %s is root-only", o->socket);
			return -1;
		}
		if (o->socket_given) {
			log_error("no hivemon daemon answers on %s: %s", o->socket,
				  strerror(errno));
			return -1;
		}
	}
	src->collector = collector_open(&o->probe);
	if (!src->collector)
		return -1;
	snprintf(src->label, sizeof(src->label), "standalone");
	return 0;
}

static void source_close(struct top_source *src)
{
	if (src->collector)
		collector_close(src->collector);
	src->collector = NULL;
}

static void window_free(struct top_window *w)
{
	snapshot_free(&w->snap);
	top_alerts_free(&w->alerts);
	json_decref(w->groups);
	w->groups = NULL;
}

/* A daemon replaced by one of another version while top runs. */
static const char *window_error(int err)
{
	return err == -EPROTONOSUPPORT ? "the daemon speaks another version" : strerror(-err);
}

/* Replaces @w with the daemon's latest window. */
static int daemon_next(struct top_source *src, struct top_window *w)
{
	json_t *firing = NULL;
	size_t len = 0;
	void *msg;
	int err;

	window_free(w);
	msg = ipc_fetch(src->socket, &len);
	if (!msg)
		return -errno;
	err = ipc_message_decode_groups(msg, len, &w->snap, &firing, &w->groups);
	free(msg);
	if (!err)
		err = top_alerts_from_json(firing, &w->alerts);
	json_decref(firing);
	return err;
}

static void filter_of(const struct top_opts *o, const struct top_view *v, struct top_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->comm_substr = v ? v->filter : NULL;
	f->pids = o->probe.filter.pids;
	f->n_pids = o->probe.filter.n_pids;
	f->comms = o->probe.filter.comms;
	f->n_comms = o->probe.filter.n_comms;
	f->cgroup_prefix = o->cgroup_path;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop_requested)
		;
}

/* One window of @span, drained every second so ring buffers never fill. */
static int collect_merged(struct collector *c, uint64_t span, struct snapshot *total)
{
	uint64_t end = mono_ns() + span;

	for (;;) {
		uint64_t now = mono_ns();
		int err;

		if (now < end) {
			uint64_t step = collector_drain_step(c);

			sleep_ns(end - now < step ? end - now : step);
		}
		err = collector_collect_into(c, total);
		if (err || stop_requested || mono_ns() >= end)
			return err;
	}
}

/* The daemon's latest window; a daemon that just started has none yet, so
 * give it an interval (plus 2 s of slack) to finish its first, asking
 * every 200 ms. */
static int daemon_window(struct top_source *src, uint64_t interval_ns, struct top_window *w)
{
	uint64_t deadline = mono_ns() + interval_ns + 2000000000ULL;
	int err;

	while ((err = daemon_next(src, w)) == -ENODATA && mono_ns() < deadline && !stop_requested)
		sleep_ns(200000000ULL);
	return err;
}

static int run_once(const struct top_opts *o, struct top_source *src)
{
	struct top_window w = {0};
	struct top_model model;
	struct top_filter filter;
	struct top_view view;
	struct top_frame frame;
	int err;

	err = src->collector ? collect_merged(src->collector, o->interval_ns, &w.snap)
			     : daemon_window(src, o->interval_ns, &w);
	if (err) {
		log_error("top: cannot read a window: %s", window_error(err));
		window_free(&w);
		return EXIT_RUNTIME;
	}
	top_view_init(&view);
	top_model_init(&model);
	filter_of(o, NULL, &filter);
	err = top_model_build(&model, &w.snap, &w.alerts, &filter);
	if (!err) {
		top_model_sort(&model, view.sort_col, false);
		frame = (struct top_frame){.snap = &w.snap,
					   .model = &model,
					   .alerts = &w.alerts,
					   .view = &view,
					   .source = src->label,
					   .interval_ns = o->interval_ns};
		err = top_render_plain(&frame, stdout);
	}
	top_model_free(&model);
	window_free(&w);
	if (err) {
		log_error("top: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

/* State of the interactive loop: the window on screen and its rows. */
struct top_ui {
	const struct top_opts *opts;
	struct top_source *src;
	struct top_window shown, incoming;
	struct top_model model;
	struct top_view view;
	struct top_lines scratch;
	char status[128];
	bool ascii;
};

static void ui_rebuild(struct top_ui *ui)
{
	struct top_filter filter;

	filter_of(ui->opts, &ui->view, &filter);
	if (top_model_build(&ui->model, &ui->shown.snap, &ui->shown.alerts, &filter))
		snprintf(ui->status, sizeof(ui->status), "out of memory");
	top_model_sort(&ui->model, ui->view.sort_col, ui->view.reverse);
	top_view_sync(&ui->view, &ui->model, top_curses_page());
}

static void ui_draw(struct top_ui *ui)
{
	struct top_frame frame = {
		.snap = &ui->shown.snap,
		.model = &ui->model,
		.alerts = &ui->shown.alerts,
		.view = &ui->view,
		.source = ui->src->label,
		.interval_ns = ui->opts->interval_ns,
		.status = ui->status[0] ? ui->status : NULL,
		.ascii = ui->ascii,
		.groups = ui->shown.groups,
	};

	top_curses_draw(&frame, &ui->scratch);
}

/* Reads what the source gained: our own probes are drained at least every
 * second (so ring buffers never fill) and merged until the frame is due. */
static int ui_drain(struct top_ui *ui)
{
	if (!ui->src->collector)
		return daemon_next(ui->src, &ui->incoming);
	return collector_collect_into(ui->src->collector, &ui->incoming.snap);
}

/* Shows the window gathered so far; while paused it is dropped instead. */
static void ui_show(struct top_ui *ui)
{
	struct top_window tmp;

	if (!ui->view.paused) {
		tmp = ui->shown;
		ui->shown = ui->incoming;
		ui->incoming = tmp;
		ui_rebuild(ui);
	}
	window_free(&ui->incoming);
}

static int ui_wait_ms(uint64_t deadline)
{
	uint64_t now = mono_ns();

	return deadline > now ? (int)((deadline - now + 999999) / 1000000) : 0;
}

/* Next multiple of @step after @t, skipping (not bursting) missed ones. */
static uint64_t next_deadline(uint64_t t, uint64_t step)
{
	uint64_t now = mono_ns();

	t += step;
	return t > now ? t : now + step;
}

static int run_interactive(const struct top_opts *o, struct top_source *src)
{
	struct top_ui ui = {.opts = o, .src = src};
	uint64_t drain_step = src->collector && o->interval_ns > COLLECTOR_DRAIN_NS
				      ? COLLECTOR_DRAIN_NS
				      : o->interval_ns;
	uint64_t first_step, next_drain, next_frame;
	bool dirty = true;
	const char *codeset;

	top_view_init(&ui.view);
	top_model_init(&ui.model);
	top_lines_init(&ui.scratch);
	codeset = nl_langinfo(CODESET);
	ui.ascii = !codeset || strcmp(codeset, "UTF-8");
	top_curses_start();
	if (src->socket && !ui_drain(&ui)) {
		ui_show(&ui); /* the daemon already has a full window */
	} else {
		snprintf(ui.status, sizeof(ui.status), "collecting the first window...");
		ui_rebuild(&ui);
	}
	first_step = src->collector ? collector_drain_step(src->collector) : drain_step;
	next_drain = mono_ns() + (first_step < drain_step ? first_step : drain_step);
	next_frame = mono_ns() + o->interval_ns;
	while (!stop_requested && !ui.view.quit) {
		int key;

		if (mono_ns() >= next_drain || mono_ns() >= next_frame) {
			int err = ui_drain(&ui);

			if (err)
				snprintf(ui.status, sizeof(ui.status), "cannot read a window: %s",
					 window_error(err));
			else
				ui.status[0] = '\0';
			next_drain = next_deadline(next_drain, drain_step);
			if (mono_ns() >= next_frame) {
				ui_show(&ui);
				next_frame = next_deadline(next_frame, o->interval_ns);
				dirty = true;
			}
		}
		if (dirty)
			ui_draw(&ui);
		dirty = false;
		timeout(ui_wait_ms(next_drain < next_frame ? next_drain : next_frame));
		key = getch();
		if (key == ERR)
			continue;
		dirty = true;
		if (key == KEY_RESIZE) {
			top_view_sync(&ui.view, &ui.model, top_curses_page());
			continue;
		}
		if (top_view_key(&ui.view, key, &ui.model, top_curses_page()))
			ui_rebuild(&ui);
		else
			top_view_sync(&ui.view, &ui.model, top_curses_page());
	}
	top_curses_stop();
	top_lines_free(&ui.scratch);
	top_model_free(&ui.model);
	window_free(&ui.shown);
	window_free(&ui.incoming);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	struct top_source src;
	struct top_opts o;
	int rc;

	setlocale(LC_ALL, "");
	parse_opts(argc, argv, &o);
	if (source_open(&src, &o))
		return EXIT_RUNTIME;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	rc = o.once ? run_once(&o, &src) : run_interactive(&o, &src);
	source_close(&src);
	return rc;
}
