/*
 * epoll: a file holding a list of (descriptor, file) items, each with the
 * events it wants. Readiness is polled, not pushed: epoll_wait checks
 * every item with vfs_file_poll and sleeps on the poll generation.
 *
 * Edge-triggered items report what is ready once; they report again when
 * new bits become ready or when the poll generation has moved since the
 * last report (something somewhere changed, which may be a new event on
 * this file: Linux reports every event, and missing one would hang the
 * program, while an extra report only costs it a read that says EAGAIN).
 *
 * An item holds a reference to its file. Linux drops an item when its
 * file is closed; here epoll_wait drops one whose descriptor no longer
 * names its file.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "linux.h"
#include "pollwait.h"

/* include/uapi/linux/eventpoll.h */
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLL_CLOEXEC VFS_O_CLOEXEC
#define EPOLLERR VFS_POLLERR
#define EPOLLHUP VFS_POLLHUP
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
/* What EPOLLEXCLUSIVE may come with (fs/eventpoll.c). */
#define EPOLLEXCLUSIVE_OK (VFS_POLLIN | VFS_POLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | \
			   EPOLLET | EPOLLEXCLUSIVE)

/* Linux's limits (fs/eventpoll.c): events one wait may ask for, and how
 * deep epoll files may nest in each other. */
#define EP_MAX_EVENTS (0x7fffffff / (int)sizeof(struct linux_epoll_event))
#define EP_MAX_NESTS 4

/* Events one epoll_wait returns at most; the rest wait for the next. */
#define EPOLL_WAIT_MAX 256
#define EPOLL_PERM 0600			/* what Linux's anonymous inodes show */

/* struct epoll_event, packed on x86-64 (include/uapi/linux/eventpoll.h). */
struct linux_epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

_Static_assert(sizeof(struct linux_epoll_event) == 12, "x86-64 epoll_event");

struct epoll_item {
	struct file *file;		/* a reference */
	int fd;
	uint32_t events;		/* wanted, with EPOLLET, EPOLLONESHOT */
	uint64_t data;
	bool armed;			/* false: EPOLLONESHOT fired, until MOD */
	/* Edge-triggered state: the bits last reported, and the generation
	 * read before the scan that reported them. */
	bool reported;
	uint32_t last;
	uint64_t gen;
	struct epoll_item *next;
};

struct epoll {
	struct mutex lock;		/* items and their state */
	struct epoll_item *items;	/* in the order reports rotate them */
};

/* Serialises the loop checks of adding an epoll file to another. */
static struct mutex nest_lock;

/* What it reports now, given its file's readiness and the generation read
 * before this scan. */
static uint32_t epoll_pending(const struct epoll_item *it, uint32_t ready, uint64_t gen)
{
	uint32_t mask = ready & (it->events | EPOLLERR | EPOLLHUP);

	if (!it->armed)
		return 0;
	if ((it->events & EPOLLET) && it->reported && it->gen == gen && !(mask & ~it->last))
		return 0;
	return mask;
}

/* Records that a scan reported mask (perhaps nothing) of ready. */
static void epoll_note(struct epoll_item *it, uint32_t ready, uint32_t mask, uint64_t gen)
{
	if (!mask) {
		it->last &= ready;
		return;
	}
	it->reported = true;
	it->last = mask;
	it->gen = gen;
	if (it->events & EPOLLONESHOT)
		it->armed = false;
}

static void epoll_arm(struct epoll_item *it, const struct linux_epoll_event *ev)
{
	it->events = ev->events;
	it->data = ev->data;
	it->armed = true;
	it->reported = false;
	it->last = 0;
}

static struct epoll_item *epoll_find(struct epoll *ep, const struct file *f, int fd)
{
	for (struct epoll_item *it = ep->items; it; it = it->next)
		if (it->file == f && it->fd == fd)
			return it;
	return NULL;
}

static void item_free(struct epoll_item *it)
{
	file_put(it->file);
	kfree(it);
}

static unsigned epoll_poll(struct file *f)
{
	struct epoll *ep = f->priv;
	uint64_t gen = vfs_poll_generation();
	bool ready = false;

	mutex_lock(&ep->lock);
	for (struct epoll_item *it = ep->items; it && !ready; it = it->next)
		ready = epoll_pending(it, poll_ready(it->file), gen) != 0;
	mutex_unlock(&ep->lock);
	return ready ? VFS_POLLIN : 0;
}

static int epoll_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->mode = EPOLL_PERM;
	st->nlink = 1;
	return 0;
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->priv;

	while (ep->items) {
		struct epoll_item *it = ep->items;

		ep->items = it->next;
		item_free(it);
	}
	kfree(ep);
}

