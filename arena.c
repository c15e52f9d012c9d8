// SPDX-License-Identifier: GPL-2.0
/*
 * jmod arenas: per-CPU chunks of pages carved into runs for large classes.
 *
 * One arena per possible CPU.  An arena owns chunks taken with
 * alloc_pages_node() on the CPU's node; a chunk is naturally aligned
 * because the buddy allocator hands out naturally aligned blocks.  Chunks
 * grow with their arena, as jemalloc grows its extents: a new chunk is
 * half as large as the arena already is (so the arena grows by a third to
 * a half), at least 64 KiB (JMOD_CHUNK_GROW_MIN) and the run it is made
 * for, at most PAGE_SIZE << chunk_order (2 MiB by default).  A cold arena serving a
 * few 16-32 KiB objects so holds 64 KiB, not 2 MiB; a busy one reaches
 * full-size chunks after a few.  Each chunk is a sequence of runs:
 * a large allocation is one run of exactly its class size (so 20 KiB costs
 * 20 KiB, not kmalloc's 32 KiB); free runs are kept in per-arena buckets
 * indexed by length, with a bitmap of non-empty buckets, so best fit is a
 * find_next_bit() from the wanted length.  Allocation splits a free run,
 * free coalesces the run with free neighbours using boundary tags.
 *
 * Chunk page map (out of line, one struct jmod_page per page): the first
 * and the last page of every run carry the run's state and length; every
 * other page has state NONE.  That invariant makes a free of a pointer
 * into the middle of a run, or of a run already free, detectable.
 *
 * A chunk that becomes wholly free is retained for reuse and released to
 * the buddy allocator by deferred work once it has been free for decay_ms,
 * at once by the shrinker under memory pressure, by a forced purge, or at
 * unload.  An arena retains one such chunk (JMOD_ARENA_SPARE, jemalloc's
 * spare): when a second one becomes wholly free, the older of the two
 * goes back at once, by the free that emptied it, after it drops the
 * arena lock.
 *
 * Pointer -> owner: jmod_chunks, an xarray keyed by pfn >>
 * JMOD_CHUNK_GROW_MIN's order (a chunk fills one slot per 64 KiB of it),
 * maps a pointer to its chunk in O(1); lookups run under RCU.  A released
 * chunk leaves the xarray first; its metadata is freed after a grace
 * period, so a lookup racing with a release never reads freed memory.
 * Its pages go back at once: lookups read only the metadata (the page
 * map), and a wholly free chunk has no run anyone may still use.
 *
 * Lookups (jmod_large_free_lookup() for a free the tcache will take,
 * jmod_large_lookup() for usable_size, realloc and the other frees) read
 * the run's head entry without arena->lock outside debug mode: the head
 * of a live run is written only by whoever holds the run (its user, then
 * the tcache), so a valid call reads a stable entry; an invalid one may
 * read a changing entry of somebody else's run, which is no worse than
 * freeing it.  Frees that give the run back take the lock and check
 * again.  A free into the tcache marks the run JMOD_RUN_CACHED instead
 * of taking the lock, so a second free of a cached run is still refused.
 *
 * Decay: wholly free chunks sit on arena->retained, oldest first, so
 * releasing them walks only what it releases.
 *
 * Locking:
 *   arena->lock (spinlock, IRQ-safe: GFP_ATOMIC allocations and frees
 *   may come from hard-IRQ context) protects the arena's chunk list, its
 *   buckets and bitmap, and the page maps and counters of its chunks.
 *   Frees take the lock of the arena that owns the chunk, whatever CPU
 *   they run on.  Chunks are allocated and freed with no lock held.
 *   The jmod_chunks xarray lock nests inside nothing and is IRQ-safe.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "internal.h"

/* === Data === */

enum jmod_page_state {
	JMOD_PG_NONE = 0,	/* inside a run */
	JMOD_PG_FREE,		/* first or last page of a free run */
	JMOD_PG_HEAD,		/* first page of an allocated run */
	JMOD_PG_TAIL,		/* last page of an allocated run */
};

struct jmod_page {
	struct list_head link;	/* bucket list, first page of a free run */
	u16 npages;		/* run length, at both ends */
	u16 cls;		/* size class, head of an allocated run */
	u16 idx;		/* own index, to find the chunk from a bucket */
	u8 state;
	u8 flags;		/* JMOD_RUN_*, head of an allocated run */
};

#define JMOD_RUN_SAMPLED	BIT(0)	/* heap profile sample (prof.c) */
/*
 * Freed by its user and sitting in a tcache bin: not live any more, so a
 * second jmod_free(), jmod_usable_size() or jmod_realloc() of it is
 * refused.  Set by jmod_large_free_lookup() and cleared when the tcache
 * hands the run out again (jmod_large_uncache()) or gives it back to the
 * arena (jmod_large_free(.., true)).  Only the run's holder writes it:
 * its user before the free, the tcache after, so WRITE_ONCE() without the
 * arena lock; arena_take() starts every run with it clear.
 */
#define JMOD_RUN_CACHED		BIT(1)

struct jmod_chunk {
	struct list_head link;		/* arena->chunks */
	struct jmod_arena *arena;
	struct page *page;
	void *base;
	unsigned int order;		/* of its pages */
	unsigned int npages;		/* 1 << order */
	unsigned int nfree;		/* free pages */
	unsigned long free_since;	/* jiffies, when nfree == npages */
	struct list_head retained;	/* arena->retained, when wholly free */
	struct rcu_head rcu;
	struct jmod_run_debug *dbg;	/* per page, debug mode only */
	struct jmod_page map[];
};

