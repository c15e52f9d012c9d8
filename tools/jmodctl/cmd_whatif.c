// SPDX-License-Identifier: GPL-2.0
/*
 * jmodctl whatif: "would my subsystem use less memory on jmod?", per call
 * site, offline from a kmem trace.  No module, no root.
 *
 *   TRACE... (plain or gzip'ed, "-" for stdin)
 *     --whatif_read()--> lines --kt_feed() (tools/lib/kmemtrace.c)-->
 *     per-site figures --whatif_print_{text,json,csv}()--> stdout
 *
 * What kmalloc spent is the traced bytes_alloc; what jmod would have
 * spent is jmod_sc_usable() of bytes_req, the module's own class rule
 * (include/jmod_sizeclass.h) for the chunk order given (the module's
 * default, 9: 2 MiB chunks).  Each TRACE is a run of its own: what is
 * live at its end is closed before the next one.  A file with no
 * kmalloc event is refused (exit 2); lines that are not events of the
 * known formats are counted and shown, never dropped silently.
 *
 * trace-cmd report and perf script print a module's call site with no
 * " [module]" tag: --functions FILE (/proc/kallsyms or `trace-cmd report
 * -f` of the traced kernel, read first, by the same reader) gives those
 * events their module by function name (kt_funcs in kmemtrace.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "jmod_sizeclass.h"
#include "jmodctl.h"
#include "json.h"
#include "kmemtrace.h"
#include "plot.h"

#define WHATIF_SCHEMA		1
#define WHATIF_PAGE		4096ULL
#define WHATIF_CHUNK_ORDER	9	/* the module's chunk_order default */
#define WHATIF_LINE_MAX		8192

enum whatif_out { OUT_TEXT, OUT_JSON, OUT_CSV };

struct whatif_opts {
	enum whatif_out out;
	enum kt_group by;
	const char *module;
	__u64 top;			/* 0: every site */
	__u64 chunk_order;
	const char *plot;
	const char *functions;
	bool live;
};

enum {
	OPT_CSV = OPT_LONG, OPT_BY, OPT_MODULE, OPT_CHUNK, OPT_PLOT,
	OPT_FUNCTIONS,
};

static struct whatif_opts whatif_o = {
	.out = OUT_TEXT, .by = KT_BY_FUNCTION,
	.chunk_order = WHATIF_CHUNK_ORDER,
};

static const struct cmd_opt whatif_opts[] = {
	OPT('j', "json", NULL, "JSON: {\"schema\": 1, \"total\": {...}, \"sites\": [...],\n\"unparsed_lines\": N, ..., \"ambiguous_events\": N}"),
	OPT(OPT_CSV, "csv", NULL, "CSV, one row per site, then the total"),
	OPT(OPT_BY, "by", "KEY", "group by function (default), site (function+offset)\nor module"),
	OPT_STR(OPT_MODULE, "module", "M", "only call sites in module M (vmlinux: the core)",
		&whatif_o.module),
	OPT_STR(OPT_FUNCTIONS, "functions", "FILE",
		"the module of a call site printed with no [module]\ntag (trace-cmd report, perf script), by function\nname: FILE is /proc/kallsyms or `trace-cmd report -f`\nof the traced kernel (plain or gzip'ed); a tag wins; a\nname in vmlinux and a module, or in two modules, is\nleft as parsed and counted (ambiguous_events)",
		&whatif_o.functions),
	OPT_NUM('n', "top", "N", "only the N sites that save the most (text, CSV,\nplot; 0: all)",
		&whatif_o.top, 0, 1000000),
	OPT_NUM(OPT_CHUNK, "chunk-order", "N", "jmod's chunk_order (default %llu, %llu..10): the\nlargest large class, above it whole pages",
		&whatif_o.chunk_order, JMOD_CHUNK_ORDER_MIN, JMOD_CHUNK_ORDER_MAX,
		WHATIF_CHUNK_ORDER, JMOD_CHUNK_ORDER_MIN),
	OPT_STR(OPT_PLOT, "plot", "FILE.png|svg", "also draw the top sites, kmalloc against jmod",
		&whatif_o.plot),
	OPT_FLAG('l', "live", "live on this kernel: jmod's probes on the kmem\ntracepoints for SECONDS (default 10), then print",
		 &whatif_o.live),
};

