// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_replay.c: "jmodctl replay FILE", an ops trace (tools/trace/FORMAT.md)
 * on several back ends.  The options and back-end list are checked
 * first; then the trace is read and validated line by line into
 * jmod_op records (replay_load), each back end's peak usable footprint
 * is computed from the trace and the size classes of JMOD_IOC_VERSION,
 * the rounds replay it through JMOD_IOC_BATCH in chunks (sampling
 * stats.json's mapped pages for jmod), and the times and peaks are
 * printed as a table or one JSON object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jmod_classes.h"
#include "jmodctl.h"

#define REPLAY_ROUNDS	3
#define REPLAY_CHUNK	8192
#define REPLAY_MAX_OPS	(16U << 20)
#define REPLAY_MAX_SLOT	(1ULL << 26)
#define MAX_ROUNDS	64

struct replay_trace {
	struct jmod_op *ops;
	size_t n, allocs;
	__u64 nslots, requested, max_size, peak_live, peak_requested;
};

/* What replay_load tracks while it reads: the live slots and sizes */
struct trace_state {
	const char *path;
	size_t lineno, cap, ucap;
	unsigned char *used;
	__u64 *req;
	unsigned long long live, live_req;
};

/* Room in the per-slot arrays for @slot; false after printing why not */
static bool grow_slots(struct trace_state *s, unsigned long long slot)
{
	size_t nc = s->ucap ? s->ucap : 1024;
	void *nu, *nr;

	if (slot < s->ucap)
		return true;
	while (nc <= slot) {
		if (nc > REPLAY_MAX_SLOT) {
			err("replay: %s:%zu: slot %llu too large", s->path,
			    s->lineno, slot);
			return false;
		}
		nc *= 2;
	}
	nu = realloc(s->used, nc);
	nr = realloc(s->req, nc * sizeof(*s->req));
	if (nu)
		s->used = nu;
	if (nr)
		s->req = nr;
	if (!nu || !nr) {
		err("out of memory");
		return false;
	}
	memset(s->used + s->ucap, 0, nc - s->ucap);
	s->ucap = nc;
	return true;
}

/* Appends one op and follows the live set and the trace's figures */
static bool push_op(struct replay_trace *t, struct trace_state *s, bool alloc,
		    unsigned long long slot, unsigned long long size)
{
	struct jmod_op *o;

	if (t->n == s->cap) {
		void *no;

		s->cap = s->cap ? 2 * s->cap : 4096;
		if (s->cap > REPLAY_MAX_OPS) {
			err("replay: %s: more than %u ops", s->path,
			    REPLAY_MAX_OPS);
			return false;
		}
		no = realloc(t->ops, s->cap * sizeof(*t->ops));
		if (!no) {
			err("out of memory");
			return false;
		}
		t->ops = no;
	}
	o = &t->ops[t->n++];
	memset(o, 0, sizeof(*o));
	o->op = alloc ? JMOD_OP_ALLOC : JMOD_OP_FREE;
	o->slot = slot;
	o->size = size;
	if (slot + 1 > t->nslots)
		t->nslots = slot + 1;
	s->used[slot] = alloc;
	if (!alloc) {
		s->live--;
		s->live_req -= s->req[slot];
		return true;
	}
	s->req[slot] = size;
	t->allocs++;
	t->requested += size;
	if (size > t->max_size)
		t->max_size = size;
	s->live++;
	s->live_req += size;
	if (s->live > t->peak_live)
		t->peak_live = s->live;
	if (s->live_req > t->peak_requested)
		t->peak_requested = s->live_req;
	return true;
}

/*
 * The optional ops v2 fields after "a SLOT SIZE" / "f SLOT"
 * (tools/trace/FORMAT.md): "cN", then "A" for an allocation.  "A" sets
 * JMOD_ALLOC_ATOMIC in @flags; "cN" is checked and ignored (the replay
 * runs where jmodctl runs; jmod-bench and make whatif keep CPUs).
 */
static bool v2_fields(const char *rest, bool alloc, __u32 *flags)
{
	unsigned int cpu;
	int n = 0;

	rest += strspn(rest, " \t");
	if (*rest == 'c') {
		if (sscanf(rest, "c%u%n", &cpu, &n) != 1 ||
		    !strchr(" \t\r\n", rest[n]))
			return false;
		rest += n;
		rest += strspn(rest, " \t");
	}
	if (*rest == 'A' && alloc && strchr(" \t\r\n", rest[1])) {
		*flags |= JMOD_ALLOC_ATOMIC;
		rest += 1 + strspn(rest + 1, " \t");
	}
	return rest[strspn(rest, "\r\n")] == '\0';
}

/* One line of the trace; false after printing the problem */
static bool trace_line(struct replay_trace *t, struct trace_state *s,
		       const char *line)
{
	unsigned long long slot, size = 0;
	__u32 flags = 0;
	int nf, end = 0;
	char op;

	if (line[strspn(line, " \t")] == '#' ||
	    line[strspn(line, " \t\r\n")] == '\0')
		return true;
	op = line[strspn(line, " \t")];
	if (op == 'a')
		nf = sscanf(line, " a %llu %llu%n", &slot, &size, &end) == 2 &&
		     size;
	else if (op == 'f')
		nf = sscanf(line, " f %llu%n", &slot, &end) == 1;
	else
		nf = 0;
	if (!nf || !v2_fields(line + end, op == 'a', &flags)) {
		err("replay: %s:%zu: not \"a SLOT SIZE [cN] [A]\" (SIZE >= 1) or \"f SLOT [cN]\": %.60s",
		    s->path, s->lineno, line);
		return false;
	}
	if (!grow_slots(s, slot))
		return false;
	if (op == 'a' && s->used[slot]) {
		err("replay: %s:%zu: alloc into live slot %llu", s->path,
		    s->lineno, slot);
		return false;
	}
	if (op == 'f' && !s->used[slot]) {
		err("replay: %s:%zu: free of empty slot %llu", s->path,
		    s->lineno, slot);
		return false;
	}
	if (!push_op(t, s, op == 'a', slot, size))
		return false;
	t->ops[t->n - 1].flags = flags;
	return true;
}

/* Every line of @f; false after printing the first problem */
static bool trace_read(FILE *f, struct replay_trace *t, struct trace_state *s)
{
	char line[256];

	while (fgets(line, sizeof(line), f)) {
		s->lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			err("replay: %s:%zu: line too long", s->path, s->lineno);
			return false;
		}
		if (!trace_line(t, s, line))
			return false;
	}
	if (ferror(f)) {
		err("replay: %s: %s", s->path, strerror(errno));
		return false;
	}
	if (!t->n) {
		err("replay: %s: no ops", s->path);
		return false;
	}
	if (s->live) {
		err("replay: %s: %llu objects still live at the end (the trace must free everything)",
		    s->path, s->live);
		return false;
	}
	return true;
}

