/*
 * The scheduler: one run queue per CPU, each under its own spinlock taken
 * with interrupts masked. Threads never change CPU, so a thread's state
 * is only ever changed under its CPU's lock and a switch needs no other.
 * Round robin; while threads wait in a queue, the running one gets a
 * SLICE_NS time slice (a timer, cancelled when it is alone: tickless).
 * A wake-up from another CPU enqueues under the target's lock and sends
 * it an IPI, which ends its HLT or starts its time slice.
 *
 * The run-queue lock is held across arch_switch: the thread switched to
 * releases it (sched_switch_done), so no other CPU can wake a thread that
 * is still on its stack.
 */
#include <flint/arch.h>
#include <flint/errno.h>
#include <flint/irq.h>
#include <flint/panic.h>
#include <flint/platform.h>
#include <flint/sched.h>
#include <flint/timer.h>
#include <flint/uspace.h>

#define SLICE_NS 5000000		/* 5 ms */

struct runqueue {
	spinlock_t lock;
	struct thread *current, *idle;
	struct thread *head, *tail;	/* runnable, waiting for the CPU */
	struct thread *dead;		/* exited; on its stack until the switch */
	struct timer slice;
	bool need_resched;		/* the slice ended */
} __attribute__((aligned(64)));	/* a cache line each */

static struct runqueue rq[PLATFORM_MAX_CPUS];
static unsigned ncpus;
static bool started;

static struct runqueue *this_rq(void)
{
	return &rq[arch_cpu_index()];
}

unsigned sched_cpus(void)
{
	return ncpus;
}

struct thread *thread_current(void)
{
	return this_rq()->current;
}

static void slice_end(void *arg)
{
	((struct runqueue *)arg)->need_resched = true;
}

/* Local only (timers are per CPU); with q->lock held. */
static void start_slice(struct runqueue *q)
{
	if (!q->slice.pending)
		timer_add(&q->slice, clock_ns() + SLICE_NS);
}

