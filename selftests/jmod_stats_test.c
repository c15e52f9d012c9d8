// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_stats_test: debugfs jmod/ statistics and knobs.
 *
 * With the tcache off (the fixture writes 0 to the knob and restores the
 * old value afterwards) every allocation and free through /dev/jmod goes
 * straight to the back ends, and with profiling off (prof_sample=0, also
 * restored) no small request becomes a 16 KiB sample run, which the
 * stats count in that class (the in-kernel case "prof" checks that), so
 * after a known pattern of allocations the
 * per-class deltas in stats.json are exact: nmalloc, ndalloc, the gauges
 * (curregs, curruns, huge curallocs), nrequests and requested bytes.
 * With the tcache on only nrequests and requested are exact.  Nothing
 * else may allocate from jmod while this runs (the guest is quiet).
 *
 * Also: stats.json is valid JSON with the documented keys and agrees with
 * JMOD_IOC_VERSION, the text tables have their headers and rows, no file
 * shows a kernel address, reset zeroes event counters but not gauges,
 * bad knob values get EINVAL and change nothing, and purge with nothing
 * live leaves nothing mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "jmod_util.h"
#include "jmod_debugfs.h"

#define MAX_PAT		10
#define MAX_OBJS	64
#define MSG_LEN		512

struct pat {
	__u64 size;
	unsigned int n;
};

FIXTURE(stats) {
	int fd;
	struct jmod_version v;
	struct jm_knobs knobs;
};

FIXTURE_SETUP(stats)
{
	if (!jm_setup_knobs(_metadata, &self->fd, &self->v, &self->knobs))
		return;
	ASSERT_EQ(0, jm_set_tcache(false));
	/* a module built without the profiler has no parameter */
	if (self->knobs.has_prof)
		ASSERT_EQ(0, jm_write_path(JM_PROF_PARAM, "0"));
}

FIXTURE_TEARDOWN(stats)
{
	jm_knobs_restore(&self->knobs);
	jm_close(self->fd);
}

/*
 * Older harnesses (6.1) run the body even after a SKIP in the fixture
 * setup: every body starts with "if (self->fd < 0) return;".
 */

static struct json *snap(struct __test_metadata *_metadata)
{
	char msg[MSG_LEN];
	struct json *j = jm_stats_json(msg, sizeof(msg));

	EXPECT_NE(NULL, j) TH_LOG("stats.json: %s", msg);
	return j;
}

/* Objects in several small classes, two large, the largest large, huge */
static unsigned int build_pattern(const struct jmod_version *v,
				  struct pat *p)
{
	unsigned int n = 0;

	p[n++] = (struct pat){ 8, 17 };
	p[n++] = (struct pat){ 100, 9 };
	p[n++] = (struct pat){ 1000, 5 };
	p[n++] = (struct pat){ v->max_small, 3 };
	p[n++] = (struct pat){ v->max_small + 1, 2 };
	p[n++] = (struct pat){ 5 * v->page_size, 4 };
	p[n++] = (struct pat){ v->max_large, 1 };
	p[n++] = (struct pat){ v->max_large + 1, 2 };
	p[n++] = (struct pat){ 2 * v->max_large + 5, 1 };
	return n;
}

/* Allocates the pattern; returns the number of handles */
static unsigned int alloc_pattern(struct __test_metadata *_metadata, int fd,
				  const struct json *j, const struct pat *p,
				  unsigned int np, __u64 *h)
{
	unsigned int i, k, nh = 0;
	struct jm_class c;
	__u64 usable;

	for (i = 0; i < np; i++) {
		ASSERT_TRUE(jm_class_of_size(j, p[i].size, &c));
		for (k = 0; k < p[i].n; k++) {
			ASSERT_GT(MAX_OBJS, nh);
			ASSERT_EQ(0, jm_alloc(fd, p[i].size, 0, 0, &h[nh],
					      &usable))
				TH_LOG("alloc %llu", (unsigned long long)p[i].size);
			nh++;
			if (c.size) {
				EXPECT_EQ(c.size, usable)
					TH_LOG("request %llu: usable %llu, stats.json class %llu",
					       (unsigned long long)p[i].size,
					       (unsigned long long)usable,
					       c.size);
			}
		}
	}
	return nh;
}

