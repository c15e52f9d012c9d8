// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_demo.c: "jmodctl demo", what `make demo` runs in the guest.  Builds
 * one deterministic alloc/free trace (splitmix64, a kmalloc-like size
 * mix), replays it through JMOD_IOC_BATCH on jmod and on kmalloc, round
 * after round with the order alternating and every replay started cold
 * (jmod_cold_start() of tools/lib/jmod_fs.c), keeps each back end's best time and fewest pages, and
 * prints the comparison and then debugfs stats.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jmodctl.h"

#define DEMO_OPS	20000
#define DEMO_ROUNDS	3
#define DEMO_SLOTS	2048
#define DEMO_SEED	0x6a6d6f64ULL

struct demo_opts {
	__u64 n, rounds, seed;
};

static struct demo_opts demo_o = {
	.n = DEMO_OPS, .rounds = DEMO_ROUNDS, .seed = DEMO_SEED,
};

static const struct cmd_opt demo_opts[] = {
	OPT_NUM('n', "ops", "OPS", "operations per replay (default %llu, at most %llu)",
		&demo_o.n, 2, JMOD_BATCH_MAX, DEMO_OPS, JMOD_BATCH_MAX),
	OPT_NUM('r', "rounds", "ROUNDS",
		"replays per back end; the best is kept\n(default %llu)",
		&demo_o.rounds, 1, 1000, DEMO_ROUNDS),
	OPT_NUM('S', "seed", "SEED", "trace seed (default %#llx)", &demo_o.seed,
		0, ~0ULL, DEMO_SEED),
};

