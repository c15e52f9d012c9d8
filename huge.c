// SPDX-License-Identifier: GPL-2.0
/*
 * jmod huge allocations: requests above the largest large class.
 *
 * Owns page-granular allocations taken straight from the buddy allocator
 * on the caller's node: a block of order get_order(size) is split into
 * single pages and the pages past the request are given back at once, so
 * a 2.1 MiB request costs 2.1 MiB rounded to pages, not 4 MiB.  When no
 * contiguous block is available (or the size is above the largest buddy
 * order) and the caller may sleep, the request falls back to vmalloc.
 * Atomic callers never reach vmalloc, but may free a vmalloc'ed object:
 * vfree() may sleep, so when the caller cannot (!preemptible()) the
 * object goes on a lock-free list (the llist node lives in the object,
 * as vfree_atomic() does it; that one is not exported) and a work item
 * vfree()s it; unload flushes the work.
 *
 * Heap profile samples of small classes live here too
 * (jmod_huge_alloc_sample()): the class size rounded up to pages (one
 * page up to 4 KiB), so a sample never opens a 2 MiB arena chunk.  Their
 * record is flagged: their usable size stays the class size, they are
 * never shrunk, and the red zone runs from the class size to the page end.
 *
 * Pointer -> owner: two xarrays record every live huge allocation and the
 * bytes requested, jmod_huge_pages keyed by pfn and jmod_huge_vmap keyed
 * by the virtual page number; a free of anything else is refused.  In
 * red-zone debug mode the slack up to the page end is checked on free.
 *
 * Locking: the xarrays' own IRQ-safe locks; nothing else is shared.  A
 * free takes the entry out of its xarray under that lock before the pages
 * go back, so two racing frees of one pointer cannot both succeed.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/kernel.h>
#include <linux/llist.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "internal.h"

static DEFINE_XARRAY_FLAGS(jmod_huge_pages, XA_FLAGS_LOCK_IRQ);
static DEFINE_XARRAY_FLAGS(jmod_huge_vmap, XA_FLAGS_LOCK_IRQ);

#define JMOD_VMALLOC_GFP (GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | \
			  __GFP_NORETRY | __GFP_RETRY_MAYFAIL)

/* In a record's value: a small-class sample, the rest is its class size */
#define HUGE_SAMPLE	(1UL << (BITS_PER_LONG - 3))

static unsigned long size_pages(size_t size)
{
	return PAGE_ALIGN(size & ~HUGE_SAMPLE) >> PAGE_SHIFT;
}

/* Remember a live allocation: the value is the size requested. */
static int huge_record(struct xarray *xa, unsigned long key,
		       size_t size, gfp_t gfp)
{
	unsigned long flags;
	int err;

	xa_lock_irqsave(xa, flags);
	err = xa_err(__xa_store(xa, key, xa_mk_value(size),
				gfp & ~(__GFP_ZERO | __GFP_COMP)));
	xa_unlock_irqrestore(xa, flags);
	return err;
}

static unsigned long huge_forget(struct xarray *xa, unsigned long key)
{
	unsigned long flags;
	void *entry;

	xa_lock_irqsave(xa, flags);
	entry = __xa_erase(xa, key);
	xa_unlock_irqrestore(xa, flags);
	return entry ? xa_to_value(entry) : 0;
}

static void free_page_range(struct page *page, unsigned long nr)
{
	while (nr--)
		__free_page(page++);
}

