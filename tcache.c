// SPDX-License-Identifier: GPL-2.0
/*
 * jmod tcache: jemalloc's thread cache, made per-CPU.
 *
 * Owns one struct jmod_tcache per CPU (alloc_percpu) holding a bin per
 * cached class: every small class and the large classes up to tcache_max.
 * A bin is an array stack of object pointers: allocation pops, free
 * pushes; there is no loop over classes and no atomic read-modify-write
 * on either path.
 *
 * Data flow:
 *   alloc: pop (inline in the API, internal.h: a hit makes no call); on a
 *          miss, fill: take (ncached_max >> lg_fill_div) objects with one
 *          kmem_cache_alloc_bulk() and keep them (large classes: no
 *          fill, the arena serves the miss).  A bin that runs empty
 *          again before the GC visits it doubles its fill at once.  The
 *          fill asks for __GFP_ZERO exactly when the zeroing policy
 *          wants it, and the bin counts the still-zeroed objects at its
 *          bottom (nclean), so a pop of one of those skips the memset.
 *   free:  push (inline too); when the bin is full, flush its older half
 *          with one kmem_cache_free_bulk() straight from the stack, under
 *          the lock (large: back to the owning arenas).
 *   GC:    each time a CPU's allocated bytes cross a multiple of 64 KiB,
 *          visit one bin: flush about 3/4 of the objects that stayed
 *          below its low-water mark since the last visit and halve its
 *          fill count; a bin that ran empty doubles it.  A worker does
 *          the same, through a work item on the CPU, for CPUs whose
 *          tcache holds objects but whose byte count stood still.
 *   stats: a hit counts nhits, a miss nmisses (slow path); requests are
 *          their sum, derived when read.
 *   drain: a CPU's bins go back when it goes offline (cpuhp teardown),
 *          every CPU's on shrinker scan, purge, tcache=0 and unload: a
 *          work item on each CPU drains that CPU's own bins.
 *
 * Locking: the bins are used from task context only.  tc->lock is a
 * local_lock_t (preemption off on !PREEMPT_RT), so a bin is only ever
 * touched by its own CPU, and interrupt handlers never touch it: in
 * hard-IRQ, softirq and NMI context (!in_task()) allocations and frees
 * bypass the tcache and go straight to the kmem_cache or the arena,
 * which are IRQ-safe.  That keeps the hot path free of interrupt
 * disabling while GFP_ATOMIC keeps working from hard IRQ.  Remote work
 * on a CPU's bins (drain, idle GC) runs as a work item on that CPU; only
 * the cpuhp teardown touches another CPU's bins, when that CPU is dead.
 * kmem_cache_alloc_bulk() and kmem_cache_free_bulk() need interrupts
 * enabled, so fills and bulk flushes run only when the caller has
 * interrupts on; callers with interrupts off get single-object calls.
 * Fills allocate with the lock dropped (the allocation may sleep) into
 * an array on the stack; flushes and GC give objects back under the lock
 * (the kinds' frees never sleep), so no pointer is copied out.
 * Counters in a bin are written under tc->lock by their CPU and read by
 * anyone without it; "reset" records them as a base (tcache_base) that
 * readers subtract, so no CPU's bin is written by another.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/local_lock.h>
#include <linux/lockdep.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include "internal.h"

#define TCACHE_SMALL_MIN	20
#define TCACHE_SMALL_MAX	200
#define TCACHE_LARGE_MAX	20
#define TCACHE_BIN_BYTES	(64 << 10)	/* per bin, see tbin_capacity() */
#define TCACHE_BIN_MIN		2
#define TCACHE_IDLE_GC_MS	1000
#define TCACHE_LIMIT		(256 << 10)	/* largest tcache_max */
#define TCACHE_BATCH		(TCACHE_SMALL_MAX / 2)

static_assert(TCACHE_SMALL_MAX <= U8_MAX);	/* jmod_tbin.nclean */