static void free_all(struct __test_metadata *_metadata, int fd, __u64 *h,
		     unsigned int nh)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nh; i++) {
		ret = jm_free(fd, h[i]);
		ASSERT_EQ(0, ret) TH_LOG("free of handle %u", i);
	}
}

/*
 * Checks the deltas from @a to @b for every class the pattern touches:
 * @alloc (the pattern was allocated) or not (it was freed).  @exact:
 * tcache off, every counter; else only nrequests and requested.  The
 * back end summaries (small, large, huge) must move by the same sums.
 */
static void check_deltas(struct __test_metadata *_metadata,
			 const struct json *a, const struct json *b,
			 const struct pat *p, unsigned int np, bool alloc,
			 bool exact)
{
	static const char *const kinds[3] = { "small", "large", "huge" };
	unsigned long long kreq[3] = { 0, 0, 0 }, kbytes[3] = { 0, 0, 0 };
	unsigned long long knm[3] = { 0, 0, 0 }, total = 0;
	unsigned int i, k;
	bool seen[MAX_PAT] = { false };

	for (i = 0; i < np; i++) {
		struct jm_class ca, cb;
		unsigned long long n = 0, bytes = 0;
		unsigned int kind;

		ASSERT_TRUE(jm_class_of_size(a, p[i].size, &ca));
		ASSERT_TRUE(jm_class_of_size(b, p[i].size, &cb));
		kind = !ca.size ? 2 : ca.size <= jm_num(a, "config.max_small") ?
		       0 : 1;
		if (seen[i])
			continue;
		/* every pattern entry of the same class */
		for (k = i; k < np; k++) {
			struct jm_class ck;

			ASSERT_TRUE(jm_class_of_size(a, p[k].size, &ck));
			if (ck.size != ca.size)
				continue;
			seen[k] = true;
			n += p[k].n;
			bytes += p[k].n * p[k].size;
		}
		kreq[kind] += alloc ? n : 0;
		kbytes[kind] += alloc ? bytes : 0;
		knm[kind] += n;
		total += alloc ? bytes : 0;

#define DELTA(f)	(cb.f - ca.f)
		TH_LOG("class %llu: %s %llu objects", ca.size,
		       alloc ? "allocated" : "freed", n);
		EXPECT_EQ(alloc ? n : 0, DELTA(nrequests))
			TH_LOG("class %llu nrequests", ca.size);
		EXPECT_EQ(alloc ? bytes : 0, DELTA(requested))
			TH_LOG("class %llu requested", ca.size);
		if (!exact)
			continue;
		EXPECT_EQ(alloc ? n : 0, DELTA(nmalloc))
			TH_LOG("class %llu nmalloc", ca.size);
		EXPECT_EQ(alloc ? 0 : n, DELTA(ndalloc))
			TH_LOG("class %llu ndalloc", ca.size);
		EXPECT_EQ(alloc ? n : -n, DELTA(cur))
			TH_LOG("class %llu gauge (curregs/curruns/curallocs)",
			       ca.size);
#undef DELTA
	}
	for (k = 0; k < 3; k++) {
		const struct json *ka = k == 2 ? json_get(a, "huge") :
				json_get_type(a, kinds[k], JSON_OBJECT);
		const struct json *kb = k == 2 ? json_get(b, "huge") :
				json_get_type(b, kinds[k], JSON_OBJECT);

		EXPECT_EQ(kreq[k], jm_num(kb, "nrequests") -
			  jm_num(ka, "nrequests"))
			TH_LOG("%s nrequests", kinds[k]);
		EXPECT_EQ(kbytes[k], jm_num(kb, "requested") -
			  jm_num(ka, "requested"))
			TH_LOG("%s requested", kinds[k]);
		if (exact) {
			EXPECT_EQ(knm[k], alloc ?
				  jm_num(kb, "nmalloc") - jm_num(ka, "nmalloc") :
				  jm_num(kb, "ndalloc") - jm_num(ka, "ndalloc"))
				TH_LOG("%s %s", kinds[k],
				       alloc ? "nmalloc" : "ndalloc");
		}
	}
	EXPECT_EQ(total, jm_num(b, "summary.requested") -
		  jm_num(a, "summary.requested"));
}