/*
 * Reads and validates @path: every "a" names an empty slot, every "f" a
 * live one, nothing is live at the end.  Prints the first problem with
 * its line number and returns false.
 */
static bool replay_load(const char *path, struct replay_trace *t)
{
	struct trace_state s = { .path = path };
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	bool ok;

	memset(t, 0, sizeof(*t));
	if (!f) {
		err("replay: %s: %s", path, strerror(errno));
		return false;
	}
	ok = trace_read(f, t, &s);
	if (f != stdin)
		fclose(f);
	free(s.used);
	free(s.req);
	if (!ok) {
		free(t->ops);
		t->ops = NULL;
	}
	return ok;
}

struct footprint {
	__u64 cls[JMOD_MAX_CLASSES];
	unsigned int ncls;
	__u64 page;
};

static __u64 page_align(__u64 size, __u64 page)
{
	return (size + page - 1) / page * page;
}

/* Usable bytes of a request on @backend, by the benchmark's rule */
static __u64 usable_of(const struct footprint *fp, __u32 backend, __u64 size)
{
	static const __u64 kmalloc_caches[] = {
		8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
	};
	unsigned int i;
	__u64 s;

	if (backend == JMOD_BACKEND_KMALLOC) {
		for (i = 0; i < ARRAY_SIZE(kmalloc_caches); i++)
			if (size <= kmalloc_caches[i])
				return kmalloc_caches[i];
		for (s = fp->page; s < size; s *= 2)
			;
		return s;
	}
	for (i = 0; i < fp->ncls; i++)
		if (size <= fp->cls[i])
			return fp->cls[i];
	return page_align(size, fp->page);
}

