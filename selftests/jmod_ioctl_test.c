// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_ioctl_test: the /dev/jmod ioctl ABI, command by command and error
 * path by error path, as written in include/uapi/linux/jmod.h.
 *
 * No timing assertions: this runs under QEMU TCG.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "jmod_util.h"
#include "jmod_debugfs.h"

/* A command number for an arbitrary structure size */
#define JM_CMD_SIZED(cmd, size) \
	_IOC(_IOC_DIR(cmd), JMOD_IOC_MAGIC, _IOC_NR(cmd), (size))

/* The largest size an ioctl command number can carry */
#define JM_IOC_SIZE_MAX		((1U << _IOC_SIZEBITS) - 1)

/*
 * @cmd with a structure size @below bytes short of its first version's
 * @ver0, and with size 0: both -EINVAL, @buf untouched
 */
static void expect_short_size(struct __test_metadata *_metadata, int fd,
			      unsigned int cmd, size_t ver0, size_t below,
			      void *buf)
{
	EXPECT_EQ(-EINVAL, jm_ioctl(fd, JM_CMD_SIZED(cmd, ver0 - below), buf))
		TH_LOG("ioctl nr %u, size %zu", _IOC_NR(cmd), ver0 - below);
	EXPECT_EQ(-EINVAL, jm_ioctl(fd, JM_CMD_SIZED(cmd, 0), buf))
		TH_LOG("ioctl nr %u, size 0", _IOC_NR(cmd));
}

/* Nobody, for the unprivileged-open tests */
#define JM_NOBODY		65534

/* Memory that faults: an unmapped page, and a page behind a guard page */
static void *jm_unmapped(void)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)8;
	munmap(p, page);
	return p;
}

/*
 * Returns a pointer @len bytes before a PROT_NONE page: an object of more
 * than @len bytes placed there straddles into the guard.
 */
static void *jm_before_guard(size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page, page, PROT_NONE)) {
		munmap(p, 2 * page);
		return NULL;
	}
	memset(p, 0, page);
	return p + page - len;
}

/* Child side of the unprivileged-open tests: 0 when open gives EACCES */
static int jm_open_as_nobody(const char *path)
{
	int fd;

	if (setgroups(0, NULL) || setgid(JM_NOBODY) || setuid(JM_NOBODY))
		return 2;
	fd = open(path, O_RDWR);
	if (fd >= 0) {
		close(fd);
		return 3;
	}
	if (errno != EACCES) {
		fprintf(stderr, "# open(%s) as nobody: %s (want EACCES)\n",
			path, strerror(errno));
		return 4;
	}
	return 0;
}

static int jm_run_as_nobody(const char *path)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(jm_open_as_nobody(path));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(jmod) {
	int fd;
	struct jmod_version v;
};

FIXTURE_SETUP(jmod)
{
	jm_setup_dev(_metadata, &self->fd, &self->v);
}

FIXTURE_TEARDOWN(jmod)
{
	jm_close(self->fd);
}

/*
 * Older harnesses (6.1) still run the test body after a SKIP in the
 * fixture setup: every body starts with "if (self->fd < 0) return;".
 */

TEST_F(jmod, version)
{
	const struct jmod_version *v = &self->v;

	if (self->fd < 0)
		return;
	TH_LOG("abi %u page %u small %u large %u chunk %llu tcache_max %llu",
	       v->abi, v->page_size, v->nr_small, v->nr_large,
	       (unsigned long long)v->chunk_size,
	       (unsigned long long)v->tcache_max);
	TH_LOG("max_small %llu max_large %llu max_alloc %llu quota %llu B %llu objs arenas %u selftests %u",
	       (unsigned long long)v->max_small,
	       (unsigned long long)v->max_large,
	       (unsigned long long)v->max_alloc,
	       (unsigned long long)v->quota_bytes,
	       (unsigned long long)v->quota_objects,
	       v->nr_arenas, v->nr_selftests);

	ASSERT_EQ((__u32)JMOD_ABI_VERSION, v->abi);
	ASSERT_EQ(sysconf(_SC_PAGESIZE), (long)v->page_size);
	ASSERT_LT(0U, v->nr_small);
	ASSERT_LT(0U, v->nr_large);
	ASSERT_LT(v->max_small, v->max_large);
	ASSERT_TRUE(jm_is_pow2(v->chunk_size));
	ASSERT_LE((__u64)v->page_size, v->chunk_size);
	ASSERT_LE(v->max_large, v->max_alloc);
	ASSERT_LE(v->tcache_max, v->max_large);
	ASSERT_LT(0ULL, v->quota_bytes);
	ASSERT_LT(0ULL, v->quota_objects);
	ASSERT_LE(1U, v->nr_arenas);
}

/* VER0-sized VERSION: known fields only, nothing written past them */
TEST_F(jmod, version_ver0_size)
{
	unsigned char buf[sizeof(struct jmod_version) + 16];
	struct jmod_version v;
	size_t i;

	if (self->fd < 0)
		return;
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, jm_ioctl(self->fd,
			      JM_CMD_SIZED(JMOD_IOC_VERSION,
					   JMOD_VERSION_SIZE_VER0), buf));
	memcpy(&v, buf, sizeof(v));
	ASSERT_EQ(self->v.abi, v.abi);
	ASSERT_EQ(self->v.page_size, v.page_size);
	ASSERT_EQ(self->v.nr_small, v.nr_small);
	ASSERT_EQ(self->v.nr_large, v.nr_large);
	ASSERT_EQ(self->v.chunk_size, v.chunk_size);
	ASSERT_EQ(self->v.tcache_max, v.tcache_max);
	ASSERT_EQ(self->v.max_small, v.max_small);
	ASSERT_EQ(self->v.max_large, v.max_large);
	for (i = JMOD_VERSION_SIZE_VER0; i < sizeof(buf); i++) {
		ASSERT_EQ(0xa5, buf[i])
			TH_LOG("kernel wrote byte %zu of a %d-byte struct",
			       i, JMOD_VERSION_SIZE_VER0);
	}
}

/* A VERSION larger than the kernel's, zero tail: works, tail stays zero */
TEST_F(jmod, version_larger_size)
{
	unsigned char buf[sizeof(struct jmod_version) + 32];
	size_t i;

	if (self->fd < 0)
		return;
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, jm_ioctl(self->fd,
			      JM_CMD_SIZED(JMOD_IOC_VERSION, sizeof(buf)),
			      buf));
	ASSERT_EQ(0, memcmp(buf, &self->v, sizeof(self->v)));
	for (i = sizeof(self->v); i < sizeof(buf); i++)
		if (buf[i])
			break;
	ASSERT_EQ(sizeof(buf), i)
		TH_LOG("byte %zu of the zero tail is %#x", i, buf[i]);
}

TEST_F(jmod, version_errors)
{
	unsigned char buf[sizeof(struct jmod_version)] = { 0 };

	if (self->fd < 0)
		return;
	expect_short_size(_metadata, self->fd, JMOD_IOC_VERSION,
			  JMOD_VERSION_SIZE_VER0, 8, buf);
	/* Bad pointers */
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_VERSION, NULL));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_VERSION,
				    jm_unmapped()));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_VERSION,
				    jm_before_guard(8)));
}

TEST_F(jmod, alloc_free)
{
	static const __u64 sizes[] = { 1, 8, 100, 4096, 5000, 65536 };
	static const __u32 flags[] = {
		0, JMOD_ALLOC_ZERO, JMOD_ALLOC_NOCACHE, JMOD_ALLOC_ATOMIC,
		JMOD_ALLOC_FLAGS,
	};
	__u64 h[ARRAY_SIZE(sizes) * ARRAY_SIZE(flags)], usable;
	unsigned int i, j, n = 0, dups = 0, failed = 0;

	if (self->fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(flags); j++) {
			/* GFP_ATOMIC may fail for anything needing pages */
			if ((flags[j] & JMOD_ALLOC_ATOMIC) && sizes[i] > 4096)
				continue;
			ASSERT_EQ(0, jm_alloc(self->fd, sizes[i], 0, flags[j],
					      &h[n], &usable))
				TH_LOG("size %llu flags %#x",
				       (unsigned long long)sizes[i], flags[j]);
			ASSERT_LE(sizes[i], usable);
			n++;
		}
	}
	/* Handles are distinct */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			dups += h[i] == h[j];
	EXPECT_EQ(0U, dups);
	for (i = 0; i < n; i++)
		failed += jm_free(self->fd, h[i]) != 0;
	EXPECT_EQ(0U, failed);
}

