// SPDX-License-Identifier: GPL-2.0
/*
 * jmod_selftest: the module's in-kernel test cases run from userspace
 * through JMOD_IOC_SELFTEST.  Owns listing them (JMOD_SELFTEST_QUERY),
 * finding one by name, running one, and the rule that "quiesce" (the
 * leak check) runs after every other case.  Used by
 * selftests/jmod_incore_test.c, the selftests' jm_run_incore*()
 * (selftests/jmod_debugfs.h) and jmodctl selftest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jmod_dev.h"
#include "jmod_selftest.h"

/* JMOD_IOC_SELFTEST of case @id with @flags and @arg into *@st */
static int selftest_ioctl(int fd, __u32 id, __u32 flags, __u32 arg,
			  struct jmod_selftest *st)
{
	memset(st, 0, sizeof(*st));
	st->id = id;
	st->flags = flags;
	st->cpu_mask_or_arg = arg;
	return jmod_dev_ioctl(fd, JMOD_IOC_SELFTEST, st);
}

/* JMOD_SELFTEST_QUERY of case @id: its name into @name (NUL-terminated) */
static int query(int fd, __u32 id, char name[JMOD_SELFTEST_NAME_LEN + 1])
{
	struct jmod_selftest st;
	int ret = selftest_ioctl(fd, id, JMOD_SELFTEST_QUERY, 0, &st);

	if (ret)
		return ret;
	memcpy(name, st.name, JMOD_SELFTEST_NAME_LEN);
	name[JMOD_SELFTEST_NAME_LEN] = '\0';
	return 0;
}

int jmod_selftest_list(int fd, struct jmod_selftest_case *cases, int max)
{
	int n, ret;

	for (n = 0; n < max; n++) {
		ret = query(fd, n, cases[n].name);
		if (ret == -ENOENT)
			break;
		if (ret)
			return ret;
		cases[n].id = n;
		if (!cases[n].name[0])
			snprintf(cases[n].name, sizeof(cases[n].name),
				 "case%d", n);
	}
	return n;
}

int jmod_selftest_find(int fd, const char *name, __u32 *id)
{
	char got[JMOD_SELFTEST_NAME_LEN + 1];
	__u32 i;
	int ret;

	for (i = 0; i < JMOD_SELFTEST_MAX_CASES; i++) {
		ret = query(fd, i, got);
		if (ret)
			return ret;
		if (!strcmp(got, name)) {
			*id = i;
			return 0;
		}
	}
	return -ENOENT;
}

int jmod_selftest_run(int fd, __u32 id, __u32 arg, char *msg, size_t len)
{
	struct jmod_selftest st;
	int ret = selftest_ioctl(fd, id, 0, arg, &st);

	st.msg[JMOD_SELFTEST_MSG_LEN - 1] = '\0';
	snprintf(msg, len, "%s", st.msg);
	return ret;
}

int jmod_selftest_run_name(int fd, const char *name, __u32 arg, char *msg,
			   size_t len)
{
	__u32 id;
	int ret = jmod_selftest_find(fd, name, &id);

	if (ret)
		return ret;
	return jmod_selftest_run(fd, id, arg, msg, len);
}

int jmod_selftest_order(const struct jmod_selftest_case *cases, int n,
			int *order)
{
	int i, k = 0, quiesce = -1;

	for (i = 0; i < n; i++) {
		if (!strcmp(cases[i].name, JMOD_SELFTEST_QUIESCE))
			quiesce = i;
		else
			order[k++] = i;
	}
	if (quiesce >= 0)
		order[k] = quiesce;
	return n;
}
