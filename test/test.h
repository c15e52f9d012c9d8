/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jmod test interface: what the files under test/ share.  The allocator
 * (the root's sources) never includes this header nor calls anything
 * declared here; the test side drives the allocator through include/jmod.h
 * and, for white-box cases, ../internal.h.
 *
 *   chardev.c    /dev/jmod, the ioctl ABI of include/uapi/linux/jmod.h
 *   backend.c    the allocators a trace or benchmark runs on ("backends":
 *                jmod, kmalloc, pages, vmalloc); not to be confused with
 *                jmod's own kinds of allocation (small, large, huge)
 *   bench.c      the in-kernel benchmark and the page-level measurement
 *   selftest.c   the in-kernel cases run by JMOD_IOC_SELFTEST
 *   pattern.c    the deterministic fill pattern of the device and cases
 */
#ifndef _JMOD_TEST_H
#define _JMOD_TEST_H

#include <linux/types.h>
#include <linux/gfp.h>

/* === Entry, called by module.c after the allocator is up === */

int jmod_test_init(void);
void jmod_test_exit(void);

/* === Backends a trace or the benchmark runs on (backend.c) === */

struct jmod_backend_ops {
	const char *name;
	void *(*alloc)(size_t size, gfp_t gfp);
	void (*free)(void *p, size_t size);
	size_t (*usable)(const void *p, size_t size);
	/* usable() from the size alone; 0 when it needs the pointer */
	size_t (*usable_for)(size_t size);
	bool sleeps;		/* process context only */
};

const struct jmod_backend_ops *jmod_backend(unsigned int id);

/* === The benchmark (bench.c) === */

struct jmod_bench;
int jmod_bench_run(struct jmod_bench *a);

/* the page allocator's level, measured the same way for every backend */
struct jmod_pages_now {
	unsigned long free;	/* free pages, per-CPU lists included */
	unsigned long slab;	/* unreclaimable slab pages */
	unsigned long jmod;	/* jmod's chunk and huge pages */
};

void jmod_bench_pages(struct jmod_pages_now *now);
u32 jmod_bench_policy(void);

/* === The device's quotas (chardev.c), also bounding benchmark runs === */

extern unsigned long jmod_quota_bytes;
extern unsigned long jmod_quota_objects;

/* === In-kernel cases (selftest.c) === */

struct jmod_selftest;
int jmod_selftest_run(struct jmod_selftest *st);
unsigned int jmod_selftest_count(void);

/* === Fill pattern (pattern.c) === */

void jmod_pattern_fill(void *p, u64 offset, u64 len, u64 seed);
s64 jmod_pattern_check(const void *p, u64 offset, u64 len, u64 seed);

#endif /* _JMOD_TEST_H */
