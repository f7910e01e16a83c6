/*
 * inotify: watches on files and directories, and a descriptor that reads
 * the events the VFS reports of them (man 7 inotify). The VFS calls
 * on_event under its lock for every change while a watch exists; the
 * watches live on one list under a spinlock of their own, and each
 * instance queues the records read(2) returns, as Linux lays them out
 * (struct inotify_event, the name padded with NULs).
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "linux.h"

/* include/uapi/linux/inotify.h */
#define IN_UNMOUNT 0x2000u
#define IN_Q_OVERFLOW 0x4000u
#define IN_IGNORED 0x8000u
#define IN_ONLYDIR 0x01000000u
#define IN_DONT_FOLLOW 0x02000000u
#define IN_EXCL_UNLINK 0x04000000u
#define IN_MASK_CREATE 0x10000000u
#define IN_MASK_ADD 0x20000000u
#define IN_ONESHOT 0x80000000u
#define IN_ALL_EVENTS 0xfffu
#define IN_NONBLOCK VFS_O_NONBLOCK
#define IN_CLOEXEC VFS_O_CLOEXEC
#define IN_ADD_FLAGS (IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | \
		      IN_MASK_CREATE | IN_MASK_ADD | IN_ONESHOT)

/* struct inotify_event: wd, mask, cookie, len, then len bytes of name
 * (NUL-padded so that the next record stays aligned to the header). */
#define EVENT_HEADER 16u
/* Linux's defaults of /proc/sys/fs/inotify/max_queued_events and
 * max_user_watches (fs/notify/inotify/inotify_user.c). */
#define MAX_QUEUED 16384u
#define MAX_WATCHES 8192u
#define INOTIFY_PERM 0600

struct inotify {
	spinlock_t lock;		/* the queue */
	uint8_t *queue;			/* records, oldest first */
	size_t len, cap;
	size_t last;			/* where the newest record starts */
	unsigned queued;
	bool overflowed;
	int next_wd;			/* under watch_lock */
};

struct watch {
	struct watch *next;
	struct inotify *in;
	struct vnode *node;		/* held until the watch is put */
	int wd;
	uint32_t mask;
};

static spinlock_t watch_lock;
static struct watch *watches;		/* under watch_lock */
/* Watches removed where the node could not be let go (under the VFS
 * lock): released at the next call outside it. */
static struct watch *ended;		/* under watch_lock */
static unsigned nwatches;		/* under watch_lock */

static void record_put(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
		       const char *name, size_t len)
{
	uint32_t padded = len ? (uint32_t)ALIGN_UP(len + 1, EVENT_HEADER) : 0;
	uint32_t head[4] = { (uint32_t)wd, mask, cookie, padded };
	size_t need = EVENT_HEADER + padded;

	/* The same event twice in a row is reported once (fsnotify's merge). */
	if (in->queued && in->len - in->last == need &&
	    !memcmp(in->queue + in->last, head, sizeof(head)) &&
	    !memcmp(in->queue + in->last + EVENT_HEADER, name, len))
		return;
	/* A full queue ends with one IN_Q_OVERFLOW (wd -1) until it is read. */
	if (in->queued >= MAX_QUEUED) {
		if (in->overflowed)
			return;
		in->overflowed = true;
		head[0] = (uint32_t)-1;
		head[1] = IN_Q_OVERFLOW;
		head[2] = head[3] = 0;
		len = padded = 0;
		need = EVENT_HEADER;
	}
	if (in->len + need > in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 1024;
		uint8_t *bigger;

		while (cap < in->len + need)
			cap *= 2;
		bigger = kmalloc(cap);
		if (!bigger) {
			in->overflowed = true;
			return;
		}
		memcpy(bigger, in->queue, in->len);
		kfree(in->queue);
		in->queue = bigger;
		in->cap = cap;
	}
	memcpy(in->queue + in->len, head, sizeof(head));
	memset(in->queue + in->len + EVENT_HEADER, 0, padded);
	memcpy(in->queue + in->len + EVENT_HEADER, name, len);
	in->last = in->len;
	in->len += need;
	in->queued++;
}

static void queue_event(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
			const char *name, size_t len)
{
	unsigned long flags = spin_lock_irqsave(&in->lock);

	record_put(in, wd, mask, cookie, name, len);
	spin_unlock_irqrestore(&in->lock, flags);
}

