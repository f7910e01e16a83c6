/*
 * signalfd and signalfd4: a file that reads the caller's pending signals
 * of its mask (which the program blocks) as struct signalfd_siginfo, and
 * is readable in poll and epoll while one is pending. As in Linux, what
 * it sees is the reading thread's signals and its process's.
 */
#include <flint/heap.h>
#include <flint/string.h>

#include "linux.h"

/* Flags (include/uapi/linux/signalfd.h). */
#define SFD_NONBLOCK VFS_O_NONBLOCK
#define SFD_CLOEXEC VFS_O_CLOEXEC

#define SIGNALFD_PERM 0600		/* what Linux's anonymous inodes show */
#define SIGSET_BYTES sizeof(uint64_t)	/* the kernel's sigset_t */
/* Signals no mask holds (signal(7)). */
#define LINUX_SIGKILL 9
#define LINUX_SIGSTOP 19

/* siginfo_t's fields (include/uapi/asm-generic/siginfo.h): the union at
 * 16 holds the sender's pid and uid, a child's status after them, or a
 * fault's address (not kept here). */
#define SIGINFO_BYTES 128
#define SI_ERRNO 4
#define SI_CODE 8
#define SI_PID 16
#define SI_UID 20
#define SI_STATUS 24

/* struct signalfd_siginfo (include/uapi/linux/signalfd.h): 128 bytes. */
struct signalfd_siginfo {
	uint32_t ssi_signo;
	int32_t ssi_errno;
	int32_t ssi_code;
	uint32_t ssi_pid;
	uint32_t ssi_uid;
	int32_t ssi_fd;
	uint32_t ssi_tid;
	uint32_t ssi_band;
	uint32_t ssi_overrun;
	uint32_t ssi_trapno;
	int32_t ssi_status;
	int32_t ssi_int;
	uint64_t ssi_ptr;
	uint64_t ssi_utime;
	uint64_t ssi_stime;
	uint64_t ssi_addr;
	uint16_t ssi_addr_lsb;
	uint16_t pad2;
	int32_t ssi_syscall;
	uint64_t ssi_call_addr;
	uint32_t ssi_arch;
	uint8_t pad[28];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "struct signalfd_siginfo");

struct signalfd {
	uint64_t mask;			/* atomic: signalfd4 on it changes it */
};

static uint64_t mask_of(struct file *f)
{
	return __atomic_load_n(&((struct signalfd *)f->priv)->mask, __ATOMIC_ACQUIRE);
}

static void to_ssi(const uint8_t *si, int sig, struct signalfd_siginfo *out)
{
	memset(out, 0, sizeof(*out));
	out->ssi_signo = (uint32_t)sig;
	memcpy(&out->ssi_errno, si + SI_ERRNO, sizeof(out->ssi_errno));
	memcpy(&out->ssi_code, si + SI_CODE, sizeof(out->ssi_code));
	memcpy(&out->ssi_pid, si + SI_PID, sizeof(out->ssi_pid));
	memcpy(&out->ssi_uid, si + SI_UID, sizeof(out->ssi_uid));
	memcpy(&out->ssi_status, si + SI_STATUS, sizeof(out->ssi_status));
}

static long signalfd_read(struct file *f, void *buf, size_t n)
{
	struct signalfd_siginfo ssi;
	uint8_t si[SIGINFO_BYTES];
	size_t done = 0;

	if (n < sizeof(ssi))
		return -EINVAL;
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		int sig, r;

		while (done + sizeof(ssi) <= n && (sig = signal_take(mask_of(f), si))) {
			to_ssi(si, sig, &ssi);
			memcpy((uint8_t *)buf + done, &ssi, sizeof(ssi));
			done += sizeof(ssi);
		}
		if (done)
			return (long)done;
		if (f->flags & VFS_O_NONBLOCK)
			return -EAGAIN;
		r = vfs_poll_wait(gen, 0);
		if (r < 0)
			return r;
	}
}

static unsigned signalfd_poll(struct file *f)
{
	return signal_pending_in(mask_of(f)) ? VFS_POLLIN : 0;
}

static int signalfd_stat(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->mode = SIGNALFD_PERM;
	st->nlink = 1;
	return 0;
}

static void signalfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops signalfd_ops = {
	.read = signalfd_read,
	.poll = signalfd_poll,
	.stat = signalfd_stat,
	.release = signalfd_release,
};

static long do_signalfd(int fd, uint64_t umask, uint64_t size, uint64_t flags)
{
	uint64_t mask;
	struct signalfd *s;
	struct file *f;

	if (size != SIGSET_BYTES || (flags & ~(uint64_t)(SFD_NONBLOCK | SFD_CLOEXEC)))
		return -EINVAL;
	if (copy_from_user(&mask, (const void *)umask, sizeof(mask)))
		return -EFAULT;
	mask &= ~(SIGBIT(LINUX_SIGKILL) | SIGBIT(LINUX_SIGSTOP));
	if (fd != -1) {
		f = fdtable_get(&process_current()->fds, fd);
		if (!f)
			return -EBADF;
		if (f->ops != &signalfd_ops) {
			file_put(f);
			return -EINVAL;
		}
		__atomic_store_n(&((struct signalfd *)f->priv)->mask, mask, __ATOMIC_RELEASE);
		file_put(f);
		vfs_poll_notify();
		return fd;
	}
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mask = mask;
	f = file_new(&signalfd_ops, VFS_O_RDONLY | (flags & SFD_NONBLOCK), s);
	if (!f) {
		kfree(s);
		return -ENOMEM;
	}
	fd = fdtable_install(&process_current()->fds, f, 0, flags & SFD_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

static long sys_signalfd(const uint64_t a[6])
{
	return do_signalfd((int)a[0], a[1], a[2], 0);
}
SYSCALL(282, "signalfd", "fpu", sys_signalfd);

static long sys_signalfd4(const uint64_t a[6])
{
	return do_signalfd((int)a[0], a[1], a[2], a[3]);
}
SYSCALL(289, "signalfd4", "fpux", sys_signalfd4);
