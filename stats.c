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
 * debugfs jmod/ (root only):
 *   stats   summary: bytes allocated/mapped/retained, per back end
 *           nmalloc/ndalloc/curregs
 *   arenas  one row per arena
 *   purge   write 1: release every retained chunk now
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

#include <uapi/linux/jmod.h>
#include "internal.h"

struct jmod_cpu_stats __percpu *jmod_stats;
static struct dentry *jmod_debugfs;

void jmod_stats_read(struct jmod_stats_sum *sum)
{
	unsigned int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct jmod_cpu_stats *s = per_cpu_ptr(jmod_stats, cpu);

		for (i = 0; i <= JMOD_MAX_CLASSES; i++) {
			sum->nmalloc[i] += READ_ONCE(s->nmalloc[i]);
			sum->ndalloc[i] += READ_ONCE(s->ndalloc[i]);
		}
		sum->requested += READ_ONCE(s->requested);
		sum->huge_pages += READ_ONCE(s->huge_pages);
		sum->chunk_pages += READ_ONCE(s->chunk_pages);
		sum->meta_bytes += READ_ONCE(s->meta_bytes);
		sum->nbadfree += READ_ONCE(s->nbadfree);
		sum->nrealloc_inplace += READ_ONCE(s->nrealloc_inplace);
	}
}

int jmod_stats_init(void)
{
	jmod_stats = alloc_percpu(struct jmod_cpu_stats);
	return jmod_stats ? 0 : -ENOMEM;
}

void jmod_stats_exit(void)
{
	free_percpu(jmod_stats);
	jmod_stats = NULL;
}

/* === debugfs === */

struct jmod_range_sum {
	u64 nmalloc, ndalloc, bytes;
};

static void sum_range(const struct jmod_stats_sum *s, unsigned int from,
		      unsigned int to, struct jmod_range_sum *r)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	for (i = from; i < to; i++) {
		r->nmalloc += s->nmalloc[i];
		r->ndalloc += s->ndalloc[i];
		r->bytes += (s->nmalloc[i] - s->ndalloc[i]) * jmod_class_size[i];
	}
}

static void show_row(struct seq_file *m, const char *name,
		     const struct jmod_range_sum *r)
{
	seq_printf(m, "%-8s %12llu %12llu %12llu %14llu\n", name, r->nmalloc,
		   r->ndalloc, r->nmalloc - r->ndalloc, r->bytes);
}

static int stats_show(struct seq_file *m, void *v)
{
	struct jmod_range_sum small, large, huge;
	struct jmod_stats_sum *s;
	unsigned long retained = jmod_arena_retained_pages();

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	jmod_stats_read(s);
	sum_range(s, 0, JMOD_NR_SMALL, &small);
	sum_range(s, JMOD_NR_SMALL, jmod_nr_classes, &large);
	huge.nmalloc = s->nmalloc[JMOD_HUGE_SLOT];
	huge.ndalloc = s->ndalloc[JMOD_HUGE_SLOT];
	huge.bytes = (u64)s->huge_pages << PAGE_SHIFT;

	seq_printf(m, "abi:             %u\n", JMOD_ABI_VERSION);
	seq_printf(m, "classes:         %u small, %u large\n", JMOD_NR_SMALL,
		   jmod_nr_classes - JMOD_NR_SMALL);
	seq_printf(m, "chunk_size:      %lu\n", PAGE_SIZE << jmod_chunk_order);
	seq_printf(m, "arenas:          %u\n", num_possible_cpus());
	seq_printf(m, "decay_ms:        %u\n", READ_ONCE(jmod_decay_ms));
	seq_printf(m, "allocated:       %llu\n",
		   small.bytes + large.bytes + huge.bytes);
	seq_printf(m, "requested:       %llu\n", s->requested);
	seq_printf(m, "mapped:          %lu\n",
		   (unsigned long)(s->chunk_pages + s->huge_pages) << PAGE_SHIFT);
	seq_printf(m, "mapped_chunks:   %lu\n",
		   (unsigned long)s->chunk_pages << PAGE_SHIFT);
	seq_printf(m, "mapped_huge:     %lu\n",
		   (unsigned long)s->huge_pages << PAGE_SHIFT);
	seq_printf(m, "retained:        %lu\n", retained << PAGE_SHIFT);
	seq_printf(m, "metadata:        %ld\n", s->meta_bytes);
	seq_printf(m, "bad_frees:       %llu\n", s->nbadfree);
	seq_printf(m, "realloc_inplace: %llu\n", s->nrealloc_inplace);
	seq_printf(m, "\n%-8s %12s %12s %12s %14s\n", "", "nmalloc", "ndalloc",
		   "curregs", "allocated");
	show_row(m, "small:", &small);
	show_row(m, "large:", &large);
	show_row(m, "huge:", &huge);
	kfree(s);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int arenas_show(struct seq_file *m, void *v)
{
	struct jmod_arena_info ai;
	unsigned int cpu;

	seq_printf(m, "%5s %5s %8s %10s %10s %10s %12s\n", "cpu", "node",
		   "chunks", "retained", "active_pg", "free_runs", "largest_free");
	for_each_possible_cpu(cpu) {
		jmod_arena_info(cpu, &ai);
		seq_printf(m, "%5d %5d %8lu %10lu %10lu %10lu %12lu\n", ai.cpu,
			   ai.node, ai.chunks, ai.retained, ai.active_pages,
			   ai.free_runs, ai.largest_free);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arenas);

static ssize_t purge_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	unsigned int val;
	int err;

	err = kstrtouint_from_user(buf, count, 0, &val);
	if (err)
		return err;
	if (val != 1)
		return -EINVAL;
	jmod_purge();
	return count;
}

static const struct file_operations purge_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = purge_write,
	.llseek = noop_llseek,
};

void jmod_debugfs_init(void)
{
	jmod_debugfs = debugfs_create_dir("jmod", NULL);
	debugfs_create_file("stats", 0400, jmod_debugfs, NULL, &stats_fops);
	debugfs_create_file("arenas", 0400, jmod_debugfs, NULL, &arenas_fops);
	debugfs_create_file("purge", 0200, jmod_debugfs, NULL, &purge_fops);
}

void jmod_debugfs_exit(void)
{
	debugfs_remove_recursive(jmod_debugfs);
	jmod_debugfs = NULL;
}
