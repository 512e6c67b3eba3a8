// SPDX-License-Identifier: GPL-2.0
/* Unit tests of `hivemon top`: rows, units, sorting, filters, keys, frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "top_fixture.h"
#include "top/top_model.h"
#include "top/top_render.h"
#include "top/top_view.h"

struct fx {
	struct snapshot snap;
	struct top_alerts alerts;
	struct top_alert items[2];
	struct top_model model;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	fixture_snapshot(&f->snap);
	/* A critical alert on pid 100 and a warning matched by comm "worker". */
	f->items[0] = (struct top_alert){.name = "api-latency",
					 .tier = TIER_CRITICAL,
					 .pid = 100,
					 .value = "0.15",
					 .threshold = "0.1"};
	f->items[1] =
		(struct top_alert){.name = "worker-cpu", .tier = TIER_WARNING, .comm = "worker"};
	f->alerts.items = f->items;
	f->alerts.n = 2;
	top_model_init(&f->model);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	top_model_free(&f->model);
	snapshot_free(&f->snap);
	free(f);
	return 0;
}

static const struct top_row *row_of(const struct top_model *m, uint32_t pid)
{
	long i = top_model_find(m, pid);

	assert_true(i >= 0);
	return &m->rows[i];
}

static void test_units(void **state)
{
	char b[32];

	assert_string_equal(fmt_latency(0, b, sizeof(b)), "-");
	assert_string_equal(fmt_latency(850, b, sizeof(b)), "850ns");
	assert_string_equal(fmt_latency(1234, b, sizeof(b)), "1.23µs");
	assert_string_equal(fmt_latency(12345, b, sizeof(b)), "12.3µs");
	assert_string_equal(fmt_latency(123456, b, sizeof(b)), "123µs");
	assert_string_equal(fmt_latency(999999, b, sizeof(b)), "1.00ms");
	assert_string_equal(fmt_latency(20100000, b, sizeof(b)), "20.1ms");
	assert_string_equal(fmt_latency(1250000000, b, sizeof(b)), "1.25s");
	assert_string_equal(fmt_latency(125000000000ULL, b, sizeof(b)), "125s");
	assert_string_equal(fmt_rate(0, b, sizeof(b)), "0");
	assert_string_equal(fmt_rate(12.5, b, sizeof(b)), "12.5");
	assert_string_equal(fmt_rate(980, b, sizeof(b)), "980");
	assert_string_equal(fmt_rate(1234, b, sizeof(b)), "1.23k");
	assert_string_equal(fmt_rate(35000, b, sizeof(b)), "35.0k");
	assert_string_equal(fmt_rate(1.3e6, b, sizeof(b)), "1.30M");
	assert_string_equal(fmt_bytes(0, b, sizeof(b)), "-");
	assert_string_equal(fmt_bytes(512, b, sizeof(b)), "512B");
	assert_string_equal(fmt_bytes(512 << 10, b, sizeof(b)), "512K");
	assert_string_equal(fmt_bytes(80ULL << 20, b, sizeof(b)), "80.0M");
	assert_string_equal(fmt_bytes(3ULL << 29, b, sizeof(b)), "1.50G");
	assert_int_equal(utf8_width("12.3µs"), 6);
	assert_int_equal(strlen("12.3µs"), 7);
	assert_int_equal(utf8_prefix("12.3µs", 5), 6); /* µ is kept whole */
	assert_int_equal(utf8_prefix("12.3µs", 6), 7);
	assert_int_equal(utf8_prefix("12.3µs", 4), 4);
	assert_int_equal(utf8_prefix("abc", 10), 3);
}

