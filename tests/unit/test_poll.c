/*
 * linux/sys_poll.c, linux/epoll.c and linux/eventfd.c, included here so
 * that their static handlers can be called, over a fake process: a plain
 * descriptor table, files whose readiness the test sets, a clock the test
 * moves, and "user memory" that is host memory (NULL faults). A wait does
 * not sleep: it runs the test's wait hook (something becomes ready) or
 * jumps the clock to the deadline.
 */
#include "../../linux/sys_poll.c"
#include "../../linux/epoll.c"
#include "../../linux/eventfd.c"

#include "check.h"

/* The fake kernel. */
static struct process proc;
static struct task task = { .proc = &proc };
static struct thread thread = { .task = &task };
static uint64_t now = 1000;
static uint64_t gen;
static bool pending_signal;
static void (*wait_hook)(void);
static unsigned waits;

struct thread *thread_current(void)
{
	return &thread;
}

bool signal_pending(void)
{
	return pending_signal;
}

/* Records the mask an interrupted masked wait leaves to the signal code,
 * which here "enters a handler" (returns 0) and leaves the mask alone. */
static uint64_t masked_wait_old;
static unsigned masked_wait_ends;

long signal_end_masked_wait(uint64_t old)
{
	masked_wait_old = old;
	masked_wait_ends++;
	return 0;
}

uint64_t clock_ns(void)
{
	return now;
}

uint64_t vfs_poll_generation(void)
{
	return gen;
}

void vfs_poll_notify(void)
{
	gen++;
}

/* With a hook, something happened; without one, the deadline came (or,
 * with none, a signal: nothing else would end the wait). */
int vfs_poll_wait(uint64_t seen, uint64_t deadline)
{
	waits++;
	if (gen != seen)
		return 0;
	if (wait_hook) {
		void (*hook)(void) = wait_hook;

		wait_hook = NULL;
		hook();
		return 0;
	}
	if (!deadline)
		return -EINTR;
	now = deadline;
	return -ETIMEDOUT;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!usrc)
		return -EFAULT;
	memcpy(dst, usrc, n);
	return 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!udst)
		return -EFAULT;
	memcpy(udst, src, n);
	return 0;
}

void *kmalloc(size_t size)
{
	return malloc(size);
}

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *p)
{
	free(p);
}

void mutex_lock(struct mutex *m)
{
	(void)m;
}

void mutex_unlock(struct mutex *m)
{
	(void)m;
}

struct file *file_new(const struct file_ops *ops, int flags, void *priv)
{
	struct file *f = calloc(1, sizeof(*f));

	*f = (struct file){ .ops = ops, .flags = flags, .refs = 1, .priv = priv };
	return f;
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	if (f->ops && f->ops->release)
		f->ops->release(f);
	free(f);
}

int fdtable_install(struct fdtable *t, struct file *f, int min, bool cloexec)
{
	for (int fd = min; fd < FDTABLE_MAX; fd++)
		if (!t->fd[fd]) {
			t->fd[fd] = f;
			t->cloexec[fd] = cloexec;
			return fd;
		}
	return -EMFILE;
}

struct file *fdtable_get(struct fdtable *t, int fd)
{
	if (fd < 0 || fd >= FDTABLE_MAX || !t->fd[fd])
		return NULL;
	file_get(t->fd[fd]);
	return t->fd[fd];
}

unsigned vfs_file_poll(struct file *f)
{
	if (f->ops && f->ops->poll)
		return f->ops->poll(f);
	return VFS_POLLIN | VFS_POLLOUT;
}

/* Test files: readiness is whatever *priv says. */
static unsigned fake_poll(struct file *f)
{
	return *(unsigned *)f->priv;
}

static const struct file_ops fake_ops = { .poll = fake_poll };

static int fake_open(unsigned *ready)
{
	return fdtable_install(&proc.fds, file_new(&fake_ops, VFS_O_RDWR, ready), 0, false);
}

/* A ramfs file: no ops, so no poll (epoll refuses it). */
static int plain_open(void)
{
	return fdtable_install(&proc.fds, file_new(NULL, VFS_O_RDWR, NULL), 0, false);
}

