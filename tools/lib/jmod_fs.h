/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jmod's debugfs directory and module parameters from userspace: whole
 * files, knobs, purge and the tcache switch, stats.json parsed with
 * json.c and the lookups in it (counters by path, per-class rows, what
 * is live).  Every function returns 0 or -errno (or NULL with errno),
 * never exits.  See jmod_fs.c.
 *
 * stats.json's per-class arrays are "bins" (small) and "lextents" (large,
 * jemalloc's name); "small", "large" and "huge" are the back end
 * summaries, "huge" with curallocs.
 */
#ifndef JMOD_FS_H
#define JMOD_FS_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

#define JMOD_DEBUGFS_ROOT	"/sys/kernel/debug"
#define JMOD_DEBUGFS_DIR	JMOD_DEBUGFS_ROOT "/jmod"
#define JMOD_MODULE_NAME	"jmalloc"	/* the module's one name in C */
#define JMOD_MODULE_DIR		"/sys/module/" JMOD_MODULE_NAME
/* the heap profiler's rate, a module parameter */
#define JMOD_PROF_PARAM		JMOD_MODULE_DIR "/parameters/prof_sample"
#define JMOD_SLAB_DIR		"/sys/kernel/slab"

/* Is jmod's debugfs directory there? */
bool jmod_debugfs_present(void);
/* "<debugfs>/jmod/@name" into @buf: 0, or -ENAMETOOLONG */
int jmod_debugfs_path(const char *name, char *buf, size_t len);

/* The whole of file @path, NUL-terminated, malloc'ed; NULL with errno */
char *jmod_read_path(const char *path, size_t *lenp);
/* jmod's debugfs file @name, as jmod_read_path() */
char *jmod_debugfs_read(const char *name, size_t *lenp);
/* One write(2) of @val to the file at @path: 0 or -errno (-EIO: short) */
int jmod_write_path(const char *path, const char *val);
/* The decimal number in the file at @path: 0 or -errno (-EPROTO: no number) */
int jmod_read_path_u64(const char *path, unsigned long long *val);

/* Knob @name of jmod's debugfs directory, as the *_path() functions */
int jmod_knob_write(const char *name, const char *val);
int jmod_knob_write_u64(const char *name, unsigned long long val);
int jmod_knob_read(const char *name, unsigned long long *val);

/* purge=1: jmod gives back every cached and empty page it can */
int jmod_purge(void);
/* tcache=1 or 0 */
int jmod_set_tcache(bool on);
/*
 * A cold start for a measurement: jmod purged, then every slab cache's
 * empty slabs shrunk (/sys/kernel/slab/<cache>/shrink; caches that do
 * not take it are passed over).  Returns the purge's 0 or -errno.
 */
int jmod_cold_start(void);

/* stats.json parsed; NULL with the reason in @msg (errno set) */
struct json *jmod_stats_json(char *msg, size_t msglen);
/* A member of @v by dotted path as a number, ~0ULL if missing */
unsigned long long jmod_num(const struct json *v, const char *path);
/* One counter of a fresh stats.json by path, ~0ULL if unreadable */
unsigned long long jmod_stat_u64(const char *path);

/* stats.json's top-level members (NULL if missing) */
struct json *jmod_bins(const struct json *j);
struct json *jmod_large_classes(const struct json *j);
struct json *jmod_huge(const struct json *j);

/* Per-class counters of one stats.json snapshot */
struct jmod_class_stats {
	unsigned long long size;	/* 0: huge */
	unsigned long long nmalloc, ndalloc, nrequests, requested, cur;
};

/*
 * The class @size falls into: the first bin or large class whose size
 * is at least @size, else huge.  0, or -ENOENT if stats.json lacks it
 * or one of its counters.
 */
int jmod_class_stats_of(const struct json *j, unsigned long long size,
			struct jmod_class_stats *c);
/*
 * Every class with a non-zero gauge (curregs, curruns, curallocs), as
 * "size:count ..." in @buf (cut short if it does not fit); returns how
 * many.
 */
unsigned int jmod_live_classes(const struct json *j, char *buf, size_t len);
/*
 * Purges, then checks that nothing is live and nothing mapped (for when
 * every object was freed): 0, -EBUSY with what is left in @why, or the
 * -errno of the purge or of reading stats.json (the reason in @why).
 */
int jmod_quiesce_after_purge(char *why, size_t len);

#endif /* JMOD_FS_H */
