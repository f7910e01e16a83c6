/*
 * Timers of programs: the timers' thread (linux/utimer.h), alarm and the
 * interval timers (setitimer/getitimer), and POSIX timers (timer_create
 * and friends).
 *
 * Every timer measures clock_ns(): CLOCK_REALTIME's absolute times are
 * turned into a deadline when they are set (a later settimeofday does
 * not move them). ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU
 * time (linux/sys_time.c's, user and system alike): the thread sleeps
 * until the earliest moment the time could be used up and, where it is
 * not yet, again for what is left. POSIX timers on the CPU-time clocks
 * count elapsed time from the moment they are set. A POSIX timer's
 * signal carries SI_TIMER, the timer id, overrun and si_value
 * (signal_send_info); timer_getoverrun counts the expirations the last
 * signal stood for beyond the first, not those while it was pending.
 *
 * Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl.
 */
#include <flint/arch.h>
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/thread.h>
#include <flint/timer.h>

#include "linux.h"
#include "utimer.h"

/* Clock ids: include/uapi/linux/time.h. */
#define LINUX_CLOCK_REALTIME 0
#define LINUX_CLOCK_MONOTONIC 1
#define LINUX_CLOCK_PROCESS_CPUTIME_ID 2
#define LINUX_CLOCK_THREAD_CPUTIME_ID 3
#define LINUX_CLOCK_BOOTTIME 7
#define LINUX_TIMER_ABSTIME 1

/* setitimer's which (include/uapi/linux/time.h) and their signals
 * (arch/x86/include/uapi/asm/signal.h). */
#define LINUX_ITIMER_REAL 0
#define LINUX_ITIMER_VIRTUAL 1
#define LINUX_ITIMER_PROF 2
#define ITIMERS 3
#define LINUX_SIGALRM 14
#define LINUX_SIGVTALRM 26
#define LINUX_SIGPROF 27

/* sigev_notify (include/uapi/asm-generic/siginfo.h). */
#define LINUX_SIGEV_SIGNAL 0
#define LINUX_SIGEV_NONE 1
#define LINUX_SIGEV_THREAD 2
#define LINUX_SIGEV_THREAD_ID 4

/* The most POSIX timers a process has here (Linux's limit is
 * RLIMIT_SIGPENDING): timer_create then fails with EAGAIN. */
#define PTIMERS_MAX 64
/* timer_getoverrun's ceiling (DELAYTIMER_MAX, include/linux/posix-timers.h). */
#define DELAYTIMER_MAX 0x7fffffff

/* A timer's siginfo_t (include/uapi/asm-generic/siginfo.h): si_code
 * SI_TIMER, then _timer's tid, overrun and sigval in the union at 16. */
#define SIGINFO_BYTES 128
#define SI_CODE 8
#define SI_TIMER (-2)
#define SI_TIMERID 16
#define SI_OVERRUN 20
#define SI_VALUE 24

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_USEC 1000ull
#define USEC_PER_SEC 1000000ull
#define HALF_SEC_USEC 500000		/* alarm rounds its old time to the nearest second */

/*
 * The timers' thread.
 */
static spinlock_t ut_lock;		/* the armed list and every deadline */
static struct mutex ut_firing;		/* held while fire functions run */
static struct utimer *armed;
static struct thread *ut_thread;
static struct mutex ut_start;
static bool ut_sleeping;		/* in its sleep: only then may it be woken */

static void list_remove(struct utimer *u)
{
	struct utimer **p = &armed;

	while (*p && *p != u)
		p = &(*p)->next;
	if (*p)
		*p = u->next;
}

static void list_insert(struct utimer *u)
{
	struct utimer **p = &armed;

	while (*p && (*p)->deadline <= u->deadline)
		p = &(*p)->next;
	u->next = *p;
	*p = u;
}

/* Under ut_lock: takes the expired timers off the list (periodic ones
 * back at their next deadline) onto a list of their own. */
static struct utimer *take_expired(uint64_t now)
{
	struct utimer *fired = NULL;

