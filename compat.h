/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jmod kernel compatibility: what differs between the kernel lines jmod
 * builds on (Debian 6.1, 6.12, 7.3), so the rest of the sources use the
 * newest interface.  Kbuild probes the headers and defines JMOD_HAVE_<X>
 * for what they have (some of it reaches older lines through stable, so
 * a version number would not tell).
 */
#ifndef _JMOD_COMPAT_H
#define _JMOD_COMPAT_H

#include <linux/hrtimer.h>
#include <linux/workqueue.h>

/*
 * hrtimer_setup() (6.13) replaced hrtimer_init() plus the assignment of
 * ->function; hrtimer_init() is gone in 7.x.
 */
#ifndef JMOD_HAVE_HRTIMER_SETUP
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * WQ_PERCPU (6.17, in Debian's 6.12 from stable): the workqueue's items
 * run on the CPU they were queued on.  7.x warns about a workqueue that
 * passes neither it nor WQ_UNBOUND, as the default turns unbound; before
 * it, per-CPU was what not passing WQ_UNBOUND meant.
 */
#ifdef JMOD_HAVE_WQ_PERCPU
#define JMOD_WQ_PERCPU		WQ_PERCPU
#else
#define JMOD_WQ_PERCPU		0
#endif

/*
 * system_unbound_wq is system_dfl_wq since 6.17 (in Debian's 6.12 from
 * stable); 7.x warns ("enqueued on deprecated workqueue") when work is
 * queued on the old name.
 */
#ifdef JMOD_HAVE_SYSTEM_DFL_WQ
#define jmod_unbound_wq		system_dfl_wq
#else
#define jmod_unbound_wq		system_unbound_wq
#endif

#endif /* _JMOD_COMPAT_H */