static __u64 peak_usable(const struct replay_trace *t,
			 const struct footprint *fp, __u32 backend)
{
	__u64 *use = calloc(t->nslots, sizeof(*use)), live = 0, peak = 0;
	size_t i;

	if (!use)
		return 0;
	for (i = 0; i < t->n; i++) {
		const struct jmod_op *o = &t->ops[i];

		if (o->op == JMOD_OP_ALLOC) {
			use[o->slot] = usable_of(fp, backend, o->size);
			live += use[o->slot];
			if (live > peak)
				peak = live;
		} else {
			live -= use[o->slot];
		}
	}
	free(use);
	return peak;
}

/* summary.mapped of stats.json in pages, or -1 */
static long long sample_mapped(__u64 page)
{
	unsigned long long v = jmod_stat_u64("summary.mapped");

	return v == ~0ULL ? -1 : (long long)(v / page);
}

struct replay_result {
	__u32 backend;
	__u64 ns[MAX_ROUNDS];
	__u64 peak_usable;
	long long mapped_start, mapped_peak, mapped_end;
};

/*
 * One replay in chunks of @chunk ops; adds the kernel's time to *@ns.
 * Returns 0 or prints why it failed and returns -1.
 */
static int replay_once(int fd, struct replay_trace *t, __u32 backend,
		       size_t chunk, bool sample, __u64 page, __u64 *ns,
		       struct replay_result *r)
{
	size_t off, i;

	*ns = 0;
	for (off = 0; off < t->n; off += chunk) {
		size_t cnt = t->n - off < chunk ? t->n - off : chunk;
		struct jmod_batch b;
		const struct jmod_op *o;
		int ret;

		for (i = 0; i < cnt; i++)
			t->ops[off + i].result = 0;
		ret = jmod_dev_batch(fd, &t->ops[off], cnt, backend, &b);
		if (ret) {
			err("replay: JMOD_IOC_BATCH (%s): %s",
			    jmod_backend_names[backend], strerror(-ret));
			return -1;
		}
		*ns += b.elapsed_ns;
		if (b.done != cnt) {
			o = &t->ops[off + b.done];
			err("replay: %s: op %zu (%s slot %llu size %llu) failed: %s",
			    jmod_backend_names[backend], off + b.done,
			    jmod_op_name(o->op),
			    (unsigned long long)o->slot,
			    (unsigned long long)o->size,
			    strerror((int)-o->result));
			return -1;
		}
		if (sample) {
			long long m = sample_mapped(page);

			if (m > r->mapped_peak)
				r->mapped_peak = m;
		}
	}
	return 0;
}

/* @s as a JSON string */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int u64_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static bool is_jmod_backend(__u32 be)
{
	return be == JMOD_BACKEND_JMOD || be == JMOD_BACKEND_JMOD_NOTCACHE;
}


struct replay_opts {
	__u64 rounds, chunk;
	bool json;
	const char *path;
	struct replay_result res[JMOD_BACKEND_NR];
	unsigned int nbe;
};

