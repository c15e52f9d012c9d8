// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_stress_test: jmod under stress, injected allocation failures, CPU
 * hotplug, memory pressure and module unload.
 *
 *   workloads   every JMOD_IOC_BENCH workload and size distribution on
 *               every online CPU (jmod with and without the tcache),
 *               while one pinned thread per CPU runs random
 *               alloc/fill/check/free batches of random sizes; then
 *               nothing is live and, after a purge, nothing is mapped.
 *   fault       failslab and fail_page_alloc at 10%, scoped to the
 *               worker threads (task-filter + /proc/thread-self/
 *               make-it-fail): every failure is -ENOMEM, data is never
 *               corrupted, faults really were injected, and afterwards
 *               jmod's counters are back to zero.  A second round
 *               scopes failslab to jmod's own caches (cache-filter +
 *               /sys/kernel/slab/jmod-* /failslab) under the benchmark
 *               kthreads (where the caches are marked: slub_debug=A).
 *               SKIPs without the debugfs knobs (stock
 *               kernels have no CONFIG_FAULT_INJECTION_DEBUG_FS).
 *   chunk_fallback  fail_page_alloc fails every block of a chunk's order
 *               and above for this task: after a purge (no chunk left),
 *               20 KiB allocations still all succeed, served by pages of
 *               their own size (stats.json large_fallbacks), as kmalloc
 *               would serve them; the same SKIP as fault.
 *   kmemleak_refs  objects whose only pointers are inside a jmod run and
 *               a huge object are not reported by a kmemleak scan (SKIP
 *               without CONFIG_DEBUG_KMEMLEAK).
 *   hotplug     CPU 1 offline/online in a loop while one thread per CPU
 *               allocates and frees (re-pinning itself every batch).
 *   pressure    live objects, full tcaches and retained chunks; a child
 *               eats memory to well below the (raised) low watermark
 *               and well above min (kswapd reclaims, no OOM killer);
 *               the shrinkers give the
 *               cached memory back (stats.json shows it), the live
 *               objects stay intact and new allocations work.
 *   unload      with an fd holding objects, delete_module(2) is refused;
 *               after close it succeeds, and the module is loaded again
 *               (from $JMOD_MODULE with $JMOD_MODULE_ARGS, which the VM
 *               runner's /init exports) for the tests that follow.
 *
 * The kernel log is judged by the runner (KASAN, lockdep, kmemleak, the
 * MemFree check after the final rmmod).  No timing assertions: loops stop
 * early, not failing, when they have run for their budget.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "jmod_util.h"
#include "jmod_debugfs.h"

#define CPU1_ONLINE		"/sys/devices/system/cpu/cpu1/online"
#define FAILSLAB		"/sys/kernel/debug/failslab"
#define FAIL_PAGE_ALLOC		"/sys/kernel/debug/fail_page_alloc"
#define SLAB_SYSFS		"/sys/kernel/slab"
#define MAX_WORKERS		64
#define WORKER_SLOTS		64
#define WORKER_BATCH		16
#define INJECT_TIMES		1000000
#define MSG_LEN			512

FIXTURE(stress) {
	int fd;
	struct jmod_version v;
	unsigned int ncpus;
	struct jm_knobs knobs;
	bool cpu1_touched, faults_touched;
};

static int read_ll(const char *path, long long *val)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = strtoll(buf, NULL, 10);
	return 0;
}

/*
 * Marks every jmod-* cache for failslab's cache-filter (@on "1") or
 * unmarks it, where /sys/kernel/slab/<cache>/failslab is writable (6.1
 * has it read-only: there the mark comes from slub_debug=A,jmod-* on the
 * command line, which the VM runner sets on the debug kernel).  Returns
 * how many jmod caches are marked afterwards.
 */
static int jmod_caches_failslab(const char *on)
{
	char path[512];
	struct dirent *d;
	DIR *dir = opendir(SLAB_SYSFS);
	long long v;
	int n = 0;

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "jmod-", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s/failslab", SLAB_SYSFS,
			 d->d_name);
		jm_write_path(path, on);
		if (!read_ll(path, &v) && v == 1)
			n++;
	}
	closedir(dir);
	return n;
}

/* Both fault injectors off and unscoped again */
static void faults_off(void)
{
	static const char *const dirs[] = { FAILSLAB, FAIL_PAGE_ALLOC };
	char path[256];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/probability", dirs[i]);
		jm_write_path(path, "0");
		snprintf(path, sizeof(path), "%s/task-filter", dirs[i]);
		jm_write_path(path, "N");
	}
	jm_write_path(FAILSLAB "/cache-filter", "N");
	jmod_caches_failslab("0");
}

FIXTURE_SETUP(stress)
{
	long n;

	if (!jm_setup_knobs(_metadata, &self->fd, &self->v, &self->knobs))
		return;
	n = sysconf(_SC_NPROCESSORS_CONF);
	self->ncpus = n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : n;
}

FIXTURE_TEARDOWN(stress)
{
	if (self->faults_touched)
		faults_off();
	if (self->cpu1_touched)
		jm_write_path(CPU1_ONLINE, "1");
	jm_knobs_restore(&self->knobs);
	jm_close(self->fd);
}

