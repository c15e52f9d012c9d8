// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_core_test: the allocator itself, driven through /dev/jmod.
 *
 * Size classes are computed here independently of the module (jemalloc's
 * 8, 16, 32, 48, 64 and then four classes per doubling) and compared with
 * the usable sizes the module reports.  Data integrity is checked with
 * the kernel's FILL/CHECK patterns; the long random trace runs through
 * BATCH on both backends.
 *
 * No timing assertions: this runs under QEMU TCG.  JMOD_CORE_OPS in the
 * environment overrides the number of alloc/free operations of the
 * random trace (default 100000).
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
#include "jmod_fs.h"

/* Report at most this many mismatches of one kind before failing */
#define MAX_REPORTS	10

/* Requests above 64 bytes waste at most this percentage */
#define MAX_WASTE_PCT	20

FIXTURE(core) {
	int fd;
	struct jmod_version v;
	__u64 cls[JM_MAX_CLASSES];
	unsigned int ncls;		/* classes up to max_large */
};

FIXTURE_SETUP(core)
{
	if (!jm_setup_dev(_metadata, &self->fd, &self->v))
		return;
	self->ncls = jm_size_classes(self->v.max_large, self->cls,
				     JM_MAX_CLASSES);
	ASSERT_LT(0U, self->ncls);
	ASSERT_GT(JM_MAX_CLASSES, self->ncls);
}

FIXTURE_TEARDOWN(core)
{
	jm_close(self->fd);
}

/*
 * Older harnesses (6.1) run the body even after a SKIP in the fixture
 * setup: every body starts with "if (self->fd < 0) return;".
 */

/*
 * Loaded with red zones (debug=Z)?  Then a large or huge object's usable
 * size is its request: the rest is red zone.
 */
