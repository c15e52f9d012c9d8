/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the jmod selftests: the device and its ioctls
 * (tools/lib/jmod_dev.c) and jemalloc's size classes
 * (tools/lib/jmod_classes.c) under the tests' jm_* names, the fixture
 * hooks for the device, a deterministic PRNG and a batch runner.
 */
#ifndef JMOD_UTIL_H
#define JMOD_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/jmod.h>

#include "jmod_classes.h"
#include "jmod_dev.h"
#include "jmod_fs.h"

#define KiB			(1ULL << 10)
#define MiB			(1ULL << 20)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define JM_MAX_CLASSES		JMOD_MAX_CLASSES

#define jm_open			jmod_dev_open
#define jm_dev_missing		jmod_dev_missing
#define jm_ioctl		jmod_dev_ioctl
#define jm_version		jmod_dev_version
#define jm_alloc		jmod_dev_alloc
#define jm_free			jmod_dev_free
#define jm_realloc		jmod_dev_realloc
#define jm_fill			jmod_dev_fill
#define jm_check		jmod_dev_check
#define jm_slots		jmod_dev_slots
#define jm_batch		jmod_dev_batch
#define jm_op			jmod_dev_op
#define jm_op_name		jmod_op_name
#define jm_size_classes		jmod_size_classes
#define jm_class_of		jmod_class_of
#define jm_is_class		jmod_is_class

/* Closes the device of a fixture, if its setup opened it */
static inline void jm_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

#ifdef __KSELFTEST_HARNESS_H
/*
 * For FIXTURE_SETUP: open the device into *@fd and read its version into
 * @v.  Returns false when it marked the test skipped (the module is not
 * loaded): the caller returns then.  A device that is there but does not
 * open, or does not answer VERSION, fails the test.
 */
static inline bool jm_setup_dev(struct __test_metadata *_metadata, int *fd,
				struct jmod_version *v)
{
	*fd = jm_open();
	if (*fd < 0) {
		if (jm_dev_missing(-*fd))
			SKIP(return false, "%s: %s (is " JMOD_MODULE_NAME ".ko loaded?)",
			     JMOD_DEVICE, strerror(-*fd));
		ASSERT_LE(0, *fd)
			TH_LOG("open %s: %s", JMOD_DEVICE, strerror(-*fd));
	}
	ASSERT_EQ(0, jm_version(*fd, v));
	return true;
}

#endif

/* splitmix64: tiny, deterministic, good enough for traces and fuzzing */
struct jm_rng {
	__u64 s;
};

static inline __u64 jm_rand(struct jm_rng *r)
{
	__u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (hi >= lo) */
static inline __u64 jm_rand_range(struct jm_rng *r, __u64 lo,
				     __u64 hi)
{
	if (hi <= lo)
		return lo;
	if (hi - lo == ~0ULL)
		return jm_rand(r);
	return lo + jm_rand(r) % (hi - lo + 1);
}

/* True with probability 1/n */
static inline bool jm_one_in(struct jm_rng *r, __u64 n)
{
	return jm_rand(r) % n == 0;
}

static inline bool jm_is_pow2(__u64 x)
{
	return x && !(x & (x - 1));
}

static inline __u64 jm_round_up(__u64 x, __u64 a)
{
	return (x + a - 1) / a * a;
}

static inline __u64 jm_min(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static inline __u64 jm_max(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

/*
 * Runs @count ops in batches of at most @chunk, stopping at the first
 * failed op.  Returns 0, a negative ioctl error (-EPROTO: done > count),
 * or 1 when an op failed; *@failed then indexes it in @ops.  *@ns accumulates elapsed_ns.
 */
static inline int jm_run_ops(int fd, struct jmod_op *ops, size_t count,
			     size_t chunk, __u32 backend, size_t *failed,
			     __u64 *ns)
{
	struct jmod_batch b;
	size_t pos = 0;
	int ret;

	while (pos < count) {
		size_t n = jm_min(chunk, count - pos);

		ret = jm_batch(fd, ops + pos, n, backend, &b);
		if (ret)
			return ret;
		if (ns)
			*ns += b.elapsed_ns;
		if (b.done > n)
			return -EPROTO;
		if (b.done != n) {
			*failed = pos + b.done;
			return 1;
		}
		pos += n;
	}
	return 0;
}

#ifdef TEST_HARNESS_MAIN
/*
 * main() of JMOD_TEST_HARNESS_MAIN: the whole binary is skipped, a
 * "1..0 # SKIP" plan and exit status 4 (KSFT_SKIP), when JMOD_DEVICE is
 * missing (jmod is not loaded); else the harness runs.
 */
static inline int jm_harness_main(int argc, char **argv)
{
	if (access(JMOD_DEVICE, F_OK)) {
		ksft_print_header();
		printf("1..0 # SKIP %s missing (jmod not loaded)\n", JMOD_DEVICE);
		return KSFT_SKIP;
	}
	return test_harness_run(argc, argv);
}

/*
 * The harness's TEST_HARNESS_MAIN (6.1) with jm_harness_main() as main():
 * the last line of a test that includes kselftest_harness.h before this
 * header.
 */
#define JMOD_TEST_HARNESS_MAIN \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	} \
	int main(int argc, char **argv) \
	{ \
		exit(jm_harness_main(argc, argv)); \
	}
#endif /* TEST_HARNESS_MAIN */

#endif /* JMOD_UTIL_H */
