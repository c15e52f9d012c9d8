// SPDX-License-Identifier: GPL-2.0
/*
 * jmod benchmark: JMOD_IOC_BENCH runs a workload on kthreads pinned to
 * chosen CPUs, against one backend, and reports time and memory.
 *
 * Owns one struct bench_run per call, on the caller's stack, and the
 * per-thread state hanging off it.  Workloads (uapi/linux/jmod.h):
 *   PAIR    alloc + free of one request, repeated (the hot path)
 *   BATCH   @live allocations then @live frees (slab_test)
 *   RANDOM  @live slots, each step frees an occupied slot or fills an
 *           empty one (larson-like lifetimes)
 *   REMOTE  producer allocates on one CPU, consumer frees on the next CPU
 *           of the mask in FIFO order through a ring of @live entries
 *           (xmalloc-test-like); one CPU in the mask: each thread is its
 *           own consumer (the local baseline)
 * One op is one allocation together with its free in every workload, so
 * ns/op compares across them.  Absolute times under QEMU TCG mean
 * nothing: compare backends in the same boot.
 *
 * Memory, in pages taken from the page allocator, the same way for every
 * backend: free pages (per-CPU page lists included, per-CPU counter
 * deltas folded in: jmod_bench_pages()) are read before the run, every
 * 4096 ops, after every batch, right after the allocation at which the
 * dry run saw the live set peak, and after the run; the largest drop is
 * the footprint at the peak of the live set.  The peak's own sample
 * matters where a backend gives pages back at once (kmalloc's large
 * objects): between periodic samples its peak would go unseen, while a
 * backend that keeps its pages shows its peak at any later sample, which
 * would flatter the first.  Slab pages plus jmod's own
 * chunk and huge pages are read alongside as a cross-check.  The timed
 * loop calls nothing per object but the backend's alloc and free: the
 * object-level figure (live usable bytes at the peak, from the size
 * alone) comes from a dry run of the same request sequence before the
 * threads start.
 *
 * Synchronisation: the caller creates the threads, releases them at once
 * with complete_all(&go) and waits for each thread's completion.  A
 * fatal signal sets @stop, which threads poll every 1024 ops; the caller
 * always waits for every thread before it returns.  A REMOTE ring is
 * single-producer single-consumer: head is written only by the producer,
 * tail only by the consumer, published with release/acquire.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/prandom.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <uapi/linux/jmod.h>
#include "../internal.h"
#include "test.h"

#define BENCH_SAMPLE_MASK	4095
#define BENCH_POLL_MASK		1023

struct bench_ent {
	void *p;
	u64 size;		/* requested: the pages backend frees by size */
};

struct bench_ring {
	struct bench_ent *slot;
	u32 size;
	u32 head;		/* written by the producer */
	u32 tail;		/* written by the consumer */
	bool closed;		/* producer finished */
};

struct bench_thread {
	struct bench_run *run;
	unsigned int cpu;
	struct rnd_state rs;
	struct task_struct *task;
	struct completion done;
	void **ptr;			/* PAIR/BATCH/RANDOM live objects */
	u32 *len;
	struct bench_ring *ring;	/* REMOTE */
	struct bench_thread *peer;	/* REMOTE: the other end */
	bool consumer;
	bool dry;			/* accounting pass: nothing allocated */
	u64 sample_mask;		/* sample the pages when !(ops & mask) */
	u64 ns, ops, failed, requested, usable;
	u64 live, live_req, peak, peak_req, mapped_peak;
	/*
	 * allocations so far, and the one after which the dry run's live set
	 * peaked: the timed run samples the pages right there
	 */
	u64 nallocs, peak_at;
	s64 pages_peak, slab_peak;	/* drop of free pages, slab growth */
};

struct bench_run {
	const struct jmod_bench *a;
	const struct jmod_backend_ops *be;
	struct jmod_pages_now base;	/* before the run */
	struct completion go;
	bool stop;
};

/* === Pages taken from the page allocator === */

static unsigned long stat_snapshot(atomic_long_t *global, long diff_sum)
{
	long x = atomic_long_read(global) + diff_sum;

	return max(x, 0L);
}