static bool redzones_on(void)
{
	char buf[32] = "";
	FILE *f = fopen(JMOD_MODULE_DIR "/parameters/debug", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strchr(buf, 'Z') || strchr(buf, 'z');
}

/*
 * What usable size must @req get?  Small and large requests get their
 * class; huge ones (above max_large) are page granular; with red zones,
 * large and huge ones get exactly their request.  Returns false
 * and explains in @why when @usable is wrong.
 */
static bool usable_ok(const __u64 *cls, unsigned int ncls,
		      const struct jmod_version *v, __u64 req,
		      __u64 usable, char *why, size_t whylen)
{
	static int redzone = -1;
	__u64 want;

	if (redzone < 0)
		redzone = redzones_on();
	if (redzone && req > v->max_small) {
		if (usable != req) {
			snprintf(why, whylen, "request %llu: usable %llu (red zones on)",
				 (unsigned long long)req,
				 (unsigned long long)usable);
			return false;
		}
	} else if (req <= v->max_large) {
		want = jm_class_of(cls, ncls, req);
		if (usable != want) {
			snprintf(why, whylen,
				 "request %llu: usable %llu, class %llu",
				 (unsigned long long)req,
				 (unsigned long long)usable,
				 (unsigned long long)want);
			return false;
		}
	} else if (usable < req || usable - req >= v->page_size) {
		snprintf(why, whylen,
			 "huge request %llu: usable %llu, want [%llu, %llu)",
			 (unsigned long long)req, (unsigned long long)usable,
			 (unsigned long long)req,
			 (unsigned long long)(req + v->page_size));
		return false;
	}
	if (req > 64 && (usable - req) * 100 > usable * MAX_WASTE_PCT) {
		snprintf(why, whylen, "request %llu: usable %llu wastes >%d%%",
			 (unsigned long long)req, (unsigned long long)usable,
			 MAX_WASTE_PCT);
		return false;
	}
	return true;
}

/* The module's class counts agree with jemalloc's geometry */
TEST_F(core, class_geometry)
{
	unsigned int i, nsmall = 0, nlarge = 0;

	if (self->fd < 0)
		return;
	for (i = 0; i < self->ncls; i++) {
		if (self->cls[i] <= self->v.max_small)
			nsmall++;
		else
			nlarge++;
	}
	EXPECT_TRUE(jm_is_class(self->cls, self->ncls, self->v.max_small))
		TH_LOG("max_small %llu is not a size class",
		       (unsigned long long)self->v.max_small);
	EXPECT_TRUE(jm_is_class(self->cls, self->ncls, self->v.max_large))
		TH_LOG("max_large %llu is not a size class",
		       (unsigned long long)self->v.max_large);
	EXPECT_EQ(nsmall, self->v.nr_small);
	EXPECT_EQ(nlarge, self->v.nr_large);
	TH_LOG("%u small classes up to %llu, %u large up to %llu",
	       nsmall, (unsigned long long)self->v.max_small, nlarge,
	       (unsigned long long)self->v.max_large);
}

/* What probe_size() needs to know */
struct probe {
	int fd;
	const struct jmod_version *v;
	const __u64 *cls;
	unsigned int ncls;
	int reports;
};

/* Allocates @req, checks its usable size, frees it; counts failures */
static int probe_size(struct __test_metadata *_metadata, struct probe *p,
		      __u64 req)
{
	__u64 h, usable;
	char why[160];
	int ret;

	ret = jm_alloc(p->fd, req, 0, 0, &h, &usable);
	if (ret) {
		if (p->reports++ < MAX_REPORTS)
			TH_LOG("alloc %llu: %s", (unsigned long long)req,
			       strerror(-ret));
		return 1;
	}
	ret = 0;
	if (!usable_ok(p->cls, p->ncls, p->v, req, usable, why,
		       sizeof(why))) {
		if (p->reports++ < MAX_REPORTS)
			TH_LOG("%s", why);
		ret = 1;
	}
	if (jm_free(p->fd, h)) {
		if (p->reports++ < MAX_REPORTS)
			TH_LOG("free %llu failed", (unsigned long long)req);
		ret = 1;
	}
	return ret;
}

TEST_F_TIMEOUT(core, size_classes, 300)
{
	struct probe p = {
		.fd = self->fd,
		.v = &self->v,
		.cls = self->cls,
		.ncls = self->ncls,
	};
	const __u64 page = self->v.page_size, top = 2 * self->v.max_large;
	struct jm_rng rng = { .s = 0x5153 };
	unsigned int i, bits;
	int bad = 0;
	__u64 req;

	if (self->fd < 0)
		return;
	/* Every class, one below and one above (the last one goes huge) */
	for (i = 0; i < self->ncls; i++) {
		bad += probe_size(_metadata, &p, self->cls[i] - 1);
		bad += probe_size(_metadata, &p, self->cls[i]);
		bad += probe_size(_metadata, &p, self->cls[i] + 1);
	}
	/* Every size up to 2 KiB */
	for (req = 1; req <= 2048; req++)
		bad += probe_size(_metadata, &p, req);
	/* Random sizes, log-uniform up to twice max_large */
	for (i = 0; i < 2000; i++) {
		bits = jm_rand_range(&rng, 3, 64 - __builtin_clzll(top));
		req = jm_rand_range(&rng, 1, jm_min(1ULL << bits, top));
		bad += probe_size(_metadata, &p, req);
	}
	/* Huge sizes around page boundaries */
	for (i = 1; i <= 8; i++) {
		req = jm_round_up(self->v.max_large + 1, page) + i * page;
		bad += probe_size(_metadata, &p, req - 1);
		bad += probe_size(_metadata, &p, req);
		bad += probe_size(_metadata, &p, req + 1);
	}
	EXPECT_EQ(0, bad);
}

/* ZERO allocations are zero even when they reuse dirty memory */
TEST_F_TIMEOUT(core, zeroing, 300)
{
	const __u64 page = self->v.page_size;
	__u64 sizes[] = {
		8, 100, 1000, self->v.max_small,		/* small */
		self->v.max_small + 1, 3 * page + 5,		/* large */
		self->v.max_large,
		self->v.max_large + 1,				/* huge */
		self->v.max_large + 3 * page + 7,
	};
	static const __u32 flags[] = {
		JMOD_ALLOC_ZERO, JMOD_ALLOC_ZERO | JMOD_ALLOC_NOCACHE,
	};
	__u64 h, usable, bad;
	unsigned int i, j, round;

	if (self->fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(flags); j++) {
			for (round = 0; round < 2; round++) {
				/* Dirty memory of this size first */
				ASSERT_EQ(0, jm_alloc(self->fd, sizes[i], 0, 0,
						      &h, &usable));
				ASSERT_EQ(0, jm_fill(self->fd, h, 0, usable,
						     0xd1d1 + round));
				ASSERT_EQ(0, jm_free(self->fd, h));

				ASSERT_EQ(0, jm_alloc(self->fd, sizes[i], 0,
						      flags[j], &h, &usable));
				ASSERT_LE(sizes[i], usable);
				ASSERT_EQ(0, jm_check(self->fd, h, 0, usable,
						      0, &bad))
					TH_LOG("size %llu flags %#x: byte %llu of %llu not zero",
					       (unsigned long long)sizes[i],
					       flags[j],
					       (unsigned long long)bad,
					       (unsigned long long)usable);
				ASSERT_EQ(0, jm_free(self->fd, h));
			}
		}
	}
}

