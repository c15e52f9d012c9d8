// SPDX-License-Identifier: GPL-2.0
/*
 * jmod allocation debugging, after SLUB's slub_debug.
 *
 * Owns the debug= module parameter (load time only) and the checks and
 * reports for jmod's own objects:
 *   F  sanity checks: double frees and frees of pointers jmod did not
 *      hand out get a full report; validate walks every arena
 *   Z  red zones: the slack between the request and the end of a large
 *      run or huge allocation is filled with JMOD_RED_ACTIVE and checked
 *      on free
 *   P  poisoning: a freed run is filled with JMOD_POISON_FREE and checked
 *      when the pages are handed out again (use after free)
 *   U  owner tracking: allocation and free call stacks of every run, in
 *      the stack depot, printed with each report
 * Small classes get the matching SLAB_* flags, so SLUB's own checks cover
 * them; with any flag set the tcache is off, so it hides none of them.
 * Reports never print an address: class, size, offset, bytes and
 * symbolised call sites.  Each report taints the kernel with
 * TAINT_BAD_PAGE, as SLUB does.
 *
 * Data flow: arena.c calls jmod_debug_alloc()/jmod_debug_free() on a run
 * with its struct jmod_run_debug (one per chunk page, allocated with the
 * chunk in debug mode); huge.c calls the red-zone helpers.
 *
 * Locking: the hooks run under the owning arena's lock or on an object
 * the caller owns; the last-report record is protected by its own
 * IRQ-safe spinlock.  Stack depot saves use GFP_NOWAIT (any context).
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/ctype.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include "internal.h"

#define JMOD_STACK_DEPTH	16

unsigned int jmod_debug;
static char *jmod_debug_opt;
module_param_named(debug, jmod_debug_opt, charp, 0444);
MODULE_PARM_DESC(debug, "Debug flags as slub_debug: F sanity, Z red zones, P poison, U owner tracking (e.g. debug=FZPU)");

static DEFINE_SPINLOCK(jmod_last_lock);	/* jmod_last */
static struct jmod_debug_report jmod_last;

static const char *const kind_names[] = {
	[JMOD_ERR_REDZONE] = "red zone overwritten",
	[JMOD_ERR_POISON] = "freed memory modified (use after free)",
	[JMOD_ERR_DOUBLE_FREE] = "double free",
	[JMOD_ERR_INVALID_FREE] = "free of a pointer jmod did not hand out",
	[JMOD_ERR_METADATA] = "run metadata corrupted",
};

static_assert(ARRAY_SIZE(kind_names) == JMOD_ERR_NR);

/* === Parameter === */

/* The letters of debug=, as slub_debug's (either case) */
static const struct {
	char letter;
	unsigned int flag;
} debug_flags[] = {
	{ 'F', JMOD_DBG_SANITY },
	{ 'Z', JMOD_DBG_REDZONE },
	{ 'P', JMOD_DBG_POISON },
	{ 'U', JMOD_DBG_USER },
};

/* The JMOD_DBG_* flag of letter @c, 0 if it is none */
static unsigned int debug_flag(char c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(debug_flags); i++)
		if (debug_flags[i].letter == toupper(c))
			return debug_flags[i].flag;
	return 0;
}

int jmod_debug_init(void)
{
	char on[2 * ARRAY_SIZE(debug_flags) + 1];
	const char *s = jmod_debug_opt;
	unsigned int i, n = 0, flag;
	int err;

	jmod_debug = 0;
	for (; s && *s; s++) {
		if (*s == '-')
			continue;
		flag = debug_flag(*s);
		if (!flag) {
			pr_err("debug=%s: unknown flag '%c' (use F, Z, P, U)\n",
			       jmod_debug_opt, *s);
			return -EINVAL;
		}
		jmod_debug |= flag;
	}
	if (jmod_debug & JMOD_DBG_USER) {
		err = stack_depot_init();
		if (err)
			return err;
	}
	if (!jmod_debug)
		return 0;
	for (i = 0; i < ARRAY_SIZE(debug_flags); i++) {
		if (jmod_debug & debug_flags[i].flag) {
			on[n++] = ' ';
			on[n++] = debug_flags[i].letter;
		}
	}
	on[n] = '\0';
	pr_info("debug checks on:%s (tcache off)\n", on);
	return 0;
}

