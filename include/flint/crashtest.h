/* Test-only faults (kernel/crashtest.c), armed by test.crash=<kind> with
 * kind one of pagefault, invalid-opcode, divide, stack, write-text,
 * exec-data. */
#ifndef FLINT_CRASHTEST_H
#define FLINT_CRASHTEST_H

void crashtest_run(void);

#endif
