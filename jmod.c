// SPDX-License-Identifier: GPL-2.0
/*
 * jmod: a jemalloc-style allocator as a loadable kernel module.
 *
 * This file owns the exported API and the allocator's init and exit
 * (module.c calls them).  It routes each request by size to one of three
 * kinds of allocation and each free by pointer to its owner; it keeps no
 * state of its own beyond module parameters.
 *
 *   size <= 14 KiB       small   one kmem_cache per class       small.c
 *   size <= chunk size   large   page runs in per-CPU arenas     arena.c
 *   larger               huge    buddy pages, vmalloc fallback   huge.c
 *
 * Free without a size, in O(1):
 *   vmalloc address                 -> huge (xarray by virtual page)
 *   slab page (folio_test_slab)     -> small, class from the object size
 *   page inside an arena chunk      -> large (xarray by chunk)
 *   otherwise                       -> huge (xarray by pfn) or refused
 *
 * Small classes and large classes up to tcache_max go through the per-CPU
 * tcache (tcache.c) first, unless it is switched off.
 *
 * Locking and context rules live with each kind's file; every path that can
 * run with GFP_ATOMIC takes only IRQ-safe spinlocks, so the API works from
 * hard-IRQ context.  Counters are per-CPU (stats.c).
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/bug.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <jmod.h>
#include "internal.h"

module_param_named(chunk_order, jmod_chunk_order, uint, 0444);
MODULE_PARM_DESC(chunk_order, "Largest arena chunk as a page order (4..10, default 9: 2 MiB)");
module_param_named(decay_ms, jmod_decay_ms, uint, 0644);
MODULE_PARM_DESC(decay_ms, "Milliseconds a wholly free chunk is retained before it goes back (default 10000)");

/* === Internal helpers === */

static bool jmod_size_possible(size_t size)
{
	return size <= (totalram_pages() << PAGE_SHIFT);
}

/*
 * Requests jmod refuses with NULL (and one warning each): zone
 * constraints (__GFP_DMA, __GFP_DMA32: jmod's caches, arenas and tcache
 * are shared by every caller, and a chunk from ZONE_DMA would serve
 * everyone's requests; use kmalloc() or the DMA API), and NMI context
 * (the kinds' locks and SLUB are not NMI-safe, as for kmalloc()).
 */
#define JMOD_GFP_REFUSED	(__GFP_DMA | __GFP_DMA32)

static __always_inline bool jmod_refused(gfp_t gfp)
{
	return unlikely((gfp & JMOD_GFP_REFUSED) || in_nmi());
}

static noinline void *jmod_refuse(gfp_t gfp)
{
	if (in_nmi())
		pr_warn_once("refusing allocations from NMI context\n");
	else
		pr_warn_once("refusing __GFP_DMA/__GFP_DMA32 allocations (gfp %pGg): use kmalloc() or the DMA API\n",
			     &gfp);
	return NULL;
}

static __always_inline void *jmod_done(void *p, unsigned int slot,
				       size_t size)
{
	if (likely(p)) {
		this_cpu_inc(jmod_stats->nrequests[slot]);
		this_cpu_add(jmod_stats->requested[slot], size);
	}
	return p;
}

/* A small or large class, through the tcache when it serves the class. */
static __always_inline void *jmod_alloc_class(unsigned int cls, size_t size,
					      gfp_t gfp, bool cache)
{
	if (cache && jmod_tcache_serves(cls))
		return jmod_tcache_alloc(cls, gfp);
	if (cls < JMOD_NR_SMALL)
		return jmod_small_alloc(cls, gfp);
	return jmod_large_alloc(cls, size, 0, gfp, false);
}

/*
 * Give a run its user freed back to its arena; refused (and counted) when
 * it is not live any more, e.g. a second free racing the first.
 */
static void jmod_free_run(const void *p, unsigned long caller)
{
	switch (jmod_large_free(p, caller, false)) {
	case JMOD_OWNER_RUN:
		return;
	case JMOD_OWNER_REPORTED:	/* debug mode said what it was */
		this_cpu_inc(jmod_stats->nbadfree);
		return;
	default:
		jmod_report_bad_free("free", caller);
	}
}

