// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_jmodctl_test: the jmodctl CLI as installed in the guest
 * (/bin/jmodctl, or $JMODCTL), run as a child process.
 *
 * Every command's output and exit status: stats (tables, --json parsed
 * with the same JSON parser), top -n, purge, decay, tcache, version,
 * bench, replay (a generated trace: exact op counts and peaks, the
 * jmod and kmalloc footprints checked against ALLOC's usable size and a
 * one-op kmalloc bench's ksize(), bad traces named by line), prof (a
 * known live set sampled at 4 KiB estimated within 30%); usage errors
 * exit 2; with /dev/jmod renamed away "not loaded"
 * and exit 3; as uid 65534 a permission message and exit 4; with debugfs
 * unmounted in a private mount namespace "debugfs not mounted" and 5.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "jmod_util.h"
#include "jmod_debugfs.h"

#define JMODCTL_DEFAULT	"/bin/jmodctl"
#define NOBODY		65534
#define OUT_MAX		(1 << 20)

enum run_as {
	AS_ROOT,
	AS_NOBODY,
	AS_NO_DEBUGFS,
};

struct result {
	int status;		/* exit code, or 128 + signal */
	char *out, *err;
};

static const char *jmodctl_path(void)
{
	const char *p = getenv("JMODCTL");

	return p && *p ? p : JMODCTL_DEFAULT;
}

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Child side: drop to nobody or lose debugfs as asked, then exec */
static void child(enum run_as as, char **argv, int out, int err)
{
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	if (as == AS_NOBODY) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(125);
	}
	if (as == AS_NO_DEBUGFS) {
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    umount2("/sys/kernel/debug", MNT_DETACH))
			_exit(126);
	}
	execv(argv[0], argv);
	_exit(127);
}

/* Runs jmodctl with the NULL-terminated arguments; output captured */
static struct result run(enum run_as as, const char *arg0, ...)
{
	struct result r = { -1, calloc(1, OUT_MAX + 1), calloc(1, OUT_MAX + 1) };
	size_t len[2] = { 0, 0 };
	char *argv[32], *buf[2] = { r.out, r.err };
	int po[2], pe[2], status, n = 0, open_fds;
	struct pollfd pfd[2];
	va_list ap;
	pid_t pid;

	if (!r.out || !r.err)
		return r;
	argv[n++] = (char *)jmodctl_path();
	va_start(ap, arg0);
	for (argv[n] = (char *)arg0; argv[n] && n < 30;)
		argv[++n] = va_arg(ap, char *);
	va_end(ap);
	argv[n] = NULL;

	if (pipe(po) || pipe(pe))
		return r;
	pid = fork();
	if (pid < 0)
		return r;
	if (!pid) {
		close(po[0]);
		close(pe[0]);
		child(as, argv, po[1], pe[1]);
	}
	close(po[1]);
	close(pe[1]);
	pfd[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	open_fds = 2;
	while (open_fds) {
		int i;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			ssize_t got;
			char sink[4096];

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			if (len[i] < OUT_MAX)
				got = read(pfd[i].fd, buf[i] + len[i],
					   OUT_MAX - len[i]);
			else
				got = read(pfd[i].fd, sink, sizeof(sink));
			if (got <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
			} else if (len[i] < OUT_MAX) {
				len[i] += got;
			}
		}
	}
	if (waitpid(pid, &status, 0) == pid)
		r.status = WIFEXITED(status) ? WEXITSTATUS(status) :
			   128 + WTERMSIG(status);
	return r;
}

FIXTURE(cli) {
	bool ok;
	struct jm_knobs knobs;
};

FIXTURE_SETUP(cli)
{
	int fd;

	self->ok = false;
	if (access(jmodctl_path(), X_OK))
		SKIP(return, "%s: %s (not in this initramfs)", jmodctl_path(),
		     strerror(errno));
	fd = jm_open();
	if (fd < 0) {
		if (jm_dev_missing(-fd))
			SKIP(return, "%s: %s (is " JMOD_MODULE_NAME ".ko loaded?)",
			     JMOD_DEVICE, strerror(-fd));
		ASSERT_LE(0, fd);
	}
	close(fd);
	if (!jm_debugfs_present())
		SKIP(return, "%s missing (debugfs not mounted?)", JM_DEBUGFS);
	jm_knobs_save(_metadata, &self->knobs);
	self->ok = true;
}