/**
 * jmod_bench_pages() - read the page allocator's level
 * @now: out: free pages (per-CPU lists included), unreclaimable slab
 *	pages (kmalloc's large allocations included), jmod's own pages
 *
 * The per-CPU vmstat deltas are folded in, so two readings a few pages
 * apart really differ by those pages (the global counters alone drift by
 * up to the stat threshold per CPU).  Reads without locks: a racing
 * update makes a reading a few pages off, never wrong by more.
 *
 * Context: any.
 */
void jmod_bench_pages(struct jmod_pages_now *now)
{
	long free = 0, slab = 0;
	int nid, cpu, z;

	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);
		long diff = 0;

		for_each_online_cpu(cpu)
			diff += READ_ONCE(per_cpu_ptr(pgdat->per_cpu_nodestats, cpu)
					  ->vm_node_stat_diff[NR_SLAB_UNRECLAIMABLE_B]);
		slab += stat_snapshot(&pgdat->vm_stat[NR_SLAB_UNRECLAIMABLE_B],
				      diff);
		for (z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &pgdat->node_zones[z];

			if (!populated_zone(zone))
				continue;
			free += zone_page_state_snapshot(zone, NR_FREE_PAGES);
			for_each_online_cpu(cpu)
				free += READ_ONCE(per_cpu_ptr(zone->per_cpu_pageset,
							      cpu)->count);
		}
	}
	now->free = free;
	now->slab = slab;
	now->jmod = jmod_mapped_pages();
}

/* JMOD_POLICY_* of the running kernel */
u32 jmod_bench_policy(void)
{
	return (want_init_on_alloc(0) ? JMOD_POLICY_INIT_ON_ALLOC : 0) |
	       (want_init_on_free() ? JMOD_POLICY_INIT_ON_FREE : 0);
}

/* Pages taken since @base: the drop of free pages, the slab growth. */
static void pages_since(const struct jmod_pages_now *base, s64 *pages,
			s64 *slab)
{
	struct jmod_pages_now now;

	jmod_bench_pages(&now);
	*pages = (s64)base->free - (s64)now.free;
	*slab = (s64)(now.slab + now.jmod) - (s64)(base->slab + base->jmod);
}

static void bench_sample(struct bench_thread *t)
{
	s64 pages, slab;

	if (t->dry)
		return;
	pages_since(&t->run->base, &pages, &slab);
	t->pages_peak = max(t->pages_peak, pages);
	t->slab_peak = max(t->slab_peak, slab);
	t->mapped_peak = max_t(u64, t->mapped_peak, jmod_mapped_pages());
}

/* === Sizes === */

static const struct { u32 lo, hi, weight; } kernel_mix[] = {
	{ 8, 16, 10 }, { 17, 64, 30 }, { 65, 256, 25 }, { 257, 1024, 20 },
	{ 1025, 4096, 10 }, { 4097, 16384, 5 },
};

static u64 rnd_range(struct rnd_state *rs, u64 lo, u64 hi)
{
	return lo + (((u64)prandom_u32_state(rs) * (hi - lo + 1)) >> 32);
}

static size_t bench_size(struct bench_thread *t)
{
	const struct jmod_bench *a = t->run->a;
	u32 r, w, i;
	u64 s;

	switch (a->dist) {
	case JMOD_DIST_UNIFORM:
		return rnd_range(&t->rs, a->min_size, a->max_size);
	case JMOD_DIST_PARETO:
		/* P(size > x) = min_size / x: alpha 1 */
		r = prandom_u32_state(&t->rs) & 0xffff;
		s = div_u64(a->min_size << 16, r + 1);
		return clamp_t(u64, s, a->min_size, a->max_size);
	case JMOD_DIST_KERNEL:
		w = prandom_u32_state(&t->rs) % 100;
		for (i = 0; i < ARRAY_SIZE(kernel_mix) - 1; i++) {
			if (w < kernel_mix[i].weight)
				break;
			w -= kernel_mix[i].weight;
		}
		return rnd_range(&t->rs, kernel_mix[i].lo, kernel_mix[i].hi);
	default:
		return a->min_size;
	}
}

