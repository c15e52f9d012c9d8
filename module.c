// SPDX-License-Identifier: GPL-2.0
/*
 * jmalloc.ko's entry and exit: the allocator, then its test interface.
 *
 * Owns nothing but the order: jmod_core_init() (jmod.c) brings the
 * allocator up, so the exported API and debugfs work; jmod_test_init()
 * (test/) then registers /dev/jmod, which only calls the allocator.  Exit
 * runs the other way round.  The allocator never calls into test/; this
 * file is the one place that knows both.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>

#include "internal.h"
#include "test/test.h"

static int __init jmod_init(void)
{
	int err;

	err = jmod_core_init();
	if (err)
		return err;
	err = jmod_test_init();
	if (err) {
		jmod_core_exit();
		return err;
	}
#ifdef JMOD_TEST_WARN_ON_INIT
	WARN_ON(1);	/* test build: the QEMU runner must fail on this */
#endif
	return 0;
}

static void __exit jmod_exit(void)
{
	jmod_test_exit();
	jmod_core_exit();
	pr_info("unloaded\n");
}

module_init(jmod_init);
module_exit(jmod_exit);

MODULE_DESCRIPTION("jmod: jemalloc-style allocator (arenas, runs, size classes)");
MODULE_LICENSE("GPL");
MODULE_VERSION(JMOD_VERSION);
