// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_dev: /dev/jmod from userspace.  Owns opening the device, the
 * thin ioctl wrappers (0 or -errno, never exit()) and the name tables of
 * the back ends, bench workloads, distributions, batch ops and zeroing
 * policies.  Used by the selftests (selftests/jmod_util.h maps their
 * jm_* names here), tools/bench/jmod-bench.c and jmodctl (tools/jmodctl/common.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "jmod_dev.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

const char *const jmod_backend_names[JMOD_BACKEND_NR] = {
	[JMOD_BACKEND_JMOD] = "jmod",
	[JMOD_BACKEND_KMALLOC] = "kmalloc",
	[JMOD_BACKEND_JMOD_NOTCACHE] = "jmod-notcache",
	[JMOD_BACKEND_PAGES] = "pages",
	[JMOD_BACKEND_VMALLOC] = "vmalloc",
};

const char *const jmod_workload_names[JMOD_BENCH_NR] = {
	[JMOD_BENCH_PAIR] = "pair",
	[JMOD_BENCH_BATCH] = "batch",
	[JMOD_BENCH_RANDOM] = "random",
	[JMOD_BENCH_REMOTE] = "remote",
};

const char *const jmod_dist_names[JMOD_DIST_NR] = {
	[JMOD_DIST_FIXED] = "fixed",
	[JMOD_DIST_UNIFORM] = "uniform",
	[JMOD_DIST_PARETO] = "pareto",
	[JMOD_DIST_KERNEL] = "kernel",
};

int jmod_dev_open(void)
{
	int fd = open(JMOD_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

bool jmod_dev_missing(int err)
{
	return err == ENOENT || err == ENXIO || err == ENODEV;
}

int jmod_dev_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

int jmod_dev_version(int fd, struct jmod_version *v)
{
	memset(v, 0, sizeof(*v));
	return jmod_dev_ioctl(fd, JMOD_IOC_VERSION, v);
}

int jmod_dev_alloc(int fd, __u64 size, __u64 align, __u32 flags, __u64 *handle,
	       __u64 *usable)
{
	struct jmod_alloc a = { .size = size, .align = align, .flags = flags };
	int ret = jmod_dev_ioctl(fd, JMOD_IOC_ALLOC, &a);

	if (ret)
		return ret;
	if (handle)
		*handle = a.handle;
	if (usable)
		*usable = a.usable_size;
	return 0;
}

int jmod_dev_free(int fd, __u64 handle)
{
	struct jmod_handle h = { .handle = handle };

	return jmod_dev_ioctl(fd, JMOD_IOC_FREE, &h);
}

int jmod_dev_realloc(int fd, __u64 handle, __u64 new_size, __u64 *usable)
{
	struct jmod_realloc r = { .handle = handle, .new_size = new_size };
	int ret = jmod_dev_ioctl(fd, JMOD_IOC_REALLOC, &r);

	if (!ret && usable)
		*usable = r.usable_size;
	return ret;
}

int jmod_dev_fill(int fd, __u64 handle, __u64 offset, __u64 len, __u64 seed)
{
	struct jmod_pattern p = {
		.handle = handle,
		.offset = offset,
		.len = len,
		.seed = seed,
	};

	return jmod_dev_ioctl(fd, JMOD_IOC_FILL, &p);
}

int jmod_dev_check(int fd, __u64 handle, __u64 offset, __u64 len, __u64 seed,
	       __u64 *bad_offset)
{
	struct jmod_pattern p = {
		.handle = handle,
		.offset = offset,
		.len = len,
		.seed = seed,
		.bad_offset = ~0ULL,
	};
	int ret = jmod_dev_ioctl(fd, JMOD_IOC_CHECK, &p);

	if (bad_offset)
		*bad_offset = p.bad_offset;
	return ret;
}

int jmod_dev_slots(int fd, __u64 nr_slots)
{
	struct jmod_slots s = { .nr_slots = nr_slots };

	return jmod_dev_ioctl(fd, JMOD_IOC_SLOTS, &s);
}

int jmod_dev_batch(int fd, struct jmod_op *ops, __u32 count, __u32 backend,
	       struct jmod_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->ops = (__u64)(uintptr_t)ops;
	b->count = count;
	b->backend = backend;
	return jmod_dev_ioctl(fd, JMOD_IOC_BATCH, b);
}

int jmod_dev_bench(int fd, struct jmod_bench *b)
{
	return jmod_dev_ioctl(fd, JMOD_IOC_BENCH, b);
}

int jmod_dev_pages(int fd, struct jmod_pages *pg)
{
	memset(pg, 0, sizeof(*pg));
	return jmod_dev_ioctl(fd, JMOD_IOC_PAGES, pg);
}

void jmod_dev_op(struct jmod_op *op, __u32 code, __u64 slot, __u64 size,
	     __u32 flags)
{
	op->op = code;
	op->flags = flags;
	op->slot = slot;
	op->size = size;
	op->result = 0;
}

int jmod_name_index(const char *const *names, unsigned int n, const char *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -EINVAL;
}

const char *jmod_name_of(const char *const *names, unsigned int n,
			 unsigned int i)
{
	return i < n && names[i] ? names[i] : "?";
}

const char *jmod_op_name(__u32 code)
{
	static const char *const names[] = {
		[JMOD_OP_ALLOC] = "alloc",
		[JMOD_OP_FREE] = "free",
		[JMOD_OP_FILL] = "fill",
		[JMOD_OP_CHECK] = "check",
	};

	return jmod_name_of(names, ARRAY_SIZE(names), code);
}

const char *jmod_policy_name(__u32 policy)
{
	static const char *const names[] = {
		"init_on_alloc=0 init_on_free=0",
		"init_on_alloc=1 init_on_free=0",
		"init_on_alloc=0 init_on_free=1",
		"init_on_alloc=1 init_on_free=1",
	};

	return names[policy & (JMOD_POLICY_INIT_ON_ALLOC |
			       JMOD_POLICY_INIT_ON_FREE)];
}