static void test_row_figures(void **state)
{
	struct fx *f = *state;
	const struct top_row *api, *worker, *db;

	assert_int_equal(top_model_build(&f->model, &f->snap, &f->alerts, NULL), 0);
	assert_int_equal(f->model.n, 3);
	api = row_of(&f->model, 100);
	worker = row_of(&f->model, 200);
	db = row_of(&f->model, 50);

	assert_true(near(api->cpu_pct, 50.0, 0.01));
	assert_true(near(api->sysc_rate, 1010.0, 0.01));
	/* epoll_wait's 10 x 100 ms outweigh read's 1000 x 10 us. */
	assert_true(api->has_sys_top);
	assert_int_equal(api->sys_top_nr, 232);
	assert_true(near((double)api->sys_p99, 100.0 * MS, 5));
	assert_true(near(api->req_rate, 200.0, 0.01));
	assert_true(near((double)api->req_p99, 150.0 * MS, 5));
	assert_true(near((double)api->runq_p99, 2.0 * MS, 5));
	assert_true(near(api->fault_rate, 1000.0, 0.01));
	assert_int_equal(api->rss_bytes, 80ULL << 20);
	assert_int_equal(api->tier, TIER_CRITICAL);

	assert_int_equal(worker->sys_top_nr, 230);
	assert_true(near((double)worker->sys_p99, 20.0 * MS, 5));
	assert_true(near(worker->sysc_rate, 50.0, 0.01));
	assert_int_equal(worker->tier, TIER_WARNING);
	assert_int_equal(worker->req_rate, 0);

	/* A pure client shows the requests it sends. */
	assert_true(near(db->req_rate, 30.0, 0.01));
	assert_true(near((double)db->req_p99, 5.0 * MS, 5));
	assert_true(near((double)db->conn_p99, 300.0 * US, 5));
	assert_true(near((double)db->rtt_p50, 50.0 * US, 5));
	assert_int_equal(db->retrans, 3);
	assert_int_equal(db->tier, TIER_NONE);

	assert_int_equal(f->model.totals.procs, 3);
	assert_true(near(f->model.totals.syscalls_per_s, 1010 + 50 + 30, 0.01));
	assert_true(near(f->model.totals.requests_per_s, 230, 0.01));
	assert_int_equal(f->model.totals.lost_events, 7);
	assert_int_equal(f->model.totals.alerts_by_tier[TIER_CRITICAL], 1);
	assert_int_equal(f->model.totals.alerts_by_tier[TIER_WARNING], 1);
}

static void assert_order(const struct top_model *m, uint32_t a, uint32_t b, uint32_t c)
{
	assert_int_equal(m->n, 3);
	assert_int_equal(m->rows[0].pid, a);
	assert_int_equal(m->rows[1].pid, b);
	assert_int_equal(m->rows[2].pid, c);
}

static void test_sort_orders(void **state)
{
	struct fx *f = *state;

	top_model_build(&f->model, &f->snap, &f->alerts, NULL);
	top_model_sort(&f->model, COL_CPU, false); /* 50 %, 10 %, 5 % */
	assert_order(&f->model, 100, 200, 50);
	top_model_sort(&f->model, COL_CPU, true);
	assert_order(&f->model, 50, 200, 100);
	top_model_sort(&f->model, COL_PID, false); /* ascending by default */
	assert_order(&f->model, 50, 100, 200);
	top_model_sort(&f->model, COL_COMM, false);
	assert_order(&f->model, 100, 50, 200);	       /* api, db, worker */
	top_model_sort(&f->model, COL_SYS_P99, false); /* 100 ms, 20 ms, 40 us */
	assert_order(&f->model, 100, 200, 50);
	top_model_sort(&f->model, COL_SYSC, false); /* 1010, 50, 30 per s */
	assert_order(&f->model, 100, 200, 50);
	top_model_sort(&f->model, COL_REQ_RATE, false); /* 200, 30, 0 */
	assert_order(&f->model, 100, 50, 200);
	top_model_sort(&f->model, COL_ALERT, false); /* critical, warning, none */
	assert_order(&f->model, 100, 200, 50);
	top_model_sort(&f->model, COL_RETR, false); /* 3 first; ties by pid */
	assert_order(&f->model, 50, 100, 200);
}