/* === Accounting === */

/*
 * The dry run (t->dry) keeps the object-level figures from the size
 * alone (the backend's usable_for(), e.g. kmalloc_size_roundup()) and
 * allocates nothing, and notes after which allocation the live set
 * peaked; the timed run only allocates and frees, and samples the pages
 * after that allocation (one sample per run).  The one branch on t->dry
 * per op is the same for every backend.
 */
static void *bench_alloc(struct bench_thread *t, size_t size)
{
	void *p;
	u64 u;

	t->nallocs++;
	if (!t->dry) {
		p = t->run->be->alloc(size, GFP_KERNEL | __GFP_NOWARN);
		if (unlikely(!p))
			t->failed++;
		else if (unlikely(t->nallocs == t->peak_at))
			bench_sample(t);	/* the live set's peak */
		return p;
	}
	u = t->run->be->usable_for(size);
	t->requested += size;
	t->usable += u;
	t->live += u;
	t->live_req += size;
	if (t->live > t->peak) {
		t->peak = t->live;
		t->peak_req = t->live_req;
		t->peak_at = t->nallocs;
	}
	return t;	/* not NULL: the slot counts as live */
}

static void bench_free(struct bench_thread *t, void *p, size_t size)
{
	if (!t->dry) {
		t->run->be->free(p, size);
		return;
	}
	t->live -= t->run->be->usable_for(size);
	t->live_req -= size;
}

/*
 * every 1024 ops: yield, notice a stop; every sample_mask + 1 ops (4096,
 * or the live set rounded up to a power of two, at least 64): sample
 * the pages, so a short run with a small live set still sees its peak
 */
static bool bench_tick(struct bench_thread *t)
{
	if (!(t->ops & t->sample_mask))
		bench_sample(t);
	if (t->ops & BENCH_POLL_MASK)
		return false;
	cond_resched();
	return READ_ONCE(t->run->stop);
}

/* === Workloads === */

static void run_pair(struct bench_thread *t)
{
	u64 n = t->run->a->ops;
	size_t size;
	void *p;

	for (t->ops = 0; t->ops < n; t->ops++) {
		size = bench_size(t);
		p = bench_alloc(t, size);
		if (p)
			bench_free(t, p, size);
		if (bench_tick(t))
			break;
	}
}

static void run_batch(struct bench_thread *t)
{
	const struct jmod_bench *a = t->run->a;
	u64 i, j, k;

	for (i = 0; i < a->ops && !READ_ONCE(t->run->stop); i += k) {
		k = min(a->live, a->ops - i);
		for (j = 0; j < k; j++) {
			t->len[j] = bench_size(t);
			t->ptr[j] = bench_alloc(t, t->len[j]);
		}
		/* the peak of this batch: once per @live ops */
		bench_sample(t);
		for (j = 0; j < k; j++) {
			if (t->ptr[j])
				bench_free(t, t->ptr[j], t->len[j]);
		}
		t->ops = i + k;
		cond_resched();
	}
}

static void run_random(struct bench_thread *t)
{
	const struct jmod_bench *a = t->run->a;
	u32 s;

	t->ops = 0;
	while (t->ops < a->ops) {
		s = prandom_u32_state(&t->rs) % a->live;
		if (t->ptr[s]) {
			bench_free(t, t->ptr[s], t->len[s]);
			t->ptr[s] = NULL;
			continue;
		}
		t->len[s] = bench_size(t);
		t->ptr[s] = bench_alloc(t, t->len[s]);
		t->ops++;
		if (bench_tick(t))
			break;
	}
	bench_sample(t);	/* the live set as it stands at the end */
	for (s = 0; s < a->live; s++) {
		if (t->ptr[s])
			bench_free(t, t->ptr[s], t->len[s]);
		t->ptr[s] = NULL;
	}
}

/* Ring entries carry the object and its requested size. */
static void ring_free_one(struct bench_thread *t, const struct bench_ent *e)
{
	bench_free(t, e->p, e->size);
}

