// SPDX-License-Identifier: GPL-2.0
/*
 * plot.c: the bar chart of plot.h as SVG or PNG.
 *
 *   struct plot --plot_layout()--> bar lengths, label strings
 *     --plot_svg()--> SVG text
 *     --plot_raster()--> RGB canvas --png_filter()--> scanlines
 *       --compress2()--> zlib stream --png_write()--> PNG chunks
 *
 * The PNG's compression and chunk CRC-32s are zlib's (compress2(),
 * crc32()), the library jmodctl already reads gzip'ed traces with.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "plot.h"

#define GLYPH_W		5
#define GLYPH_ADV	6	/* a glyph and a blank column */
#define GLYPH_ASC	7	/* rows above the baseline; row 7 hangs below */
#define TEXT_RGB	0x000000
#define VALUE_MAX	32	/* a value's text */
#define LABEL_MAX	256	/* a label's text in the PNG (cut to fit) */
#define LEGEND_B_MIN	100	/* the second legend square's x, at least */

/*
 * 5x8 glyphs for ' '..'~', one byte a column, bit 0 the top row; rows
 * 0..6 sit on the baseline, row 7 is a descender (g j p q y , ;).
 */
static const uint8_t font[95][GLYPH_W] = {
	{ 0x00, 0x00, 0x00, 0x00, 0x00 },	/* ' ' */
	{ 0x00, 0x00, 0x5f, 0x00, 0x00 },	/* ! */
	{ 0x00, 0x07, 0x00, 0x07, 0x00 },	/* " */
	{ 0x14, 0x7f, 0x14, 0x7f, 0x14 },	/* # */
	{ 0x24, 0x2a, 0x7f, 0x2a, 0x12 },	/* $ */
	{ 0x23, 0x13, 0x08, 0x64, 0x62 },	/* % */
	{ 0x36, 0x49, 0x55, 0x22, 0x50 },	/* & */
	{ 0x00, 0x00, 0x07, 0x00, 0x00 },	/* ' */
	{ 0x00, 0x1c, 0x22, 0x41, 0x00 },	/* ( */
	{ 0x00, 0x41, 0x22, 0x1c, 0x00 },	/* ) */
	{ 0x14, 0x08, 0x3e, 0x08, 0x14 },	/* * */
	{ 0x08, 0x08, 0x3e, 0x08, 0x08 },	/* + */
	{ 0x00, 0x80, 0x60, 0x20, 0x00 },	/* , */
	{ 0x08, 0x08, 0x08, 0x08, 0x08 },	/* - */
	{ 0x00, 0x60, 0x60, 0x00, 0x00 },	/* . */
	{ 0x20, 0x10, 0x08, 0x04, 0x02 },	/* / */
	{ 0x3e, 0x51, 0x49, 0x45, 0x3e },	/* 0 */
	{ 0x00, 0x42, 0x7f, 0x40, 0x00 },	/* 1 */
	{ 0x42, 0x61, 0x51, 0x49, 0x46 },	/* 2 */
	{ 0x21, 0x41, 0x45, 0x4b, 0x31 },	/* 3 */
	{ 0x18, 0x14, 0x12, 0x7f, 0x10 },	/* 4 */
	{ 0x27, 0x45, 0x45, 0x45, 0x39 },	/* 5 */
	{ 0x3c, 0x4a, 0x49, 0x49, 0x30 },	/* 6 */
	{ 0x01, 0x71, 0x09, 0x05, 0x03 },	/* 7 */
	{ 0x36, 0x49, 0x49, 0x49, 0x36 },	/* 8 */
	{ 0x06, 0x49, 0x49, 0x29, 0x1e },	/* 9 */
	{ 0x00, 0x36, 0x36, 0x00, 0x00 },	/* : */
	{ 0x00, 0x80, 0x76, 0x36, 0x00 },	/* ; */
	{ 0x08, 0x14, 0x22, 0x41, 0x00 },	/* < */
	{ 0x14, 0x14, 0x14, 0x14, 0x14 },	/* = */
	{ 0x00, 0x41, 0x22, 0x14, 0x08 },	/* > */
	{ 0x02, 0x01, 0x51, 0x09, 0x06 },	/* ? */
	{ 0x32, 0x49, 0x79, 0x41, 0x3e },	/* @ */
	{ 0x7e, 0x11, 0x11, 0x11, 0x7e },	/* A */
	{ 0x7f, 0x49, 0x49, 0x49, 0x36 },	/* B */
	{ 0x3e, 0x41, 0x41, 0x41, 0x22 },	/* C */
	{ 0x7f, 0x41, 0x41, 0x22, 0x1c },	/* D */
	{ 0x7f, 0x49, 0x49, 0x49, 0x41 },	/* E */
	{ 0x7f, 0x09, 0x09, 0x09, 0x01 },	/* F */
	{ 0x3e, 0x41, 0x49, 0x49, 0x7a },	/* G */
	{ 0x7f, 0x08, 0x08, 0x08, 0x7f },	/* H */
	{ 0x00, 0x41, 0x7f, 0x41, 0x00 },	/* I */
	{ 0x20, 0x40, 0x41, 0x3f, 0x01 },	/* J */
	{ 0x7f, 0x08, 0x14, 0x22, 0x41 },	/* K */
	{ 0x7f, 0x40, 0x40, 0x40, 0x40 },	/* L */
	{ 0x7f, 0x02, 0x0c, 0x02, 0x7f },	/* M */
	{ 0x7f, 0x04, 0x08, 0x10, 0x7f },	/* N */
	{ 0x3e, 0x41, 0x41, 0x41, 0x3e },	/* O */
	{ 0x7f, 0x09, 0x09, 0x09, 0x06 },	/* P */
	{ 0x3e, 0x41, 0x51, 0x21, 0x5e },	/* Q */
	{ 0x7f, 0x09, 0x19, 0x29, 0x46 },	/* R */
	{ 0x46, 0x49, 0x49, 0x49, 0x31 },	/* S */
	{ 0x01, 0x01, 0x7f, 0x01, 0x01 },	/* T */
	{ 0x3f, 0x40, 0x40, 0x40, 0x3f },	/* U */
	{ 0x1f, 0x20, 0x40, 0x20, 0x1f },	/* V */
	{ 0x3f, 0x40, 0x38, 0x40, 0x3f },	/* W */
	{ 0x63, 0x14, 0x08, 0x14, 0x63 },	/* X */
	{ 0x07, 0x08, 0x70, 0x08, 0x07 },	/* Y */
	{ 0x61, 0x51, 0x49, 0x45, 0x43 },	/* Z */
	{ 0x00, 0x7f, 0x41, 0x41, 0x00 },	/* [ */
	{ 0x02, 0x04, 0x08, 0x10, 0x20 },	/* \ */
	{ 0x00, 0x41, 0x41, 0x7f, 0x00 },	/* ] */
	{ 0x04, 0x02, 0x01, 0x02, 0x04 },	/* ^ */
	{ 0x40, 0x40, 0x40, 0x40, 0x40 },	/* _ */
	{ 0x00, 0x01, 0x02, 0x04, 0x00 },	/* ` */
	{ 0x20, 0x54, 0x54, 0x54, 0x78 },	/* a */
	{ 0x7f, 0x48, 0x44, 0x44, 0x38 },	/* b */
	{ 0x38, 0x44, 0x44, 0x44, 0x20 },	/* c */
	{ 0x38, 0x44, 0x44, 0x48, 0x7f },	/* d */
	{ 0x38, 0x54, 0x54, 0x54, 0x18 },	/* e */
	{ 0x08, 0x7e, 0x09, 0x01, 0x02 },	/* f */
	{ 0x18, 0xa4, 0xa4, 0xa4, 0x7c },	/* g */
	{ 0x7f, 0x08, 0x04, 0x04, 0x78 },	/* h */
	{ 0x00, 0x44, 0x7d, 0x40, 0x00 },	/* i */
	{ 0x40, 0x80, 0x84, 0x7d, 0x00 },	/* j */
	{ 0x7f, 0x10, 0x28, 0x44, 0x00 },	/* k */
	{ 0x00, 0x41, 0x7f, 0x40, 0x00 },	/* l */
	{ 0x7c, 0x04, 0x18, 0x04, 0x78 },	/* m */
	{ 0x7c, 0x08, 0x04, 0x04, 0x78 },	/* n */
	{ 0x38, 0x44, 0x44, 0x44, 0x38 },	/* o */
	{ 0xfc, 0x24, 0x24, 0x24, 0x18 },	/* p */
	{ 0x18, 0x24, 0x24, 0x24, 0xfc },	/* q */
	{ 0x7c, 0x08, 0x04, 0x04, 0x08 },	/* r */
	{ 0x48, 0x54, 0x54, 0x54, 0x24 },	/* s */
	{ 0x04, 0x3f, 0x44, 0x40, 0x20 },	/* t */
	{ 0x3c, 0x40, 0x40, 0x20, 0x7c },	/* u */
	{ 0x1c, 0x20, 0x40, 0x20, 0x1c },	/* v */
	{ 0x3c, 0x40, 0x30, 0x40, 0x3c },	/* w */
	{ 0x44, 0x28, 0x10, 0x28, 0x44 },	/* x */
	{ 0x1c, 0xa0, 0xa0, 0xa0, 0x7c },	/* y */
	{ 0x44, 0x64, 0x54, 0x4c, 0x44 },	/* z */
	{ 0x00, 0x08, 0x36, 0x41, 0x00 },	/* { */
	{ 0x00, 0x00, 0x7f, 0x00, 0x00 },	/* | */
	{ 0x00, 0x41, 0x36, 0x08, 0x00 },	/* } */
	{ 0x08, 0x04, 0x08, 0x10, 0x08 },	/* ~ */
};

