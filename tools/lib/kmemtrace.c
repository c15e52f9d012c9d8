// SPDX-License-Identifier: GPL-2.0
/*
 * kmem trace reader and per-call-site "what if" accounting.
 *
 * Owns the parsing of kmem:kmalloc, kmem:kmalloc_node and kmem:kfree
 * event lines and the fold of a trace into per-site figures: what
 * kmalloc handed out (the traced bytes_alloc) and what jmod would have
 * (jmod_sc_usable() of bytes_req, the module's own rule from
 * include/jmod_sizeclass.h), summed and at each site's peak live set.
 * Used by `jmodctl whatif`; single-threaded, no locking.
 *
 *   line --kt_parse_line()--> struct kt_event --kt_feed()--> kt_stats
 *     alloc: close a live object at the same pointer (reused without a
 *            traced free), add the object to its site and the live table
 *     free:  look the pointer up; unknown (allocated before the trace) or
 *            NULL frees are counted and change nothing else
 *
 * The three text formats share one line shape, which is what is parsed:
 *   tracefs:   COMM-PID [CPU] FLAGS TS: kmalloc: call_site=F+0x5c/0x1d0 ...
 *   trace-cmd: COMM-PID [CPU] TS: kmalloc: call_site=F+0x5c ...
 *   perf:      COMM PID [CPU] TS: kmem:kmalloc: call_site=F+0x5c ...
 * with the kmalloc fields ptr=, bytes_req=, bytes_alloc=, gfp_flags=
 * (and node=, accounted=, ignored) and the kfree fields call_site=, ptr=.
 * A module's symbol carries a " [module]" tag after the call site
 * (tracefs; trace-cmd report and perf script print none): an
 * allocation without one is looked up by function name in the optional
 * function list (struct kt_funcs, from /proc/kallsyms or `trace-cmd
 * report -f`), a name it holds in one module only moves the event
 * there, before the --module filter and the grouping.
 * Every line is accounted exactly once: event, header, other event or
 * unparsed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jmod_sizeclass.h"
#include "jmod_whatif.h"
#include "kmemtrace.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct kt_obj {
	uint64_t ptr;		/* 0: empty slot */
	uint64_t kmalloc_bytes;
	uint64_t jmod_bytes;
	unsigned int site;
};

static const char *const format_names[KT_NR_FMT] = {
	[KT_FMT_NONE] = "none",
	[KT_FMT_TRACEFS] = "tracefs",
	[KT_FMT_TRACE_CMD] = "trace-cmd",
	[KT_FMT_PERF] = "perf",
};

const char *kt_format_name(enum kt_format fmt)
{
	return fmt < KT_NR_FMT ? format_names[fmt] : "?";
}

static const char *skip_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* length of the token at @s (up to a blank or the end of the line) */
static size_t tok_len(const char *s)
{
	size_t n = 0;

	while (s[n] && !isspace((unsigned char)s[n]))
		n++;
	return n;
}

static void copy_tok(char *dst, const char *s, size_t n)
{
	if (n >= KT_NAME_MAX)
		n = KT_NAME_MAX - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* " [123] ": the CPU column every format has; returns what follows */
static const char *find_cpu(const char *line, int *cpu)
{
	const char *p = line;

	while ((p = strchr(p, '[')) != NULL) {
		const char *q = p + 1;
		int v = 0;

		if (p > line && p[-1] != ' ' && p[-1] != '\t') {
			p++;
			continue;
		}
		while (isdigit((unsigned char)*q) && v < 100000)
			v = v * 10 + (*q++ - '0');
		if (q > p + 1 && *q == ']' && (q[1] == ' ' || q[1] == '\t')) {
			*cpu = v;
			return q + 1;
		}
		p++;
	}
	return NULL;
}

/* "4.290452:" */
static bool is_timestamp(const char *s, size_t n)
{
	bool dot = false;
	size_t i;

	if (n < 2 || s[n - 1] != ':')
		return false;
	for (i = 0; i < n - 1; i++) {
		if (s[i] == '.' && !dot)
			dot = true;
		else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return dot;
}

static bool parse_u64(const char *s, size_t n, int base, uint64_t *v)
{
	char buf[32], *end;

	if (!n || n >= sizeof(buf) || *s == '-' || *s == '+')
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, base);
	return !errno && *end == '\0';
}

/* ptr=0000000003931f0f (hashed), ptr=0xff25a65f420de400, (null), (nil) */
static bool parse_ptr(const char *s, size_t n, uint64_t *v)
{
	if ((n == 6 && !memcmp(s, "(null)", 6)) ||
	    (n == 5 && !memcmp(s, "(nil)", 5))) {
		*v = 0;
		return true;
	}
	return parse_u64(s, n, 16, v);
}

/* GFP flags that let the allocation sleep (direct reclaim) */
static bool gfp_can_sleep(const char *s, size_t n)
{
	static const char *const sleeping[] = {
		"GFP_KERNEL", "GFP_USER", "GFP_NOFS", "GFP_NOIO",
		"GFP_HIGHUSER", "__GFP_DIRECT_RECLAIM",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sleeping); i++)
		if (memmem(s, n, sleeping[i], strlen(sleeping[i])))
			return true;
	return false;
}