static void test_filters(void **state)
{
	struct fx *f = *state;
	const uint32_t pids[] = {50, 200};
	const char comms[][PROC_COMM_LEN] = {"db"};
	struct top_filter filter = {.comm_substr = "WOR"};

	top_model_build(&f->model, &f->snap, &f->alerts, &filter);
	assert_int_equal(f->model.n, 1);
	assert_int_equal(f->model.rows[0].pid, 200);
	/* Totals still cover every process. */
	assert_int_equal(f->model.totals.procs, 3);

	filter = (struct top_filter){.pids = pids, .n_pids = 2};
	top_model_build(&f->model, &f->snap, &f->alerts, &filter);
	top_model_sort(&f->model, COL_PID, false);
	assert_int_equal(f->model.n, 2);
	assert_int_equal(f->model.rows[0].pid, 50);
	assert_int_equal(f->model.rows[1].pid, 200);

	filter = (struct top_filter){.comms = comms, .n_comms = 1};
	top_model_build(&f->model, &f->snap, &f->alerts, &filter);
	assert_int_equal(f->model.n, 1);
	assert_int_equal(f->model.rows[0].pid, 50);

	filter = (struct top_filter){.cgroup_prefix = "/system.slice"};
	top_model_build(&f->model, &f->snap, &f->alerts, &filter);
	assert_int_equal(f->model.n, 2); /* api and db, not /user.slice */
	filter = (struct top_filter){.cgroup_prefix = "/system.sl"};
	top_model_build(&f->model, &f->snap, &f->alerts, &filter);
	assert_int_equal(f->model.n, 0); /* a path prefix, not a string prefix */

	filter = (struct top_filter){.comm_substr = "zzz"};
	top_model_build(&f->model, &f->snap, &f->alerts, &filter);
	assert_int_equal(f->model.n, 0);
}

/* Splits @line on blanks into at most @max fields. */
static int fields(char *line, char **out, int max)
{
	int n = 0;

	for (char *tok = strtok(line, " "); tok && n < max; tok = strtok(NULL, " "))
		out[n++] = tok;
	return n;
}

/* The header of @f's frame, plain. Caller frees. */
static char *plain_header(struct fx *f)
{
	struct top_view view;
	struct top_frame frame;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	top_view_init(&view);
	top_model_build(&f->model, &f->snap, &f->alerts, NULL);
	frame = (struct top_frame){
		.snap = &f->snap, .model = &f->model, .alerts = &f->alerts, .view = &view};
	assert_int_equal(top_render_plain(&frame, out), 0);
	fclose(out);
	return text;
}

static void test_sampled_header(void **state)
{
	struct fx *f = *state;
	char *text = plain_header(f);

	assert_null(strstr(text, "conns)"));
	free(text);
	f->snap.tcp_sample = 4;
	text = plain_header(f);
	assert_non_null(strstr(text, "requests/s 230 (1/4 conns)  lost events"));
	free(text);
}

