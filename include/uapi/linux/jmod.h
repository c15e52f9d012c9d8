/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * jmod test allocation interface: the ioctl ABI of /dev/jmod.
 *
 * /dev/jmod (mode 0600, root only) lets userspace tests and tools drive
 * the jmod allocator without ever seeing a kernel address.  Objects are
 * named by opaque per-fd handles (ALLOC/FREE/REALLOC/FILL/CHECK) or by
 * caller-chosen slot numbers in a per-fd slot table (BATCH).  Closing the
 * fd frees everything it still holds.
 *
 * Conventions: every structure uses __u64/__u32 only with explicit padding
 * that must be zero; user pointers travel as __u64.  Structures are
 * extensible by size: the size encoded in the command number is the size
 * userspace knows.  The kernel accepts any size from the first published
 * version (JMOD_*_SIZE_VER0) upwards; fields the caller does not know are
 * treated as zero, and bytes the kernel does not know must be zero
 * (otherwise -E2BIG).
 *
 * Errors common to all commands:
 *   -ENOTTY  unknown command, or a known one with the wrong direction
 *            bits (_IOR/_IOW/_IOWR)
 *   -EFAULT  bad user pointer
 *   -EINVAL  non-zero padding, unknown flags, struct smaller than VER0
 *   -E2BIG   struct larger than the kernel knows with non-zero tail
 *   -EACCES  open by a non-root user (the node is 0600 as well)
 * A failed command changes nothing, with two documented exceptions where
 * the structure is copied back so the caller learns why: CHECK's
 * @bad_offset and SELFTEST's @msg.  A longer structure's tail the kernel
 * does not know is zero-filled on the way back.  Handles of freed
 * objects may be reused by later allocations on the same fd.
 */
#ifndef _UAPI_LINUX_JMOD_H
#define _UAPI_LINUX_JMOD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define JMOD_DEVICE		"/dev/jmod"
/*
 * ABI 2: the ioctl magic moved from 0xB7 (registered for nsfs and
 * remoteproc in Documentation/userspace-api/ioctl/ioctl-number.rst) to
 * 0xBC, which that list leaves free (6.1 through the 2025 additions:
 * 0xB8 Marvell DPI and mshv, 0xBA liveupdate, 0xBF mlxbf-pka); the
 * structures are unchanged.  An ABI 1 binary gets -ENOTTY.
 */
#define JMOD_ABI_VERSION	2
#define JMOD_IOC_MAGIC		0xBC

/**
 * struct jmod_version - JMOD_IOC_VERSION: allocator geometry
 * @abi: JMOD_ABI_VERSION of the running module
 * @page_size: PAGE_SIZE of the kernel
 * @nr_small: number of small size classes (kmem_cache backed)
 * @nr_large: number of large size classes (page runs in arena chunks)
 * @chunk_size: bytes of the largest arena chunk (PAGE_SIZE << chunk_order;
 *	chunks start at 64 KiB and grow with their arena)
 * @tcache_max: largest size served by the per-CPU tcache (0: no tcache)
 * @max_small: largest small class size
 * @max_large: largest large class size; above it allocations are huge
 * @max_alloc: largest size JMOD_IOC_ALLOC accepts (else -EFBIG)
 * @quota_bytes: per-fd byte quota (usable sizes summed)
 * @quota_objects: per-fd object quota (handles plus live slots)
 * @nr_arenas: number of arenas (one per possible CPU)
 * @nr_selftests: number of JMOD_IOC_SELFTEST cases
 */
struct jmod_version {
	__u32 abi;
	__u32 page_size;
	__u32 nr_small;
	__u32 nr_large;
	__u64 chunk_size;
	__u64 tcache_max;
	__u64 max_small;
	__u64 max_large;
	/* end of the fields named by the original contract */
	__u64 max_alloc;
	__u64 quota_bytes;
	__u64 quota_objects;
	__u32 nr_arenas;
	__u32 nr_selftests;
};

/* Flags for struct jmod_alloc and struct jmod_op */
#define JMOD_ALLOC_ZERO		(1U << 0)	/* __GFP_ZERO */
#define JMOD_ALLOC_NOCACHE	(1U << 1)	/* bypass the per-CPU tcache */
#define JMOD_ALLOC_ATOMIC	(1U << 2)	/* GFP_ATOMIC instead of GFP_KERNEL */
#define JMOD_ALLOC_FLAGS	(JMOD_ALLOC_ZERO | JMOD_ALLOC_NOCACHE | \
				 JMOD_ALLOC_ATOMIC)