/* The kernel's zeroing policy (JMOD_POLICY_*), from JMOD_IOC_PAGES */
static int policy_of(int fd, __u32 *policy)
{
	struct jmod_pages pg;
	int ret;

	memset(&pg, 0, sizeof(pg));
	ret = jm_ioctl(fd, JMOD_IOC_PAGES, &pg);
	*policy = pg.policy;
	return ret;
}

/* SLUB poisons this jmod cache (slub_debug=P): it hands out poison then */
static bool cache_poisoned(__u64 size)
{
	char path[96], c = '0';
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/slab/jmod-%llu/poison",
		 (unsigned long long)size);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fread(&c, 1, 1, f) != 1)
		c = '0';
	fclose(f);
	return c == '1';
}

/*
 * The kernel's init_on_alloc policy, for every class and a huge size,
 * through the tcache and around it: an object of a size just freed
 * dirty (a tcache hit, a refilled bin, a reused run) comes back all zero
 * without JMOD_ALLOC_ZERO, as kmalloc's would.  With the policy off
 * (init_on_alloc=0 on the command line) the old bytes must show through
 * somewhere: jmod zeroes nothing it was not asked to.
 */
TEST_F_TIMEOUT(core, init_on_alloc, 300)
{
	static const __u32 flags[] = { 0, JMOD_ALLOC_NOCACHE };
	unsigned int i, j, n = 0, dirty = 0, skipped = 0;
	__u64 sizes[JM_MAX_CLASSES + 1];
	__u64 h, usable, bad;
	__u32 policy;
	bool init;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, policy_of(self->fd, &policy));
	init = policy & JMOD_POLICY_INIT_ON_ALLOC;
	for (i = 0; i < self->ncls; i++)
		sizes[i] = self->cls[i];
	sizes[i++] = self->v.max_large + 3 * self->v.page_size;	/* huge */
	for (i = 0; i < self->ncls + 1; i++) {
		for (j = 0; j < ARRAY_SIZE(flags); j++) {
			ASSERT_EQ(0, jm_alloc(self->fd, sizes[i], 0, flags[j],
					      &h, &usable));
			ASSERT_EQ(0, jm_fill(self->fd, h, 0, usable, 0x5a5a));
			ASSERT_EQ(0, jm_free(self->fd, h));
			ASSERT_EQ(0, jm_alloc(self->fd, sizes[i], 0, flags[j],
					      &h, &usable));
			n++;
			if (jm_check(self->fd, h, 0, usable, 0, &bad) == -EILSEQ) {
				dirty++;
				if (init && flags[j] && sizes[i] <= self->v.max_small &&
				    cache_poisoned(sizes[i])) {
					skipped++;	/* SLUB's poison, not data */
				} else {
					EXPECT_FALSE(init)
						TH_LOG("init_on_alloc: size %llu%s: byte %llu of %llu not zero",
						       (unsigned long long)sizes[i],
						       flags[j] ? " (no tcache)" : "",
						       (unsigned long long)bad,
						       (unsigned long long)usable);
				}
			}
			ASSERT_EQ(0, jm_free(self->fd, h));
		}
	}
	TH_LOG("policy %#x: %u reuses, %u not zero (%u SLUB-poisoned)",
	       policy, n, dirty, skipped);
	if (!init && !(policy & JMOD_POLICY_INIT_ON_FREE))
		EXPECT_LT(0U, dirty)
			TH_LOG("init_on_alloc=0, yet every reused object was zeroed");
}