static struct replay_opts replay_o = {
	.rounds = REPLAY_ROUNDS, .chunk = REPLAY_CHUNK, .nbe = 2,
	.res = { { .backend = JMOD_BACKEND_JMOD },
		 { .backend = JMOD_BACKEND_KMALLOC } },
};

static const struct cmd_opt replay_opts[] = {
	OPT_NUM('r', "rounds", "ROUNDS",
		"replays per back end, interleaved; the best\nand the median time are shown (default %llu)",
		&replay_o.rounds, 1, MAX_ROUNDS, REPLAY_ROUNDS),
	OPT_NUM('C', "chunk", "OPS", "ops per JMOD_IOC_BATCH call (default %llu)",
		&replay_o.chunk, 1, JMOD_BATCH_MAX, REPLAY_CHUNK),
	OPT('b', "backends", "LIST",
	    "comma-separated: jmod, kmalloc, jmod-notcache\n(default jmod,kmalloc)"),
	OPT_FLAG('j', "json", "one JSON object instead of the table",
		 &replay_o.json),
};

/* -b LIST: jmod, kmalloc or jmod-notcache, each once, in order */
static int replay_backends(struct replay_opts *o, const char *arg)
{
	char list[256], *tok, *save;
	unsigned int i;
	int be;

	snprintf(list, sizeof(list), "%s", arg);
	o->nbe = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		be = jmod_name_index(jmod_backend_names, JMOD_BACKEND_NR, tok);
		if (be != JMOD_BACKEND_JMOD && be != JMOD_BACKEND_KMALLOC &&
		    be != JMOD_BACKEND_JMOD_NOTCACHE) {
			err("replay: back end \"%s\": jmod, kmalloc or jmod-notcache",
			    tok);
			return EXIT_USAGE;
		}
		for (i = 0; i < o->nbe; i++)
			if (o->res[i].backend == (__u32)be)
				break;
		if (i == o->nbe)
			o->res[o->nbe++].backend = be;
	}
	if (!o->nbe) {
		err("replay: -b/--backends wants at least one back end");
		return EXIT_USAGE;
	}
	return 0;
}

/* -b LIST */
static int replay_set(void *ctx, int key, const char *arg)
{
	return replay_backends(ctx, arg);
}

/* The trace's requests against the kernel's limits, slots reserved */
static int replay_setup(int fd, const char *path, const struct replay_trace *t,
			const struct jmod_version *v, struct footprint *fp)
{
	struct jmod_slots slots = { .nr_slots = t->nslots };
	int ret;

	fp->page = v->page_size;
	fp->ncls = jmod_size_classes(v->max_large, fp->cls, JMOD_MAX_CLASSES);
	if (t->max_size > v->max_alloc) {
		err("replay: %s: a request of %llu bytes is above max_alloc %llu",
		    path, (unsigned long long)t->max_size,
		    (unsigned long long)v->max_alloc);
		return EXIT_FAILURE;
	}
	ret = jmod_dev_ioctl(fd, JMOD_IOC_SLOTS, &slots);
	if (ret) {
		err("replay: JMOD_IOC_SLOTS %llu: %s%s",
		    (unsigned long long)t->nslots, strerror(-ret),
		    ret == -EDQUOT ? " (more slots than quota_objects)" : "");
		return EXIT_FAILURE;
	}
	return 0;
}

/* Every round on every back end, interleaved */
static int replay_rounds(int fd, struct replay_trace *t,
			 const struct footprint *fp, struct replay_opts *o)
{
	bool sample = !stat(JMOD_DEBUGFS "/stats.json", &(struct stat){ 0 });
	struct jmod_slots slots = { 0 };
	unsigned int i, r;
	int ret = 0;

	for (i = 0; i < o->nbe; i++) {
		o->res[i].peak_usable = peak_usable(t, fp, o->res[i].backend);
		o->res[i].mapped_start = o->res[i].mapped_peak = -1;
		o->res[i].mapped_end = -1;
	}
	for (r = 0; r < o->rounds && !ret; r++) {
		for (i = 0; i < o->nbe && !ret; i++) {
			struct replay_result *x = &o->res[i];
			bool s = sample && is_jmod_backend(x->backend);

			if (s && !r)
				x->mapped_start = sample_mapped(fp->page);
			if (replay_once(fd, t, x->backend, o->chunk, s,
					fp->page, &x->ns[r], x))
				ret = EXIT_FAILURE;
			if (s)
				x->mapped_end = sample_mapped(fp->page);
		}
	}
	jmod_dev_ioctl(fd, JMOD_IOC_SLOTS, &slots);
	return ret;
}