/**
 * struct jmod_alloc - JMOD_IOC_ALLOC: allocate one object
 * @size: bytes requested; 0 -> -EINVAL, above max_alloc -> -EFBIG
 * @align: 0 for natural alignment, else a power of two no larger than
 *	the largest buddy block (PAGE_SIZE << (MAX_ORDER - 1), 4 MiB on
 *	x86-64; else -EINVAL); an alignment the allocator cannot honour
 *	for that size fails with -ENOMEM
 * @flags: JMOD_ALLOC_* (unknown bits -> -EINVAL)
 * @__pad: must be zero
 * @handle: out: opaque per-fd id (never an address)
 * @usable_size: out: jmod_usable_size() of the object
 *
 * Errors: -EDQUOT over the fd's byte or object quota (counted in usable
 * sizes), -ENOMEM.
 */
struct jmod_alloc {
	__u64 size;
	__u64 align;
	__u32 flags;
	__u32 __pad;
	__u64 handle;
	__u64 usable_size;
};

/**
 * struct jmod_handle - JMOD_IOC_FREE: free one object
 * @handle: from JMOD_IOC_ALLOC; unknown or already freed -> -ENOENT
 */
struct jmod_handle {
	__u64 handle;
};

/**
 * struct jmod_realloc - JMOD_IOC_REALLOC: jmod_realloc() an object
 * @handle: in: object; stays valid on success and on failure
 * @new_size: in: 0 -> -EINVAL, above max_alloc -> -EFBIG
 * @usable_size: out: usable size after the call
 *
 * Errors: -ENOENT bad handle, -EDQUOT, -ENOMEM (the object is unchanged).
 */
struct jmod_realloc {
	__u64 handle;
	__u64 new_size;
	__u64 usable_size;
};

/**
 * struct jmod_pattern - JMOD_IOC_FILL / JMOD_IOC_CHECK
 * @handle: object
 * @offset: first byte
 * @len: bytes; [offset, offset + len) must lie within the usable size
 *	(else -ERANGE)
 * @seed: pattern seed: 0 means all-zero bytes (so CHECK with seed 0
 *	verifies zeroing); otherwise byte i is a hash of (seed, i), so a
 *	region filled with one seed fails CHECK with any other seed
 * @bad_offset: out (CHECK): first mismatching offset when -EILSEQ
 *
 * Errors: -ENOENT bad handle, -ERANGE outside the usable size, -EILSEQ
 * (CHECK) mismatch.
 */
struct jmod_pattern {
	__u64 handle;
	__u64 offset;
	__u64 len;
	__u64 seed;
	__u64 bad_offset;
};

/* Batch operations, replayed by slot number */
enum jmod_op_code {
	JMOD_OP_ALLOC = 1,	/* slot := alloc(size); slot must be empty */
	JMOD_OP_FREE = 2,	/* free(slot); slot must be live */
	JMOD_OP_FILL = 3,	/* fill size bytes (0: all requested), seed slot+1 */
	JMOD_OP_CHECK = 4,	/* check the same pattern; -EILSEQ */
};

/* Backends for struct jmod_batch and struct jmod_bench */
enum jmod_backend {
	JMOD_BACKEND_JMOD = 0,		/* jmod_malloc / jmod_free */
	JMOD_BACKEND_KMALLOC = 1,	/* kmalloc / kfree */
	/* jmod bypassing the per-CPU tcache (for these calls only) */
	JMOD_BACKEND_JMOD_NOTCACHE = 2,
	JMOD_BACKEND_PAGES = 3,		/* alloc_pages_exact / free_pages_exact */
	JMOD_BACKEND_VMALLOC = 4,	/* vmalloc / vfree */
	JMOD_BACKEND_NR,
};

/**
 * struct jmod_op - one operation of a batch
 * @op: enum jmod_op_code (else result -EINVAL)
 * @flags: JMOD_ALLOC_* for JMOD_OP_ALLOC, else 0 (else result -EINVAL)
 * @slot: slot index, below the table size (else result -ERANGE)
 * @size: bytes for ALLOC, FILL and CHECK
 * @result: out: 0, or -errno for the op that stopped the batch
 *
 * A slot remembers the backend that allocated it; FREE uses that one.
 */