DEFINE_STATIC_KEY_TRUE(jmod_tcache_key);
unsigned int jmod_nr_tbins;		/* cached classes: 0 .. nr_tbins - 1 */
struct jmod_tcache __percpu *jmod_tcache;
static bool jmod_tcache_enabled = true;
static bool jmod_tcache_ready;
static DEFINE_MUTEX(jmod_tcache_mutex);	/* on/off switch */
static unsigned long jmod_tcache_max = 32 << 10;
static enum cpuhp_state jmod_tcache_hp;
static struct workqueue_struct *jmod_tcache_wq;	/* WQ_MEM_RECLAIM: shrinker */
static unsigned long *idle_seen;	/* worker's view of alloc_bytes */
/* event counters at the last reset, [cpu * jmod_nr_tbins + class] */
static struct jmod_tbin_stats *tcache_base;

static void tcache_idle_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(tcache_idle_work, tcache_idle_fn);

/* === Giving objects back === */

/*
 * Return @n objects of class @cls to their kind (small caches or arena runs).  Bulk frees need
 * interrupts on; otherwise (hard IRQ, irqs-off callers) free singly.
 */
static void tcache_release(unsigned int cls, void **objs, unsigned int n)
{
	unsigned int i;

	if (!n)
		return;
	if (cls >= JMOD_NR_SMALL) {
		for (i = 0; i < n; i++)
			jmod_large_free(objs[i], _RET_IP_, true);
	} else if (!irqs_disabled()) {
		jmod_small_free_bulk(cls, n, objs);
	} else {
		for (i = 0; i < n; i++)
			jmod_small_free(cls, objs[i]);
	}
}

/*
 * Give the @n oldest (bottom) objects of @tb, class @cls, back to their
 * kind, straight from the stack, and shift the rest down.  tc->lock held:
 * the kinds' frees never sleep, and no copy of the pointers is needed.
 */
static void tbin_release_bottom(unsigned int cls, struct jmod_tbin *tb,
				unsigned int n)
{
	lockdep_assert_held(this_cpu_ptr(&jmod_tcache->lock));
	if (!n)
		return;
	tcache_release(cls, tb->stack, n);
	memmove(tb->stack, tb->stack + n, (tb->ncached - n) * sizeof(void *));
	tb->ncached -= n;
	tb->nclean = tb->nclean > n ? tb->nclean - n : 0;
	if (tb->low_water > tb->ncached)
		tb->low_water = tb->ncached;
	tb->nflushes++;
}

/*
 * One GC visit of bin @cls, tc->lock held: jemalloc's rule.  Flush 3/4 of
 * the objects that sat below the low-water mark, then halve the fill
 * count; a bin that ran empty since the last visit doubles it instead.
 */
static void tbin_gc(unsigned int cls, struct jmod_tbin *tb)
{
	unsigned int n;

	lockdep_assert_held(this_cpu_ptr(&jmod_tcache->lock));
	if (tb->low_water > 0) {
		n = tb->low_water - (tb->low_water >> 2);
		n = min_t(unsigned int, n, TCACHE_BATCH);
		tbin_release_bottom(cls, tb, n);
		if ((tb->ncached_max >> (tb->lg_fill_div + 1)) >= 1)
			tb->lg_fill_div++;
	} else if (tb->low_water < 0 && tb->lg_fill_div > 1) {
		tb->lg_fill_div--;
	}
	tb->low_water = tb->ncached;
}

/* === Allocation === */

/*
 * The fill's pointer array is written by the bulk allocation before it is
 * read: no need for the compiler's zeroing of it (INIT_STACK_ALL_ZERO),
 * 800 bytes per fill.
 */
#if __has_attribute(__uninitialized__)
#define tcache_scratch	__attribute__((__uninitialized__))
#else
#define tcache_scratch
#endif

