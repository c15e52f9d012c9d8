/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The order of jmod's "what if" rows: one rule for the module's live
 * figures (whatif.c: debugfs whatif and whatif.json, sorted with sort())
 * and the offline ones (tools/lib/kmemtrace.c: jmodctl whatif, sorted
 * with qsort()), so both list the same sites in the same order.
 *
 * Most bytes saved first (kmalloc bytes - jmod bytes; negative where
 * jmod would spend more), ties by function (or site) name, then by
 * module name.
 *
 * The includer declares strcmp() (<linux/string.h> or <string.h>).
 */
#ifndef _JMOD_WHATIF_H
#define _JMOD_WHATIF_H

/* Bytes jmod saves on a row: what kmalloc spent less what jmod would */
static inline long long jmod_whatif_saved(unsigned long long kmalloc_bytes,
					  unsigned long long jmod_bytes)
{
	return (long long)(kmalloc_bytes - jmod_bytes);
}

/*
 * jmod_whatif_cmp - the row order, as a comparator's result
 * @saved_x: jmod_whatif_saved() of row x
 * @name_x: its function (or site) name
 * @mod_x: its module name
 * @saved_y: jmod_whatif_saved() of row y
 * @name_y: its function (or site) name
 * @mod_y: its module name
 *
 * Return: < 0 if x comes first, > 0 if y does, 0 for the same row.
 */
static inline int jmod_whatif_cmp(long long saved_x, const char *name_x,
				  const char *mod_x, long long saved_y,
				  const char *name_y, const char *mod_y)
{
	int c;

	if (saved_x != saved_y)
		return saved_x > saved_y ? -1 : 1;
	c = strcmp(name_x, name_y);
	return c ? c : strcmp(mod_x, mod_y);
}

#endif /* _JMOD_WHATIF_H */