TEST_F(jmod, alloc_errors)
{
	struct jmod_alloc a;
	__u64 h = 0;

	if (self->fd < 0)
		return;
	EXPECT_EQ(-EINVAL, jm_alloc(self->fd, 0, 0, 0, &h, NULL));
	EXPECT_EQ(-EFBIG, jm_alloc(self->fd, self->v.max_alloc + 1, 0, 0,
				   &h, NULL));
	EXPECT_EQ(-EFBIG, jm_alloc(self->fd, ~0ULL, 0, 0, &h, NULL));
	EXPECT_EQ(-EINVAL, jm_alloc(self->fd, 64, 3, 0, &h, NULL));
	EXPECT_EQ(-EINVAL, jm_alloc(self->fd, 64, 24, 0, &h, NULL));
	EXPECT_EQ(-EINVAL, jm_alloc(self->fd, 64, 1ULL << 63 | 1, 0,
				    &h, NULL));
	EXPECT_EQ(-EINVAL, jm_alloc(self->fd, 64, 0,
				    ~JMOD_ALLOC_FLAGS, &h, NULL));
	EXPECT_EQ(-EINVAL, jm_alloc(self->fd, 64, 0, 1U << 31, &h, NULL));

	memset(&a, 0, sizeof(a));
	a.size = 64;
	a.__pad = 1;
	EXPECT_EQ(-EINVAL, jm_ioctl(self->fd, JMOD_IOC_ALLOC, &a));

	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_ALLOC, NULL));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_ALLOC, jm_unmapped()));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_ALLOC,
				    jm_before_guard(16)));

	/* None of the failures left anything behind */
	EXPECT_EQ(0, jm_alloc(self->fd, 64, 0, 0, &h, NULL));
	EXPECT_EQ(0, jm_free(self->fd, h));
}

/* Handles are per fd: values this fd never issued are unknown */
TEST_F(jmod, free_unknown_handle)
{
	int fd2;
	__u64 h;

	if (self->fd < 0)
		return;
	EXPECT_EQ(-ENOENT, jm_free(self->fd, 0));
	EXPECT_EQ(-ENOENT, jm_free(self->fd, 1));
	EXPECT_EQ(-ENOENT, jm_free(self->fd, ~0ULL));
	EXPECT_EQ(-ENOENT, jm_free(self->fd, 0xffff888000000000ULL));

	/* Another fd's handle means nothing here; this fd holds nothing */
	fd2 = jm_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, jm_alloc(fd2, 128, 0, 0, &h, NULL));
	EXPECT_EQ(-ENOENT, jm_free(self->fd, h));
	EXPECT_EQ(0, jm_free(fd2, h));
	close(fd2);

	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_FREE, NULL));
}

TEST_F(jmod, double_free)
{
	__u64 h, h2;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_alloc(self->fd, 256, 0, 0, &h, NULL));
	ASSERT_EQ(0, jm_free(self->fd, h));
	ASSERT_EQ(-ENOENT, jm_free(self->fd, h));
	/* Still unknown after the fd allocated again */
	ASSERT_EQ(0, jm_alloc(self->fd, 256, 0, 0, &h2, NULL));
	ASSERT_EQ(-ENOENT, h2 == h ? -ENOENT : jm_free(self->fd, h));
	ASSERT_EQ(0, jm_free(self->fd, h2));
	ASSERT_EQ(-ENOENT, jm_free(self->fd, h2));
}

TEST_F(jmod, realloc_grow_shrink)
{
	static const __u64 steps[] = {
		100, 5000, 70000, 3000, 40, 200000, 1, 4096,
	};
	__u64 h, usable, old = 24, seed = 0x1234;
	unsigned int i;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_alloc(self->fd, old, 0, 0, &h, &usable));
	ASSERT_EQ(0, jm_fill(self->fd, h, 0, old, seed));
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		__u64 keep = jm_min(old, steps[i]);

		ASSERT_EQ(0, jm_realloc(self->fd, h, steps[i], &usable))
			TH_LOG("realloc %llu -> %llu",
			       (unsigned long long)old,
			       (unsigned long long)steps[i]);
		ASSERT_LE(steps[i], usable);
		ASSERT_EQ(0, jm_check(self->fd, h, 0, keep, seed, NULL))
			TH_LOG("realloc %llu -> %llu lost data",
			       (unsigned long long)old,
			       (unsigned long long)steps[i]);
		seed++;
		ASSERT_EQ(0, jm_fill(self->fd, h, 0, steps[i], seed));
		old = steps[i];
	}
	ASSERT_EQ(0, jm_free(self->fd, h));
}

TEST_F(jmod, realloc_errors)
{
	struct jmod_realloc r;
	__u64 h, usable, u2 = 0;

	if (self->fd < 0)
		return;
	EXPECT_EQ(-ENOENT, jm_realloc(self->fd, 12345, 64, NULL));

	ASSERT_EQ(0, jm_alloc(self->fd, 300, 0, 0, &h, &usable));
	ASSERT_EQ(0, jm_fill(self->fd, h, 0, 300, 77));
	EXPECT_EQ(-EINVAL, jm_realloc(self->fd, h, 0, NULL));
	EXPECT_EQ(-EFBIG, jm_realloc(self->fd, h, self->v.max_alloc + 1,
				     NULL));
	EXPECT_EQ(-EFBIG, jm_realloc(self->fd, h, ~0ULL, NULL));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_REALLOC, NULL));

	/* The object survived every failure unchanged */
	EXPECT_EQ(0, jm_check(self->fd, h, 0, 300, 77, NULL));
	EXPECT_EQ(0, jm_realloc(self->fd, h, 300, &u2));
	EXPECT_EQ(usable, u2);

	memset(&r, 0, sizeof(r));
	r.handle = h;
	r.new_size = 100;
	r.usable_size = 0;
	EXPECT_EQ(0, jm_ioctl(self->fd, JMOD_IOC_REALLOC, &r));
	EXPECT_LE(100ULL, r.usable_size);

	ASSERT_EQ(0, jm_free(self->fd, h));
	EXPECT_EQ(-ENOENT, jm_realloc(self->fd, h, 64, NULL));
}

TEST_F(jmod, fill_check)
{
	const __u64 a = 0xA, b = 0xB;
	__u64 h, usable, bad;
	int ret;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_alloc(self->fd, 1000, 0, 0, &h, &usable));
	ASSERT_LE(1000ULL, usable);

	ASSERT_EQ(0, jm_fill(self->fd, h, 0, usable, a));
	ASSERT_EQ(0, jm_check(self->fd, h, 0, usable, a, NULL));
	/* A prefix of a filled region checks too */
	ASSERT_EQ(0, jm_check(self->fd, h, 0, usable / 2, a, NULL));

	/* Any other seed mismatches somewhere in range */
	ret = jm_check(self->fd, h, 0, usable, b, &bad);
	ASSERT_EQ(-EILSEQ, ret);
	ASSERT_GT(usable, bad);

	/* Overwrite [100, 200): the first mismatch is reported there */
	ASSERT_EQ(0, jm_fill(self->fd, h, 100, 100, b));
	ASSERT_EQ(0, jm_check(self->fd, h, 100, 100, b, NULL));
	ASSERT_EQ(0, jm_check(self->fd, h, 0, 100, a, NULL));
	ASSERT_EQ(-EILSEQ, jm_check(self->fd, h, 0, usable, a, &bad));
	ASSERT_LE(100ULL, bad);
	ASSERT_GT(200ULL, bad);

	/* Seed 0 means zero bytes: FILL 0 then CHECK 0 */
	ASSERT_EQ(0, jm_fill(self->fd, h, 0, usable, 0));
	ASSERT_EQ(0, jm_check(self->fd, h, 0, usable, 0, NULL));
	ASSERT_EQ(-EILSEQ, jm_check(self->fd, h, 0, usable, a, &bad));
	ASSERT_GT(usable, bad);
	ASSERT_EQ(0, jm_free(self->fd, h));

	/* ZERO allocations check with seed 0, even when memory is reused */
	ASSERT_EQ(0, jm_alloc(self->fd, 1000, 0, 0, &h, &usable));
	ASSERT_EQ(0, jm_fill(self->fd, h, 0, usable, a));
	ASSERT_EQ(0, jm_free(self->fd, h));
	ASSERT_EQ(0, jm_alloc(self->fd, 1000, 0, JMOD_ALLOC_ZERO, &h,
			      &usable));
	ASSERT_EQ(0, jm_check(self->fd, h, 0, usable, 0, &bad))
		TH_LOG("ZERO allocation has a non-zero byte at %llu",
		       (unsigned long long)bad);
	ASSERT_EQ(0, jm_free(self->fd, h));
}

