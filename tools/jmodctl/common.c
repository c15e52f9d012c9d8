// SPDX-License-Identifier: GPL-2.0
/*
 * common.c: the helpers every jmodctl command uses (declared in
 * jmodctl.h).  Arguments first: cmd_run() turns a command's option
 * table into getopt_long() input, answers --help from the same table,
 * hands each option to the command's setter (which checks the value
 * with opt_u64/opt_size) and checks the positional count, all before
 * it calls the command's run function, the first to touch the module; then open_dev()/need_debugfs() find the
 * module and exit 3, 4 or 5 with a one-line reason, and read_debugfs()
 * and write_knob() do the debugfs I/O.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "json.h"
#include "jmodctl.h"

#define DEBUGFS_MAGIC_NR	0x64626720
#define MAX_OPTS		16
#define HELP_COL		21

const char *prog = PROG;

void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* options and usage */

static void print_opt(FILE *f, const struct cmd_opt *o)
{
	char head[64], help[512], *line, *save;
	int n;

	if (o->key < OPT_LONG)
		n = snprintf(head, sizeof(head), "  -%c, --%s", o->key, o->name);
	else
		n = snprintf(head, sizeof(head), "      --%s", o->name);
	if (o->arg)
		snprintf(head + n, sizeof(head) - n, " %s", o->arg);
	snprintf(help, sizeof(help), o->help, o->val[0], o->val[1]);
	line = strtok_r(help, "\n", &save);
	if (strlen(head) >= HELP_COL - 1) {
		fprintf(f, "%s\n", head);
		head[0] = '\0';
	}
	fprintf(f, "%-*s%s\n", HELP_COL, head, line ? line : "");
	while ((line = strtok_r(NULL, "\n", &save)))
		fprintf(f, "%*s%s\n", HELP_COL, "", line);
}

void cmd_usage(const struct cmd *c, FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: %s %s%s%s\n", prog, c->name,
		c->synopsis ? " " : "", c->synopsis ? c->synopsis : "");
	if (c->describe)
		fprintf(f, "\n%s", c->describe);
	fputc('\n', f);
	for (i = 0; i < c->nr_opts; i++)
		print_opt(f, &c->opts[i]);
	fprintf(f, "  -h, --help         this text\n");
}

/* "-n/--ops" for messages */
const char *opt_name(const struct cmd *c, int key)
{
	static char buf[64];
	unsigned int i;

	for (i = 0; i < c->nr_opts; i++) {
		if (c->opts[i].key != key)
			continue;
		if (key < OPT_LONG)
			snprintf(buf, sizeof(buf), "-%c/--%s", key,
				 c->opts[i].name);
		else
			snprintf(buf, sizeof(buf), "--%s", c->opts[i].name);
		return buf;
	}
	return "?";
}

/* Option @key with value @arg: stored (struct cmd_opt), or the setter's */
static int cmd_option(const struct cmd *c, int key, const char *arg)
{
	unsigned int i;

	for (i = 0; i < c->nr_opts; i++) {
		const struct cmd_opt *o = &c->opts[i];

		if (o->key != key)
			continue;
		if (o->flag)
			*o->flag = true;
		if (o->str)
			*o->str = arg;
		if (o->flag || o->str)
			return 0;
		if (!o->num)
			break;
		if (o->size)
			return opt_size(c, key, arg, o->lo, o->hi, o->num);
		return opt_u64(c, key, arg, o->lo, o->hi, o->num);
	}
	return c->set ? c->set(c->ctx, key, arg) : EXIT_USAGE;
}

/* Returned by cmd_parse when the command should go on and run */
#define CMD_RUN		(-1)

/*
 * Parses @argv (argv[0] is the command name): -h/--help prints the usage
 * and returns 0; an unknown option, a value c->set refuses or a wrong
 * number of positional arguments returns EXIT_USAGE; otherwise CMD_RUN
 * with optind at the first positional argument.
 */
