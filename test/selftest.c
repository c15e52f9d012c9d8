// SPDX-License-Identifier: GPL-2.0
/*
 * jmod in-kernel self-tests, run through JMOD_IOC_SELFTEST.
 *
 * Owns the test-case table.  Each case exercises the exported API from a
 * context userspace cannot reach (hard IRQ, spinlocks, kthreads pinned to
 * CPUs) or checks internals userspace cannot see (alignment, in-place
 * realloc, chunk release).  A case returns 0 or -errno and writes a
 * one-line message; messages never contain addresses.
 *
 * Locking: cases run in process context under the calling fd's mutex and
 * jmod_selftest_mutex (cases on other fds change the same global state,
 * so they never run concurrently), and take no jmod lock themselves.
 * The decay and purge cases change decay_ms for their duration and
 * restore it.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#ifdef CONFIG_X86_LOCAL_APIC
#include <asm/apic.h>
#include <asm/nmi.h>
#endif

#include <jmod.h>
#include <uapi/linux/jmod.h>
#include "../internal.h"
#include "test.h"

#define MSG_LEN JMOD_SELFTEST_MSG_LEN

static __printf(2, 3) int fail(char *msg, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, MSG_LEN, fmt, args);
	va_end(args);
	return -EINVAL;
}

/*
 * Stay on this CPU around an allocation that must not be interleaved
 * with others there.  PREEMPT_RT: spinlock_t sleeps, so no allocation
 * with preemption off (as for kmalloc); migration off is what it allows.
 */
static void st_pin_cpu(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_disable();
	else
		preempt_disable();
}

static void st_unpin_cpu(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_enable();
	else
		preempt_enable();
}

/* Expected usable size of a request, from the class table alone. */
static size_t expect_usable(size_t size)
{
	/* red zones start right after the request of a large or huge object */
	if (size > JMOD_SMALL_MAX && (jmod_debug & JMOD_DBG_REDZONE))
		return size;
	if (size > jmod_large_max)
		return PAGE_ALIGN(size);
	return jmod_class_size[jmod_size_class(size)];
}

/* Allocate, check usable size and a fill pattern, free. */
static int try_size(size_t size, gfp_t gfp, char *msg)
{
	size_t usable;
	void *p;

	p = jmod_malloc(size, gfp);
	if (!p)
		return fail(msg, "allocation of %zu bytes failed", size);
	usable = jmod_usable_size(p);
	if (usable != expect_usable(size)) {
		jmod_free(p);
		return fail(msg, "usable_size(%zu) = %zu, want %zu", size,
			    usable, expect_usable(size));
	}
	jmod_pattern_fill(p, 0, usable, size);
	if (jmod_pattern_check(p, 0, usable, size) >= 0) {
		jmod_free(p);
		return fail(msg, "pattern mismatch at size %zu", size);
	}
	jmod_free(p);
	return 0;
}

/* === classes: the class table, every size, every boundary === */

static int st_classes(u32 arg, char *msg)
{
	unsigned int i, cls;
	size_t size;
	int err;

	for (size = 1; size <= jmod_large_max; size++) {
		cls = jmod_size_class(size);
		if (cls >= jmod_nr_classes || jmod_class_size[cls] < size ||
		    (cls && jmod_class_size[cls - 1] >= size))
			return fail(msg, "size %zu maps to class %u", size, cls);
		if (size > 64 && (jmod_class_size[cls] - size) * 5 >
				 jmod_class_size[cls])
			return fail(msg, "size %zu wastes over 20%% in %u",
				    size, jmod_class_size[cls]);
		if (!(size & 0xffff))
			cond_resched();
	}
	for (i = 0; i < jmod_nr_classes; i++) {
		size = jmod_class_size[i];
		err = try_size(size - 1, GFP_KERNEL, msg) ?:
		      try_size(size, GFP_KERNEL, msg) ?:
		      try_size(size + 1, GFP_KERNEL, msg);
		if (err)
			return err;
	}
	snprintf(msg, MSG_LEN, "%u classes, every size up to %zu checked",
		 jmod_nr_classes, jmod_large_max);
	return 0;
}

/* === api: the corner cases of the exported functions === */

static bool all_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

static int st_api(u32 arg, char *msg)
{
	static const size_t sizes[] = { 24, 5000, 20480, 300000, 3 << 20,
					6 << 20 };
	unsigned int i;
	u8 *p, *q;

	if (jmod_malloc(0, GFP_KERNEL) != ZERO_SIZE_PTR)
		return fail(msg, "malloc(0) is not ZERO_SIZE_PTR");
	jmod_free(ZERO_SIZE_PTR);
	jmod_free(NULL);
	if (jmod_usable_size(NULL) || jmod_usable_size(ZERO_SIZE_PTR))
		return fail(msg, "usable_size(NULL) != 0");
	if (jmod_malloc(SIZE_MAX, GFP_KERNEL | __GFP_NOWARN))
		return fail(msg, "malloc(SIZE_MAX) succeeded");
	if (jmod_calloc(SIZE_MAX / 2, 3, GFP_KERNEL))
		return fail(msg, "calloc overflow not detected");
	if (jmod_aligned_alloc(24, 8, GFP_KERNEL))
		return fail(msg, "aligned_alloc(24) succeeded");

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];

		/* dirty memory first so zeroing is really checked */
		p = jmod_malloc(n, GFP_KERNEL);
		if (!p)
			return fail(msg, "malloc(%zu) failed", n);
		memset(p, 0xa5, jmod_usable_size(p));
		jmod_free(p);

		p = jmod_zalloc(n, GFP_KERNEL);
		if (!p || !all_zero(p, jmod_usable_size(p))) {
			jmod_free(p);
			return fail(msg, "zalloc(%zu) not zeroed", n);
		}
		jmod_free_sized(p, n);

		p = jmod_calloc(n / 4, 4, GFP_KERNEL);
		if (!p || !all_zero(p, n / 4 * 4)) {
			jmod_free(p);
			return fail(msg, "calloc(%zu) not zeroed", n);
		}
		jmod_free(p);
	}

	/* realloc across every kind (6 MiB: huge, vmalloc) keeps the data */
	p = jmod_realloc(NULL, 100, GFP_KERNEL);
	if (!p)
		return fail(msg, "realloc(NULL) failed");
	jmod_pattern_fill(p, 0, 100, 7);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		q = jmod_realloc(p, sizes[i], GFP_KERNEL);
		if (!q) {
			jmod_free(p);
			return fail(msg, "realloc to %zu failed", sizes[i]);
		}
		p = q;
		if (jmod_pattern_check(p, 0, min_t(size_t, 24, sizes[i]), 7) >= 0) {
			jmod_free(p);
			return fail(msg, "realloc to %zu lost data", sizes[i]);
		}
	}
	for (i = ARRAY_SIZE(sizes); i-- > 0;) {
		q = jmod_realloc(p, sizes[i], GFP_KERNEL);
		if (!q) {
			jmod_free(p);
			return fail(msg, "realloc down to %zu failed", sizes[i]);
		}
		p = q;
		if (jmod_pattern_check(p, 0, 24, 7) >= 0) {
			jmod_free(p);
			return fail(msg, "realloc down to %zu lost data", sizes[i]);
		}
	}
	if (jmod_realloc(p, 0, GFP_KERNEL) != ZERO_SIZE_PTR)
		return fail(msg, "realloc(p, 0) is not ZERO_SIZE_PTR");
	snprintf(msg, MSG_LEN, "zeroing, calloc, realloc and edge cases ok");
	return 0;
}

/* === aligned: every power-of-two alignment up to the buddy maximum === */

static int st_aligned(u32 arg, char *msg)
{
	size_t align, max_align = PAGE_SIZE << JMOD_MAX_PAGE_ORDER;
	unsigned int i, count = 0;

	for (align = 8; align <= max_align; align <<= 1) {
		size_t sizes[] = { 1, align / 2 + 1, align, align + 1,
				   3 * align, 100, 20000 };

		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			size_t size = sizes[i];
			void *p;

			if (align > PAGE_SIZE && size > max_align)
				continue;	/* needs contiguous pages */
			p = jmod_aligned_alloc(align, size, GFP_KERNEL);
			if (!p)
				return fail(msg, "aligned_alloc(%zu, %zu) failed",
					    align, size);
			if (!IS_ALIGNED((unsigned long)p, align) ||
			    jmod_usable_size(p) < size) {
				jmod_free(p);
				return fail(msg, "aligned_alloc(%zu, %zu) misaligned or short",
					    align, size);
			}
			memset(p, 0x5a, size);
			jmod_free(p);
			count++;
		}
	}
	snprintf(msg, MSG_LEN, "%u aligned allocations, align 8..%zu", count,
		 max_align);
	return 0;
}