	while (armed && armed->deadline <= now) {
		struct utimer *u = armed;
		uint64_t count = 1;

		armed = u->next;
		if (u->interval) {
			count += (now - u->deadline) / u->interval;
			u->deadline += count * u->interval;
			list_insert(u);
		} else {
			u->deadline = 0;
		}
		u->fired_count = count;
		u->fired_next = fired;
		fired = u;
	}
	return fired;
}

static void ut_main(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long flags;
		struct utimer *fired;

		mutex_lock(&ut_firing);
		flags = spin_lock_irqsave(&ut_lock);
		fired = take_expired(clock_ns());
		if (!fired) {
			mutex_unlock(&ut_firing);
			ut_sleeping = true;
			sched_sleep(&ut_lock, armed ? armed->deadline : 0, false);
			spin_lock(&ut_lock);
			ut_sleeping = false;
			spin_unlock_irqrestore(&ut_lock, flags);
			continue;
		}
		spin_unlock_irqrestore(&ut_lock, flags);
		for (; fired; fired = fired->fired_next)
			fired->fire(fired, fired->fired_count);
		mutex_unlock(&ut_firing);
	}
}

/* The thread starts with the first timer set; it never ends. */
static void ut_begin(void)
{
	if (__atomic_load_n(&ut_thread, __ATOMIC_ACQUIRE))
		return;
	mutex_lock(&ut_start);
	if (!ut_thread) {
		struct thread *t = thread_create(ut_main, NULL, THREAD_ANY_CPU);

		if (t)
			thread_detach(t);
		__atomic_store_n(&ut_thread, t, __ATOMIC_RELEASE);
	}
	mutex_unlock(&ut_start);
}

static uint64_t left_at(const struct utimer *u, uint64_t now)
{
	if (!u->deadline)
		return 0;
	/* Due but not fired yet: it still has a moment, as Linux says. */
	return u->deadline > now ? u->deadline - now : 1;
}

void utimer_set(struct utimer *u, uint64_t deadline, uint64_t interval, uint64_t *old_left,
		uint64_t *old_interval)
{
	unsigned long flags;

	ut_begin();
	flags = spin_lock_irqsave(&ut_lock);
	if (old_left)
		*old_left = left_at(u, clock_ns());
	if (old_interval)
		*old_interval = u->interval;
	if (u->deadline)
		list_remove(u);
	u->deadline = deadline;
	u->interval = deadline ? interval : 0;
	if (deadline)
		list_insert(u);
	/* Under the lock, so that it cannot have left its sleep for another
	 * (a mutex's) that a wake-up would upset. */
	if (deadline && armed == u && ut_sleeping)
		sched_wake(ut_thread);
	spin_unlock_irqrestore(&ut_lock, flags);
}

void utimer_get(struct utimer *u, uint64_t *left, uint64_t *interval)
{
	unsigned long flags = spin_lock_irqsave(&ut_lock);

	*left = left_at(u, clock_ns());
	*interval = u->interval;
	spin_unlock_irqrestore(&ut_lock, flags);
}

void utimer_stop(struct utimer *u)
{
	mutex_lock(&ut_firing);
	utimer_set(u, 0, 0, NULL, NULL);
	mutex_unlock(&ut_firing);
}

int utimer_clock(int clk, int64_t *off)
{
	switch (clk) {
	case LINUX_CLOCK_REALTIME:
		*off = (int64_t)realtime_offset_ns();
		return 0;
	case LINUX_CLOCK_MONOTONIC:
	case LINUX_CLOCK_BOOTTIME:
		*off = -(int64_t)clock_boot_ns();
		return 0;
	}
	return -EINVAL;
}

/*
 * Each process's timers, found by the process: a short list, as few
 * processes have any.
 */
struct ptimer {
	struct utimer u;
	struct process *proc;
	int signo, notify, tid;
	int64_t clock_off;
	uint64_t overrun;
	/* ITIMER_VIRTUAL and ITIMER_PROF, under ut_firing: the process CPU
	 * time of the next expiry (0: disarmed) and the interval. */
	bool cpu;
	uint64_t cpu_due, cpu_interval;
	/* A POSIX timer's id (-1: an itimer) and sigev_value, for its siginfo. */
	int id;
	uint64_t value;
};

struct ptimers {
	struct process *proc;
	struct ptimers *next;
	struct ptimer itimer[ITIMERS];
	struct ptimer *posix[PTIMERS_MAX];
	struct mutex lock;		/* posix[] */
};

