/*
 * The Linux calls on descriptors: reading and writing (plain, vectored,
 * positioned), descriptor management (close, dup, fcntl, pipe), ioctl,
 * sendfile and directory listing. Calls that take a path are in
 * linux/sys_stat.c. User memory is only reached through the bounce buffer
 * and copy_from_user/copy_to_user. Numbers: arch/x86/entry/syscalls/
 * syscall_64.tbl.
 */
#include <flint/filelock.h>
#include <flint/heap.h>
#include <flint/socket.h>
#include <flint/string.h>
#include <flint/tty.h>
#include "linux.h"

/* include/uapi/asm-generic/signal.h */
#define LINUX_SIGPIPE 13

/* include/linux/fs.h: INT_MAX rounded down to a page; longer transfers
 * are cut to it. */
#define MAX_RW_COUNT 0x7ffff000ull

/* include/uapi/linux/uio.h */
#define UIO_MAXIOV 1024
#define IOV_ON_STACK 8			/* vectors this short skip the heap */

/* include/uapi/asm-generic/fcntl.h */
#define LINUX_F_DUPFD 0
#define LINUX_F_GETFD 1
#define LINUX_F_SETFD 2
#define LINUX_F_GETFL 3
#define LINUX_F_SETFL 4
#define LINUX_F_GETLK 5
#define LINUX_F_SETLK 6
#define LINUX_F_SETLKW 7
#define LINUX_F_OFD_GETLK 36
#define LINUX_F_OFD_SETLK 37
#define LINUX_F_OFD_SETLKW 38
#define LINUX_F_DUPFD_CLOEXEC 1030	/* F_LINUX_SPECIFIC_BASE + 6 */
#define LINUX_F_SETPIPE_SZ 1031	/* F_LINUX_SPECIFIC_BASE + 7 */
#define LINUX_F_GETPIPE_SZ 1032	/* F_LINUX_SPECIFIC_BASE + 8 */
#define LINUX_FD_CLOEXEC 1
#define LINUX_F_RDLCK 0
#define LINUX_F_WRLCK 1
#define LINUX_F_UNLCK 2
/* include/uapi/linux/fs.h: l_whence */
#define LINUX_SEEK_SET 0
#define LINUX_SEEK_CUR 1
#define LINUX_SEEK_END 2

/* include/uapi/asm-generic/ioctls.h */
#define LINUX_FIONBIO 0x5421
#define LINUX_FIONCLEX 0x5450
#define LINUX_FIOCLEX 0x5451

/* include/uapi/linux/fs.h: preadv2/pwritev2 flags. HIPRI, DSYNC and SYNC
 * mean nothing to a RAM filesystem; NOWAIT and APPEND are refused. */
#define LINUX_RWF_HIPRI 0x1
#define LINUX_RWF_DSYNC 0x2
#define LINUX_RWF_SYNC 0x4
#define RWF_IGNORED (LINUX_RWF_HIPRI | LINUX_RWF_DSYNC | LINUX_RWF_SYNC)

/* include/uapi/linux/close_range.h */
#define LINUX_CLOSE_RANGE_UNSHARE 0x2
#define LINUX_CLOSE_RANGE_CLOEXEC 0x4

/* include/uapi/asm-generic/fcntl.h: flock(2) operations */
#define LINUX_LOCK_SH 1
#define LINUX_LOCK_EX 2
#define LINUX_LOCK_NB 4
#define LINUX_LOCK_UN 8
#define LINUX_LOCK_MAND 32	/* accepted and ignored since Linux 5.15 */

/* include/uapi/linux/dirent.h's struct linux_dirent64: d_ino (8 bytes),
 * d_off (8), d_reclen (2), d_type (1), then the NUL-terminated name;
 * records are 8-byte aligned. */
#define DIRENT_OFF_AT 8
#define DIRENT_RECLEN_AT 16
#define DIRENT_TYPE_AT 18
#define DIRENT_NAME_AT 19
#define DIRENT_ALIGN 8
#define DIRENT_MAX ((DIRENT_NAME_AT + VFS_NAME_MAX + 1 + DIRENT_ALIGN - 1) & ~(DIRENT_ALIGN - 1))
/* include/linux/fs_types.h: a DT_* value is the S_IFMT field shifted down. */
#define DT_SHIFT 12
/* A directory's stream positions: "." at 0, ".." at 1, then the entries
 * the VFS numbers from 0 (its offset is an entry index). */
#define DIR_FIRST_ENTRY 2

/* include/uapi/linux/uio.h */
struct linux_iovec {
	uint64_t base;
	uint64_t len;
};

/* include/uapi/asm-generic/fcntl.h, x86-64 layout (32 bytes) */
struct linux_flock {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_pid;
};

_Static_assert(sizeof(struct linux_iovec) == 16, "struct iovec");
_Static_assert(sizeof(struct linux_flock) == 32, "struct flock");
_Static_assert(DIRENT_MAX <= BOUNCE_SIZE, "a directory entry fits the bounce buffer");

static struct fdtable *fds(void)
{
	return &process_current()->fds;
}

static struct file *fd_get(uint64_t fd)
{
	return fdtable_get(fds(), (int)fd);
}

static bool has_node(const struct file *f)
{
	return f->node && !f->ops;
}

static bool is_dir(const struct file *f)
{
	return f->node && (f->node->mode & VFS_S_IFMT) == VFS_S_IFDIR;
}

