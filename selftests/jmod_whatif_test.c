// SPDX-License-Identifier: GPL-2.0
/*
 * jmod "what if" tests: the live mode (debugfs whatif, whatif.json) and
 * `jmodctl whatif` offline from a tracefs trace of the same run.
 *
 * A known workload, 1000 kmalloc(640) through the device's kmalloc back
 * end (one call site in jmalloc: kmalloc hands out 1024 bytes each, jmod
 * would hand out 640), must show exactly those figures live and offline;
 * live and offline totals of the same window agree within 2%; bad writes
 * to the control file are refused and change nothing; a stopped run
 * counts nothing more (its probes are gone).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "jmod_util.h"
#include "jmod_debugfs.h"
#include "json.h"

#define WHATIF		JM_DEBUGFS "/whatif"
#define WHATIF_JSON	"whatif.json"
#define JMODCTL		"/bin/jmodctl"
#define TRACEFS		"/sys/kernel/tracing"
#define NR_OBJS		1000
#define OBJ_SIZE	640
#define KMALLOC_SIZE	1024	/* kmalloc-1024, at least */
#define TRACE_COPY	"/tmp/jmod-whatif.trace"
#define JSON_COPY	"/tmp/jmod-whatif.json"

FIXTURE(whatif) {
	int fd;
	struct jmod_version v;
	struct jmod_op ops[2 * NR_OBJS];
};

FIXTURE_SETUP(whatif)
{
	unsigned int i;

	self->fd = -1;
	if (!jm_setup_dev(_metadata, &self->fd, &self->v))
		return;
	if (access(WHATIF, F_OK)) {
		close(self->fd);
		self->fd = -1;
		SKIP(return, "%s: %s", WHATIF, strerror(errno));
	}
	for (i = 0; i < NR_OBJS; i++) {
		jm_op(&self->ops[i], JMOD_OP_ALLOC, i, OBJ_SIZE, 0);
		jm_op(&self->ops[NR_OBJS + i], JMOD_OP_FREE, i, 0, 0);
	}
	ASSERT_EQ(0, jm_slots(self->fd, NR_OBJS));
	/* a run left over by an earlier test or a user: stopped and dropped */
	jm_write_path(WHATIF, "stop");
	ASSERT_EQ(0, jm_write_path(WHATIF, "reset"));
}

FIXTURE_TEARDOWN(whatif)
{
	if (self->fd < 0)
		return;
	jm_write_path(WHATIF, "stop");
	jm_write_path(WHATIF, "reset");
	close(self->fd);
}

/* 1000 kmalloc(640), all live at once, then 1000 kfree */
static int known_workload(int fd, struct jmod_op *ops)
{
	size_t failed = 0;

	return jm_run_ops(fd, ops, 2 * NR_OBJS, 2 * NR_OBJS,
			  JMOD_BACKEND_KMALLOC, &failed, NULL);
}

static struct json *parse_text(struct __test_metadata *_metadata, char *text)
{
	char msg[128] = "";
	struct json *j;

	ASSERT_NE(NULL, text);
	j = json_parse(text, strlen(text), msg, sizeof(msg));
	free(text);
	EXPECT_NE(NULL, j) TH_LOG("whatif JSON: %s", msg);
	return j;
}

/* The row of jmalloc's kmalloc back end: the known workload's site */
static const struct json *known_row(const struct json *j)
{
	const struct json *sites = json_get_type(j, "sites", JSON_ARRAY);
	size_t i;

	for (i = 0; sites && i < json_count(sites); i++) {
		const struct json *s = json_at(sites, i);
		const struct json *mod = json_get_type(s, "module", JSON_STRING);

		if (mod && !strcmp(mod->str, JMOD_MODULE_NAME) &&
		    jm_num(s, "requested_bytes") == NR_OBJS * OBJ_SIZE)
			return s;
	}
	return NULL;
}