static struct mutex table_lock;
static struct ptimers *table;

/* A CPU-time timer's due time came on the wall clock: expired when the
 * process had that much CPU time (then its expirations), else 0 and
 * the timer waits for the rest. */
static uint64_t cpu_expired(struct ptimer *t)
{
	uint64_t used = process_cpu_ns(t->proc), n = 1;

	if (!t->cpu_due)
		return 0;
	if (used < t->cpu_due) {
		utimer_set(&t->u, clock_ns() + (t->cpu_due - used), 0, NULL, NULL);
		return 0;
	}
	if (!t->cpu_interval) {
		t->cpu_due = 0;
		return 1;
	}
	n += (used - t->cpu_due) / t->cpu_interval;
	t->cpu_due += n * t->cpu_interval;
	utimer_set(&t->u, clock_ns() + (t->cpu_due - used), 0, NULL, NULL);
	return n;
}

/* A POSIX timer's signal, to k or (NULL) the process. */
static void ptimer_signal(struct ptimer *t, struct task *k)
{
	uint8_t info[SIGINFO_BYTES] = { 0 };
	int32_t code = SI_TIMER, overrun = t->overrun > DELAYTIMER_MAX ? DELAYTIMER_MAX :
					   (int32_t)t->overrun;

	memcpy(info + SI_CODE, &code, sizeof(code));
	memcpy(info + SI_TIMERID, &t->id, sizeof(t->id));
	memcpy(info + SI_OVERRUN, &overrun, sizeof(overrun));
	memcpy(info + SI_VALUE, &t->value, sizeof(t->value));
	signal_send_info(t->proc, k, t->signo, info);
}

static void ptimer_fire(struct utimer *u, uint64_t count)
{
	struct ptimer *t = (struct ptimer *)u;
	struct task *k;

	if (t->cpu && !(count = cpu_expired(t)))
		return;
	t->overrun = count - 1;
	if (t->notify == LINUX_SIGEV_NONE)
		return;
	k = (t->notify & LINUX_SIGEV_THREAD_ID) ? task_find(t->proc, t->tid) : NULL;
	if ((t->notify & LINUX_SIGEV_THREAD_ID) && !k)
		return;
	if (t->id < 0) {
		/* An itimer: a plain signal, as the kernel's own. */
		if (k)
			signal_send_task(k, t->signo);
		else
			signal_send_process(t->proc, t->signo);
		return;
	}
	ptimer_signal(t, k);
}

static const int itimer_signal[ITIMERS] = {
	[LINUX_ITIMER_REAL] = LINUX_SIGALRM,
	[LINUX_ITIMER_VIRTUAL] = LINUX_SIGVTALRM,
	[LINUX_ITIMER_PROF] = LINUX_SIGPROF,
};

/* The caller's timers, made on first use when make (NULL: none, or out
 * of memory). */
static struct ptimers *own_timers(bool make)
{
	struct process *p = process_current();
	struct ptimers *pt;

	mutex_lock(&table_lock);
	for (pt = table; pt && pt->proc != p; pt = pt->next)
		;
	if (!pt && make) {
		pt = kzalloc(sizeof(*pt));
		if (pt) {
			pt->proc = p;
			for (int i = 0; i < ITIMERS; i++) {
				pt->itimer[i].u.fire = ptimer_fire;
				pt->itimer[i].proc = p;
				pt->itimer[i].signo = itimer_signal[i];
				pt->itimer[i].notify = LINUX_SIGEV_SIGNAL;
				pt->itimer[i].cpu = i != LINUX_ITIMER_REAL;
				pt->itimer[i].id = -1;
			}
			pt->next = table;
			table = pt;
		}
	}
	mutex_unlock(&table_lock);
	return pt;
}

void utimers_exit(struct process *p)
{
	struct ptimers **link, *pt;

	mutex_lock(&table_lock);
	for (link = &table; *link && (*link)->proc != p; link = &(*link)->next)
		;
	pt = *link;
	if (pt)
		*link = pt->next;
	mutex_unlock(&table_lock);
	if (!pt)
		return;
	for (int i = 0; i < ITIMERS; i++)
		utimer_stop(&pt->itimer[i].u);
	for (int i = 0; i < PTIMERS_MAX; i++) {
		if (pt->posix[i]) {
			utimer_stop(&pt->posix[i]->u);
			kfree(pt->posix[i]);
		}
	}
	kfree(pt);
}

