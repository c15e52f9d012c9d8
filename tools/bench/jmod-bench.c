// SPDX-License-Identifier: GPL-2.0
/*
 * jmod-bench: the guest side of "make bench".  Runs the JMOD_IOC_BENCH
 * workloads on every back end and prints one JSON object per result line
 * (and "# ..." progress lines) on stdout.  Static, libc and tools/lib
 * only (the device, debugfs and result formats shared with jmodctl and the
 * selftests).
 *
 * Usage: jmod-bench [--group G] [--threads N] [--scale F] [--only NAME]
 *                   [--replay FILE] [--repeat N] [--tag K=V] [--list]
 *   --group scaling   thread-scaling cases (pair 64 B, random kernel mix)
 *                     with nr_threads = N (default: online CPUs), on
 *                     every online CPU
 *           main      everything else, single-threaded on CPU 0 (remote:
 *                     CPUs 0 and 1 vs CPU 0 alone)
 *           prof      64 B pair with prof_sample=0 and with the default
 *                     rate (writes /sys/module/jmalloc/parameters/prof_sample)
 *           whatif    the cost of the live what-if probes (debugfs whatif,
 *                     whatif.c) per kmalloc: kmalloc back end pairs of 64
 *                     and 640 B and the kernel-like mix, each case every
 *                     round in three phases back to back: probes off
 *                     ("before"), on (debugfs whatif "start"; whatif.json
 *                     must count at least the run's kmallocs and kfrees,
 *                     else the row is an error; "stop"), off again
 *                     ("after"), each after an untimed tenth; the host
 *                     takes on / the better of the round's before and
 *                     after, median over rounds.  Refuses to run if
 *                     whatif holds a run or figures; leaves it stopped
 *                     and reset, on exit, SIGINT, SIGTERM and SIGHUP too
 *           replay    JMOD_IOC_BATCH replay of --replay FILE (trace format:
 *                     tools/trace/FORMAT.md, v1 or v2) on jmod and kmalloc;
 *                     v2's CPUs kept: the ops are cut into runs on one
 *                     CPU, each run a batch, the thread pinned to that CPU
 *                     (N modulo the CPUs it may run on) before it; "A"
 *                     allocations are JMOD_ALLOC_ATOMIC on both back ends
 *   --scale F         multiply every ops count by F (e.g. 0.1 for a smoke run)
 *   --rounds N        run every case N times (default 3), back ends
 *                     interleaved; the host takes the median
 *   --only NAME       only cases whose name starts with NAME
 *   --copies N        replay: N copies of the trace interleaved op by op
 *                     (slots renumbered), so the live set is N times the
 *                     trace's (default 200)
 *   --tag K=V         add "K":"V" to every JSON line (e.g. the vCPU count)
 *   --check-trace FILE  read an ops file as the replay would and print
 *                     one JSON line (ops, allocs, atomic_allocs,
 *                     trace_cpus, ...); no device needed; exit 1 on a bad
 *                     line
 *
 * Memory is measured in pages taken from the page allocator, the same
 * way for every back end: every run starts cold (every slab cache's
 * /sys/kernel/slab/<cache>/shrink written, jmod purged), the kernel
 * reports the drop of free pages (per-CPU page lists included) at the
 * peak and after the run, and for jmod after a purge (pages_peak,
 * pages_end, pages_purged), with slab + jmod pages as a cross-check.
 * peak_bytes (live usable bytes from the size alone) is object-level
 * waste, not a footprint.  "policy" is the kernel's zeroing policy
 * (init_on_alloc, init_on_free) the run measured under.
 *
 * One op is one allocation with its free.  Fields: ns_per_op =
 * thread_ns / total_ops (CPU time per op, summed over threads), ops_per_s
 * = total_ops * 1e9 / elapsed_ns (wall-clock throughput).  Absolute times
 * under QEMU TCG mean nothing; compare back ends of the same boot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/jmod.h>

#include "jmod_bench.h"
#include "jmod_dev.h"
#include "jmod_fs.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define KiB 1024ULL
#define MiB (1024ULL * 1024)

#define B_JMOD		(1u << JMOD_BACKEND_JMOD)
#define B_KMALLOC	(1u << JMOD_BACKEND_KMALLOC)
#define B_NOTCACHE	(1u << JMOD_BACKEND_JMOD_NOTCACHE)
#define B_PAGES		(1u << JMOD_BACKEND_PAGES)
#define B_VMALLOC	(1u << JMOD_BACKEND_VMALLOC)
#define B_SMALL		(B_JMOD | B_NOTCACHE | B_KMALLOC)
#define B_LARGE		(B_SMALL | B_PAGES | B_VMALLOC)

/* kmalloc first, so jmod runs second on warmed-up caches as well */
static const unsigned int backend_order[] = {
	JMOD_BACKEND_KMALLOC, JMOD_BACKEND_JMOD, JMOD_BACKEND_JMOD_NOTCACHE,
	JMOD_BACKEND_PAGES, JMOD_BACKEND_VMALLOC,
};
enum group { G_MAIN, G_SCALING, G_PROF, G_WHATIF };

struct bcase {
	const char *name;
	enum group group;
	unsigned int workload, dist;
	uint64_t min, max, ops, live;
	uint64_t cpu_mask;	/* 0 in G_SCALING: every online CPU */
	unsigned int backends;
};