struct jmod_arena {
	spinlock_t lock;		/* everything below, and the chunks' maps */
	int cpu;
	int node;
	struct list_head chunks;
	/* wholly free chunks, oldest first: decay looks at the head only */
	struct list_head retained;
	unsigned long nr_chunks;
	unsigned long nr_pages;		/* in its chunks */
	unsigned long nr_retained;	/* wholly free chunks */
	unsigned long retained_pages;	/* their pages */
	unsigned long active_pages;	/* pages in allocated runs */
	unsigned long nr_free_runs;
	unsigned long *avail;		/* bit n: free[n] is not empty */
	struct list_head free[];	/* free runs by length, 1..npages */
};

unsigned int jmod_chunk_order = 9;
unsigned int jmod_decay_ms = 10000;

/*
 * Wholly free chunks an arena keeps for decay_ms (jemalloc's arena spare):
 * one absorbs a working set that crosses a chunk boundary back and forth;
 * a second one would only be memory kept from the page allocator.
 */
#define JMOD_ARENA_SPARE	1

static unsigned int chunk_pages;	/* 1 << jmod_chunk_order, the largest */
/* The smallest chunk, and the xarray's key granule: 64 KiB */
#define JMOD_CHUNK_GROW_MIN_ORDER	JMOD_CHUNK_ORDER_MIN
#define JMOD_CHUNK_GROW_MIN	(PAGE_SIZE << JMOD_CHUNK_GROW_MIN_ORDER)
static struct jmod_arena **jmod_arenas;	/* [nr_cpu_ids] */
static DEFINE_XARRAY_FLAGS(jmod_chunks, XA_FLAGS_LOCK_IRQ);

static void jmod_decay_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(jmod_decay_work, jmod_decay_fn);

/* gfp bits that matter for allocating metadata and xarray nodes */
#define JMOD_GFP_META_MASK (__GFP_HIGH | __GFP_IO | __GFP_FS | \
			    __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | \
			    __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC)

/* === Run bookkeeping (arena->lock held) === */

static struct jmod_chunk *page_chunk(struct jmod_page *pg)
{
	return container_of(pg - pg->idx, struct jmod_chunk, map[0]);
}

static void set_ends(struct jmod_chunk *c, unsigned int i, unsigned int n,
		     enum jmod_page_state head, enum jmod_page_state tail)
{
	c->map[i + n - 1].state = tail;
	c->map[i + n - 1].npages = n;
	/* a one-page run: the head state wins */
	c->map[i].state = head;
	c->map[i].npages = n;
}

static void clear_ends(struct jmod_chunk *c, unsigned int i, unsigned int n)
{
	c->map[i].state = JMOD_PG_NONE;
	c->map[i + n - 1].state = JMOD_PG_NONE;
}

static void free_insert(struct jmod_arena *a, struct jmod_chunk *c,
			unsigned int i, unsigned int n)
{
	struct jmod_page *pg = &c->map[i];

	lockdep_assert_held(&a->lock);
	set_ends(c, i, n, JMOD_PG_FREE, JMOD_PG_FREE);
	pg->idx = i;
	list_add(&pg->link, &a->free[n]);
	__set_bit(n, a->avail);
	a->nr_free_runs++;
}

static void free_remove(struct jmod_arena *a, struct jmod_chunk *c,
			unsigned int i)
{
	struct jmod_page *pg = &c->map[i];
	unsigned int n = pg->npages;

	lockdep_assert_held(&a->lock);
	list_del(&pg->link);
	if (list_empty(&a->free[n]))
		__clear_bit(n, a->avail);
	a->nr_free_runs--;
	clear_ends(c, i, n);
}

static void chunk_used(struct jmod_arena *a, struct jmod_chunk *c,
		       unsigned int n)
{
	lockdep_assert_held(&a->lock);
	if (c->nfree == c->npages) {
		a->nr_retained--;
		a->retained_pages -= c->npages;
		list_del(&c->retained);
	}
	c->nfree -= n;
	a->active_pages += n;
}

/*
 * Take @n pages at an @align_pages boundary: best fit, the shortest free
 * run that can hold them.  Returns the run's first page, or NULL.
 */
static void *arena_take(struct jmod_arena *a, unsigned int n,
			unsigned int align_pages, unsigned int cls, u8 flags,
			struct jmod_chunk **cp, unsigned int *ip)
{
	unsigned int len = find_next_bit(a->avail, chunk_pages + 1, n);

	lockdep_assert_held(&a->lock);
	for (; len <= chunk_pages;
	     len = find_next_bit(a->avail, chunk_pages + 1, len + 1)) {
		struct jmod_page *pg;

		list_for_each_entry(pg, &a->free[len], link) {
			struct jmod_chunk *c = page_chunk(pg);
			unsigned int i = pg->idx;
			unsigned int s = ALIGN(i, align_pages);

			if (s + n > i + len)
				continue;
			free_remove(a, c, i);
			if (s > i)
				free_insert(a, c, i, s - i);
			if (s + n < i + len)
				free_insert(a, c, s + n, i + len - s - n);
			set_ends(c, s, n, JMOD_PG_HEAD, JMOD_PG_TAIL);
			c->map[s].cls = cls;
			c->map[s].flags = flags;
			chunk_used(a, c, n);
			*cp = c;
			*ip = s;
			return c->base + ((size_t)s << PAGE_SHIFT);
		}
	}
	return NULL;
}

/* Take wholly free chunk @c off its arena: it is about to be released. */
static void arena_detach(struct jmod_arena *a, struct jmod_chunk *c)
{
	lockdep_assert_held(&a->lock);
	free_remove(a, c, 0);
	list_del(&c->retained);
	list_del(&c->link);
	a->nr_chunks--;
	a->nr_pages -= c->npages;
	a->nr_retained--;
	a->retained_pages -= c->npages;
}

