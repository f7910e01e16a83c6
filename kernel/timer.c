/*
 * Timers: each CPU keeps its own sorted list and programs its one-shot
 * timer for the head only. Lists are touched by their own CPU alone, with
 * interrupts masked, so they need no lock.
 */
#include <flint/arch.h>
#include <flint/bootchart.h>
#include <flint/panic.h>
#include <flint/platform.h>
#include <flint/sched.h>
#include <flint/timer.h>

#define NS_PER_MS 1000000ull

static struct timer *queue[PLATFORM_MAX_CPUS];

void timer_init(void)
{
	arch_clock_freeze();
	arch_timer_init();
	arch_timer_cpu_init();
}

/* Split so that cycles * 10^6 cannot overflow on long uptimes. */
uint64_t cycles_to_ns(uint64_t c)
{
	uint64_t khz = arch_cycles_khz();

	return c / khz * NS_PER_MS + c % khz * NS_PER_MS / khz;
}

uint64_t clock_ns(void)
{
	return cycles_to_ns(arch_cycles());
}

uint64_t clock_boot_ns(void)
{
	return cycles_to_ns(bootchart_begin_cycles());
}

static uint64_t ns_to_cycles(uint64_t ns)
{
	uint64_t khz = arch_cycles_khz();

	return ns / NS_PER_MS * khz + ns % NS_PER_MS * khz / NS_PER_MS;
}

static void program(struct timer *head)
{
	if (head)
		arch_timer_arm(ns_to_cycles(head->deadline));
	else
		arch_timer_stop();
}

void timer_add(struct timer *t, uint64_t deadline)
{
	unsigned long flags = arch_irq_save();
	struct timer **p = &queue[arch_cpu_index()];

	if (t->pending)
		panic("timer: %p queued twice", (void *)t);
	t->deadline = deadline;
	t->pending = true;
	while (*p && (*p)->deadline <= deadline)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	if (queue[arch_cpu_index()] == t)
		program(t);
	arch_irq_restore(flags);
}

void timer_cancel(struct timer *t)
{
	unsigned long flags = arch_irq_save();
	struct timer **head = &queue[arch_cpu_index()];

	if (t->pending) {
		struct timer **p = head;
		bool first = *head == t;

		while (*p != t)
			p = &(*p)->next;
		*p = t->next;
		t->pending = false;
		if (first)
			program(*head);
	}
	arch_irq_restore(flags);
}

/* An early interrupt (the one-shot count is rounded) runs nothing and
 * re-arms: a timer never fires before its deadline. */
void timer_interrupt(void)
{
	struct timer **head = &queue[arch_cpu_index()];
	uint64_t now = clock_ns();

	while (*head && (*head)->deadline <= now) {
		struct timer *t = *head;

		*head = t->next;
		t->pending = false;
		t->fn(t->arg);
	}
	program(*head);
}

static void wake(void *thread)
{
	sched_wake(thread);
}

void sleep_ns(uint64_t ns)
{
	struct timer t = { .fn = wake, .arg = thread_current() };
	unsigned long flags = arch_irq_save();

	/* Interrupts stay masked until the thread is off the CPU: the timer,
	 * which fires on this CPU, cannot wake it before it sleeps. */
	timer_add(&t, clock_ns() + ns);
	sched_block(NULL);
	arch_irq_restore(flags);
}

void sleep_us(uint64_t us)
{
	sleep_ns(us * 1000);
}
