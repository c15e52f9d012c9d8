// SPDX-License-Identifier: GPL-2.0
/*
 * jmod sampled heap profiling, after jemalloc's prof.
 *
 * Owns the samples: which live allocations were sampled, from which call
 * stack, and the debugfs files that aggregate them by call site.
 *
 * Sampling: every CPU counts down the bytes until its next sample
 * (jmod_stats->prof_left); the allocation path does one this_cpu
 * subtraction and, when the count goes negative, takes the sample.
 * Distances are geometric (exponential) with mean prof_sample bytes, so
 * an allocation of z bytes is sampled with probability 1 - exp(-z/R) and
 * counts for 1 / (1 - exp(-z/R)) objects of z bytes: jemalloc's unbiased
 * estimate, computed here in fixed point.  With prof_sample=0 a static
 * key removes even the subtraction.
 *
 * A sampled small request is served by pages of its own (huge.c: its
 * class size rounded up to pages, one page up to 4 KiB), as jemalloc
 * promotes sampled small allocations out of their bins, so its free
 * finds the sample without any lookup on the ordinary small free path;
 * its usable size stays its small class.  Sampled large runs are flagged
 * "sampled" in their chunk map; huge frees (small samples among them)
 * always look in the sample table.
 *
 * Data flow: jmod.c -> jmod_prof_record() after a sampled allocation,
 * jmod_prof_forget() on its free; debugfs prof / prof.json walk the
 * table and aggregate by stack depot handle.
 *
 * The samples live in a hash table keyed by the object's address
 * (PROF_HASH_BITS buckets): a record is one kmalloc, inserting and
 * removing it allocates nothing else, and the free of a huge object,
 * which always asks whether it was sampled, costs one bucket walk under
 * RCU, with no lock unless it was.
 *
 * Locking: jmod_prof_lock (IRQ-safe: samples come and go in any context)
 * serialises changes to the table; records are freed with kfree_rcu()
 * after removal, so readers walk the table under rcu_read_lock() without
 * blocking allocations.  The per-CPU PRNG is used with interrupts off.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/debugfs.h>
#include <linux/hashtable.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>

#include "internal.h"

#define PROF_DEPTH		16
#define PROF_MAX_SITES		1024
#define PROF_SHOW_FRAMES	8
#define PROF_HASH_BITS		12
#define Q32			BIT_ULL(32)
#define E_MINUS_1_Q32		1580030169ULL	/* exp(-1) * 2^32 */
#define LN2_Q16			45426ULL	/* ln(2) * 2^16 */

struct jmod_prof_rec {
	struct hlist_node node;		/* in jmod_prof_hash, by @ptr */
	const void *ptr;		/* the sampled object */
	u32 stack;
	u64 size;
	u64 rate;		/* mean sampling distance when taken */
	struct rcu_head rcu;
};

DEFINE_STATIC_KEY_FALSE(jmod_prof_key);
static unsigned long jmod_prof_sample = 512 << 10;
static DEFINE_HASHTABLE(jmod_prof_hash, PROF_HASH_BITS);
static DEFINE_SPINLOCK(jmod_prof_lock);	/* changes to jmod_prof_hash */
static struct rnd_state __percpu *jmod_prof_rnd;
static DEFINE_MUTEX(jmod_prof_mutex);	/* rate changes */
static bool jmod_prof_ready;

/* === Fixed-point helpers === */

/* -ln(x / 2^32) in Q16, for x in [1, 2^32). */
static u64 neg_ln_q16(u32 x)
{
	unsigned int ip = ilog2(x), i;
	u64 m = (u64)x << (31 - ip);	/* mantissa in [1, 2), Q31 */
	u64 log2_q16 = (u64)ip << 16;

	for (i = 0; i < 16; i++) {
		m = (m * m) >> 31;
		if (m >= (2ULL << 31)) {
			m >>= 1;
			log2_q16 |= 1ULL << (15 - i);
		}
	}
	return (((32ULL << 16) - log2_q16) * LN2_Q16) >> 16;
}

