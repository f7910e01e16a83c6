/* Kernel messages (kernel/printk.c). Output before a console is registered
 * is kept and replayed to the first console. Messages should be rare: on a
 * hypervisor every character written to the UART is a VM exit. */
#ifndef FLINT_PRINTK_H
#define FLINT_PRINTK_H

#include <flint/compiler.h>
#include <stdarg.h>
#include <stddef.h>

typedef void (*console_write_fn)(const char *s, size_t n);

void console_register(console_write_fn write);
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

/* printk plus a newline, for callers that report one-line messages. */
void printk_line(const char *fmt, ...) __printf(1, 2);

#endif
