// SPDX-License-Identifier: GPL-2.0
/*
 * jmod live "what if": what the kernel's own kmalloc traffic would cost
 * on jmod, per calling function, on the running kernel.
 *
 * Owns the probes on the kmem:kmalloc and kmem:kfree tracepoints
 * (exported to modules on every line jmod builds for) and the figures
 * they keep: per function of the call site, objects, requested bytes,
 * kmalloc bytes (the traced bytes_alloc), jmod bytes (jmod_sc_usable()
 * of the request, the rule of include/jmod_sizeclass.h with this load's
 * chunk order), and the peak live bytes on both sides, the same figures
 * `jmodctl whatif` computes offline from a trace (tools/lib/kmemtrace.c).
 *
 * Data flow:
 *   debugfs whatif <- "start": tables allocated, probes registered
 *   kmalloc() -> probe_kmalloc(): call site -> function -> figures,
 *                pointer -> live table (fixed size; a full table counts
 *                the object as untracked: in the sums, not in the peaks)
 *   kfree()   -> probe_kfree(): pointer found -> live bytes drop;
 *                pointers allocated before "start" are not in the table
 *   debugfs whatif <- "stop": probes unregistered, figures kept
 *   debugfs whatif / whatif.json -> a snapshot, sorted by bytes saved
 *
 * The tables have fixed sizes (WHATIF_OBJS live pointers, WHATIF_SITES
 * call sites, WHATIF_FUNCS functions), so the probes never allocate;
 * what does not fit is counted and shown.  A call site's function is
 * named once, when the site is first seen (sprint_symbol_no_offset()).
 * With the probes unregistered (the default) the tracepoints cost
 * nothing: their static keys are off.
 *
 * Locking: whatif_lock, a raw spinlock taken with interrupts saved, is
 * a leaf: the probes run in whatever context kmalloc() and kfree() are
 * called from (hard IRQ included, never NMI) and under whatever locks
 * their callers hold, so nothing is called under it that allocates,
 * sleeps or takes another lock (kallsyms walks modules under RCU).
 * whatif_mutex serialises start / stop / reset and the readers' view of
 * the tables' lifetime; the tables are freed only with the probes
 * unregistered and tracepoint_synchronize_unregister() passed.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <trace/events/kmem.h>

#include <jmod_whatif.h>

#include "internal.h"

#define WHATIF_OBJ_BITS		17	/* 128 Ki live pointers */
#define WHATIF_OBJS		BIT(WHATIF_OBJ_BITS)
#define WHATIF_OBJ_FILL		(WHATIF_OBJS / 4 * 3)
#define WHATIF_SITE_BITS	13
#define WHATIF_SITES		BIT(WHATIF_SITE_BITS)
#define WHATIF_FUNCS		2048
#define WHATIF_NAME		96

struct whatif_fig {
	u64 objects;
	u64 requested;
	u64 kmalloc;
	u64 jmod;
	u64 live_kmalloc;
	u64 live_jmod;
	u64 peak_kmalloc;
	u64 peak_jmod;
};

struct whatif_func {
	char name[WHATIF_NAME];
	char module[MODULE_NAME_LEN];
	struct whatif_fig fig;
};

struct whatif_obj {
	unsigned long ptr;		/* 0: empty */
	u32 kmalloc;
	u32 jmod;
	u32 func;
};

struct whatif_site {
	unsigned long addr;		/* 0: empty */
	u32 func;
};

/* what a reader copies besides the functions */
struct whatif_head {
	unsigned int nr_objs;
	unsigned int nr_funcs;
	struct whatif_fig total;
	u64 kmallocs, kfrees;
	u64 failed;			/* kmalloc returned NULL */
	u64 untracked_frees;		/* allocated before start, or untracked */
	u64 reused;			/* pointer reused without a traced free */
	u64 obj_overflow;		/* live table full: not in the peaks */
	u64 func_overflow;		/* accounted to "(other)" */
	u64 start_ns, stop_ns;
};

struct whatif_tables {
	struct whatif_obj objs[WHATIF_OBJS];
	struct whatif_site sites[WHATIF_SITES];
	struct whatif_func funcs[WHATIF_FUNCS];
	char sym[KSYM_SYMBOL_LEN];	/* sprint_symbol_no_offset() scratch */
	struct whatif_head h;
};

