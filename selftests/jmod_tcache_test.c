// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_tcache_test: the per-CPU tcache under CPU hotplug, memory pressure
 * and the on/off switch, judged from debugfs stats.json.
 *
 *   hotplug     CPU 1 goes offline and online again in a loop while two
 *               threads run alloc/fill/check/free batches on their own
 *               fds; afterwards nothing is live and, after a purge,
 *               nothing is mapped (the dead CPU's bins were drained, not
 *               lost); the in-kernel "quiesce" case agrees.
 *   pressure    with full tcaches, a child touches 90% of MemAvailable
 *               (stopping at 10% left: no OOM kill); when it is gone
 *               jmod's cached bytes have dropped.  In these small
 *               initramfs guests that leaves free memory above the
 *               watermarks: vmstat slabs_scanned stays +0 (logged), so
 *               what drains the tcaches here is jmod's GC of idle bins,
 *               not reclaim; the shrinker path is the next test's.
 *   shrinkers   drop_caches=2 runs every shrinker as reclaim does: the
 *               tcaches are then empty, no free chunk is retained and
 *               jmod maps less.
 *   hits_dominate  after a warm-up, 64 B alloc/free pairs are >= 90%
 *               tcache hits by the published counters.
 *   off_switch  tcache=0 empties every tcache at once; allocations keep
 *               working; tcache=1 caches again.
 *
 * No timing assertions; the hotplug loop stops early (not failing) when
 * it has run for HOTPLUG_BUDGET_S seconds under a slow emulator.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "jmod_util.h"
#include "jmod_debugfs.h"

#define CPU1_ONLINE		"/sys/devices/system/cpu/cpu1/online"
#define HOTPLUG_ROUNDS		20
#define HOTPLUG_BUDGET_S	30
#define WORKER_SLOTS		64
#define FILL_PER_CLASS		75
#define MSG_LEN			512

FIXTURE(tcache) {
	int fd;
	struct jmod_version v;
	struct jm_knobs knobs;
	bool cpu1_touched;
};

FIXTURE_SETUP(tcache)
{
	if (!jm_setup_knobs(_metadata, &self->fd, &self->v, &self->knobs))
		return;
	ASSERT_EQ(0, jm_set_tcache(true));
}

FIXTURE_TEARDOWN(tcache)
{
	if (self->cpu1_touched)
		jm_write_path(CPU1_ONLINE, "1");
	jm_knobs_restore(&self->knobs);
	jm_close(self->fd);
}

/*
 * Older harnesses (6.1) run the body even after a SKIP in the fixture
 * setup: every body starts with "if (self->fd < 0) return;".
 */

/* Sizes of every class the tcache serves */
static unsigned int tcache_classes(const struct jmod_version *v, __u64 *cls)
{
	return jm_size_classes(v->tcache_max, cls, JM_MAX_CLASSES);
}

/*
 * Allocates @per objects of every tcache class through BATCH and frees
 * them all, so the bins hold what they can.  Returns 0 or -errno/1.
 */
