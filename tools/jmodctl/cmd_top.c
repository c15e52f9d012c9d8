// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_top.c: "jmodctl top", a refreshing view of the busiest size
 * classes.  Options first; then each refresh reads the bins and large
 * tables (table.c) into top_class records, turns the counters' change
 * since the last read into rates per second, sorts the active classes
 * and prints one frame (ANSI clear only on a terminal, which is put in
 * raw mode so that q quits).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "jmodctl.h"

#define TOP_MAX_CLASSES	256

struct top_class {
	char size[16];
	const char *kind;
	double cur, allocated, nmalloc, ndalloc, nrequests, requested;
};

struct top_row {
	const struct top_class *c;
	double rate[4];		/* nmalloc, ndalloc, nrequests, requested /s */
};

static const char *const top_cols[] = {
	"nmalloc/s", "ndalloc/s", "nrequests/s", "requested/s", "cur",
	"allocated", "size",
};

static const struct cmd_opt top_opts[] = {
	OPT('d', "delay", "SECS",
	    "seconds between refreshes (default 2,\nat least 0.1, at most 3600)"),
	OPT('s', "sort", "COLUMN",
	    "nrequests/s (default), nmalloc/s,\nndalloc/s, requested/s, cur, allocated\nor size (the /s may be left out)"),
	OPT('n', "iterations", "N",
	    "exit after N refreshes (no terminal\nneeded)"),
};

static unsigned int top_read(struct top_class *out, unsigned int max)
{
	static const char *const files[] = { "bins", "large" };
	unsigned int f, r, n = 0;
	struct table t;

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		table_read(files[f], &t);
		for (r = 0; r < t.nrows && n < max; r++, n++) {
			struct top_class *c = &out[n];
			int sc = table_col(&t, "size");
			bool huge = sc >= 0 && !strcmp(t.row[r][sc], "huge");

			snprintf(c->size, sizeof(c->size), "%s",
				 sc >= 0 ? t.row[r][sc] : "?");
			c->kind = f == 0 ? "small" : huge ? "huge" : "large";
			c->cur = table_num(&t, r, f == 0 ? "curregs" : "curruns");
			c->allocated = table_num(&t, r, "allocated");
			c->nmalloc = table_num(&t, r, "nmalloc");
			c->ndalloc = table_num(&t, r, "ndalloc");
			c->nrequests = table_num(&t, r, "nrequests");
			c->requested = table_num(&t, r, "requested");
		}
		table_free(&t);
	}
	return n;
}

/* Per-second rate; a counter that went down was reset: count from 0 */
static double rate(double now, double before, double secs)
{
	return (now >= before ? now - before : now) / secs;
}

static int top_sort_col;

static double top_key(const struct top_row *r)
{
	switch (top_sort_col) {
	case 0:
	case 1:
	case 2:
	case 3:
		return r->rate[top_sort_col];
	case 4:
		return r->c->cur;
	case 5:
		return r->c->allocated;
	default:
		return -cell_num(r->c->size);	/* smallest first */
	}
}

static int top_cmp(const void *a, const void *b)
{
	double x = top_key(a), y = top_key(b);

	return x > y ? -1 : x < y;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct termios top_saved_tio;
static bool top_raw;

static void top_restore(void)
{
	if (top_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &top_saved_tio);
	top_raw = false;
}

static void top_signal(int sig)
{
	top_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void top_raw_mode(void)
{
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &top_saved_tio))
		return;
	tio = top_saved_tio;
	tio.c_lflag &= ~(ICANON | ECHO);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &tio))
		return;
	top_raw = true;
	atexit(top_restore);
	signal(SIGINT, top_signal);
	signal(SIGTERM, top_signal);
	signal(SIGHUP, top_signal);
}

/* Waits @secs; true if the user pressed q */
static bool top_wait(double secs)
{
	double end = now_s() + secs, left;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	char ch;

	while ((left = end - now_s()) > 0) {
		if (!top_raw) {
			struct timespec ts = {
				.tv_sec = (time_t)left,
				.tv_nsec = (long)((left - (time_t)left) * 1e9),
			};

			nanosleep(&ts, NULL);
			continue;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		if (read(STDIN_FILENO, &ch, 1) == 1 && (ch == 'q' || ch == 'Q'))
			return true;
	}
	return false;
}

static unsigned int top_lines(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
	    ws.ws_row > 8)
		return ws.ws_row - 6;
	return 25;
}

/* The active classes' rates, busiest first; returns how many */
static unsigned int top_rows(struct top_row *rows, const struct top_class *now,
			     const struct top_class *prev, unsigned int n,
			     double secs)
{
	unsigned int i, nr = 0;

	for (i = 0; i < n; i++) {
		struct top_row *r = &rows[nr];

		r->c = &now[i];
		r->rate[0] = rate(now[i].nmalloc, prev[i].nmalloc, secs);
		r->rate[1] = rate(now[i].ndalloc, prev[i].ndalloc, secs);
		r->rate[2] = rate(now[i].nrequests, prev[i].nrequests, secs);
		r->rate[3] = rate(now[i].requested, prev[i].requested, secs);
		if (r->rate[0] > 0 || r->rate[1] > 0 || r->rate[2] > 0 ||
		    now[i].cur > 0)
			nr++;
	}
	qsort(rows, nr, sizeof(rows[0]), top_cmp);
	return nr;
}