TEST_F(jmod, fill_check_errors)
{
	__u64 h, usable, dead;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_alloc(self->fd, 512, 0, 0, &h, &usable));

	/* The whole usable size is in range, one more byte is not */
	EXPECT_EQ(0, jm_fill(self->fd, h, 0, usable, 1));
	EXPECT_EQ(0, jm_fill(self->fd, h, usable - 1, 1, 1));
	EXPECT_EQ(-ERANGE, jm_fill(self->fd, h, 0, usable + 1, 1));
	EXPECT_EQ(-ERANGE, jm_check(self->fd, h, 0, usable + 1, 1, NULL));
	EXPECT_EQ(-ERANGE, jm_fill(self->fd, h, usable, 1, 1));
	EXPECT_EQ(-ERANGE, jm_check(self->fd, h, usable, 1, 1, NULL));
	EXPECT_EQ(-ERANGE, jm_fill(self->fd, h, 1ULL << 40, 1, 1));
	EXPECT_EQ(-ERANGE, jm_fill(self->fd, h, 0, 1ULL << 40, 1));

	/* offset + len wraps around */
	EXPECT_EQ(-ERANGE, jm_fill(self->fd, h, ~0ULL - 7, 16, 1));
	EXPECT_EQ(-ERANGE, jm_check(self->fd, h, ~0ULL - 7, 16, 1, NULL));
	EXPECT_EQ(-ERANGE, jm_fill(self->fd, h, 16, ~0ULL - 7, 1));
	EXPECT_EQ(-ERANGE, jm_check(self->fd, h, 16, ~0ULL - 7, 1, NULL));
	EXPECT_EQ(-ERANGE, jm_fill(self->fd, h, ~0ULL, ~0ULL, 1));

	/* Bad handles and pointers */
	ASSERT_EQ(0, jm_alloc(self->fd, 8, 0, 0, &dead, NULL));
	ASSERT_EQ(0, jm_free(self->fd, dead));
	EXPECT_EQ(-ENOENT, jm_fill(self->fd, dead, 0, 1, 1));
	EXPECT_EQ(-ENOENT, jm_check(self->fd, dead, 0, 1, 1, NULL));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_FILL, NULL));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_CHECK, NULL));

	/* The object is intact (the last byte was refilled on its own) */
	EXPECT_EQ(0, jm_check(self->fd, h, 0, usable - 1, 1, NULL));
	ASSERT_EQ(0, jm_free(self->fd, h));
}

/* BATCH on both backends */
FIXTURE(batch) {
	int fd;
	struct jmod_version v;
};

FIXTURE_VARIANT(batch) {
	__u32 backend;
	__u32 other;
};

FIXTURE_VARIANT_ADD(batch, jmod) {
	.backend = JMOD_BACKEND_JMOD,
	.other = JMOD_BACKEND_KMALLOC,
};

FIXTURE_VARIANT_ADD(batch, kmalloc) {
	.backend = JMOD_BACKEND_KMALLOC,
	.other = JMOD_BACKEND_JMOD,
};

FIXTURE_SETUP(batch)
{
	jm_setup_dev(_metadata, &self->fd, &self->v);
}

FIXTURE_TEARDOWN(batch)
{
	jm_close(self->fd);
}

/* Runs @ops (all expected to succeed) as one batch, checks done and results */
#define RUN_BATCH_OK(ops, n, backend) do {				\
	struct jmod_batch __b;						\
	unsigned int __i;						\
									\
	ASSERT_EQ(0, jm_batch(self->fd, (ops), (n), (backend), &__b));	\
	for (__i = 0; __i < __b.done && __i < (n); __i++) {		\
		ASSERT_EQ(0, (ops)[__i].result);			\
	}								\
	ASSERT_EQ((__u32)(n), __b.done)					\
		TH_LOG("op %u (%s slot %llu size %llu) failed: %lld",	\
		       __b.done, jm_op_name((ops)[__b.done].op),	\
		       (unsigned long long)(ops)[__b.done].slot,	\
		       (unsigned long long)(ops)[__b.done].size,	\
		       (long long)(ops)[__b.done].result);		\
} while (0)

/* Runs @ops expecting op @idx to fail with @err */
#define RUN_BATCH_FAIL(ops, n, backend, idx, err) do {			\
	struct jmod_batch __b;						\
									\
	ASSERT_EQ(0, jm_batch(self->fd, (ops), (n), (backend), &__b));	\
	ASSERT_EQ((__u32)(idx), __b.done);				\
	ASSERT_EQ((__s64)(err), (ops)[(idx)].result);			\
} while (0)

TEST_F(batch, sequence)
{
	const __u64 sizes[] = {
		8, 24, 64, 100, 512, 1000, 4096, 5000, 20000, 65536,
		200000, MiB + 5,
	};
	const unsigned int n = ARRAY_SIZE(sizes);
	struct jmod_op ops[6 * ARRAY_SIZE(sizes)];
	unsigned int i, k = 0;
	struct jmod_batch b;

	if (self->fd < 0)
		return;
	for (i = 0; i < n; i++) {
		jm_op(&ops[k++], JMOD_OP_ALLOC, i, sizes[i],
		      i % 3 ? 0 : JMOD_ALLOC_NOCACHE);
		/* size 0: all requested bytes */
		jm_op(&ops[k++], JMOD_OP_FILL, i, 0, 0);
		jm_op(&ops[k++], JMOD_OP_CHECK, i, sizes[i], 0);
	}
	/* Everything still intact once all are live */
	for (i = 0; i < n; i++)
		jm_op(&ops[k++], JMOD_OP_CHECK, i, sizes[i], 0);
	for (i = 0; i < n; i++) {
		jm_op(&ops[k++], JMOD_OP_CHECK, i, 0, 0);
		jm_op(&ops[k++], JMOD_OP_FREE, i, 0, 0);
	}
	ASSERT_EQ(ARRAY_SIZE(ops), k);
	RUN_BATCH_OK(ops, k, variant->backend);

	/* The slots are empty again: the same batch runs a second time */
	for (i = 0; i < k; i++)
		ops[i].result = 0x5a5a;
	ASSERT_EQ(0, jm_batch(self->fd, ops, k, variant->backend, &b));
	ASSERT_EQ(k, b.done);
	ASSERT_LT(0ULL, b.elapsed_ns);
	for (i = 0; i < k; i++)
		if (ops[i].result)
			break;
	ASSERT_EQ(k, i)
		TH_LOG("op %u result %lld", i, (long long)ops[i].result);
}

/* Slots persist across batches; FREE uses the allocating backend */
TEST_F(batch, cross_batch_and_backend)
{
	struct jmod_op ops[8];
	unsigned int i;

	if (self->fd < 0)
		return;
	for (i = 0; i < 4; i++)
		jm_op(&ops[i], JMOD_OP_ALLOC, 10 + i, 100 << i, 0);
	RUN_BATCH_OK(ops, 4, variant->backend);
	for (i = 0; i < 4; i++)
		jm_op(&ops[i], JMOD_OP_FILL, 10 + i, 0, 0);
	RUN_BATCH_OK(ops, 4, variant->other);
	for (i = 0; i < 4; i++) {
		jm_op(&ops[2 * i], JMOD_OP_CHECK, 10 + i, 100 << i, 0);
		jm_op(&ops[2 * i + 1], JMOD_OP_FREE, 10 + i, 0, 0);
	}
	RUN_BATCH_OK(ops, 8, variant->other);
}

TEST_F(batch, op_errors)
{
	struct jmod_op ops[4];

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_slots(self->fd, 8));

	/* Free of an empty slot stops the batch at that op */
	jm_op(&ops[0], JMOD_OP_ALLOC, 0, 64, 0);
	jm_op(&ops[1], JMOD_OP_FILL, 0, 0, 0);
	jm_op(&ops[2], JMOD_OP_FREE, 1, 0, 0);
	jm_op(&ops[3], JMOD_OP_ALLOC, 2, 64, 0);
	RUN_BATCH_FAIL(ops, 4, variant->backend, 2, -ENOENT);
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(0, ops[1].result);
	/* ops after the failure did not run: slot 2 is empty, slot 0 live */
	jm_op(&ops[0], JMOD_OP_FREE, 2, 0, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -ENOENT);
	jm_op(&ops[0], JMOD_OP_CHECK, 0, 64, 0);
	jm_op(&ops[1], JMOD_OP_FREE, 0, 0, 0);
	RUN_BATCH_OK(ops, 2, variant->backend);

	/* Alloc into a live slot */
	jm_op(&ops[0], JMOD_OP_ALLOC, 3, 64, 0);
	jm_op(&ops[1], JMOD_OP_ALLOC, 3, 64, 0);
	RUN_BATCH_FAIL(ops, 2, variant->backend, 1, -EEXIST);
	jm_op(&ops[0], JMOD_OP_FREE, 3, 0, 0);
	RUN_BATCH_OK(ops, 1, variant->backend);

	/* Slots beyond the table */
	jm_op(&ops[0], JMOD_OP_ALLOC, 7, 64, 0);
	jm_op(&ops[1], JMOD_OP_ALLOC, 8, 64, 0);
	RUN_BATCH_FAIL(ops, 2, variant->backend, 1, -ERANGE);
	jm_op(&ops[0], JMOD_OP_FREE, ~0ULL, 0, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -ERANGE);
	jm_op(&ops[0], JMOD_OP_FILL, 1ULL << 32, 0, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -ERANGE);
	jm_op(&ops[0], JMOD_OP_FREE, 7, 0, 0);
	RUN_BATCH_OK(ops, 1, variant->backend);

	/* Unknown op codes */
	jm_op(&ops[0], 0, 0, 64, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -EINVAL);
	jm_op(&ops[0], 99, 0, 64, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -EINVAL);

	/* Unknown alloc flags, flags on other ops, size 0 */
	jm_op(&ops[0], JMOD_OP_ALLOC, 0, 64, ~JMOD_ALLOC_FLAGS);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -EINVAL);
	jm_op(&ops[0], JMOD_OP_ALLOC, 0, 0, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -EINVAL);
	jm_op(&ops[0], JMOD_OP_ALLOC, 0, 64, 0);
	jm_op(&ops[1], JMOD_OP_FREE, 0, 0, JMOD_ALLOC_ZERO);
	RUN_BATCH_FAIL(ops, 2, variant->backend, 1, -EINVAL);

	/* FILL/CHECK: beyond the object, on an empty slot, wrong pattern */
	jm_op(&ops[0], JMOD_OP_FILL, 0, MiB, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -ERANGE);
	jm_op(&ops[0], JMOD_OP_CHECK, 5, 0, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -ENOENT);
	jm_op(&ops[0], JMOD_OP_FILL, 5, 0, 0);
	RUN_BATCH_FAIL(ops, 1, variant->backend, 0, -ENOENT);
	jm_op(&ops[0], JMOD_OP_FREE, 0, 0, 0);
	jm_op(&ops[1], JMOD_OP_ALLOC, 0, 64, JMOD_ALLOC_ZERO);
	jm_op(&ops[2], JMOD_OP_CHECK, 0, 64, 0);
	RUN_BATCH_FAIL(ops, 3, variant->backend, 2, -EILSEQ);

	jm_op(&ops[0], JMOD_OP_FREE, 0, 0, 0);
	RUN_BATCH_OK(ops, 1, variant->backend);
}

