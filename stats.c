// SPDX-License-Identifier: GPL-2.0
/*
 * jmod statistics: per-CPU event counters and the debugfs directory.
 *
 * Owns jmod_stats, one struct jmod_cpu_stats per CPU.  Writers are the
 * allocation and free paths on their own CPU, with this_cpu_*() ops:
 * IRQ-safe, no atomic read-modify-write, no shared cacheline.  Gauges
 * such as huge_pages go up on one CPU and down on another, so they are
 * signed per CPU and only their sum means anything.  Readers sum all
 * possible CPUs without a lock; a sum taken while allocations run is a
 * snapshot, exact when the system is quiet.
 *
 * "reset" does not write other CPUs' counters: it records the current
 * sums as a base (jmod_stats_base, under jmod_stats_mutex) and event
 * counters are shown relative to it.  Gauges (curregs, curruns, pages)
 * are computed from the raw sums and are never reset.
 *
 * debugfs jmod/ (root only; column names follow jemalloc's
 * malloc_stats_print):
 *   stats        summary: allocated, requested, active, mapped, retained,
 *                metadata, per kind nmalloc/ndalloc/nrequests, tcache
 *   bins         one row per small class
 *   large        one row per large class, and one for huge
 *   arenas       one row per arena
 *   tcache_cpus  one row per CPU; tcache_bins: per CPU and class
 *   stats.json   all of the above, schema JMOD_STATS_SCHEMA (README);
 *                the per-class arrays are "bins" and "lextents" (large
 *                extents), as in jemalloc's JSON
 *   decay_ms     rw knob;  tcache  rw knob (0/1)
 *   purge        w 1: drain every tcache and release every free chunk
 *   reset        w 1: zero the event counters (gauges stay)
 *   validate     w 1: check every arena's run metadata (and red zones and
 *                poison in debug mode), report problems in the kernel log
 *   prof, prof.json, prof_reset: the heap profile (prof.c)
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <uapi/linux/jmod.h>
#include "internal.h"

#define JMOD_STATS_SCHEMA	2
#define JMOD_DECAY_MS_MAX	(24U * 3600 * 1000)

struct jmod_cpu_stats __percpu *jmod_stats;
static struct jmod_cpu_stats *jmod_stats_base;	/* at the last reset */
static DEFINE_MUTEX(jmod_stats_mutex);		/* jmod_stats_base */
static u64 jmod_load_ns, jmod_reset_ns;
static struct dentry *jmod_debugfs;

/* === Counters === */

void jmod_stats_read(struct jmod_cpu_stats *sum)
{
	unsigned int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct jmod_cpu_stats *s = per_cpu_ptr(jmod_stats, cpu);

		for (i = 0; i < JMOD_NR_SLOTS; i++) {
			sum->nmalloc[i] += READ_ONCE(s->nmalloc[i]);
			sum->ndalloc[i] += READ_ONCE(s->ndalloc[i]);
			sum->nrequests[i] += READ_ONCE(s->nrequests[i]);
			sum->requested[i] += READ_ONCE(s->requested[i]);
		}
		sum->nbadfree += READ_ONCE(s->nbadfree);
		sum->nrealloc_inplace += READ_ONCE(s->nrealloc_inplace);
		sum->nlarge_fallback += READ_ONCE(s->nlarge_fallback);
		sum->nerrors += READ_ONCE(s->nerrors);
		sum->nsamples += READ_ONCE(s->nsamples);
		sum->huge_pages += READ_ONCE(s->huge_pages);
		sum->chunk_pages += READ_ONCE(s->chunk_pages);
		sum->meta_bytes += READ_ONCE(s->meta_bytes);
	}
}

/* Pages jmod holds from the buddy allocator for chunks and huge objects. */
unsigned long jmod_mapped_pages(void)
{
	long sum = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		const struct jmod_cpu_stats *s = per_cpu_ptr(jmod_stats, cpu);

		sum += READ_ONCE(s->chunk_pages) + READ_ONCE(s->huge_pages);
	}
	return max(sum, 0L);
}