static void fd_close(int fd)
{
	file_put(proc.fds.fd[fd]);
	proc.fds.fd[fd] = NULL;
}

#define U(p) ((uint64_t)(uintptr_t)(p))

static long call(syscall_fn fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t a4, uint64_t a5)
{
	const uint64_t a[6] = { a0, a1, a2, a3, a4, a5 };

	return fn(a);
}

/*
 * Pure pieces.
 */
TEST(fdset_bits)
{
	uint64_t set[FDSET_WORDS] = { 0 };

	fdset_add(set, 0);
	fdset_add(set, 63);
	fdset_add(set, 64);
	fdset_add(set, FDTABLE_MAX - 1);
	CHECK_EQ(set[0], 0x8000000000000001ull);
	CHECK_EQ(set[1], 1);
	CHECK(fdset_has(set, 63) && fdset_has(set, 64) && fdset_has(set, FDTABLE_MAX - 1));
	CHECK(!fdset_has(set, 1) && !fdset_has(set, 65));
	CHECK_EQ(fdset_bytes(0), 0);
	CHECK_EQ(fdset_bytes(1), 8);
	CHECK_EQ(fdset_bytes(64), 8);
	CHECK_EQ(fdset_bytes(65), 16);
}

TEST(select_sets)
{
	unsigned all = SELECT_READ | SELECT_WRITE | SELECT_EXCEPT;

	CHECK_EQ(select_result(VFS_POLLIN, all), SELECT_READ);
	CHECK_EQ(select_result(VFS_POLLHUP, all), SELECT_READ);
	CHECK_EQ(select_result(VFS_POLLERR, all), SELECT_READ | SELECT_WRITE);
	CHECK_EQ(select_result(VFS_POLLOUT | VFS_POLLPRI, all), SELECT_WRITE | SELECT_EXCEPT);
	CHECK_EQ(select_result(VFS_POLLIN | VFS_POLLOUT, SELECT_WRITE), SELECT_WRITE);
	CHECK_EQ(select_result(0, all), 0);
}

TEST(eventfd_counter)
{
	uint64_t c = 5;

	CHECK_EQ(eventfd_take(&c, true), 1);
	CHECK_EQ(c, 4);
	CHECK_EQ(eventfd_take(&c, false), 4);
	CHECK_EQ(c, 0);
	CHECK_EQ(eventfd_take(&c, true), 0);
	CHECK_EQ(eventfd_take(&c, false), 0);
	CHECK(eventfd_add(&c, EVENTFD_MAX));
	CHECK(!eventfd_add(&c, 1));
	CHECK(eventfd_add(&c, 0));
	CHECK_EQ(c, EVENTFD_MAX);
	CHECK_EQ(eventfd_bits(0), VFS_POLLOUT);
	CHECK_EQ(eventfd_bits(1), VFS_POLLIN | VFS_POLLOUT);
	CHECK_EQ(eventfd_bits(EVENTFD_MAX), VFS_POLLIN);
}

TEST(epoll_edge_state)
{
	struct epoll_item it = { 0 };
	struct linux_epoll_event ev = { .events = VFS_POLLIN | EPOLLET };

	epoll_arm(&it, &ev);
	CHECK_EQ(epoll_pending(&it, VFS_POLLIN | VFS_POLLOUT, 7), VFS_POLLIN);
	epoll_note(&it, VFS_POLLIN, VFS_POLLIN, 7);
	/* Still readable, nothing happened since: no new edge. */
	CHECK_EQ(epoll_pending(&it, VFS_POLLIN, 7), 0);
	/* New bits, or the generation moved: report again. */
	CHECK_EQ(epoll_pending(&it, VFS_POLLIN | VFS_POLLHUP, 7), VFS_POLLIN | VFS_POLLHUP);
	CHECK_EQ(epoll_pending(&it, VFS_POLLIN, 8), VFS_POLLIN);
	/* Seen not ready, then ready again within one generation: an edge. */
	epoll_note(&it, 0, 0, 7);
	CHECK_EQ(epoll_pending(&it, VFS_POLLIN, 7), VFS_POLLIN);

	ev.events = VFS_POLLOUT | EPOLLONESHOT;
	epoll_arm(&it, &ev);
	CHECK_EQ(epoll_pending(&it, VFS_POLLOUT, 1), VFS_POLLOUT);
	epoll_note(&it, VFS_POLLOUT, VFS_POLLOUT, 1);
	CHECK_EQ(epoll_pending(&it, VFS_POLLOUT | VFS_POLLERR, 2), 0);
	epoll_arm(&it, &ev);
	CHECK_EQ(epoll_pending(&it, VFS_POLLOUT | VFS_POLLERR, 2), VFS_POLLOUT | VFS_POLLERR);
}