FIXTURE_TEARDOWN(cli)
{
	jm_knobs_restore(&self->knobs);
}

/*
 * Older harnesses (6.1) run the body even after a SKIP in the fixture
 * setup: every body starts with "if (!self->ok) return;".
 */

static void expect_run(struct __test_metadata *_metadata,
		       const struct result *r, int want, int line)
{
	EXPECT_EQ(want, r->status)
		TH_LOG("line %d: exit %d, want %d; stdout: %.300s; stderr: %.300s",
		       line, r->status, want, r->out, r->err);
}

#define EXPECT_RUN(r, want)	expect_run(_metadata, &(r), want, __LINE__)

/* Runs jmodctl as root with the arguments; its exit status must be @want */
#define EXPECT_CMD(want, ...) do {					\
	struct result _r = run(AS_ROOT, __VA_ARGS__, NULL);		\
									\
	expect_run(_metadata, &_r, want, __LINE__);			\
	result_free(&_r);						\
} while (0)

/* Cells of @line outside the byte columns (K/M/G in stats), one blank apart */
static void table_key(const char *line, const char *const *cols,
		      unsigned int ncols, char *out, size_t len)
{
	char buf[512], *tok, *save;
	unsigned int c = 0;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	out[0] = '\0';
	for (tok = strtok_r(buf, " \t", &save); tok && n < len;
	     tok = strtok_r(NULL, " \t", &save), c++) {
		if (c < ncols && (!strcmp(cols[c], "allocated") ||
				  !strcmp(cols[c], "requested") ||
				  !strcmp(cols[c], "ncached_bytes")))
			continue;
		n += snprintf(out + n, len - n, "%s ", tok);
	}
}

/*
 * `stats -a` prints the debugfs text table @file from stats.json: under
 * @title the same header, and for every row of the file a row with the
 * same cells (byte columns aside), no more rows.  @text is the file as
 * read around the run (unchanged while jmodctl ran).
 */