/*
 * Older harnesses (6.1) run the body even after a SKIP in the fixture
 * setup: every body starts with "if (self->fd < 0) return;".
 */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool cpu_online(unsigned int cpu)
{
	char path[96];
	long long v;

	if (!cpu)
		return true;
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online",
		 cpu);
	if (read_ll(path, &v))
		return true;	/* not hotpluggable: online */
	return v == 1;
}

static int pin_to(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* === the random alloc/fill/check/free worker === */

enum slot_state { SLOT_EMPTY, SLOT_LIVE, SLOT_FILLED };

struct worker {
	pthread_t tid;
	unsigned int cpu;
	bool *stop;		/* read with __atomic_load_n() */
	double budget_s;	/* stop after this long (0: only *stop) */
	unsigned long max_batches;
	bool inject;		/* make-it-fail for this thread */
	bool repin;		/* pin again every batch (hotplug) */
	__u64 max_size;
	struct jm_rng rng;
	unsigned long batches, ops, allocs, enomem;
	int err;		/* first failure: -errno or an op result */
	char what[160];
};

/* Mostly small, some large, a few huge: log-uniform-ish */
static __u64 random_size(struct jm_rng *r, __u64 max)
{
	__u64 hi;

	switch (jm_rand(r) % 10) {
	case 0:
		hi = max;
		break;
	case 1:
	case 2:
		hi = 65536;
		break;
	default:
		hi = 4096;
		break;
	}
	return jm_rand_range(r, 1, jm_min(hi, max));
}

/* Empties the slot table (and makes one): retried, faults may hit it */
static int reset_slots(int fd, enum slot_state *st)
{
	unsigned int i;
	int ret = -ENOMEM;

	for (i = 0; i < 1000 && ret == -ENOMEM; i++)
		ret = jm_slots(fd, WORKER_SLOTS);
	for (i = 0; i < WORKER_SLOTS; i++)
		st[i] = SLOT_EMPTY;
	return ret;
}

static void worker_fail(struct worker *w, int err, const char *fmt, ...)
{
	va_list ap;

	if (w->err)
		return;
	w->err = err ? err : -EPROTO;
	va_start(ap, fmt);
	vsnprintf(w->what, sizeof(w->what), fmt, ap);
	va_end(ap);
}

/* Applies the effect of a successful op to the slot states */
static void apply(enum slot_state *st, const struct jmod_op *op)
{
	switch (op->op) {
	case JMOD_OP_ALLOC:
		st[op->slot] = SLOT_LIVE;
		break;
	case JMOD_OP_FILL:
		st[op->slot] = SLOT_FILLED;
		break;
	case JMOD_OP_FREE:
		st[op->slot] = SLOT_EMPTY;
		break;
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	enum slot_state st[WORKER_SLOTS];
	unsigned char used[WORKER_SLOTS];
	struct jmod_op *ops;
	struct jmod_batch b;
	unsigned int i, n, slot;
	int fd, mif = -1, ret;
	double t0 = now_s();

	ops = calloc(WORKER_BATCH * 3, sizeof(*ops));
	if (!ops) {
		worker_fail(w, -ENOMEM, "calloc");
		return NULL;
	}
	if (pin_to(w->cpu))
		w->repin = true;	/* CPU offline now: try every batch */
	fd = jm_open();
	if (fd < 0) {
		worker_fail(w, fd, "open %s", JMOD_DEVICE);
		free(ops);
		return NULL;
	}
	ret = reset_slots(fd, st);
	if (ret) {
		worker_fail(w, ret, "slots");
		goto out;
	}
	if (w->inject) {
		/* opened now: the write of "0" at the end allocates nothing */
		mif = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
		if (mif < 0 || write(mif, "1", 1) != 1) {
			worker_fail(w, -errno, "make-it-fail");
			goto out;
		}
	}
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED) && !w->err) {
		if (w->max_batches && w->batches >= w->max_batches)
			break;
		if (w->budget_s && now_s() - t0 > w->budget_s)
			break;
		if (w->repin)
			pin_to(w->cpu);
		memset(used, 0, sizeof(used));
		n = 0;
		for (i = 0; i < WORKER_BATCH; i++) {
			slot = jm_rand(&w->rng) % WORKER_SLOTS;
			if (used[slot])
				continue;
			used[slot] = 1;
			if (st[slot] == SLOT_EMPTY) {
				__u64 size = random_size(&w->rng, w->max_size);
				__u32 flags = jm_one_in(&w->rng, 4) ?
					      JMOD_ALLOC_ZERO : 0;

				jm_op(&ops[n++], JMOD_OP_ALLOC, slot, size, flags);
				jm_op(&ops[n++], JMOD_OP_FILL, slot, 0, 0);
				w->allocs++;
			} else {
				if (st[slot] == SLOT_FILLED)
					jm_op(&ops[n++], JMOD_OP_CHECK, slot, 0, 0);
				jm_op(&ops[n++], JMOD_OP_FREE, slot, 0, 0);
			}
		}
		ret = jm_batch(fd, ops, n, JMOD_BACKEND_JMOD, &b);
		w->batches++;
		if (ret == -ENOMEM && w->inject) {
			/* the batch may have run partly: start over */
			w->enomem++;
			ret = reset_slots(fd, st);
			if (ret)
				worker_fail(w, ret, "slots after -ENOMEM");
			continue;
		}
		if (ret) {
			worker_fail(w, ret, "batch ioctl");
			break;
		}
		if (b.done > n) {
			worker_fail(w, -EPROTO, "batch done %u > %u", b.done, n);
			break;
		}
		for (i = 0; i < b.done; i++)
			apply(st, &ops[i]);
		w->ops += b.done;
		if (b.done == n)
			continue;
		ret = (int)ops[b.done].result;
		if (ret == -ENOMEM && w->inject) {
			w->enomem++;
			continue;
		}
		worker_fail(w, ret, "op %u of %u: %s slot %llu size %llu",
			    b.done, n, jm_op_name(ops[b.done].op),
			    (unsigned long long)ops[b.done].slot,
			    (unsigned long long)ops[b.done].size);
	}
out:
	if (mif >= 0) {
		if (write(mif, "0", 1) != 1)
			worker_fail(w, -errno, "make-it-fail off");
		close(mif);
	}
	ret = jm_slots(fd, 0);
	if (ret)
		worker_fail(w, ret, "free all slots");
	close(fd);
	free(ops);
	return NULL;
}