/*
 * Free the run starting at page @i: coalesce with free neighbours.  When
 * that leaves the arena more wholly free chunks than JMOD_ARENA_SPARE,
 * the oldest is detached and returned: the caller releases it with
 * chunk_destroy() once it has dropped the lock.
 */
static struct jmod_chunk *arena_put(struct jmod_arena *a,
				    struct jmod_chunk *c, unsigned int i,
				    unsigned int n)
{
	struct jmod_chunk *old;
	unsigned int start = i, len = n;

	lockdep_assert_held(&a->lock);
	clear_ends(c, i, n);
	if (i > 0 && c->map[i - 1].state == JMOD_PG_FREE) {
		unsigned int ln = c->map[i - 1].npages;

		free_remove(a, c, i - ln);
		start -= ln;
		len += ln;
	}
	if (i + n < c->npages && c->map[i + n].state == JMOD_PG_FREE) {
		len += c->map[i + n].npages;
		free_remove(a, c, i + n);
	}
	free_insert(a, c, start, len);

	c->nfree += n;
	a->active_pages -= n;
	if (c->nfree == c->npages) {
		c->free_since = jiffies;
		a->nr_retained++;
		a->retained_pages += c->npages;
		list_add_tail(&c->retained, &a->retained);
		if (a->nr_retained > JMOD_ARENA_SPARE) {
			old = list_first_entry(&a->retained, struct jmod_chunk,
					       retained);
			arena_detach(a, old);
			return old;
		}
		/* a read first: no atomic on the shared work item when queued */
		if (!delayed_work_pending(&jmod_decay_work))
			queue_delayed_work(jmod_unbound_wq, &jmod_decay_work,
					   msecs_to_jiffies(READ_ONCE(jmod_decay_ms)));
	}
	return NULL;
}

/* === Chunks === */

/*
 * The order of a new chunk for a run of @need pages (its length or its
 * alignment, whichever is larger: runs are aligned within their chunk):
 * half the arena's size rounded down to a power of two, at least the run
 * and JMOD_CHUNK_GROW_MIN, at most chunk_pages.  The arena so grows by a
 * third to a half at each step: what its newest chunk leaves unused is
 * at most about a third of it, where doubling left up to half (these are
 * pages taken from the page allocator, not jemalloc's virtual memory).
 * A racy read of the arena's size is fine: it only sizes the chunk.
 */
static unsigned int chunk_order_for(struct jmod_arena *a, unsigned int need)
{
	unsigned long half = READ_ONCE(a->nr_pages) / 2;
	unsigned int order = max_t(unsigned int, order_base_2(need),
				   JMOD_CHUNK_GROW_MIN_ORDER);

	if (half && ilog2(half) > order)
		order = ilog2(half);
	return min_t(unsigned int, order, jmod_chunk_order);
}

/* Key range of a chunk in jmod_chunks: one slot per 64 KiB. */
static unsigned long chunk_key(struct page *page)
{
	return page_to_pfn(page) >> JMOD_CHUNK_GROW_MIN_ORDER;
}

static unsigned long chunk_nkeys(unsigned int order)
{
	return 1UL << (order - JMOD_CHUNK_GROW_MIN_ORDER);
}

static void chunk_unpublish(struct page *page, unsigned long nkeys)
{
	unsigned long k, key = chunk_key(page), flags;

	xa_lock_irqsave(&jmod_chunks, flags);
	for (k = 0; k < nkeys; k++)
		__xa_erase(&jmod_chunks, key + k);
	xa_unlock_irqrestore(&jmod_chunks, flags);
}

static void chunk_meta_free_rcu(struct rcu_head *rcu)
{
	struct jmod_chunk *c = container_of(rcu, struct jmod_chunk, rcu);

	this_cpu_sub(jmod_stats->meta_bytes,
		     ksize(c) + (c->dbg ? ksize(c->dbg) : 0));
	kfree(c->dbg);
	kfree(c);
}

/*
 * Release a chunk whose first @nkeys keys are in jmod_chunks: out of the
 * xarray, pages back now, metadata after a grace period (lookups that
 * found it before may still read its map, never its pages).
 */
static void chunk_release(struct jmod_chunk *c, unsigned long nkeys)
{
	chunk_unpublish(c->page, nkeys);
	__free_pages(c->page, c->order);
	this_cpu_sub(jmod_stats->chunk_pages, c->npages);
	call_rcu(&c->rcu, chunk_meta_free_rcu);
}

static struct jmod_chunk *chunk_create(struct jmod_arena *a, gfp_t gfp,
				       unsigned int order)
{
	gfp_t meta_gfp = (gfp & JMOD_GFP_META_MASK) | __GFP_NOWARN;
	unsigned int npages = 1U << order;
	unsigned long k, key, nkeys = chunk_nkeys(order), flags;
	struct jmod_chunk *c;
	struct page *page;
	int err = 0;

	c = kzalloc_node(struct_size(c, map, npages), meta_gfp, a->node);
	if (!c)
		return NULL;
	page = alloc_pages_node(a->node, (gfp & ~(__GFP_ZERO | __GFP_COMP)) |
				__GFP_NOWARN, order);
	if (!page) {
		kfree(c);
		return NULL;
	}
	c->arena = a;
	c->page = page;
	c->base = page_address(page);
	c->order = order;
	c->npages = npages;
	if (jmod_debug) {
		c->dbg = kcalloc_node(npages, sizeof(*c->dbg), meta_gfp,
				      a->node);
		if (!c->dbg) {
			__free_pages(page, order);
			kfree(c);
			return NULL;
		}
		if (jmod_debug & JMOD_DBG_POISON)
			memset(c->base, JMOD_POISON_FREE, PAGE_SIZE << order);
	}

	this_cpu_add(jmod_stats->chunk_pages, npages);
	this_cpu_add(jmod_stats->meta_bytes,
		     ksize(c) + (c->dbg ? ksize(c->dbg) : 0));
	key = chunk_key(page);
	xa_lock_irqsave(&jmod_chunks, flags);
	for (k = 0; k < nkeys && !err; k++)
		err = xa_err(__xa_store(&jmod_chunks, key + k, c, meta_gfp));
	xa_unlock_irqrestore(&jmod_chunks, flags);
	if (err) {
		/*
		 * A lookup may have found the keys stored so far (its map
		 * says every page is in no run): released as any chunk.
		 */
		chunk_release(c, k);
		return NULL;
	}
	return c;
}

