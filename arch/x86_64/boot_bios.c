/*
 * Flint's own BIOS disk loader (arch/x86_64/boot/): EBX pointed at the
 * struct bios_boot it filled below 1 MiB (include/flint/bootimg.h).
 */
#include "boot.h"

#include <flint/bootimg.h>
#include <flint/printk.h>

void boot_bios(struct bootinfo *bi, uint64_t bios_boot)
{
	const struct bios_boot *bb = boot_data(bios_boot, sizeof(*bb), "BIOS loader data");
	uint32_t n;

	if (!bb)
		return;
	if (bb->magic != BIOS_BOOT_MAGIC) {
		printk("boot: BIOS loader data magic is %#x, not %#x; ignored\n", bb->magic,
		       BIOS_BOOT_MAGIC);
		return;
	}
	bi->tsc_start = bb->tsc_start;
	bi->loader_stage[0] = (struct boot_stage){ "loader-read", bb->tsc_stage[BIOS_STAGE_READ] };
	bi->loader_stage[1] = (struct boot_stage){ "loader-decompress",
						   bb->tsc_stage[BIOS_STAGE_DECOMPRESS] };
	bi->nloader_stages = 2;

	boot_take_cmdline(bi, bb->cmdline, "BIOS");
	n = bb->e820_count;
	if (n > BIOS_BOOT_MAX_E820) {
		printk("boot: BIOS loader claims %u e820 entries; using %d\n", n, BIOS_BOOT_MAX_E820);
		n = BIOS_BOOT_MAX_E820;
	}
	for (uint32_t i = 0; i < n; i++)
		boot_add_memory(bi, bb->e820[i].base, bb->e820[i].size, bb->e820[i].type, "BIOS");
	boot_take_initrd(bi, bb->initrd_base, bb->initrd_size, "BIOS");
}