TEST_F(jmod, batch_errors)
{
	struct jmod_op ops[2];
	struct jmod_batch b;

	if (self->fd < 0)
		return;
	jm_op(&ops[0], JMOD_OP_ALLOC, 0, 64, 0);
	jm_op(&ops[1], JMOD_OP_FREE, 0, 0, 0);

	EXPECT_EQ(-EINVAL, jm_batch(self->fd, ops, 0, JMOD_BACKEND_JMOD, &b));
	EXPECT_EQ(-E2BIG, jm_batch(self->fd, ops, JMOD_BATCH_MAX + 1,
				   JMOD_BACKEND_JMOD, &b));
	EXPECT_EQ(-E2BIG, jm_batch(self->fd, ops, ~0U,
				   JMOD_BACKEND_JMOD, &b));
	EXPECT_EQ(-EINVAL, jm_batch(self->fd, ops, 2, JMOD_BACKEND_NR, &b));
	EXPECT_EQ(-EINVAL, jm_batch(self->fd, ops, 2, ~0U, &b));

	EXPECT_EQ(-EFAULT, jm_batch(self->fd, NULL, 2, JMOD_BACKEND_JMOD,
				    &b));
	EXPECT_EQ(-EFAULT, jm_batch(self->fd, jm_unmapped(), 2,
				    JMOD_BACKEND_JMOD, &b));
	memset(&b, 0, sizeof(b));
	b.ops = 0xffffffff81000000ULL;	/* a kernel address */
	b.count = 1;
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_BATCH, &b));
	b.ops = ~0ULL - 7;
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_BATCH, &b));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_BATCH, NULL));

	memset(&b, 0, sizeof(b));
	b.ops = (__u64)(uintptr_t)ops;
	b.count = 2;
	b.__pad = 1;
	EXPECT_EQ(-EINVAL, jm_ioctl(self->fd, JMOD_IOC_BATCH, &b));

	/* After all that the fd batches fine */
	EXPECT_EQ(0, jm_batch(self->fd, ops, 2, JMOD_BACKEND_JMOD, &b));
	EXPECT_EQ(2U, b.done);
}

TEST_F(jmod, slots)
{
	/* The object quota caps the default table too */
	const __u64 def = jm_min(JMOD_SLOTS_DEFAULT, self->v.quota_objects);
	struct jmod_op ops[2];

	if (self->fd < 0)
		return;
	/* A fresh fd gets JMOD_SLOTS_DEFAULT slots on its first BATCH */
	jm_op(&ops[0], JMOD_OP_ALLOC, def - 1, 32, 0);
	jm_op(&ops[1], JMOD_OP_FREE, def - 1, 0, 0);
	RUN_BATCH_OK(ops, 2, JMOD_BACKEND_JMOD);
	jm_op(&ops[0], JMOD_OP_ALLOC, def, 32, 0);
	RUN_BATCH_FAIL(ops, 1, JMOD_BACKEND_JMOD, 0, -ERANGE);

	/* Set a size */
	ASSERT_EQ(0, jm_slots(self->fd, 16));
	jm_op(&ops[0], JMOD_OP_ALLOC, 15, 100, 0);
	jm_op(&ops[1], JMOD_OP_ALLOC, 16, 100, 0);
	RUN_BATCH_FAIL(ops, 2, JMOD_BACKEND_JMOD, 1, -ERANGE);

	/* Resizing frees every live slot (slot 15 is live now) */
	ASSERT_EQ(0, jm_slots(self->fd, 32));
	jm_op(&ops[0], JMOD_OP_FREE, 15, 0, 0);
	RUN_BATCH_FAIL(ops, 1, JMOD_BACKEND_JMOD, 0, -ENOENT);
	jm_op(&ops[0], JMOD_OP_ALLOC, 31, 100, JMOD_ALLOC_ZERO);
	jm_op(&ops[1], JMOD_OP_ALLOC, 30, 100, 0);
	RUN_BATCH_OK(ops, 2, JMOD_BACKEND_KMALLOC);

	/* 0 frees everything and the table */
	ASSERT_EQ(0, jm_slots(self->fd, 0));
	ASSERT_EQ(0, jm_slots(self->fd, 0));
	ASSERT_EQ(0, jm_slots(self->fd, 1));
	jm_op(&ops[0], JMOD_OP_FREE, 0, 0, 0);
	RUN_BATCH_FAIL(ops, 1, JMOD_BACKEND_JMOD, 0, -ENOENT);

	/* Above the object quota */
	if (self->v.quota_objects < ~0ULL) {
		EXPECT_EQ(-EDQUOT, jm_slots(self->fd,
					    self->v.quota_objects + 1));
	}
	EXPECT_EQ(-EDQUOT, jm_slots(self->fd, ~0ULL));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_SLOTS, NULL));
}

/* Size of the objects the quota tests fill the byte quota with */
static __u64 quota_object_size(const struct jmod_version *v)
{
	return jm_min(16 * MiB, v->max_alloc);
}

/* More quota-sized allocations than this: too slow to exhaust */
#define QUOTA_MAX_OBJECTS	4096

/*
 * Allocates @size objects until the byte quota says no.  Returns the
 * number allocated, or -1 (after a SKIP) when the guest cannot hold them.
 */
static long fill_byte_quota(struct __test_metadata *_metadata, int fd,
			    const struct jmod_version *v, __u64 size,
			    __u64 *usable)
{
	long n;
	int ret;

	for (n = 0; n <= QUOTA_MAX_OBJECTS; n++) {
		ret = jm_alloc(fd, size, 0, 0, NULL, usable);
		if (ret)
			break;
	}
	if (ret == -ENOMEM) {
		SKIP(return -1,
		     "ENOMEM after %ld x %llu bytes, before the %llu byte quota (guest too small?)",
		     n, (unsigned long long)size,
		     (unsigned long long)v->quota_bytes);
	}
	EXPECT_EQ(-EDQUOT, ret)
		TH_LOG("after %ld allocations of %llu", n,
		       (unsigned long long)size);
	return n;
}

TEST_F_TIMEOUT(jmod, quota_bytes, 300)
{
	__u64 size = quota_object_size(&self->v), usable = 0, h = 0;
	long n, i, expect;
	int fd;

	if (self->fd < 0)
		return;
	if (self->v.quota_bytes / size > QUOTA_MAX_OBJECTS)
		SKIP(return, "quota of %llu bytes too large to exhaust",
		     (unsigned long long)self->v.quota_bytes);

	n = fill_byte_quota(_metadata, self->fd, &self->v, size, &usable);
	if (n < 0)
		return;
	ASSERT_LE(size, usable);
	expect = self->v.quota_bytes / usable;
	ASSERT_EQ(expect, n)
		TH_LOG("%ld objects of %llu usable bytes in a %llu quota",
		       n, (unsigned long long)usable,
		       (unsigned long long)self->v.quota_bytes);

	/* Smaller objects are refused too once the quota is nearly full */
	if (self->v.quota_bytes - n * usable < 64)
		EXPECT_EQ(-EDQUOT, jm_alloc(self->fd, 64, 0, 0, NULL, NULL));

	/* Closing frees everything: a new fd gets the whole quota again */
	close(self->fd);
	self->fd = jm_open();
	ASSERT_LE(0, self->fd);
	for (i = 0; i < n; i++)
		if (jm_alloc(self->fd, size, 0, 0, &h, NULL))
			break;
	ASSERT_EQ(n, i)
		TH_LOG("only %ld of %ld objects after reopening", i, n);
	ASSERT_EQ(-EDQUOT, jm_alloc(self->fd, size, 0, 0, NULL, NULL));
	/* Freeing one makes room for one */
	ASSERT_EQ(0, jm_free(self->fd, h));
	ASSERT_EQ(0, jm_alloc(self->fd, size, 0, 0, &h, NULL));

	/* Quota is per fd */
	fd = jm_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, jm_alloc(fd, size, 0, 0, NULL, NULL));
	close(fd);
}