/*
 * Allocates @size aligned to @align, writes and checks its first and last
 * (up to) 4 KiB, frees it.
 */
static void aligned_one(struct __test_metadata *_metadata, int fd,
			__u64 size, __u64 align)
{
	__u64 h, usable, len, seed = size ^ align;

	ASSERT_EQ(0, jm_alloc(fd, size, align, 0, &h, &usable))
		TH_LOG("size %llu align %llu", (unsigned long long)size,
		       (unsigned long long)align);
	ASSERT_LE(size, usable);
	len = jm_min(usable, 4 * KiB);
	ASSERT_EQ(0, jm_fill(fd, h, 0, len, seed));
	ASSERT_EQ(0, jm_fill(fd, h, usable - len, len, seed + 1));
	ASSERT_EQ(0, jm_check(fd, h, usable - len, len, seed + 1, NULL));
	ASSERT_EQ(0, jm_free(fd, h));
}

/*
 * Alignment requests succeed with enough usable bytes.  Addresses are
 * invisible here; the module checks them in its in-kernel selftests.
 */
TEST_F_TIMEOUT(core, alignment, 300)
{
	const __u64 page = self->v.page_size;
	const __u64 small[] = { 1, 8, 24, 100, 1000, self->v.max_small };
	const __u64 large[] = {
		self->v.max_small + 1, 3 * page, self->v.max_large,
	};
	const __u64 max_large_align = jm_min(MiB, self->v.chunk_size);
	__u64 align;
	unsigned int i;

	if (self->fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(small); i++)
		for (align = 1; align <= page; align *= 2)
			aligned_one(_metadata, self->fd, small[i], align);
	for (i = 0; i < ARRAY_SIZE(large); i++)
		for (align = page; align <= max_large_align; align *= 2)
			aligned_one(_metadata, self->fd, large[i], align);
	aligned_one(_metadata, self->fd, self->v.max_large + 1, page);
	aligned_one(_metadata, self->fd, self->v.max_large + 5 * page + 1,
		    page);
}

/* realloc across small -> large -> huge -> small keeps the data */
TEST_F_TIMEOUT(core, realloc_across_classes, 300)
{
	const __u64 page = self->v.page_size;
	const __u64 steps[] = {
		100,					/* small */
		self->v.max_small,
		self->v.max_small + 1,			/* large */
		(self->v.max_small + self->v.max_large) / 2,
		self->v.max_large,
		self->v.max_large + 1,			/* huge */
		self->v.max_large + 9 * page + 3,
		self->v.max_large + 2 * page,		/* huge shrink */
		self->v.max_small + 100,		/* large */
		50,					/* small */
		self->v.max_large + page + 1,		/* straight to huge */
		7,					/* and back */
	};
	__u64 h, usable, old, seed = 1;
	char why[160];
	unsigned int i;

	if (self->fd < 0)
		return;
	old = steps[0];
	ASSERT_EQ(0, jm_alloc(self->fd, old, 0, 0, &h, &usable));
	ASSERT_EQ(0, jm_fill(self->fd, h, 0, old, seed));
	for (i = 1; i < ARRAY_SIZE(steps); i++) {
		__u64 keep = jm_min(old, steps[i]), bad;

		ASSERT_EQ(0, jm_realloc(self->fd, h, steps[i], &usable))
			TH_LOG("realloc %llu -> %llu",
			       (unsigned long long)old,
			       (unsigned long long)steps[i]);
		EXPECT_TRUE(usable_ok(self->cls, self->ncls, &self->v,
				      steps[i], usable, why, sizeof(why)))
			TH_LOG("after realloc: %s", why);
		ASSERT_EQ(0, jm_check(self->fd, h, 0, keep, seed, &bad))
			TH_LOG("realloc %llu -> %llu: byte %llu changed",
			       (unsigned long long)old,
			       (unsigned long long)steps[i],
			       (unsigned long long)bad);
		seed++;
		ASSERT_EQ(0, jm_fill(self->fd, h, 0, steps[i], seed));
		old = steps[i];
	}
	ASSERT_EQ(0, jm_free(self->fd, h));
}