static int fill_tcaches(int fd, const struct jmod_version *v,
			unsigned int per)
{
	__u64 cls[JM_MAX_CLASSES];
	unsigned int n = tcache_classes(v, cls), i, k, nops = 0, slot = 0;
	struct jmod_op *ops;
	size_t failed = 0;
	int ret;

	ops = calloc(2 * n * per, sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		for (k = 0; k < per; k++)
			jm_op(&ops[nops++], JMOD_OP_ALLOC, slot++, cls[i], 0);
	for (i = 0; i < slot; i++)
		jm_op(&ops[nops++], JMOD_OP_FREE, i, 0, 0);
	ret = jm_slots(fd, slot);
	if (!ret)
		ret = jm_run_ops(fd, ops, nops, nops, JMOD_BACKEND_JMOD,
				 &failed, NULL);
	free(ops);
	return ret;
}

/* === hotplug === */

struct worker {
	pthread_t tid;
	unsigned int idx;
	bool *stop;		/* read with __atomic_load_n */
	unsigned long batches;
	int err;		/* first failure: -errno or op result */
	char what[128];
};

static const __u64 worker_sizes[] = {
	8, 24, 64, 96, 200, 512, 1000, 2048, 4096, 9000, 14336, 16384, 24576,
	32768, 70000,
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct jmod_op ops[WORKER_SLOTS * 4];
	unsigned int s, n, round = 0;
	struct jmod_batch b;
	int fd, ret;

	fd = jm_open();
	if (fd < 0) {
		w->err = fd;
		snprintf(w->what, sizeof(w->what), "open");
		return NULL;
	}
	ret = jm_slots(fd, WORKER_SLOTS);
	if (ret) {
		w->err = ret;
		snprintf(w->what, sizeof(w->what), "slots");
		goto out;
	}
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		n = 0;
		for (s = 0; s < WORKER_SLOTS; s++) {
			__u64 size = worker_sizes[(s + round + w->idx) %
						  ARRAY_SIZE(worker_sizes)];

			jm_op(&ops[n++], JMOD_OP_ALLOC, s, size, 0);
			jm_op(&ops[n++], JMOD_OP_FILL, s, 0, 0);
			jm_op(&ops[n++], JMOD_OP_CHECK, s, 0, 0);
		}
		for (s = 0; s < WORKER_SLOTS; s++)
			jm_op(&ops[n++], JMOD_OP_FREE, s, 0, 0);
		ret = jm_batch(fd, ops, n, JMOD_BACKEND_JMOD, &b);
		if (ret || b.done != n) {
			w->err = ret ? ret : (int)ops[b.done < n ? b.done : 0].result;
			if (!w->err)
				w->err = -EPROTO;
			snprintf(w->what, sizeof(w->what),
				 "batch %lu: op %u of %u (%s slot %llu size %llu)",
				 w->batches, b.done, n,
				 b.done < n ? jm_op_name(ops[b.done].op) : "?",
				 b.done < n ? (unsigned long long)ops[b.done].slot : 0ULL,
				 b.done < n ? (unsigned long long)ops[b.done].size : 0ULL);
			break;
		}
		w->batches++;
		round++;
	}
out:
	close(fd);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST_F_TIMEOUT(tcache, hotplug, 240)
{
	struct worker w[2];
	bool stop = false;
	char why[MSG_LEN];
	unsigned int round, i;
	double t0;
	int ret;

	if (self->fd < 0)
		return;
	if (access(CPU1_ONLINE, W_OK))
		SKIP(return, "%s: %s (one CPU, or CPU 1 not hotpluggable)",
		     CPU1_ONLINE, strerror(errno));

	for (i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].idx = i;
		w[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&w[i].tid, NULL, worker_fn, &w[i]));
	}
	t0 = now_s();
	self->cpu1_touched = true;
	for (round = 0; round < HOTPLUG_ROUNDS; round++) {
		ret = jm_write_path(CPU1_ONLINE, "0");
		EXPECT_EQ(0, ret) TH_LOG("round %u: offline: %s", round,
					 strerror(-ret));
		ret = jm_write_path(CPU1_ONLINE, "1");
		EXPECT_EQ(0, ret) TH_LOG("round %u: online: %s", round,
					 strerror(-ret));
		if (ret)
			break;
		if (now_s() - t0 > HOTPLUG_BUDGET_S) {
			round++;
			break;
		}
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(w[i].tid, NULL);
	TH_LOG("%u offline/online rounds; worker batches %lu + %lu", round,
	       w[0].batches, w[1].batches);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, w[i].err) TH_LOG("worker %u: %s: %s", i,
					      w[i].what, strerror(-w[i].err));
	}

	/* the workers' fds are closed: nothing of theirs is live */
	EXPECT_TRUE(jm_quiet_after_purge(why, sizeof(why))) TH_LOG("%s", why);
	ret = jm_run_incore(self->fd, "quiesce", why, sizeof(why));
	EXPECT_EQ(0, ret) TH_LOG("in-kernel quiesce: %s: %s", strerror(-ret),
				 why);
}

/* === memory pressure === */

