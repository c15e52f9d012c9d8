// SPDX-License-Identifier: GPL-2.0
/*
 * jmod size classes.
 *
 * Owns the class table: jemalloc's four classes per doubling, built once
 * at load time from chunk_order and read-only afterwards, so it needs no
 * lock.  The rules themselves live in include/jmod_sizeclass.h, shared
 * with the user-space tools; requests map to classes with
 * jmod_size_class() (internal.h), pure arithmetic on the highest set bit:
 * no table walk on the hot path.
 *
 *   idx   0   1   2   3   4   5   6   7    8    9 ...  35     36 ...
 *   size  8  16  32  48  64  80  96 112  128  160 ... 14336  16384 ...
 *         |<------------- small: kmem_cache ------------>|<- large: runs
 *
 * A request above 64 bytes wastes less than 20% of its class: the class
 * after 2^(lg-1) is 2^(lg-1) * 5 / 4, so the slack is below a fifth of the
 * class size.  The "classes" self-test proves it for every size.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/bug.h>
#include <linux/kernel.h>

#include "internal.h"

unsigned int jmod_nr_classes;
size_t jmod_large_max;
u32 jmod_class_size[JMOD_MAX_CLASSES];

int jmod_sizeclass_init(void)
{
	unsigned int i;

	jmod_large_max = PAGE_SIZE << jmod_chunk_order;
	jmod_nr_classes = jmod_size_class(jmod_large_max) + 1;
	if (WARN_ON(jmod_nr_classes > JMOD_MAX_CLASSES))
		return -EINVAL;

	for (i = 0; i < jmod_nr_classes; i++)
		jmod_class_size[i] = jmod_sc_size(i);

	/* the boundaries the rest of jmod relies on */
	if (WARN_ON(jmod_class_size[JMOD_NR_SMALL - 1] != JMOD_SMALL_MAX ||
		    jmod_class_size[JMOD_NR_SMALL] != JMOD_LARGE_MIN ||
		    jmod_class_size[jmod_nr_classes - 1] != jmod_large_max))
		return -EINVAL;
	return 0;
}