/* exp(-t) in Q32, for t = num / den. */
static u64 exp_neg_q32(u64 num, u64 den)
{
	u64 n = div64_u64(num, den), r, term, sum, ipart = Q32;
	unsigned int k;

	if (n >= 24)
		return 0;
	/* fraction r in Q32, then exp(-r) by its series */
	r = div64_u64((num - n * den) << 20, den) << 12;
	term = Q32;
	sum = Q32;
	for (k = 1; k < 14; k++) {
		term = ((term * (r >> 16)) >> 16) / k;
		if (k & 1)
			sum -= term;
		else
			sum += term;
	}
	while (n--)
		ipart = (ipart * E_MINUS_1_Q32) >> 32;
	return (sum * (ipart >> 16)) >> 16;
}

/* Bytes to the next sample: exponential with mean @rate. */
static s64 prof_next(unsigned long rate)
{
	struct rnd_state *rs;
	unsigned long flags;
	u32 u;

	local_irq_save(flags);
	rs = this_cpu_ptr(jmod_prof_rnd);
	u = prandom_u32_state(rs) | 1;
	local_irq_restore(flags);
	return max_t(u64, (rate * neg_ln_q16(u)) >> 16, 1);
}

/* === Sampling === */

/*
 * Arm this CPU's countdown after a sample.  The overshoot of the sampled
 * allocation is dropped, not carried: the countdown is memoryless, so an
 * allocation of z bytes is sampled with probability 1 - exp(-z/R).
 */
void jmod_prof_rearm(void)
{
	unsigned long rate = READ_ONCE(jmod_prof_sample);

	if (rate)
		this_cpu_write(jmod_stats->prof_left, prof_next(rate));
}

/**
 * jmod_prof_record() - remember a sampled allocation
 * @p: the object (page aligned: a run or huge allocation)
 * @size: bytes requested
 * @caller: the return address of jmod's API function, where the
 *	caller's own stack starts
 *
 * Context: any; records are allocated with GFP_NOWAIT and a sample that
 * cannot be recorded is dropped.
 */
void jmod_prof_record(const void *p, size_t size, unsigned long caller)
{
	unsigned long entries[PROF_DEPTH];
	struct jmod_prof_rec *rec;
	unsigned int n, i;
	unsigned long flags;

	this_cpu_inc(jmod_stats->nsamples);
	rec = kmalloc(sizeof(*rec), GFP_NOWAIT | __GFP_NOWARN);
	if (!rec)
		return;
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	for (i = 0; i < n && entries[i] != caller; i++)
		;
	if (i == n)
		i = 0;
	rec->stack = stack_depot_save(entries + i, n - i, GFP_NOWAIT);
	rec->ptr = p;
	rec->size = size;
	rec->rate = READ_ONCE(jmod_prof_sample) ?: 1;

	spin_lock_irqsave(&jmod_prof_lock, flags);
	hash_add_rcu(jmod_prof_hash, &rec->node, (unsigned long)p);
	spin_unlock_irqrestore(&jmod_prof_lock, flags);
}