static int whatif_set(void *ctx, int key, const char *arg)
{
	struct whatif_opts *o = ctx;

	switch (key) {
	case 'j':
		o->out = OUT_JSON;
		return 0;
	case OPT_CSV:
		o->out = OUT_CSV;
		return 0;
	case OPT_BY:
		if (!strcmp(arg, "function"))
			o->by = KT_BY_FUNCTION;
		else if (!strcmp(arg, "site"))
			o->by = KT_BY_SITE;
		else if (!strcmp(arg, "module"))
			o->by = KT_BY_MODULE;
		else
			break;
		return 0;
	}
	err("whatif: bad value \"%s\" (see %s whatif --help)", arg, prog);
	return EXIT_USAGE;
}

/*
 * Read @path (plain or gzip'ed, "-" for stdin) line by line into @fn
 * with @arg; a line longer than WHATIF_LINE_MAX goes to @fn once, as
 * NULL.  Return: 0, the first non-zero @fn returned, -EILSEQ (a
 * truncated or corrupt gzip, reported), -ENOMEM, or -errno of the read.
 */
static int whatif_lines(const char *path,
			int (*fn)(void *arg, const char *line), void *arg)
{
	char *line = malloc(WHATIF_LINE_MAX);
	bool cut = false;
	int ret = 0;
	gzFile gz;

	if (!line)
		return -ENOMEM;
	gz = strcmp(path, "-") ? gzopen(path, "rb") : gzdopen(0, "rb");
	if (!gz) {
		free(line);
		return errno ? -errno : -ENOMEM;
	}
	gzbuffer(gz, 1 << 17);
	while (gzgets(gz, line, WHATIF_LINE_MAX)) {
		size_t n = strlen(line);
		bool whole = n && line[n - 1] == '\n';

		/* the rest of an over-long line: one unparsed line in all */
		if (cut) {
			cut = !whole;
			continue;
		}
		if (!whole && !gzeof(gz)) {
			cut = true;
			ret = fn(arg, NULL);
		} else {
			ret = fn(arg, line);
		}
		if (ret)
			break;
	}
	if (!ret) {
		int e;
		const char *msg = gzerror(gz, &e);

		if (e == Z_ERRNO) {
			ret = -errno;
		} else if (e != Z_OK && e != Z_STREAM_END) {
			/* truncated or corrupt gzip: bad input, not I/O */
			err("whatif: %s", msg);	/* zlib names the file */
			ret = -EILSEQ;
		}
	}
	gzclose(gz);
	free(line);
	return ret;
}

/* a trace line into the fold; an over-long one is one unparsed line */
static int trace_line(void *arg, const char *line)
{
	struct kt_stats *st = arg;

	if (line)
		return kt_feed(st, line);
	st->lines++;
	st->unparsed_lines++;
	return 0;
}

/*
 * Feed one trace to @st.  Return: 0, -EINVAL when it holds no kmalloc
 * event, -EILSEQ, -ENOMEM, or -errno of the read.
 */
static int whatif_read(const char *path, struct kt_stats *st)
{
	uint64_t allocs = st->alloc_events;
	int ret = whatif_lines(path, trace_line, st);

	if (!ret && st->alloc_events == allocs)
		ret = -EINVAL;
	kt_end_trace(st);
	return ret;
}

struct funcs_read {
	struct kt_funcs *fx;
	unsigned long long lineno;
};

static int funcs_line(void *arg, const char *line)
{
	struct funcs_read *r = arg;

	r->lineno++;
	return line ? kt_funcs_line(r->fx, line) : -EINVAL;
}

