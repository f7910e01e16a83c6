/* The guest programs' check helper: every check prints "ok WHAT" or
 * "FAIL WHAT: details" on its own line, flushed at once so that a crash
 * later still shows how far the program got; checks_done() prints the
 * summary and gives main's return value. WHAT never holds variable data:
 * the boot tests compare the guest's "ok" lines with a host run's. */
#ifndef APPS_CHECK_H
#define APPS_CHECK_H

#include <stdarg.h>
#include <stdio.h>

#ifdef __GLIBC__
#define LIBC_NAME "glibc"
#else
#define LIBC_NAME "musl"
#endif

static int checks_run, checks_failed;

__attribute__((format(printf, 3, 4)))
static inline int check(int passed, const char *what, const char *fmt, ...)
{
	va_list ap;

	checks_run++;
	if (passed) {
		printf("ok %s\n", what);
	} else {
		checks_failed++;
		printf("FAIL %s: ", what);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
	fflush(stdout);
	return passed;
}

static inline int checks_done(void)
{
	if (checks_failed)
		printf("%d of %d checks failed\n", checks_failed, checks_run);
	else
		printf("all %d checks passed\n", checks_run);
	fflush(stdout);
	return checks_failed ? 1 : 0;
}

#endif