slab_flags_t jmod_debug_slab_flags(void)
{
	slab_flags_t f = 0;

	if (jmod_debug & JMOD_DBG_SANITY)
		f |= SLAB_CONSISTENCY_CHECKS;
	if (jmod_debug & JMOD_DBG_REDZONE)
		f |= SLAB_RED_ZONE;
	if (jmod_debug & JMOD_DBG_POISON)
		f |= SLAB_POISON;
	if (jmod_debug & JMOD_DBG_USER)
		f |= SLAB_STORE_USER;
	return f;
}

/* === Call stacks === */

/* The caller's stack, without jmod's own allocator frames. */
u32 jmod_save_stack(unsigned int skip, gfp_t gfp)
{
	unsigned long entries[JMOD_STACK_DEPTH];
	unsigned int n;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), skip + 1);
	return stack_depot_save(entries, n, gfp);
}

static void print_stack(const char *what, u32 handle)
{
	unsigned long *entries;
	unsigned int i, n;

	if (!handle) {
		pr_err("  %s: (not recorded)\n", what);
		return;
	}
	n = stack_depot_fetch(handle, &entries);
	pr_err("  %s:\n", what);
	for (i = 0; i < n; i++)
		pr_err("    %pS\n", (void *)entries[i]);
}

/* === Reports === */

/**
 * jmod_debug_report() - print one error report and taint the kernel
 * @kind: what went wrong
 * @cls: size class, or JMOD_HUGE_SLOT
 * @size: bytes the owner asked for (0: unknown)
 * @offset: offset of the first bad byte in the object
 * @found: the byte found there
 * @expect: the byte that should be there
 * @d: the run's record (owner tracking), or NULL
 * @caller: return address of the caller of the failing free/alloc
 *
 * Context: any.
 */
void jmod_debug_report(enum jmod_err kind, unsigned int cls, size_t size,
		       size_t offset, u8 found, u8 expect,
		       const struct jmod_run_debug *d, unsigned long caller)
{
	unsigned long flags;
	size_t csize = cls < jmod_nr_classes ? jmod_class_size[cls] : 0;

	this_cpu_inc(jmod_stats->nerrors);
	pr_err("ERROR: %s\n", kind_names[kind]);
	if (cls == JMOD_NR_SLOTS)
		pr_err("  object: none of jmod's\n");
	else if (cls == JMOD_HUGE_SLOT)
		pr_err("  object: huge, %zu bytes requested\n", size);
	else
		pr_err("  object: class %u (%zu bytes), %zu bytes requested\n",
		       cls, csize, size);
	if (kind == JMOD_ERR_REDZONE || kind == JMOD_ERR_POISON)
		pr_err("  offset %zu: 0x%02x, expected 0x%02x\n", offset, found,
		       expect);
	pr_err("  detected in: %pS\n", (void *)caller);
	if (d && (jmod_debug & JMOD_DBG_USER)) {
		print_stack("allocated by", d->alloc_stack);
		if (d->free_stack)
			print_stack("freed by", d->free_stack);
	}
	add_taint(TAINT_BAD_PAGE, LOCKDEP_STILL_OK);

	spin_lock_irqsave(&jmod_last_lock, flags);
	jmod_last.kind = kind;
	jmod_last.cls = cls;
	jmod_last.size = size;
	jmod_last.offset = offset;
	jmod_last.alloc_stack = d ? d->alloc_stack : 0;
	jmod_last.free_stack = d ? d->free_stack : 0;
	jmod_last.count++;
	spin_unlock_irqrestore(&jmod_last_lock, flags);
}

/* The last report, for the self-tests. */
void jmod_debug_last(struct jmod_debug_report *r)
{
	unsigned long flags;

	spin_lock_irqsave(&jmod_last_lock, flags);
	*r = jmod_last;
	spin_unlock_irqrestore(&jmod_last_lock, flags);
}

