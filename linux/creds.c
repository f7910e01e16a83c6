/*
 * Users, groups and capabilities: each process's real, effective, saved
 * and filesystem uid and gid, its supplementary groups, and its
 * effective, permitted and inheritable capability sets, with Linux's rules
 * for changing them (man 2 setuid, setreuid, setresuid, setfsuid,
 * setgroups, capset; man 7 capabilities, "Effect of user ID changes on
 * capabilities"). Process 1 starts as root with every capability; fork
 * copies the parent's; execve recomputes the capabilities as for a file
 * with none (root gets the full set back) and applies set-user/group-ID
 * bits.
 *
 * The ids live under the process's cred_lock. The C libraries change every
 * thread's ids together (their setxid broadcast), so one set per process
 * answers as Linux's per-thread ones do.
 *
 * Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl.
 */
#include <flint/string.h>
#include "linux.h"

#define ID_UNCHANGED 0xffffffffu	/* (uid_t)-1 in setre*id, setres*id, setfs*id */
#define NGROUPS_MAX 65536		/* include/uapi/linux/limits.h */

/* include/uapi/linux/capability.h */
#define LINUX_CAPABILITY_VERSION_1 0x19980330u	/* one data struct */
#define LINUX_CAPABILITY_VERSION_2 0x20071026u	/* two */
#define LINUX_CAPABILITY_VERSION_3 0x20080522u	/* two */
#define LINUX_CAP_LAST_CAP 40			/* CAP_CHECKPOINT_RESTORE in 6.1 */
#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER 3
#define CAP_FSETID 4
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_LINUX_IMMUTABLE 9
#define CAP_MKNOD 27
#define CAP_MAC_OVERRIDE 32

#define CAP_BIT(c) (1ull << (c))
#define CAP_FULL (CAP_BIT(LINUX_CAP_LAST_CAP + 1) - 1)
/* The capabilities a filesystem uid change moves (include/linux/capability.h
 * CAP_FS_SET). */
#define CAP_FS_SET (CAP_BIT(CAP_CHOWN) | CAP_BIT(CAP_MKNOD) | CAP_BIT(CAP_DAC_OVERRIDE) | \
		    CAP_BIT(CAP_DAC_READ_SEARCH) | CAP_BIT(CAP_FOWNER) | CAP_BIT(CAP_FSETID) | \
		    CAP_BIT(CAP_LINUX_IMMUTABLE) | CAP_BIT(CAP_MAC_OVERRIDE))

/* include/uapi/linux/prctl.h */
#define LINUX_PR_GET_KEEPCAPS 7
#define LINUX_PR_SET_KEEPCAPS 8
#define LINUX_PR_CAPBSET_READ 23

/* Group execute (inode(7)). */
#define MODE_GROUP_X 00010

/* The ids have their own lock, taken last: the VFS asks for them under
 * its lock, which fork takes under p->lock. */
static unsigned long cred_lock(struct process *p)
{
	return spin_lock_irqsave(&p->cred_lock);
}

static void cred_unlock(struct process *p, unsigned long flags)
{
	spin_unlock_irqrestore(&p->cred_lock, flags);
}

void cred_root(struct linux_cred *c)
{
	memset(c, 0, sizeof(*c));
	c->cap_effective = c->cap_permitted = CAP_FULL;
}

void cred_of(struct process *p, struct linux_cred *c)
{
	unsigned long flags = cred_lock(p);

	*c = p->cred;
	cred_unlock(p, flags);
}

void cred_current(struct linux_cred *c)
{
	cred_of(process_current(), c);
}

void cred_set(const struct linux_cred *c)
{
	struct process *p = process_current();
	unsigned long flags = cred_lock(p);

	p->cred = *c;
	cred_unlock(p, flags);
}

static bool capable(const struct linux_cred *c, int cap)
{
	return c->cap_effective & CAP_BIT(cap);
}

/* execve's new capabilities for a file with none (man 7 capabilities,
 * "Capabilities and execution of programs by root"): root's are the full
 * bounding set, effective while the euid is 0; anyone else's are empty. */
static void exec_caps(struct linux_cred *c)
{
	c->cap_permitted = c->uid == 0 || c->euid == 0 ? CAP_FULL : 0;
	c->cap_effective = c->euid == 0 ? c->cap_permitted : 0;
	c->cap_inheritable &= c->cap_permitted;
	c->keepcaps = false;
}

bool cred_exec(struct linux_cred *c, uint32_t mode, uint32_t uid, uint32_t gid, bool nosuid)
{
	bool secure = false;

	if (!nosuid && mode & VFS_S_ISUID && uid != c->euid) {
		c->euid = uid;
		secure = true;
	}
	/* Set-group-ID without group execute marks mandatory locking, not
	 * a group change (man 2 execve). */
	if (!nosuid && (mode & (VFS_S_ISGID | MODE_GROUP_X)) == (VFS_S_ISGID | MODE_GROUP_X) &&
	    gid != c->egid) {
		c->egid = gid;
		secure = true;
	}
	c->suid = c->fsuid = c->euid;
	c->sgid = c->fsgid = c->egid;
	exec_caps(c);
	return secure;
}