/* --functions FILE into @fx; 0 or an exit status (2: not a list) */
static int whatif_functions(const char *path, struct kt_funcs *fx)
{
	struct funcs_read r = { .fx = fx };
	int ret = whatif_lines(path, funcs_line, &r);

	if (ret == -EINVAL) {
		err("whatif: --functions %s: line %llu is not a function list line: want %s (\"ADDR TYPE NAME [MODULE]\" or \"ADDR NAME [MODULE]\")",
		    path, r.lineno, KT_FUNCS_HELP);
		return EXIT_USAGE;
	}
	if (ret == -ENOMEM) {
		err("whatif: %s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	if (ret == -EILSEQ)
		return EXIT_USAGE;
	if (ret) {
		err("whatif: --functions %s: %s", path, strerror(-ret));
		return EXIT_USAGE;
	}
	if (!fx->nr) {
		err("whatif: --functions %s: no function in it: not a function list (%s)",
		    path, KT_FUNCS_HELP);
		return EXIT_USAGE;
	}
	return 0;
}

/* "512", "1.5K", "12.3M": table cells */
static const char *short_size(uint64_t b, char *buf, size_t len)
{
	static const char unit[] = "KMGTPE";
	double v = b;
	int u = -1;

	if (b < 1024) {
		snprintf(buf, len, "%llu", (unsigned long long)b);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.2f%c" : v < 100 ? "%.1f%c" : "%.0f%c",
		 v, unit[u]);
	return buf;
}

static const char *short_saved(const struct kt_figures *f, char *buf,
			       size_t len)
{
	if (f->kmalloc_bytes >= f->jmod_bytes)
		return short_size(f->kmalloc_bytes - f->jmod_bytes, buf, len);
	buf[0] = '-';
	short_size(f->jmod_bytes - f->kmalloc_bytes, buf + 1, len - 1);
	return buf;
}

static void print_row(const char *name, const char *module,
		      const struct kt_figures *f)
{
	char b[7][24];
	double pct = f->kmalloc_bytes ?
		     100.0 * ((double)f->jmod_bytes - f->kmalloc_bytes) /
		     f->kmalloc_bytes : 0;

	printf("%-34.34s %-10.10s %9llu %8s %8s %8s %8s %+7.1f%% %8s %8s\n",
	       name, module, (unsigned long long)f->objects,
	       short_size(f->requested_bytes, b[0], sizeof(b[0])),
	       short_size(f->kmalloc_bytes, b[1], sizeof(b[1])),
	       short_size(f->jmod_bytes, b[2], sizeof(b[2])),
	       short_saved(f, b[3], sizeof(b[3])), pct,
	       short_size(f->peak_live_kmalloc_bytes, b[4], sizeof(b[4])),
	       short_size(f->peak_live_jmod_bytes, b[5], sizeof(b[5])));
}

static void print_lines(FILE *f, const struct kt_stats *st)
{
	unsigned int i;

	fprintf(f, "# %llu lines: %llu events (",
		(unsigned long long)st->lines,
		(unsigned long long)kt_nr_events(st));
	for (i = KT_FMT_TRACEFS; i < KT_NR_FMT; i++)
		fprintf(f, "%s%s %llu", i > KT_FMT_TRACEFS ? ", " : "",
			kt_format_name(i), (unsigned long long)st->events[i]);
	fprintf(f, "), %llu headers, %llu other events, %llu unparsed\n",
		(unsigned long long)st->header_lines,
		(unsigned long long)st->other_events,
		(unsigned long long)st->unparsed_lines);
	fprintf(f, "# not objects: %llu failed kmallocs, %llu kfree(NULL), %llu frees of untraced objects, %llu pointers reused without a traced free; %llu left out by --module; %llu still live at the end\n",
		(unsigned long long)st->failed_allocs,
		(unsigned long long)st->null_frees,
		(unsigned long long)st->untracked_frees,
		(unsigned long long)st->reused_ptrs,
		(unsigned long long)st->filtered,
		(unsigned long long)st->live_at_end);
	if (st->funcs)
		fprintf(f, "# --functions: %llu functions (%s layout, %u module%s), %llu names ambiguous; kmallocs with no [module] tag: %llu put in a module by name, %llu of an ambiguous name left as parsed\n",
			(unsigned long long)st->funcs->nr,
			kt_funcs_layout_name(st->funcs),
			st->funcs->nr_modules,
			st->funcs->nr_modules == 1 ? "" : "s",
			(unsigned long long)st->funcs->ambiguous,
			(unsigned long long)st->funcs_placed,
			(unsigned long long)st->ambiguous_events);
}

static void whatif_print_text(const struct kt_stats *st,
			      const struct whatif_opts *o)
{
	unsigned int i, n = o->top && o->top < st->nr_sites ? o->top :
			    st->nr_sites;

	printf("%-34s %-10s %9s %8s %8s %8s %8s %8s %8s %8s\n",
	       o->by == KT_BY_MODULE ? "module" : o->by == KT_BY_SITE ?
	       "site" : "function", "module", "objects", "request",
	       "kmalloc", "jmod", "saved", "jmod/km", "peak km", "peak jm");
	for (i = 0; i < n; i++)
		print_row(st->sites[i].name, st->sites[i].module,
			  &st->sites[i].f);
	if (n < st->nr_sites)
		printf("(%u more sites)\n", st->nr_sites - n);
	print_row("total", "", &st->total);
	print_lines(stdout, st);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* A site's figures as whatif's JSON, CSV and whatif.json name them */
static const struct {
	const char *name;
	size_t off;
} figures[] = {
	{ "objects", offsetof(struct kt_figures, objects) },
	{ "requested_bytes", offsetof(struct kt_figures, requested_bytes) },
	{ "kmalloc_bytes", offsetof(struct kt_figures, kmalloc_bytes) },
	{ "jmod_bytes", offsetof(struct kt_figures, jmod_bytes) },
	{ "peak_live_kmalloc_bytes",
	  offsetof(struct kt_figures, peak_live_kmalloc_bytes) },
	{ "peak_live_jmod_bytes",
	  offsetof(struct kt_figures, peak_live_jmod_bytes) },
};

/* Figure @i of figures[] in @f */
static uint64_t *figure(struct kt_figures *f, unsigned int i)
{
	return (uint64_t *)((char *)f + figures[i].off);
}

static unsigned long long figure_of(const struct kt_figures *f,
				    unsigned int i)
{
	return *(const uint64_t *)((const char *)f + figures[i].off);
}

static void json_figures(const struct kt_figures *f)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(figures); i++)
		printf("%s\"%s\": %llu", i ? ", " : "", figures[i].name,
		       figure_of(f, i));
}

/* The trace's line, event and object counts as JSON members */
static void json_counts(const struct kt_stats *st)
{
	static const char *const names[] = {
		"lines", "events", "header_lines", "other_events",
		"unparsed_lines", "failed_allocs", "null_frees",
		"untracked_frees", "reused_pointers", "filtered", "live_at_end",
		"ambiguous_events",
	};
	const uint64_t v[ARRAY_SIZE(names)] = {
		st->lines, kt_nr_events(st), st->header_lines,
		st->other_events, st->unparsed_lines, st->failed_allocs,
		st->null_frees, st->untracked_frees, st->reused_ptrs,
		st->filtered, st->live_at_end, st->ambiguous_events,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		printf("%s\"%s\": %llu", i == 0 || i == 5 ? ",\n " : ", ", names[i],
		       (unsigned long long)v[i]);
	printf("}\n");
}

static void whatif_print_json(const struct kt_stats *st,
			      const struct whatif_opts *o)
{
	static const char *const by[] = {
		[KT_BY_FUNCTION] = "function",
		[KT_BY_SITE] = "site",
		[KT_BY_MODULE] = "module",
	};
	unsigned int i;

	printf("{\"schema\": %d, \"by\": \"%s\", \"format\": \"%s\", \"jmod_large_max\": %llu,\n",
	       WHATIF_SCHEMA, by[o->by], kt_format_name(kt_main_format(st)),
	       (unsigned long long)st->jmod_large_max);
	printf(" \"total\": {");
	json_figures(&st->total);
	printf("},\n \"sites\": [");
	for (i = 0; i < st->nr_sites; i++) {
		printf("%s\n  {\"site\": ", i ? "," : "");
		json_str(st->sites[i].name);
		printf(", \"module\": ");
		json_str(st->sites[i].module);
		printf(", ");
		json_figures(&st->sites[i].f);
		printf("}");
	}
	printf("]");
	json_counts(st);
}

static void csv_row(const char *name, const char *module,
		    const struct kt_figures *f)
{
	unsigned int i;

	/* symbols and module names hold no comma or quote */
	printf("%s,%s", name, module);
	for (i = 0; i < ARRAY_SIZE(figures); i++)
		printf(",%llu", figure_of(f, i));
	putchar('\n');
}

static void whatif_print_csv(const struct kt_stats *st,
			     const struct whatif_opts *o)
{
	unsigned int i, n = o->top && o->top < st->nr_sites ? o->top :
			    st->nr_sites;

	printf("site,module");
	for (i = 0; i < ARRAY_SIZE(figures); i++)
		printf(",%s", figures[i].name);
	putchar('\n');
	for (i = 0; i < n; i++)
		csv_row(st->sites[i].name, st->sites[i].module,
			&st->sites[i].f);
	csv_row("total", "", &st->total);
	print_lines(stderr, st);
}

/*
 * A chart of the top sites, PNG or SVG by @path's extension (plot.c):
 * kmalloc bytes against jmod bytes, one pair of bars a site, scaled to
 * the largest.  0 or -errno.
 */
static int whatif_plot(const struct kt_stats *st, const char *path,
		       unsigned int top)
{
	unsigned int i, n = top && top < st->nr_sites ? top : st->nr_sites;
	char title[128], footer[80], b[2][24];
	struct plot_bar bars[40];

	if (n > ARRAY_SIZE(bars))
		n = ARRAY_SIZE(bars);
	for (i = 0; i < n; i++) {
		const struct kt_site *s = &st->sites[i];

		bars[i] = (struct plot_bar){
			.label = s->name,
			.tag = strcmp(s->module, "vmlinux") ? s->module : NULL,
			.a = s->f.kmalloc_bytes, .b = s->f.jmod_bytes,
		};
	}
	snprintf(title, sizeof(title),
		 "Bytes per call site: kmalloc (traced bytes_alloc) against jmod (its classes), top %u by bytes saved",
		 n);
	snprintf(footer, sizeof(footer), "total: kmalloc %s, jmod %s",
		 short_size(st->total.kmalloc_bytes, b[0], sizeof(b[0])),
		 short_size(st->total.jmod_bytes, b[1], sizeof(b[1])));
	return plot_write(path, &(struct plot){
		.title = title, .name_a = "kmalloc", .name_b = "jmod",
		.bars = bars, .nr_bars = n, .footer = footer,
		.fmt = short_size,
	});
}

/* --module for the live rows (offline, kt_feed() filters) */
static bool o_module_skip(const struct kt_stats *st, const char *module)
{
	return st->only_module && strcmp(st->only_module, module);
}

/* One site row (or the total) of whatif.json into @f */
static void live_figures(const struct json *j, struct kt_figures *f)
{
	unsigned long long v;
	unsigned int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < ARRAY_SIZE(figures); i++)
		if (json_path_u64(j, figures[i].name, &v))
			*figure(f, i) = v;
}

/* debugfs whatif.json into @st, as if folded from a trace */
static int live_load(struct kt_stats *st)
{
	const struct {
		const char *key;
		uint64_t *dst;
	} counts[] = {
		{ "jmod_large_max", &st->jmod_large_max },
		{ "kmallocs", &st->alloc_events },
		{ "untracked_frees", &st->untracked_frees },
		{ "reused_pointers", &st->reused_ptrs },
		{ "failed_allocs", &st->failed_allocs },
		{ "live_objects", &st->live_at_end },
	};
	struct json *j = read_debugfs_json("whatif.json");
	const struct json *sites, *tot;
	unsigned long long v;
	size_t i, n;

	if (!j)
		return EXIT_FAILURE;
	sites = json_get_type(j, "sites", JSON_ARRAY);
	tot = json_get_type(j, "total", JSON_OBJECT);
	n = sites ? json_count(sites) : 0;
	st->sites = calloc(n + 1, sizeof(*st->sites));
	if (!st->sites) {
		json_free(j);
		return EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		const struct json *r = json_at(sites, i);
		const struct json *name = json_get_type(r, "site", JSON_STRING);
		const struct json *mod = json_get_type(r, "module", JSON_STRING);
		struct kt_site *k = &st->sites[st->nr_sites];

		if (o_module_skip(st, mod ? mod->str : ""))
			continue;
		snprintf(k->name, sizeof(k->name), "%s", name ? name->str : "?");
		snprintf(k->module, sizeof(k->module), "%s", mod ? mod->str : "?");
		live_figures(r, &k->f);
		st->nr_sites++;
	}
	if (tot)
		live_figures(tot, &st->total);
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		if (json_path_u64(j, counts[i].key, &v))
			*counts[i].dst = v;
	json_free(j);
	return 0;
}

/* read after sleep(), a call: no volatile needed */
static sig_atomic_t live_stop;

static void live_signal(int sig)
{
	(void)sig;
	live_stop = 1;
}

/* start, SECONDS (or until ^C), stop, load */
static int whatif_live(struct kt_stats *st, unsigned int secs)
{
	struct sigaction sa = { .sa_handler = live_signal };
	int ret = write_knob("whatif", "start");

	if (ret)
		return ret;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "%s: whatif: live for %u s (^C stops early)\n", prog,
		secs);
	while (secs-- && !live_stop)
		sleep(1);
	ret = write_knob("whatif", "stop");
	return ret ? ret : live_load(st);
}