/* @p is being freed: drop its sample, if it has one.  Context: any. */
/* Has @p a sample?  A lock-free look, so unsampled frees take no lock. */
static bool prof_sampled(const void *p)
{
	struct jmod_prof_rec *rec;
	bool found = false;

	rcu_read_lock();
	hash_for_each_possible_rcu(jmod_prof_hash, rec, node, (unsigned long)p) {
		if (READ_ONCE(rec->ptr) == p) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* The record of sampled object @p, or NULL (jmod_prof_lock held). */
static struct jmod_prof_rec *prof_find_locked(const void *p)
{
	struct jmod_prof_rec *rec;

	lockdep_assert_held(&jmod_prof_lock);
	hash_for_each_possible(jmod_prof_hash, rec, node, (unsigned long)p)
		if (rec->ptr == p)
			return rec;
	return NULL;
}

/*
 * Sampled object @p was freed (@forget) or resized in place to @size
 * bytes: drop its record, or make it say so.  Any context.
 */
static void prof_update(const void *p, size_t size, bool forget)
{
	struct jmod_prof_rec *rec;
	unsigned long flags;

	/* a record is added before its object is handed out: none races */
	if (!prof_sampled(p))
		return;
	spin_lock_irqsave(&jmod_prof_lock, flags);
	rec = prof_find_locked(p);
	if (rec && forget)
		hash_del_rcu(&rec->node);
	else if (rec)
		WRITE_ONCE(rec->size, size);
	spin_unlock_irqrestore(&jmod_prof_lock, flags);
	if (rec && forget)
		kfree_rcu(rec, rcu);
}

void jmod_prof_forget(const void *p)
{
	prof_update(p, 0, true);
}

void jmod_prof_resize(const void *p, size_t size)
{
	prof_update(p, size, false);
}

/* Forget every sample (the objects stay); reseed the sampling. */
void jmod_prof_reset_seed(u64 seed)
{
	struct jmod_prof_rec *rec;
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int cpu, bkt;

	spin_lock_irqsave(&jmod_prof_lock, flags);
	hash_for_each_safe(jmod_prof_hash, bkt, tmp, rec, node) {
		hash_del_rcu(&rec->node);
		kfree_rcu(rec, rcu);
	}
	spin_unlock_irqrestore(&jmod_prof_lock, flags);

	for_each_possible_cpu(cpu) {
		prandom_seed_state(per_cpu_ptr(jmod_prof_rnd, cpu), seed + cpu);
		WRITE_ONCE(per_cpu_ptr(jmod_stats, cpu)->prof_left, 0);
	}
}

void jmod_prof_reset(void)
{
	jmod_prof_reset_seed(get_random_u64());
}

/* Set the mean sampling distance; 0 switches profiling off. */
void jmod_prof_set_rate(unsigned long bytes)
{
	unsigned int cpu;

	mutex_lock(&jmod_prof_mutex);
	WRITE_ONCE(jmod_prof_sample, bytes);
	if (jmod_prof_ready) {
		/* start counting down with the new mean at once */
		for_each_possible_cpu(cpu)
			WRITE_ONCE(per_cpu_ptr(jmod_stats, cpu)->prof_left, 0);
		if (bytes)
			static_branch_enable(&jmod_prof_key);
		else
			static_branch_disable(&jmod_prof_key);
	}
	mutex_unlock(&jmod_prof_mutex);
}

unsigned long jmod_prof_rate(void)
{
	return READ_ONCE(jmod_prof_sample);
}

static int prof_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned long bytes;
	int err = kstrtoul(val, 0, &bytes);

	if (err)
		return err;
	jmod_prof_set_rate(bytes);
	return 0;
}

static const struct kernel_param_ops prof_param_ops = {
	.set = prof_param_set,
	.get = param_get_ulong,
};

module_param_cb(prof_sample, &prof_param_ops, &jmod_prof_sample, 0644);
MODULE_PARM_DESC(prof_sample, "Heap profile: mean bytes between samples (default 512 KiB, 0: off)");

/* === Aggregation by call site === */

static int site_cmp(const void *a, const void *b)
{
	const struct jmod_prof_site *x = a, *y = b;

	if (x->est_bytes != y->est_bytes)
		return x->est_bytes < y->est_bytes ? 1 : -1;
	return 0;
}

/*
 * Live samples by call site, sorted by estimated live bytes.  Returns
 * the number of sites (at most @max; samples of further sites are
 * dropped from the view).  Context: process context.
 */
int jmod_prof_sites(struct jmod_prof_site *sites, unsigned int max)
{
	struct jmod_prof_rec *rec;
	unsigned int n = 0, i, bkt;

	/* records are freed after a grace period: read them under RCU */
	rcu_read_lock();
	hash_for_each_rcu(jmod_prof_hash, bkt, rec, node) {
		u64 q = exp_neg_q32(rec->size, rec->rate);
		u64 w_q16 = q >= Q32 ? 1ULL << 16 :
			    div64_u64(1ULL << 48, Q32 - q);

		for (i = 0; i < n && sites[i].stack != rec->stack; i++)
			;
		if (i == n) {
			if (n == max)
				continue;
			memset(&sites[n], 0, sizeof(sites[n]));
			sites[n++].stack = rec->stack;
		}
		sites[i].samples++;
		sites[i].bytes += rec->size;
		sites[i].est_objects += w_q16;
		sites[i].est_bytes += (rec->size * w_q16) >> 16;
	}
	rcu_read_unlock();

	for (i = 0; i < n; i++)
		sites[i].est_objects >>= 16;
	sort(sites, n, sizeof(*sites), site_cmp, NULL);
	return n;
}

/* === debugfs: prof, prof.json, prof_reset === */

/* One site of the profile, as a text row (and its frames) or as JSON */
static void prof_show_site(struct seq_file *m, const struct jmod_prof_site *s,
			   unsigned int i, bool json)
{
	unsigned long *entries;
	unsigned int j, nr;

	nr = s->stack ? stack_depot_fetch(s->stack, &entries) : 0;
	if (!json) {
		seq_printf(m, "%14llu %12llu %8llu %14llu  %pS\n",
			   s->est_bytes, s->est_objects, s->samples, s->bytes,
			   nr ? (void *)entries[0] : NULL);
		for (j = 1; j < nr && j < PROF_SHOW_FRAMES; j++)
			seq_printf(m, "%52s  %pS\n", "", (void *)entries[j]);
		return;
	}
	seq_printf(m, "%s\n{\"est_bytes\":%llu,\"est_objects\":%llu,\"samples\":%llu,\"sampled_bytes\":%llu,\"stack\":[",
		   i ? "," : "", s->est_bytes, s->est_objects, s->samples,
		   s->bytes);
	for (j = 0; j < nr && j < PROF_DEPTH; j++)
		seq_printf(m, "%s\"%pS\"", j ? "," : "", (void *)entries[j]);
	seq_puts(m, "]}");
}

/* The profile by site, largest estimated live bytes first */
static int prof_print(struct seq_file *m, bool json)
{
	struct jmod_prof_site *sites;
	int i, n;

	sites = kvcalloc(PROF_MAX_SITES, sizeof(*sites), GFP_KERNEL);
	if (!sites)
		return -ENOMEM;
	n = jmod_prof_sites(sites, PROF_MAX_SITES);
	if (json) {
		seq_printf(m, "{\"schema\":1,\"prof_sample\":%lu,\"sites\":[",
			   jmod_prof_rate());
	} else {
		seq_printf(m, "heap profile: mean sample distance %lu bytes, %d sites\n",
			   jmod_prof_rate(), n);
		seq_printf(m, "%14s %12s %8s %14s  %s\n", "est_bytes",
			   "est_objects", "samples", "sampled_bytes", "site");
	}
	for (i = 0; i < n; i++)
		prof_show_site(m, &sites[i], i, json);
	if (json)
		seq_puts(m, "\n]}\n");
	kvfree(sites);
	return 0;
}

static int prof_show(struct seq_file *m, void *unused)
{
	return prof_print(m, false);
}
DEFINE_SHOW_ATTRIBUTE(prof);

static int prof_json_show(struct seq_file *m, void *unused)
{
	return prof_print(m, true);
}
DEFINE_SHOW_ATTRIBUTE(prof_json);

static ssize_t prof_reset_write(struct file *file, const char __user *buf,
				size_t count, loff_t *ppos)
{
	unsigned int val;

	if (*ppos || kstrtouint_from_user(buf, count, 0, &val) || val != 1)
		return -EINVAL;
	jmod_prof_reset();
	return count;
}

static const struct file_operations prof_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = prof_reset_write,
	.llseek = noop_llseek,
};

