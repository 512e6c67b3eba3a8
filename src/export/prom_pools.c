// SPDX-License-Identifier: GPL-2.0
/* The hivemon_pool_* gauges of /metrics from the pool tuner's pools[]. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "export/prom_pools.h"
#include "export/export_prom.h"

/* textbuf_printf() keeps lines short; label sets are longer. */
__attribute__((format(printf, 2, 3))) static void put(struct textbuf *out, const char *fmt, ...)
{
	char line[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	textbuf_puts(out, line);
}

/* pool="NAME",client="C",endpoint="E" of @p into @out. */
static void labels(json_t *p, char *out, size_t cap)
{
	char name[128], client[128], endpoint[128];
	const char *c = json_string_value(json_object_get(p, "client"));

	prom_escape_label(json_string_value(json_object_get(p, "name")) ?: "", name, sizeof(name));
	prom_escape_label(c ? c : "", client, sizeof(client));
	prom_escape_label(json_string_value(json_object_get(p, "endpoint")) ?: "", endpoint,
			  sizeof(endpoint));
	snprintf(out, cap, "pool=\"%s\",client=\"%s\",endpoint=\"%s\"", name, client, endpoint);
}

static void family(struct textbuf *out, json_t *pools, const char *name, const char *help,
		   const char *field)
{
	size_t i;
	json_t *p;

	put(out, "# HELP hivemon_%s %s\n# TYPE hivemon_%s gauge\n", name, help, name);
	json_array_foreach(pools, i, p)
	{
		json_t *v = json_object_get(p, field);
		char l[420];

		if (!json_is_number(v))
			continue;
		labels(p, l, sizeof(l));
		put(out, "hivemon_%s{%s} %g\n", name, l, json_number_value(v));
	}
}

static void connections(struct textbuf *out, json_t *pools)
{
	size_t i;
	json_t *p;

	textbuf_puts(out, "# HELP hivemon_pool_connections Open connections of a pool by state "
			  "(busy: time-weighted mean with a request in flight)\n"
			  "# TYPE hivemon_pool_connections gauge\n");
	json_array_foreach(pools, i, p)
	{
		json_t *open = json_object_get(p, "open"), *idle = json_object_get(p, "idle");
		char l[420];

		if (!json_is_number(open))
			continue;
		labels(p, l, sizeof(l));
		put(out, "hivemon_pool_connections{%s,state=\"open\"} %g\n", l,
		    json_number_value(open));
		put(out, "hivemon_pool_connections{%s,state=\"busy\"} %g\n", l,
		    json_number_value(json_object_get(p, "busy_mean")));
		put(out, "hivemon_pool_connections{%s,state=\"idle\"} %g\n", l,
		    json_number_value(idle));
	}
}

void prom_pools_render(json_t *pools, struct textbuf *out)
{
	if (!json_array_size(pools))
		return;
	connections(out, pools);
	family(out, pools, "pool_busy", "Busy connections of a pool (time-weighted mean)",
	       "busy_mean");
	family(out, pools, "pool_recommended_size", "Pool size hivemon recommends",
	       "recommended_size");
}