/* Raw sums, kmalloc'ed; the caller kfree()s them. */
struct jmod_cpu_stats *jmod_stats_snapshot(void)
{
	struct jmod_cpu_stats *s = kmalloc(sizeof(*s), GFP_KERNEL);

	if (s)
		jmod_stats_read(s);
	return s;
}

static void stats_reset(void)
{
	mutex_lock(&jmod_stats_mutex);
	jmod_stats_read(jmod_stats_base);
	jmod_tcache_stats_reset();
	jmod_reset_ns = ktime_get_boottime_ns();
	mutex_unlock(&jmod_stats_mutex);
}

int jmod_stats_init(void)
{
	jmod_stats = alloc_percpu(struct jmod_cpu_stats);
	jmod_stats_base = kzalloc(sizeof(*jmod_stats_base), GFP_KERNEL);
	if (!jmod_stats || !jmod_stats_base) {
		jmod_stats_exit();
		return -ENOMEM;
	}
	jmod_load_ns = ktime_get_boottime_ns();
	jmod_reset_ns = jmod_load_ns;
	return 0;
}

void jmod_stats_exit(void)
{
	free_percpu(jmod_stats);
	jmod_stats = NULL;
	kfree(jmod_stats_base);
	jmod_stats_base = NULL;
}

/* === One consistent view for every file === */

struct jmod_class_view {
	u64 size;
	u64 nmalloc, ndalloc, nrequests, requested;	/* since reset */
	u64 cur;					/* curregs/curruns */
	u64 nfills, nflushes, ncached;			/* tcache, all CPUs */
};

struct jmod_view {
	struct jmod_cpu_stats raw;
	struct jmod_class_view cls[JMOD_NR_SLOTS];
	struct jmod_slabinfo slab[JMOD_NR_SMALL];
	bool slab_known;
	u64 since_reset_ns;
	u64 bad_frees, realloc_inplace, large_fallbacks, errors, samples;
	/* summary, bytes */
	u64 allocated, active, cached, mapped, retained, metadata;
	u64 slab_pages;
	/* per kind: 0 small, 1 large, 2 huge */
	u64 nmalloc[3], ndalloc[3], nrequests[3], requested[3], cur_bytes[3];
	u64 tc_requests, tc_hits, tc_fills, tc_flushes;
};

static const char *const jmod_kind_names[3] = { "small", "large", "huge" };

static unsigned int slot_kind(unsigned int slot)
{
	if (slot == JMOD_HUGE_SLOT)
		return 2;
	return slot < JMOD_NR_SMALL ? 0 : 1;
}

static struct jmod_view *view_build(bool with_slabs)
{
	struct jmod_cpu_stats *base;
	struct jmod_view *v;
	unsigned int i, cpu, k;

	v = kvzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return NULL;
	jmod_stats_read(&v->raw);

	mutex_lock(&jmod_stats_mutex);
	base = jmod_stats_base;
	for (i = 0; i < JMOD_NR_SLOTS; i++) {
		struct jmod_class_view *c = &v->cls[i];

		if (i >= jmod_nr_classes && i != JMOD_HUGE_SLOT)
			continue;
		c->size = i == JMOD_HUGE_SLOT ? 0 : jmod_class_size[i];
		c->nmalloc = v->raw.nmalloc[i] - base->nmalloc[i];
		c->ndalloc = v->raw.ndalloc[i] - base->ndalloc[i];
		c->nrequests = v->raw.nrequests[i] - base->nrequests[i];
		c->requested = v->raw.requested[i] - base->requested[i];
		/*
		 * A free on one CPU can be summed before its allocation on
		 * another: clamp instead of wrapping to 2^64 - n.
		 */
		c->cur = v->raw.nmalloc[i] > v->raw.ndalloc[i] ?
			 v->raw.nmalloc[i] - v->raw.ndalloc[i] : 0;
	}
	v->bad_frees = v->raw.nbadfree - base->nbadfree;
	v->realloc_inplace = v->raw.nrealloc_inplace - base->nrealloc_inplace;
	v->large_fallbacks = v->raw.nlarge_fallback - base->nlarge_fallback;
	v->errors = v->raw.nerrors - base->nerrors;
	v->samples = v->raw.nsamples - base->nsamples;
	v->since_reset_ns = ktime_get_boottime_ns() - jmod_reset_ns;
	mutex_unlock(&jmod_stats_mutex);

