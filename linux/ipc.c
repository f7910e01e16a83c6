/* System V IPC ids, keys and permissions, as Linux's ipc/util.c hands
 * them out: an id names a slot and that slot's generation. */
#include "ipc.h"
#include <flint/errno.h>
#include <flint/sched.h>
#include <flint/thread.h>
#include <flint/string.h>
#include <flint/sync.h>

struct ipc_obj *ipc_find_key(struct ipc_table *t, int32_t key)
{
	for (int i = 0; i < IPC_TABLE_MAX; i++)
		if (t->slot[i] && t->slot[i]->key == key)
			return t->slot[i];
	return NULL;
}

struct ipc_obj *ipc_find_id(struct ipc_table *t, int id)
{
	struct ipc_obj *o;

	if (id < 0)
		return NULL;
	o = t->slot[id % IPC_SEQ_MULT];
	return o && o->id == id ? o : NULL;
}

int ipc_add(struct ipc_table *t, struct ipc_obj *o, int32_t key, int mode)
{
	for (int i = 0; i < IPC_TABLE_MAX; i++) {
		if (t->slot[i])
			continue;
		t->slot[i] = o;
		o->key = key;
		o->id = t->seq * IPC_SEQ_MULT + i;
		t->seq = (uint16_t)((t->seq + 1) % (INT32_MAX / IPC_SEQ_MULT));
		/* Credentials are root's until processes carry their own. */
		o->uid = o->gid = o->cuid = o->cgid = 0;
		o->mode = (uint16_t)(mode & IPC_MODE_MASK);
		return o->id;
	}
	return -ENOSPC;
}

void ipc_remove(struct ipc_table *t, struct ipc_obj *o)
{
	t->slot[o->id % IPC_SEQ_MULT] = NULL;
}

int ipc_max_index(const struct ipc_table *t)
{
	int max = -1;

	for (int i = 0; i < IPC_TABLE_MAX; i++)
		if (t->slot[i])
			max = i;
	return max;
}

bool ipc_allowed(const struct ipc_obj *o, int want)
{
	/* Every process is root (CAP_IPC_OWNER) for now: mode bits are
	 * kept and shown but grant everything. */
	(void)o;
	(void)want;
	return true;
}

void ipc_fill_perm(const struct ipc_obj *o, struct linux_ipc64_perm *p)
{
	memset(p, 0, sizeof(*p));
	p->key = o->key;
	p->uid = o->uid;
	p->gid = o->gid;
	p->cuid = o->cuid;
	p->cgid = o->cgid;
	p->mode = o->mode;
	p->seq = (uint16_t)(o->id / IPC_SEQ_MULT);
}

void ipc_set_perm(struct ipc_obj *o, const struct linux_ipc64_perm *p)
{
	o->uid = p->uid;
	o->gid = p->gid;
	o->mode = (uint16_t)((o->mode & ~IPC_MODE_MASK) | (p->mode & IPC_MODE_MASK));
}

struct ipc_waiter {
	struct thread *thread;
	struct ipc_waiter *next;
};

static spinlock_t wait_lock;
static uint64_t wait_gen;
static struct ipc_waiter *waiters;

uint64_t ipc_wait_gen(void)
{
	unsigned long flags = spin_lock_irqsave(&wait_lock);
	uint64_t g = wait_gen;

	spin_unlock_irqrestore(&wait_lock, flags);
	return g;
}

int ipc_wait(uint64_t gen, uint64_t deadline)
{
	struct ipc_waiter w = { .thread = thread_current() }, **pp;
	unsigned long flags = spin_lock_irqsave(&wait_lock);
	int r = 0;

	if (wait_gen == gen) {
		w.next = waiters;
		waiters = &w;
		r = sched_sleep(&wait_lock, deadline, true);
		spin_lock(&wait_lock);
		for (pp = &waiters; *pp; pp = &(*pp)->next)
			if (*pp == &w) {
				*pp = w.next;
				break;
			}
		if (wait_gen != gen)
			r = 0;
	}
	spin_unlock_irqrestore(&wait_lock, flags);
	return r == -ETIMEDOUT || r == -EINTR ? r : 0;
}

void ipc_wake_all(void)
{
	unsigned long flags = spin_lock_irqsave(&wait_lock);

	wait_gen++;
	for (struct ipc_waiter *w = waiters; w; w = w->next)
		sched_wake(w->thread);
	spin_unlock_irqrestore(&wait_lock, flags);
}
