/* System V semaphores: semget, semop, semtimedop, semctl, as Linux's
 * ipc/sem.c. A semop applies all its operations or none; one that cannot
 * proceed waits (or gives EAGAIN with IPC_NOWAIT) and re-tries the whole
 * set after any change. SEM_UNDO is accepted but not yet applied at exit. */
#include "ipc.h"
#include "linux.h"
#include "pollwait.h"
#include <flint/heap.h>
#include <flint/string.h>

/* include/uapi/linux/sem.h and ipc/sem.c's defaults */
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20
#define SEMMSL 32000		/* semaphores per set */
#define SEMOPM 500		/* operations per semop */
#define SEMVMX 32767		/* the largest value */

/* include/uapi/asm-generic/sembuf.h (x86-64's layout) */
struct linux_semid64_ds {
	struct linux_ipc64_perm sem_perm;
	int64_t sem_otime;
	uint64_t unused1;
	int64_t sem_ctime;
	uint64_t unused2;
	uint64_t sem_nsems;
	uint64_t unused3, unused4;
};

struct linux_sembuf {
	uint16_t sem_num;
	int16_t sem_op;
	int16_t sem_flg;
};

struct sem {
	int val, pid;
	unsigned ncnt, zcnt;		/* callers waiting for an increase, for zero */
};

struct sem_set {
	struct ipc_obj obj;		/* first: the table holds &obj */
	unsigned nsems;
	int64_t otime, ctime;
	bool removed;
	unsigned users;			/* the table and waiting callers */
	struct sem sems[];
};

static struct mutex sem_lock;
static struct ipc_table sem_table;

static void set_put(struct sem_set *s)
{
	if (!--s->users)
		kfree(s);
}

static long sys_semget(const uint64_t a[6])
{
	int32_t key = (int32_t)a[0];
	int nsems = (int)a[1], flags = (int)a[2];
	struct sem_set *s;
	long r;

	if (nsems < 0 || nsems > SEMMSL)
		return -EINVAL;
	mutex_lock(&sem_lock);
	s = key == IPC_PRIVATE ? NULL : (struct sem_set *)ipc_find_key(&sem_table, key);
	if (s) {
		r = (flags & IPC_CREAT) && (flags & IPC_EXCL) ? -EEXIST :
		    (unsigned)nsems > s->nsems ? -EINVAL :
		    !ipc_allowed(&s->obj, (flags >> 6) & 7) ? -EACCES : s->obj.id;
	} else if (key != IPC_PRIVATE && !(flags & IPC_CREAT)) {
		r = -ENOENT;
	} else if (nsems == 0) {
		r = -EINVAL;
	} else if (!(s = kzalloc(sizeof(*s) + (size_t)nsems * sizeof(struct sem)))) {
		r = -ENOMEM;
	} else {
		r = ipc_add(&sem_table, &s->obj, key, flags);
		if (r < 0) {
			kfree(s);
		} else {
			s->nsems = (unsigned)nsems;
			s->users = 1;
			s->ctime = wall_seconds();
		}
	}
	mutex_unlock(&sem_lock);
	return r;
}
SYSCALL(64, "semget", "ddo", sys_semget);

/* Tries ops on s all at once: 0 (applied), -ERANGE, or the index + 1 of
 * the operation that must wait (nothing applied). */
static long try_ops(struct sem_set *s, const struct linux_sembuf *ops, unsigned n)
{
	int vals[SEMOPM];

	for (unsigned i = 0; i < n; i++)
		vals[i] = s->sems[ops[i].sem_num].val;
	for (unsigned i = 0; i < n; i++) {
		int *v = &s->sems[ops[i].sem_num].val;
		int nv = *v + ops[i].sem_op;

		if ((ops[i].sem_op == 0 && *v != 0) || nv < 0 || nv > SEMVMX) {
			/* Undo in reverse so repeated numbers restore their first value. */
			for (unsigned j = i; j-- > 0;)
				s->sems[ops[j].sem_num].val = vals[j];
			return nv > SEMVMX ? -ERANGE : (long)i + 1;
		}
		*v = nv;
	}
	return 0;
}