static void expect_stats_table(struct __test_metadata *_metadata,
			       const char *out, const char *title,
			       const char *file, char *text)
{
	char *line, *save, *sec, *end;
	char *cols[32], hdr[512], key[512], want[512];
	unsigned int ncols = 0, rows = 0, got = 0;
	const char *p;

	ASSERT_NE(NULL, text) TH_LOG("debugfs %s", file);
	p = strstr(out, title);
	ASSERT_NE(NULL, p) TH_LOG("no \"%s\" in stats", title);
	p = strchr(p, '\n');
	ASSERT_NE(NULL, p);
	sec = strdup(p + 1);
	ASSERT_NE(NULL, sec);
	end = strstr(sec, "\n\n");
	if (end)
		*end = '\0';
	line = strtok_r(text, "\n", &save);
	ASSERT_NE(NULL, line);
	table_key(line, NULL, 0, want, sizeof(want));
	snprintf(key, sizeof(key), "%s", sec);
	if (strchr(key, '\n'))
		*strchr(key, '\n') = '\0';
	table_key(key, NULL, 0, key, sizeof(key));
	EXPECT_STREQ(want, key) TH_LOG("%s: header", file);
	snprintf(hdr, sizeof(hdr), "%s", line);
	for (p = strtok(hdr, " "); p && ncols < 32; p = strtok(NULL, " "))
		cols[ncols++] = (char *)p;
	for (line = strtok_r(NULL, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *l, *s2, *cp = strdup(sec);
		bool found = false;

		ASSERT_NE(NULL, cp);
		rows++;
		table_key(line, (const char *const *)cols, ncols, want,
			  sizeof(want));
		for (l = strtok_r(cp, "\n", &s2); l && !found;
		     l = strtok_r(NULL, "\n", &s2)) {
			table_key(l, (const char *const *)cols, ncols, key,
				  sizeof(key));
			found = !strcmp(key, want);
		}
		free(cp);
		EXPECT_TRUE(found) TH_LOG("%s: row \"%s\" not in stats:\n%s",
					  file, want, sec);
		got += found;
	}
	/* header + rows, nothing hidden with -a */
	line = sec;
	rows++;
	for (ncols = 0; line && *line; ncols++) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	EXPECT_EQ(rows, ncols) TH_LOG("%s: %u lines in stats", file, ncols);
	EXPECT_LT(1U, got);
	free(sec);
}

static const char *const stats_files[] = {
	"bins", "large", "arenas", "tcache_cpus",
};

#define NSTATS_FILES	ARRAY_SIZE(stats_files)

static void snapshot_free(char **t)
{
	unsigned int i;

	for (i = 0; i < NSTATS_FILES; i++) {
		free(t[i]);
		t[i] = NULL;
	}
}

/* The four debugfs tables behind `stats -a`; false if one is unreadable */
static bool stats_snapshot(char **t)
{
	unsigned int i;

	for (i = 0; i < NSTATS_FILES; i++) {
		t[i] = jm_read_file(stats_files[i], NULL);
		if (!t[i])
			return false;
	}
	return true;
}

static bool snapshot_same(char **a, char **b)
{
	unsigned int i;

	for (i = 0; i < NSTATS_FILES; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

/*
 * The guest is quiet, but not still: the tcache GC and the decay worker
 * move counters on their own.  Compare a run of `stats -a` with the
 * debugfs tables only when they read the same before and after it.
 */
TEST_F(cli, stats_tables)
{
	static const char *const titles[] = {
		"Bins (small classes)", "Large classes and huge", "Arenas",
		"Tcache per CPU",
	};
	char *before[NSTATS_FILES] = { NULL }, *after[NSTATS_FILES] = { NULL };
	struct result r = { 0 };
	unsigned int i, tries;

	if (!self->ok)
		return;
	for (tries = 0; tries < 20; tries++) {
		snapshot_free(before);
		snapshot_free(after);
		result_free(&r);
		ASSERT_TRUE(stats_snapshot(before));
		r = run(AS_ROOT, "stats", "-a", NULL);
		ASSERT_TRUE(stats_snapshot(after));
		if (snapshot_same(before, after))
			break;
		usleep(50000);
	}
	EXPECT_GT(20U, tries) TH_LOG("debugfs tables never still across a run");
	EXPECT_RUN(r, 0);
	for (i = 0; i < NSTATS_FILES; i++)
		expect_stats_table(_metadata, r.out, titles[i], stats_files[i],
				   after[i]);
	snapshot_free(before);
	snapshot_free(after);
	result_free(&r);
}

TEST_F(cli, stats)
{
	struct result r;

	if (!self->ok)
		return;
	r = run(AS_ROOT, "stats", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "Summary"));
	EXPECT_NE(NULL, strstr(r.out, "Bins (small classes)"));
	EXPECT_NE(NULL, strstr(r.out, "nmalloc"));
	EXPECT_NE(NULL, strstr(r.out, "curregs"));
	EXPECT_NE(NULL, strstr(r.out, "Large classes"));
	EXPECT_NE(NULL, strstr(r.out, "Arenas"));
	EXPECT_EQ(-1, jm_find_kernel_address(r.out));
	result_free(&r);

	r = run(AS_ROOT, "stats", "-a", "-s", "nmalloc", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_EQ(NULL, strstr(r.out, "idle row"));
	result_free(&r);
	EXPECT_CMD(0, "stats", "--sort", "curruns", "-R");
	r = run(AS_ROOT, "stats", "-s", "nonsense", NULL);
	EXPECT_RUN(r, 2);
	EXPECT_NE(NULL, strstr(r.err, "nonsense"));
	result_free(&r);
}

TEST_F(cli, stats_json)
{
	struct result r;
	struct json *j;
	char msg[256];

	if (!self->ok)
		return;
	r = run(AS_ROOT, "stats", "--json", NULL);
	EXPECT_RUN(r, 0);
	j = json_parse(r.out, strlen(r.out), msg, sizeof(msg));
	EXPECT_NE(NULL, j) TH_LOG("stats --json: %s", msg);
	if (j) {
		EXPECT_EQ(2ULL, jm_num(j, "schema"));
		EXPECT_NE(NULL, jm_bins(j));
		EXPECT_NE(NULL, jm_large_classes(j));
		EXPECT_NE(NULL, json_get(j, "summary"));
		json_free(j);
	}
	result_free(&r);
}

TEST_F_TIMEOUT(cli, top, 60)
{
	struct result r;

	if (!self->ok)
		return;
	r = run(AS_ROOT, "top", "-n", "1", "-d", "1", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "nrequests/s"));
	EXPECT_EQ(NULL, strstr(r.out, "\033[")) TH_LOG("ANSI codes to a pipe");
	result_free(&r);
	r = run(AS_ROOT, "top", "-n", "2", "-d", "0.2", "-s", "cur", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "refresh 2/2"));
	result_free(&r);
	EXPECT_CMD(2, "top", "-d", "0", "-n", "1");
	EXPECT_CMD(2, "top", "-s", "bogus", "-n", "1");
}

/* `jmodctl CMD` prints @cur and the debugfs knob @knob reads @want */
static void knob_is(struct __test_metadata *_metadata, const char *cmd,
		    const char *cur, const char *knob,
		    unsigned long long want, int line)
{
	unsigned long long v;
	struct result r;
	char out[64];

	r = run(AS_ROOT, cmd, NULL);
	expect_run(_metadata, &r, 0, line);
	snprintf(out, sizeof(out), "%s\n", cur);
	EXPECT_STREQ(out, r.out) TH_LOG("line %d: jmodctl %s", line, cmd);
	result_free(&r);
	EXPECT_EQ(0, jm_read_knob(knob, &v));
	EXPECT_EQ(want, v) TH_LOG("line %d: knob %s", line, knob);
}

/* `jmodctl CMD VAL` (exit 0), then CMD prints VAL, @knob reads @want */
static void knob_set(struct __test_metadata *_metadata, const char *cmd,
		     const char *val, const char *knob,
		     unsigned long long want, int line)
{
	struct result r = run(AS_ROOT, cmd, val, NULL);

	expect_run(_metadata, &r, 0, line);
	result_free(&r);
	knob_is(_metadata, cmd, val, knob, want, line);
}

/*
 * `jmodctl CMD BAD` is a usage error (2) and changes nothing: CMD still
 * prints @cur, @knob still reads @want
 */
static void knob_refused(struct __test_metadata *_metadata, const char *cmd,
			 const char *bad, const char *cur, const char *knob,
			 unsigned long long want, int line)
{
	struct result r = run(AS_ROOT, cmd, bad, NULL);

	expect_run(_metadata, &r, 2, line);
	result_free(&r);
	knob_is(_metadata, cmd, cur, knob, want, line);
}

#define KNOB_SET(cmd, val, knob, want)	\
	knob_set(_metadata, cmd, val, knob, want, __LINE__)
#define KNOB_REFUSED(cmd, bad, cur, knob, want)	\
	knob_refused(_metadata, cmd, bad, cur, knob, want, __LINE__)

TEST_F(cli, knobs)
{
	if (!self->ok)
		return;
	EXPECT_CMD(0, "purge");
	KNOB_SET("decay", "500", "decay_ms", 500ULL);
	KNOB_REFUSED("decay", "abc", "500", "decay_ms", 500ULL);
	KNOB_REFUSED("decay", "86400001", "500", "decay_ms", 500ULL);
	KNOB_SET("tcache", "off", "tcache", 0ULL);
	KNOB_SET("tcache", "on", "tcache", 1ULL);
	KNOB_REFUSED("tcache", "maybe", "on", "tcache", 1ULL);
}

TEST_F(cli, version)
{
	struct result r;

	if (!self->ok)
		return;
	r = run(AS_ROOT, "version", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_EQ(0, strncmp(r.out, "abi", 3)) TH_LOG("%.200s", r.out);
	result_free(&r);
}

TEST_F_TIMEOUT(cli, bench, 60)
{
	unsigned long long v;
	struct result r;
	struct json *j;
	char msg[256];

	if (!self->ok)
		return;
	r = run(AS_ROOT, "bench", "-w", "batch", "-b", "jmod", "-t", "1",
		"-D", "uniform", "--min", "8", "--max", "4K", "-n", "100",
		"-l", "16", "--json", NULL);
	EXPECT_RUN(r, 0);
	j = json_parse(r.out, strlen(r.out), msg, sizeof(msg));
	EXPECT_NE(NULL, j) TH_LOG("bench --json: %s: %.300s", msg, r.out);
	if (j) {
		EXPECT_TRUE(json_path_u64(j, "total_ops", &v));
		EXPECT_EQ(100ULL, v);
		EXPECT_TRUE(json_path_u64(j, "failed", &v));
		EXPECT_EQ(0ULL, v);
		EXPECT_TRUE(json_path_u64(j, "max_size", &v));
		EXPECT_EQ(4096ULL, v);
		EXPECT_STREQ("batch", json_get(j, "workload")->str);
		json_free(j);
	}
	result_free(&r);

	r = run(AS_ROOT, "bench", "-w", "remote", "-b", "kmalloc", "-n", "200",
		"-l", "8", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "total_ops"));
	EXPECT_NE(NULL, strstr(r.out, "mapped_end"));
	result_free(&r);

	EXPECT_CMD(2, "bench", "-w", "bogus");
	/* the kernel's EINVAL: page back end, sizes below a page */
	r = run(AS_ROOT, "bench", "-b", "pages", "--min", "8", "-n", "10", NULL);
	EXPECT_RUN(r, 2);
	EXPECT_NE(NULL, strstr(r.err, "JMOD_IOC_BENCH"));
	result_free(&r);
}

/* === replay === */

#define TRACE_PATH	"/tmp/jmodctl-test.ops"
#define BAD_TRACE_PATH	"/tmp/jmodctl-bad.ops"

static const __u64 replay_sizes[] = {
	8, 24, 100, 700, 1000, 3000, 5000, 9000, 20000, 70000, 300000,
};

/* Traces replay refuses (exit 1), with the line its message names */
static const struct {
	const char *text;
	const char *err;	/* in stderr; NULL: any message */
} bad_traces[] = {
	{ "a 0 8\nf 0\nf 0\n", ":3: free of empty slot 0" },
	{ "# x\na 1 8\na 1 16\n", ":3: alloc into live slot 1" },
	{ "a 0 8\nx 1\n", ":2: not" },
	{ "a 0 0\n", NULL },
	{ "a 0 8\na 1 8\nf 0\n", "still live" },
	/* ops v2 fields: cN then A (allocations only), nothing else */
	{ "a 0 8 c1A\nf 0\n", ":1: not" },
	{ "a 0 8 A c1\nf 0\n", ":1: not" },
	{ "a 0 8 c\nf 0\n", ":1: not" },
	{ "a 0 8\nf 0 A\n", ":2: not" },
	{ "a 0 8 c0 A B\nf 0\n", ":1: not" },
};

/* ops v2 (CPU and atomic fields), which replay reads as v1 plus flags */
static const char v2_trace[] =
	"# jmod ops trace v2\na 0 64 c1 A\na 1 100 c0\na 2 5000 A\nf 0 c1\nf 1\nf 2 c0\n";

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return false;
	fputs(text, f);
	return !fclose(f);
}

