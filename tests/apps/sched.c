/* Process queries and robust locks: sched_getaffinity/setaffinity,
 * getpriority/setpriority, personality, and a robust mutex whose owner
 * thread ends (EOWNERDEAD for the next locker, waiting or not). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define PERSONA_QUERY 0xffffffffUL	/* personality(2) */
#define OWNER_HOLD_NS 50000000L		/* the owner keeps the lock 50 ms */

static pthread_mutex_t robust;
static int owner_sleeps;

static void *owner(void *arg)
{
	struct timespec ts = { 0, OWNER_HOLD_NS };

	(void)arg;
	pthread_mutex_lock(&robust);
	if (owner_sleeps)
		nanosleep(&ts, NULL);
	return NULL;		/* ends holding it */
}

static void check_robust(int sleeps, const char *what)
{
	pthread_mutexattr_t attr;
	pthread_t t;
	int r;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &attr);
	pthread_mutexattr_destroy(&attr);
	owner_sleeps = sleeps;
	pthread_create(&t, NULL, owner, NULL);
	if (sleeps) {
		/* Lock once the owner holds it: then this thread waits. */
		while (pthread_mutex_trylock(&robust) == 0)
			pthread_mutex_unlock(&robust);
		r = pthread_mutex_lock(&robust);
	} else {
		pthread_join(t, NULL);
		r = pthread_mutex_lock(&robust);
	}
	check(r == EOWNERDEAD, what, "lock gave %d (%s)", r, strerror(r));
	if (r == EOWNERDEAD) {
		pthread_mutex_consistent(&robust);
		pthread_mutex_unlock(&robust);
		check(pthread_mutex_lock(&robust) == 0, "a robust mutex made consistent locks",
		      "no");
		pthread_mutex_unlock(&robust);
	}
	if (sleeps)
		pthread_join(t, NULL);
	pthread_mutex_destroy(&robust);
}

static void check_affinity(void)
{
	cpu_set_t set, back, empty;
	int cpu = -1;

	CPU_ZERO(&empty);
	check(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 1,
	      "sched_getaffinity", "%s", strerror(errno));
	for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	check(sched_setaffinity(0, sizeof(set), &set) == 0 &&
	      sched_getaffinity(0, sizeof(back), &back) == 0 && CPU_EQUAL(&set, &back),
	      "sched_setaffinity of the same mask round-trips", "%s", strerror(errno));
	CPU_ZERO(&back);
	CPU_SET(cpu, &back);
	check(sched_setaffinity(0, sizeof(back), &back) == 0 &&
	      sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1 &&
	      CPU_ISSET(cpu, &set), "sched_setaffinity to one CPU round-trips", "%d",
	      CPU_COUNT(&set));
	check(sched_setaffinity(0, sizeof(empty), &empty) < 0 && errno == EINVAL,
	      "sched_setaffinity of an empty mask is EINVAL", "%s", strerror(errno));
	check(sched_getaffinity(getpid() + 100000, sizeof(set), &set) < 0 && errno == ESRCH,
	      "sched_getaffinity of no such pid is ESRCH", "%s", strerror(errno));
}

static void check_priority(void)
{
	long raw;

	errno = 0;
	check(getpriority(PRIO_PROCESS, 0) == 0 && errno == 0, "getpriority is nice 0",
	      "%s", strerror(errno));
	raw = syscall(SYS_getpriority, PRIO_PROCESS, 0);
	check(raw == 20, "the raw getpriority is 20 - nice", "%ld", raw);
	check(setpriority(PRIO_PROCESS, 0, 5) == 0, "setpriority to 5", "%s", strerror(errno));
	errno = 0;
	check(getpriority(PRIO_PROCESS, 0) == 5 && errno == 0, "getpriority reads 5 back",
	      "%d", getpriority(PRIO_PROCESS, 0));
	check(getpriority(3, 0) < 0 && errno == EINVAL, "getpriority of a bad which is EINVAL",
	      "%s", strerror(errno));
}

/* include/uapi/linux/sched/types.h, the first version */
struct attr0 {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

static void check_attr(void)
{
	struct attr0 attr;
	long r;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.policy = SCHED_OTHER;
	attr.nice = 7;
	r = syscall(SYS_sched_setattr, 0, &attr, 0);
	check(r == 0, "sched_setattr nice 7", "%s", strerror(errno));
	memset(&attr, 0xff, sizeof(attr));
	r = syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0);
	check(r == 0 && attr.size == sizeof(attr) && attr.policy == SCHED_OTHER && attr.nice == 7,
	      "sched_getattr reads it back", "r %ld size %u policy %u nice %d", r, attr.size,
	      attr.policy, attr.nice);
	r = syscall(SYS_sched_getattr, 0, &attr, 8, 0);
	check(r < 0 && errno == EINVAL, "sched_getattr with a size too small is EINVAL", "%ld",
	      r);
	errno = 0;
	check(getpriority(PRIO_PROCESS, 0) == 7, "getpriority sees sched_setattr's nice", "%d",
	      getpriority(PRIO_PROCESS, 0));
	r = syscall(SYS_sched_getscheduler, 0);
	check(r == SCHED_OTHER, "sched_getscheduler", "%ld", r);
}

static void check_personality(void)
{
	check(personality(PERSONA_QUERY) == PER_LINUX, "personality query is PER_LINUX", "%d",
	      personality(PERSONA_QUERY));
	check(personality(PER_LINUX) == PER_LINUX, "setting PER_LINUX", "%s", strerror(errno));
}

int main(void)
{
	check_robust(0, "a robust mutex whose owner ended gives EOWNERDEAD");
	check_robust(1, "a waiter on a robust mutex gets EOWNERDEAD when its owner ends");
	check_affinity();
	check_priority();
	check_attr();
	check_personality();
	return checks_done();
}
