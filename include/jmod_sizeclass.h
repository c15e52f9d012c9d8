/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jmod's size classes: the one definition of the class rules, shared by
 * the module (internal.h, sizeclass.c) and the user-space tools
 * (tools/lib/jmod_classes.c: jmodctl whatif, the benchmarks, the
 * selftests), so the tools cannot drift from what the module hands out.
 *
 * jemalloc's scheme with 4 KiB pages: 8, 16, then multiples of 16 up to
 * 64, then four classes per doubling:
 *
 *   idx   0   1   2   3   4   5   6   7    8    9 ...  35     36 ...
 *   size  8  16  32  48  64  80  96 112  128  160 ... 14336  16384 ...
 *         |<------------- small: kmem_cache ------------>|<- large: runs
 *
 *   idx(8) = 0, idx(16) = 1, idx(16 * k) = k for k = 2..4,
 *   for 2^(lg-1) < size <= 2^lg (lg >= 7): 4 + 4 * (lg - 7) + k, k = 1..4.
 *
 * Small classes end below four pages (14 KiB); large classes are page
 * multiples from 16 KiB up to the chunk size (PAGE_SIZE << chunk_order);
 * above it a request is huge and takes whole pages.
 *
 * Freestanding: plain C on unsigned long, no kernel or libc header.  The
 * includer may define JMOD_SC_FLS_LONG() (the kernel uses fls_long());
 * the default is the compiler builtin.
 */
#ifndef _JMOD_SIZECLASS_H
#define _JMOD_SIZECLASS_H

#define JMOD_NR_SMALL		36
#define JMOD_SMALL_MAX		14336U
#define JMOD_LARGE_MIN		16384U
#define JMOD_CHUNK_ORDER_MIN	4
#define JMOD_CHUNK_ORDER_MAX	10

#ifndef JMOD_SC_FLS_LONG
/* 1-based index of the highest set bit; @x != 0 */
#define JMOD_SC_FLS_LONG(x) \
	((unsigned int)(8 * sizeof(unsigned long)) - \
	 (unsigned int)__builtin_clzl(x))
#endif

/*
 * jmod_sc_index - class index of a request of @size bytes
 * @size: at least 1 and at most the largest large class
 *
 * O(1): no loop over classes, the highest set bit and a shift.
 */
static inline unsigned int jmod_sc_index(unsigned long size)
{
	unsigned int lg;

	if (size <= 16)
		return size > 8;
	if (size <= 64)
		return (size + 15) >> 4;
	lg = JMOD_SC_FLS_LONG(size - 1);
	return 4 * (lg - 6) +
	       ((size - (1UL << (lg - 1)) + (1UL << (lg - 3)) - 1) >> (lg - 3));
}

/* jmod_sc_size - the size of class @idx (the inverse of jmod_sc_index) */
static inline unsigned long jmod_sc_size(unsigned int idx)
{
	unsigned int grp, k;

	if (idx == 0)
		return 8;
	if (idx <= 4)
		return 16UL * idx;
	grp = (idx - 5) / 4;
	k = (idx - 5) % 4 + 1;
	return (64UL << grp) + k * (16UL << grp);
}

/*
 * jmod_sc_usable - what jmod_malloc(@size) hands out (jemalloc's
 * nallocx()), outside debug mode: the class size up to @large_max
 * (PAGE_SIZE << chunk_order), whole pages of @page bytes above it.
 * 0 for a zero @size.
 */
static inline unsigned long jmod_sc_usable(unsigned long size,
					   unsigned long large_max,
					   unsigned long page)
{
	if (!size)
		return 0;
	if (size <= large_max)
		return jmod_sc_size(jmod_sc_index(size));
	return (size + page - 1) & ~(page - 1);
}

#endif /* _JMOD_SIZECLASS_H */
