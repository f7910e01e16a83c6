/* An LD_PRELOAD library: its printf() comes before libc's and says so
 * (tests/boot/dynamic_cases.py runs hello with it in front). */
#include <stdarg.h>
#include <stdio.h>

int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	fputs("wrapped: ", stdout);
	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}
