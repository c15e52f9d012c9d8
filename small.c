// SPDX-License-Identifier: GPL-2.0
/*
 * jmod small classes: one kmem_cache per class, 8 B .. 14 KiB.
 *
 * Owns the caches "jmod-<size>", created at load and destroyed at unload.
 * SLUB does the slab work (per-CPU freelists, partial lists, its own
 * locking and IRQ safety), so this file holds no lock of its own: the
 * cache array is written only at init/exit.  Each cache is created with
 * a usercopy region covering the whole object, like kmalloc's caches;
 * that also keeps SLUB from merging it into another cache, so the caches
 * show up under /sys/kernel/slab/jmod-* and their pages are jmod's own.
 *
 * Objects are naturally aligned to the largest power of two dividing the
 * class size (capped at PAGE_SIZE): aligned_alloc() picks the first class
 * whose size is a multiple of the alignment.
 *
 * Data flow: jmod_malloc() -> jmod_small_alloc(class) -> kmem_cache_alloc;
 * jmod_free() -> PageSlab -> the slab's cache (jmod_small_cache_map(),
 * ksize() when that is not known) -> class -> offset check ->
 * kmem_cache_free.
 *
 * Interior pointers: SLUB lays a plain cache's objects out back to back
 * from the slab's first byte, so an object starts at a multiple of the
 * class size into its slab.  jmod_small_class_of() checks that with a
 * precomputed reciprocal (jemalloc's region index: a multiply and a
 * shift, no division) and refuses anything else.  A cache with SLUB
 * debugging on it (slub_debug=, debug=) has red zones and tracking
 * between objects: its layout is probed at load (jmod_small_plain) and
 * the check is left to SLUB's own (slub_debug=F checks every free).
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/reciprocal_div.h>
#include <linux/slab.h>

#include "internal.h"

static struct kmem_cache *jmod_small_cache[JMOD_NR_SMALL];
static char jmod_small_name[JMOD_NR_SMALL][16];
/* objects back to back from the slab start: the offset check applies */
bool jmod_small_plain[JMOD_NR_SMALL];
struct reciprocal_value jmod_small_recip[JMOD_NR_SMALL];

void *jmod_small_alloc(unsigned int cls, gfp_t gfp)
{
	void *p = kmem_cache_alloc(jmod_small_cache[cls], gfp);

	if (likely(p))
		this_cpu_inc(jmod_stats->nmalloc[cls]);
	return p;
}

void jmod_small_free(unsigned int cls, void *p)
{
	kmem_cache_free(jmod_small_cache[cls], p);
	this_cpu_inc(jmod_stats->ndalloc[cls]);
}

/*
 * Bulk variants for the tcache: both need interrupts enabled (SLUB's
 * bulk paths take the per-CPU slab lock with local_lock_irq()).
 *
 * kmem_cache_alloc_bulk() is all or nothing on every line, but what it
 * returns is not: the number of objects (n or 0) up to 6.x, a bool in
 * 7.x.  Testing it for non-zero reads both right; taking a 7.x "true" as
 * the count kept one object of n and leaked the others.
 */
unsigned int jmod_small_alloc_bulk(unsigned int cls, gfp_t gfp,
				   unsigned int n, void **p)
{
	unsigned int got = 0;

	if (n && kmem_cache_alloc_bulk(jmod_small_cache[cls], gfp, n, p))
		got = n;
	this_cpu_add(jmod_stats->nmalloc[cls], got);
	return got;
}

void jmod_small_free_bulk(unsigned int cls, unsigned int n, void **p)
{
	kmem_cache_free_bulk(jmod_small_cache[cls], n, p);
	this_cpu_add(jmod_stats->ndalloc[cls], n);
}

/*
 * Objects per slab as SLUB sizes slabs: at least 4 * (fls(nr_cpu_ids) + 1)
 * objects, at most an order-3 slab (slub_min_objects, slub_max_order
 * defaults).  An estimate the tcache sizes its bins with.
 */
unsigned int jmod_small_objs_per_slab(unsigned int cls)
{
	unsigned int size = jmod_class_size[cls];
	unsigned int min_objects = 4 * (fls(nr_cpu_ids) + 1);
	unsigned int order = min_t(unsigned int, 3, get_order(size * min_objects));

	return (PAGE_SIZE << order) / size;
}