/* Best and median of @x's rounds */
static void best_median(const struct replay_result *x, __u64 rounds,
			__u64 *best, __u64 *median)
{
	__u64 sorted[MAX_ROUNDS];

	memcpy(sorted, x->ns, rounds * sizeof(*sorted));
	qsort(sorted, rounds, sizeof(*sorted), u64_cmp);
	*best = sorted[0];
	*median = sorted[rounds / 2];
}

static void replay_json(const struct replay_trace *t,
			const struct replay_opts *o, __u64 page)
{
	unsigned int i, r;
	__u64 best, median;

	printf("{\"trace\":");
	json_str(o->path);
	printf(",\"ops\":%zu,\"allocs\":%zu,\"slots\":%llu,\"requested_bytes\":%llu,\"peak_live\":%llu,\"peak_requested\":%llu,\"rounds\":%llu,\"page_size\":%llu,\"backends\":[",
	       t->n, t->allocs, (unsigned long long)t->nslots,
	       (unsigned long long)t->requested,
	       (unsigned long long)t->peak_live,
	       (unsigned long long)t->peak_requested,
	       (unsigned long long)o->rounds, (unsigned long long)page);
	for (i = 0; i < o->nbe; i++) {
		const struct replay_result *x = &o->res[i];

		best_median(x, o->rounds, &best, &median);
		printf("%s{\"backend\":\"%s\",\"best_ns\":%llu,\"median_ns\":%llu,\"ns_per_alloc\":%.1f,\"peak_usable\":%llu,\"peak_pages\":%llu,\"mapped_start\":%lld,\"mapped_peak\":%lld,\"mapped_end\":%lld,\"ns\":[",
		       i ? "," : "", jmod_backend_names[x->backend],
		       (unsigned long long)best, (unsigned long long)median,
		       (double)best / t->allocs,
		       (unsigned long long)x->peak_usable,
		       (unsigned long long)page_align(x->peak_usable, page) / page,
		       x->mapped_start, x->mapped_peak, x->mapped_end);
		for (r = 0; r < o->rounds; r++)
			printf("%s%llu", r ? "," : "",
			       (unsigned long long)x->ns[r]);
		printf("]}");
	}
	printf("]}\n");
}

/* jmod/kmalloc ratios when the two ran first, in that order */
static void replay_ratio(const struct replay_opts *o)
{
	const struct replay_result *j = &o->res[0], *k = &o->res[1];
	__u64 jb, jm, kb, km;

	if (o->nbe < 2 || k->backend != JMOD_BACKEND_KMALLOC ||
	    j->backend != JMOD_BACKEND_JMOD)
		return;
	best_median(j, o->rounds, &jb, &jm);
	best_median(k, o->rounds, &kb, &km);
	printf("\njmod/kmalloc: time %.2f (best), %.2f (median); peak pages %.2f\n",
	       kb ? (double)jb / kb : 0, km ? (double)jm / km : 0,
	       k->peak_usable ? (double)j->peak_usable / k->peak_usable : 0);
}

