/*
 * Timers of programs (linux/timer_posix.c): alarm, the interval timers,
 * POSIX timers and timerfd all run on one kernel thread that sleeps until
 * the first deadline and then calls the expired timers' fire function in
 * thread context, where signals can be sent and locks taken.
 */
#ifndef LINUX_UTIMER_H
#define LINUX_UTIMER_H

#include <stdbool.h>
#include <stdint.h>

struct utimer {
	/* Under the timers' lock: */
	uint64_t deadline;		/* clock_ns(); 0: disarmed */
	uint64_t interval;		/* ns between expirations; 0: once */
	struct utimer *next;		/* the armed list, by deadline */
	/* Called on the timers' thread with count expirations (more than
	 * one when the thread ran late for a periodic timer). */
	void (*fire)(struct utimer *u, uint64_t count);
	struct utimer *fired_next;	/* the firing pass's list */
	uint64_t fired_count;
};

/* Arms u for deadline (clock_ns(); 0 disarms) then every interval ns, and
 * gives the time it had left (0: it was disarmed) and its interval. */
void utimer_set(struct utimer *u, uint64_t deadline, uint64_t interval, uint64_t *old_left,
		uint64_t *old_interval);
void utimer_get(struct utimer *u, uint64_t *left, uint64_t *interval);
/* Disarms u and waits for a fire function running on it: then u may be
 * freed. Not with locks held that a fire function takes. */
void utimer_stop(struct utimer *u);

/* The clocks timers measure (CLOCK_REALTIME, CLOCK_MONOTONIC,
 * CLOCK_BOOTTIME): 0 and *off, the clock's value less clock_ns(), or
 * -EINVAL. */
int utimer_clock(int clk, int64_t *off);

/* The process's timers end with it (linux/process.c). */
struct process;
void utimers_exit(struct process *p);

#endif
