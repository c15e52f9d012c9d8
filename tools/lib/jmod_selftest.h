/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's in-kernel test cases through JMOD_IOC_SELFTEST: list
 * them, find one by name, run one, and the order to run them in (the
 * leak check "quiesce" last, whatever its id).  See jmod_selftest.c.
 */
#ifndef JMOD_SELFTEST_H
#define JMOD_SELFTEST_H

#include <stddef.h>

#include <linux/jmod.h>

/* More ids than that and the kernel never said ENOENT */
#define JMOD_SELFTEST_MAX_CASES	1024
/* The case that checks nothing leaked: it runs after every other one */
#define JMOD_SELFTEST_QUIESCE	"quiesce"

struct jmod_selftest_case {
	__u32 id;
	char name[JMOD_SELFTEST_NAME_LEN + 1];	/* "case<id>" if unnamed */
};

/* Lists the cases (ids 0, 1, ... until ENOENT); how many, or -errno */
int jmod_selftest_list(int fd, struct jmod_selftest_case *cases, int max);
/* The id of the case named @name: 0, -ENOENT if none, or -errno */
int jmod_selftest_find(int fd, const char *name, __u32 *id);
/*
 * Runs case @id with @arg (cpu_mask_or_arg); its message in @msg.
 * Returns 0 (passed) or the case's -errno.
 */
int jmod_selftest_run(int fd, __u32 id, __u32 arg, char *msg, size_t len);
/* jmod_selftest_find() then jmod_selftest_run() */
int jmod_selftest_run_name(int fd, const char *name, __u32 arg, char *msg,
			   size_t len);
/*
 * The order to run @cases[0..@n) in: their indexes into @order, "quiesce"
 * last, the others in id order.  Returns @n.
 */
int jmod_selftest_order(const struct jmod_selftest_case *cases, int n,
			int *order);

#endif /* JMOD_SELFTEST_H */
