/*
 * timerfd_create, timerfd_settime, timerfd_gettime: a timer of
 * linux/timer_posix.c whose expirations a read takes as a u64 count
 * (waiting while there are none). Readable in poll and epoll while the
 * count is not 0. Setting the timer clears the count, as in Linux.
 * TFD_TIMER_CANCEL_ON_SET is accepted; the clock is never set under the
 * program here, so it never cancels.
 */
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/timer.h>

#include "linux.h"
#include "utimer.h"

/* Flags (include/uapi/linux/timerfd.h). */
#define TFD_NONBLOCK VFS_O_NONBLOCK
#define TFD_CLOEXEC VFS_O_CLOEXEC
#define TFD_TIMER_ABSTIME 1
#define TFD_TIMER_CANCEL_ON_SET 2

#define TIMERFD_PERM 0600		/* what Linux's anonymous inodes show */
#define NSEC_PER_SEC 1000000000ull

struct timerfd {
	struct utimer u;		/* first: fire gets it */
	spinlock_t lock;
	uint64_t count;			/* expirations not read yet */
	int64_t clock_off;		/* the clock's value less clock_ns() */
};

/* struct __kernel_itimerspec: include/uapi/linux/time_types.h. */
struct tfd_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct tfd_itimerspec {
	struct tfd_timespec interval;
	struct tfd_timespec value;
};

static void timerfd_fire(struct utimer *u, uint64_t n)
{
	struct timerfd *t = (struct timerfd *)u;
	unsigned long flags = spin_lock_irqsave(&t->lock);

	t->count += n;
	spin_unlock_irqrestore(&t->lock, flags);
	vfs_poll_notify();
}

static long timerfd_read(struct file *f, void *buf, size_t n)
{
	struct timerfd *t = f->priv;

	if (n < sizeof(uint64_t))
		return -EINVAL;
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&t->lock);
		uint64_t v = t->count;
		int r;

		t->count = 0;
		spin_unlock_irqrestore(&t->lock, flags);
		if (v) {
			memcpy(buf, &v, sizeof(v));
			return sizeof(v);
		}
		if (f->flags & VFS_O_NONBLOCK)
			return -EAGAIN;
		r = vfs_poll_wait(gen, 0);
		if (r < 0)
			return r;
	}
}

static unsigned timerfd_poll(struct file *f)
{
	struct timerfd *t = f->priv;

	return __atomic_load_n(&t->count, __ATOMIC_ACQUIRE) ? VFS_POLLIN : 0;
}

static int timerfd_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->mode = TIMERFD_PERM;
	st->nlink = 1;
	return 0;
}

static void timerfd_release(struct file *f)
{
	struct timerfd *t = f->priv;

	utimer_stop(&t->u);
	kfree(t);
}

static const struct file_ops timerfd_ops = {
	.read = timerfd_read,
	.poll = timerfd_poll,
	.stat = timerfd_stat,
	.release = timerfd_release,
};

static long sys_timerfd_create(const uint64_t a[6])
{
	uint64_t flags = a[1];
	struct timerfd *t;
	struct file *f;
	int64_t off;
	int fd, err = utimer_clock((int)a[0], &off);

	if (err)
		return err;
	if (flags & ~(uint64_t)(TFD_NONBLOCK | TFD_CLOEXEC))
		return -EINVAL;
	t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->u.fire = timerfd_fire;
	t->clock_off = off;
	f = file_new(&timerfd_ops, VFS_O_RDONLY | (flags & TFD_NONBLOCK), t);
	if (!f) {
		kfree(t);
		return -ENOMEM;
	}
	fd = fdtable_install(&process_current()->fds, f, 0, flags & TFD_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}
SYSCALL(283, "timerfd_create", "dx", sys_timerfd_create);

/* fd's timerfd with a reference on its file (*fp), or an errno. */
static long timerfd_get(long fd, struct file **fp)
{
	struct file *f = fdtable_get(&process_current()->fds, (int)fd);

	if (!f)
		return -EBADF;
	if (f->ops != &timerfd_ops) {
		file_put(f);
		return -EINVAL;
	}
	*fp = f;
	return 0;
}

static bool ts_to_ns(const struct tfd_timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || (uint64_t)ts->tv_nsec >= NSEC_PER_SEC)
		return false;
	if ((uint64_t)ts->tv_sec > UINT64_MAX / NSEC_PER_SEC / 2)
		*ns = UINT64_MAX / 2;
	else
		*ns = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return true;
}

static struct tfd_timespec ns_to_ts(uint64_t ns)
{
	return (struct tfd_timespec){ (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
}

/* The clock_ns() deadline of an absolute time on a clock off ahead of
 * clock_ns(); never 0 (disarmed). */
static uint64_t abs_deadline(uint64_t value, int64_t off)
{
	uint64_t d;

	if (off >= 0)
		d = value > (uint64_t)off ? value - (uint64_t)off : 1;
	else
		d = value + (uint64_t)-off;
	return d ? d : 1;
}

static long sys_timerfd_settime(const uint64_t a[6])
{
	struct tfd_itimerspec its, old;
	uint64_t value, interval, old_value, old_interval, deadline = 0;
	struct timerfd *t;
	unsigned long irq;
	struct file *f;
	long err;

	if (a[1] & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	err = timerfd_get((long)(int)a[0], &f);
	if (err)
		return err;
	t = f->priv;
	err = -EFAULT;
	if (copy_from_user(&its, (const void *)a[2], sizeof(its)))
		goto out;
	err = -EINVAL;
	if (!ts_to_ns(&its.value, &value) || !ts_to_ns(&its.interval, &interval))
		goto out;
	if (value)
		deadline = (a[1] & TFD_TIMER_ABSTIME) ? abs_deadline(value, t->clock_off) :
							clock_ns() + value;
	irq = spin_lock_irqsave(&t->lock);
	t->count = 0;
	spin_unlock_irqrestore(&t->lock, irq);
	utimer_set(&t->u, deadline, interval, &old_value, &old_interval);
	old.value = ns_to_ts(old_value);
	old.interval = ns_to_ts(old_interval);
	err = 0;
	if (a[3] && copy_to_user((void *)a[3], &old, sizeof(old)))
		err = -EFAULT;
out:
	file_put(f);
	return err;
}
SYSCALL(286, "timerfd_settime", "fxpp", sys_timerfd_settime);

static long sys_timerfd_gettime(const uint64_t a[6])
{
	struct tfd_itimerspec its;
	uint64_t left, interval;
	struct file *f;
	long err = timerfd_get((long)(int)a[0], &f);

	if (err)
		return err;
	utimer_get(&((struct timerfd *)f->priv)->u, &left, &interval);
	file_put(f);
	its.value = ns_to_ts(left);
	its.interval = ns_to_ts(interval);
	return copy_to_user((void *)a[1], &its, sizeof(its)) ? -EFAULT : 0;
}
SYSCALL(287, "timerfd_gettime", "fp", sys_timerfd_gettime);
