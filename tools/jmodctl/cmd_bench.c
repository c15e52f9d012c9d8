// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_bench.c: "jmodctl bench", one JMOD_IOC_BENCH run.  The options
 * fill a struct jmod_bench (names looked up in the tables below, numbers
 * range-checked) before /dev/jmod is opened; the kernel runs the
 * workload on pinned kthreads and fills in the results, which are
 * printed as text or as one JSON object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "jmod_bench.h"
#include "jmodctl.h"

#define BENCH_OPS	100000
#define BENCH_LIVE	1024
#define BENCH_SIZE	64

enum { OPT_MIN = OPT_LONG, OPT_MAX };

struct bench_opts {
	struct jmod_bench b;	/* max_size 0: --max not given */
	bool json;
};

static struct bench_opts bench_o = {
	.b = {
		.workload = JMOD_BENCH_PAIR,
		.backend = JMOD_BACKEND_JMOD,
		.nr_threads = 1,
		.dist = JMOD_DIST_FIXED,
		.min_size = BENCH_SIZE,
		.ops = BENCH_OPS,
		.live = BENCH_LIVE,
		.seed = 1,
	},
};

static const struct cmd_opt bench_opts[] = {
	OPT('w', "workload", "W",
	    "pair (default: alloc+free of one object),\nbatch (LIVE allocs then LIVE frees),\nrandom (LIVE slots, random lifetimes),\nremote (freed on another CPU via a ring)"),
	OPT('b', "backend", "B",
	    "jmod (default), kmalloc, jmod-notcache,\npages, vmalloc (pages and vmalloc: sizes of\nat least a page, or -D kernel)"),
	OPT('t', "threads", "N", "kernel threads, 1..%llu (default 1)", JMOD_BENCH_MAX_THREADS),
	OPT_NUM('c', "cpus", "MASK",
		"CPU mask, e.g. 0x3 (default 0: every\nonline CPU); threads go round robin",
		&bench_o.b.cpu_mask, 0, ~0ULL),
	OPT('D', "dist", "D",
	    "fixed (default: always --min), uniform,\npareto, kernel (a kmalloc-like mix)"),
	OPT_SIZE(OPT_MIN, "min", "N", "smallest request (default %llu; K/M/G allowed)",
		 &bench_o.b.min_size, 1, ~0ULL, BENCH_SIZE),
	OPT_SIZE(OPT_MAX, "max", "N", "largest request (default: --min)",
		 &bench_o.b.max_size, 1, ~0ULL),
	OPT_SIZE('n', "ops", "N", "operations per thread (default %llu)",
		 &bench_o.b.ops, 1, JMOD_BENCH_MAX_OPS, BENCH_OPS),
	OPT_SIZE('l', "live", "N", "live set, batch length or ring size\n(default %llu)",
		 &bench_o.b.live, 1, JMOD_BENCH_MAX_LIVE, BENCH_LIVE),
	OPT_NUM('S', "seed", "N", "PRNG seed (default 1)", &bench_o.b.seed, 0,
		~0ULL),
	OPT_FLAG('j', "json", "one JSON object instead of text", &bench_o.json),
};

#define F(name)	((unsigned long long)b->name)

static void bench_print_json(const struct jmod_bench *b, double ns_op,
			     double ops_s)
{
	printf("{\"workload\":\"%s\",\"backend\":\"%s\",\"nr_threads\":%u,\"dist\":\"%s\",\"cpu_mask\":%llu,\"min_size\":%llu,\"max_size\":%llu,\"ops\":%llu,\"live\":%llu,\"seed\":%llu,",
	       jmod_workload_names[b->workload],
	       jmod_backend_names[b->backend], b->nr_threads,
	       jmod_dist_names[b->dist], F(cpu_mask), F(min_size),
	       F(max_size), F(ops), F(live), F(seed));
	printf("\"elapsed_ns\":%llu,\"thread_ns\":%llu,\"total_ops\":%llu,\"failed\":%llu,\"requested_bytes\":%llu,\"usable_bytes\":%llu,\"peak_bytes\":%llu,\"peak_requested\":%llu,\"mapped_start\":%llu,\"mapped_peak\":%llu,\"mapped_end\":%llu,\"ns_per_op\":%.1f,\"ops_per_sec\":%.0f}\n",
	       F(elapsed_ns), F(thread_ns), F(total_ops), F(failed),
	       F(requested_bytes), F(usable_bytes), F(peak_bytes),
	       F(peak_requested), F(mapped_start), F(mapped_peak),
	       F(mapped_end), ns_op, ops_s);
}