/* Takes w off the list (watch_lock held): IN_IGNORED tells its reader. */
static void end_watch(struct watch **link, struct watch *w)
{
	*link = w->next;
	nwatches--;
	queue_event(w->in, w->wd, IN_IGNORED, 0, NULL, 0);
	w->next = ended;
	ended = w;
}

/* Under the VFS lock: each watch on n hears of what it asked for. */
static void on_event(struct vnode *n, uint32_t mask, const char *name, size_t len,
		     uint32_t cookie)
{
	unsigned long flags = spin_lock_irqsave(&watch_lock);
	bool any = false;

	for (struct watch **link = &watches, *w; (w = *link);) {
		uint32_t what = mask & (IN_ALL_EVENTS & w->mask);

		if (w->node != n) {
			link = &w->next;
			continue;
		}
		if (what) {
			queue_event(w->in, w->wd, what | (mask & VFS_IN_ISDIR), cookie, name, len);
			any = true;
		}
		if ((what && (w->mask & IN_ONESHOT)) || ((mask & VFS_IN_DELETE_SELF) && !name)) {
			end_watch(link, w);
			any = true;
			continue;
		}
		link = &w->next;
	}
	spin_unlock_irqrestore(&watch_lock, flags);
	if (any)
		vfs_poll_notify();
}

/* Lets go of the nodes of ended watches; never under the VFS lock. */
static void release_ended(void)
{
	unsigned long flags = spin_lock_irqsave(&watch_lock);
	struct watch *list = ended;

	ended = NULL;
	spin_unlock_irqrestore(&watch_lock, flags);
	while (list) {
		struct watch *next = list->next;

		vfs_node_release(list->node);
		vfs_watches(-1);
		kfree(list);
		list = next;
	}
}

static size_t take(struct inotify *in, uint8_t *buf, size_t n)
{
	size_t done = 0;

	while (done < in->len) {
		uint32_t padded;

		memcpy(&padded, in->queue + done + 12, sizeof(padded));
		if (done + EVENT_HEADER + padded > n)
			break;
		done += EVENT_HEADER + padded;
		in->queued--;
	}
	memcpy(buf, in->queue, done);
	memmove(in->queue, in->queue + done, in->len - done);
	in->len -= done;
	in->last = in->last >= done ? in->last - done : 0;
	if (!in->queued)
		in->overflowed = false;
	return done;
}

static long inotify_read(struct file *f, void *buf, size_t n)
{
	struct inotify *in = f->priv;

	release_ended();
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&in->lock);
		size_t got = 0, first = 0;
		int r;

		if (in->len) {
			memcpy(&first, in->queue + 12, sizeof(uint32_t));
			first += EVENT_HEADER;
			if (n >= first)
				got = take(in, buf, n);
		}
		spin_unlock_irqrestore(&in->lock, flags);
		if (first && n < first)
			return -EINVAL;
		if (got)
			return (long)got;
		if (f->flags & VFS_O_NONBLOCK)
			return -EAGAIN;
		r = vfs_poll_wait(gen, 0);
		if (r < 0)
			return r;
	}
}

static unsigned inotify_poll(struct file *f)
{
	struct inotify *in = f->priv;

	return __atomic_load_n(&in->len, __ATOMIC_ACQUIRE) ? VFS_POLLIN : 0;
}

static long inotify_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	struct inotify *in = f->priv;

	if (cmd != VFS_FIONREAD)
		return -ENOTTY;
	*(int *)arg = (int)__atomic_load_n(&in->len, __ATOMIC_ACQUIRE);
	return 0;
}

static int inotify_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->mode = INOTIFY_PERM;
	st->nlink = 1;
	return 0;
}

static void inotify_release(struct file *f)
{
	struct inotify *in = f->priv;
	unsigned long flags = spin_lock_irqsave(&watch_lock);

	for (struct watch **link = &watches, *w; (w = *link);) {
		if (w->in == in) {
			*link = w->next;
			nwatches--;
			w->next = ended;
			ended = w;
		} else {
			link = &w->next;
		}
	}
	spin_unlock_irqrestore(&watch_lock, flags);
	release_ended();
	kfree(in->queue);
	kfree(in);
}

static const struct file_ops inotify_ops = {
	.read = inotify_read,
	.poll = inotify_poll,
	.ioctl = inotify_ioctl,
	.stat = inotify_stat,
	.release = inotify_release,
};