/* the offline fold of every TRACE @argv[]; 0 or an exit status */
static int whatif_offline(struct kt_stats *st, int argc, char **argv)
{
	int i, ret;

	for (i = 0; i < argc; i++) {
		ret = whatif_read(argv[i], st);
		if (ret == -EINVAL) {
			err("whatif: %s: no kmalloc event: not a kmem trace in a known format (%s)",
			    argv[i], KT_FORMATS_HELP);
			return EXIT_USAGE;
		}
		if (ret == -EILSEQ)
			return EXIT_USAGE;
		if (ret) {
			err("whatif: %s: %s", argv[i], strerror(-ret));
			return EXIT_FAILURE;
		}
	}
	kt_sort(st);
	return 0;
}

static int whatif_main(void *ctx, int argc, char **argv)
{
	const struct cmd *c = &cmd_whatif;
	struct whatif_opts *o = ctx;
	struct kt_funcs fx = { 0 };
	__u64 secs = 10;
	struct kt_stats st;
	int i, ret;

	if (o->live) {
		if (o->functions) {
			err("whatif: --functions is for TRACE files (--live knows each site's module)");
			return EXIT_USAGE;
		}
		if (argc > 1) {
			err("whatif: --live takes no TRACE, at most SECONDS (see %s whatif --help)",
			    prog);
			return EXIT_USAGE;
		}
		if (argc && opt_u64(c, 'l', argv[0], 1, 86400, &secs))
			return EXIT_USAGE;
	} else if (!argc) {
		err("whatif: no TRACE (a file, or - for stdin; or --live)");
		return EXIT_USAGE;
	}
	if (o->functions) {
		for (i = 0; !strcmp(o->functions, "-") && i < argc; i++) {
			if (!strcmp(argv[i], "-")) {
				err("whatif: --functions - and TRACE -: stdin is one of them only");
				return EXIT_USAGE;
			}
		}
		ret = whatif_functions(o->functions, &fx);
		if (ret) {
			kt_funcs_free(&fx);
			return ret;
		}
	}
	if (o->plot && plot_format(o->plot) < 0) {
		err("whatif: --plot %s: not a .png or .svg file", o->plot);
		kt_funcs_free(&fx);
		return EXIT_USAGE;
	}
	if (kt_init(&st, o->by, WHATIF_PAGE << o->chunk_order, WHATIF_PAGE)) {
		err("whatif: %s", strerror(ENOMEM));
		kt_funcs_free(&fx);
		return EXIT_FAILURE;
	}
	st.only_module = o->module;
	if (o->functions)
		st.funcs = &fx;
	if (o->live) {
		free(st.sites);
		st.sites = NULL;
		ret = whatif_live(&st, secs);
	} else {
		ret = whatif_offline(&st, argc, argv);
	}
	if (!ret && o->plot) {
		int e = whatif_plot(&st, o->plot, o->top ? o->top : 20);

		if (e) {
			err("whatif: %s: %s", o->plot, strerror(-e));
			ret = EXIT_FAILURE;
		}
	}
	if (!ret) {
		if (o->out == OUT_JSON)
			whatif_print_json(&st, o);
		else if (o->out == OUT_CSV)
			whatif_print_csv(&st, o);
		else
			whatif_print_text(&st, o);
		ret = fflush(stdout) ? EXIT_FAILURE : 0;
	}
	kt_free(&st);
	kt_funcs_free(&fx);
	return ret;
}