static DEFINE_RAW_SPINLOCK(whatif_lock);
static DEFINE_MUTEX(whatif_mutex);
static struct whatif_tables *whatif;	/* whatif_mutex; contents whatif_lock */
static bool whatif_on;			/* whatif_mutex */

static u32 whatif_hash(unsigned long v, unsigned int bits)
{
	return hash_long(v, bits);
}

/* The function a call site belongs to, named on first sight (lock held) */
static u32 whatif_func_of(struct whatif_tables *t, unsigned long addr)
{
	u32 i = whatif_hash(addr, WHATIF_SITE_BITS), n, f;
	char *mod;

	lockdep_assert_held(&whatif_lock);
	for (n = 0; n < WHATIF_SITES; n++, i = (i + 1) & (WHATIF_SITES - 1)) {
		if (t->sites[i].addr == addr)
			return t->sites[i].func;
		if (!t->sites[i].addr)
			break;
	}
	/* funcs[0] is "(other)": full tables land there */
	if (n == WHATIF_SITES || t->h.nr_funcs == WHATIF_FUNCS) {
		t->h.func_overflow++;
		return 0;
	}
	sprint_symbol_no_offset(t->sym, addr);
	mod = strchr(t->sym, ' ');
	if (mod) {
		*mod++ = '\0';
		mod = strim(mod);
		if (*mod == '[')
			mod++;
		mod[strcspn(mod, "]")] = '\0';
	}
	for (f = 1; f < t->h.nr_funcs; f++)
		if (!strcmp(t->funcs[f].name, t->sym) &&
		    !strcmp(t->funcs[f].module, mod ? mod : "vmlinux"))
			break;
	if (f == t->h.nr_funcs) {
		strscpy(t->funcs[f].name, t->sym, WHATIF_NAME);
		strscpy(t->funcs[f].module, mod ? mod : "vmlinux",
			MODULE_NAME_LEN);
		t->h.nr_funcs++;
	}
	t->sites[i].addr = addr;
	t->sites[i].func = f;
	return f;
}

static struct whatif_obj *whatif_obj_slot(struct whatif_tables *t,
					  unsigned long ptr)
{
	u32 i = whatif_hash(ptr, WHATIF_OBJ_BITS);

	while (t->objs[i].ptr && t->objs[i].ptr != ptr)
		i = (i + 1) & (WHATIF_OBJS - 1);
	return &t->objs[i];
}

/* Backward-shift deletion: the probe chains stay whole (lock held) */
static void whatif_obj_remove(struct whatif_tables *t, struct whatif_obj *o)
{
	u32 i = o - t->objs, j = i, k;

	lockdep_assert_held(&whatif_lock);
	for (;;) {
		t->objs[i].ptr = 0;
		do {
			j = (j + 1) & (WHATIF_OBJS - 1);
			if (!t->objs[j].ptr)
				goto out;
			k = whatif_hash(t->objs[j].ptr, WHATIF_OBJ_BITS);
		} while (i <= j ? (i < k && k <= j) : (i < k || k <= j));
		t->objs[i] = t->objs[j];
		i = j;
	}
out:
	t->h.nr_objs--;
}

static void whatif_release(struct whatif_tables *t, struct whatif_obj *o)
{
	struct whatif_fig *f = &t->funcs[o->func].fig;

	f->live_kmalloc -= o->kmalloc;
	f->live_jmod -= o->jmod;
	t->h.total.live_kmalloc -= o->kmalloc;
	t->h.total.live_jmod -= o->jmod;
	whatif_obj_remove(t, o);
}

static void whatif_add(struct whatif_fig *f, size_t req, size_t km,
		       size_t jm, bool live)
{
	f->objects++;
	f->requested += req;
	f->kmalloc += km;
	f->jmod += jm;
	if (!live)
		return;
	f->live_kmalloc += km;
	f->live_jmod += jm;
	f->peak_kmalloc = max(f->peak_kmalloc, f->live_kmalloc);
	f->peak_jmod = max(f->peak_jmod, f->live_jmod);
}