/* One worker per configured CPU, pinned to it */
static unsigned int start_workers(struct __test_metadata *_metadata,
				  unsigned int ncpus,
				  const struct jmod_version *v,
				  struct worker *w, bool *stop,
				  double budget_s, bool inject, bool repin,
				  __u64 seed)
{
	unsigned int i, n = 0;

	for (i = 0; i < ncpus; i++) {
		if (!cpu_online(i))
			continue;
		memset(&w[n], 0, sizeof(w[n]));
		w[n].cpu = i;
		w[n].stop = stop;
		w[n].budget_s = budget_s;
		w[n].inject = inject;
		w[n].repin = repin;
		w[n].max_size = jm_min(v->max_alloc ? v->max_alloc :
				       v->max_large, v->max_large + MiB);
		w[n].rng.s = seed + i;
		EXPECT_EQ(0, pthread_create(&w[n].tid, NULL, worker_fn, &w[n]));
		n++;
	}
	return n;
}

static void join_workers(struct __test_metadata *_metadata,
			 struct worker *w, unsigned int n, const char *what)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		TH_LOG("%s: cpu %u: %lu batches, %lu ops, %lu allocs, %lu -ENOMEM",
		       what, w[i].cpu, w[i].batches, w[i].ops, w[i].allocs,
		       w[i].enomem);
		EXPECT_EQ(0, w[i].err) TH_LOG("%s: cpu %u: %s: %s", what,
					      w[i].cpu, w[i].what,
					      strerror(-w[i].err));
	}
}

/* === JMOD_IOC_BENCH sweep === */

static const char *const workloads[] = {
	[JMOD_BENCH_PAIR] = "pair", [JMOD_BENCH_BATCH] = "batch",
	[JMOD_BENCH_RANDOM] = "random", [JMOD_BENCH_REMOTE] = "remote",
};

static const char *const dists[] = {
	[JMOD_DIST_FIXED] = "fixed", [JMOD_DIST_UNIFORM] = "uniform",
	[JMOD_DIST_PARETO] = "pareto", [JMOD_DIST_KERNEL] = "kernel",
};

/*
 * Every workload x distribution on jmod and jmod without tcache, one
 * thread per online CPU.  @may_fail: allocation failures are expected
 * (fault injection); they are counted into *@failed.
 */
static void bench_sweep(struct __test_metadata *_metadata, int fd,
			const struct jmod_version *v, unsigned int ncpus,
			__u64 ops, bool may_fail, unsigned long long *failed)
{
	static const __u32 backends[] = {
		JMOD_BACKEND_JMOD, JMOD_BACKEND_JMOD_NOTCACHE,
	};
	unsigned int wl, d, be, online = 0, i;
	struct jmod_bench b;
	int ret;

	for (i = 0; i < ncpus; i++)
		online += cpu_online(i);
	for (wl = JMOD_BENCH_PAIR; wl < JMOD_BENCH_NR; wl++) {
		for (d = JMOD_DIST_FIXED; d < JMOD_DIST_NR; d++) {
			for (be = 0; be < ARRAY_SIZE(backends); be++) {
				memset(&b, 0, sizeof(b));
				b.workload = wl;
				b.backend = backends[be];
				b.nr_threads = wl == JMOD_BENCH_REMOTE ?
					       2 * online : online;
				b.dist = d;
				b.min_size = d == JMOD_DIST_FIXED ?
					     1 + (wl * 977 + d * 131) % 20000 : 1;
				b.max_size = jm_min(v->max_large + 4096,
						    256 * KiB);
				b.ops = ops;
				b.live = 32;
				b.seed = 1000 + wl * 10 + d;
				ret = jm_ioctl(fd, JMOD_IOC_BENCH, &b);
				if (ret == -ENOMEM && may_fail) {
					(*failed)++;
					continue;
				}
				EXPECT_EQ(0, ret) TH_LOG("bench %s/%s/%u: %s",
					workloads[wl], dists[d], backends[be],
					strerror(-ret));
				if (ret)
					continue;
				EXPECT_LT(0ULL, b.total_ops)
					TH_LOG("bench %s/%s", workloads[wl],
					       dists[d]);
				EXPECT_TRUE(may_fail || !b.failed)
					TH_LOG("bench %s/%s/%u: %llu failed",
					       workloads[wl], dists[d],
					       backends[be],
					       (unsigned long long)b.failed);
				if (may_fail)
					*failed += b.failed;
			}
		}
	}
}