/* call_site=F+0x5c/0x1d0 [mod], call_site=0xffffffff81234567 */
static void set_site(struct kt_event *ev, const char *s, size_t n)
{
	size_t f = 0, k = 0;

	while (k < n && s[k] != '/')
		k++;
	while (f < k && s[f] != '+')
		f++;
	copy_tok(ev->site, s, k);
	copy_tok(ev->func, s, f);
}

enum {
	F_SITE = 1, F_PTR = 2, F_REQ = 4, F_ALLOC = 8,
};

/* the key=value fields after the event name; false if one is malformed */
static bool parse_fields(const char *p, struct kt_event *ev, unsigned int *seen)
{
	char paren[KT_NAME_MAX] = "";

	for (p = skip_blank(p); *p; p = skip_blank(p)) {
		size_t n = tok_len(p);
		const char *eq = memchr(p, '=', n), *v;
		size_t kn, vn;

		if (!eq) {
			/* trace-cmd's "(sym+off)" before a raw call_site */
			if (n > 2 && p[0] == '(' && p[n - 1] == ')') {
				copy_tok(paren, p + 1, n - 2);
			} else if ((*seen & F_SITE) && p[0] == '[' &&
				   p[n - 1] == ']') {
				copy_tok(ev->module, p + 1, n - 2);
				ev->tagged = true;
			} else {
				return false;
			}
			p += n;
			continue;
		}
		v = eq + 1;
		kn = eq - p;
		vn = n - kn - 1;
		if (kn == 9 && !memcmp(p, "call_site", 9)) {
			set_site(ev, v, vn);
			*seen |= F_SITE;
		} else if (kn == 3 && !memcmp(p, "ptr", 3)) {
			if (!parse_ptr(v, vn, &ev->ptr))
				return false;
			*seen |= F_PTR;
		} else if (kn == 9 && !memcmp(p, "bytes_req", 9)) {
			if (!parse_u64(v, vn, 10, &ev->bytes_req))
				return false;
			*seen |= F_REQ;
		} else if (kn == 11 && !memcmp(p, "bytes_alloc", 11)) {
			if (!parse_u64(v, vn, 10, &ev->bytes_alloc))
				return false;
			*seen |= F_ALLOC;
		} else if (kn == 9 && !memcmp(p, "gfp_flags", 9)) {
			ev->can_sleep = gfp_can_sleep(v, vn);
		}
		p += n;
	}
	if (paren[0] && (!strncmp(ev->func, "0x", 2) ||
			 !strncmp(ev->func, "ffff", 4)))
		set_site(ev, paren, strlen(paren));
	return true;
}

/**
 * kt_parse_line - read one line of a trace
 * @line: the line, with or without its newline
 * @ev: filled when the result is KT_LINE_EVENT
 */
enum kt_line kt_parse_line(const char *line, struct kt_event *ev)
{
	const char *p = skip_blank(line), *name = NULL;
	unsigned int seen = 0, need;
	bool flags = false;
	size_t n = 0;
	int cpu;

	if (!*p || *p == '\n' || *p == '#' || !strncmp(p, "cpus=", 5) ||
	    !strncmp(p, "version = ", 10) ||
	    (!strncmp(p, "CPU ", 4) && strstr(p, " is empty")) ||
	    (!strncmp(p, "CPU:", 4) && strstr(p, "[LOST")))
		return KT_LINE_HEADER;
	p = find_cpu(p, &cpu);
	if (!p)
		return KT_LINE_UNPARSED;
	/* [FLAGS] TIMESTAMP: EVENT: */
	for (p = skip_blank(p); *p; p = skip_blank(p + n)) {
		n = tok_len(p);
		if (is_timestamp(p, n)) {
			p = skip_blank(p + n);
			name = p;
			n = tok_len(p);
			break;
		}
		if (flags)
			return KT_LINE_UNPARSED;
		flags = true;
	}
	if (!name || n < 2 || name[n - 1] != ':')
		return KT_LINE_UNPARSED;