/* Free a live small or large object of class @cls that is not a sample. */
static __always_inline void jmod_free_class(unsigned int cls, void *p,
					    unsigned long caller, bool cache)
{
	if (cache && jmod_tcache_serves(cls)) {
		if (unlikely(!jmod_tcache_free(cls, p)))
			jmod_report_bad_free("double free", caller);
	} else if (cls < JMOD_NR_SMALL) {
		jmod_small_free(cls, p);
	} else {
		jmod_free_run(p, caller);
	}
}

/* The class serving @size at @align; @size and @align within large. */
static unsigned int jmod_class_for(size_t size, size_t align)
{
	unsigned int cls;

	if (align <= PAGE_SIZE && size <= JMOD_SMALL_MAX) {
		cls = align > 8 ? jmod_small_class_aligned(size, align) :
				  jmod_size_class(size);
		if (cls < JMOD_NR_SMALL)
			return cls;
	}
	return jmod_size_class(max3(size, align, (size_t)JMOD_LARGE_MIN));
}

static noinline void *jmod_alloc_slow(size_t size, size_t align, gfp_t gfp,
				      bool cache)
{
	unsigned int cls;

	if (jmod_refused(gfp))
		return jmod_refuse(gfp);
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (size <= jmod_large_max && align <= jmod_large_max) {
		cls = jmod_class_for(size, align);
		if (align <= PAGE_SIZE)
			return jmod_done(jmod_alloc_class(cls, size, gfp, cache),
					 cls, size);
		return jmod_done(jmod_large_alloc(cls, size, align, gfp, false),
				 cls, size);
	}
	if (unlikely(!jmod_size_possible(size)))
		return NULL;
	return jmod_done(jmod_huge_alloc(size, align, gfp),
			 JMOD_HUGE_SLOT, size);
}

/*
 * A heap profile sample: a small request gets pages of its own, its
 * class size rounded up to pages (huge.c; one page up to 4 KiB, never a
 * 2 MiB chunk), counted in the huge row; a large one a run flagged as a
 * sample; a huge one its pages.  So free finds the sample from the
 * pointer without looking at small frees.  prof.c records the caller's
 * stack.  A small sample that gets no pages is served unsampled.
 */
static noinline void *jmod_alloc_sampled(size_t size, size_t align,
					 gfp_t gfp, unsigned long caller)
{
	unsigned int cls;
	void *p;

	jmod_prof_rearm();
	if (jmod_refused(gfp) || unlikely(!size) || size > jmod_large_max ||
	    align > jmod_large_max) {
		/* refused, empty (nothing to sample) or huge: as unsampled */
		p = jmod_alloc_slow(size, align, gfp, true);
	} else {
		cls = jmod_class_for(size, align);
		if (cls < JMOD_NR_SMALL) {
			p = jmod_huge_alloc_sample(jmod_class_size[cls], gfp);
			if (!p)
				return jmod_alloc_slow(size, align, gfp, true);
			cls = JMOD_HUGE_SLOT;
		} else {
			p = jmod_large_alloc(cls, size, align, gfp, true);
		}
		p = jmod_done(p, cls, size);
	}
	if (!ZERO_OR_NULL_PTR(p))
		jmod_prof_record(p, size, caller);
	return p;
}

static __always_inline void *__jmod_malloc(size_t size, gfp_t gfp,
					   unsigned long caller)
{
	unsigned int cls;

	if (jmod_prof_due(size))
		return jmod_alloc_sampled(size, 0, gfp, caller);
	if (likely(size - 1 < JMOD_SMALL_MAX && !jmod_refused(gfp))) {
		cls = jmod_size_class(size);
		return jmod_done(jmod_alloc_class(cls, size, gfp, true), cls,
				 size);
	}
	return jmod_alloc_slow(size, 0, gfp, true);
}

/*
 * The usable size jmod_malloc(@size) hands out, from the size alone
 * (jemalloc's nallocx()): the class size, whole pages for huge sizes, by
 * the rule the tools share (include/jmod_sizeclass.h).  0 in debug mode,
 * where red zones make it depend on the object.
 */
size_t jmod_usable_for(size_t size)
{
	if (jmod_debug)
		return 0;
	return jmod_sc_usable(size, jmod_large_max, PAGE_SIZE);
}

void jmod_report_bad_free(const char *what, unsigned long caller)
{
	this_cpu_inc(jmod_stats->nbadfree);
	if (jmod_debug)
		jmod_debug_report(JMOD_ERR_INVALID_FREE, JMOD_NR_SLOTS, 0, 0,
				  0, 0, NULL, caller);
	else
		pr_err_ratelimited("refusing %s: pointer not allocated by jmod or already freed, from %pS\n",
				   what, (void *)caller);
}