static void test_plain_frame(void **state)
{
	struct fx *f = *state;
	struct top_view view;
	struct top_frame frame;
	char *text = NULL, *line, *save = NULL, *cols[32];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int n_lines = 0, n;

	top_view_init(&view);
	top_model_build(&f->model, &f->snap, &f->alerts, NULL);
	top_model_sort(&f->model, view.sort_col, view.reverse);
	frame = (struct top_frame){.snap = &f->snap,
				   .model = &f->model,
				   .alerts = &f->alerts,
				   .view = &view,
				   .source = "standalone",
				   .interval_ns = 2000 * MS};
	assert_int_equal(top_render_plain(&frame, out), 0);
	fclose(out);

	assert_non_null(strstr(text, "host testhost"));
	assert_non_null(strstr(text, "kernel 6.18.0"));
	assert_non_null(strstr(text, "interval 2.00s"));
	assert_non_null(strstr(text, "syscalls/s 1.09k"));
	assert_non_null(strstr(text, "requests/s 230"));
	assert_non_null(strstr(text, "lost events 7"));
	assert_non_null(strstr(text, "CRITICAL 1 WARNING 1 INFO 0"));
	assert_non_null(strstr(text, "CPU%▼"));

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		n_lines++;
		if (n_lines == 4) { /* first row: api, the busiest CPU */
			n = fields(line, cols, 32);
			assert_int_equal(n, COL_COUNT);
			assert_string_equal(cols[COL_PID], "100");
			assert_string_equal(cols[COL_COMM], "api");
			assert_string_equal(cols[COL_CPU], "50.0");
			assert_string_equal(cols[COL_SYSC], "1.01k");
			assert_string_equal(cols[COL_SYS_TOP], "epoll_wait");
			assert_string_equal(cols[COL_REQ_RATE], "200");
			assert_string_equal(cols[COL_RSS], "80.0M");
			assert_string_equal(cols[COL_FAULTS], "1.00k");
			assert_string_equal(cols[COL_ALERT], "CRITICAL");
			/* Bucket midpoints: within 5 % of 100 ms and 150 ms. */
			assert_true(near(strtod(cols[COL_SYS_P99], NULL), 100, 5));
			assert_non_null(strstr(cols[COL_SYS_P99], "ms"));
			assert_true(near(strtod(cols[COL_REQ_P99], NULL), 150, 5));
		}
		if (n_lines == 6) { /* last row: db */
			n = fields(line, cols, 32);
			assert_string_equal(cols[COL_PID], "50");
			assert_string_equal(cols[COL_RETR], "3");
			assert_true(near(strtod(cols[COL_CONN], NULL), 300, 5));
			assert_non_null(strstr(cols[COL_CONN], "µs"));
			assert_string_equal(cols[COL_ALERT], "-");
		}
	}
	assert_int_equal(n_lines, 6); /* 2 header lines, column titles, 3 rows */
	free(text);
}

static const struct top_line *find_line(const struct top_lines *l, const char *needle)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->items[i].text, needle))
			return &l->items[i];
	return NULL;
}

/* With more syscalls than the detail table holds, the busiest are shown:
 * here the busiest is the last one the process made. */
static void test_detail_many_syscalls(void **state)
{
	struct fx *f = *state;
	struct top_lines lines;
	struct top_frame frame = {.snap = &f->snap, .alerts = &f->alerts};
	struct proc_snapshot *p = snapshot_proc(&f->snap, 300);

	assert_non_null(p);
	for (uint32_t nr = 100; nr < 200; nr++) {
		struct syscall_stat *sc = proc_syscall(p, nr);

		assert_non_null(sc);
		sc->count = 1;
		assert_int_equal(hist_record(&sc->lat, nr == 199 ? 5000000 : 1000), 0);
	}
	top_lines_init(&lines);
	top_format_detail(&frame, 300, &lines);
	/* Syscall 199 (fremovexattr), 5 ms: its histogram comes first. */
	assert_non_null(find_line(&lines, " latency (1 samples)"));
	assert_string_equal(find_line(&lines, " latency (1 samples)")->text,
			    "fremovexattr latency (1 samples)");
	top_lines_free(&lines);
}

static void test_detail_view(void **state)
{
	struct fx *f = *state;
	struct top_lines lines;
	struct top_frame frame = {.snap = &f->snap, .alerts = &f->alerts};
	const struct top_line *l;
	char *cols[16], buf[TOP_LINE_MAX];
	size_t i;

	top_lines_init(&lines);
	top_format_detail(&frame, 200, &lines);
	l = find_line(&lines, "clock_nanosleep  ");
	assert_non_null(l);
	snprintf(buf, sizeof(buf), "%s", l->text);
	assert_int_equal(fields(buf, cols, 16), 8);
	assert_string_equal(cols[1], "50.0");	/* calls/s */
	assert_string_equal(cols[3], "100.0%"); /* 50 x 20 ms of a 1 s window */
	assert_true(near(strtod(cols[6], NULL), 20, 5));

	/* All 50 sleeps fall in one power of two: one full-width bar. */
	l = find_line(&lines, "clock_nanosleep latency (50 samples)");
	assert_non_null(l);
	l++;
	assert_int_equal(l->style, STYLE_BAR);
	assert_non_null(strstr(l->text, "16.8ms .. 33.6ms"));
	assert_non_null(strstr(l->text, "|######################################## 50"));

	/* Slow calls, slowest first. */
	l = find_line(&lines, "Slowest calls");
	assert_non_null(l);
	i = (size_t)(l - lines.items) + 2;
	assert_non_null(strstr(lines.items[i].text, "24.0ms"));
	assert_non_null(strstr(lines.items[i].text, "10:00:00.400"));
	assert_non_null(strstr(lines.items[i + 3].text, "21.0ms"));

	top_lines_clear(&lines);
	top_format_detail(&frame, 50, &lines);
	assert_non_null(find_line(&lines, "TCP (retransmits 3)"));
	l = find_line(&lines, "connect  127.0.0.1:5432");
	assert_non_null(l);
	snprintf(buf, sizeof(buf), "%s", l->text);
	assert_int_equal(fields(buf, cols, 16), 6);
	assert_string_equal(cols[2], "10.0");
	assert_true(near(strtod(cols[4], NULL), 300, 5));
	assert_non_null(find_line(&lines, "request  127.0.0.1:5432"));
	assert_non_null(find_line(&lines, "rtt      127.0.0.1:5432"));

	top_lines_clear(&lines);
	top_format_detail(&frame, 4242, &lines);
	assert_non_null(find_line(&lines, "process 4242 is not in this window"));
	top_lines_free(&lines);
}