static void check_known(struct __test_metadata *_metadata,
			const struct json *j, const char *how)
{
	const struct json *s = known_row(j);

	ASSERT_NE(NULL, s) TH_LOG("%s: no " JMOD_MODULE_NAME " row of %u x %u B", how,
				  NR_OBJS, OBJ_SIZE);
	EXPECT_EQ(NR_OBJS, jm_num(s, "objects"));
	/*
	 * kmalloc-1024's slot per object: 1024, more where KASAN or
	 * slub_debug add metadata (the debug kernel reports 2048)
	 */
	EXPECT_EQ(0, jm_num(s, "kmalloc_bytes") % NR_OBJS);
	EXPECT_LE(NR_OBJS * KMALLOC_SIZE, jm_num(s, "kmalloc_bytes"));
	EXPECT_EQ(NR_OBJS * OBJ_SIZE, jm_num(s, "jmod_bytes"));
	EXPECT_EQ(jm_num(s, "kmalloc_bytes"),
		  jm_num(s, "peak_live_kmalloc_bytes"));
	EXPECT_EQ(NR_OBJS * OBJ_SIZE, jm_num(s, "peak_live_jmod_bytes"));
	TH_LOG("%s: %s [" JMOD_MODULE_NAME "]: %llu objects, kmalloc %llu B, jmod %llu B",
	       how, json_get_type(s, "site", JSON_STRING)->str,
	       jm_num(s, "objects"), jm_num(s, "kmalloc_bytes"),
	       jm_num(s, "jmod_bytes"));
}

/* tracefs, mounted if it is not */
static bool tracefs_ready(void)
{
	if (!access(TRACEFS "/events/kmem/kmalloc", F_OK))
		return true;
	mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	return !access(TRACEFS "/events/kmem/kmalloc", F_OK);
}

static unsigned long long trace_buf_kb;	/* buffer_size_kb before */

/* Empty the ring buffer (writing to "trace" with O_TRUNC clears it) */
static int trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * kmem:kmalloc and kmem:kfree into an empty 8 MiB-per-CPU buffer (1), or
 * off with the buffer back to its size before (0), so the test leaves
 * no ring-buffer pages behind (the runner compares MemFree).
 *
 * With record-cmd off (restored after): enabling an event otherwise
 * starts the comm recorder, whose sched_switch probe patches the
 * tracepoint in __schedule() while the other vCPU runs it; under QEMU
 * TCG on 7.3-rt that once hit the patch's int3 (an Oops in __schedule
 * from ksoftirqd).  The trace then names tasks "<...>", which whatif
 * reads the same.
 */
static int trace_kmem(int on)
{
	static char record_cmd[8];
	char *text;
	int ret = 0;

	if (on) {
		text = jm_read_file_path(TRACEFS "/options/record-cmd", NULL);
		snprintf(record_cmd, sizeof(record_cmd), "%c",
			 text && *text == '0' ? '0' : '1');
		free(text);
		ret |= jm_write_path(TRACEFS "/options/record-cmd", "0");
		ret |= jm_write_path(TRACEFS "/tracing_on", "0");
		/* "1408", or "7 (expanded: 1408)" before first use */
		text = trace_buf_kb ? NULL :
		       jm_read_file_path(TRACEFS "/buffer_size_kb", NULL);
		if (!trace_buf_kb && (!text ||
				      sscanf(text, "%llu", &trace_buf_kb) != 1))
			trace_buf_kb = 1408;	/* the kernel's default */
		free(text);
		ret |= jm_write_path(TRACEFS "/buffer_size_kb", "8192");
		ret |= trace_clear();
	}
	ret |= jm_write_path(TRACEFS "/events/kmem/kmalloc/enable", on ? "1" : "0");
	ret |= jm_write_path(TRACEFS "/events/kmem/kfree/enable", on ? "1" : "0");
	ret |= jm_write_path(TRACEFS "/tracing_on", on ? "1" : "0");
	if (!on && record_cmd[0])
		ret |= jm_write_path(TRACEFS "/options/record-cmd", record_cmd);
	return ret;
}