/*
 * poll and ppoll.
 */
TEST(poll_reports)
{
	unsigned r0 = VFS_POLLIN, r1 = VFS_POLLOUT | VFS_POLLHUP;
	int a = fake_open(&r0), b = fake_open(&r1);
	struct linux_pollfd p[4] = {
		{ .fd = a, .events = VFS_POLLIN | VFS_POLLOUT },
		{ .fd = b, .events = VFS_POLLIN },
		{ .fd = -1, .events = VFS_POLLIN, .revents = 0x55 },
		{ .fd = 99, .events = VFS_POLLIN },
	};

	CHECK_EQ(call(sys_poll, U(p), 4, 0, 0, 0, 0), 3);
	CHECK_EQ(p[0].revents, VFS_POLLIN);
	CHECK_EQ(p[1].revents, VFS_POLLHUP);
	CHECK_EQ(p[2].revents, 0);
	CHECK_EQ(p[3].revents, VFS_POLLNVAL);
	p[0].events = LINUX_POLLRDNORM;
	CHECK_EQ(call(sys_poll, U(p), 1, 0, 0, 0, 0), 1);
	CHECK_EQ(p[0].revents, LINUX_POLLRDNORM);
	CHECK_EQ(call(sys_poll, 0, 1, 0, 0, 0, 0), -EFAULT);
	CHECK_EQ(call(sys_poll, U(p), FDTABLE_MAX + 1, 0, 0, 0, 0), -EINVAL);
}

static unsigned later_ready;

static void become_ready(void)
{
	later_ready = VFS_POLLIN;
	now += 300 * NSEC_PER_MSEC;
	gen++;
}

TEST(poll_waits)
{
	int fd = fake_open(&later_ready);
	struct linux_pollfd p = { .fd = fd, .events = VFS_POLLIN };
	uint64_t start = now;

	CHECK_EQ(call(sys_poll, U(&p), 1, 250, 0, 0, 0), 0);
	CHECK_EQ(now, start + 250 * NSEC_PER_MSEC);
	CHECK_EQ(p.revents, 0);
	wait_hook = become_ready;
	CHECK_EQ(call(sys_poll, U(&p), 1, (uint64_t)-1, 0, 0, 0), 1);
	CHECK_EQ(p.revents, VFS_POLLIN);
	later_ready = 0;
	pending_signal = true;
	CHECK_EQ(call(sys_poll, U(&p), 1, 1000, 0, 0, 0), -EINTR);
	/* No descriptors: a sleep. */
	pending_signal = false;
	CHECK_EQ(call(sys_poll, 0, 0, 5, 0, 0, 0), 0);
}

static uint64_t mask_in_wait;

static void see_mask(void)
{
	mask_in_wait = task.sig_blocked;
	later_ready = VFS_POLLIN;
	now += 400 * NSEC_PER_MSEC;
	gen++;
}