#define PAIR(nm, sz, n) \
	{ nm, G_MAIN, JMOD_BENCH_PAIR, JMOD_DIST_FIXED, sz, sz, n, 0, 1, B_SMALL }
#define BATCH(nm, sz, n) \
	{ nm, G_MAIN, JMOD_BENCH_BATCH, JMOD_DIST_FIXED, sz, sz, n, 1000, 1, B_SMALL }
#define LPAIR(nm, sz, n) \
	{ nm, G_MAIN, JMOD_BENCH_PAIR, JMOD_DIST_FIXED, sz, sz, n, 0, 1, B_LARGE }

static const struct bcase cases[] = {
	/* thread scaling: nr_threads = --threads, on every CPU */
	{ "scale-pair-64", G_SCALING, JMOD_BENCH_PAIR, JMOD_DIST_FIXED,
	  64, 64, 100000, 0, 0, B_JMOD | B_KMALLOC },
	{ "scale-random-kernel", G_SCALING, JMOD_BENCH_RANDOM, JMOD_DIST_KERNEL,
	  8, 16384, 40000, 1000, 0, B_JMOD | B_KMALLOC },
	/* hot path: one size, alloc + free */
	PAIR("pair-8", 8, 100000),
	PAIR("pair-64", 64, 100000),
	PAIR("pair-256", 256, 100000),
	PAIR("pair-1024", 1024, 100000),
	PAIR("pair-8192", 8192, 50000),
	/* slab_test: 1000 allocations then 1000 frees */
	BATCH("batch-8", 8, 50000),
	BATCH("batch-16", 16, 50000),
	BATCH("batch-32", 32, 50000),
	BATCH("batch-64", 64, 50000),
	BATCH("batch-128", 128, 50000),
	BATCH("batch-256", 256, 50000),
	BATCH("batch-512", 512, 50000),
	BATCH("batch-1024", 1024, 50000),
	BATCH("batch-2048", 2048, 40000),
	BATCH("batch-4096", 4096, 30000),
	BATCH("batch-8192", 8192, 20000),
	/* random sizes, live set, random lifetimes */
	{ "random-uniform-1-16k", G_MAIN, JMOD_BENCH_RANDOM, JMOD_DIST_UNIFORM,
	  1, 16 * KiB, 50000, 1000, 1, B_SMALL },
	{ "random-pareto-8-1k", G_MAIN, JMOD_BENCH_RANDOM, JMOD_DIST_PARETO,
	  8, 1 * KiB, 50000, 1000, 1, B_SMALL },
	{ "random-kernel", G_MAIN, JMOD_BENCH_RANDOM, JMOD_DIST_KERNEL,
	  8, 16 * KiB, 50000, 1000, 1, B_SMALL },
	/* producer on CPU 0, consumer on CPU 1 vs both ends on CPU 0 */
	{ "remote-64", G_MAIN, JMOD_BENCH_REMOTE, JMOD_DIST_FIXED,
	  64, 64, 50000, 256, 3, B_JMOD | B_KMALLOC | B_NOTCACHE },
	{ "local-64", G_MAIN, JMOD_BENCH_REMOTE, JMOD_DIST_FIXED,
	  64, 64, 50000, 256, 1, B_JMOD | B_KMALLOC | B_NOTCACHE },
	{ "remote-kernel", G_MAIN, JMOD_BENCH_REMOTE, JMOD_DIST_KERNEL,
	  8, 16 * KiB, 30000, 256, 3, B_JMOD | B_KMALLOC },
	{ "local-kernel", G_MAIN, JMOD_BENCH_REMOTE, JMOD_DIST_KERNEL,
	  8, 16 * KiB, 30000, 256, 1, B_JMOD | B_KMALLOC },
	/* large: 16 KiB .. 1 MiB */
	LPAIR("large-pair-20k", 20 * KiB, 20000),
	LPAIR("large-pair-64k", 64 * KiB, 10000),
	LPAIR("large-pair-1m", 1 * MiB, 2000),
	{ "large-random-16k-1m", G_MAIN, JMOD_BENCH_RANDOM, JMOD_DIST_UNIFORM,
	  16 * KiB, 1 * MiB, 4000, 64, 1, B_LARGE },
	/* profiling off vs on (sets prof_sample around the runs) */
	{ "prof-pair-64", G_PROF, JMOD_BENCH_PAIR, JMOD_DIST_FIXED,
	  64, 64, 100000, 0, 1, B_JMOD | B_KMALLOC },
	/* live what-if probes off vs on, kmalloc only (they trace kmalloc) */
	{ "whatif-pair-64", G_WHATIF, JMOD_BENCH_PAIR, JMOD_DIST_FIXED,
	  64, 64, 200000, 0, 1, B_KMALLOC },
	{ "whatif-pair-640", G_WHATIF, JMOD_BENCH_PAIR, JMOD_DIST_FIXED,
	  640, 640, 200000, 0, 1, B_KMALLOC },
	{ "whatif-random-kernel", G_WHATIF, JMOD_BENCH_RANDOM, JMOD_DIST_KERNEL,
	  8, 16 * KiB, 100000, 1000, 1, B_KMALLOC },
};

static int fd = -1;
static double scale = 1.0;
static int rounds = 3, round_no;
static const char *only;
static char tags[512];
static unsigned long seed = 0x6a6d6f64;