/* Title lines: period, refresh count, sort key, mapped and cached (stats.json) */
static void top_header(double delay, unsigned long it, unsigned long iters,
		       unsigned int nr)
{
	struct json *j = read_debugfs_json("stats.json");
	unsigned long long mapped = j ? jmod_num(j, "summary.mapped") : 0;
	unsigned long long cached = j ? jmod_num(j, "summary.tcache_cached") : 0;
	char b[2][32], its[32];

	json_free(j);
	if (isatty(STDOUT_FILENO))
		printf("\033[H\033[2J");
	if (iters)
		snprintf(its, sizeof(its), "%lu/%lu", it, iters);
	else
		snprintf(its, sizeof(its), "%lu", it);
	printf("jmodctl top - every %.1f s, refresh %s, by %s%s\n", delay, its,
	       top_cols[top_sort_col], top_raw ? " (q quits)" : "");
	printf("mapped %s  tcache_cached %s  active classes %u\n\n",
	       hum(mapped, b[0], sizeof(b[0])),
	       hum(cached, b[1], sizeof(b[1])), nr);
}

static void top_frame(const struct top_class *now, const struct top_class *prev,
		      unsigned int n, double secs, double delay,
		      unsigned long it, unsigned long iters)
{
	static struct top_row rows[TOP_MAX_CLASSES];
	unsigned int i, nr = top_rows(rows, now, prev, n, secs);
	unsigned int lines = top_lines();
	char b[2][32];

	top_header(delay, it, iters, nr);
	printf("%-6s %8s %10s %10s %12s %12s %12s %12s\n", "kind", "size",
	       "cur", "allocated", "nmalloc/s", "ndalloc/s", "nrequests/s",
	       "requested/s");
	for (i = 0; i < nr && i < lines; i++) {
		const struct top_row *r = &rows[i];

		printf("%-6s %8s %10.0f %10s %12.1f %12.1f %12.1f %12s\n",
		       r->c->kind, r->c->size, r->c->cur,
		       hum(r->c->allocated, b[0], sizeof(b[0])), r->rate[0],
		       r->rate[1], r->rate[2],
		       hum(r->rate[3], b[1], sizeof(b[1])));
	}
	if (nr > lines)
		printf("... %u more\n", nr - lines);
	fflush(stdout);
}

struct top_opts {
	double delay;
	unsigned long iters;
	int sort_col;		/* into top_cols[] */
};

/* A column of top_cols[], the "/s" optional; -1 if none */
static int top_col(const char *name)
{
	size_t l = strlen(name);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(top_cols); i++)
		if (!strcmp(name, top_cols[i]) ||
		    (!strncmp(name, top_cols[i], l) &&
		     !strcmp(top_cols[i] + l, "/s")))
			return i;
	return -1;
}

static int top_set(void *ctx, int key, const char *arg)
{
	struct top_opts *o = ctx;
	char *end;
	__u64 v;

	switch (key) {
	case 'd':
		errno = 0;
		o->delay = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->delay >= 0.1) ||
		    o->delay > 3600) {
			err("top: -d/--delay wants seconds, 0.1 to 3600");
			return EXIT_USAGE;
		}
		break;
	case 's':
		o->sort_col = top_col(arg);
		if (o->sort_col < 0) {
			err("top: cannot sort by \"%s\" (see %s top --help)",
			    arg, prog);
			return EXIT_USAGE;
		}
		break;
	case 'n':
		if (opt_u64(&cmd_top, key, arg, 1, ~0UL, &v))
			return EXIT_USAGE;
		o->iters = v;
		break;
	}
	return 0;
}

/* Refreshes until q or @o->iters frames */
static int top_loop(const struct top_opts *o)
{
	static struct top_class a[TOP_MAX_CLASSES], b[TOP_MAX_CLASSES];
	struct top_class *now = a, *prev = b, *tmp;
	unsigned long it;
	unsigned int n;
	double t0, t1;

	top_raw_mode();
	n = top_read(prev, TOP_MAX_CLASSES);
	t0 = now_s();
	for (it = 1; !o->iters || it <= o->iters; it++) {
		if (top_wait(o->delay))
			break;
		if (top_read(now, TOP_MAX_CLASSES) != n) {
			err("top: the class tables changed size");
			return EXIT_FAILURE;
		}
		t1 = now_s();
		top_frame(now, prev, n, t1 - t0 > 0 ? t1 - t0 : o->delay,
			  o->delay, it, o->iters);
		t0 = t1;
		tmp = prev;
		prev = now;
		now = tmp;
	}
	top_restore();
	return 0;
}

static struct top_opts top_o = { .delay = 2, .sort_col = 2 };

static int top_run(void *ctx, int argc, char **argv)
{
	const struct top_opts *o = ctx;

	top_sort_col = o->sort_col;
	need_debugfs();
	return top_loop(o);
}

JMODCTL_CMD(top, "[-d SECS] [-s COLUMN] [-n N]",
	    "refreshing view of the busiest size classes",
	    "Refreshing view of the busiest size classes, from successive\n"
	    "reads of " JMOD_DEBUGFS "/bins and large: events per second\n"
	    "and the live objects (cur: curregs or curruns) of each class.\n"
	    "Press q to quit (on a terminal); idle classes are not shown.\n",
	    top_run, CMD_OPTS(top_opts, top_set, &top_o));
