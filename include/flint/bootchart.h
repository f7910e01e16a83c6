/* Boot stages timed with the cycle counter from the first instruction of
 * the boot: the kernel entry's, or a boot loader's (kernel/bootchart.c). */
#ifndef FLINT_BOOTCHART_H
#define FLINT_BOOTCHART_H

#include <stdint.h>

/* The boot began at this cycle count (the entry's TSC). */
void bootchart_begin(uint64_t cycles);

uint64_t bootchart_begin_cycles(void);

/* Marks the end of the stage called name (a string literal). */
void bootchart_stage(const char *name);

/* The same for a stage that ended at cycles (one that ran before the
 * kernel, in a boot loader). */
void bootchart_mark(const char *name, uint64_t cycles);

/* Microseconds from the beginning to the last stage. */
uint64_t bootchart_total_us(void);

/* With the "bootchart" option: one line per stage, then the clock used. */
void bootchart_report(void);

#endif
