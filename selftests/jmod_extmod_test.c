// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_extmod_test: loads /jmod_ext_test.ko, a module of its own that
 * uses jmalloc.ko's exported API like any other subsystem, and unloads
 * it.  Its init checks the kernel's zeroing policy for every jmod size
 * class and a few huge sizes (see jmod_ext_test.c) and fails the load
 * when it is broken, so a successful finit_module() is the verdict; the
 * figures are in the kernel log.
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

#define EXT_KO		"/jmod_ext_test.ko"
#define EXT_NAME	"jmod_ext_test"

TEST(zeroing_from_another_module)
{
	int fd, dev, ret;

	dev = jm_open();
	if (dev < 0)
		SKIP(return, "%s: %s (jmalloc.ko not loaded?)", JMOD_DEVICE,
		     strerror(-dev));
	close(dev);
	fd = open(EXT_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "%s: %s", EXT_KO, strerror(errno));
	ret = syscall(SYS_finit_module, fd, "", 0);
	ASSERT_EQ(0, ret)
		TH_LOG("finit_module(%s): %s: the policy check failed, see the kernel log",
		       EXT_KO, strerror(errno));
	close(fd);
	ASSERT_EQ(0, syscall(SYS_delete_module, EXT_NAME, O_NONBLOCK))
		TH_LOG("delete_module(%s): %s", EXT_NAME, strerror(errno));
}

TEST_HARNESS_MAIN