/* The chunk is already off its arena's lists. */
static void chunk_destroy(struct jmod_chunk *c)
{
	chunk_release(c, chunk_nkeys(c->order));
}

static void arena_add_chunk(struct jmod_arena *a, struct jmod_chunk *c)
{
	lockdep_assert_held(&a->lock);
	list_add(&c->link, &a->chunks);
	a->nr_chunks++;
	a->nr_pages += c->npages;
	c->nfree = c->npages;
	a->nr_retained++;
	a->retained_pages += c->npages;
	c->free_since = jiffies;
	list_add_tail(&c->retained, &a->retained);
	free_insert(a, c, 0, c->npages);
}

/* === Allocation and free === */

static inline struct jmod_arena *this_arena(void)
{
	return jmod_arenas[raw_smp_processor_id()];
}

/*
 * The gfp for a new chunk on a miss.  A chunk is 2 MiB for a run of a
 * few pages: never with __GFP_NOFAIL (the page allocator refuses to
 * promise that for such an order), never from the atomic reserves for a
 * caller that cannot sleep (__GFP_HIGH off, __GFP_NOMEMALLOC on), and
 * with one reclaim pass only (__GFP_NORETRY) for one that can.  When it
 * fails the request falls back to other arenas' free runs, then to pages
 * of the run's own size with the caller's gfp (jmod_large_alloc()).
 */
static gfp_t chunk_gfp(gfp_t gfp)
{
	gfp &= ~__GFP_NOFAIL;
	if (!gfpflags_allow_blocking(gfp))
		return (gfp & ~__GFP_HIGH) | __GFP_NOMEMALLOC;
	return gfp | __GFP_NORETRY;
}

/*
 * arena_take() under @a's lock, adding @new (a chunk just created) first.
 * In debug mode the run's record and red zone are set before the lock is
 * dropped, so jmod_arena_validate() never sees a live run without them.
 */
static void *arena_take_locked(struct jmod_arena *a, struct jmod_chunk *new,
			       unsigned int n, unsigned int align_pages,
			       unsigned int cls, u8 rflags, size_t size)
{
	struct jmod_chunk *c;
	unsigned long flags;
	unsigned int i;
	void *p;

	spin_lock_irqsave(&a->lock, flags);
	if (new)
		arena_add_chunk(a, new);
	p = arena_take(a, n, align_pages, cls, rflags, &c, &i);
	if (p && unlikely(c->dbg))
		jmod_debug_alloc(p, (size_t)n << PAGE_SHIFT, size, cls,
				 &c->dbg[i]);
	spin_unlock_irqrestore(&a->lock, flags);
	WARN_ON_ONCE(new && !p);
	return p;
}

/* A free run of another arena, when this one has none. */
static void *arena_take_other(struct jmod_arena *self, unsigned int n,
			      unsigned int align_pages, unsigned int cls,
			      u8 rflags, size_t size)
{
	unsigned int cpu;
	void *p;

	for_each_possible_cpu(cpu) {
		struct jmod_arena *a = jmod_arenas[cpu];

		/* racy peek: a stale answer costs one lock or one miss */
		if (a == self || !READ_ONCE(a->nr_free_runs))
			continue;
		p = arena_take_locked(a, NULL, n, align_pages, cls, rflags,
				      size);
		if (p)
			return p;
	}
	return NULL;
}

/**
 * jmod_large_alloc() - take a run from this CPU's arena
 * @cls: a large size class
 * @size: bytes requested (red zone and debug record)
 * @align: alignment, up to the chunk size (0 or <= PAGE_SIZE: a page)
 * @gfp: allocation flags; want_init_on_alloc(@gfp) (__GFP_ZERO, or the
 *	kernel's init_on_alloc policy) zeroes the usable size (the request
 *	only, in red-zone debug mode)
 * @sampled: mark the run as a heap profile sample
 *
 * A miss takes a new chunk (chunk_gfp()); when that fails, a free run
 * of another arena; when there is none, pages of the run's size from the
 * huge path with @gfp itself, so jmod fails only where kmalloc() would
 * (counted in the huge row and in large_fallbacks).
 *
 * Context: any, with a suitable @gfp.
 * Return: the run or NULL.
 */