/* After the trace is read: the buffer emptied and shrunk back */
static void trace_release(void)
{
	char val[32];

	trace_clear();
	if (trace_buf_kb) {
		snprintf(val, sizeof(val), "%llu", trace_buf_kb);
		jm_write_path(TRACEFS "/buffer_size_kb", val);
		trace_buf_kb = 0;
	}
}

/* Events the ring buffer dropped (then offline cannot match live) */
static unsigned long long trace_overruns(void)
{
	unsigned long long n = 0, v;
	char path[96], *text, *p;
	int cpu;

	for (cpu = 0; cpu < 256; cpu++) {
		snprintf(path, sizeof(path), TRACEFS "/per_cpu/cpu%d/stats", cpu);
		text = jm_read_file_path(path, NULL);
		if (!text)
			break;
		p = strstr(text, "overrun:");
		if (p && sscanf(p, "overrun: %llu", &v) == 1)
			n += v;
		free(text);
	}
	return n;
}

/* The trace copied out, jmodctl whatif --json on it, parsed */
static struct json *offline(struct __test_metadata *_metadata)
{
	char *trace = jm_read_file_path(TRACEFS "/trace", NULL);
	int out, rc;

	ASSERT_NE(NULL, trace);
	out = open(TRACE_COPY, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, out);
	ASSERT_EQ((ssize_t)strlen(trace), write(out, trace, strlen(trace)));
	close(out);
	free(trace);
	trace_release();
	rc = system(JMODCTL " whatif --json " TRACE_COPY " >" JSON_COPY);
	EXPECT_EQ(0, rc);
	unlink(TRACE_COPY);
	trace = jm_read_file_path(JSON_COPY, NULL);
	unlink(JSON_COPY);
	return parse_text(_metadata, trace);
}

/* Live: the known workload's site shows exactly its figures */
TEST_F(whatif, live_known_site)
{
	struct json *j;

	if (self->fd < 0)
		return;
	ASSERT_EQ(0, jm_write_path(WHATIF, "start"));
	ASSERT_EQ(0, known_workload(self->fd, self->ops));
	ASSERT_EQ(0, jm_write_path(WHATIF, "stop"));
	j = parse_text(_metadata, jm_read_file(WHATIF_JSON, NULL));
	ASSERT_NE(NULL, j);
	EXPECT_EQ(1, jm_num(j, "schema"));
	EXPECT_EQ(0, jm_num(j, "untracked_objects"));
	check_known(_metadata, j, "live");
	json_free(j);
}

/* Offline: jmodctl whatif on a tracefs trace of the same workload */
TEST_F(whatif, offline_known_site)
{
	struct json *j;

	if (self->fd < 0)
		return;
	if (access(JMODCTL, X_OK) || !tracefs_ready())
		SKIP(return, "needs %s and tracefs kmem events", JMODCTL);
	ASSERT_EQ(0, trace_kmem(1));
	ASSERT_EQ(0, known_workload(self->fd, self->ops));
	ASSERT_EQ(0, trace_kmem(0));
	ASSERT_EQ(0, trace_overruns());
	j = offline(_metadata);
	ASSERT_NE(NULL, j);
	check_known(_metadata, j, "offline");
	json_free(j);
}

