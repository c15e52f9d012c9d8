// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_prof.c: "jmodctl prof", jmod's sampled heap profile.  The options
 * (the --rate value included) are checked first; --rate writes the
 * module parameter prof_sample and --reset the debugfs prof_reset knob;
 * otherwise debugfs prof.json is parsed (json.c) and passed through
 * (--json) or printed as the top call sites by estimated live bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "jmodctl.h"

#define PROF_PARAM	JMOD_PROF_PARAM
#define PROF_TOP	20

enum { OPT_RATE = OPT_LONG, OPT_RESET };

struct prof_opts {
	__u64 top, frames, rate;
	bool json, set_rate, reset;
};

static struct prof_opts prof_o = { .top = PROF_TOP, .frames = 1 };

static const struct cmd_opt prof_opts[] = {
	OPT_NUM('n', "top", "N", "the top N sites (default %llu, 0: all)",
		&prof_o.top, 0, ~0ULL, PROF_TOP),
	OPT_NUM('f', "frames", "FRAMES", "stack frames per site (default 1)",
		&prof_o.frames, 1, ~0ULL),
	OPT_FLAG('j', "json", "pass prof.json through", &prof_o.json),
	OPT(OPT_RATE, "rate", "B",
	    "set the mean sampling distance in bytes first\n(module parameter prof_sample; 0 switches\nprofiling off; K/M/G allowed) and exit"),
	OPT_FLAG(OPT_RESET, "reset", "write prof_reset first and exit",
		 &prof_o.reset),
};

/* --rate BYTES */
static int prof_set(void *ctx, int key, const char *arg)
{
	struct prof_opts *o = ctx;

	o->set_rate = true;
	if (parse_size(arg, &o->rate))
		return 0;
	err("prof: --rate wants bytes, e.g. 524288 or 512K");
	return EXIT_USAGE;
}

static bool prof_available(void)
{
	struct stat st;

	need_debugfs();
	if (!stat(JMOD_DEBUGFS "/prof.json", &st))
		return true;
	err("this " JMOD_MODULE_NAME ".ko has no heap profiler (%s/prof.json missing)",
	    JMOD_DEBUGFS);
	return false;
}

static int prof_set_rate(__u64 rate)
{
	char val[32];
	int e;

	if (!module_loaded()) {
		err("jmod not loaded: %s missing (insmod " JMOD_MODULE_NAME ".ko)",
		    MODULE_DIR);
		return EXIT_NODEV;
	}
	snprintf(val, sizeof(val), "%llu", (unsigned long long)rate);
	e = -jmod_write_path(PROF_PARAM, val);
	if (!e)
		return 0;
	err("%s: %s%s", PROF_PARAM, strerror(e),
	    e == EACCES || e == EPERM ? " (root only: run jmodctl as root)" : "");
	return e == EACCES || e == EPERM ? EXIT_PERM : EXIT_FAILURE;
}

static const char *frame(const struct json *st, size_t k)
{
	return k < json_count(st) && json_at(st, k)->str ?
	       json_at(st, k)->str : "?";
}

/* One site's line and its further frames */
static void print_site(const struct json *s, unsigned long long total,
		       __u64 frames)
{
	unsigned long long eb = 0, eo = 0, ns = 0, sb = 0;
	const struct json *st = json_get_type(s, "stack", JSON_ARRAY);
	char h[32];
	size_t k;

	json_path_u64(s, "est_bytes", &eb);
	json_path_u64(s, "est_objects", &eo);
	json_path_u64(s, "samples", &ns);
	json_path_u64(s, "sampled_bytes", &sb);
	printf("%12s %5.1f%% %12llu %8llu %14llu  %s\n",
	       hum(eb, h, sizeof(h)), total ? 100.0 * eb / total : 0, eo, ns,
	       sb, frame(st, 0));
	for (k = 1; k < frames && k < json_count(st); k++)
		printf("%58s  %s\n", "", frame(st, k));
}

static void prof_print(const struct json *j, const struct prof_opts *o)
{
	const struct json *sites = json_get_type(j, "sites", JSON_ARRAY);
	unsigned long long rate = 0, eb, total = 0;
	size_t i, n = json_count(sites);
	char h[32];

	json_path_u64(j, "prof_sample", &rate);
	for (i = 0; i < n; i++)
		if (json_path_u64(json_at(sites, i), "est_bytes", &eb))
			total += eb;
	if (!rate)
		printf("heap profiling is off (prof_sample=0; %s prof --rate 512K)\n",
		       prog);
	else
		printf("heap profile: mean sample distance %llu bytes; %zu sites, %s estimated live\n",
		       rate, n, hum(total, h, sizeof(h)));
	if (!n)
		return;
	printf("%12s %6s %12s %8s %14s  %s\n", "est_bytes", "%", "est_objects",
	       "samples", "sampled_bytes", "site");
	for (i = 0; i < n && (!o->top || i < o->top); i++)
		print_site(json_at(sites, i), total, o->frames);
	if (o->top && n > o->top)
		printf("(%llu more sites; -n 0 shows all)\n",
		       (unsigned long long)(n - o->top));
}

static int prof_show(const struct prof_opts *o)
{
	struct json *j;

	if (o->json)
		return print_json_file("prof.json");
	j = read_debugfs_json("prof.json");
	if (!j)
		return EXIT_FAILURE;
	prof_print(j, o);
	json_free(j);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}

static int prof_run(void *ctx, int argc, char **argv)
{
	const struct prof_opts *o = ctx;
	int ret;

	if (!prof_available())
		return EXIT_FAILURE;
	if (!o->set_rate && !o->reset)
		return prof_show(o);
	if (o->set_rate) {
		ret = prof_set_rate(o->rate);
		if (ret)
			return ret;
	}
	return o->reset ? write_knob("prof_reset", "1") : 0;
}

JMODCTL_CMD(prof, "[-n N] [-f FRAMES] [--json] [--rate BYTES] [--reset]",
	    "show the sampled heap profile by call site",
	    "Show jmod's sampled heap profile (debugfs prof.json): live\n"
	    "sampled allocations aggregated by call site, with the estimated\n"
	    "live bytes and objects (jemalloc's unbiased scaling), sorted by\n"
	    "estimated bytes.\n",
	    prof_run, CMD_OPTS(prof_opts, prof_set, &prof_o));