static bool ring_full(struct bench_ring *r)
{
	/* acquire: the consumer is done with the slot it released */
	return r->head - smp_load_acquire(&r->tail) == r->size;
}

static void ring_push(struct bench_ring *r, void *p, u64 size)
{
	r->slot[r->head % r->size] = (struct bench_ent){ .p = p, .size = size };
	/* release: the slot is written before the consumer can see it */
	smp_store_release(&r->head, r->head + 1);
}

/* Pop the oldest entry into @p; false when the ring is empty. */
static bool ring_pop(struct bench_ring *r, struct bench_ent *e)
{
	/* acquire: pairs with ring_push(), the slot is visible */
	if (r->tail == smp_load_acquire(&r->head))
		return false;
	*e = r->slot[r->tail % r->size];
	/* release: we are done reading the slot before the producer reuses it */
	smp_store_release(&r->tail, r->tail + 1);
	return true;
}

static void run_producer(struct bench_thread *t)
{
	struct bench_ring *r = t->ring;
	/* the dry run is sequential: it plays both ends, ring always full */
	bool local = !t->peer || t->dry;
	struct bench_ent old;
	u64 spins = 0;
	size_t size;
	void *p;

	for (t->ops = 0; t->ops < t->run->a->ops; t->ops++) {
		if (bench_tick(t))
			break;
		size = bench_size(t);
		p = bench_alloc(t, size);
		if (!p)
			continue;
		while (ring_full(r)) {
			if (local && ring_pop(r, &old)) {
				ring_free_one(t, &old);
				continue;
			}
			cpu_relax();
			/* the consumer drains until closed: wait for room */
			if (!(++spins & 0xffff))
				cond_resched();
		}
		ring_push(r, p, size);
	}
	while (local && ring_pop(r, &old))
		ring_free_one(t, &old);
	/* release: every push happens before the consumer sees "closed" */
	smp_store_release(&r->closed, true);
}

static void run_consumer(struct bench_thread *t)
{
	struct bench_ring *r = t->ring;
	struct bench_ent e;
	u64 polls = 0;

	for (;;) {
		if (ring_pop(r, &e)) {
			ring_free_one(t, &e);
			continue;
		}
		/* acquire: pairs with the release of "closed" after the last push */
		if (smp_load_acquire(&r->closed)) {
			while (ring_pop(r, &e))
				ring_free_one(t, &e);
			break;
		}
		cpu_relax();
		if (!(++polls & 0xffff))
			cond_resched();
	}
}

static void bench_workload(struct bench_thread *t)
{
	switch (t->run->a->workload) {
	case JMOD_BENCH_PAIR:
		run_pair(t);
		break;
	case JMOD_BENCH_BATCH:
		run_batch(t);
		break;
	case JMOD_BENCH_RANDOM:
		run_random(t);
		break;
	case JMOD_BENCH_REMOTE:
		if (t->consumer)
			run_consumer(t);
		else
			run_producer(t);
		break;
	}
}

/*
 * The dry run of thread @idx, in the caller before any thread starts:
 * the same requests from the same seed, nothing allocated, for the
 * object-level figures; then the thread's state is as new.
 */
static void bench_dry_run(struct bench_thread *t, unsigned int idx)
{
	t->dry = true;
	bench_workload(t);
	t->dry = false;
	t->ops = 0;
	t->nallocs = 0;
	t->live = 0;
	t->live_req = 0;
	prandom_seed_state(&t->rs, t->run->a->seed + idx);
	if (t->ring) {
		t->ring->head = 0;
		t->ring->tail = 0;
		t->ring->closed = false;
	}
}

static int bench_thread_fn(void *data)
{
	struct bench_thread *t = data;
	u64 t0;

	wait_for_completion(&t->run->go);
	t0 = ktime_get_ns();
	bench_workload(t);
	t->ns = ktime_get_ns() - t0;
	bench_sample(t);
	complete(&t->done);
	return 0;
}

/* === The ioctl === */