TEST(ppoll_mask_and_time_left)
{
	int fd = fake_open(&later_ready);
	struct linux_pollfd p = { .fd = fd, .events = VFS_POLLIN };
	struct poll_timespec ts = { 1, 0 };
	uint64_t mask = SIGBIT(10) | SIGBIT(LINUX_SIGKILL);

	task.sig_blocked = SIGBIT(2);
	wait_hook = see_mask;
	CHECK_EQ(call(sys_ppoll, U(&p), 1, U(&ts), U(&mask), 8, 0), 1);
	CHECK_EQ(mask_in_wait, SIGBIT(10));
	CHECK_EQ(task.sig_blocked, SIGBIT(2));
	CHECK_EQ(ts.tv_sec, 0);
	CHECK_EQ(ts.tv_nsec, 600 * NSEC_PER_MSEC);
	CHECK_EQ(call(sys_ppoll, U(&p), 1, U(&ts), U(&mask), 4, 0), -EINVAL);
	ts.tv_nsec = NSEC_PER_SEC;
	CHECK_EQ(call(sys_ppoll, U(&p), 1, U(&ts), 0, 8, 0), -EINVAL);
	ts = (struct poll_timespec){ -1, 0 };
	CHECK_EQ(call(sys_ppoll, U(&p), 1, U(&ts), 0, 8, 0), -EINVAL);
	CHECK_EQ(masked_wait_ends, 0u);
}

/*
 * select and pselect6.
 */
TEST(select_sets_and_errors)
{
	unsigned rin = VFS_POLLIN, rout = VFS_POLLOUT;
	int a = fake_open(&rin), b = fake_open(&rout);
	uint64_t rd[FDSET_WORDS] = { 0 }, wr[FDSET_WORDS] = { 0 };
	struct linux_timeval tv = { 0, 0 };

	fdset_add(rd, a);
	fdset_add(rd, b);
	fdset_add(wr, a);
	fdset_add(wr, b);
	CHECK_EQ(call(sys_select, b + 1, U(rd), U(wr), 0, U(&tv), 0), 2);
	CHECK(fdset_has(rd, a) && !fdset_has(rd, b));
	CHECK(!fdset_has(wr, a) && fdset_has(wr, b));
	fdset_add(rd, 40);
	CHECK_EQ(call(sys_select, 41, U(rd), 0, 0, U(&tv), 0), -EBADF);
	CHECK_EQ(call(sys_select, -1, 0, 0, 0, U(&tv), 0), -EINVAL);
	tv.tv_usec = -1;
	CHECK_EQ(call(sys_select, 0, 0, 0, 0, U(&tv), 0), -EINVAL);
}

TEST(select_time_left)
{
	int fd = fake_open(&later_ready);
	uint64_t rd[FDSET_WORDS] = { 0 };
	/* 2.5 s of microseconds: select carries them into seconds. */
	struct linux_timeval tv = { 0, 2500000 };
	uint64_t start = now;

	fdset_add(rd, fd);
	CHECK_EQ(call(sys_select, fd + 1, U(rd), 0, 0, U(&tv), 0), 0);
	CHECK_EQ(now, start + 2500 * NSEC_PER_MSEC);
	CHECK_EQ(tv.tv_sec, 0);
	CHECK_EQ(tv.tv_usec, 0);
	CHECK(!fdset_has(rd, fd));
	fdset_add(rd, fd);
	tv = (struct linux_timeval){ 1, 0 };
	wait_hook = become_ready;
	CHECK_EQ(call(sys_select, fd + 1, U(rd), 0, 0, U(&tv), 0), 1);
	CHECK(fdset_has(rd, fd));
	CHECK_EQ(tv.tv_usec, 700000);
}

TEST(pselect6_mask)
{
	int fd = fake_open(&later_ready);
	uint64_t rd[FDSET_WORDS] = { 0 };
	uint64_t mask = SIGBIT(17);
	struct pselect_sigdata sd = { U(&mask), 8 };

	fdset_add(rd, fd);
	task.sig_blocked = 0;
	wait_hook = see_mask;
	CHECK_EQ(call(sys_pselect6, fd + 1, U(rd), 0, 0, 0, U(&sd)), 1);
	CHECK_EQ(mask_in_wait, SIGBIT(17));
	CHECK_EQ(task.sig_blocked, 0);
	sd.size = 16;
	CHECK_EQ(call(sys_pselect6, fd + 1, U(rd), 0, 0, 0, U(&sd)), -EINVAL);
}

/*
 * eventfd.
 */
static long fd_read(int fd, uint64_t *v)
{
	struct file *f = proc.fds.fd[fd];

	return f->ops->read(f, v, sizeof(*v));
}

static long fd_write(int fd, uint64_t v)
{
	struct file *f = proc.fds.fd[fd];

	return f->ops->write(f, &v, sizeof(v));
}

