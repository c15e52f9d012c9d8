// SPDX-License-Identifier: GPL-2.0
/*
 * jmodctl: command line control of the jmod allocator through /dev/jmod
 * and its debugfs directory /sys/kernel/debug/jmod.
 *
 *   jmodctl stats [-a] [-s COL] [--json]   statistics tables (or stats.json)
 *   jmodctl top [-d SECS] [-s COL] [-n N]  busiest classes, rates per second
 *   jmodctl purge                          give every cached page back
 *   jmodctl decay [MS]                     print or set decay_ms
 *   jmodctl tcache [on|off]                print or switch the tcache
 *   jmodctl bench [options]                run JMOD_IOC_BENCH
 *   jmodctl replay [options] FILE          replay an ops trace, jmod vs kmalloc
 *   jmodctl prof [-n N] [--json]           sampled heap profile by call site
 *   jmodctl version                        allocator geometry
 *   jmodctl selftest [NAME|all]            list or run the in-kernel cases
 *   jmodctl demo [options]                 jmod vs kmalloc on one trace
 *
 * Exit status: 0 success, 1 failure, 2 usage error, 3 module not loaded
 * (no /dev/jmod or no /sys/module/jmalloc), 4 permission denied (not
 * root), 5 debugfs not mounted.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/jmod.h>

#include "json.h"

#define EXIT_USAGE	2
#define EXIT_NODEV	3
#define EXIT_PERM	4
#define EXIT_NODEBUGFS	5

#define DEBUGFS_DIR	"/sys/kernel/debug"
#define JMOD_DEBUGFS	DEBUGFS_DIR "/jmod"
#define MODULE_DIR	"/sys/module/jmalloc"
#define STATS_PATH	JMOD_DEBUGFS "/stats"
#define DEBUGFS_MAGIC_NR	0x64626720
#define DECAY_MS_MAX	(24U * 3600 * 1000)
#define QUIESCE		"quiesce"
#define MAX_CASES	1024

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define KiB		(1ULL << 10)
#define MiB		(1ULL << 20)

static const char *prog = "jmodctl";

static void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool module_loaded(void)
{
	struct stat st;

	return !stat(MODULE_DIR, &st);
}

/* Opens /dev/jmod or exits with a one-line reason */
static int open_dev(void)
{
	int fd = open(JMOD_DEVICE, O_RDWR | O_CLOEXEC);
	int e = errno;

	if (fd >= 0)
		return fd;
	switch (e) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		if (module_loaded())
			err("jmod not loaded: %s: %s (%s exists but the device node is missing: is devtmpfs mounted?)",
			    JMOD_DEVICE, strerror(e), MODULE_DIR);
		else
			err("jmod not loaded: %s: %s (insmod jmalloc.ko)",
			    JMOD_DEVICE, strerror(e));
		exit(EXIT_NODEV);
	case EACCES:
	case EPERM:
		err("%s: %s (root only: run jmodctl as root)", JMOD_DEVICE,
		    strerror(e));
		exit(EXIT_PERM);
	default:
		err("%s: %s", JMOD_DEVICE, strerror(e));
		exit(EXIT_FAILURE);
	}
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* "4096 (4 KiB)", "1536 (1.5 KiB)", "100 B" */
static const char *human(__u64 bytes, char *buf, size_t len)
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

static bool want_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

/* version */

static void usage_version(FILE *f)
{
	fprintf(f,
		"usage: %s version\n"
		"\n"
		"Print the allocator geometry reported by JMOD_IOC_VERSION:\n"
		"ABI version, page and chunk size, size class counts and\n"
		"limits, per-fd quotas, arenas and in-kernel test cases.\n",
		prog);
}

static int cmd_version(int argc, char **argv)
{
	struct jmod_version v;
	char b[64];
	int fd, ret;

	if (want_help(argc, argv)) {
		usage_version(stdout);
		return 0;
	}
	if (argc > 1) {
		usage_version(stderr);
		return EXIT_USAGE;
	}
	fd = open_dev();
	memset(&v, 0, sizeof(v));
	ret = xioctl(fd, JMOD_IOC_VERSION, &v);
	close(fd);
	if (ret) {
		err("JMOD_IOC_VERSION: %s", strerror(-ret));
		return EXIT_FAILURE;
	}

	printf("abi            %u%s\n", v.abi, v.abi == JMOD_ABI_VERSION ?
	       "" : "  (jmodctl was built for a different ABI)");
	printf("page_size      %s\n", human(v.page_size, b, sizeof(b)));
	printf("chunk_size     %s\n", human(v.chunk_size, b, sizeof(b)));
	printf("nr_small       %u size classes\n", v.nr_small);
	printf("nr_large       %u size classes\n", v.nr_large);
	printf("max_small      %s\n", human(v.max_small, b, sizeof(b)));
	printf("max_large      %s\n", human(v.max_large, b, sizeof(b)));
	if (v.tcache_max)
		printf("tcache_max     %s\n", human(v.tcache_max, b, sizeof(b)));
	else
		printf("tcache_max     0 (no tcache)\n");
	printf("max_alloc      %s\n", human(v.max_alloc, b, sizeof(b)));
	printf("quota_bytes    %s per fd\n",
	       human(v.quota_bytes, b, sizeof(b)));
	printf("quota_objects  %llu per fd\n",
	       (unsigned long long)v.quota_objects);
	printf("nr_arenas      %u\n", v.nr_arenas);
	printf("nr_selftests   %u\n", v.nr_selftests);
	return 0;
}

/* selftest */

struct tcase {
	__u32 id;
	char name[JMOD_SELFTEST_NAME_LEN + 1];
};

static void usage_selftest(FILE *f)
{
	fprintf(f,
		"usage: %s selftest [NAME|ID|all]\n"
		"\n"
		"Without an argument, list the in-kernel test cases.  With a\n"
		"case name or id, run that case; with \"all\", run every case\n"
		"(\"%s\", the leak check, always last).  Exits 1 if a case\n"
		"failed.\n",
		prog, QUIESCE);
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

static int cmd_selftest(int argc, char **argv)
{
	static struct tcase cases[MAX_CASES];
	int fd, n, i, failed = 0, quiesce = -1;
	const char *arg = argc > 1 ? argv[1] : NULL;

	if (want_help(argc, argv)) {
		usage_selftest(stdout);
		return 0;
	}
	if (argc > 2) {
		usage_selftest(stderr);
		return EXIT_USAGE;
	}
	fd = open_dev();
	n = list_cases(fd, cases, MAX_CASES);
	if (n < 0) {
		err("JMOD_IOC_SELFTEST: %s", strerror(-n));
		close(fd);
		return EXIT_FAILURE;
	}

	if (!arg) {
		printf("%-4s %s\n", "ID", "NAME");
		for (i = 0; i < n; i++)
			printf("%-4u %s\n", cases[i].id, cases[i].name);
		close(fd);
		return 0;
	}

	if (strcmp(arg, "all")) {
		char *end;
		unsigned long id = strtoul(arg, &end, 0);

		for (i = 0; i < n; i++)
			if (!strcmp(cases[i].name, arg) ||
			    (!*end && end != arg && id == cases[i].id))
				break;
		if (i == n) {
			err("no in-kernel test case \"%s\" (list them: %s selftest)",
			    arg, prog);
			close(fd);
			return EXIT_USAGE;
		}
		failed = !run_case(fd, &cases[i]);
		close(fd);
		return failed ? EXIT_FAILURE : 0;
	}

	for (i = 0; i < n; i++) {
		if (!strcmp(cases[i].name, QUIESCE)) {
			quiesce = i;
			continue;
		}
		failed += !run_case(fd, &cases[i]);
	}
	if (quiesce >= 0)
		failed += !run_case(fd, &cases[quiesce]);
	close(fd);
	printf("%d of %d cases passed\n", n - failed, n);
	return failed ? EXIT_FAILURE : 0;
}

/* demo */

#define DEMO_OPS	20000
#define DEMO_ROUNDS	3
#define DEMO_SLOTS	2048
#define DEMO_SEED	0x6a6d6f64ULL

static void usage_demo(FILE *f)
{
	fprintf(f,
		"usage: %s demo [-n OPS] [-r ROUNDS] [-s SEED]\n"
		"\n"
		"Replay one deterministic alloc/free trace through JMOD_IOC_BATCH,\n"
		"on the jmod backend and on plain kmalloc, and compare the time\n"
		"the kernel spent and the pages each took from the page allocator\n"
		"at the peak (every replay starts cold: jmod purged, every slab\n"
		"cache shrunk).  Sizes follow a kernel-like mix from 8 B to\n"
		"64 KiB plus a few objects of 1 MiB and more.\n"
		"\n"
		"  -n OPS     operations per replay (default %d, at most %u)\n"
		"  -r ROUNDS  replays per backend; the best is kept (default %d)\n"
		"  -s SEED    trace seed (default %#llx)\n"
		"\n"
		"Under QEMU TCG absolute times are meaningless; only the\n"
		"jmod/kmalloc ratio means anything.  Afterwards prints\n"
		"%s if it is readable.\n",
		prog, DEMO_OPS, JMOD_BATCH_MAX, DEMO_ROUNDS,
		(unsigned long long)DEMO_SEED, STATS_PATH);
}

/* splitmix64 */
static __u64 rnd(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 rnd_range(__u64 *s, __u64 lo, __u64 hi)
{
	return lo + rnd(s) % (hi - lo + 1);
}

/* A kmalloc-like request mix; *big is set for the 1 MiB+ ones */
static __u64 demo_size(__u64 *s, bool *big)
{
	unsigned int x = rnd(s) % 10000;

	*big = false;
	if (x < 4000)
		return rnd_range(s, 8, 64);
	if (x < 6500)
		return rnd_range(s, 65, 256);
	if (x < 8000)
		return rnd_range(s, 257, 1024);
	if (x < 9200)
		return rnd_range(s, 1025, 4096);
	if (x < 9990)
		return rnd_range(s, 4097, 64 * KiB);
	*big = true;
	return rnd_range(s, MiB, 2 * MiB);
}

struct demo_trace {
	struct jmod_op *ops;
	unsigned int n, allocs, big;
};

/*
 * Exactly @n (even) ops of alloc/free over DEMO_SLOTS slots, ending with
 * every slot empty so a replay can follow another.
 */
static int demo_build(struct demo_trace *t, unsigned int n, __u64 seed)
{
	unsigned int live[DEMO_SLOTS], empty[DEMO_SLOTS];
	unsigned int nlive = 0, nempty = DEMO_SLOTS, i, k, s;

	t->ops = calloc(n, sizeof(*t->ops));
	if (!t->ops)
		return -ENOMEM;
	t->n = n;
	t->allocs = t->big = 0;
	for (i = 0; i < DEMO_SLOTS; i++)
		empty[i] = i;

	for (i = 0; i < n; i++) {
		unsigned int left = n - i;
		struct jmod_op *op = &t->ops[i];
		bool alloc, big;

		if (!nlive)
			alloc = true;
		else if (nlive + 2 > left || !nempty)
			alloc = false;
		else
			alloc = rnd(&seed) % 100 < (nlive < DEMO_SLOTS / 2 ?
						    55 : 45);

		memset(op, 0, sizeof(*op));
		if (alloc) {
			k = rnd(&seed) % nempty;
			s = empty[k];
			empty[k] = empty[--nempty];
			live[nlive++] = s;
			op->op = JMOD_OP_ALLOC;
			op->slot = s;
			op->size = demo_size(&seed, &big);
			t->allocs++;
			t->big += big;
		} else {
			k = rnd(&seed) % nlive;
			s = live[k];
			live[k] = live[--nlive];
			empty[nempty++] = s;
			op->op = JMOD_OP_FREE;
			op->slot = s;
		}
	}
	return nlive ? -EINVAL : 0;
}

static const char *backend_name(__u32 backend)
{
	return backend == JMOD_BACKEND_JMOD ? "jmod" : "kmalloc";
}

/* Writes "1" to @path; false when it cannot be written */
static bool poke(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, "1", 1) == 1;
	close(fd);
	return ok;
}

/*
 * Start cold on both sides: jmod purged, every slab cache's empty slabs
 * back (/sys/kernel/slab/<cache>/shrink).  False when jmod could not be
 * purged (no debugfs): the pages figures then favour kmalloc.
 */
static bool demo_cold(void)
{
	char path[512];
	struct dirent *de;
	bool ok = poke(JMOD_DEBUGFS "/purge");
	DIR *d = opendir("/sys/kernel/slab");

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 de->d_name);
		poke(path);
	}
	if (d)
		closedir(d);
	return ok;
}