static void enqueue(struct runqueue *q, struct thread *t)
{
	t->next = NULL;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static struct thread *dequeue(struct runqueue *q)
{
	struct thread *t = q->head;

	if (t) {
		q->head = t->next;
		if (!q->head)
			q->tail = NULL;
	}
	return t;
}

void sched_switch_done(void)
{
	struct runqueue *q = this_rq();
	struct thread *dead = q->dead;

	q->dead = NULL;
	spin_unlock(&q->lock);
	if (dead)
		thread_reap(dead);
}

/* With q->lock held and interrupts masked; returns with the lock released
 * and interrupts still masked. */
static void schedule(struct runqueue *q)
{
	struct thread *prev = q->current, *next;

	q->need_resched = false;
	if (prev->state == THREAD_RUNNABLE && prev != q->idle)
		enqueue(q, prev);
	next = dequeue(q);
	if (!next)
		next = q->idle;
	timer_cancel(&q->slice);
	if (q->head && next != q->idle)
		start_slice(q);
	if (next != prev) {
		uint64_t now = clock_ns();

		prev->run_ns += now - prev->run_since;
		next->run_since = now;
		q->current = next;
		uspace_switch(next);
		arch_fpu_save(prev->fpu);
		arch_fpu_restore(next->fpu);
		arch_switch(&prev->rsp, next->rsp);
	}
	sched_switch_done();
}

void sched_block(spinlock_t *release)
{
	struct runqueue *q = this_rq();

	spin_lock(&q->lock);
	q->current->state = THREAD_BLOCKED;
	if (release)
		spin_unlock(release);
	schedule(q);
}

/* With q->lock held: t becomes runnable if it is blocked. */
static void wake_locked(struct runqueue *q, struct thread *t)
{
	if (t->state == THREAD_BLOCKED) {
		t->state = THREAD_RUNNABLE;
		enqueue(q, t);
		if (t->cpu != arch_cpu_index())
			arch_cpu_kick(t->cpu);
		else if (q->current != q->idle)
			start_slice(q);
		/* else this CPU's idle loop looks at its queue next */
	}
}

void sched_wake(struct thread *t)
{
	struct runqueue *q = &rq[t->cpu];
	unsigned long flags = spin_lock_irqsave(&q->lock);

	wake_locked(q, t);
	spin_unlock_irqrestore(&q->lock, flags);
}

static void sleep_timeout(void *arg)
{
	struct thread *t = arg;
	struct runqueue *q = &rq[t->cpu];

	spin_lock(&q->lock);		/* a timer runs with interrupts masked */
	t->timed_out = true;
	wake_locked(q, t);
	spin_unlock(&q->lock);
}

int sched_sleep(spinlock_t *release, uint64_t deadline, bool interruptible)
{
	struct runqueue *q = this_rq();
	struct timer timeout = { .fn = sleep_timeout };
	struct thread *self;
	int r;

	spin_lock(&q->lock);
	self = q->current;
	if (interruptible && self->interrupted) {
		spin_unlock(&q->lock);
		if (release)
			spin_unlock(release);
		return -EINTR;
	}
	self->timed_out = false;
	self->interruptible = interruptible;
	self->state = THREAD_BLOCKED;
	if (deadline) {
		timeout.arg = self;
		timer_add(&timeout, deadline);
	}
	if (release)
		spin_unlock(release);
	schedule(q);
	if (deadline)
		timer_cancel(&timeout);
	spin_lock(&q->lock);
	self->interruptible = false;
	r = self->timed_out ? -ETIMEDOUT : interruptible && self->interrupted ? -EINTR : 0;
	spin_unlock(&q->lock);
	return r;
}

uint64_t sched_run_ns(struct thread *t)
{
	struct runqueue *q = &rq[t->cpu];
	unsigned long flags = spin_lock_irqsave(&q->lock);
	uint64_t ns = t->run_ns;

	if (q->current == t)
		ns += clock_ns() - t->run_since;
	spin_unlock_irqrestore(&q->lock, flags);
	return ns;
}

void sched_interrupt(struct thread *t)
{
	struct runqueue *q = &rq[t->cpu];
	unsigned long flags = spin_lock_irqsave(&q->lock);

	t->interrupted = true;
	if (t->interruptible)
		wake_locked(q, t);
	else if (q->current == t && t->cpu != arch_cpu_index())
		arch_cpu_kick(t->cpu);	/* running: its next return to user mode looks */
	spin_unlock_irqrestore(&q->lock, flags);
}

void sched_clear_interrupt(void)
{
	unsigned long flags = arch_irq_save();
	struct runqueue *q = this_rq();

	spin_lock(&q->lock);
	q->current->interrupted = false;
	spin_unlock(&q->lock);
	arch_irq_restore(flags);
}

void thread_yield(void)
{
	unsigned long flags = arch_irq_save();
	struct runqueue *q = this_rq();

	spin_lock(&q->lock);
	schedule(q);
	arch_irq_restore(flags);
}

void thread_exit(void)
{
	struct runqueue *q;

	arch_irq_save();
	q = this_rq();
	spin_lock(&q->lock);
	q->current->state = THREAD_EXITED;
	thread_ending(q->current);
	q->dead = q->current;
	schedule(q);
	panic("sched: an exited thread ran again");
}

void sched_irq_exit(void)
{
	struct runqueue *q = this_rq();

	if (!q->current)
		return;		/* this CPU is not scheduling yet */
	if (!q->need_resched && !(q->current == q->idle && q->head))
		return;
	spin_lock(&q->lock);
	schedule(q);
}

void sched_ipi(void)
{
	struct runqueue *q = this_rq();

	if (!q->current)
		return;
	spin_lock(&q->lock);
	if (q->head && q->current != q->idle)
		start_slice(q);
	spin_unlock(&q->lock);
}

/* HLT with interrupts on whenever the queue is empty; the check and the
 * HLT are atomic (arch_idle), so a wake-up IPI cannot be missed. */
static __noreturn void idle_loop(struct runqueue *q)
{
	for (;;) {
		arch_irq_save();
		spin_lock(&q->lock);
		if (q->head) {
			schedule(q);
			continue;
		}
		spin_unlock(&q->lock);
		arch_idle();
	}
}

static void idle_entry(void)
{
	sched_switch_done();
	idle_loop(this_rq());
}

static void init_rq(struct runqueue *q, struct thread *current, struct thread *idle)
{
	if (!current || !idle)
		panic("sched: no memory for CPU %u's threads", arch_cpu_index());
	current->cpu = idle->cpu = arch_cpu_index();
	current->state = idle->state = THREAD_RUNNABLE;
	spin_lock(&q->lock);	/* other CPUs may be queueing threads here */
	q->slice.fn = slice_end;
	q->slice.arg = q;
	q->idle = idle;
	q->current = current;
	spin_unlock(&q->lock);
}

void sched_start(unsigned cpus)
{
	ncpus = cpus;
	timer_init();
	arch_irq_save();
	init_rq(&rq[0], thread_alloc(NULL), thread_alloc(idle_entry));
	__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	irq_enable();
}

void sched_cpu_entry(void)
{
	struct thread *idle;

	while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	arch_timer_cpu_init();
	idle = thread_alloc(NULL);
	arch_irq_save();
	init_rq(this_rq(), idle, idle);
	idle_loop(this_rq());
}
