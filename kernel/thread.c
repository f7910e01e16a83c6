/*
 * Thread life cycle. Stacks come from the arch stack area, slots
 * FIRST_SLOT and up (1..63 are the AP boot stacks); a joined thread's
 * structure, stack and FPU area go on a free list for the next thread, as
 * the stack area has no way to unmap.
 */
#include <arch/paging.h>
#include <flint/arch.h>
#include <flint/heap.h>
#include <flint/irq.h>
#include <flint/sched.h>
#include <flint/string.h>

#define STACK_SIZE 16384
#define FIRST_SLOT 64
/* The stack area (PML4 slot 510, 512 GiB in 64 KiB slots) has room for
 * millions; this bounds what a runaway creator can take. */
#define MAX_THREAD_STACKS 4096
#define FPU_ALIGN 64			/* XSAVE's alignment (SDM vol. 1 §13.4) */

static spinlock_t free_lock;
static struct thread *free_threads;
/* Detached threads that have ended but are still on their stacks: they
 * join the free list in a moment. */
static unsigned detached_ending;
static unsigned next_slot = FIRST_SLOT;

static struct thread *new_thread(bool stack)
{
	struct thread *t = kzalloc(sizeof(*t));
	unsigned long flags;

	if (!t)
		return NULL;
	t->fpu_block = kmalloc(arch_fpu_size() + FPU_ALIGN - 1);
	if (!t->fpu_block) {
		kfree(t);
		return NULL;
	}
	t->fpu = (void *)(((uintptr_t)t->fpu_block + FPU_ALIGN - 1) & ~(uintptr_t)(FPU_ALIGN - 1));
	if (!stack)
		return t;
	/* The page-table walk that maps the stack is not safe to run twice
	 * at once. */
	flags = spin_lock_irqsave(&free_lock);
	if (next_slot < FIRST_SLOT + MAX_THREAD_STACKS)
		t->stack_top = arch_alloc_stack(next_slot++, STACK_SIZE);
	spin_unlock_irqrestore(&free_lock, flags);
	if (!t->stack_top) {
		kfree(t->fpu_block);
		kfree(t);
		return NULL;
	}
	return t;
}

struct thread *thread_alloc(void (*entry)(void))
{
	struct thread *t = NULL;
	unsigned long flags;

	/* A thread about to be recycled is waited for rather than a new
	 * stack made: the pool then stays as big as the most threads alive
	 * at once, and memory returns to what it was when they are gone. */
	while (entry && !__atomic_load_n(&free_threads, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&detached_ending, __ATOMIC_ACQUIRE))
		thread_yield();
	if (entry) {
		flags = spin_lock_irqsave(&free_lock);
		t = free_threads;
		if (t)
			free_threads = t->next;
		spin_unlock_irqrestore(&free_lock, flags);
	}
	if (!t)
		t = new_thread(entry != NULL);
	if (!t)
		return NULL;
	arch_fpu_init(t->fpu);
	sem_init(&t->exited, 0);
	t->next = NULL;
	t->detached = false;
	t->ending = false;
	t->uspace = NULL;
	t->fs_base = t->gs_base = 0;
	t->task = NULL;
	t->interrupted = false;
	t->state = THREAD_BLOCKED;
	if (entry)
		t->rsp = arch_new_context(t->stack_top, entry);
	return t;
}

static void thread_entry(void)
{
	struct thread *t;

	sched_switch_done();
	irq_enable();
	t = thread_current();
	t->fn(t->arg);
	thread_exit();
}

struct thread *thread_create(void (*fn)(void *arg), void *arg, int cpu)
{
	static unsigned turn;
	struct thread *t;

	if (cpu == THREAD_ANY_CPU)
		cpu = (int)(__atomic_fetch_add(&turn, 1, __ATOMIC_RELAXED) % sched_cpus());
	if (cpu < 0 || (unsigned)cpu >= sched_cpus())
		return NULL;
	t = thread_alloc(thread_entry);
	if (!t)
		return NULL;
	t->cpu = (unsigned)cpu;
	t->fn = fn;
	t->arg = arg;
	sched_wake(t);
	return t;
}

static void recycle(struct thread *t)
{
	unsigned long flags = spin_lock_irqsave(&free_lock);

	t->next = free_threads;
	free_threads = t;
	spin_unlock_irqrestore(&free_lock, flags);
}

void thread_join(struct thread *t)
{
	sem_wait(&t->exited);
	recycle(t);
}

void thread_detach(struct thread *t)
{
	t->detached = true;
}

void thread_ending(struct thread *t)
{
	if (t->detached && !t->ending) {
		t->ending = true;
		__atomic_add_fetch(&detached_ending, 1, __ATOMIC_RELEASE);
	}
}

void thread_reap(struct thread *t)
{
	if (t->detached) {
		bool counted = t->ending;

		recycle(t);
		if (counted)
			__atomic_sub_fetch(&detached_ending, 1, __ATOMIC_RELEASE);
	} else {
		sem_post(&t->exited);
	}
}
