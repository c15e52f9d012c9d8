/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmem trace reader and per-call-site "what if" accounting (kmemtrace.c):
 * the kmem:kmalloc, kmem:kmalloc_node and kmem:kfree events of a trace in
 * the text formats users have (tracefs trace/trace_pipe, trace-cmd
 * report, perf script), folded into what kmalloc spent and what jmod
 * would have spent per call site.
 */
#ifndef _JMOD_KMEMTRACE_H
#define _JMOD_KMEMTRACE_H

#include <stdbool.h>
#include <stdint.h>

enum kt_kind {
	KT_ALLOC,
	KT_FREE,
};

/* what a line was */
enum kt_line {
	KT_LINE_EVENT,		/* a kmalloc, kmalloc_node or kfree event */
	KT_LINE_HEADER,		/* blank, comment or a tool's header line */
	KT_LINE_OTHER,		/* a well-formed event of another kind */
	KT_LINE_UNPARSED,	/* none of these: counted, never dropped */
};

/* the text format an event line was written in */
enum kt_format {
	KT_FMT_NONE,
	KT_FMT_TRACEFS,		/* tracefs trace / trace_pipe */
	KT_FMT_TRACE_CMD,	/* trace-cmd report */
	KT_FMT_PERF,		/* perf script */
	KT_NR_FMT,
};

#define KT_NAME_MAX	128
#define KT_FORMATS_HELP \
	"tracefs trace/trace_pipe text, trace-cmd report text, perf script text"

struct kt_event {
	enum kt_kind kind;
	enum kt_format format;
	int cpu;
	bool can_sleep;		/* gfp allows direct reclaim */
	uint64_t ptr;		/* 0: NULL */
	uint64_t bytes_req;
	uint64_t bytes_alloc;
	char func[KT_NAME_MAX];		/* "__alloc_skb" */
	char site[KT_NAME_MAX];		/* "__alloc_skb+0x5c" */
	char module[KT_NAME_MAX];	/* "[e1000]" tag, else "vmlinux" */
	bool tagged;			/* the line carried the tag */
};

enum kt_group {
	KT_BY_FUNCTION,
	KT_BY_SITE,
	KT_BY_MODULE,
};

/* one call site's figures (or the total); bytes are sums over objects */
struct kt_figures {
	uint64_t objects;
	uint64_t requested_bytes;
	uint64_t kmalloc_bytes;
	uint64_t jmod_bytes;
	uint64_t live_kmalloc_bytes;
	uint64_t live_jmod_bytes;
	uint64_t peak_live_kmalloc_bytes;
	uint64_t peak_live_jmod_bytes;
};

struct kt_site {
	char name[KT_NAME_MAX];
	char module[KT_NAME_MAX];
	struct kt_figures f;
};

struct kt_obj;
struct kt_func;

enum kt_funcs_layout {
	KT_FUNCS_NONE,
	KT_FUNCS_KALLSYMS,	/* /proc/kallsyms */
	KT_FUNCS_TRACE_CMD,	/* trace-cmd report -f */
};

/*
 * A function -> module table (jmodctl whatif --functions) from a
 * function list in /proc/kallsyms layout ("ADDR T NAME\t[MOD]") or
 * `trace-cmd report -f` layout ("ADDR NAME [MOD]"); no tag: vmlinux.
 * A name defined in two of them (vmlinux and a module, or two modules)
 * is ambiguous.
 */
struct kt_funcs {
	struct kt_func *tab;		/* open addressing */
	uint64_t nr, cap;
	char **modules;			/* the modules named, index + 1 */
	unsigned int nr_modules, modules_cap;
	uint64_t ambiguous;		/* names in two of them */
	enum kt_funcs_layout layout;	/* of the first line */
};

#define KT_FUNCS_HELP "/proc/kallsyms or `trace-cmd report -f`"

struct kt_stats {
	enum kt_group by;
	const char *only_module;	/* NULL: every module */
	const struct kt_funcs *funcs;	/* NULL: tags only */
	uint64_t jmod_large_max;	/* largest large class */
	uint64_t page_size;

	struct kt_figures total;
	struct kt_site *sites;
	unsigned int nr_sites, sites_cap;
	unsigned int *site_hash;	/* open addressing, index + 1 */
	unsigned int site_hash_cap;

	struct kt_obj *objs;		/* live pointers, open addressing */
	uint64_t nr_objs, objs_cap;

	/* line accounting: every line lands in exactly one of these */
	uint64_t lines;
	uint64_t events[KT_NR_FMT];	/* used events, by format */
	uint64_t header_lines;
	uint64_t other_events;
	uint64_t unparsed_lines;
	/* events that did not make an object */
	uint64_t failed_allocs;		/* ptr NULL */
	uint64_t null_frees;
	uint64_t untracked_frees;	/* allocated before the trace */
	uint64_t reused_ptrs;		/* reused without a traced free */
	uint64_t filtered;		/* --module left them out */
	uint64_t alloc_events;		/* kmalloc and kmalloc_node */
	uint64_t live_at_end;		/* closed by kt_end_trace() */
	/* allocations with no tag, looked up in @funcs */
	uint64_t funcs_placed;		/* in a module by the table */
	uint64_t ambiguous_events;	/* ambiguous name: left as parsed */
};

const char *kt_format_name(enum kt_format fmt);
enum kt_line kt_parse_line(const char *line, struct kt_event *ev);

int kt_init(struct kt_stats *st, enum kt_group by, uint64_t jmod_large_max,
	    uint64_t page_size);
void kt_free(struct kt_stats *st);
/* kt_feed - parse one line and account it; -ENOMEM is the only error */
int kt_feed(struct kt_stats *st, const char *line);
uint64_t kt_end_trace(struct kt_stats *st);
uint64_t kt_nr_events(const struct kt_stats *st);
enum kt_format kt_main_format(const struct kt_stats *st);
/* kt_sort - sites by bytes saved (kmalloc - jmod), most first; ends feeding */
void kt_sort(struct kt_stats *st);

/* kt_funcs_line - add one line of a function list: 0, -EINVAL, -ENOMEM */
int kt_funcs_line(struct kt_funcs *fx, const char *line);
/* the module of @func: NULL if not listed, "" if ambiguous */
const char *kt_funcs_module(const struct kt_funcs *fx, const char *func);
const char *kt_funcs_layout_name(const struct kt_funcs *fx);
void kt_funcs_free(struct kt_funcs *fx);

#endif /* _JMOD_KMEMTRACE_H */
