/*
 * poll, ppoll, select and pselect6, and the waiting they share with epoll
 * (linux/pollwait.h). Files report readiness through vfs_file_poll; a
 * waiter sleeps until the VFS's poll generation moves and checks again.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/timer.h>

#include "linux.h"
#include "pollwait.h"

/* Signals a mask cannot block (arch/x86/include/uapi/asm/signal.h). */
#define LINUX_SIGKILL 9
#define LINUX_SIGSTOP 19

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_USEC 1000ull
#define USEC_PER_SEC 1000000

/* What select reports for each set (fs/select.c's POLLIN_SET, POLLOUT_SET
 * and POLLEX_SET). */
#define SELECT_IN_BITS (VFS_POLLIN | LINUX_POLLRDNORM | LINUX_POLLRDBAND | VFS_POLLHUP | \
			VFS_POLLERR)
#define SELECT_OUT_BITS (VFS_POLLOUT | LINUX_POLLWRNORM | LINUX_POLLWRBAND | VFS_POLLERR)
#define SELECT_EX_BITS VFS_POLLPRI

/* select's three sets, as bits of a "which sets" mask. */
#define SELECT_READ 1u
#define SELECT_WRITE 2u
#define SELECT_EXCEPT 4u
#define SELECT_SETS 3

/* An fd_set is an array of 64-bit longs (include/uapi/linux/posix_types.h);
 * only the descriptors a table can hold are looked at. */
#define FDSET_BITS 64
#define FDSET_WORDS (FDTABLE_MAX / FDSET_BITS)

/* The x86-64 struct pollfd (include/uapi/asm-generic/poll.h). */
struct linux_pollfd {
	int32_t fd;
	uint16_t events;
	uint16_t revents;
};

/* The x86-64 struct timeval (include/uapi/linux/time_types.h). */
struct linux_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

/* pselect6's sixth argument: the mask and its size (fs/select.c). */
struct pselect_sigdata {
	uint64_t sigmask;
	uint64_t size;
};

unsigned poll_ready(struct file *f)
{
	unsigned ready = vfs_file_poll(f);

	if (ready & VFS_POLLIN)
		ready |= LINUX_POLLRDNORM;
	if (ready & VFS_POLLOUT)
		ready |= LINUX_POLLWRNORM;
	return ready;
}

uint64_t poll_deadline(uint64_t ns)
{
	uint64_t now = clock_ns();

	return now + ns < now ? POLL_FOREVER : now + ns;
}

uint64_t poll_ms_deadline(int ms)
{
	return ms < 0 ? POLL_FOREVER : poll_deadline((uint64_t)ms * NSEC_PER_MSEC);
}

/* The deadline of a timeout of sec seconds and nsec nanoseconds. */
static int timeout_deadline(int64_t sec, int64_t nsec, uint64_t *deadline)
{
	if (sec < 0 || nsec < 0 || (uint64_t)nsec >= NSEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)sec > UINT64_MAX / NSEC_PER_SEC)
		*deadline = POLL_FOREVER;
	else
		*deadline = poll_deadline((uint64_t)sec * NSEC_PER_SEC + (uint64_t)nsec);
	return 0;
}

int poll_timespec_deadline(uint64_t uts, uint64_t *deadline)
{
	struct poll_timespec ts;

	*deadline = POLL_FOREVER;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, (const void *)uts, sizeof(ts)))
		return -EFAULT;
	return timeout_deadline(ts.tv_sec, ts.tv_nsec, deadline);
}

/* select takes microseconds beyond a second as more seconds (fs/select.c). */
static int timeval_deadline(uint64_t utv, uint64_t *deadline)
{
	struct linux_timeval tv;
	int64_t carry;

	*deadline = POLL_FOREVER;
	if (!utv)
		return 0;
	if (copy_from_user(&tv, (const void *)utv, sizeof(tv)))
		return -EFAULT;
	if (tv.tv_usec < 0)
		return -EINVAL;
	carry = tv.tv_usec / USEC_PER_SEC;
	if (tv.tv_sec > INT64_MAX - carry)
		return 0;
	return timeout_deadline(tv.tv_sec + carry,
				tv.tv_usec % USEC_PER_SEC * (int64_t)NSEC_PER_USEC, deadline);
}

/* The time left until deadline as {seconds, sub-second units of unit ns}. */
static void time_left(uint64_t deadline, uint64_t now, uint64_t unit, int64_t out[2])
{
	uint64_t left = deadline > now ? deadline - now : 0;

	out[0] = (int64_t)(left / NSEC_PER_SEC);
	out[1] = (int64_t)(left % NSEC_PER_SEC / unit);
}

/* ppoll, select and pselect6 give back the time they did not use. Like
 * Linux, a timeout that cannot be written back does not change the result. */
