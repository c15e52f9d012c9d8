// SPDX-License-Identifier: GPL-2.0
/*
 * jmod comparison backends: the allocators a trace or a benchmark can
 * run on, behind one table of alloc/free/usable functions.
 *
 * Owns nothing but the table.  /dev/jmod's BATCH and the benchmark pick
 * a backend per request; every slot remembers the one that allocated it.
 * "usable" is the footprint rule the benchmark applies identically to
 * every backend: the bytes the allocator set aside for the object (the
 * class size for jmod, ksize() for kmalloc, which is the slab object up
 * to 8 KiB and PAGE_SIZE << order above, whole pages for the page
 * allocator and vmalloc).  "usable_for" gives the same from the size
 * alone (kmalloc_size_roundup() for kmalloc), so the benchmark's timed
 * loop does not pay a pointer lookup per allocation.
 *
 * JMOD_NOTCACHE is jmod with its per-CPU tcache bypassed, for this back
 * end's own calls only: other users keep theirs, and no global switch
 * (a static key, patched into the code) flips while others allocate.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <jmod.h>
#include <uapi/linux/jmod.h>
#include "../internal.h"
#include "test.h"

static void *be_jmod_alloc(size_t size, gfp_t gfp)
{
	return jmod_malloc(size, gfp);
}

static void be_jmod_free(void *p, size_t size)
{
	jmod_free(p);
}

static void *be_jmod_nt_alloc(size_t size, gfp_t gfp)
{
	return jmod_alloc_nocache(size, 0, gfp);
}

static void be_jmod_nt_free(void *p, size_t size)
{
	jmod_free_nocache(p);
}

static size_t be_jmod_usable(const void *p, size_t size)
{
	return jmod_usable_size(p);
}

static void *be_kmalloc_alloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp);
}

static void be_kmalloc_free(void *p, size_t size)
{
	kfree(p);
}

static size_t be_kmalloc_usable(const void *p, size_t size)
{
	return ksize(p);
}

static void *be_pages_alloc(size_t size, gfp_t gfp)
{
	return alloc_pages_exact(size, gfp);
}

static void be_pages_free(void *p, size_t size)
{
	free_pages_exact(p, size);
}

static size_t be_pages_usable_for(size_t size)
{
	return PAGE_ALIGN(size);
}

static size_t be_pages_usable(const void *p, size_t size)
{
	return be_pages_usable_for(size);
}

static void *be_vmalloc_alloc(size_t size, gfp_t gfp)
{
	return __vmalloc(size, gfp & (GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN));
}

static void be_vmalloc_free(void *p, size_t size)
{
	vfree(p);
}

static const struct jmod_backend_ops jmod_backends[JMOD_BACKEND_NR] = {
	[JMOD_BACKEND_JMOD] = {
		"jmod", be_jmod_alloc, be_jmod_free, be_jmod_usable,
		jmod_usable_for, false,
	},
	[JMOD_BACKEND_KMALLOC] = {
		"kmalloc", be_kmalloc_alloc, be_kmalloc_free, be_kmalloc_usable,
		kmalloc_size_roundup, false,
	},
	[JMOD_BACKEND_JMOD_NOTCACHE] = {
		"jmod-notcache", be_jmod_nt_alloc, be_jmod_nt_free,
		be_jmod_usable, jmod_usable_for, false,
	},
	[JMOD_BACKEND_PAGES] = {
		"pages", be_pages_alloc, be_pages_free, be_pages_usable,
		be_pages_usable_for, false,
	},
	[JMOD_BACKEND_VMALLOC] = {
		"vmalloc", be_vmalloc_alloc, be_vmalloc_free, be_pages_usable,
		be_pages_usable_for, true,
	},
};

const struct jmod_backend_ops *jmod_backend(unsigned int id)
{
	return id < JMOD_BACKEND_NR ? &jmod_backends[id] : NULL;
}
