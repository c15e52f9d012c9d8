/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jmodctl.h: what every jmodctl source file shares.  The command table
 * (jmodctl.c) holds one struct cmd per command, defined in its
 * cmd_*.c file; common.c has the helpers declared here: errors and exit
 * codes, option parsing and --help from a command's option table,
 * number and size parsing, human units, /dev/jmod and debugfs access.
 * table.c reads debugfs tables for stats and top.
 */
#ifndef JMODCTL_H
#define JMODCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/jmod.h>

#include "jmod_dev.h"
#include "jmod_fs.h"
#include "json.h"

#define EXIT_USAGE	2
#define EXIT_NODEV	3
#define EXIT_PERM	4
#define EXIT_NODEBUGFS	5

/* tools/lib/jmod_fs.h's paths */
#define DEBUGFS_DIR	JMOD_DEBUGFS_ROOT
#define JMOD_DEBUGFS	JMOD_DEBUGFS_DIR
#define MODULE_DIR	JMOD_MODULE_DIR
#define STATS_PATH	JMOD_DEBUGFS "/stats"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define KiB		(1ULL << 10)
#define MiB		(1ULL << 20)

#define PROG		"jmodctl"

extern const char *prog;

/*
 * One option of a command: @key is the short letter, or OPT_LONG + n
 * for a long-only one; @arg names its value (NULL: a flag).  @help is
 * a printf format given @val[0] and @val[1] (defaults, limits); "\n"
 * in it starts an indented continuation line.  cmd_run() stores some
 * options itself, into the command's options record: with @num
 * (OPT_NUM, OPT_SIZE) a number checked against @lo..@hi (opt_u64(), or
 * opt_size() if @size), with @flag (OPT_FLAG) true, with @str (OPT_STR)
 * the argument; the others go to the command's setter.
 */
#define OPT_LONG	256

struct cmd_opt {
	int key;
	const char *name;
	const char *arg;
	const char *help;
	unsigned long long val[2];
	__u64 *num;
	unsigned long long lo, hi;
	bool size;
	bool *flag;
	const char **str;
};

#define OPT(k, n, a, h, ...) \
	{ .key = (k), .name = (n), .arg = (a), .help = (h), .val = { __VA_ARGS__ } }
#define OPT_FLAG(k, n, h, dst) \
	{ .key = (k), .name = (n), .help = (h), .flag = (dst) }
#define OPT_STR(k, n, a, h, dst) \
	{ .key = (k), .name = (n), .arg = (a), .help = (h), .str = (dst) }
#define OPT_NUM(k, n, a, h, dst, l, u, ...) \
	{ .key = (k), .name = (n), .arg = (a), .help = (h), .num = (dst), \
	  .lo = (l), .hi = (u), .val = { __VA_ARGS__ } }
#define OPT_SIZE(k, n, a, h, dst, l, u, ...) \
	{ .key = (k), .name = (n), .arg = (a), .help = (h), .num = (dst), \
	  .lo = (l), .hi = (u), .size = true, .val = { __VA_ARGS__ } }

/*
 * One command.  main() hands its arguments to cmd_run(), which parses
 * them against @opts (each option to @set with @ctx, the command's own
 * options record, defaults filled in), answers --help, checks the
 * positional count against @min_args..@max_args and only then calls
 * @run with @ctx and the positional arguments.  Every cmd_*.c defines
 * its commands with JMODCTL_CMD().
 */
struct cmd {
	const char *name;
	const char *synopsis;	/* after "usage: jmodctl NAME " */
	const char *summary;	/* one line for the main usage */
	const char *describe;	/* text between synopsis and options */
	int (*run)(void *ctx, int argc, char **argv);
	const struct cmd_opt *opts;
	unsigned int nr_opts;
	int (*set)(void *ctx, int key, const char *arg);
	void *ctx;
	unsigned int min_args, max_args;	/* positional arguments */
};

/* "const struct cmd cmd_NAME", then CMD_OPTS() and .min_args & co */
#define JMODCTL_CMD(n, syn, sum, desc, fn, ...)				\
	const struct cmd cmd_##n = {					\
		.name = #n, .synopsis = (syn), .summary = (sum),	\
		.describe = (desc), .run = (fn), __VA_ARGS__		\
	}

/* The option table @tab, each option to @setter with options record @o */
#define CMD_OPTS(tab, setter, o)					\
	.opts = (tab), .nr_opts = ARRAY_SIZE(tab), .set = (setter), .ctx = (o)

#define STR_(x)		#x
#define STR(x)		STR_(x)

/* common.c */
void err(const char *fmt, ...);
void cmd_usage(const struct cmd *c, FILE *f);
int cmd_run(const struct cmd *c, int argc, char **argv);
const char *opt_name(const struct cmd *c, int key);
int opt_u64(const struct cmd *c, int key, const char *arg,
	    unsigned long long lo, unsigned long long hi, __u64 *out);
int opt_size(const struct cmd *c, int key, const char *arg,
	     unsigned long long lo, unsigned long long hi, __u64 *out);
bool parse_u64(const char *s, __u64 *out);
bool parse_size(const char *s, __u64 *out);
const char *human(__u64 bytes, char *buf, size_t len);
const char *hum(double v, char *b, size_t n);

bool module_loaded(void);
int open_dev(void);
int with_dev(int (*fn)(int fd, void *arg), void *arg);
int ioctl_or_err(int fd, unsigned long cmd, const char *what, void *arg);
int dev_version(struct jmod_version *v);

void need_debugfs(void);
char *read_debugfs(const char *name, size_t *lenp);
struct json *read_debugfs_json(const char *name);
int write_knob(const char *name, const char *val);
unsigned long long read_knob(const char *name);
int print_json_file(const char *name);

/* table.c: a debugfs table, the header line names the columns */
#define TABLE_MAX_COLS	32

struct table {
	char *buf;
	char **col;
	unsigned int ncols;
	char ***row;		/* row[r][c] */
	unsigned int nrows;
};

struct json;
void table_read(const char *name, struct table *t);
void table_json(const struct json *arr, const char *const *cols,
		const char *const *keys, unsigned int ncols, struct table *t);
void table_add(struct table *t, const char *const *cells);
const char *table_cell(const struct json *v);
void table_free(struct table *t);
int table_col(const struct table *t, const char *name);
double cell_num(const char *s);
double table_num(const struct table *t, unsigned int r, const char *col);
void table_sort(struct table *t, const char *col, bool ascending);
void table_print(const struct table *t, const char *title, bool all);

/* the commands, one file each (knobs: purge, decay, tcache) */
extern const struct cmd cmd_stats, cmd_top, cmd_purge, cmd_decay, cmd_whatif,
	cmd_tcache, cmd_bench, cmd_replay, cmd_prof, cmd_version,
	cmd_selftest, cmd_demo;

int print_tool_version(void);

#endif /* JMODCTL_H */
