/* System V message queues: msgget, msgsnd, msgrcv, msgctl, as Linux's
 * ipc/msg.c. Senders wait while the queue is full, receivers while no
 * message matches; both end with EIDRM when the queue is removed. */
#include "ipc.h"
#include "linux.h"
#include <flint/heap.h>
#include <flint/string.h>

/* include/uapi/linux/msg.h */
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
#define MSGMAX 8192		/* the largest message */
#define MSGMNB 16384		/* a new queue's msg_qbytes */
#define MSGPOOL (IPC_TABLE_MAX * MSGMNB / 1024)
#define MSGTQL MSGMNB
#define MSGSSZ 16

/* include/uapi/asm-generic/msgbuf.h (x86-64's layout) */
struct linux_msqid64_ds {
	struct linux_ipc64_perm msg_perm;
	int64_t msg_stime, msg_rtime, msg_ctime;
	uint64_t msg_cbytes, msg_qnum, msg_qbytes;
	int32_t msg_lspid, msg_lrpid;
	uint64_t unused4, unused5;
};

struct linux_msginfo {
	int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	uint16_t msgseg;
};

struct msg {
	struct msg *next;
	int64_t type;
	uint64_t size;
	unsigned char text[];
};

struct msg_queue {
	struct ipc_obj obj;		/* first: the table holds &obj */
	struct msg *head;
	uint64_t bytes, count, qbytes;
	int64_t stime, rtime, ctime;
	int lspid, lrpid;
	bool removed;
	unsigned users;			/* callers waiting on it: it is freed after them */
};

static struct mutex msg_lock;
static struct ipc_table msg_table;

static void queue_put(struct msg_queue *q)
{
	if (--q->users || !q->removed)
		return;
	while (q->head) {
		struct msg *m = q->head;

		q->head = m->next;
		kfree(m);
	}
	kfree(q);
}

static long sys_msgget(const uint64_t a[6])
{
	int32_t key = (int32_t)a[0];
	int flags = (int)a[1];
	struct msg_queue *q;
	long r;

	mutex_lock(&msg_lock);
	q = key == IPC_PRIVATE ? NULL : (struct msg_queue *)ipc_find_key(&msg_table, key);
	if (q) {
		r = (flags & IPC_CREAT) && (flags & IPC_EXCL) ? -EEXIST :
		    !ipc_allowed(&q->obj, (flags >> 6) & 7) ? -EACCES : q->obj.id;
	} else if (key != IPC_PRIVATE && !(flags & IPC_CREAT)) {
		r = -ENOENT;
	} else if (!(q = kzalloc(sizeof(*q)))) {
		r = -ENOMEM;
	} else {
		r = ipc_add(&msg_table, &q->obj, key, flags);
		if (r < 0) {
			kfree(q);
		} else {
			q->qbytes = MSGMNB;
			q->users = 1;
			q->ctime = wall_seconds();
		}
	}
	mutex_unlock(&msg_lock);
	return r;
}
SYSCALL(68, "msgget", "dxo", sys_msgget);

/* Waits (msg_lock held on entry and return) for a change: 0, -EINTR, or
 * -EIDRM once q is removed. */
static int wait_change(struct msg_queue *q)
{
	uint64_t gen = ipc_wait_gen();
	int r;

	q->users++;
	mutex_unlock(&msg_lock);
	r = ipc_wait(gen, 0);
	mutex_lock(&msg_lock);
	if (q->removed)
		r = -EIDRM;
	queue_put(q);
	return r;
}

static long sys_msgsnd(const uint64_t a[6])
{
	int64_t size = (int64_t)a[2];
	int flags = (int)a[3];
	struct msg_queue *q;
	struct msg *m, **pp;
	long r;

	if (size < 0 || size > MSGMAX)
		return -EINVAL;
	m = kmalloc(sizeof(*m) + (size_t)size);
	if (!m)
		return -ENOMEM;
	if (copy_from_user(&m->type, (const void *)a[1], sizeof(m->type)) ||
	    copy_from_user(m->text, (const char *)a[1] + sizeof(int64_t), (size_t)size)) {
		kfree(m);
		return -EFAULT;
	}
	if (m->type < 1) {
		kfree(m);
		return -EINVAL;
	}
	m->size = (uint64_t)size;
	m->next = NULL;
	mutex_lock(&msg_lock);
	q = (struct msg_queue *)ipc_find_id(&msg_table, (int)a[0]);
	r = !q ? -EINVAL : !ipc_allowed(&q->obj, 2) ? -EACCES : 0;
	while (!r && (q->bytes + m->size > q->qbytes || q->count + 1 > q->qbytes))
		r = flags & IPC_NOWAIT ? -EAGAIN : wait_change(q);
	if (!r) {
		for (pp = &q->head; *pp; pp = &(*pp)->next)
			;
		*pp = m;
		q->bytes += m->size;
		q->count++;
		q->stime = wall_seconds();
		q->lspid = process_current()->pid;
		ipc_wake_all();
	}
	mutex_unlock(&msg_lock);
	if (r)
		kfree(m);
	return r;
}
SYSCALL(69, "msgsnd", "dpdx", sys_msgsnd);

