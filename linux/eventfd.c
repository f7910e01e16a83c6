/*
 * eventfd and eventfd2: a 64-bit counter as a file. Reads take it (or one,
 * in semaphore mode) and wait while it is 0; writes add to it and wait
 * while it would pass EVENTFD_MAX. Every change notifies the poll waiters.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "linux.h"

/* eventfd2's flags (include/uapi/linux/eventfd.h). */
#define EFD_SEMAPHORE 1
#define EFD_NONBLOCK VFS_O_NONBLOCK
#define EFD_CLOEXEC VFS_O_CLOEXEC

#define EVENTFD_MAX (UINT64_MAX - 1)	/* the largest count (fs/eventfd.c) */
#define EVENTFD_PERM 0600		/* what Linux's anonymous inodes show */

struct eventfd {
	spinlock_t lock;
	uint64_t count;
	bool semaphore;
};

/* What a read takes from *count: all of it, or 1 in semaphore mode; 0
 * when it must wait. */
static uint64_t eventfd_take(uint64_t *count, bool semaphore)
{
	uint64_t v = semaphore && *count ? 1 : *count;

	*count -= v;
	return v;
}

/* Adds v unless the count would pass EVENTFD_MAX: whether it did. */
static bool eventfd_add(uint64_t *count, uint64_t v)
{
	if (v > EVENTFD_MAX - *count)
		return false;
	*count += v;
	return true;
}

/* A read (takes the count into *v) or a write (adds *v), waiting while
 * it cannot be done unless the file is non-blocking. */
static long transfer(struct file *f, bool write, uint64_t *v)
{
	struct eventfd *e = f->priv;

	for (;;) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&e->lock);
		bool done;
		int r;

		if (write)
			done = eventfd_add(&e->count, *v);
		else
			done = (*v = eventfd_take(&e->count, e->semaphore)) != 0;
		spin_unlock_irqrestore(&e->lock, flags);
		if (done) {
			if (!write || *v)
				vfs_poll_notify();
			return sizeof(*v);
		}
		if (f->flags & VFS_O_NONBLOCK)
			return -EAGAIN;
		r = vfs_poll_wait(gen, 0);
		if (r < 0)
			return r;
	}
}

static long eventfd_read(struct file *f, void *buf, size_t n)
{
	uint64_t v;
	long r;

	if (n < sizeof(v))
		return -EINVAL;
	r = transfer(f, false, &v);
	if (r > 0)
		memcpy(buf, &v, sizeof(v));
	return r;
}

static long eventfd_write(struct file *f, const void *buf, size_t n)
{
	uint64_t v;

	if (n < sizeof(v))
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	return transfer(f, true, &v);
}

/* Readable with a count; writable while a write of 1 would not wait. */
static unsigned eventfd_bits(uint64_t count)
{
	return (count ? VFS_POLLIN : 0) | (count < EVENTFD_MAX ? VFS_POLLOUT : 0);
}

static unsigned eventfd_poll(struct file *f)
{
	struct eventfd *e = f->priv;

	return eventfd_bits(__atomic_load_n(&e->count, __ATOMIC_ACQUIRE));
}

static int eventfd_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->mode = EVENTFD_PERM;
	st->nlink = 1;
	return 0;
}

static void eventfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.stat = eventfd_stat,
	.release = eventfd_release,
};

static long do_eventfd(uint32_t initval, uint64_t flags)
{
	struct eventfd *e;
	struct file *f;
	int fd;

	if (flags & ~(uint64_t)(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
		return -EINVAL;
	e = kzalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	f = file_new(&eventfd_ops, VFS_O_RDWR | (flags & EFD_NONBLOCK), e);
	if (!f) {
		kfree(e);
		return -ENOMEM;
	}
	fd = fdtable_install(&process_current()->fds, f, 0, flags & EFD_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

static long sys_eventfd(const uint64_t a[6])
{
	return do_eventfd((uint32_t)a[0], 0);
}
SYSCALL(284, "eventfd", "u", sys_eventfd);

static long sys_eventfd2(const uint64_t a[6])
{
	return do_eventfd((uint32_t)a[0], (uint32_t)a[1]);
}
SYSCALL(290, "eventfd2", "ux", sys_eventfd2);