static void die_err(const char *what, int err)
{
	fprintf(stderr, "jmod-bench: %s: %s\n", what, strerror(err));
	exit(1);
}

static void die(const char *what)
{
	die_err(what, errno);
}

/* Exits unless @ret, a tools/lib result, is 0 */
static void check(const char *what, int ret)
{
	if (ret)
		die_err(what, -ret);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long online_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

static int read_param(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/*
 * Start a measurement cold on both sides: jmod gives back what it caches
 * and every slab cache (kmalloc's, jmod's, everyone's) its empty slabs.
 */
static void cold_start(void)
{
	check("purge", jmod_cold_start());
}

static void print_result(const struct bcase *c, const struct jmod_bench *b,
			 unsigned int be, int err, const char *extra)
{
	double nsop = jmod_bench_ns_per_op(b), opss = jmod_bench_ops_per_sec(b);
	char result[768];

	jmod_bench_result_json(b, result, sizeof(result));
	printf("{\"name\":\"%s\",\"workload\":\"%s\",\"backend\":\"%s\",\"dist\":\"%s\",",
	       c->name, jmod_workload_names[c->workload],
	       jmod_backend_names[be], jmod_dist_names[c->dist]);
	printf("\"min_size\":%llu,\"max_size\":%llu,\"live\":%llu,\"threads\":%u,\"cpu_mask\":%llu,\"cpus\":%ld,\"ops\":%llu,",
	       (unsigned long long)c->min, (unsigned long long)c->max,
	       (unsigned long long)c->live, b->nr_threads,
	       (unsigned long long)b->cpu_mask, online_cpus(),
	       (unsigned long long)b->ops);
	printf("%s,\"ns_per_op\":%.2f,\"ops_per_s\":%.1f,\"policy\":\"%s\",",
	       result, nsop, opss, jmod_policy_name(b->policy));
	printf("\"pages_peak\":%lld,\"pages_end\":%lld,\"pages_purged\":%lld,\"slab_pages_peak\":%lld,\"slab_pages_end\":%lld,",
	       (long long)b->pages_peak, (long long)b->pages_end,
	       (long long)b->pages_purged, (long long)b->slab_pages_peak,
	       (long long)b->slab_pages_end);
	printf("\"error\":%d,\"round\":%d%s%s}\n", err, round_no,
	       extra ? extra : "", tags);
	printf("# %-22s %-13s %10.1f ns/op %12.0f ops/s pages peak %lld end %lld%s\n",
	       c->name, jmod_backend_names[be], nsop, opss,
	       (long long)b->pages_peak, (long long)b->pages_end,
	       err ? " ERROR" : "");
	fflush(stdout);
}

/* The request of case @c on back end @be with @threads threads, in @b */
static void bench_init(const struct bcase *c, unsigned int be,
		       unsigned int threads, struct jmod_bench *b)
{
	memset(b, 0, sizeof(*b));
	b->workload = c->workload;
	b->backend = be;
	b->nr_threads = threads;
	b->dist = c->dist;
	b->cpu_mask = c->cpu_mask;
	b->min_size = c->min;
	b->max_size = c->max;
	b->ops = (uint64_t)(c->ops * scale);
	if (!b->ops)
		b->ops = 1;
	b->live = c->live;
	b->seed = seed;
	b->flags = JMOD_BENCH_PURGE;
}

static void run_case_once(const struct bcase *c, unsigned int threads,
			  const char *extra)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(backend_order); i++) {
		unsigned int be = backend_order[i];
		struct jmod_bench b;
		int err = 0;

		if (!(c->backends & (1u << be)))
			continue;
		bench_init(c, be, threads, &b);
		cold_start();
		err = jmod_dev_bench(fd, &b);
		if (err)
			fprintf(stderr, "jmod-bench: %s/%s: %s\n", c->name,
				jmod_backend_names[be], strerror(-err));
		print_result(c, &b, be, err, extra);
	}
}

static void run_case(const struct bcase *c, unsigned int threads,
		     const char *extra)
{
	for (round_no = 0; round_no < rounds; round_no++)
		run_case_once(c, threads, extra);
}

/* One round of a prof case at prof_sample @rate */
static void prof_case(const struct bcase *c, const char *rate)
{
	char extra[96];

	check("write " JMOD_PROF_PARAM, jmod_write_path(JMOD_PROF_PARAM, rate));
	snprintf(extra, sizeof(extra), ",\"prof_sample\":%s", rate);
	run_case_once(c, 1, extra);
}

/*
 * Warm up: fault in jmod's arenas and tcache bins and the kmalloc caches
 * on every CPU once, so the first case measured does not pay for it.
 */
static void warm_up(void)
{
	static const uint64_t sizes[] = { 64, 1024, 16 * KiB, 256 * KiB };
	unsigned int i, be;
	int ret;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (be = JMOD_BACKEND_JMOD; be <= JMOD_BACKEND_KMALLOC; be++) {
			struct jmod_bench b;

			memset(&b, 0, sizeof(b));
			b.workload = JMOD_BENCH_RANDOM;
			b.backend = be;
			b.nr_threads = online_cpus();
			b.dist = JMOD_DIST_UNIFORM;
			b.min_size = 1;
			b.max_size = sizes[i];
			b.ops = 20000;
			b.live = 500;
			b.seed = 1;
			ret = jmod_dev_bench(fd, &b);
			if (ret)
				fprintf(stderr, "jmod-bench: warm-up: %s\n",
					strerror(-ret));
		}
	}
}