/*
 * Round 1 allocates every size into slots 0..n-1 (the peak), frees the
 * odd slots, reallocates them, then frees everything; round 2 repeats
 * with the slots reversed.  Returns the requested bytes at the peak.
 */
static __u64 write_trace(const char *path, unsigned int *nops,
			 unsigned int *nallocs)
{
	unsigned int n = ARRAY_SIZE(replay_sizes), i, r, s;
	__u64 peak = 0;
	FILE *f = fopen(path, "w");

	if (!f)
		return 0;
	*nops = *nallocs = 0;
	fprintf(f, "# jmod ops trace v1\n# written by jmod_jmodctl_test\n\n");
	for (r = 0; r < 2; r++) {
		for (i = 0; i < n; i++) {
			s = r ? n - 1 - i : i;
			fprintf(f, "a %u %llu\n", s,
				(unsigned long long)replay_sizes[i]);
			if (!r)
				peak += replay_sizes[i];
			(*nops)++;
			(*nallocs)++;
		}
		for (i = 1; i < n; i += 2) {
			s = r ? n - 1 - i : i;
			fprintf(f, "f %u\n  a   %u %llu\n", s, s,
				(unsigned long long)replay_sizes[i]);
			*nops += 2;
			(*nallocs)++;
		}
		for (i = 0; i < n; i++) {
			fprintf(f, "f %u\n", i);
			(*nops)++;
		}
	}
	if (fclose(f))
		return 0;
	return peak;
}

