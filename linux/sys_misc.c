/*
 * Linux's identity calls (pids, users, groups, sessions), capabilities,
 * priorities, memory locking, and the calls registered only to say
 * -ENOSYS without the dispatcher's "unknown syscall" line.
 *
 * Programs run as root (uid and gid 0, every capability) and cannot
 * become anyone else. Process groups and sessions follow Linux's rules,
 * over the tree fields of struct process (under the process-table lock);
 * the first process leads group and session 1 and has no parent
 * (getppid 0).
 *
 * Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl.
 */
#include "linux.h"

#define ID_UNCHANGED 0xffffffffu	/* (uid_t)-1 in setre*id and setres*id */
#define NGROUPS_MAX 65536		/* include/uapi/linux/limits.h */

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

/* Everyone is root. */
SYSCALL(102, "getuid", "", syscall_zero);
SYSCALL(107, "geteuid", "", syscall_zero);
SYSCALL(104, "getgid", "", syscall_zero);
SYSCALL(108, "getegid", "", syscall_zero);

/* Setting an id: staying root (or leaving it unchanged) is allowed. */
static bool id_ok(uint64_t id, bool unchanged_ok)
{
	uint32_t v = (uint32_t)id;

	return v == 0 || (unchanged_ok && v == ID_UNCHANGED);
}

static long sys_setuid(const uint64_t a[6])
{
	return id_ok(a[0], false) ? 0 : -EPERM;
}
SYSCALL(105, "setuid", "d", sys_setuid);

static long sys_setgid(const uint64_t a[6])
{
	return id_ok(a[0], false) ? 0 : -EPERM;
}
SYSCALL(106, "setgid", "d", sys_setgid);

static long set_ids(const uint64_t a[6], unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!id_ok(a[i], true))
			return -EPERM;
	return 0;
}

/* Real and effective ids (setreuid, setregid). */
static long sys_set_two_ids(const uint64_t a[6])
{
	return set_ids(a, 2);
}
SYSCALL(113, "setreuid", "dd", sys_set_two_ids);
SYSCALL(114, "setregid", "dd", sys_set_two_ids);

/* Real, effective and saved ids (setresuid, setresgid). */
static long sys_set_three_ids(const uint64_t a[6])
{
	return set_ids(a, 3);
}
SYSCALL(117, "setresuid", "ddd", sys_set_three_ids);
SYSCALL(119, "setresgid", "ddd", sys_set_three_ids);

/* getresuid and getresgid: real, effective and saved ids, all 0. */
static long get_ids(const uint64_t a[6])
{
	const uint32_t root = 0;
	unsigned i;

	for (i = 0; i < 3; i++)
		if (copy_to_user((void *)a[i], &root, sizeof(root)))
			return -EFAULT;
	return 0;
}

static long sys_getresuid(const uint64_t a[6])
{
	return get_ids(a);
}
SYSCALL(118, "getresuid", "ppp", sys_getresuid);

static long sys_getresgid(const uint64_t a[6])
{
	return get_ids(a);
}
SYSCALL(120, "getresgid", "ppp", sys_getresgid);

/* No supplementary groups; clearing them (as privilege-dropping code
 * does) is allowed, adding any is not. */
static long sys_getgroups(const uint64_t a[6])
{
	return (int)a[0] < 0 ? -EINVAL : 0;
}
SYSCALL(115, "getgroups", "dp", sys_getgroups);

static long sys_setgroups(const uint64_t a[6])
{
	if (a[0] > NGROUPS_MAX)
		return -EINVAL;
	return a[0] ? -EPERM : 0;
}
SYSCALL(116, "setgroups", "dp", sys_setgroups);

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

/*
 * Capabilities: root has them all, and keeps them (capset -EPERM, as for
 * a change a process may not make).
 */
/* include/uapi/linux/capability.h */
#define LINUX_CAPABILITY_VERSION_1 0x19980330u	/* one data struct */
#define LINUX_CAPABILITY_VERSION_2 0x20071026u	/* two */
#define LINUX_CAPABILITY_VERSION_3 0x20080522u	/* two */
#define LINUX_CAP_LAST_CAP 40			/* CAP_CHECKPOINT_RESTORE in 6.1 */

/* Capabilities 32 to LINUX_CAP_LAST_CAP, in the second data struct. */
#define HIGH_CAPS ((1u << (LINUX_CAP_LAST_CAP + 1 - 32)) - 1)

struct linux_cap_header {
	uint32_t version;
	int32_t pid;
};

struct linux_cap_data {
	uint32_t effective, permitted, inheritable;
};

/* How many data structs the header's version uses; 0 for an unknown
 * version, which is answered with the preferred one written back. */
static int cap_words(uint64_t uhdr)
{
	struct linux_cap_header h;
	const uint32_t preferred = LINUX_CAPABILITY_VERSION_3;

	if (copy_from_user(&h, (const void *)uhdr, sizeof(h)))
		return -EFAULT;
	if (h.version == LINUX_CAPABILITY_VERSION_1)
		return 1;
	if (h.version == LINUX_CAPABILITY_VERSION_2 || h.version == LINUX_CAPABILITY_VERSION_3)
		return 2;
	if (copy_to_user((void *)uhdr, &preferred, sizeof(preferred)))
		return -EFAULT;
	return -EINVAL;
}

static long sys_capget(const uint64_t a[6])
{
	struct linux_cap_data d[2] = {
		{ UINT32_MAX, UINT32_MAX, 0 },
		{ HIGH_CAPS, HIGH_CAPS, 0 },
	};
	int words = cap_words(a[0]);

	if (words < 0 || !a[1])
		return words < 0 ? words : 0;
	return copy_to_user((void *)a[1], d, (size_t)words * sizeof(d[0]));
}
SYSCALL(125, "capget", "pp", sys_capget);

static long sys_capset(const uint64_t a[6])
{
	int words = cap_words(a[0]);

	return words < 0 ? words : -EPERM;
}
SYSCALL(126, "capset", "pp", sys_capset);

/* I/O priorities likewise: there is no I/O scheduler. */
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
