/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jemalloc's size classes, computed independently of the module: 8, 16,
 * 32, 48, 64, then four classes per doubling (for every power of two
 * B >= 64: B + B/4, B + 2B/4, B + 3B/4, 2B).  See jmod_classes.c.
 */
#ifndef JMOD_CLASSES_H
#define JMOD_CLASSES_H

#include <stdbool.h>

#include <linux/types.h>

/* Every class list built from a jmod_version fits; 4 classes per doubling */
#define JMOD_MAX_CLASSES	512U

/* The size of class @index (0: 8 B); 0 past the last 64-bit one */
__u64 jmod_class_size(unsigned int index);
/* The index of the smallest class >= @size; above them all: one of size 0 */
unsigned int jmod_class_index(__u64 size);
/*
 * Fills @cls with every class <= @max in increasing order, at most @max_n
 * of them, and returns how many there are.
 */
unsigned int jmod_size_classes(__u64 max, __u64 *cls, unsigned int max_n);
/* Smallest class >= @size in @cls[0..@n), 0 if @size is above the last */
__u64 jmod_class_of(const __u64 *cls, unsigned int n, __u64 size);
bool jmod_is_class(const __u64 *cls, unsigned int n, __u64 size);

#endif /* JMOD_CLASSES_H */