/* ksize() of a kmalloc(@size), measured: a one-op kmalloc pair bench */
static __u64 kmalloc_ksize(int fd, __u64 size)
{
	struct jmod_bench b;

	memset(&b, 0, sizeof(b));
	b.workload = JMOD_BENCH_PAIR;
	b.backend = JMOD_BACKEND_KMALLOC;
	b.nr_threads = 1;
	b.dist = JMOD_DIST_FIXED;
	b.cpu_mask = 1;
	b.min_size = size;
	b.max_size = size;
	b.ops = 1;
	if (jm_ioctl(fd, JMOD_IOC_BENCH, &b))
		return 0;
	return b.peak_bytes;
}

static const struct json *replay_backend(const struct json *j,
					 const char *name)
{
	const struct json *a = json_get_type(j, "backends", JSON_ARRAY);
	const struct json *be;
	size_t i;

	for (i = 0; i < json_count(a); i++) {
		be = json_get(json_at(a, i), "backend");
		if (be && be->str && !strcmp(be->str, name))
			return json_at(a, i);
	}
	return NULL;
}

TEST_F_TIMEOUT(cli, replay, 120)
{
	unsigned int nops = 0, nallocs = 0, i;
	__u64 peak_req, jmod_use = 0, kmalloc_use = 0, h, usable, k;
	const struct json *jb, *kb;
	long long mapped = -2;
	struct result r;
	struct json *j;
	char msg[256];
	int fd;

	if (!self->ok)
		return;
	peak_req = write_trace(TRACE_PATH, &nops, &nallocs);
	ASSERT_NE(0ULL, peak_req);

	/* the real usable sizes: jmod's from ALLOC, kmalloc's from a bench */
	fd = jm_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(replay_sizes); i++) {
		int ret = jm_alloc(fd, replay_sizes[i], 0, 0, &h, &usable);

		ASSERT_EQ(0, ret);
		jmod_use += usable;
		ret = jm_free(fd, h);
		ASSERT_EQ(0, ret);
		k = kmalloc_ksize(fd, replay_sizes[i]);
		EXPECT_LE(replay_sizes[i], k) TH_LOG("ksize(%llu)",
						     replay_sizes[i]);
		kmalloc_use += k;
	}
	close(fd);

	r = run(AS_ROOT, "replay", "-r", "2", "-C", "7", "--json", TRACE_PATH,
		NULL);
	EXPECT_RUN(r, 0);
	j = json_parse(r.out, strlen(r.out), msg, sizeof(msg));
	ASSERT_NE(NULL, j) TH_LOG("replay --json: %s: %.300s", msg, r.out);
	EXPECT_EQ(nops, jm_num(j, "ops"));
	EXPECT_EQ(nallocs, jm_num(j, "allocs"));
	EXPECT_EQ(ARRAY_SIZE(replay_sizes), jm_num(j, "slots"));
	EXPECT_EQ(ARRAY_SIZE(replay_sizes), jm_num(j, "peak_live"));
	EXPECT_EQ(peak_req, jm_num(j, "peak_requested"));
	EXPECT_EQ(2ULL, jm_num(j, "rounds"));
	jb = replay_backend(j, "jmod");
	kb = replay_backend(j, "kmalloc");
	ASSERT_NE(NULL, jb);
	ASSERT_NE(NULL, kb);
	EXPECT_EQ(jmod_use, jm_num(jb, "peak_usable"));
	EXPECT_EQ(kmalloc_use, jm_num(kb, "peak_usable"));
	EXPECT_EQ((jmod_use + 4095) / 4096, jm_num(jb, "peak_pages"));
	EXPECT_LT(0ULL, jm_num(jb, "best_ns"));
	EXPECT_LT(0ULL, jm_num(kb, "best_ns"));
	EXPECT_GE(jm_num(jb, "median_ns"), jm_num(jb, "best_ns"));
	EXPECT_EQ(2U, json_count(json_get_type(jb, "ns", JSON_ARRAY)));
	/* measured for jmod only: mapped pages at least the live bytes */
	if (json_get(jb, "mapped_peak"))
		mapped = (long long)json_get(jb, "mapped_peak")->num;
	EXPECT_LE((long long)(peak_req / 4096), mapped);
	EXPECT_EQ(-1, (long long)json_get(kb, "mapped_peak")->num);
	json_free(j);
	result_free(&r);

	/* nothing of the replay is left live (the guest is quiet) */
	EXPECT_TRUE(jm_quiet_after_purge(msg, sizeof(msg)))
		TH_LOG("after replay: %s", msg);

	/* the table; another back end alone */
	r = run(AS_ROOT, "replay", "-r", "1", TRACE_PATH, NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "peak_usable"));
	EXPECT_NE(NULL, strstr(r.out, "jmod/kmalloc: time"));
	result_free(&r);
	r = run(AS_ROOT, "replay", "-r", "1", "-b", "jmod-notcache", "--json",
		TRACE_PATH, NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "\"jmod-notcache\""));
	EXPECT_EQ(NULL, strstr(r.out, "\"kmalloc\""));
	result_free(&r);

	ASSERT_TRUE(write_file(BAD_TRACE_PATH, v2_trace));
	r = run(AS_ROOT, "replay", "-r", "1", BAD_TRACE_PATH, NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "peak_usable")) TH_LOG("v2: %s", r.out);
	result_free(&r);

	/* bad traces name the line; usage errors exit 2 */
	for (i = 0; i < ARRAY_SIZE(bad_traces); i++) {
		ASSERT_TRUE(write_file(BAD_TRACE_PATH, bad_traces[i].text));
		r = run(AS_ROOT, "replay", BAD_TRACE_PATH, NULL);
		EXPECT_RUN(r, 1);
		if (bad_traces[i].err)
			EXPECT_NE(NULL, strstr(r.err, bad_traces[i].err))
				TH_LOG("bad trace %u: %s", i, r.err);
		result_free(&r);
	}
	r = run(AS_ROOT, "replay", "/nonexistent.ops", NULL);
	EXPECT_RUN(r, 1);
	EXPECT_NE(NULL, strstr(r.err, "No such file")) TH_LOG("%s", r.err);
	result_free(&r);
	EXPECT_CMD(2, "replay");
	EXPECT_CMD(2, "replay", "-b", "pages", TRACE_PATH);
	EXPECT_CMD(2, "replay", "-r", "0", TRACE_PATH);
	unlink(BAD_TRACE_PATH);
	unlink(TRACE_PATH);
}