static void put_time_left(uint64_t uaddr, uint64_t deadline, uint64_t unit)
{
	int64_t left[2];

	if (!uaddr || deadline == POLL_FOREVER)
		return;
	time_left(deadline, clock_ns(), unit, left);
	(void)copy_to_user((void *)uaddr, left, sizeof(left));
}

long poll_wait_loop(poll_scan_fn scan, void *arg, uint64_t deadline)
{
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		long n = scan(arg, gen);

		if (n)
			return n;
		if (deadline != POLL_FOREVER && clock_ns() >= deadline)
			return 0;
		if (signal_pending())
			return -EINTR;
		/* -ETIMEDOUT scans once more, as Linux does, then returns. */
		if (vfs_poll_wait(gen, deadline) == -EINTR)
			return -EINTR;
	}
}

int poll_sigmask_begin(uint64_t umask, uint64_t size, struct poll_sigmask *sm)
{
	struct task *t = task_current();
	unsigned long flags;
	uint64_t mask;

	sm->active = false;
	if (!umask)
		return 0;
	if (size != sizeof(mask))
		return -EINVAL;
	if (copy_from_user(&mask, (const void *)umask, sizeof(mask)))
		return -EFAULT;
	mask &= ~(SIGBIT(LINUX_SIGKILL) | SIGBIT(LINUX_SIGSTOP));
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	sm->saved = t->sig_blocked;
	t->sig_blocked = mask;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	sm->active = true;
	return 0;
}

/* A signal the wait's mask let in is delivered under that mask, so its
 * handler runs even when the caller's mask blocks it (as in Linux). */
long poll_sigmask_end(struct poll_sigmask *sm, long r)
{
	struct task *t = task_current();
	unsigned long flags;

	if (!sm->active)
		return r;
	sm->active = false;
	if (r == -EINTR)
		return signal_end_masked_wait(sm->saved);
	flags = spin_lock_irqsave(&t->proc->sig_lock);
	t->sig_blocked = sm->saved;
	spin_unlock_irqrestore(&t->proc->sig_lock, flags);
	return r;
}

/*
 * poll and ppoll.
 */
struct poll_req {
	struct fdtable *fds;
	struct linux_pollfd *pfd;
	size_t n;
};

/* One entry's revents: what it asked for plus POLLERR and POLLHUP, which
 * are always reported; POLLNVAL for a descriptor that is not open. */
static uint16_t pollfd_revents(struct fdtable *t, const struct linux_pollfd *p)
{
	struct file *f;
	unsigned ready;

	if (p->fd < 0)
		return 0;
	f = fdtable_get(t, p->fd);
	if (!f)
		return VFS_POLLNVAL;
	ready = poll_ready(f);
	file_put(f);
	return (uint16_t)(ready & (p->events | VFS_POLLERR | VFS_POLLHUP));
}

static long poll_scan(void *arg, uint64_t gen)
{
	struct poll_req *r = arg;
	long ready = 0;

	(void)gen;
	for (size_t i = 0; i < r->n; i++) {
		r->pfd[i].revents = pollfd_revents(r->fds, &r->pfd[i]);
		if (r->pfd[i].revents)
			ready++;
	}
	return ready;
}

static long do_poll(uint64_t ufds, uint64_t nfds, uint64_t deadline)
{
	struct poll_req r = { .fds = &process_current()->fds, .n = nfds };
	size_t bytes = nfds * sizeof(*r.pfd);
	long ret;

	/* Linux's limit is RLIMIT_NOFILE, which a table's size stands for. */
	if (nfds > FDTABLE_MAX)
		return -EINVAL;
	if (!nfds)
		return poll_wait_loop(poll_scan, &r, deadline);
	r.pfd = kmalloc(bytes);
	if (!r.pfd)
		return -ENOMEM;
	if (copy_from_user(r.pfd, (const void *)ufds, bytes)) {
		kfree(r.pfd);
		return -EFAULT;
	}
	ret = poll_wait_loop(poll_scan, &r, deadline);
	if (copy_to_user((void *)ufds, r.pfd, bytes))
		ret = -EFAULT;
	kfree(r.pfd);
	return ret;
}

static long sys_poll(const uint64_t a[6])
{
	return do_poll(a[0], (uint32_t)a[1], poll_ms_deadline((int)a[2]));
}
SYSCALL(7, "poll", "pud", sys_poll);

static long sys_ppoll(const uint64_t a[6])
{
	struct poll_sigmask sm;
	uint64_t deadline;
	long r = poll_timespec_deadline(a[2], &deadline);

	if (r)
		return r;
	r = poll_sigmask_begin(a[3], a[4], &sm);
	if (r)
		return r;
	r = do_poll(a[0], (uint32_t)a[1], deadline);
	put_time_left(a[2], deadline, 1);
	return poll_sigmask_end(&sm, r);
}
SYSCALL(271, "ppoll", "puppu", sys_ppoll);