/* Mixed sizes, mostly small, some large, a few huge */
static __u64 mixed_size(struct jm_rng *r, const struct jmod_version *v)
{
	unsigned int x = jm_rand(r) % 1000;

	if (x < 780)
		return jm_rand_range(r, 1, 512);
	if (x < 960)
		return jm_rand_range(r, 513, 16 * KiB);
	if (x < 998)
		return jm_rand_range(r, 16 * KiB, jm_max(16 * KiB,
							 v->max_large / 16));
	return jm_rand_range(r, v->max_large + 1,
			     v->max_large + 16 * v->page_size);
}

struct live_obj {
	__u64 handle;
	__u64 usable;
	__u64 seed;
};

/* Many live objects, each filled entirely with its own seed: no overlap */
TEST_F_TIMEOUT(core, no_overlap, 300)
{
	const unsigned int nobj = 1500;
	const __u64 budget = jm_min(self->v.quota_bytes / 2, 64 * MiB);
	struct jm_rng rng = { .s = 0x0e71a9 };
	struct live_obj *obj;
	__u64 total = 0, seed = 1, bad;
	unsigned int i, n = 0, round;

	if (self->fd < 0)
		return;
	obj = calloc(nobj, sizeof(*obj));
	ASSERT_NE(NULL, obj);

	for (round = 0; round < 3; round++) {
		/* Top up to nobj objects (or the byte budget) */
		for (; n < nobj; n++) {
			__u64 size = mixed_size(&rng, &self->v);

			if (total + 2 * size + self->v.page_size > budget)
				break;
			ASSERT_EQ(0, jm_alloc(self->fd, size, 0,
					      jm_one_in(&rng, 8) ?
					      JMOD_ALLOC_NOCACHE : 0,
					      &obj[n].handle, &obj[n].usable))
				TH_LOG("object %u size %llu", n,
				       (unsigned long long)size);
			obj[n].seed = seed++;
			total += obj[n].usable;
			ASSERT_EQ(0, jm_fill(self->fd, obj[n].handle, 0,
					     obj[n].usable, obj[n].seed));
		}
		/* Every object still holds exactly its own pattern */
		for (i = 0; i < n; i++) {
			ASSERT_EQ(0, jm_check(self->fd, obj[i].handle, 0,
					      obj[i].usable, obj[i].seed,
					      &bad))
				TH_LOG("round %u object %u (usable %llu): overwritten at %llu",
				       round, i,
				       (unsigned long long)obj[i].usable,
				       (unsigned long long)bad);
		}
		/* Free about half, compacting the array */
		for (i = 0; i < n;) {
			if (jm_one_in(&rng, 2)) {
				i++;
				continue;
			}
			ASSERT_EQ(0, jm_free(self->fd, obj[i].handle));
			total -= obj[i].usable;
			obj[i] = obj[--n];
		}
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, jm_check(self->fd, obj[i].handle, 0,
				      obj[i].usable, obj[i].seed, NULL));
		ASSERT_EQ(0, jm_free(self->fd, obj[i].handle));
	}
	free(obj);
}