/* === The live what-if probes' cost (debugfs whatif, whatif.c) === */

enum { W_BEFORE, W_ON, W_AFTER, W_NR };

static const char *const whatif_phases[W_NR] = { "before", "on", "after" };
static char whatif_path[256];			/* debugfs whatif */
static sig_atomic_t whatif_armed;		/* ours to stop and reset */

/* One write of @cmd to debugfs whatif, async-signal-safe: 0 or -errno */
static int whatif_cmd(const char *cmd)
{
	size_t len = strlen(cmd);
	int f = open(whatif_path, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (f < 0)
		return -errno;
	n = write(f, cmd, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(f);
	return ret;
}

/* Probes off and the figures dropped, as found, if this run took whatif */
static void whatif_off(void)
{
	int e = errno;

	if (whatif_armed) {
		whatif_cmd("stop");
		whatif_cmd("reset");
		whatif_armed = 0;
	}
	errno = e;
}

/* SIGINT, SIGTERM, SIGHUP: whatif_off(), then the default action */
static void whatif_signal(int sig)
{
	whatif_off();
	/* blocked until the handler returns, then SA_RESETHAND's default */
	raise(sig);
}

/* whatif.json parsed; exits if it cannot be read */
static struct json *whatif_json(void)
{
	char msg[128] = "", *text;
	struct json *j;
	size_t len;

	text = jmod_debugfs_read("whatif.json", &len);
	if (!text)
		die(JMOD_DEBUGFS_DIR "/whatif.json");
	j = json_parse(text, len, msg, sizeof(msg));
	free(text);
	if (!j) {
		fprintf(stderr, "jmod-bench: whatif.json: %s\n", msg);
		exit(1);
	}
	return j;
}

/* Is a live run going?  And the kmallocs and kfrees it counted, if any */
static bool whatif_state(unsigned long long *kmallocs,
			 unsigned long long *kfrees)
{
	struct json *j = whatif_json();
	bool running = json_get_type(j, "running", JSON_TRUE);

	*kmallocs = jmod_num(j, "kmallocs");
	*kfrees = jmod_num(j, "kfrees");
	json_free(j);
	return running;
}

/*
 * Take whatif for this run: only if it is stopped with no figures (a
 * user's run or figures are not ours to drop), with whatif_off() on
 * every way out (exit, SIGINT, SIGTERM, SIGHUP).
 */
static void whatif_take(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = {
		.sa_handler = whatif_signal, .sa_flags = SA_RESETHAND,
	};
	unsigned long long km, kf;
	bool running;
	size_t i;

	check("debugfs whatif",
	      jmod_debugfs_path("whatif", whatif_path, sizeof(whatif_path)));
	if (access(whatif_path, W_OK))
		die(whatif_path);
	running = whatif_state(&km, &kf);
	if (running || km != ~0ULL) {
		fprintf(stderr, "jmod-bench: whatif: %s, left alone (write stop, then reset, to %s)\n",
			running ? "a live run is going" :
			"it holds the figures of an earlier run", whatif_path);
		exit(1);
	}
	if (atexit(whatif_off))
		die_err("atexit", ENOMEM);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL))
			die("sigaction");
	whatif_armed = 1;
}

static void whatif_start(void)
{
	unsigned long long km, kf;

	check("whatif start", whatif_cmd("start"));
	if (!whatif_state(&km, &kf))
		die_err("whatif started, but whatif.json says not running",
			EPROTO);
}

static void whatif_stop(void)
{
	unsigned long long km, kf;

	check("whatif stop", whatif_cmd("stop"));
	if (whatif_state(&km, &kf))
		die_err("whatif stopped, but whatif.json says running", EPROTO);
}

/*
 * One run of whatif case @c on kmalloc in @phase: one JSON line with
 * "whatif":"<phase>" and, probes on, what they counted during the run
 * ("whatif_kmallocs", "whatif_kfrees": the run's own events and the rest
 * of the kernel's).  Fewer than the run's allocations or frees make the
 * row an error (-EPROTO): the probes did not trace the run.  Returns
 * ns_per_op, 0 on an error.
 *
 * Every phase first runs a tenth of the ops untimed: registering and
 * unregistering the probes patches the kernel's text (static keys), and
 * under QEMU TCG the first run after a patch pays for translating the
 * patched code again, a cost of the emulator, not of the probes.
 */
