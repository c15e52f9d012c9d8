/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jmod internal interfaces: size classes, the three kinds of allocation
 * (small: kmem_cache, large: arena runs, huge: pages), per-CPU statistics
 * and debugfs.  The test interface (test/) has its own header, test.h;
 * nothing here declares any of it.  Nothing here is visible to other
 * modules: the exported API is include/jmod.h.
 *
 * Lock order (outermost first; each file's header says what its locks
 * protect).  Helpers that need a lock held assert it with
 * lockdep_assert_held().
 *
 *   jmod_file->lock              mutex, per /dev/jmod fd (test/chardev.c)
 *     jmod_selftest_mutex        mutex, one in-kernel case at a time
 *                                (test/selftest.c)
 *       jmod_prof_mutex          mutex, profiling rate (prof.c)
 *       jmod_tcache_mutex        mutex, tcache on/off (tcache.c); under it
 *                                the drain waits for per-CPU work items,
 *                                static keys take cpus_read_lock()
 *       jmod_stats_mutex         mutex, the reset base (stats.c)
 *         (the allocator, below: any of it may run under these)
 *
 *   tcache->lock                 local_lock_t, this CPU's bins, task
 *                                context only; fills call the kinds
 *                                after dropping it (they may sleep),
 *                                flushes, GC and drain call the kinds'
 *                                frees under it
 *     arena->lock                spinlock, IRQ-safe (arena.c)
 *       jmod_last_lock           spinlock, IRQ-safe, the last debug
 *                                report (debug.c)
 *     kmem_cache internals       SLUB's own (small.c)
 *   jmod_chunks xa_lock          IRQ-safe, never under arena->lock
 *                                (chunks are created and destroyed
 *                                with no arena lock held)
 *   jmod_huge_pages / jmod_huge_vmap xa_lock   IRQ-safe, leaves
 *   jmod_prof_lock               spinlock, IRQ-safe, leaf (prof.c)
 *
 *   whatif_mutex                 mutex, start/stop/reset and readers of
 *                                the live what-if (whatif.c); under it
 *                                tracepoint (un)registration
 *     whatif_lock                raw spinlock, IRQ-safe, leaf: taken in
 *                                the kmem tracepoint probes, i.e. under
 *                                any lock a kmalloc()/kfree() caller
 *                                holds, so nothing runs under it that
 *                                allocates or locks
 *
 * Nothing of the allocator sleeps under a spinlock: arena->lock and the
 * xarray locks are taken with interrupts saved, GFP_ATOMIC callers from
 * hard IRQ reach only the IRQ-safe locks (the tcache is bypassed outside
 * task context), and NMI callers are refused before any lock.  On
 * PREEMPT_RT spinlock_t and local_lock_t sleep, as for kmalloc.
 */
#ifndef _JMOD_INTERNAL_H
#define _JMOD_INTERNAL_H

#include <linux/types.h>
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/jump_label.h>
#include <linux/local_lock.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/reciprocal_div.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "compat.h"

/* === Size classes (sizeclass.c; the rules in include/jmod_sizeclass.h) === */

#define JMOD_SC_FLS_LONG(x)	fls_long(x)
#include <jmod_sizeclass.h>

/* idx(2^lg) = 4 * (lg - 5); the largest chunk is 2^(PAGE_SHIFT + 10) */
#define JMOD_MAX_CLASSES	(4 * (PAGE_SHIFT + JMOD_CHUNK_ORDER_MAX - 5) + 1)
/* statistics slot for huge allocations, after every class */
#define JMOD_HUGE_SLOT		JMOD_MAX_CLASSES

/* largest buddy order: MAX_PAGE_ORDER since 6.8, MAX_ORDER - 1 before */
#ifdef MAX_PAGE_ORDER
#define JMOD_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#else
#define JMOD_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

extern unsigned int jmod_nr_classes;	/* small + large, set at load */
extern size_t jmod_large_max;		/* largest large class */
extern unsigned int jmod_chunk_order;
extern u32 jmod_class_size[JMOD_MAX_CLASSES];

