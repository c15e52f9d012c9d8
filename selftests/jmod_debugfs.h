/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the selftests that read jmod's debugfs directory: whole
 * files, knobs, stats.json parsed with tools/lib/json.c (linked in
 * by the Makefile) and per-class lookups in it.
 *
 * stats.json's per-class arrays are "bins" (small) and "lextents" (large,
 * jemalloc's name); "small", "large" and "huge" are the back end
 * summaries, "huge" with curallocs.
 */
#ifndef JMOD_DEBUGFS_H
#define JMOD_DEBUGFS_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/jmod.h>

#include "json.h"

#define JM_DEBUGFS	"/sys/kernel/debug/jmod"
/* the heap profiler's rate, a module parameter */
#define JM_PROF_PARAM	"/sys/module/jmalloc/parameters/prof_sample"

static inline bool jm_debugfs_present(void)
{
	struct stat st;

	return !stat(JM_DEBUGFS, &st);
}

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
#endif

/* The whole of file @path, NUL-terminated; NULL with errno set */
static inline char *jm_read_file_path(const char *path, size_t *lenp)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				e = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			goto fail;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
fail:
	free(buf);
	close(fd);
	errno = e;
	return NULL;
}

/* jmod's debugfs file @name, as jm_read_file_path() */
static inline char *jm_read_file(const char *name, size_t *lenp)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", JM_DEBUGFS, name);
	return jm_read_file_path(path, lenp);
}

/* One write(2) of @val to the file at @path: 0 or -errno */
static inline int jm_write_path(const char *path, const char *val)
{
	ssize_t n;
	int fd, e;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* The number in the file at @path: 0 or -errno */
static inline int jm_read_path_num(const char *path, unsigned long long *val)
{
	char *buf = jm_read_file_path(path, NULL), *end;

	if (!buf)
		return -errno;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n')) {
		free(buf);
		return -EPROTO;
	}
	free(buf);
	return 0;
}

/* One write(2) of @val to knob @name: 0 or -errno */
static inline int jm_write_knob(const char *name, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", JM_DEBUGFS, name);
	return jm_write_path(path, val);
}

/* Knob @name as a number: 0 or -errno */
static inline int jm_read_knob(const char *name, unsigned long long *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", JM_DEBUGFS, name);
	return jm_read_path_num(path, val);
}

static inline int jm_purge(void)
{
	return jm_write_knob("purge", "1");
}

static inline int jm_set_tcache(bool on)
{
	return jm_write_knob("tcache", on ? "1" : "0");
}

/* stats.json parsed; NULL with the reason in @msg */
static inline struct json *jm_stats_json(char *msg, size_t msglen)
{
	struct json *j;
	size_t len;
	char *buf = jm_read_file("stats.json", &len);

	if (!buf) {
		snprintf(msg, msglen, "read stats.json: %s", strerror(errno));
		return NULL;
	}
	j = json_parse(buf, len, msg, msglen);
	free(buf);
	return j;
}

/* Top-level members */
static inline struct json *jm_bins(const struct json *j)
{
	return json_get_type(j, "bins", JSON_ARRAY);
}

static inline struct json *jm_large_classes(const struct json *j)
{
	return json_get_type(j, "lextents", JSON_ARRAY);
}

static inline struct json *jm_huge(const struct json *j)
{
	return json_get_with(j, "huge", "curallocs");
}

/* A member of @v as a number, ~0ULL if missing (never a real counter) */
static inline unsigned long long jm_num(const struct json *v,
					const char *path)
{
	unsigned long long x;

	return json_path_u64(v, path, &x) ? x : ~0ULL;
}

/* Per-class counters of one stats.json snapshot */
struct jm_class {
	unsigned long long size;	/* 0: huge */
	unsigned long long nmalloc, ndalloc, nrequests, requested, cur;
};

/*
 * The class @size falls into: the first bin or large class whose size
 * is at least @size, else huge.  Returns false if stats.json lacks it.
 */
static inline bool jm_class_of_size(const struct json *j,
				    unsigned long long size,
				    struct jm_class *c)
{
	const struct json *arr[2] = { jm_bins(j), jm_large_classes(j) };
	const char *cur[2] = { "curregs", "curruns" };
	const struct json *e = NULL;
	unsigned int a;
	size_t i;

