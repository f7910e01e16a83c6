/* Writes each field, then reports it as read back from guest memory. */
#include <stdbool.h>

#include "bootinfo.h"
#include "console.h"
#include "guest.h"
#include "layout.h"

struct field {
	uint16_t offset;
	uint8_t width;		/* bytes */
	const char *name;
	uint64_t value;
};

static void write_fields(const char *what, uint32_t base, const struct field *f,
			 uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = base + f[i].offset;
		uint64_t v;

		switch (f[i].width) {
		case 1:
			put8(a, (uint8_t)f[i].value);
			v = get8(a);
			break;
		case 2:
			put16(a, (uint16_t)f[i].value);
			v = get16(a);
			break;
		case 4:
			put32(a, (uint32_t)f[i].value);
			v = get32(a);
			break;
		default:
			put64(a, f[i].value);
			v = get64(a);
			break;
		}
		report("%s off=0x%03x name=%s value=0x%llx", what, f[i].offset, f[i].name,
		       (unsigned long long)v);
	}
}

/* §5: boot_params offsets and values for an ELF kernel. */
#define BP_E820_TABLE 0x2D0u
#define BP_E820_ENTRY_SIZE 20u
#define BOOT_FLAG_MAGIC 0xAA55u
#define HDRS_MAGIC 0x53726448u		/* "HdrS" */
#define LOADER_TYPE_OTHER 0xFFu
#define KERNEL_ALIGNMENT 0x01000000u

void write_zero_page(enum fc_version v, const struct fc_region *map, uint32_t n,
		     uint32_t cmdline_size, const struct fc_initrd *initrd)
{
	const struct field fields[] = {
		/* §5, §16: the RSDP pointer exists since v1.8 */
		{ 0x070, 8, "acpi_rsdp_addr", v == FC_HEAD ? FC_RSDP_ADDR : 0 },
		{ 0x1E8, 1, "e820_entries", n },
		{ 0x1FE, 2, "boot_flag", BOOT_FLAG_MAGIC },
		{ 0x202, 4, "header", HDRS_MAGIC },
		{ 0x206, 2, "version", 0 },
		{ 0x210, 1, "type_of_loader", LOADER_TYPE_OTHER },
		{ 0x211, 1, "loadflags", 0 },
		{ 0x218, 4, "ramdisk_image", initrd->addr },
		{ 0x21C, 4, "ramdisk_size", initrd->size },
		{ 0x228, 4, "cmd_line_ptr", FC_CMDLINE_ADDR },
		{ 0x230, 4, "kernel_alignment", KERNEL_ALIGNMENT },
		{ 0x238, 4, "cmdline_size", cmdline_size },
	};

	write_fields("zeropage", FC_ZERO_PAGE_ADDR, fields,
		     sizeof(fields) / sizeof(fields[0]));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = FC_ZERO_PAGE_ADDR + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;

		put64(a, map[i].addr);
		put64(a + 8, map[i].size);
		put32(a + 16, map[i].type);
		report("e820[%u] addr=0x%llx size=0x%llx type=%u", i,
		       (unsigned long long)get64(a), (unsigned long long)get64(a + 8),
		       get32(a + 16));
	}
}

/* §7: hvm_start_info and its memory map. */
#define PVH_MAGIC 0x336EC578u
#define PVH_VERSION 1u
#define MEMMAP_ENTRY_SIZE 24u

/* §7: one hvm_modlist_entry, for the initrd. */
static void write_modlist(const struct fc_initrd *initrd)
{
	const struct field fields[] = {
		{ 0x00, 8, "paddr", initrd->addr },
		{ 0x08, 8, "size", initrd->size },
		{ 0x10, 8, "cmdline_paddr", 0 },
		{ 0x18, 8, "reserved", 0 },
	};

	write_fields("modlist", FC_MODLIST_ADDR, fields, sizeof(fields) / sizeof(fields[0]));
}

void write_start_info(const struct fc_region *map, uint32_t n,
		      const struct fc_initrd *initrd)
{
	const bool has_initrd = initrd->size != 0;
	const struct field fields[] = {
		{ 0x00, 4, "magic", PVH_MAGIC },
		{ 0x04, 4, "version", PVH_VERSION },
		{ 0x08, 4, "flags", 0 },
		{ 0x0C, 4, "nr_modules", has_initrd },
		{ 0x10, 8, "modlist_paddr", has_initrd ? FC_MODLIST_ADDR : 0 },
		{ 0x18, 8, "cmdline_paddr", FC_CMDLINE_ADDR },
		{ 0x20, 8, "rsdp_paddr", 0 },	/* §7: never filled in */
		{ 0x28, 8, "memmap_paddr", FC_MEMMAP_ADDR },
		{ 0x30, 4, "memmap_entries", n },
		{ 0x34, 4, "reserved", 0 },
	};

	write_fields("start_info", FC_START_INFO_ADDR, fields,
		     sizeof(fields) / sizeof(fields[0]));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = FC_MEMMAP_ADDR + i * MEMMAP_ENTRY_SIZE;

		put64(a, map[i].addr);
		put64(a + 8, map[i].size);
		put32(a + 16, map[i].type);
		put32(a + 20, 0);
		report("memmap[%u] addr=0x%llx size=0x%llx type=%u", i,
		       (unsigned long long)get64(a), (unsigned long long)get64(a + 8),
		       get32(a + 16));
	}
	if (has_initrd)
		write_modlist(initrd);
}