static void replay_table(const struct replay_trace *t,
			 const struct replay_opts *o, __u64 page)
{
	char h1[32], h2[32];
	__u64 best, median;
	unsigned int i;

	printf("trace %s: %zu ops, %zu allocs (%s requested), %llu slots, peak %llu live objects of %s requested, %llu rounds\n\n%-14s %14s %14s %12s %16s %10s %12s\n",
	       o->path, t->n, t->allocs, hum(t->requested, h1, sizeof(h1)),
	       (unsigned long long)t->nslots, (unsigned long long)t->peak_live,
	       hum(t->peak_requested, h2, sizeof(h2)),
	       (unsigned long long)o->rounds, "backend", "best_ns",
	       "median_ns", "ns/alloc", "peak_usable", "peak_pgs",
	       "mapped_peak");
	for (i = 0; i < o->nbe; i++) {
		const struct replay_result *x = &o->res[i];

		best_median(x, o->rounds, &best, &median);
		if (x->mapped_peak >= 0)
			snprintf(h2, sizeof(h2), "%lld pgs", x->mapped_peak);
		else
			snprintf(h2, sizeof(h2), "-");
		printf("%-14s %14llu %14llu %12.1f %16s %10llu %12s\n",
		       jmod_backend_names[x->backend], (unsigned long long)best,
		       (unsigned long long)median, (double)best / t->allocs,
		       hum(x->peak_usable, h1, sizeof(h1)),
		       (unsigned long long)page_align(x->peak_usable, page) / page,
		       h2);
	}
	replay_ratio(o);
}

static int replay_run(int fd, void *arg)
{
	struct replay_opts *o = arg;
	struct replay_trace t;
	struct jmod_version v;
	struct footprint *fp;
	int ret = EXIT_FAILURE;

	memset(&v, 0, sizeof(v));
	if (ioctl_or_err(fd, JMOD_IOC_VERSION, "JMOD_IOC_VERSION", &v) ||
	    !replay_load(o->path, &t))
		return EXIT_FAILURE;
	fp = calloc(1, sizeof(*fp));
	if (!fp)
		err("out of memory");
	else if (!replay_setup(fd, o->path, &t, &v, fp) &&
		 !replay_rounds(fd, &t, fp, o))
		ret = 0;
	if (!ret && o->json)
		replay_json(&t, o, fp->page);
	else if (!ret)
		replay_table(&t, o, fp->page);
	if (!ret && fflush(stdout))
		ret = EXIT_FAILURE;
	free(fp);
	free(t.ops);
	return ret;
}

static int replay_main(void *ctx, int argc, char **argv)
{
	struct replay_opts *o = ctx;

	o->path = argv[0];
	return with_dev(replay_run, o);
}

JMODCTL_CMD(replay, "[-r ROUNDS] [-C OPS] [-b BACKENDS] [--json] FILE",
	    "replay an ops trace on jmod and kmalloc",
	    "Replay an ops trace (tools/trace/FORMAT.md: \"a SLOT SIZE\",\n"
	    "\"f SLOT\", \"# comment\"; \"-\" reads stdin) through\n"
	    "JMOD_IOC_BATCH on each back end and print, per back end, the\n"
	    "time the kernel spent and the peak memory:\n"
	    "\n"
	    "  peak_usable  highest sum of usable sizes of the live objects\n"
	    "               (the footprint rule of JMOD_IOC_BENCH: jmod's\n"
	    "               class size, page-rounded above max_large; for\n"
	    "               kmalloc ksize(): the kmalloc cache object up to\n"
	    "               8 KiB, PAGE_SIZE << order above), also in pages\n"
	    "  mapped_peak  jmod only, measured: the highest summary.mapped\n"
	    "               of stats.json sampled after every chunk of OPS\n"
	    "               ops (needs debugfs; includes jmod's caches)\n"
	    "\n"
	    "The trace must free everything it allocates (trace2ops.py does)\n"
	    "so that replays can follow each other.  Absolute times under\n"
	    "QEMU TCG mean nothing: compare back ends of the same boot.\n",
	    replay_main, CMD_OPTS(replay_opts, replay_set, &replay_o),
	    .min_args = 1, .max_args = 1);