	memset(ev, 0, sizeof(*ev));
	ev->cpu = cpu;
	strcpy(ev->module, "vmlinux");
	if (n > 5 && !memcmp(name, "kmem:", 5)) {
		ev->format = KT_FMT_PERF;
		name += 5;
		n -= 5;
	} else {
		ev->format = flags ? KT_FMT_TRACEFS : KT_FMT_TRACE_CMD;
	}
	if ((n == 8 && !memcmp(name, "kmalloc:", 8)) ||
	    (n == 13 && !memcmp(name, "kmalloc_node:", 13))) {
		ev->kind = KT_ALLOC;
		need = F_SITE | F_PTR | F_REQ | F_ALLOC;
	} else if (n == 6 && !memcmp(name, "kfree:", 6)) {
		ev->kind = KT_FREE;
		need = F_SITE | F_PTR;
	} else {
		return KT_LINE_OTHER;
	}
	if (!parse_fields(name + n, ev, &seen) || (seen & need) != need)
		return KT_LINE_UNPARSED;
	return KT_LINE_EVENT;
}

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_str(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;

	while (*a)
		h = (h ^ (unsigned char)*a++) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	while (*b)
		h = (h ^ (unsigned char)*b++) * 1099511628211ULL;
	return h;
}

int kt_init(struct kt_stats *st, enum kt_group by, uint64_t jmod_large_max,
	    uint64_t page_size)
{
	memset(st, 0, sizeof(*st));
	st->by = by;
	st->jmod_large_max = jmod_large_max;
	st->page_size = page_size;
	st->objs_cap = 1 << 16;
	st->objs = calloc(st->objs_cap, sizeof(*st->objs));
	st->site_hash_cap = 1 << 10;
	st->site_hash = calloc(st->site_hash_cap, sizeof(*st->site_hash));
	if (!st->objs || !st->site_hash) {
		kt_free(st);
		return -ENOMEM;
	}
	return 0;
}

void kt_free(struct kt_stats *st)
{
	free(st->objs);
	free(st->sites);
	free(st->site_hash);
	st->objs = NULL;
	st->sites = NULL;
	st->site_hash = NULL;
}