static void *tcache_fill(unsigned int cls, gfp_t gfp)
{
	void *objs[TCACHE_BATCH] tcache_scratch;
	struct jmod_tcache *tc;
	struct jmod_tbin *tb;
	unsigned int want, got, keep;
	gfp_t fill_gfp;
	bool zeroed;
	void *p;

	if (cls >= JMOD_NR_SMALL)
		return jmod_large_alloc(cls, jmod_class_size[cls], 0, gfp,
					false);
	if (irqs_disabled())
		return jmod_small_alloc(cls, gfp);

	tb = &raw_cpu_ptr(jmod_tcache)->bins[cls];
	want = clamp_t(unsigned int,
		       READ_ONCE(tb->ncached_max) >> READ_ONCE(tb->lg_fill_div),
		       1, TCACHE_BATCH);
	/*
	 * Ask SLUB for zeroed objects exactly when the policy wants them:
	 * with init_on_alloc on it zeroes them anyway, and __GFP_ZERO makes
	 * that hold on a poisoned cache (slub_debug=P) too, so jmod knows
	 * which cached objects are clean and does not zero them twice.
	 */
	zeroed = want_init_on_alloc(gfp);
	fill_gfp = zeroed ? gfp | __GFP_ZERO : gfp & ~__GFP_ZERO;
	got = jmod_small_alloc_bulk(cls, fill_gfp, want, objs);
	if (!got)
		return jmod_small_alloc(cls, gfp);
	p = objs[--got];

	/* maybe another CPU by now, or the bin refilled meanwhile */
	local_lock(&jmod_tcache->lock);
	tc = this_cpu_ptr(jmod_tcache);
	tb = &tc->bins[cls];
	keep = min_t(unsigned int, got, tb->ncached_max - tb->ncached);
	memcpy(tb->stack + tb->ncached, objs + got - keep, keep * sizeof(void *));
	/* zeroed objects stay a prefix of the stack: only on clean ones */
	if (zeroed && tb->nclean == tb->ncached)
		tb->nclean = tb->ncached + keep;
	tb->ncached += keep;
	tb->low_water = -1;
	tb->nfills++;
	local_unlock(&jmod_tcache->lock);

	tcache_release(cls, objs, got - keep);
	return p;
}

/* 64 KiB allocated on this CPU: one incremental GC step, one bin. */
void jmod_tcache_gc_event(void)
{
	struct jmod_tcache *tc;
	unsigned int cls;

	local_lock(&jmod_tcache->lock);
	tc = this_cpu_ptr(jmod_tcache);
	cls = tc->gc_bin;
	tc->gc_bin = cls + 1 < jmod_nr_tbins ? cls + 1 : 0;
	tbin_gc(cls, &tc->bins[cls]);
	local_unlock(&jmod_tcache->lock);
}

/*
 * jmod_tcache_alloc() found the bin empty: count the miss and the bytes
 * (as a hit does), then fill.
 */
void *jmod_tcache_miss(unsigned int cls, gfp_t gfp)
{
	struct jmod_tcache *tc;
	struct jmod_tbin *tb;
	bool gc;

	local_lock(&jmod_tcache->lock);
	tc = this_cpu_ptr(jmod_tcache);
	tb = &tc->bins[cls];
	tb->nmisses++;
	/*
	 * Empty again since the last fill, with no GC visit in between (that
	 * resets low_water): the fill was too small for this burst, double
	 * it now.  The GC visits a bin once per jmod_nr_tbins steps, far
	 * too rarely to grow a fill that an earlier phase of steady frees
	 * and allocations shrank to one object.
	 */
	if (tb->low_water < 0 && tb->lg_fill_div > 1)
		tb->lg_fill_div--;
	gc = jmod_tcache_count(tc, cls);
	local_unlock(&jmod_tcache->lock);

	if (gc)
		jmod_tcache_gc_event();
	return tcache_fill(cls, gfp);
}

/* A hit on a large class: the run is live again. */
void jmod_tcache_large_hit(void *p, unsigned int cls, gfp_t gfp)
{
	jmod_large_uncache(p);
	kmemleak_alloc(p, jmod_class_size[cls], 1, gfp);
}