static void probe_kmalloc(void *data, unsigned long call_site,
			  const void *ptr, size_t bytes_req,
			  size_t bytes_alloc, gfp_t gfp, int node)
{
	struct whatif_tables *t = data;
	size_t jm = jmod_sc_usable(bytes_req, jmod_large_max, PAGE_SIZE);
	struct whatif_obj *o;
	unsigned long flags;
	bool live;
	u32 func;

	raw_spin_lock_irqsave(&whatif_lock, flags);
	t->h.kmallocs++;
	if (!ptr) {
		t->h.failed++;
		goto out;
	}
	o = whatif_obj_slot(t, (unsigned long)ptr);
	if (o->ptr) {
		t->h.reused++;
		whatif_release(t, o);
	}
	func = whatif_func_of(t, call_site);
	live = t->h.nr_objs < WHATIF_OBJ_FILL;
	if (live) {
		o = whatif_obj_slot(t, (unsigned long)ptr);
		o->ptr = (unsigned long)ptr;
		o->kmalloc = bytes_alloc;
		o->jmod = jm;
		o->func = func;
		t->h.nr_objs++;
	} else {
		t->h.obj_overflow++;
	}
	whatif_add(&t->funcs[func].fig, bytes_req, bytes_alloc, jm, live);
	whatif_add(&t->h.total, bytes_req, bytes_alloc, jm, live);
out:
	raw_spin_unlock_irqrestore(&whatif_lock, flags);
}

static void probe_kfree(void *data, unsigned long call_site, const void *ptr)
{
	struct whatif_tables *t = data;
	struct whatif_obj *o;
	unsigned long flags;

	if (ZERO_OR_NULL_PTR(ptr))
		return;
	raw_spin_lock_irqsave(&whatif_lock, flags);
	t->h.kfrees++;
	o = whatif_obj_slot(t, (unsigned long)ptr);
	if (o->ptr)
		whatif_release(t, o);
	else
		t->h.untracked_frees++;
	raw_spin_unlock_irqrestore(&whatif_lock, flags);
}

/* === Control (whatif_mutex) === */

static int whatif_start(void)
{
	struct whatif_tables *t;
	int err;

	lockdep_assert_held(&whatif_mutex);
	if (whatif_on)
		return -EBUSY;
	t = vzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	strscpy(t->funcs[0].name, "(other)", WHATIF_NAME);
	strscpy(t->funcs[0].module, "-", MODULE_NAME_LEN);
	t->h.nr_funcs = 1;
	t->h.start_ns = ktime_get_ns();
	err = register_trace_kmalloc(probe_kmalloc, t);
	if (!err) {
		err = register_trace_kfree(probe_kfree, t);
		if (err)
			unregister_trace_kmalloc(probe_kmalloc, t);
	}
	if (err) {
		tracepoint_synchronize_unregister();
		vfree(t);
		return err;
	}
	vfree(whatif);
	whatif = t;
	whatif_on = true;
	return 0;
}

static void whatif_stop(void)
{
	lockdep_assert_held(&whatif_mutex);
	if (!whatif_on)
		return;
	unregister_trace_kfree(probe_kfree, whatif);
	unregister_trace_kmalloc(probe_kmalloc, whatif);
	tracepoint_synchronize_unregister();
	whatif->h.stop_ns = ktime_get_ns();
	whatif_on = false;
}

/* === debugfs: whatif (text, control), whatif.json === */

struct whatif_snap {
	struct whatif_head h;		/* copies: no lock while printing */
	struct whatif_func *funcs;
	u32 *order;			/* funcs by bytes saved */
	bool running;
};

static s64 whatif_saved(const struct whatif_func *f)
{
	return jmod_whatif_saved(f->fig.kmalloc, f->fig.jmod);
}

static const struct whatif_func *whatif_sort_base;	/* whatif_mutex */

static int whatif_cmp(const void *a, const void *b)
{
	const struct whatif_func *x = &whatif_sort_base[*(const u32 *)a];
	const struct whatif_func *y = &whatif_sort_base[*(const u32 *)b];

	return jmod_whatif_cmp(whatif_saved(x), x->name, x->module,
			       whatif_saved(y), y->name, y->module);
}

