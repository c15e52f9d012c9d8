// SPDX-License-Identifier: GPL-2.0
/*
 * table.c: jmod's tables for stats and top.  table_json() builds one
 * from an array of stats.json (stats), table_read() from a debugfs text
 * table (bins, large, ...: top), splitting it into the header's column
 * names and rows of cells (pointers into one buffer); table_sort()
 * orders rows by one column; table_print() aligns them, byte columns in
 * K/M/G, idle rows hidden unless asked for.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "jmodctl.h"

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


/* Appends a row of t->ncols cells, copied; exits on failure */
void table_add(struct table *t, const char *const *cells)
{
	size_t len = t->ncols * sizeof(char *);
	char **row, ***rows, *p;
	unsigned int c;

	for (c = 0; c < t->ncols; c++)
		len += strlen(cells[c]) + 1;
	row = malloc(len);
	rows = row ? realloc(t->row, (t->nrows + 1) * sizeof(*t->row)) : NULL;
	if (!rows) {
		err("out of memory");
		exit(EXIT_FAILURE);
	}
	t->row = rows;
	p = (char *)(row + t->ncols);
	for (c = 0; c < t->ncols; c++) {
		row[c] = p;
		p = stpcpy(p, cells[c]) + 1;
	}
	t->row[t->nrows++] = row;
}

/* A stats.json number's literal text as a cell; "-" for anything else */
const char *table_cell(const struct json *v)
{
	return v && v->type == JSON_NUMBER ? v->str : "-";
}

/*
 * A table from an array of stats.json objects: column c is @cols[c],
 * read from member @keys[c] of each element (@keys NULL, or its entry
 * NULL: the column's own name); a member that is missing or not a
 * number reads "-".  Cells are the numbers' literal text, so 64-bit
 * counters and "0.750" print as the kernel wrote them.  Exits on failure.
 */
void table_json(const struct json *arr, const char *const *cols,
		const char *const *keys, unsigned int ncols, struct table *t)
{
	const char *cells[TABLE_MAX_COLS];
	const struct json *e, *v;
	unsigned int c;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->col = calloc(ncols, sizeof(*t->col));
	if (!t->col || ncols > TABLE_MAX_COLS) {
		err("out of memory");
		exit(EXIT_FAILURE);
	}
	for (c = 0; c < ncols; c++)
		t->col[c] = (char *)cols[c];
	for (i = 0; (e = json_at(arr, i)); i++) {
		for (c = 0; c < ncols; c++) {
			v = json_get(e, keys && keys[c] ? keys[c] : cols[c]);
			cells[c] = table_cell(v);
		}
		table_add(t, cells);
	}
}

/* Reads debugfs file @name as a table; exits on failure */
void table_read(const char *name, struct table *t)
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

void table_free(struct table *t)
{
	unsigned int r;

	for (r = 0; r < t->nrows; r++)
		free(t->row[r]);
	free(t->row);
	free(t->col);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

int table_col(const struct table *t, const char *name)
{
	unsigned int c;

	for (c = 0; c < t->ncols; c++)
		if (!strcmp(t->col[c], name))
			return c;
	return -1;
}

/* Cell as a number; -1 for "-" and other non-numbers */
double cell_num(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	return end == s || *end ? -1 : v;
}

double table_num(const struct table *t, unsigned int r, const char *col)
{
	int c = table_col(t, col);

	return c < 0 ? -1 : cell_num(t->row[r][c]);
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

void table_sort(struct table *t, const char *col, bool ascending)
{
	int c = table_col(t, col);

	if (c < 0)
		return;
	sort_table = t;
	sort_colnr = c;
	sort_ascending = ascending;
	qsort(t->row, t->nrows, sizeof(*t->row), row_cmp);
}

/* Cell @r, @c as printed: byte columns in human units */
static const char *cell_text(const struct table *t, unsigned int r,
			     unsigned int c, char *b, size_t n)
{
	const char *s = t->row[r][c];

	if (is_byte_col(t->col[c]) && cell_num(s) >= 0)
		return hum(cell_num(s), b, n);
	return s;
}

/* Prints @t right-aligned, byte columns in human units; all rows if @all */
void table_print(const struct table *t, const char *title, bool all)
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
			s = cell_text(t, r, c, b, sizeof(b));
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
			s = cell_text(t, r, c, b, sizeof(b));
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