void *jmod_large_alloc(unsigned int cls, size_t size, size_t align,
		       gfp_t gfp, bool sampled)
{
	struct jmod_arena *a = this_arena();
	size_t usable = jmod_class_size[cls];
	unsigned int n = usable >> PAGE_SHIFT;
	unsigned int align_pages = max_t(size_t, align >> PAGE_SHIFT, 1);
	u8 rflags = sampled ? JMOD_RUN_SAMPLED : 0;
	struct jmod_chunk *c;
	void *p;

	p = arena_take_locked(a, NULL, n, align_pages, cls, rflags, size);
	if (unlikely(!p)) {
		c = chunk_create(a, chunk_gfp(gfp),
				 chunk_order_for(a, max(n, align_pages)));
		if (c)
			p = arena_take_locked(a, c, n, align_pages, cls, rflags,
					      size);
		else
			p = arena_take_other(a, n, align_pages, cls, rflags,
					     size);
		if (!p) {
			/* the run alone, as kmalloc_large() would take it */
			this_cpu_inc(jmod_stats->nlarge_fallback);
			return jmod_huge_alloc(usable, align, gfp);
		}
	}
	this_cpu_inc(jmod_stats->nmalloc[cls]);
	/*
	 * Chunk pages are not kmemleak's: each run handed out is an object
	 * of its own, scanned for pointers and reported when unreferenced
	 * (as kmalloc_large() does); jmod.c unregisters it on free.
	 */
	kmemleak_alloc(p, (size_t)n << PAGE_SHIFT, 1, gfp);
	/* red zones: only the request is the caller's */
	if (unlikely(jmod_debug & JMOD_DBG_REDZONE))
		usable = size;
	/* a reused run holds its last owner's bytes: the policy decides */
	if (want_init_on_alloc(gfp))
		memset(p, 0, usable);
	return p;
}

/*
 * Find the chunk and page index of @p.  Called under rcu_read_lock();
 * the chunk stays valid until rcu_read_unlock().
 */
static struct jmod_chunk *chunk_lookup(const void *p, unsigned int *idx)
{
	unsigned long pfn = page_to_pfn(virt_to_page(p));
	struct jmod_chunk *c;

	c = xa_load(&jmod_chunks, pfn >> JMOD_CHUNK_GROW_MIN_ORDER);
	if (c)
		*idx = pfn - page_to_pfn(c->page);
	return c;
}

static bool is_run_head(struct jmod_chunk *c, const void *p, unsigned int i)
{
	return offset_in_page(p) == 0 && c->map[i].state == JMOD_PG_HEAD;
}

/* The start of a run its user holds: allocated and not in a tcache. */
static bool is_live_head(struct jmod_chunk *c, const void *p, unsigned int i)
{
	return is_run_head(c, p, i) && !(c->map[i].flags & JMOD_RUN_CACHED);
}

/* Debug mode: say what a bad free in a chunk hit. */
static void report_bad_run(struct jmod_chunk *c, const void *p, unsigned int i,
			   unsigned long caller)
{
	struct jmod_run_debug *d = &c->dbg[i];
	bool freed = offset_in_page(p) == 0 && d->free_stack;

	jmod_debug_report(freed ? JMOD_ERR_DOUBLE_FREE : JMOD_ERR_INVALID_FREE,
			  c->map[i].cls, d->size, offset_in_page(p), 0, 0,
			  freed ? d : NULL, caller);
}

/**
 * jmod_large_free() - give a run back to its arena
 * @p: start of the run
 * @caller: for debug reports
 * @cached: the tcache gives back a run it holds (JMOD_RUN_CACHED); false:
 *	the user frees a live run
 *
 * Context: any.
 * Return: JMOD_OWNER_RUN when freed; JMOD_OWNER_NONE when @p is in no
 * chunk; JMOD_OWNER_BAD (or _REPORTED in debug mode) when @p is in a
 * chunk but not the start of a run in the state @cached says: nothing is
 * changed.
 */
