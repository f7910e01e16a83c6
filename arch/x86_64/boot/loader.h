/* The BIOS loader's memory plan and the offsets its assembly uses.
 * loader32.c checks the offsets against the C structures. */
#ifndef LOADER_H
#define LOADER_H

#include <flint/bootimg.h>

/* Memory below 1 MiB (the first 640 KiB are RAM on every PC). */
#define LOADER_CMDLINE 0x1000		/* BOOTIMG_CMDLINE_SIZE bytes */
#define LOADER_BIOS_BOOT 0x5000		/* struct bios_boot */
/* The stack, real mode and 32-bit alike, grows down from 0x80000: away
 * from the pages holding code, since under emulation every write to a
 * page with translated code costs a retranslation check. */
#define LOADER_STACK_SEG 0x7000
#define LOADER_STACK_TOP 0x80000
#define LOADER_MBR 0x7c00
#define LOADER_HEADER 0x7e00		/* struct bootimg_header */
#define LOADER_BOUNCE_SEG 0x1000	/* 0x10000: int 13h reads land here */
#define LOADER_BOUNCE 0x10000
#define LOADER_CHUNK_SECTORS 64		/* 32 KiB a read */
#define LOADER_HIGH 0x100000		/* reads are copied to >= 1 MiB only */
#define LOADER_READ_MAX (256u << 20)	/* a kernel or initrd bigger is a lie */

/* Loader GDT selectors (boot16.S). */
#define LOADER_CS32 0x08
#define LOADER_DS32 0x10

/* isa-debug-exit status after a boot error (QEMU exits with 251): tests
 * need not wait for a timeout. Elsewhere port 0xf4 is unused. */
#define LOADER_FAIL_STATUS 0x7d
#define QEMU_DEBUG_EXIT_PORT 0xf4

/* struct bootimg_header */
#define HDR_MAGIC_LO 0
#define HDR_MAGIC_HI 4
#define HDR_LOADER_SECTORS 12
#define HDR_KERNEL_LBA 16
#define HDR_KERNEL_CSIZE 20
#define HDR_KERNEL_CLOAD 44
#define HDR_INITRD_LBA 48
#define HDR_INITRD_SIZE 52
#define HDR_INITRD_LOAD 56

/* struct bios_boot */
#define BB_E820_COUNT 4
#define BB_TSC_START 8
#define BB_TSC_READ 16
#define BB_CMDLINE 32
#define BB_INITRD_BASE 36
#define BB_INITRD_SIZE 40
#define BB_E820 48
#define BB_E820_SIZE 24
#define BB_SIZE (BB_E820 + BIOS_BOOT_MAX_E820 * BB_E820_SIZE)

#endif