/*
 * The random trace: alloc/free over a slot table with a fixed-seed PRNG.
 * Every ALLOC is followed by a FILL (seed slot + 1, done by the kernel)
 * and every FREE preceded by a CHECK, sometimes live slots are checked
 * in between.  Patterns cover the first TRACE_FILL_MAX bytes of each
 * object only (most objects are smaller): the kernel hashes every byte,
 * and under TCG 100k full-size patterns would take minutes.  no_overlap
 * covers whole objects.
 */
#define TRACE_SLOTS		4096
#define TRACE_CHUNK		4096
#define TRACE_FILL_MAX		512
/* kmalloc must manage huge sizes too: KMALLOC_MAX_SIZE is 4 MiB on x86 */
#define TRACE_HUGE_MAX		(4 * MiB)
#define TRACE_DEFAULT_OPS	100000
#define TRACE_SEED		0x747261636555ULL

struct trace {
	struct jmod_op *ops;
	size_t n, cap;
	unsigned long allocs, frees, huge;
};

static int trace_emit(struct trace *t, __u32 code, __u64 slot, __u64 size,
		      __u32 flags)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 65536;
		struct jmod_op *ops = realloc(t->ops, cap * sizeof(*ops));

		if (!ops)
			return -ENOMEM;
		t->ops = ops;
		t->cap = cap;
	}
	jm_op(&t->ops[t->n++], code, slot, size, flags);
	return 0;
}

/* A kernel-like request mix; huge only when kmalloc can take it too */
static __u64 trace_size(struct jm_rng *r, const struct jmod_version *v,
			   bool *huge)
{
	unsigned int x = jm_rand(r) % 1000;
	__u64 large_max = jm_min(v->max_large, 512 * KiB);

	*huge = false;
	if (x < 700)
		return jm_rand_range(r, 1, 512);
	if (x < 920)
		return jm_rand_range(r, 513, 8 * KiB);
	if (x < 990)
		return jm_rand_range(r, 8 * KiB + 1, 64 * KiB);
	if (x < 999 || v->max_large >= TRACE_HUGE_MAX)
		return jm_rand_range(r, 64 * KiB + 1, jm_max(large_max,
							     64 * KiB + 1));
	*huge = true;
	return jm_rand_range(r, v->max_large + 1,
			     jm_min(v->max_large + MiB, TRACE_HUGE_MAX));
}

static unsigned long trace_nr_ops(void)
{
	const char *env = getenv("JMOD_CORE_OPS");
	unsigned long n = env ? strtoul(env, NULL, 0) : 0;

	return n ? n : TRACE_DEFAULT_OPS;
}

/* Generates the whole trace; identical for every backend */
static int trace_build(struct trace *t, const struct jmod_version *v,
		       unsigned long nr_ops)
{
	__u64 size[TRACE_SLOTS], live_bytes = 0;
	const __u64 budget = v->quota_bytes / 2;
	unsigned int live[TRACE_SLOTS], nlive = 0;
	unsigned int empty[TRACE_SLOTS], nempty = TRACE_SLOTS;
	struct jm_rng rng = { .s = TRACE_SEED };
	unsigned long i;
	unsigned int k, s;
	int err = 0;

	memset(t, 0, sizeof(*t));
	for (k = 0; k < TRACE_SLOTS; k++)
		empty[k] = TRACE_SLOTS - 1 - k;

	for (i = 0; i < nr_ops && !err; i++) {
		bool alloc, huge;
		__u64 sz = trace_size(&rng, v, &huge);
		/* Drift around half full */
		unsigned int p = nlive < TRACE_SLOTS / 2 ? 55 : 45;

		alloc = jm_rand(&rng) % 100 < p;
		if (!nempty || live_bytes + 2 * sz + v->page_size > budget)
			alloc = false;
		if (!nlive)
			alloc = true;
		if (alloc && (!nempty ||
			      live_bytes + 2 * sz + v->page_size > budget))
			return -EDQUOT;	/* budget below one object */

		if (alloc) {
			k = jm_rand(&rng) % nempty;
			s = empty[k];
			empty[k] = empty[--nempty];
			live[nlive++] = s;
			size[s] = sz;
			live_bytes += 2 * sz + v->page_size;
			err |= trace_emit(t, JMOD_OP_ALLOC, s, sz,
					  jm_one_in(&rng, 8) ?
					  JMOD_ALLOC_NOCACHE : 0);
			err |= trace_emit(t, JMOD_OP_FILL, s,
					  jm_min(sz, TRACE_FILL_MAX), 0);
			t->allocs++;
			t->huge += huge;
		} else {
			k = jm_rand(&rng) % nlive;
			s = live[k];
			live[k] = live[--nlive];
			empty[nempty++] = s;
			live_bytes -= 2 * size[s] + v->page_size;
			err |= trace_emit(t, JMOD_OP_CHECK, s,
					  jm_min(size[s], TRACE_FILL_MAX), 0);
			err |= trace_emit(t, JMOD_OP_FREE, s, 0, 0);
			t->frees++;
		}
		/* Now and then verify a random live object in place */
		if (nlive && jm_one_in(&rng, 16)) {
			s = live[jm_rand(&rng) % nlive];
			err |= trace_emit(t, JMOD_OP_CHECK, s,
					  jm_min(size[s], TRACE_FILL_MAX), 0);
		}
	}
	/* Drain */
	while (nlive && !err) {
		s = live[--nlive];
		err |= trace_emit(t, JMOD_OP_CHECK, s,
				  jm_min(size[s], TRACE_FILL_MAX), 0);
		err |= trace_emit(t, JMOD_OP_FREE, s, 0, 0);
		t->frees++;
	}
	return err;
}

