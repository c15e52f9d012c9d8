/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the jmod selftests: thin ioctl wrappers that
 * return 0 or -errno, a deterministic PRNG and an independent computation
 * of jemalloc's size classes.
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

#define KiB			(1ULL << 10)
#define MiB			(1ULL << 20)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* Every class list we build fits comfortably; 4 classes per doubling */
#define JM_MAX_CLASSES		512U

/* Open the device; returns the fd or -errno */
static inline int jm_open(void)
{
	int fd = open(JMOD_DEVICE, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* errno values meaning "the module is not there", not "it is broken" */
static inline bool jm_dev_missing(int err)
{
	return err == ENOENT || err == ENXIO || err == ENODEV;
}

static inline int jm_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline int jm_version(int fd, struct jmod_version *v)
{
	memset(v, 0, sizeof(*v));
	return jm_ioctl(fd, JMOD_IOC_VERSION, v);
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
			SKIP(return false, "%s: %s (is jmalloc.ko loaded?)",
			     JMOD_DEVICE, strerror(-*fd));
		ASSERT_LE(0, *fd)
			TH_LOG("open %s: %s", JMOD_DEVICE, strerror(-*fd));
	}
	ASSERT_EQ(0, jm_version(*fd, v));
	return true;
}
#endif

static inline int jm_alloc(int fd, __u64 size, __u64 align, __u32 flags,
			   __u64 *handle, __u64 *usable)
{
	struct jmod_alloc a = {
		.size = size,
		.align = align,
		.flags = flags,
	};
	int ret = jm_ioctl(fd, JMOD_IOC_ALLOC, &a);

	if (!ret) {
		if (handle)
			*handle = a.handle;
		if (usable)
			*usable = a.usable_size;
	}
	return ret;
}

static inline int jm_free(int fd, __u64 handle)
{
	struct jmod_handle h = { .handle = handle };

	return jm_ioctl(fd, JMOD_IOC_FREE, &h);
}

static inline int jm_realloc(int fd, __u64 handle, __u64 new_size,
			     __u64 *usable)
{
	struct jmod_realloc r = {
		.handle = handle,
		.new_size = new_size,
	};
	int ret = jm_ioctl(fd, JMOD_IOC_REALLOC, &r);

	if (!ret && usable)
		*usable = r.usable_size;
	return ret;
}

static inline int jm_fill(int fd, __u64 handle, __u64 offset, __u64 len,
			  __u64 seed)
{
	struct jmod_pattern p = {
		.handle = handle,
		.offset = offset,
		.len = len,
		.seed = seed,
	};

	return jm_ioctl(fd, JMOD_IOC_FILL, &p);
}

/* On -EILSEQ *bad_offset (if given) receives the first mismatch */
static inline int jm_check(int fd, __u64 handle, __u64 offset, __u64 len,
			   __u64 seed, __u64 *bad_offset)
{
	struct jmod_pattern p = {
		.handle = handle,
		.offset = offset,
		.len = len,
		.seed = seed,
		.bad_offset = ~0ULL,
	};
	int ret = jm_ioctl(fd, JMOD_IOC_CHECK, &p);

	if (bad_offset)
		*bad_offset = p.bad_offset;
	return ret;
}

static inline int jm_slots(int fd, __u64 nr_slots)
{
	struct jmod_slots s = { .nr_slots = nr_slots };

	return jm_ioctl(fd, JMOD_IOC_SLOTS, &s);
}

/* Runs one batch; @b receives done and elapsed_ns */
static inline int jm_batch(int fd, struct jmod_op *ops, __u32 count,
			   __u32 backend, struct jmod_batch *b)
{
	memset(b, 0, sizeof(*b));
	b->ops = (__u64)(uintptr_t)ops;
	b->count = count;
	b->backend = backend;
	return jm_ioctl(fd, JMOD_IOC_BATCH, b);
}

static inline void jm_op(struct jmod_op *op, __u32 code, __u64 slot,
			 __u64 size, __u32 flags)
{
	op->op = code;
	op->flags = flags;
	op->slot = slot;
	op->size = size;
	op->result = 0;
}

static inline const char *jm_op_name(__u32 code)
{
	switch (code) {
	case JMOD_OP_ALLOC:
		return "alloc";
	case JMOD_OP_FREE:
		return "free";
	case JMOD_OP_FILL:
		return "fill";
	case JMOD_OP_CHECK:
		return "check";
	}
	return "?";
}

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
 * jemalloc's size classes, computed independently of the module:
 * 8, 16, 32, 48, 64, then four classes per doubling (for every power of
 * two B >= 64: B + B/4, B + 2B/4, B + 3B/4, 2B).  Fills @cls with every
 * class <= @max in increasing order and returns how many there are.
 */
static inline unsigned int jm_size_classes(__u64 max, __u64 *cls,
					   unsigned int max_n)
{
	static const __u64 first[] = { 8, 16, 32, 48, 64 };
	unsigned int n = 0, i;
	__u64 base, c;

	for (i = 0; i < ARRAY_SIZE(first); i++) {
		if (first[i] > max || n == max_n)
			return n;
		cls[n++] = first[i];
	}
	for (base = 64; base <= max; base *= 2) {
		for (i = 1; i <= 4; i++) {
			c = base + i * (base / 4);
			if (c > max || n == max_n)
				return n;
			cls[n++] = c;
		}
	}
	return n;
}

/* Smallest class >= size, 0 if size is above the last class */
static inline __u64 jm_class_of(const __u64 *cls, unsigned int n,
				   __u64 size)
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

static inline bool jm_is_class(const __u64 *cls, unsigned int n,
			       __u64 size)
{
	return jm_class_of(cls, n, size) == size;
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