static void whatif_unsnap(struct whatif_snap *s)
{
	vfree(s->funcs);
	vfree(s->order);
}

/* Copy the figures (the functions and the head), sorted by bytes saved */
static int whatif_snapshot(struct whatif_snap *s)
{
	unsigned long flags;
	int err = 0;
	u32 i;

	/* vmalloc, not kmalloc: a reader adds no kmalloc row of its own */
	s->funcs = vmalloc_array(WHATIF_FUNCS, sizeof(*s->funcs));
	s->order = vmalloc_array(WHATIF_FUNCS, sizeof(*s->order));
	if (!s->funcs || !s->order) {
		whatif_unsnap(s);
		return -ENOMEM;
	}
	mutex_lock(&whatif_mutex);
	if (!whatif) {
		err = -ENODATA;
		goto out;
	}
	raw_spin_lock_irqsave(&whatif_lock, flags);
	s->h = whatif->h;
	memcpy(s->funcs, whatif->funcs, s->h.nr_funcs * sizeof(*s->funcs));
	raw_spin_unlock_irqrestore(&whatif_lock, flags);
	s->running = whatif_on;
	for (i = 0; i < s->h.nr_funcs; i++)
		s->order[i] = i;
	whatif_sort_base = s->funcs;
	sort(s->order, s->h.nr_funcs, sizeof(*s->order), whatif_cmp, NULL);
out:
	mutex_unlock(&whatif_mutex);
	if (err)
		whatif_unsnap(s);
	return err;
}

static void whatif_text_row(struct seq_file *m, const char *name,
			    const char *module, const struct whatif_fig *f)
{
	seq_printf(m, "%-34.34s %-10.10s %9llu %12llu %12llu %12llu %12lld %12llu %12llu\n",
		   name, module, f->objects, f->requested, f->kmalloc, f->jmod,
		   (s64)(f->kmalloc - f->jmod), f->peak_kmalloc, f->peak_jmod);
}

static u64 whatif_ms(const struct whatif_head *h, bool running)
{
	u64 end = running ? ktime_get_ns() : h->stop_ns;

	return div_u64(end - h->start_ns, NSEC_PER_MSEC);
}

static void whatif_counts(struct seq_file *m, const struct whatif_snap *s,
			  const char *fmt)
{
	const struct whatif_head *h = &s->h;

	seq_printf(m, fmt, s->running ? "true" : "false",
		   whatif_ms(h, s->running), h->kmallocs, h->kfrees, h->failed,
		   h->untracked_frees, h->reused, h->obj_overflow,
		   h->func_overflow, (u64)h->nr_objs, (u64)WHATIF_OBJS,
		   (u64)sizeof(struct whatif_tables), (u64)jmod_large_max);
}

/*
 * A reader's snapshot into @s (whatif_snapshot()): 1 if it took one (to
 * be freed with whatif_unsnap()); 0 if there are no figures, with
 * @stopped printed instead; or -errno
 */
static int whatif_show_snap(struct seq_file *m, struct whatif_snap *s,
			    const char *stopped)
{
	int err = whatif_snapshot(s);

	if (err == -ENODATA) {
		seq_puts(m, stopped);
		return 0;
	}
	return err ? err : 1;
}

static int whatif_show(struct seq_file *m, void *unused)
{
	struct whatif_snap s;
	u32 i;
	int err = whatif_show_snap(m, &s, "stopped, no figures (write \"start\" to this file)\n");

	if (err <= 0)
		return err;
	whatif_counts(m, &s,
		      "running: %s, %llu ms; kmallocs %llu, kfrees %llu; not objects: failed %llu, untracked frees %llu, reused %llu; live table full %llu, sites in (other) %llu; live %llu of %llu (tables %llu bytes); jmod_large_max %llu\n");
	seq_printf(m, "%-34s %-10s %9s %12s %12s %12s %12s %12s %12s\n",
		   "function", "module", "objects", "requested", "kmalloc",
		   "jmod", "saved", "peak_kmalloc", "peak_jmod");
	for (i = 0; i < s.h.nr_funcs; i++) {
		const struct whatif_func *f = &s.funcs[s.order[i]];

		if (f->fig.objects)
			whatif_text_row(m, f->name, f->module, &f->fig);
	}
	whatif_text_row(m, "total", "", &s.h.total);
	whatif_unsnap(&s);
	return 0;
}

