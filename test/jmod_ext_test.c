// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_ext_test: a module of its own that uses jmod's exported API the way
 * another subsystem would (through the symbol table, jmalloc.ko loaded
 * first), to prove from outside that jmod obeys the kernel's zeroing
 * policy for every size it serves.
 *
 * Owns nothing: module init runs the checks and fails the load (-EINVAL,
 * the reason in the kernel log) when one is broken; exit does nothing.
 *
 * Zeroing (always), for every class size and a few huge sizes:
 * jmod_malloc() -> fill with 0x5a -> jmod_free() -> jmod_malloc() of the
 * same size (a tcache hit, a refilled bin or a reused run) -> under
 * init_on_alloc every byte must be zero; with the policy off some object
 * must still hold the old bytes (nothing is zeroed unasked).
 *
 * Bad calls (bad=1), each of which jmod must refuse and count in
 * bad_frees (the selftest reads the count) without handing the object
 * out twice: a second free of a 16 KiB run sitting in the tcache; with
 * small=1 also a second free of a 64 B object on top of its tcache bin
 * and a free of a pointer 8 bytes into one (the selftest sets small=1
 * only with the tcache on and no SLUB debugging on jmod's caches: there
 * SLUB gets the object and reports it itself).  Also: __GFP_DMA and
 * __GFP_DMA32 requests return NULL, and an 8 MiB object (vmalloc'ed
 * when no 2^11 block is free) is freed under a spinlock and with
 * interrupts off.
 *
 * Locking: none of its own beyond the spinlock the bad calls free
 * under; init runs in process context and may sleep.
 * Selftest: selftests/jmod_extmod_test.c loads and unloads it.
 */

#define pr_fmt(fmt) "jmod_ext_test: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include <jmod.h>

#define EXT_MAX_SIZE	SZ_8M

static DEFINE_SPINLOCK(lock);	/* the 8 MiB frees under a spinlock */
static bool bad;
module_param(bad, bool, 0444);
MODULE_PARM_DESC(bad, "Also make the bad calls jmod must refuse");
static bool small;
module_param(small, bool, 0444);
MODULE_PARM_DESC(small, "With bad=1: the small-object double and interior frees too");

/* A second free of @p (just freed) must not make @size served twice. */
static int ext_double_free(size_t size, const char *what)
{
	void *p, *q, *r;
	int err = 0;

	/* stay on this CPU: the second free must meet the first's tcache */
	migrate_disable();
	p = jmod_malloc(size, GFP_KERNEL);
	if (!p) {
		migrate_enable();
		return -ENOMEM;
	}
	jmod_free(p);
	jmod_free(p);			/* refused */
	/* a freed run is not live (small: not known while cached) */
	if (size >= SZ_16K && jmod_usable_size(p)) {
		pr_err("%s: usable_size() of a freed run is not 0\n", what);
		err = -EINVAL;
	}
	q = jmod_malloc(size, GFP_KERNEL);
	r = jmod_malloc(size, GFP_KERNEL);
	migrate_enable();
	if (q && q == r) {
		pr_err("%s double free: %p handed out twice\n", what, q);
		err = -EINVAL;
		q = NULL;	/* free it once */
	}
	jmod_free(q);
	jmod_free(r);
	if (!err)
		pr_info("%s double free refused\n", what);
	return err;
}

static int ext_interior_free(void)
{
	char *p, *q;
	int err = 0;

	migrate_disable();
	p = jmod_malloc(64, GFP_KERNEL);
	if (!p) {
		migrate_enable();
		return -ENOMEM;
	}
	memset(p, 0x11, 64);
	jmod_free(p + 8);		/* refused */
	q = jmod_malloc(64, GFP_KERNEL);
	migrate_enable();
	if (q == p + 8 || memchr_inv(p, 0x11, 64)) {
		pr_err("interior free: accepted (next object %p, live one %p)\n",
		       q, p);
		err = -EINVAL;
	} else {
		pr_info("interior free refused\n");
	}
	if (q != p + 8)
		jmod_free(q);
	jmod_free(p);
	return err;
}

static int ext_bad_calls(void)
{
	static const gfp_t zones[] = { GFP_KERNEL | __GFP_DMA,
				       GFP_KERNEL | __GFP_DMA32 };
	static const size_t zsizes[] = { 64, SZ_16K + SZ_4K, SZ_8M };
	unsigned long flags;
	unsigned int i, j;
	void *p;
	int err;

	err = ext_double_free(SZ_16K, "16 KiB");
	if (!err && small)
		err = ext_double_free(64, "64 B") ?: ext_interior_free();
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(zones); i++) {
		for (j = 0; j < ARRAY_SIZE(zsizes); j++) {
			p = jmod_malloc(zsizes[j], zones[i]);
			if (p) {
				pr_err("gfp %pGg, %zu B: not refused\n",
				       &zones[i], zsizes[j]);
				jmod_free(p);
				return -EINVAL;
			}
		}
	}
	pr_info("__GFP_DMA and __GFP_DMA32 refused\n");
	/* 8 MiB freed where sleeping is not allowed */
	p = jmod_malloc(SZ_8M, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	spin_lock(&lock);
	jmod_free(p);
	spin_unlock(&lock);
	p = jmod_malloc(SZ_8M, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	spin_lock_irqsave(&lock, flags);
	jmod_free(p);
	spin_unlock_irqrestore(&lock, flags);
	pr_info("8 MiB freed under a spinlock and with interrupts off\n");
	return 0;
}

static int __init jmod_ext_test_init(void)
{
	bool init = want_init_on_alloc(GFP_KERNEL);
	unsigned int sizes = 0, reused = 0, dirty = 0;
	size_t size = 1, usable;
	void *p, *q;

	while (size <= EXT_MAX_SIZE) {
		p = jmod_malloc(size, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		usable = jmod_usable_size(p);
		memset(p, 0x5a, usable);
		jmod_free(p);
		q = jmod_malloc(size, GFP_KERNEL);
		if (!q)
			return -ENOMEM;
		sizes++;
		reused += q == p;
		if (memchr_inv(q, 0, jmod_usable_size(q)))
			dirty++;
		jmod_free(q);
		/* every class up to the largest large one, then doubling */
		size = usable < SZ_2M ? usable + 1 : 2 * usable;
	}
	pr_info("init_on_alloc=%d init_on_free=%d: %u sizes, %u objects reused, %u not zero\n",
		init, want_init_on_free(), sizes, reused, dirty);
	if (init && dirty) {
		pr_err("init_on_alloc: %u reused objects were not zeroed\n", dirty);
		return -EINVAL;
	}
	if (!init && !want_init_on_free() && !dirty) {
		pr_err("init_on_alloc=0, yet every object came back zeroed\n");
		return -EINVAL;
	}
	return bad ? ext_bad_calls() : 0;
}

static void __exit jmod_ext_test_exit(void)
{
}

module_init(jmod_ext_test_init);
module_exit(jmod_ext_test_exit);

MODULE_DESCRIPTION("jmod: external user of the exported API: zeroing policy, refused bad calls");
MODULE_LICENSE("GPL");