static const struct file_ops epoll_ops = {
	.poll = epoll_poll,
	.stat = epoll_stat,
	.release = epoll_release,
};

static bool is_epoll(const struct file *f)
{
	return f->ops == &epoll_ops;
}

/* Whether ep holds target, through depth levels of nesting at most, or
 * nests deeper than Linux allows: either way, adding it would be -ELOOP. */
static bool epoll_reaches(struct epoll *ep, const struct epoll *target, int depth)
{
	bool found = false;

	mutex_lock(&ep->lock);
	for (struct epoll_item *it = ep->items; it && !found; it = it->next) {
		struct epoll *sub;

		if (!is_epoll(it->file))
			continue;
		sub = it->file->priv;
		found = sub == target || depth >= EP_MAX_NESTS ||
			epoll_reaches(sub, target, depth + 1);
	}
	mutex_unlock(&ep->lock);
	return found;
}

static int epoll_add(struct epoll *ep, struct file *f, int fd,
		     const struct linux_epoll_event *ev)
{
	struct epoll_item *it, **tail;

	if (epoll_find(ep, f, fd))
		return -EEXIST;
	it = kzalloc(sizeof(*it));
	if (!it)
		return -ENOMEM;
	file_get(f);
	it->file = f;
	it->fd = fd;
	epoll_arm(it, ev);
	for (tail = &ep->items; *tail; tail = &(*tail)->next)
		;
	*tail = it;
	return 0;
}

static int epoll_del(struct epoll *ep, struct file *f, int fd)
{
	for (struct epoll_item **pp = &ep->items; *pp; pp = &(*pp)->next)
		if ((*pp)->file == f && (*pp)->fd == fd) {
			struct epoll_item *it = *pp;

			*pp = it->next;
			item_free(it);
			return 0;
		}
	return -ENOENT;
}

static int epoll_mod(struct epoll *ep, struct file *f, int fd,
		     const struct linux_epoll_event *ev)
{
	struct epoll_item *it = epoll_find(ep, f, fd);

	if (!it)
		return -ENOENT;
	if (it->events & EPOLLEXCLUSIVE)
		return -EINVAL;
	epoll_arm(it, ev);
	return 0;
}

/* The checks Linux makes before looking at the operation. */
static int epoll_ctl_check(const struct file *epf, const struct file *f, int op,
			   const struct linux_epoll_event *ev)
{
	if (!f->ops || !f->ops->poll)
		return -EPERM;
	if (ev->events & EPOLLEXCLUSIVE &&
	    (op == EPOLL_CTL_MOD || is_epoll(f) || ev->events & ~EPOLLEXCLUSIVE_OK))
		return -EINVAL;
	if (epf == f || !is_epoll(epf))
		return -EINVAL;
	return 0;
}

static int epoll_ctl_files(struct file *epf, struct file *f, int op, int fd,
			   const struct linux_epoll_event *ev)
{
	struct epoll *ep = epf->priv;
	bool nested = op == EPOLL_CTL_ADD && is_epoll(f);
	int r = epoll_ctl_check(epf, f, op, ev);

	if (r)
		return r;
	if (nested) {
		mutex_lock(&nest_lock);
		if (epoll_reaches(f->priv, ep, 1)) {
			mutex_unlock(&nest_lock);
			return -ELOOP;
		}
	}
	mutex_lock(&ep->lock);
	if (op == EPOLL_CTL_ADD)
		r = epoll_add(ep, f, fd, ev);
	else if (op == EPOLL_CTL_DEL)
		r = epoll_del(ep, f, fd);
	else if (op == EPOLL_CTL_MOD)
		r = epoll_mod(ep, f, fd, ev);
	else
		r = -EINVAL;
	mutex_unlock(&ep->lock);
	if (nested)
		mutex_unlock(&nest_lock);
	/* Waiters on this epoll (or on one holding it) look again. */
	if (!r)
		vfs_poll_notify();
	return r;
}

static long sys_epoll_ctl(const uint64_t a[6])
{
	struct fdtable *fds = &process_current()->fds;
	int op = (int)a[1], fd = (int)a[2];
	struct linux_epoll_event ev = { 0 };
	struct file *epf, *f;
	long r;

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, (const void *)a[3], sizeof(ev)))
		return -EFAULT;
	epf = fdtable_get(fds, (int)a[0]);
	if (!epf)
		return -EBADF;
	f = fdtable_get(fds, fd);
	if (!f) {
		file_put(epf);
		return -EBADF;
	}
	r = epoll_ctl_files(epf, f, op, fd, &ev);
	file_put(f);
	file_put(epf);
	return r;
}
SYSCALL(233, "epoll_ctl", "fdfp", sys_epoll_ctl);

