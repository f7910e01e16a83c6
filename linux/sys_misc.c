/*
 * Linux's identity calls (pids, sessions),
 * priorities, memory locking, and the calls registered only to say
 * -ENOSYS without the dispatcher's "unknown syscall" line.
 *
 * Users, groups and capabilities are in creds.c. Process groups and
 * sessions follow Linux's rules,
 * over the tree fields of struct process (under the process-table lock);
 * the first process leads group and session 1 and has no parent
 * (getppid 0).
 *
 * Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl.
 */
#include "linux.h"

static long sys_getpid(const uint64_t a[6])
{
	(void)a;
	return process_current()->pid;
}
SYSCALL(39, "getpid", "", sys_getpid);

static long sys_gettid(const uint64_t a[6])
{
	(void)a;
	return task_current()->tid;
}
SYSCALL(186, "gettid", "", sys_gettid);

static long sys_getppid(const uint64_t a[6])
{
	struct process *parent;
	long r;

	(void)a;
	process_table_lock();
	parent = process_current()->parent;
	r = parent ? parent->pid : 0;
	process_table_unlock();
	return r;
}
SYSCALL(110, "getppid", "", sys_getppid);

/* The process a pid argument of getpgid, getsid and setpgid names: 0
 * and the caller's tids (as in Linux) name the caller. */
static int named_pid(int pid)
{
	struct process *self = process_current();

	return pid == 0 || (pid > 0 && task_find(self, pid)) ? self->pid : pid;
}

static long pgid_or_sid(int pid, bool session)
{
	struct process *p;
	long r;

	process_table_lock();
	p = process_find(named_pid(pid));
	r = !p ? -ESRCH : session ? p->sid : p->pgid;
	process_table_unlock();
	return r;
}

static long sys_getpgrp(const uint64_t a[6])
{
	(void)a;
	return pgid_or_sid(0, false);
}
SYSCALL(111, "getpgrp", "", sys_getpgrp);

static long sys_getpgid(const uint64_t a[6])
{
	return pgid_or_sid((int)a[0], false);
}
SYSCALL(121, "getpgid", "d", sys_getpgid);

static long sys_getsid(const uint64_t a[6])
{
	return pgid_or_sid((int)a[0], true);
}
SYSCALL(124, "getsid", "d", sys_getsid);

/* Whether a process is in group pgid (and session sid, unless it is 0). */
struct group_query {
	int pgid, sid;
	bool found;
};

static void match_group(struct process *p, void *arg)
{
	struct group_query *q = arg;

	if (p->pgid == q->pgid && (!q->sid || p->sid == q->sid))
		q->found = true;
}

static bool group_exists(int pgid, int sid)
{
	struct group_query q = { pgid, sid, false };

	process_foreach(match_group, &q);
	return q.found;
}

/* Table locked: whether self may move pid to another group, in Linux's
 * order: itself or its child (-ESRCH), in its session and not a session
 * leader (-EPERM). *out: the process. */
static long setpgid_target(struct process *self, int pid, struct process **out)
{
	struct process *p = process_find(pid);

	if (!p || (p != self && p->parent != self))
		return -ESRCH;
	if (p->sid == p->pid || p->sid != self->sid)
		return -EPERM;
	*out = p;
	return 0;
}

/* The group joined must exist in the caller's session, unless it is the
 * process's own. That is checked between two looks at the process (a
 * walk cannot run with the table locked): a group that empties meanwhile
 * is joined all the same, which only Linux's atomicity would refuse. */
static long sys_setpgid(const uint64_t a[6])
{
	struct process *self = process_current(), *p;
	int pid = named_pid((int)a[0]), pgid = (int)a[1];
	long r;

	if (pgid < 0)
		return -EINVAL;
	if (pgid == 0)
		pgid = pid;
	process_table_lock();
	r = setpgid_target(self, pid, &p);
	process_table_unlock();
	if (r < 0)
		return r;
	if (pgid != pid && !group_exists(pgid, self->sid))
		return -EPERM;
	process_table_lock();
	r = setpgid_target(self, pid, &p);
	if (r == 0)
		p->pgid = pgid;
	process_table_unlock();
	return r;
}
SYSCALL(109, "setpgid", "dd", sys_setpgid);

/* A group leader, or any process whose pid some group has, cannot start
 * a session (-EPERM). */
static long sys_setsid(const uint64_t a[6])
{
	struct process *self = process_current();

	(void)a;
	if (group_exists(self->pid, 0))
		return -EPERM;
	process_table_lock();
	self->sid = self->pgid = self->pid;
	process_table_unlock();
	return self->pid;
}
SYSCALL(112, "setsid", "", sys_setsid);

/* I/O priorities: there is no I/O scheduler, so they are accepted and
 * change nothing. */
SYSCALL(251, "ioprio_set", "ddx", syscall_zero);
SYSCALL(252, "ioprio_get", "dd", syscall_zero);

/*
 * Memory locking: nothing is ever swapped out, so every page is locked
 * already and these succeed without doing anything.
 */
/* include/uapi/asm-generic/mman.h and mman-common.h */
#define LINUX_MCL_CURRENT 1
#define LINUX_MCL_FUTURE 2
#define LINUX_MCL_ONFAULT 4
#define LINUX_MLOCK_ONFAULT 1

SYSCALL(149, "mlock", "px", syscall_zero);
SYSCALL(150, "munlock", "px", syscall_zero);

static long sys_mlock2(const uint64_t a[6])
{
	return a[2] & ~(uint64_t)LINUX_MLOCK_ONFAULT ? -EINVAL : 0;
}
SYSCALL(325, "mlock2", "pxx", sys_mlock2);

/* Linux refuses no flags, unknown flags, and ONFAULT alone. */
static long sys_mlockall(const uint64_t a[6])
{
	const uint64_t known = LINUX_MCL_CURRENT | LINUX_MCL_FUTURE | LINUX_MCL_ONFAULT;

	if (!a[0] || a[0] & ~known || a[0] == LINUX_MCL_ONFAULT)
		return -EINVAL;
	return 0;
}
SYSCALL(151, "mlockall", "x", sys_mlockall);

SYSCALL(152, "munlockall", "", syscall_zero);

/* glibc registers a restartable-sequences area at start and goes on
 * without one when the kernel has none: -ENOSYS, registered so that the
 * dispatcher does not report it as unknown. */
SYSCALL(334, "rseq", "pxxx", syscall_enosys);

/* Likewise: callers fall back to their own barriers. */
SYSCALL(324, "membarrier", "xxd", syscall_enosys);
