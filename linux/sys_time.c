/*
 * Linux's clock calls: clock_gettime and friends, nanosleep and
 * clock_nanosleep, times and getrusage. Every clock is clock_ns()
 * (<flint/timer.h>, nanoseconds since boot) shifted by an offset:
 *
 *   REALTIME, REALTIME_COARSE    the wall clock, read once at the first
 *                                call that needs it, plus clock_ns()
 *   MONOTONIC, MONOTONIC_RAW,
 *   MONOTONIC_COARSE, BOOTTIME   clock_ns() (the VM never suspends)
 *   PROCESS_CPUTIME_ID           the CPU time of the process's threads,
 *                                ended ones included (kernel/sched.c
 *                                counts each thread's time on a CPU)
 *   THREAD_CPUTIME_ID            the calling thread's CPU time
 *
 * CPU time is not split into user and system time: times and getrusage
 * report it all as user time.
 *
 * Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl.
 */
#include <flint/arch.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/timer.h>

#include "linux.h"
#include "mm.h"

/* Clock ids and clock_nanosleep's flag: include/uapi/linux/time.h. */
#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID 3
#define LINUX_CLOCK_MONOTONIC_RAW 4
#define LINUX_CLOCK_REALTIME_COARSE 5
#define LINUX_CLOCK_MONOTONIC_COARSE 6
#define LINUX_CLOCK_BOOTTIME 7
#define LINUX_TIMER_ABSTIME 1

/* getrusage's who: include/uapi/linux/resource.h. */
#define LINUX_RUSAGE_SELF 0
#define LINUX_RUSAGE_CHILDREN (-1)
#define LINUX_RUSAGE_THREAD 1

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_USEC 1000ull
#define USER_HZ 100			/* times()'s ticks a second, as AT_CLKTCK */
#define KIB_PER_PAGE 4			/* ru_maxrss is in KiB */
#define SECS_PER_DAY 86400ull
#define EPOCH_YEAR 1970
#define LAST_YEAR 9999			/* a later RTC year is garbage */
#define NEVER ((uint64_t)INT64_MAX)	/* 292 years of clock_ns() */

/* struct __kernel_timespec: include/uapi/linux/time_types.h. */
struct linux_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* struct __kernel_old_timeval and struct timezone: include/uapi/linux/time.h. */
struct linux_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct linux_timezone {
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
};

/* struct tms (clock_t is long): include/uapi/linux/times.h. */
struct linux_tms {
	int64_t tms_utime, tms_stime, tms_cutime, tms_cstime;
};

/* struct rusage: include/uapi/linux/resource.h. */
struct linux_rusage {
	struct linux_timeval ru_utime, ru_stime;
	int64_t ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt,
		ru_nswap, ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv,
		ru_nsignals, ru_nvcsw, ru_nivcsw;
};
_Static_assert(sizeof(struct linux_rusage) == 144, "struct rusage is 144 bytes");

static bool leap_year(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return days[m - 1] + (m == 2 && leap_year(y));
}

