/* The scheduler as test_unix and test_netlink need it: one thread, a
 * mutex that checks it is used in pairs, a sleep that never blocks (it
 * ends at its deadline, or else as if a signal came), a clock that
 * stands still, no new threads (the page cache's flusher is not
 * started), and printk swallowed. */
#include <flint/errno.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/thread.h>
#include <flint/timer.h>

#include <stdio.h>
#include <stdlib.h>

static struct thread self;

static void must(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "sched_fake: %s\n", what);
		abort();
	}
}

void mutex_lock(struct mutex *m)
{
	must(!m->owner, "mutex taken twice");
	m->owner = &self;
}

void mutex_unlock(struct mutex *m)
{
	must(m->owner == &self, "mutex released but not held");
	m->owner = NULL;
}

struct thread *thread_current(void)
{
	return &self;
}

int sched_sleep(spinlock_t *release, uint64_t deadline, bool interruptible)
{
	must(interruptible, "uninterruptible sleep");
	spin_unlock(release);
	return deadline ? -ETIMEDOUT : -EINTR;
}

void sched_wake(struct thread *t)
{
	(void)t;
}

uint64_t clock_ns(void)
{
	return 1;
}

void printk_line(const char *fmt, ...)
{
	(void)fmt;
}