/* What both formats draw: the scale and each bar's two lengths. */
struct layout {
	unsigned int n;
	unsigned int legend_b_x;	/* the second legend square */
	unsigned int *len;		/* n pairs: a's length, b's */
};

int plot_format(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot && !strcasecmp(dot, ".png"))
		return PLOT_PNG;
	if (dot && !strcasecmp(dot, ".svg"))
		return PLOT_SVG;
	return -EINVAL;
}

/* v * PLOT_BAR_W / max, v <= max */
static unsigned int bar_len(uint64_t v, uint64_t max)
{
	if (v <= UINT64_MAX / PLOT_BAR_W)
		return v * PLOT_BAR_W / max;
	return (unsigned int)((long double)v * PLOT_BAR_W / max);
}

static int plot_layout(const struct plot *p, struct layout *l)
{
	uint64_t max = 1;
	unsigned int i;
	size_t na;

	l->n = p->nr_bars;
	for (i = 0; i < l->n; i++) {
		if (p->bars[i].a > max)
			max = p->bars[i].a;
		if (p->bars[i].b > max)
			max = p->bars[i].b;
	}
	l->len = calloc(2 * (size_t)l->n + 1, sizeof(*l->len));
	if (!l->len)
		return -ENOMEM;
	for (i = 0; i < l->n; i++) {
		l->len[2 * i] = bar_len(p->bars[i].a, max);
		l->len[2 * i + 1] = bar_len(p->bars[i].b, max);
	}
	/* after the first name, at about 8 px a character */
	na = p->name_a ? strlen(p->name_a) : 0;
	l->legend_b_x = na < 40 ? 28 + 8 * na + 16 : 28 + 8 * 40 + 16;
	if (l->legend_b_x < LEGEND_B_MIN)
		l->legend_b_x = LEGEND_B_MIN;
	return 0;
}