struct jmod_op {
	__u32 op;
	__u32 flags;
	__u64 slot;
	__u64 size;
	__s64 result;
};

#define JMOD_BATCH_MAX		(1U << 20)

/**
 * struct jmod_batch - JMOD_IOC_BATCH: run @count ops, stop at the first error
 * @ops: user pointer to struct jmod_op[@count]
 * @count: 1..JMOD_BATCH_MAX (0 -> -EINVAL, above -> -E2BIG)
 * @backend: enum jmod_backend for ALLOC ops (else -EINVAL)
 * @elapsed_ns: out: time spent in the ops, measured in the kernel
 * @done: out: ops completed; if below @count, ops[@done].result is -errno
 * @__pad: must be zero
 * @flags: JMOD_BATCH_PAGES: sample the page level (struct jmod_pages)
 *	after every 256 ops, outside the timed part; other bits -EINVAL
 * @policy: out: JMOD_POLICY_* the kernel runs with
 * @min_free_pages: out (JMOD_BATCH_PAGES): lowest free_pages sampled,
 *	i.e. the batch's peak use of the page allocator
 * @max_slab_pages: out (JMOD_BATCH_PAGES): highest slab_pages +
 *	jmod_pages sampled (the cross-check of @min_free_pages)
 * @end_free_pages: out (JMOD_BATCH_PAGES): free_pages after the last op
 * @end_slab_pages: out (JMOD_BATCH_PAGES): slab_pages + jmod_pages then
 *
 * The ioctl returns 0 when the batch ran (even if an op failed); the
 * results of ops are written back.  Slot errors: -ERANGE slot beyond the
 * table or FILL/CHECK past the usable size (past the request for a
 * kmalloc slot: KASAN guards the rest of the slab object), -EEXIST alloc into a live
 * slot, -ENOENT free, fill or check of an empty slot, -EDQUOT, -ENOMEM,
 * -EILSEQ from CHECK.
 */
struct jmod_batch {
	__u64 ops;
	__u32 count;
	__u32 backend;
	__u64 elapsed_ns;
	__u32 done;
	__u32 __pad;
	/* end of version 0 */
	__u32 flags;
	__u32 policy;
	__u64 min_free_pages;
	__u64 max_slab_pages;
	__u64 end_free_pages;
	__u64 end_slab_pages;
};

#define JMOD_BATCH_PAGES	(1U << 0)

/* The kernel's zeroing policy, as want_init_on_alloc(0) / _free() say */
#define JMOD_POLICY_INIT_ON_ALLOC	(1U << 0)
#define JMOD_POLICY_INIT_ON_FREE	(1U << 1)

/**
 * struct jmod_pages - JMOD_IOC_PAGES: where the page allocator stands
 * @free_pages: out: free pages of every populated zone, per-CPU page
 *	lists included (MemFree leaves those out), per-CPU counter deltas
 *	folded in: what every back end's use of memory is measured against
 * @slab_pages: out: pages of unreclaimable slabs (NR_SLAB_UNRECLAIMABLE_B,
 *	which also counts kmalloc's large allocations), deltas folded in
 * @jmod_pages: out: pages jmod holds outside slabs: arena chunks and
 *	huge allocations
 * @policy: out: JMOD_POLICY_*
 * @__pad: out: zero
 *
 * Nothing is changed.  Two readings bracket a workload; the difference
 * of @free_pages is the pages it took from the page allocator, whichever
 * allocator it ran on.
 */
struct jmod_pages {
	__u64 free_pages;
	__u64 slab_pages;
	__u64 jmod_pages;
	__u32 policy;
	__u32 __pad;
};

/* Benchmark workloads (JMOD_IOC_BENCH), modelled on slab_test and mimalloc-bench */
enum jmod_bench_workload {
	JMOD_BENCH_PAIR = 1,	/* alloc + free of one size, repeated */
	JMOD_BENCH_BATCH = 2,	/* @live allocs then @live frees, repeated */
	/* random sizes, live set of @live slots, random lifetimes (larson) */
	JMOD_BENCH_RANDOM = 3,
	/* producer allocates, consumer on another CPU frees, via a ring */
	JMOD_BENCH_REMOTE = 4,
	JMOD_BENCH_NR,
};