/* splitmix64 */
static __u64 rnd(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 rnd_range(__u64 *s, __u64 lo, __u64 hi)
{
	return lo + rnd(s) % (hi - lo + 1);
}

/* A kmalloc-like request mix; *big is set for the 1 MiB+ ones */
static __u64 demo_size(__u64 *s, bool *big)
{
	unsigned int x = rnd(s) % 10000;

	*big = false;
	if (x < 4000)
		return rnd_range(s, 8, 64);
	if (x < 6500)
		return rnd_range(s, 65, 256);
	if (x < 8000)
		return rnd_range(s, 257, 1024);
	if (x < 9200)
		return rnd_range(s, 1025, 4096);
	if (x < 9990)
		return rnd_range(s, 4097, 64 * KiB);
	*big = true;
	return rnd_range(s, MiB, 2 * MiB);
}

struct demo_trace {
	struct jmod_op *ops;
	unsigned int n, allocs, big;
};

/* A random slot of @from[0..*@nfrom) moved to the end of @to: the slot */
static unsigned int move_slot(unsigned int *from, unsigned int *nfrom,
			      unsigned int *to, unsigned int *nto, __u64 *seed)
{
	unsigned int k = rnd(seed) % *nfrom, s = from[k];

	from[k] = from[--*nfrom];
	to[(*nto)++] = s;
	return s;
}

/*
 * Exactly @n (even) ops of alloc/free over DEMO_SLOTS slots, ending with
 * every slot empty so a replay can follow another.
 */
static int demo_build(struct demo_trace *t, unsigned int n, __u64 seed)
{
	unsigned int live[DEMO_SLOTS], empty[DEMO_SLOTS];
	unsigned int nlive = 0, nempty = DEMO_SLOTS, i, s;

	t->ops = calloc(n, sizeof(*t->ops));
	if (!t->ops)
		return -ENOMEM;
	t->n = n;
	t->allocs = t->big = 0;
	for (i = 0; i < DEMO_SLOTS; i++)
		empty[i] = i;

	for (i = 0; i < n; i++) {
		unsigned int left = n - i;
		struct jmod_op *op = &t->ops[i];
		bool alloc, big;

		if (!nlive)
			alloc = true;
		else if (nlive + 2 > left || !nempty)
			alloc = false;
		else
			alloc = rnd(&seed) % 100 < (nlive < DEMO_SLOTS / 2 ?
						    55 : 45);

		memset(op, 0, sizeof(*op));
		if (alloc) {
			s = move_slot(empty, &nempty, live, &nlive, &seed);
			jmod_dev_op(op, JMOD_OP_ALLOC, s,
				    demo_size(&seed, &big), 0);
			t->allocs++;
			t->big += big;
		} else {
			s = move_slot(live, &nlive, empty, &nempty, &seed);
			jmod_dev_op(op, JMOD_OP_FREE, s, 0, 0);
		}
	}
	return nlive ? -EINVAL : 0;
}

struct demo_pages {
	long long peak;		/* pages taken at the peak of the replay */
	long long end;		/* ... still held after it */
	__u32 policy;
};

/*
 * One replay, started cold, pages sampled by the kernel; returns the
 * kernel's elapsed_ns or 0 after an error
 */
static __u64 demo_replay(int fd, struct demo_trace *t, __u32 backend,
			 struct demo_pages *pg)
{
	struct jmod_pages base;
	struct jmod_batch b;
	const struct jmod_op *op;
	int ret;

	/*
	 * Cold on both sides (jmod purged, every slab cache shrunk); if jmod
	 * cannot be purged (no debugfs) the pages figures favour kmalloc.
	 */
	jmod_cold_start();
	ret = jmod_dev_pages(fd, &base);
	if (ret) {
		err("JMOD_IOC_PAGES: %s", strerror(-ret));
		return 0;
	}
	memset(&b, 0, sizeof(b));
	b.ops = (__u64)(uintptr_t)t->ops;
	b.count = t->n;
	b.backend = backend;
	b.flags = JMOD_BATCH_PAGES;
	ret = jmod_dev_ioctl(fd, JMOD_IOC_BATCH, &b);
	pg->peak = (long long)base.free_pages - (long long)b.min_free_pages;
	pg->end = (long long)base.free_pages - (long long)b.end_free_pages;
	pg->policy = b.policy;
	if (ret) {
		err("JMOD_IOC_BATCH (%s): %s", jmod_backend_names[backend],
		    strerror(-ret));
		return 0;
	}
	if (b.done != t->n) {
		op = &t->ops[b.done < t->n ? b.done : 0];
		err("%s: op %u of %u (%s slot %llu size %llu) failed: %s",
		    jmod_backend_names[backend], b.done, t->n,
		    jmod_op_name(op->op),
		    (unsigned long long)op->slot,
		    (unsigned long long)op->size,
		    strerror((int)-op->result));
		return 0;
	}
	return b.elapsed_ns ? b.elapsed_ns : 1;
}

static void print_stats(void)
{
	size_t len;
	char *buf = jmod_read_path(STATS_PATH, &len);

	if (!buf) {
		printf("\n(%s: %s; debugfs not mounted?)\n", STATS_PATH,
		       strerror(errno));
		return;
	}
	printf("\n--- %s ---\n", STATS_PATH);
	fwrite(buf, 1, len, stdout);
	free(buf);
}

static const __u32 demo_backends[2] = {
	JMOD_BACKEND_JMOD, JMOD_BACKEND_KMALLOC,
};

/* Each back end's best (lowest) time and pages over the rounds */
struct demo_result {
	__u64 best[2], total[2];
	long long peak[2], end[2];
	struct demo_pages pg;
};

/* Round @r: both back ends, the order alternating; false after an error */
static bool demo_round(int fd, struct demo_trace *t, unsigned int r,
		       struct demo_result *res)
{
	unsigned int i;

	printf("round %u:", r + 1);
	for (i = 0; i < 2; i++) {
		unsigned int b = (i + r) % 2;
		__u64 ns = demo_replay(fd, t, demo_backends[b], &res->pg);

		if (!ns) {
			printf("\n");
			return false;
		}
		if (!res->best[b] || ns < res->best[b])
			res->best[b] = ns;
		res->total[b] += ns;
		/* pages: the best (lowest) round, as for time */
		if (!r || res->pg.peak < res->peak[b])
			res->peak[b] = res->pg.peak;
		if (!r || res->pg.end < res->end[b])
			res->end[b] = res->pg.end;
		printf("  %-7s %10.3f ms %7.2f MiB", jmod_backend_names[demo_backends[b]],
		       ns / 1e6, res->pg.peak * 4096.0 / (1 << 20));
	}
	printf("\n");
	fflush(stdout);
	return true;
}

static void demo_report(const struct demo_trace *t, __u64 rounds,
			const struct demo_result *res)
{
	unsigned int i;

	printf("\nzeroing policy: %s%s\n", jmod_policy_name(res->pg.policy),
	       res->pg.policy & JMOD_POLICY_INIT_ON_ALLOC ?
	       " (both back ends zero every object they hand out)" :
	       " (neither back end zeroes unasked)");
	printf("\n%-8s %8s %12s %12s %10s %14s %14s\n", "backend", "ops",
	       "best ms", "mean ms", "ns/op", "pages at peak", "pages after");
	for (i = 0; i < 2; i++)
		printf("%-8s %8u %12.3f %12.3f %10.1f %14lld %14lld\n",
		       jmod_backend_names[demo_backends[i]], t->n,
		       res->best[i] / 1e6, res->total[i] / 1e6 / rounds,
		       (double)res->best[i] / t->n, res->peak[i], res->end[i]);
	printf("\njmod/kmalloc time ratio: %.3f (below 1: jmod faster)\n",
	       (double)res->best[0] / res->best[1]);
	if (res->peak[1] > 0)
		printf("jmod/kmalloc pages ratio at the peak: %.3f (below 1: jmod smaller; %.2f vs %.2f MiB)\n",
		       (double)res->peak[0] / res->peak[1],
		       res->peak[0] * 4096.0 / (1 << 20),
		       res->peak[1] * 4096.0 / (1 << 20));
	printf("pages: free pages (MemFree + per-CPU lists) taken from the page allocator, each\n"
	       "replay started cold (jmod purged, every slab cache shrunk), best of %llu rounds.\n",
	       (unsigned long long)rounds);
	printf("note: under QEMU TCG the absolute times mean nothing; only the ratio does,\n"
	       "and with init_on_alloc=1 it favours jmod on 6.12 and later: its memset() of\n"
	       "large objects is emulated faster than the page allocator's clearing of\n"
	       "kmalloc's (README, Benchmarks).\n");
	print_stats();
}

static int demo_run(int fd, void *arg)
{
	const struct demo_opts *o = arg;
	struct jmod_slots slots = { .nr_slots = DEMO_SLOTS };
	struct demo_result res = { 0 };
	struct demo_trace t;
	unsigned int r;
	int ret = EXIT_FAILURE;

	if (demo_build(&t, o->n, o->seed)) {
		err("demo: cannot build the trace");
		free(t.ops);
		return EXIT_FAILURE;
	}
	if (ioctl_or_err(fd, JMOD_IOC_SLOTS, "JMOD_IOC_SLOTS", &slots))
		goto out;
	printf("trace: %u ops (%u allocs, %u of 1 MiB+) over %d slots, seed %#llx, %llu rounds per backend\n",
	       t.n, t.allocs, t.big, DEMO_SLOTS, (unsigned long long)o->seed,
	       (unsigned long long)o->rounds);
	for (r = 0; r < o->rounds; r++)
		if (!demo_round(fd, &t, r, &res))
			goto out;
	demo_report(&t, o->rounds, &res);
	ret = 0;
out:
	free(t.ops);
	return ret;
}

static int demo_main(void *ctx, int argc, char **argv)
{
	struct demo_opts *o = ctx;

	o->n += o->n & 1;	/* even, so the trace can end empty */
	if (o->n > JMOD_BATCH_MAX)
		o->n -= 2;
	return with_dev(demo_run, o);
}

JMODCTL_CMD(demo, "[-n OPS] [-r ROUNDS] [-S SEED]",
	    "compare jmod with kmalloc on a replayed trace",
	    "Replay one deterministic alloc/free trace through JMOD_IOC_BATCH,\n"
	    "on the jmod backend and on plain kmalloc, and compare the time\n"
	    "the kernel spent and the pages each took from the page allocator\n"
	    "at the peak (every replay starts cold: jmod purged, every slab\n"
	    "cache shrunk).  Sizes follow a kernel-like mix from 8 B to\n"
	    "64 KiB plus a few objects of 1 MiB and more.\n"
	    "\n"
	    "Under QEMU TCG absolute times are meaningless; only the\n"
	    "jmod/kmalloc ratio means anything.  Afterwards prints\n"
	    STATS_PATH " if it is readable.\n",
	    demo_main, CMD_OPTS(demo_opts, NULL, &demo_o));
