/* Platform discovery and power at boot (drivers/firmware.c,
 * drivers/power.c). */
#ifndef FLINT_FIRMWARE_H
#define FLINT_FIRMWARE_H

#include <flint/bootinfo.h>
#include <flint/platform.h>

/* Fills p from ACPI when bi has an RSDP and it yields a MADT, else from
 * the MP table, else with defaults (and a warning). Needs the kernel's
 * page tables (tables may lie anywhere in physical memory). */
void platform_discover(struct platform *p, const struct bootinfo *bi);

/* Registers the platform's ways to power off, reboot and report panics. */
void power_init(const struct platform *p);

#endif