/* Slots count against the byte quota, and SLOTS 0 gives it back */
TEST_F_TIMEOUT(jmod, quota_slots_freed, 300)
{
	__u64 size = quota_object_size(&self->v), usable;
	struct jmod_op op;
	long n = 0;

	if (self->fd < 0)
		return;
	if (self->v.quota_bytes / size > QUOTA_MAX_OBJECTS)
		SKIP(return, "quota of %llu bytes too large to exhaust",
		     (unsigned long long)self->v.quota_bytes);

	ASSERT_EQ(0, jm_slots(self->fd, QUOTA_MAX_OBJECTS + 1));
	for (;;) {
		struct jmod_batch b;

		jm_op(&op, JMOD_OP_ALLOC, n, size, 0);
		ASSERT_EQ(0, jm_batch(self->fd, &op, 1, JMOD_BACKEND_JMOD,
				      &b));
		if (b.done != 1)
			break;
		ASSERT_GT(QUOTA_MAX_OBJECTS, n);
		n++;
	}
	if (op.result == -ENOMEM)
		SKIP(return, "ENOMEM after %ld objects (guest too small?)", n);
	ASSERT_EQ(-EDQUOT, op.result);
	ASSERT_EQ(-EDQUOT, jm_alloc(self->fd, size, 0, 0, NULL, &usable));

	ASSERT_EQ(0, jm_slots(self->fd, 0));
	ASSERT_EQ(0, jm_alloc(self->fd, size, 0, 0, NULL, &usable));
}

/* Handles plus live slots count against the object quota */
TEST_F_TIMEOUT(jmod, quota_objects, 300)
{
	const __u64 nobj = self->v.quota_objects;
	const size_t chunk = 65536;
	struct jmod_op *ops;
	size_t failed = 0;
	__u64 i, h;
	int ret;

	if (self->fd < 0)
		return;
	if (nobj > JMOD_BATCH_MAX)
		SKIP(return, "object quota %llu too large to exhaust",
		     (unsigned long long)nobj);
	if (nobj * 16 > self->v.quota_bytes)
		SKIP(return, "byte quota below the object quota");

	ops = calloc(chunk, sizeof(*ops));
	ASSERT_NE(NULL, ops);
	ASSERT_EQ(0, jm_slots(self->fd, nobj));
	for (i = 0; i < nobj; i += chunk) {
		size_t k, n = jm_min(chunk, nobj - i);

		for (k = 0; k < n; k++)
			jm_op(&ops[k], JMOD_OP_ALLOC, i + k, 8, 0);
		ret = jm_run_ops(self->fd, ops, n, n, JMOD_BACKEND_JMOD,
				 &failed, NULL);
		ASSERT_EQ(0, ret)
			TH_LOG("slot %llu: %lld",
			       (unsigned long long)(i + failed),
			       (long long)ops[failed].result);
	}
	ASSERT_EQ(-EDQUOT, jm_alloc(self->fd, 8, 0, 0, NULL, NULL));

	/* Free one slot: one handle fits, then the slot no longer does */
	jm_op(&ops[0], JMOD_OP_FREE, 0, 0, 0);
	RUN_BATCH_OK(ops, 1, JMOD_BACKEND_JMOD);
	ASSERT_EQ(0, jm_alloc(self->fd, 8, 0, 0, &h, NULL));
	jm_op(&ops[0], JMOD_OP_ALLOC, 0, 8, 0);
	RUN_BATCH_FAIL(ops, 1, JMOD_BACKEND_JMOD, 0, -EDQUOT);
	ASSERT_EQ(0, jm_free(self->fd, h));
	RUN_BATCH_OK(ops, 1, JMOD_BACKEND_JMOD);

	free(ops);
}

/*
 * Closing an fd frees its handles and slots: after a close, the module's
 * own leak check (the in-kernel case "quiesce") passes.  The check runs
 * through a fresh fd that holds nothing.
 */
TEST_F_TIMEOUT(jmod, close_frees_all, 120)
{
	static const __u64 sizes[] = { 8, 200, 3000, 40000, 300000, 3 * MiB };
	struct jmod_op ops[ARRAY_SIZE(sizes)];
	char msg[JMOD_SELFTEST_MSG_LEN];
	struct jmod_batch b;
	unsigned int i;
	__u32 id;
	int ret;

	if (self->fd < 0)
		return;
	ret = jmod_selftest_find(self->fd, JMOD_SELFTEST_QUIESCE, &id);
	if (ret == -ENOENT)
		SKIP(return, "no in-kernel case named quiesce");
	ASSERT_EQ(0, ret) TH_LOG("find quiesce: %s", strerror(-ret));

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		__u64 size = jm_min(sizes[i], self->v.max_alloc);

		ASSERT_EQ(0, jm_alloc(self->fd, size, 0, i & 1 ?
				      JMOD_ALLOC_NOCACHE : 0, NULL, NULL));
		jm_op(&ops[i], JMOD_OP_ALLOC, i, size, 0);
	}
	ASSERT_EQ(0, jm_batch(self->fd, ops, ARRAY_SIZE(ops),
			      JMOD_BACKEND_JMOD, &b));
	ASSERT_EQ(ARRAY_SIZE(ops), b.done);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		jm_op(&ops[i], JMOD_OP_ALLOC, 100 + i, jm_min(sizes[i], MiB),
		      0);
	ASSERT_EQ(0, jm_batch(self->fd, ops, ARRAY_SIZE(ops),
			      JMOD_BACKEND_KMALLOC, &b));
	ASSERT_EQ(ARRAY_SIZE(ops), b.done);

	close(self->fd);
	self->fd = jm_open();
	ASSERT_LE(0, self->fd);

	ret = jmod_selftest_run(self->fd, id, 0, msg, sizeof(msg));
	ASSERT_EQ(0, ret) TH_LOG("quiesce after close: %s", msg);
}

/*
 * Read the free page level once it holds still: two readings 200 ms
 * apart within 1 MiB of each other, for up to 10 s.  After tests that
 * freed a lot, a debug kernel gives memory back for seconds (KASAN's
 * quarantine, kmemleak), which would hide a drop being measured.
 */
static void settle(struct __test_metadata *_metadata, int fd,
		   struct jmod_pages *a)
{
	struct jmod_pages b;
	unsigned int i;

	ASSERT_EQ(0, jm_ioctl(fd, JMOD_IOC_PAGES, a));
	for (i = 0; i < 50; i++) {
		usleep(200 * 1000);
		ASSERT_EQ(0, jm_ioctl(fd, JMOD_IOC_PAGES, &b));
		if (b.free_pages <= a->free_pages + 256 &&
		    a->free_pages <= b.free_pages + 256)
			break;
		*a = b;
	}
	*a = b;
}

/*
 * JMOD_IOC_PAGES reads the page allocator's level and changes nothing;
 * BATCH with JMOD_BATCH_PAGES sees the pages its allocations take; bad
 * flags of BATCH and BENCH are refused.
 */
