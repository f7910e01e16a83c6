/*
 * Sleeping locks on top of wait queues. A wait queue's spinlock guards
 * both the queue and the state it waits on (mutex owner, semaphore count),
 * and is handed to sched_block so that a waker, which must take it too,
 * cannot run between the check and the sleep.
 */
#include <flint/sched.h>
#include <flint/sync.h>

void wait_queue_sleep(struct wait_queue *wq)
{
	struct thread *self = thread_current();

	self->next = NULL;
	if (wq->tail)
		wq->tail->next = self;
	else
		wq->head = self;
	wq->tail = self;
	sched_block(&wq->lock);
	spin_lock(&wq->lock);
}

bool wait_queue_wake_one(struct wait_queue *wq)
{
	struct thread *t = wq->head;

	if (!t)
		return false;
	wq->head = t->next;
	if (!wq->head)
		wq->tail = NULL;
	sched_wake(t);
	return true;
}

void wait_queue_wake_all(struct wait_queue *wq)
{
	while (wait_queue_wake_one(wq))
		;
}

void mutex_lock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->waiters.lock);

	while (m->owner)
		wait_queue_sleep(&m->waiters);
	m->owner = thread_current();
	spin_unlock_irqrestore(&m->waiters.lock, flags);
}

void mutex_unlock(struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&m->waiters.lock);

	m->owner = NULL;
	wait_queue_wake_one(&m->waiters);
	spin_unlock_irqrestore(&m->waiters.lock, flags);
}

/* The condition variable's lock is taken before m is released: a signal
 * sent after that waits for the waiter to be on the queue. */
void cond_wait(struct condvar *c, struct mutex *m)
{
	unsigned long flags = spin_lock_irqsave(&c->waiters.lock);

	mutex_unlock(m);
	wait_queue_sleep(&c->waiters);
	spin_unlock_irqrestore(&c->waiters.lock, flags);
	mutex_lock(m);
}

void cond_signal(struct condvar *c)
{
	unsigned long flags = spin_lock_irqsave(&c->waiters.lock);

	wait_queue_wake_one(&c->waiters);
	spin_unlock_irqrestore(&c->waiters.lock, flags);
}

void cond_broadcast(struct condvar *c)
{
	unsigned long flags = spin_lock_irqsave(&c->waiters.lock);

	wait_queue_wake_all(&c->waiters);
	spin_unlock_irqrestore(&c->waiters.lock, flags);
}

void sem_init(struct semaphore *s, unsigned count)
{
	*s = (struct semaphore){ .count = count };
}

void sem_wait(struct semaphore *s)
{
	unsigned long flags = spin_lock_irqsave(&s->waiters.lock);

	while (!s->count)
		wait_queue_sleep(&s->waiters);
	s->count--;
	spin_unlock_irqrestore(&s->waiters.lock, flags);
}

void sem_post(struct semaphore *s)
{
	unsigned long flags = spin_lock_irqsave(&s->waiters.lock);

	s->count++;
	wait_queue_wake_one(&s->waiters);
	spin_unlock_irqrestore(&s->waiters.lock, flags);
}
