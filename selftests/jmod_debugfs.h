/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the selftests that read jmod's debugfs directory: whole
 * files, knobs, stats.json and per-class lookups in it
 * (tools/lib/jmod_fs.c) and the in-kernel cases
 * (tools/lib/jmod_selftest.c) under the tests' jm_* names, the fixture
 * setup for debugfs and the kernel-address scan of the leak tests.
 */
#ifndef JMOD_DEBUGFS_H
#define JMOD_DEBUGFS_H

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <linux/jmod.h>

#include "json.h"
#include "jmod_fs.h"
#include "jmod_selftest.h"

#define JM_DEBUGFS		JMOD_DEBUGFS_DIR
#define JM_PROF_PARAM		JMOD_PROF_PARAM

#define jm_debugfs_present	jmod_debugfs_present
#define jm_read_file_path	jmod_read_path
#define jm_read_file		jmod_debugfs_read
#define jm_write_path		jmod_write_path
#define jm_read_path_num	jmod_read_path_u64
#define jm_write_knob		jmod_knob_write
#define jm_read_knob		jmod_knob_read
#define jm_purge		jmod_purge
#define jm_set_tcache		jmod_set_tcache
#define jm_stats_json		jmod_stats_json
#define jm_num			jmod_num
#define jm_stat_u64		jmod_stat_u64
#define jm_bins			jmod_bins
#define jm_large_classes	jmod_large_classes
#define jm_huge			jmod_huge
#define jm_live_classes		jmod_live_classes
#define jm_class		jmod_class_stats

#ifdef __KSELFTEST_HARNESS_H
/*
 * For FIXTURE_SETUP, after jm_setup_dev(): false when debugfs is not
 * mounted; then *@fd is closed and the test marked skipped.
 */
static inline bool jm_setup_debugfs(struct __test_metadata *_metadata,
				    int *fd)
{
	if (jm_debugfs_present())
		return true;
	close(*fd);
	*fd = -1;
	SKIP(return false, "%s missing (debugfs not mounted?)", JM_DEBUGFS);
}

/*
 * The knobs a fixture may change, as its setup found them, for its
 * teardown to put back: tcache, decay_ms and the profiler's sample
 * parameter (has_prof: false for a module built without the profiler).
 * saved: jm_knobs_save() read them all.
 */
struct jm_knobs {
	unsigned long long tcache, decay_ms, prof;
	bool has_prof, saved;
};

/* For FIXTURE_SETUP: reads the knobs into @k (the test fails if it can't) */
static inline void jm_knobs_save(struct __test_metadata *_metadata,
				 struct jm_knobs *k)
{
	ASSERT_EQ(0, jm_read_knob("tcache", &k->tcache));
	ASSERT_EQ(0, jm_read_knob("decay_ms", &k->decay_ms));
	k->has_prof = !jm_read_path_num(JM_PROF_PARAM, &k->prof);
	k->saved = true;
}

/*
 * For FIXTURE_TEARDOWN: writes back each knob jm_knobs_save() read into
 * @k whose value changed since; nothing if it did not run
 */
static inline void jm_knobs_restore(const struct jm_knobs *k)
{
	unsigned long long v;

	if (!k->saved)
		return;
	if (jm_read_knob("tcache", &v) || v != k->tcache)
		jm_set_tcache(k->tcache);
	if (jm_read_knob("decay_ms", &v) || v != k->decay_ms)
		jmod_knob_write_u64("decay_ms", k->decay_ms);
	if (k->has_prof &&
	    (jm_read_path_num(JM_PROF_PARAM, &v) || v != k->prof)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%llu", k->prof);
		jm_write_path(JM_PROF_PARAM, buf);
	}
}

/*
 * For FIXTURE_SETUP: jm_setup_dev() and jm_setup_debugfs(), then the
 * knobs into *@k (jm_knobs_save()).  False when the test was skipped.
 */
static inline bool jm_setup_knobs(struct __test_metadata *_metadata, int *fd,
				  struct jmod_version *v, struct jm_knobs *k)
{
	if (!jm_setup_dev(_metadata, fd, v) || !jm_setup_debugfs(_metadata, fd))
		return false;
	jm_knobs_save(_metadata, k);
	return true;
}
#endif

/*
 * The class @size falls into (jmod_class_stats_of()); false if
 * stats.json lacks it
 */
static inline bool jm_class_of_size(const struct json *j,
				    unsigned long long size,
				    struct jm_class *c)
{
	return !jmod_class_stats_of(j, size, c);
}

/*
 * A kernel address in text: a run of 16 or more hex digits holding a
 * letter (decimal counters have none), or "ffff" + 12 hex digits.
 * Returns the offset of the first one, or -1.
 */
static inline long jm_find_kernel_address(const char *s)
{
	const char *p = s, *start;
	bool letter;

	while (*p) {
		if (!isxdigit((unsigned char)*p)) {
			p++;
			continue;
		}
		start = p;
		letter = false;
		while (isxdigit((unsigned char)*p)) {
			letter |= !isdigit((unsigned char)*p);
			p++;
		}
		if (p - start >= 16 && letter)
			return start - s;
		if (p - start >= 16 && !strncasecmp(start, "ffff", 4))
			return start - s;
	}
	return -1;
}

/*
 * After a purge with nothing live anywhere: every gauge zero and nothing
 * mapped.  Returns true, or false with the reason in @why.
 */
static inline bool jm_quiet_after_purge(char *why, size_t len)
{
	return !jmod_quiesce_after_purge(why, len);
}

/*
 * Runs the in-kernel case @name with @arg (cpu_mask_or_arg): 0, -ENOENT
 * if no such case, or -errno
 */
static inline int jm_run_incore_arg(int fd, const char *name, __u32 arg,
				    char *msg, size_t len)
{
	return jmod_selftest_run_name(fd, name, arg, msg, len);
}

/* Runs the in-kernel case @name: 0, -ENOENT if no such case, or -errno */
static inline int jm_run_incore(int fd, const char *name, char *msg,
				size_t len)
{
	return jm_run_incore_arg(fd, name, 0, msg, len);
}

#endif /* JMOD_DEBUGFS_H */
