// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_incore_test: runs the module's in-kernel test cases through
 * JMOD_IOC_SELFTEST and reports each as one TAP result.
 *
 * Cases are listed with JMOD_SELFTEST_QUERY (id 0, 1, ... until ENOENT)
 * and then run one by one.  The case named "quiesce" checks that nothing
 * leaked, so it always runs last, whatever its id.
 *
 * A case that passes with a message starting with "skip" (any case) is
 * reported as SKIP, e.g. a CPU hotplug case on a single-CPU guest.
 *
 * Usage: jmod_incore_test [NAME...]	(default: every case)
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kselftest.h"
#include "jmod_dev.h"
#include "jmod_fs.h"
#include "jmod_selftest.h"

static bool wanted(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

static void run_case(int fd, const struct jmod_selftest_case *c)
{
	char msg[JMOD_SELFTEST_MSG_LEN];
	int ret;

	ksft_print_msg("running %s (id %u)\n", c->name, c->id);
	fflush(stdout);
	ret = jmod_selftest_run(fd, c->id, 0, msg, sizeof(msg));

	if (msg[0])
		ksft_print_msg("%s: %s\n", c->name, msg);
	if (ret) {
		ksft_print_msg("%s: %s\n", c->name, strerror(-ret));
		ksft_test_result_fail("%s\n", c->name);
	} else if (!strncasecmp(msg, "skip", 4)) {
		ksft_test_result_skip("%s: %s\n", c->name, msg);
	} else {
		ksft_test_result_pass("%s\n", c->name);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct jmod_selftest_case cases[JMOD_SELFTEST_MAX_CASES];
	static int order[JMOD_SELFTEST_MAX_CASES];
	int fd, n, i, plan = 0;

	ksft_print_header();

	fd = jmod_dev_open();
	if (fd < 0) {
		if (jmod_dev_missing(-fd))
			ksft_exit_skip("%s: %s (is " JMOD_MODULE_NAME ".ko loaded?)\n",
				       JMOD_DEVICE, strerror(-fd));
		ksft_exit_fail_msg("open %s: %s\n", JMOD_DEVICE,
				   strerror(-fd));
	}

	n = jmod_selftest_list(fd, cases, JMOD_SELFTEST_MAX_CASES);
	if (n < 0)
		ksft_exit_fail_msg("JMOD_IOC_SELFTEST query: %s\n",
				   strerror(-n));
	if (n == JMOD_SELFTEST_MAX_CASES)
		ksft_exit_fail_msg("more than %d cases: no ENOENT?\n",
				   JMOD_SELFTEST_MAX_CASES);
	if (!n)
		ksft_exit_skip("the module has no in-kernel test cases\n");

	for (i = 0; i < n; i++)
		plan += wanted(cases[i].name, argc, argv);
	if (!plan)
		ksft_exit_fail_msg("no case matches the names given\n");
	ksft_print_msg("%d in-kernel cases, running %d\n", n, plan);
	ksft_set_plan(plan);

	jmod_selftest_order(cases, n, order);
	for (i = 0; i < n; i++)
		if (wanted(cases[order[i]].name, argc, argv))
			run_case(fd, &cases[order[i]]);

	close(fd);
	ksft_finished();
	return 0;
}