static void run_pattern(struct __test_metadata *_metadata, int fd,
			const struct jmod_version *v, bool exact)
{
	struct json *j0, *j1, *j2;
	struct pat p[MAX_PAT];
	__u64 h[MAX_OBJS];
	unsigned int np = build_pattern(v, p), nh;

	j0 = snap(_metadata);
	ASSERT_NE(NULL, j0);
	nh = alloc_pattern(_metadata, fd, j0, p, np, h);
	j1 = snap(_metadata);
	ASSERT_NE(NULL, j1);
	check_deltas(_metadata, j0, j1, p, np, true, exact);
	free_all(_metadata, fd, h, nh);
	j2 = snap(_metadata);
	ASSERT_NE(NULL, j2);
	check_deltas(_metadata, j1, j2, p, np, false, exact);
	json_free(j0);
	json_free(j1);
	json_free(j2);
}

/* Every gauge is zero; names the live classes otherwise */
static void expect_nothing_live(struct __test_metadata *_metadata,
				const struct json *j, const char *when)
{
	char live[MSG_LEN];

	EXPECT_EQ(0U, jm_live_classes(j, live, sizeof(live)))
		TH_LOG("%s: live objects: %s", when, live);
}

/* Every class has cur == nmalloc - ndalloc */
static void expect_identity(struct __test_metadata *_metadata,
			    const struct json *j)
{
	const struct json *arr[2] = { jm_bins(j), jm_large_classes(j) };
	const char *cur[2] = { "curregs", "curruns" };
	const struct json *x;
	unsigned int a;
	size_t i;

	for (a = 0; a < 2; a++) {
		for (i = 0; i < json_count(arr[a]); i++) {
			x = json_at(arr[a], i);
			EXPECT_EQ(jm_num(x, cur[a]), jm_num(x, "nmalloc") -
				  jm_num(x, "ndalloc"))
				TH_LOG("class %llu", jm_num(x, "size"));
		}
	}
	x = jm_huge(j);
	EXPECT_EQ(jm_num(x, "curallocs"),
		  jm_num(x, "nmalloc") - jm_num(x, "ndalloc"));
}

/* stats.json parses, has the documented keys and agrees with VERSION */
TEST_F(stats, json_schema)
{
	static const char *const keys[] = {
		"schema", "abi", "uptime_ns", "since_reset_ns", "config",
		"summary", "small", "large", "huge", "tcache", "bins",
		"lextents", "arenas",
	};
	static const char *const summary[] = {
		"allocated", "requested", "active", "mapped", "retained",
		"metadata", "tcache_cached", "bad_frees", "realloc_inplace",
		"large_fallbacks",
	};
	__u64 cls[JM_MAX_CLASSES];
	const struct json *bins, *large;
	unsigned int i, ncls;
	struct json *j;

	if (self->fd < 0)
		return;
	j = snap(_metadata);
	ASSERT_NE(NULL, j);
	ASSERT_EQ(JSON_OBJECT, j->type);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct json *k = json_get(j, keys[i]);

		EXPECT_NE(NULL, k) TH_LOG("key %s", keys[i]);
	}
	for (i = 0; i < ARRAY_SIZE(summary); i++) {
		EXPECT_NE(~0ULL, jm_num(json_get(j, "summary"), summary[i]))
			TH_LOG("summary.%s", summary[i]);
	}
	EXPECT_EQ(2ULL, jm_num(j, "schema"));
	EXPECT_EQ(JMOD_ABI_VERSION, jm_num(j, "abi"));
	EXPECT_EQ(self->v.page_size, jm_num(j, "config.page_size"));
	EXPECT_EQ(self->v.chunk_size, jm_num(j, "config.chunk_size"));
	EXPECT_EQ(self->v.nr_small, jm_num(j, "config.nr_small"));
	EXPECT_EQ(self->v.nr_large, jm_num(j, "config.nr_large"));
	EXPECT_EQ(self->v.max_small, jm_num(j, "config.max_small"));
	EXPECT_EQ(self->v.max_large, jm_num(j, "config.max_large"));
	EXPECT_EQ(self->v.tcache_max, jm_num(j, "config.tcache_max"));
	EXPECT_EQ(self->v.nr_arenas, jm_num(j, "config.nr_arenas"));
	EXPECT_EQ(0ULL, jm_num(j, "config.tcache"));	/* the fixture */

	/* the back end summaries, then the class arrays */
	EXPECT_NE(NULL, json_get_type(j, "small", JSON_OBJECT));
	EXPECT_NE(NULL, json_get_type(j, "large", JSON_OBJECT));
	EXPECT_NE(NULL, jm_huge(j));
	bins = jm_bins(j);
	large = jm_large_classes(j);
	ASSERT_NE(NULL, bins);
	ASSERT_NE(NULL, large);
	EXPECT_EQ(self->v.nr_small, json_count(bins));
	EXPECT_EQ(self->v.nr_large, json_count(large));
	EXPECT_EQ(self->v.nr_arenas,
		  json_count(json_get_type(j, "arenas", JSON_ARRAY)));
	EXPECT_EQ(self->v.nr_arenas, json_count(json_path(j, "tcache.cpus")));

	/* classes in order, and the same as jemalloc's */
	ncls = jm_size_classes(self->v.max_large, cls, JM_MAX_CLASSES);
	ASSERT_EQ(ncls, json_count(bins) + json_count(large));
	for (i = 0; i < ncls; i++) {
		const struct json *c = i < json_count(bins) ? json_at(bins, i) :
				       json_at(large, i - json_count(bins));

		EXPECT_EQ(cls[i], jm_num(c, "size")) TH_LOG("class %u", i);
		EXPECT_EQ(i, jm_num(c, "ind")) TH_LOG("class %u", i);
	}
	json_free(j);
}