TEST(eventfd_file)
{
	int fd = (int)call(sys_eventfd2, 5, EFD_NONBLOCK | EFD_CLOEXEC, 0, 0, 0, 0);
	struct file *f;
	struct vfs_stat st = { 0 };
	uint64_t v = 0;

	CHECK(fd >= 0);
	f = proc.fds.fd[fd];
	CHECK(proc.fds.cloexec[fd]);
	CHECK_EQ(vfs_file_poll(f), VFS_POLLIN | VFS_POLLOUT);
	CHECK_EQ(fd_read(fd, &v), 8);
	CHECK_EQ(v, 5);
	CHECK_EQ(fd_read(fd, &v), -EAGAIN);
	CHECK_EQ(vfs_file_poll(f), VFS_POLLOUT);
	CHECK_EQ(f->ops->read(f, &v, 4), -EINVAL);
	CHECK_EQ(fd_write(fd, UINT64_MAX), -EINVAL);
	CHECK_EQ(fd_write(fd, EVENTFD_MAX), 8);
	CHECK_EQ(vfs_file_poll(f), VFS_POLLIN);
	CHECK_EQ(fd_write(fd, 1), -EAGAIN);
	CHECK_EQ(f->ops->stat(f, &st), 0);
	CHECK_EQ(st.mode, 0600);
	CHECK_EQ(call(sys_eventfd2, 0, 8, 0, 0, 0, 0), -EINVAL);
	fd_close(fd);
}

static int wake_fd;

static void post_two(void)
{
	CHECK_EQ(fd_write(wake_fd, 2), 8);
}

TEST(eventfd_semaphore_blocks)
{
	uint64_t v = 0;

	wake_fd = (int)call(sys_eventfd2, 0, EFD_SEMAPHORE, 0, 0, 0, 0);
	CHECK(wake_fd >= 0);
	wait_hook = post_two;
	CHECK_EQ(fd_read(wake_fd, &v), 8);
	CHECK_EQ(v, 1);
	CHECK_EQ(fd_read(wake_fd, &v), 8);
	CHECK_EQ(v, 1);
	/* Empty and blocking: the fake wait ends it as a signal would. */
	CHECK_EQ(fd_read(wake_fd, &v), -EINTR);
	CHECK_EQ(call(sys_eventfd, 3, 0, 0, 0, 0, 0), wake_fd + 1);
}

/*
 * epoll.
 */
static long ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct linux_epoll_event ev = { .events = events, .data = data };

	return call(sys_epoll_ctl, (uint64_t)ep, (uint64_t)op, (uint64_t)fd, U(&ev), 0, 0);
}

static long ewait(int ep, struct linux_epoll_event *ev, int max, int timeout)
{
	return call(sys_epoll_wait, (uint64_t)ep, U(ev), (uint64_t)max, (uint64_t)timeout, 0, 0);
}

TEST(epoll_ctl_errors)
{
	unsigned r = 0;
	int ep = (int)call(sys_epoll_create1, EPOLL_CLOEXEC, 0, 0, 0, 0, 0);
	int ep2 = (int)call(sys_epoll_create, 1, 0, 0, 0, 0, 0);
	int fd = fake_open(&r), plain = plain_open();

	CHECK(ep >= 0 && ep2 >= 0);
	CHECK(proc.fds.cloexec[ep] && !proc.fds.cloexec[ep2]);
	CHECK_EQ(call(sys_epoll_create, 0, 0, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(call(sys_epoll_create1, 1, 0, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, plain, VFS_POLLIN, 0), -EPERM);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, ep, VFS_POLLIN, 0), -EINVAL);
	CHECK_EQ(ctl(fd, EPOLL_CTL_ADD, ep, VFS_POLLIN, 0), -EINVAL);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, 77, VFS_POLLIN, 0), -EBADF);
	CHECK_EQ(ctl(77, EPOLL_CTL_ADD, fd, VFS_POLLIN, 0), -EBADF);
	CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, fd, VFS_POLLIN, 0), -ENOENT);
	CHECK_EQ(ctl(ep, EPOLL_CTL_DEL, fd, 0, 0), -ENOENT);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, fd, VFS_POLLIN, 0), 0);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, fd, VFS_POLLIN, 0), -EEXIST);
	CHECK_EQ(ctl(ep, 9, fd, VFS_POLLIN, 0), -EINVAL);
	CHECK_EQ(call(sys_epoll_ctl, (uint64_t)ep, EPOLL_CTL_MOD, (uint64_t)fd, 0, 0, 0), -EFAULT);
	CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, fd, VFS_POLLIN | EPOLLEXCLUSIVE, 0), -EINVAL);
	/* Nesting: ep2 in ep is fine, ep in ep2 would be a loop. */
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, ep2, VFS_POLLIN, 0), 0);
	CHECK_EQ(ctl(ep2, EPOLL_CTL_ADD, ep, VFS_POLLIN, 0), -ELOOP);
	CHECK_EQ(ctl(ep, EPOLL_CTL_DEL, fd, 0, 0), 0);
	CHECK_EQ(proc.fds.fd[fd]->refs, 1);
	fd_close(ep2);
	fd_close(ep);
	CHECK_EQ(proc.fds.fd[fd]->refs, 1);
}

