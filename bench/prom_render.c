// SPDX-License-Identifier: GPL-2.0
/* /metrics cost with many processes: the time to fold one interval into the
 * running totals and to render the exposition, per comm and per pid. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "export/export.h"
#include "export/export_prom.h"
#include "synth.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Median of @n timings. */
static double median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* Render time of the last run(), for the ratios. */
struct result {
	double add_ms, render_ms;
};

static struct result run(const char *what, unsigned int procs, unsigned int per_comm, bool per_pid,
			 const char *dump)
{
	enum { ROUNDS = 15 };
	struct prom_registry *r = prom_registry_new(per_pid);
	double add_ms[ROUNDS], render_ms[ROUNDS];
	size_t len = 0;
	char *text = NULL;

	for (int i = 0; i < ROUNDS; i++) {
		struct snapshot snap;
		double t0;

		synth_snapshot(&snap, procs, per_comm, 20, (unsigned int)i);
		t0 = now_ms();
		prom_registry_add(r, &snap);
		add_ms[i] = now_ms() - t0;
		snapshot_free(&snap);
		free(text);
		t0 = now_ms();
		prom_registry_render(r, &text, &len);
		render_ms[i] = now_ms() - t0;
	}
	printf("%-28s processes=%u comms=%u  add %.2f ms  render %.2f ms  (%zu bytes)\n", what,
	       procs, (procs + per_comm - 1) / per_comm, median(add_ms, ROUNDS),
	       median(render_ms, ROUNDS), len);
	fflush(stdout);
	if (dump) {
		FILE *f = fopen(dump, "w");

		if (f) {
			fwrite(text, 1, len, f);
			fclose(f);
		}
	}
	free(text);
	prom_registry_free(r);
	return (struct result){median(add_ms, ROUNDS), median(render_ms, ROUNDS)};
}

/* The whole publish of the daemon loop: fold, render, JSON report, swap. */
static void run_publish(unsigned int procs, bool per_pid)
{
	enum { ROUNDS = 9 };
	struct exporter *e = exporter_open("127.0.0.1:0", per_pid);
	double ms[ROUNDS];

	if (!e)
		return;
	for (int i = 0; i < ROUNDS; i++) {
		struct snapshot snap;
		double t0;

		synth_snapshot(&snap, procs, 10, 20, (unsigned int)i);
		t0 = now_ms();
		exporter_publish(e, &snap);
		ms[i] = now_ms() - t0;
		snapshot_free(&snap);
	}
	printf("exporter_publish, per %-6s processes=%u  %.2f ms (metrics + JSON report)\n",
	       per_pid ? "pid" : "comm", procs, median(ms, ROUNDS));
	exporter_close(e);
}

int main(int argc, char **argv)
{
	unsigned int procs = argc > 1 ? (unsigned int)atoi(argv[1]) : 1000;
	const char *dump = argc > 2 ? argv[2] : NULL;

	struct result comm = run("per comm (10 pids/comm)", procs, 10, false, NULL);
	struct result pid;

	run("per comm (1 pid/comm)", procs, 1, false, NULL);
	pid = run("per pid (per_pid = true)", procs, 10, true, dump);
	printf("per pid / per comm: add %.1fx, render %.1fx\n", pid.add_ms / comm.add_ms,
	       pid.render_ms / comm.render_ms);
	run_publish(procs, false);
	run_publish(procs, true);
	return 0;
}
