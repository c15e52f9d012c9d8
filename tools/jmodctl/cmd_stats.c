// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_stats.c: "jmodctl stats".  Options first; then either stats.json
 * passed through once it parses (--json), or the summary block of the
 * debugfs "stats" file with byte counts made human, followed by the
 * bins and large tables (table.c) sorted by the chosen column and the
 * arenas and per-CPU tcache tables.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "jmodctl.h"

struct stats_opts {
	const char *sort;
	bool all, json, rev;
};

static const struct cmd_opt stats_opts[] = {
	OPT('a', "all", NULL, "also show idle rows (all counters zero)"),
	OPT('s', "sort", "COLUMN",
	    "sort the bins and large tables by COLUMN,\n"
	    "largest first (default allocated); any\n"
	    "column of the bins or large header:\n"
	    "size allocated nmalloc ndalloc nrequests\n"
	    "curregs curruns curslabs util nfills\n"
	    "nflushes requested ..."),
	OPT('R', "reverse", NULL, "smallest first"),
	OPT('j', "json", NULL, "print stats.json instead (checked to parse)"),
};

static bool is_summary_bytes(const char *key)
{
	static const char *const keys[] = {
		"allocated:", "requested:", "active:", "mapped:", "retained:",
		"metadata:", "tcache_cached:",
	};

	return jmod_name_index(keys, ARRAY_SIZE(keys), key) >= 0;
}

/* One "small|large|huge allocated nmalloc ndalloc nrequests requested" */
static void print_kind(const char *key, const char *val)
{
	unsigned long long a, nm, nd, nr, rq;
	char b[32], b2[32];

	if (sscanf(val, "%llu %llu %llu %llu %llu", &a, &nm, &nd, &nr,
		   &rq) == 5)
		printf("  %-8s %10s %12llu %12llu %12llu %10s\n", key,
		       hum(a, b, sizeof(b)), nm, nd, nr,
		       hum(rq, b2, sizeof(b2)));
}

/* One line of the summary block; *@kinds once the per-kind table began */
static void summary_line(const char *key, const char *val, bool *kinds)
{
	static const char *const kind_names[] = { "small", "large", "huge" };
	char b[32];

	if (key[strlen(key) - 1] == ':' && !*kinds) {
		if (is_summary_bytes(key))
			printf("  %-17s %8s  (%s)\n", key,
			       hum(strtod(val, NULL), b, sizeof(b)), val);
		else
			printf("  %-17s %s\n", key, val);
	} else if (!strcmp(key, "allocated")) {
		*kinds = true;
		printf("\n  %-8s %10s %12s %12s %12s %10s\n", "", "allocated",
		       "nmalloc", "ndalloc", "nrequests", "requested");
	} else if (*kinds &&
		   jmod_name_index(kind_names, ARRAY_SIZE(kind_names), key) >= 0) {
		print_kind(key, val);
	} else if (!strcmp(key, "tcache:")) {
		printf("\n  tcache %s\n", val);
	}
}

/* The summary block of the "stats" file, byte counts made human */
static void print_summary(void)
{
	char *buf = read_debugfs("stats", NULL), *line, *save;
	bool kinds = false;
	char key[64];
	int n;

	printf("Summary\n");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "___", 3))
			continue;
		if (sscanf(line, "%63s %n", key, &n) != 1)
			continue;
		summary_line(key, line + n, &kinds);
	}
	free(buf);
}

/* Sorts and prints one class table titled @what */
static void print_classes(struct table *t, const char *what, const char *sort,
			  bool rev, bool all)
{
	char title[128];

	table_sort(t, sort, rev);
	snprintf(title, sizeof(title), "\n%s, by %s%s", what,
		 table_col(t, sort) < 0 ? "ind" : sort,
		 rev ? ", smallest first" : "");
	table_print(t, title, all);
	table_free(t);
}

static void print_table(const char *name, const char *title, bool all)
{
	struct table t;

	table_read(name, &t);
	table_print(&t, title, all);
	table_free(&t);
}

static int stats_tables(const struct stats_opts *o)
{
	const char *sort = o->sort, *lsort;
	struct table bins, large;

	table_read("bins", &bins);
	table_read("large", &large);
	/* curregs (bins) and curruns (large) are the same gauge */
	lsort = !strcmp(sort, "curregs") ? "curruns" : sort;
	if (!strcmp(sort, "curruns"))
		sort = "curregs";
	if (table_col(&bins, sort) < 0 && table_col(&large, lsort) < 0) {
		err("stats: no column \"%s\" in the bins or large tables",
		    sort);
		table_free(&bins);
		table_free(&large);
		return EXIT_USAGE;
	}
	print_summary();
	print_classes(&bins, "Bins (small classes)", sort, o->rev, o->all);
	print_classes(&large, "Large classes and huge", lsort, o->rev, o->all);
	print_table("arenas", "\nArenas (pages, chunks)", o->all);
	print_table("tcache_cpus", "\nTcache per CPU", o->all);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}

static int stats_set(void *ctx, int key, const char *arg)
{
	struct stats_opts *o = ctx;

	switch (key) {
	case 'a':
		o->all = true;
		break;
	case 's':
		o->sort = arg;
		break;
	case 'R':
		o->rev = true;
		break;
	case 'j':
		o->json = true;
		break;
	}
	return 0;
}

static struct stats_opts stats_o = { .sort = "allocated" };

static int stats_run(void *ctx, int argc, char **argv)
{
	const struct stats_opts *o = ctx;

	need_debugfs();
	return o->json ? print_json_file("stats.json") : stats_tables(o);
}

JMODCTL_CMD(stats, "[-a] [-s COLUMN] [-R] [--json]",
	    "statistics tables, or stats.json with --json",
	    "Print jmod's statistics from " JMOD_DEBUGFS ": a summary,\n"
	    "the small classes (bins), the large classes and huge objects,\n"
	    "the arenas and the per-CPU tcaches, with byte counts in K/M/G\n"
	    "(binary units).\n",
	    stats_run, CMD_OPTS(stats_opts, stats_set, &stats_o));
