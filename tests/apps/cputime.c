/* CPU-time clocks and usage: a busy thread's CLOCK_THREAD_CPUTIME_ID
 * grows, a sleeping one's does not; the process clock, getrusage and
 * times count the work, a reaped child's in the children's figures. Only
 * lower bounds on work done, and loose upper ones on sleeping. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MS 1000000ll
#define BUSY (60 * MS)		/* CPU time a busy loop gathers */
#define SLEEP (300 * MS)
#define GIVE_UP (60000 * MS)	/* wall time after which a busy loop stops */

static long long clock_of(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Spins until the thread has had BUSY of CPU time: what it had. */
static long long busy(void)
{
	long long start = clock_of(CLOCK_MONOTONIC), t = 0;

	while ((t = clock_of(CLOCK_THREAD_CPUTIME_ID)) < BUSY &&
	       clock_of(CLOCK_MONOTONIC) - start < GIVE_UP)
		;
	return t;
}

static long long sleeper_cpu;

static void *sleeper(void *arg)
{
	struct timespec ts = { 0, SLEEP };
	long long before = clock_of(CLOCK_THREAD_CPUTIME_ID);

	(void)arg;
	nanosleep(&ts, NULL);
	sleeper_cpu = clock_of(CLOCK_THREAD_CPUTIME_ID) - before;
	return NULL;
}

static void *spinner(void *arg)
{
	*(long long *)arg = busy();
	return NULL;
}

static long long tv_ns(struct timeval tv)
{
	return tv.tv_sec * 1000000000ll + tv.tv_usec * 1000ll;
}

int main(void)
{
	long long spun = 0, proc;
	pthread_t a, b;
	struct rusage ru;
	struct tms tm;
	pid_t pid;
	int status;

	pthread_create(&a, NULL, spinner, &spun);
	pthread_create(&b, NULL, sleeper, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	check(spun >= BUSY, "a busy thread's CPU clock grows", "%lld ms", spun / MS);
	check(sleeper_cpu >= 0 && sleeper_cpu < SLEEP / 3, "a sleeping thread's CPU clock does not",
	      "%lld ms over a %lld ms sleep", sleeper_cpu / MS, SLEEP / MS);
	proc = clock_of(CLOCK_PROCESS_CPUTIME_ID);
	check(proc >= spun, "the process clock counts its ended threads", "%lld < %lld ms",
	      proc / MS, spun / MS);
	check(clock_of(CLOCK_THREAD_CPUTIME_ID) < proc, "the main thread's clock is its own",
	      "not below the process's");
	check(getrusage(RUSAGE_SELF, &ru) == 0 &&
	      tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime) >= BUSY * 9 / 10 && ru.ru_maxrss > 0,
	      "getrusage RUSAGE_SELF counts the work", "%lld ms, maxrss %ld",
	      (tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime)) / MS, ru.ru_maxrss);
	check(getrusage(RUSAGE_THREAD, &ru) == 0 &&
	      tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime) < proc, "getrusage RUSAGE_THREAD is the thread's",
	      "%lld ms", (tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime)) / MS);
	check(times(&tm) != (clock_t)-1 && tm.tms_utime + tm.tms_stime > 0,
	      "times counts the work", "%ld ticks", (long)(tm.tms_utime + tm.tms_stime));
	check(getrusage(99, &ru) == -1 && errno == EINVAL, "getrusage of an unknown who is EINVAL",
	      "%s", strerror(errno));

	pid = fork();
	if (pid == 0)
		_exit(busy() >= BUSY ? 0 : 1);
	check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "a busy child", "status %#x", status);
	check(getrusage(RUSAGE_CHILDREN, &ru) == 0 &&
	      tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime) >= BUSY * 9 / 10,
	      "getrusage RUSAGE_CHILDREN counts the reaped child", "%lld ms",
	      (tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime)) / MS);
	check(times(&tm) != (clock_t)-1 && tm.tms_cutime + tm.tms_cstime > 0,
	      "times counts the children", "%ld ticks", (long)(tm.tms_cutime + tm.tms_cstime));
	return checks_done();
}