/* Live and offline over one window of mixed kernel traffic: within 2% */
TEST_F(whatif, live_and_offline_agree)
{
	unsigned long long lk, ok_, lo, oo;
	struct json *live, *off;
	int i;

	if (self->fd < 0)
		return;
	if (access(JMODCTL, X_OK) || !tracefs_ready())
		SKIP(return, "needs %s and tracefs kmem events", JMODCTL);
	/*
	 * The ring buffer grows first (its pages' kmallocs would be in the
	 * live window only), then live starts, then the events.
	 */
	ASSERT_EQ(0, trace_kmem(1));
	ASSERT_EQ(0, trace_kmem(0));
	ASSERT_EQ(0, jm_write_path(WHATIF, "start"));
	ASSERT_EQ(0, trace_kmem(1));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, known_workload(self->fd, self->ops));
		ASSERT_EQ(0, system("ls -lR /proc/self /sys/kernel/mm >/dev/null 2>&1; cat /proc/meminfo /proc/slabinfo >/dev/null 2>&1"));
	}
	ASSERT_EQ(0, trace_kmem(0));
	ASSERT_EQ(0, jm_write_path(WHATIF, "stop"));
	ASSERT_EQ(0, trace_overruns());
	live = parse_text(_metadata, jm_read_file(WHATIF_JSON, NULL));
	off = offline(_metadata);
	ASSERT_NE(NULL, live);
	ASSERT_NE(NULL, off);
	lk = jm_num(live, "total.kmalloc_bytes");
	ok_ = jm_num(off, "total.kmalloc_bytes");
	lo = jm_num(live, "total.objects");
	oo = jm_num(off, "total.objects");
	TH_LOG("live: %llu objects, %llu B; offline: %llu objects, %llu B",
	       lo, lk, oo, ok_);
	EXPECT_LE(3ULL * NR_OBJS, oo);
	/* live starts before and stops after the trace: never less */
	EXPECT_LE(ok_, lk);
	EXPECT_LE((lk - ok_) * 50, ok_);
	EXPECT_LE((lo - oo) * 50, oo);
	EXPECT_LE(jm_num(off, "total.jmod_bytes"),
		  jm_num(live, "total.jmod_bytes"));
	json_free(live);
	json_free(off);
}

/* Refused writes change nothing; a stopped run counts nothing more */
TEST_F(whatif, control)
{
	static const char *const bad[] = {
		"\n", "bogus", "start now", "stopp", "1",
		"0123456789abcdefghij",
	};
	unsigned long long before;
	struct json *j;
	unsigned int i;

	if (self->fd < 0)
		return;
	ASSERT_EQ(-EINVAL, jm_write_path(WHATIF, "bogus"));
	ASSERT_EQ(0, jm_write_path(WHATIF, "start"));
	EXPECT_EQ(-EBUSY, jm_write_path(WHATIF, "start"));
	EXPECT_EQ(-EBUSY, jm_write_path(WHATIF, "reset"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = jm_write_path(WHATIF, bad[i]);

		EXPECT_TRUE(ret == -EINVAL) TH_LOG("\"%s\": %d", bad[i], ret);
	}
	ASSERT_EQ(0, known_workload(self->fd, self->ops));
	j = parse_text(_metadata, jm_read_file(WHATIF_JSON, NULL));
	ASSERT_NE(NULL, j);
	/* still running after the refused writes, the workload counted */
	EXPECT_EQ(JSON_TRUE, json_get(j, "running")->type);
	check_known(_metadata, j, "after refused writes");
	json_free(j);

	ASSERT_EQ(0, jm_write_path(WHATIF, "stop"));
	ASSERT_EQ(0, jm_write_path(WHATIF, "stop"));
	j = parse_text(_metadata, jm_read_file(WHATIF_JSON, NULL));
	before = jm_num(j, "kmallocs");
	json_free(j);
	ASSERT_EQ(0, known_workload(self->fd, self->ops));
	j = parse_text(_metadata, jm_read_file(WHATIF_JSON, NULL));
	EXPECT_EQ(before, jm_num(j, "kmallocs"));
	EXPECT_EQ(JSON_FALSE, json_get(j, "running")->type);
	json_free(j);

	ASSERT_EQ(0, jm_write_path(WHATIF, "reset"));
	j = parse_text(_metadata, jm_read_file(WHATIF_JSON, NULL));
	EXPECT_EQ(0, json_count(json_get(j, "sites")));
	json_free(j);
}

JMOD_TEST_HARNESS_MAIN