/* O(1): no loop over classes.  @size must be in [1, jmod_large_max]. */
static __always_inline unsigned int jmod_size_class(size_t size)
{
	return jmod_sc_index(size);
}

int jmod_sizeclass_init(void);

/* === Small: one kmem_cache per class (small.c) === */

int jmod_small_init(void);
void jmod_small_exit(void);
void *jmod_small_alloc(unsigned int cls, gfp_t gfp);
void jmod_small_free(unsigned int cls, void *p);
unsigned int jmod_small_alloc_bulk(unsigned int cls, gfp_t gfp,
				   unsigned int n, void **p);
void jmod_small_free_bulk(unsigned int cls, unsigned int n, void **p);
unsigned int jmod_small_objs_per_slab(unsigned int cls);

struct jmod_slabinfo {
	unsigned long slabs;
	unsigned long objs_per_slab;
	unsigned long pages_per_slab;
};

int jmod_small_slabinfo(unsigned int cls, struct jmod_slabinfo *si);
void jmod_small_shrink(void);
unsigned int jmod_small_class_aligned(size_t size, size_t align);

/* set at load by small.c for each class, read on every free */
extern bool jmod_small_plain[JMOD_NR_SMALL];
extern struct reciprocal_value jmod_small_recip[JMOD_NR_SMALL];

/*
 * Is @p at the start of an object of class @cls in its slab @folio?  True when
 * the layout is not plain (SLUB checks those caches itself).  One
 * multiply and shift: jemalloc's region index by reciprocal.
 */
static __always_inline bool jmod_small_offset_ok(unsigned int cls,
						 const void *p,
						 const struct folio *folio)
{
	u32 off, idx;

	if (!jmod_small_plain[cls])
		return true;
	off = (unsigned long)p - (unsigned long)folio_address(folio);
	idx = reciprocal_divide(off, jmod_small_recip[cls]);
	return idx * jmod_class_size[cls] == off;
}

/* cache -> class, filled at load by small.c (see jmod_small_cache_map()) */
#define JMOD_CACHE_MAP_BITS	8
struct jmod_cache_slot {
	const struct kmem_cache *cache;
	unsigned int cls;
};

extern unsigned int jmod_slab_cache_off;	/* 0: not known, use ksize() */
extern unsigned long jmod_cache_map_mul;
extern struct jmod_cache_slot jmod_cache_map[1 << JMOD_CACHE_MAP_BITS];

static __always_inline unsigned int jmod_cache_slot_of(const void *cache)
{
	return ((unsigned long)cache * jmod_cache_map_mul) >>
	       (BITS_PER_LONG - JMOD_CACHE_MAP_BITS);
}

int jmod_small_class_by_size(const void *p);

/*
 * The class of slab object @p handed out by jmod.  Returns -1 when @p's
 * cache is not one of jmod's or @p is not an object start: the pointer
 * cannot be ours.  The cache comes from @p's slab (the word small.c
 * found at load), its class from a collision-free map: two loads, no
 * call.  Without that word, from the object size (ksize()).
 */
static __always_inline int jmod_small_class_of(const void *p)
{
	const struct folio *folio = virt_to_folio(p);
	const struct jmod_cache_slot *e;
	const struct kmem_cache *s;
	unsigned int cls;

	if (unlikely(!jmod_slab_cache_off))
		return jmod_small_class_by_size(p);
	s = READ_ONCE(*(const struct kmem_cache **)((const char *)folio +
						    jmod_slab_cache_off));
	e = &jmod_cache_map[jmod_cache_slot_of(s)];
	if (unlikely(e->cache != s || !s))
		return -1;
	cls = e->cls;
	if (unlikely(!jmod_small_offset_ok(cls, p, folio)))
		return -1;
	return cls;
}

/*
 * Is @p in the direct map, over memory that has a struct page?  The test
 * virt_addr_valid() makes, inline for the addresses frees see: a free
 * checks this before it looks at the folio.  False for anything else
 * (vmalloc, the kernel image, memory above high_memory): those take the
 * full checks.
 */