static double whatif_run(const struct bcase *c, int phase)
{
	unsigned long long km0 = 0, kf0 = 0, km, kf;
	struct jmod_bench b;
	char extra[160];
	int err, n;

	bench_init(c, JMOD_BACKEND_KMALLOC, 1, &b);
	b.ops = b.ops / 10 ? b.ops / 10 : 1;
	check("whatif warm-up", jmod_dev_bench(fd, &b));
	bench_init(c, JMOD_BACKEND_KMALLOC, 1, &b);
	cold_start();
	if (phase == W_ON)
		whatif_state(&km0, &kf0);
	err = jmod_dev_bench(fd, &b);
	if (err)
		fprintf(stderr, "jmod-bench: %s/kmalloc, whatif %s: %s\n",
			c->name, whatif_phases[phase], strerror(-err));
	n = snprintf(extra, sizeof(extra), ",\"whatif\":\"%s\"",
		     whatif_phases[phase]);
	if (phase == W_ON) {
		whatif_state(&km, &kf);
		/* ~0ULL: no figures, so nothing counted */
		km = km0 == ~0ULL || km == ~0ULL ? 0 : km - km0;
		kf = kf0 == ~0ULL || kf == ~0ULL ? 0 : kf - kf0;
		snprintf(extra + n, sizeof(extra) - n,
			 ",\"whatif_kmallocs\":%llu,\"whatif_kfrees\":%llu",
			 km, kf);
		if (!err && (km < b.total_ops || kf < b.total_ops)) {
			fprintf(stderr, "jmod-bench: %s: whatif probes on, but they counted %llu kmallocs and %llu kfrees for the run's %llu of each\n",
				c->name, km, kf,
				(unsigned long long)b.total_ops);
			err = -EPROTO;
		}
	}
	print_result(c, &b, JMOD_BACKEND_KMALLOC, err, extra);
	return err ? 0 : jmod_bench_ns_per_op(&b);
}

static bool whatif_case(const struct bcase *c)
{
	return c->group == G_WHATIF &&
	       (!only || !strncmp(c->name, only, strlen(only)));
}

/*
 * --group whatif: every round, every case with the probes off, on, off
 * again, back to back (a new run of the probes for each "on": drift of
 * the host load between the phases stays small); a "#" line per case
 * and round with the three times and on over the better off time (the
 * host reports medians: report.py)
 */
static void whatif_group(void)
{
	double t[W_NR], off, r;
	size_t k;
	int ph;

	/* every phase warms up first (whatif_run()): no group warm-up */
	whatif_take();
	for (round_no = 0; round_no < rounds; round_no++) {
		for (k = 0; k < ARRAY_SIZE(cases); k++) {
			if (!whatif_case(&cases[k]))
				continue;
			for (ph = 0; ph < W_NR; ph++) {
				if (ph == W_ON)
					whatif_start();
				t[ph] = whatif_run(&cases[k], ph);
				if (ph == W_ON)
					whatif_stop();
			}
			off = t[W_BEFORE];
			if (t[W_AFTER] && (!off || t[W_AFTER] < off))
				off = t[W_AFTER];
			r = off && t[W_ON] ? t[W_ON] / off : 0;
			printf("# whatif round %d %-22s before %.1f on %.1f after %.1f ns/op, on/best off %.2f\n",
			       round_no, cases[k].name, t[W_BEFORE], t[W_ON],
			       t[W_AFTER], r);
			fflush(stdout);
		}
	}
	whatif_off();
}

/* === Trace replay (tools/trace/FORMAT.md) === */

struct trace_op {
	unsigned int op, flags;	/* JMOD_OP_*, JMOD_ALLOC_ATOMIC */
	int cpu;		/* index into replay_cpus[], -1: none given */
	uint64_t slot, size;
};

#define OPS_LINES "\"a SLOT SIZE [cN] [A]\" or \"f SLOT [cN]\" (tools/trace/FORMAT.md)"

/* A trace as read, and what the replay reports about it (one copy) */
struct replay_trace {
	const char *path;
	struct trace_op *t;
	size_t n, nalloc, natomic;
	uint64_t nslots, req, peak_req;
	unsigned int trace_cpus;	/* distinct cN of the file, 0 in v1 */
};

/* The CPUs the replay may run on (its affinity at start), in order */
static int replay_cpus[CPU_SETSIZE], nr_replay_cpus;
static cpu_set_t replay_mask;

static void replay_cpus_init(void)
{
	int c;

	if (sched_getaffinity(0, sizeof(replay_mask), &replay_mask))
		die("sched_getaffinity");
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &replay_mask))
			replay_cpus[nr_replay_cpus++] = c;
	if (!nr_replay_cpus)
		die_err("sched_getaffinity: no CPU", EINVAL);
}

/* Pin the thread to replay_cpus[@idx] (-1: back to the mask at start) */
static void replay_pin(int idx)
{
	cpu_set_t set;

	if (idx < 0) {
		set = replay_mask;
	} else {
		CPU_ZERO(&set);
		CPU_SET(replay_cpus[idx], &set);
	}
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
	/* the kernel moved the thread before returning: check it did */
	if (idx >= 0 && sched_getcpu() != replay_cpus[idx])
		die_err("sched_setaffinity: still on another CPU", EAGAIN);
}

/*
 * One line of an ops file (tools/trace/FORMAT.md): "a SLOT SIZE [cN] [A]"
 * or "f SLOT [cN]".  Returns 1 for an op in @t (@t->cpu the raw N, or
 * -1), 0 for a comment or an empty line, -1 for a bad line.
 */
