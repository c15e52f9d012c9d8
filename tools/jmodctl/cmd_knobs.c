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

#define DECAY_MS_MAX	86400000	/* 24 h */

static int purge_run(void *ctx, int argc, char **argv)
{
	return write_knob("purge", "1");
}

JMODCTL_CMD(purge, NULL, "drain the tcaches and release free memory",
	    "Write 1 to " JMOD_DEBUGFS "/purge: drain every CPU's tcache,\n"
	    "shrink the small-class slab caches and release every free\n"
	    "chunk, whatever decay_ms says.\n",
	    purge_run);

static int decay_run(void *ctx, int argc, char **argv)
{
	char *end, val[32];
	unsigned long long ms;
	const char *arg;

	if (!argc) {
		printf("%llu\n", read_knob("decay_ms"));
		return 0;
	}
	arg = argv[0];
	errno = 0;
	ms = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || ms > DECAY_MS_MAX) {
		err("decay: MS must be a number from 0 to %d", DECAY_MS_MAX);
		return EXIT_USAGE;
	}
	snprintf(val, sizeof(val), "%llu", ms);
	return write_knob("decay_ms", val);
}

JMODCTL_CMD(decay, "[MS]", "print or set decay_ms",
	    "Without MS, print decay_ms: how long a wholly free chunk is\n"
	    "kept for reuse before its pages go back.  With MS (0 to "
	    STR(DECAY_MS_MAX) "),\nset it.\n",
	    decay_run, .max_args = 1);

static int tcache_run(void *ctx, int argc, char **argv)
{
	if (!argc) {
		printf("%s\n", read_knob("tcache") ? "on" : "off");
		return 0;
	}
	if (!strcmp(argv[0], "on") || !strcmp(argv[0], "1"))
		return write_knob("tcache", "1");
	if (!strcmp(argv[0], "off") || !strcmp(argv[0], "0"))
		return write_knob("tcache", "0");
	err("tcache: want on or off, not \"%s\"", argv[0]);
	return EXIT_USAGE;
}

JMODCTL_CMD(tcache, "[on|off]", "print or switch the per-CPU tcache (on|off)",
	    "Without an argument, print whether the per-CPU tcache is on.\n"
	    "\"off\" (or 0) switches it off and drains every CPU's cache;\n"
	    "\"on\" (or 1) switches it back on.\n",
	    tcache_run, .max_args = 1);