/* A failed write to a pipe nobody reads raises SIGPIPE, as in Linux. */
static long note_epipe(long r)
{
	if (r == -EPIPE)
		signal_send_task(task_current(), LINUX_SIGPIPE);
	return r;
}

/* The bytes a vector asks for: -EINVAL when a length or the sum does not
 * fit a signed 64-bit count. */
static int64_t iov_total(const struct linux_iovec *iov, unsigned cnt)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < cnt; i++) {
		if (iov[i].len > (uint64_t)INT64_MAX - total)
			return -EINVAL;
		total += iov[i].len;
	}
	return (int64_t)total;
}

/* A transfer's progress through a user vector. */
struct uio {
	const struct linux_iovec *iov;
	unsigned i;			/* the current segment */
	uint64_t off;			/* bytes done in iov[i] */
	uint64_t resid;			/* bytes left, at most MAX_RW_COUNT */
	bool fault;			/* a copy failed: the transfer ends */
};

static void uio_init(struct uio *u, const struct linux_iovec *iov, uint64_t total)
{
	*u = (struct uio){ .iov = iov, .resid = total < MAX_RW_COUNT ? total : MAX_RW_COUNT };
}

/* The next bytes of the vector in one piece: their address and how many
 * (0 when the vector is done). */
static size_t uio_piece(struct uio *u, void **ubuf)
{
	while (u->resid && u->iov[u->i].len == u->off) {
		u->i++;
		u->off = 0;
	}
	if (!u->resid)
		return 0;
	*ubuf = (void *)(uintptr_t)(u->iov[u->i].base + u->off);
	return (size_t)MIN(u->iov[u->i].len - u->off, u->resid);
}

/* The transfer moved n more bytes (within the current piece). */
static void uio_skip(struct uio *u, size_t n)
{
	u->off += n;
	u->resid -= n;
}

/* Moves up to n bytes between buf and the vector's next bytes; returns
 * how many moved (fewer after a fault). */
static size_t uio_move(struct uio *u, unsigned char *buf, size_t n, bool to_user)
{
	size_t done = 0;

	while (done < n && !u->fault) {
		void *ubuf;
		size_t step = MIN(uio_piece(u, &ubuf), n - done);
		int r;

		if (!step)
			break;
		r = to_user ? copy_to_user(ubuf, buf + done, step)
			    : copy_from_user(buf + done, ubuf, step);
		if (r < 0) {
			u->fault = true;
			break;
		}
		done += step;
		uio_skip(u, step);
	}
	return done;
}

static size_t chunk_of(uint64_t resid, size_t size)
{
	return resid < size ? (size_t)resid : size;
}

/* How many of the vector's next n bytes can take data: each page is
 * checked by writing back one of its own bytes. A read consumes what it
 * returns (a pipe's data, a file's offset), so the destination is checked
 * first: a bad buffer then fails with EFAULT and leaves the data and the
 * offset for the next read, as Linux does. */
static size_t uio_writable(const struct uio *u, size_t n)
{
	size_t done = 0;
	unsigned i = u->i;
	uint64_t off = u->off;

	while (done < n) {	/* n <= u->resid: the segments hold it */
		const struct linux_iovec *v = &u->iov[i];
		uint64_t addr = v->base + off, page_end, step;
		unsigned char c;

		if (off >= v->len) {
			i++;
			off = 0;
			continue;
		}
		page_end = (addr | (PAGE_SIZE - 1)) + 1;
		step = page_end - addr;
		if (step > v->len - off)
			step = v->len - off;
		if (step > n - done)
			step = n - done;
		if (copy_from_user(&c, (const void *)addr, 1) || copy_to_user((void *)addr, &c, 1))
			break;
		done += step;
		off += step;
	}
	return done;
}

/* After the first bytes, a pipe or terminal is read again only while it
 * has data: read returns what is there rather than waiting for more. */
static bool may_read_more(struct file *f)
{
	return !f->ops || (vfs_file_poll(f) & VFS_POLLIN);
}

/* Reads straight into the vector's pieces, for files that can (a TCP
 * socket): -EOPNOTSUPP before anything was read when the file cannot. */
static long xfer_read_direct(struct file *f, struct uio *u)
{
	uint64_t done = 0;
	long r = 0;

	for (;;) {
		void *ubuf;
		size_t step = uio_piece(u, &ubuf);

		if (!step || (done && !may_read_more(f)))
			break;
		step = uio_writable(u, step);
		if (!step) {
			r = -EFAULT;
			break;
		}
		r = vfs_file_read_user(f, ubuf, step);
		if (r <= 0)
			break;
		done += (uint64_t)r;
		uio_skip(u, (size_t)r);
		if ((size_t)r < step)
			break;
	}
	return done ? (long)done : r;
}

/* Reads into the vector at pos (the file's offset when negative). */
static long xfer_read(struct file *f, struct uio *u, int64_t pos)
{
	size_t size;
	unsigned char *buf;
	uint64_t done = 0;
	long r = 0;

	if (pos < 0 && f->ops && f->ops->read_user) {
		r = xfer_read_direct(f, u);
		if (r != -EOPNOTSUPP)
			return r;
	}
	buf = bounce_get_for(u->resid, &size);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t chunk = chunk_of(u->resid, size);

		if (done && !may_read_more(f))
			break;
		chunk = uio_writable(u, chunk);
		if (!chunk) {
			r = -EFAULT;
			break;
		}
		r = pos < 0 ? vfs_file_read(f, buf, chunk)
			    : vfs_file_pread(f, buf, chunk, (uint64_t)pos + done);
		if (r <= 0)
			break;
		done += uio_move(u, buf, (size_t)r, true);
		if (u->fault) {
			r = -EFAULT;
			break;
		}
		if ((size_t)r < chunk || !u->resid)
			break;
	}
	bounce_put(buf);
	return done ? (long)done : r;
}