/* A process's own sample ratio marks its TCP table, or the global one
 * when that is rougher; a process all of whose connections were followed
 * has no mark. */
static void test_sampled_detail(void **state)
{
	struct fx *f = *state;
	struct top_lines lines;
	struct top_frame frame = {.snap = &f->snap, .alerts = &f->alerts};

	snapshot_find(&f->snap, 100)->tcp.sample = 4;
	snapshot_find(&f->snap, 50)->tcp.sample = 1;
	top_lines_init(&lines);
	top_format_detail(&frame, 100, &lines);
	assert_non_null(find_line(&lines, "TCP (retransmits 0, 1/4 conns)"));
	top_lines_clear(&lines);
	top_format_detail(&frame, 50, &lines);
	assert_non_null(find_line(&lines, "TCP (retransmits 3)"));
	assert_null(find_line(&lines, "conns"));

	f->snap.tcp_sample = 2;
	top_lines_clear(&lines);
	top_format_detail(&frame, 100, &lines);
	assert_non_null(find_line(&lines, "TCP (retransmits 0, 1/4 conns)"));
	top_lines_clear(&lines);
	top_format_detail(&frame, 50, &lines);
	assert_non_null(find_line(&lines, "TCP (retransmits 3, 1/2 conns)"));
	f->snap.tcp_sample = 8;
	top_lines_clear(&lines);
	top_format_detail(&frame, 100, &lines);
	assert_non_null(find_line(&lines, "TCP (retransmits 0, 1/8 conns)"));
	top_lines_free(&lines);
}

static void test_hist_bars(void **state)
{
	struct top_lines lines;
	struct hist h;

	/* 100 samples at 1.5 us, 50 at 6 us: bars of 20 and 10 cells, an empty
	 * power of two between them. */
	hist_init(&h);
	record_n(&h, 1500, 100);
	record_n(&h, 6000, 50);
	top_lines_init(&lines);
	top_format_hist(&h, "x", 20, &lines);
	assert_int_equal(lines.n, 4);
	assert_non_null(strstr(lines.items[0].text, "x (150 samples)"));
	assert_non_null(
		strstr(lines.items[1].text, "1.02µs .. 2.05µs   |#################### 100"));
	assert_non_null(strstr(lines.items[2].text, "|                     0"));
	assert_non_null(strstr(lines.items[3].text, "|##########           50"));
	top_lines_free(&lines);
	hist_free(&h);
}

static void test_alerts_pane(void **state)
{
	struct fx *f = *state;
	struct top_lines lines;

	top_lines_init(&lines);
	top_format_alerts(&f->alerts, &lines);
	assert_non_null(strstr(lines.items[0].text, "Firing alerts (2)"));
	/* Most severe first, the tier cell coloured. */
	assert_non_null(strstr(lines.items[2].text, "CRITICAL   api-latency"));
	assert_int_equal(lines.items[2].span_tier, TIER_CRITICAL);
	assert_int_equal(lines.items[2].span_len, 8);
	assert_non_null(strstr(lines.items[3].text, "WARNING    worker-cpu"));
	top_lines_free(&lines);
}