/* === realloc_inplace: runs shrink and grow in place === */

static int st_realloc_inplace(u32 arg, char *msg)
{
	size_t big = 64 << 10, small = 16 << 10;
	u8 *p, *q;
	int err = 0;

	if (jmod_debug) {
		/* debug records describe whole runs: realloc moves instead */
		snprintf(msg, MSG_LEN, "SKIP: no in-place resize in debug mode");
		return 0;
	}
	/* no other allocation may land in the freed tail on this CPU */
	st_pin_cpu();
	p = jmod_malloc(big, GFP_ATOMIC);
	if (!p) {
		st_unpin_cpu();
		return fail(msg, "malloc(%zu) failed", big);
	}
	jmod_pattern_fill(p, 0, small, 3);
	q = jmod_realloc(p, small, GFP_ATOMIC);
	if (q != p || jmod_usable_size(p) != small)
		err = fail(msg, "shrink %zu -> %zu moved or wrong size", big,
			   small);
	q = err ? q : jmod_realloc(p, big, GFP_ATOMIC | __GFP_ZERO);
	if (!err && (q != p || jmod_usable_size(p) != big))
		err = fail(msg, "grow %zu -> %zu did not stay in place", small,
			   big);
	st_unpin_cpu();
	if (!err && jmod_pattern_check(q, 0, small, 3) >= 0)
		err = fail(msg, "in-place realloc lost data");
	if (!err && !all_zero(q + small, big - small))
		err = fail(msg, "grown part not zeroed");
	jmod_free(q ?: p);
	if (err)
		return err;

	/* huge: shrink gives back the tail pages in place */
	p = jmod_malloc(jmod_large_max + 5 * PAGE_SIZE, GFP_KERNEL);
	if (!p)
		return fail(msg, "huge malloc failed");
	jmod_pattern_fill(p, 0, PAGE_SIZE, 4);
	q = jmod_realloc(p, jmod_large_max + PAGE_SIZE, GFP_KERNEL);
	if (q != p && !is_vmalloc_addr(p))
		err = fail(msg, "huge shrink moved");
	else if (jmod_pattern_check(q, 0, PAGE_SIZE, 4) >= 0)
		err = fail(msg, "huge shrink lost data");
	jmod_free(q ?: p);
	if (!err)
		snprintf(msg, MSG_LEN, "large shrink/grow and huge shrink in place");
	return err;
}

/* === random: 100k random operations on a live set === */

#define RND_SLOTS 512

static size_t random_size(struct rnd_state *rs)
{
	u32 r = prandom_u32_state(rs);

	switch (r % 100) {
	case 0:
		return jmod_large_max + 1 + (r >> 8) % (2 << 20);	/* huge */
	case 1 ... 10:
		return JMOD_SMALL_MAX + 1 + (r >> 8) % (256 << 10);	/* large */
	case 11 ... 30:
		return 1 + (r >> 8) % JMOD_SMALL_MAX;
	default:
		return 1 + (r >> 8) % 512;
	}
}

/* small objects are checked whole, bigger ones at both ends */
static void rnd_fill(void *p, size_t n, u64 seed)
{
	if (n <= 4096) {
		jmod_pattern_fill(p, 0, n, seed);
	} else {
		jmod_pattern_fill(p, 0, 256, seed);
		jmod_pattern_fill(p, n - 256, 256, seed);
	}
}

static bool rnd_ok(void *p, size_t n, u64 seed)
{
	if (n <= 4096)
		return jmod_pattern_check(p, 0, n, seed) < 0;
	return jmod_pattern_check(p, 0, 256, seed) < 0 &&
	       jmod_pattern_check(p, n - 256, 256, seed) < 0;
}

static int st_random(u32 arg, char *msg)
{
	unsigned int ops = arg ?: 100000, i, live = 0, peak = 0;
	struct rnd_state rs;
	void **ptr;
	size_t *len;
	int err = 0;

	ptr = kvcalloc(RND_SLOTS, sizeof(*ptr), GFP_KERNEL);
	len = kvcalloc(RND_SLOTS, sizeof(*len), GFP_KERNEL);
	if (!ptr || !len) {
		err = -ENOMEM;
		goto out;
	}
	prandom_seed_state(&rs, 42);
	for (i = 0; i < ops && !err; i++) {
		unsigned int s = prandom_u32_state(&rs) % RND_SLOTS;

		if (ptr[s]) {
			if (!rnd_ok(ptr[s], len[s], s + 1))
				err = fail(msg, "op %u: object of %zu corrupted",
					   i, len[s]);
			jmod_free(ptr[s]);
			ptr[s] = NULL;
			live--;
			continue;
		}
		len[s] = random_size(&rs);
		ptr[s] = jmod_malloc(len[s], GFP_KERNEL);
		if (!ptr[s]) {
			err = fail(msg, "op %u: malloc(%zu) failed", i, len[s]);
			break;
		}
		rnd_fill(ptr[s], len[s], s + 1);
		peak = max(peak, ++live);
		if (!(i & 1023))
			cond_resched();
	}
	for (i = 0; i < RND_SLOTS; i++) {
		if (!ptr[i])
			continue;
		if (!err && !rnd_ok(ptr[i], len[i], i + 1))
			err = fail(msg, "final check: object of %zu corrupted",
				   len[i]);
		jmod_free(ptr[i]);
	}
	if (!err)
		snprintf(msg, MSG_LEN, "%u ops, peak %u live objects verified",
			 ops, peak);
out:
	kvfree(ptr);
	kvfree(len);
	return err;
}

/* === cross_cpu: allocate on one CPU, free on another === */

#define XCPU_OBJS 2048

struct xcpu_ctx {
	void **ptr;
	size_t *len;
	bool produce;
	int err;
	struct completion done;
};

static int xcpu_thread(void *data)
{
	struct xcpu_ctx *x = data;
	unsigned int i;

	for (i = 0; i < XCPU_OBJS; i++) {
		if (x->produce) {
			x->len[i] = (i % 16 == 0) ? 20480 + i * 8 :
				    (i % 97 == 0) ? (3 << 20) : 8 + i % 2000;
			x->ptr[i] = jmod_malloc(x->len[i], GFP_KERNEL);
			if (!x->ptr[i]) {
				x->err = -ENOMEM;
				break;
			}
			rnd_fill(x->ptr[i], x->len[i], i + 1);
		} else {
			if (x->ptr[i] && !rnd_ok(x->ptr[i], x->len[i], i + 1))
				x->err = -EILSEQ;
			jmod_free(x->ptr[i]);
			x->ptr[i] = NULL;
		}
	}
	complete(&x->done);
	return 0;
}

static int xcpu_run(struct xcpu_ctx *x, unsigned int cpu, bool produce)
{
	struct task_struct *t;

	x->produce = produce;
	init_completion(&x->done);
	t = kthread_create(xcpu_thread, x, "jmod-xcpu/%u", cpu);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&x->done);
	return x->err;
}

static unsigned long active_pages_all(void)
{
	struct jmod_arena_info ai;
	unsigned long sum = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		jmod_arena_info(cpu, &ai);
		sum += ai.active_pages;
	}
	return sum;
}

static int st_cross_cpu(u32 arg, char *msg)
{
	unsigned int a, b, rounds = 0;
	unsigned long before;
	struct xcpu_ctx x = {};
	int err = 0;

	if (num_online_cpus() < 2) {
		snprintf(msg, MSG_LEN, "SKIP: needs 2 online CPUs");
		return 0;
	}
	jmod_tcache_drain_all();
	before = active_pages_all();
	x.ptr = kvcalloc(XCPU_OBJS, sizeof(*x.ptr), GFP_KERNEL);
	x.len = kvcalloc(XCPU_OBJS, sizeof(*x.len), GFP_KERNEL);
	if (!x.ptr || !x.len) {
		err = -ENOMEM;
		goto out;
	}
	for_each_online_cpu(a) {
		for_each_online_cpu(b) {
			if (a == b)
				continue;
			err = xcpu_run(&x, a, true);
			err = xcpu_run(&x, b, false) ?: err;
			if (err) {
				fail(msg, "alloc on CPU %u, free on CPU %u: %d",
				     a, b, err);
				goto out;
			}
			rounds++;
		}
	}
	jmod_tcache_drain_all();
	if (active_pages_all() != before)
		err = fail(msg, "arena active pages %lu, were %lu",
			   active_pages_all(), before);
	else
		snprintf(msg, MSG_LEN, "%u CPU pairs, %u objects each", rounds,
			 XCPU_OBJS);
out:
	kvfree(x.ptr);
	kvfree(x.len);
	return err;
}