void cred_vfs(const struct linux_cred *c, bool real, struct vfs_cred *v)
{
	/* access() without AT_EACCESS: a real uid of 0 keeps root's
	 * permitted set, any other real uid none (fs/open.c). */
	uint64_t caps = real ? (c->uid == 0 ? c->cap_permitted : 0) : c->cap_effective;

	v->uid = real ? c->uid : c->fsuid;
	v->gid = real ? c->gid : c->fsgid;
	memcpy(v->groups, c->groups, c->ngroups * sizeof(c->groups[0]));
	v->ngroups = c->ngroups;
	v->dac_override = caps & CAP_BIT(CAP_DAC_OVERRIDE);
	v->fowner = caps & CAP_BIT(CAP_FOWNER);
}

/* The VFS's cred source: the calling process's filesystem ids; root for
 * the kernel's own threads. */
static void vfs_cred_current(struct vfs_cred *v)
{
	struct linux_cred c;

	if (task_current())
		cred_current(&c);
	else
		cred_root(&c);
	cred_vfs(&c, false, v);
}

void cred_init(void)
{
	vfs_set_cred_source(vfs_cred_current);
}

/* The capability changes that go with a uid change (man 7 capabilities). */
static void uid_changed(struct linux_cred *c, const struct linux_cred *old)
{
	bool was_root = !old->uid || !old->euid || !old->suid;

	if (was_root && c->uid && c->euid && c->suid && !c->keepcaps)
		c->cap_permitted = c->cap_effective = 0;
	if (!old->euid && c->euid)
		c->cap_effective = 0;
	if (old->euid && !c->euid)
		c->cap_effective = c->cap_permitted;
	if (!old->fsuid && c->fsuid)
		c->cap_effective &= ~CAP_FS_SET;
	if (old->fsuid && !c->fsuid)
		c->cap_effective |= c->cap_permitted & CAP_FS_SET;
}

/* The uid or gid fields of a cred, so one set of rules serves both. */
struct id_set {
	uint32_t *real, *eff, *saved, *fs;
	int cap;			/* CAP_SETUID or CAP_SETGID */
};

static struct id_set ids_of(struct linux_cred *c, bool user)
{
	if (user)
		return (struct id_set){ &c->uid, &c->euid, &c->suid, &c->fsuid, CAP_SETUID };
	return (struct id_set){ &c->gid, &c->egid, &c->sgid, &c->fsgid, CAP_SETGID };
}

/* Whether an unprivileged process may take id: it is one of its own. */
static bool own_id(const struct id_set *s, uint32_t id)
{
	return id == *s->real || id == *s->eff || id == *s->saved;
}

enum id_call { SET_ID, SET_RE, SET_RES };

/* setuid/setgid (r), setreuid/setregid (r, e), setresuid/setresgid
 * (r, e, sv), under the caller's lock. */
static long set_ids(bool user, enum id_call call, uint32_t r, uint32_t e, uint32_t sv)
{
	struct process *p = process_current();
	struct linux_cred old, *c = &p->cred;
	struct id_set s = ids_of(c, user);
	unsigned long flags;
	bool priv;
	long err = 0;

	flags = cred_lock(p);
	old = *c;
	priv = capable(c, s.cap);
	if (call == SET_ID) {
		if (priv)
			*s.real = *s.saved = r;
		else if (r != *s.real && r != *s.saved)
			err = -EPERM;
		if (!err)
			*s.eff = r;
	} else if (call == SET_RE) {
		uint32_t oldreal = *s.real;

		if (!priv && ((r != ID_UNCHANGED && r != *s.real && r != *s.eff) ||
			      (e != ID_UNCHANGED && !own_id(&s, e))))
			err = -EPERM;
		if (!err) {
			if (r != ID_UNCHANGED)
				*s.real = r;
			if (e != ID_UNCHANGED)
				*s.eff = e;
			/* man 2 setreuid: the saved id follows a new effective one */
			if (r != ID_UNCHANGED || (e != ID_UNCHANGED && e != oldreal))
				*s.saved = *s.eff;
		}
	} else {
		if (!priv && ((r != ID_UNCHANGED && !own_id(&s, r)) ||
			      (e != ID_UNCHANGED && !own_id(&s, e)) ||
			      (sv != ID_UNCHANGED && !own_id(&s, sv))))
			err = -EPERM;
		if (!err) {
			if (r != ID_UNCHANGED)
				*s.real = r;
			if (e != ID_UNCHANGED)
				*s.eff = e;
			if (sv != ID_UNCHANGED)
				*s.saved = sv;
		}
	}
	if (!err) {
		*s.fs = *s.eff;
		if (user)
			uid_changed(c, &old);
	}
	cred_unlock(p, flags);
	return err;
}

