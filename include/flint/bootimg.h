/*
 * Flint's BIOS disk image (build/flint.img) and what its loader hands the
 * kernel. Shared by the loader (arch/x86_64/boot/, 16- and 32-bit code),
 * the kernel's BIOS entry (arch/x86_64/boot_bios.c) and, mirrored field
 * by field, tools/flint-img. Layout in docs/boot.md. All fields are
 * little-endian and at fixed offsets.
 */
#ifndef FLINT_BOOTIMG_H
#define FLINT_BOOTIMG_H

#define BOOTIMG_SECTOR 512
#define BOOTIMG_HEADER_LBA 1
#define BOOTIMG_CMDLINE_LBA 2
#define BOOTIMG_CMDLINE_SIZE 4096	/* bytes, NUL included */
#define BOOTIMG_LOADER_LBA 10		/* after the command-line area */
#define BOOTIMG_MAGIC_LO 0x4e494c46	/* "FLIN" */
#define BOOTIMG_MAGIC_HI 0x474d4954	/* "TIMG" */
#define BOOTIMG_VERSION 1

/* Where the loader's real-mode stage runs; the MBR reads it there. */
#define BOOTIMG_STAGE2_ADDR 0x8000
#define BOOTIMG_STAGE2_MAX_SECTORS 48	/* 24 KiB: up to 0xe000 */

#define BIOS_BOOT_MAGIC 0x544f4f42	/* "BOOT": struct bios_boot */
#define BIOS_BOOT_MAX_E820 64

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Sector BOOTIMG_HEADER_LBA; written by tools/flint-img. */
struct bootimg_header {
	uint32_t magic_lo, magic_hi;
	uint32_t version;
	uint32_t loader_sectors;	/* stage 2, from BOOTIMG_LOADER_LBA */
	uint32_t kernel_lba;		/* LZ4 frame of the flat kernel image */
	uint32_t kernel_csize;		/* bytes of the frame */
	uint32_t kernel_crc32;		/* CRC-32 (IEEE) of those bytes */
	uint32_t kernel_load;		/* physical address of the flat image */
	uint32_t kernel_size;		/* its bytes (the ELF's PT_LOAD span) */
	uint32_t kernel_end;		/* end of its bss: nothing goes below */
	uint32_t kernel_entry;		/* physical address of bios_entry */
	uint32_t kernel_cload;		/* where the frame is read to */
	uint32_t initrd_lba;
	uint32_t initrd_size;		/* 0: no initrd */
	uint32_t initrd_load;
	uint32_t header_crc32;		/* CRC-32 of the bytes before it */
};

/* Loader stage ends, as TSC stamps. */
enum bios_stage { BIOS_STAGE_READ, BIOS_STAGE_DECOMPRESS, BIOS_STAGES };

struct bios_e820 {
	uint64_t base;
	uint64_t size;
	uint32_t type;
	uint32_t pad;
};

/* What the loader hands the kernel's bios_entry in EBX. */
struct bios_boot {
	uint32_t magic;			/* BIOS_BOOT_MAGIC */
	uint32_t e820_count;
	uint64_t tsc_start;		/* the MBR's first instruction */
	uint64_t tsc_stage[BIOS_STAGES];
	uint32_t cmdline;		/* physical address, NUL-terminated */
	uint32_t initrd_base;
	uint32_t initrd_size;
	uint32_t pad;
	struct bios_e820 e820[BIOS_BOOT_MAX_E820];
};
#endif

#endif
