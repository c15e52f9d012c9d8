// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_fs: jmod's debugfs directory and module parameters from
 * userspace.  Owns the paths, reading and writing whole files and knobs,
 * purge, the tcache switch, a cold start (purge and slab shrink),
 * stats.json loaded and parsed (json.c) and the lookups in it: a counter
 * by path, the per-class rows, what is still live, the quiet-after-purge
 * check.  Returns 0 or -errno, never exits.  Used by the selftests
 * (selftests/jmod_debugfs.h maps their jm_* names here),
 * tools/bench/jmod-bench.c and jmodctl (tools/jmodctl/common.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jmod_fs.h"

bool jmod_debugfs_present(void)
{
	struct stat st;

	return !stat(JMOD_DEBUGFS_DIR, &st);
}

int jmod_debugfs_path(const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", JMOD_DEBUGFS_DIR, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

char *jmod_read_path(const char *path, size_t *lenp)
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

char *jmod_debugfs_read(const char *name, size_t *lenp)
{
	char path[256];
	int ret = jmod_debugfs_path(name, path, sizeof(path));

	if (ret) {
		errno = -ret;
		return NULL;
	}
	return jmod_read_path(path, lenp);
}

int jmod_write_path(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, e;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	return n == (ssize_t)len ? 0 : -EIO;
}

int jmod_read_path_u64(const char *path, unsigned long long *val)
{
	char *buf = jmod_read_path(path, NULL), *end;
	int ret = 0;

	if (!buf)
		return -errno;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		ret = -EPROTO;
	free(buf);
	return ret;
}

int jmod_knob_write(const char *name, const char *val)
{
	char path[256];
	int ret = jmod_debugfs_path(name, path, sizeof(path));

	return ret ? ret : jmod_write_path(path, val);
}

int jmod_knob_write_u64(const char *name, unsigned long long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", val);
	return jmod_knob_write(name, buf);
}

int jmod_knob_read(const char *name, unsigned long long *val)
{
	char path[256];
	int ret = jmod_debugfs_path(name, path, sizeof(path));

	return ret ? ret : jmod_read_path_u64(path, val);
}

int jmod_purge(void)
{
	return jmod_knob_write("purge", "1");
}

int jmod_set_tcache(bool on)
{
	return jmod_knob_write("tcache", on ? "1" : "0");
}

int jmod_cold_start(void)
{
	char path[512];
	struct dirent *de;
	int ret = jmod_purge();
	DIR *d = opendir(JMOD_SLAB_DIR);

	if (!d)
		return ret;	/* no SLUB sysfs: jmod's purge only */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/shrink", JMOD_SLAB_DIR,
			 de->d_name);
		jmod_write_path(path, "1");	/* aliases, read-only: passed over */
	}
	closedir(d);
	return ret;
}

struct json *jmod_stats_json(char *msg, size_t msglen)
{
	struct json *j;
	size_t len;
	char *buf = jmod_debugfs_read("stats.json", &len);

	if (!buf) {
		snprintf(msg, msglen, "read stats.json: %s", strerror(errno));
		return NULL;
	}
	j = json_parse(buf, len, msg, msglen);
	free(buf);
	return j;
}

unsigned long long jmod_num(const struct json *v, const char *path)
{
	unsigned long long x;

	return json_path_u64(v, path, &x) ? x : ~0ULL;
}

unsigned long long jmod_stat_u64(const char *path)
{
	char msg[256];
	unsigned long long v;
	struct json *j = jmod_stats_json(msg, sizeof(msg));

	if (!j)
		return ~0ULL;
	v = jmod_num(j, path);
	json_free(j);
	return v;
}

struct json *jmod_bins(const struct json *j)
{
	return json_get_type(j, "bins", JSON_ARRAY);
}

struct json *jmod_large_classes(const struct json *j)
{
	return json_get_type(j, "lextents", JSON_ARRAY);
}

struct json *jmod_huge(const struct json *j)
{
	return json_get_with(j, "huge", "curallocs");
}

/* The per-class arrays and the name of each one's gauge */
#define NR_CLASS_ARRAYS	2
static const char *const class_gauge[NR_CLASS_ARRAYS] = { "curregs", "curruns" };

static void class_arrays(const struct json *j,
			 const struct json *arr[NR_CLASS_ARRAYS])
{
	arr[0] = jmod_bins(j);
	arr[1] = jmod_large_classes(j);
}

int jmod_class_stats_of(const struct json *j, unsigned long long size,
			struct jmod_class_stats *c)
{
	const struct json *arr[NR_CLASS_ARRAYS], *e = NULL;
	unsigned int a;
	size_t i;

	class_arrays(j, arr);
	for (a = 0; a < NR_CLASS_ARRAYS && !e; a++) {
		for (i = 0; i < json_count(arr[a]); i++) {
			const struct json *x = json_at(arr[a], i);

			if (jmod_num(x, "size") >= size) {
				e = x;
				break;
			}
		}
	}
	if (e) {
		c->size = jmod_num(e, "size");
		c->cur = jmod_num(e, class_gauge[a - 1]);
	} else {
		e = jmod_huge(j);
		if (!e)
			return -ENOENT;
		c->size = 0;
		c->cur = jmod_num(e, "curallocs");
	}
	c->nmalloc = jmod_num(e, "nmalloc");
	c->ndalloc = jmod_num(e, "ndalloc");
	c->nrequests = jmod_num(e, "nrequests");
	c->requested = jmod_num(e, "requested");
	if (c->nmalloc == ~0ULL || c->ndalloc == ~0ULL ||
	    c->nrequests == ~0ULL || c->requested == ~0ULL || c->cur == ~0ULL)
		return -ENOENT;
	return 0;
}

unsigned int jmod_live_classes(const struct json *j, char *buf, size_t len)
{
	const struct json *arr[NR_CLASS_ARRAYS];
	unsigned int a, n = 0;
	unsigned long long v;
	size_t i, off = 0;

	class_arrays(j, arr);
	buf[0] = '\0';
	for (a = 0; a < NR_CLASS_ARRAYS; a++) {
		for (i = 0; i < json_count(arr[a]); i++) {
			const struct json *x = json_at(arr[a], i);

			v = jmod_num(x, class_gauge[a]);
			if (!v)
				continue;
			n++;
			if (off + 48 < len)
				off += snprintf(buf + off, len - off,
						"%s%llu:%llu", off ? " " : "",
						jmod_num(x, "size"), v);
		}
	}
	v = jmod_num(jmod_huge(j), "curallocs");
	if (v) {
		n++;
		if (off + 48 < len)
			snprintf(buf + off, len - off, "%shuge:%llu",
				 off ? " " : "", v);
	}
	return n;
}

int jmod_quiesce_after_purge(char *why, size_t len)
{
	char live[384];
	unsigned long long mapped;
	struct json *j;
	int ret = jmod_purge();

	if (ret) {
		snprintf(why, len, "purge: %s", strerror(-ret));
		return ret;
	}
	j = jmod_stats_json(why, len);
	if (!j)
		return errno ? -errno : -EINVAL;
	if (jmod_live_classes(j, live, sizeof(live))) {
		snprintf(why, len, "live objects after purge: %s", live);
		json_free(j);
		return -EBUSY;
	}
	mapped = jmod_num(j, "summary.mapped");
	json_free(j);
	if (mapped) {
		snprintf(why, len, "summary.mapped %llu after purge", mapped);
		return -EBUSY;
	}
	return 0;
}