static long sys_setuid(const uint64_t a[6])
{
	return (uint32_t)a[0] == ID_UNCHANGED ? -EINVAL : set_ids(true, SET_ID, (uint32_t)a[0], 0, 0);
}
SYSCALL(105, "setuid", "d", sys_setuid);

static long sys_setgid(const uint64_t a[6])
{
	return (uint32_t)a[0] == ID_UNCHANGED ? -EINVAL : set_ids(false, SET_ID, (uint32_t)a[0], 0, 0);
}
SYSCALL(106, "setgid", "d", sys_setgid);

static long sys_setreuid(const uint64_t a[6])
{
	return set_ids(true, SET_RE, (uint32_t)a[0], (uint32_t)a[1], 0);
}
SYSCALL(113, "setreuid", "dd", sys_setreuid);

static long sys_setregid(const uint64_t a[6])
{
	return set_ids(false, SET_RE, (uint32_t)a[0], (uint32_t)a[1], 0);
}
SYSCALL(114, "setregid", "dd", sys_setregid);

static long sys_setresuid(const uint64_t a[6])
{
	return set_ids(true, SET_RES, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}
SYSCALL(117, "setresuid", "ddd", sys_setresuid);

static long sys_setresgid(const uint64_t a[6])
{
	return set_ids(false, SET_RES, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}
SYSCALL(119, "setresgid", "ddd", sys_setresgid);

/* setfsuid/setfsgid: always the old id; the new one only if privileged
 * or one of the real, effective, saved or current filesystem ids. */
static long set_fs_id(bool user, uint32_t id)
{
	struct process *p = process_current();
	struct linux_cred old, *c = &p->cred;
	struct id_set s = ids_of(c, user);
	unsigned long flags;
	uint32_t prev;

	flags = cred_lock(p);
	old = *c;
	prev = *s.fs;
	if (id != ID_UNCHANGED && (capable(c, s.cap) || own_id(&s, id) || id == *s.fs)) {
		*s.fs = id;
		if (user)
			uid_changed(c, &old);
	}
	cred_unlock(p, flags);
	return prev;
}

static long sys_setfsuid(const uint64_t a[6])
{
	return set_fs_id(true, (uint32_t)a[0]);
}
SYSCALL(122, "setfsuid", "d", sys_setfsuid);

static long sys_setfsgid(const uint64_t a[6])
{
	return set_fs_id(false, (uint32_t)a[0]);
}
SYSCALL(123, "setfsgid", "d", sys_setfsgid);

static long sys_getuid(const uint64_t a[6])
{
	struct linux_cred c;

	(void)a;
	cred_current(&c);
	return c.uid;
}
SYSCALL(102, "getuid", "", sys_getuid);

static long sys_geteuid(const uint64_t a[6])
{
	struct linux_cred c;

	(void)a;
	cred_current(&c);
	return c.euid;
}
SYSCALL(107, "geteuid", "", sys_geteuid);

static long sys_getgid(const uint64_t a[6])
{
	struct linux_cred c;

	(void)a;
	cred_current(&c);
	return c.gid;
}
SYSCALL(104, "getgid", "", sys_getgid);

static long sys_getegid(const uint64_t a[6])
{
	struct linux_cred c;

	(void)a;
	cred_current(&c);
	return c.egid;
}
SYSCALL(108, "getegid", "", sys_getegid);

static long put_three(const uint64_t a[6], uint32_t x, uint32_t y, uint32_t z)
{
	if (copy_to_user((void *)a[0], &x, sizeof(x)) || copy_to_user((void *)a[1], &y, sizeof(y)) ||
	    copy_to_user((void *)a[2], &z, sizeof(z)))
		return -EFAULT;
	return 0;
}

static long sys_getresuid(const uint64_t a[6])
{
	struct linux_cred c;

	cred_current(&c);
	return put_three(a, c.uid, c.euid, c.suid);
}
SYSCALL(118, "getresuid", "ppp", sys_getresuid);

static long sys_getresgid(const uint64_t a[6])
{
	struct linux_cred c;

	cred_current(&c);
	return put_three(a, c.gid, c.egid, c.sgid);
}
SYSCALL(120, "getresgid", "ppp", sys_getresgid);

static long sys_getgroups(const uint64_t a[6])
{
	struct linux_cred c;
	int size = (int)a[0];

	if (size < 0)
		return -EINVAL;
	cred_current(&c);
	if (!size)
		return c.ngroups;
	if ((unsigned)size < c.ngroups)
		return -EINVAL;
	if (copy_to_user((void *)a[1], c.groups, c.ngroups * sizeof(c.groups[0])))
		return -EFAULT;
	return c.ngroups;
}
SYSCALL(115, "getgroups", "dp", sys_getgroups);

static long sys_setgroups(const uint64_t a[6])
{
	struct process *p = process_current();
	uint32_t groups[LINUX_GROUPS_MAX];
	struct linux_cred c;
	unsigned long flags;

	if (a[0] > NGROUPS_MAX)
		return -EINVAL;
	cred_current(&c);
	if (!capable(&c, CAP_SETGID))
		return -EPERM;
	if (a[0] > LINUX_GROUPS_MAX)
		return -ENOMEM;
	if (copy_from_user(groups, (const void *)a[1], a[0] * sizeof(groups[0])))
		return -EFAULT;
	flags = cred_lock(p);
	memcpy(p->cred.groups, groups, a[0] * sizeof(groups[0]));
	p->cred.ngroups = (unsigned)a[0];
	cred_unlock(p, flags);
	return 0;
}
SYSCALL(116, "setgroups", "dp", sys_setgroups);

struct linux_cap_header {
	uint32_t version;
	int32_t pid;
};

struct linux_cap_data {
	uint32_t effective, permitted, inheritable;
};

/* How many data structs the header's version uses; an unknown version is
 * answered with -EINVAL and the preferred one written back. */
static int cap_words(uint64_t uhdr, int *pid)
{
	struct linux_cap_header h;
	const uint32_t preferred = LINUX_CAPABILITY_VERSION_3;

	if (copy_from_user(&h, (const void *)uhdr, sizeof(h)))
		return -EFAULT;
	*pid = h.pid;
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
	struct linux_cap_data d[2];
	struct linux_cred c;
	int pid, words = cap_words(a[0], &pid);
	unsigned i;

	if (words < 0)
		return words;
	if (pid < 0)
		return -EINVAL;
	if (pid && pid != process_current()->pid) {
		struct process *p;

		process_table_lock();
		p = process_find(pid);
		if (p)
			cred_of(p, &c);
		process_table_unlock();
		if (!p)
			return -ESRCH;
	} else {
		cred_current(&c);
	}
	if (!a[1])
		return 0;
	for (i = 0; i < 2; i++) {
		d[i].effective = (uint32_t)(c.cap_effective >> (32 * i));
		d[i].permitted = (uint32_t)(c.cap_permitted >> (32 * i));
		d[i].inheritable = (uint32_t)(c.cap_inheritable >> (32 * i));
	}
	return copy_to_user((void *)a[1], d, (size_t)words * sizeof(d[0])) ? -EFAULT : 0;
}
SYSCALL(125, "capget", "pp", sys_capget);

/* The new sets may only shrink the permitted set, take inheritable ones
 * from the old permitted or inheritable sets (the bounding set, which is
 * full, with CAP_SETPCAP), and keep effective within permitted. */
static long sys_capset(const uint64_t a[6])
{
	struct process *p = process_current();
	struct linux_cap_data d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	uint64_t eff, perm, inh;
	struct linux_cred *c = &p->cred;
	int pid, words = cap_words(a[0], &pid);
	unsigned long flags;
	long r = 0;

	if (words < 0)
		return words;
	if (pid && pid != p->pid)
		return -EPERM;
	if (copy_from_user(d, (const void *)a[1], (size_t)words * sizeof(d[0])))
		return -EFAULT;
	eff = (d[0].effective | (uint64_t)d[1].effective << 32) & CAP_FULL;
	perm = (d[0].permitted | (uint64_t)d[1].permitted << 32) & CAP_FULL;
	inh = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & CAP_FULL;
	flags = cred_lock(p);
	if ((perm & ~c->cap_permitted) || (eff & ~perm) ||
	    (!capable(c, CAP_SETPCAP) && (inh & ~(c->cap_inheritable | c->cap_permitted))))
		r = -EPERM;
	else {
		c->cap_effective = eff;
		c->cap_permitted = perm;
		c->cap_inheritable = inh;
	}
	cred_unlock(p, flags);
	return r;
}
SYSCALL(126, "capset", "pp", sys_capset);

long cred_prctl(int option, uint64_t arg)
{
	struct process *p = process_current();
	unsigned long flags;
	long r;

	switch (option) {
	case LINUX_PR_GET_KEEPCAPS:
		flags = cred_lock(p);
		r = p->cred.keepcaps;
		cred_unlock(p, flags);
		return r;
	case LINUX_PR_SET_KEEPCAPS:
		if (arg > 1)
			return -EINVAL;
		flags = cred_lock(p);
		p->cred.keepcaps = arg;
		cred_unlock(p, flags);
		return 0;
	case LINUX_PR_CAPBSET_READ:
		return arg <= LINUX_CAP_LAST_CAP ? 1 : -EINVAL;
	}
	return -EINVAL;
}