static const char *value_text(const struct plot *p, uint64_t v, char *buf,
			      size_t len)
{
	if (p->fmt)
		return p->fmt(v, buf, len);
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- SVG ---- */

/*
 * XML text: '<', '>', '&' escaped; a byte outside printable ASCII as '?',
 * as in the PNG (a control character or stray byte is no valid XML).
 */
static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s < ' ' || *s > '~')
			fputc('?', f);
		else
			fputc(*s, f);
	}
}

static int plot_svg(const char *path, const struct plot *p,
		    const struct layout *l)
{
	char b[2][VALUE_MAX];
	unsigned int i;
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" font-family=\"sans-serif\" font-size=\"12\">\n",
		PLOT_WIDTH, PLOT_HEIGHT(l->n));
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"10\" y=\"22\" font-size=\"15\">");
	svg_text(f, str_or_empty(p->title));
	fprintf(f, "</text>\n<rect x=\"10\" y=\"34\" width=\"12\" height=\"12\" fill=\"#%06x\"/><text x=\"28\" y=\"45\">",
		PLOT_COLOUR_A);
	svg_text(f, str_or_empty(p->name_a));
	fprintf(f, "</text>\n<rect x=\"%u\" y=\"34\" width=\"12\" height=\"12\" fill=\"#%06x\"/><text x=\"%u\" y=\"45\">",
		l->legend_b_x, PLOT_COLOUR_B, l->legend_b_x + 18);
	svg_text(f, str_or_empty(p->name_b));
	fputs("</text>\n", f);
	for (i = 0; i < l->n; i++) {
		const struct plot_bar *s = &p->bars[i];
		unsigned int y = PLOT_HEAD + i * PLOT_ROW_H;
		unsigned int wa = l->len[2 * i], wb = l->len[2 * i + 1];

		fprintf(f, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">",
			PLOT_LABEL_W - 6, y + 18);
		svg_text(f, str_or_empty(s->label));
		if (s->tag) {
			fputs(" [", f);
			svg_text(f, s->tag);
			fputc(']', f);
		}
		fputs("</text>\n", f);
		fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"13\" fill=\"#%06x\"/><text x=\"%u\" y=\"%u\">",
			PLOT_LABEL_W, y + 2, wa, PLOT_COLOUR_A,
			PLOT_LABEL_W + wa + 4, y + 13);
		svg_text(f, value_text(p, s->a, b[0], sizeof(b[0])));
		fprintf(f, "</text>\n<rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"13\" fill=\"#%06x\"/><text x=\"%u\" y=\"%u\">",
			PLOT_LABEL_W, y + 16, wb, PLOT_COLOUR_B,
			PLOT_LABEL_W + wb + 4, y + 27);
		svg_text(f, value_text(p, s->b, b[1], sizeof(b[1])));
		fputs("</text>\n", f);
	}
	if (p->footer) {
		fprintf(f, "<text x=\"10\" y=\"%u\">",
			PLOT_HEAD + l->n * PLOT_ROW_H + 24);
		svg_text(f, p->footer);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

/* ---- the raster ---- */

struct canvas {
	unsigned int w, h;
	uint8_t *px;		/* RGB, h rows of 3 * w bytes */
};

static void px_set(struct canvas *c, int x, int y, uint32_t rgb)
{
	uint8_t *p;

	if (x < 0 || y < 0 || (unsigned int)x >= c->w ||
	    (unsigned int)y >= c->h)
		return;
	p = c->px + ((size_t)y * c->w + x) * 3;
	p[0] = rgb >> 16;
	p[1] = rgb >> 8;
	p[2] = rgb;
}

static void fill_rect(struct canvas *c, int x, int y, unsigned int w,
		      unsigned int h, uint32_t rgb)
{
	unsigned int i, j;

	for (j = 0; j < h; j++)
		for (i = 0; i < w; i++)
			px_set(c, x + i, y + j, rgb);
}

/* @s's glyphs from @x, on the baseline @base; bold: struck twice */
static void draw_text(struct canvas *c, int x, int base, const char *s,
		      bool bold)
{
	unsigned int col, row;

	for (; *s; s++, x += GLYPH_ADV) {
		unsigned char ch = *s;
		const uint8_t *g;

		if (ch < ' ' || ch > '~')
			ch = '?';
		g = font[ch - ' '];
		for (col = 0; col < GLYPH_W; col++)
			for (row = 0; row < 8; row++) {
				if (!(g[col] >> row & 1))
					continue;
				px_set(c, x + col, base - GLYPH_ASC + row,
				       TEXT_RGB);
				if (bold)
					px_set(c, x + col + 1,
					       base - GLYPH_ASC + row,
					       TEXT_RGB);
			}
	}
}

static int text_width(size_t len)
{
	return len ? (int)len * GLYPH_ADV - 1 : 0;
}

/* "label [tag]" in @buf, cut with ".." to what the label column holds */
static const char *png_label(const struct plot_bar *s, char *buf, size_t len)
{
	const size_t fit = (PLOT_LABEL_W - 6 - 4) / GLYPH_ADV;

	if (s->tag)
		snprintf(buf, len, "%s [%s]", str_or_empty(s->label), s->tag);
	else
		snprintf(buf, len, "%s", str_or_empty(s->label));
	if (strlen(buf) > fit)
		strcpy(buf + fit - 2, "..");
	return buf;
}

static int plot_raster(const struct plot *p, const struct layout *l,
		       struct canvas *c)
{
	char lab[LABEL_MAX], b[VALUE_MAX];
	unsigned int i;

	c->w = PLOT_WIDTH;
	c->h = PLOT_HEIGHT(l->n);
	c->px = malloc((size_t)c->w * c->h * 3);
	if (!c->px)
		return -ENOMEM;
	memset(c->px, 0xff, (size_t)c->w * c->h * 3);	/* white */
	draw_text(c, 10, 22, str_or_empty(p->title), true);
	fill_rect(c, 10, 34, 12, 12, PLOT_COLOUR_A);
	draw_text(c, 28, 45, str_or_empty(p->name_a), false);
	fill_rect(c, l->legend_b_x, 34, 12, 12, PLOT_COLOUR_B);
	draw_text(c, l->legend_b_x + 18, 45, str_or_empty(p->name_b), false);
	for (i = 0; i < l->n; i++) {
		const struct plot_bar *s = &p->bars[i];
		int y = PLOT_HEAD + i * PLOT_ROW_H;
		unsigned int wa = l->len[2 * i], wb = l->len[2 * i + 1];

		png_label(s, lab, sizeof(lab));
		draw_text(c, PLOT_LABEL_W - 6 - text_width(strlen(lab)),
			  y + 18, lab, false);
		fill_rect(c, PLOT_LABEL_W, y + 2, wa, 13, PLOT_COLOUR_A);
		draw_text(c, PLOT_LABEL_W + wa + 4, y + 13,
			  value_text(p, s->a, b, sizeof(b)), false);
		fill_rect(c, PLOT_LABEL_W, y + 16, wb, 13, PLOT_COLOUR_B);
		draw_text(c, PLOT_LABEL_W + wb + 4, y + 27,
			  value_text(p, s->b, b, sizeof(b)), false);
	}
	if (p->footer)
		draw_text(c, 10, PLOT_HEAD + l->n * PLOT_ROW_H + 24, p->footer,
			  false);
	return 0;
}

/* ---- PNG: scanlines, zlib, chunks ---- */

/*
 * The scanlines: each row behind its filter byte, the filter (None, Sub
 * or Up) with the smallest sum of the bytes as signed, the usual guess.
 */
static uint8_t *png_filter(const struct canvas *c, size_t *n)
{
	const size_t stride = (size_t)c->w * 3;
	uint8_t *out = malloc(c->h * (stride + 1));
	unsigned int y, f;
	size_t i;

	if (!out)
		return NULL;
	for (y = 0; y < c->h; y++) {
		const uint8_t *row = c->px + y * stride;
		const uint8_t *up = y ? row - stride : NULL;
		uint8_t *dst = out + y * (stride + 1);
		unsigned long cost[3] = { 0, 0, 0 };
		unsigned int best = 0;

		for (i = 0; i < stride; i++) {
			uint8_t s = row[i] - (i >= 3 ? row[i - 3] : 0);
			uint8_t u = row[i] - (up ? up[i] : 0);

			cost[0] += row[i] < 128 ? row[i] : 256 - row[i];
			cost[1] += s < 128 ? s : 256 - s;
			cost[2] += u < 128 ? u : 256 - u;
		}
		for (f = 1; f < 3; f++)
			if (cost[f] < cost[best])
				best = f;
		dst[0] = best;
		for (i = 0; i < stride; i++) {
			if (best == 1)
				dst[1 + i] = row[i] - (i >= 3 ? row[i - 3] : 0);
			else if (best == 2)
				dst[1 + i] = row[i] - (up ? up[i] : 0);
			else
				dst[1 + i] = row[i];
		}
	}
	*n = c->h * (stride + 1);
	return out;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* one chunk: length, type, data, CRC-32 of type and data */
static void png_chunk(FILE *f, const char *type, const uint8_t *data,
		      size_t n)
{
	uint8_t b[4];
	uint32_t crc;

	put_be32(b, n);
	fwrite(b, 1, 4, f);
	fwrite(type, 1, 4, f);
	if (n)
		fwrite(data, 1, n, f);
	crc = crc32(crc32(0, Z_NULL, 0), (const Bytef *)type, 4);
	if (n)
		crc = crc32(crc, data, n);
	put_be32(b, crc);
	fwrite(b, 1, 4, f);
}

static int png_write(const char *path, const struct canvas *c)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint8_t ihdr[13], *lines, *z;
	uLongf zlen;
	size_t n;
	FILE *f;
	int ret;

	lines = png_filter(c, &n);
	if (!lines)
		return -ENOMEM;
	zlen = compressBound(n);
	z = malloc(zlen);
	if (!z || compress2(z, &zlen, lines, n, Z_BEST_COMPRESSION) != Z_OK) {
		free(lines);
		free(z);
		return -ENOMEM;
	}
	free(lines);
	put_be32(ihdr, c->w);
	put_be32(ihdr + 4, c->h);
	ihdr[8] = 8;		/* bits a sample */
	ihdr[9] = 2;		/* truecolour: RGB */
	ihdr[10] = 0;		/* deflate */
	ihdr[11] = 0;		/* the five adaptive filters */
	ihdr[12] = 0;		/* not interlaced */
	f = fopen(path, "wb");
	if (!f) {
		ret = -errno;
		free(z);
		return ret;
	}
	fwrite(sig, 1, sizeof(sig), f);
	png_chunk(f, "IHDR", ihdr, sizeof(ihdr));
	png_chunk(f, "IDAT", z, zlen);
	png_chunk(f, "IEND", NULL, 0);
	free(z);
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

int plot_write(const char *path, const struct plot *p)
{
	int fmt = plot_format(path);
	struct canvas c = { 0 };
	struct layout l;
	int ret;

	if (fmt < 0)
		return fmt;
	if (p->nr_bars > PLOT_MAX_BARS || (p->nr_bars && !p->bars))
		return -EINVAL;
	ret = plot_layout(p, &l);
	if (ret)
		return ret;
	if (fmt == PLOT_SVG) {
		ret = plot_svg(path, p, &l);
	} else {
		ret = plot_raster(p, &l, &c);
		if (!ret)
			ret = png_write(path, &c);
		free(c.px);
	}
	free(l.len);
	return ret;
}
