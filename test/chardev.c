// SPDX-License-Identifier: GPL-2.0
/*
 * jmod test allocation interface: the misc device /dev/jmod.
 *
 * Owns the per-fd state through which userspace drives the allocator
 * (include/uapi/linux/jmod.h): a handle table (xarray of struct jmod_obj,
 * ids from 1, never addresses), a slot table for replaying allocation
 * traces with JMOD_IOC_BATCH, and the fd's quota use.  Closing the fd
 * frees everything it still holds; an open fd pins the module.
 *
 * Data flow: ioctl -> jmod_ioctl() copies the command's struct in with
 * copy_struct_from_user() (structs are extensible by size) -> handler ->
 * struct copied back for _IOC_READ commands.
 *
 * Locking: jmod_file->lock (a mutex; every handler runs in process
 * context and may sleep) serialises all commands on one fd, so racing
 * FREEs of one handle see exactly one winner and FILL/CHECK never touch
 * a freed object.  Different fds share nothing but the allocator.
 */

#define pr_fmt(fmt) "jmod: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <jmod.h>
#include <uapi/linux/jmod.h>
#include "../internal.h"
#include "test.h"

unsigned long jmod_quota_bytes = 256UL << 20;
unsigned long jmod_quota_objects = 1UL << 20;
module_param_named(quota_bytes, jmod_quota_bytes, ulong, 0644);
MODULE_PARM_DESC(quota_bytes, "Per-fd byte quota of /dev/jmod (default 256 MiB)");
module_param_named(quota_objects, jmod_quota_objects, ulong, 0644);
MODULE_PARM_DESC(quota_objects, "Per-fd object quota of /dev/jmod (default 1M)");

struct jmod_obj {
	void *ptr;
	u64 size;	/* requested */
	u64 usable;
	u32 backend;
};

struct jmod_file {
	struct mutex lock;		/* serialises commands on this fd */
	struct xarray handles;		/* id -> struct jmod_obj */
	struct jmod_obj *slots;		/* slot table, NULL until used */
	u64 nr_slots;
	u64 bytes;			/* quota use: usable bytes */
	u64 objects;			/* quota use: live objects */
};

/* === Objects and quota === */

static gfp_t jmod_user_gfp(u32 flags)
{
	gfp_t gfp = (flags & JMOD_ALLOC_ATOMIC) ? GFP_ATOMIC : GFP_KERNEL;

	if (flags & JMOD_ALLOC_ZERO)
		gfp |= __GFP_ZERO;
	return gfp | __GFP_NOWARN;
}

static unsigned long jmod_max_alloc(void)
{
	return READ_ONCE(jmod_quota_bytes);
}

/* Validate a request; 0 or -errno per the uapi header. */
static int jmod_check_request(u64 size, u64 align, u32 flags)
{
	if (!size)
		return -EINVAL;
	if (flags & ~JMOD_ALLOC_FLAGS)
		return -EINVAL;
	if (align && (!is_power_of_2(align) ||
		      align > (PAGE_SIZE << JMOD_MAX_PAGE_ORDER)))
		return -EINVAL;
	if (size > jmod_max_alloc())
		return -EFBIG;
	return 0;
}

/* Bytes left in the fd's quota. */
static u64 quota_left(struct jmod_file *jf, u64 used)
{
	u64 quota = READ_ONCE(jmod_quota_bytes);

	return quota - min(used, quota);
}

/*
 * Allocate for a handle or a slot.  The quota counts usable bytes: the
 * request must fit what is left, and so must its usable size, or the
 * object is given back and -EDQUOT returned.
 */