	for (a = 0; a < 2 && !e; a++) {
		for (i = 0; i < json_count(arr[a]); i++) {
			const struct json *x = json_at(arr[a], i);

			if (jm_num(x, "size") >= size) {
				e = x;
				break;
			}
		}
	}
	if (e) {
		c->size = jm_num(e, "size");
		c->cur = jm_num(e, cur[a - 1]);
	} else {
		e = jm_huge(j);
		if (!e)
			return false;
		c->size = 0;
		c->cur = jm_num(e, "curallocs");
	}
	c->nmalloc = jm_num(e, "nmalloc");
	c->ndalloc = jm_num(e, "ndalloc");
	c->nrequests = jm_num(e, "nrequests");
	c->requested = jm_num(e, "requested");
	return c->nmalloc != ~0ULL && c->ndalloc != ~0ULL &&
	       c->nrequests != ~0ULL && c->requested != ~0ULL &&
	       c->cur != ~0ULL;
}

/*
 * Every class with a non-zero gauge (curregs, curruns, curallocs), as
 * "size:count ..." in @buf; returns how many.
 */
static inline unsigned int jm_live_classes(const struct json *j, char *buf,
					   size_t len)
{
	const struct json *arr[2] = { jm_bins(j), jm_large_classes(j) };
	const char *cur[2] = { "curregs", "curruns" };
	unsigned int a, n = 0;
	unsigned long long v;
	size_t i, off = 0;

	buf[0] = '\0';
	for (a = 0; a < 2; a++) {
		for (i = 0; i < json_count(arr[a]); i++) {
			const struct json *x = json_at(arr[a], i);

			v = jm_num(x, cur[a]);
			if (!v)
				continue;
			n++;
			if (off + 48 < len)
				off += snprintf(buf + off, len - off,
						"%s%llu:%llu", off ? " " : "",
						jm_num(x, "size"), v);
		}
	}
	v = jm_num(jm_huge(j), "curallocs");
	if (v) {
		n++;
		if (off + 48 < len)
			snprintf(buf + off, len - off, "%shuge:%llu",
				 off ? " " : "", v);
	}
	return n;
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
	char live[384];
	unsigned long long mapped;
	struct json *j;
	int ret = jm_purge();

	if (ret) {
		snprintf(why, len, "purge: %s", strerror(-ret));
		return false;
	}
	j = jm_stats_json(why, len);
	if (!j)
		return false;
	if (jm_live_classes(j, live, sizeof(live))) {
		snprintf(why, len, "live objects after purge: %s", live);
		json_free(j);
		return false;
	}
	mapped = jm_num(j, "summary.mapped");
	json_free(j);
	if (mapped) {
		snprintf(why, len, "summary.mapped %llu after purge", mapped);
		return false;
	}
	return true;
}

/*
 * Runs the in-kernel case @name with @arg (cpu_mask_or_arg): 0, -ENOENT
 * if no such case, or -errno
 */
static inline int jm_run_incore_arg(int fd, const char *name, __u32 arg,
				    char *msg, size_t len)
{
	struct jmod_selftest st;
	__u32 id;
	int ret;

	for (id = 0; id < 1024; id++) {
		memset(&st, 0, sizeof(st));
		st.id = id;
		st.flags = JMOD_SELFTEST_QUERY;
		if (ioctl(fd, JMOD_IOC_SELFTEST, &st))
			return -errno;
		if (!strncmp(st.name, name, JMOD_SELFTEST_NAME_LEN))
			break;
	}
	if (id == 1024)
		return -ENOENT;
	memset(&st, 0, sizeof(st));
	st.id = id;
	st.cpu_mask_or_arg = arg;
	ret = ioctl(fd, JMOD_IOC_SELFTEST, &st) ? -errno : 0;
	st.msg[JMOD_SELFTEST_MSG_LEN - 1] = '\0';
	snprintf(msg, len, "%s", st.msg);
	return ret;
}

/* Runs the in-kernel case @name: 0, -ENOENT if no such case, or -errno */
static inline int jm_run_incore(int fd, const char *name, char *msg,
				size_t len)
{
	return jm_run_incore_arg(fd, name, 0, msg, len);
}

#endif /* JMOD_DEBUGFS_H */