static int parse_op(char *line, struct trace_op *t)
{
	char *save, *end, *tok = strtok_r(line, " \t\r\n", &save);
	unsigned long long v;
	int field;

	if (!tok || tok[0] == '#')
		return 0;
	if (strcmp(tok, "a") && strcmp(tok, "f"))
		return -1;
	memset(t, 0, sizeof(*t));
	t->op = tok[0] == 'a' ? JMOD_OP_ALLOC : JMOD_OP_FREE;
	t->cpu = -1;
	/* SLOT, SIZE (alloc), then cN, then A (alloc), each at most once */
	for (field = 0; (tok = strtok_r(NULL, " \t\r\n", &save)); field++) {
		bool num = field < (t->op == JMOD_OP_ALLOC ? 2 : 1);

		if (!num && tok[0] == 'c' && t->cpu < 0 && !t->flags) {
			tok++;
		} else if (!num && t->op == JMOD_OP_ALLOC && !strcmp(tok, "A") &&
			   !t->flags) {
			t->flags = JMOD_ALLOC_ATOMIC;
			continue;
		} else if (!num) {
			return -1;
		}
		errno = 0;
		v = strtoull(tok, &end, 10);
		if (errno || end == tok || *end || tok[0] == '-' ||
		    (!num && v >= CPU_SETSIZE))
			return -1;
		if (!num)
			t->cpu = (int)v;
		else if (field == 0)
			t->slot = v;
		else
			t->size = v;
	}
	if (field < (t->op == JMOD_OP_ALLOC ? 2 : 1) ||
	    (t->op == JMOD_OP_ALLOC && !t->size))
		return -1;
	return 1;
}

/* Pages taken since @base, from a JMOD_IOC_PAGES reading now. */
static long long pages_now(const struct jmod_pages *base, uint64_t free_pages)
{
	return (long long)base->free_pages - (long long)free_pages;
}

static void read_pages(struct jmod_pages *pg)
{
	check("JMOD_IOC_PAGES", jmod_dev_pages(fd, pg));
}

/*
 * One replay of @copies interleaved copies of the trace on back end @be,
 * in batches of at most JMOD_BATCH_MAX ops on one CPU (a new batch where
 * the trace's CPU changes, the thread pinned to it first), the page
 * level sampled by the kernel every 256 ops.  The time is the sum of the
 * batches' elapsed_ns, the peak the highest over all batches.  Prints
 * one JSON line.
 */
static void replay_once(const struct replay_trace *rt, unsigned int copies,
			unsigned int be, int r)
{
	const struct trace_op *t = rt->t;
	size_t n = rt->n, total = n * copies, done_all = 0, i = 0;
	long long peak = 0, slab_peak = 0, end = 0, slab_end = 0, purged;
	struct jmod_pages base, after;
	static struct jmod_op *ops;
	unsigned int k = 0, nr_batches = 0, nr_used = 0;
	uint64_t ns = 0;
	int err = 0, cpu = -1, pinned = -1;
	static bool used[CPU_SETSIZE];

	if (!ops) {
		/* touched now: its pages must not count as the back end's */
		ops = calloc(JMOD_BATCH_MAX, sizeof(*ops));
		if (!ops)
			die("calloc");
		memset(ops, 0xff, JMOD_BATCH_MAX * sizeof(*ops));
	}
	memset(used, 0, sizeof(used));
	cold_start();
	read_pages(&base);
	while (done_all < total && !err) {
		size_t m = 0;
		struct jmod_batch b;

		while (m < JMOD_BATCH_MAX && i < n) {
			struct jmod_op *op;

			/* a run ends where the trace's CPU changes */
			if (t[i].cpu >= 0 && t[i].cpu != cpu) {
				if (m)
					break;
				cpu = t[i].cpu;
			}
			op = &ops[m++];
			memset(op, 0, sizeof(*op));
			op->op = t[i].op;
			op->flags = t[i].flags;
			op->slot = t[i].slot + (uint64_t)k * rt->nslots;
			op->size = t[i].size;
			if (++k == copies) {
				k = 0;
				i++;
			}
		}
		if (cpu != pinned) {
			replay_pin(cpu);
			pinned = cpu;
			nr_used += !used[cpu];
			used[cpu] = true;
		}
		nr_batches++;
		memset(&b, 0, sizeof(b));
		b.ops = (uintptr_t)ops;
		b.count = m;
		b.backend = be;
		b.flags = JMOD_BATCH_PAGES;
		err = jmod_dev_ioctl(fd, JMOD_IOC_BATCH, &b);
		if (!err && b.done != m)
			err = (int)ops[b.done].result;
		if (err)
			fprintf(stderr, "jmod-bench: replay %s: op %zu: %s\n",
				jmod_backend_names[be], done_all + b.done,
				strerror(-err));
		ns += b.elapsed_ns;
		done_all += b.done;
		if (pages_now(&base, b.min_free_pages) > peak)
			peak = pages_now(&base, b.min_free_pages);
		if ((long long)(b.max_slab_pages - base.slab_pages -
				base.jmod_pages) > slab_peak)
			slab_peak = b.max_slab_pages - base.slab_pages -
				    base.jmod_pages;
		end = pages_now(&base, b.end_free_pages);
		slab_end = b.end_slab_pages - base.slab_pages - base.jmod_pages;
	}
	if (pinned >= 0)
		replay_pin(-1);
	check("purge", jmod_purge());
	read_pages(&after);
	purged = pages_now(&base, after.free_pages);
	printf("{\"name\":\"replay\",\"workload\":\"replay\",\"backend\":\"%s\",\"trace\":\"%s\",\"round\":%d,\"cpus\":%ld,",
	       jmod_backend_names[be], rt->path, r, online_cpus());
	printf("\"count\":%zu,\"copies\":%u,\"ops\":%zu,\"allocs\":%zu,\"requested_bytes\":%llu,\"peak_requested\":%llu,\"slots\":%llu,",
	       n, copies, total, rt->nalloc * copies,
	       (unsigned long long)rt->req * copies,
	       (unsigned long long)rt->peak_req * copies,
	       (unsigned long long)rt->nslots * copies);
	printf("\"atomic_allocs\":%zu,\"trace_cpus\":%u,\"cpus_used\":%u,\"batches\":%u,",
	       rt->natomic * copies, rt->trace_cpus, nr_used, nr_batches);
	printf("\"done\":%zu,\"elapsed_ns\":%llu,\"ns_per_op\":%.2f,\"policy\":\"%s\",",
	       done_all, (unsigned long long)ns, total ? (double)ns / total : 0,
	       jmod_policy_name(base.policy));
	printf("\"pages_peak\":%lld,\"pages_end\":%lld,\"pages_purged\":%lld,\"slab_pages_peak\":%lld,\"slab_pages_end\":%lld,\"error\":%d%s}\n",
	       peak, end, purged, slab_peak, slab_end, err, tags);
	printf("# replay round %d %-8s x%u %llu ns, pages peak %lld end %lld purged %lld",
	       r, jmod_backend_names[be], copies, (unsigned long long)ns, peak, end,
	       purged);
	printf(", %u batches on %u CPUs%s\n", nr_batches, nr_used,
	       err ? " ERROR" : "");
	fflush(stdout);
}