/* === hardirq: allocate and free from an hrtimer callback === */

#define IRQ_ROUNDS 300

struct irq_ctx {
	struct hrtimer timer;
	void *keep[4];
	unsigned int rounds;
	unsigned int failed_allocs;
	unsigned int not_hardirq;
	unsigned int loops;
	bool corrupt;
	struct completion done;
	struct completion thread_done;
};

static const size_t irq_sizes[4] = { 64, 3000, 20480, 96 << 10 };

static enum hrtimer_restart irq_fn(struct hrtimer *t)
{
	struct irq_ctx *c = container_of(t, struct irq_ctx, timer);
	unsigned int i;

	if (!in_hardirq())
		c->not_hardirq++;
	for (i = 0; i < ARRAY_SIZE(irq_sizes); i++) {
		/* free what the previous interrupt allocated */
		if (c->keep[i]) {
			if (!rnd_ok(c->keep[i], irq_sizes[i], i + 1))
				c->corrupt = true;
			jmod_free(c->keep[i]);
		}
		c->keep[i] = jmod_malloc(irq_sizes[i], GFP_ATOMIC | __GFP_NOWARN);
		if (c->keep[i])
			rnd_fill(c->keep[i], irq_sizes[i], i + 1);
		else
			c->failed_allocs++;
	}
	if (++c->rounds >= IRQ_ROUNDS) {
		complete(&c->done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(t, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/* Runs on one CPU: the timer fires there while this loop allocates. */
static int irq_thread(void *data)
{
	struct irq_ctx *c = data;

	hrtimer_start(&c->timer, ns_to_ktime(100 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
	while (!completion_done(&c->done)) {
		size_t n = 128 + c->loops % 20000;
		void *p = jmod_malloc(n, GFP_KERNEL);

		if (p) {
			rnd_fill(p, n, 99);
			if (!rnd_ok(p, n, 99))
				c->corrupt = true;
			jmod_free(p);
		}
		if (!(++c->loops & 63))
			cond_resched();
	}
	complete(&c->thread_done);
	return 0;
}

static int st_hardirq(u32 arg, char *msg)
{
	unsigned int i, cpu = cpumask_first(cpu_online_mask);
	struct task_struct *t;
	struct irq_ctx *c;
	int err = 0;

	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		/* spinlock_t and local_lock_t sleep: as for kmalloc */
		snprintf(msg, MSG_LEN,
			 "SKIP: PREEMPT_RT: no allocation in hard IRQ context");
		return 0;
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	init_completion(&c->done);
	init_completion(&c->thread_done);
	hrtimer_setup(&c->timer, irq_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL_PINNED_HARD);
	t = kthread_create(irq_thread, c, "jmod-irq/%u", cpu);
	if (IS_ERR(t)) {
		kfree(c);
		return PTR_ERR(t);
	}
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&c->thread_done);
	hrtimer_cancel(&c->timer);
	for (i = 0; i < ARRAY_SIZE(c->keep); i++)
		jmod_free(c->keep[i]);
	if (!err && c->not_hardirq)
		err = fail(msg, "%u callbacks not in hard IRQ", c->not_hardirq);
	if (!err && c->corrupt)
		err = fail(msg, "object corrupted (IRQ or process side)");
	if (!err && c->failed_allocs > IRQ_ROUNDS)
		err = fail(msg, "%u of %u GFP_ATOMIC allocations failed",
			   c->failed_allocs, IRQ_ROUNDS * 4);
	if (!err)
		snprintf(msg, MSG_LEN,
			 "CPU %u: %u hard-IRQ rounds (%u failed allocs), %u process allocs",
			 cpu, c->rounds, c->failed_allocs, c->loops);
	kfree(c);
	return err;
}

/* === atomic: GFP_ATOMIC under a spinlock with IRQs off === */

static int st_atomic_spinlock(u32 arg, char *msg)
{
	static const size_t sizes[] = { 8, 200, 4000, 14336, 16384, 40000,
					1 << 20 };
	static DEFINE_SPINLOCK(lock);
	unsigned int i, round, failed = 0;
	unsigned long flags;
	void *p[ARRAY_SIZE(sizes)];

	for (round = 0; round < 200; round++) {
		spin_lock_irqsave(&lock, flags);
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			p[i] = jmod_malloc(sizes[i], GFP_ATOMIC | __GFP_NOWARN);
			if (p[i])
				rnd_fill(p[i], sizes[i], i + 1);
			else
				failed++;
		}
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			if (p[i] && !rnd_ok(p[i], sizes[i], i + 1)) {
				spin_unlock_irqrestore(&lock, flags);
				return fail(msg, "object of %zu corrupted",
					    sizes[i]);
			}
			jmod_free(p[i]);
		}
		spin_unlock_irqrestore(&lock, flags);
		cond_resched();
	}
	if (failed > 100)
		return fail(msg, "%u GFP_ATOMIC allocations failed", failed);
	snprintf(msg, MSG_LEN, "200 rounds under spin_lock_irqsave, %u failed",
		 failed);
	return 0;
}

/* === decay and purge: chunks go back to the buddy allocator === */

static long chunk_pages_now(void)
{
	struct jmod_cpu_stats *s = kmalloc(sizeof(*s), GFP_KERNEL);
	long n;

	if (!s)
		return -1;
	jmod_stats_read(s);
	n = s->chunk_pages;
	kfree(s);
	return n;
}

/* Leave one wholly free chunk behind; returns its size in pages. */
static long make_retained_chunk(char *msg)
{
	long before, grown;
	void *p;

	jmod_purge();
	before = chunk_pages_now();
	p = jmod_malloc(JMOD_LARGE_MIN, GFP_KERNEL);
	if (!p)
		return fail(msg, "large malloc failed");
	jmod_free(p);
	jmod_tcache_drain_all();
	grown = chunk_pages_now() - before;
	/* a chunk grows with its arena: 64 KiB up to the full chunk size */
	if (grown < 16 || grown > 1L << jmod_chunk_order ||
	    !is_power_of_2(grown) || jmod_arena_retained_pages() < grown)
		return fail(msg, "freed chunk not retained (%ld -> %ld pages)",
			    before, chunk_pages_now());
	return before;
}

/*
 * === chunk_growth: an arena's chunks grow with it ===
 * From an empty arena (purged, this CPU only), 16 KiB runs: each new
 * chunk is half the arena's size rounded down to a power of two, at
 * least 64 KiB, at most the chunk size: 16, 16, 16, 16, 32, 32, 64, ...
 * pages.
 */
#define GROWTH_OBJS	160	/* 160 x 4 pages: 11 chunks, up to 256 pages */

static int st_chunk_growth(u32 arg, char *msg)
{
	long before, now, total = 0, want, seen[16];
	unsigned int i, nseen = 0;
	void **objs;
	int err = 0;

	objs = kcalloc(GROWTH_OBJS, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;
	jmod_purge();
	migrate_disable();
	before = chunk_pages_now();
	for (i = 0; i < GROWTH_OBJS && !err; i++) {
		/* purged tcaches: every allocation misses, one run of 4 pages */
		objs[i] = jmod_malloc(JMOD_LARGE_MIN, GFP_KERNEL);
		if (!objs[i]) {
			err = fail(msg, "16 KiB allocation %u failed", i);
			break;
		}
		now = chunk_pages_now() - before;
		if (now == total)
			continue;
		want = total / 2 ? rounddown_pow_of_two(total / 2) : 0;
		want = clamp(want, 16L, 1L << jmod_chunk_order);
		if (now - total != want)
			err = fail(msg, "arena of %ld pages took a chunk of %ld, not %ld",
				   total, now - total, want);
		if (nseen < ARRAY_SIZE(seen))
			seen[nseen++] = now - total;
		total = now;
	}
	migrate_enable();
	while (i--)
		jmod_free(objs[i]);
	kfree(objs);
	jmod_purge();
	if (!err && nseen < 6)
		err = fail(msg, "only %u chunks taken for %u runs", nseen,
			   GROWTH_OBJS);
	if (!err)
		snprintf(msg, MSG_LEN, "%u chunks: %ld, %ld, %ld, %ld, %ld, %ld ... pages",
			 nseen, seen[0], seen[1], seen[2], seen[3], seen[4],
			 seen[5]);
	return err;
}

static int st_decay(u32 arg, char *msg)
{
	unsigned int saved = READ_ONCE(jmod_decay_ms), waited = 0;
	long before;
	int err = 0;

	WRITE_ONCE(jmod_decay_ms, 200);
	jmod_arena_decay_kick();
	before = make_retained_chunk(msg);
	if (before < 0) {
		err = before;
		goto out;
	}
	while (jmod_arena_retained_pages() && waited < 10000) {
		msleep(50);
		waited += 50;
	}
	rcu_barrier();
	if (jmod_arena_retained_pages() || chunk_pages_now() != before)
		err = fail(msg, "chunk not released %u ms after a 200 ms decay",
			   waited);
	else
		snprintf(msg, MSG_LEN, "retained chunk released after %u ms (decay 200 ms)",
			 waited);
out:
	WRITE_ONCE(jmod_decay_ms, saved);
	jmod_arena_decay_kick();
	return err;
}

static int st_purge(u32 arg, char *msg)
{
	unsigned int saved = READ_ONCE(jmod_decay_ms);
	long before;
	int err = 0;

	WRITE_ONCE(jmod_decay_ms, 3600 * 1000);
	before = make_retained_chunk(msg);
	if (before < 0) {
		err = before;
		goto out;
	}
	jmod_purge();
	if (jmod_arena_retained_pages() || chunk_pages_now() != before)
		err = fail(msg, "forced purge left %lu retained pages",
			   jmod_arena_retained_pages());
	else
		snprintf(msg, MSG_LEN, "forced purge released the retained chunk");
out:
	WRITE_ONCE(jmod_decay_ms, saved);
	jmod_arena_decay_kick();
	return err;
}

/*
 * === spare: an arena keeps one wholly free chunk, not more ===
 * With a decay of an hour, 16 KiB runs on this CPU open several chunks;
 * once every run is back, the arena must keep one of them (the spare)
 * and give the others back at once, without waiting for the decay.
 */
#define SPARE_OBJS	40	/* 40 x 4 pages: chunks of 16, 16, 16, 16, 32, 32, 64 */

static int st_spare(u32 arg, char *msg)
{
	unsigned int saved = READ_ONCE(jmod_decay_ms), i, waited = 0, cpu;
	struct jmod_arena_info info;
	long before, opened = 0;
	void **objs;
	int err = 0;

	objs = kcalloc(SPARE_OBJS, sizeof(*objs), GFP_KERNEL);
	if (!objs)
		return -ENOMEM;
	WRITE_ONCE(jmod_decay_ms, 3600 * 1000);
	jmod_arena_decay_kick();
	jmod_purge();
	migrate_disable();
	cpu = smp_processor_id();
	before = chunk_pages_now();
	for (i = 0; i < SPARE_OBJS; i++) {
		objs[i] = jmod_malloc(JMOD_LARGE_MIN, GFP_KERNEL);
		if (!objs[i]) {
			err = fail(msg, "16 KiB allocation %u failed", i);
			break;
		}
	}
	jmod_arena_info(cpu, &info);
	opened = info.chunks;
	migrate_enable();
	while (i--)
		jmod_free(objs[i]);
	kfree(objs);
	jmod_tcache_drain_all();
	if (!err && opened < 3)
		err = fail(msg, "%u runs opened only %ld chunks", SPARE_OBJS,
			   opened);
	/* the frees released the extra chunks at once, not a work item */
	jmod_arena_info(cpu, &info);
	if (!err && info.retained > 1)
		err = fail(msg, "%lu wholly free chunks kept after the frees",
			   info.retained);
	/* runs a tcache GC still holds may come back a little later */
	for (;;) {
		jmod_arena_info(cpu, &info);
		if (err || info.chunks <= 1 || waited >= 5000)
			break;
		msleep(20);
		waited += 20;
	}
	if (!err && (info.retained != 1 || info.chunks != 1))
		err = fail(msg, "%ld freed: %lu retained, %lu chunks after %u ms",
			   opened, info.retained, info.chunks, waited);
	else if (!err)
		snprintf(msg, MSG_LEN, "%ld chunks freed, 1 kept, %u ms",
			 opened, waited);
	jmod_purge();
	if (!err && chunk_pages_now() != before)
		err = fail(msg, "purge left %ld chunk pages", chunk_pages_now() - before);
	WRITE_ONCE(jmod_decay_ms, saved);
	jmod_arena_decay_kick();
	return err;
}

/* === bad_free: pointers jmod did not hand out are refused === */

static u64 bad_frees(void)
{
	struct jmod_cpu_stats *s = kmalloc(sizeof(*s), GFP_KERNEL);
	u64 n;

	if (!s)
		return 0;
	jmod_stats_read(s);
	n = s->nbadfree;
	kfree(s);
	return n;
}

static int st_bad_free(u32 arg, char *msg)
{
	unsigned int saved = READ_ONCE(jmod_decay_ms), expect = 9;
	u64 before = bad_frees();
	unsigned long page;
	u8 *run, *vm, *huge, *foreign;
	int local, err = 0;

	/* keep the freed run's chunk: its pages must stay jmod's */
	WRITE_ONCE(jmod_decay_ms, 3600 * 1000);
	page = __get_free_page(GFP_KERNEL);
	vm = vmalloc(2 * PAGE_SIZE);
	/* the largest class: above tcache_max, so double frees are seen */
	run = jmod_malloc(jmod_large_max, GFP_KERNEL);
	huge = jmod_malloc(jmod_large_max + PAGE_SIZE, GFP_KERNEL);
	/* a slab object of a class size, from a cache that is not jmod's */
	foreign = kmalloc(96, GFP_KERNEL);
	if (!page || !vm || !run || !huge || !foreign) {
		err = -ENOMEM;
		goto out;
	}
	/*
	 * Frees find a slab object's cache from its slab (small.c); without
	 * that word they would fall back to ksize(), which cannot tell a
	 * kmalloc-96 object from a jmod-96 one.
	 */
	if (!jmod_slab_cache_off)
		err = fail(msg, "the slab's cache word was not found at load");
	jmod_free(foreign);		/* kmalloc's, not jmod's */
	jmod_free_sized(foreign, 96);	/* ... with its size */
	kfree(foreign);			/* still kmalloc's: no harm done */
	foreign = NULL;
	jmod_free((void *)page);	/* a page jmod never owned */
	jmod_free(vm);			/* foreign vmalloc */
	jmod_free(&local);		/* the stack */
	jmod_free(run + PAGE_SIZE);	/* inside a run */
	jmod_free(run + 8);		/* not a run start */
	jmod_free(huge + PAGE_SIZE);	/* inside a huge allocation */
	if (jmod_usable_size(run + PAGE_SIZE) || jmod_usable_size(vm))
		err = fail(msg, "usable_size of a foreign pointer is not 0");
	jmod_free(run);
	if (jmod_tcache_serves(jmod_nr_classes - 1))
		expect--;	/* the tcache does not check cached classes */
	else
		jmod_free(run);	/* double free of a run */
	run = NULL;

	if (!err && bad_frees() - before != expect)
		err = fail(msg, "%llu bad frees detected, want %u",
			   bad_frees() - before, expect);
	if (!err)
		snprintf(msg, MSG_LEN, "%u invalid frees refused", expect);
out:
	free_page(page);
	vfree(vm);
	kfree(foreign);
	jmod_free(run);
	jmod_free(huge);
	WRITE_ONCE(jmod_decay_ms, saved);
	jmod_arena_decay_kick();
	return err;
}

/* === tcache: after warm-up, hits dominate === */

struct tc_ctx {
	unsigned int cpu;
	int err;
	struct jmod_tbin_stats before, after;
	struct completion done;
};

static int tc_thread(void *data)
{
	unsigned int cls = jmod_size_class(64), i, j;
	struct tc_ctx *x = data;
	void *p[32];

	jmod_tcache_bin_stats(x->cpu, cls, &x->before);
	for (i = 0; i < 2000 && !x->err; i++) {
		for (j = 0; j < ARRAY_SIZE(p); j++) {
			p[j] = jmod_malloc(64, GFP_KERNEL);
			if (!p[j])
				x->err = -ENOMEM;
		}
		for (j = 0; j < ARRAY_SIZE(p); j++)
			jmod_free(p[j]);
		if (!(i & 63))
			cond_resched();
	}
	jmod_tcache_bin_stats(x->cpu, cls, &x->after);
	complete(&x->done);
	return 0;
}

static int st_tcache(u32 arg, char *msg)
{
	struct tc_ctx x = { .cpu = cpumask_first(cpu_online_mask) };
	struct task_struct *t;
	u64 req, hits;

	if (!jmod_tcache_serves(jmod_size_class(64))) {
		snprintf(msg, MSG_LEN, "SKIP: tcache is off");
		return 0;
	}
	init_completion(&x.done);
	t = kthread_create(tc_thread, &x, "jmod-tc/%u", x.cpu);
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, x.cpu);
	wake_up_process(t);
	wait_for_completion(&x.done);
	if (x.err)
		return fail(msg, "allocation failed");
	req = x.after.nrequests - x.before.nrequests;
	hits = x.after.nhits - x.before.nhits;
	/* a few requests may be heap profile samples, which skip the tcache */
	if (req < 60000 || hits * 10 < req * 9)
		return fail(msg, "64 B bin: %llu hits of %llu requests", hits, req);
	if (x.after.nfills == x.before.nfills)
		return fail(msg, "64 B bin never filled");
	snprintf(msg, MSG_LEN, "64 B bin on CPU %u: %llu/%llu hits, %llu fills, %llu flushes",
		 x.cpu, hits, req, x.after.nfills - x.before.nfills,
		 x.after.nflushes - x.before.nflushes);
	return 0;
}

/* === debug: red zone, double free, foreign free, validate (debug=FZPU) === */

static noinline void *debug_alloc_site(size_t n)
{
	void *p = jmod_malloc(n, GFP_KERNEL);

	barrier();	/* keep this frame: no tail call */
	return p;
}

static noinline void debug_free_site(void *p)
{
	jmod_free(p);
	barrier();
}

/* The last report must be of @kind, at @offset, with the right owner. */
static int expect_report(unsigned long count, enum jmod_err kind,
			 size_t size, size_t offset, const char *site,
			 bool by_free, char *msg)
{
	struct jmod_debug_report r;

	jmod_debug_last(&r);
	if (r.count != count + 1)
		return fail(msg, "%lu reports, want %lu", r.count, count + 1);
	if (r.kind != kind)
		return fail(msg, "report kind %d, want %d", r.kind, kind);
	if (size && (r.cls != jmod_size_class(size) || r.size != size ||
		     r.offset != offset))
		return fail(msg, "report class %u size %zu offset %zu, want %u %zu %zu",
			    r.cls, r.size, r.offset, jmod_size_class(size),
			    size, offset);
	if (site && !jmod_stack_has(by_free ? r.free_stack : r.alloc_stack,
				    site))
		return fail(msg, "report does not name %s", site);
	return 0;
}

static int st_debug(u32 arg, char *msg)
{
	const unsigned int need = JMOD_DBG_SANITY | JMOD_DBG_REDZONE |
				  JMOD_DBG_POISON | JMOD_DBG_USER;
	unsigned int saved = READ_ONCE(jmod_decay_ms);
	struct jmod_debug_report r;
	size_t size = 20000;	/* class 20480: 480 bytes of red zone */
	unsigned long page;
	u8 *p;
	int err;

	if ((jmod_debug & need) != need) {
		snprintf(msg, MSG_LEN, "SKIP: needs debug=FZPU");
		return 0;
	}
	/* freed runs must stay jmod's while we poke at them */
	WRITE_ONCE(jmod_decay_ms, 3600 * 1000);

	/* one byte past the request */
	jmod_debug_last(&r);
	p = debug_alloc_site(size);
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	p[size] = 0x41;
	jmod_free(p);
	err = expect_report(r.count, JMOD_ERR_REDZONE, size, size,
			    "debug_alloc_site", false, msg);
	if (err)
		goto out;

	/* double free */
	jmod_debug_last(&r);
	p = debug_alloc_site(size);
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	debug_free_site(p);
	jmod_free(p);
	err = expect_report(r.count, JMOD_ERR_DOUBLE_FREE, 0, 0,
			    "debug_free_site", true, msg);
	if (err)
		goto out;

	/* a write after free, found by validate through the poison */
	p[100] = 0x42;
	jmod_debug_last(&r);
	if (!jmod_arena_validate()) {
		err = fail(msg, "validate missed a write after free");
		goto out;
	}
	err = expect_report(r.count, JMOD_ERR_POISON, 0, 0, NULL, false, msg);
	if (err)
		goto out;

	/* a corrupted red zone of a live object, found by validate */
	p = debug_alloc_site(size);
	if (!p) {
		err = -ENOMEM;
		goto out;
	}
	p[size + 1] = 0x43;
	jmod_debug_last(&r);
	if (jmod_arena_validate() != 1) {
		jmod_free(p);
		err = fail(msg, "validate did not find the corrupted red zone");
		goto out;
	}
	err = expect_report(r.count, JMOD_ERR_REDZONE, size, size + 1,
			    "debug_alloc_site", false, msg);
	jmod_free(p);	/* validate repaired it: no new report */
	if (err)
		goto out;

	/* a pointer jmod never handed out */
	page = __get_free_page(GFP_KERNEL);
	if (!page) {
		err = -ENOMEM;
		goto out;
	}
	jmod_debug_last(&r);
	jmod_free((void *)page);
	free_page(page);
	err = expect_report(r.count, JMOD_ERR_INVALID_FREE, 0, 0, NULL,
			    false, msg);
	if (!err)
		snprintf(msg, MSG_LEN,
			 "red zone, double free, use after free, validate, foreign free reported");
out:
	WRITE_ONCE(jmod_decay_ms, saved);
	jmod_arena_decay_kick();
	return err;
}

/* === prof: two call sites, estimated bytes within 20% of the truth === */

#define PROF_A_N	2000
#define PROF_A_SIZE	1000
#define PROF_B_N	500
#define PROF_B_SIZE	6000

static noinline void *prof_site_a(void)
{
	void *p = jmod_malloc(PROF_A_SIZE, GFP_KERNEL);

	barrier();
	return p;
}

static noinline void *prof_site_b(void)
{
	void *p = jmod_malloc(PROF_B_SIZE, GFP_KERNEL);

	barrier();
	return p;
}

struct prof_ctx {
	void **objs;
	int err;
	struct completion done;
};

static int prof_thread(void *data)
{
	struct prof_ctx *x = data;
	unsigned int i;

	for (i = 0; i < PROF_A_N + PROF_B_N; i++) {
		x->objs[i] = i < PROF_A_N ? prof_site_a() : prof_site_b();
		if (!x->objs[i])
			x->err = -ENOMEM;
	}
	complete(&x->done);
	return 0;
}

static int prof_check(const struct jmod_prof_site *s, int n, const char *name,
		      u64 truth, char *msg, u64 *est)
{
	int i;

	for (i = 0; i < n; i++) {
		if (!jmod_stack_has(s[i].stack, name))
			continue;
		*est = s[i].est_bytes;
		if (s[i].est_bytes * 5 < truth * 4 || s[i].est_bytes * 5 > truth * 6)
			return fail(msg, "%s: estimated %llu bytes, truth %llu",
				    name, s[i].est_bytes, truth);
		return 0;
	}
	return fail(msg, "%s not among %d profiled sites", name, n);
}

/* Live huge allocations and their pages, as the stats count them. */
static void huge_live(struct jmod_cpu_stats *s, s64 *objs, s64 *pages)
{
	jmod_stats_read(s);
	*objs = s->nmalloc[JMOD_HUGE_SLOT] - s->ndalloc[JMOD_HUGE_SLOT];
	*pages = s->huge_pages;
}

/* Pages of a small sample of @size: its class size rounded up. */
static s64 class_pages(size_t size)
{
	return PAGE_ALIGN(jmod_class_size[jmod_size_class(size)]) >> PAGE_SHIFT;
}

/* Samples the profile holds for site @name. */
static u64 prof_samples_of(const struct jmod_prof_site *s, int n,
			   const char *name)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < n; i++)
		if (jmod_stack_has(s[i].stack, name))
			sum += s[i].samples;
	return sum;
}

static int st_prof(u32 arg, char *msg)
{
	unsigned long saved = jmod_prof_rate();
	unsigned int cpu = cpumask_first(cpu_online_mask), i;
	struct prof_ctx x = {};
	struct jmod_prof_site *sites = NULL;
	struct jmod_cpu_stats *st;
	struct task_struct *t;
	u64 est_a = 0, est_b = 0, sa, sb;
	s64 objs0, pages0, objs, pages, want;
	int n, err;

	x.objs = kvcalloc(PROF_A_N + PROF_B_N, sizeof(void *), GFP_KERNEL);
	sites = kvcalloc(256, sizeof(*sites), GFP_KERNEL);
	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!x.objs || !sites || !st) {
		err = -ENOMEM;
		goto out;
	}
	init_completion(&x.done);
	huge_live(st, &objs0, &pages0);
	jmod_prof_set_rate(8192);
	jmod_prof_reset_seed(12345);
	t = kthread_create(prof_thread, &x, "jmod-prof/%u", cpu);
	if (IS_ERR(t)) {
		err = PTR_ERR(t);
		goto out_rate;
	}
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&x.done);
	err = x.err;
	n = jmod_prof_sites(sites, 256);
	if (!err)
		err = prof_check(sites, n, "prof_site_a",
				 (u64)PROF_A_N * PROF_A_SIZE, msg, &est_a) ?:
		      prof_check(sites, n, "prof_site_b",
				 (u64)PROF_B_N * PROF_B_SIZE, msg, &est_b);
	/*
	 * Both sites are small: every sample has pages of its own, its
	 * class size rounded up (1 KiB: one page, 6 KiB: two), in the huge
	 * row; nothing else is huge here.
	 */
	sa = prof_samples_of(sites, n, "prof_site_a");
	sb = prof_samples_of(sites, n, "prof_site_b");
	want = sa * class_pages(PROF_A_SIZE) + sb * class_pages(PROF_B_SIZE);
	huge_live(st, &objs, &pages);
	if (!err && (objs - objs0 != (s64)(sa + sb) ||
		     pages - pages0 != want))
		err = fail(msg,
			   "%llu small samples: %lld huge objects, %lld pages (want %lld) more",
			   sa + sb, objs - objs0, pages - pages0, want);
	for (i = 0; i < PROF_A_N + PROF_B_N; i++)
		jmod_free(x.objs[i]);
	huge_live(st, &objs, &pages);
	if (!err && (objs != objs0 || pages != pages0))
		err = fail(msg, "after the frees: %lld huge objects, %lld pages more",
			   objs - objs0, pages - pages0);
	if (!err)
		snprintf(msg, MSG_LEN,
			 "site a: %llu of %u bytes, site b: %llu of %u bytes, %llu samples on %lld pages",
			 est_a, PROF_A_N * PROF_A_SIZE, est_b,
			 PROF_B_N * PROF_B_SIZE, sa + sb, want);