struct demo_pages {
	long long peak;		/* pages taken at the peak of the replay */
	long long end;		/* ... still held after it */
	__u32 policy;
};

static const char *policy_str(__u32 policy)
{
	static char buf[48];

	snprintf(buf, sizeof(buf), "init_on_alloc=%d init_on_free=%d",
		 !!(policy & JMOD_POLICY_INIT_ON_ALLOC),
		 !!(policy & JMOD_POLICY_INIT_ON_FREE));
	return buf;
}

/*
 * One replay, started cold, pages sampled by the kernel; returns the
 * kernel's elapsed_ns or 0 after an error
 */
static __u64 demo_replay(int fd, struct demo_trace *t, __u32 backend,
			 struct demo_pages *pg)
{
	struct jmod_pages base;
	struct jmod_batch b;
	const struct jmod_op *op;
	int ret;

	demo_cold();
	memset(&base, 0, sizeof(base));
	ret = xioctl(fd, JMOD_IOC_PAGES, &base);
	if (ret) {
		err("JMOD_IOC_PAGES: %s", strerror(-ret));
		return 0;
	}
	memset(&b, 0, sizeof(b));
	b.ops = (__u64)(uintptr_t)t->ops;
	b.count = t->n;
	b.backend = backend;
	b.flags = JMOD_BATCH_PAGES;
	ret = xioctl(fd, JMOD_IOC_BATCH, &b);
	pg->peak = (long long)base.free_pages - (long long)b.min_free_pages;
	pg->end = (long long)base.free_pages - (long long)b.end_free_pages;
	pg->policy = b.policy;
	if (ret) {
		err("JMOD_IOC_BATCH (%s): %s", backend_name(backend),
		    strerror(-ret));
		return 0;
	}
	if (b.done != t->n) {
		op = &t->ops[b.done < t->n ? b.done : 0];
		err("%s: op %u of %u (%s slot %llu size %llu) failed: %s",
		    backend_name(backend), b.done, t->n,
		    op->op == JMOD_OP_ALLOC ? "alloc" : "free",
		    (unsigned long long)op->slot,
		    (unsigned long long)op->size,
		    strerror((int)-op->result));
		return 0;
	}
	return b.elapsed_ns ? b.elapsed_ns : 1;
}