/* The text files have their headers and one row per class/CPU */
TEST_F(stats, text_tables)
{
	static const struct {
		const char *file, *header;
	} tables[] = {
		{ "bins", "size" }, { "large", "size" }, { "arenas", "cpu" },
		{ "tcache_cpus", "cpu" }, { "tcache_bins", "cpu" },
	};
	unsigned int rows[ARRAY_SIZE(tables)], i, ntb;
	unsigned long long tmax;
	char *buf, *line, *save;
	struct jmod_version *v = &self->v;

	if (self->fd < 0)
		return;
	/* tcache bins: classes up to tcache_max */
	tmax = v->tcache_max;
	{
		__u64 cls[JM_MAX_CLASSES];
		unsigned int n = jm_size_classes(tmax, cls, JM_MAX_CLASSES);

		ntb = tmax ? n : 0;
	}
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		buf = jm_read_file(tables[i].file, NULL);
		ASSERT_NE(NULL, buf) TH_LOG("%s: %s", tables[i].file,
					    strerror(errno));
		line = strtok_r(buf, "\n", &save);
		ASSERT_NE(NULL, line);
		EXPECT_EQ(0, strncmp(line + strspn(line, " "),
				     tables[i].header, strlen(tables[i].header)))
			TH_LOG("%s header: %s", tables[i].file, line);
		rows[i] = 0;
		while (strtok_r(NULL, "\n", &save))
			rows[i]++;
		free(buf);
	}
	EXPECT_EQ(v->nr_small, rows[0]);
	EXPECT_EQ(v->nr_large + 1, rows[1]);	/* and huge */
	EXPECT_EQ(v->nr_arenas, rows[2]);
	EXPECT_EQ(v->nr_arenas, rows[3]);
	EXPECT_EQ(v->nr_arenas * ntb, rows[4]);

	buf = jm_read_file("stats", NULL);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(0, strncmp(buf, "___ Begin jmod statistics ___\n", 30));
	EXPECT_NE(NULL, strstr(buf, "___ End jmod statistics ___\n"));
	line = strstr(buf, "\ntcache:");
	ASSERT_NE(NULL, line);
	line += strlen("\ntcache:");
	EXPECT_EQ(0, strncmp(line + strspn(line, " "), "off,", 4))
		TH_LOG("tcache line: %.40s", line);
	free(buf);
}

/*
 * Every tcache bin holds at most 64 KiB of objects (at least 2 slots), and
 * never more than its capacity: the per-CPU byte budget tcache.c promises.
 */