static int grow_site_hash(struct kt_stats *st)
{
	unsigned int cap = st->site_hash_cap * 2, i, *h;

	h = calloc(cap, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (i = 0; i < st->nr_sites; i++) {
		struct kt_site *s = &st->sites[i];
		unsigned int j = hash_str(s->name, s->module) & (cap - 1);

		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = i + 1;
	}
	free(st->site_hash);
	st->site_hash = h;
	st->site_hash_cap = cap;
	return 0;
}

/* the site an event is accounted to (by function, site or module) */
static int site_of(struct kt_stats *st, const struct kt_event *ev)
{
	const char *name = st->by == KT_BY_SITE ? ev->site :
			   st->by == KT_BY_MODULE ? ev->module : ev->func;
	unsigned int j, mask;
	struct kt_site *s;

	if (2 * (st->nr_sites + 1) > st->site_hash_cap && grow_site_hash(st))
		return -ENOMEM;
	mask = st->site_hash_cap - 1;
	for (j = hash_str(name, ev->module) & mask; st->site_hash[j];
	     j = (j + 1) & mask) {
		s = &st->sites[st->site_hash[j] - 1];
		if (!strcmp(s->name, name) && !strcmp(s->module, ev->module))
			return st->site_hash[j] - 1;
	}
	if (st->nr_sites == st->sites_cap) {
		unsigned int cap = st->sites_cap ? 2 * st->sites_cap : 256;

		s = realloc(st->sites, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		st->sites = s;
		st->sites_cap = cap;
	}
	s = &st->sites[st->nr_sites];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->module, sizeof(s->module), "%s", ev->module);
	st->site_hash[j] = ++st->nr_sites;
	return st->nr_sites - 1;
}

static struct kt_obj *obj_slot(struct kt_stats *st, uint64_t ptr)
{
	uint64_t mask = st->objs_cap - 1, j;

	for (j = hash64(ptr) & mask; st->objs[j].ptr; j = (j + 1) & mask)
		if (st->objs[j].ptr == ptr)
			break;
	return &st->objs[j];
}

static int grow_objs(struct kt_stats *st)
{
	struct kt_obj *old = st->objs;
	uint64_t cap = st->objs_cap, i;

	st->objs = calloc(2 * cap, sizeof(*old));
	if (!st->objs) {
		st->objs = old;
		return -ENOMEM;
	}
	st->objs_cap = 2 * cap;
	for (i = 0; i < cap; i++)
		if (old[i].ptr)
			*obj_slot(st, old[i].ptr) = old[i];
	free(old);
	return 0;
}

/* Remove @o (backward-shift deletion keeps the probe chains whole) */
static void obj_remove(struct kt_stats *st, struct kt_obj *o)
{
	uint64_t mask = st->objs_cap - 1, i = o - st->objs, j = i, k;

	for (;;) {
		st->objs[i].ptr = 0;
		do {
			j = (j + 1) & mask;
			if (!st->objs[j].ptr)
				goto out;
			k = hash64(st->objs[j].ptr) & mask;
		} while (i <= j ? (i < k && k <= j) : (i < k || k <= j));
		st->objs[i] = st->objs[j];
		i = j;
	}
out:
	st->nr_objs--;
}

static void live_sub(struct kt_figures *f, const struct kt_obj *o)
{
	f->live_kmalloc_bytes -= o->kmalloc_bytes;
	f->live_jmod_bytes -= o->jmod_bytes;
}

static void release(struct kt_stats *st, struct kt_obj *o)
{
	live_sub(&st->sites[o->site].f, o);
	live_sub(&st->total, o);
	obj_remove(st, o);
}

static void add(struct kt_figures *f, const struct kt_event *ev,
		uint64_t jmod_bytes)
{
	f->objects++;
	f->requested_bytes += ev->bytes_req;
	f->kmalloc_bytes += ev->bytes_alloc;
	f->jmod_bytes += jmod_bytes;
	f->live_kmalloc_bytes += ev->bytes_alloc;
	f->live_jmod_bytes += jmod_bytes;
	if (f->live_kmalloc_bytes > f->peak_live_kmalloc_bytes)
		f->peak_live_kmalloc_bytes = f->live_kmalloc_bytes;
	if (f->live_jmod_bytes > f->peak_live_jmod_bytes)
		f->peak_live_jmod_bytes = f->live_jmod_bytes;
}

static int account_alloc(struct kt_stats *st, const struct kt_event *ev)
{
	uint64_t jb = jmod_sc_usable(ev->bytes_req, st->jmod_large_max,
				     st->page_size);
	struct kt_obj *o;
	int site;

	if (!ev->ptr) {
		st->failed_allocs++;
		return 0;
	}
	o = obj_slot(st, ev->ptr);
	if (o->ptr) {
		st->reused_ptrs++;
		release(st, o);
	}
	if (st->only_module && strcmp(st->only_module, ev->module)) {
		st->filtered++;
		return 0;
	}
	site = site_of(st, ev);
	if (site < 0)
		return site;
	if (2 * (st->nr_objs + 1) > st->objs_cap && grow_objs(st))
		return -ENOMEM;
	o = obj_slot(st, ev->ptr);
	o->ptr = ev->ptr;
	o->kmalloc_bytes = ev->bytes_alloc;
	o->jmod_bytes = jb;
	o->site = site;
	st->nr_objs++;
	add(&st->sites[site].f, ev, jb);
	add(&st->total, ev, jb);
	return 0;
}

/* an untagged allocation: its module from the function list, if it says */
static void place(struct kt_stats *st, struct kt_event *ev)
{
	const char *m = kt_funcs_module(st->funcs, ev->func);

	if (!m)
		return;
	if (!*m) {
		st->ambiguous_events++;
		return;
	}
	if (!strcmp(m, "vmlinux"))
		return;
	snprintf(ev->module, sizeof(ev->module), "%s", m);
	st->funcs_placed++;
}

/**
 * kt_feed - account one line of a trace
 * @st: the fold, from kt_init()
 * @line: the line
 *
 * Return: 0, or -ENOMEM (the fold is then as before the line).
 */
int kt_feed(struct kt_stats *st, const char *line)
{
	struct kt_event ev;
	struct kt_obj *o;

	st->lines++;
	switch (kt_parse_line(line, &ev)) {
	case KT_LINE_HEADER:
		st->header_lines++;
		return 0;
	case KT_LINE_OTHER:
		st->other_events++;
		return 0;
	case KT_LINE_UNPARSED:
		st->unparsed_lines++;
		return 0;
	case KT_LINE_EVENT:
		break;
	}
	st->events[ev.format]++;
	if (ev.kind == KT_ALLOC) {
		st->alloc_events++;
		if (st->funcs && !ev.tagged)
			place(st, &ev);
		return account_alloc(st, &ev);
	}
	if (!ev.ptr) {
		st->null_frees++;
		return 0;
	}
	o = obj_slot(st, ev.ptr);
	if (!o->ptr)
		st->untracked_frees++;
	else
		release(st, o);
	return 0;
}

/**
 * kt_end_trace - close every object still live at the end of a trace
 * @st: the fold
 *
 * The objects stay in the sums and the peaks; the next trace fed starts
 * with nothing live (its pointers are another run's).
 * Return: how many objects were live.
 */
uint64_t kt_end_trace(struct kt_stats *st)
{
	uint64_t i, n = 0;

	for (i = 0; i < st->objs_cap; i++) {
		struct kt_obj *o = &st->objs[i];

		if (!o->ptr)
			continue;
		live_sub(&st->sites[o->site].f, o);
		live_sub(&st->total, o);
		o->ptr = 0;
		n++;
	}
	st->nr_objs = 0;
	st->live_at_end += n;
	return n;
}

uint64_t kt_nr_events(const struct kt_stats *st)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < KT_NR_FMT; i++)
		n += st->events[i];
	return n;
}