static long epoll_create_flags(int flags)
{
	struct epoll *ep;
	struct file *f;
	int fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	f = file_new(&epoll_ops, VFS_O_RDWR, ep);
	if (!f) {
		kfree(ep);
		return -ENOMEM;
	}
	fd = fdtable_install(&process_current()->fds, f, 0, flags & EPOLL_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

static long sys_epoll_create(const uint64_t a[6])
{
	if ((int)a[0] <= 0)
		return -EINVAL;
	return epoll_create_flags(0);
}
SYSCALL(213, "epoll_create", "d", sys_epoll_create);

static long sys_epoll_create1(const uint64_t a[6])
{
	return epoll_create_flags((int)a[0]);
}
SYSCALL(291, "epoll_create1", "x", sys_epoll_create1);

struct epoll_wait_req {
	struct epoll *ep;
	struct fdtable *fds;
	struct linux_epoll_event *ev;
	int max;
};

/* Whether its descriptor still names its file (else it was closed). */
static bool item_live(const struct epoll_item *it, struct fdtable *fds)
{
	struct file *f = fdtable_get(fds, it->fd);
	bool live = f == it->file;

	if (f)
		file_put(f);
	return live;
}

/* Collects up to r->max events; the items reported go to the end of the
 * list, so that the next wait starts with the others. */
static long epoll_scan(void *arg, uint64_t gen)
{
	struct epoll_wait_req *r = arg;
	struct epoll_item **pp = &r->ep->items, *done = NULL, **done_tail = &done;
	long n = 0;

	mutex_lock(&r->ep->lock);
	while (*pp) {
		struct epoll_item *it = *pp;
		uint32_t ready, mask = 0;

		if (!item_live(it, r->fds)) {
			*pp = it->next;
			item_free(it);
			continue;
		}
		if (n < r->max) {
			ready = poll_ready(it->file);
			mask = epoll_pending(it, ready, gen);
			epoll_note(it, ready, mask, gen);
		}
		if (!mask) {
			pp = &it->next;
			continue;
		}
		r->ev[n++] = (struct linux_epoll_event){ .events = mask, .data = it->data };
		*pp = it->next;
		it->next = NULL;
		*done_tail = it;
		done_tail = &it->next;
	}
	*pp = done;
	mutex_unlock(&r->ep->lock);
	return n;
}

static long do_epoll_wait(int epfd, uint64_t uev, int maxevents, uint64_t deadline)
{
	struct epoll_wait_req r = { .fds = &process_current()->fds };
	struct file *f;
	long n;

	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	if (uev >= USER_TOP ||
	    (uint64_t)maxevents * sizeof(*r.ev) > USER_TOP - uev)
		return -EFAULT;
	f = fdtable_get(r.fds, epfd);
	if (!f)
		return -EBADF;
	if (!is_epoll(f)) {
		file_put(f);
		return -EINVAL;
	}
	r.ep = f->priv;
	r.max = maxevents < EPOLL_WAIT_MAX ? maxevents : EPOLL_WAIT_MAX;
	r.ev = kmalloc((size_t)r.max * sizeof(*r.ev));
	if (!r.ev) {
		file_put(f);
		return -ENOMEM;
	}
	n = poll_wait_loop(epoll_scan, &r, deadline);
	if (n > 0 && copy_to_user((void *)uev, r.ev, (size_t)n * sizeof(*r.ev)))
		n = -EFAULT;
	kfree(r.ev);
	file_put(f);
	return n;
}

static long sys_epoll_wait(const uint64_t a[6])
{
	return do_epoll_wait((int)a[0], a[1], (int)a[2], poll_ms_deadline((int)a[3]));
}
SYSCALL(232, "epoll_wait", "fpdd", sys_epoll_wait);

/* epoll_wait with a signal mask for the wait, as ppoll. */
static long epoll_wait_masked(const uint64_t a[6], uint64_t deadline)
{
	struct poll_sigmask sm;
	long r = poll_sigmask_begin(a[4], a[5], &sm);

	if (r)
		return r;
	r = do_epoll_wait((int)a[0], a[1], (int)a[2], deadline);
	return poll_sigmask_end(&sm, r);
}

static long sys_epoll_pwait(const uint64_t a[6])
{
	return epoll_wait_masked(a, poll_ms_deadline((int)a[3]));
}
SYSCALL(281, "epoll_pwait", "fpddpu", sys_epoll_pwait);

/* The timeout is a struct timespec (NULL: none), not written back. */
static long sys_epoll_pwait2(const uint64_t a[6])
{
	uint64_t deadline;
	int r = poll_timespec_deadline(a[3], &deadline);

	if (r)
		return r;
	return epoll_wait_masked(a, deadline);
}
SYSCALL(441, "epoll_pwait2", "fpdppu", sys_epoll_pwait2);
