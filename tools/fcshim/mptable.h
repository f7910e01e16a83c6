/* Firecracker's MP table at 0x9FC00 (contract §9). */
#ifndef FCSHIM_MPTABLE_H
#define FCSHIM_MPTABLE_H

#include <stdint.h>

/* Writes the floating pointer and configuration table; returns the first
 * byte after them, where Firecracker's ACPI tables begin (§10). */
uint32_t write_mptable(uint32_t cpus);
/* Reports every "_MP_" signature where guests search for one. */
void report_mp_scan(void);

#endif