TEST_F_TIMEOUT(jmod, pages, 120)
{
	struct jmod_pages a, b;
	struct jmod_op ops[64];
	struct jmod_batch bt;
	struct jmod_bench bn;
	unsigned int i, try;
	bool dropped = false;

	if (self->fd < 0)
		return;
	memset(&a, 0xff, sizeof(a));
	ASSERT_EQ(0, jm_ioctl(self->fd, JMOD_IOC_PAGES, &a));
	ASSERT_LT(0ULL, a.free_pages);
	ASSERT_LT(0ULL, a.slab_pages);
	ASSERT_EQ(0U, a.__pad);
	ASSERT_EQ(0U, a.policy & ~(JMOD_POLICY_INIT_ON_ALLOC |
				   JMOD_POLICY_INIT_ON_FREE));
	/* the write direction is not this command's */
	ASSERT_EQ(-ENOTTY, jm_ioctl(self->fd, _IOW(JMOD_IOC_MAGIC, 0x0a,
						   struct jmod_pages), &b));

	/*
	 * 64 MiB live in one batch: the free pages drop by at least that.
	 * Each try starts purged (chunks an earlier test left for decay
	 * would serve the batch without a page taken); frees elsewhere in
	 * the guest (on the debug kernel KASAN's quarantine and kmemleak
	 * draining what earlier tests freed) can still hide part of the
	 * drop: up to three tries, each from a fresh level.
	 */
	ASSERT_EQ(0, jm_slots(self->fd, ARRAY_SIZE(ops)));
	for (try = 0; try < 3; try++) {
		/* no debugfs: nothing to purge with, one try must do */
		if (jm_purge() && try)
			break;
		settle(_metadata, self->fd, &a);
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			jm_op(&ops[i], JMOD_OP_ALLOC, i, MiB, 0);
		memset(&bt, 0, sizeof(bt));
		bt.ops = (uintptr_t)ops;
		bt.count = ARRAY_SIZE(ops);
		bt.backend = JMOD_BACKEND_JMOD;
		bt.flags = JMOD_BATCH_PAGES;
		ASSERT_EQ(0, jm_ioctl(self->fd, JMOD_IOC_BATCH, &bt));
		ASSERT_EQ(ARRAY_SIZE(ops), bt.done);
		ASSERT_EQ(a.policy, bt.policy);
		ASSERT_LE(bt.min_free_pages, bt.end_free_pages);
		/* jmod's own count is exact: no retry for it */
		EXPECT_LE(a.jmod_pages + ARRAY_SIZE(ops) * MiB / self->v.page_size,
			  bt.max_slab_pages);
		ASSERT_EQ(0, jm_ioctl(self->fd, JMOD_IOC_PAGES, &b));
		EXPECT_LE(a.jmod_pages + ARRAY_SIZE(ops) * MiB / self->v.page_size,
			  b.jmod_pages);
		dropped = bt.min_free_pages +
			  ARRAY_SIZE(ops) * MiB / self->v.page_size <=
			  a.free_pages;
		TH_LOG("try %u: free pages %llu before, %llu with 64 MiB live",
		       try, (unsigned long long)a.free_pages,
		       (unsigned long long)bt.min_free_pages);
		/* slots 0: frees them all, then room for the next try */
		ASSERT_EQ(0, jm_slots(self->fd, 0));
		if (dropped)
			break;
		ASSERT_EQ(0, jm_slots(self->fd, ARRAY_SIZE(ops)));
	}
	EXPECT_TRUE(dropped);

	/* unknown flags: refused, nothing run */
	bt.flags = 1U << 7;
	bt.count = 1;
	ASSERT_EQ(-EINVAL, jm_ioctl(self->fd, JMOD_IOC_BATCH, &bt));
	memset(&bn, 0, sizeof(bn));
	bn.workload = JMOD_BENCH_PAIR;
	bn.backend = JMOD_BACKEND_JMOD;
	bn.nr_threads = 1;
	bn.min_size = bn.max_size = 64;
	bn.ops = 10;
	bn.flags = 1U << 5;
	ASSERT_EQ(-EINVAL, jm_ioctl(self->fd, JMOD_IOC_BENCH, &bn));
	ASSERT_EQ(0ULL, bn.total_ops);
}

TEST_F(jmod, unknown_cmd)
{
	unsigned char buf[256] = { 0 };

	if (self->fd < 0)
		return;
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, _IO(JMOD_IOC_MAGIC, 0xfe),
				    buf));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd,
				    _IOWR(JMOD_IOC_MAGIC, 0xff,
					  struct jmod_alloc), buf));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd,
				    _IOR('X', 0, struct jmod_version), buf));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd,
				    _IOWR(JMOD_IOC_MAGIC + 1, 0x01,
					  struct jmod_alloc), buf));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, 0, buf));
}

/* Extensible structures: larger with zero tail, larger with junk, smaller */
TEST_F(jmod, struct_size)
{
	unsigned char buf[sizeof(struct jmod_alloc) + 16];
	struct jmod_selftest st[2];
	struct jmod_alloc *a = (void *)buf;
	struct jmod_handle hbuf[2];
	__u64 h;

	if (self->fd < 0)
		return;
	/* ALLOC, 16 bytes longer, zero tail: works */
	memset(buf, 0, sizeof(buf));
	a->size = 200;
	ASSERT_EQ(0, jm_ioctl(self->fd,
			      JM_CMD_SIZED(JMOD_IOC_ALLOC, sizeof(buf)), buf));
	ASSERT_LE(200ULL, a->usable_size);
	h = a->handle;
	ASSERT_EQ(0, jm_free(self->fd, h));

	/* Non-zero tail: E2BIG, wherever the junk is */
	memset(buf, 0, sizeof(buf));
	a->size = 200;
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(-E2BIG, jm_ioctl(self->fd,
				   JM_CMD_SIZED(JMOD_IOC_ALLOC, sizeof(buf)),
				   buf));
	buf[sizeof(buf) - 1] = 0;
	buf[sizeof(struct jmod_alloc)] = 0x80;
	EXPECT_EQ(-E2BIG, jm_ioctl(self->fd,
				   JM_CMD_SIZED(JMOD_IOC_ALLOC, sizeof(buf)),
				   buf));

	memset(buf, 0, sizeof(buf));
	a->size = 200;
	expect_short_size(_metadata, self->fd, JMOD_IOC_ALLOC,
			  JMOD_ALLOC_SIZE_VER0, 8, buf);

	/* The largest size a command can carry, zero tail */
	{
		size_t big = JM_IOC_SIZE_MAX;
		unsigned char *p = calloc(1, big);

		ASSERT_NE(NULL, p);
		((struct jmod_alloc *)p)->size = 64;
		EXPECT_EQ(0, jm_ioctl(self->fd,
				      JM_CMD_SIZED(JMOD_IOC_ALLOC, big), p));
		EXPECT_EQ(0, jm_free(self->fd,
				     ((struct jmod_alloc *)p)->handle));
		free(p);
	}

	/* FREE is extensible too */
	ASSERT_EQ(0, jm_alloc(self->fd, 64, 0, 0, &h, NULL));
	hbuf[0].handle = h;
	hbuf[1].handle = 1;
	EXPECT_EQ(-E2BIG, jm_ioctl(self->fd,
				   JM_CMD_SIZED(JMOD_IOC_FREE, sizeof(hbuf)),
				   hbuf));
	EXPECT_EQ(-EINVAL, jm_ioctl(self->fd,
				    JM_CMD_SIZED(JMOD_IOC_FREE, 4), hbuf));
	hbuf[1].handle = 0;
	EXPECT_EQ(0, jm_ioctl(self->fd,
			      JM_CMD_SIZED(JMOD_IOC_FREE, sizeof(hbuf)),
			      hbuf));
	EXPECT_EQ(-ENOENT, jm_free(self->fd, h));

	/* SELFTEST at VER0 size (no flags): past the last case is ENOENT */
	memset(st, 0, sizeof(st));
	st[0].id = self->v.nr_selftests;
	EXPECT_EQ(-ENOENT, jm_ioctl(self->fd,
				    JM_CMD_SIZED(JMOD_IOC_SELFTEST,
						 JMOD_SELFTEST_SIZE_VER0),
				    st));
	expect_short_size(_metadata, self->fd, JMOD_IOC_SELFTEST,
			  JMOD_SELFTEST_SIZE_VER0, 4, st);
	if (self->v.nr_selftests) {
		/* Larger, junk past the known struct */
		memset(st, 0, sizeof(st));
		st[0].flags = JMOD_SELFTEST_QUERY;
		((unsigned char *)&st[1])[3] = 1;
		EXPECT_EQ(-E2BIG, jm_ioctl(self->fd,
					   JM_CMD_SIZED(JMOD_IOC_SELFTEST,
							sizeof(st)), st));
		((unsigned char *)&st[1])[3] = 0;
		EXPECT_EQ(0, jm_ioctl(self->fd,
				      JM_CMD_SIZED(JMOD_IOC_SELFTEST,
						   sizeof(st)), st));
		EXPECT_NE(0, st[0].name[0]);
	}
}

TEST_F(jmod, selftest_query)
{
	struct jmod_selftest st;
	__u32 id;

	if (self->fd < 0)
		return;
	for (id = 0; id < self->v.nr_selftests; id++) {
		memset(&st, 0, sizeof(st));
		st.id = id;
		st.flags = JMOD_SELFTEST_QUERY;
		ASSERT_EQ(0, jm_ioctl(self->fd, JMOD_IOC_SELFTEST, &st));
		ASSERT_NE(0, st.name[0]);
		ASSERT_NE(NULL, memchr(st.name, 0, sizeof(st.name)));
	}
	memset(&st, 0, sizeof(st));
	st.id = self->v.nr_selftests;
	st.flags = JMOD_SELFTEST_QUERY;
	EXPECT_EQ(-ENOENT, jm_ioctl(self->fd, JMOD_IOC_SELFTEST, &st));
	st.id = ~0U;
	EXPECT_EQ(-ENOENT, jm_ioctl(self->fd, JMOD_IOC_SELFTEST, &st));

	memset(&st, 0, sizeof(st));
	st.flags = JMOD_SELFTEST_QUERY | (1U << 7);
	EXPECT_EQ(-EINVAL, jm_ioctl(self->fd, JMOD_IOC_SELFTEST, &st));
	memset(&st, 0, sizeof(st));
	st.flags = JMOD_SELFTEST_QUERY;
	st.__pad = 1;
	EXPECT_EQ(-EINVAL, jm_ioctl(self->fd, JMOD_IOC_SELFTEST, &st));
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JMOD_IOC_SELFTEST, NULL));
}

