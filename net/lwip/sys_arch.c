/*
 * lwIP's operating-system layer on Flint's threads: semaphores, mutexes,
 * mailboxes, threads, the clock, the lightweight protection (a recursive
 * spinlock with interrupts masked), memory from the kernel heap, random
 * numbers from the entropy pool, and errno per thread.
 */
#include <flint/arch.h>
#include <flint/entropy.h>
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/panic.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/timer.h>
#include <stdarg.h>

#include "lwip/sys.h"
#include "lwip_hooks.h"

#define NS_PER_MS 1000000ull
#define MBOX_DEFAULT_SIZE 64	/* lwIP asks for size 0: "the port's default" */
#define MBOX_FIRST_CAP 16	/* slots a mailbox starts with, until it needs more */

struct lwip_port_waiter {
	struct thread *thread;
	struct lwip_port_waiter *next;
	bool woken;
};

static uint64_t deadline_of(u32_t timeout_ms)
{
	return timeout_ms ? clock_ns() + timeout_ms * NS_PER_MS : 0;
}

/* With lock held and interrupts masked: sleeps until woken or deadline
 * (0: none); lock is held again on return. False: the deadline passed. */
static bool waitq_sleep(struct lwip_port_waitq *q, spinlock_t *lock, uint64_t deadline)
{
	struct lwip_port_waiter self = { .thread = thread_current() };
	struct lwip_port_waiter **end = &q->head;

	while (*end)
		end = &(*end)->next;
	*end = &self;
	while (!self.woken) {
		int r = sched_sleep(lock, deadline, false);

		spin_lock(lock);
		if (r == -ETIMEDOUT && !self.woken) {
			for (end = &q->head; *end != &self; end = &(*end)->next)
				;
			*end = self.next;
			return false;
		}
	}
	return true;
}

static void waitq_wake_one(struct lwip_port_waitq *q)
{
	struct lwip_port_waiter *w = q->head;

	if (!w)
		return;
	q->head = w->next;
	w->woken = true;
	sched_wake(w->thread);
}

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(clock_ns() / NS_PER_MS);
}

err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	*sem = (sys_sem_t){ .count = count, .valid = true };
	return ERR_OK;
}

void sys_sem_free(sys_sem_t *sem)
{
	sem->valid = false;
}

void sys_sem_signal(sys_sem_t *sem)
{
	unsigned long flags = spin_lock_irqsave(&sem->lock);

	sem->count++;
	waitq_wake_one(&sem->waiters);
	spin_unlock_irqrestore(&sem->lock, flags);
}

u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	uint64_t deadline = deadline_of(timeout);
	unsigned long flags = spin_lock_irqsave(&sem->lock);

	while (!sem->count) {
		if (!waitq_sleep(&sem->waiters, &sem->lock, deadline)) {
			spin_unlock_irqrestore(&sem->lock, flags);
			return SYS_ARCH_TIMEOUT;
		}
	}
	sem->count--;
	spin_unlock_irqrestore(&sem->lock, flags);
	return 0;
}

err_t sys_mutex_new(sys_mutex_t *mutex)
{
	*mutex = (sys_mutex_t){ .valid = true };
	return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *mutex)
{
	mutex->valid = false;
}

void sys_mutex_lock(sys_mutex_t *mutex)
{
	mutex_lock(&mutex->m);
}

void sys_mutex_unlock(sys_mutex_t *mutex)
{
	mutex_unlock(&mutex->m);
}

err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	unsigned n = size > 0 ? (unsigned)size : MBOX_DEFAULT_SIZE;

	*mbox = (sys_mbox_t){ .size = n, .cap = n < MBOX_FIRST_CAP ? n : MBOX_FIRST_CAP };
	mbox->slots = kmalloc(mbox->cap * sizeof(void *));
	if (!mbox->slots)
		return ERR_MEM;
	mbox->valid = true;
	return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mbox)
{
	kfree(mbox->slots);
	mbox->slots = NULL;
	mbox->valid = false;
}

/* With mbox->lock held (*flags from taking it), full at less than its
 * size: grows its ring to the whole size at once, allocating with the
 * lock dropped (sizes between would stay in the heap's small classes once
 * freed; the whole one is pages, which go back). False when there is no
 * memory. */
