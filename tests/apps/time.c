/* Clocks and sleeping. */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"

#define NSEC_PER_SEC 1000000000LL
#define SLEEP_NS (20 * 1000000LL)
#define SLEEP_MAX_NS (2 * NSEC_PER_SEC)
/* 2020-01-01T00:00:00Z: a wall clock before it was never set. */
#define SOME_TIME_AGO 1577836800LL

static long long ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts))
		return -1;
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void check_monotonic(clockid_t clock, const char *what)
{
	long long prev = ns(clock), now = prev;
	int ok = prev >= 0;

	for (int i = 0; ok && i < 1000; i++) {
		now = ns(clock);
		ok = now >= prev;
		prev = now;
	}
	check(ok, what, "went from %lld to %lld", prev, now);
}

static void check_sleep(void)
{
	struct timespec req = { 0, SLEEP_NS };
	long long start = ns(CLOCK_MONOTONIC);
	int rc = nanosleep(&req, NULL);
	long long slept = ns(CLOCK_MONOTONIC) - start;

	check(rc == 0 && slept >= SLEEP_NS && slept < SLEEP_MAX_NS, "nanosleep 20 ms",
	      "rc %d (%s), slept %lld ns", rc, strerror(errno), slept);
}

static void check_wall(void)
{
	struct timeval tv;
	long long real = ns(CLOCK_REALTIME) / NSEC_PER_SEC;

	check(real > SOME_TIME_AGO, "CLOCK_REALTIME is set", "%lld s", real);
	check(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= real && tv.tv_sec <= real + 1 &&
	      tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday", "%lld.%06ld, realtime %lld",
	      (long long)tv.tv_sec, (long)tv.tv_usec, real);
	/* time() reads a coarse clock on Linux (the vDSO's, a tick behind the
	 * precise one), so at a second's edge it may still say the last. */
	time_t t = time(NULL);
	check(t >= real - 1 && t <= real + 1, "time", "%lld, realtime %lld", (long long)t, real);
}

static void check_res(clockid_t clock, const char *what)
{
	struct timespec res = { -1, -1 };

	check(clock_getres(clock, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 &&
	      res.tv_nsec <= 10000000, what, "%lld.%09ld", (long long)res.tv_sec, res.tv_nsec);
}

int main(void)
{
	check_monotonic(CLOCK_MONOTONIC, "CLOCK_MONOTONIC never goes back");
	check_monotonic(CLOCK_REALTIME, "CLOCK_REALTIME never goes back");
	check_sleep();
	check_wall();
	check_res(CLOCK_MONOTONIC, "clock_getres MONOTONIC");
	check_res(CLOCK_REALTIME, "clock_getres REALTIME");
	return checks_done();
}