/* db: 30 requests of 5 ms in 1 s over 10 connects: 0.15 busy, no-pooling. */
static void test_pools_pane(void **state)
{
	struct fx *f = *state;
	struct top_frame frame = {.snap = &f->snap};
	struct top_lines lines;
	const struct top_line *l;

	top_lines_init(&lines);
	top_format_pools(&frame, &lines);
	assert_non_null(strstr(lines.items[0].text, "Connection pools"));
	l = find_line(&lines, "127.0.0.1:5432");
	assert_non_null(l);
	assert_non_null(strstr(l->text, "  50       db               127.0.0.1:5432"));
	assert_non_null(strstr(l->text, "   0.1     30.0"));
	assert_non_null(strstr(l->text, "10.0 no-pooling    5"));
	assert_null(find_line(&lines, "0.0.0.0:8080")); /* served, not sent */
	top_lines_free(&lines);
}

static void test_status_line(void **state)
{
	struct fx *f = *state;
	struct top_view v;
	struct top_filter filter = {.comm_substr = "wo"};
	struct top_frame frame = {.snap = &f->snap, .model = &f->model, .view = &v};
	struct top_lines lines;

	top_view_init(&v);
	v.sort_col = COL_SYS_P99;
	v.reverse = true;
	strcpy(v.filter, "wo");
	top_model_build(&f->model, &f->snap, &f->alerts, &filter);
	top_lines_init(&lines);
	top_format_status(&frame, &lines);
	assert_string_equal(lines.items[0].text, "sort SYSp99 asc  filter wo  showing 1 of 3");
	v.editing_filter = true;
	frame.status = "cannot read a window: Connection refused";
	top_lines_clear(&lines);
	top_format_status(&frame, &lines);
	assert_string_equal(lines.items[0].text, "sort SYSp99 asc  filter wo_  showing 1 of 3  "
						 "cannot read a window: Connection refused");
	top_lines_free(&lines);
}