/* The bin was full: flush its older half, then cache @p. */
void jmod_tcache_flush(unsigned int cls, void *p)
{
	struct jmod_tbin *tb;

	local_lock(&jmod_tcache->lock);
	tb = &this_cpu_ptr(jmod_tcache)->bins[cls];
	if (tb->ncached >= tb->ncached_max)
		tbin_release_bottom(cls, tb, tb->ncached_max / 2);
	tb->stack[tb->ncached++] = p;
	local_unlock(&jmod_tcache->lock);
}

/* === Draining === */

/* Empty every bin of @tc; caller owns @tc (its lock, or the CPU is dead). */
static void tcache_drain(struct jmod_tcache *tc)
{
	unsigned int i;

	for (i = 0; i < jmod_nr_tbins; i++) {
		struct jmod_tbin *tb = &tc->bins[i];

		tcache_release(i, tb->stack, tb->ncached);
		tb->ncached = 0;
		tb->nclean = 0;
		tb->low_water = 0;
	}
}

static void tcache_drain_fn(struct work_struct *work)
{
	local_lock(&jmod_tcache->lock);
	tcache_drain(this_cpu_ptr(jmod_tcache));
	local_unlock(&jmod_tcache->lock);
}

/**
 * jmod_tcache_drain_all() - give every CPU's cached objects back
 *
 * Runs a work item on every online CPU and waits for them.  No CPU
 * hotplug lock: this runs from the shrinker; a CPU that goes offline
 * meanwhile is drained by its cpuhp teardown.
 *
 * Context: process context, may sleep.
 */
void jmod_tcache_drain_all(void)
{
	unsigned int cpu;

	if (!jmod_tcache)
		return;
	for_each_online_cpu(cpu)
		queue_work_on(cpu, jmod_tcache_wq,
			      &per_cpu_ptr(jmod_tcache, cpu)->drain_work);
	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(jmod_tcache, cpu)->drain_work);
}

static int tcache_cpu_dead(unsigned int cpu)
{
	tcache_drain(per_cpu_ptr(jmod_tcache, cpu));
	return 0;
}

/* === Idle GC === */

static void tcache_gc_fn(struct work_struct *work)
{
	struct jmod_tcache *tc;
	unsigned int i;

	for (i = 0; i < jmod_nr_tbins; i++) {
		local_lock(&jmod_tcache->lock);
		tc = this_cpu_ptr(jmod_tcache);
		tbin_gc(i, &tc->bins[i]);
		local_unlock(&jmod_tcache->lock);
	}
}

static unsigned long tcache_cpu_cached(unsigned int cpu)
{
	struct jmod_tcache *tc = per_cpu_ptr(jmod_tcache, cpu);
	unsigned long bytes = 0;
	unsigned int i;

	for (i = 0; i < jmod_nr_tbins; i++)
		bytes += (unsigned long)READ_ONCE(tc->bins[i].ncached) *
			 jmod_class_size[i];
	return bytes;
}

static void tcache_idle_fn(struct work_struct *work)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct jmod_tcache *tc = per_cpu_ptr(jmod_tcache, cpu);
		unsigned long seq = READ_ONCE(tc->alloc_bytes);

		if (seq == idle_seen[cpu] && tcache_cpu_cached(cpu))
			queue_work_on(cpu, jmod_tcache_wq, &tc->gc_work);
		idle_seen[cpu] = seq;
	}
	queue_delayed_work(jmod_unbound_wq, &tcache_idle_work,
			   msecs_to_jiffies(TCACHE_IDLE_GC_MS));
}

/* === Statistics === */

/* Event counter @now less its value at the last reset, never below 0 */
static u64 since_reset(u64 now, u64 base)
{
	return now > base ? now - base : 0;
}

