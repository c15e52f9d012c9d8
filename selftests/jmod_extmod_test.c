// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_extmod_test: loads /jmod_ext_test.ko, a module of its own that
 * uses jmalloc.ko's exported API like any other subsystem, and unloads
 * it.  Its init checks the kernel's zeroing policy for every jmod size
 * class and a few huge sizes (see jmod_ext_test.c) and fails the load
 * when it is broken, so a successful finit_module() is the verdict; the
 * figures are in the kernel log.
 *
 * A second load with bad=1 makes the bad calls (jmod_ext_test.c): double
 * frees, an interior free, zone-constrained requests, an 8 MiB free under
 * a spinlock; the module checks that nothing was handed out twice, and
 * this test that stats.json's bad_frees rose by exactly the frees jmod
 * had to refuse.
 *
 * Skips when jmalloc.ko is not loaded or the test module is not in the
 * guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "jmod_util.h"
#include "jmod_debugfs.h"

#define EXT_KO		"/jmod_ext_test.ko"
#define EXT_NAME	"jmod_ext_test"

/*
 * SKIPs unless jmalloc.ko is loaded (and, with @debugfs, its debugfs
 * directory is there) and the test module is in the guest.  Returns the
 * test module's fd, or -1 after the SKIP.
 */
static int open_ext_ko(struct __test_metadata *_metadata, bool debugfs)
{
	int fd, dev = jm_open();

	if (dev < 0)
		SKIP(return -1, "%s: %s (" JMOD_MODULE_NAME ".ko not loaded?)", JMOD_DEVICE,
		     strerror(-dev));
	close(dev);
	if (debugfs && !jm_debugfs_present())
		SKIP(return -1, "no jmod debugfs");
	fd = open(EXT_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return -1, "%s: %s", EXT_KO, strerror(errno));
	return fd;
}

TEST(zeroing_from_another_module)
{
	int ret, fd = open_ext_ko(_metadata, false);

	if (fd < 0)
		return;
	ret = syscall(SYS_finit_module, fd, "", 0);
	ASSERT_EQ(0, ret)
		TH_LOG("finit_module(%s): %s: the policy check failed, see the kernel log",
		       EXT_KO, strerror(errno));
	close(fd);
	ASSERT_EQ(0, syscall(SYS_delete_module, EXT_NAME, O_NONBLOCK))
		TH_LOG("delete_module(%s): %s", EXT_NAME, strerror(errno));
}

static unsigned long long bad_frees(struct __test_metadata *_metadata)
{
	char msg[256];
	struct json *j = jm_stats_json(msg, sizeof(msg));
	unsigned long long n;

	if (!j) {
		TH_LOG("stats.json: %s", msg);
		return ~0ULL;
	}
	n = jm_num(json_get(j, "summary"), "bad_frees");
	json_free(j);
	return n;
}

/* SLUB debugging on jmod's caches: slub_debug= on the command line */
static bool slub_debug_on(void)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	return strstr(line, "slub_debug") != NULL;
}

TEST(bad_calls_refused)
{
	unsigned long long tcache = 0, debug = 0, before, after, want;
	char msg[256], args[64];
	struct json *j;
	bool small;
	int ret, fd = open_ext_ko(_metadata, true);

	if (fd < 0)
		return;
	j = jm_stats_json(msg, sizeof(msg));
	ASSERT_NE(NULL, j) TH_LOG("stats.json: %s", msg);
	tcache = jm_num(json_get(j, "config"), "tcache");
	debug = jm_num(json_get(j, "config"), "debug");
	json_free(j);
	/* small bad frees only where jmod, not SLUB, gets them */
	small = tcache == 1 && debug == 0 && !slub_debug_on();
	snprintf(args, sizeof(args), "bad=1 small=%d", small);
	before = bad_frees(_metadata);
	ret = syscall(SYS_finit_module, fd, args, 0);
	close(fd);
	ASSERT_EQ(0, ret)
		TH_LOG("finit_module(%s, \"%s\"): %s: a bad call was accepted, see the kernel log",
		       EXT_KO, args, strerror(errno));
	after = bad_frees(_metadata);
	ASSERT_EQ(0, syscall(SYS_delete_module, EXT_NAME, O_NONBLOCK))
		TH_LOG("delete_module(%s): %s", EXT_NAME, strerror(errno));
	/* the 16 KiB double free, and the 64 B double and interior frees */
	want = 1 + (small ? 2 : 0);
	EXPECT_EQ(want, after - before)
		TH_LOG("bad_frees %llu -> %llu (%s)", before, after, args);
}

JMOD_TEST_HARNESS_MAIN