/* One attribute of /sys/kernel/slab/jmod-<size>/, as a number. */
static int slab_attr(unsigned int cls, const char *attr, unsigned long *val)
{
	char path[64], buf[32];
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s",
		 jmod_small_name[cls], attr);
	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, sizeof(buf) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0)
		return n ? n : -ENODATA;
	buf[n] = '\0';
	buf[strcspn(buf, "\n ")] = '\0';
	return kstrtoul(buf, 10, val);
}

/**
 * jmod_small_slabinfo() - SLUB's own figures for a class's cache
 * @cls: small class
 * @si: out: slabs, objects per slab, pages per slab
 *
 * SLUB keeps these in mm-internal structures; what it publishes is
 * /sys/kernel/slab/<cache>/ (CONFIG_SLUB_SYSFS; "slabs" needs
 * CONFIG_SLUB_DEBUG, both on in Debian's kernels), so that is read.
 *
 * Context: process context, may sleep.
 * Return: 0, or -errno when sysfs does not have them (then @si holds
 * jmod's estimate of objects per slab and 0 slabs).
 */
int jmod_small_slabinfo(unsigned int cls, struct jmod_slabinfo *si)
{
	unsigned long order = 0, objs = 0, slabs = 0;
	int err;

	err = slab_attr(cls, "order", &order) ?:
	      slab_attr(cls, "objs_per_slab", &objs) ?:
	      slab_attr(cls, "slabs", &slabs);
	if (err || !objs) {
		si->slabs = 0;
		si->objs_per_slab = jmod_small_objs_per_slab(cls);
		si->pages_per_slab = 0;
		return err ?: -ENODATA;
	}
	si->slabs = slabs;
	si->objs_per_slab = objs;
	si->pages_per_slab = 1UL << order;
	return 0;
}

/*
 * The class from the object size of @p's cache: the free path when the
 * slab's cache word is not known.  -1 when the size is not one of jmod's
 * classes or @p is not an object start.
 */
int jmod_small_class_by_size(const void *p)
{
	size_t size = ksize(p);
	unsigned int cls;

	if (unlikely(!size || size > JMOD_SMALL_MAX))
		return -1;
	cls = jmod_size_class(size);
	if (unlikely(jmod_class_size[cls] != size))
		return -1;
	if (unlikely(!jmod_small_offset_ok(cls, p, virt_to_folio(p))))
		return -1;
	return cls;
}

/*
 * Where the folio of a slab object names its cache: SLUB keeps the cache
 * in struct slab (mm/slab.h, laid over the folio's first words) at an
 * offset that moved between kernel lines (6.1: the fourth word, 6.12: the
 * second) and that no header exports.  kfree() reads that word; ksize(),
 * the public way, costs a chain of calls on every free.  So jmod looks
 * for the word at load: in the folio of an object of each of its caches,
 * the words after the flags that hold that cache's address.  It uses an
 * offset only when it is the one offset that matched for every cache;
 * otherwise (a layout it cannot confirm) frees ask ksize().  Reading the
 * word is a plain load from the folio's struct page: it never faults,
 * and a foreign slab's cache is not in jmod_cache_map, so its objects are
 * refused (ksize() took any cache whose object size is a class size).
 */
/* words of struct page that held the cache in every slab looked at so far */
static unsigned long jmod_cache_word_match = ~1UL;	/* word 0: the flags */

/* The words of slab folio @f that hold cache @c's address, as a mask. */
static unsigned long jmod_small_cache_words(struct folio *f,
					    const struct kmem_cache *c)
{
	const unsigned long *words = (const unsigned long *)f;
	unsigned long found = 0;
	unsigned int w;

	if (folio_test_slab(f))
		for (w = 1; w < sizeof(struct page) / sizeof(long); w++)
			if (words[w] == (unsigned long)c)
				found |= BIT(w);
	return found;
}

unsigned int jmod_slab_cache_off;
unsigned long jmod_cache_map_mul;
struct jmod_cache_slot jmod_cache_map[1 << JMOD_CACHE_MAP_BITS];

/*
 * Build jmod_cache_map: a multiplicative hash of the cache's address
 * whose multiplier puts every jmod cache in a slot of its own (36 caches
 * in 256 slots: about one multiplier in twelve does), and take the cache
 * word jmod_small_probe() saw in every cache's slabs; with either
 * missing, frees use ksize().
 */