/* === prof === */

#define PROF_OBJS	256
#define PROF_SIZE	4096

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, len, f);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

TEST_F_TIMEOUT(cli, prof, 120)
{
	unsigned long long est = 0, v;
	char old[64], msg[256], line[64];
	const struct json *sites;
	__u64 h[PROF_OBJS];
	struct result r;
	struct json *j;
	unsigned int i;
	int fd, ret;

	if (!self->ok)
		return;
	if (access(JM_DEBUGFS "/prof.json", F_OK)) {
		r = run(AS_ROOT, "prof", NULL);
		EXPECT_RUN(r, 1);
		EXPECT_NE(NULL, strstr(r.err, "no heap profiler"));
		result_free(&r);
		SKIP(return, "this " JMOD_MODULE_NAME ".ko has no profiler (no prof.json)");
	}
	ASSERT_TRUE(read_line(JM_PROF_PARAM, old, sizeof(old)));

	EXPECT_CMD(0, "prof", "--rate", "4K");
	ASSERT_TRUE(read_line(JM_PROF_PARAM, line, sizeof(line)));
	EXPECT_STREQ("4096", line);
	EXPECT_CMD(0, "prof", "--reset");

	/* 1 MiB live in 4 KiB objects: about 63% of them sampled */
	fd = jm_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < PROF_OBJS; i++) {
		ret = jm_alloc(fd, PROF_SIZE, 0, 0, &h[i], NULL);
		ASSERT_EQ(0, ret);
	}
	r = run(AS_ROOT, "prof", "--json", NULL);
	EXPECT_RUN(r, 0);
	j = json_parse(r.out, strlen(r.out), msg, sizeof(msg));
	EXPECT_NE(NULL, j) TH_LOG("prof --json: %s: %.300s", msg, r.out);
	if (j) {
		EXPECT_EQ(4096ULL, jm_num(j, "prof_sample"));
		sites = json_get_type(j, "sites", JSON_ARRAY);
		EXPECT_LT(0U, json_count(sites));
		for (i = 0; i < json_count(sites); i++)
			if (json_path_u64(json_at(sites, i), "est_bytes", &v))
				est += v;
		json_free(j);
	}
	result_free(&r);
	/* the estimate is unbiased; 30% is about 6 standard deviations */
	EXPECT_LE(PROF_OBJS * PROF_SIZE * 7ULL / 10, est);
	EXPECT_GE(PROF_OBJS * PROF_SIZE * 13ULL / 10, est);
	TH_LOG("estimated %llu live bytes of %u sampled at 4 KiB", est,
	       PROF_OBJS * PROF_SIZE);

	r = run(AS_ROOT, "prof", "-n", "3", "-f", "2", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "heap profile: mean sample distance 4096"));
	EXPECT_NE(NULL, strstr(r.out, "est_bytes"));
	EXPECT_EQ(-1, jm_find_kernel_address(r.out));
	result_free(&r);

	for (i = 0; i < PROF_OBJS; i++) {
		ret = jm_free(fd, h[i]);
		ASSERT_EQ(0, ret);
	}
	close(fd);

	EXPECT_CMD(0, "prof", "--rate", "0");
	r = run(AS_ROOT, "prof", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "heap profiling is off"));
	result_free(&r);
	EXPECT_CMD(2, "prof", "--rate", "lots");
	EXPECT_CMD(2, "prof", "extra");

	EXPECT_CMD(0, "prof", "--rate", old);
}