void jmod_prof_debugfs(struct dentry *dir)
{
	debugfs_create_file("prof", 0400, dir, NULL, &prof_fops);
	debugfs_create_file("prof.json", 0400, dir, NULL, &prof_json_fops);
	debugfs_create_file("prof_reset", 0200, dir, NULL, &prof_reset_fops);
}

/* === Init and exit === */

int jmod_prof_init(void)
{
	int err = stack_depot_init();

	if (err)
		return err;
	jmod_prof_rnd = alloc_percpu(struct rnd_state);
	if (!jmod_prof_rnd)
		return -ENOMEM;
	jmod_prof_reset();
	mutex_lock(&jmod_prof_mutex);
	jmod_prof_ready = true;
	mutex_unlock(&jmod_prof_mutex);
	jmod_prof_set_rate(READ_ONCE(jmod_prof_sample));
	return 0;
}

void jmod_prof_exit(void)
{
	if (!jmod_prof_rnd)
		return;
	/*
	 * The prof_sample parameter stays writable until sysfs is torn
	 * down after exit: from here on a write only stores the rate.
	 */
	mutex_lock(&jmod_prof_mutex);
	jmod_prof_ready = false;
	static_branch_disable(&jmod_prof_key);
	mutex_unlock(&jmod_prof_mutex);
	jmod_prof_reset();
	rcu_barrier();
	free_percpu(jmod_prof_rnd);
	jmod_prof_rnd = NULL;
}