TEST_F(jmod, unprivileged_open)
{
	if (self->fd < 0)
		return;
	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, jm_run_as_nobody(JMOD_DEVICE));
}

/*
 * The module itself refuses non-root openers, not just the 0600 mode of
 * /dev/jmod: open a world-accessible copy of the node as nobody.
 */
TEST_F(jmod, unprivileged_open_0666_node)
{
	static const char *const dirs[] = { "/tmp", "/dev", "/run", "/" };
	char path[64];
	struct stat st;
	unsigned int i;
	int ret = -1;

	if (self->fd < 0)
		return;
	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, stat(JMOD_DEVICE, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/.jmod-test-%d",
			 strcmp(dirs[i], "/") ? dirs[i] : "", getpid());
		unlink(path);
		if (!mknod(path, S_IFCHR | 0666, st.st_rdev) &&
		    !chmod(path, 0666)) {
			ret = 0;
			break;
		}
	}
	if (ret)
		SKIP(return, "cannot create a device node: %s",
		     strerror(errno));
	ret = jm_run_as_nobody(path);
	unlink(path);
	ASSERT_EQ(0, ret);
}

/* Two threads free the same handle: exactly one wins */
#define RACE_ROUNDS	2000

struct race_ctx {
	int fd;
	pthread_barrier_t start, end;
	__u64 handle;		/* written before, read after a barrier */
	bool stop;
	int res[2][RACE_ROUNDS];
};

struct race_arg {
	struct race_ctx *ctx;
	int idx;
};

static void *race_free_thread(void *p)
{
	struct race_arg *arg = p;
	struct race_ctx *ctx = arg->ctx;
	int round;

	for (round = 0; round < RACE_ROUNDS; round++) {
		pthread_barrier_wait(&ctx->start);
		if (ctx->stop)
			break;
		ctx->res[arg->idx][round] = jm_free(ctx->fd, ctx->handle);
		pthread_barrier_wait(&ctx->end);
	}
	return NULL;
}

TEST_F_TIMEOUT(jmod, race_double_free, 300)
{
	struct race_arg args[2];
	struct race_ctx *ctx;
	pthread_t th[2];
	int round, i, bad = 0;

	if (self->fd < 0)
		return;
	ctx = calloc(1, sizeof(*ctx));
	ASSERT_NE(NULL, ctx);
	ctx->fd = self->fd;
	ASSERT_EQ(0, pthread_barrier_init(&ctx->start, NULL, 3));
	ASSERT_EQ(0, pthread_barrier_init(&ctx->end, NULL, 3));
	for (i = 0; i < 2; i++) {
		args[i].ctx = ctx;
		args[i].idx = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, race_free_thread,
					    &args[i]));
	}

	for (round = 0; round < RACE_ROUNDS; round++) {
		__u64 h;
		int ret = jm_alloc(self->fd, 8 + (round % 64) * 8, 0, 0,
				   &h, NULL);

		if (ret) {
			TH_LOG("round %d: alloc %d", round, ret);
			ctx->stop = true;
			pthread_barrier_wait(&ctx->start);
			bad++;
			break;
		}
		ctx->handle = h;
		pthread_barrier_wait(&ctx->start);
		pthread_barrier_wait(&ctx->end);

		if (!((ctx->res[0][round] == 0 &&
		       ctx->res[1][round] == -ENOENT) ||
		      (ctx->res[0][round] == -ENOENT &&
		       ctx->res[1][round] == 0))) {
			if (bad++ < 10)
				TH_LOG("round %d: results %d and %d", round,
				       ctx->res[0][round], ctx->res[1][round]);
		}
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ(0, bad);
	/* Nothing left behind: the handle is gone */
	EXPECT_EQ(-ENOENT, jm_free(self->fd, ctx->handle));
	pthread_barrier_destroy(&ctx->start);
	pthread_barrier_destroy(&ctx->end);
	free(ctx);
}

/* Four threads allocate, fill, check and free on one fd */
#define CONC_THREADS	4
#define CONC_ROUNDS	3000
#define CONC_LIVE	64

struct conc_arg {
	int fd;
	int idx;
	int errors;
	char why[160];
};

static void conc_error(struct conc_arg *arg, const char *what, int round,
		       int ret)
{
	if (!arg->errors++)
		snprintf(arg->why, sizeof(arg->why),
			 "thread %d round %d: %s: %s", arg->idx, round, what,
			 strerror(-ret));
}

/*
 * Checks the pattern of the object @h (@len bytes from @seed) and frees
 * it; a failure is the thread's error at @round ("final ..." after the
 * last round)
 */
static void conc_retire(struct conc_arg *arg, __u64 h, __u64 len, __u64 seed,
			int round)
{
	bool final = round == CONC_ROUNDS;
	int ret;

	ret = jm_check(arg->fd, h, 0, len, seed, NULL);
	if (ret)
		conc_error(arg, final ? "final check" : "check", round, ret);
	ret = jm_free(arg->fd, h);
	if (ret)
		conc_error(arg, final ? "final free" : "free", round, ret);
}

static void *conc_thread(void *p)
{
	struct conc_arg *arg = p;
	struct jm_rng rng = { .s = 0xc0ffee + arg->idx };
	__u64 h[CONC_LIVE] = { 0 }, len[CONC_LIVE], seed[CONC_LIVE];
	bool live[CONC_LIVE] = { false };
	int round, ret, k;

	for (round = 0; round < CONC_ROUNDS; round++) {
		k = jm_rand(&rng) % CONC_LIVE;
		if (live[k]) {
			conc_retire(arg, h[k], len[k], seed[k], round);
			live[k] = false;
			continue;
		}
		len[k] = jm_one_in(&rng, 8) ? jm_rand_range(&rng, 1, 16384) :
					      jm_rand_range(&rng, 1, 512);
		ret = jm_alloc(arg->fd, len[k], 0,
			       jm_one_in(&rng, 4) ? JMOD_ALLOC_NOCACHE : 0,
			       &h[k], NULL);
		if (ret) {
			conc_error(arg, "alloc", round, ret);
			continue;
		}
		seed[k] = (__u64)arg->idx << 32 | (round + 1);
		ret = jm_fill(arg->fd, h[k], 0, len[k], seed[k]);
		if (ret)
			conc_error(arg, "fill", round, ret);
		live[k] = true;
	}
	for (k = 0; k < CONC_LIVE; k++)
		if (live[k])
			conc_retire(arg, h[k], len[k], seed[k], CONC_ROUNDS);
	return NULL;
}

TEST_F_TIMEOUT(jmod, concurrent_alloc_free, 300)
{
	struct conc_arg args[CONC_THREADS];
	pthread_t th[CONC_THREADS];
	int i;

	if (self->fd < 0)
		return;
	memset(args, 0, sizeof(args));
	for (i = 0; i < CONC_THREADS; i++) {
		args[i].fd = self->fd;
		args[i].idx = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, conc_thread,
					    &args[i]));
	}
	for (i = 0; i < CONC_THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < CONC_THREADS; i++) {
		EXPECT_EQ(0, args[i].errors)
			TH_LOG("%s (%d errors)", args[i].why, args[i].errors);
	}
}

/*
 * Bounded fuzzing: random commands inside and outside the magic, random
 * sizes and struct bytes, occasionally bad pointers.  Nothing may crash
 * and the fd must still work afterwards.
 */
#define FUZZ_ITERS	20000
#define FUZZ_SEED	0x6a6d6f64ULL	/* "jmod" */

static const unsigned long fuzz_cmds[] = {
	JMOD_IOC_VERSION, JMOD_IOC_ALLOC, JMOD_IOC_FREE, JMOD_IOC_REALLOC,
	JMOD_IOC_FILL, JMOD_IOC_CHECK, JMOD_IOC_BATCH, JMOD_IOC_SELFTEST,
	JMOD_IOC_SLOTS,
};

/* A plausible size: mostly small, sometimes large, rarely anything */
static __u64 fuzz_size(struct jm_rng *r)
{
	switch (jm_rand(r) % 8) {
	case 0:
		return jm_rand(r);
	case 1:
		return jm_rand_range(r, 0, 256 * KiB);
	case 2:
		return 0;
	default:
		return jm_rand_range(r, 1, 4096);
	}
}