static void expect_quiet(struct __test_metadata *_metadata, const char *when)
{
	char why[MSG_LEN];
	int i;

	/* objects freed on other CPUs may still be on their way back */
	for (i = 0; i < 3; i++) {
		if (jm_quiet_after_purge(why, sizeof(why)))
			return;
		usleep(200000);
	}
	EXPECT_TRUE(false) TH_LOG("%s: %s", when, why);
}

#define STRESS_MIN_S		15

TEST_F_TIMEOUT(stress, workloads, 600)
{
	struct worker w[MAX_WORKERS];
	bool stop = false;
	unsigned int n;
	double t0;

	if (self->fd < 0)
		return;
	t0 = now_s();
	n = start_workers(_metadata, self->ncpus, &self->v, w, &stop, 0, false, false, 1);
	bench_sweep(_metadata, self->fd, &self->v, self->ncpus, 300, false, NULL);
	/* the workers run at least STRESS_MIN_S in all */
	while (now_s() - t0 < STRESS_MIN_S)
		usleep(100000);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	join_workers(_metadata, w, n, "stress");
	TH_LOG("sweep and workers: %.1f s on %u CPUs", now_s() - t0, n);
	expect_quiet(_metadata, "after stress");
}

/* === fault injection === */

static int set_attr(const char *dir, const char *attr, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	return jm_write_path(path, val);
}

static long long injected(const char *dir)
{
	char path[256];
	long long left;

	snprintf(path, sizeof(path), "%s/times", dir);
	if (read_ll(path, &left))
		return -1;
	return INJECT_TIMES - left;
}

/* 10% of the allocations of the scoped tasks fail, sleeping ones too */
static int arm(const char *dir, bool task_filter)
{
	char times[32];
	int ret = 0;

	snprintf(times, sizeof(times), "%d", INJECT_TIMES);
	ret |= set_attr(dir, "probability", "0");
	ret |= set_attr(dir, "interval", "1");
	ret |= set_attr(dir, "times", times);
	ret |= set_attr(dir, "space", "0");
	ret |= set_attr(dir, "verbose", "0");
	ret |= set_attr(dir, "task-filter", task_filter ? "Y" : "N");
	ret |= set_attr(dir, "ignore-gfp-wait", "N");
	if (!strcmp(dir, FAIL_PAGE_ALLOC)) {
		ret |= set_attr(dir, "ignore-gfp-highmem", "N");
		ret |= set_attr(dir, "min-order", "0");
	}
	ret |= set_attr(dir, "probability", "10");
	return ret;
}

TEST_F_TIMEOUT(stress, fault, 600)
{
	struct worker w[MAX_WORKERS];
	bool stop = false;
	unsigned long long enomem = 0, bench_failed = 0;
	long long slab_hits, page_hits;
	unsigned int n, i;
	int caches;

	if (self->fd < 0)
		return;
	if (access(FAILSLAB "/probability", W_OK) ||
	    access(FAIL_PAGE_ALLOC "/probability", W_OK) ||
	    access("/proc/self/make-it-fail", W_OK))
		SKIP(return, "no failslab/fail_page_alloc in debugfs or no make-it-fail (CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB, FAIL_PAGE_ALLOC)");

	/*
	 * Everything this process maps is populated now and later (thread
	 * stacks, heap), so the workers take no page faults that an
	 * injected failure could turn into VM_FAULT_OOM.
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		TH_LOG("mlockall: %s (page faults may see injected failures)",
		       strerror(errno));

	/* round 1: only the workers' own allocations fail */
	self->faults_touched = true;
	ASSERT_EQ(0, arm(FAILSLAB, true));
	ASSERT_EQ(0, arm(FAIL_PAGE_ALLOC, true));
	n = start_workers(_metadata, self->ncpus, &self->v, w, &stop, 20, true, false, 77);
	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	slab_hits = injected(FAILSLAB);
	page_hits = injected(FAIL_PAGE_ALLOC);
	faults_off();
	for (i = 0; i < n; i++) {
		TH_LOG("fault: cpu %u: %lu batches, %lu ops, %lu allocs, %lu -ENOMEM",
		       w[i].cpu, w[i].batches, w[i].ops, w[i].allocs,
		       w[i].enomem);
		EXPECT_EQ(0, w[i].err) TH_LOG("fault: cpu %u: %s: %s",
					      w[i].cpu, w[i].what,
					      strerror(-w[i].err));
		enomem += w[i].enomem;
	}
	TH_LOG("task-scoped: injected %lld slab + %lld page failures, %llu -ENOMEM seen",
	       slab_hits, page_hits, enomem);
	EXPECT_LT(0, slab_hits + page_hits) TH_LOG("nothing was injected");
	EXPECT_LT(0ULL, enomem) TH_LOG("no -ENOMEM reached userspace");
	expect_quiet(_metadata, "after task-scoped fault injection");

	/* round 2: jmod's caches fail, for the benchmark kthreads too */
	caches = jmod_caches_failslab("1");
	if (caches <= 0) {
		TH_LOG("no jmod cache in %s is marked for failslab (%d; slub_debug=A,jmod-*): cache round skipped",
		       SLAB_SYSFS, caches);
		return;
	}
	ASSERT_EQ(0, set_attr(FAILSLAB, "cache-filter", "Y"));
	ASSERT_EQ(0, arm(FAILSLAB, false));
	bench_sweep(_metadata, self->fd, &self->v, self->ncpus, 200, true, &bench_failed);
	slab_hits = injected(FAILSLAB);
	faults_off();
	TH_LOG("cache-scoped (%d jmod caches): injected %lld slab failures, %llu bench allocations failed",
	       caches, slab_hits, bench_failed);
	EXPECT_LT(0, slab_hits) TH_LOG("nothing was injected");
	expect_quiet(_metadata, "after cache-scoped fault injection");
}