TEST_F(cli, usage)
{
	static const char *const cmds[] = {
		"stats", "top", "purge", "decay", "tcache", "bench", "replay",
		"prof", "version", "selftest", "demo",
	};
	struct result r;
	unsigned int i;

	if (!self->ok)
		return;
	r = run(AS_ROOT, NULL);
	EXPECT_RUN(r, 2);
	result_free(&r);
	r = run(AS_ROOT, "frobnicate", NULL);
	EXPECT_RUN(r, 2);
	EXPECT_NE(NULL, strstr(r.err, "unknown command"));
	result_free(&r);
	r = run(AS_ROOT, "--help", NULL);
	EXPECT_RUN(r, 0);
	EXPECT_NE(NULL, strstr(r.out, "Exit status"));
	result_free(&r);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		r = run(AS_ROOT, cmds[i], "--help", NULL);
		EXPECT_RUN(r, 0);
		EXPECT_EQ(0, strncmp(r.out, "usage:", 6)) TH_LOG("%s", cmds[i]);
		result_free(&r);
	}
	EXPECT_CMD(2, "stats", "extra");
	EXPECT_CMD(2, "purge", "now");
	EXPECT_CMD(2, "version", "x");
}

TEST_F(cli, not_loaded)
{
	struct result r;

	if (!self->ok)
		return;
	ASSERT_EQ(0, rename(JMOD_DEVICE, JMOD_DEVICE ".x"));
	r = run(AS_ROOT, "version", NULL);
	ASSERT_EQ(0, rename(JMOD_DEVICE ".x", JMOD_DEVICE));
	EXPECT_RUN(r, 3);
	EXPECT_NE(NULL, strstr(r.err, "not loaded")) TH_LOG("%s", r.err);
	EXPECT_EQ(r.err + strlen(r.err) - 1, strchr(r.err, '\n'))
		TH_LOG("not one line: %s", r.err);
	result_free(&r);
}