/**
 * jmod_tcache_bin_stats() - one CPU's counters for one cached class
 * @cpu: possible CPU
 * @cls: class below jmod_nr_tbins
 * @st: out: event counters since the last jmod_tcache_stats_reset()
 *
 * Context: any; the counters are read without the owner's lock.
 */
void jmod_tcache_bin_stats(unsigned int cpu, unsigned int cls,
			   struct jmod_tbin_stats *st)
{
	const struct jmod_tbin *tb = &per_cpu_ptr(jmod_tcache, cpu)->bins[cls];
	const struct jmod_tbin_stats *b = &tcache_base[cpu * jmod_nr_tbins + cls];

	u64 hits = READ_ONCE(tb->nhits);

	st->nrequests = since_reset(hits + READ_ONCE(tb->nmisses),
				    READ_ONCE(b->nrequests));
	st->nhits = since_reset(hits, READ_ONCE(b->nhits));
	st->nfills = since_reset(READ_ONCE(tb->nfills), READ_ONCE(b->nfills));
	st->nflushes = since_reset(READ_ONCE(tb->nflushes), READ_ONCE(b->nflushes));
	st->ncached = READ_ONCE(tb->ncached);
	st->ncached_max = tb->ncached_max;
}

/**
 * jmod_tcache_stats_reset() - start the event counters from zero
 *
 * As stats.c does for its counters: the bins are not written (they
 * belong to their CPUs); their current values become the base that
 * jmod_tcache_bin_stats() subtracts.
 *
 * Context: process context, under the statistics mutex (one resetter).
 */
void jmod_tcache_stats_reset(void)
{
	unsigned int cpu, i;

	if (!jmod_tcache)
		return;
	for_each_possible_cpu(cpu) {
		for (i = 0; i < jmod_nr_tbins; i++) {
			const struct jmod_tbin *tb =
				&per_cpu_ptr(jmod_tcache, cpu)->bins[i];
			struct jmod_tbin_stats *b =
				&tcache_base[cpu * jmod_nr_tbins + i];

			u64 hits = READ_ONCE(tb->nhits);

			WRITE_ONCE(b->nrequests,
				   hits + READ_ONCE(tb->nmisses));
			WRITE_ONCE(b->nhits, hits);
			WRITE_ONCE(b->nfills, READ_ONCE(tb->nfills));
			WRITE_ONCE(b->nflushes, READ_ONCE(tb->nflushes));
		}
	}
}

/* Bytes held in every CPU's tcache. */
unsigned long jmod_tcache_cached_bytes(void)
{
	unsigned long bytes = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		bytes += tcache_cpu_cached(cpu);
	return bytes;
}

/* === Shrinker: memory pressure drains every tcache === */

static unsigned long tcache_shrink_count(struct shrinker *s,
					 struct shrink_control *sc)
{
	return jmod_tcache_cached_bytes() >> PAGE_SHIFT ?: SHRINK_EMPTY;
}

static unsigned long tcache_shrink_scan(struct shrinker *s,
					struct shrink_control *sc)
{
	unsigned long before = jmod_tcache_cached_bytes() >> PAGE_SHIFT;

	jmod_tcache_drain_all();
	return before ?: SHRINK_STOP;
}

#ifdef SHRINKER_ALLOCATED
static struct shrinker *tcache_shrinker;

static int tcache_shrinker_register(void)
{
	tcache_shrinker = shrinker_alloc(0, "jmod-tcache");
	if (!tcache_shrinker)
		return -ENOMEM;
	tcache_shrinker->count_objects = tcache_shrink_count;
	tcache_shrinker->scan_objects = tcache_shrink_scan;
	shrinker_register(tcache_shrinker);
	return 0;
}

static void tcache_shrinker_unregister(void)
{
	shrinker_free(tcache_shrinker);
}
#else
static struct shrinker tcache_shrinker_s = {
	.count_objects = tcache_shrink_count,
	.scan_objects = tcache_shrink_scan,
	.seeks = DEFAULT_SEEKS,
};