/*
 * A large-class miss whose chunk cannot be had must not fail where
 * kmalloc() would succeed: blocks of the full chunk order fail (min-order
 * 9, this task only), smaller ones do not.  Chunks grow with their arena
 * (64 KiB, 64 KiB, 128 KiB, ... 1 MiB: 512 pages before the first full
 * one), so 256 runs of 5 pages need full chunks even spread over two
 * CPUs' arenas.
 */
#define FALLBACK_OBJS	256	/* 256 x 5 pages > 2 x 512 */

TEST_F_TIMEOUT(stress, chunk_fallback, 300)
{
	unsigned long long before, after, order = 0;
	__u64 h[FALLBACK_OBJS];
	char msg[256], val[16];
	struct json *j;
	unsigned int i, got = 0;
	long long hits;
	int mif, err = 0;

	if (self->fd < 0)
		return;
	if (access(FAIL_PAGE_ALLOC "/probability", W_OK) ||
	    access("/proc/thread-self/make-it-fail", W_OK))
		SKIP(return, "no fail_page_alloc in debugfs or no make-it-fail (CONFIG_FAULT_INJECTION_DEBUG_FS, FAIL_PAGE_ALLOC)");
	j = jm_stats_json(msg, sizeof(msg));
	ASSERT_NE(NULL, j) TH_LOG("stats.json: %s", msg);
	before = jm_num(json_get(j, "summary"), "large_fallbacks");
	order = jm_num(json_get(j, "config"), "chunk_size");
	json_free(j);
	for (i = 0; (4096ULL << i) < order; i++)
		;
	ASSERT_EQ(0, jm_purge());

	self->faults_touched = true;
	ASSERT_EQ(0, arm(FAIL_PAGE_ALLOC, true));
	snprintf(val, sizeof(val), "%u", i);
	ASSERT_EQ(0, set_attr(FAIL_PAGE_ALLOC, "min-order", val));
	ASSERT_EQ(0, set_attr(FAIL_PAGE_ALLOC, "probability", "100"));
	mif = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, mif);
	ASSERT_EQ(1, write(mif, "1", 1));
	for (got = 0; got < FALLBACK_OBJS; got++) {
		err = jm_alloc(self->fd, 20480, 0, 0, &h[got], NULL);
		if (err)
			break;
	}
	EXPECT_EQ(1, write(mif, "0", 1));
	close(mif);
	hits = injected(FAIL_PAGE_ALLOC);
	faults_off();
	set_attr(FAIL_PAGE_ALLOC, "min-order", "0");
	for (i = 0; i < got; i++)
		EXPECT_EQ(0, jm_free(self->fd, h[i]));

	EXPECT_EQ(FALLBACK_OBJS, got)
		TH_LOG("20 KiB allocation %u failed: %s", got, strerror(-err));
	j = jm_stats_json(msg, sizeof(msg));
	ASSERT_NE(NULL, j) TH_LOG("stats.json: %s", msg);
	after = jm_num(json_get(j, "summary"), "large_fallbacks");
	json_free(j);
	TH_LOG("chunk_fallback: %lld order>=%s blocks refused, %llu runs from pages of their own size",
	       hits, val, after - before);
	EXPECT_LT(0, hits) TH_LOG("no chunk allocation was refused");
	EXPECT_LT(0ULL, after - before) TH_LOG("large_fallbacks did not move");
	expect_quiet(_metadata, "after chunk_fallback");
}

/*
 * kmemleak must not call an object leaked when the only pointer to it is
 * inside a jmod object: jmod registers its runs and page-backed huge
 * objects with kmemleak, as kmalloc_large() does.
 */
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