/* Does the recorded stack have a frame in function @name?  For tests. */
bool jmod_stack_has(u32 handle, const char *name)
{
	char sym[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);
	unsigned long *entries;
	unsigned int i, n;

	n = handle ? stack_depot_fetch(handle, &entries) : 0;
	for (i = 0; i < n; i++) {
		sprint_symbol(sym, entries[i]);
		if (!strncmp(sym, name, len) &&
		    (sym[len] == '+' || sym[len] == '.'))
			return true;
	}
	return false;
}

/* === Red zones and poison === */

/* First offset in [from, to) of @p not holding @byte, or -1. */
static long find_bad(const u8 *p, size_t from, size_t to, u8 byte)
{
	const u8 *bad = memchr_inv(p + from, byte, to - from);

	return bad ? bad - p : -1;
}

/**
 * jmod_debug_check_redzone() - check (and repair) the slack of an object
 * @p: object
 * @size: bytes requested
 * @usable: bytes the object really has
 * @cls: class for the report
 * @d: record for the report, or NULL
 * @caller: for the report
 *
 * Context: any.
 * Return: true when the red zone was intact.
 */
bool jmod_debug_check_redzone(void *p, size_t size, size_t usable,
			      unsigned int cls, const struct jmod_run_debug *d,
			      unsigned long caller)
{
	long bad;

	if (!(jmod_debug & JMOD_DBG_REDZONE) || size >= usable)
		return true;
	bad = find_bad(p, size, usable, JMOD_RED_ACTIVE);
	if (bad < 0)
		return true;
	jmod_debug_report(JMOD_ERR_REDZONE, cls, size, bad, ((u8 *)p)[bad],
			  JMOD_RED_ACTIVE, d, caller);
	memset(p + size, JMOD_RED_ACTIVE, usable - size);
	return false;
}

void jmod_debug_set_redzone(void *p, size_t size, size_t usable)
{
	if ((jmod_debug & JMOD_DBG_REDZONE) && size < usable)
		memset(p + size, JMOD_RED_ACTIVE, usable - size);
}

/**
 * jmod_debug_alloc() - a run is handed out
 * @p: the run
 * @usable: its size
 * @size: bytes requested
 * @cls: its class
 * @d: its record
 *
 * Checks the poison left at free (or at chunk creation), records the
 * owner and writes the red zone.  Context: any; called under the arena
 * lock (jmod_arena_validate() must not see the run before this is done).
 */
void jmod_debug_alloc(void *p, size_t usable, size_t size, unsigned int cls,
		      struct jmod_run_debug *d)
{
	long bad;

	if (jmod_debug & JMOD_DBG_POISON) {
		bad = find_bad(p, 0, usable, JMOD_POISON_FREE);
		if (bad >= 0)
			jmod_debug_report(JMOD_ERR_POISON, cls, size, bad,
					  ((u8 *)p)[bad], JMOD_POISON_FREE, d,
					  _RET_IP_);
	}
	d->size = size;
	d->alloc_stack = (jmod_debug & JMOD_DBG_USER) ?
			 jmod_save_stack(2, GFP_NOWAIT) : 0;
	d->free_stack = 0;
	jmod_debug_set_redzone(p, size, usable);
}

/**
 * jmod_debug_free() - a live run is being freed
 * @p: the run
 * @usable: its size
 * @cls: its class
 * @d: its record
 * @caller: for reports
 *
 * Checks the red zone, records the freeing call stack, poisons the run.
 * Context: any; called under the arena lock.
 */
void jmod_debug_free(void *p, size_t usable, unsigned int cls,
		     struct jmod_run_debug *d, unsigned long caller)
{
	jmod_debug_check_redzone(p, d->size, usable, cls, d, caller);
	if (jmod_debug & JMOD_DBG_USER)
		d->free_stack = jmod_save_stack(3, GFP_NOWAIT);
	if (jmod_debug & JMOD_DBG_POISON)
		memset(p, JMOD_POISON_FREE, usable);
}