/* @size may carry HUGE_SAMPLE: it is recorded as it is */
static void *huge_alloc_pages(size_t size, size_t align, gfp_t gfp)
{
	unsigned long nr = size_pages(size);
	unsigned int order = get_order(max_t(size_t, nr << PAGE_SHIFT, align));
	struct page *page;

	if (order > JMOD_MAX_PAGE_ORDER)
		return NULL;
	if (gfpflags_allow_blocking(gfp))
		gfp |= __GFP_NORETRY;	/* vmalloc is the fallback */
	page = alloc_pages_node(numa_node_id(), (gfp & ~__GFP_COMP) |
				__GFP_NOWARN, order);
	if (!page)
		return NULL;
	split_page(page, order);
	free_page_range(page + nr, (1UL << order) - nr);

	if (huge_record(&jmod_huge_pages, page_to_pfn(page), size, gfp)) {
		free_page_range(page, nr);
		return NULL;
	}
	/*
	 * kmemleak scans it and reports it unreferenced, as kmalloc_large()
	 * objects (vmalloc registers its own)
	 */
	kmemleak_alloc(page_address(page), nr << PAGE_SHIFT, 1, gfp);
	return page_address(page);
}

static void *huge_alloc_vmalloc(size_t size, gfp_t gfp)
{
	void *p = __vmalloc(size, (gfp & JMOD_VMALLOC_GFP) | __GFP_NOWARN);

	if (!p)
		return NULL;
	if (huge_record(&jmod_huge_vmap, (unsigned long)p >> PAGE_SHIFT,
			size, gfp)) {
		vfree(p);
		return NULL;
	}
	return p;
}

/* Count a new huge allocation of @nr pages; red zone past @size. */
static void *huge_done(void *p, size_t size, unsigned long nr)
{
	if (p) {
		this_cpu_inc(jmod_stats->nmalloc[JMOD_HUGE_SLOT]);
		this_cpu_add(jmod_stats->huge_pages, nr);
		jmod_debug_set_redzone(p, size, nr << PAGE_SHIFT);
	}
	return p;
}

void *jmod_huge_alloc(size_t size, size_t align, gfp_t gfp)
{
	unsigned long nr = size_pages(size);
	void *p;

	p = huge_alloc_pages(size, align, gfp);
	if (!p && gfpflags_allow_blocking(gfp) && align <= PAGE_SIZE)
		p = huge_alloc_vmalloc(size, gfp);
	return huge_done(p, size, nr);
}

/**
 * jmod_huge_alloc_sample() - pages for a heap profile sample of a small class
 * @usable: the class size (at most JMOD_SMALL_MAX)
 * @gfp: allocation flags; the page allocator zeroes as its policy says
 *
 * Page-backed only: when no pages are to be had the caller serves the
 * request unsampled instead (no vmalloc for a few bytes).
 *
 * Context: any, with a suitable @gfp.
 * Return: the first page's address, or NULL.
 */
void *jmod_huge_alloc_sample(size_t usable, gfp_t gfp)
{
	return huge_done(huge_alloc_pages(usable | HUGE_SAMPLE, 0, gfp), usable,
			 size_pages(usable));
}

static void huge_vfree_fn(struct work_struct *work);
static LLIST_HEAD(huge_deferred);	/* vmalloc'ed objects freed atomically */
static DECLARE_WORK(huge_vfree_work, huge_vfree_fn);

static void huge_vfree_fn(struct work_struct *work)
{
	struct llist_node *n, *next;

	llist_for_each_safe(n, next, llist_del_all(&huge_deferred))
		vfree(n);
}

/*
 * vfree() when the caller may sleep; else defer it.  Without
 * CONFIG_PREEMPT_COUNT preemptible() is always false: every free is
 * deferred there, which is always safe.
 */
static void huge_vfree(void *p)
{
	if (preemptible()) {
		vfree(p);
		return;
	}
	if (llist_add((struct llist_node *)p, &huge_deferred))
		schedule_work(&huge_vfree_work);
}