TEST_F(stats, tcache_bin_budget)
{
	unsigned int cpu, size, ncached, max, rows = 0;
	char *buf, *line, *save;

	if (self->fd < 0)
		return;
	buf = jm_read_file("tcache_bins", NULL);
	ASSERT_NE(NULL, buf);
	line = strtok_r(buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save))) {
		int got = sscanf(line, "%u %u %u %u", &cpu, &size, &ncached,
				 &max);

		ASSERT_EQ(4, got) TH_LOG("row: %s", line);
		EXPECT_TRUE(max >= 2 && (max == 2 || max * size <= 65536))
			TH_LOG("cpu %u: the %u B bin holds %u objects", cpu,
			       size, max);
		EXPECT_LE(ncached, max);
		rows++;
	}
	free(buf);
	/* tcache_max=0: no bin at all */
	EXPECT_EQ(self->v.tcache_max ? 1 : 0, rows ? 1 : 0);
}

/* No file shows a kernel address, with objects of every kind live */
TEST_F(stats, no_kernel_addresses)
{
	static const char *const files[] = {
		"stats", "bins", "large", "arenas", "tcache_cpus",
		"tcache_bins", "stats.json", "decay_ms", "tcache",
	};
	struct pat p[MAX_PAT];
	__u64 h[MAX_OBJS];
	unsigned int i, nh, np = build_pattern(&self->v, p);
	struct json *j;
	char *buf;
	long off;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_set_tcache(true));
	j = snap(_metadata);
	ASSERT_NE(NULL, j);
	nh = alloc_pattern(_metadata, self->fd, j, p, np, h);
	json_free(j);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		buf = jm_read_file(files[i], NULL);
		ASSERT_NE(NULL, buf) TH_LOG("%s: %s", files[i],
					    strerror(errno));
		off = jm_find_kernel_address(buf);
		EXPECT_EQ(-1, off)
			TH_LOG("%s: kernel address at %ld: %.40s", files[i],
			       off, buf + off);
		free(buf);
	}
	free_all(_metadata, self->fd, h, nh);
}

/* Tcache off: exact per-class deltas for a known pattern */
TEST_F(stats, exact_deltas)
{
	if (self->fd < 0)
		return;
	run_pattern(_metadata, self->fd, &self->v, true);
}

/* Tcache on: nrequests and requested are still exact */
TEST_F(stats, request_deltas_tcache_on)
{
	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_set_tcache(true));
	run_pattern(_metadata, self->fd, &self->v, false);
}

/* reset zeroes the event counters; curregs and the other gauges stay */
TEST_F(stats, reset_keeps_gauges)
{
	const struct json *arr[2];
	struct jm_class ca, cb, cc;
	struct json *a, *b, *c;
	unsigned int i, k;
	__u64 h[7];
	size_t e;

	if (self->fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(h); i++) {
		int ret = jm_alloc(self->fd, 256, 0, 0, &h[i], NULL);

		ASSERT_EQ(0, ret);
	}
	a = snap(_metadata);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, jm_write_knob("reset", "1"));
	b = snap(_metadata);
	ASSERT_NE(NULL, b);

	arr[0] = jm_bins(b);
	arr[1] = jm_large_classes(b);
	for (k = 0; k < 2; k++) {
		for (e = 0; e < json_count(arr[k]); e++) {
			const struct json *x = json_at(arr[k], e);

			EXPECT_EQ(0ULL, jm_num(x, "nmalloc"))
				TH_LOG("class %llu", jm_num(x, "size"));
			EXPECT_EQ(0ULL, jm_num(x, "ndalloc"))
				TH_LOG("class %llu", jm_num(x, "size"));
			EXPECT_EQ(0ULL, jm_num(x, "nrequests"))
				TH_LOG("class %llu", jm_num(x, "size"));
			EXPECT_EQ(0ULL, jm_num(x, "requested"))
				TH_LOG("class %llu", jm_num(x, "size"));
		}
	}
	EXPECT_EQ(0ULL, jm_num(jm_huge(b), "nmalloc"));
	EXPECT_EQ(0ULL, jm_num(jm_huge(b), "nrequests"));
	EXPECT_EQ(0ULL, jm_num(b, "summary.requested"));
	EXPECT_EQ(0ULL, jm_num(b, "small.nmalloc"));
	EXPECT_EQ(0ULL, jm_num(b, "small.nrequests"));

	/* gauges unchanged */
	ASSERT_TRUE(jm_class_of_size(a, 256, &ca));
	ASSERT_TRUE(jm_class_of_size(b, 256, &cb));
	EXPECT_LE(7ULL, ca.cur);
	EXPECT_EQ(ca.cur, cb.cur);
	EXPECT_EQ(jm_num(a, "summary.allocated"),
		  jm_num(b, "summary.allocated"));
	EXPECT_EQ(jm_num(a, "summary.active"), jm_num(b, "summary.active"));
	EXPECT_EQ(jm_num(a, "small.allocated"), jm_num(b, "small.allocated"));

	for (i = 0; i < ARRAY_SIZE(h); i++) {
		int ret = jm_free(self->fd, h[i]);

		ASSERT_EQ(0, ret);
	}
	c = snap(_metadata);
	ASSERT_NE(NULL, c);
	ASSERT_TRUE(jm_class_of_size(c, 256, &cc));
	EXPECT_EQ(0ULL, cc.nmalloc);
	EXPECT_EQ(7ULL, cc.ndalloc);
	EXPECT_EQ(ca.cur - 7, cc.cur);
	json_free(a);
	json_free(b);
	json_free(c);
}

