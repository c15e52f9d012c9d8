// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_classes: the size-class rules of jemalloc that jmod follows
 * (index <-> size, the list of classes up to a limit, lookups in it),
 * computed from the rules alone so tests can check the module against
 * them.  Used by the selftests (jm_size_classes() & co in
 * selftests/jmod_util.h) and jmodctl replay.
 */
#include "jmod_classes.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The classes below the first doubling group (64 B and up) */
static const __u64 first_classes[] = { 8, 16, 32, 48, 64 };

__u64 jmod_class_size(unsigned int index)
{
	unsigned int group, step;

	if (index < ARRAY_SIZE(first_classes))
		return first_classes[index];
	index -= ARRAY_SIZE(first_classes);
	group = index / 4;		/* base 64 << group */
	step = index % 4 + 1;		/* base + step * base / 4 */
	if (group > 57)
		return 0;
	return (64ULL << group) + step * (16ULL << group);
}

unsigned int jmod_class_index(__u64 size)
{
	unsigned int i = 0;
	__u64 c;

	for (c = jmod_class_size(0); c && c < size; c = jmod_class_size(++i))
		;
	return i;
}

unsigned int jmod_size_classes(__u64 max, __u64 *cls, unsigned int max_n)
{
	unsigned int n;
	__u64 c;

	for (n = 0; n < max_n; n++) {
		c = jmod_class_size(n);
		if (!c || c > max)
			break;
		cls[n] = c;
	}
	return n;
}

__u64 jmod_class_of(const __u64 *cls, unsigned int n, __u64 size)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (cls[mid] < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? cls[lo] : 0;
}

bool jmod_is_class(const __u64 *cls, unsigned int n, __u64 size)
{
	return jmod_class_of(cls, n, size) == size;
}