/* Writes the vector at pos (the file's offset when negative). Small
 * segments are gathered so that one write(2) of up to BOUNCE_SIZE bytes
 * reaches the file as one write (atomic on a pipe). */
static long xfer_write(struct file *f, struct uio *u, int64_t pos)
{
	size_t size;
	unsigned char *buf = bounce_get_for(u->resid, &size);
	uint64_t done = 0;
	long r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t fill = uio_move(u, buf, chunk_of(u->resid, size), false);

		if (u->fault && !fill) {
			r = -EFAULT;
			break;
		}
		r = pos < 0 ? vfs_file_write(f, buf, fill)
			    : vfs_file_pwrite(f, buf, fill, (uint64_t)pos + done);
		note_epipe(r);
		if (r < 0)
			break;
		done += (uint64_t)r;
		if ((size_t)r < fill || u->fault || !u->resid)
			break;
	}
	bounce_put(buf);
	return done ? (long)done : r;
}

/* Every segment lies below the top of user space (Linux's access_ok,
 * checked once the descriptor is known, before anything moves). */
static bool iov_in_user(const struct linux_iovec *iov, unsigned cnt)
{
	for (unsigned i = 0; i < cnt; i++)
		if (iov[i].len && (iov[i].base >= USER_TOP || iov[i].len > USER_TOP - iov[i].base))
			return false;
	return true;
}

/* A socket with a timeout for the transfer is not restarted after a
 * signal, as Linux's sock_intr_errno. */
static void socket_eintr(struct file *f, bool write)
{
	struct socket *s = socket_of(f);

	if (s && (write ? s->sndtimeo_ns : s->rcvtimeo_ns))
		task_current()->restart_nr = -1;
}

static long fd_rw(uint64_t fd, const struct linux_iovec *iov, unsigned cnt, int64_t pos,
		  bool write)
{
	int64_t total = iov_total(iov, cnt);
	struct file *f;
	struct uio u;
	long r;

	if (total < 0)
		return total;
	f = fd_get(fd);
	if (!f)
		return -EBADF;
	if (!iov_in_user(iov, cnt)) {
		file_put(f);
		return -EFAULT;
	}
	uio_init(&u, iov, (uint64_t)total);
	r = write ? xfer_write(f, &u, pos) : xfer_read(f, &u, pos);
	if (r == -EINTR)
		socket_eintr(f, write);
	file_put(f);
	return r;
}

