// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_selftest.c: "jmodctl selftest [NAME|ID|all]".  Lists the in-kernel
 * test cases (JMOD_IOC_SELFTEST with JMOD_SELFTEST_QUERY, id by id until
 * ENOENT), then runs the one named, or every case with the leak check
 * "quiesce" last, printing one verdict line per case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jmodctl.h"

#define QUIESCE		"quiesce"
#define MAX_CASES	1024

struct tcase {
	__u32 id;
	char name[JMOD_SELFTEST_NAME_LEN + 1];
};

static void selftest_describe(FILE *f)
{
	fprintf(f,
		"Without an argument, list the in-kernel test cases.  With a\n"
		"case name or id, run that case; with \"all\", run every case\n"
		"(\"%s\", the leak check, always last).  Exits 1 if a case\n"
		"failed.\n",
		QUIESCE);
}

static int list_cases(int fd, struct tcase *cases, int max)
{
	struct jmod_selftest st;
	int n, ret;

	for (n = 0; n < max; n++) {
		memset(&st, 0, sizeof(st));
		st.id = n;
		st.flags = JMOD_SELFTEST_QUERY;
		ret = xioctl(fd, JMOD_IOC_SELFTEST, &st);
		if (ret == -ENOENT)
			break;
		if (ret)
			return ret;
		cases[n].id = n;
		memcpy(cases[n].name, st.name, JMOD_SELFTEST_NAME_LEN);
		cases[n].name[JMOD_SELFTEST_NAME_LEN] = '\0';
	}
	return n;
}

/* Runs one case and prints its verdict; returns true if it passed */
static bool run_case(int fd, const struct tcase *c)
{
	struct jmod_selftest st;
	int ret;

	memset(&st, 0, sizeof(st));
	st.id = c->id;
	printf("%-32s ", c->name);
	fflush(stdout);
	ret = xioctl(fd, JMOD_IOC_SELFTEST, &st);
	st.msg[JMOD_SELFTEST_MSG_LEN - 1] = '\0';
	if (ret)
		printf("FAIL (%s)%s%s\n", strerror(-ret), st.msg[0] ? ": " : "",
		       st.msg);
	else
		printf("ok%s%s\n", st.msg[0] ? ": " : "", st.msg);
	return !ret;
}

/* The case named or numbered @arg: its index, or -1 */
static int find_case(const struct tcase *cases, int n, const char *arg)
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

/* Every case, quiesce last; returns how many failed */
static int run_all(int fd, const struct tcase *cases, int n)
{
	int i, failed = 0, quiesce = -1;

	for (i = 0; i < n; i++) {
		if (!strcmp(cases[i].name, QUIESCE)) {
			quiesce = i;
			continue;
		}
		failed += !run_case(fd, &cases[i]);
	}
	if (quiesce >= 0)
		failed += !run_case(fd, &cases[quiesce]);
	printf("%d of %d cases passed\n", n - failed, n);
	return failed;
}

static int selftest_run(int fd, const char *arg)
{
	static struct tcase cases[MAX_CASES];
	int n = list_cases(fd, cases, MAX_CASES), i;

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

static int selftest_main(const struct cmd *c, int argc, char **argv)
{
	int fd, ret = cmd_parse(c, argc, argv, NULL, NULL);

	if (ret != CMD_RUN)
		return ret;
	fd = open_dev();
	ret = selftest_run(fd, optind < argc ? argv[optind] : NULL);
	close(fd);
	return ret;
}

const struct cmd cmd_selftest = {
	.name = "selftest",
	.synopsis = "[NAME|ID|all]",
	.summary = "list or run the in-kernel test cases",
	.fn = selftest_main,
	.describe = selftest_describe,
	.max_args = 1,
};