/* Read the ops file @path into @rt; exits on a bad line */
static void replay_load(const char *path, struct replay_trace *rt)
{
	static bool seen[CPU_SETSIZE];
	uint64_t max_slot = 0, live = 0, *sz;
	size_t cap = 0, lineno = 0, i;
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	memset(rt, 0, sizeof(*rt));
	rt->path = path;
	replay_cpus_init();
	while (fgets(line, sizeof(line), f)) {
		struct trace_op op;
		int ret;

		lineno++;
		ret = parse_op(line, &op);
		if (ret < 0) {
			fprintf(stderr, "jmod-bench: %s:%zu: bad line, not %s\n",
				path, lineno, OPS_LINES);
			exit(1);
		}
		if (!ret)
			continue;
		if (rt->n == cap) {
			cap = cap ? 2 * cap : 4096;
			rt->t = realloc(rt->t, cap * sizeof(*rt->t));
			if (!rt->t)
				die("realloc");
		}
		if (op.cpu >= 0) {
			rt->trace_cpus += !seen[op.cpu];
			seen[op.cpu] = true;
			op.cpu %= nr_replay_cpus;
		}
		rt->natomic += !!op.flags;
		rt->t[rt->n++] = op;
		if (op.slot > max_slot)
			max_slot = op.slot;
	}
	fclose(f);
	/* the live set of one copy, requested bytes, at its peak */
	sz = calloc(max_slot + 1, sizeof(*sz));
	if (!rt->n || !sz) {
		fprintf(stderr, "jmod-bench: %s: no ops\n", path);
		exit(1);
	}
	for (i = 0; i < rt->n; i++) {
		const struct trace_op *t = &rt->t[i];

		if (t->op == JMOD_OP_ALLOC) {
			sz[t->slot] = t->size;
			rt->nalloc++;
			live += t->size;
			rt->req += t->size;
			if (live > rt->peak_req)
				rt->peak_req = live;
		} else {
			live -= sz[t->slot];
		}
	}
	free(sz);
	rt->nslots = max_slot + 1;
}

/* --check-trace: what the replay would run, without the device */
static void replay_check(const char *path)
{
	struct replay_trace rt;

	replay_load(path, &rt);
	printf("{\"name\":\"trace\",\"trace\":\"%s\",\"ops\":%zu,", path, rt.n);
	printf("\"allocs\":%zu,\"atomic_allocs\":%zu,\"trace_cpus\":%u,",
	       rt.nalloc, rt.natomic, rt.trace_cpus);
	printf("\"slots\":%llu,\"requested_bytes\":%llu,",
	       (unsigned long long)rt.nslots, (unsigned long long)rt.req);
	printf("\"peak_requested\":%llu}\n", (unsigned long long)rt.peak_req);
	free(rt.t);
}

static void replay(const char *path, int repeat, unsigned int copies)
{
	struct replay_trace rt;
	int r;

	replay_load(path, &rt);
	check("JMOD_IOC_SLOTS", jmod_dev_slots(fd, rt.nslots * copies));

	/* kmalloc and jmod alternate, so drifting host load hits both */
	for (r = 0; r < repeat; r++) {
		replay_once(&rt, copies, JMOD_BACKEND_KMALLOC, r);
		replay_once(&rt, copies, JMOD_BACKEND_JMOD, r);
	}
	jmod_dev_slots(fd, 0);
	free(rt.t);
}

static void bad_args(void)
{
	fputs("usage: jmod-bench [--group main|scaling|prof|whatif|replay]\n"
	      "                  [--threads N]\n"
	      "                  [--scale F] [--rounds N] [--only NAME] [--replay FILE]\n"
	      "                  [--repeat N] [--copies N] [--tag K=V] [--seed N] [--list]\n"
	      "                  [--check-trace FILE]\n",
	      stderr);
	exit(2);
}

