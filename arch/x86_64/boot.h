/* Shared by the boot-protocol readers in arch/x86_64/boot*.c. */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#include <flint/bootinfo.h>
#include <stdbool.h>
#include <stdint.h>

/* A pointer to boot data handed over by the VMM, or NULL (with a warning
 * naming what) when [phys, phys + len) is null or outside the early map. */
const void *boot_data(uint64_t phys, uint64_t len, const char *what);

/* Copies the NUL-terminated command line at phys into bi. */
void boot_take_cmdline(struct bootinfo *bi, uint64_t phys, const char *proto);

/* Adds one memory-map entry, warning about clipped or dropped entries. */
void boot_add_memory(struct bootinfo *bi, uint64_t base, uint64_t size,
		     uint32_t type, const char *proto);

void boot_take_initrd(struct bootinfo *bi, uint64_t base, uint64_t size,
		      const char *proto);

void boot_linux64(struct bootinfo *bi, uint64_t zero_page);
void boot_pvh(struct bootinfo *bi, uint64_t start_info);
void boot_bios(struct bootinfo *bi, uint64_t bios_boot);

#endif