static int obj_alloc(struct jmod_file *jf, struct jmod_obj *o, u64 size,
		     u64 align, u32 flags, u32 backend)
{
	const struct jmod_backend_ops *be = jmod_backend(backend);
	gfp_t gfp = jmod_user_gfp(flags);
	void *p;

	if (jf->objects >= READ_ONCE(jmod_quota_objects) ||
	    size > quota_left(jf, jf->bytes))
		return -EDQUOT;
	if (backend == JMOD_BACKEND_JMOD && (flags & JMOD_ALLOC_NOCACHE))
		p = jmod_alloc_nocache(size, align, gfp);
	else if (backend == JMOD_BACKEND_JMOD && align)
		p = jmod_aligned_alloc(align, size, gfp);
	else if (align || (be->sleeps && (flags & JMOD_ALLOC_ATOMIC)))
		p = NULL;	/* not something this backend does */
	else
		p = be->alloc(size, gfp);
	if (!p)
		return -ENOMEM;
	o->ptr = p;
	o->size = size;
	o->backend = backend;
	/*
	 * From the size alone where that is exact (no pointer lookup per op
	 * in a timed batch, for any backend); aligned requests and debug
	 * mode ask the object.
	 */
	o->usable = align ? 0 : be->usable_for(size);
	if (!o->usable)
		o->usable = be->usable(p, size);
	if (o->usable > quota_left(jf, jf->bytes)) {
		be->free(p, size);
		o->ptr = NULL;
		return -EDQUOT;
	}
	jf->bytes += o->usable;
	jf->objects++;
	return 0;
}

static void obj_free(struct jmod_file *jf, struct jmod_obj *o)
{
	jmod_backend(o->backend)->free(o->ptr, o->size);
	jf->bytes -= o->usable;
	jf->objects--;
	o->ptr = NULL;
}

/*
 * FILL and CHECK stay within the usable size, and for kmalloc objects
 * within the request: KASAN poisons the rest of the slab object unless
 * ksize() was called, which the timed paths no longer do.
 */
static u64 obj_reach(const struct jmod_obj *o)
{
	return o->backend == JMOD_BACKEND_KMALLOC ? o->size : o->usable;
}

static int obj_pattern(struct jmod_obj *o, struct jmod_pattern *pat,
		       bool check)
{
	u64 reach = obj_reach(o);
	s64 bad;

	u64 off, end, n;

	if (pat->offset > reach || pat->len > reach - pat->offset)
		return -ERANGE;
	/* objects go up to the quota (256 MiB): a MiB at a time, rescheduling */
	end = pat->offset + pat->len;
	for (off = pat->offset; off < end; off += n) {
		n = min_t(u64, end - off, SZ_1M);
		if (!check) {
			jmod_pattern_fill(o->ptr, off, n, pat->seed);
		} else {
			bad = jmod_pattern_check(o->ptr, off, n, pat->seed);
			if (bad >= 0) {
				pat->bad_offset = bad;
				return -EILSEQ;
			}
		}
		cond_resched();
	}
	return 0;
}

/* === Handle commands === */

static int ioc_version(struct jmod_file *jf, void *arg)
{
	struct jmod_version *v = arg;

	v->abi = JMOD_ABI_VERSION;
	v->page_size = PAGE_SIZE;
	v->nr_small = JMOD_NR_SMALL;
	v->nr_large = jmod_nr_classes - JMOD_NR_SMALL;
	v->chunk_size = PAGE_SIZE << jmod_chunk_order;
	v->tcache_max = jmod_tcache_max_size();
	v->max_small = JMOD_SMALL_MAX;
	v->max_large = jmod_large_max;
	v->max_alloc = jmod_max_alloc();
	v->quota_bytes = READ_ONCE(jmod_quota_bytes);
	v->quota_objects = READ_ONCE(jmod_quota_objects);
	v->nr_arenas = num_possible_cpus();
	v->nr_selftests = jmod_selftest_count();
	return 0;
}