/* === Exported API === */

/**
 * jmod_malloc() - allocate memory
 * @size: bytes wanted
 * @gfp: allocation flags, as for kmalloc()
 *
 * Small sizes come from jmod's per-class kmem_caches, sizes up to the
 * chunk size from page runs of the current CPU's arena, larger sizes from
 * the page allocator (vmalloc when contiguous pages are unavailable and
 * @gfp allows sleeping).  The object is aligned to at least 8 bytes, to
 * the largest power of two dividing its size class for small objects, and
 * to a page for large and huge ones.  It is zeroed when kmalloc() would
 * zero it: with __GFP_ZERO, or whenever the kernel's init_on_alloc policy
 * is on (want_init_on_alloc(); Debian's kernels default to it), cached
 * and reused objects included.  Under init_on_free, jmod_free() clears.
 *
 * __GFP_DMA and __GFP_DMA32 are refused (NULL, one warning): jmod's
 * caches and arenas are shared by all callers and cannot keep a zone's
 * memory apart; use kmalloc() or the DMA API.  __GFP_NOFAIL is honoured
 * as kmalloc() does for the same size: a large-class request falls back
 * to pages of its own size when no chunk can be had.
 *
 * Context: any context with a suitable @gfp: GFP_KERNEL may sleep,
 * GFP_ATOMIC and GFP_NOWAIT work in atomic and hard-IRQ context; not
 * NMI context (refused with NULL and a one-time warning, as the locks
 * behind it are not NMI-safe).  On PREEMPT_RT, as for kmalloc(), not in
 * hard-IRQ context or with preemption or interrupts disabled by hand.
 * Return: the object, ZERO_SIZE_PTR for @size 0, or NULL on failure, for
 * a refused request or for a size no request could satisfy.
 */
