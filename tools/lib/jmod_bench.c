// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_bench: how a JMOD_IOC_BENCH result is shown.  Owns the derived
 * rates (ns per op, ops per second), the one-line label of a run and the
 * kernel's result counters as JSON members.  Used by
 * tools/bench/jmod-bench.c (its result lines), selftests/jmod_bench_test.c
 * (its logs) and, later, jmodctl bench.
 */
#include <stdio.h>

#include "jmod_bench.h"
#include "jmod_dev.h"

double jmod_bench_ns_per_op(const struct jmod_bench *b)
{
	return b->total_ops ? (double)b->thread_ns / b->total_ops : 0;
}

double jmod_bench_ops_per_sec(const struct jmod_bench *b)
{
	return b->elapsed_ns ? (double)b->total_ops * 1e9 / b->elapsed_ns : 0;
}

const char *jmod_bench_label(const struct jmod_bench *b, char *buf,
			     size_t len)
{
	snprintf(buf, len, "%s/%s/%u threads/sizes %llu..%llu",
		 jmod_name_of(jmod_workload_names, JMOD_BENCH_NR, b->workload),
		 jmod_name_of(jmod_backend_names, JMOD_BACKEND_NR, b->backend),
		 b->nr_threads, (unsigned long long)b->min_size,
		 (unsigned long long)b->max_size);
	return buf;
}

int jmod_bench_result_json(const struct jmod_bench *b, char *buf, size_t len)
{
#define F(name)	((unsigned long long)b->name)
	return snprintf(buf, len,
			"\"total_ops\":%llu,\"failed\":%llu,\"elapsed_ns\":%llu,\"thread_ns\":%llu,\"requested_bytes\":%llu,\"usable_bytes\":%llu,\"peak_bytes\":%llu,\"peak_requested\":%llu,\"mapped_start\":%llu,\"mapped_peak\":%llu,\"mapped_end\":%llu",
			F(total_ops), F(failed), F(elapsed_ns), F(thread_ns),
			F(requested_bytes), F(usable_bytes), F(peak_bytes),
			F(peak_requested), F(mapped_start), F(mapped_peak),
			F(mapped_end));
#undef F
}