	for_each_possible_cpu(cpu) {
		for (i = 0; i < jmod_nr_tbins; i++) {
			struct jmod_tbin_stats st;

			jmod_tcache_bin_stats(cpu, i, &st);
			v->cls[i].nfills += st.nfills;
			v->cls[i].nflushes += st.nflushes;
			v->cls[i].ncached += st.ncached;
			v->tc_requests += st.nrequests;
			v->tc_hits += st.nhits;
			v->tc_fills += st.nfills;
			v->tc_flushes += st.nflushes;
		}
	}

	v->slab_known = with_slabs;
	for (i = 0; i < JMOD_NR_SMALL; i++) {
		if (!with_slabs || jmod_small_slabinfo(i, &v->slab[i])) {
			v->slab_known = false;
			v->slab[i].objs_per_slab = jmod_small_objs_per_slab(i);
		}
		v->slab_pages += v->slab[i].slabs * v->slab[i].pages_per_slab;
	}

	for (i = 0; i < JMOD_NR_SLOTS; i++) {
		struct jmod_class_view *c = &v->cls[i];

		if (i >= jmod_nr_classes && i != JMOD_HUGE_SLOT)
			continue;
		k = slot_kind(i);
		v->nmalloc[k] += c->nmalloc;
		v->ndalloc[k] += c->ndalloc;
		v->nrequests[k] += c->nrequests;
		v->requested[k] += c->requested;
		v->cached += c->ncached * c->size;
		if (k < 2)
			v->cur_bytes[k] += c->cur * c->size;
	}
	v->cur_bytes[2] = (u64)v->raw.huge_pages << PAGE_SHIFT;
	v->active = v->cur_bytes[0] + v->cur_bytes[1] + v->cur_bytes[2];
	v->allocated = v->active - min(v->active, v->cached);
	v->retained = (u64)jmod_arena_retained_pages() << PAGE_SHIFT;
	v->mapped = (u64)(v->raw.chunk_pages + v->raw.huge_pages +
			  v->slab_pages) << PAGE_SHIFT;
	v->metadata = v->raw.meta_bytes;
	return v;
}

/* === Text files === */

static void ms_print(struct seq_file *m, const char *name, u64 ns)
{
	seq_printf(m, "%-17s %llu.%03llu s\n", name, ns / NSEC_PER_SEC,
		   (ns % NSEC_PER_SEC) / NSEC_PER_MSEC);
}

/*
 * Files that show slab geometry build their view at open, before
 * seq_read() takes the seq_file lock: jmod_small_slabinfo() reads
 * /sys/kernel/slab, itself a seq_file, and must not nest in one.
 */
static int view_open(struct file *file, int (*show)(struct seq_file *, void *))
{
	struct jmod_view *v = view_build(true);
	int err;

	if (!v)
		return -ENOMEM;
	err = single_open(file, show, v);
	if (err)
		kvfree(v);
	return err;
}

static int view_release(struct inode *inode, struct file *file)
{
	kvfree(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
}

#define DEFINE_VIEW_ATTRIBUTE(name)					\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return view_open(file, name##_show);				\
}									\
static const struct file_operations name##_fops = {			\
	.owner = THIS_MODULE,						\
	.open = name##_open,						\
	.read = seq_read,						\
	.llseek = seq_lseek,						\
	.release = view_release,					\
}