void *jmod_malloc(size_t size, gfp_t gfp)
{
	return __jmod_malloc(size, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(jmod_malloc);

/**
 * jmod_zalloc() - allocate zeroed memory
 * @size: bytes wanted
 * @gfp: allocation flags, as for kmalloc()
 *
 * Context: as jmod_malloc().
 * Return: as jmod_malloc(); the object's usable size is zeroed.
 */
void *jmod_zalloc(size_t size, gfp_t gfp)
{
	return __jmod_malloc(size, gfp | __GFP_ZERO, _RET_IP_);
}
EXPORT_SYMBOL_GPL(jmod_zalloc);

/**
 * jmod_calloc() - allocate a zeroed array
 * @n: number of elements
 * @size: bytes per element
 * @gfp: allocation flags, as for kmalloc()
 *
 * Context: as jmod_malloc().
 * Return: the zeroed array, ZERO_SIZE_PTR when it has 0 bytes, NULL when
 * @n * @size overflows or the allocation fails.
 */
void *jmod_calloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return __jmod_malloc(bytes, gfp | __GFP_ZERO, _RET_IP_);
}
EXPORT_SYMBOL_GPL(jmod_calloc);

/**
 * jmod_aligned_alloc() - allocate memory with a given alignment
 * @align: a power of two; up to PAGE_SIZE small objects serve it, larger
 *	alignments are served by page runs (up to the chunk size) or pages
 * @size: bytes wanted
 * @gfp: allocation flags, as for kmalloc()
 *
 * Context: as jmod_malloc().  Huge allocations aligned beyond a page
 * need contiguous pages and never fall back to vmalloc.
 * Return: an @align-aligned object, ZERO_SIZE_PTR for @size 0, NULL when
 * @align is not a power of two or the allocation fails.
 */
void *jmod_aligned_alloc(size_t align, size_t size, gfp_t gfp)
{
	if (unlikely(!is_power_of_2(align)))
		return NULL;
	if (jmod_prof_due(size))
		return jmod_alloc_sampled(size, align, gfp, _RET_IP_);
	return jmod_alloc_slow(size, align, gfp, true);
}
EXPORT_SYMBOL_GPL(jmod_aligned_alloc);

/*
 * jmod_aligned_alloc() (@align 0: jmod_malloc()) bypassing the tcache;
 * heap profiling samples it like any other allocation.
 */
void *jmod_alloc_nocache(size_t size, size_t align, gfp_t gfp)
{
	if (jmod_prof_due(size))
		return jmod_alloc_sampled(size, align, gfp, _RET_IP_);
	return jmod_alloc_slow(size, align, gfp, false);
}

/* Give back everything cached: tcaches, then empty slabs and free chunks. */
void jmod_purge(void)
{
	jmod_tcache_drain_all();
	jmod_small_shrink();
	jmod_arena_purge_all();
}

static void jmod_free_huge(const void *p, unsigned long caller)
{
	jmod_prof_forget(p);
	if (!jmod_huge_free(p, caller))
		jmod_report_bad_free("free", caller);
}

/*
 * init_on_free for a large run going back to its arena (the tcache and
 * SLUB do their own; huge pages go back through the page allocator,
 * which does): the bytes must not outlive the free, as with kfree().
 */
static inline void jmod_init_on_free(void *p, size_t usable)
{
	if (want_init_on_free())
		memset(p, 0, usable);
}

/*
 * A pointer outside the direct map (jmod_direct_mapped()): huge pages
 * mapped by vmalloc are freed here, a pointer with no struct page is
 * refused; true when @p is valid and takes the common path.
 */
static noinline bool jmod_free_odd(const void *p, unsigned long caller)
{
	if (is_vmalloc_addr(p)) {
		jmod_free_huge(p, caller);
		return false;
	}
	if (!virt_addr_valid(p)) {
		jmod_report_bad_free("free", caller);
		return false;
	}
	return true;
}

static __always_inline void __jmod_free(const void *p, unsigned long caller,
					bool cache)
{
	unsigned int lcls;
	size_t usable;
	bool sampled;
	int cls;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	if (unlikely(in_nmi())) {
		pr_warn_once("refusing frees from NMI context, from %pS\n",
			     (void *)caller);
		return;
	}
	if (unlikely(!jmod_direct_mapped(p)) && !jmod_free_odd(p, caller))
		return;
	if (likely(folio_test_slab(virt_to_folio(p)))) {
		cls = jmod_small_class_of(p);
		if (unlikely(cls < 0))
			jmod_report_bad_free("free", caller);
		else
			jmod_free_class(cls, (void *)p, caller, cache);
		return;
	}
	switch (jmod_large_free_lookup(p, cache, &lcls, &sampled, &usable)) {
	case JMOD_OWNER_CACHED:
		/* the tcache takes it; the run is marked, so never refused */
		kmemleak_free(p);
		jmod_tcache_free(lcls, (void *)p);
		return;
	case JMOD_OWNER_RUN:
		kmemleak_free(p);
		if (unlikely(sampled))
			jmod_prof_forget(p);
		jmod_init_on_free((void *)p, usable);
		jmod_free_run(p, caller);
		return;
	case JMOD_OWNER_NONE:
		jmod_free_huge(p, caller);
		return;
	default:
		/* debug mode: the arena says what the pointer hit */
		if (jmod_debug &&
		    jmod_large_free(p, caller, false) == JMOD_OWNER_REPORTED)
			this_cpu_inc(jmod_stats->nbadfree);
		else
			jmod_report_bad_free("free", caller);
		return;
	}
}

/* jmod_free() bypassing the tcache */
void jmod_free_nocache(const void *p)
{
	__jmod_free(p, _RET_IP_, false);
}

/**
 * jmod_free() - free memory allocated by jmod
 * @p: object, or NULL or ZERO_SIZE_PTR (no-op)
 *
 * Finds the owner from the pointer alone.  Refused, counted as bad_frees
 * and reported once per burst in the kernel log: a pointer jmod did not
 * hand out; a pointer into the middle of an object (small ones: not at a
 * multiple of the class size into their slab; where SLUB debugging is on
 * for jmod's caches SLUB checks that itself); a second free of a huge
 * object or a large run, in its arena or in a tcache; a second free of a
 * small object still on top of its CPU's tcache bin.  Not detected: a
 * second free of a small object deeper in a tcache bin or in another
 * CPU's (SLUB's hardened freelist catches some once it gets the object),
 * and two frees racing on two CPUs.  Under init_on_free the object is
 * cleared.
 *
 * Context: any context, including hard IRQ; not NMI (refused, with a
 * one-time warning: the object stays allocated).
 */
void jmod_free(const void *p)
{
	__jmod_free(p, _RET_IP_, true);
}
EXPORT_SYMBOL_GPL(jmod_free);

/**
 * jmod_free_sized() - free memory whose size the caller knows
 * @p: object, or NULL or ZERO_SIZE_PTR (no-op)
 * @size: the size passed to jmod_malloc(), jmod_zalloc(), jmod_calloc()
 *	or jmod_realloc() for @p (not jmod_aligned_alloc(): its class may be
 *	larger than @size suggests)
 *
 * Small slab objects skip the class lookup; anything else (other sizes,
 * heap profile samples, debug mode) is freed as by jmod_free().
 *
 * Context: any context, including hard IRQ.
 */
void jmod_free_sized(const void *p, size_t size)
{
	/* a slab object: not a sample (those have pages), no debug checks */
	if (likely(!ZERO_OR_NULL_PTR(p) && size - 1 < JMOD_SMALL_MAX &&
		   !jmod_debug && !in_nmi() && jmod_direct_mapped(p) &&
		   folio_test_slab(virt_to_folio(p)) &&
		   jmod_small_class_of(p) == jmod_size_class(size))) {
		jmod_free_class(jmod_size_class(size), (void *)p, _RET_IP_,
				true);
		return;
	}
	__jmod_free(p, _RET_IP_, true);
}
EXPORT_SYMBOL_GPL(jmod_free_sized);

/**
 * jmod_usable_size() - bytes usable in an object
 * @p: object allocated by jmod
 *
 * Context: any context.
 * Return: the size of @p's class (small, large) or its page-rounded size
 * (huge); at least the size requested and below the next class.  With
 * red zones on (debug=Z), the size requested for large and huge objects:
 * the rest is red zone.  0 for NULL, ZERO_SIZE_PTR and pointers jmod did
 * not hand out.
 */
size_t jmod_usable_size(const void *p)
{
	unsigned int lcls;
	size_t usable;
	bool sampled;
	int cls;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return 0;
	if (is_vmalloc_addr(p))
		return jmod_huge_usable(p);
	if (!virt_addr_valid(p))
		return 0;
	if (folio_test_slab(virt_to_folio(p))) {
		cls = jmod_small_class_of(p);
		return cls < 0 ? 0 : jmod_class_size[cls];
	}
	switch (jmod_large_lookup(p, &lcls, &sampled, &usable)) {
	case JMOD_OWNER_RUN:
		return usable;
	case JMOD_OWNER_NONE:
		return jmod_huge_usable(p);
	default:
		return 0;
	}
}
EXPORT_SYMBOL_GPL(jmod_usable_size);

/* Resize in place when the class does not change or a run can. */
static bool jmod_realloc_inplace(void *p, size_t old, size_t new_size,
				 gfp_t gfp)
{
	size_t new_usable;

	if (old <= JMOD_SMALL_MAX)
		return new_size <= JMOD_SMALL_MAX &&
		       jmod_size_class(new_size) == jmod_size_class(old);
	if (old <= jmod_large_max) {
		if (new_size <= JMOD_SMALL_MAX || new_size > jmod_large_max)
			return false;
		new_usable = jmod_class_size[jmod_size_class(new_size)];
		/* a tail given back is the arena's once resized: clear it first */
		if (new_usable < old)
			jmod_init_on_free(p + new_usable, old - new_usable);
		if (jmod_large_resize(p, jmod_size_class(new_size)) !=
		    JMOD_OWNER_RUN)
			return false;
		/* kmemleak's object follows the run */
		kmemleak_free(p);
		kmemleak_alloc(p, new_usable, 1, gfp);
	} else {
		/* huge: shrink in place, never below the huge threshold */
		if (new_size <= jmod_large_max || new_size > old)
			return false;
		if (is_vmalloc_addr(p) || PAGE_ALIGN(new_size) == old)
			new_usable = old;	/* keep the mapping as it is */
		else if (jmod_huge_shrink(p, new_size))
			new_usable = PAGE_ALIGN(new_size);
		else
			return false;
	}
	/* grown into pages another object used: the policy decides */
	if (want_init_on_alloc(gfp) && new_usable > old)
		memset(p + old, 0, new_usable - old);
	this_cpu_inc(jmod_stats->nrealloc_inplace);
	return true;
}

/**
 * jmod_realloc() - change the size of an object
 * @p: object allocated by jmod, or NULL (then this is jmod_malloc())
 * @new_size: new size in bytes; 0 frees @p and returns ZERO_SIZE_PTR
 * @gfp: allocation flags, as for kmalloc()
 *
 * Stays in place when the size class does not change, when a large run
 * can shrink or grow into a free neighbour, or when a huge allocation
 * shrinks; otherwise moves the contents (up to the smaller of the two
 * sizes) to a new object.  With __GFP_ZERO, or whenever the kernel's
 * init_on_alloc policy is on (want_init_on_alloc()), bytes past the old
 * usable size are zeroed; with init_on_free, bytes given back are.
 *
 * Context: as jmod_malloc().
 * Return: the object, or NULL on failure, in which case @p is unchanged.
 */
void *jmod_realloc(void *p, size_t new_size, gfp_t gfp)
{
	size_t old;
	void *q;

	if (ZERO_OR_NULL_PTR(p))
		return __jmod_malloc(new_size, gfp, _RET_IP_);
	if (!new_size) {
		__jmod_free(p, _RET_IP_, true);
		return ZERO_SIZE_PTR;
	}
	if (jmod_refused(gfp))
		return jmod_refuse(gfp);
	old = jmod_usable_size(p);
	if (unlikely(!old)) {
		jmod_report_bad_free("realloc", _RET_IP_);
		return NULL;
	}
	if (jmod_realloc_inplace(p, old, new_size, gfp)) {
		jmod_prof_resize(p, new_size);
		return p;
	}
	q = __jmod_malloc(new_size, gfp, _RET_IP_);
	if (!q)
		return NULL;
	memcpy(q, p, min(old, new_size));
	__jmod_free(p, _RET_IP_, true);
	return q;
}
EXPORT_SYMBOL_GPL(jmod_realloc);

/* === Allocator init and exit (module.c calls them) === */

/*
 * The allocator's parts, brought up in this order and torn down in the
 * reverse one.  Huge allocations need no setup, only their teardown
 * (between the arenas and the small caches, as their callers go).
 */
static const struct {
	int (*init)(void);
	void (*exit)(void);
} jmod_parts[] = {
	{ jmod_sizeclass_init, NULL },
	{ jmod_debug_init, NULL },
	{ jmod_stats_init, jmod_stats_exit },
	{ jmod_prof_init, jmod_prof_exit },
	{ jmod_small_init, jmod_small_exit },
	{ NULL, jmod_huge_exit },
	{ jmod_arena_init, jmod_arena_exit },
	{ jmod_tcache_init, jmod_tcache_exit },
};

/* Tear down parts [0, @n), the last first. */
static void jmod_parts_exit(unsigned int n)
{
	while (n--)
		if (jmod_parts[n].exit)
			jmod_parts[n].exit();
}

/**
 * jmod_core_init() - bring the allocator up
 *
 * Checks the load-time parameters, then sets up size classes, debugging,
 * statistics, profiling, the small caches, the arenas, the tcaches and
 * debugfs, in that order.  The exported API works once this returns 0.
 *
 * Return: 0, -EINVAL for a bad parameter, or the first part's error
 * (every part set up before it is torn down again).
 */
int __init jmod_core_init(void)
{
	unsigned int i;
	int err;

	if (jmod_chunk_order < JMOD_CHUNK_ORDER_MIN ||
	    jmod_chunk_order > min(JMOD_CHUNK_ORDER_MAX, JMOD_MAX_PAGE_ORDER)) {
		pr_err("chunk_order %u out of range %u..%u\n", jmod_chunk_order,
		       JMOD_CHUNK_ORDER_MIN,
		       min(JMOD_CHUNK_ORDER_MAX, JMOD_MAX_PAGE_ORDER));
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(jmod_parts); i++) {
		err = jmod_parts[i].init ? jmod_parts[i].init() : 0;
		if (err) {
			jmod_parts_exit(i);
			return err;
		}
	}
	jmod_debugfs_init();
	pr_info("loaded: %u small + %u large classes, chunk %lu KiB, %u arenas, tcache up to %lu\n",
		JMOD_NR_SMALL, jmod_nr_classes - JMOD_NR_SMALL,
		(PAGE_SIZE << jmod_chunk_order) >> 10, num_possible_cpus(),
		jmod_tcache_max_size());
	return 0;
}

/**
 * jmod_core_exit() - tear the allocator down
 *
 * Every object must have been freed by now (modules using the exported
 * API pin jmod).  Drains the tcaches and returns every chunk, huge
 * allocation and slab to the page allocator.
 */
void jmod_core_exit(void)
{
	jmod_debugfs_exit();
	jmod_whatif_exit();
	jmod_parts_exit(ARRAY_SIZE(jmod_parts));
}