out_rate:
	jmod_prof_set_rate(saved);
	jmod_prof_reset();
out:
	kfree(st);
	kvfree(sites);
	kvfree(x.objs);
	return err;
}

/* === huge_atomic: vmalloc'ed huge objects freed where nothing may sleep === */

/*
 * Above the largest buddy order a huge object is vmalloc'ed.  Freeing it
 * under a spinlock, with interrupts off, or by a realloc that moves it
 * must not call vfree() (it may sleep): on a DEBUG_ATOMIC_SLEEP kernel
 * that is a "sleeping function called from invalid context" splat, which
 * fails the run.
 */
static int st_huge_atomic(u32 arg, char *msg)
{
	size_t size = (PAGE_SIZE << JMOD_MAX_PAGE_ORDER) + (4 << 20);
	static DEFINE_SPINLOCK(lock);
	unsigned long flags;
	unsigned int i, vm = 0;
	void *p, *q;

	for (i = 0; i < 3; i++) {
		p = jmod_malloc(size, GFP_KERNEL | __GFP_NOWARN);
		if (!p)
			return fail(msg, "malloc(%zu) failed", size);
		vm += is_vmalloc_addr(p);
		jmod_pattern_fill(p, 0, PAGE_SIZE, i + 1);
		switch (i) {
		case 0:
			spin_lock(&lock);
			jmod_free(p);
			spin_unlock(&lock);
			break;
		case 1:
			/* PREEMPT_RT: no sleeping lock with IRQs off */
			if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
				spin_lock_irqsave(&lock, flags);
				jmod_free(p);
				spin_unlock_irqrestore(&lock, flags);
				break;
			}
			local_irq_save(flags);
			jmod_free(p);
			local_irq_restore(flags);
			break;
		default:
			/* moves to a large run, frees the old one atomically */
			spin_lock_irqsave(&lock, flags);
			q = jmod_realloc(p, 64 << 10, GFP_ATOMIC | __GFP_NOWARN);
			spin_unlock_irqrestore(&lock, flags);
			if (!q) {
				jmod_free(p);
				return fail(msg, "realloc to 64 KiB under a lock failed");
			}
			if (jmod_pattern_check(q, 0, PAGE_SIZE, i + 1) >= 0) {
				jmod_free(q);
				return fail(msg, "realloc lost the contents");
			}
			jmod_free(q);
			break;
		}
	}
	if (vm != 3)
		return fail(msg, "only %u of 3 objects of %zu bytes were vmalloc'ed",
			    vm, size);
	snprintf(msg, MSG_LEN,
		 "3 vmalloc'ed objects of %zu MiB freed: spinlock, irqs off, realloc",
		 size >> 20);
	return 0;
}

