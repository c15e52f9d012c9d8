/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/jmod from userspace: open it, one wrapper per ioctl (0 or -errno),
 * and the names of the back ends, bench workloads, size distributions,
 * batch ops and zeroing policies as jmodctl, jmod-bench and the
 * selftests print and parse them.  See jmod_dev.c.
 */
#ifndef JMOD_DEV_H
#define JMOD_DEV_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/jmod.h>

/* Open the device read-write; returns the fd or -errno */
int jmod_dev_open(void);
/* errno values meaning "the module is not there", not "it is broken" */
bool jmod_dev_missing(int err);

/* ioctl(2) as 0 or -errno */
int jmod_dev_ioctl(int fd, unsigned long cmd, void *arg);
/* JMOD_IOC_VERSION into *@v (zeroed first) */
int jmod_dev_version(int fd, struct jmod_version *v);
/* JMOD_IOC_ALLOC; @handle and @usable may be NULL */
int jmod_dev_alloc(int fd, __u64 size, __u64 align, __u32 flags, __u64 *handle,
	       __u64 *usable);
int jmod_dev_free(int fd, __u64 handle);
/* JMOD_IOC_REALLOC; @usable may be NULL */
int jmod_dev_realloc(int fd, __u64 handle, __u64 new_size, __u64 *usable);
int jmod_dev_fill(int fd, __u64 handle, __u64 offset, __u64 len, __u64 seed);
/* JMOD_IOC_CHECK; on -EILSEQ *@bad_offset (if given) is the first mismatch */
int jmod_dev_check(int fd, __u64 handle, __u64 offset, __u64 len, __u64 seed,
	       __u64 *bad_offset);
int jmod_dev_slots(int fd, __u64 nr_slots);
/* One JMOD_IOC_BATCH of @count @ops on @backend; @b receives the outputs */
int jmod_dev_batch(int fd, struct jmod_op *ops, __u32 count, __u32 backend,
	       struct jmod_batch *b);
/* JMOD_IOC_BENCH: in and out in *@b */
int jmod_dev_bench(int fd, struct jmod_bench *b);
/* JMOD_IOC_PAGES into *@pg (zeroed first) */
int jmod_dev_pages(int fd, struct jmod_pages *pg);

/* Fills one batch op (result 0) */
void jmod_dev_op(struct jmod_op *op, __u32 code, __u64 slot, __u64 size,
	     __u32 flags);

/* Names, NULL where an index has none */
extern const char *const jmod_backend_names[JMOD_BACKEND_NR];
extern const char *const jmod_workload_names[JMOD_BENCH_NR];
extern const char *const jmod_dist_names[JMOD_DIST_NR];

/* The index of @s in @names[0..@n), or -EINVAL */
int jmod_name_index(const char *const *names, unsigned int n, const char *s);
/* @names[@i], or "?" past the end or where it has none */
const char *jmod_name_of(const char *const *names, unsigned int n,
			 unsigned int i);
/* "alloc", "free", "fill", "check"; "?" for any other op code */
const char *jmod_op_name(__u32 code);
/* "init_on_alloc=A init_on_free=F" of JMOD_POLICY_* bits */
const char *jmod_policy_name(__u32 policy);

#endif /* JMOD_DEV_H */
