// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_ext_test: a module of its own that uses jmod's exported API the way
 * another subsystem would (through the symbol table, jmalloc.ko loaded
 * first), to prove from outside that jmod obeys the kernel's zeroing
 * policy for every size it serves.
 *
 * Owns nothing: module init runs the check and fails the load (-EINVAL,
 * the reason in the kernel log) when the policy is broken; exit does
 * nothing.  Data flow, for every class size and a few huge sizes:
 * jmod_malloc() -> fill with 0x5a -> jmod_free() -> jmod_malloc() of the
 * same size (a tcache hit, a refilled bin or a reused run) -> under
 * init_on_alloc every byte must be zero; with the policy off some object
 * must still hold the old bytes (nothing is zeroed unasked).
 *
 * Locking: none; init runs in process context and may sleep.
 * Selftest: selftests/jmod_extmod_test.c loads and unloads it.
 */

#define pr_fmt(fmt) "jmod_ext_test: " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include <jmod.h>

#define EXT_MAX_SIZE	SZ_8M

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
	return 0;
}

static void __exit jmod_ext_test_exit(void)
{
}

module_init(jmod_ext_test_init);
module_exit(jmod_ext_test_exit);

MODULE_DESCRIPTION("jmod: external user of the exported API, zeroing policy check");
MODULE_LICENSE("GPL");