/* Size distributions between min_size and max_size */
enum jmod_bench_dist {
	JMOD_DIST_FIXED = 0,	/* always min_size */
	JMOD_DIST_UNIFORM = 1,	/* uniform in [min_size, max_size] */
	JMOD_DIST_PARETO = 2,	/* Pareto, alpha 1, from min_size, capped */
	JMOD_DIST_KERNEL = 3,	/* a kmalloc-like mix, 8 B .. 16 KiB */
	JMOD_DIST_NR,
};

#define JMOD_BENCH_MAX_THREADS	64
#define JMOD_BENCH_MAX_LIVE	(1U << 20)
#define JMOD_BENCH_MAX_OPS	(1ULL << 32)

/**
 * struct jmod_bench - JMOD_IOC_BENCH: run a workload on kthreads
 * @workload: enum jmod_bench_workload
 * @backend: enum jmod_backend (PAGES and VMALLOC: sizes >= PAGE_SIZE)
 * @nr_threads: kthreads, 1..JMOD_BENCH_MAX_THREADS (REMOTE: pairs when
 *	@cpu_mask has two CPUs or more, else one thread doing both ends)
 * @dist: enum jmod_bench_dist
 * @cpu_mask: CPUs the threads are pinned to, round robin (bit n = CPU n;
 *	0 = every online CPU); offline CPUs -> -EINVAL
 * @min_size: smallest request, >= 1
 * @max_size: largest request (>= min_size, at most max_alloc)
 * @ops: operations per thread (an alloc + free counts as one op)
 * @live: live set (RANDOM), batch length (BATCH), ring size (REMOTE)
 * @seed: PRNG seed
 * @elapsed_ns: out: wall time from start to the last thread's end
 * @thread_ns: out: sum of the threads' own times
 * @total_ops: out: operations done by all threads
 * @failed: out: allocations that returned NULL (the run goes on)
 * @requested_bytes: out: bytes requested in all
 * @usable_bytes: out: bytes handed out in all (usable sizes)
 * @peak_bytes: out: object-level figure, not a footprint: the highest
 *	live usable bytes of one run, summed over threads, from the size
 *	alone: kmalloc_size_roundup() for kmalloc (the slab object, or
 *	PAGE_SIZE << order), jmod's class size, whole pages for
 *	PAGES/VMALLOC (0 for jmod in debug mode, where it depends on the
 *	object)
 * @peak_requested: out: live requested bytes at that peak
 * @mapped_start: out: jmod's pages (chunks + huge) before the run
 * @mapped_peak: out: highest jmod page count sampled during the run
 * @mapped_end: out: jmod's pages after the run (cached, retained)
 * @flags: JMOD_BENCH_PURGE: after the run, give back everything jmod
 *	caches (as debugfs purge) and report @pages_purged; other bits
 *	-EINVAL
 * @policy: out: JMOD_POLICY_* the kernel ran with
 * @pages_peak: out: the highest drop of free_pages (struct jmod_pages)
 *	below its level before the run, sampled every 4096 ops and after
 *	every batch: the pages the back end took at the peak of its live
 *	set, measured the same way for every back end
 * @pages_end: out: the drop after the run (what the back end keeps)
 * @pages_purged: out: the drop after JMOD_BENCH_PURGE (else 0)
 * @slab_pages_peak: out: the highest growth of slab_pages + jmod_pages,
 *	the cross-check of @pages_peak (misses PAGES and VMALLOC)
 * @slab_pages_end: out: that growth after the run
 *
 * @peak_bytes and @peak_requested come from a dry run of the same
 * sequence of requests (no allocation, nothing timed): the timed loop
 * makes no call per object but the back end's alloc and free.
 *
 * Errors: -EINVAL bad workload, backend, dist, sizes, cpu_mask or zero
 * ops/live; -E2BIG above the limits; -EFBIG sizes above max_alloc;
 * -EDQUOT when what the run can hold at once, @nr_threads x @live
 * objects (PAIR: @nr_threads) of up to @max_size bytes, is above the
 * fd's object or byte quota (struct jmod_version).
 */
struct jmod_bench {
	__u32 workload;
	__u32 backend;
	__u32 nr_threads;
	__u32 dist;
	__u64 cpu_mask;
	__u64 min_size;
	__u64 max_size;
	__u64 ops;
	__u64 live;
	__u64 seed;
	__u64 elapsed_ns;
	__u64 thread_ns;
	__u64 total_ops;
	__u64 failed;
	__u64 requested_bytes;
	__u64 usable_bytes;
	__u64 peak_bytes;
	__u64 peak_requested;
	__u64 mapped_start;
	__u64 mapped_peak;
	__u64 mapped_end;
	/* end of version 0 */
	__u32 flags;
	__u32 policy;
	__s64 pages_peak;
	__s64 pages_end;
	__s64 pages_purged;
	__s64 slab_pages_peak;
	__s64 slab_pages_end;
};