FIXTURE(trace) {
	int fd;
	struct jmod_version v;
};

FIXTURE_VARIANT(trace) {
	__u32 backend;
};

FIXTURE_VARIANT_ADD(trace, jmod) {
	.backend = JMOD_BACKEND_JMOD,
};

FIXTURE_VARIANT_ADD(trace, kmalloc) {
	.backend = JMOD_BACKEND_KMALLOC,
};

FIXTURE_SETUP(trace)
{
	jm_setup_dev(_metadata, &self->fd, &self->v);
}

FIXTURE_TEARDOWN(trace)
{
	jm_close(self->fd);
}

TEST_F_TIMEOUT(trace, random, 600)
{
	unsigned long nr_ops = trace_nr_ops();
	__u64 ns = 0;
	struct trace t;
	size_t failed = 0;
	int ret;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, trace_build(&t, &self->v, nr_ops));
	TH_LOG("%lu alloc/free (%lu allocs, %lu huge, %lu frees): %zu ops in batches of %d",
	       nr_ops, t.allocs, t.huge, t.frees, t.n, TRACE_CHUNK);
	ASSERT_EQ(t.allocs, t.frees);

	ASSERT_EQ(0, jm_slots(self->fd, TRACE_SLOTS));
	ret = jm_run_ops(self->fd, t.ops, t.n, TRACE_CHUNK, variant->backend,
			 &failed, &ns);
	ASSERT_EQ(0, ret) {
		if (ret == 1) {
			const struct jmod_op *op = &t.ops[failed];

			TH_LOG("op %zu of %zu: %s slot %llu size %llu flags %#x: %lld (%s)",
			       failed, t.n, jm_op_name(op->op),
			       (unsigned long long)op->slot,
			       (unsigned long long)op->size, op->flags,
			       (long long)op->result,
			       strerror((int)-op->result));
		} else {
			TH_LOG("BATCH failed: %s", strerror(-ret));
		}
	}
	TH_LOG("kernel time %llu ms (informational only)",
	       (unsigned long long)(ns / 1000000));

	/* The drained table is empty: every slot frees with -ENOENT */
	{
		struct jmod_op op;
		struct jmod_batch b;

		jm_op(&op, JMOD_OP_FREE, t.ops[0].slot, 0, 0);
		ASSERT_EQ(0, jm_batch(self->fd, &op, 1, variant->backend, &b));
		ASSERT_EQ(0U, b.done);
		ASSERT_EQ(-ENOENT, op.result);
	}
	free(t.ops);
}

JMOD_TEST_HARNESS_MAIN