enum jmod_owner jmod_large_free(const void *p, unsigned long caller,
				bool cached)
{
	enum jmod_owner ret = JMOD_OWNER_RUN;
	struct jmod_chunk *c, *spill = NULL;
	struct jmod_arena *a;
	unsigned long flags;
	unsigned int i, cls = 0;

	rcu_read_lock();
	c = chunk_lookup(p, &i);
	if (!c) {
		rcu_read_unlock();
		return JMOD_OWNER_NONE;
	}
	a = c->arena;
	spin_lock_irqsave(&a->lock, flags);
	if (is_run_head(c, p, i) &&
	    !!(c->map[i].flags & JMOD_RUN_CACHED) == cached) {
		cls = c->map[i].cls;
		c->map[i].flags &= ~JMOD_RUN_CACHED;
		if (unlikely(c->dbg))
			jmod_debug_free((void *)p,
					(size_t)c->map[i].npages << PAGE_SHIFT,
					cls, &c->dbg[i], caller);
		spill = arena_put(a, c, i, c->map[i].npages);
	} else if (c->dbg) {
		report_bad_run(c, p, i, caller);
		ret = JMOD_OWNER_REPORTED;
	} else {
		ret = JMOD_OWNER_BAD;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	rcu_read_unlock();
	if (spill)
		chunk_destroy(spill);
	if (ret == JMOD_OWNER_RUN)
		this_cpu_inc(jmod_stats->ndalloc[cls]);
	return ret;
}

/*
 * The lookup behind jmod_large_lookup() and jmod_large_free_lookup().
 * Outside debug mode the run's head is read without arena->lock (see the
 * header comment); with @cache, a live run of a class the tcache serves
 * (not a sample) is marked JMOD_RUN_CACHED and JMOD_OWNER_CACHED
 * returned.  Debug mode reads the records under the lock, and never
 * caches.
 */
static enum jmod_owner large_lookup(const void *p, bool cache,
				    unsigned int *cls, bool *sampled,
				    size_t *usable)
{
	enum jmod_owner ret = JMOD_OWNER_BAD;
	struct jmod_chunk *c;
	struct jmod_page *pg;
	unsigned long flags;
	unsigned int i, k;
	u8 fl;

	rcu_read_lock();
	c = chunk_lookup(p, &i);
	if (!c) {
		rcu_read_unlock();
		return JMOD_OWNER_NONE;
	}
	pg = &c->map[i];
	if (likely(!c->dbg)) {
		fl = READ_ONCE(pg->flags);
		k = READ_ONCE(pg->cls);
		if (offset_in_page(p) == 0 &&
		    READ_ONCE(pg->state) == JMOD_PG_HEAD &&
		    !(fl & JMOD_RUN_CACHED)) {
			*cls = k;
			*sampled = fl & JMOD_RUN_SAMPLED;
			if (usable)
				*usable = jmod_class_size[k];
			ret = JMOD_OWNER_RUN;
			if (cache && !*sampled && jmod_tcache_serves(k)) {
				WRITE_ONCE(pg->flags, fl | JMOD_RUN_CACHED);
				ret = JMOD_OWNER_CACHED;
			}
		}
		rcu_read_unlock();
		return ret;
	}
	spin_lock_irqsave(&c->arena->lock, flags);
	if (is_live_head(c, p, i)) {
		*cls = pg->cls;
		*sampled = pg->flags & JMOD_RUN_SAMPLED;
		if (usable)
			*usable = (jmod_debug & JMOD_DBG_REDZONE) ?
				  c->dbg[i].size : jmod_class_size[*cls];
		ret = JMOD_OWNER_RUN;
	}
	spin_unlock_irqrestore(&c->arena->lock, flags);
	rcu_read_unlock();
	return ret;
}

/*
 * The class of the live run at @p, whether it is a profile sample and
 * (@usable, may be NULL) its usable bytes: the class size, or in red-zone
 * debug mode the bytes before the red zone.
 */
enum jmod_owner jmod_large_lookup(const void *p, unsigned int *cls,
				  bool *sampled, size_t *usable)
{
	return large_lookup(p, false, cls, sampled, usable);
}

/**
 * jmod_large_free_lookup() - look a freed pointer up, claim it for the tcache
 * @p: the pointer given to jmod_free()
 * @cache: the tcache may take the run (jmod_tcache_serves() of its class
 *	is asked here, once the class is known)
 * @cls: the run's class
 * @sampled: whether it is a heap profile sample
 * @usable: its usable bytes (as jmod_large_lookup())
 *
 * For a live run of a class the tcache serves (not a sample, not debug
 * mode), marks it JMOD_RUN_CACHED with no lock taken and returns
 * JMOD_OWNER_CACHED: the caller must then give it to jmod_tcache_free().
 * Everything else is as jmod_large_lookup(): JMOD_OWNER_RUN for a live
 * run the caller frees with jmod_large_free(.., false), _NONE or _BAD.
 * One chunk lookup either way.
 *
 * Context: any.
 */
enum jmod_owner jmod_large_free_lookup(const void *p, bool cache,
				       unsigned int *cls, bool *sampled,
				       size_t *usable)
{
	return large_lookup(p, cache, cls, sampled, usable);
}

/*
 * The tcache hands the run at @p (JMOD_RUN_CACHED) out again: live from
 * now on.
 */
void jmod_large_uncache(const void *p)
{
	struct jmod_chunk *c;
	unsigned int i;

	rcu_read_lock();
	c = chunk_lookup(p, &i);
	if (!WARN_ON_ONCE(!c))
		WRITE_ONCE(c->map[i].flags,
			   c->map[i].flags & ~JMOD_RUN_CACHED);
	rcu_read_unlock();
}

/*
 * Resize the run at @p in place to class @new_cls: shrink by freeing the
 * tail, grow into a free right neighbour.  Returns JMOD_OWNER_RUN when
 * done, JMOD_OWNER_NONE when it cannot be done in place, JMOD_OWNER_BAD
 * when @p is not a live run.
 */
enum jmod_owner jmod_large_resize(void *p, unsigned int new_cls)
{
	unsigned int want = jmod_class_size[new_cls] >> PAGE_SHIFT;
	enum jmod_owner ret = JMOD_OWNER_NONE;
	unsigned int i, n, old_cls = 0;
	struct jmod_chunk *c, *spill = NULL;
	struct jmod_arena *a;
	unsigned long flags;

	/* debug records describe whole runs: move instead */
	if (jmod_debug)
		return JMOD_OWNER_NONE;
	rcu_read_lock();
	c = chunk_lookup(p, &i);
	if (!c) {
		rcu_read_unlock();
		return JMOD_OWNER_BAD;
	}
	a = c->arena;
	spin_lock_irqsave(&a->lock, flags);
	if (!is_live_head(c, p, i)) {
		ret = JMOD_OWNER_BAD;
		goto out;
	}
	n = c->map[i].npages;
	old_cls = c->map[i].cls;
	if (want < n) {
		clear_ends(c, i, n);
		set_ends(c, i, want, JMOD_PG_HEAD, JMOD_PG_TAIL);
		c->map[i].cls = new_cls;
		/* the tail is an allocated run of its own, put it back */
		set_ends(c, i + want, n - want, JMOD_PG_HEAD, JMOD_PG_TAIL);
		/* the run stays, so its chunk is not wholly free */
		spill = arena_put(a, c, i + want, n - want);
		ret = JMOD_OWNER_RUN;
	} else if (want > n && i + want <= c->npages &&
		   c->map[i + n].state == JMOD_PG_FREE &&
		   c->map[i + n].npages >= want - n) {
		unsigned int rlen = c->map[i + n].npages;

		free_remove(a, c, i + n);
		if (rlen > want - n)
			free_insert(a, c, i + want, rlen - (want - n));
		clear_ends(c, i, n);
		set_ends(c, i, want, JMOD_PG_HEAD, JMOD_PG_TAIL);
		c->map[i].cls = new_cls;
		chunk_used(a, c, want - n);
		ret = JMOD_OWNER_RUN;
	} else if (want == n) {
		ret = JMOD_OWNER_RUN;
	}
out:
	spin_unlock_irqrestore(&a->lock, flags);
	rcu_read_unlock();
	if (WARN_ON_ONCE(spill))	/* never: the run is still there */
		chunk_destroy(spill);
	if (ret == JMOD_OWNER_RUN && old_cls != new_cls) {
		this_cpu_inc(jmod_stats->ndalloc[old_cls]);
		this_cpu_inc(jmod_stats->nmalloc[new_cls]);
	}
	return ret;
}

/* === Decay, purge and the shrinker === */

/*
 * Release wholly free chunks: those free for at least @min_age jiffies,
 * at most @max_pages pages.  Returns the pages released; *@next is set
 * to the earliest expiry of a retained chunk left behind (0: none).
 */
static unsigned long arena_release(struct jmod_arena *a, unsigned long min_age,
				   unsigned long max_pages, unsigned long *next)
{
	struct jmod_chunk *c, *tmp;
	unsigned long flags, freed = 0;
	LIST_HEAD(dead);

	/*
	 * Oldest first: stop at the first chunk not old enough (or when
	 * enough is freed), so the walk with interrupts off is as long as
	 * what it releases, not as long as the arena.
	 */
	spin_lock_irqsave(&a->lock, flags);
	list_for_each_entry_safe(c, tmp, &a->retained, retained) {
		unsigned long expiry = c->free_since + min_age;

		if (freed >= max_pages || time_before(jiffies, expiry)) {
			if (!*next || time_before(expiry, *next))
				*next = expiry ?: 1;
			break;
		}
		arena_detach(a, c);
		list_add(&c->link, &dead);
		freed += c->npages;
	}
	spin_unlock_irqrestore(&a->lock, flags);

	list_for_each_entry_safe(c, tmp, &dead, link)
		chunk_destroy(c);
	return freed;
}

static unsigned long release_all(unsigned long min_age, unsigned long max_pages,
				 unsigned long *next)
{
	unsigned long freed = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		if (freed >= max_pages)
			break;
		freed += arena_release(jmod_arenas[cpu], min_age,
				       max_pages - freed, next);
	}
	return freed;
}