static __always_inline bool jmod_direct_mapped(const void *p)
{
	unsigned long a = (unsigned long)p;

	return likely(a >= PAGE_OFFSET && a < (unsigned long)high_memory) &&
	       pfn_valid(PHYS_PFN(__pa(a)));
}

/* === Large: per-CPU arenas of chunks carved into page runs (arena.c) === */

extern unsigned int jmod_decay_ms;

int jmod_arena_init(void);
void jmod_arena_exit(void);
void *jmod_large_alloc(unsigned int cls, size_t size, size_t align,
		       gfp_t gfp, bool sampled);

/* results of looking a pointer up in the chunk map */
enum jmod_owner {
	JMOD_OWNER_NONE,	/* not in any chunk */
	JMOD_OWNER_RUN,		/* start of a live run */
	JMOD_OWNER_BAD,		/* inside a chunk but not a live run start */
	JMOD_OWNER_REPORTED,	/* bad, and debug mode already reported it */
	JMOD_OWNER_CACHED,	/* live run, now claimed for the tcache */
};

enum jmod_owner jmod_large_free(const void *p, unsigned long caller,
				bool cached);
enum jmod_owner jmod_large_lookup(const void *p, unsigned int *cls,
				  bool *sampled, size_t *usable);
enum jmod_owner jmod_large_free_lookup(const void *p, bool cache,
				       unsigned int *cls, bool *sampled,
				       size_t *usable);
void jmod_large_uncache(const void *p);
enum jmod_owner jmod_large_resize(void *p, unsigned int new_cls);
unsigned long jmod_arena_purge(unsigned long max_pages);
void jmod_arena_purge_all(void);
void jmod_arena_decay_kick(void);
unsigned long jmod_arena_retained_pages(void);

/* per-arena snapshot for statistics and self-tests */
struct jmod_arena_info {
	int cpu;
	int node;
	unsigned long chunks;
	unsigned long retained;
	unsigned long active_pages;
	unsigned long dirty_pages;	/* free pages in chunks in use */
	unsigned long free_runs;
	unsigned long largest_free;
};

void jmod_arena_info(unsigned int cpu, struct jmod_arena_info *info);

/* === Huge: pages straight from the buddy allocator, or vmalloc (huge.c) === */

void jmod_huge_exit(void);
void *jmod_huge_alloc(size_t size, size_t align, gfp_t gfp);
void *jmod_huge_alloc_sample(size_t usable, gfp_t gfp);
bool jmod_huge_free(const void *p, unsigned long caller);
size_t jmod_huge_usable(const void *p);
bool jmod_huge_shrink(void *p, size_t new_size);

/* === Allocation debugging (debug.c) === */

#define JMOD_DBG_SANITY		BIT(0)	/* F */
#define JMOD_DBG_REDZONE	BIT(1)	/* Z */
#define JMOD_DBG_POISON		BIT(2)	/* P */
#define JMOD_DBG_USER		BIT(3)	/* U */

#define JMOD_RED_ACTIVE		0xbb	/* as SLUB's SLUB_RED_ACTIVE */
#define JMOD_POISON_FREE	0x6b	/* as POISON_FREE */

extern unsigned int jmod_debug;		/* JMOD_DBG_*, fixed at load */

/* per run, in debug mode: the request and its owners */
struct jmod_run_debug {
	u32 size;
	u32 alloc_stack;		/* depot_stack_handle_t */
	u32 free_stack;
};

enum jmod_err {
	JMOD_ERR_REDZONE,
	JMOD_ERR_POISON,
	JMOD_ERR_DOUBLE_FREE,
	JMOD_ERR_INVALID_FREE,
	JMOD_ERR_METADATA,
	JMOD_ERR_NR,
};

struct jmod_debug_report {
	enum jmod_err kind;
	unsigned int cls;
	size_t size;
	size_t offset;
	u32 alloc_stack;
	u32 free_stack;
	unsigned long count;
};

