// SPDX-License-Identifier: GPL-2.0
/* CPU lists, per-CPU busy time from /proc/stat, cgroup cpusets. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cgroup_names.h"
#include "rebalance/cpus.h"

void cpu_list_add(struct cpu_list *l, int cpu)
{
	size_t i = 0;

	if (cpu < 0 || cpu >= CPUS_MAX || cpu_list_index(l, cpu) >= 0)
		return;
	while (i < l->n && l->cpu[i] < cpu)
		i++;
	memmove(&l->cpu[i + 1], &l->cpu[i], (l->n - i) * sizeof(l->cpu[0]));
	l->cpu[i] = cpu;
	l->n++;
}

int cpu_list_index(const struct cpu_list *l, int cpu)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->cpu[i] == cpu)
			return (int)i;
	return -1;
}

static int parse_cpu(const char **s, long *cpu)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	*cpu = strtol(*s, &end, 10);
	*s = end;
	return *cpu < CPUS_MAX ? 0 : -EINVAL;
}

int cpu_list_parse(const char *text, struct cpu_list *out)
{
	const char *s = text;

	out->n = 0;
	while (*s && *s != '\n') {
		long lo, hi;

		if (parse_cpu(&s, &lo))
			return -EINVAL;
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_cpu(&s, &hi) || hi < lo)
				return -EINVAL;
		}
		for (long c = lo; c <= hi; c++)
			cpu_list_add(out, (int)c);
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return out->n ? 0 : -EINVAL;
}

char *cpu_list_format(const struct cpu_list *l, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n && used < len; i++) {
		size_t j = i;

		while (j + 1 < l->n && l->cpu[j + 1] == l->cpu[j] + 1)
			j++;
		if (j > i)
			used += (size_t)snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "",
						 l->cpu[i], l->cpu[j]);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? "," : "",
						 l->cpu[i]);
		i = j;
	}
	return buf;
}

int cpu_times_read(struct cpu_times *t)
{
	long hz = sysconf(_SC_CLK_TCK);
	char line[512];
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return -errno;
	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
		int cpu;

		if (strncmp(line, "cpu", 3) || !isdigit((unsigned char)line[3]))
			continue;
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &user,
			   &nice, &sys, &idle, &iowait, &irq, &softirq, &steal) != 9 ||
		    cpu < 0 || cpu >= CPUS_MAX)
			continue;
		t->busy_ns[cpu] =
			(user + nice + sys + irq + softirq + steal) * (1000000000ULL / hz);
		if (cpu + 1 > t->n)
			t->n = cpu + 1;
	}
	fclose(f);
	return t->n ? 0 : -ENOENT;
}

static int read_list_file(const char *path, struct cpu_list *out)
{
	char text[4096];
	FILE *f = fopen(path, "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	if (fgets(text, sizeof(text), f))
		err = cpu_list_parse(text, out);
	fclose(f);
	return err;
}

int cgroup_cpus(const char *cgroup, struct cpu_list *out)
{
	char root[4096], path[8192];

	if (cgroup && *cgroup && cgroup2_mount(root, sizeof(root))) {
		snprintf(path, sizeof(path), "%s%s/cpuset.cpus.effective", root, cgroup);
		if (!read_list_file(path, out))
			return 0;
	}
	return read_list_file("/sys/devices/system/cpu/online", out);
}
