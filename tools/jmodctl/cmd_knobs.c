// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_knobs.c: the debugfs knob commands, "purge", "decay [MS]" and
 * "tcache [on|off]".  Each checks its argument first, then reads the
 * knob (no argument) or writes it through write_knob(), whose EINVAL
 * from the kernel is a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jmodctl.h"

#define DECAY_MS_MAX	(24U * 3600 * 1000)

static void purge_describe(FILE *f)
{
	fprintf(f,
		"Write 1 to %s/purge: drain every CPU's tcache,\n"
		"shrink the small-class slab caches and release every free\n"
		"chunk, whatever decay_ms says.\n",
		JMOD_DEBUGFS);
}

static int purge_main(const struct cmd *c, int argc, char **argv)
{
	int ret = cmd_parse(c, argc, argv, NULL, NULL);

	return ret != CMD_RUN ? ret : write_knob("purge", "1");
}

const struct cmd cmd_purge = {
	.name = "purge",
	.summary = "drain the tcaches and release free memory",
	.fn = purge_main,
	.describe = purge_describe,
};

static void decay_describe(FILE *f)
{
	fprintf(f,
		"Without MS, print decay_ms: how long a wholly free chunk is\n"
		"kept for reuse before its pages go back.  With MS (0 to %u),\n"
		"set it.\n",
		DECAY_MS_MAX);
}

static int decay_main(const struct cmd *c, int argc, char **argv)
{
	char *end, val[32];
	unsigned long long ms;
	const char *arg;
	int ret = cmd_parse(c, argc, argv, NULL, NULL);

	if (ret != CMD_RUN)
		return ret;
	if (optind == argc) {
		printf("%llu\n", read_knob("decay_ms"));
		return 0;
	}
	arg = argv[optind];
	errno = 0;
	ms = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || ms > DECAY_MS_MAX) {
		err("decay: MS must be a number from 0 to %u", DECAY_MS_MAX);
		return EXIT_USAGE;
	}
	snprintf(val, sizeof(val), "%llu", ms);
	return write_knob("decay_ms", val);
}

const struct cmd cmd_decay = {
	.name = "decay",
	.synopsis = "[MS]",
	.summary = "print or set decay_ms",
	.fn = decay_main,
	.describe = decay_describe,
	.max_args = 1,
};

static void tcache_describe(FILE *f)
{
	fprintf(f,
		"Without an argument, print whether the per-CPU tcache is on.\n"
		"\"off\" (or 0) switches it off and drains every CPU's cache;\n"
		"\"on\" (or 1) switches it back on.\n");
}

static int tcache_main(const struct cmd *c, int argc, char **argv)
{
	const char *a;
	int ret = cmd_parse(c, argc, argv, NULL, NULL);

	if (ret != CMD_RUN)
		return ret;
	if (optind == argc) {
		printf("%s\n", read_knob("tcache") ? "on" : "off");
		return 0;
	}
	a = argv[optind];
	if (!strcmp(a, "on") || !strcmp(a, "1"))
		return write_knob("tcache", "1");
	if (!strcmp(a, "off") || !strcmp(a, "0"))
		return write_knob("tcache", "0");
	err("tcache: want on or off, not \"%s\"", a);
	return EXIT_USAGE;
}

const struct cmd cmd_tcache = {
	.name = "tcache",
	.synopsis = "[on|off]",
	.summary = "print or switch the per-CPU tcache (on|off)",
	.fn = tcache_main,
	.describe = tcache_describe,
	.max_args = 1,
};
