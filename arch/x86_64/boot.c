/*
 * The C half of every entry: turn what the boot protocol handed over into
 * struct bootinfo, then start the kernel. Runs on the early page tables,
 * where [0, 4 GiB) is reachable through the direct map.
 */
#include "boot.h"

#include <arch/cpu.h>
#include <arch/x86.h>
#include <flint/compiler.h>
#include <flint/init.h>
#include <flint/memory.h>
#include <flint/printk.h>
#include <flint/string.h>

/* ACPI 6.5 §5.2.5.1: the RSDP lies on a 16-byte boundary in the first KiB
 * of the EBDA (its segment is the BDA word at 0x40E) or in 0xE0000-0xFFFFF. */
#define BDA_EBDA_SEGMENT 0x40e
#define EBDA_SCAN_LEN 1024
#define BIOS_AREA_START 0xe0000
#define BIOS_AREA_END 0x100000
#define RSDP_SIGNATURE 0x2052545020445352ull	/* "RSD PTR ", little-endian */
#define RSDP_V1_LEN 20		/* the part the first checksum covers */
#define RSDP_REVISION 15	/* offset of the revision byte */
#define RSDP_LENGTH 20		/* offset of the (v2) length field */
#define RSDP_V2_LEN 36

static struct bootinfo bootinfo;

const void *boot_data(uint64_t phys, uint64_t len, const char *what)
{
	if (phys == 0 || phys >= EARLY_MAP_LIMIT || len > EARLY_MAP_LIMIT - phys) {
		printk("boot: %s at %#llx+%#llx is unreachable; ignored\n", what,
		       (unsigned long long)phys, (unsigned long long)len);
		return NULL;
	}
	return phys_to_virt(phys);
}

void boot_take_cmdline(struct bootinfo *bi, uint64_t phys, const char *proto)
{
	const char *s;
	size_t i, max;

	if (!phys)
		return;		/* no command line is a valid one */
	s = boot_data(phys, 1, "command line");
	if (!s)
		return;
	/* One pass, copying up to the NUL: cheaper under emulation than
	 * measuring first and copying after. */
	max = MIN(sizeof(bi->cmdline) - 1, EARLY_MAP_LIMIT - phys - 1);
	for (i = 0; i < max && s[i]; i++)
		bi->cmdline[i] = s[i];
	bi->cmdline[i] = '\0';
	if (i == sizeof(bi->cmdline) - 1 && s[i])
		printk("boot: %s command line longer than %zu bytes; truncated\n", proto, i);
}

void boot_add_memory(struct bootinfo *bi, uint64_t base, uint64_t size,
		     uint32_t type, const char *proto)
{
	switch (memmap_add(&bi->memmap, base, size, type)) {
	case MEMMAP_ADDED:
	case MEMMAP_SKIPPED_EMPTY:
		break;
	case MEMMAP_CLIPPED:
		printk("boot: %s memory entry %#llx+%#llx wraps past 2^64; clipped\n", proto,
		       (unsigned long long)base, (unsigned long long)size);
		break;
	case MEMMAP_FULL:
		printk("boot: %s memory map has more than %d entries; %#llx+%#llx dropped\n",
		       proto, MEMMAP_MAX, (unsigned long long)base, (unsigned long long)size);
		break;
	}
}

void boot_take_initrd(struct bootinfo *bi, uint64_t base, uint64_t size,
		      const char *proto)
{
	if (!size)
		return;
	if (!base || base + size < base) {
		printk("boot: %s initrd at %#llx+%#llx is invalid; ignored\n", proto,
		       (unsigned long long)base, (unsigned long long)size);
		return;
	}
	bi->initrd_base = base;
	bi->initrd_size = size;
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

static uint64_t scan_rsdp(uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a + RSDP_V2_LEN <= end; a += 16) {
		const uint8_t *p = phys_to_virt(a);

		/* One 8-byte compare per step: with no ACPI this loop runs 8K times. */
		if (*(const uint64_t *)p != RSDP_SIGNATURE || !checksum_ok(p, RSDP_V1_LEN))
			continue;
		if (p[RSDP_REVISION] >= 2) {
			uint32_t len;

			memcpy(&len, p + RSDP_LENGTH, sizeof(len));
			if (len < RSDP_V2_LEN || len > 4096 || !checksum_ok(p, len))
				continue;
		}
		return a;
	}
	return 0;
}

/* Firecracker's PVH start_info carries no RSDP: find it where a BIOS
 * would have left it. */
static uint64_t find_rsdp(void)
{
	uint16_t seg;
	uint64_t ebda, rsdp = 0;

	memcpy(&seg, phys_to_virt(BDA_EBDA_SEGMENT), sizeof(seg));
	ebda = (uint64_t)seg << 4;
	if (ebda >= 0x400 && ebda + EBDA_SCAN_LEN <= BIOS_AREA_START)
		rsdp = scan_rsdp(ebda, ebda + EBDA_SCAN_LEN);
	return rsdp ? rsdp : scan_rsdp(BIOS_AREA_START, BIOS_AREA_END);
}

/* Called by start64.S with what the entry code saved. */
__noreturn void arch_boot(uint32_t kind, uint64_t data, uint64_t tsc);

void arch_boot(uint32_t kind, uint64_t data, uint64_t tsc)
{
	struct bootinfo *bi = &bootinfo;
	unsigned dropped;

	bi->tsc_start = bi->tsc_entry = tsc;
	switch (kind) {
	case BOOT_KIND_LINUX64:
		bi->entry = BOOT_ENTRY_LINUX64;
		boot_linux64(bi, data);
		break;
	case BOOT_KIND_PVH:
		bi->entry = BOOT_ENTRY_PVH;
		boot_pvh(bi, data);
		break;
	case BOOT_KIND_BIOS:
		bi->entry = BOOT_ENTRY_BIOS;
		boot_bios(bi, data);
		break;
	default:
		printk("boot: unknown entry kind %u\n", kind);
		break;
	}
	dropped = memmap_normalise(&bi->memmap);
	if (dropped)
		printk("boot: memory map too fragmented; %u ranges dropped\n", dropped);
	if (!bi->rsdp)
		bi->rsdp = find_rsdp();
	start_kernel(bi);
}