static __u64 fuzz_handle(struct jm_rng *r, const __u64 *known,
			 unsigned int nknown)
{
	if (nknown && !jm_one_in(r, 4))
		return known[jm_rand(r) % nknown];
	return jm_one_in(r, 2) ? jm_rand_range(r, 0, 64) : jm_rand(r);
}

static __u32 fuzz_flags(struct jm_rng *r)
{
	return jm_one_in(r, 8) ? (__u32)jm_rand(r) :
				 (__u32)(jm_rand(r) & JMOD_ALLOC_FLAGS);
}

/* Fills @buf with a plausible (often valid) payload for @nr */
static void fuzz_payload(struct jm_rng *r, unsigned int nr, void *buf,
			 struct jmod_op *ops, unsigned int nops,
			 const __u64 *known, unsigned int nknown)
{
	struct jmod_alloc *a = buf;
	struct jmod_handle *h = buf;
	struct jmod_realloc *re = buf;
	struct jmod_pattern *p = buf;
	struct jmod_batch *b = buf;
	struct jmod_slots *s = buf;
	unsigned int i, n;

	switch (nr) {
	case 1:
		a->size = fuzz_size(r);
		a->align = jm_one_in(r, 2) ? 0 : 1ULL << (jm_rand(r) % 22);
		if (jm_one_in(r, 16))
			a->align = jm_rand(r);
		a->flags = fuzz_flags(r);
		a->__pad = jm_one_in(r, 16);
		break;
	case 2:
		h->handle = fuzz_handle(r, known, nknown);
		break;
	case 3:
		re->handle = fuzz_handle(r, known, nknown);
		re->new_size = fuzz_size(r);
		break;
	case 4:
	case 5:
		p->handle = fuzz_handle(r, known, nknown);
		p->offset = jm_one_in(r, 2) ? 0 : fuzz_size(r);
		p->len = fuzz_size(r);
		p->seed = jm_rand(r);
		break;
	case 6:
		n = jm_rand_range(r, 1, nops);
		for (i = 0; i < n; i++) {
			ops[i].op = jm_rand_range(r, 0, 5);
			ops[i].flags = jm_one_in(r, 4) ? fuzz_flags(r) : 0;
			ops[i].slot = jm_one_in(r, 16) ? jm_rand(r) :
					jm_rand_range(r, 0, 40);
			ops[i].size = jm_one_in(r, 4) ? 0 :
				      jm_rand_range(r, 1, 64 * KiB);
			ops[i].result = jm_rand(r);
		}
		b->ops = (__u64)(uintptr_t)ops;
		if (jm_one_in(r, 16))
			b->ops = jm_rand(r);
		/* Never more ops than the array holds, except absurd counts */
		b->count = n;
		if (jm_one_in(r, 16))
			b->count = jm_one_in(r, 2) ? 0 : JMOD_BATCH_MAX + 1 +
					(__u32)jm_rand_range(r, 0, 1000);
		b->backend = jm_one_in(r, 16) ? (__u32)jm_rand(r) :
				(__u32)(jm_rand(r) % JMOD_BACKEND_NR);
		b->__pad = jm_one_in(r, 16);
		break;
	case 8:
		s->nr_slots = jm_one_in(r, 4) ? jm_rand(r) :
			      jm_rand_range(r, 0, 1024);
		break;
	}
}

TEST_F_TIMEOUT(jmod, fuzz, 300)
{
	static const unsigned char dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	struct jm_rng rng = { .s = FUZZ_SEED };
	unsigned int ok = 0, nknown = 0, iter, i;
	unsigned int errs[256] = { 0 };
	const size_t bufsz = JM_IOC_SIZE_MAX + 1;
	struct jmod_op ops[64];
	unsigned char *buf;
	void *bogus[4];
	__u64 known[64], h;
	int ret;

	if (self->fd < 0)
		return;
	buf = calloc(1, bufsz);
	ASSERT_NE(NULL, buf);
	bogus[0] = NULL;
	bogus[1] = jm_unmapped();
	bogus[2] = (void *)0xffffffff81000000UL;	/* kernel text */
	bogus[3] = jm_before_guard(4);
	ASSERT_NE(NULL, bogus[3]);

	for (iter = 0; iter < FUZZ_ITERS; iter++) {
		unsigned long cmd;
		unsigned int nr, size, kind = jm_rand(&rng) % 20;
		void *arg = buf;

		memset(buf, 0, 512);
		if (kind < 12) {
			/* A real command with a plausible payload */
			nr = jm_rand(&rng) % ARRAY_SIZE(fuzz_cmds);
			cmd = fuzz_cmds[nr];
			fuzz_payload(&rng, nr, buf, ops, ARRAY_SIZE(ops),
				     known, nknown);
		} else if (kind < 15) {
			/* A real command number with random dir/size/bytes */
			nr = jm_rand(&rng) % ARRAY_SIZE(fuzz_cmds);
			size = jm_one_in(&rng, 8) ?
				jm_rand(&rng) % (JM_IOC_SIZE_MAX + 1) :
				jm_rand(&rng) % 256;
			cmd = _IOC(dirs[jm_rand(&rng) % 4], JMOD_IOC_MAGIC,
				   nr, size);
			for (i = 0; i < 512; i += 8) {
				__u64 x = jm_one_in(&rng, 2) ? 0 :
					  jm_rand(&rng);

				memcpy(buf + i, &x, 8);
			}
		} else if (kind < 17) {
			/* Our magic, numbers beyond the known commands */
			nr = jm_rand_range(&rng, ARRAY_SIZE(fuzz_cmds), 255);
			cmd = _IOC(dirs[jm_rand(&rng) % 4], JMOD_IOC_MAGIC,
				   nr, jm_rand(&rng) % 512);
		} else if (kind < 19) {
			/* Anything at all */
			cmd = (__u32)jm_rand(&rng);
			nr = 0xff;
			if (_IOC_TYPE(cmd) == JMOD_IOC_MAGIC)
				cmd ^= 1U << _IOC_TYPESHIFT;
		} else {
			/* A real command with a bad pointer */
			nr = jm_rand(&rng) % ARRAY_SIZE(fuzz_cmds);
			cmd = fuzz_cmds[nr];
			arg = bogus[jm_rand(&rng) % ARRAY_SIZE(bogus)];
		}

		/* Never run real in-kernel selftests from here: bad id */
		if (_IOC_TYPE(cmd) == JMOD_IOC_MAGIC &&
		    _IOC_NR(cmd) == _IOC_NR(JMOD_IOC_SELFTEST) && arg == buf) {
			struct jmod_selftest *st = (void *)buf;

			st->id = 0xffff0000U | (__u32)jm_rand(&rng);
		}

		ret = jm_ioctl(self->fd, cmd, arg);
		if (!ret) {
			ok++;
			if (cmd == JMOD_IOC_ALLOC && arg == buf) {
				struct jmod_alloc *a = (void *)buf;

				known[nknown < ARRAY_SIZE(known) ? nknown++ :
				      jm_rand(&rng) % ARRAY_SIZE(known)] =
					a->handle;
			}
		} else {
			errs[-ret & 0xff]++;
		}
	}

	TH_LOG("%u iterations: %u succeeded, %u ENOTTY, %u EINVAL, %u EFAULT, %u E2BIG, %u ENOENT, %u EFBIG, %u EDQUOT, %u ERANGE",
	       FUZZ_ITERS, ok, errs[ENOTTY], errs[EINVAL], errs[EFAULT],
	       errs[E2BIG], errs[ENOENT], errs[EFBIG], errs[EDQUOT],
	       errs[ERANGE]);

	/* The fd still works */
	{
		struct jmod_version v;

		ASSERT_EQ(0, jm_version(self->fd, &v));
		ASSERT_EQ(0, memcmp(&v, &self->v, sizeof(v)));
	}
	ASSERT_EQ(0, jm_slots(self->fd, 8));
	ASSERT_EQ(0, jm_alloc(self->fd, 333, 0, 0, &h, NULL));
	ASSERT_EQ(0, jm_fill(self->fd, h, 0, 333, 42));
	ASSERT_EQ(0, jm_check(self->fd, h, 0, 333, 42, NULL));
	ASSERT_EQ(0, jm_free(self->fd, h));
	jm_op(&ops[0], JMOD_OP_ALLOC, 1, 100, 0);
	jm_op(&ops[1], JMOD_OP_FILL, 1, 0, 0);
	jm_op(&ops[2], JMOD_OP_CHECK, 1, 100, 0);
	jm_op(&ops[3], JMOD_OP_FREE, 1, 0, 0);
	RUN_BATCH_OK(ops, 4, JMOD_BACKEND_JMOD);
	free(buf);
	/* the fixture teardown closes the fd with whatever fuzz left live */
}

JMOD_TEST_HARNESS_MAIN
