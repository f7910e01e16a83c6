/* Guest RAM as Firecracker leaves it: checked against QEMU's layout, the
 * BIOS area re-opened, and everything the firmware touched zeroed. */
#ifndef FCSHIM_MEMORY_H
#define FCSHIM_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

/* Returns the RAM size after checking that QEMU backs Firecracker's single
 * RAM region [0, size) (contract §3, §17.2.8). */
uint32_t memory_check(void);
/* Zeroes [0, 1 MiB) as far as it is RAM, re-opening the BIOS area through
 * the host bridge's PAM registers first (§17.2.2, §17.2.4). */
void memory_clear_low(void);
/* Zeroes [start, end), which must be RAM. */
void memory_zero(uint32_t start, uint32_t end);
/* Zeroes the pages of [start, end) (page-aligned) that are not zero yet,
 * leaving untouched RAM untouched on the host too; returns their number. */
uint32_t memory_scrub(uint32_t start, uint32_t end);

#endif
