// SPDX-License-Identifier: GPL-2.0
/*
 * plot_test: drive plot_write() (tools/jmodctl/plot.c) for
 * tools/jmodctl/tests/plot.sh.
 *
 *   plot_test PATH TITLE FOOTER [LABEL TAG A B]...
 *
 * FOOTER or TAG "-": none.  The legend names are "kmalloc" and "jmod",
 * a value is drawn as "<decimal> B".  Prints plot_write()'s return value;
 * exit status 0 when it is 0, 1 when not, 2 on bad arguments.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static const char *fmt_b(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 " B", v);
	return buf;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct plot_bar *bars;
	struct plot p = {
		.name_a = "kmalloc", .name_b = "jmod", .fmt = fmt_b,
	};
	unsigned int i;
	int ret;

	if (argc < 4 || (argc - 4) % 4) {
		fprintf(stderr, "usage: %s PATH TITLE FOOTER [LABEL TAG A B]...\n",
			argv[0]);
		return 2;
	}
	p.title = argv[2];
	p.footer = strcmp(argv[3], "-") ? argv[3] : NULL;
	p.nr_bars = (argc - 4) / 4;
	bars = calloc(p.nr_bars + 1, sizeof(*bars));
	if (!bars)
		return 1;
	for (i = 0; i < p.nr_bars; i++) {
		char **a = argv + 4 + 4 * i;

		bars[i].label = a[0];
		bars[i].tag = strcmp(a[1], "-") ? a[1] : NULL;
		if (parse_u64(a[2], &bars[i].a) || parse_u64(a[3], &bars[i].b)) {
			fprintf(stderr, "%s: bad value in bar %u\n", argv[0], i);
			free(bars);
			return 2;
		}
	}
	p.bars = bars;
	ret = plot_write(argv[1], &p);
	printf("%d\n", ret);
	free(bars);
	return ret ? 1 : 0;
}