static int stats_show(struct seq_file *m, void *unused)
{
	const struct jmod_view *v = m->private;
	unsigned int k;

	seq_puts(m, "___ Begin jmod statistics ___\n");
	seq_printf(m, "%-17s %u (stats schema %u)\n", "abi:", JMOD_ABI_VERSION,
		   JMOD_STATS_SCHEMA);
	seq_printf(m, "%-17s %u small (max %u), %u large (max %zu)\n",
		   "classes:", JMOD_NR_SMALL, JMOD_SMALL_MAX,
		   jmod_nr_classes - JMOD_NR_SMALL, jmod_large_max);
	seq_printf(m, "%-17s %lu\n", "chunk_size:", PAGE_SIZE << jmod_chunk_order);
	seq_printf(m, "%-17s %u\n", "arenas:", num_possible_cpus());
	seq_printf(m, "%-17s %s, max %lu\n", "tcache:",
		   jmod_tcache_is_enabled() ? "on" : "off",
		   jmod_tcache_max_size());
	seq_printf(m, "%-17s %u\n", "decay_ms:", READ_ONCE(jmod_decay_ms));
	seq_printf(m, "%-17s init_on_alloc=%d init_on_free=%d\n", "zeroing:",
		   want_init_on_alloc(0), want_init_on_free());
	ms_print(m, "uptime:", ktime_get_boottime_ns() - jmod_load_ns);
	ms_print(m, "since_reset:", v->since_reset_ns);
	seq_printf(m, "%-17s %llu\n", "allocated:", v->allocated);
	seq_printf(m, "%-17s %llu\n", "requested:",
		   v->requested[0] + v->requested[1] + v->requested[2]);
	seq_printf(m, "%-17s %llu\n", "active:", v->active);
	seq_printf(m, "%-17s %llu%s\n", "mapped:", v->mapped,
		   v->slab_known ? "" : " (slab pages unknown)");
	seq_printf(m, "%-17s %llu\n", "retained:", v->retained);
	seq_printf(m, "%-17s %llu\n", "metadata:", v->metadata);
	seq_printf(m, "%-17s %llu\n", "tcache_cached:", v->cached);
	seq_printf(m, "%-17s %llu\n", "bad_frees:", v->bad_frees);
	seq_printf(m, "%-17s %llu\n", "realloc_inplace:", v->realloc_inplace);
	seq_printf(m, "%-17s %llu\n", "large_fallbacks:", v->large_fallbacks);
	seq_printf(m, "%-17s %llu\n", "debug_errors:", v->errors);
	seq_printf(m, "%-17s %llu (mean distance %lu)\n", "prof_samples:",
		   v->samples, jmod_prof_rate());
	seq_printf(m, "\n%-8s %14s %12s %12s %12s %14s\n", "", "allocated",
		   "nmalloc", "ndalloc", "nrequests", "requested");
	for (k = 0; k < 3; k++)
		seq_printf(m, "%-8s %14llu %12llu %12llu %12llu %14llu\n",
			   jmod_kind_names[k], v->cur_bytes[k], v->nmalloc[k],
			   v->ndalloc[k], v->nrequests[k], v->requested[k]);
	seq_printf(m, "\ntcache: requests %llu hits %llu misses %llu fills %llu flushes %llu\n",
		   v->tc_requests, v->tc_hits, v->tc_requests - v->tc_hits,
		   v->tc_fills, v->tc_flushes);
	seq_puts(m, "___ End jmod statistics ___\n");
	return 0;
}
DEFINE_VIEW_ATTRIBUTE(stats);

/* utilisation in thousandths: curregs / (curslabs * regs) */
static unsigned int bin_util(const struct jmod_view *v, unsigned int i)
{
	u64 cap = v->slab[i].slabs * v->slab[i].objs_per_slab;

	return cap ? div64_u64(v->cls[i].cur * 1000, cap) : 0;
}