static int tcache_shrinker_register(void)
{
	return register_shrinker(&tcache_shrinker_s, "jmod-tcache");
}

static void tcache_shrinker_unregister(void)
{
	unregister_shrinker(&tcache_shrinker_s);
}
#endif

/* === On/off switch: module parameter and debugfs knob === */

/**
 * jmod_tcache_set_enabled() - switch the tcache on or off
 * @on: new state
 *
 * Switching off drains every CPU; objects freed concurrently with the
 * switch may stay cached until the next drain (purge, pressure, unload).
 *
 * Context: process context, may sleep.
 */
void jmod_tcache_set_enabled(bool on)
{
	mutex_lock(&jmod_tcache_mutex);
	jmod_tcache_enabled = on;
	if (jmod_tcache_ready && jmod_nr_tbins) {
		if (on) {
			static_branch_enable(&jmod_tcache_key);
		} else {
			static_branch_disable(&jmod_tcache_key);
			jmod_tcache_drain_all();
		}
	}
	mutex_unlock(&jmod_tcache_mutex);
}

/* The tcache is switched on and serves at least one class. */
bool jmod_tcache_is_enabled(void)
{
	return jmod_tcache_enabled && jmod_nr_tbins;
}

static int tcache_param_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	jmod_tcache_set_enabled(on);
	return 0;
}

static int tcache_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", jmod_tcache_enabled);
}

static const struct kernel_param_ops tcache_param_ops = {
	.set = tcache_param_set,
	.get = tcache_param_get,
};

module_param_cb(tcache, &tcache_param_ops, NULL, 0644);
MODULE_PARM_DESC(tcache, "Per-CPU tcache on (1, default) or off (0)");
module_param_named(tcache_max, jmod_tcache_max, ulong, 0444);
MODULE_PARM_DESC(tcache_max, "Largest size the tcache serves (default 32 KiB, at most 256 KiB, 0: none)");

/* === Init and exit === */

unsigned long jmod_tcache_max_size(void)
{
	return jmod_nr_tbins ? jmod_class_size[jmod_nr_tbins - 1] : 0;
}

/*
 * A bin's capacity: jemalloc's (twice a slab's objects, 20..200; 20 for
 * large classes), but never more than TCACHE_BIN_BYTES of objects (at
 * least TCACHE_BIN_MIN): a bin holds freed memory nobody uses, and 200 x
 * 8 KiB or 20 x 32 KiB per CPU is pages kmalloc would not hold.
 */
static unsigned int tbin_capacity(unsigned int cls)
{
	unsigned int n, budget = TCACHE_BIN_BYTES / jmod_class_size[cls];

	if (cls >= JMOD_NR_SMALL)
		n = TCACHE_LARGE_MAX;
	else
		n = clamp_t(unsigned int, 2 * jmod_small_objs_per_slab(cls),
			    TCACHE_SMALL_MIN, TCACHE_SMALL_MAX);
	return clamp_t(unsigned int, budget, TCACHE_BIN_MIN, n);
}

/* Free the per-CPU tcaches and their bins' storage (init failed, or exit). */
static void tcache_free_all(void)
{
	unsigned int cpu;

	if (jmod_tcache)
		for_each_possible_cpu(cpu)
			kvfree(per_cpu_ptr(jmod_tcache, cpu)->storage);
	free_percpu(jmod_tcache);
	jmod_tcache = NULL;
	kfree(idle_seen);
	idle_seen = NULL;
	kvfree(tcache_base);
	tcache_base = NULL;
}