TEST_F_TIMEOUT(stress, kmemleak_refs, 120)
{
	char msg[256], *report;
	size_t len;
	int ret;

	if (self->fd < 0)
		return;
	if (access(KMEMLEAK, W_OK) || jm_write_path(KMEMLEAK, "clear"))
		SKIP(return, "no %s (CONFIG_DEBUG_KMEMLEAK)", KMEMLEAK);
	ret = jm_run_incore_arg(self->fd, "leak_refs", 1, msg, sizeof(msg));
	ASSERT_EQ(0, ret) TH_LOG("kmemleak hold: %s (%s)", strerror(-ret), msg);
	/*
	 * kmemleak reports an object older than 5 s that two scans in a row
	 * found unreferenced and unchanged
	 */
	sleep(6);
	EXPECT_EQ(0, jm_write_path(KMEMLEAK, "scan"));
	EXPECT_EQ(0, jm_write_path(KMEMLEAK, "scan"));
	report = jm_read_file_path(KMEMLEAK, &len);
	ret = jm_run_incore_arg(self->fd, "leak_refs", 2, msg, sizeof(msg));
	EXPECT_EQ(0, ret) TH_LOG("kmemleak release: %s (%s)", strerror(-ret), msg);
	ASSERT_NE(NULL, report) TH_LOG("read %s: %s", KMEMLEAK, strerror(errno));
	EXPECT_EQ(NULL, strstr(report, "leak_thread"))
		TH_LOG("objects referenced from jmod objects were reported:\n%s",
		       report);
	free(report);
	/* whatever was reported, the runner's final scan starts clean */
	jm_write_path(KMEMLEAK, "clear");
}

/* === hotplug === */

#define HOTPLUG_ROUNDS		20
#define HOTPLUG_BUDGET_S	40

TEST_F_TIMEOUT(stress, hotplug, 300)
{
	struct worker w[MAX_WORKERS];
	bool stop = false;
	unsigned int round, n;
	double t0;
	int ret = 0;

	if (self->fd < 0)
		return;
	if (access(CPU1_ONLINE, W_OK))
		SKIP(return, "%s: %s (one CPU, or CPU 1 not hotpluggable)",
		     CPU1_ONLINE, strerror(errno));
	n = start_workers(_metadata, self->ncpus, &self->v, w, &stop, 0, false, true, 4242);
	self->cpu1_touched = true;
	t0 = now_s();
	for (round = 0; round < HOTPLUG_ROUNDS; round++) {
		ret = jm_write_path(CPU1_ONLINE, "0");
		EXPECT_EQ(0, ret) TH_LOG("round %u: offline: %s", round,
					 strerror(-ret));
		usleep(50000);
		ret = jm_write_path(CPU1_ONLINE, "1");
		EXPECT_EQ(0, ret) TH_LOG("round %u: online: %s", round,
					 strerror(-ret));
		if (ret)
			break;
		usleep(50000);
		if (now_s() - t0 > HOTPLUG_BUDGET_S) {
			round++;
			break;
		}
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	join_workers(_metadata, w, n, "hotplug");
	TH_LOG("%u offline/online rounds of CPU 1 in %.1f s", round,
	       now_s() - t0);
	expect_quiet(_metadata, "after hotplug");
}

/* === memory pressure === */

static unsigned long long meminfo_kb(const char *key)
{
	unsigned long long kb = 0, v;
	char line[256], k[64];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63[^:]: %llu", k, &v) == 2 && !strcmp(k, key)) {
			kb = v;
			break;
		}
	}
	fclose(f);
	return kb;
}

/*
 * The child: touch anonymous memory (at most @bytes, MemTotal: the
 * watermarks stop it, MemAvailable would stop it above the high one
 * once they are raised) a MiB at a time until free memory is
 * HOG_MARGIN_KB above the min watermark.  The test
 * raises vm.watermark_scale_factor first (WSF_PRESSURE: low and high
 * watermarks ~10% and ~20% of memory above min), so there the child is
 * far below the low watermark, where kswapd reclaims and runs the
 * shrinkers, and still far above min, where direct reclaim and the OOM
 * killer (whose report would fail the run) would start; a few MiB above
 * min were not enough on the KASAN kernel.  Watermark boosting is off
 * meanwhile (vm.watermark_boost_factor 0): a boost after fragmentation
 * raised min by 84 MiB there and put the child below it.
 */
#define HOG_HOLD_S		10
#define HOG_MARGIN_KB		(64 * 1024)
#define WSF			"/proc/sys/vm/watermark_scale_factor"
#define WSF_PRESSURE		"1000"
#define WBF			"/proc/sys/vm/watermark_boost_factor"

