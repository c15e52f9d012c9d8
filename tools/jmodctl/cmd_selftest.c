// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_selftest.c: "jmodctl selftest [NAME|ID|all]".  Lists the in-kernel
 * test cases (tools/lib/jmod_selftest.c: JMOD_SELFTEST_QUERY, id by id
 * until ENOENT), then runs the one named or numbered, or every case with
 * the leak check "quiesce" last, printing one verdict line per case.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "jmod_selftest.h"
#include "jmodctl.h"

/* Runs one case and prints its verdict; returns true if it passed */
static bool run_case(int fd, const struct jmod_selftest_case *c)
{
	char msg[JMOD_SELFTEST_MSG_LEN];
	int ret;

	printf("%-32s ", c->name);
	fflush(stdout);
	ret = jmod_selftest_run(fd, c->id, 0, msg, sizeof(msg));
	if (ret)
		printf("FAIL (%s)%s%s\n", strerror(-ret), msg[0] ? ": " : "",
		       msg);
	else
		printf("ok%s%s\n", msg[0] ? ": " : "", msg);
	return !ret;
}

/* The case named or numbered @arg: its index, or -1 */
static int find_case(const struct jmod_selftest_case *cases, int n,
		     const char *arg)
{
	char *end;
	unsigned long id = strtoul(arg, &end, 0);
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(cases[i].name, arg) ||
		    (!*end && end != arg && id == cases[i].id))
			return i;
	return -1;
}

/* Every case, quiesce last (jmod_selftest_order()); how many failed */
static int run_all(int fd, const struct jmod_selftest_case *cases, int n)
{
	static int order[JMOD_SELFTEST_MAX_CASES];
	int i, failed = 0;

	jmod_selftest_order(cases, n, order);
	for (i = 0; i < n; i++)
		failed += !run_case(fd, &cases[order[i]]);
	printf("%d of %d cases passed\n", n - failed, n);
	return failed;
}

static int selftest_cases(int fd, void *name)
{
	const char *arg = name;
	static struct jmod_selftest_case cases[JMOD_SELFTEST_MAX_CASES];
	int n = jmod_selftest_list(fd, cases, JMOD_SELFTEST_MAX_CASES), i;

	if (n < 0) {
		err("JMOD_IOC_SELFTEST: %s", strerror(-n));
		return EXIT_FAILURE;
	}
	if (!arg) {
		printf("%-4s %s\n", "ID", "NAME");
		for (i = 0; i < n; i++)
			printf("%-4u %s\n", cases[i].id, cases[i].name);
		return 0;
	}
	if (!strcmp(arg, "all")) {
		if (run_all(fd, cases, n))
			return EXIT_FAILURE;
		return 0;
	}
	i = find_case(cases, n, arg);
	if (i < 0) {
		err("no in-kernel test case \"%s\" (list them: %s selftest)",
		    arg, prog);
		return EXIT_USAGE;
	}
	if (!run_case(fd, &cases[i]))
		return EXIT_FAILURE;
	return 0;
}

static int selftest_run(void *ctx, int argc, char **argv)
{
	return with_dev(selftest_cases, argc ? argv[0] : NULL);
}

JMODCTL_CMD(selftest, "[NAME|ID|all]", "list or run the in-kernel test cases",
	    "Without an argument, list the in-kernel test cases.  With a\n"
	    "case name or id, run that case; with \"all\", run every case\n"
	    "(\"" JMOD_SELFTEST_QUIESCE "\", the leak check, always last).  Exits 1 if a case\n"
	    "failed.\n",
	    selftest_run, .max_args = 1);