/*
 * alarm, setitimer, getitimer.
 */
/* struct __kernel_old_timeval and struct itimerval: include/uapi/linux/time.h. */
struct linux_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct linux_itimerval {
	struct linux_timeval interval;
	struct linux_timeval value;
};

static struct linux_timeval ns_to_timeval(uint64_t ns)
{
	return (struct linux_timeval){ (int64_t)(ns / NSEC_PER_SEC),
				       (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC) };
}

static bool timeval_to_ns(const struct linux_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || (uint64_t)tv->tv_usec >= USEC_PER_SEC)
		return false;
	if ((uint64_t)tv->tv_sec > UINT64_MAX / NSEC_PER_SEC / 2)
		*ns = UINT64_MAX / 2;	/* never, in practice */
	else
		*ns = (uint64_t)tv->tv_sec * NSEC_PER_SEC + (uint64_t)tv->tv_usec * NSEC_PER_USEC;
	return true;
}

/* Sets itimer which to value then interval (ns; value 0 disarms) and
 * gives the old setting. -ENOMEM without room for the timers. */
static int itimer_set(int which, uint64_t value, uint64_t interval, uint64_t *old_value,
		      uint64_t *old_interval)
{
	struct ptimers *pt = own_timers(value != 0);

	struct ptimer *t;
	uint64_t used;

	if (!pt) {
		*old_value = *old_interval = 0;
		return value ? -ENOMEM : 0;
	}
	t = &pt->itimer[which];
	if (!t->cpu) {
		utimer_set(&t->u, value ? clock_ns() + value : 0, interval, old_value, old_interval);
		return 0;
	}
	used = process_cpu_ns(t->proc);
	mutex_lock(&ut_firing);
	*old_value = t->cpu_due ? (t->cpu_due > used ? t->cpu_due - used : 1) : 0;
	*old_interval = t->cpu_interval;
	t->cpu_due = value ? used + value : 0;
	t->cpu_interval = value ? interval : 0;
	/* The earliest it can be used up: all of the time on a CPU. */
	utimer_set(&t->u, value ? clock_ns() + value : 0, 0, NULL, NULL);
	mutex_unlock(&ut_firing);
	return 0;
}

/* An itimer's setting: the time left and the interval. */
static void itimer_get(struct ptimer *t, uint64_t *left, uint64_t *interval)
{
	uint64_t used;

	if (!t->cpu) {
		utimer_get(&t->u, left, interval);
		return;
	}
	used = process_cpu_ns(t->proc);
	mutex_lock(&ut_firing);
	*left = t->cpu_due ? (t->cpu_due > used ? t->cpu_due - used : 1) : 0;
	*interval = t->cpu_interval;
	mutex_unlock(&ut_firing);
}

static long sys_alarm(const uint64_t a[6])
{
	uint64_t left, interval;
	struct linux_timeval tv;
	unsigned secs = (unsigned)a[0];

	if (itimer_set(LINUX_ITIMER_REAL, secs * NSEC_PER_SEC, 0, &left, &interval))
		return 0;
	tv = ns_to_timeval(left);
	/* kernel/time/itimer.c: rounded to the nearest second, never 0 while set. */
	if ((!tv.tv_sec && tv.tv_usec) || tv.tv_usec >= HALF_SEC_USEC)
		tv.tv_sec++;
	return (long)tv.tv_sec;
}
SYSCALL(37, "alarm", "u", sys_alarm);

static long sys_getitimer(const uint64_t a[6])
{
	int which = (int)a[0];
	struct linux_itimerval it = { 0 };
	struct ptimers *pt;
	uint64_t left = 0, interval = 0;

	if (which < 0 || which >= ITIMERS)
		return -EINVAL;
	pt = own_timers(false);
	if (pt)
		itimer_get(&pt->itimer[which], &left, &interval);
	if (left && left < NSEC_PER_USEC)
		left = NSEC_PER_USEC;	/* set shows as set */
	it.value = ns_to_timeval(left);
	it.interval = ns_to_timeval(interval);
	return copy_to_user((void *)a[1], &it, sizeof(it)) ? -EFAULT : 0;
}
SYSCALL(36, "getitimer", "dp", sys_getitimer);