TEST(epoll_level_edge_oneshot)
{
	unsigned ra = VFS_POLLIN, rb = VFS_POLLIN | VFS_POLLOUT, rc = VFS_POLLOUT;
	int ep = (int)call(sys_epoll_create1, 0, 0, 0, 0, 0, 0);
	int a = fake_open(&ra), b = fake_open(&rb), c = fake_open(&rc);
	struct linux_epoll_event ev[4];

	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, a, VFS_POLLIN, 100), 0);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, b, VFS_POLLIN | EPOLLET, 200), 0);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, c, VFS_POLLOUT | EPOLLONESHOT, 300), 0);
	CHECK_EQ(ewait(ep, ev, 4, 0), 3);
	CHECK_EQ(ev[0].data, 100);
	CHECK_EQ(ev[0].events, VFS_POLLIN);
	CHECK_EQ(ev[1].data, 200);
	CHECK_EQ(ev[1].events, VFS_POLLIN);
	CHECK_EQ(ev[2].data, 300);
	CHECK_EQ(ev[2].events, VFS_POLLOUT);
	/* Level-triggered again; the edge and the one-shot are spent. */
	CHECK_EQ(ewait(ep, ev, 4, 0), 1);
	CHECK_EQ(ev[0].data, 100);
	CHECK_EQ(vfs_file_poll(proc.fds.fd[ep]), VFS_POLLIN);
	/* Something happened: the edge-triggered one reports again. */
	gen++;
	CHECK_EQ(ewait(ep, ev, 4, 0), 2);
	CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, c, VFS_POLLOUT | EPOLLONESHOT, 301), 0);
	ra = 0;
	/* The MOD moved the generation too, so the edge one comes again. */
	CHECK_EQ(ewait(ep, ev, 4, 0), 2);
	CHECK_EQ(ev[0].data, 301);
	CHECK_EQ(ev[1].data, 200);
	CHECK_EQ(ewait(ep, ev, 4, 0), 0);
	CHECK_EQ(vfs_file_poll(proc.fds.fd[ep]), 0);
	CHECK_EQ(ewait(ep, ev, 0, 0), -EINVAL);
	CHECK_EQ(ewait(a, ev, 4, 0), -EINVAL);
	CHECK_EQ(ewait(ep, NULL, 4, 0), 0);
	/* HUP is always reported. */
	ra = VFS_POLLHUP;
	CHECK_EQ(ewait(ep, NULL, 4, 0), -EFAULT);
	fd_close(ep);
}

TEST(epoll_rotates_and_drops_closed)
{
	unsigned r = VFS_POLLIN;
	int ep = (int)call(sys_epoll_create1, 0, 0, 0, 0, 0, 0);
	int a = fake_open(&r), b = fake_open(&r);
	struct linux_epoll_event ev[2];

	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, a, VFS_POLLIN, 1), 0);
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, b, VFS_POLLIN, 2), 0);
	CHECK_EQ(ewait(ep, ev, 1, 0), 1);
	CHECK_EQ(ev[0].data, 1);
	CHECK_EQ(ewait(ep, ev, 1, 0), 1);
	CHECK_EQ(ev[0].data, 2);
	CHECK_EQ(ewait(ep, ev, 1, 0), 1);
	CHECK_EQ(ev[0].data, 1);
	fd_close(a);
	CHECK_EQ(ewait(ep, ev, 2, 0), 1);
	CHECK_EQ(ev[0].data, 2);
	fd_close(ep);
}