static long do_inotify_init(uint64_t flags)
{
	struct inotify *in;
	struct file *f;
	int fd;

	if (flags & ~(uint64_t)(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	vfs_set_watch_hook(on_event);
	in = kzalloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->next_wd = 1;
	f = file_new(&inotify_ops, VFS_O_RDONLY | (flags & IN_NONBLOCK), in);
	if (!f) {
		kfree(in);
		return -ENOMEM;
	}
	fd = fdtable_install(&process_current()->fds, f, 0, flags & IN_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

static long sys_inotify_init(const uint64_t a[6])
{
	(void)a;
	return do_inotify_init(0);
}
SYSCALL(253, "inotify_init", "", sys_inotify_init);

static long sys_inotify_init1(const uint64_t a[6])
{
	return do_inotify_init(a[0]);
}
SYSCALL(294, "inotify_init1", "x", sys_inotify_init1);

/* The instance behind fd (a reference the caller puts), or an error. */
static long instance(int fd, struct file **out)
{
	struct file *f = fdtable_get(&process_current()->fds, fd);

	if (!f)
		return -EBADF;
	if (f->ops != &inotify_ops) {
		file_put(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

/* Adds to or replaces the watch of in on n, or makes one (*made): its
 * wd. */
static long set_watch(struct inotify *in, struct vnode *n, uint32_t mask, bool *made)
{
	struct watch *w, *fresh = kzalloc(sizeof(*fresh));
	unsigned long flags;
	long r;

	if (!fresh)
		return -ENOMEM;
	flags = spin_lock_irqsave(&watch_lock);
	for (w = watches; w && !(w->in == in && w->node == n); w = w->next)
		;
	if (w && (mask & IN_MASK_CREATE)) {
		r = -EEXIST;
	} else if (w) {
		w->mask = (mask & IN_MASK_ADD ? w->mask : 0) | (mask & ~IN_MASK_ADD);
		r = w->wd;
	} else if (nwatches >= MAX_WATCHES) {
		r = -ENOSPC;
	} else {
		*fresh = (struct watch){ .next = watches, .in = in, .node = n,
					 .wd = in->next_wd++, .mask = mask & ~IN_MASK_ADD };
		watches = fresh;
		nwatches++;
		r = fresh->wd;
		fresh = NULL;
	}
	spin_unlock_irqrestore(&watch_lock, flags);
	*made = !fresh;
	if (fresh)
		kfree(fresh);
	else
		vfs_watches(1);
	return r;
}

static long sys_inotify_add_watch(const uint64_t a[6])
{
	uint32_t mask = (uint32_t)a[2];
	struct process *p = process_current();
	struct file *f;
	struct vnode *n, *cwd;
	char *path;
	long r;

	if (mask & ~IN_ADD_FLAGS || !(mask & IN_ALL_EVENTS) ||
	    (mask & (IN_MASK_ADD | IN_MASK_CREATE)) == (IN_MASK_ADD | IN_MASK_CREATE))
		return -EINVAL;
	r = instance((int)a[0], &f);
	if (r < 0)
		return r;
	path = bounce_get();
	r = path ? user_path(path, a[1]) : -ENOMEM;
	if (r >= 0) {
		mutex_lock(&p->lock);
		cwd = p->cwd;
		mutex_unlock(&p->lock);
		r = vfs_lookup(cwd, path, !(mask & IN_DONT_FOLLOW), &n);
	}
	if (path)
		bounce_put(path);
	if (r == 0 && (mask & IN_ONLYDIR) && (n->mode & VFS_S_IFMT) != VFS_S_IFDIR)
		r = -ENOTDIR;
	if (r == 0) {
		bool made = false;

		/* A new watch holds its node; one that existed has its hold. */
		vfs_node_hold(n);
		r = set_watch(f->priv, n, mask, &made);
		if (!made)
			vfs_node_release(n);
	}
	file_put(f);
	release_ended();
	return r;
}
SYSCALL(254, "inotify_add_watch", "dsx", sys_inotify_add_watch);

static long sys_inotify_rm_watch(const uint64_t a[6])
{
	int wd = (int)a[1];
	struct file *f;
	unsigned long flags;
	long r = instance((int)a[0], &f);

	if (r < 0)
		return r;
	r = -EINVAL;
	flags = spin_lock_irqsave(&watch_lock);
	for (struct watch **link = &watches, *w; (w = *link); link = &w->next) {
		if (w->in == f->priv && w->wd == wd) {
			end_watch(link, w);
			r = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&watch_lock, flags);
	if (r == 0)
		vfs_poll_notify();
	release_ended();
	file_put(f);
	return r;
}
SYSCALL(255, "inotify_rm_watch", "dd", sys_inotify_rm_watch);