/* A NULL new value disarms, as Linux still allows. */
static long sys_setitimer(const uint64_t a[6])
{
	int which = (int)a[0];
	struct linux_itimerval it = { 0 }, old;
	uint64_t value, interval, old_value, old_interval;
	int err;

	if (which < 0 || which >= ITIMERS)
		return -EINVAL;
	if (a[1] && copy_from_user(&it, (const void *)a[1], sizeof(it)))
		return -EFAULT;
	if (!timeval_to_ns(&it.value, &value) || !timeval_to_ns(&it.interval, &interval))
		return -EINVAL;
	err = itimer_set(which, value, interval, &old_value, &old_interval);
	if (err)
		return err;
	if (old_value && old_value < NSEC_PER_USEC)
		old_value = NSEC_PER_USEC;
	old.value = ns_to_timeval(old_value);
	old.interval = ns_to_timeval(old_interval);
	if (a[2] && copy_to_user((void *)a[2], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(38, "setitimer", "dpp", sys_setitimer);

/*
 * POSIX timers.
 */
/* struct sigevent (include/uapi/asm-generic/siginfo.h): 64 bytes. */
struct linux_sigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	uint8_t pad[44];
};
_Static_assert(sizeof(struct linux_sigevent) == 64, "struct sigevent");

/* struct __kernel_timespec and __kernel_itimerspec: include/uapi/linux/time_types.h. */
struct linux_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct linux_itimerspec {
	struct linux_timespec interval;
	struct linux_timespec value;
};

static struct linux_timespec ns_to_timespec(uint64_t ns)
{
	return (struct linux_timespec){ (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
}

static bool timespec_to_ns(const struct linux_timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || (uint64_t)ts->tv_nsec >= NSEC_PER_SEC)
		return false;
	if ((uint64_t)ts->tv_sec > UINT64_MAX / NSEC_PER_SEC / 2)
		*ns = UINT64_MAX / 2;
	else
		*ns = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return true;
}

/* The clocks a POSIX timer may use; the CPU-time ones count elapsed time
 * from now (see the top). */
static int timer_clock(int clk, int64_t *off)
{
	if (clk == LINUX_CLOCK_PROCESS_CPUTIME_ID || clk == LINUX_CLOCK_THREAD_CPUTIME_ID) {
		*off = -(int64_t)process_current()->start_ns;
		return 0;
	}
	return utimer_clock(clk, off);
}

/* The deadline on clock_ns() of value (ns) on a clock off ahead of it:
 * absolute or from now. Never 0, which means disarmed. */
static uint64_t deadline_of(uint64_t value, bool abs, int64_t off)
{
	uint64_t now = clock_ns(), d;

	if (!abs)
		return now + value;
	if (off >= 0)
		d = value > (uint64_t)off ? value - (uint64_t)off : 1;
	else
		d = value + (uint64_t)-off;
	return d ? d : 1;
}

static long sys_timer_create(const uint64_t a[6])
{
	struct linux_sigevent ev = { .signo = LINUX_SIGALRM, .notify = LINUX_SIGEV_SIGNAL };
	struct ptimers *pt;
	struct ptimer *t;
	int64_t off;
	int id, err = timer_clock((int)a[0], &off);

	if (err)
		return err;
	if (a[1] && copy_from_user(&ev, (const void *)a[1], sizeof(ev)))
		return -EFAULT;
	switch (ev.notify) {
	case LINUX_SIGEV_NONE:
		break;
	case LINUX_SIGEV_SIGNAL:
	case LINUX_SIGEV_SIGNAL | LINUX_SIGEV_THREAD_ID:
		if (ev.signo < 1 || ev.signo > LINUX_NSIG)
			return -EINVAL;
		if ((ev.notify & LINUX_SIGEV_THREAD_ID) &&
		    (ev.tid <= 0 || !task_find(process_current(), ev.tid)))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	pt = own_timers(true);
	t = kzalloc(sizeof(*t));
	if (!pt || !t) {
		kfree(t);
		return -ENOMEM;
	}
	t->u.fire = ptimer_fire;
	t->proc = process_current();
	t->signo = ev.signo;
	t->notify = ev.notify;
	t->tid = ev.tid;
	t->clock_off = off;
	mutex_lock(&pt->lock);
	for (id = 0; id < PTIMERS_MAX && pt->posix[id]; id++)
		;
	t->id = id;
	/* Without a sigevent, si_value is the timer id (timer_create(2)). */
	t->value = a[1] ? ev.value : (uint64_t)id;
	if (id < PTIMERS_MAX)
		pt->posix[id] = t;
	mutex_unlock(&pt->lock);
	if (id == PTIMERS_MAX) {
		kfree(t);
		return -EAGAIN;
	}
	if (copy_to_user((void *)a[2], &id, sizeof(id))) {
		mutex_lock(&pt->lock);
		pt->posix[id] = NULL;
		mutex_unlock(&pt->lock);
		kfree(t);
		return -EFAULT;
	}
	return 0;
}
SYSCALL(222, "timer_create", "dpp", sys_timer_create);

/* The caller's timer id, or NULL. Timers are freed only by timer_delete
 * and at the end of the process, so one the caller uses stays. */
static struct ptimer *ptimer_find(long id)
{
	struct ptimers *pt = own_timers(false);
	struct ptimer *t = NULL;

	if (!pt || id < 0 || id >= PTIMERS_MAX)
		return NULL;
	mutex_lock(&pt->lock);
	t = pt->posix[id];
	mutex_unlock(&pt->lock);
	return t;
}

static long sys_timer_settime(const uint64_t a[6])
{
	struct ptimer *t = ptimer_find((long)(int)a[0]);
	struct linux_itimerspec its, old;
	uint64_t value, interval, old_value, old_interval;

	if (!t)
		return -EINVAL;
	if (copy_from_user(&its, (const void *)a[2], sizeof(its)))
		return -EFAULT;
	if (!timespec_to_ns(&its.value, &value) || !timespec_to_ns(&its.interval, &interval))
		return -EINVAL;
	utimer_set(&t->u, value ? deadline_of(value, a[1] & LINUX_TIMER_ABSTIME, t->clock_off) : 0,
		   interval, &old_value, &old_interval);
	old.value = ns_to_timespec(old_value);
	old.interval = ns_to_timespec(old_interval);
	if (a[3] && copy_to_user((void *)a[3], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
SYSCALL(223, "timer_settime", "dxpp", sys_timer_settime);

static long sys_timer_gettime(const uint64_t a[6])
{
	struct ptimer *t = ptimer_find((long)(int)a[0]);
	struct linux_itimerspec its;
	uint64_t left, interval;

	if (!t)
		return -EINVAL;
	utimer_get(&t->u, &left, &interval);
	its.value = ns_to_timespec(left);
	its.interval = ns_to_timespec(interval);
	return copy_to_user((void *)a[1], &its, sizeof(its)) ? -EFAULT : 0;
}
SYSCALL(224, "timer_gettime", "dp", sys_timer_gettime);

static long sys_timer_getoverrun(const uint64_t a[6])
{
	struct ptimer *t = ptimer_find((long)(int)a[0]);
	uint64_t n;

	if (!t)
		return -EINVAL;
	n = __atomic_load_n(&t->overrun, __ATOMIC_RELAXED);
	return n > DELAYTIMER_MAX ? DELAYTIMER_MAX : (long)n;
}
SYSCALL(225, "timer_getoverrun", "d", sys_timer_getoverrun);

static long sys_timer_delete(const uint64_t a[6])
{
	struct ptimers *pt = own_timers(false);
	long id = (long)(int)a[0];
	struct ptimer *t = NULL;

	if (!pt || id < 0 || id >= PTIMERS_MAX)
		return -EINVAL;
	mutex_lock(&pt->lock);
	t = pt->posix[id];
	pt->posix[id] = NULL;
	mutex_unlock(&pt->lock);
	if (!t)
		return -EINVAL;
	utimer_stop(&t->u);
	kfree(t);
	return 0;
}
SYSCALL(226, "timer_delete", "d", sys_timer_delete);
