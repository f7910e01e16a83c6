/*
 * The BIOS loader's 32-bit part, called by boot16.S in protected mode with
 * paging off: check the image header and the compressed kernel, unpack the
 * kernel to its load address and enter it at bios_entry with EBX pointing
 * at struct bios_boot. Failures print one "boot error:" line on COM1 and
 * the screen and stop: a damaged kernel is never entered.
 */
#include "loader.h"

#include <arch/io.h>
#include <flint/crc32.h>
#include <flint/format.h>
#include <flint/lz4.h>
#include <flint/string.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL 0x3f8
#define SERIAL_LSR 5
#define LSR_THRE 0x20
#define VGA_TEXT 0xb8000		/* 80x25 colour text mode */
#define VGA_ATTR 0x4f00			/* white on red */
#define VGA_COLUMNS 80
#define E820_RAM 1

_Static_assert(offsetof(struct bootimg_header, loader_sectors) == HDR_LOADER_SECTORS, "");
_Static_assert(offsetof(struct bootimg_header, kernel_lba) == HDR_KERNEL_LBA, "");
_Static_assert(offsetof(struct bootimg_header, kernel_csize) == HDR_KERNEL_CSIZE, "");
_Static_assert(offsetof(struct bootimg_header, kernel_cload) == HDR_KERNEL_CLOAD, "");
_Static_assert(offsetof(struct bootimg_header, initrd_lba) == HDR_INITRD_LBA, "");
_Static_assert(offsetof(struct bootimg_header, initrd_size) == HDR_INITRD_SIZE, "");
_Static_assert(offsetof(struct bootimg_header, initrd_load) == HDR_INITRD_LOAD, "");
_Static_assert(offsetof(struct bios_boot, e820_count) == BB_E820_COUNT, "");
_Static_assert(offsetof(struct bios_boot, tsc_start) == BB_TSC_START, "");
_Static_assert(offsetof(struct bios_boot, tsc_stage[BIOS_STAGE_READ]) == BB_TSC_READ, "");
_Static_assert(offsetof(struct bios_boot, cmdline) == BB_CMDLINE, "");
_Static_assert(offsetof(struct bios_boot, initrd_base) == BB_INITRD_BASE, "");
_Static_assert(offsetof(struct bios_boot, initrd_size) == BB_INITRD_SIZE, "");
_Static_assert(offsetof(struct bios_boot, e820) == BB_E820, "");
_Static_assert(sizeof(struct bios_e820) == BB_E820_SIZE, "");
_Static_assert(sizeof(struct bios_boot) == BB_SIZE, "");

static void put(char c, void *arg)
{
	unsigned *column = arg;

	for (int i = 0; i < 100000 && !(inb(SERIAL + SERIAL_LSR) & LSR_THRE); i++)
		;
	outb(SERIAL, (uint8_t)c);
	if (c != '\r' && c != '\n' && *column < VGA_COLUMNS)
		((volatile uint16_t *)VGA_TEXT)[(*column)++] = VGA_ATTR | (uint8_t)c;
}

static void put_string(const char *s, unsigned *column)
{
	while (*s)
		put(*s++, column);
}

static __attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	unsigned column = 0;
	va_list ap;

	put_string("boot error: ", &column);
	va_start(ap, fmt);
	vformat(put, &column, fmt, ap);
	va_end(ap);
	put_string("\r\n", &column);
	outb(QEMU_DEBUG_EXIT_PORT, LOADER_FAIL_STATUS);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Is [start, end) inside one RAM entry of the BIOS's map? */
static int in_ram(const struct bios_boot *bb, uint64_t start, uint64_t end)
{
	for (uint32_t i = 0; i < bb->e820_count && i < BIOS_BOOT_MAX_E820; i++) {
		const struct bios_e820 *e = &bb->e820[i];

		if (e->type == E820_RAM && e->base <= start && end <= e->base + e->size)
			return 1;
	}
	return 0;
}

__attribute__((noreturn)) void loader_main(struct bios_boot *bb,
					   const struct bootimg_header *h);

void loader_main(struct bios_boot *bb, const struct bootimg_header *h)
{
	uint64_t top;
	long n;

	if (h->version != BOOTIMG_VERSION ||
	    crc32(0, h, offsetof(struct bootimg_header, header_crc32)) != h->header_crc32)
		fail("bad image header checksum");
	if (h->kernel_end < h->kernel_load + h->kernel_size || h->kernel_cload < h->kernel_end)
		fail("bad kernel layout in the image header");
	top = (uint64_t)h->kernel_cload + h->kernel_csize;
	if (h->initrd_size)
		top = (uint64_t)h->initrd_load + h->initrd_size;
	if (!in_ram(bb, h->kernel_load, top))
		fail("not enough memory: the kernel needs RAM up to %u KiB", (unsigned)(top >> 10));

	if (crc32(0, (const void *)h->kernel_cload, h->kernel_csize) != h->kernel_crc32)
		fail("kernel checksum mismatch (damaged image)");
	n = lz4_decode_frame((const void *)h->kernel_cload, h->kernel_csize,
			     (void *)h->kernel_load, h->kernel_size);
	if (n < 0)
		fail("kernel decompression failed: %s", lz4_strerror(n));
	if ((uint32_t)n != h->kernel_size)
		fail("kernel decompressed to %ld bytes, not %u", n, (unsigned)h->kernel_size);
	bb->tsc_stage[BIOS_STAGE_DECOMPRESS] = rdtsc();
	bb->magic = BIOS_BOOT_MAGIC;

	__asm__ volatile("jmp *%0" : : "r"(h->kernel_entry), "b"(bb));
	__builtin_unreachable();
}