/* === zeroing: the kernel's init_on_alloc / init_on_free policy === */

/*
 * Does @p show a previous owner's 0x5a bytes where init_on_alloc wants
 * zeroes?  SLUB poisoning (slub_debug=P, or jmod's debug=P) hands out
 * poison instead of zeroes, as kmalloc() does then: that is no leak.
 */
static bool zero_leaks(const void *p, size_t n)
{
	if (jmod_debug & JMOD_DBG_POISON)
		return memchr(p, 0x5a, n);
	return !all_zero(p, n);
}

/*
 * One class: allocate, fill with 0x5a, free, allocate the same size
 * again.  Under init_on_alloc the second object must be all zero whether
 * or not it is the same one (tcache hit, refilled bin, reused run); with
 * both policies off a reused object must still hold the old bytes (jmod
 * zeroes nothing the caller did not ask for).  __GFP_ZERO always zeroes.
 * Returns 1 when the object was reused, 0 when not, or -errno.
 */
static int zero_one(size_t size, bool init, bool clear, char *msg)
{
	size_t usable;
	void *p, *q;
	int reused;

	p = jmod_malloc(size, GFP_KERNEL);
	if (!p)
		return fail(msg, "malloc(%zu) failed", size);
	usable = jmod_usable_size(p);
	memset(p, 0x5a, usable);
	jmod_free(p);
	q = jmod_malloc(size, GFP_KERNEL);
	if (!q)
		return fail(msg, "malloc(%zu) failed", size);
	reused = q == p;
	usable = jmod_usable_size(q);
	if (init && zero_leaks(q, usable)) {
		jmod_free(q);
		return fail(msg, "init_on_alloc: %zu bytes: %s object not zeroed",
			    size, reused ? "reused" : "new");
	}
	if (!init && !clear && reused && all_zero(q, usable)) {
		jmod_free(q);
		return fail(msg, "init_on_alloc=0: %zu bytes zeroed unasked",
			    size);
	}
	memset(q, 0x5a, usable);
	jmod_free(q);
	q = jmod_zalloc(size, GFP_KERNEL);
	if (!q)
		return fail(msg, "zalloc(%zu) failed", size);
	if (!all_zero(q, jmod_usable_size(q))) {
		jmod_free(q);
		return fail(msg, "zalloc(%zu) not zeroed", size);
	}
	jmod_free(q);
	return reused;
}