TEST(epoll_pwait_waits)
{
	int ep = (int)call(sys_epoll_create1, 0, 0, 0, 0, 0, 0);
	int fd = fake_open(&later_ready);
	struct linux_epoll_event ev[1];
	uint64_t mask = SIGBIT(5), start = now;
	struct poll_timespec ts = { 0, 5 * NSEC_PER_MSEC };

	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, fd, VFS_POLLIN, 9), 0);
	CHECK_EQ(ewait(ep, ev, 1, 20), 0);
	CHECK_EQ(now, start + 20 * NSEC_PER_MSEC);
	CHECK_EQ(call(sys_epoll_pwait2, (uint64_t)ep, U(ev), 1, U(&ts), 0, 8), 0);
	task.sig_blocked = 0;
	wait_hook = see_mask;
	CHECK_EQ(call(sys_epoll_pwait, (uint64_t)ep, U(ev), 1, (uint64_t)-1, U(&mask), 8), 1);
	CHECK_EQ(mask_in_wait, SIGBIT(5));
	CHECK_EQ(task.sig_blocked, 0);
	CHECK_EQ(ev[0].data, 9);
	later_ready = 0;
	pending_signal = true;
	CHECK_EQ(ewait(ep, ev, 1, -1), -EINTR);
	fd_close(ep);
}

/* A signal ends a masked wait through the signal code, with the caller's
 * mask to restore; the wait's mask stays for the delivery. */
TEST(interrupted_masked_waits_deliver_under_their_mask)
{
	int fd = fake_open(&later_ready);
	int ep = (int)call(sys_epoll_create1, 0, 0, 0, 0, 0, 0);
	struct linux_pollfd p = { .fd = fd, .events = VFS_POLLIN };
	uint64_t rd[FDSET_WORDS] = { 0 }, mask = 0;
	struct pselect_sigdata sd = { U(&mask), 8 };
	struct linux_epoll_event ev[1];

	later_ready = 0;
	pending_signal = true;
	masked_wait_ends = 0;
	task.sig_blocked = SIGBIT(10);
	CHECK_EQ(call(sys_ppoll, U(&p), 1, 0, U(&mask), 8, 0), 0);
	CHECK_EQ(masked_wait_old, SIGBIT(10));
	CHECK_EQ(task.sig_blocked, 0u);
	task.sig_blocked = SIGBIT(12);
	fdset_add(rd, fd);
	CHECK_EQ(call(sys_pselect6, fd + 1, U(rd), 0, 0, 0, U(&sd)), 0);
	CHECK_EQ(masked_wait_old, SIGBIT(12));
	CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, fd, VFS_POLLIN, 1), 0);
	task.sig_blocked = SIGBIT(14);
	CHECK_EQ(call(sys_epoll_pwait, (uint64_t)ep, U(ev), 1, (uint64_t)-1, U(&mask), 8), 0);
	CHECK_EQ(masked_wait_old, SIGBIT(14));
	CHECK_EQ(masked_wait_ends, 3u);
	/* Without a mask, or not interrupted, nothing is left to deliver. */
	CHECK_EQ(call(sys_ppoll, U(&p), 1, 0, 0, 8, 0), -EINTR);
	pending_signal = false;
	later_ready = VFS_POLLIN;
	task.sig_blocked = SIGBIT(10);
	CHECK_EQ(call(sys_ppoll, U(&p), 1, 0, U(&mask), 8, 0), 1);
	CHECK_EQ(task.sig_blocked, SIGBIT(10));
	CHECK_EQ(masked_wait_ends, 3u);
	later_ready = 0;
	fd_close(ep);
}

int main(void)
{
	return check_run();
}