static void jmod_decay_fn(struct work_struct *work)
{
	unsigned long next = 0;

	release_all(msecs_to_jiffies(READ_ONCE(jmod_decay_ms)), ULONG_MAX,
		    &next);
	if (next)
		queue_delayed_work(jmod_unbound_wq, &jmod_decay_work,
				   time_after(next, jiffies) ? next - jiffies : 1);
}

/* decay_ms changed: look at the retained chunks again now. */
void jmod_arena_decay_kick(void)
{
	mod_delayed_work(jmod_unbound_wq, &jmod_decay_work, 0);
}

/* Release up to @max_pages of retained chunks now, whatever their age. */
unsigned long jmod_arena_purge(unsigned long max_pages)
{
	unsigned long next = 0;

	return release_all(0, max_pages, &next);
}

/* Release every retained chunk and wait until its metadata is freed. */
void jmod_arena_purge_all(void)
{
	jmod_arena_purge(ULONG_MAX);
	rcu_barrier();
}

unsigned long jmod_arena_retained_pages(void)
{
	unsigned long n = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(jmod_arenas[cpu]->retained_pages);
	return n;
}

static unsigned long jmod_shrink_count(struct shrinker *s,
				       struct shrink_control *sc)
{
	return jmod_arena_retained_pages() ?: SHRINK_EMPTY;
}

static unsigned long jmod_shrink_scan(struct shrinker *s,
				      struct shrink_control *sc)
{
	unsigned long freed = jmod_arena_purge(sc->nr_to_scan);

	return freed ?: SHRINK_STOP;
}

/*
 * Retained chunks are free memory that costs nothing to recreate: seeks
 * 0 makes every reclaim pass ask for half of them (with DEFAULT_SEEKS a
 * few MiB of chunks would be scanned only once reclaim gets desperate).
 * The batch stays the default: a scan of any size releases at least one
 * whole chunk, and a batch of a chunk would leave a single retained
 * chunk unscanned.  shrinker_alloc() replaced register_shrinker() in 6.7.
 */
#ifdef SHRINKER_ALLOCATED
static struct shrinker *jmod_shrinker;

static int jmod_shrinker_register(void)
{
	jmod_shrinker = shrinker_alloc(0, "jmod");
	if (!jmod_shrinker)
		return -ENOMEM;
	jmod_shrinker->count_objects = jmod_shrink_count;
	jmod_shrinker->scan_objects = jmod_shrink_scan;
	jmod_shrinker->seeks = 0;
	shrinker_register(jmod_shrinker);
	return 0;
}

static void jmod_shrinker_unregister(void)
{
	shrinker_free(jmod_shrinker);
}
#else
static struct shrinker jmod_shrinker_s = {
	.count_objects = jmod_shrink_count,
	.scan_objects = jmod_shrink_scan,
	.seeks = 0,
};

static int jmod_shrinker_register(void)
{
	return register_shrinker(&jmod_shrinker_s, "jmod");
}

static void jmod_shrinker_unregister(void)
{
	unregister_shrinker(&jmod_shrinker_s);
}
#endif

/* === Statistics === */

void jmod_arena_info(unsigned int cpu, struct jmod_arena_info *info)
{
	struct jmod_arena *a = jmod_arenas[cpu];
	unsigned long flags;
	unsigned int last;

	spin_lock_irqsave(&a->lock, flags);
	info->cpu = a->cpu;
	info->node = a->node;
	info->chunks = a->nr_chunks;
	info->retained = a->nr_retained;
	info->active_pages = a->active_pages;
	info->dirty_pages = a->nr_pages - a->retained_pages - a->active_pages;
	info->free_runs = a->nr_free_runs;
	last = find_last_bit(a->avail, chunk_pages + 1);
	info->largest_free = last > chunk_pages ? 0 : last;
	spin_unlock_irqrestore(&a->lock, flags);
}