static int bench_check(const struct jmod_bench *a, const struct cpumask *cpus)
{
	const struct jmod_backend_ops *be = jmod_backend(a->backend);
	u64 objs;

	if (a->workload < JMOD_BENCH_PAIR || a->workload >= JMOD_BENCH_NR ||
	    !be || a->dist >= JMOD_DIST_NR || !a->nr_threads || !a->ops ||
	    !a->min_size || a->max_size < a->min_size || cpumask_empty(cpus))
		return -EINVAL;
	if (a->workload != JMOD_BENCH_PAIR && !a->live)
		return -EINVAL;
	if (a->nr_threads > JMOD_BENCH_MAX_THREADS ||
	    a->live > JMOD_BENCH_MAX_LIVE || a->ops > JMOD_BENCH_MAX_OPS)
		return -E2BIG;
	if (a->max_size > READ_ONCE(jmod_quota_bytes))
		return -EFBIG;
	if (a->flags & ~JMOD_BENCH_PURGE)
		return -EINVAL;
	/*
	 * What the run can hold at once must fit the fd's quotas, as the
	 * fd's own objects do: every thread's live set (REMOTE: its ring;
	 * PAIR: one object) of objects of up to max_size.  The limits
	 * above keep the product from overflowing.
	 */
	objs = (u64)a->nr_threads *
	       (a->workload == JMOD_BENCH_PAIR ? 1 : a->live);
	if (objs > READ_ONCE(jmod_quota_objects) ||
	    objs * a->max_size > READ_ONCE(jmod_quota_bytes))
		return -EDQUOT;
	if ((a->backend == JMOD_BACKEND_PAGES ||
	     a->backend == JMOD_BACKEND_VMALLOC) &&
	    a->dist != JMOD_DIST_KERNEL && a->min_size < PAGE_SIZE)
		return -EINVAL;
	return 0;
}

static int bench_cpus(const struct jmod_bench *a, struct cpumask *cpus)
{
	unsigned int cpu;

	if (!a->cpu_mask) {
		cpumask_copy(cpus, cpu_online_mask);
		return 0;
	}
	cpumask_clear(cpus);
	for (cpu = 0; cpu < 64; cpu++) {
		if (!(a->cpu_mask & BIT_ULL(cpu)))
			continue;
		if (cpu >= nr_cpu_ids || !cpu_online(cpu))
			return -EINVAL;
		cpumask_set_cpu(cpu, cpus);
	}
	return 0;
}

static void bench_free_threads(struct bench_thread *th, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		kvfree(th[i].ptr);
		kvfree(th[i].len);
		if (th[i].ring && !th[i].consumer) {
			kvfree(th[i].ring->slot);
			kfree(th[i].ring);
		}
	}
	kvfree(th);
}

static int bench_setup_thread(struct bench_run *run, struct bench_thread *t,
			      unsigned int idx)
{
	const struct jmod_bench *a = run->a;

	t->run = run;
	t->sample_mask = BENCH_SAMPLE_MASK;
	if (a->workload != JMOD_BENCH_PAIR)
		t->sample_mask = roundup_pow_of_two(clamp_t(u64, a->live, 64,
							    BENCH_SAMPLE_MASK + 1)) - 1;
	prandom_seed_state(&t->rs, a->seed + idx);
	init_completion(&t->done);
	if (a->workload == JMOD_BENCH_BATCH || a->workload == JMOD_BENCH_RANDOM) {
		t->ptr = kvcalloc(a->live, sizeof(*t->ptr), GFP_KERNEL);
		t->len = kvcalloc(a->live, sizeof(*t->len), GFP_KERNEL);
		if (!t->ptr || !t->len)
			return -ENOMEM;
	}
	if (a->workload == JMOD_BENCH_REMOTE && !t->consumer) {
		t->ring = kzalloc(sizeof(*t->ring), GFP_KERNEL);
		if (!t->ring)
			return -ENOMEM;
		t->ring->size = a->live;
		t->ring->slot = kvcalloc(a->live, sizeof(*t->ring->slot),
					 GFP_KERNEL);
		if (!t->ring->slot)
			return -ENOMEM;
	}
	return 0;
}

