// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_stats.c: "jmodctl stats".  Options first; then either stats.json
 * passed through once it parses (--json), or one read of stats.json
 * (json.c) printed as the debugfs text files print it: the summary,
 * worded as "stats" words it with byte counts made human, the bins and
 * large tables (table.c: the columns of "bins" and "large") sorted by
 * the chosen column, and the arenas and per-CPU tcache tables.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jmodctl.h"

struct stats_opts {
	const char *sort;
	bool all, json, rev;
};

static struct stats_opts stats_o = { .sort = "allocated" };

static const struct cmd_opt stats_opts[] = {
	OPT_FLAG('a', "all", "also show idle rows (all counters zero)",
		 &stats_o.all),
	OPT_STR('s', "sort", "COLUMN",
		"sort the bins and large tables by COLUMN,\n"
		"largest first (default allocated); any\n"
		"column of the bins or large header:\n"
		"size allocated nmalloc ndalloc nrequests\n"
		"curregs curruns curslabs util nfills\n"
		"nflushes requested ...", &stats_o.sort),
	OPT_FLAG('R', "reverse", "smallest first", &stats_o.rev),
	OPT_FLAG('j', "json", "print stats.json instead (checked to parse)",
		 &stats_o.json),
};

/* One summary row: @key, then the value as the stats file words it */
static void summary_row(const char *key, bool bytes, const char *fmt, ...)
{
	char val[128], b[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (bytes)
		printf("  %-17s %8s  (%s)\n", key,
		       hum(strtod(val, NULL), b, sizeof(b)), val);
	else
		printf("  %-17s %s\n", key, val);
}

/* "123.456 s" */
static void summary_secs(const char *key, unsigned long long ns)
{
	summary_row(key, false, "%llu.%03llu s", ns / 1000000000,
		    ns % 1000000000 / 1000000);
}

/* The counters of stats.json's "summary", bytes first */
static void summary_counters(const struct json *j)
{
	static const char *const names[] = {
		"allocated", "requested", "active", "mapped", "retained",
		"metadata", "tcache_cached",
		"bad_frees", "realloc_inplace", "large_fallbacks",
		"debug_errors",
	};
	const struct json *known = json_path(j, "summary.slab_pages_known");
	char key[32], path[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(key, sizeof(key), "%s:", names[i]);
		snprintf(path, sizeof(path), "summary.%s", names[i]);
		summary_row(key, i < 7, "%llu%s", jmod_num(j, path),
			    !strcmp(names[i], "mapped") && known &&
			    known->type == JSON_FALSE ?
			    " (slab pages unknown)" : "");
	}
}

/* The small, large and huge rows: bytes, counts, requested bytes */
static void summary_kinds(const struct json *j)
{
	static const char *const kinds[] = { "small", "large", "huge" };
	char b[32], b2[32];
	unsigned int i;

	printf("\n  %-8s %10s %12s %12s %12s %10s\n", "", "allocated",
	       "nmalloc", "ndalloc", "nrequests", "requested");
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct json *k = json_get_type(j, kinds[i], JSON_OBJECT);

		printf("  %-8s %10s %12llu %12llu %12llu %10s\n", kinds[i],
		       hum(jmod_num(k, "allocated"), b, sizeof(b)),
		       jmod_num(k, "nmalloc"), jmod_num(k, "ndalloc"),
		       jmod_num(k, "nrequests"),
		       hum(jmod_num(k, "requested"), b2, sizeof(b2)));
	}
}

/*
 * The summary from stats.json, as the debugfs "stats" file words it,
 * byte counts made human
 */