static void hog(size_t bytes)
{
	unsigned long long min_kb = 0, stop_kb;
	size_t off, step = 1 << 20;
	FILE *f = fopen("/proc/sys/vm/min_free_kbytes", "r");
	char *p;
	int i;

	if (!f || fscanf(f, "%llu", &min_kb) != 1)
		_exit(2);
	fclose(f);
	stop_kb = min_kb + min_kb / 8 + HOG_MARGIN_KB;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	for (off = 0; off + step <= bytes; off += step) {
		if (meminfo_kb("MemFree") < stop_kb)
			break;
		memset(p + off, 1, step);
	}
	/*
	 * Hold it while kswapd runs the shrinkers, until jmod has nothing
	 * retained or cached (exit 0) or for HOG_HOLD_S seconds (exit 3).
	 * The stats.json reads allocate: HOG_MARGIN_KB keeps them far from
	 * min (1 MiB above it, they sent 6.12 into the OOM killer).
	 */
	for (i = 0; i < HOG_HOLD_S * 10; i++) {
		if (!jm_stat_u64("summary.retained") &&
		    !jm_stat_u64("summary.tcache_cached"))
			_exit(0);
		usleep(100 * 1000);
	}
	_exit(3);
}

/* A /proc/vmstat counter, ~0ULL if missing */
static unsigned long long vm_counter(const char *key)
{
	unsigned long long v = ~0ULL;
	size_t len = strlen(key);
	char line[128];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ' ')
			v = strtoull(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

#define PRESSURE_LIVE		32
#define PRESSURE_CACHED		256

TEST_F_TIMEOUT(stress, pressure, 300)
{
	static const __u64 small[] = { 16, 96, 512, 2048, 8192 };
	unsigned long long mapped0, mapped1, retained0, retained1;
	unsigned long long cached0, cached1, avail, scanned0, scanned1;
	bool reclaimed;
	char wsf_val[32];
	long long wsf = 0, wbf = 0;
	int wsf_ret, wbf_ret;
	__u64 live[PRESSURE_LIVE], lsize[PRESSURE_LIVE];
	__u64 *h, big;
	unsigned int i, k;
	int status, ret;
	pid_t pid;

	if (self->fd < 0)
		return;
	h = calloc(PRESSURE_CACHED, sizeof(*h));
	ASSERT_NE(NULL, h);
	/* keep freed memory cached until pressure comes, not until decay */
	ASSERT_EQ(0, jm_write_knob("decay_ms", "86400000"));
	ASSERT_EQ(0, jm_purge());
	/* live objects that must survive, with a pattern */
	for (i = 0; i < PRESSURE_LIVE; i++) {
		lsize[i] = 1 + (i * 7919) % (64 * KiB);
		ASSERT_EQ(0, jm_alloc(self->fd, lsize[i], 0, 0, &live[i], NULL));
		ASSERT_EQ(0, jm_fill(self->fd, live[i], 0, lsize[i], i + 1));
	}
	/* tcache contents: small objects freed */
	for (k = 0; k < ARRAY_SIZE(small); k++) {
		for (i = 0; i < PRESSURE_CACHED; i++)
			ASSERT_EQ(0, jm_alloc(self->fd, small[k], 0, 0, &h[i],
					      NULL));
		for (i = 0; i < PRESSURE_CACHED; i++)
			ASSERT_EQ(0, jm_free(self->fd, h[i]));
	}
	/* retained chunks: objects above the tcache, freed at once */
	big = jm_max(2 * self->v.tcache_max + 1, 64 * KiB);
	if (big > self->v.max_large)
		big = self->v.max_large;
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, jm_alloc(self->fd, big, 0, 0, &h[i], NULL));
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, jm_free(self->fd, h[i]));

	mapped0 = jm_stat_u64("summary.mapped");
	retained0 = jm_stat_u64("summary.retained");
	cached0 = jm_stat_u64("summary.tcache_cached");
	ASSERT_NE(~0ULL, mapped0);
	avail = meminfo_kb("MemAvailable");
	ASSERT_LT(0ULL, avail);
	TH_LOG("before: mapped %llu retained %llu tcache_cached %llu; child touches up to %llu kB available, down to min + %u kB",
	       mapped0, retained0, cached0, avail, HOG_MARGIN_KB);
	EXPECT_LT(0ULL, retained0 + cached0) TH_LOG("nothing cached to give back");

	wsf_ret = read_ll(WSF, &wsf);
	if (!wsf_ret)
		wsf_ret = jm_write_path(WSF, WSF_PRESSURE);
	if (wsf_ret)
		TH_LOG("%s: %s (kswapd may not wake before the OOM killer)",
		       WSF, strerror(-wsf_ret));
	wbf_ret = read_ll(WBF, &wbf);
	if (!wbf_ret)
		wbf_ret = jm_write_path(WBF, "0");
	scanned0 = vm_counter("slabs_scanned");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		hog(meminfo_kb("MemTotal") * 1024);
	ret = waitpid(pid, &status, 0);
	if (!wsf_ret) {
		snprintf(wsf_val, sizeof(wsf_val), "%lld", wsf);
		jm_write_path(WSF, wsf_val);
	}
	if (!wbf_ret) {
		snprintf(wsf_val, sizeof(wsf_val), "%lld", wbf);
		jm_write_path(WBF, wsf_val);
	}
	ASSERT_EQ(pid, ret);
	scanned1 = vm_counter("slabs_scanned");
	/*
	 * Judge the shrinkers only if the kernel reclaimed slab at all.  On
	 * Debian's stock kernels in these guests kswapd may run no slab
	 * reclaim before the hog stops (slabs_scanned does not move);
	 * jmod_tcache_test's drop_caches case checks the shrinkers there.
	 */
	reclaimed = scanned0 != ~0ULL && scanned1 != ~0ULL &&
		    scanned1 > scanned0;
	if (WIFSIGNALED(status))
		TH_LOG("the child died of signal %d (an OOM kill: its report fails the run)",
		       WTERMSIG(status));
	EXPECT_TRUE(WIFSIGNALED(status) || !WEXITSTATUS(status) ||
		    (WEXITSTATUS(status) == 3 && !reclaimed))
		TH_LOG("the child exited with %d (3: jmod still held retained or cached memory after %d s under pressure)",
		       WEXITSTATUS(status), HOG_HOLD_S);

	mapped1 = jm_stat_u64("summary.mapped");
	retained1 = jm_stat_u64("summary.retained");
	cached1 = jm_stat_u64("summary.tcache_cached");
	TH_LOG("after: mapped %llu retained %llu tcache_cached %llu; slabs_scanned +%llu",
	       mapped1, retained1, cached1, scanned1 - scanned0);
	ASSERT_NE(~0ULL, mapped1);
	if (reclaimed) {
		EXPECT_EQ(0ULL, retained1)
			TH_LOG("retained memory survived pressure");
		EXPECT_TRUE(!cached0 || cached1 < cached0)
			TH_LOG("the tcaches were not drained");
		EXPECT_GT(mapped0, mapped1)
			TH_LOG("the shrinker released nothing");
	}

	/* nothing that should not fail did: live data intact, allocs work */
	for (i = 0; i < PRESSURE_LIVE; i++) {
		ret = jm_check(self->fd, live[i], 0, lsize[i], i + 1, NULL);
		EXPECT_EQ(0, ret) TH_LOG("live object %u (%llu bytes): %s", i,
					 (unsigned long long)lsize[i],
					 strerror(-ret));
		EXPECT_EQ(0, jm_free(self->fd, live[i]));
	}
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, jm_alloc(self->fd, 1 + i * 1000, 0, 0, &h[i], NULL));
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, jm_free(self->fd, h[i]));
	free(h);
	expect_quiet(_metadata, "after pressure");
	if (!reclaimed && _metadata->passed)
		SKIP(return, "the kernel ran no slab reclaim under the hog (slabs_scanned +0): shrinkers not judged here");
}

