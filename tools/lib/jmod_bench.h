/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JMOD_IOC_BENCH results for people and scripts: the derived rates and
 * the counters the kernel returns as JSON members, one spelling for
 * every tool.  See jmod_bench.c.
 */
#ifndef JMOD_BENCH_H
#define JMOD_BENCH_H

#include <stddef.h>

#include <linux/jmod.h>

/* CPU time per op, summed over threads: thread_ns / total_ops (0: none) */
double jmod_bench_ns_per_op(const struct jmod_bench *b);
/* Wall-clock throughput: total_ops * 1e9 / elapsed_ns (0: none) */
double jmod_bench_ops_per_sec(const struct jmod_bench *b);
/*
 * "workload/backend/N threads/sizes MIN..MAX" of the request in @b, into
 * @buf; returns @buf.
 */
const char *jmod_bench_label(const struct jmod_bench *b, char *buf,
			     size_t len);
/*
 * The counters the kernel returned in @b as JSON members, comma
 * separated, without braces ("total_ops":N,"failed":N,...: op counts,
 * elapsed_ns, thread_ns, bytes, peaks and mapped pages) into @buf.
 * Returns what snprintf() returns.
 */
int jmod_bench_result_json(const struct jmod_bench *b, char *buf, size_t len);

#endif /* JMOD_BENCH_H */
