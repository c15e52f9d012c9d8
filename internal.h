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
 *                                context only; fills and flushes call
 *                                the kinds after dropping it, the
 *                                drain work calls them under it
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
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>

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

int jmod_small_class_of(const void *p);
bool jmod_small_offset_ok(unsigned int cls, const void *p);

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
void *jmod_tcache_alloc(unsigned int cls, gfp_t gfp);
bool jmod_tcache_free(unsigned int cls, void *p);
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