static int ioc_alloc(struct jmod_file *jf, void *arg)
{
	struct jmod_alloc *a = arg;
	struct jmod_obj *o;
	u32 id;
	int err;

	if (a->__pad)
		return -EINVAL;
	err = jmod_check_request(a->size, a->align, a->flags);
	if (err)
		return err;
	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	err = obj_alloc(jf, o, a->size, a->align, a->flags, JMOD_BACKEND_JMOD);
	if (err)
		goto free_o;
	err = xa_alloc(&jf->handles, &id, o, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto free_obj;
	a->handle = id;
	a->usable_size = o->usable;
	return 0;

free_obj:
	obj_free(jf, o);
free_o:
	kfree(o);
	return err;
}

static struct jmod_obj *handle_get(struct jmod_file *jf, u64 handle)
{
	if (!handle || handle > U32_MAX)
		return NULL;
	return xa_load(&jf->handles, handle);
}

static int ioc_free(struct jmod_file *jf, void *arg)
{
	struct jmod_handle *h = arg;
	struct jmod_obj *o;

	if (!handle_get(jf, h->handle))
		return -ENOENT;
	o = xa_erase(&jf->handles, h->handle);
	obj_free(jf, o);
	kfree(o);
	return 0;
}

static int ioc_realloc(struct jmod_file *jf, void *arg)
{
	struct jmod_realloc *r = arg;
	struct jmod_obj *o = handle_get(jf, r->handle);
	u64 usable, bytes;
	void *p;
	int err;

	if (!o)
		return -ENOENT;
	err = jmod_check_request(r->new_size, 0, 0);
	if (err)
		return err;
	bytes = jf->bytes - o->usable;
	if (r->new_size > quota_left(jf, bytes))
		return -EDQUOT;
	p = jmod_realloc(o->ptr, r->new_size, GFP_KERNEL | __GFP_NOWARN);
	if (!p)
		return -ENOMEM;
	usable = jmod_usable_size(p);
	/* over quota by its usable size: keep it, the next ALLOC will fail */
	jf->bytes = bytes + usable;
	o->ptr = p;
	o->size = r->new_size;
	o->usable = usable;
	r->usable_size = usable;
	return 0;
}

static int ioc_pattern(struct jmod_file *jf, void *arg, bool check)
{
	struct jmod_pattern *pat = arg;
	struct jmod_obj *o = handle_get(jf, pat->handle);

	if (!o)
		return -ENOENT;
	return obj_pattern(o, pat, check);
}

static int ioc_fill(struct jmod_file *jf, void *arg)
{
	return ioc_pattern(jf, arg, false);
}

static int ioc_check(struct jmod_file *jf, void *arg)
{
	return ioc_pattern(jf, arg, true);
}

/* === Slots and batches === */

static void slots_release(struct jmod_file *jf)
{
	u64 i;

	for (i = 0; jf->slots && i < jf->nr_slots; i++)
		if (jf->slots[i].ptr)
			obj_free(jf, &jf->slots[i]);
	kvfree(jf->slots);
	jf->slots = NULL;
	jf->nr_slots = 0;
}

static int slots_setup(struct jmod_file *jf, u64 nr)
{
	struct jmod_obj *slots = NULL;

	if (nr > READ_ONCE(jmod_quota_objects))
		return -EDQUOT;
	if (nr) {
		slots = kvcalloc(nr, sizeof(*slots), GFP_KERNEL);
		if (!slots)
			return -ENOMEM;
	}
	slots_release(jf);
	jf->slots = slots;
	jf->nr_slots = nr;
	return 0;
}

static int ioc_slots(struct jmod_file *jf, void *arg)
{
	struct jmod_slots *s = arg;

	return slots_setup(jf, s->nr_slots);
}

static s64 batch_op(struct jmod_file *jf, struct jmod_op *op, u32 backend)
{
	struct jmod_pattern pat = {};
	struct jmod_obj *o;
	int err;

	if (op->slot >= jf->nr_slots)
		return -ERANGE;
	o = &jf->slots[op->slot];

	switch (op->op) {
	case JMOD_OP_ALLOC:
		if (o->ptr)
			return -EEXIST;
		err = jmod_check_request(op->size, 0, op->flags);
		if (err)
			return err;
		return obj_alloc(jf, o, op->size, 0, op->flags, backend);
	case JMOD_OP_FREE:
		if (op->flags)
			return -EINVAL;
		if (!o->ptr)
			return -ENOENT;
		obj_free(jf, o);
		return 0;
	case JMOD_OP_FILL:
	case JMOD_OP_CHECK:
		if (op->flags)
			return -EINVAL;
		if (!o->ptr)
			return -ENOENT;
		pat.len = op->size ?: o->size;
		pat.seed = op->slot + 1;
		return obj_pattern(o, &pat, op->op == JMOD_OP_CHECK);
	default:
		return -EINVAL;
	}
}

#define JMOD_BATCH_CHUNK 256

/* JMOD_BATCH_PAGES: one sample of the page level, outside the timing */
static void batch_sample(struct jmod_batch *b, bool end)
{
	struct jmod_pages_now now;
	u64 slab;

	if (!(b->flags & JMOD_BATCH_PAGES))
		return;
	jmod_bench_pages(&now);
	slab = now.slab + now.jmod;
	b->min_free_pages = min_t(u64, b->min_free_pages, now.free);
	b->max_slab_pages = max(b->max_slab_pages, slab);
	if (end) {
		b->end_free_pages = now.free;
		b->end_slab_pages = slab;
	}
}

static int ioc_batch(struct jmod_file *jf, void *arg)
{
	struct jmod_batch *b = arg;
	struct jmod_op __user *uops = u64_to_user_ptr(b->ops);
	struct jmod_op *ops;
	u64 elapsed = 0;
	u32 done = 0;
	int err = 0;

	if (b->__pad || b->backend >= JMOD_BACKEND_NR || !b->count ||
	    (b->flags & ~JMOD_BATCH_PAGES))
		return -EINVAL;
	if (b->count > JMOD_BATCH_MAX)
		return -E2BIG;
	if (!jf->slots) {
		err = slots_setup(jf, min_t(u64, JMOD_SLOTS_DEFAULT,
					    READ_ONCE(jmod_quota_objects)));
		if (err)
			return err;
	}
	ops = kmalloc_array(JMOD_BATCH_CHUNK, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	b->policy = jmod_bench_policy();
	b->min_free_pages = U64_MAX;
	b->max_slab_pages = 0;
	batch_sample(b, false);
	while (done < b->count) {
		u32 n = min_t(u32, b->count - done, JMOD_BATCH_CHUNK);
		u32 i, ok = 0;
		s64 res = 0;
		u64 t0;

		if (copy_from_user(ops, uops + done, n * sizeof(*ops))) {
			err = -EFAULT;
			break;
		}
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++) {
			res = batch_op(jf, &ops[i], b->backend);
			ops[i].result = res;
			if (res)
				break;
			ok++;
		}
		elapsed += ktime_get_ns() - t0;
		batch_sample(b, false);
		if (copy_to_user(uops + done, ops, min(n, ok + 1) * sizeof(*ops))) {
			err = -EFAULT;
			break;
		}
		done += ok;
		if (res)
			break;
		cond_resched();
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
	}
	kfree(ops);
	batch_sample(b, true);
	if (!(b->flags & JMOD_BATCH_PAGES))
		b->min_free_pages = 0;
	b->elapsed_ns = elapsed;
	b->done = done;
	return err;
}

static int ioc_pages(struct jmod_file *jf, void *arg)
{
	struct jmod_pages *pg = arg;
	struct jmod_pages_now now;

	jmod_bench_pages(&now);
	pg->free_pages = now.free;
	pg->slab_pages = now.slab;
	pg->jmod_pages = now.jmod;
	pg->policy = jmod_bench_policy();
	return 0;
}

static int ioc_selftest(struct jmod_file *jf, void *arg)
{
	return jmod_selftest_run(arg);
}

static int ioc_bench(struct jmod_file *jf, void *arg)
{
	return jmod_bench_run(arg);
}

/* === ioctl dispatch === */

struct jmod_ioc {
	unsigned int cmd;	/* as built with the kernel's struct size */
	unsigned int size_ver0;
	int (*fn)(struct jmod_file *jf, void *arg);
};

/* Structures that never grew: their first version is today's size. */
static_assert(sizeof(struct jmod_handle) == JMOD_HANDLE_SIZE_VER0);
static_assert(sizeof(struct jmod_realloc) == JMOD_REALLOC_SIZE_VER0);
static_assert(sizeof(struct jmod_pattern) == JMOD_PATTERN_SIZE_VER0);
static_assert(sizeof(struct jmod_batch) == JMOD_BATCH_SIZE_VER1);
static_assert(sizeof(struct jmod_slots) == JMOD_SLOTS_SIZE_VER0);
static_assert(sizeof(struct jmod_bench) == JMOD_BENCH_SIZE_VER1);
static_assert(sizeof(struct jmod_pages) == JMOD_PAGES_SIZE_VER0);

static const struct jmod_ioc jmod_iocs[] = {
	{ JMOD_IOC_VERSION, JMOD_VERSION_SIZE_VER0, ioc_version },
	{ JMOD_IOC_ALLOC, JMOD_ALLOC_SIZE_VER0, ioc_alloc },
	{ JMOD_IOC_FREE, JMOD_HANDLE_SIZE_VER0, ioc_free },
	{ JMOD_IOC_REALLOC, JMOD_REALLOC_SIZE_VER0, ioc_realloc },
	{ JMOD_IOC_FILL, JMOD_PATTERN_SIZE_VER0, ioc_fill },
	{ JMOD_IOC_CHECK, JMOD_PATTERN_SIZE_VER0, ioc_check },
	{ JMOD_IOC_BATCH, JMOD_BATCH_SIZE_VER0, ioc_batch },
	{ JMOD_IOC_SELFTEST, JMOD_SELFTEST_SIZE_VER0, ioc_selftest },
	{ JMOD_IOC_SLOTS, JMOD_SLOTS_SIZE_VER0, ioc_slots },
	{ JMOD_IOC_BENCH, JMOD_BENCH_SIZE_VER0, ioc_bench },
	{ JMOD_IOC_PAGES, JMOD_PAGES_SIZE_VER0, ioc_pages },
};

union jmod_ioc_arg {
	struct jmod_version version;
	struct jmod_alloc alloc;
	struct jmod_handle handle;
	struct jmod_realloc realloc;
	struct jmod_pattern pattern;
	struct jmod_batch batch;
	struct jmod_selftest selftest;
	struct jmod_slots slots;
	struct jmod_bench bench;
	struct jmod_pages pages;
};

static long jmod_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct jmod_file *jf = file->private_data;
	void __user *uarg = (void __user *)arg;
	unsigned int nr = _IOC_NR(cmd), usize = _IOC_SIZE(cmd);
	const struct jmod_ioc *ioc;
	union jmod_ioc_arg *k;
	size_t ksize;
	long ret;

	if (_IOC_TYPE(cmd) != JMOD_IOC_MAGIC || nr >= ARRAY_SIZE(jmod_iocs))
		return -ENOTTY;
	ioc = &jmod_iocs[nr];
	if (_IOC_DIR(cmd) != _IOC_DIR(ioc->cmd))
		return -ENOTTY;
	if (usize < ioc->size_ver0)
		return -EINVAL;
	ksize = _IOC_SIZE(ioc->cmd);

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		ret = copy_struct_from_user(k, ksize, uarg, usize);
		if (ret)
			goto out;
	}

	mutex_lock(&jf->lock);
	ret = ioc->fn(jf, k);
	mutex_unlock(&jf->lock);

	if (_IOC_DIR(cmd) & _IOC_READ) {
		if (copy_to_user(uarg, k, min_t(size_t, usize, ksize)) ||
		    (usize > ksize && clear_user(uarg + ksize, usize - ksize)))
			ret = ret ?: -EFAULT;
	}
