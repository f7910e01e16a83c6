/*
 * Synchronisation (kernel/sync.c): spinlocks that mask interrupts, wait
 * queues, sleeping mutexes, condition variables and semaphores. The
 * spinlock is header-only so that the heap and page allocator, which the
 * host unit tests build too, can take one (the tests stub the arch hooks).
 */
#ifndef FLINT_SYNC_H
#define FLINT_SYNC_H

#include <flint/arch.h>
#include <stdbool.h>

typedef struct {
	unsigned locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* The lock with this CPU's interrupts off: a handler on the same CPU
 * cannot then spin on a lock its own CPU holds. */
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = arch_irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	arch_irq_restore(flags);
}

struct thread;

/* Threads blocked on something, woken in FIFO order. */
struct wait_queue {
	spinlock_t lock;
	struct thread *head, *tail;
};

/* Blocks the calling thread on wq. wq->lock must be held with interrupts
 * masked; it is released while the thread sleeps and held again after. */
void wait_queue_sleep(struct wait_queue *wq);
/* Wakes one (returns whether there was one) or all; wq->lock held. */
bool wait_queue_wake_one(struct wait_queue *wq);
void wait_queue_wake_all(struct wait_queue *wq);

struct mutex {
	struct thread *owner;		/* under waiters.lock */
	struct wait_queue waiters;
};

void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

struct condvar {
	struct wait_queue waiters;
};

/* Releases m, sleeps until signalled, retakes m. Callers re-check their
 * condition in a loop. */
void cond_wait(struct condvar *c, struct mutex *m);
void cond_signal(struct condvar *c);
void cond_broadcast(struct condvar *c);

struct semaphore {
	unsigned count;			/* under waiters.lock */
	struct wait_queue waiters;
};

void sem_init(struct semaphore *s, unsigned count);
void sem_wait(struct semaphore *s);
void sem_post(struct semaphore *s);

#endif