int jmod_debug_init(void);
slab_flags_t jmod_debug_slab_flags(void);
u32 jmod_save_stack(unsigned int skip, gfp_t gfp);
void jmod_debug_report(enum jmod_err kind, unsigned int cls, size_t size,
		       size_t offset, u8 found, u8 expect,
		       const struct jmod_run_debug *d, unsigned long caller);
void jmod_debug_last(struct jmod_debug_report *r);
bool jmod_stack_has(u32 handle, const char *name);
bool jmod_debug_check_redzone(void *p, size_t size, size_t usable,
			      unsigned int cls, const struct jmod_run_debug *d,
			      unsigned long caller);
void jmod_debug_set_redzone(void *p, size_t size, size_t usable);
void jmod_debug_alloc(void *p, size_t usable, size_t size, unsigned int cls,
		      struct jmod_run_debug *d);
void jmod_debug_free(void *p, size_t usable, unsigned int cls,
		     struct jmod_run_debug *d, unsigned long caller);
unsigned int jmod_arena_validate(void);

/* === Sampled heap profiling (prof.c) === */

DECLARE_STATIC_KEY_FALSE(jmod_prof_key);

int jmod_prof_init(void);
void jmod_prof_exit(void);
void jmod_prof_rearm(void);
void jmod_prof_record(const void *p, size_t size, unsigned long caller);
void jmod_prof_forget(const void *p);
void jmod_prof_resize(const void *p, size_t size);
void jmod_prof_reset(void);
void jmod_prof_reset_seed(u64 seed);

void jmod_prof_set_rate(unsigned long bytes);
unsigned long jmod_prof_rate(void);
void jmod_prof_debugfs(struct dentry *dir);

/* === Live what-if on the kmem tracepoints (whatif.c) === */

void jmod_whatif_debugfs(struct dentry *dir);
void jmod_whatif_exit(void);

struct jmod_prof_site {
	u32 stack;
	u64 samples;
	u64 bytes;		/* sampled bytes */
	u64 est_bytes;		/* unbiased estimate of live bytes */
	u64 est_objects;
};

int jmod_prof_sites(struct jmod_prof_site *sites, unsigned int max);

/* === Per-CPU tcache (tcache.c) === */

DECLARE_STATIC_KEY_TRUE(jmod_tcache_key);
extern unsigned int jmod_nr_tbins;

/*
 * Is class @cls served by the tcache right now?  Only in task context:
 * interrupt handlers go straight to the kinds (see tcache.c).
 */
static __always_inline bool jmod_tcache_serves(unsigned int cls)
{
	return static_branch_likely(&jmod_tcache_key) && cls < jmod_nr_tbins &&
	       in_task();
}

/*
 * tcache.c owns these (see its header for the rules); they are here only
 * so that the API's hit path, jmod_tcache_alloc() and jmod_tcache_free()
 * below, is inline in jmod.c: a hit makes no call.  A bin is an array
 * stack: stack[0 .. ncached - 1], the top is the hottest object.
 */
struct jmod_tbin {
	void **stack;
	u16 ncached;
	u16 ncached_max;
	s16 low_water;		/* lowest ncached since the last GC; -1: ran empty */
	u8 lg_fill_div;		/* fill ncached_max >> lg_fill_div */
	u8 nclean;		/* stack[0 .. nclean - 1] were zeroed by SLUB */
	u64 nhits;		/* requests served from the stack */
	u64 nmisses;		/* ... and not: nrequests = nhits + nmisses */
	u64 nfills;
	u64 nflushes;
};

struct jmod_tcache {
	local_lock_t lock;		/* this CPU's bins, task context */
	/*
	 * Bytes allocated through this CPU's tcache, never reset: a GC step
	 * runs each time it crosses a multiple of JMOD_TCACHE_GC_BYTES, and
	 * the idle worker sees a CPU that stopped allocating by its value.
	 */
	unsigned long alloc_bytes;
	unsigned int gc_bin;		/* next bin the GC visits */
	struct work_struct drain_work;
	struct work_struct gc_work;
	void **storage;			/* every bin's stack */
	struct jmod_tbin bins[];
};