int jmod_bench_run(struct jmod_bench *a)
{
	struct bench_run run = { .a = a, .be = jmod_backend(a->backend) };
	unsigned int i, n, cpu, nr_cpus;
	struct bench_thread *th;
	cpumask_var_t cpus;
	bool remote;
	int err;
	u64 t0;

	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	/* a CPU going offline mid-run only unbinds its thread */
	err = bench_cpus(a, cpus) ?: bench_check(a, cpus);
	if (err)
		goto out_cpus;
	nr_cpus = cpumask_weight(cpus);
	remote = a->workload == JMOD_BENCH_REMOTE && nr_cpus > 1;
	n = remote ? 2 * a->nr_threads : a->nr_threads;

	th = kvcalloc(n, sizeof(*th), GFP_KERNEL);
	if (!th) {
		err = -ENOMEM;
		goto out_cpus;
	}
	init_completion(&run.go);
	cpu = cpumask_first(cpus);
	for (i = 0; i < n; i++) {
		struct bench_thread *t = &th[i];

		if (remote && (i & 1)) {
			/* the consumer of th[i - 1], on the next CPU */
			t->consumer = true;
			t->peer = &th[i - 1];
			th[i - 1].peer = t;
			t->ring = th[i - 1].ring;
		}
		t->cpu = cpu;
		cpu = cpumask_next(cpu, cpus);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpus);
		err = bench_setup_thread(&run, t, i);
		if (err)
			goto out_threads;
		if (!t->consumer)
			bench_dry_run(t, i);
		if (READ_ONCE(run.stop) || fatal_signal_pending(current)) {
			err = -EINTR;
			goto out_threads;
		}
		t->task = kthread_create_on_node(bench_thread_fn, t,
						 cpu_to_node(t->cpu),
						 "jmod-bench/%u", t->cpu);
		if (IS_ERR(t->task)) {
			err = PTR_ERR(t->task);
			t->task = NULL;
			goto out_threads;
		}
		kthread_bind(t->task, t->cpu);
	}

	for (i = 0; i < n; i++)
		wake_up_process(th[i].task);
	a->mapped_start = jmod_mapped_pages();
	jmod_bench_pages(&run.base);
	t0 = ktime_get_ns();
	complete_all(&run.go);
	for (i = 0; i < n; i++) {
		if (wait_for_completion_killable(&th[i].done)) {
			WRITE_ONCE(run.stop, true);
			wait_for_completion(&th[i].done);
		}
	}
	a->elapsed_ns = ktime_get_ns() - t0;
	a->mapped_end = jmod_mapped_pages();
	a->policy = jmod_bench_policy();
	pages_since(&run.base, &a->pages_end, &a->slab_pages_end);
	a->pages_purged = 0;
	if (a->flags & JMOD_BENCH_PURGE) {
		s64 slab;

		jmod_purge();
		pages_since(&run.base, &a->pages_purged, &slab);
	}

	a->thread_ns = 0;
	a->total_ops = 0;
	a->failed = 0;
	a->requested_bytes = 0;
	a->usable_bytes = 0;
	a->peak_bytes = 0;
	a->peak_requested = 0;
	a->mapped_peak = a->mapped_start;
	a->pages_peak = a->pages_end;
	a->slab_pages_peak = a->slab_pages_end;
	for (i = 0; i < n; i++) {
		struct bench_thread *t = &th[i];

		a->mapped_peak = max(a->mapped_peak, t->mapped_peak);
		a->pages_peak = max(a->pages_peak, t->pages_peak);
		a->slab_pages_peak = max(a->slab_pages_peak, t->slab_peak);
		if (t->consumer)
			continue;
		a->thread_ns += t->ns;
		a->total_ops += t->ops;
		a->failed += t->failed;
		a->requested_bytes += t->requested;
		a->usable_bytes += t->usable;
		a->peak_bytes += t->peak;
		a->peak_requested += t->peak_req;
	}
	err = run.stop ? -EINTR : 0;
	bench_free_threads(th, n);
	goto out_cpus;

out_threads:
	for (i = 0; i < n; i++)
		if (th[i].task)
			kthread_stop(th[i].task);
	bench_free_threads(th, n);
out_cpus:
	free_cpumask_var(cpus);
	return err;
}