/* Quiet and nothing live: after a reset, cur == nmalloc - ndalloc */
TEST_F(stats, reset_identity_when_quiet)
{
	struct pat p[MAX_PAT];
	__u64 h[MAX_OBJS];
	unsigned int nh, np = build_pattern(&self->v, p);
	struct json *j;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_purge());
	j = snap(_metadata);
	ASSERT_NE(NULL, j);
	expect_nothing_live(_metadata, j, "before the test");
	json_free(j);
	ASSERT_EQ(0, jm_write_knob("reset", "1"));
	j = snap(_metadata);
	ASSERT_NE(NULL, j);
	/* every event counter starts from 0, the tcache's included */
	{
		static const char *const keys[] = {
			"requests", "hits", "misses", "fills", "flushes",
		};
		const struct json *tc = json_get(j, "tcache");
		unsigned int i;

		ASSERT_NE(NULL, tc);
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			const char *key = keys[i];

			EXPECT_EQ(0ULL, jm_num(tc, key))
				TH_LOG("tcache %.16s right after reset", key);
		}
		EXPECT_EQ(0ULL, jm_num(json_get(j, "summary"), "bad_frees"));
	}
	nh = alloc_pattern(_metadata, self->fd, j, p, np, h);
	json_free(j);
	j = snap(_metadata);
	ASSERT_NE(NULL, j);
	expect_identity(_metadata, j);
	json_free(j);
	free_all(_metadata, self->fd, h, nh);
	j = snap(_metadata);
	ASSERT_NE(NULL, j);
	expect_identity(_metadata, j);
	expect_nothing_live(_metadata, j, "after freeing");
	json_free(j);
}

static void expect_knob(struct __test_metadata *_metadata, const char *knob,
			unsigned long long want)
{
	unsigned long long v = ~0ULL;

	ASSERT_EQ(0, jm_read_knob(knob, &v));
	EXPECT_EQ(want, v) TH_LOG("%s", knob);
}

/* Writes @val to @knob, which then reads back as @want */
static void set_knob(struct __test_metadata *_metadata, const char *knob,
		     const char *val, unsigned long long want)
{
	ASSERT_EQ(0, jm_write_knob(knob, val)) TH_LOG("%s \"%s\"", knob, val);
	expect_knob(_metadata, knob, want);
}

/* Every value of @bad gets EINVAL and leaves @knob at @want */
static void refuse_knob(struct __test_metadata *_metadata, const char *knob,
			const char *const *bad, unsigned int nbad,
			unsigned long long want)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nbad; i++) {
		if (!bad[i][0])
			continue;	/* a 0-byte write may not reach the knob */
		ret = jm_write_knob(knob, bad[i]);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s \"%s\": %s", knob, bad[i],
					       strerror(-ret));
		expect_knob(_metadata, knob, want);
	}
}

/* stats.json's member @path is @want */
static void expect_json_num(struct __test_metadata *_metadata,
			    const char *path, unsigned long long want)
{
	struct json *j = snap(_metadata);

	ASSERT_NE(NULL, j);
	EXPECT_EQ(want, jm_num(j, path)) TH_LOG("%s", path);
	json_free(j);
}