static unsigned long long mem_available_kb(void)
{
	unsigned long long kb = 0;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static unsigned long long vmstat_value(const char *name)
{
	unsigned long long v, found = 0;
	char line[256], key[64];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu", key, &v) == 2 &&
		    !strcmp(key, name)) {
			found = v;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * The child: touch @bytes of anonymous memory 1 MiB at a time, stopping
 * early if MemAvailable falls below @floor_kb (other tests may have left
 * less than the parent saw; an OOM kill would splat in the kernel log),
 * hold it 2 s and exit.
 */
static void hog(size_t bytes, unsigned long long floor_kb)
{
	size_t off = 0, k;
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	while (off + (1 << 20) <= bytes && mem_available_kb() > floor_kb) {
		for (k = 0; k < (1 << 20); k += 4096)
			p[off + k] = 1;
		off += 1 << 20;
	}
	sleep(2);
	_exit(0);
}

/*
 * Full tcaches (and, decay off, free chunks kept): returns the cached
 * bytes, 0 after a failed assertion.
 */
static unsigned long long fill_and_keep(struct __test_metadata *_metadata,
					FIXTURE_DATA(tcache) * self)
{
	unsigned long long cached;
	unsigned int i;
	__u64 h[64];
	int ret;

	/* keep free chunks until pressure comes, not until decay */
	ret = jm_write_knob("decay_ms", "86400000");
	EXPECT_EQ(0, ret);
	ret = jm_purge();
	EXPECT_EQ(0, ret);
	ret = fill_tcaches(self->fd, &self->v, FILL_PER_CLASS);
	EXPECT_EQ(0, ret);
	ret = jm_slots(self->fd, 0);
	EXPECT_EQ(0, ret);
	/* objects above tcache_max come and go at once */
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		ret = jm_alloc(self->fd, 2 * self->v.tcache_max + 1, 0, 0,
			       &h[i], NULL);
		EXPECT_EQ(0, ret);
		if (ret)
			return 0;
	}
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		ret = jm_free(self->fd, h[i]);
		EXPECT_EQ(0, ret);
	}
	cached = jm_stat_u64("summary.tcache_cached");
	EXPECT_NE(~0ULL, cached);
	EXPECT_LT(0ULL, cached) TH_LOG("the tcaches did not fill");
	return _metadata->passed && cached != ~0ULL ? cached : 0;
}

/*
 * The pressure: a process eats 90% of MemAvailable and jmod's
 * cached bytes drop.
 */
TEST_F_TIMEOUT(tcache, pressure, 180)
{
	unsigned long long avail, cached0, cached1, retained0, floor_kb;
	unsigned long long scanned0;
	int status;
	pid_t pid;

	if (self->fd < 0)
		return;
	cached0 = fill_and_keep(_metadata, self);
	ASSERT_LT(0ULL, cached0);
	retained0 = jm_stat_u64("summary.retained");
	scanned0 = vmstat_value("slabs_scanned");
	avail = mem_available_kb();
	ASSERT_LT(0ULL, avail);
	floor_kb = avail / 10;
	TH_LOG("before: tcache_cached %llu, retained %llu; the child touches %llu of %llu kB available",
	       cached0, retained0, avail - floor_kb, avail);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		hog((avail - floor_kb) * 1024, floor_kb);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("the child died of signal %d",
					      WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	cached1 = jm_stat_u64("summary.tcache_cached");
	TH_LOG("after: tcache_cached %llu, retained %llu; vmstat slabs_scanned +%llu",
	       cached1, jm_stat_u64("summary.retained"),
	       vmstat_value("slabs_scanned") - scanned0);
	ASSERT_NE(~0ULL, cached1);
	EXPECT_GT(cached0, cached1) TH_LOG("the tcaches were not drained");
}

/*
 * The shrinkers themselves: drop_caches=2 runs every shrinker's
 * count/scan as reclaim does (drop_slab(), until little is freed).
 * Afterwards the tcaches are empty and no free chunk is retained: the
 * drained objects' runs emptied chunks, and the arena shrinker released
 * them.
 */
TEST_F_TIMEOUT(tcache, shrinkers, 120)
{
	unsigned long long cached0, cached1, retained1, mapped0, mapped1;
	unsigned long long scanned0, scanned;
	int ret;

	if (self->fd < 0)
		return;
	cached0 = fill_and_keep(_metadata, self);
	ASSERT_LT(0ULL, cached0);
	mapped0 = jm_stat_u64("summary.mapped");
	scanned0 = vmstat_value("slabs_scanned");
	ret = jm_write_path("/proc/sys/vm/drop_caches", "2");
	ASSERT_EQ(0, ret) TH_LOG("drop_caches: %s", strerror(-ret));
	scanned = vmstat_value("slabs_scanned") - scanned0;
	cached1 = jm_stat_u64("summary.tcache_cached");
	retained1 = jm_stat_u64("summary.retained");
	mapped1 = jm_stat_u64("summary.mapped");
	TH_LOG("tcache_cached %llu -> %llu, retained -> %llu, mapped %llu -> %llu; slabs_scanned +%llu",
	       cached0, cached1, retained1, mapped0, mapped1, scanned);
	EXPECT_LT(0ULL, scanned);
	EXPECT_EQ(0ULL, cached1) TH_LOG("the tcache shrinker left objects");
	EXPECT_EQ(0ULL, retained1) TH_LOG("the arena shrinker kept chunks");
	EXPECT_GT(mapped0, mapped1);
}

/* === hits === */

#define HITS_PAIRS	20000

/*
 * After a warm-up, alloc/free pairs of one small size through BATCH hit
 * the tcache: the published counters (stats.json tcache.requests/hits,
 * summed over CPUs) show at least 90% hits, and the misses stay below
 * one fill per bin's worth of pairs.  Other activity in the quiet guest
 * only adds requests, so the check errs on the side of failing.
 */
TEST_F_TIMEOUT(tcache, hits_dominate, 120)
{
	unsigned long long req0, hit0, req1, hit1, req, hits;
	struct jmod_op *ops;
	unsigned int i, round;
	size_t failed = 0;
	int ret;

	if (self->fd < 0)
		return;
	if (!self->v.tcache_max)
		SKIP(return, "the module was loaded with tcache_max=0");
	ops = calloc(2 * HITS_PAIRS, sizeof(*ops));
	ASSERT_NE(NULL, ops);
	for (i = 0; i < HITS_PAIRS; i++) {
		jm_op(&ops[2 * i], JMOD_OP_ALLOC, 0, 64, 0);
		jm_op(&ops[2 * i + 1], JMOD_OP_FREE, 0, 0, 0);
	}
	ret = jm_slots(self->fd, 1);
	ASSERT_EQ(0, ret);
	req0 = hit0 = 0;
	for (round = 0; round < 2; round++) {
		/* round 0 warms up; round 1 is measured */
		req0 = jm_stat_u64("tcache.requests");
		hit0 = jm_stat_u64("tcache.hits");
		ret = jm_run_ops(self->fd, ops, 2 * HITS_PAIRS, 2 * HITS_PAIRS,
				 JMOD_BACKEND_JMOD, &failed, NULL);
		ASSERT_EQ(0, ret);
	}
	req1 = jm_stat_u64("tcache.requests");
	hit1 = jm_stat_u64("tcache.hits");
	free(ops);
	ASSERT_NE(~0ULL, req0);
	ASSERT_NE(~0ULL, req1);
	ASSERT_NE(~0ULL, hit0);
	ASSERT_NE(~0ULL, hit1);
	req = req1 - req0;
	hits = hit1 - hit0;
	TH_LOG("%u alloc/free pairs of 64 B: %llu tcache requests, %llu hits",
	       HITS_PAIRS, req, hits);
	/* nearly every allocation went through the tcache at all */
	EXPECT_LE(HITS_PAIRS * 9ULL / 10, req);
	EXPECT_LE(req * 9, hits * 10) TH_LOG("hits do not dominate");
}

/* === the switch === */

static void alloc_free_some(struct __test_metadata *_metadata, int fd)
{
	static const __u64 sizes[] = { 8, 100, 4096, 14336, 20000, 32768 };
	__u64 h[ARRAY_SIZE(sizes)], usable;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, jm_alloc(fd, sizes[i], 0, 0, &h[i], &usable));
		ASSERT_LE(sizes[i], usable);
		ASSERT_EQ(0, jm_fill(fd, h[i], 0, sizes[i], i + 1));
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_EQ(0, jm_check(fd, h[i], 0, sizes[i], i + 1, NULL));
		ASSERT_EQ(0, jm_free(fd, h[i]));
	}
}