static void print_stats(void)
{
	char buf[4096];
	size_t len;
	FILE *f;

	f = fopen(STATS_PATH, "r");
	if (!f) {
		printf("\n(%s: %s; debugfs not mounted?)\n", STATS_PATH,
		       strerror(errno));
		return;
	}
	printf("\n--- %s ---\n", STATS_PATH);
	while ((len = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, len, stdout);
	fclose(f);
}

static bool parse_u64(const char *s, __u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && end != s && !*end;
}

static int cmd_demo(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const __u32 backends[] = {
		JMOD_BACKEND_JMOD, JMOD_BACKEND_KMALLOC,
	};
	__u64 n = DEMO_OPS, rounds = DEMO_ROUNDS, seed = DEMO_SEED;
	__u64 best[2] = { 0, 0 }, total[2] = { 0, 0 };
	long long peak[2] = { 0, 0 }, end[2] = { 0, 0 };
	struct demo_pages pg = { 0 };
	struct demo_trace t;
	struct jmod_slots slots = { .nr_slots = DEMO_SLOTS };
	unsigned int r, i;
	int c, fd, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hn:r:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage_demo(stdout);
			return 0;
		case 'n':
			if (!parse_u64(optarg, &n) || n < 2 ||
			    n > JMOD_BATCH_MAX) {
				err("demo: -n wants 2..%u", JMOD_BATCH_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'r':
			if (!parse_u64(optarg, &rounds) || !rounds ||
			    rounds > 1000) {
				err("demo: -r wants 1..1000");
				return EXIT_USAGE;
			}
			break;
		case 's':
			if (!parse_u64(optarg, &seed)) {
				err("demo: -s wants a number");
				return EXIT_USAGE;
			}
			break;
		default:
			usage_demo(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_demo(stderr);
		return EXIT_USAGE;
	}
	n += n & 1;	/* even, so the trace can end empty */
	if (n > JMOD_BATCH_MAX)
		n -= 2;

	fd = open_dev();
	if (demo_build(&t, n, seed)) {
		err("demo: cannot build the trace");
		close(fd);
		return EXIT_FAILURE;
	}
	ret = xioctl(fd, JMOD_IOC_SLOTS, &slots);
	if (ret) {
		err("JMOD_IOC_SLOTS: %s", strerror(-ret));
		goto out;
	}

	printf("trace: %u ops (%u allocs, %u of 1 MiB+) over %d slots, seed %#llx, %llu rounds per backend\n",
	       t.n, t.allocs, t.big, DEMO_SLOTS, (unsigned long long)seed,
	       (unsigned long long)rounds);
	for (r = 0; r < rounds; r++) {
		printf("round %u:", r + 1);
		/* Alternate which backend goes first */
		for (i = 0; i < 2; i++) {
			unsigned int b = (i + r) % 2;
			__u64 ns = demo_replay(fd, &t, backends[b], &pg);

			if (!ns) {
				printf("\n");
				ret = -EIO;
				goto out;
			}
			if (!best[b] || ns < best[b])
				best[b] = ns;
			total[b] += ns;
			/* pages: the best (lowest) round, as for time */
			if (!r || pg.peak < peak[b])
				peak[b] = pg.peak;
			if (!r || pg.end < end[b])
				end[b] = pg.end;
			printf("  %-7s %10.3f ms %7.2f MiB", backend_name(backends[b]),
			       ns / 1e6, pg.peak * 4096.0 / (1 << 20));
		}
		printf("\n");
		fflush(stdout);
	}

	printf("\nzeroing policy: %s%s\n", policy_str(pg.policy),
	       pg.policy & JMOD_POLICY_INIT_ON_ALLOC ?
	       " (both back ends zero every object they hand out)" :
	       " (neither back end zeroes unasked)");
	printf("\n%-8s %8s %12s %12s %10s %14s %14s\n", "backend", "ops",
	       "best ms", "mean ms", "ns/op", "pages at peak", "pages after");
	for (i = 0; i < 2; i++)
		printf("%-8s %8u %12.3f %12.3f %10.1f %14lld %14lld\n",
		       backend_name(backends[i]), t.n, best[i] / 1e6,
		       total[i] / 1e6 / rounds, (double)best[i] / t.n,
		       peak[i], end[i]);
	printf("\njmod/kmalloc time ratio: %.3f (below 1: jmod faster)\n",
	       (double)best[0] / best[1]);
	if (peak[1] > 0)
		printf("jmod/kmalloc pages ratio at the peak: %.3f (below 1: jmod smaller; %.2f vs %.2f MiB)\n",
		       (double)peak[0] / peak[1], peak[0] * 4096.0 / (1 << 20),
		       peak[1] * 4096.0 / (1 << 20));
	printf("pages: free pages (MemFree + per-CPU lists) taken from the page allocator, each\n"
	       "replay started cold (jmod purged, every slab cache shrunk), best of %llu rounds.\n",
	       (unsigned long long)rounds);
	printf("note: under QEMU TCG the absolute times mean nothing; only the ratio does,\n"
	       "and with init_on_alloc=1 it favours jmod on 6.12 and later: its memset() of\n"
	       "large objects is emulated faster than the page allocator's clearing of\n"
	       "kmalloc's (README, Benchmarks).\n");
	print_stats();

out:
	free(t.ops);
	close(fd);
	return ret ? EXIT_FAILURE : 0;
}

/* debugfs access */

/* Is @path on a mounted debugfs? */
static bool debugfs_mounted(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == DEBUGFS_MAGIC_NR;
}

/* Checks that jmod's debugfs directory is there; exits with the reason */
static void need_debugfs(void)
{
	struct stat st;
	int e;

	if (!stat(JMOD_DEBUGFS, &st))
		return;
	e = errno;
	if (!module_loaded()) {
		err("jmod not loaded: %s missing (insmod jmalloc.ko)",
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
	err("%s: %s (jmalloc is loaded but has no debugfs directory)",
	    JMOD_DEBUGFS, strerror(e));
	exit(EXIT_FAILURE);
}

/* Exits after a failed open or I/O on a debugfs file */
static void debugfs_fail(const char *what, const char *name, int e)
{
	err("%s %s/%s: %s%s", what, JMOD_DEBUGFS, name, strerror(e),
	    e == EACCES || e == EPERM ? " (root only: run jmodctl as root)" :
	    "");
	exit(e == EACCES || e == EPERM ? EXIT_PERM : EXIT_FAILURE);
}

/* Whole file, NUL-terminated, malloc'ed; exits on failure */
static char *read_debugfs(const char *name, size_t *lenp)
{
	char path[256], *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	need_debugfs();
	snprintf(path, sizeof(path), "%s/%s", JMOD_DEBUGFS, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		debugfs_fail("open", name, errno);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 16384;
			nb = realloc(buf, cap);
			if (!nb) {
				err("out of memory");
				exit(EXIT_FAILURE);
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			debugfs_fail("read", name, errno);
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/* Writes @val to knob @name: 0, or EXIT_USAGE when the kernel said EINVAL */
static int write_knob(const char *name, const char *val)
{
	char path[256];
	ssize_t n;
	int fd, e;

	need_debugfs();
	snprintf(path, sizeof(path), "%s/%s", JMOD_DEBUGFS, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		debugfs_fail("open", name, errno);
	n = write(fd, val, strlen(val));
	e = errno;
	close(fd);
	if (n == (ssize_t)strlen(val))
		return 0;
	if (n >= 0)
		e = EIO;
	if (e == EINVAL) {
		err("%s: the kernel refused \"%s\": %s", name, val,
		    strerror(e));
		return EXIT_USAGE;
	}
	debugfs_fail("write", name, e);
	return EXIT_FAILURE;
}

static unsigned long long read_knob(const char *name)
{
	char *buf = read_debugfs(name, NULL);
	unsigned long long v = strtoull(buf, NULL, 0);

	free(buf);
	return v;
}

/* Tables: the header line names the columns, one row per line */

struct table {
	char *buf;
	char **col;
	unsigned int ncols;
	char ***row;		/* row[r][c] */
	unsigned int nrows;
};

static unsigned int split_ws(char *line, char **tok, unsigned int max)
{
	unsigned int n = 0;
	char *save, *t;

	for (t = strtok_r(line, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n < max)
			tok[n] = t;
		n++;
	}
	return n;
}

#define TABLE_MAX_COLS	32

/* Reads debugfs file @name as a table; exits on failure */
static void table_read(const char *name, struct table *t)
{
	char *tok[TABLE_MAX_COLS], *line, *save;
	unsigned int n;

	memset(t, 0, sizeof(*t));
	t->buf = read_debugfs(name, NULL);
	for (line = strtok_r(t->buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		n = split_ws(line, tok, TABLE_MAX_COLS);
		if (!n || n > TABLE_MAX_COLS)
			continue;
		if (!t->ncols) {
			t->ncols = n;
			t->col = calloc(n, sizeof(*t->col));
			if (!t->col)
				goto nomem;
			memcpy(t->col, tok, n * sizeof(*tok));
			continue;
		}
		if (n != t->ncols)
			continue;
		t->row = realloc(t->row, (t->nrows + 1) * sizeof(*t->row));
		if (!t->row)
			goto nomem;
		t->row[t->nrows] = calloc(n, sizeof(char *));
		if (!t->row[t->nrows])
			goto nomem;
		memcpy(t->row[t->nrows], tok, n * sizeof(*tok));
		t->nrows++;
	}
	if (!t->ncols) {
		err("%s/%s: no header line", JMOD_DEBUGFS, name);
		exit(EXIT_FAILURE);
	}
	return;
nomem:
	err("out of memory");
	exit(EXIT_FAILURE);
}

static void table_free(struct table *t)
{
	unsigned int r;

	for (r = 0; r < t->nrows; r++)
		free(t->row[r]);
	free(t->row);
	free(t->col);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static int table_col(const struct table *t, const char *name)
{
	unsigned int c;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(t->col[c], name))
			return c;
	return -1;
}

/* Cell as a number; -1 for "-" and other non-numbers */
static double cell_num(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	return end == s || *end ? -1 : v;
}

static double table_num(const struct table *t, unsigned int r,
			const char *col)
{
	int c = table_col(t, col);

	return c < 0 ? -1 : cell_num(t->row[r][c]);
}

/* 512, 1.5K, 12K, 3.2M: binary units */
static const char *hum(double v, char *b, size_t n)
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

static bool is_byte_col(const char *name)
{
	static const char *const cols[] = {
		"allocated", "requested", "ncached_bytes", "requested/s",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cols); i++)
		if (!strcmp(name, cols[i]))
			return true;
	return false;
}

/* geometry columns that do not make a row "busy" */
static bool is_key_col(const char *name)
{
	static const char *const cols[] = {
		"size", "ind", "regs", "pgs", "cpu", "node",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cols); i++)
		if (!strcmp(name, cols[i]))
			return true;
	return false;
}

static bool row_is_zero(const struct table *t, unsigned int r)
{
	unsigned int c;

	for (c = 0; c < t->ncols; c++)
		if (!is_key_col(t->col[c]) && cell_num(t->row[r][c]) > 0)
			return false;
	return true;
}

static const struct table *sort_table;
static int sort_colnr;
static bool sort_ascending;

static int row_cmp(const void *a, const void *b)
{
	char **ra = *(char ***)a, **rb = *(char ***)b;
	double x = cell_num(ra[sort_colnr]), y = cell_num(rb[sort_colnr]);
	int ind = table_col(sort_table, "ind");

	if (x != y)
		return (x < y) == sort_ascending ? -1 : 1;
	if (ind >= 0)
		return cell_num(ra[ind]) < cell_num(rb[ind]) ? -1 :
		       cell_num(ra[ind]) > cell_num(rb[ind]);
	return 0;
}

static void table_sort(struct table *t, const char *col, bool ascending)
{
	int c = table_col(t, col);

	if (c < 0)
		return;
	sort_table = t;
	sort_colnr = c;
	sort_ascending = ascending;
	qsort(t->row, t->nrows, sizeof(*t->row), row_cmp);
}

/* Prints @t right-aligned, byte columns in human units; all rows if @all */
static void table_print(const struct table *t, const char *title, bool all)
{
	unsigned int w[TABLE_MAX_COLS], r, c, shown = 0, hidden = 0;
	char b[32];
	const char *s;

	for (c = 0; c < t->ncols; c++)
		w[c] = strlen(t->col[c]);
	for (r = 0; r < t->nrows; r++) {
		if (!all && row_is_zero(t, r))
			continue;
		for (c = 0; c < t->ncols; c++) {
			s = t->row[r][c];
			if (is_byte_col(t->col[c]) && cell_num(s) >= 0)
				s = hum(cell_num(s), b, sizeof(b));
			if (strlen(s) > w[c])
				w[c] = strlen(s);
		}
	}
	printf("%s\n", title);
	for (c = 0; c < t->ncols; c++)
		printf("%s%*s", c ? "  " : "", w[c], t->col[c]);
	printf("\n");
	for (r = 0; r < t->nrows; r++) {
		if (!all && row_is_zero(t, r)) {
			hidden++;
			continue;
		}
		shown++;
		for (c = 0; c < t->ncols; c++) {
			s = t->row[r][c];
			if (is_byte_col(t->col[c]) && cell_num(s) >= 0)
				s = hum(cell_num(s), b, sizeof(b));
			printf("%s%*s", c ? "  " : "", w[c], s);
		}
		printf("\n");
	}
	if (hidden)
		printf("(%u idle row%s hidden; -a shows them)\n", hidden,
		       hidden == 1 ? "" : "s");
	else if (!shown)
		printf("(no rows)\n");
}

/* stats */

static void usage_stats(FILE *f)
{
	fprintf(f,
		"usage: %s stats [-a] [-s COLUMN] [-r] [--json]\n"
		"\n"
		"Print jmod's statistics from %s: a summary,\n"
		"the small classes (bins), the large classes and huge objects,\n"
		"the arenas and the per-CPU tcaches, with byte counts in K/M/G\n"
		"(binary units).\n"
		"\n"
		"  -a, --all          also show idle rows (all counters zero)\n"
		"  -s, --sort COLUMN  sort the bins and large tables by COLUMN,\n"
		"                     largest first (default allocated); any\n"
		"                     column of the bins or large header:\n"
		"                     size allocated nmalloc ndalloc nrequests\n"
		"                     curregs curruns curslabs util nfills\n"
		"                     nflushes requested ...\n"
		"  -r, --reverse      smallest first\n"
		"  -j, --json         print stats.json instead (checked to parse)\n",
		prog, JMOD_DEBUGFS);
}

static int stats_json(void)
{
	char msg[128];
	struct json *j;
	size_t len;
	char *buf = read_debugfs("stats.json", &len);

	j = json_parse(buf, len, msg, sizeof(msg));
	if (!j) {
		err("%s/stats.json does not parse: %s", JMOD_DEBUGFS, msg);
		free(buf);
		return EXIT_FAILURE;
	}
	json_free(j);
	fwrite(buf, 1, len, stdout);
	free(buf);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}

static bool is_summary_bytes(const char *key)
{
	static const char *const keys[] = {
		"allocated:", "requested:", "active:", "mapped:", "retained:",
		"metadata:", "tcache_cached:",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

/* The summary block of the "stats" file, byte counts made human */
static void print_summary(void)
{
	char *buf = read_debugfs("stats", NULL), *line, *save, *val;
	char b[32], key[64];
	bool kinds = false;
	int n;

	printf("Summary\n");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "___", 3))
			continue;
		if (sscanf(line, "%63s %n", key, &n) != 1)
			continue;
		val = line + n;
		if (key[strlen(key) - 1] == ':' && !kinds) {
			if (is_summary_bytes(key))
				printf("  %-17s %8s  (%s)\n", key,
				       hum(strtod(val, NULL), b, sizeof(b)),
				       val);
			else
				printf("  %-17s %s\n", key, val);
			continue;
		}
		if (!strcmp(key, "allocated")) {
			kinds = true;
			printf("\n  %-8s %10s %12s %12s %12s %10s\n", "",
			       "allocated", "nmalloc", "ndalloc", "nrequests",
			       "requested");
			continue;
		}
		if (kinds && (!strcmp(key, "small") || !strcmp(key, "large") ||
			      !strcmp(key, "huge"))) {
			unsigned long long a, nm, nd, nr, rq;
			char b2[32];

			if (sscanf(val, "%llu %llu %llu %llu %llu", &a, &nm,
				   &nd, &nr, &rq) == 5)
				printf("  %-8s %10s %12llu %12llu %12llu %10s\n",
				       key, hum(a, b, sizeof(b)), nm, nd, nr,
				       hum(rq, b2, sizeof(b2)));
			continue;
		}
		if (!strcmp(key, "tcache:"))
			printf("\n  tcache %s\n", val);
	}
	free(buf);
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sort = "allocated", *lsort;
	bool all = false, json = false, rev = false;
	struct table bins, large, t;
	char title[128];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "as:rjh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 's':
			sort = optarg;
			break;
		case 'r':
			rev = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage_stats(stdout);
			return 0;
		default:
			usage_stats(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_stats(stderr);
		return EXIT_USAGE;
	}
	need_debugfs();
	if (json)
		return stats_json();

	table_read("bins", &bins);
	table_read("large", &large);
	/* curregs (bins) and curruns (large) are the same gauge */
	lsort = !strcmp(sort, "curregs") ? "curruns" : sort;
	if (!strcmp(sort, "curruns"))
		sort = "curregs";
	if (table_col(&bins, sort) < 0 && table_col(&large, lsort) < 0) {
		err("stats: no column \"%s\" in the bins or large tables",
		    sort);
		table_free(&bins);
		table_free(&large);
		return EXIT_USAGE;
	}
	print_summary();
	table_sort(&bins, sort, rev);
	table_sort(&large, lsort, rev);
	snprintf(title, sizeof(title), "\nBins (small classes), by %s%s",
		 table_col(&bins, sort) < 0 ? "ind" : sort,
		 rev ? ", smallest first" : "");
	table_print(&bins, title, all);
	snprintf(title, sizeof(title), "\nLarge classes and huge, by %s%s",
		 table_col(&large, lsort) < 0 ? "ind" : lsort,
		 rev ? ", smallest first" : "");
	table_print(&large, title, all);
	table_free(&bins);
	table_free(&large);

	table_read("arenas", &t);
	table_print(&t, "\nArenas (pages, chunks)", all);
	table_free(&t);
	table_read("tcache_cpus", &t);
	table_print(&t, "\nTcache per CPU", all);
	table_free(&t);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}

/* top */

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

static void usage_top(FILE *f)
{
	fprintf(f,
		"usage: %s top [-d SECS] [-s COLUMN] [-n ITERATIONS]\n"
		"\n"
		"Refreshing view of the busiest size classes, from successive\n"
		"reads of %s/bins and large: events per second\n"
		"and the live objects (cur: curregs or curruns) of each class.\n"
		"Press q to quit (on a terminal); idle classes are not shown.\n"
		"\n"
		"  -d, --delay SECS       seconds between refreshes (default 2,\n"
		"                         at least 0.1)\n"
		"  -s, --sort COLUMN      nrequests/s (default), nmalloc/s,\n"
		"                         ndalloc/s, requested/s, cur, allocated\n"
		"                         or size (the /s may be left out)\n"
		"  -n, --iterations N     exit after N refreshes (no terminal\n"
		"                         needed)\n",
		prog, JMOD_DEBUGFS);
}

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

static void top_frame(const struct top_class *now, const struct top_class *prev,
		      unsigned int n, double secs, double delay,
		      unsigned long it, unsigned long iters)
{
	static struct top_row rows[TOP_MAX_CLASSES];
	unsigned int i, nr = 0, lines = top_lines();
	char b[4][32], its[32];
	unsigned long long mapped = 0, cached = 0;
	char *s = read_debugfs("stats", NULL), *p;

	p = strstr(s, "\nmapped:");
	if (p)
		mapped = strtoull(p + 8, NULL, 10);
	p = strstr(s, "\ntcache_cached:");
	if (p)
		cached = strtoull(p + 15, NULL, 10);
	free(s);

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
	printf("%-6s %8s %10s %10s %12s %12s %12s %12s\n", "kind", "size",
	       "cur", "allocated", "nmalloc/s", "ndalloc/s", "nrequests/s",
	       "requested/s");
	for (i = 0; i < nr && i < lines; i++) {
		const struct top_row *r = &rows[i];

		printf("%-6s %8s %10.0f %10s %12.1f %12.1f %12.1f %12s\n",
		       r->c->kind, r->c->size, r->c->cur,
		       hum(r->c->allocated, b[2], sizeof(b[2])), r->rate[0],
		       r->rate[1], r->rate[2],
		       hum(r->rate[3], b[3], sizeof(b[3])));
	}
	if (nr > lines)
		printf("... %u more\n", nr - lines);
	fflush(stdout);
}

static int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "sort", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct top_class a[TOP_MAX_CLASSES], b[TOP_MAX_CLASSES];
	struct top_class *now = a, *prev = b, *tmp;
	unsigned long iters = 0, it;
	double delay = 2, t0, t1;
	unsigned int n, i;
	char *end;
	int c;

	top_sort_col = 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			errno = 0;
			delay = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(delay >= 0.1) ||
			    delay > 3600) {
				err("top: -d wants seconds, 0.1 to 3600");
				return EXIT_USAGE;
			}
			break;
		case 's':
			for (i = 0; i < ARRAY_SIZE(top_cols); i++) {
				size_t l = strlen(optarg);

				if (!strcmp(optarg, top_cols[i]) ||
				    (!strncmp(optarg, top_cols[i], l) &&
				     !strcmp(top_cols[i] + l, "/s")))
					break;
			}
			if (i == ARRAY_SIZE(top_cols)) {
				err("top: cannot sort by \"%s\" (see %s top --help)",
				    optarg, prog);
				return EXIT_USAGE;
			}
			top_sort_col = i;
			break;
		case 'n':
			errno = 0;
			iters = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || !iters) {
				err("top: -n wants a positive number");
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage_top(stdout);
			return 0;
		default:
			usage_top(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_top(stderr);
		return EXIT_USAGE;
	}
	need_debugfs();
	top_raw_mode();
	n = top_read(prev, TOP_MAX_CLASSES);
	t0 = now_s();
	for (it = 1; !iters || it <= iters; it++) {
		if (top_wait(delay))
			break;
		if (top_read(now, TOP_MAX_CLASSES) != n) {
			err("top: the class tables changed size");
			return EXIT_FAILURE;
		}
		t1 = now_s();
		top_frame(now, prev, n, t1 - t0 > 0 ? t1 - t0 : delay, delay,
			  it, iters);
		t0 = t1;
		tmp = prev;
		prev = now;
		now = tmp;
	}
	top_restore();
	return 0;
}

/* purge, decay, tcache */

static void usage_purge(FILE *f)
{
	fprintf(f,
		"usage: %s purge\n"
		"\n"
		"Write 1 to %s/purge: drain every CPU's tcache,\n"
		"shrink the small-class slab caches and release every free\n"
		"chunk, whatever decay_ms says.\n",
		prog, JMOD_DEBUGFS);
}

static int cmd_purge(int argc, char **argv)
{
	if (want_help(argc, argv)) {
		usage_purge(stdout);
		return 0;
	}
	if (argc > 1) {
		usage_purge(stderr);
		return EXIT_USAGE;
	}
	return write_knob("purge", "1");
}

static void usage_decay(FILE *f)
{
	fprintf(f,
		"usage: %s decay [MS]\n"
		"\n"
		"Without MS, print decay_ms: how long a wholly free chunk is\n"
		"kept for reuse before its pages go back.  With MS (0 to %u),\n"
		"set it.\n",
		prog, DECAY_MS_MAX);
}

static int cmd_decay(int argc, char **argv)
{
	unsigned long long ms;
	char *end, val[32];

	if (want_help(argc, argv)) {
		usage_decay(stdout);
		return 0;
	}
	if (argc > 2) {
		usage_decay(stderr);
		return EXIT_USAGE;
	}
	if (argc == 1) {
		printf("%llu\n", read_knob("decay_ms"));
		return 0;
	}
	errno = 0;
	ms = strtoull(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || argv[1][0] == '-' ||
	    ms > DECAY_MS_MAX) {
		err("decay: MS must be a number from 0 to %u", DECAY_MS_MAX);
		return EXIT_USAGE;
	}
	snprintf(val, sizeof(val), "%llu", ms);
	return write_knob("decay_ms", val);
}

static void usage_tcache(FILE *f)
{
	fprintf(f,
		"usage: %s tcache [on|off]\n"
		"\n"
		"Without an argument, print whether the per-CPU tcache is on.\n"
		"\"off\" (or 0) switches it off and drains every CPU's cache;\n"
		"\"on\" (or 1) switches it back on.\n",
		prog);
}

static int cmd_tcache(int argc, char **argv)
{
	const char *a;

	if (want_help(argc, argv)) {
		usage_tcache(stdout);
		return 0;
	}
	if (argc > 2) {
		usage_tcache(stderr);
		return EXIT_USAGE;
	}
	if (argc == 1) {
		printf("%s\n", read_knob("tcache") ? "on" : "off");
		return 0;
	}
	a = argv[1];
	if (!strcmp(a, "on") || !strcmp(a, "1"))
		return write_knob("tcache", "1");
	if (!strcmp(a, "off") || !strcmp(a, "0"))
		return write_knob("tcache", "0");
	err("tcache: want on or off, not \"%s\"", a);
	return EXIT_USAGE;
}

/* bench */

static const char *const workload_names[JMOD_BENCH_NR] = {
	[JMOD_BENCH_PAIR] = "pair",
	[JMOD_BENCH_BATCH] = "batch",
	[JMOD_BENCH_RANDOM] = "random",
	[JMOD_BENCH_REMOTE] = "remote",
};

static const char *const bench_backend_names[JMOD_BACKEND_NR] = {
	[JMOD_BACKEND_JMOD] = "jmod",
	[JMOD_BACKEND_KMALLOC] = "kmalloc",
	[JMOD_BACKEND_JMOD_NOTCACHE] = "jmod-notcache",
	[JMOD_BACKEND_PAGES] = "pages",
	[JMOD_BACKEND_VMALLOC] = "vmalloc",
};

static const char *const dist_names[JMOD_DIST_NR] = {
	[JMOD_DIST_FIXED] = "fixed",
	[JMOD_DIST_UNIFORM] = "uniform",
	[JMOD_DIST_PARETO] = "pareto",
	[JMOD_DIST_KERNEL] = "kernel",
};

#define BENCH_OPS	100000
#define BENCH_LIVE	1024
#define BENCH_SIZE	64

static void usage_bench(FILE *f)
{
	fprintf(f,
		"usage: %s bench [-w WORKLOAD] [-b BACKEND] [-t THREADS] [-c CPUMASK]\n"
		"                [-d DIST] [--min N] [--max N] [-n OPS] [-l LIVE]\n"
		"                [-S SEED] [--json]\n"
		"\n"
		"Run JMOD_IOC_BENCH: a workload on kernel threads pinned to CPUs,\n"
		"against one allocator, and print every field the kernel returns.\n"
		"\n"
		"  -w, --workload W   pair (default: alloc+free of one object),\n"
		"                     batch (LIVE allocs then LIVE frees),\n"
		"                     random (LIVE slots, random lifetimes),\n"
		"                     remote (freed on another CPU via a ring)\n"
		"  -b, --backend B    jmod (default), kmalloc, jmod-notcache,\n"
		"                     pages, vmalloc (pages and vmalloc: sizes of\n"
		"                     at least a page, or -d kernel)\n"
		"  -t, --threads N    kernel threads, 1..%u (default 1)\n"
		"  -c, --cpus MASK    CPU mask, e.g. 0x3 (default 0: every\n"
		"                     online CPU); threads go round robin\n"
		"  -d, --dist D       fixed (default: always --min), uniform,\n"
		"                     pareto, kernel (a kmalloc-like mix)\n"
		"      --min N        smallest request (default %u; K/M/G allowed)\n"
		"      --max N        largest request (default: --min)\n"
		"  -n, --ops N        operations per thread (default %u)\n"
		"  -l, --live N       live set, batch length or ring size\n"
		"                     (default %u)\n"
		"  -S, --seed N       PRNG seed (default 1)\n"
		"  -j, --json         one JSON object instead of text\n"
		"\n"
		"Under QEMU TCG the times mean little; compare back ends of one\n"
		"boot.  Pages are 4 KiB pages of jmod's chunks and huge objects.\n",
		prog, JMOD_BENCH_MAX_THREADS, BENCH_SIZE, BENCH_OPS,
		BENCH_LIVE);
}

static int name_index(const char *const *names, unsigned int n,
		      const char *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

/* 4096, 4K, 2M, 0x1000 */
static bool parse_size(const char *s, __u64 *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	if (*s == '-')
		return false;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case '\0':
		break;
	default:
		return false;
	}
	if (shift && end[1])
		return false;
	if (v > (~0ULL >> shift))
		return false;
	*out = v << shift;
	return true;
}

static void bench_print(const struct jmod_bench *b, bool json)
{
	double ns_op = b->total_ops ? (double)b->thread_ns / b->total_ops : 0;
	double ops_s = b->elapsed_ns ? b->total_ops * 1e9 / b->elapsed_ns : 0;
	char h[32];

#define F(name)	((unsigned long long)b->name)
	if (json) {
		printf("{\"workload\":\"%s\",\"backend\":\"%s\",\"nr_threads\":%u,\"dist\":\"%s\",\"cpu_mask\":%llu,\"min_size\":%llu,\"max_size\":%llu,\"ops\":%llu,\"live\":%llu,\"seed\":%llu,",
		       workload_names[b->workload],
		       bench_backend_names[b->backend], b->nr_threads,
		       dist_names[b->dist], F(cpu_mask), F(min_size),
		       F(max_size), F(ops), F(live), F(seed));
		printf("\"elapsed_ns\":%llu,\"thread_ns\":%llu,\"total_ops\":%llu,\"failed\":%llu,\"requested_bytes\":%llu,\"usable_bytes\":%llu,\"peak_bytes\":%llu,\"peak_requested\":%llu,\"mapped_start\":%llu,\"mapped_peak\":%llu,\"mapped_end\":%llu,\"ns_per_op\":%.1f,\"ops_per_sec\":%.0f}\n",
		       F(elapsed_ns), F(thread_ns), F(total_ops), F(failed),
		       F(requested_bytes), F(usable_bytes), F(peak_bytes),
		       F(peak_requested), F(mapped_start), F(mapped_peak),
		       F(mapped_end), ns_op, ops_s);
		return;
	}
	printf("workload         %s\n", workload_names[b->workload]);
	printf("backend          %s\n", bench_backend_names[b->backend]);
	printf("nr_threads       %u\n", b->nr_threads);
	printf("cpu_mask         %#llx%s\n", F(cpu_mask),
	       b->cpu_mask ? "" : " (every online CPU)");
	printf("dist             %s\n", dist_names[b->dist]);
	printf("min_size         %llu\n", F(min_size));
	printf("max_size         %llu\n", F(max_size));
	printf("ops              %llu per thread\n", F(ops));
	printf("live             %llu\n", F(live));
	printf("seed             %llu\n", F(seed));
	printf("elapsed_ns       %llu\n", F(elapsed_ns));
	printf("thread_ns        %llu\n", F(thread_ns));
	printf("total_ops        %llu\n", F(total_ops));
	printf("failed           %llu\n", F(failed));
	printf("requested_bytes  %llu (%s)\n", F(requested_bytes),
	       hum(b->requested_bytes, h, sizeof(h)));
	printf("usable_bytes     %llu (%s)\n", F(usable_bytes),
	       hum(b->usable_bytes, h, sizeof(h)));
	printf("peak_bytes       %llu (%s)\n", F(peak_bytes),
	       hum(b->peak_bytes, h, sizeof(h)));
	printf("peak_requested   %llu (%s)\n", F(peak_requested),
	       hum(b->peak_requested, h, sizeof(h)));
	printf("mapped_start     %llu pages\n", F(mapped_start));
	printf("mapped_peak      %llu pages\n", F(mapped_peak));
	printf("mapped_end       %llu pages\n", F(mapped_end));
	printf("ns_per_op        %.1f (thread time / ops)\n", ns_op);
	printf("ops_per_sec      %.0f (ops / elapsed)\n", ops_s);
#undef F
}

static int cmd_bench(int argc, char **argv)
{
	enum { OPT_MIN = 256, OPT_MAX };
	static const struct option longopts[] = {
		{ "workload", required_argument, NULL, 'w' },
		{ "backend", required_argument, NULL, 'b' },
		{ "threads", required_argument, NULL, 't' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "dist", required_argument, NULL, 'd' },
		{ "min", required_argument, NULL, OPT_MIN },
		{ "max", required_argument, NULL, OPT_MAX },
		{ "ops", required_argument, NULL, 'n' },
		{ "live", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct jmod_bench b = {
		.workload = JMOD_BENCH_PAIR,
		.backend = JMOD_BACKEND_JMOD,
		.nr_threads = 1,
		.dist = JMOD_DIST_FIXED,
		.min_size = BENCH_SIZE,
		.ops = BENCH_OPS,
		.live = BENCH_LIVE,
		.seed = 1,
	};
	bool json = false, max_set = false;
	int c, i, fd, ret;
	__u64 v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "w:b:t:c:d:n:l:S:jh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'w':
			i = name_index(workload_names, JMOD_BENCH_NR, optarg);
			if (i < 0) {
				err("bench: unknown workload \"%s\" (pair, batch, random, remote)",
				    optarg);
				return EXIT_USAGE;
			}
			b.workload = i;
			break;
		case 'b':
			i = name_index(bench_backend_names, JMOD_BACKEND_NR,
				       optarg);
			if (i < 0) {
				err("bench: unknown backend \"%s\" (jmod, kmalloc, jmod-notcache, pages, vmalloc)",
				    optarg);
				return EXIT_USAGE;
			}
			b.backend = i;
			break;
		case 'd':
			i = name_index(dist_names, JMOD_DIST_NR, optarg);
			if (i < 0) {
				err("bench: unknown distribution \"%s\" (fixed, uniform, pareto, kernel)",
				    optarg);
				return EXIT_USAGE;
			}
			b.dist = i;
			break;
		case 't':
			if (!parse_u64(optarg, &v) || !v ||
			    v > JMOD_BENCH_MAX_THREADS) {
				err("bench: -t wants 1..%u",
				    JMOD_BENCH_MAX_THREADS);
				return EXIT_USAGE;
			}
			b.nr_threads = v;
			break;
		case 'c':
			if (!parse_u64(optarg, &b.cpu_mask)) {
				err("bench: -c wants a CPU mask such as 0x3");
				return EXIT_USAGE;
			}
			break;
		case OPT_MIN:
			if (!parse_size(optarg, &b.min_size) || !b.min_size) {
				err("bench: --min wants a size of 1 or more");
				return EXIT_USAGE;
			}
			break;
		case OPT_MAX:
			if (!parse_size(optarg, &b.max_size) || !b.max_size) {
				err("bench: --max wants a size of 1 or more");
				return EXIT_USAGE;
			}
			max_set = true;
			break;
		case 'n':
			if (!parse_size(optarg, &b.ops) || !b.ops ||
			    b.ops > JMOD_BENCH_MAX_OPS) {
				err("bench: -n wants 1..%llu",
				    (unsigned long long)JMOD_BENCH_MAX_OPS);
				return EXIT_USAGE;
			}
			break;
		case 'l':
			if (!parse_size(optarg, &b.live) || !b.live ||
			    b.live > JMOD_BENCH_MAX_LIVE) {
				err("bench: -l wants 1..%u",
				    JMOD_BENCH_MAX_LIVE);
				return EXIT_USAGE;
			}
			break;
		case 'S':
			if (!parse_u64(optarg, &b.seed)) {
				err("bench: -S wants a number");
				return EXIT_USAGE;
			}
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage_bench(stdout);
			return 0;
		default:
			usage_bench(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_bench(stderr);
		return EXIT_USAGE;
	}
	if (!max_set)
		b.max_size = b.min_size;
	if (b.max_size < b.min_size) {
		err("bench: --max %llu is below --min %llu",
		    (unsigned long long)b.max_size,
		    (unsigned long long)b.min_size);
		return EXIT_USAGE;
	}

	fd = open_dev();
	ret = xioctl(fd, JMOD_IOC_BENCH, &b);
	close(fd);
	switch (ret) {
	case 0:
		break;
	case -EINVAL:
		err("JMOD_IOC_BENCH: %s (a CPU of the mask offline? pages and vmalloc want --min of a page or more)",
		    strerror(-ret));
		return EXIT_USAGE;
	case -E2BIG:
		err("JMOD_IOC_BENCH: %s (threads, live or ops above the limits)",
		    strerror(-ret));
		return EXIT_USAGE;
	case -EFBIG:
		err("JMOD_IOC_BENCH: %s (--max above max_alloc, see %s version)",
		    strerror(-ret), prog);
		return EXIT_USAGE;
	default:
		err("JMOD_IOC_BENCH: %s", strerror(-ret));
		return EXIT_FAILURE;
	}
	bench_print(&b, json);
	if (b.failed)
		fprintf(stderr, "%s: bench: %llu allocations failed\n", prog,
			(unsigned long long)b.failed);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}

/* replay */

#define REPLAY_ROUNDS	3
#define REPLAY_CHUNK	8192
#define REPLAY_MAX_OPS	(16U << 20)
#define MAX_CLASSES	256

static void usage_replay(FILE *f)
{
	fprintf(f,
		"usage: %s replay [-r ROUNDS] [-c OPS] [-b BACKENDS] [--json] FILE\n"
		"\n"
		"Replay an ops trace (tools/trace/FORMAT.md: \"a SLOT SIZE\",\n"
		"\"f SLOT\", \"# comment\"; \"-\" reads stdin) through\n"
		"JMOD_IOC_BATCH on each back end and print, per back end, the\n"
		"time the kernel spent and the peak memory:\n"
		"\n"
		"  peak_usable  highest sum of usable sizes of the live objects\n"
		"               (the footprint rule of JMOD_IOC_BENCH: jmod's\n"
		"               class size, page-rounded above max_large; for\n"
		"               kmalloc ksize(): the kmalloc cache object up to\n"
		"               8 KiB, PAGE_SIZE << order above), also in pages\n"
		"  mapped_peak  jmod only, measured: the highest summary.mapped\n"
		"               of stats.json sampled after every chunk of OPS\n"
		"               ops (needs debugfs; includes jmod's caches)\n"
		"\n"
		"  -r ROUNDS      replays per back end, interleaved; the best and\n"
		"                 the median time are shown (default %d)\n"
		"  -c OPS         ops per JMOD_IOC_BATCH call (default %u)\n"
		"  -b BACKENDS    comma-separated: jmod, kmalloc, jmod-notcache\n"
		"                 (default jmod,kmalloc)\n"
		"  -j, --json     one JSON object instead of the table\n"
		"\n"
		"The trace must free everything it allocates (trace2ops.py does)\n"
		"so that replays can follow each other.  Absolute times under\n"
		"QEMU TCG mean nothing: compare back ends of the same boot.\n",
		prog, REPLAY_ROUNDS, REPLAY_CHUNK);
}

struct replay_trace {
	struct jmod_op *ops;
	size_t n, allocs;
	__u64 nslots, requested, max_size, peak_live, peak_requested;
};

/*
 * Reads and validates @path: every "a" names an empty slot, every "f" a
 * live one, nothing is live at the end.  Prints the first problem with
 * its line number and returns false.
 */
static bool replay_load(const char *path, struct replay_trace *t)
{
	unsigned long long slot, size, live = 0, live_req = 0;
	unsigned char *used = NULL;
	__u64 *req = NULL;
	size_t cap = 0, ucap = 0, lineno = 0;
	char line[256], op, extra;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	bool ok = false;
	int nf;

	memset(t, 0, sizeof(*t));
	if (!f) {
		err("replay: %s: %s", path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		struct jmod_op *o;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			err("replay: %s:%zu: line too long", path, lineno);
			goto out;
		}
		if (line[strspn(line, " \t")] == '#' ||
		    line[strspn(line, " \t\r\n")] == '\0')
			continue;
		size = 0;
		nf = sscanf(line, " %c %llu %llu %c", &op, &slot, &size,
			    &extra);
		if (!((op == 'a' && nf == 3 && size) ||
		      (op == 'f' && nf == 2))) {
			err("replay: %s:%zu: not \"a SLOT SIZE\" (SIZE >= 1) or \"f SLOT\": %.60s",
			    path, lineno, line);
			goto out;
		}
		if (slot >= ucap) {
			size_t nc = ucap ? ucap : 1024;
			void *nu, *nr;

			while (nc <= slot) {
				if (nc > (1ULL << 26)) {
					err("replay: %s:%zu: slot %llu too large",
					    path, lineno, slot);
					goto out;
				}
				nc *= 2;
			}
			nu = realloc(used, nc);
			nr = realloc(req, nc * sizeof(*req));
			if (nu)
				used = nu;
			if (nr)
				req = nr;
			if (!nu || !nr) {
				err("out of memory");
				goto out;
			}
			memset(used + ucap, 0, nc - ucap);
			ucap = nc;
		}
		if (op == 'a' && used[slot]) {
			err("replay: %s:%zu: alloc into live slot %llu", path,
			    lineno, slot);
			goto out;
		}
		if (op == 'f' && !used[slot]) {
			err("replay: %s:%zu: free of empty slot %llu", path,
			    lineno, slot);
			goto out;
		}
		if (t->n == cap) {
			void *no;

			cap = cap ? 2 * cap : 4096;
			if (cap > REPLAY_MAX_OPS) {
				err("replay: %s: more than %u ops", path,
				    REPLAY_MAX_OPS);
				goto out;
			}
			no = realloc(t->ops, cap * sizeof(*t->ops));
			if (!no) {
				err("out of memory");
				goto out;
			}
			t->ops = no;
		}
		o = &t->ops[t->n++];
		memset(o, 0, sizeof(*o));
		o->op = op == 'a' ? JMOD_OP_ALLOC : JMOD_OP_FREE;
		o->slot = slot;
		o->size = size;
		if (slot + 1 > t->nslots)
			t->nslots = slot + 1;
		if (op == 'a') {
			used[slot] = 1;
			req[slot] = size;
			t->allocs++;
			t->requested += size;
			if (size > t->max_size)
				t->max_size = size;
			live++;
			live_req += size;
			if (live > t->peak_live)
				t->peak_live = live;
			if (live_req > t->peak_requested)
				t->peak_requested = live_req;
		} else {
			used[slot] = 0;
			live--;
			live_req -= req[slot];
		}
	}
	if (ferror(f)) {
		err("replay: %s: %s", path, strerror(errno));
		goto out;
	}
	if (!t->n) {
		err("replay: %s: no ops", path);
		goto out;
	}
	if (live) {
		err("replay: %s: %llu objects still live at the end (the trace must free everything)",
		    path, live);
		goto out;
	}
	ok = true;
out:
	if (f != stdin)
		fclose(f);
	free(used);
	free(req);
	if (!ok) {
		free(t->ops);
		t->ops = NULL;
	}
	return ok;
}

/* jemalloc's size classes up to @max (8, 16, 32, 48, 64, 80, ...) */
static unsigned int size_classes(__u64 max, __u64 *cls, unsigned int max_n)
{
	static const __u64 first[] = { 8, 16, 32, 48, 64 };
	unsigned int n = 0, i;
	__u64 base, c;

	for (i = 0; i < ARRAY_SIZE(first) && first[i] <= max && n < max_n; i++)
		cls[n++] = first[i];
	for (base = 64; base <= max; base *= 2) {
		for (i = 1; i <= 4; i++) {
			c = base + i * (base / 4);
			if (c > max || n == max_n)
				return n;
			cls[n++] = c;
		}
	}
	return n;
}

struct footprint {
	__u64 cls[MAX_CLASSES];
	unsigned int ncls;
	__u64 page;
};

static __u64 page_align(__u64 size, __u64 page)
{
	return (size + page - 1) / page * page;
}

/* Usable bytes of a request on @backend, by the benchmark's rule */
static __u64 usable_of(const struct footprint *fp, __u32 backend, __u64 size)
{
	static const __u64 kmalloc_caches[] = {
		8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
	};
	unsigned int i;
	__u64 s;

	if (backend == JMOD_BACKEND_KMALLOC) {
		for (i = 0; i < ARRAY_SIZE(kmalloc_caches); i++)
			if (size <= kmalloc_caches[i])
				return kmalloc_caches[i];
		for (s = fp->page; s < size; s *= 2)
			;
		return s;
	}
	for (i = 0; i < fp->ncls; i++)
		if (size <= fp->cls[i])
			return fp->cls[i];
	return page_align(size, fp->page);
}

static __u64 peak_usable(const struct replay_trace *t,
			 const struct footprint *fp, __u32 backend)
{
	__u64 *use = calloc(t->nslots, sizeof(*use)), live = 0, peak = 0;
	size_t i;

	if (!use)
		return 0;
	for (i = 0; i < t->n; i++) {
		const struct jmod_op *o = &t->ops[i];

		if (o->op == JMOD_OP_ALLOC) {
			use[o->slot] = usable_of(fp, backend, o->size);
			live += use[o->slot];
			if (live > peak)
				peak = live;
		} else {
			live -= use[o->slot];
		}
	}
	free(use);
	return peak;
}

/* summary.mapped of stats.json in pages, or -1 */
static long long sample_mapped(__u64 page)
{
	char msg[128], path[256];
	unsigned long long v;
	struct json *j;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/stats.json", JMOD_DEBUGFS);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (!buf)
		return -1;
	buf[len] = '\0';
	j = json_parse(buf, len, msg, sizeof(msg));
	free(buf);
	if (!j)
		return -1;
	if (!json_path_u64(j, "summary.mapped", &v)) {
		json_free(j);
		return -1;
	}
	json_free(j);
	return v / page;
}

struct replay_result {
	__u32 backend;
	__u64 ns[64];
	__u64 peak_usable;
	long long mapped_start, mapped_peak, mapped_end;
};

/*
 * One replay in chunks of @chunk ops; adds the kernel's time to *@ns.
 * Returns 0 or prints why it failed and returns -1.
 */
static int replay_once(int fd, struct replay_trace *t, __u32 backend,
		       size_t chunk, bool sample, __u64 page, __u64 *ns,
		       struct replay_result *r)
{
	size_t off, i;

	*ns = 0;
	for (off = 0; off < t->n; off += chunk) {
		size_t cnt = t->n - off < chunk ? t->n - off : chunk;
		struct jmod_batch b;
		const struct jmod_op *o;
		int ret;

		for (i = 0; i < cnt; i++)
			t->ops[off + i].result = 0;
		memset(&b, 0, sizeof(b));
		b.ops = (__u64)(uintptr_t)&t->ops[off];
		b.count = cnt;
		b.backend = backend;
		ret = xioctl(fd, JMOD_IOC_BATCH, &b);
		if (ret) {
			err("replay: JMOD_IOC_BATCH (%s): %s",
			    bench_backend_names[backend], strerror(-ret));
			return -1;
		}
		*ns += b.elapsed_ns;
		if (b.done != cnt) {
			o = &t->ops[off + b.done];
			err("replay: %s: op %zu (%s slot %llu size %llu) failed: %s",
			    bench_backend_names[backend], off + b.done,
			    o->op == JMOD_OP_ALLOC ? "alloc" : "free",
			    (unsigned long long)o->slot,
			    (unsigned long long)o->size,
			    strerror((int)-o->result));
			return -1;
		}
		if (sample) {
			long long m = sample_mapped(page);

			if (m > r->mapped_peak)
				r->mapped_peak = m;
		}
	}
	return 0;
}

/* @s as a JSON string */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int u64_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static bool is_jmod_backend(__u32 be)
{
	return be == JMOD_BACKEND_JMOD || be == JMOD_BACKEND_JMOD_NOTCACHE;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "backends", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_result res[JMOD_BACKEND_NR];
	struct jmod_slots slots = { 0 };
	struct replay_trace t;
	struct jmod_version v;
	struct footprint *fp;
	__u64 rounds = REPLAY_ROUNDS, chunk = REPLAY_CHUNK, sorted[64];
	unsigned int nbe = 0, i, r;
	bool json = false, sample;
	char *list = NULL, *tok, *save, h1[32], h2[32];
	const char *path;
	int c, fd, be, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hr:c:b:j", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage_replay(stdout);
			return 0;
		case 'r':
			if (!parse_u64(optarg, &rounds) || !rounds ||
			    rounds > ARRAY_SIZE(res[0].ns)) {
				err("replay: -r wants 1..%zu",
				    ARRAY_SIZE(res[0].ns));
				return EXIT_USAGE;
			}
			break;
		case 'c':
			if (!parse_u64(optarg, &chunk) || !chunk ||
			    chunk > JMOD_BATCH_MAX) {
				err("replay: -c wants 1..%u", JMOD_BATCH_MAX);
				return EXIT_USAGE;
			}
			break;
		case 'b':
			list = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			usage_replay(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		err("replay: wants one FILE (see %s replay --help)", prog);
		return EXIT_USAGE;
	}
	path = argv[optind];
	if (!list) {
		res[nbe++].backend = JMOD_BACKEND_JMOD;
		res[nbe++].backend = JMOD_BACKEND_KMALLOC;
	} else {
		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			be = name_index(bench_backend_names,
					ARRAY_SIZE(bench_backend_names), tok);
			if (be != JMOD_BACKEND_JMOD &&
			    be != JMOD_BACKEND_KMALLOC &&
			    be != JMOD_BACKEND_JMOD_NOTCACHE) {
				err("replay: back end \"%s\": jmod, kmalloc or jmod-notcache",
				    tok);
				return EXIT_USAGE;
			}
			for (i = 0; i < nbe; i++)
				if (res[i].backend == (__u32)be)
					break;
			if (i == nbe)
				res[nbe++].backend = be;
		}
		if (!nbe) {
			err("replay: -b wants at least one back end");
			return EXIT_USAGE;
		}
	}

	fd = open_dev();
	ret = xioctl(fd, JMOD_IOC_VERSION, &v);
	if (ret) {
		err("JMOD_IOC_VERSION: %s", strerror(-ret));
		close(fd);
		return EXIT_FAILURE;
	}
	if (!replay_load(path, &t)) {
		close(fd);
		return EXIT_FAILURE;
	}
	fp = calloc(1, sizeof(*fp));
	if (!fp) {
		err("out of memory");
		ret = EXIT_FAILURE;
		goto out;
	}
	fp->page = v.page_size;
	fp->ncls = size_classes(v.max_large, fp->cls, MAX_CLASSES);
	if (t.max_size > v.max_alloc) {
		err("replay: %s: a request of %llu bytes is above max_alloc %llu",
		    path, (unsigned long long)t.max_size,
		    (unsigned long long)v.max_alloc);
		ret = EXIT_FAILURE;
		goto out;
	}
	slots.nr_slots = t.nslots;
	ret = xioctl(fd, JMOD_IOC_SLOTS, &slots);
	if (ret) {
		err("replay: JMOD_IOC_SLOTS %llu: %s%s",
		    (unsigned long long)t.nslots, strerror(-ret),
		    ret == -EDQUOT ? " (more slots than quota_objects)" : "");
		ret = EXIT_FAILURE;
		goto out;
	}
	sample = !stat(JMOD_DEBUGFS "/stats.json", &(struct stat){ 0 });
	for (i = 0; i < nbe; i++) {
		res[i].peak_usable = peak_usable(&t, fp, res[i].backend);
		res[i].mapped_start = res[i].mapped_peak = -1;
		res[i].mapped_end = -1;
	}
	for (r = 0; r < rounds && !ret; r++) {
		for (i = 0; i < nbe && !ret; i++) {
			bool s = sample && is_jmod_backend(res[i].backend);

			if (s && !r)
				res[i].mapped_start = sample_mapped(fp->page);
			if (replay_once(fd, &t, res[i].backend, chunk, s,
					fp->page, &res[i].ns[r], &res[i]))
				ret = EXIT_FAILURE;
			if (s)
				res[i].mapped_end = sample_mapped(fp->page);
		}
	}
	slots.nr_slots = 0;
	xioctl(fd, JMOD_IOC_SLOTS, &slots);
	if (ret)
		goto out;

	if (json) {
		printf("{\"trace\":");
		json_str(path);
		printf(",\"ops\":%zu,\"allocs\":%zu,\"slots\":%llu,\"requested_bytes\":%llu,\"peak_live\":%llu,\"peak_requested\":%llu,\"rounds\":%llu,\"page_size\":%u,\"backends\":[",
		       t.n, t.allocs, (unsigned long long)t.nslots,
		       (unsigned long long)t.requested,
		       (unsigned long long)t.peak_live,
		       (unsigned long long)t.peak_requested,
		       (unsigned long long)rounds, v.page_size);
	} else {
		printf("trace %s: %zu ops, %zu allocs (%s requested), %llu slots, peak %llu live objects of %s requested, %llu rounds\n\n%-14s %14s %14s %12s %16s %10s %12s\n",
		       path, t.n, t.allocs, hum(t.requested, h1, sizeof(h1)),
		       (unsigned long long)t.nslots,
		       (unsigned long long)t.peak_live,
		       hum(t.peak_requested, h2, sizeof(h2)),
		       (unsigned long long)rounds, "backend", "best_ns",
		       "median_ns", "ns/alloc", "peak_usable", "peak_pgs",
		       "mapped_peak");
	}
	for (i = 0; i < nbe; i++) {
		struct replay_result *x = &res[i];
		__u64 best, median, pgs;

		memcpy(sorted, x->ns, rounds * sizeof(*sorted));
		qsort(sorted, rounds, sizeof(*sorted), u64_cmp);
		best = sorted[0];
		median = sorted[rounds / 2];
		pgs = (x->peak_usable + fp->page - 1) / fp->page;
		if (json) {
			printf("%s{\"backend\":\"%s\",\"best_ns\":%llu,\"median_ns\":%llu,\"ns_per_alloc\":%.1f,\"peak_usable\":%llu,\"peak_pages\":%llu,\"mapped_start\":%lld,\"mapped_peak\":%lld,\"mapped_end\":%lld,\"ns\":[",
			       i ? "," : "", bench_backend_names[x->backend],
			       (unsigned long long)best,
			       (unsigned long long)median,
			       (double)best / t.allocs,
			       (unsigned long long)x->peak_usable,
			       (unsigned long long)pgs, x->mapped_start,
			       x->mapped_peak, x->mapped_end);
			for (r = 0; r < rounds; r++)
				printf("%s%llu", r ? "," : "",
				       (unsigned long long)x->ns[r]);
			printf("]}");
			continue;
		}
		if (x->mapped_peak >= 0)
			snprintf(h2, sizeof(h2), "%lld pgs", x->mapped_peak);
		else
			snprintf(h2, sizeof(h2), "-");
		printf("%-14s %14llu %14llu %12.1f %16s %10llu %12s\n",
		       bench_backend_names[x->backend],
		       (unsigned long long)best, (unsigned long long)median,
		       (double)best / t.allocs,
		       hum(x->peak_usable, h1, sizeof(h1)),
		       (unsigned long long)pgs, h2);
	}
	if (json) {
		printf("]}\n");
	} else if (nbe >= 2 && res[1].backend == JMOD_BACKEND_KMALLOC &&
		   res[0].backend == JMOD_BACKEND_JMOD) {
		qsort(res[0].ns, rounds, sizeof(__u64), u64_cmp);
		qsort(res[1].ns, rounds, sizeof(__u64), u64_cmp);
		printf("\njmod/kmalloc: time %.2f (best), %.2f (median); peak pages %.2f\n",
		       res[1].ns[0] ? (double)res[0].ns[0] / res[1].ns[0] : 0,
		       res[1].ns[rounds / 2] ?
		       (double)res[0].ns[rounds / 2] / res[1].ns[rounds / 2] : 0,
		       res[1].peak_usable ?
		       (double)res[0].peak_usable / res[1].peak_usable : 0);
	}
	ret = fflush(stdout) ? EXIT_FAILURE : 0;
out:
	free(fp);
	free(t.ops);
	close(fd);
	return ret;
}

/* prof */

#define PROF_PARAM	MODULE_DIR "/parameters/prof_sample"
#define PROF_TOP	20

static void usage_prof(FILE *f)
{
	fprintf(f,
		"usage: %s prof [-n N] [-f FRAMES] [--json] [--rate BYTES] [--reset]\n"
		"\n"
		"Show jmod's sampled heap profile (debugfs prof.json): live\n"
		"sampled allocations aggregated by call site, with the estimated\n"
		"live bytes and objects (jemalloc's unbiased scaling), sorted by\n"
		"estimated bytes.\n"
		"\n"
		"  -n N           the top N sites (default %d, 0: all)\n"
		"  -f FRAMES      stack frames per site (default 1)\n"
		"  -j, --json     pass prof.json through\n"
		"      --rate B   set the mean sampling distance in bytes first\n"
		"                 (module parameter prof_sample; 0 switches\n"
		"                 profiling off) and exit\n"
		"      --reset    write prof_reset first and exit\n",
		prog, PROF_TOP);
}

static bool prof_available(void)
{
	struct stat st;

	need_debugfs();
	if (!stat(JMOD_DEBUGFS "/prof.json", &st))
		return true;
	err("this jmalloc.ko has no heap profiler (%s/prof.json missing)",
	    JMOD_DEBUGFS);
	return false;
}

static int prof_set_rate(const char *val)
{
	__u64 rate;
	FILE *f;

	if (!parse_size(val, &rate)) {
		err("prof: --rate wants bytes, e.g. 524288 or 512K");
		return EXIT_USAGE;
	}
	if (!module_loaded()) {
		err("jmod not loaded: %s missing (insmod jmalloc.ko)",
		    MODULE_DIR);
		return EXIT_NODEV;
	}
	f = fopen(PROF_PARAM, "w");
	if (!f || fprintf(f, "%llu", (unsigned long long)rate) < 0 ||
	    fclose(f)) {
		int e = errno;

		err("%s: %s%s", PROF_PARAM, strerror(e),
		    e == EACCES || e == EPERM ?
		    " (root only: run jmodctl as root)" : "");
		return e == EACCES || e == EPERM ? EXIT_PERM : EXIT_FAILURE;
	}
	return 0;
}

static int cmd_prof(int argc, char **argv)
{
	enum { OPT_RATE = 256, OPT_RESET };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "reset", no_argument, NULL, OPT_RESET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	__u64 top = PROF_TOP, frames = 1;
	unsigned long long rate = 0, eb, eo, ns, sb, total = 0;
	const char *set_rate = NULL;
	const struct json *sites, *s, *st;
	bool json = false, reset = false;
	char msg[128], h[32];
	struct json *j;
	size_t len, i, k, n;
	char *buf;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hjn:f:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage_prof(stdout);
			return 0;
		case 'j':
			json = true;
			break;
		case 'n':
			if (!parse_u64(optarg, &top)) {
				err("prof: -n wants a number");
				return EXIT_USAGE;
			}
			break;
		case 'f':
			if (!parse_u64(optarg, &frames) || !frames) {
				err("prof: -f wants a number >= 1");
				return EXIT_USAGE;
			}
			break;
		case OPT_RATE:
			set_rate = optarg;
			break;
		case OPT_RESET:
			reset = true;
			break;
		default:
			usage_prof(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		err("prof: unexpected argument \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	if (set_rate || reset) {
		if (!prof_available())
			return EXIT_FAILURE;
		if (set_rate) {
			ret = prof_set_rate(set_rate);
			if (ret)
				return ret;
		}
		return reset ? write_knob("prof_reset", "1") : 0;
	}
	if (!prof_available())
		return EXIT_FAILURE;
	buf = read_debugfs("prof.json", &len);
	j = json_parse(buf, len, msg, sizeof(msg));
	if (!j) {
		err("%s/prof.json does not parse: %s", JMOD_DEBUGFS, msg);
		free(buf);
		return EXIT_FAILURE;
	}
	if (json) {
		json_free(j);
		fwrite(buf, 1, len, stdout);
		free(buf);
		return fflush(stdout) ? EXIT_FAILURE : 0;
	}
	free(buf);
	json_path_u64(j, "prof_sample", &rate);
	sites = json_get_type(j, "sites", JSON_ARRAY);
	n = json_count(sites);
	for (i = 0; i < n; i++)
		if (json_path_u64(json_at(sites, i), "est_bytes", &eb))
			total += eb;
	if (!rate)
		printf("heap profiling is off (prof_sample=0; %s prof --rate 512K)\n",
		       prog);
	else
		printf("heap profile: mean sample distance %llu bytes; %zu sites, %s estimated live\n",
		       rate, n, hum(total, h, sizeof(h)));
	if (!n) {
		json_free(j);
		return fflush(stdout) ? EXIT_FAILURE : 0;
	}
	printf("%12s %6s %12s %8s %14s  %s\n", "est_bytes", "%", "est_objects",
	       "samples", "sampled_bytes", "site");
	for (i = 0; i < n && (!top || i < top); i++) {
		s = json_at(sites, i);
		eb = eo = ns = sb = 0;
		json_path_u64(s, "est_bytes", &eb);
		json_path_u64(s, "est_objects", &eo);
		json_path_u64(s, "samples", &ns);
		json_path_u64(s, "sampled_bytes", &sb);
		st = json_get_type(s, "stack", JSON_ARRAY);
		printf("%12s %5.1f%% %12llu %8llu %14llu  %s\n",
		       hum(eb, h, sizeof(h)), total ? 100.0 * eb / total : 0,
		       eo, ns, sb,
		       json_count(st) && json_at(st, 0)->str ?
		       json_at(st, 0)->str : "?");
		for (k = 1; k < frames && k < json_count(st); k++)
			printf("%58s  %s\n", "", json_at(st, k)->str ?
			       json_at(st, k)->str : "?");
	}
	if (top && n > top)
		printf("(%llu more sites; -n 0 shows all)\n",
		       (unsigned long long)(n - top));
	json_free(j);
	return fflush(stdout) ? EXIT_FAILURE : 0;
}

/* main */

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	void (*usage)(FILE *f);
	const char *summary;
} commands[] = {
	{ "stats", cmd_stats, usage_stats,
	  "statistics tables, or stats.json with --json" },
	{ "top", cmd_top, usage_top,
	  "refreshing view of the busiest size classes" },
	{ "purge", cmd_purge, usage_purge,
	  "drain the tcaches and release free memory" },
	{ "decay", cmd_decay, usage_decay, "print or set decay_ms" },
	{ "tcache", cmd_tcache, usage_tcache,
	  "print or switch the per-CPU tcache (on|off)" },
	{ "bench", cmd_bench, usage_bench,
	  "run a JMOD_IOC_BENCH workload" },
	{ "replay", cmd_replay, usage_replay,
	  "replay an ops trace on jmod and kmalloc" },
	{ "prof", cmd_prof, usage_prof,
	  "show the sampled heap profile by call site" },
	{ "version", cmd_version, usage_version,
	  "print the allocator geometry" },
	{ "selftest", cmd_selftest, usage_selftest,
	  "list or run the in-kernel test cases" },
	{ "demo", cmd_demo, usage_demo,
	  "compare jmod with kmalloc on a replayed trace" },
};

#define NR_COMMANDS	ARRAY_SIZE(commands)

static void main_usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: %s [--help] COMMAND [ARGS]\n\ncommands:\n", prog);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f,
		"\n'%s help COMMAND' or '%s COMMAND --help' for details.\n"
		"Needs root and the jmalloc module (%s, %s).\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  failure\n"
		"  2  usage error (also: the kernel rejected a value)\n"
		"  3  jmod not loaded (no %s, no %s)\n"
		"  4  permission denied (not root)\n"
		"  5  debugfs not mounted on %s\n",
		prog, prog, JMOD_DEVICE, JMOD_DEBUGFS, JMOD_DEVICE, MODULE_DIR,
		DEBUGFS_DIR);
}

static const struct command *find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		main_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			main_usage(stdout);
			return 0;
		}
		cmd = find_command(argv[2]);
		if (!cmd) {
			err("unknown command \"%s\"", argv[2]);
			return EXIT_USAGE;
		}
		cmd->usage(stdout);
		return 0;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		err("unknown command \"%s\" (see %s --help)", argv[1], prog);
		return EXIT_USAGE;
	}
	return cmd->fn(argc - 1, argv + 1);
}