/* readv and friends: copies the vector in, then as fd_rw. */
static long vec_rw(uint64_t fd, uint64_t uiov, uint64_t ucnt, int64_t pos, bool write)
{
	struct linux_iovec small[IOV_ON_STACK], *iov = small;
	int cnt = (int)ucnt;
	long r;

	if (cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	if (cnt > IOV_ON_STACK) {
		iov = kmalloc((size_t)cnt * sizeof(*iov));
		if (!iov)
			return -ENOMEM;
	}
	r = copy_from_user(iov, (const void *)(uintptr_t)uiov, (size_t)cnt * sizeof(*iov));
	if (r == 0)
		r = fd_rw(fd, iov, (unsigned)cnt, pos, write);
	if (iov != small)
		kfree(iov);
	return r;
}

static long sys_read(const uint64_t a[6])
{
	struct linux_iovec v = { a[1], a[2] };

	return fd_rw(a[0], &v, 1, -1, false);
}
SYSCALL(0, "read", "fpu", sys_read);

static long sys_write(const uint64_t a[6])
{
	struct linux_iovec v = { a[1], a[2] };

	return fd_rw(a[0], &v, 1, -1, true);
}
SYSCALL(1, "write", "fpu", sys_write);

/* pread64 and pwrite64: one buffer at an offset, which must not be
 * negative. */
static long positioned_rw(const uint64_t a[6], bool write)
{
	struct linux_iovec v = { a[1], a[2] };

	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return fd_rw(a[0], &v, 1, (int64_t)a[3], write);
}

static long sys_pread64(const uint64_t a[6])
{
	return positioned_rw(a, false);
}
SYSCALL(17, "pread64", "fpud", sys_pread64);

static long sys_pwrite64(const uint64_t a[6])
{
	return positioned_rw(a, true);
}
SYSCALL(18, "pwrite64", "fpud", sys_pwrite64);

static long sys_readv(const uint64_t a[6])
{
	return vec_rw(a[0], a[1], a[2], -1, false);
}
SYSCALL(19, "readv", "fpd", sys_readv);

static long sys_writev(const uint64_t a[6])
{
	return vec_rw(a[0], a[1], a[2], -1, true);
}
SYSCALL(20, "writev", "fpd", sys_writev);

/* On x86-64 the offset is whole in the fourth argument (pos_l). */
static long sys_preadv(const uint64_t a[6])
{
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return vec_rw(a[0], a[1], a[2], (int64_t)a[3], false);
}
SYSCALL(295, "preadv", "fpdd", sys_preadv);

static long sys_pwritev(const uint64_t a[6])
{
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return vec_rw(a[0], a[1], a[2], (int64_t)a[3], true);
}
SYSCALL(296, "pwritev", "fpdd", sys_pwritev);

/* preadv2/pwritev2: offset -1 means the file's own. */
static long vec_rw2(const uint64_t a[6], bool write)
{
	if ((int64_t)a[3] < -1)
		return -EINVAL;
	if (a[5] & ~(uint64_t)RWF_IGNORED)
		return -EOPNOTSUPP;
	return vec_rw(a[0], a[1], a[2], (int64_t)a[3], write);
}

static long sys_preadv2(const uint64_t a[6])
{
	return vec_rw2(a, false);
}
SYSCALL(327, "preadv2", "fpdddx", sys_preadv2);

static long sys_pwritev2(const uint64_t a[6])
{
	return vec_rw2(a, true);
}
SYSCALL(328, "pwritev2", "fpdddx", sys_pwritev2);

static long sys_lseek(const uint64_t a[6])
{
	struct file *f = fd_get(a[0]);
	long r;

	if (!f)
		return -EBADF;
	r = vfs_file_lseek(f, (int64_t)a[1], (int)a[2]);
	file_put(f);
	return r;
}
SYSCALL(8, "lseek", "fdd", sys_lseek);

static long sys_close(const uint64_t a[6])
{
	return vfs_close(fds(), (int)a[0]);
}
SYSCALL(3, "close", "f", sys_close);

/* CLOSE_RANGE_UNSHARE is accepted and means nothing more: the threads
 * that share the table see the change. */
static long sys_close_range(const uint64_t a[6])
{
	unsigned first = (unsigned)a[0], last = (unsigned)a[1], flags = (unsigned)a[2];

	if (flags & ~(LINUX_CLOSE_RANGE_UNSHARE | LINUX_CLOSE_RANGE_CLOEXEC) || first > last)
		return -EINVAL;
	if (last >= FDTABLE_MAX)
		last = FDTABLE_MAX - 1;
	for (unsigned fd = first; fd <= last; fd++) {
		if (flags & LINUX_CLOSE_RANGE_CLOEXEC)
			fdtable_set_cloexec(fds(), (int)fd, true);
		else
			vfs_close(fds(), (int)fd);
	}
	return 0;
}
SYSCALL(436, "close_range", "uux", sys_close_range);

/* Enters f at the lowest free descriptor >= min; f is put on failure. */
static long install(struct file *f, int min, bool cloexec)
{
	int fd = fdtable_install(fds(), f, min, cloexec);

	if (fd < 0)
		file_put(f);
	return fd;
}

static long sys_dup(const uint64_t a[6])
{
	struct file *f = fd_get(a[0]);

	return f ? install(f, 0, false) : -EBADF;
}
SYSCALL(32, "dup", "f", sys_dup);

static long sys_dup2(const uint64_t a[6])
{
	int oldfd = (int)a[0], newfd = (int)a[1];
	struct file *f;

	if (oldfd != newfd)
		return fdtable_dup2(fds(), oldfd, newfd, false);
	f = fd_get(a[0]);
	if (!f)
		return -EBADF;
	file_put(f);
	return newfd;
}
SYSCALL(33, "dup2", "ff", sys_dup2);

static long sys_dup3(const uint64_t a[6])
{
	int oldfd = (int)a[0], newfd = (int)a[1], flags = (int)a[2];

	if ((flags & ~VFS_O_CLOEXEC) || oldfd == newfd)
		return -EINVAL;
	return fdtable_dup2(fds(), oldfd, newfd, flags & VFS_O_CLOEXEC);
}
SYSCALL(292, "dup3", "ffx", sys_dup3);

#define SETFL_BITS (VFS_O_APPEND | VFS_O_NONBLOCK)

/* F_SETFL, FIONBIO: the description's status flags change in place. */
static void set_status_flags(struct file *f, int mask, int value)
{
	__atomic_fetch_or(&f->flags, value & mask, __ATOMIC_RELAXED);
	__atomic_fetch_and(&f->flags, value | ~mask, __ATOMIC_RELAXED);
}

/* struct flock's l_type as fs/lock_range.h's types, and back. */
static const int lock_types[] = {
	[LINUX_F_RDLCK] = 1, [LINUX_F_WRLCK] = 2, [LINUX_F_UNLCK] = 0,
};
static const int16_t linux_lock_types[] = { LINUX_F_UNLCK, LINUX_F_RDLCK, LINUX_F_WRLCK };

/* The byte range struct flock names (man 2 fcntl): from l_whence's
 * origin plus l_start, l_len bytes (0: to the end, negative: before). */
static long flock_range(struct file *f, const struct linux_flock *fl, struct filelock *l)
{
	int64_t origin = 0, start, end;

	switch (fl->l_whence) {
	case LINUX_SEEK_SET:
		break;
	case LINUX_SEEK_CUR:
		origin = (int64_t)f->offset;
		break;
	case LINUX_SEEK_END: {
		struct vfs_stat st;
		int r = vfs_file_stat(f, &st);

		if (r < 0)
			return r;
		origin = (int64_t)st.size;
		break;
	}
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(origin, fl->l_start, &start))
		return -EOVERFLOW;
	if (fl->l_len > 0) {
		if (__builtin_add_overflow(start, fl->l_len - 1, &end))
			return -EOVERFLOW;
	} else if (fl->l_len < 0) {
		end = start - 1;
		start += fl->l_len;
	} else {
		end = -1;
	}
	if (start < 0)
		return -EINVAL;
	l->start = (uint64_t)start;
	l->end = end < 0 ? UINT64_MAX : (uint64_t)end;
	return 0;
}

/* Record locks (POSIX, owned by the process) and OFD locks (owned by the
 * description, l_pid 0 on the way in and -1 on the way out). */
static long fcntl_lock(struct file *f, unsigned cmd, uint64_t arg)
{
	bool ofd = cmd >= LINUX_F_OFD_GETLK;
	bool get = cmd == LINUX_F_GETLK || cmd == LINUX_F_OFD_GETLK;
	enum filelock_kind kind = ofd ? FILELOCK_OFD : FILELOCK_POSIX;
	struct linux_flock fl;
	void *ufl = (void *)(uintptr_t)arg;
	struct filelock l;
	long r;

	if (copy_from_user(&fl, ufl, sizeof(fl)) < 0)
		return -EFAULT;
	if (fl.l_type < 0 || fl.l_type > LINUX_F_UNLCK || (ofd && fl.l_pid))
		return -EINVAL;
	l.type = lock_types[fl.l_type];
	r = flock_range(f, &fl, &l);
	if (r < 0)
		return r;
	if (get) {
		if (l.type == 0)
			return -EINVAL;
		filelock_test(f, kind, fds(), &l);
		fl.l_type = linux_lock_types[l.type];
		if (l.type) {
			fl.l_whence = LINUX_SEEK_SET;
			fl.l_start = (int64_t)l.start;
			fl.l_len = l.end == UINT64_MAX ? 0 : (int64_t)(l.end - l.start + 1);
			fl.l_pid = l.pid;
		}
		return copy_to_user(ufl, &fl, sizeof(fl));
	}
	/* A read lock needs a descriptor open for reading, a write lock one
	 * open for writing. */
	if ((fl.l_type == LINUX_F_RDLCK && (f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY) ||
	    (fl.l_type == LINUX_F_WRLCK && (f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY))
		return -EBADF;
	return filelock_set(f, kind, fds(), process_current()->pid, &l,
			    cmd == LINUX_F_SETLKW || cmd == LINUX_F_OFD_SETLKW);
}

/* F_SETPIPE_SZ: the buffer has a fixed size, so any size up to it is
 * granted as it (Linux rounds up to its pages) and a larger one fails as
 * it does past what memory allows (ENOMEM would mislead: EBUSY says the
 * pipe cannot change, man 2 fcntl); 0 is the smallest size too. */
static long pipe_resize(struct file *f, uint64_t arg)
{
	long size = vfs_pipe_size(f);

	if (size < 0)
		return size;
	if ((int64_t)(int)arg < 0)
		return -EINVAL;
	return (uint64_t)(unsigned)arg <= (uint64_t)size ? size : -EBUSY;
}

static long fcntl_file(struct file *f, int fd, unsigned cmd, uint64_t arg)
{
	int r;

	switch (cmd) {
	case LINUX_F_GETFD:
		r = fdtable_get_cloexec(fds(), fd);
		return r > 0 ? LINUX_FD_CLOEXEC : r;
	case LINUX_F_SETFD:
		return fdtable_set_cloexec(fds(), fd, arg & LINUX_FD_CLOEXEC);
	case LINUX_F_GETFL:
		return f->flags & (VFS_O_ACCMODE | SETFL_BITS | VFS_O_SYNC | VFS_O_PATH);
	case LINUX_F_SETFL:
		set_status_flags(f, SETFL_BITS, (int)arg);
		return 0;
	case LINUX_F_GETLK:
	case LINUX_F_SETLK:
	case LINUX_F_SETLKW:
	case LINUX_F_OFD_GETLK:
	case LINUX_F_OFD_SETLK:
	case LINUX_F_OFD_SETLKW:
		return fcntl_lock(f, cmd, arg);
	case LINUX_F_GETPIPE_SZ:
		return vfs_pipe_size(f);
	case LINUX_F_SETPIPE_SZ:
		return pipe_resize(f, arg);
	default:
		return -EINVAL;
	}
}

static long sys_fcntl(const uint64_t a[6])
{
	struct file *f = fd_get(a[0]);
	unsigned cmd = (unsigned)a[1];
	long r;

	if (!f)
		return -EBADF;
	if (cmd == LINUX_F_DUPFD || cmd == LINUX_F_DUPFD_CLOEXEC) {
		int min = (int)a[2];

		if (min < 0 || min >= FDTABLE_MAX) {
			file_put(f);
			return -EINVAL;
		}
		return install(f, min, cmd == LINUX_F_DUPFD_CLOEXEC);
	}
	r = fcntl_file(f, (int)a[0], cmd, a[2]);
	file_put(f);
	return r;
}
SYSCALL(72, "fcntl", "fdx", sys_fcntl);

/* The ioctls passed to the file, with the size of what they carry and
 * which way it goes; size 0: the argument is an int value itself. */
struct ioctl_arg {
	unsigned cmd;
	size_t size;
	bool in, out;
};

static const struct ioctl_arg ioctl_args[] = {
	{ VFS_TCGETS, sizeof(struct vfs_termios), false, true },
	{ VFS_TCSETS, sizeof(struct vfs_termios), true, false },
	{ VFS_TCSETSW, sizeof(struct vfs_termios), true, false },
	{ VFS_TCSETSF, sizeof(struct vfs_termios), true, false },
	{ VFS_TIOCGWINSZ, sizeof(struct vfs_winsize), false, true },
	{ VFS_TIOCSWINSZ, sizeof(struct vfs_winsize), true, false },
	{ VFS_TIOCGPGRP, sizeof(int), false, true },
	{ VFS_TIOCSPGRP, sizeof(int), true, false },
	{ VFS_FIONREAD, sizeof(int), false, true },
	{ TTY_TIOCGPTN, sizeof(int), false, true },
	{ TTY_TIOCSPTLCK, sizeof(int), true, false },
	{ TTY_TIOCSCTTY, 0, false, false },
	{ TTY_TIOCNOTTY, 0, false, false },
	{ TTY_TCFLSH, 0, false, false },
	{ TTY_TCSBRK, 0, false, false },
	{ SOCK_SIOCGIFNAME, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFFLAGS, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFADDR, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFDSTADDR, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFBRDADDR, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFNETMASK, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFMETRIC, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFMTU, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFHWADDR, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFINDEX, SOCK_IFREQ_SIZE, true, true },
	{ SOCK_SIOCGIFTXQLEN, SOCK_IFREQ_SIZE, true, true },
};

static const struct ioctl_arg *ioctl_arg_of(unsigned cmd)
{
	for (size_t i = 0; i < sizeof(ioctl_args) / sizeof(ioctl_args[0]); i++)
		if (ioctl_args[i].cmd == cmd)
			return &ioctl_args[i];
	return NULL;
}

/* FIONREAD on a ramfs file: the bytes after the offset, as Linux says
 * for regular files. */
static long file_unread(struct file *f, int *out)
{
	struct vfs_stat st;
	int64_t pos = vfs_file_lseek(f, 0, VFS_SEEK_CUR);
	int r = vfs_file_stat(f, &st);

	if (r < 0)
		return r;
	if (pos < 0)
		return pos;
	*out = (uint64_t)pos < st.size ? (int)(st.size - (uint64_t)pos) : 0;
	return 0;
}

static long ioctl_file(struct file *f, const struct ioctl_arg *d, uint64_t uarg)
{
	union {
		struct vfs_termios termios;
		struct vfs_winsize winsize;
		int i;
		unsigned char ifreq[SOCK_IFREQ_SIZE];
	} arg;
	void *uptr = (void *)(uintptr_t)uarg;
	long r;

	memset(&arg, 0, sizeof(arg));
	if (d->in && copy_from_user(&arg, uptr, d->size) < 0)
		return -EFAULT;
	if (!d->size)
		arg.i = (int)uarg;
	if (d->cmd == VFS_FIONREAD && has_node(f) && !is_dir(f))
		r = file_unread(f, &arg.i);
	else
		r = vfs_file_ioctl(f, d->cmd, &arg);
	if (r >= 0 && d->out && copy_to_user(uptr, &arg, d->size) < 0)
		return -EFAULT;
	return r;
}

/* TIOCGPTPEER: the slave as a new descriptor (flags: open(2)'s). */
static long ioctl_pty_peer(struct file *f, int flags)
{
	struct file *peer;
	int r = pty_open_peer(f, flags & (VFS_O_ACCMODE | VFS_O_NONBLOCK | VFS_O_NOCTTY), &peer);

	return r < 0 ? r : install(peer, 0, flags & VFS_O_CLOEXEC);
}

static long ioctl_generic(struct file *f, int fd, unsigned cmd, uint64_t uarg)
{
	int on;

	switch (cmd) {
	case LINUX_FIONBIO:
		if (copy_from_user(&on, (const void *)(uintptr_t)uarg, sizeof(on)) < 0)
			return -EFAULT;
		set_status_flags(f, VFS_O_NONBLOCK, on ? VFS_O_NONBLOCK : 0);
		return 0;
	case LINUX_FIOCLEX:
		return fdtable_set_cloexec(fds(), fd, true);
	case LINUX_FIONCLEX:
		return fdtable_set_cloexec(fds(), fd, false);
	case SOCK_SIOCGIFCONF:
		return socket_ifconf(f, uarg);
	case TTY_TIOCGPTPEER:
		return ioctl_pty_peer(f, (int)uarg);
	default:
		return -ENOTTY;
	}
}

static long sys_ioctl(const uint64_t a[6])
{
	struct file *f = fd_get(a[0]);
	unsigned cmd = (unsigned)a[1];
	const struct ioctl_arg *d = ioctl_arg_of(cmd);
	long r;

	if (!f)
		return -EBADF;
	r = d ? ioctl_file(f, d, a[2]) : ioctl_generic(f, (int)a[0], cmd, a[2]);
	file_put(f);
	return r;
}
SYSCALL(16, "ioctl", "fxp", sys_ioctl);

static long sys_pipe2(const uint64_t a[6])
{
	int flags = (int)a[1], fd[2];
	bool cloexec = flags & VFS_O_CLOEXEC;
	struct file *ends[2];
	long r;

	if (flags & ~(VFS_O_CLOEXEC | VFS_O_NONBLOCK))
		return -EINVAL;
	r = vfs_pipe(ends, flags & VFS_O_NONBLOCK);
	if (r < 0)
		return r;
	fd[0] = fdtable_install(fds(), ends[0], 0, cloexec);
	if (fd[0] < 0) {
		file_put(ends[0]);
		file_put(ends[1]);
		return fd[0];
	}
	fd[1] = (int)install(ends[1], 0, cloexec);
	if (fd[1] < 0) {
		vfs_close(fds(), fd[0]);
		return fd[1];
	}
	if (copy_to_user((void *)(uintptr_t)a[0], fd, sizeof(fd)) < 0) {
		vfs_close(fds(), fd[0]);
		vfs_close(fds(), fd[1]);
		return -EFAULT;
	}
	return 0;
}
SYSCALL(293, "pipe2", "px", sys_pipe2);

static long sys_pipe(const uint64_t a[6])
{
	const uint64_t b[6] = { a[0], 0 };

	return sys_pipe2(b);
}
SYSCALL(22, "pipe", "p", sys_pipe);

/* sendfile's loop: count bytes from in (at *pos, else its offset) to out
 * through the bounce buffer. A short write puts back, where it can, what
 * was read but not written. */
static long send_loop(struct file *out, struct file *in, int64_t *pos, uint64_t count)
{
	size_t size;
	unsigned char *buf = bounce_get_for(count, &size);
	uint64_t done = 0;
	long r = 0;

	if (!buf)
		return -ENOMEM;
	while (done < count) {
		size_t chunk = chunk_of(count - done, size);
		long w;

		if (done && !may_read_more(in))
			break;
		r = pos ? vfs_file_pread(in, buf, chunk, (uint64_t)*pos + done)
			: vfs_file_read(in, buf, chunk);
		if (r <= 0)
			break;
		w = note_epipe(vfs_file_write(out, buf, (size_t)r));
		if (w < r && !pos && has_node(in))
			vfs_file_lseek(in, (w > 0 ? w : 0) - r, VFS_SEEK_CUR);
		if (w < 0) {
			r = w;
			break;
		}
		done += (uint64_t)w;
		if (w < r || (size_t)r < chunk)
			break;
	}
	bounce_put(buf);
	return done ? (long)done : r;
}

static long sendfile_files(struct file *out, struct file *in, uint64_t upos, uint64_t count)
{
	int64_t pos;
	long r;

	if (out->flags & VFS_O_APPEND)
		return -EINVAL;
	if (!upos)
		return send_loop(out, in, NULL, count < MAX_RW_COUNT ? count : MAX_RW_COUNT);
	if (copy_from_user(&pos, (const void *)(uintptr_t)upos, sizeof(pos)) < 0)
		return -EFAULT;
	if (pos < 0)
		return -EINVAL;
	r = send_loop(out, in, &pos, count < MAX_RW_COUNT ? count : MAX_RW_COUNT);
	if (r > 0)
		pos += r;
	if (copy_to_user((void *)(uintptr_t)upos, &pos, sizeof(pos)) < 0)
		return -EFAULT;
	return r;
}

static long sys_sendfile(const uint64_t a[6])
{
	struct file *out = fd_get(a[0]), *in = fd_get(a[1]);
	long r = -EBADF;

	if (out && in)
		r = sendfile_files(out, in, a[2], a[3]);
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return r;
}
SYSCALL(40, "sendfile", "ffpu", sys_sendfile);

/* Packs one struct linux_dirent64 into buf (size bytes): its length, or
 * 0 when it does not fit. */
static size_t dirent_pack(unsigned char *buf, size_t size, uint64_t ino, int64_t off,
			  uint32_t mode, const char *name)
{
	size_t len = strlen(name);
	size_t reclen = (DIRENT_NAME_AT + len + 1 + DIRENT_ALIGN - 1) & ~(size_t)(DIRENT_ALIGN - 1);
	uint16_t rec16 = (uint16_t)reclen;
	uint8_t type = (uint8_t)((mode & VFS_S_IFMT) >> DT_SHIFT);

	if (reclen > size)
		return 0;
	memset(buf, 0, reclen);
	memcpy(buf, &ino, sizeof(ino));
	memcpy(buf + DIRENT_OFF_AT, &off, sizeof(off));
	memcpy(buf + DIRENT_RECLEN_AT, &rec16, sizeof(rec16));
	buf[DIRENT_TYPE_AT] = type;
	memcpy(buf + DIRENT_NAME_AT, name, len);
	return reclen;
}

/* The directory's entry at stream position pos: 1 with *d and *ino, 0 at
 * the end, or a negative errno (-ENOENT: it went away meanwhile). */
static int dir_entry(struct file *f, uint64_t pos, struct vfs_dirent *d, uint64_t *ino)
{
	struct vfs_stat st;
	int r;

	if (pos < DIR_FIRST_ENTRY) {
		const char *dots = pos ? ".." : ".";

		memcpy(d->name, dots, strlen(dots) + 1);
		d->mode = VFS_S_IFDIR;
		r = vfs_stat(f->node, d->name, false, &st);
	} else {
		int64_t at = vfs_file_lseek(f, (int64_t)(pos - DIR_FIRST_ENTRY), VFS_SEEK_SET);

		if (at < 0)
			return (int)at;
		r = vfs_file_readdir(f, d);
		if (r <= 0)
			return r;
		r = vfs_stat(f->node, d->name, false, &st);
	}
	if (r < 0)
		return r;
	*ino = st.ino;
	return 1;
}

/* Fills the bounce buffer (at most size bytes) from position *pos on;
 * *pos moves past what was packed. Returns the bytes packed or an error. */
static long dir_fill(struct file *f, unsigned char *buf, size_t size, uint64_t *pos)
{
	struct vfs_dirent d;
	size_t used = 0;

	for (;;) {
		uint64_t ino = 0;
		size_t len;
		int r = dir_entry(f, *pos, &d, &ino);

		if (r == -ENOENT) {
			++*pos;
			continue;
		}
		if (r < 0)
			return used ? (long)used : r;
		if (r == 0)
			return (long)used;
		len = dirent_pack(buf + used, size - used, ino, (int64_t)(*pos + 1), d.mode,
				  d.name);
		if (!len)
			return used ? (long)used : -EINVAL;
		used += len;
		++*pos;
	}
}

/* The file offset is the stream position ("." 0, ".." 1, entry k at
 * k + 2); it is set again at the end since the VFS moves it by entry
 * index. Descriptions shared by threads that list at once may mix. */
static long getdents(struct file *f, uint64_t udirp, uint64_t count)
{
	unsigned char *buf;
	uint64_t pos, done = 0;
	int64_t at = vfs_file_lseek(f, 0, VFS_SEEK_CUR);
	long r = 0;

	if (at < 0)
		return at;
	buf = bounce_get();
	if (!buf)
		return -ENOMEM;
	pos = (uint64_t)at;
	while (done < count) {
		uint64_t next = pos;

		r = dir_fill(f, buf, chunk_of(count - done, BOUNCE_SIZE), &next);
		if (r <= 0)
			break;
		if (copy_to_user((void *)(uintptr_t)(udirp + done), buf, (size_t)r) < 0) {
			r = -EFAULT;
			break;
		}
		done += (uint64_t)r;
		pos = next;
	}
	vfs_file_lseek(f, (int64_t)pos, VFS_SEEK_SET);
	bounce_put(buf);
	return done ? (long)done : r;
}

/* A directory removed while open lists nothing: the VFS says -ENOENT,
 * as Linux. */
static long sys_getdents64(const uint64_t a[6])
{
	struct file *f = fd_get(a[0]);
	long r;

	if (!f)
		return -EBADF;
	if (!is_dir(f) || f->ops)
		r = -ENOTDIR;
	else
		r = getdents(f, a[1], a[2]);
	file_put(f);
	return r;
}
SYSCALL(217, "getdents64", "fpu", sys_getdents64);

/* posix_fadvise: advice a page cache may take or leave; Flint takes none,
 * after Linux's checks (mm/fadvise.c): a pipe is ESPIPE, an unknown
 * advice or a negative length EINVAL. */
#define LINUX_POSIX_FADV_NOREUSE 5	/* the highest advice (uapi/linux/fadvise.h) */

static long sys_fadvise64(const uint64_t a[6])
{
	struct file *f = fd_get(a[0]);
	long r = 0;

	if (!f)
		return -EBADF;
	if (f->ops && !f->ops->pread)
		r = -ESPIPE;
	else if (a[3] > LINUX_POSIX_FADV_NOREUSE || (int64_t)a[2] < 0)
		r = -EINVAL;
	file_put(f);
	return r;
}
SYSCALL(221, "fadvise64", "fxxd", sys_fadvise64);

static long sys_syncfs(const uint64_t a[6])
{
	struct file *f = fd_get(a[0]);
	long r;

	if (!f)
		return -EBADF;
	r = vfs_file_syncfs(f);
	file_put(f);
	return r;
}
SYSCALL(306, "syncfs", "f", sys_syncfs);

/* fdatasync is fsync: a disk filesystem's writes (data and metadata)
 * reach the disk before they return, and both flush its cache. */
static long sys_fsync(const uint64_t a[6])
{
	struct file *f = fd_get(a[0]);
	long r;

	if (!f)
		return -EBADF;
	r = vfs_file_fsync(f);
	file_put(f);
	return r;
}
SYSCALL(74, "fsync", "f", sys_fsync);
SYSCALL(75, "fdatasync", "f", sys_fsync);

static long sys_sync(const uint64_t a[6])
{
	(void)a;
	vfs_sync_all();
	blkdev_sync_all();
	return 0;
}
SYSCALL(162, "sync", "", sys_sync);

/* flock: a lock on the whole file owned by the description; a
 * conflict without LOCK_NB waits. */
static long sys_flock(const uint64_t a[6])
{
	unsigned op = (unsigned)a[1] & ~LINUX_LOCK_NB;
	struct filelock l = { .start = 0, .end = UINT64_MAX };
	struct file *f;
	long r;

	if (op & LINUX_LOCK_MAND)
		l.type = -1;
	else if (op == LINUX_LOCK_SH)
		l.type = 1;
	else if (op == LINUX_LOCK_EX)
		l.type = 2;
	else if (op != LINUX_LOCK_UN)
		return -EINVAL;
	f = fd_get(a[0]);
	if (!f)
		return -EBADF;
	r = l.type < 0 ? 0 : filelock_set(f, FILELOCK_FLOCK, fds(), process_current()->pid, &l,
			 !(a[1] & LINUX_LOCK_NB));
	file_put(f);
	return r;
}
SYSCALL(73, "flock", "fx", sys_flock);

static long sys_ftruncate(const uint64_t a[6])
{
	struct file *f;
	long r;

	if ((int64_t)a[1] < 0)
		return -EINVAL;
	f = fd_get(a[0]);
	if (!f)
		return -EBADF;
	r = vfs_file_truncate(f, a[1]);
	file_put(f);
	return r;
}
SYSCALL(77, "ftruncate", "fd", sys_ftruncate);