JMODCTL_CMD(whatif,
	    "[--json|--csv] [--by function|site|module] [--module M] [-n N]\n"
	    "       [--functions FILE] [--chunk-order N] [--plot FILE.png|svg]\n"
	    "       TRACE... | --live [SECONDS]",
	    "per call site: kmalloc's bytes against jmod's (trace or live)",
	    "Per call site, what kmalloc spent in a kmem trace and what jmod would\n"
	    "have spent on the same requests.  Offline it needs no module and no\n"
	    "root.  TRACE is a file of kmem:kmalloc, kmem:kmalloc_node and\n"
	    "kmem:kfree events (plain or gzip'ed, - for stdin) in one of:\n"
	    "  " KT_FORMATS_HELP "\n"
	    "e.g. (as root, on the machine to study):\n"
	    "  cd /sys/kernel/tracing; echo 1 >events/kmem/kmalloc/enable\n"
	    "  echo 1 >events/kmem/kfree/enable; cat trace_pipe >/tmp/kmem.trace\n"
	    "trace-cmd report and perf script print no [module] tag after a\n"
	    "module's call site: keep the function list of the same boot too,\n"
	    "`trace-cmd report -f >funcs` or `cp /proc/kallsyms funcs` (no root\n"
	    "needed), and give it as --functions funcs, or those sites count as\n"
	    "vmlinux.\n"
	    "With --live, jmod (loaded) keeps the same figures for the running\n"
	    "kernel (debugfs whatif, whatif.json).\n"
	    "Figures per site: objects, requested_bytes, kmalloc_bytes (bytes_alloc\n"
	    "as traced), jmod_bytes (jmod's class for bytes_req), and the peak of\n"
	    "the site's live bytes on each side (pointers followed from kmalloc to\n"
	    "kfree; frees of objects allocated before the trace are ignored, a\n"
	    "pointer reused without a traced free closes the old object).\n"
	    "Exit status: 0 done, 1 I/O or memory error, 2 usage error, a TRACE with\n"
	    "no kmalloc event, a truncated or corrupt gzip'ed TRACE, or a --functions\n"
	    "FILE that cannot be read or is no function list; 3-5 as for every\n"
	    "command with --live.\n",
	    whatif_main, CMD_OPTS(whatif_opts, whatif_set, &whatif_o),
	    .max_args = 1000000);