static void print_summary(const struct json *j)
{
	printf("Summary\n");
	summary_row("abi:", false, "%llu (stats schema %llu)",
		    jmod_num(j, "abi"), jmod_num(j, "schema"));
	summary_row("classes:", false,
		    "%llu small (max %llu), %llu large (max %llu)",
		    jmod_num(j, "config.nr_small"),
		    jmod_num(j, "config.max_small"),
		    jmod_num(j, "config.nr_large"),
		    jmod_num(j, "config.max_large"));
	summary_row("chunk_size:", false, "%llu",
		    jmod_num(j, "config.chunk_size"));
	summary_row("arenas:", false, "%llu", jmod_num(j, "config.nr_arenas"));
	summary_row("tcache:", false, "%s, max %llu",
		    jmod_num(j, "config.tcache") ? "on" : "off",
		    jmod_num(j, "config.tcache_max"));
	summary_row("decay_ms:", false, "%llu", jmod_num(j, "config.decay_ms"));
	summary_row("zeroing:", false, "init_on_alloc=%llu init_on_free=%llu",
		    jmod_num(j, "config.init_on_alloc"),
		    jmod_num(j, "config.init_on_free"));
	summary_secs("uptime:", jmod_num(j, "uptime_ns"));
	summary_secs("since_reset:", jmod_num(j, "since_reset_ns"));
	summary_counters(j);
	summary_row("prof_samples:", false, "%llu (mean distance %llu)",
		    jmod_num(j, "summary.prof_samples"),
		    jmod_num(j, "config.prof_sample"));
	summary_kinds(j);
	printf("\n  tcache requests %llu hits %llu misses %llu fills %llu flushes %llu\n",
	       jmod_num(j, "tcache.requests"), jmod_num(j, "tcache.hits"),
	       jmod_num(j, "tcache.misses"), jmod_num(j, "tcache.fills"),
	       jmod_num(j, "tcache.flushes"));
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

/* The debugfs text tables' columns, and the stats.json members behind them */
static const char *const bin_cols[] = {
	"size", "ind", "allocated", "nmalloc", "ndalloc", "nrequests",
	"curregs", "curslabs", "regs", "pgs", "util", "nfills", "nflushes",
	"requested",
};
static const char *const large_cols[] = {
	"size", "ind", "allocated", "nmalloc", "ndalloc", "nrequests",
	"curruns", "nfills", "nflushes", "requested",
};
static const char *const arena_cols[] = {
	"cpu", "node", "chunks", "active_pages", "dirty_pages", "retained",
	"free_runs", "largest_free_run",
};
static const char *const arena_keys[ARRAY_SIZE(arena_cols)] = {
	[5] = "retained_chunks",
};
static const char *const tcache_cols[] = {
	"cpu", "ncached_bytes", "requests", "hits", "misses", "fills",
	"flushes",
};

/* The large table ends with the huge row, as debugfs "large" does */
static void large_table(const struct json *j, struct table *t)
{
	static const char *const keys[] = {
		"allocated", "nmalloc", "ndalloc", "nrequests", "curallocs",
	};
	const struct json *huge = json_get_with(j, "huge", "curallocs");
	const char *cells[ARRAY_SIZE(large_cols)] = { "huge", "-" };
	unsigned int i;

	table_json(json_get(j, "lextents"), large_cols, NULL,
		   ARRAY_SIZE(large_cols), t);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		cells[2 + i] = table_cell(json_get(huge, keys[i]));
	cells[7] = cells[8] = "-";
	cells[9] = table_cell(json_get(huge, "requested"));
	table_add(t, cells);
}

static void print_table(const struct json *arr, const char *const *cols,
			const char *const *keys, unsigned int ncols,
			const char *title, bool all)
{
	struct table t;

	table_json(arr, cols, keys, ncols, &t);
	table_print(&t, title, all);
	table_free(&t);
}

static int stats_tables(const struct stats_opts *o)
{
	const char *sort = o->sort, *lsort;
	struct table bins, large;
	struct json *j = read_debugfs_json("stats.json");

	if (!j)
		return EXIT_FAILURE;
	table_json(json_get(j, "bins"), bin_cols, NULL, ARRAY_SIZE(bin_cols),
		   &bins);
	large_table(j, &large);
	/* curregs (bins) and curruns (large) are the same gauge */
	lsort = !strcmp(sort, "curregs") ? "curruns" : sort;
	if (!strcmp(sort, "curruns"))
		sort = "curregs";
	if (table_col(&bins, sort) < 0 && table_col(&large, lsort) < 0) {
		err("stats: no column \"%s\" in the bins or large tables",
		    sort);
		table_free(&bins);
		table_free(&large);
		json_free(j);
		return EXIT_USAGE;
	}
	print_summary(j);
	print_classes(&bins, "Bins (small classes)", sort, o->rev, o->all);
	print_classes(&large, "Large classes and huge", lsort, o->rev, o->all);
	print_table(json_get(j, "arenas"), arena_cols, arena_keys,
		    ARRAY_SIZE(arena_cols), "\nArenas (pages, chunks)", o->all);
	print_table(json_path(j, "tcache.cpus"), tcache_cols, NULL,
		    ARRAY_SIZE(tcache_cols), "\nTcache per CPU", o->all);
	json_free(j);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}

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
	    stats_run, CMD_OPTS(stats_opts, NULL, &stats_o));
