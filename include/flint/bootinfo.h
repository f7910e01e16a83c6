/* What a boot entry hands the kernel, whichever protocol it came in by.
 * The entry code (arch/x86_64/boot*.c) fills it; nothing after it reads a
 * boot protocol structure. */
#ifndef FLINT_BOOTINFO_H
#define FLINT_BOOTINFO_H

#include <flint/memmap.h>
#include <stdint.h>

enum boot_entry {
	BOOT_ENTRY_LINUX64,	/* Linux 64-bit protocol: Firecracker, no PVH note */
	BOOT_ENTRY_PVH,		/* Xen PVH: QEMU -kernel, Firecracker >= 1.12 */
	BOOT_ENTRY_BIOS,	/* Flint's own MBR loader */
};

#define BOOTINFO_CMDLINE_MAX 4096
#define BOOTINFO_LOADER_STAGES 2

/* A stage of the boot that ran before the kernel, and the TSC at its end. */
struct boot_stage {
	const char *name;
	uint64_t tsc;
};

struct bootinfo {
	enum boot_entry entry;
	uint64_t tsc_start;		/* TSC at the boot's first instruction:
					 * the loader's where there is one */
	struct boot_stage loader_stage[BOOTINFO_LOADER_STAGES];
	unsigned nloader_stages;
	uint64_t tsc_entry;		/* TSC at the entry's first instruction */
	char cmdline[BOOTINFO_CMDLINE_MAX]; /* NUL-terminated */
	struct memmap memmap;		/* normalised */
	uint64_t rsdp;			/* physical address, 0 when none */
	uint64_t initrd_base;		/* physical address */
	uint64_t initrd_size;		/* 0 when there is no initrd */
};

/* kernel/bootinfo.c */
const char *boot_entry_name(enum boot_entry e);

/* With the bootinfo.show option: what the entry handed over, one fact a
 * line ("bootinfo: ..."). */
void bootinfo_show(const struct bootinfo *bi);

#endif