/* Leap years in [1, y). */
static uint64_t leaps_before(unsigned y)
{
	return (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
}

/* A UTC date as seconds since 1970-01-01 00:00:00; false for a date that
 * does not exist or lies outside 1970..9999 (an RTC that was never set). */
static bool date_to_epoch(const struct date *d, uint64_t *secs)
{
	uint64_t days;
	unsigned m;

	if (d->year < EPOCH_YEAR || d->year > LAST_YEAR || d->month < 1 || d->month > 12 ||
	    d->day < 1 || d->day > month_days(d->year, d->month) || d->hour > 23 ||
	    d->min > 59 || d->sec > 59)
		return false;
	days = 365ull * (d->year - EPOCH_YEAR) + leaps_before(d->year) - leaps_before(EPOCH_YEAR);
	for (m = 1; m < d->month; m++)
		days += month_days(d->year, m);
	days += d->day - 1;
	*secs = days * SECS_PER_DAY + d->hour * 3600ull + d->min * 60ull + d->sec;
	return true;
}

/* Realtime minus clock_ns(), from the first reading of the wall clock. With
 * no wall clock (or a nonsense one) the realtime clock starts at the epoch
 * at boot, as a Linux machine without an RTC would. The reading has whole
 * seconds: realtime is off by less than one. */
static struct mutex wall_lock;
static bool wall_known;
static uint64_t wall_offset;

uint64_t realtime_offset_ns(void)
{
	struct date d;
	uint64_t secs, now;

	if (__atomic_load_n(&wall_known, __ATOMIC_ACQUIRE))
		return wall_offset;
	mutex_lock(&wall_lock);
	if (!wall_known) {
		now = clock_ns();
		if (arch_wall_clock(&d) && date_to_epoch(&d, &secs) && secs * NSEC_PER_SEC > now)
			wall_offset = secs * NSEC_PER_SEC - now;
		__atomic_store_n(&wall_known, true, __ATOMIC_RELEASE);
	}
	mutex_unlock(&wall_lock);
	return wall_offset;
}

uint32_t wall_seconds(void)
{
	return (uint32_t)((clock_ns() + realtime_offset_ns()) / NSEC_PER_SEC);
}

uint64_t process_cpu_ns(struct process *p)
{
	uint64_t ns = __atomic_load_n(&p->cpu_ended_ns, __ATOMIC_RELAXED);

	mutex_lock(&p->lock);
	for (struct task *k = p->tasks; k; k = k->next)
		if (k->thread)
			ns += sched_run_ns(k->thread);
	mutex_unlock(&p->lock);
	return ns;
}

/* The offset of clk from clock_ns() (negative for the CPU-time clocks), or
 * -EINVAL for a clock that does not exist. Negative ids (another process's
 * or thread's CPU clock) are not supported. */
static int clock_offset(int clk, int64_t *off)
{
	switch (clk) {
	case LINUX_CLOCK_REALTIME:
	case LINUX_CLOCK_REALTIME_COARSE:
		*off = (int64_t)realtime_offset_ns();
		return 0;
	case LINUX_CLOCK_MONOTONIC:
	case LINUX_CLOCK_MONOTONIC_RAW:
	case LINUX_CLOCK_MONOTONIC_COARSE:
	case LINUX_CLOCK_BOOTTIME:
		/* Uptime, from the boot's first instruction. */
		*off = -(int64_t)clock_boot_ns();
		return 0;
	case LINUX_CLOCK_PROCESS_CPUTIME_ID:
		*off = (int64_t)process_cpu_ns(process_current()) - (int64_t)clock_ns();
		return 0;
	case LINUX_CLOCK_THREAD_CPUTIME_ID:
		*off = (int64_t)sched_run_ns(thread_current()) - (int64_t)clock_ns();
		return 0;
	}
	return -EINVAL;
}

static struct linux_timespec ns_to_timespec(uint64_t ns)
{
	return (struct linux_timespec){ (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
}

/* A timespec from the user as nanoseconds (saturated: far enough in the
 * future is never); false when it is not a valid time. */
static bool timespec_to_ns(const struct linux_timespec *ts, uint64_t *ns)
{
	uint64_t sec = (uint64_t)ts->tv_sec;

	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || (uint64_t)ts->tv_nsec >= NSEC_PER_SEC)
		return false;
	if (sec > (UINT64_MAX - (uint64_t)ts->tv_nsec) / NSEC_PER_SEC)
		*ns = UINT64_MAX;
	else
		*ns = sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return true;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static long sys_clock_gettime(const uint64_t a[6])
{
	struct linux_timespec ts;
	int64_t off;
	int err = clock_offset((int)a[0], &off);

	if (err)
		return err;
	ts = ns_to_timespec(clock_ns() + (uint64_t)off);
	return copy_to_user((void *)a[1], &ts, sizeof(ts));
}
SYSCALL(228, "clock_gettime", "dp", sys_clock_gettime);

/* Every clock reads the cycle counter through clock_ns(): 1 ns steps. */
static long sys_clock_getres(const uint64_t a[6])
{
	const struct linux_timespec res = { 0, 1 };
	int64_t off;
	int err = clock_offset((int)a[0], &off);

	if (err || !a[1])
		return err;
	return copy_to_user((void *)a[1], &res, sizeof(res));
}
SYSCALL(229, "clock_getres", "dp", sys_clock_getres);

static long sys_gettimeofday(const uint64_t a[6])
{
	const struct linux_timezone utc = { 0, 0 };
	uint64_t ns = clock_ns() + realtime_offset_ns();
	struct linux_timeval tv = { (int64_t)(ns / NSEC_PER_SEC),
				    (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC) };

	if (a[0] && copy_to_user((void *)a[0], &tv, sizeof(tv)))
		return -EFAULT;
	if (a[1] && copy_to_user((void *)a[1], &utc, sizeof(utc)))
		return -EFAULT;
	return 0;
}
SYSCALL(96, "gettimeofday", "pp", sys_gettimeofday);

static long sys_time(const uint64_t a[6])
{
	int64_t secs = (int64_t)((clock_ns() + realtime_offset_ns()) / NSEC_PER_SEC);

	if (a[0] && copy_to_user((void *)a[0], &secs, sizeof(secs)))
		return -EFAULT;
	return secs;
}
SYSCALL(201, "time", "p", sys_time);

/* The clocks cannot be set: the program does not own the machine's time. */
static long sys_settimeofday(const uint64_t a[6])
{
	(void)a;
	return -EPERM;
}
SYSCALL(164, "settimeofday", "pp", sys_settimeofday);

static long sys_clock_settime(const uint64_t a[6])
{
	(void)a;
	return -EPERM;
}
SYSCALL(227, "clock_settime", "dp", sys_clock_settime);

/* Sleeps until clock_ns() reaches deadline: 0, or -EINTR when a signal the
 * task does not block arrives first. The sleep's interrupted mark is
 * cleared before the pending signals are looked at, so a signal sent at
 * any point either is seen or ends the next sleep at once. A deadline
 * centuries away is passed as none, so no timer code has to convert it. */
static int sleep_until(uint64_t deadline)
{
	unsigned long flags;

	while (clock_ns() < deadline) {
		if (signal_pending())
			return -EINTR;
		flags = arch_irq_save();
		if (sched_sleep(NULL, deadline < NEVER ? deadline : 0, true) == -EINTR)
			sched_clear_interrupt();
		arch_irq_restore(flags);
	}
	return 0;
}

/* The clocks a sleep can be measured on, as Linux: the CPU-time clocks
 * other than the process's have no sleep (-EINVAL), the raw and coarse
 * ones no timer (-EOPNOTSUPP). */
static int sleep_clock(int clk, int64_t *off)
{
	switch (clk) {
	case LINUX_CLOCK_REALTIME:
	case LINUX_CLOCK_MONOTONIC:
	case LINUX_CLOCK_BOOTTIME:
	case LINUX_CLOCK_PROCESS_CPUTIME_ID:
		return clock_offset(clk, off);
	case LINUX_CLOCK_MONOTONIC_RAW:
	case LINUX_CLOCK_REALTIME_COARSE:
	case LINUX_CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;
	}
	return -EINVAL;
}

/* When clock_ns() reaches the time ns on a clock off ahead of it (0: past). */
static uint64_t abs_deadline(uint64_t ns, int64_t off)
{
	if (off < 0)
		return add_sat(ns, (uint64_t)-off);
	return ns > (uint64_t)off ? ns - (uint64_t)off : 0;
}

/* nanosleep and clock_nanosleep: an interrupted relative sleep writes the
 * time it had left to urem (when not NULL). */
static long do_sleep(int clk, int flags, uint64_t ureq, uint64_t urem)
{
	struct linux_timespec ts;
	uint64_t ns, now, deadline;
	int64_t off;
	int err = sleep_clock(clk, &off);

	if (err)
		return err;
	if (copy_from_user(&ts, (const void *)ureq, sizeof(ts)))
		return -EFAULT;
	if (!timespec_to_ns(&ts, &ns))
		return -EINVAL;
	if (flags & LINUX_TIMER_ABSTIME)
		deadline = abs_deadline(ns, off);
	else
		deadline = add_sat(clock_ns(), ns);
	if (!sleep_until(deadline))
		return 0;
	if (!(flags & LINUX_TIMER_ABSTIME) && urem) {
		now = clock_ns();
		ts = ns_to_timespec(deadline > now ? deadline - now : 0);
		if (copy_to_user((void *)urem, &ts, sizeof(ts)))
			return -EFAULT;
	}
	return -EINTR;
}

static long sys_nanosleep(const uint64_t a[6])
{
	return do_sleep(LINUX_CLOCK_MONOTONIC, 0, a[0], a[1]);
}
SYSCALL(35, "nanosleep", "pp", sys_nanosleep);

static long sys_clock_nanosleep(const uint64_t a[6])
{
	return do_sleep((int)a[0], (int)a[1], a[2], a[3]);
}
SYSCALL(230, "clock_nanosleep", "dxpp", sys_clock_nanosleep);

/* CPU time is all user time (see the top); the children's is that of
 * the children reaped. */
static long sys_times(const uint64_t a[6])
{
	const uint64_t ns_per_tick = NSEC_PER_SEC / USER_HZ;
	struct process *p = process_current();
	struct linux_tms t = {
		.tms_utime = (int64_t)(process_cpu_ns(p) / ns_per_tick),
		.tms_cutime = (int64_t)(__atomic_load_n(&p->cpu_children_ns, __ATOMIC_RELAXED) /
					ns_per_tick),
	};

	if (a[0] && copy_to_user((void *)a[0], &t, sizeof(t)))
		return -EFAULT;
	return (long)(clock_ns() / ns_per_tick);
}
SYSCALL(100, "times", "p", sys_times);

/* As times: CPU time is user time; ru_maxrss is the pages mapped now, not
 * the peak (0 for the children). The counters (faults, switches, I/O) are
 * not kept: 0. */
static long sys_getrusage(const uint64_t a[6])
{
	struct process *p = process_current();
	struct linux_rusage ru;
	uint64_t ns;

	memset(&ru, 0, sizeof(ru));
	switch ((int)a[0]) {
	case LINUX_RUSAGE_SELF:
		ns = process_cpu_ns(p);
		break;
	case LINUX_RUSAGE_THREAD:
		ns = sched_run_ns(thread_current());
		break;
	case LINUX_RUSAGE_CHILDREN:
		ns = __atomic_load_n(&p->cpu_children_ns, __ATOMIC_RELAXED);
		break;
	default:
		return -EINVAL;
	}
	ru.ru_utime.tv_sec = (int64_t)(ns / NSEC_PER_SEC);
	ru.ru_utime.tv_usec = (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC);
	if ((int)a[0] != LINUX_RUSAGE_CHILDREN)
		ru.ru_maxrss = (int64_t)(mm_pages(p->mm) * KIB_PER_PAGE);
	return copy_to_user((void *)a[1], &ru, sizeof(ru));
}
SYSCALL(98, "getrusage", "dp", sys_getrusage);
