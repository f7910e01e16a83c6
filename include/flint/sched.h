/* The scheduler (kernel/sched.c): per-CPU run queues, round robin with a
 * time slice while more than one thread is runnable, HLT when none is. */
#ifndef FLINT_SCHED_H
#define FLINT_SCHED_H

#include <flint/compiler.h>
#include <flint/sync.h>
#include <flint/thread.h>
#include <stdint.h>

enum thread_state { THREAD_RUNNABLE, THREAD_BLOCKED, THREAD_EXITED };

struct thread {
	uint64_t rsp;			/* saved by arch_switch */
	void *fpu;			/* arch_fpu_size() bytes, aligned */
	void *fpu_block;		/* the allocation fpu lies in */
	void *stack_top;		/* NULL: a boot stack */
	unsigned cpu;
	enum thread_state state;	/* under the CPU's run-queue lock */
	struct thread *next;		/* run queue, wait queue or free list */
	void (*fn)(void *arg);
	void *arg;
	struct semaphore exited;	/* posted once it is off its stack */
	bool detached;			/* reclaimed at exit, not joined */
	bool ending;			/* detached and on its way out (thread_ending) */
	/* User mode (<flint/uspace.h>): loaded by the scheduler on a switch. */
	struct uspace *uspace;		/* NULL: a kernel thread */
	uint64_t fs_base, gs_base;
	void *task;			/* the user layer's own per-thread object */
	/* sched_sleep/sched_interrupt, under the CPU's run-queue lock. */
	bool interruptible;		/* in an interruptible sleep */
	bool interrupted;		/* sched_interrupt since the last clear */
	bool timed_out;			/* the sleep's deadline passed */
	int net_errno;			/* lwIP's socket layer's errno (net/) */
	/* CPU time, under the CPU's run-queue lock: run_ns until run_since,
	 * when it last went on the CPU. */
	uint64_t run_ns, run_since;
};

/* Boot CPU, after SMP: the boot context becomes the thread "main" on CPU
 * 0, the timers start, interrupts are enabled. cpus: how many are online. */
void sched_start(unsigned cpus);

/* An AP after start-up: it waits for sched_start, then idles in the
 * scheduler. */
__noreturn void sched_cpu_entry(void);

unsigned sched_cpus(void);

/* Makes t (THREAD_BLOCKED) runnable on its CPU, by IPI if remote. */
void sched_wake(struct thread *t);

/* The calling thread blocks until sched_wake; interrupts must be masked.
 * release, when not NULL, is unlocked once the thread is marked blocked
 * (so a waker that takes it sees a consistent state). */
void sched_block(spinlock_t *release);

/* Like sched_block, but it also ends at clock_ns() >= deadline (0: none)
 * and, when interruptible, on sched_interrupt. Returns 0 when woken,
 * -ETIMEDOUT, or -EINTR (interruptible, and the thread was interrupted:
 * then it returns at once, and keeps returning -EINTR until
 * sched_clear_interrupt). Wake-ups may be spurious: callers re-check. */
int sched_sleep(spinlock_t *release, uint64_t deadline, bool interruptible);
/* The time t has spent on a CPU, in ns (a thread's CPU-time clock). */
uint64_t sched_run_ns(struct thread *t);
/* Marks t interrupted and wakes it if it is in an interruptible sleep. */
void sched_interrupt(struct thread *t);
void sched_clear_interrupt(void);

/* Interrupt exit (arch trap code): switch threads if the slice ended or
 * an idle CPU got work. */
void sched_irq_exit(void);

/* The wake-up IPI's handler. */
void sched_ipi(void);

/* Between kernel/sched.c and kernel/thread.c: what a new thread does
 * first (releases the run-queue lock the switch held), and a thread
 * structure with its FPU area, with a stack unless it runs on a boot
 * stack, set to start entry. */
void sched_switch_done(void);
struct thread *thread_alloc(void (*entry)(void));
/* t (detached) is ending: it may still run a while on its stack, and
 * new threads wait for it rather than grow the pool (thread_exit says so
 * at the latest; a caller may say it earlier). Then it is off its stack:
 * its joiner may go on, or, detached, it is reclaimed. */
void thread_ending(struct thread *t);
void thread_reap(struct thread *t);

#endif
