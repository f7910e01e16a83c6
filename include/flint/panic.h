/* Fatal errors (kernel/panic.c). */
#ifndef FLINT_PANIC_H
#define FLINT_PANIC_H

#include <flint/compiler.h>

/* The status a panic ends the VM with (QEMU isa-debug-exit rc 255). */
#define PANIC_STATUS 127

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#endif