static bool mbox_grow(sys_mbox_t *mbox, unsigned long *flags)
{
	unsigned cap = mbox->cap, ncap = mbox->size;
	void **slots, **old;

	spin_unlock_irqrestore(&mbox->lock, *flags);
	slots = kmalloc(ncap * sizeof(void *));
	*flags = spin_lock_irqsave(&mbox->lock);
	if (!slots)
		return false;
	old = slots;
	if (mbox->cap == cap) {		/* nobody grew it meanwhile */
		for (unsigned i = 0; i < mbox->count; i++)
			slots[i] = mbox->slots[(mbox->head + i) % cap];
		old = mbox->slots;
		mbox->slots = slots;
		mbox->head = 0;
		mbox->cap = ncap;
	}
	spin_unlock_irqrestore(&mbox->lock, *flags);
	kfree(old);
	*flags = spin_lock_irqsave(&mbox->lock);
	return true;
}

/* With mbox->lock held: adds msg if there is room, growing the ring up to
 * its size first. */
static bool mbox_put(sys_mbox_t *mbox, void *msg, unsigned long *flags)
{
	while (mbox->count == mbox->cap)
		if (mbox->cap == mbox->size || !mbox_grow(mbox, flags))
			return false;
	mbox->slots[(mbox->head + mbox->count++) % mbox->cap] = msg;
	waitq_wake_one(&mbox->readers);
	return true;
}

void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	unsigned long flags = spin_lock_irqsave(&mbox->lock);

	while (!mbox_put(mbox, msg, &flags))
		waitq_sleep(&mbox->writers, &mbox->lock, 0);
	spin_unlock_irqrestore(&mbox->lock, flags);
}

err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	unsigned long flags = spin_lock_irqsave(&mbox->lock);
	bool ok = mbox_put(mbox, msg, &flags);

	spin_unlock_irqrestore(&mbox->lock, flags);
	return ok ? ERR_OK : ERR_MEM;
}

err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

/* With mbox->lock held: takes the oldest message if there is one. */
static bool mbox_take(sys_mbox_t *mbox, void **msg)
{
	void *m;

	if (!mbox->count)
		return false;
	m = mbox->slots[mbox->head];
	mbox->head = (mbox->head + 1) % mbox->cap;
	mbox->count--;
	if (msg)
		*msg = m;
	waitq_wake_one(&mbox->writers);
	return true;
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	uint64_t deadline = deadline_of(timeout);
	unsigned long flags = spin_lock_irqsave(&mbox->lock);

	while (!mbox_take(mbox, msg)) {
		if (!waitq_sleep(&mbox->readers, &mbox->lock, deadline)) {
			spin_unlock_irqrestore(&mbox->lock, flags);
			return SYS_ARCH_TIMEOUT;
		}
	}
	spin_unlock_irqrestore(&mbox->lock, flags);
	return 0;
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	unsigned long flags = spin_lock_irqsave(&mbox->lock);
	bool ok = mbox_take(mbox, msg);

	spin_unlock_irqrestore(&mbox->lock, flags);
	return ok ? 0 : SYS_MBOX_EMPTY;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg,
			    int stacksize, int prio)
{
	struct thread *t = thread_create(fn, arg, THREAD_ANY_CPU);

	(void)stacksize;
	(void)prio;
	if (!t)
		panic("lwip: cannot start the thread %s", name);
	thread_detach(t);
	return t;
}

/* The protection nests (lwIP may take it again inside), so it remembers
 * which CPU holds it; interrupts stay masked meanwhile, so the holder
 * cannot be switched away. */
static spinlock_t prot_lock;
static int prot_cpu = -1;
static unsigned prot_depth;

sys_prot_t sys_arch_protect(void)
{
	unsigned long flags = arch_irq_save();
	int cpu = (int)arch_cpu_index();

	if (__atomic_load_n(&prot_cpu, __ATOMIC_RELAXED) != cpu) {
		spin_lock(&prot_lock);
		__atomic_store_n(&prot_cpu, cpu, __ATOMIC_RELAXED);
	}
	prot_depth++;
	return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
	if (!--prot_depth) {
		__atomic_store_n(&prot_cpu, -1, __ATOMIC_RELAXED);
		spin_unlock(&prot_lock);
	}
	arch_irq_restore(flags);
}

int *lwip_port_errno(void)
{
	return &thread_current()->net_errno;
}

void lwip_port_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void lwip_port_assert(const char *what, const char *file, int line)
{
	panic("lwip: %s (%s:%d)", what, file, line);
}

unsigned lwip_port_rand(void)
{
	unsigned r;

	entropy_random(&r, sizeof(r));
	return r;
}

/* RFC 6528 asks for unpredictable initial sequence numbers: fresh ones
 * from the generator are. */
unsigned lwip_port_tcp_isn(void)
{
	return lwip_port_rand();
}

void *lwip_port_malloc(size_t size)
{
	return kmalloc(size);
}

void *lwip_port_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size);
}

void lwip_port_free(void *p)
{
	kfree(p);
}