int jmod_tcache_init(void)
{
	unsigned int cpu, i, total = 0;
	unsigned long max = min_t(unsigned long, jmod_tcache_max,
				  min_t(unsigned long, TCACHE_LIMIT,
					jmod_large_max));
	int ret;

	/* debug mode: every object goes through the checked paths */
	jmod_nr_tbins = max >= 8 && !jmod_debug ? jmod_size_class(max) + 1 : 0;
	if (jmod_nr_tbins && jmod_class_size[jmod_nr_tbins - 1] > max)
		jmod_nr_tbins--;	/* tcache_max between two classes */
	if (!jmod_nr_tbins) {
		static_branch_disable(&jmod_tcache_key);
		return 0;
	}
	for (i = 0; i < jmod_nr_tbins; i++)
		total += tbin_capacity(i);

	jmod_tcache = __alloc_percpu(struct_size(jmod_tcache, bins, jmod_nr_tbins),
				     __alignof__(struct jmod_tcache));
	idle_seen = kcalloc(nr_cpu_ids, sizeof(*idle_seen), GFP_KERNEL);
	tcache_base = kvcalloc(array_size(nr_cpu_ids, jmod_nr_tbins),
			       sizeof(*tcache_base), GFP_KERNEL);
	/* per-CPU: a drain work item empties the cache of its own CPU */
	jmod_tcache_wq = alloc_workqueue("jmod_tcache",
					 WQ_MEM_RECLAIM | JMOD_WQ_PERCPU, 0);
	if (!jmod_tcache || !idle_seen || !tcache_base || !jmod_tcache_wq)
		goto nomem;
	for_each_possible_cpu(cpu) {
		struct jmod_tcache *tc = per_cpu_ptr(jmod_tcache, cpu);
		void **stack;

		local_lock_init(&tc->lock);
		INIT_WORK(&tc->drain_work, tcache_drain_fn);
		INIT_WORK(&tc->gc_work, tcache_gc_fn);
		tc->storage = kvzalloc_node(array_size(total, sizeof(void *)),
					    GFP_KERNEL, cpu_to_node(cpu));
		if (!tc->storage)
			goto nomem;
		stack = tc->storage;
		for (i = 0; i < jmod_nr_tbins; i++) {
			tc->bins[i].stack = stack;
			tc->bins[i].ncached_max = tbin_capacity(i);
			tc->bins[i].lg_fill_div = 1;
			stack += tc->bins[i].ncached_max;
		}
	}

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "jmod/tcache:dead",
					NULL, tcache_cpu_dead);
	if (ret < 0)
		goto err;
	jmod_tcache_hp = ret;
	ret = tcache_shrinker_register();
	if (ret) {
		cpuhp_remove_state_nocalls(jmod_tcache_hp);
		goto err;
	}

	mutex_lock(&jmod_tcache_mutex);
	jmod_tcache_ready = true;
	if (!jmod_tcache_enabled)
		static_branch_disable(&jmod_tcache_key);
	mutex_unlock(&jmod_tcache_mutex);
	queue_delayed_work(jmod_unbound_wq, &tcache_idle_work,
			   msecs_to_jiffies(TCACHE_IDLE_GC_MS));
	return 0;

nomem:
	ret = -ENOMEM;
err:
	if (jmod_tcache_wq)
		destroy_workqueue(jmod_tcache_wq);
	jmod_tcache_wq = NULL;
	tcache_free_all();
	jmod_nr_tbins = 0;
	static_branch_disable(&jmod_tcache_key);
	return ret;
}

void jmod_tcache_exit(void)
{
	if (!jmod_tcache)
		return;
	/*
	 * The tcache parameter stays writable until sysfs is torn down
	 * after exit: from here on a write only records the wish.
	 */
	mutex_lock(&jmod_tcache_mutex);
	jmod_tcache_ready = false;
	static_branch_disable(&jmod_tcache_key);
	mutex_unlock(&jmod_tcache_mutex);
	cancel_delayed_work_sync(&tcache_idle_work);
	tcache_shrinker_unregister();
	cpuhp_remove_state_nocalls(jmod_tcache_hp);
	jmod_tcache_drain_all();
	destroy_workqueue(jmod_tcache_wq);
	jmod_tcache_wq = NULL;
	tcache_free_all();
}