out:
	kfree(k);
	return ret;
}

static int jmod_open(struct inode *inode, struct file *file)
{
	struct jmod_file *jf;

	if (!capable(CAP_SYS_ADMIN))
		return -EACCES;
	jf = kzalloc(sizeof(*jf), GFP_KERNEL);
	if (!jf)
		return -ENOMEM;
	mutex_init(&jf->lock);
	xa_init_flags(&jf->handles, XA_FLAGS_ALLOC1);
	file->private_data = jf;
	return 0;
}

static int jmod_release(struct inode *inode, struct file *file)
{
	struct jmod_file *jf = file->private_data;
	struct jmod_obj *o;
	unsigned long id;

	xa_for_each(&jf->handles, id, o) {
		obj_free(jf, o);
		kfree(o);
	}
	xa_destroy(&jf->handles);
	slots_release(jf);
	mutex_destroy(&jf->lock);
	kfree(jf);
	return 0;
}

static const struct file_operations jmod_fops = {
	.owner = THIS_MODULE,
	.open = jmod_open,
	.release = jmod_release,
	.unlocked_ioctl = jmod_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice jmod_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "jmod",
	.fops = &jmod_fops,
	.mode = 0600,
};

/**
 * jmod_test_init() - register /dev/jmod
 *
 * Called by module.c once the allocator is up; the device is the test
 * interface's only entry point (the benchmark and the in-kernel cases
 * run through its ioctls).
 *
 * Return: 0, or misc_register()'s error.
 */
int jmod_test_init(void)
{
	return misc_register(&jmod_misc);
}

/**
 * jmod_test_exit() - unregister /dev/jmod
 *
 * No fd can be open: an open fd pins the module.
 */
void jmod_test_exit(void)
{
	misc_deregister(&jmod_misc);
}