/* Returns false when @p is not a live huge allocation. */
bool jmod_huge_free(const void *p, unsigned long caller)
{
	size_t size;
	unsigned long nr;

	if (offset_in_page(p))
		return false;
	if (is_vmalloc_addr(p)) {
		size = huge_forget(&jmod_huge_vmap, (unsigned long)p >> PAGE_SHIFT);
		if (!size)
			return false;
		nr = size_pages(size);
		jmod_debug_check_redzone((void *)p, size, nr << PAGE_SHIFT,
					 JMOD_HUGE_SLOT, NULL, caller);
		huge_vfree((void *)p);
	} else {
		struct page *page = virt_to_page(p);

		size = huge_forget(&jmod_huge_pages, page_to_pfn(page));
		if (!size)
			return false;
		nr = size_pages(size);
		size &= ~HUGE_SAMPLE;
		jmod_debug_check_redzone((void *)p, size, nr << PAGE_SHIFT,
					 JMOD_HUGE_SLOT, NULL, caller);
		kmemleak_free(p);
		free_page_range(page, nr);
	}
	this_cpu_inc(jmod_stats->ndalloc[JMOD_HUGE_SLOT]);
	this_cpu_sub(jmod_stats->huge_pages, nr);
	return true;
}

/* Usable bytes of the huge allocation at @p, 0 when it is not one. */
size_t jmod_huge_usable(const void *p)
{
	void *entry;

	if (offset_in_page(p))
		return 0;
	if (is_vmalloc_addr(p))
		entry = xa_load(&jmod_huge_vmap, (unsigned long)p >> PAGE_SHIFT);
	else
		entry = xa_load(&jmod_huge_pages, page_to_pfn(virt_to_page(p)));
	if (!entry)
		return 0;
	if (xa_to_value(entry) & HUGE_SAMPLE)
		return xa_to_value(entry) & ~HUGE_SAMPLE;	/* its class */
	if (jmod_debug & JMOD_DBG_REDZONE)
		return xa_to_value(entry);	/* the rest is red zone */
	return size_pages(xa_to_value(entry)) << PAGE_SHIFT;
}

/*
 * Shrink a page-backed huge allocation in place to @new_size bytes by
 * giving back its tail pages.  Returns false when nothing was given back
 * (vmalloc, not ours, or not fewer pages).
 */
bool jmod_huge_shrink(void *p, size_t new_size)
{
	unsigned long nr = size_pages(new_size);
	struct page *page;
	unsigned long flags, old;
	void *entry;

	if (is_vmalloc_addr(p) || offset_in_page(p) || jmod_debug)
		return false;
	page = virt_to_page(p);
	xa_lock_irqsave(&jmod_huge_pages, flags);
	entry = xa_load(&jmod_huge_pages, page_to_pfn(page));
	/* a sample keeps its pages: its usable size is its class's */
	old = entry && !(xa_to_value(entry) & HUGE_SAMPLE) ?
	      size_pages(xa_to_value(entry)) : 0;
	if (old > nr)
		__xa_store(&jmod_huge_pages, page_to_pfn(page),
			   xa_mk_value(new_size), GFP_ATOMIC);
	xa_unlock_irqrestore(&jmod_huge_pages, flags);
	if (old <= nr)
		return false;
	kmemleak_free_part(p + (nr << PAGE_SHIFT), (old - nr) << PAGE_SHIFT);
	free_page_range(page + nr, old - nr);
	this_cpu_sub(jmod_stats->huge_pages, old - nr);
	return true;
}

void jmod_huge_exit(void)
{
	unsigned long index;
	void *entry;

	flush_work(&huge_vfree_work);
	/* Every user is gone; anything left is a leak by a caller. */
	xa_for_each(&jmod_huge_pages, index, entry) {
		pr_err("huge allocation of %lu bytes live at unload\n",
		       xa_to_value(entry) & ~HUGE_SAMPLE);
		free_page_range(pfn_to_page(index), size_pages(xa_to_value(entry)));
	}
	xa_for_each(&jmod_huge_vmap, index, entry) {
		pr_err("huge vmalloc of %lu bytes live at unload\n",
		       xa_to_value(entry));
		vfree((void *)(index << PAGE_SHIFT));
	}
	xa_destroy(&jmod_huge_pages);
	xa_destroy(&jmod_huge_vmap);
}