static int bins_show(struct seq_file *m, void *unused)
{
	const struct jmod_view *v = m->private;
	unsigned int i;

	seq_printf(m, "%-6s %4s %12s %12s %12s %12s %10s %9s %5s %4s %6s %9s %9s %14s\n",
		   "size", "ind", "allocated", "nmalloc", "ndalloc",
		   "nrequests", "curregs", "curslabs", "regs", "pgs", "util",
		   "nfills", "nflushes", "requested");
	for (i = 0; i < JMOD_NR_SMALL; i++) {
		const struct jmod_class_view *c = &v->cls[i];
		unsigned int util = bin_util(v, i);

		seq_printf(m, "%-6llu %4u %12llu %12llu %12llu %12llu %10llu %9lu %5lu %4lu %2u.%03u %9llu %9llu %14llu\n",
			   c->size, i, c->cur * c->size, c->nmalloc, c->ndalloc,
			   c->nrequests, c->cur, v->slab[i].slabs,
			   v->slab[i].objs_per_slab, v->slab[i].pages_per_slab,
			   util / 1000, util % 1000, c->nfills, c->nflushes,
			   c->requested);
	}
	return 0;
}
DEFINE_VIEW_ATTRIBUTE(bins);

static int large_show(struct seq_file *m, void *unused)
{
	struct jmod_view *v = view_build(false);
	const struct jmod_class_view *c;
	unsigned int i;

	if (!v)
		return -ENOMEM;
	seq_printf(m, "%-8s %4s %14s %12s %12s %12s %10s %9s %9s %14s\n",
		   "size", "ind", "allocated", "nmalloc", "ndalloc",
		   "nrequests", "curruns", "nfills", "nflushes", "requested");
	for (i = JMOD_NR_SMALL; i < jmod_nr_classes; i++) {
		c = &v->cls[i];
		seq_printf(m, "%-8llu %4u %14llu %12llu %12llu %12llu %10llu %9llu %9llu %14llu\n",
			   c->size, i, c->cur * c->size, c->nmalloc, c->ndalloc,
			   c->nrequests, c->cur, c->nfills, c->nflushes,
			   c->requested);
	}
	c = &v->cls[JMOD_HUGE_SLOT];
	seq_printf(m, "%-8s %4s %14llu %12llu %12llu %12llu %10llu %9s %9s %14llu\n",
		   "huge", "-", v->cur_bytes[2], c->nmalloc, c->ndalloc,
		   c->nrequests, c->cur, "-", "-", c->requested);
	kvfree(v);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(large);

static int arenas_show(struct seq_file *m, void *unused)
{
	struct jmod_arena_info ai;
	unsigned int cpu;

	seq_printf(m, "%5s %5s %8s %12s %11s %10s %10s %16s\n", "cpu", "node",
		   "chunks", "active_pages", "dirty_pages", "retained",
		   "free_runs", "largest_free_run");
	for_each_possible_cpu(cpu) {
		jmod_arena_info(cpu, &ai);
		seq_printf(m, "%5d %5d %8lu %12lu %11lu %10lu %10lu %16lu\n",
			   ai.cpu, ai.node, ai.chunks, ai.active_pages,
			   ai.dirty_pages, ai.retained, ai.free_runs,
			   ai.largest_free);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arenas);

struct jmod_cpu_tcache {
	u64 bytes, requests, hits, fills, flushes;
};

static void cpu_tcache(unsigned int cpu, struct jmod_cpu_tcache *t)
{
	struct jmod_tbin_stats st;
	unsigned int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < jmod_nr_tbins; i++) {
		jmod_tcache_bin_stats(cpu, i, &st);
		t->bytes += (u64)st.ncached * jmod_class_size[i];
		t->requests += st.nrequests;
		t->hits += st.nhits;
		t->fills += st.nfills;
		t->flushes += st.nflushes;
	}
}

static int tcache_show(struct seq_file *m, void *unused)
{
	struct jmod_cpu_tcache t;
	unsigned int cpu;

	seq_printf(m, "%5s %14s %12s %12s %12s %10s %10s\n", "cpu",
		   "ncached_bytes", "requests", "hits", "misses", "fills",
		   "flushes");
	for_each_possible_cpu(cpu) {
		cpu_tcache(cpu, &t);
		seq_printf(m, "%5u %14llu %12llu %12llu %12llu %10llu %10llu\n",
			   cpu, t.bytes, t.requests, t.hits, t.requests - t.hits,
			   t.fills, t.flushes);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tcache);

static int tcache_bins_show(struct seq_file *m, void *unused)
{
	struct jmod_tbin_stats st;
	unsigned int cpu, i;

	seq_printf(m, "%5s %6s %8s %11s %12s %12s %10s %10s\n", "cpu", "size",
		   "ncached", "ncached_max", "requests", "hits", "fills",
		   "flushes");
	for_each_possible_cpu(cpu) {
		for (i = 0; i < jmod_nr_tbins; i++) {
			jmod_tcache_bin_stats(cpu, i, &st);
			seq_printf(m, "%5u %6u %8u %11u %12llu %12llu %10llu %10llu\n",
				   cpu, jmod_class_size[i], st.ncached,
				   st.ncached_max, st.nrequests, st.nhits,
				   st.nfills, st.nflushes);
		}
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tcache_bins);

/* === stats.json === */

static void json_class(struct seq_file *m, const struct jmod_class_view *c,
		       unsigned int ind)
{
	seq_printf(m, "{\"size\":%llu,\"ind\":%u,\"allocated\":%llu,\"nmalloc\":%llu,\"ndalloc\":%llu,\"nrequests\":%llu,\"requested\":%llu,\"cur\":%llu,\"nfills\":%llu,\"nflushes\":%llu,\"ncached\":%llu",
		   c->size, ind, c->cur * c->size, c->nmalloc, c->ndalloc,
		   c->nrequests, c->requested, c->cur, c->nfills, c->nflushes,
		   c->ncached);
}

static int stats_json_show(struct seq_file *m, void *unused)
{
	const struct jmod_view *v = m->private;
	struct jmod_arena_info ai;
	struct jmod_cpu_tcache t;
	unsigned int i, k, cpu;
	bool first;

	seq_printf(m, "{\"schema\":%u,\"abi\":%u,\"uptime_ns\":%llu,\"since_reset_ns\":%llu,\n",
		   JMOD_STATS_SCHEMA, JMOD_ABI_VERSION,
		   ktime_get_boottime_ns() - jmod_load_ns, v->since_reset_ns);
	seq_printf(m, "\"config\":{\"page_size\":%lu,\"chunk_size\":%lu,\"nr_small\":%u,\"nr_large\":%u,\"max_small\":%u,\"max_large\":%zu,\"tcache\":%d,\"tcache_max\":%lu,\"decay_ms\":%u,\"nr_arenas\":%u,\"debug\":%u,\"prof_sample\":%lu,\"init_on_alloc\":%d,\"init_on_free\":%d},\n",
		   PAGE_SIZE, PAGE_SIZE << jmod_chunk_order, JMOD_NR_SMALL,
		   jmod_nr_classes - JMOD_NR_SMALL, JMOD_SMALL_MAX,
		   jmod_large_max, jmod_tcache_is_enabled(),
		   jmod_tcache_max_size(), READ_ONCE(jmod_decay_ms),
		   num_possible_cpus(), jmod_debug, jmod_prof_rate(),
		   want_init_on_alloc(0), want_init_on_free());
	seq_printf(m, "\"summary\":{\"allocated\":%llu,\"requested\":%llu,\"active\":%llu,\"mapped\":%llu,\"slab_pages_known\":%s,\"retained\":%llu,\"metadata\":%llu,\"tcache_cached\":%llu,\"bad_frees\":%llu,\"realloc_inplace\":%llu,\"large_fallbacks\":%llu,\"debug_errors\":%llu,\"prof_samples\":%llu},\n",
		   v->allocated,
		   v->requested[0] + v->requested[1] + v->requested[2],
		   v->active, v->mapped, v->slab_known ? "true" : "false",
		   v->retained, v->metadata, v->cached, v->bad_frees,
		   v->realloc_inplace, v->large_fallbacks, v->errors, v->samples);
	/* huge comes with its class figures below: every key is unique */
	for (k = 0; k < 2; k++)
		seq_printf(m, "\"%s\":{\"allocated\":%llu,\"nmalloc\":%llu,\"ndalloc\":%llu,\"nrequests\":%llu,\"requested\":%llu},\n",
			   jmod_kind_names[k], v->cur_bytes[k], v->nmalloc[k],
			   v->ndalloc[k], v->nrequests[k], v->requested[k]);
	seq_printf(m, "\"tcache\":{\"requests\":%llu,\"hits\":%llu,\"misses\":%llu,\"fills\":%llu,\"flushes\":%llu,\"cached\":%llu,\"cpus\":[",
		   v->tc_requests, v->tc_hits, v->tc_requests - v->tc_hits,
		   v->tc_fills, v->tc_flushes, v->cached);
	first = true;
	for_each_possible_cpu(cpu) {
		cpu_tcache(cpu, &t);
		seq_printf(m, "%s{\"cpu\":%u,\"ncached_bytes\":%llu,\"requests\":%llu,\"hits\":%llu,\"misses\":%llu,\"fills\":%llu,\"flushes\":%llu}",
			   first ? "" : ",", cpu, t.bytes, t.requests, t.hits,
			   t.requests - t.hits, t.fills, t.flushes);
		first = false;
	}
	seq_puts(m, "]},\n\"bins\":[\n");
	for (i = 0; i < JMOD_NR_SMALL; i++) {
		unsigned int util = bin_util(v, i);

		json_class(m, &v->cls[i], i);
		seq_printf(m, ",\"curregs\":%llu,\"curslabs\":%lu,\"regs\":%lu,\"pgs\":%lu,\"util\":%u.%03u}%s\n",
			   v->cls[i].cur, v->slab[i].slabs,
			   v->slab[i].objs_per_slab, v->slab[i].pages_per_slab,
			   util / 1000, util % 1000,
			   i + 1 < JMOD_NR_SMALL ? "," : "");
	}
	seq_puts(m, "],\n\"lextents\":[\n");
	for (i = JMOD_NR_SMALL; i < jmod_nr_classes; i++) {
		json_class(m, &v->cls[i], i);
		seq_printf(m, ",\"curruns\":%llu}%s\n", v->cls[i].cur,
			   i + 1 < jmod_nr_classes ? "," : "");
	}
	seq_printf(m, "],\n\"huge\":{\"allocated\":%llu,\"nmalloc\":%llu,\"ndalloc\":%llu,\"nrequests\":%llu,\"requested\":%llu,\"curallocs\":%llu},\n",
		   v->cur_bytes[2], v->cls[JMOD_HUGE_SLOT].nmalloc,
		   v->cls[JMOD_HUGE_SLOT].ndalloc,
		   v->cls[JMOD_HUGE_SLOT].nrequests,
		   v->cls[JMOD_HUGE_SLOT].requested, v->cls[JMOD_HUGE_SLOT].cur);
	seq_puts(m, "\"arenas\":[\n");
	first = true;
	for_each_possible_cpu(cpu) {
		jmod_arena_info(cpu, &ai);
		seq_printf(m, "%s{\"cpu\":%d,\"node\":%d,\"chunks\":%lu,\"active_pages\":%lu,\"dirty_pages\":%lu,\"retained_chunks\":%lu,\"free_runs\":%lu,\"largest_free_run\":%lu}",
			   first ? "" : ",\n", ai.cpu, ai.node, ai.chunks,
			   ai.active_pages, ai.dirty_pages, ai.retained,
			   ai.free_runs, ai.largest_free);
		first = false;
	}
	seq_puts(m, "\n]}\n");
	return 0;
}
DEFINE_VIEW_ATTRIBUTE(stats_json);

/* === Knobs: bad values get -EINVAL and change nothing === */

struct jmod_knob {
	u64 (*get)(void);		/* NULL: write-only */
	int (*set)(u64 val);		/* -EINVAL when out of range */
};

static ssize_t knob_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	const struct jmod_knob *k = file->private_data;
	char tmp[24];
	int len;

	len = scnprintf(tmp, sizeof(tmp), "%llu\n", k->get());
	return simple_read_from_buffer(buf, count, ppos, tmp, len);
}

static ssize_t knob_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	const struct jmod_knob *k = file->private_data;
	u64 val;
	int err;

	if (*ppos || kstrtoull_from_user(buf, count, 0, &val))
		return -EINVAL;
	err = k->set(val);
	return err ? err : count;
}

static const struct file_operations knob_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = knob_read,
	.write = knob_write,
	.llseek = noop_llseek,
};