#define JMOD_TCACHE_GC_SHIFT	16	/* a GC step per 64 KiB allocated */

extern struct jmod_tcache __percpu *jmod_tcache;

/*
 * Count an allocation of class @cls in @tc's byte count, tc->lock held:
 * true when it crossed a multiple of 64 KiB, i.e. a GC step is due.
 */
static __always_inline bool jmod_tcache_count(struct jmod_tcache *tc,
					      unsigned int cls)
{
	unsigned long before = tc->alloc_bytes;

	tc->alloc_bytes = before + jmod_class_size[cls];
	return (before ^ tc->alloc_bytes) >> JMOD_TCACHE_GC_SHIFT;
}

void *jmod_tcache_miss(unsigned int cls, gfp_t gfp);
void jmod_tcache_gc_event(void);
void jmod_tcache_large_hit(void *p, unsigned int cls, gfp_t gfp);
void jmod_tcache_flush(unsigned int cls, void *p);

/**
 * jmod_tcache_alloc() - allocate an object of a cached class
 * @cls: class below jmod_nr_tbins
 * @gfp: allocation flags
 *
 * A hit pops the top of this CPU's bin under its local lock; a miss
 * fills the bin from the kind (jmod_tcache_miss()).  The counters of a
 * hit are two fields of the bin and one of the tcache.
 *
 * Context: task context (jmod_tcache_serves()); a fill never sleeps
 * unless @gfp allows it.
 * Return: the object or NULL.
 */
static __always_inline void *jmod_tcache_alloc(unsigned int cls, gfp_t gfp)
{
	struct jmod_tcache *tc;
	struct jmod_tbin *tb;
	bool gc, clean;
	void *p;

	local_lock(&jmod_tcache->lock);
	tc = this_cpu_ptr(jmod_tcache);
	tb = &tc->bins[cls];
	if (unlikely(!tb->ncached)) {
		local_unlock(&jmod_tcache->lock);
		return jmod_tcache_miss(cls, gfp);
	}
	p = tb->stack[--tb->ncached];
	if (tb->low_water > tb->ncached)
		tb->low_water = tb->ncached;
	clean = tb->ncached < tb->nclean;
	if (clean)
		tb->nclean = tb->ncached;
	tb->nhits++;
	gc = jmod_tcache_count(tc, cls);
	local_unlock(&jmod_tcache->lock);

	if (unlikely(gc))
		jmod_tcache_gc_event();
	if (unlikely(cls >= JMOD_NR_SMALL))
		jmod_tcache_large_hit(p, cls, gfp);
	/*
	 * A cached object holds its last owner's bytes: the policy decides,
	 * unless SLUB zeroed it for the fill that brought it (clean).
	 */
	if (!clean && want_init_on_alloc(gfp))
		memset(p, 0, jmod_class_size[cls]);
	return p;
}

/**
 * jmod_tcache_free() - cache a freed object
 * @cls: its class, below jmod_nr_tbins
 * @p: the object
 *
 * Refuses @p when it is already the object on top of its bin: the
 * immediate double free SLUB's hardened freelist catches too (one compare;
 * an older cached object freed again is not found).  Large runs are
 * checked before they get here (JMOD_RUN_CACHED, arena.c).  A full bin
 * flushes its older half (jmod_tcache_flush()).
 *
 * Context: task context (jmod_tcache_serves()).
 * Return: false when refused (nothing changed), true when cached.
 */
