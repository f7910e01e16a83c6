/* Time (kernel/timer.c): a monotonic clock in nanoseconds from the cycle
 * counter, and per-CPU one-shot timers that program only the next
 * deadline, so an idle CPU gets no periodic interrupt. */
#ifndef FLINT_TIMER_H
#define FLINT_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct timer {
	uint64_t deadline;		/* clock_ns() value */
	void (*fn)(void *arg);		/* in interrupt context */
	void *arg;
	struct timer *next;
	bool pending;
};

/* Boot CPU, at scheduler start: fixes the clock rate, picks the timer mode. */
void timer_init(void);

/* Nanoseconds since the cycle counter started. */
uint64_t clock_ns(void);
uint64_t cycles_to_ns(uint64_t cycles);
/* clock_ns() at the boot's first instruction: uptime is measured from it. */
uint64_t clock_boot_ns(void);

/* Queue t on the calling CPU for deadline (ns); it fires there. Cancel
 * from that CPU too. Both may be called with interrupts on or off. */
void timer_add(struct timer *t, uint64_t deadline);
void timer_cancel(struct timer *t);

/* The arch timer's interrupt: runs the due timers, arms the next. */
void timer_interrupt(void);

/* Block the calling thread for at least that long. */
void sleep_ns(uint64_t ns);
void sleep_us(uint64_t us);

#endif