static const struct file_operations knob_wo_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = knob_write,
	.llseek = noop_llseek,
};

static u64 decay_ms_get(void)
{
	return READ_ONCE(jmod_decay_ms);
}

static int decay_ms_set(u64 val)
{
	if (val > JMOD_DECAY_MS_MAX)
		return -EINVAL;
	WRITE_ONCE(jmod_decay_ms, val);
	jmod_arena_decay_kick();
	return 0;
}

static u64 tcache_get(void)
{
	return jmod_tcache_is_enabled();
}

static int tcache_set(u64 val)
{
	if (val > 1)
		return -EINVAL;
	jmod_tcache_set_enabled(val);
	return 0;
}

static int purge_set(u64 val)
{
	if (val != 1)
		return -EINVAL;
	jmod_purge();
	return 0;
}

static int reset_set(u64 val)
{
	if (val != 1)
		return -EINVAL;
	stats_reset();
	return 0;
}

static int validate_set(u64 val)
{
	unsigned int bad;

	if (val != 1)
		return -EINVAL;
	bad = jmod_arena_validate();
	pr_info("validate: %u problem%s found\n", bad, bad == 1 ? "" : "s");
	return 0;
}

static const struct jmod_knob validate_knob = { NULL, validate_set };
static const struct jmod_knob decay_ms_knob = { decay_ms_get, decay_ms_set };
static const struct jmod_knob tcache_knob = { tcache_get, tcache_set };
static const struct jmod_knob purge_knob = { NULL, purge_set };
static const struct jmod_knob reset_knob = { NULL, reset_set };

