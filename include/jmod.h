/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jmod: a jemalloc-style general purpose allocator for kernel modules.
 *
 * Declarations of the API exported by jmalloc.ko (EXPORT_SYMBOL_GPL).
 * The gfp argument means what it means for kmalloc(): GFP_KERNEL may
 * sleep, GFP_ATOMIC and GFP_NOWAIT may be used from atomic and hard-IRQ
 * context, __GFP_ZERO zeroes the object.  A size of 0 returns
 * ZERO_SIZE_PTR, which, like NULL, may be passed to jmod_free().
 */
#ifndef _JMOD_H
#define _JMOD_H

#include <linux/gfp.h>
#include <linux/types.h>

void *jmod_malloc(size_t size, gfp_t gfp);
void *jmod_zalloc(size_t size, gfp_t gfp);
void *jmod_calloc(size_t n, size_t size, gfp_t gfp);
void *jmod_realloc(void *p, size_t new_size, gfp_t gfp);
void *jmod_aligned_alloc(size_t align, size_t size, gfp_t gfp);
void jmod_free(const void *p);
void jmod_free_sized(const void *p, size_t size);
size_t jmod_usable_size(const void *p);

#endif /* _JMOD_H */