TEST_F(stats, knob_decay_ms)
{
	static const char *const bad[] = {
		"abc", "-1", "86400001", "12abc", "99999999999999999999999",
		"4294967296", "1 2",
	};
	unsigned long long orig = 0;
	char val[32];

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_read_knob("decay_ms", &orig));
	set_knob(_metadata, "decay_ms", "0", 0);
	set_knob(_metadata, "decay_ms", "86400000", 86400000);
	set_knob(_metadata, "decay_ms", "1234\n", 1234);
	expect_json_num(_metadata, "config.decay_ms", 1234);
	refuse_knob(_metadata, "decay_ms", bad, ARRAY_SIZE(bad), 1234);
	set_knob(_metadata, "decay_ms", "0x10", 16);
	snprintf(val, sizeof(val), "%llu", orig);
	set_knob(_metadata, "decay_ms", val, orig);
}

TEST_F(stats, knob_tcache)
{
	static const char *const bad[] = { "2", "-1", "abc", "", "on" };

	if (self->fd < 0)
		return;
	expect_knob(_metadata, "tcache", 0);
	set_knob(_metadata, "tcache", "1", 1);
	expect_json_num(_metadata, "config.tcache", 1);
	refuse_knob(_metadata, "tcache", bad, ARRAY_SIZE(bad), 1);
	set_knob(_metadata, "tcache", "0", 0);
	expect_json_num(_metadata, "config.tcache", 0);
	expect_json_num(_metadata, "summary.tcache_cached", 0);
}

TEST_F(stats, knob_purge_reset)
{
	static const char *const bad[] = { "0", "2", "abc", "-1" };
	unsigned int i;
	int ret;

	if (self->fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = jm_write_knob("purge", bad[i]);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("purge \"%s\": %s", bad[i],
					       strerror(-ret));
		ret = jm_write_knob("reset", bad[i]);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("reset \"%s\": %s", bad[i],
					       strerror(-ret));
	}
	EXPECT_EQ(0, jm_write_knob("purge", "1"));
	EXPECT_EQ(0, jm_write_knob("purge", "1\n"));
	EXPECT_EQ(0, jm_write_knob("reset", "1"));
}

/* Nothing live: purge leaves nothing mapped, allocated or retained */
TEST_F(stats, purge_releases_everything)
{
	struct pat p[MAX_PAT];
	__u64 h[MAX_OBJS];
	unsigned int nh, np = build_pattern(&self->v, p), round;
	struct json *j;

	if (self->fd < 0)
		return;
	for (round = 0; round < 2; round++) {
		/* round 1: the tcache on while the objects come and go */
		ASSERT_EQ(0, jm_set_tcache(round == 1));
		j = snap(_metadata);
		ASSERT_NE(NULL, j);
		nh = alloc_pattern(_metadata, self->fd, j, p, np, h);
		json_free(j);
		j = snap(_metadata);
		ASSERT_NE(NULL, j);
		EXPECT_LT(0ULL, jm_num(j, "summary.mapped"));
		EXPECT_LT(0ULL, jm_num(j, "summary.allocated"));
		json_free(j);
		free_all(_metadata, self->fd, h, nh);
		ASSERT_EQ(0, jm_purge());
		j = snap(_metadata);
		ASSERT_NE(NULL, j);
		TH_LOG("round %u: slab_pages_known %s", round,
		       json_path(j, "summary.slab_pages_known") &&
		       json_path(j, "summary.slab_pages_known")->type ==
		       JSON_TRUE ? "true" : "false");
		expect_nothing_live(_metadata, j, "after purge");
		EXPECT_EQ(0ULL, jm_num(j, "summary.mapped"))
			TH_LOG("round %u", round);
		EXPECT_EQ(0ULL, jm_num(j, "summary.allocated"));
		EXPECT_EQ(0ULL, jm_num(j, "summary.active"));
		EXPECT_EQ(0ULL, jm_num(j, "summary.retained"));
		EXPECT_EQ(0ULL, jm_num(j, "summary.tcache_cached"));
		json_free(j);
	}
}

JMOD_TEST_HARNESS_MAIN