void jmod_debugfs_init(void)
{
	struct dentry *d = debugfs_create_dir("jmod", NULL);

	jmod_debugfs = d;
	debugfs_create_file("stats", 0400, d, NULL, &stats_fops);
	debugfs_create_file("bins", 0400, d, NULL, &bins_fops);
	debugfs_create_file("large", 0400, d, NULL, &large_fops);
	debugfs_create_file("arenas", 0400, d, NULL, &arenas_fops);
	debugfs_create_file("tcache_cpus", 0400, d, NULL, &tcache_fops);
	debugfs_create_file("tcache_bins", 0400, d, NULL, &tcache_bins_fops);
	debugfs_create_file("stats.json", 0400, d, NULL, &stats_json_fops);
	debugfs_create_file("decay_ms", 0600, d, (void *)&decay_ms_knob,
			    &knob_fops);
	debugfs_create_file("tcache", 0600, d, (void *)&tcache_knob, &knob_fops);
	debugfs_create_file("purge", 0200, d, (void *)&purge_knob,
			    &knob_wo_fops);
	debugfs_create_file("reset", 0200, d, (void *)&reset_knob,
			    &knob_wo_fops);
	debugfs_create_file("validate", 0200, d, (void *)&validate_knob,
			    &knob_wo_fops);
	jmod_prof_debugfs(d);
	jmod_whatif_debugfs(d);
}

void jmod_debugfs_exit(void)
{
	debugfs_remove_recursive(jmod_debugfs);
	jmod_debugfs = NULL;
}