TEST_F(cli, not_root)
{
	static const char *const cmds[] = { "version", "stats", "purge" };
	struct result r;
	struct stat st;
	unsigned int i;

	if (!self->ok)
		return;
	/*
	 * The test initramfs unpacks "/" with the 0700 of its staging
	 * directory: nobody could not even reach /bin.  Open it up for
	 * the test and put the mode back afterwards.
	 */
	ASSERT_EQ(0, stat("/", &st));
	if (!(st.st_mode & 0001)) {
		TH_LOG("/ has mode %o: 0755 for the test", st.st_mode & 07777);
		ASSERT_EQ(0, chmod("/", 0755));
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		r = run(AS_NOBODY, cmds[i], NULL);
		if (r.status == 125 || r.status == 127)
			break;
		EXPECT_RUN(r, 4);
		EXPECT_NE(NULL, strstr(r.err, "root")) TH_LOG("%s: %s",
							       cmds[i], r.err);
		result_free(&r);
	}
	if (!(st.st_mode & 0001))
		chmod("/", st.st_mode & 07777);
	if (i < ARRAY_SIZE(cmds))
		SKIP(return, "uid %d cannot run %s (exit %d)", NOBODY,
		     jmodctl_path(), r.status);
}

TEST_F(cli, no_debugfs)
{
	struct result r;

	if (!self->ok)
		return;
	r = run(AS_NO_DEBUGFS, "stats", NULL);
	if (r.status == 126)
		SKIP(return, "no private mount namespace to unmount debugfs in");
	EXPECT_RUN(r, 5);
	EXPECT_NE(NULL, strstr(r.err, "debugfs not mounted"));
	result_free(&r);
	/* /dev/jmod commands do not need debugfs */
	r = run(AS_NO_DEBUGFS, "version", NULL);
	EXPECT_RUN(r, 0);
	result_free(&r);
}

JMOD_TEST_HARNESS_MAIN
