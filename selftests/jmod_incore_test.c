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
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest.h"
#include <linux/jmod.h>

#define MAX_CASES	1024
#define QUIESCE		"quiesce"

struct incore_case {
	__u32 id;
	char name[JMOD_SELFTEST_NAME_LEN + 1];
};

static int selftest_ioctl(int fd, struct jmod_selftest *st)
{
	return ioctl(fd, JMOD_IOC_SELFTEST, st) ? -errno : 0;
}

/* Lists every case; returns how many, or -errno */
static int list_cases(int fd, struct incore_case *cases, int max)
{
	struct jmod_selftest st;
	int n, ret;

	for (n = 0; n < max; n++) {
		memset(&st, 0, sizeof(st));
		st.id = n;
		st.flags = JMOD_SELFTEST_QUERY;
		ret = selftest_ioctl(fd, &st);
		if (ret == -ENOENT)
			break;
		if (ret)
			return ret;
		cases[n].id = n;
		memcpy(cases[n].name, st.name, JMOD_SELFTEST_NAME_LEN);
		cases[n].name[JMOD_SELFTEST_NAME_LEN] = '\0';
		if (!cases[n].name[0])
			snprintf(cases[n].name, sizeof(cases[n].name),
				 "case%d", n);
	}
	return n;
}

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

static void run_case(int fd, const struct incore_case *c)
{
	struct jmod_selftest st;
	int ret;

	memset(&st, 0, sizeof(st));
	st.id = c->id;
	ksft_print_msg("running %s (id %u)\n", c->name, c->id);
	fflush(stdout);
	ret = selftest_ioctl(fd, &st);
	st.msg[JMOD_SELFTEST_MSG_LEN - 1] = '\0';

	if (st.msg[0])
		ksft_print_msg("%s: %s\n", c->name, st.msg);
	if (ret) {
		ksft_print_msg("%s: %s\n", c->name, strerror(-ret));
		ksft_test_result_fail("%s\n", c->name);
	} else if (!strncasecmp(st.msg, "skip", 4)) {
		ksft_test_result_skip("%s: %s\n", c->name, st.msg);
	} else {
		ksft_test_result_pass("%s\n", c->name);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct incore_case cases[MAX_CASES];
	int fd, n, i, plan = 0, quiesce = -1;

	ksft_print_header();

	fd = open(JMOD_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			ksft_exit_skip("%s: %s (is jmalloc.ko loaded?)\n",
				       JMOD_DEVICE, strerror(errno));
		ksft_exit_fail_msg("open %s: %s\n", JMOD_DEVICE,
				   strerror(errno));
	}

	n = list_cases(fd, cases, MAX_CASES);
	if (n < 0)
		ksft_exit_fail_msg("JMOD_IOC_SELFTEST query: %s\n",
				   strerror(-n));
	if (n == MAX_CASES)
		ksft_exit_fail_msg("more than %d cases: no ENOENT?\n",
				   MAX_CASES);
	if (!n)
		ksft_exit_skip("the module has no in-kernel test cases\n");

	for (i = 0; i < n; i++) {
		if (!wanted(cases[i].name, argc, argv))
			continue;
		plan++;
		if (!strcmp(cases[i].name, QUIESCE))
			quiesce = i;
	}
	if (!plan)
		ksft_exit_fail_msg("no case matches the names given\n");
	ksft_print_msg("%d in-kernel cases, running %d\n", n, plan);
	ksft_set_plan(plan);

	for (i = 0; i < n; i++)
		if (i != quiesce && wanted(cases[i].name, argc, argv))
			run_case(fd, &cases[i]);
	if (quiesce >= 0)
		run_case(fd, &cases[quiesce]);

	close(fd);
	ksft_finished();
	return 0;
}