static int cmd_parse(const struct cmd *c, int argc, char **argv)
{
	struct option longopts[MAX_OPTS + 2];
	char shortopts[2 * MAX_OPTS + 3] = "h";
	unsigned int i, n = 1, nargs;
	int key, ret;

	for (i = 0; i < c->nr_opts && i < MAX_OPTS; i++) {
		const struct cmd_opt *o = &c->opts[i];

		longopts[i] = (struct option){ o->name, o->arg ?
			required_argument : no_argument, NULL, o->key };
		if (o->key >= OPT_LONG)
			continue;
		shortopts[n++] = o->key;
		if (o->arg)
			shortopts[n++] = ':';
	}
	shortopts[n] = '\0';
	longopts[i++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[i] = (struct option){ NULL, 0, NULL, 0 };

	optind = 1;
	while ((key = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (key == 'h') {
			cmd_usage(c, stdout);
			return 0;
		}
		if (key == '?' || key == ':') {
			cmd_usage(c, stderr);
			return EXIT_USAGE;
		}
		ret = cmd_option(c, key, optarg);
		if (ret)
			return ret;
	}
	nargs = argc - optind;
	if (nargs > c->max_args) {
		err("%s: unexpected argument \"%s\" (see %s %s --help)",
		    c->name, argv[optind + c->max_args], prog, c->name);
		return EXIT_USAGE;
	}
	if (nargs < c->min_args) {
		err("%s: wants %s (see %s %s --help)", c->name, c->synopsis,
		    prog, c->name);
		return EXIT_USAGE;
	}
	return CMD_RUN;
}

/* Command @c on @argv (argv[0] its name): its exit status */
int cmd_run(const struct cmd *c, int argc, char **argv)
{
	int ret = cmd_parse(c, argc, argv);

	return ret != CMD_RUN ? ret : c->run(c->ctx, argc - optind,
					     argv + optind);
}

static int opt_range(const struct cmd *c, int key, bool ok,
		     unsigned long long lo, unsigned long long hi,
		     unsigned long long v)
{
	if (ok && v >= lo && v <= hi)
		return 0;
	if (hi == ~0ULL)
		err("%s: %s wants a number of at least %llu", c->name,
		    opt_name(c, key), lo);
	else
		err("%s: %s wants %llu..%llu", c->name, opt_name(c, key), lo,
		    hi);
	return EXIT_USAGE;
}

/* @arg by @parse, in @lo..@hi, into *@out, or EXIT_USAGE after a message */
static int opt_parsed(const struct cmd *c, int key, const char *arg,
		      bool (*parse)(const char *s, __u64 *out),
		      unsigned long long lo, unsigned long long hi, __u64 *out)
{
	__u64 v = 0;
	bool ok = parse(arg, &v);
	int ret = opt_range(c, key, ok, lo, hi, v);

	if (!ret)
		*out = v;
	return ret;
}

/* @arg as a number in @lo..@hi into *@out, or EXIT_USAGE after a message */
int opt_u64(const struct cmd *c, int key, const char *arg,
	    unsigned long long lo, unsigned long long hi, __u64 *out)
{
	return opt_parsed(c, key, arg, parse_u64, lo, hi, out);
}

/* The same with K/M/G suffixes allowed */
int opt_size(const struct cmd *c, int key, const char *arg,
	     unsigned long long lo, unsigned long long hi, __u64 *out)
{
	return opt_parsed(c, key, arg, parse_size, lo, hi, out);
}

/* numbers and names */

bool parse_u64(const char *s, __u64 *out)
{
	char *end;

	errno = 0;
	if (*s == '-')
		return false;
	*out = strtoull(s, &end, 0);
	return !errno && end != s && !*end;
}

/* 4096, 4K, 2M, 0x1000 */
bool parse_size(const char *s, __u64 *out)
{
	static const char units[] = "kmg";
	unsigned long long v;
	unsigned int shift = 0;
	const char *u;
	char *end;

	errno = 0;
	if (*s == '-')
		return false;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	if (*end) {
		u = strchr(units, *end | 0x20);
		if (!u || end[1])
			return false;
		shift = 10 * (u - units + 1);
	}
	if (v > (~0ULL >> shift))
		return false;
	*out = v << shift;
	return true;
}

/* "4096 (4 KiB)", "1536 (1.5 KiB)", "100 B" */
const char *human(__u64 bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	double v = bytes;
	int u = -1;

	if (bytes < KiB) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v == (double)(__u64)v)
		snprintf(buf, len, "%llu (%llu %s)", (unsigned long long)bytes,
			 (unsigned long long)v, unit[u]);
	else
		snprintf(buf, len, "%llu (%.1f %s)", (unsigned long long)bytes,
			 v, unit[u]);
	return buf;
}

/* 512, 1.5K, 12K, 3.2M: binary units */
const char *hum(double v, char *b, size_t n)
{
	static const char unit[] = "KMGTPE";
	int u = -1;

	if (v < 0) {
		snprintf(b, n, "-");
		return b;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(b, n, "%.0f", v);
	else
		snprintf(b, n, v < 10 ? "%.1f%c" : "%.0f%c", v, unit[u]);
	return b;
}

/* /dev/jmod */

bool module_loaded(void)
{
	struct stat st;

	return !stat(MODULE_DIR, &st);
}

/* Opens /dev/jmod (jmod_dev_open()) or exits with a one-line reason */
int open_dev(void)
{
	int fd = jmod_dev_open(), e = -fd;

	if (fd >= 0)
		return fd;
	if (jmod_dev_missing(e)) {
		if (module_loaded())
			err("jmod not loaded: %s: %s (%s exists but the device node is missing: is devtmpfs mounted?)",
			    JMOD_DEVICE, strerror(e), MODULE_DIR);
		else
			err("jmod not loaded: %s: %s (insmod " JMOD_MODULE_NAME ".ko)",
			    JMOD_DEVICE, strerror(e));
		exit(EXIT_NODEV);
	}
	if (e == EACCES || e == EPERM) {
		err("%s: %s (root only: run jmodctl as root)", JMOD_DEVICE,
		    strerror(e));
		exit(EXIT_PERM);
	}
	err("%s: %s", JMOD_DEVICE, strerror(e));
	exit(EXIT_FAILURE);
}

/* @fn on a fresh /dev/jmod fd (exits if there is none): its return */
int with_dev(int (*fn)(int fd, void *arg), void *arg)
{
	int fd = open_dev(), ret = fn(fd, arg);

	close(fd);
	return ret;
}

/* jmod_dev_ioctl() that names @what and the error when it fails */
int ioctl_or_err(int fd, unsigned long cmd, const char *what, void *arg)
{
	int ret = jmod_dev_ioctl(fd, cmd, arg);

	if (ret)
		err("%s: %s", what, strerror(-ret));
	return ret;
}

/* JMOD_IOC_VERSION on a fresh fd; exits if there is no /dev/jmod */
int dev_version(struct jmod_version *v)
{
	int fd = open_dev(), ret = jmod_dev_version(fd, v);

	if (ret)
		err("JMOD_IOC_VERSION: %s", strerror(-ret));
	close(fd);
	return ret;
}

/* debugfs */

/* Is @path on a mounted debugfs? */
static bool debugfs_mounted(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == DEBUGFS_MAGIC_NR;
}

/* Checks that jmod's debugfs directory is there; exits with the reason */
void need_debugfs(void)
{
	struct stat st;
	int e;

	if (!stat(JMOD_DEBUGFS, &st))
		return;
	e = errno;
	if (!module_loaded()) {
		err("jmod not loaded: %s missing (insmod " JMOD_MODULE_NAME ".ko)",
		    MODULE_DIR);
		exit(EXIT_NODEV);
	}
	if (e == EACCES || e == EPERM) {
		err("%s: %s (root only: run jmodctl as root)", JMOD_DEBUGFS,
		    strerror(e));
		exit(EXIT_PERM);
	}
	if (!debugfs_mounted(DEBUGFS_DIR)) {
		err("debugfs not mounted on %s (mount -t debugfs none %s)",
		    DEBUGFS_DIR, DEBUGFS_DIR);
		exit(EXIT_NODEBUGFS);
	}
	err("%s: %s (" JMOD_MODULE_NAME " is loaded but has no debugfs directory)",
	    JMOD_DEBUGFS, strerror(e));
	exit(EXIT_FAILURE);
}

/* Exits after a failed read or write of a debugfs file */
static void debugfs_fail(const char *what, const char *name, int e)
{
	err("%s %s/%s: %s%s", what, JMOD_DEBUGFS, name, strerror(e),
	    e == EACCES || e == EPERM ? " (root only: run jmodctl as root)" :
	    "");
	exit(e == EACCES || e == EPERM ? EXIT_PERM : EXIT_FAILURE);
}

/* Whole file (jmod_debugfs_read()), NUL-terminated, malloc'ed; exits on failure */
char *read_debugfs(const char *name, size_t *lenp)
{
	char *buf;

	need_debugfs();
	buf = jmod_debugfs_read(name, lenp);
	if (!buf)
		debugfs_fail("read", name, errno);
	return buf;
}

/* Debugfs JSON file @name parsed, or NULL after a message */
struct json *read_debugfs_json(const char *name)
{
	char msg[128];
	size_t len;
	char *buf = read_debugfs(name, &len);
	struct json *j = json_parse(buf, len, msg, sizeof(msg));

	free(buf);
	if (!j)
		err("%s/%s does not parse: %s", JMOD_DEBUGFS, name, msg);
	return j;
}

/* Writes @val to knob @name: 0, or EXIT_USAGE when the kernel said EINVAL */
int write_knob(const char *name, const char *val)
{
	int ret;

	need_debugfs();
	ret = jmod_knob_write(name, val);
	if (ret == -EINVAL) {
		err("%s: the kernel refused \"%s\": %s", name, val,
		    strerror(-ret));
		return EXIT_USAGE;
	}
	if (ret)
		debugfs_fail("write", name, -ret);
	return 0;
}

/* Knob @name as a number (jmod_knob_read()); exits on failure */
unsigned long long read_knob(const char *name)
{
	unsigned long long v;
	int ret;

	need_debugfs();
	ret = jmod_knob_read(name, &v);
	if (ret)
		debugfs_fail("read", name, -ret);
	return v;
}

/* Copies debugfs JSON file @name to stdout once it parses */
int print_json_file(const char *name)
{
	char msg[128];
	struct json *j;
	size_t len;
	char *buf = read_debugfs(name, &len);

	j = json_parse(buf, len, msg, sizeof(msg));
	if (!j) {
		err("%s/%s does not parse: %s", JMOD_DEBUGFS, name, msg);
		free(buf);
		return EXIT_FAILURE;
	}
	json_free(j);
	fwrite(buf, 1, len, stdout);
	free(buf);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}
