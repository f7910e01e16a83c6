/* printf-style formatting without a C library (lib/format.c).
 * Conversions: %d %i %u %x %X %p %s %c %%, flags '-' '0' '#', a width (or '*'),
 * a precision for %s (or '.*'), length modifiers l, ll, z.
 * Uses no 64-bit division, so it also builds for 32-bit code without libgcc. */
#ifndef FLINT_FORMAT_H
#define FLINT_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*format_sink)(char c, void *arg);

/* Formats into sink; returns the number of characters produced. */
int vformat(format_sink sink, void *arg, const char *fmt, va_list ap);

/* Like C's: always NUL-terminates when size > 0; returns the untruncated length. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