static void bench_print_text(const struct jmod_bench *b, double ns_op,
			     double ops_s)
{
	char h[32];

	printf("workload         %s\n", jmod_workload_names[b->workload]);
	printf("backend          %s\n", jmod_backend_names[b->backend]);
	printf("nr_threads       %u\n", b->nr_threads);
	printf("cpu_mask         %#llx%s\n", F(cpu_mask),
	       b->cpu_mask ? "" : " (every online CPU)");
	printf("dist             %s\n", jmod_dist_names[b->dist]);
	printf("min_size         %llu\n", F(min_size));
	printf("max_size         %llu\n", F(max_size));
	printf("ops              %llu per thread\n", F(ops));
	printf("live             %llu\n", F(live));
	printf("seed             %llu\n", F(seed));
	printf("elapsed_ns       %llu\n", F(elapsed_ns));
	printf("thread_ns        %llu\n", F(thread_ns));
	printf("total_ops        %llu\n", F(total_ops));
	printf("failed           %llu\n", F(failed));
	printf("requested_bytes  %llu (%s)\n", F(requested_bytes),
	       hum(b->requested_bytes, h, sizeof(h)));
	printf("usable_bytes     %llu (%s)\n", F(usable_bytes),
	       hum(b->usable_bytes, h, sizeof(h)));
	printf("peak_bytes       %llu (%s)\n", F(peak_bytes),
	       hum(b->peak_bytes, h, sizeof(h)));
	printf("peak_requested   %llu (%s)\n", F(peak_requested),
	       hum(b->peak_requested, h, sizeof(h)));
	printf("mapped_start     %llu pages\n", F(mapped_start));
	printf("mapped_peak      %llu pages\n", F(mapped_peak));
	printf("mapped_end       %llu pages\n", F(mapped_end));
	printf("ns_per_op        %.1f (thread time / ops)\n", ns_op);
	printf("ops_per_sec      %.0f (ops / elapsed)\n", ops_s);
}
#undef F

static void bench_print(const struct jmod_bench *b, bool json)
{
	double ns_op = jmod_bench_ns_per_op(b);
	double ops_s = jmod_bench_ops_per_sec(b);

	if (json)
		bench_print_json(b, ns_op, ops_s);
	else
		bench_print_text(b, ns_op, ops_s);
}

/* @arg in @names into *@out, or a usage error listing @choices */
static int bench_name(const char *const *names, unsigned int n,
		      const char *what, const char *choices, const char *arg,
		      __u32 *out)
{
	int i = jmod_name_index(names, n, arg);

	if (i < 0) {
		err("bench: unknown %s \"%s\" (%s)", what, arg, choices);
		return EXIT_USAGE;
	}
	*out = i;
	return 0;
}

static int bench_set(void *ctx, int key, const char *arg)
{
	const struct cmd *c = &cmd_bench;
	struct bench_opts *o = ctx;
	struct jmod_bench *b = &o->b;
	__u64 v;

	switch (key) {
	case 'w':
		return bench_name(jmod_workload_names, JMOD_BENCH_NR, "workload",
				  "pair, batch, random, remote", arg, &b->workload);
	case 'b':
		return bench_name(jmod_backend_names, JMOD_BACKEND_NR, "backend",
				  "jmod, kmalloc, jmod-notcache, pages, vmalloc",
				  arg, &b->backend);
	case 'D':
		return bench_name(jmod_dist_names, JMOD_DIST_NR, "distribution",
				  "fixed, uniform, pareto, kernel", arg, &b->dist);
	case 't':
		if (opt_u64(c, key, arg, 1, JMOD_BENCH_MAX_THREADS, &v))
			return EXIT_USAGE;
		b->nr_threads = v;
		return 0;
	}
	return 0;
}

/* JMOD_IOC_BENCH; the kernel's refusals of a value are usage errors */
static int bench_run(struct jmod_bench *b)
{
	int fd = open_dev(), ret = jmod_dev_bench(fd, b);

	close(fd);
	switch (ret) {
	case 0:
		return 0;
	case -EINVAL:
		err("JMOD_IOC_BENCH: %s (a CPU of the mask offline? pages and vmalloc want --min of a page or more)",
		    strerror(-ret));
		return EXIT_USAGE;
	case -E2BIG:
		err("JMOD_IOC_BENCH: %s (threads, live or ops above the limits)",
		    strerror(-ret));
		return EXIT_USAGE;
	case -EFBIG:
		err("JMOD_IOC_BENCH: %s (--max above max_alloc, see %s version)",
		    strerror(-ret), prog);
		return EXIT_USAGE;
	default:
		err("JMOD_IOC_BENCH: %s", strerror(-ret));
		return EXIT_FAILURE;
	}
}

static int bench_main(void *ctx, int argc, char **argv)
{
	struct bench_opts *o = ctx;
	struct jmod_bench *b = &o->b;
	int ret;

	if (!b->max_size)
		b->max_size = b->min_size;
	if (b->max_size < b->min_size) {
		err("bench: --max %llu is below --min %llu",
		    (unsigned long long)b->max_size,
		    (unsigned long long)b->min_size);
		return EXIT_USAGE;
	}
	ret = bench_run(b);
	if (ret)
		return ret;
	bench_print(b, o->json);
	if (b->failed)
		fprintf(stderr, "%s: bench: %llu allocations failed\n", prog,
			(unsigned long long)b->failed);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}

JMODCTL_CMD(bench,
	    "[-w WORKLOAD] [-b BACKEND] [-t THREADS] [-c CPUMASK]\n"
	    "                [-D DIST] [--min N] [--max N] [-n OPS] [-l LIVE]\n"
	    "                [-S SEED] [--json]",
	    "run a JMOD_IOC_BENCH workload",
	    "Run JMOD_IOC_BENCH: a workload on kernel threads pinned to CPUs,\n"
	    "against one allocator, and print every field the kernel returns.\n"
	    "Under QEMU TCG the times mean little; compare back ends of one\n"
	    "boot.  Pages are 4 KiB pages of jmod's chunks and huge objects.\n",
	    bench_main, CMD_OPTS(bench_opts, bench_set, &bench_o));