/* The link to the message msgrcv's type and flags select, or NULL. */
static struct msg **select_msg(struct msg_queue *q, int64_t type, int flags)
{
	struct msg **best = NULL;

	for (struct msg **pp = &q->head; *pp; pp = &(*pp)->next) {
		int64_t t = (*pp)->type;

		if (type == 0)
			return pp;
		if (type > 0 && (flags & MSG_EXCEPT ? t != type : t == type))
			return pp;
		/* Negative: the lowest type not above |type|, the first of equals. */
		if (type < 0 && t <= -type && (!best || t < (*best)->type))
			best = pp;
	}
	return best;
}

static long sys_msgrcv(const uint64_t a[6])
{
	int64_t size = (int64_t)a[2], type = (int64_t)a[3];
	int flags = (int)a[4];
	struct msg_queue *q;
	struct msg **pp = NULL, *m = NULL;
	long r;

	if (size < 0)
		return -EINVAL;
	if (flags & MSG_COPY)
		return -ENOSYS;	/* Linux without CONFIG_CHECKPOINT_RESTORE */
	mutex_lock(&msg_lock);
	q = (struct msg_queue *)ipc_find_id(&msg_table, (int)a[0]);
	r = !q ? -EINVAL : !ipc_allowed(&q->obj, 4) ? -EACCES : 0;
	while (!r && !(pp = select_msg(q, type, flags)))
		r = flags & IPC_NOWAIT ? -ENOMSG : wait_change(q);
	if (!r && (*pp)->size > (uint64_t)size && !(flags & MSG_NOERROR))
		r = -E2BIG;
	if (!r) {
		m = *pp;
		*pp = m->next;
		q->bytes -= m->size;
		q->count--;
		q->rtime = wall_seconds();
		q->lrpid = process_current()->pid;
		ipc_wake_all();
	}
	mutex_unlock(&msg_lock);
	if (!m)
		return r;
	r = m->size < (uint64_t)size ? (long)m->size : (long)size;
	if (copy_to_user((void *)a[1], &m->type, sizeof(m->type)) ||
	    copy_to_user((char *)a[1] + sizeof(int64_t), m->text, (size_t)r))
		r = -EFAULT;
	kfree(m);
	return r;
}
SYSCALL(70, "msgrcv", "dpddx", sys_msgrcv);

static void fill_ds(const struct msg_queue *q, struct linux_msqid64_ds *ds)
{
	memset(ds, 0, sizeof(*ds));
	ipc_fill_perm(&q->obj, &ds->msg_perm);
	ds->msg_stime = q->stime;
	ds->msg_rtime = q->rtime;
	ds->msg_ctime = q->ctime;
	ds->msg_cbytes = q->bytes;
	ds->msg_qnum = q->count;
	ds->msg_qbytes = q->qbytes;
	ds->msg_lspid = q->lspid;
	ds->msg_lrpid = q->lrpid;
}

static long ctl(int id, int cmd, uint64_t ubuf)
{
	struct linux_msqid64_ds ds;
	struct msg_queue *q;

	if (cmd == IPC_INFO || cmd == MSG_INFO) {
		struct linux_msginfo mi = {
			.msgpool = MSGPOOL, .msgmap = MSGMNB, .msgmax = MSGMAX, .msgmnb = MSGMNB,
			.msgmni = IPC_TABLE_MAX, .msgssz = MSGSSZ, .msgtql = MSGTQL,
			.msgseg = UINT16_MAX,
		};
		int max = ipc_max_index(&msg_table);

		if (copy_to_user((void *)ubuf, &mi, sizeof(mi)))
			return -EFAULT;
		return max < 0 ? 0 : max;
	}
	if (cmd == MSG_STAT || cmd == MSG_STAT_ANY) {
		q = id >= 0 && id < IPC_TABLE_MAX ? (struct msg_queue *)msg_table.slot[id] : NULL;
		if (!q)
			return -EINVAL;
		fill_ds(q, &ds);
		return copy_to_user((void *)ubuf, &ds, sizeof(ds)) ? -EFAULT : q->obj.id;
	}
	q = (struct msg_queue *)ipc_find_id(&msg_table, id);
	if (!q)
		return -EINVAL;
	switch (cmd) {
	case IPC_STAT:
		fill_ds(q, &ds);
		return copy_to_user((void *)ubuf, &ds, sizeof(ds)) ? -EFAULT : 0;
	case IPC_SET:
		if (copy_from_user(&ds, (const void *)ubuf, sizeof(ds)))
			return -EFAULT;
		ipc_set_perm(&q->obj, &ds.msg_perm);
		q->qbytes = ds.msg_qbytes;
		q->ctime = wall_seconds();
		ipc_wake_all();
		return 0;
	case IPC_RMID:
		ipc_remove(&msg_table, &q->obj);
		q->removed = true;
		ipc_wake_all();
		queue_put(q);
		return 0;
	default:
		return -EINVAL;
	}
}

static long sys_msgctl(const uint64_t a[6])
{
	int cmd = (int)a[1];
	long r;

	if (cmd < 0)
		return -EINVAL;
	mutex_lock(&msg_lock);
	r = ctl((int)a[0], cmd & ~IPC_64, a[2]);
	mutex_unlock(&msg_lock);
	return r;
}
SYSCALL(71, "msgctl", "ddp", sys_msgctl);