static void jmod_small_cache_map(void)
{
	unsigned long match = jmod_cache_word_match;
	unsigned int try, i, slot;

	for (try = 0; try < 4096; try++) {
		jmod_cache_map_mul = GOLDEN_RATIO_64 * (2 * try + 1);
		memset(jmod_cache_map, 0, sizeof(jmod_cache_map));
		for (i = 0; i < JMOD_NR_SMALL; i++) {
			slot = jmod_cache_slot_of(jmod_small_cache[i]);
			if (jmod_cache_map[slot].cache)
				break;
			jmod_cache_map[slot].cache = jmod_small_cache[i];
			jmod_cache_map[slot].cls = i;
		}
		if (i == JMOD_NR_SMALL)
			break;
	}
	if (try == 4096) {
		pr_info("no collision-free cache map: frees use ksize()\n");
		return;
	}
	if (hweight_long(match) != 1) {
		pr_info("slab cache word not found (candidates %#lx): frees use ksize()\n",
			match);
		return;
	}
	jmod_slab_cache_off = __ffs(match) * sizeof(long);
}

/*
 * Learn whether SLUB lays @cls out plainly (objects at multiples of the
 * class size from the slab start): look at where a few objects are; and
 * which words of their slabs' struct page name the cache.
 */
static void jmod_small_probe(unsigned int cls)
{
	unsigned int size = jmod_class_size[cls], n, i;
	void *objs[16];
	bool plain = true;

	jmod_small_recip[cls] = reciprocal_value(size);
	n = kmem_cache_alloc_bulk(jmod_small_cache[cls], GFP_KERNEL,
				  ARRAY_SIZE(objs), objs) ? ARRAY_SIZE(objs) : 0;
	if (!n)
		jmod_cache_word_match = 0;
	for (i = 0; i < n; i++) {
		struct folio *f = virt_to_folio(objs[i]);
		unsigned long off = (unsigned long)objs[i] -
			(unsigned long)folio_address(f);

		if (off % size)
			plain = false;
		jmod_cache_word_match &=
			jmod_small_cache_words(f, jmod_small_cache[cls]);
	}
	if (n)
		kmem_cache_free_bulk(jmod_small_cache[cls], n, objs);
	kmem_cache_shrink(jmod_small_cache[cls]);	/* keep no slab */
	jmod_small_plain[cls] = plain && n;
}

/*
 * Smallest class >= @size whose objects are @align-aligned; JMOD_NR_SMALL
 * or above when no small class fits.
 */
unsigned int jmod_small_class_aligned(size_t size, size_t align)
{
	unsigned int cls = jmod_size_class(max(size, align));

	while (cls < JMOD_NR_SMALL && (jmod_class_size[cls] & (align - 1)))
		cls++;
	return cls;
}

/* Give SLUB's empty slabs of every jmod cache back to the page allocator. */
void jmod_small_shrink(void)
{
	unsigned int i;

	for (i = 0; i < JMOD_NR_SMALL; i++)
		kmem_cache_shrink(jmod_small_cache[i]);
}

int jmod_small_init(void)
{
	unsigned int i;

	for (i = 0; i < JMOD_NR_SMALL; i++) {
		unsigned int size = jmod_class_size[i];
		unsigned int align = min_t(unsigned int, size & -size, PAGE_SIZE);

		snprintf(jmod_small_name[i], sizeof(jmod_small_name[i]),
			 "jmod-%u", size);
		jmod_small_cache[i] =
			kmem_cache_create_usercopy(jmod_small_name[i], size,
						   align, jmod_debug_slab_flags(),
						   0, size, NULL);
		if (!jmod_small_cache[i]) {
			pr_err("cannot create cache %s\n", jmod_small_name[i]);
			jmod_small_exit();
			return -ENOMEM;
		}
		jmod_small_probe(i);
	}
	jmod_small_cache_map();
	return 0;
}

void jmod_small_exit(void)
{
	unsigned int i;

	for (i = 0; i < JMOD_NR_SMALL; i++) {
		kmem_cache_destroy(jmod_small_cache[i]);
		jmod_small_cache[i] = NULL;
	}
}
