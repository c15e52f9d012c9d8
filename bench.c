// SPDX-License-Identifier: GPL-2.0
/*
 * jmod benchmark: JMOD_IOC_BENCH runs a workload on kthreads pinned to
 * chosen CPUs, against one back end, and reports time and memory.
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
 * nothing: compare back ends in the same boot.
 *
 * Memory: every thread tracks its live usable bytes with the back end's
 * footprint rule (backend.c), taken from the size alone and checked
 * against the object every 4096 ops, and keeps the peak; jmod's own page
 * count (chunks and huge pages) is sampled every 4096 ops.
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
#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <uapi/linux/jmod.h>
#include "internal.h"

#define BENCH_SAMPLE_MASK	4095
#define BENCH_POLL_MASK		1023

struct bench_ent {
	void *p;
	u64 size;		/* requested: the pages back end frees by size */
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
	u64 ns, ops, failed, requested, usable;
	u64 live, live_req, peak, peak_req, mapped_peak;
	u64 freed_usable, freed_req;	/* REMOTE: what this end freed */
};

struct bench_run {
	const struct jmod_bench *a;
	const struct jmod_backend_ops *be;
	struct completion go;
	bool stop;
};

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
 * The footprint rule from the size alone where the back end can (no
 * pointer lookup in the timed loop), checked against the pointer's own
 * usable size every BENCH_SAMPLE_MASK + 1 ops: a difference counts as a
 * failed op.
 */
static u64 bench_usable(struct bench_thread *t, const void *p, size_t size)
{
	const struct jmod_backend_ops *be = t->run->be;
	size_t u = be->usable_for(size), real;

	if (likely(u) && (t->ops & BENCH_SAMPLE_MASK))
		return u;
	real = be->usable(p, size);
	if (u && u != real) {
		pr_warn_once("bench: %s: usable size of %zu bytes: %zu, from the size %zu\n",
			     be->name, size, real, u);
		t->failed++;
	}
	return real;
}

static void *bench_alloc(struct bench_thread *t, size_t size, u64 *usable)
{
	void *p = t->run->be->alloc(size, GFP_KERNEL | __GFP_NOWARN);

	if (!p) {
		t->failed++;
		return NULL;
	}
	*usable = bench_usable(t, p, size);
	t->requested += size;
	t->usable += *usable;
	t->live += *usable;
	t->live_req += size;
	if (t->live > t->peak) {
		t->peak = t->live;
		t->peak_req = t->live_req;
	}
	return p;
}

static void bench_free(struct bench_thread *t, void *p, size_t size,
		       u64 usable)
{
	t->run->be->free(p, size);
	t->live -= usable;
	t->live_req -= size;
}

/* every 1024 ops: yield, notice a stop; every 4096: sample jmod's pages */
static bool bench_tick(struct bench_thread *t)
{
	if (!(t->ops & BENCH_SAMPLE_MASK))
		t->mapped_peak = max_t(u64, t->mapped_peak, jmod_mapped_pages());
	if (t->ops & BENCH_POLL_MASK)
		return false;
	cond_resched();
	return READ_ONCE(t->run->stop);
}

/* === Workloads === */

static void run_pair(struct bench_thread *t)
{
	u64 n = t->run->a->ops, usable;
	size_t size;
	void *p;

	for (t->ops = 0; t->ops < n; t->ops++) {
		size = bench_size(t);
		p = bench_alloc(t, size, &usable);
		if (p)
			bench_free(t, p, size, usable);
		if (bench_tick(t))
			break;
	}
}

static void run_batch(struct bench_thread *t)
{
	const struct jmod_bench *a = t->run->a;
	u64 i, j, k, usable;

	for (i = 0; i < a->ops && !READ_ONCE(t->run->stop); i += k) {
		k = min(a->live, a->ops - i);
		for (j = 0; j < k; j++) {
			t->len[j] = bench_size(t);
			t->ptr[j] = bench_alloc(t, t->len[j], &usable);
		}
		for (j = 0; j < k; j++) {
			if (t->ptr[j])
				bench_free(t, t->ptr[j], t->len[j],
					   t->run->be->usable(t->ptr[j], t->len[j]));
		}
		t->ops = i + k;
		t->mapped_peak = max_t(u64, t->mapped_peak, jmod_mapped_pages());
		cond_resched();
	}
}

static void run_random(struct bench_thread *t)
{
	const struct jmod_bench *a = t->run->a;
	u64 usable;
	u32 s;

	t->ops = 0;
	while (t->ops < a->ops) {
		s = prandom_u32_state(&t->rs) % a->live;
		if (t->ptr[s]) {
			bench_free(t, t->ptr[s], t->len[s],
				   t->run->be->usable(t->ptr[s], t->len[s]));
			t->ptr[s] = NULL;
			continue;
		}
		t->len[s] = bench_size(t);
		t->ptr[s] = bench_alloc(t, t->len[s], &usable);
		t->ops++;
		if (bench_tick(t))
			break;
	}
	for (s = 0; s < a->live; s++) {
		if (t->ptr[s])
			bench_free(t, t->ptr[s], t->len[s],
				   t->run->be->usable(t->ptr[s], t->len[s]));
		t->ptr[s] = NULL;
	}
}

/* Ring entries carry the object and its requested size. */
static void ring_free_one(struct bench_thread *t, const struct bench_ent *e)
{
	u64 usable = t->run->be->usable(e->p, e->size);

	t->run->be->free(e->p, e->size);
	/* read by the producer for its live bytes */
	WRITE_ONCE(t->freed_usable, t->freed_usable + usable);
	WRITE_ONCE(t->freed_req, t->freed_req + e->size);
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
	struct bench_thread *end = t->peer ?: t;
	bool local = !t->peer;
	struct bench_ent old;
	u64 usable, spins = 0;
	size_t size;
	void *p;

	for (t->ops = 0; t->ops < t->run->a->ops; t->ops++) {
		if (bench_tick(t))
			break;
		size = bench_size(t);
		p = bench_alloc(t, size, &usable);
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
		/* in flight: produced minus what the consumer gave back */
		t->live = t->usable - READ_ONCE(end->freed_usable);
		t->live_req = t->requested - READ_ONCE(end->freed_req);
		if (t->live > t->peak) {
			t->peak = t->live;
			t->peak_req = t->live_req;
		}
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

static int bench_thread_fn(void *data)
{
	struct bench_thread *t = data;
	u64 t0;

	wait_for_completion(&t->run->go);
	t0 = ktime_get_ns();
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
	t->ns = ktime_get_ns() - t0;
	t->mapped_peak = max_t(u64, t->mapped_peak, jmod_mapped_pages());
	complete(&t->done);
	return 0;
}

/* === The ioctl === */

static int bench_check(const struct jmod_bench *a, const struct cpumask *cpus)
{
	const struct jmod_backend_ops *be = jmod_backend(a->backend);

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

	a->mapped_start = jmod_mapped_pages();
	for (i = 0; i < n; i++)
		wake_up_process(th[i].task);
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

	a->thread_ns = 0;
	a->total_ops = 0;
	a->failed = 0;
	a->requested_bytes = 0;
	a->usable_bytes = 0;
	a->peak_bytes = 0;
	a->peak_requested = 0;
	a->mapped_peak = a->mapped_start;
	for (i = 0; i < n; i++) {
		struct bench_thread *t = &th[i];

		a->mapped_peak = max(a->mapped_peak, t->mapped_peak);
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