#define JMOD_BENCH_PURGE	(1U << 0)

#define JMOD_SLOTS_DEFAULT	65536

/**
 * struct jmod_slots - JMOD_IOC_SLOTS: size the per-fd slot table
 * @nr_slots: slots wanted; 0 frees every live slot and the table.
 *	Above quota_objects -> -EDQUOT.  Resizing frees every live slot.
 *	Without this call (or after nr_slots 0) the next BATCH creates
 *	JMOD_SLOTS_DEFAULT slots, capped at quota_objects.
 */
struct jmod_slots {
	__u64 nr_slots;
};

#define JMOD_SELFTEST_MSG_LEN	128
#define JMOD_SELFTEST_NAME_LEN	32
#define JMOD_SELFTEST_QUERY	(1U << 0)	/* only return @name */

/**
 * struct jmod_selftest - JMOD_IOC_SELFTEST: run one in-kernel test case
 * @id: case number, from 0; past the last -> -ENOENT
 * @cpu_mask_or_arg: case argument (e.g. a CPU mask); 0 = default
 * @msg: out: NUL-terminated result message
 * @flags: JMOD_SELFTEST_QUERY to list cases without running them
 * @__pad: must be zero
 * @name: out: case name
 *
 * Returns 0 when the case passed, -errno when it failed (see @msg).  A
 * case that cannot run here (e.g. it needs two CPUs or debug=FZPU)
 * passes with a @msg starting "SKIP:".
 */
struct jmod_selftest {
	__u32 id;
	__u32 cpu_mask_or_arg;
	char msg[JMOD_SELFTEST_MSG_LEN];
	/* end of the fields named by the original contract */
	__u32 flags;
	__u32 __pad;
	char name[JMOD_SELFTEST_NAME_LEN];
};

#define JMOD_IOC_VERSION	_IOR(JMOD_IOC_MAGIC, 0x00, struct jmod_version)
#define JMOD_IOC_ALLOC		_IOWR(JMOD_IOC_MAGIC, 0x01, struct jmod_alloc)
#define JMOD_IOC_FREE		_IOW(JMOD_IOC_MAGIC, 0x02, struct jmod_handle)
#define JMOD_IOC_REALLOC	_IOWR(JMOD_IOC_MAGIC, 0x03, struct jmod_realloc)
#define JMOD_IOC_FILL		_IOW(JMOD_IOC_MAGIC, 0x04, struct jmod_pattern)
#define JMOD_IOC_CHECK		_IOWR(JMOD_IOC_MAGIC, 0x05, struct jmod_pattern)
#define JMOD_IOC_BATCH		_IOWR(JMOD_IOC_MAGIC, 0x06, struct jmod_batch)
#define JMOD_IOC_SELFTEST	_IOWR(JMOD_IOC_MAGIC, 0x07, struct jmod_selftest)
#define JMOD_IOC_SLOTS		_IOW(JMOD_IOC_MAGIC, 0x08, struct jmod_slots)
#define JMOD_IOC_BENCH		_IOWR(JMOD_IOC_MAGIC, 0x09, struct jmod_bench)
#define JMOD_IOC_PAGES		_IOR(JMOD_IOC_MAGIC, 0x0a, struct jmod_pages)

/* Sizes of the first published version of each structure */
#define JMOD_VERSION_SIZE_VER0	48
#define JMOD_ALLOC_SIZE_VER0	40
#define JMOD_HANDLE_SIZE_VER0	8
#define JMOD_REALLOC_SIZE_VER0	24
#define JMOD_PATTERN_SIZE_VER0	40
#define JMOD_BATCH_SIZE_VER0	32
#define JMOD_SELFTEST_SIZE_VER0	136
#define JMOD_SLOTS_SIZE_VER0	8
#define JMOD_BENCH_SIZE_VER0	152
#define JMOD_PAGES_SIZE_VER0	32
/* Sizes of the second version, where there is one */
#define JMOD_BATCH_SIZE_VER1	72
#define JMOD_BENCH_SIZE_VER1	200

#endif /* _UAPI_LINUX_JMOD_H */