/* A large run grown in place into pages another object just used. */
static int zero_grow(bool init, bool clear, char *msg)
{
	size_t big = 64 << 10, small = 16 << 10;
	u8 *p, *q;
	int err = 0;

	if (jmod_debug)
		return 0;	/* realloc moves in debug mode */
	st_pin_cpu();
	p = jmod_malloc(big, GFP_ATOMIC);
	if (!p) {
		st_unpin_cpu();
		return fail(msg, "malloc(%zu) failed", big);
	}
	memset(p, 0x5a, big);
	q = jmod_realloc(p, small, GFP_ATOMIC);
	if (q == p)
		q = jmod_realloc(p, big, GFP_ATOMIC);
	st_unpin_cpu();
	if (q != p)
		err = fail(msg, "64 KiB -> 16 KiB -> 64 KiB did not stay in place");
	else if (init && !all_zero(q + small, big - small))
		err = fail(msg, "init_on_alloc: grown part not zeroed");
	else if (!init && !clear && all_zero(q + small, big - small))
		err = fail(msg, "init_on_alloc=0: grown part zeroed unasked");
	jmod_free(q ?: p);
	return err;
}

/*
 * Many objects of one small class at once, on one CPU: fills bring
 * objects SLUB zeroed (the tcache skips zeroing those), frees push dirty
 * ones above them, flushes take the bottom and GC steps run.  Every
 * object handed out must still be zero under init_on_alloc, whichever
 * layer it came from.
 */