static const struct option longopts[] = {
	{ .name = "group", .has_arg = required_argument, .val = 'g' },
	{ .name = "threads", .has_arg = required_argument, .val = 't' },
	{ .name = "scale", .has_arg = required_argument, .val = 's' },
	{ .name = "only", .has_arg = required_argument, .val = 'o' },
	{ .name = "replay", .has_arg = required_argument, .val = 'R' },
	{ .name = "rounds", .has_arg = required_argument, .val = 'r' },
	{ .name = "repeat", .has_arg = required_argument, .val = 'n' },
	{ .name = "copies", .has_arg = required_argument, .val = 'c' },
	{ .name = "seed", .has_arg = required_argument, .val = 'S' },
	{ .name = "tag", .has_arg = required_argument, .val = 'T' },
	{ .name = "list", .has_arg = no_argument, .val = 'l' },
	{ .name = "check-trace", .has_arg = required_argument, .val = 'C' },
	{}
};

/* --tag K=V: "K":"V" for every JSON line */
static void add_tag(const char *val)
{
	const char *eq = strchr(val, '=');
	size_t len = strlen(tags);

	if (!eq)
		bad_args();
	snprintf(tags + len, sizeof(tags) - len, ",\"%.*s\":\"%s\"",
		 (int)(eq - val), val, eq + 1);
}

int main(int argc, char **argv)
{
	const char *group = "main", *trace = NULL;
	int c, threads = 0, repeat = 5, list = 0, copies = 200;
	struct jmod_version v;
	double t0 = now_s();
	size_t k;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':	/* the whole numbers */
		case 'r':
		case 'n':
		case 'c':
			*(c == 't' ? &threads : c == 'r' ? &rounds :
			  c == 'n' ? &repeat : &copies) = atoi(optarg);
			break;
		case 'g':	/* the strings */
		case 'o':
		case 'R':
			*(c == 'g' ? &group : c == 'o' ? &only : &trace) = optarg;
			break;
		case 's':
			scale = atof(optarg);
			break;
		case 'S':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'T':
			add_tag(optarg);
			break;
		case 'l':
			list = 1;
			break;
		case 'C':
			replay_check(optarg);
			return 0;
		default:
			bad_args();
		}
	}
	if (optind < argc)
		bad_args();
	if (list) {
		for (k = 0; k < ARRAY_SIZE(cases); k++)
			printf("%s\n", cases[k].name);
		return 0;
	}
	if (!threads)
		threads = online_cpus();

	fd = jmod_dev_open();
	if (fd < 0)
		die_err(JMOD_DEVICE, -fd);
	check("JMOD_IOC_VERSION", jmod_dev_version(fd, &v));
	printf("{\"name\":\"meta\",\"group\":\"%s\",\"abi\":%u,\"page_size\":%u,\"tcache_max\":%llu,\"max_small\":%llu,\"max_large\":%llu,\"chunk_size\":%llu,\"nr_arenas\":%u,\"cpus\":%ld,\"threads\":%d,\"scale\":%g%s}\n",
	       group, v.abi, v.page_size, (unsigned long long)v.tcache_max,
	       (unsigned long long)v.max_small, (unsigned long long)v.max_large,
	       (unsigned long long)v.chunk_size, v.nr_arenas, online_cpus(),
	       threads, scale, tags);
	fflush(stdout);

	if (strcmp(group, "replay"))
		warm_up();
	if (!strcmp(group, "replay")) {
		if (!trace)
			bad_args();
		if (copies < 1)
			bad_args();
		replay(trace, repeat, copies);
	} else if (!strcmp(group, "prof")) {
		char old[64];

		if (read_param(JMOD_PROF_PARAM, old, sizeof(old)) < 0)
			die(JMOD_PROF_PARAM);
		/* the default rate, unless the module was loaded with another */
		if (!strcmp(old, "0"))
			strcpy(old, "524288");
		for (k = 0; k < ARRAY_SIZE(cases); k++) {
			const struct bcase *c = &cases[k];

			if (c->group != G_PROF)
				continue;
			/*
			 * The rates alternate within every round, so drifting
			 * host load lands on all three alike.  1 GiB between
			 * samples is the profiler armed but never sampling:
			 * the hot-path cost alone, an upper bound for
			 * prof_sample=0, where a static key leaves only a nop.
			 */
			for (round_no = 0; round_no < rounds; round_no++) {
				prof_case(c, "0");
				prof_case(c, old);
				prof_case(c, "1073741824");
			}
			check("write " JMOD_PROF_PARAM,
			      jmod_write_path(JMOD_PROF_PARAM, old));
		}
	} else if (!strcmp(group, "whatif")) {
		whatif_group();
	} else {
		enum group g = !strcmp(group, "scaling") ? G_SCALING : G_MAIN;

		if (g == G_MAIN && strcmp(group, "main"))
			bad_args();
		for (k = 0; k < ARRAY_SIZE(cases); k++) {
			const struct bcase *c = &cases[k];

			if (c->group != g)
				continue;
			if (only && strncmp(c->name, only, strlen(only)))
				continue;
			if (c->workload == JMOD_BENCH_REMOTE && c->cpu_mask > 1 &&
			    online_cpus() < 2)
				continue;
			run_case(c, g == G_SCALING ? threads : 1, NULL);
		}
	}
	printf("# group %s done in %.1f s\n", group, now_s() - t0);
	close(fd);
	return 0;
}