/* === Validation (debugfs "validate") === */

/* Walk one chunk's runs; arena lock held.  Returns problems found. */
static unsigned int chunk_validate(struct jmod_chunk *c)
{
	unsigned int i = 0, n, last, nfree = 0, bad = 0;
	struct jmod_page *pg;

	lockdep_assert_held(&c->arena->lock);
	while (i < c->npages) {
		pg = &c->map[i];
		n = pg->npages;
		last = i + n - 1;
		if (!n || last >= c->npages ||
		    (pg->state != JMOD_PG_FREE && pg->state != JMOD_PG_HEAD) ||
		    c->map[last].npages != n ||
		    (n > 1 && c->map[last].state !=
		     (pg->state == JMOD_PG_FREE ? JMOD_PG_FREE : JMOD_PG_TAIL))) {
			jmod_debug_report(JMOD_ERR_METADATA, pg->cls, 0,
					  (size_t)i << PAGE_SHIFT, pg->state, 0,
					  NULL, _RET_IP_);
			return bad + 1;	/* the rest of the map is unreadable */
		}
		if (pg->state == JMOD_PG_FREE) {
			nfree += n;
			if ((jmod_debug & JMOD_DBG_POISON) &&
			    memchr_inv(c->base + ((size_t)i << PAGE_SHIFT),
				       JMOD_POISON_FREE, (size_t)n << PAGE_SHIFT)) {
				const u8 *b = c->base + ((size_t)i << PAGE_SHIFT);
				size_t off = (const u8 *)memchr_inv(b, JMOD_POISON_FREE,
						(size_t)n << PAGE_SHIFT) - b;

				jmod_debug_report(JMOD_ERR_POISON, pg->cls, 0, off,
						  b[off], JMOD_POISON_FREE,
						  &c->dbg[i], _RET_IP_);
				memset((void *)b, JMOD_POISON_FREE,
				       (size_t)n << PAGE_SHIFT);
				bad++;
			}
		} else if (c->dbg &&
			   !jmod_debug_check_redzone(c->base + ((size_t)i << PAGE_SHIFT),
						     c->dbg[i].size,
						     (size_t)n << PAGE_SHIFT,
						     pg->cls, &c->dbg[i], _RET_IP_)) {
			bad++;
		}
		i += n;
	}
	if (nfree != c->nfree) {
		jmod_debug_report(JMOD_ERR_METADATA, 0, 0, 0, 0, 0, NULL, _RET_IP_);
		bad++;
	}
	return bad;
}

/**
 * jmod_arena_validate() - check every arena's chunk maps
 *
 * Walks each chunk's runs: boundary tags consistent, free page count
 * right; in debug mode also the red zones of live runs and the poison of
 * free runs.  Each problem is reported (and red zones and poison are
 * repaired).
 *
 * Context: process context; takes each arena's lock in turn.
 * Return: the number of problems found.
 */
unsigned int jmod_arena_validate(void)
{
	unsigned int cpu, bad = 0;
	struct jmod_chunk *c;
	unsigned long flags;

	for_each_possible_cpu(cpu) {
		struct jmod_arena *a = jmod_arenas[cpu];

		spin_lock_irqsave(&a->lock, flags);
		list_for_each_entry(c, &a->chunks, link)
			bad += chunk_validate(c);
		spin_unlock_irqrestore(&a->lock, flags);
		cond_resched();
	}
	return bad;
}

/* === Init and exit === */

static void arena_free_all(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct jmod_arena *a = jmod_arenas[cpu];

		if (a) {
			bitmap_free(a->avail);
			kfree(a);
		}
	}
	kfree(jmod_arenas);
	jmod_arenas = NULL;
}

int jmod_arena_init(void)
{
	unsigned int cpu, i;
	int err;

	chunk_pages = 1U << jmod_chunk_order;
	jmod_arenas = kcalloc(nr_cpu_ids, sizeof(*jmod_arenas), GFP_KERNEL);
	if (!jmod_arenas)
		return -ENOMEM;

	for_each_possible_cpu(cpu) {
		int node = cpu_to_node(cpu);
		struct jmod_arena *a;

		a = kzalloc_node(struct_size(a, free, chunk_pages + 1),
				 GFP_KERNEL, node);
		if (!a)
			goto nomem;
		jmod_arenas[cpu] = a;
		a->avail = bitmap_zalloc_node(chunk_pages + 1, GFP_KERNEL, node);
		if (!a->avail)
			goto nomem;
		spin_lock_init(&a->lock);
		a->cpu = cpu;
		a->node = node;
		INIT_LIST_HEAD(&a->chunks);
		INIT_LIST_HEAD(&a->retained);
		for (i = 0; i <= chunk_pages; i++)
			INIT_LIST_HEAD(&a->free[i]);
	}

	err = jmod_shrinker_register();
	if (err) {
		arena_free_all();
		return err;
	}
	return 0;

nomem:
	arena_free_all();
	return -ENOMEM;
}

void jmod_arena_exit(void)
{
	unsigned int cpu;

	jmod_shrinker_unregister();
	cancel_delayed_work_sync(&jmod_decay_work);
	jmod_arena_purge_all();

	/* Every user is gone; anything left is a leak by a caller. */
	for_each_possible_cpu(cpu) {
		struct jmod_arena *a = jmod_arenas[cpu];
		struct jmod_chunk *c, *tmp;

		list_for_each_entry_safe(c, tmp, &a->chunks, link) {
			pr_err("arena %u: chunk with %u live pages at unload\n",
			       cpu, c->npages - c->nfree);
			list_del(&c->link);
			chunk_destroy(c);
		}
	}
	rcu_barrier();
	xa_destroy(&jmod_chunks);
	arena_free_all();
}