/*
 * select and pselect6.
 */
static bool fdset_has(const uint64_t *set, int fd)
{
	return set[fd / FDSET_BITS] >> (fd % FDSET_BITS) & 1;
}

static void fdset_add(uint64_t *set, int fd)
{
	set[fd / FDSET_BITS] |= 1ull << (fd % FDSET_BITS);
}

/* Which of the wanted sets (SELECT_*) a file with readiness ready is in. */
static unsigned select_result(unsigned ready, unsigned wanted)
{
	unsigned in = 0;

	if (ready & SELECT_IN_BITS)
		in |= SELECT_READ;
	if (ready & SELECT_OUT_BITS)
		in |= SELECT_WRITE;
	if (ready & SELECT_EX_BITS)
		in |= SELECT_EXCEPT;
	return in & wanted;
}

struct select_req {
	struct fdtable *fds;
	int n;
	uint64_t in[SELECT_SETS][FDSET_WORDS];
	uint64_t out[SELECT_SETS][FDSET_WORDS];
};

/* The sets fd is asked about, as SELECT_* bits. */
static unsigned select_wanted(const struct select_req *r, int fd)
{
	unsigned wanted = 0;

	for (int s = 0; s < SELECT_SETS; s++)
		if (fdset_has(r->in[s], fd))
			wanted |= 1u << s;
	return wanted;
}

/* Every descriptor in a set must be open (-EBADF); each set a ready one
 * is found in counts once. */
static long select_scan(void *arg, uint64_t gen)
{
	struct select_req *r = arg;
	long count = 0;

	(void)gen;
	memset(r->out, 0, sizeof(r->out));
	for (int fd = 0; fd < r->n; fd++) {
		unsigned wanted = select_wanted(r, fd), got;
		struct file *f;

		if (!wanted)
			continue;
		f = fdtable_get(r->fds, fd);
		if (!f)
			return -EBADF;
		got = select_result(poll_ready(f), wanted);
		file_put(f);
		for (int s = 0; s < SELECT_SETS; s++)
			if (got & 1u << s) {
				fdset_add(r->out[s], fd);
				count++;
			}
	}
	return count;
}

/* A set's bytes as Linux copies them: whole longs covering n bits. */
static size_t fdset_bytes(int n)
{
	return (size_t)(n + FDSET_BITS - 1) / FDSET_BITS * sizeof(uint64_t);
}

static long do_select(int nfds, const uint64_t usets[SELECT_SETS], uint64_t deadline)
{
	struct select_req *r;
	size_t bytes;
	long ret = 0;

	if (nfds < 0)
		return -EINVAL;
	r = kzalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fds = &process_current()->fds;
	/* Linux looks no further than the descriptor table's size. */
	r->n = nfds < FDTABLE_MAX ? nfds : FDTABLE_MAX;
	bytes = fdset_bytes(r->n);
	for (int s = 0; s < SELECT_SETS && !ret; s++)
		if (usets[s] && copy_from_user(r->in[s], (const void *)usets[s], bytes))
			ret = -EFAULT;
	if (!ret)
		ret = poll_wait_loop(select_scan, r, deadline);
	for (int s = 0; s < SELECT_SETS && ret >= 0; s++)
		if (usets[s] && copy_to_user((void *)usets[s], r->out[s], bytes))
			ret = -EFAULT;
	kfree(r);
	return ret;
}

static long sys_select(const uint64_t a[6])
{
	const uint64_t sets[SELECT_SETS] = { a[1], a[2], a[3] };
	uint64_t deadline;
	long r = timeval_deadline(a[4], &deadline);

	if (r)
		return r;
	r = do_select((int)a[0], sets, deadline);
	put_time_left(a[4], deadline, NSEC_PER_USEC);
	return r;
}
SYSCALL(23, "select", "dpppp", sys_select);

static long sys_pselect6(const uint64_t a[6])
{
	const uint64_t sets[SELECT_SETS] = { a[1], a[2], a[3] };
	struct pselect_sigdata sd = { 0 };
	struct poll_sigmask sm;
	uint64_t deadline;
	long r = poll_timespec_deadline(a[4], &deadline);

	if (r)
		return r;
	if (a[5] && copy_from_user(&sd, (const void *)a[5], sizeof(sd)))
		return -EFAULT;
	r = poll_sigmask_begin(sd.sigmask, sd.size, &sm);
	if (r)
		return r;
	r = do_select((int)a[0], sets, deadline);
	put_time_left(a[4], deadline, 1);
	return poll_sigmask_end(&sm, r);
}
SYSCALL(270, "pselect6", "dppppp", sys_pselect6);
