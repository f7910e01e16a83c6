/* What the guest-side benchmark programs (tools/bench/) share: the clock
 * they time with and the order they sort times in. */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

#define NSEC_PER_USEC 1000LL
#define NSEC_PER_SEC 1000000000LL

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* qsort's comparison for long long nanoseconds. */
static inline int compare_ns(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

#endif