/* the format most events were in */
enum kt_format kt_main_format(const struct kt_stats *st)
{
	enum kt_format best = KT_FMT_NONE;
	unsigned int i;

	for (i = KT_FMT_TRACEFS; i < KT_NR_FMT; i++)
		if (st->events[i] > st->events[best])
			best = i;
	return best;
}

static int64_t saved(const struct kt_site *s)
{
	return jmod_whatif_saved(s->f.kmalloc_bytes, s->f.jmod_bytes);
}

static int cmp_saved(const void *a, const void *b)
{
	const struct kt_site *x = a, *y = b;

	return jmod_whatif_cmp(saved(x), x->name, x->module,
			       saved(y), y->name, y->module);
}

/* Sorting moves the sites under the live objects: after the last kt_feed() */
void kt_sort(struct kt_stats *st)
{
	qsort(st->sites, st->nr_sites, sizeof(*st->sites), cmp_saved);
}

/* One name of a function list */
struct kt_func {
	char *name;		/* NULL: empty slot */
	unsigned int module;	/* 0: vmlinux, else kt_funcs.modules[] + 1 */
	bool ambiguous;		/* in two of vmlinux and the modules */
};

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct kt_func *func_slot(struct kt_func *tab, uint64_t cap,
				 const char *name)
{
	uint64_t mask = cap - 1, j;

	for (j = hash_name(name) & mask; tab[j].name; j = (j + 1) & mask)
		if (!strcmp(tab[j].name, name))
			break;
	return &tab[j];
}

static int grow_funcs(struct kt_funcs *fx)
{
	uint64_t cap = fx->cap ? 2 * fx->cap : 1 << 12, i;
	struct kt_func *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return -ENOMEM;
	for (i = 0; i < fx->cap; i++)
		if (fx->tab[i].name)
			*func_slot(tab, cap, fx->tab[i].name) = fx->tab[i];
	free(fx->tab);
	fx->tab = tab;
	fx->cap = cap;
	return 0;
}

