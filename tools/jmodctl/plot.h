/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plot.h: a bar chart of two figures a site (jmodctl whatif --plot),
 * written as SVG or PNG (plot.c; zlib compresses the PNG).
 *
 * Layout (pixels, the same in both formats): a title, a legend (a square
 * and a name for each of the two figures), then one row a bar: its label
 * right-aligned in a column on the left, two bars (a above b) scaled to
 * the largest value of the chart, each followed by its value, and a
 * footer line under the rows.  The PNG is 8-bit RGB, its text drawn
 * with a built-in 5x7 font (printable ASCII; any other byte is drawn as
 * '?'), its image data compressed by plot.c's own deflate.
 */
#ifndef JMODCTL_PLOT_H
#define JMODCTL_PLOT_H

#include <stddef.h>
#include <stdint.h>

#define PLOT_LABEL_W	330	/* the label column, left of the bars */
#define PLOT_BAR_W	520	/* the longest bar */
#define PLOT_ROW_H	34	/* a bar's row: two bars of 13 */
#define PLOT_HEAD	60	/* title and legend above the rows */
#define PLOT_WIDTH	(PLOT_LABEL_W + PLOT_BAR_W + 120)
#define PLOT_HEIGHT(n)	(PLOT_HEAD + (n) * PLOT_ROW_H + 40)
#define PLOT_MAX_BARS	100	/* 3500 px high */

#define PLOT_COLOUR_A	0x4878a8	/* the first figure (kmalloc) */
#define PLOT_COLOUR_B	0xe08030	/* the second (jmod) */

enum plot_format { PLOT_SVG, PLOT_PNG };

struct plot_bar {
	const char *label;
	const char *tag;	/* drawn as "label [tag]"; NULL: none */
	uint64_t a, b;
};

struct plot {
	const char *title;
	const char *name_a, *name_b;	/* the legend */
	const struct plot_bar *bars;
	unsigned int nr_bars;		/* at most PLOT_MAX_BARS */
	const char *footer;		/* NULL: none */
	/* a value as text beside its bar, in @buf; NULL: in decimal */
	const char *(*fmt)(uint64_t v, char *buf, size_t len);
};

/* PLOT_PNG or PLOT_SVG from @path's extension (.png, .svg, any case), else -EINVAL */
int plot_format(const char *path);

/*
 * Write @p to @path, PNG or SVG as plot_format() says.  Returns 0, or
 * -EINVAL (another extension, no file created; or too many bars),
 * -ENOMEM, -EIO (a write failed) or the -errno of fopen()/fclose().
 */
int plot_write(const char *path, const struct plot *p);

#endif /* JMODCTL_PLOT_H */