TEST_F(tcache, off_switch)
{
	unsigned long long v = ~0ULL;

	if (self->fd < 0)
		return;
	if (!self->v.tcache_max)
		SKIP(return, "the module was loaded with tcache_max=0");
	ASSERT_EQ(0, fill_tcaches(self->fd, &self->v, 8));
	EXPECT_LT(0ULL, jm_stat_u64("summary.tcache_cached"));

	ASSERT_EQ(0, jm_set_tcache(false));
	ASSERT_EQ(0, jm_read_knob("tcache", &v));
	EXPECT_EQ(0ULL, v);
	EXPECT_EQ(0ULL, jm_stat_u64("summary.tcache_cached"));
	EXPECT_EQ(0ULL, jm_stat_u64("config.tcache"));
	alloc_free_some(_metadata, self->fd);
	ASSERT_EQ(0, fill_tcaches(self->fd, &self->v, 8));
	EXPECT_EQ(0ULL, jm_stat_u64("summary.tcache_cached"))
		TH_LOG("objects were cached with the tcache off");

	ASSERT_EQ(0, jm_set_tcache(true));
	EXPECT_EQ(1ULL, jm_stat_u64("config.tcache"));
	alloc_free_some(_metadata, self->fd);
	ASSERT_EQ(0, fill_tcaches(self->fd, &self->v, 8));
	EXPECT_LT(0ULL, jm_stat_u64("summary.tcache_cached"));
}

JMOD_TEST_HARNESS_MAIN
