// SPDX-License-Identifier: GPL-2.0
/*
 * jmodctl: command line control of the jmod allocator through /dev/jmod.
 *
 *   jmodctl version              allocator geometry
 *   jmodctl selftest [NAME|all]  list or run the in-kernel test cases
 *   jmodctl demo [options]       jmod vs kmalloc on one replayed trace
 *
 * Exit status: 0 success, 1 failure, 2 usage error, 3 /dev/jmod missing
 * (module not loaded), 4 permission denied (not root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/jmod.h>

#define EXIT_USAGE	2
#define EXIT_NODEV	3
#define EXIT_PERM	4

#define STATS_PATH	"/sys/kernel/debug/jmod/stats"
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

/* Opens /dev/jmod or exits with a one-line reason */
static int open_dev(void)
{
	int fd = open(JMOD_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		err("%s: %s (is the jmalloc module loaded? insmod jmalloc.ko)",
		    JMOD_DEVICE, strerror(errno));
		exit(EXIT_NODEV);
	case EACCES:
	case EPERM:
		err("%s: %s (root only: run jmodctl as root)", JMOD_DEVICE,
		    strerror(errno));
		exit(EXIT_PERM);
	default:
		err("%s: %s", JMOD_DEVICE, strerror(errno));
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
		"the kernel spent.  Sizes follow a kernel-like mix from 8 B to\n"
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

/* One replay; returns the kernel's elapsed_ns or 0 after an error */
static __u64 demo_replay(int fd, struct demo_trace *t, __u32 backend)
{
	struct jmod_batch b;
	const struct jmod_op *op;
	int ret;

	memset(&b, 0, sizeof(b));
	b.ops = (__u64)(uintptr_t)t->ops;
	b.count = t->n;
	b.backend = backend;
	ret = xioctl(fd, JMOD_IOC_BATCH, &b);
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
			__u64 ns = demo_replay(fd, &t, backends[b]);

			if (!ns) {
				printf("\n");
				ret = -EIO;
				goto out;
			}
			if (!best[b] || ns < best[b])
				best[b] = ns;
			total[b] += ns;
			printf("  %-7s %10.3f ms", backend_name(backends[b]),
			       ns / 1e6);
		}
		printf("\n");
		fflush(stdout);
	}

	printf("\n%-8s %8s %14s %14s %10s\n", "backend", "ops", "best ms",
	       "mean ms", "ns/op");
	for (i = 0; i < 2; i++)
		printf("%-8s %8u %14.3f %14.3f %10.1f\n",
		       backend_name(backends[i]), t.n, best[i] / 1e6,
		       total[i] / 1e6 / rounds, (double)best[i] / t.n);
	printf("\njmod/kmalloc time ratio: %.3f (below 1: jmod faster)\n",
	       (double)best[0] / best[1]);
	printf("note: under QEMU TCG the absolute times mean nothing; only the ratio does.\n");
	print_stats();

out:
	free(t.ops);
	close(fd);
	return ret ? EXIT_FAILURE : 0;
}

/* main */

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	void (*usage)(FILE *f);
	const char *summary;
} commands[] = {
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
		"Needs root and the jmalloc module (%s).\n"
		"Exit status: 0 ok, 1 failure, 2 usage, 3 %s missing\n"
		"(module not loaded), 4 permission denied.\n",
		prog, prog, JMOD_DEVICE, JMOD_DEVICE);
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