static __always_inline bool jmod_tcache_free(unsigned int cls, void *p)
{
	struct jmod_tbin *tb;

	/*
	 * As kfree() would: the bytes must not outlive the free.  Before the
	 * check: a refused @p is a cached object, cleared when first freed.
	 */
	if (want_init_on_free())
		memset(p, 0, jmod_class_size[cls]);
	local_lock(&jmod_tcache->lock);
	tb = &this_cpu_ptr(jmod_tcache)->bins[cls];
	if (unlikely(tb->ncached && tb->stack[tb->ncached - 1] == p)) {
		local_unlock(&jmod_tcache->lock);
		return false;
	}
	if (likely(tb->ncached < tb->ncached_max)) {
		tb->stack[tb->ncached++] = p;
		local_unlock(&jmod_tcache->lock);
		return true;
	}
	local_unlock(&jmod_tcache->lock);
	jmod_tcache_flush(cls, p);
	return true;
}

struct jmod_tbin_stats {
	u64 nrequests;
	u64 nhits;
	u64 nfills;
	u64 nflushes;
	unsigned int ncached;
	unsigned int ncached_max;
};

int jmod_tcache_init(void);
void jmod_tcache_exit(void);
void jmod_tcache_drain_all(void);
void jmod_tcache_set_enabled(bool on);
bool jmod_tcache_is_enabled(void);
unsigned long jmod_tcache_max_size(void);
unsigned long jmod_tcache_cached_bytes(void);
void jmod_tcache_bin_stats(unsigned int cpu, unsigned int cls,
			   struct jmod_tbin_stats *st);
void jmod_tcache_stats_reset(void);

/* everything cached goes back: tcaches, empty slabs, free chunks */
void jmod_purge(void);
void *jmod_alloc_nocache(size_t size, size_t align, gfp_t gfp);
void jmod_free_nocache(const void *p);

/* === Statistics: per-CPU counters, summed on read (stats.c) === */

/*
 * Event counters per class (slot JMOD_HUGE_SLOT: huge):
 *   nmalloc/ndalloc  objects taken from / given back to the kind
 *                    (kmem_cache, arena runs, pages); tcache fills and
 *                    flushes count here, so curregs = nmalloc - ndalloc
 *                    includes objects sitting in tcaches
 *   nrequests        allocation requests by callers, tcache hits included
 *   requested        bytes those requests asked for
 * Gauges: pages held for chunks and huge allocations, metadata bytes.
 */
#define JMOD_NR_SLOTS	(JMOD_MAX_CLASSES + 1)

struct jmod_cpu_stats {
	u64 nmalloc[JMOD_NR_SLOTS];
	u64 ndalloc[JMOD_NR_SLOTS];
	u64 nrequests[JMOD_NR_SLOTS];
	u64 requested[JMOD_NR_SLOTS];
	u64 nbadfree;
	u64 nrealloc_inplace;
	u64 nlarge_fallback;	/* large runs served by the huge path */
	u64 nerrors;		/* debug reports */
	u64 nsamples;		/* heap profile samples taken */
	s64 prof_left;		/* bytes until the next sample */
	/* gauges: signed, they rise on one CPU and fall on another */
	long huge_pages;
	long chunk_pages;
	long meta_bytes;
};

extern struct jmod_cpu_stats __percpu *jmod_stats;

/* The allocation of @size bytes is to be sampled: one per-CPU subtraction. */
static __always_inline bool jmod_prof_due(size_t size)
{
	return static_branch_unlikely(&jmod_prof_key) &&
	       unlikely(this_cpu_sub_return(jmod_stats->prof_left, size) < 0);
}

/* Sum of every CPU's counters since load (no reset applied). */
void jmod_stats_read(struct jmod_cpu_stats *sum);
struct jmod_cpu_stats *jmod_stats_snapshot(void);
unsigned long jmod_mapped_pages(void);
int jmod_stats_init(void);
void jmod_stats_exit(void);
void jmod_debugfs_init(void);
void jmod_debugfs_exit(void);

void jmod_report_bad_free(const char *what, unsigned long caller);
size_t jmod_usable_for(size_t size);

/* === Module init and exit (jmod.c), called by module.c === */

int jmod_core_init(void);
void jmod_core_exit(void);

#endif /* _JMOD_INTERNAL_H */
