/* File locks between processes (include/flint/filelock.h): one table for
 * all files under one spinlock; waiters sleep on the poll generation and
 * every release notifies. */
#include <flint/errno.h>
#include <flint/filelock.h>
#include <flint/sync.h>
#include <flint/vfs.h>

#include "lock_range.h"

/* How far the deadlock check follows waiters waiting on waiters (Linux's
 * MAX_DEADLK_ITERATIONS, fs/locks.c). */
#define DEADLOCK_DEPTH 10
/* Processes blocked in F_SETLKW at once that the deadlock check sees. */
#define WAITERS_MAX 64

static spinlock_t table_lock;
static struct lock_table table;
/* What each blocked POSIX owner waits for. */
static struct lock_range waiting[WAITERS_MAX];

/* Pipes and sockets have no node: the description stands for the file. */
static const void *lock_node(struct file *f)
{
	return f->node ? (const void *)f->node : (const void *)f;
}

static struct lock_range to_range(struct file *f, enum filelock_kind kind, struct fdtable *owner,
				  int pid, const struct filelock *l)
{
	struct lock_range r = {
		.node = lock_node(f),
		.owner = kind == FILELOCK_POSIX ? (const void *)owner : (const void *)f,
		.pid = kind == FILELOCK_POSIX ? pid : -1,
		.type = (uint8_t)l->type,
		.family = kind == FILELOCK_FLOCK ? LOCK_FAMILY_FLOCK : LOCK_FAMILY_RECORD,
		.start = l->start,
		.end = l->end,
	};
	return r;
}

/* Would owner, waiting for want, wait forever? Follows the chain of
 * blocked holders back to owner. Table lock held. */
static bool deadlocks(const struct lock_range *want)
{
	const struct lock_range *blocker = lock_conflict(&table, want);

	for (int depth = 0; blocker && depth < DEADLOCK_DEPTH; depth++) {
		const struct lock_range *next = NULL;

		if (blocker->owner == want->owner)
			return true;
		for (unsigned i = 0; i < WAITERS_MAX; i++)
			if (waiting[i].type != LOCK_UNLOCK && waiting[i].owner == blocker->owner)
				next = &waiting[i];
		if (!next)
			return false;
		blocker = lock_conflict(&table, next);
	}
	return false;
}

static struct lock_range *wait_slot(const struct lock_range *want)
{
	for (unsigned i = 0; i < WAITERS_MAX; i++)
		if (waiting[i].type == LOCK_UNLOCK) {
			waiting[i] = *want;
			return &waiting[i];
		}
	return NULL;
}

int filelock_set(struct file *f, enum filelock_kind kind, struct fdtable *owner, int pid,
		 const struct filelock *l, bool wait)
{
	struct lock_range want = to_range(f, kind, owner, pid, l);

	for (;;) {
		uint64_t gen = vfs_poll_generation();
		unsigned long flags = spin_lock_irqsave(&table_lock);
		struct lock_range *w;
		int r;

		if (want.type == LOCK_UNLOCK || !lock_conflict(&table, &want)) {
			r = lock_apply(&table, &want);
			spin_unlock_irqrestore(&table_lock, flags);
			if (r == 0)
				vfs_poll_notify();
			return r;
		}
		if (!wait) {
			spin_unlock_irqrestore(&table_lock, flags);
			return -EAGAIN;
		}
		if (kind == FILELOCK_POSIX && deadlocks(&want)) {
			spin_unlock_irqrestore(&table_lock, flags);
			return -EDEADLK;
		}
		w = kind == FILELOCK_POSIX ? wait_slot(&want) : NULL;
		spin_unlock_irqrestore(&table_lock, flags);
		r = vfs_poll_wait(gen, 0);
		if (w) {
			flags = spin_lock_irqsave(&table_lock);
			w->type = LOCK_UNLOCK;
			spin_unlock_irqrestore(&table_lock, flags);
		}
		if (r < 0)
			return r;
	}
}

void filelock_test(struct file *f, enum filelock_kind kind, struct fdtable *owner,
		   struct filelock *l)
{
	struct lock_range want = to_range(f, kind, owner, 0, l);
	unsigned long flags = spin_lock_irqsave(&table_lock);
	const struct lock_range *c = lock_conflict(&table, &want);

	if (c) {
		l->type = c->type;
		l->start = c->start;
		l->end = c->end;
		l->pid = c->pid;
	} else {
		l->type = LOCK_UNLOCK;
	}
	spin_unlock_irqrestore(&table_lock, flags);
}

void filelock_close(struct fdtable *owner, struct file *f)
{
	unsigned long flags = spin_lock_irqsave(&table_lock);
	unsigned n = lock_remove_owner(&table, lock_node(f), owner, LOCK_FAMILY_RECORD);

	spin_unlock_irqrestore(&table_lock, flags);
	if (n)
		vfs_poll_notify();
}

void filelock_release_file(struct file *f)
{
	unsigned long flags = spin_lock_irqsave(&table_lock);
	unsigned n = lock_remove_owner(&table, NULL, f, LOCK_FAMILY_RECORD) +
		     lock_remove_owner(&table, NULL, f, LOCK_FAMILY_FLOCK);

	spin_unlock_irqrestore(&table_lock, flags);
	if (n)
		vfs_poll_notify();
}