#define ZERO_BATCH	300

static void zero_give(void **objs, unsigned int from, unsigned int to)
{
	while (from < to)
		jmod_free(objs[from++]);
}

/* Take objs[@from .. @to - 1], check each is zero, then dirty it. */
static int zero_take(size_t size, void **objs, unsigned int from,
		     unsigned int to, char *msg)
{
	unsigned int i;
	int err;

	for (i = from; i < to; i++) {
		objs[i] = jmod_malloc(size, GFP_KERNEL);
		if (!objs[i]) {
			err = fail(msg, "malloc(%zu) failed", size);
			goto undo;
		}
		if (zero_leaks(objs[i], size)) {
			err = fail(msg, "init_on_alloc: %zu bytes: object %u of a batch not zeroed",
				   size, i);
			i++;
			goto undo;
		}
		memset(objs[i], 0x5a, size);
	}
	return 0;
undo:
	zero_give(objs, from, i);
	return err;
}

static int zero_batch(unsigned int cls, void **objs, char *msg)
{
	size_t size = jmod_class_size[cls];
	int err;

	migrate_disable();
	err = zero_take(size, objs, 0, ZERO_BATCH, msg);
	if (!err) {
		/* the upper half back, then taken again: dirty above clean */
		zero_give(objs, ZERO_BATCH / 2, ZERO_BATCH);
		err = zero_take(size, objs, ZERO_BATCH / 2, ZERO_BATCH, msg);
		zero_give(objs, 0, err ? ZERO_BATCH / 2 : ZERO_BATCH);
	}
	if (!err) {
		err = zero_take(size, objs, 0, ZERO_BATCH, msg);
		if (!err)
			zero_give(objs, 0, ZERO_BATCH);
	}
	migrate_enable();
	return err;
}

static int st_zeroing(u32 arg, char *msg)
{
	bool init = want_init_on_alloc(GFP_KERNEL), clear = want_init_on_free();
	unsigned int i, reused = 0, n = 0;
	int ret;

	for (i = 0; i < jmod_nr_classes; i++, n++) {
		ret = zero_one(jmod_class_size[i], init, clear, msg);
		if (ret < 0)
			return ret;
		reused += ret;
	}
	/* huge: pages from the page allocator, which applies the policy */
	ret = zero_one(jmod_large_max + 3 * PAGE_SIZE, init, clear, msg);
	if (ret < 0)
		return ret;
	ret = zero_grow(init, clear, msg);
	if (ret)
		return ret;
	if (init) {
		void **objs = kvcalloc(ZERO_BATCH, sizeof(void *), GFP_KERNEL);

		if (!objs)
			return fail(msg, "no memory for the batch table");
		for (i = 0, ret = 0; i < JMOD_NR_SMALL && !ret; i++)
			ret = zero_batch(i, objs, msg);
		kvfree(objs);
		if (ret)
			return ret;
	}
	/* a fresh boot may not hand the same object back everywhere */
	if (!init && !clear && !reused)
		return fail(msg, "init_on_alloc=0: no class reused an object");
	snprintf(msg, MSG_LEN,
		 "init_on_alloc=%d init_on_free=%d: %u classes + huge, %u reused, %s, policy obeyed",
		 init, clear, n, reused,
		 init ? "batches of " __stringify(ZERO_BATCH) " per small class" : "no batches");
	return 0;
}

/* === quiesce: nothing live, every page back (run this last) === */

static int st_quiesce(u32 arg, char *msg)
{
	struct jmod_cpu_stats *s;
	unsigned int i;
	int err = 0;

	jmod_purge();
	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	jmod_stats_read(s);
	for (i = 0; i <= JMOD_MAX_CLASSES && !err; i++)
		if (s->nmalloc[i] != s->ndalloc[i])
			err = fail(msg, "class %u: nmalloc %llu != ndalloc %llu",
				   i, s->nmalloc[i], s->ndalloc[i]);
	if (!err && (s->chunk_pages || s->huge_pages))
		err = fail(msg, "pages still mapped: %ld chunk, %ld huge",
			   s->chunk_pages, s->huge_pages);
	if (!err && active_pages_all())
		err = fail(msg, "arenas still have active pages");
	if (!err)
		snprintf(msg, MSG_LEN, "no live object, no page held");
	kfree(s);
	return err;
}

/*
 * Debug mode: jmod_arena_validate() in a loop on one CPU while this one
 * allocates and frees runs with red zones: a validate that sees a run
 * before its red zone is written reports (and "repairs") bytes that are
 * being handed out.  Nothing may be reported.
 */
struct validate_ctx {
	bool stop;
	unsigned long runs, problems;
};

static int validate_thread(void *data)
{
	struct validate_ctx *v = data;

	while (!READ_ONCE(v->stop)) {
		v->problems += jmod_arena_validate();
		v->runs++;
		cond_resched();
	}
	while (!kthread_should_stop())
		schedule_timeout_uninterruptible(1);
	return 0;
}

static int st_validate_race(u32 arg, char *msg)
{
	const unsigned int need = JMOD_DBG_SANITY | JMOD_DBG_REDZONE;
	struct jmod_debug_report r0, r1;
	struct validate_ctx *v;
	struct task_struct *t;
	unsigned long end, n = 0;
	int err = 0;

	if ((jmod_debug & need) != need || num_online_cpus() < 2) {
		snprintf(msg, MSG_LEN, "SKIP: needs debug=FZ and 2 CPUs");
		return 0;
	}
	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	jmod_debug_last(&r0);
	t = kthread_run(validate_thread, v, "jmod-validate");
	if (IS_ERR(t)) {
		kfree(v);
		return PTR_ERR(t);
	}
	end = jiffies + HZ;
	while (time_before(jiffies, end) && !err) {
		/* 20000 B in a 20480 B run: 480 bytes of red zone */
		void *p = jmod_malloc(20000, GFP_KERNEL);

		if (!p) {
			err = -ENOMEM;
			break;
		}
		memset(p, 0x42, 20000);
		jmod_free(p);
		n++;
		cond_resched();
	}
	WRITE_ONCE(v->stop, true);
	kthread_stop(t);
	jmod_debug_last(&r1);
	if (!err && (v->problems || r1.count != r0.count))
		err = fail(msg, "validate: %lu problems, %lu reports, %lu passes, %lu allocs",
			   v->problems, r1.count - r0.count, v->runs, n);
	else if (!err)
		snprintf(msg, MSG_LEN, "%lu validate passes over %lu allocations: nothing reported",
			 v->runs, n);
	kfree(v);
	return err;
}

/*
 * kmemleak: objects referenced only from inside jmod objects are not
 * leaks.  @arg 1 allocates two kmalloc objects and keeps one pointer to
 * each only inside a 20 KiB run and a 4 MiB huge object (whose pointers
 * the module keeps); @arg 2 frees them all; 0 does both (no scan in
 * between: the kselftest stress.kmemleak_refs scans there).
 */
static void *st_leak_run, *st_leak_huge;

/*
 * The kmalloc objects are made by a thread that then exits: no stale copy
 * of their addresses stays on a live stack for kmemleak to find.
 */
static int leak_thread(void *data)
{
	void **run = st_leak_run, **huge = st_leak_huge;
	int ret;

	run[100] = kmalloc(64, GFP_KERNEL);
	huge[1000] = kmalloc(64, GFP_KERNEL);
	ret = run[100] && huge[1000] ? 0 : -ENOMEM;
	complete(data);
	while (!kthread_should_stop())
		schedule_timeout_uninterruptible(1);
	return ret;
}

