/* COM1 output: every line the shim prints starts with "fcshim: ". */
#ifndef FCSHIM_CONSOLE_H
#define FCSHIM_CONSOLE_H

void console_init(void);
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "fcshim: error: ..." and ends the VM (isa-debug-exit 0x7e). */
_Noreturn void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
