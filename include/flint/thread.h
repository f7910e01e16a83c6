/* Kernel threads (kernel/thread.c): each with its own stack and FPU/SSE
 * state, bound for life to one CPU, scheduled by kernel/sched.c. */
#ifndef FLINT_THREAD_H
#define FLINT_THREAD_H

#include <flint/compiler.h>

#define THREAD_ANY_CPU (-1)	/* the CPUs in turn */

struct thread;

/* Starts fn(arg) on CPU cpu (an arch_cpu_index) or THREAD_ANY_CPU.
 * Returns NULL when out of memory or stack slots, or for a CPU not online.
 * Every thread must be joined. */
struct thread *thread_create(void (*fn)(void *arg), void *arg, int cpu);

/* Ends the calling thread (returning from fn does the same). */
__noreturn void thread_exit(void);

/* Waits for t to end and reclaims it. */
void thread_join(struct thread *t);
/* Instead of a join: t (the caller, or one not yet ended) is reclaimed
 * as soon as it ends. */
void thread_detach(struct thread *t);

/* Lets the other runnable threads of this CPU run first. */
void thread_yield(void);

struct thread *thread_current(void);

/* With the test.threads option (kernel/selftest.c): exercise threads,
 * locks and clocks on every CPU, one line per check. */
void thread_selftest(void);

#endif
