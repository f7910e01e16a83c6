/*
 * The Linux 64-bit boot protocol, as Firecracker speaks it for kernels
 * without a PVH note: RSI points at the zero page (struct boot_params).
 * Offsets: Linux Documentation/arch/x86/zero-page.rst and boot.rst.
 */
#include "boot.h"

#include <flint/printk.h>
#include <flint/string.h>

#define ZP_SIZE			0x1000
#define ZP_ACPI_RSDP_ADDR	0x070	/* u64 */
#define ZP_EXT_RAMDISK_IMAGE	0x0c0	/* u32, high half of ramdisk_image */
#define ZP_EXT_RAMDISK_SIZE	0x0c4	/* u32 */
#define ZP_EXT_CMD_LINE_PTR	0x0c8	/* u32 */
#define ZP_E820_ENTRIES		0x1e8	/* u8 */
#define ZP_BOOT_FLAG		0x1fe	/* u16, 0xAA55 */
#define ZP_HEADER		0x202	/* u32, "HdrS" */
#define ZP_RAMDISK_IMAGE	0x218	/* u32 */
#define ZP_RAMDISK_SIZE		0x21c	/* u32 */
#define ZP_CMD_LINE_PTR		0x228	/* u32 */
#define ZP_E820_TABLE		0x2d0	/* 20-byte entries */
#define ZP_E820_MAX		128

#define BOOT_FLAG_MAGIC		0xaa55
#define HEADER_MAGIC		0x53726448	/* "HdrS" */
#define E820_ENTRY_SIZE		20		/* u64 addr, u64 size, u32 type */

static uint64_t rd(const uint8_t *zp, unsigned off, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, zp + off, size);
	return v;
}

void boot_linux64(struct bootinfo *bi, uint64_t zero_page)
{
	const uint8_t *zp = boot_data(zero_page, ZP_SIZE, "linux64 zero page");
	unsigned n;

	if (!zp)
		return;
	if (rd(zp, ZP_BOOT_FLAG, 2) != BOOT_FLAG_MAGIC || rd(zp, ZP_HEADER, 4) != HEADER_MAGIC)
		printk("boot: zero page at %#llx lacks the 0xaa55/HdrS signatures\n",
		       (unsigned long long)zero_page);

	boot_take_cmdline(bi, rd(zp, ZP_CMD_LINE_PTR, 4) | rd(zp, ZP_EXT_CMD_LINE_PTR, 4) << 32,
			  "linux64");

	n = (unsigned)rd(zp, ZP_E820_ENTRIES, 1);
	if (n > ZP_E820_MAX) {
		printk("boot: zero page claims %u e820 entries; using %d\n", n, ZP_E820_MAX);
		n = ZP_E820_MAX;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned off = ZP_E820_TABLE + i * E820_ENTRY_SIZE;

		boot_add_memory(bi, rd(zp, off, 8), rd(zp, off + 8, 8),
				(uint32_t)rd(zp, off + 16, 4), "linux64");
	}

	bi->rsdp = rd(zp, ZP_ACPI_RSDP_ADDR, 8);
	boot_take_initrd(bi, rd(zp, ZP_RAMDISK_IMAGE, 4) | rd(zp, ZP_EXT_RAMDISK_IMAGE, 4) << 32,
			 rd(zp, ZP_RAMDISK_SIZE, 4) | rd(zp, ZP_EXT_RAMDISK_SIZE, 4) << 32,
			 "linux64");
}