static void test_keys(void **state)
{
	struct fx *f = *state;
	struct top_view v;

	top_view_init(&v);
	top_model_build(&f->model, &f->snap, &f->alerts, NULL);
	top_model_sort(&f->model, v.sort_col, v.reverse);
	top_view_sync(&v, &f->model, 10);
	assert_int_equal(v.selected_pid, 100);

	assert_true(top_view_key(&v, 's', &f->model, 10));
	assert_int_equal(v.sort_col, COL_RUNQ);
	assert_true(top_view_key(&v, KEY_RIGHT, &f->model, 10));
	assert_int_equal(v.sort_col, COL_SYSC);
	assert_true(top_view_key(&v, KEY_RIGHT, &f->model, 10));
	assert_int_equal(v.sort_col, COL_SYS_P99);
	assert_true(top_view_key(&v, KEY_RIGHT, &f->model, 10)); /* SYSCALL is skipped */
	assert_int_equal(v.sort_col, COL_REQ_RATE);
	assert_true(top_view_key(&v, KEY_LEFT, &f->model, 10));
	assert_int_equal(v.sort_col, COL_SYS_P99);
	v.sort_col = COL_PID;
	assert_true(top_view_key(&v, KEY_LEFT, &f->model, 10)); /* wraps around */
	assert_int_equal(v.sort_col, COL_ALERT);
	assert_true(top_view_key(&v, 'r', &f->model, 10));
	assert_true(v.reverse);

	/* The cursor follows its process through a re-sort. */
	v.sort_col = COL_CPU;
	v.reverse = false;
	top_model_sort(&f->model, v.sort_col, v.reverse);
	top_view_sync(&v, &f->model, 10);
	top_view_key(&v, 'j', &f->model, 10);
	assert_int_equal(v.selected_pid, 200);
	top_view_key(&v, KEY_DOWN, &f->model, 10);
	top_view_key(&v, KEY_DOWN, &f->model, 10); /* stops at the last row */
	assert_int_equal(v.cursor, 2);
	assert_int_equal(v.selected_pid, 50);
	top_model_sort(&f->model, COL_PID, false);
	top_view_sync(&v, &f->model, 10);
	assert_int_equal(v.cursor, 0);
	assert_int_equal(v.selected_pid, 50);
	top_view_key(&v, 'k', &f->model, 10); /* stops at the first row */
	assert_int_equal(v.cursor, 0);

	/* Filter typing applies live; Enter keeps it, Esc clears it. */
	assert_false(top_view_key(&v, '/', &f->model, 10));
	assert_true(v.editing_filter);
	assert_true(top_view_key(&v, 'w', &f->model, 10));
	assert_true(top_view_key(&v, 'q', &f->model, 10)); /* a letter, not quit */
	assert_false(v.quit);
	assert_true(top_view_key(&v, KEY_BACKSPACE, &f->model, 10));
	assert_true(top_view_key(&v, 'o', &f->model, 10));
	assert_string_equal(v.filter, "wo");
	top_view_key(&v, '\r', &f->model, 10);
	assert_false(v.editing_filter);
	assert_string_equal(v.filter, "wo");
	top_view_key(&v, '/', &f->model, 10);
	assert_true(top_view_key(&v, 27, &f->model, 10));
	assert_string_equal(v.filter, "");

	/* Enter opens the detail view, Esc returns; a/h toggle panes. */
	top_view_key(&v, '\r', &f->model, 10);
	assert_int_equal(v.mode, MODE_DETAIL);
	top_view_key(&v, 'j', &f->model, 10);
	assert_int_equal(v.scroll, 1);
	top_view_key(&v, 27, &f->model, 10);
	assert_int_equal(v.mode, MODE_TABLE);
	top_view_key(&v, 'a', &f->model, 10);
	assert_int_equal(v.mode, MODE_ALERTS);
	top_view_key(&v, 'a', &f->model, 10);
	assert_int_equal(v.mode, MODE_TABLE);
	top_view_key(&v, '?', &f->model, 10);
	assert_int_equal(v.mode, MODE_HELP);
	top_view_key(&v, 'h', &f->model, 10);
	assert_int_equal(v.mode, MODE_TABLE);
	top_view_key(&v, 'p', &f->model, 10);
	assert_true(v.paused);
	top_view_key(&v, 'q', &f->model, 10);
	assert_true(v.quit);
}

static void test_scroll_keeps_cursor_visible(void **state)
{
	struct snapshot s;
	struct top_model m;
	struct top_view v;

	snapshot_init(&s);
	s.duration_ns = 1000 * MS;
	for (uint32_t pid = 1; pid <= 100; pid++)
		snapshot_proc(&s, pid)->sched.oncpu_ns = pid * MS;
	top_model_init(&m);
	top_model_build(&m, &s, NULL, NULL);
	top_model_sort(&m, COL_PID, false);
	top_view_init(&v);
	top_view_sync(&v, &m, 10);
	top_view_key(&v, KEY_NPAGE, &m, 10);
	top_view_key(&v, KEY_NPAGE, &m, 10);
	top_view_key(&v, 'j', &m, 10);
	top_view_sync(&v, &m, 10);
	assert_int_equal(v.cursor, 21);
	assert_int_equal(v.top_row, 12); /* cursor on the last visible line */
	top_view_key(&v, KEY_END, &m, 10);
	top_view_sync(&v, &m, 10);
	assert_int_equal(v.selected_pid, 100);
	assert_int_equal(v.top_row, 90);
	/* A smaller terminal (resize) still shows the cursor. */
	top_view_sync(&v, &m, 3);
	assert_int_equal(v.top_row, 97);
	top_model_free(&m);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test_setup_teardown(test_row_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sampled_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detail_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sampled_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detail_many_syscalls, setup, teardown),
		cmocka_unit_test(test_hist_bars),
		cmocka_unit_test_setup_teardown(test_alerts_pane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pools_pane, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test(test_scroll_keeps_cursor_visible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
