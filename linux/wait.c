/*
 * Waiting for children: wait4 and waitid. A child's end moves the VFS
 * poll generation (linux/process.c), so a waiter checks the table and
 * sleeps until it moves, interruptibly.
 */
#include <flint/string.h>
#include "linux.h"

/* Options and id types (uapi/linux/wait.h), siginfo codes
 * (uapi/asm-generic/siginfo.h). */
#define WNOHANG 0x00000001
#define WUNTRACED 0x00000002
#define WEXITED 0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT 0x01000000
#define WNOTHREAD 0x20000000
#define WALL 0x40000000
#define WCLONE 0x80000000u
#define WAIT4_OPTIONS (WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)
#define WAITID_OPTIONS (WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | \
			WALL | WCLONE)
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define SIGCHLD 17
#define CLD_EXITED 1
#define CLD_KILLED 2
#define SIGINFO_SIZE 128
#define RUSAGE_SIZE 144			/* struct rusage on x86-64 */

/* The siginfo waitid fills: the SIGCHLD layout's first fields. */
struct child_siginfo {
	int32_t si_signo, si_errno, si_code, pad;
	int32_t si_pid, si_uid, si_status;
};

struct reaped {
	int pid;
	int wait_status;
};

/* One step of a wait: 1 with *out filled, 0 when nothing has ended yet,
 * or -ECHILD. keep: leave the zombie (WNOWAIT). */
static int try_reap(int pid, bool keep, struct reaped *out)
{
	struct process *self = process_current(), *c;
	bool any;

	process_table_lock();
	c = process_zombie_child(self, pid, &any);
	if (c) {
		out->pid = c->pid;
		out->wait_status = c->wait_status;
		if (!keep)
			process_reap(c);
	}
	process_table_unlock();
	if (c && !keep)
		proc_process_removed(out->pid);	/* takes the VFS lock: not under the table's */
	return c ? 1 : any ? 0 : -ECHILD;
}

static int wait_child(int pid, unsigned options, bool keep, struct reaped *out)
{
	for (;;) {
		uint64_t gen = vfs_poll_generation();
		int r = try_reap(pid, keep, out);

		if (r || (options & WNOHANG))
			return r;
		r = vfs_poll_wait(gen, 0);
		if (r == -EINTR)
			return r;
	}
}

static int clear_rusage(uint64_t urusage)
{
	static const uint8_t zero[RUSAGE_SIZE];

	return urusage && copy_to_user((void *)urusage, zero, sizeof(zero)) ? -EFAULT : 0;
}

static long sys_wait4(const uint64_t a[6])
{
	struct reaped c;
	int32_t status;
	int r;

	if (a[2] & ~(uint64_t)WAIT4_OPTIONS)
		return -EINVAL;
	if ((int)a[0] == INT32_MIN)
		return -ESRCH;
	r = wait_child((int)a[0], (unsigned)a[2], false, &c);
	if (r <= 0)
		return r;
	status = c.wait_status;
	if ((a[1] && copy_to_user((void *)a[1], &status, sizeof(status))) || clear_rusage(a[3]))
		return -EFAULT;
	return c.pid;
}
SYSCALL(61, "wait4", "dpxp", sys_wait4);

static long sys_waitid(const uint64_t a[6])
{
	struct child_siginfo si = { 0 };
	uint8_t info[SIGINFO_SIZE] = { 0 };
	unsigned options = (unsigned)a[3];
	struct reaped c;
	int pid, r;

	if ((options & ~(unsigned)WAITID_OPTIONS) || !(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	switch (a[0]) {
	case P_ALL:
		pid = -1;
		break;
	case P_PID:
		if ((int)a[1] <= 0)
			return -EINVAL;
		pid = (int)a[1];
		break;
	case P_PGID:
		if ((int)a[1] < 0)
			return -EINVAL;
		pid = a[1] ? -(int)a[1] : 0;
		break;
	default:
		return -EINVAL;
	}
	/* Only ends are reported: stops and continues do not happen. */
	if (!(options & WEXITED))
		return (options & WNOHANG) ? 0 : -ECHILD;
	r = wait_child(pid, options, options & WNOWAIT, &c);
	if (r < 0)
		return r;
	if (r == 1) {
		si = (struct child_siginfo){
			.si_signo = SIGCHLD,
			.si_code = (c.wait_status & 0x7f) ? CLD_KILLED : CLD_EXITED,
			.si_pid = c.pid,
			.si_status = (c.wait_status & 0x7f) ? (c.wait_status & 0x7f) :
							     (c.wait_status >> 8) & 0xff,
		};
	}
	memcpy(info, &si, sizeof(si));
	if ((a[2] && copy_to_user((void *)a[2], info, sizeof(info))) || clear_rusage(a[4]))
		return -EFAULT;
	return 0;
}
SYSCALL(247, "waitid", "ddpxp", sys_waitid);