static int st_leak_refs(u32 arg, char *msg)
{
	DECLARE_COMPLETION_ONSTACK(done);
	struct task_struct *t;
	void **run, **huge;
	int err = 0;

	if (arg > 2)
		return fail(msg, "arg %u: want 0, 1 (hold) or 2 (release)", arg);
	if (arg != 2 && !st_leak_run) {
		run = jmod_zalloc(SZ_16K + SZ_4K, GFP_KERNEL);
		huge = jmod_zalloc(SZ_4M, GFP_KERNEL);
		if (!run || !huge) {
			jmod_free(run);
			jmod_free(huge);
			return -ENOMEM;
		}
		st_leak_run = run;
		st_leak_huge = huge;
		t = kthread_run(leak_thread, &done, "jmod-leak");
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			arg = 0;	/* release below */
		} else {
			wait_for_completion(&done);
			err = kthread_stop(t);
		}
	}
	if (arg != 1 && st_leak_run) {
		run = st_leak_run;
		huge = st_leak_huge;
		kfree(run[100]);
		kfree(huge[1000]);
		jmod_free(run);
		jmod_free(huge);
		st_leak_run = NULL;
		st_leak_huge = NULL;
	}
	if (!err)
		snprintf(msg, MSG_LEN, "%s", arg == 1 ? "holding" : "released");
	return err;
}

/*
 * Refused requests: __GFP_DMA and __GFP_DMA32 get NULL from every entry
 * point and size, and nothing is counted; then (x86) an NMI sent to this
 * CPU allocates and frees: the allocation gets NULL and the free leaves
 * the object live.
 */
#ifdef CONFIG_X86_LOCAL_APIC
static struct {
	int cpu;		/* armed for this CPU; -1: not armed */
	bool ran;
	void *got;		/* jmod_malloc() in NMI context */
	void *victim;		/* jmod_free()d in NMI context */
} st_nmi_state = { .cpu = -1 };

static int st_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (READ_ONCE(st_nmi_state.cpu) != smp_processor_id())
		return NMI_DONE;
	WRITE_ONCE(st_nmi_state.cpu, -1);
	st_nmi_state.got = jmod_malloc(64, GFP_ATOMIC);
	jmod_free(st_nmi_state.victim);
	WRITE_ONCE(st_nmi_state.ran, true);
	return NMI_HANDLED;
}

/* 1: the NMI ran, 0: no NMI came (skip), -errno: failed (@msg) */
static int st_nmi_run(char *msg)
{
	void *victim = jmod_malloc(SZ_16K, GFP_KERNEL);
	unsigned int i;
	int err;

	if (!victim)
		return -ENOMEM;
	st_nmi_state.victim = victim;
	st_nmi_state.got = NULL;
	st_nmi_state.ran = false;
	err = register_nmi_handler(NMI_LOCAL, st_nmi_handler, 0, "jmod_st");
	if (err) {
		jmod_free(victim);
		return err;
	}
	preempt_disable();
	WRITE_ONCE(st_nmi_state.cpu, smp_processor_id());
	apic->send_IPI_mask(cpumask_of(smp_processor_id()), NMI_VECTOR);
	/* preemption off (stay on this CPU): busy-wait up to 100 ms */
	for (i = 0; i < 100 && !READ_ONCE(st_nmi_state.ran); i++)
		mdelay(1);
	WRITE_ONCE(st_nmi_state.cpu, -1);
	preempt_enable();
	unregister_nmi_handler(NMI_LOCAL, "jmod_st");
	err = READ_ONCE(st_nmi_state.ran);
	if (st_nmi_state.got) {
		err = fail(msg, "jmod_malloc() in NMI context was not refused");
		jmod_free(st_nmi_state.got);
	} else if (err && jmod_usable_size(victim) != SZ_16K) {
		/* freed anyway: the arena took it back, do not free again */
		return fail(msg, "jmod_free() in NMI context was not refused");
	}
	jmod_free(victim);
	return err;
}
#else
static int st_nmi_run(char *msg)
{
	return 0;
}
#endif

static int st_refused(u32 arg, char *msg)
{
	static const gfp_t zones[] = { GFP_KERNEL | __GFP_DMA,
				       GFP_ATOMIC | __GFP_DMA,
				       GFP_KERNEL | __GFP_DMA32 };
	static const size_t sizes[] = { 8, 64, 4096, SZ_16K + SZ_4K,
					SZ_512K, SZ_8M };
	struct jmod_cpu_stats *before, *after;
	unsigned int i, j;
	void *p = NULL, *q;
	int err = 0, nmi;

	before = kmalloc(sizeof(*before), GFP_KERNEL);
	after = kmalloc(sizeof(*after), GFP_KERNEL);
	q = jmod_malloc(64, GFP_KERNEL);
	if (!before || !after || !q) {
		err = -ENOMEM;
		goto out;
	}
	jmod_stats_read(before);
	for (i = 0; i < ARRAY_SIZE(zones) && !err; i++) {
		for (j = 0; j < ARRAY_SIZE(sizes) && !p; j++) {
			p = jmod_malloc(sizes[j], zones[i]) ?:
			    jmod_zalloc(sizes[j], zones[i]) ?:
			    jmod_calloc(1, sizes[j], zones[i]) ?:
			    jmod_aligned_alloc(64, sizes[j], zones[i]) ?:
			    jmod_realloc(q, sizes[j], zones[i]);
			if (p)
				err = fail(msg, "gfp %pGg, %zu B: not refused",
					   &zones[i], sizes[j]);
		}
	}
	if (p && p != q)
		jmod_free(p);
	if (err)
		goto out;
	jmod_stats_read(after);
	for (i = 0; i < JMOD_NR_SLOTS && !err; i++)
		if (after->nrequests[i] != before->nrequests[i])
			err = fail(msg, "a refused request was counted");
	if (err)
		goto out;
	nmi = st_nmi_run(msg);
	if (nmi < 0) {
		err = nmi;
		goto out;
	}
	snprintf(msg, MSG_LEN, "__GFP_DMA, __GFP_DMA32 refused; NMI: %s",
		 nmi ? "malloc and free refused" : "SKIP: no NMI delivered");
out:
	jmod_free(q);
	kfree(before);
	kfree(after);
	return err;
}

/* === Table === */

struct jmod_selftest_case {
	const char *name;
	int (*fn)(u32 arg, char *msg);
};

static const struct jmod_selftest_case jmod_cases[] = {
	{ "classes", st_classes },
	{ "api", st_api },
	{ "aligned", st_aligned },
	{ "realloc_inplace", st_realloc_inplace },
	{ "random", st_random },
	{ "cross_cpu", st_cross_cpu },
	{ "hardirq", st_hardirq },
	{ "atomic_spinlock", st_atomic_spinlock },
	{ "decay", st_decay },
	{ "chunk_growth", st_chunk_growth },
	{ "purge", st_purge },
	{ "spare", st_spare },
	{ "bad_free", st_bad_free },
	{ "tcache", st_tcache },
	{ "debug", st_debug },
	{ "prof", st_prof },
	{ "huge_atomic", st_huge_atomic },
	{ "zeroing", st_zeroing },
	{ "refused", st_refused },
	{ "validate_race", st_validate_race },
	{ "leak_refs", st_leak_refs },
	{ "quiesce", st_quiesce },
};

static DEFINE_MUTEX(jmod_selftest_mutex);	/* serialises every case */

unsigned int jmod_selftest_count(void)
{
	return ARRAY_SIZE(jmod_cases);
}

int jmod_selftest_run(struct jmod_selftest *st)
{
	const struct jmod_selftest_case *c;
	int err;

	if (st->__pad || (st->flags & ~JMOD_SELFTEST_QUERY))
		return -EINVAL;
	if (st->id >= ARRAY_SIZE(jmod_cases))
		return -ENOENT;
	c = &jmod_cases[st->id];
	strscpy(st->name, c->name, sizeof(st->name));
	memset(st->msg, 0, sizeof(st->msg));
	if (st->flags & JMOD_SELFTEST_QUERY)
		return 0;
	/* cases change global state (decay_ms, the profile): one at a time */
	mutex_lock(&jmod_selftest_mutex);
	err = c->fn(st->cpu_mask_or_arg, st->msg);
	mutex_unlock(&jmod_selftest_mutex);
	pr_info("selftest %s: %s: %s\n", c->name, err ? "FAIL" : "ok", st->msg);
	return err;
}