/* the index + 1 of module @s (@n bytes) in fx->modules, added if new */
static int module_index(struct kt_funcs *fx, const char *s, size_t n)
{
	unsigned int i;
	char *m;

	/* a list holds a module's lines together: the last one first */
	for (i = fx->nr_modules; i > 0; i--)
		if (strlen(fx->modules[i - 1]) == n &&
		    !memcmp(fx->modules[i - 1], s, n))
			return i;
	if (fx->nr_modules == fx->modules_cap) {
		unsigned int cap = fx->modules_cap ? 2 * fx->modules_cap : 16;
		char **v = realloc(fx->modules, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		fx->modules = v;
		fx->modules_cap = cap;
	}
	m = strndup(s, n);
	if (!m)
		return -ENOMEM;
	fx->modules[fx->nr_modules++] = m;
	return fx->nr_modules;
}

/* an address as kallsyms and trace-cmd print it: 16 (or 8) hex digits */
static bool is_addr(const char *s, size_t n)
{
	size_t i;

	if (n != 16 && n != 8)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_tag(const char *s, size_t n)
{
	return n > 2 && s[0] == '[' && s[n - 1] == ']';
}

/**
 * kt_funcs_line - add one line of a function list
 * @fx: the table (zeroed before the first line)
 * @line: "ADDR T NAME" or "ADDR T NAME\t[MOD]" (/proc/kallsyms; only
 *	the text types t, T, w and W are functions), or "ADDR NAME" or
 *	"ADDR NAME [MOD]" (trace-cmd report -f); a blank line is skipped
 *
 * Every line must be in the layout of the first one.
 * Return: 0, -EINVAL (a line in neither layout) or -ENOMEM.
 */
int kt_funcs_line(struct kt_funcs *fx, const char *line)
{
	enum kt_funcs_layout layout;
	const char *tok[5], *name, *mod = NULL;
	size_t len[5], name_n, mod_n = 0;
	unsigned int nt = 0, module = 0, at;
	const char *p = skip_blank(line);
	char buf[KT_NAME_MAX];
	struct kt_func *f;
	int i;

	for (; *p && nt < ARRAY_SIZE(tok); p = skip_blank(p + len[nt++])) {
		tok[nt] = p;
		len[nt] = tok_len(p);
	}
	if (!nt)
		return 0;
	if (*p || nt < 2 || !is_addr(tok[0], len[0]))
		return -EINVAL;
	/* the name's token: after the address, or after address and type */
	if (nt == 2 || (nt == 3 && is_tag(tok[2], len[2]))) {
		layout = KT_FUNCS_TRACE_CMD;
		at = 1;
	} else if (len[1] == 1 && isalpha((unsigned char)*tok[1]) &&
		   (nt == 3 || (nt == 4 && is_tag(tok[3], len[3])))) {
		layout = KT_FUNCS_KALLSYMS;
		at = 2;
	} else {
		return -EINVAL;
	}
	name = tok[at];
	name_n = len[at];
	if (nt == at + 2) {
		mod = tok[at + 1];
		mod_n = len[at + 1];
	}
	if (is_tag(name, name_n))
		return -EINVAL;
	if (fx->layout == KT_FUNCS_NONE)
		fx->layout = layout;
	else if (fx->layout != layout)
		return -EINVAL;
	if (layout == KT_FUNCS_KALLSYMS && !strchr("tTwW", *tok[1]))
		return 0;
	if (mod) {
		i = module_index(fx, mod + 1, mod_n - 2);
		if (i < 0)
			return i;
		module = i;
	}
	/* as the trace's call_site= is cut (copy_tok()) */
	copy_tok(buf, name, name_n);
	if (2 * (fx->nr + 1) > fx->cap && grow_funcs(fx))
		return -ENOMEM;
	f = func_slot(fx->tab, fx->cap, buf);
	if (f->name) {
		if (f->module != module && !f->ambiguous) {
			f->ambiguous = true;
			fx->ambiguous++;
		}
		return 0;
	}
	f->name = strdup(buf);
	if (!f->name)
		return -ENOMEM;
	f->module = module;
	fx->nr++;
	return 0;
}

/**
 * kt_funcs_module - the module a function list puts @func in
 * @fx: the table
 * @func: the function of a call site
 *
 * Return: NULL if @fx has no such name, "" if it is ambiguous, else
 * "vmlinux" or the module's name.
 */
const char *kt_funcs_module(const struct kt_funcs *fx, const char *func)
{
	const struct kt_func *f;

	if (!fx->cap)
		return NULL;
	f = func_slot(fx->tab, fx->cap, func);
	if (!f->name)
		return NULL;
	if (f->ambiguous)
		return "";
	return f->module ? fx->modules[f->module - 1] : "vmlinux";
}

const char *kt_funcs_layout_name(const struct kt_funcs *fx)
{
	return fx->layout == KT_FUNCS_KALLSYMS ? "/proc/kallsyms" :
	       fx->layout == KT_FUNCS_TRACE_CMD ? "trace-cmd report -f" :
	       "none";
}

void kt_funcs_free(struct kt_funcs *fx)
{
	uint64_t i;

	for (i = 0; i < fx->cap; i++)
		free(fx->tab[i].name);
	for (i = 0; i < fx->nr_modules; i++)
		free(fx->modules[i]);
	free(fx->tab);
	free(fx->modules);
	memset(fx, 0, sizeof(*fx));
}