static long semop_common(int id, uint64_t usops, uint64_t nsops, uint64_t deadline)
{
	struct linux_sembuf *ops;
	struct sem_set *s;
	long r;

	if (nsops < 1)
		return -EINVAL;
	if (nsops > SEMOPM)
		return -E2BIG;
	ops = kmalloc(nsops * sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	if (copy_from_user(ops, (const void *)usops, nsops * sizeof(*ops))) {
		kfree(ops);
		return -EFAULT;
	}
	mutex_lock(&sem_lock);
	s = (struct sem_set *)ipc_find_id(&sem_table, id);
	r = !s ? -EINVAL : 0;
	for (unsigned i = 0; !r && i < nsops; i++)
		if (ops[i].sem_num >= s->nsems)
			r = -EFBIG;
	while (!r) {
		struct sem *w;
		uint64_t gen;
		long t = try_ops(s, ops, (unsigned)nsops);

		if (t <= 0) {
			r = t;
			break;
		}
		if (ops[t - 1].sem_flg & IPC_NOWAIT) {
			r = -EAGAIN;
			break;
		}
		w = &s->sems[ops[t - 1].sem_num];
		gen = ipc_wait_gen();
		ops[t - 1].sem_op ? w->ncnt++ : w->zcnt++;
		s->users++;
		mutex_unlock(&sem_lock);
		r = ipc_wait(gen, deadline);
		mutex_lock(&sem_lock);
		ops[t - 1].sem_op ? w->ncnt-- : w->zcnt--;
		if (s->removed)
			r = -EIDRM;
		else if (r == -ETIMEDOUT)
			r = -EAGAIN;	/* semtimedop's timeout (semop(2)) */
		set_put(s);
	}
	if (!r) {
		for (unsigned i = 0; i < nsops; i++)
			s->sems[ops[i].sem_num].pid = process_current()->pid;
		s->otime = wall_seconds();
		ipc_wake_all();
	}
	mutex_unlock(&sem_lock);
	kfree(ops);
	return r;
}

static long sys_semop(const uint64_t a[6])
{
	return semop_common((int)a[0], a[1], a[2], 0);
}
SYSCALL(65, "semop", "dpu", sys_semop);

static long sys_semtimedop(const uint64_t a[6])
{
	uint64_t deadline = 0;
	int r = a[3] ? poll_timespec_deadline(a[3], &deadline) : 0;

	if (r < 0)
		return r;
	return semop_common((int)a[0], a[1], a[2], deadline);
}
SYSCALL(220, "semtimedop", "dpup", sys_semtimedop);

static long ctl(int id, int num, int cmd, uint64_t arg)
{
	struct linux_semid64_ds ds;
	struct sem_set *s;
	uint16_t *vals;
	long r = 0;

	if (cmd == SEM_STAT || cmd == SEM_STAT_ANY) {
		s = id >= 0 && id < IPC_TABLE_MAX ? (struct sem_set *)sem_table.slot[id] : NULL;
		if (!s)
			return -EINVAL;
	} else {
		s = (struct sem_set *)ipc_find_id(&sem_table, id);
		if (!s)
			return -EINVAL;
	}
	switch (cmd) {
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY:
		memset(&ds, 0, sizeof(ds));
		ipc_fill_perm(&s->obj, &ds.sem_perm);
		ds.sem_otime = s->otime;
		ds.sem_ctime = s->ctime;
		ds.sem_nsems = s->nsems;
		if (copy_to_user((void *)arg, &ds, sizeof(ds)))
			return -EFAULT;
		return cmd == IPC_STAT ? 0 : s->obj.id;
	case IPC_SET:
		if (copy_from_user(&ds, (const void *)arg, sizeof(ds)))
			return -EFAULT;
		ipc_set_perm(&s->obj, &ds.sem_perm);
		s->ctime = wall_seconds();
		return 0;
	case IPC_RMID:
		ipc_remove(&sem_table, &s->obj);
		s->removed = true;
		ipc_wake_all();
		set_put(s);
		return 0;
	case GETALL:
	case SETALL:
		vals = kmalloc(s->nsems * sizeof(*vals));
		if (!vals)
			return -ENOMEM;
		if (cmd == GETALL) {
			for (unsigned i = 0; i < s->nsems; i++)
				vals[i] = (uint16_t)s->sems[i].val;
			r = copy_to_user((void *)arg, vals, s->nsems * sizeof(*vals)) ? -EFAULT : 0;
		} else if (copy_from_user(vals, (const void *)arg, s->nsems * sizeof(*vals))) {
			r = -EFAULT;
		} else {
			for (unsigned i = 0; !r && i < s->nsems; i++)
				if (vals[i] > SEMVMX)
					r = -ERANGE;
			for (unsigned i = 0; !r && i < s->nsems; i++) {
				s->sems[i].val = vals[i];
				s->sems[i].pid = process_current()->pid;
			}
			if (!r) {
				s->ctime = wall_seconds();
				ipc_wake_all();
			}
		}
		kfree(vals);
		return r;
	default:
		break;
	}
	if (num < 0 || (unsigned)num >= s->nsems)
		return -EINVAL;
	switch (cmd) {
	case GETVAL:
		return s->sems[num].val;
	case GETPID:
		return s->sems[num].pid;
	case GETNCNT:
		return s->sems[num].ncnt;
	case GETZCNT:
		return s->sems[num].zcnt;
	case SETVAL:
		if ((int)arg < 0 || (int)arg > SEMVMX)
			return -ERANGE;
		s->sems[num].val = (int)arg;
		s->sems[num].pid = process_current()->pid;
		s->ctime = wall_seconds();
		ipc_wake_all();
		return 0;
	default:
		return -EINVAL;
	}
}

static long sys_semctl(const uint64_t a[6])
{
	int cmd = (int)a[2];
	long r;

	if (cmd < 0)
		return -EINVAL;
	mutex_lock(&sem_lock);
	r = ctl((int)a[0], (int)a[1], cmd & ~IPC_64, a[3]);
	mutex_unlock(&sem_lock);
	return r;
}
SYSCALL(66, "semctl", "dddx", sys_semctl);