static void whatif_json_fig(struct seq_file *m, const struct whatif_fig *f)
{
	seq_printf(m, "\"objects\": %llu, \"requested_bytes\": %llu, \"kmalloc_bytes\": %llu, \"jmod_bytes\": %llu, \"peak_live_kmalloc_bytes\": %llu, \"peak_live_jmod_bytes\": %llu",
		   f->objects, f->requested, f->kmalloc, f->jmod,
		   f->peak_kmalloc, f->peak_jmod);
}

static int whatif_json_show(struct seq_file *m, void *unused)
{
	struct whatif_snap s;
	bool first = true;
	u32 i;
	int err = whatif_show_snap(m, &s, "{\"schema\": 1, \"running\": false, \"sites\": []}\n");

	if (err <= 0)
		return err;
	seq_puts(m, "{\"schema\": 1, \"by\": \"function\", \"format\": \"live\", ");
	whatif_counts(m, &s,
		      "\"running\": %s, \"ms\": %llu, \"kmallocs\": %llu, \"kfrees\": %llu, \"failed_allocs\": %llu, \"untracked_frees\": %llu, \"reused_pointers\": %llu, \"untracked_objects\": %llu, \"other_sites\": %llu, \"live_objects\": %llu, \"live_table\": %llu, \"table_bytes\": %llu, \"jmod_large_max\": %llu,\n");
	seq_puts(m, " \"total\": {");
	whatif_json_fig(m, &s.h.total);
	seq_puts(m, "},\n \"sites\": [");
	for (i = 0; i < s.h.nr_funcs; i++) {
		const struct whatif_func *f = &s.funcs[s.order[i]];

		if (!f->fig.objects)
			continue;
		/* symbol and module names need no JSON escaping */
		seq_printf(m, "%s\n  {\"site\": \"%s\", \"module\": \"%s\", ",
			   first ? "" : ",", f->name, f->module);
		whatif_json_fig(m, &f->fig);
		seq_puts(m, "}");
		first = false;
	}
	seq_puts(m, "],\n \"unparsed_lines\": 0}\n");
	whatif_unsnap(&s);
	return 0;
}

static int whatif_open(struct inode *inode, struct file *file)
{
	return single_open(file, whatif_show, inode->i_private);
}

/*
 * "start" (a new run: figures reset; -EBUSY while one runs), "stop"
 * (figures kept), "reset" (figures dropped; -EBUSY while running).
 * Anything else: -EINVAL, nothing changes.
 */
static ssize_t whatif_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char buf[16];
	char *cmd;
	int err = 0;

	if (*ppos || !count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	cmd = strim(buf);

	mutex_lock(&whatif_mutex);
	if (!strcmp(cmd, "start")) {
		err = whatif_start();
	} else if (!strcmp(cmd, "stop")) {
		whatif_stop();
	} else if (!strcmp(cmd, "reset")) {
		if (whatif_on) {
			err = -EBUSY;
		} else {
			vfree(whatif);
			whatif = NULL;
		}
	} else {
		err = -EINVAL;
	}
	mutex_unlock(&whatif_mutex);
	return err ? err : count;
}

static const struct file_operations whatif_fops = {
	.owner = THIS_MODULE,
	.open = whatif_open,
	.read = seq_read,
	.write = whatif_write,
	.llseek = seq_lseek,
	.release = single_release,
};

DEFINE_SHOW_ATTRIBUTE(whatif_json);

void jmod_whatif_debugfs(struct dentry *dir)
{
	debugfs_create_file("whatif", 0600, dir, NULL, &whatif_fops);
	debugfs_create_file("whatif.json", 0400, dir, NULL, &whatif_json_fops);
}

/* Module unload: probes off, tables freed (after debugfs is gone) */
void jmod_whatif_exit(void)
{
	mutex_lock(&whatif_mutex);
	whatif_stop();
	vfree(whatif);
	whatif = NULL;
	mutex_unlock(&whatif_mutex);
}
