// SPDX-License-Identifier: GPL-2.0
/*
 * jmodctl: command line control of the jmod allocator through /dev/jmod
 * and its debugfs directory /sys/kernel/debug/jmod.
 *
 * This file owns main(), the command table and the main usage: main()
 * answers --help, --version and "help COMMAND" itself and hands
 * everything else to cmd_run() (common.c), which parses the command's
 * options into its options record and checks them before the command's
 * run function (one cmd_*.c file per command or group) looks for the
 * module.  Shared declarations: jmodctl.h.
 *
 *   jmodctl stats [-a] [-s COL] [-R] [--json]  statistics tables (or stats.json)
 *   jmodctl top [-d SECS] [-s COL] [-n N]      busiest classes, rates per second
 *   jmodctl purge                              give every cached page back
 *   jmodctl decay [MS]                         print or set decay_ms
 *   jmodctl tcache [on|off]                    print or switch the tcache
 *   jmodctl bench [options]                    run JMOD_IOC_BENCH
 *   jmodctl replay [options] FILE              replay an ops trace, jmod vs kmalloc
 *   jmodctl prof [-n N] [--json]               sampled heap profile by call site
 *   jmodctl version                            allocator geometry
 *   jmodctl selftest [NAME|all]                list or run the in-kernel cases
 *   jmodctl demo [options]                     jmod vs kmalloc on one trace
 *
 * Exit status: 0 success, 1 failure, 2 usage error, 3 module not loaded
 * (no /dev/jmod or no /sys/module/jmalloc), 4 permission denied (not
 * root), 5 debugfs not mounted.
 */
#define _GNU_SOURCE
#include <string.h>

#include "jmodctl.h"

static const struct cmd *const commands[] = {
	&cmd_stats, &cmd_top, &cmd_purge, &cmd_decay, &cmd_tcache,
	&cmd_bench, &cmd_replay, &cmd_prof, &cmd_version, &cmd_selftest,
	&cmd_demo, &cmd_whatif,
};

static void main_usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: %s [--help|--version] COMMAND [ARGS]\n\ncommands:\n",
		prog);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f,
		"\n'%s help COMMAND' or '%s COMMAND --help' for details.\n"
		"'%s --version': the tool's version (and the module's, if loaded).\n"
		"Needs root and the " JMOD_MODULE_NAME " module (%s, %s).\n"
		"\n"
		"Short options mean one thing in every command: -a all rows,\n"
		"-b back end(s), -c CPU mask, -C chunk, -d delay, -D distribution,\n"
		"-f frames, -h help, -j JSON, -l live set, -n how many (ops,\n"
		"refreshes, sites), -r rounds, -R reverse, -s sort column, -S seed,\n"
		"-t threads, -w workload.\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  failure\n"
		"  2  usage error (also: the kernel rejected a value); checked\n"
		"     before the module is looked for\n"
		"  3  jmod not loaded (no %s, no %s)\n"
		"  4  permission denied (not root)\n"
		"  5  debugfs not mounted on %s\n",
		prog, prog, prog, JMOD_DEVICE, JMOD_DEBUGFS, JMOD_DEVICE,
		MODULE_DIR, DEBUGFS_DIR);
}

static const struct cmd *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

/* "help [COMMAND]" */
static int help(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 3) {
		main_usage(stdout);
		return 0;
	}
	cmd = find_command(argv[2]);
	if (!cmd) {
		err("unknown command \"%s\"", argv[2]);
		return EXIT_USAGE;
	}
	cmd_usage(cmd, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		main_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return print_tool_version();
	if (!strcmp(argv[1], "help"))
		return help(argc, argv);
	cmd = find_command(argv[1]);
	if (!cmd) {
		err("unknown command \"%s\" (see %s --help)", argv[1], prog);
		return EXIT_USAGE;
	}
	return cmd_run(cmd, argc - 1, argv + 1);
}