/* === unload === */

static int delete_module(const char *name, unsigned int flags)
{
	return syscall(SYS_delete_module, name, flags) ? -errno : 0;
}

static int load_module(const char *path, const char *args)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, args, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* A fixture of its own, defined last: the harness runs it after stress */
FIXTURE(unload) {
	int unused;
};

FIXTURE_SETUP(unload)
{
}

FIXTURE_TEARDOWN(unload)
{
}

TEST_F_TIMEOUT(unload, busy_then_idle, 120)
{
	const char *path = getenv("JMOD_MODULE");
	const char *args = getenv("JMOD_MODULE_ARGS");
	__u64 h[8];
	unsigned int i;
	int fd, ret;

	if (!path || access(path, R_OK))
		SKIP(return, "JMOD_MODULE (the module file to load again) not set or unreadable");
	if (access(JMOD_MODULE_DIR, F_OK))
		SKIP(return, JMOD_MODULE_NAME " is not loaded");
	fd = jm_open();
	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(-fd));
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		ASSERT_EQ(0, jm_alloc(fd, 100 + i * 50000, 0, 0, &h[i], NULL));
		ASSERT_EQ(0, jm_fill(fd, h[i], 0, 100 + i * 50000, i + 1));
	}

	/* busy: refused, and everything still works */
	ret = delete_module(JMOD_MODULE_NAME, O_NONBLOCK);
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY)
		TH_LOG("delete_module with an open fd: %s", strerror(-ret));
	ASSERT_NE(0, ret) TH_LOG("the module went away under an open fd");
	for (i = 0; i < ARRAY_SIZE(h); i++)
		EXPECT_EQ(0, jm_check(fd, h[i], 0, 100 + i * 50000, i + 1,
				      NULL));
	/* close frees the objects; then unload works */
	close(fd);
	ret = delete_module(JMOD_MODULE_NAME, O_NONBLOCK);
	EXPECT_EQ(0, ret) TH_LOG("delete_module after close: %s",
				 strerror(-ret));
	EXPECT_NE(0, access(JMOD_MODULE_DIR, F_OK));

	/* the runner and the tests after this one want it loaded */
	ret = load_module(path, args ? args : "");
	ASSERT_EQ(0, ret) TH_LOG("finit_module %s '%s': %s", path,
				 args ? args : "", strerror(-ret));
	fd = jm_open();
	ASSERT_LE(0, fd) TH_LOG("open after reload: %s", strerror(-fd));
	ASSERT_EQ(0, jm_alloc(fd, 64, 0, 0, &h[0], NULL));
	ASSERT_EQ(0, jm_free(fd, h[0]));
	close(fd);
}

JMOD_TEST_HARNESS_MAIN
