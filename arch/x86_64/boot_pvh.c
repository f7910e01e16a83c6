/*
 * The Xen PVH boot protocol: EBX pointed at struct hvm_start_info.
 * Layout: Xen public/arch-x86/hvm/start_info.h.
 */
#include "boot.h"

#include <flint/printk.h>
#include <flint/string.h>

#define XEN_HVM_START_MAGIC	0x336ec578

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;	/* 1 adds the memory map */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;	/* 0 on Firecracker */
	uint64_t memmap_paddr;	/* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* E820 numbering */
	uint32_t reserved;
};

void boot_pvh(struct bootinfo *bi, uint64_t start_info)
{
	const struct hvm_start_info *si = boot_data(start_info, sizeof(*si), "PVH start_info");
	const struct hvm_memmap_table_entry *map;

	if (!si)
		return;
	if (si->magic != XEN_HVM_START_MAGIC) {
		printk("boot: PVH start_info magic is %#x, not %#x; ignored\n", si->magic,
		       XEN_HVM_START_MAGIC);
		return;
	}
	boot_take_cmdline(bi, si->cmdline_paddr, "PVH");
	bi->rsdp = si->rsdp_paddr;

	if (si->nr_modules) {
		const struct hvm_modlist_entry *mod =
			boot_data(si->modlist_paddr, sizeof(*mod), "PVH module list");

		if (si->nr_modules > 1)
			printk("boot: PVH gave %u modules; only the first is the initrd\n",
			       si->nr_modules);
		if (mod)
			boot_take_initrd(bi, mod->paddr, mod->size, "PVH");
	}

	if (si->version < 1) {
		printk("boot: PVH start_info version 0 has no memory map\n");
		return;
	}
	map = boot_data(si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*map),
			"PVH memory map");
	for (uint32_t i = 0; map && i < si->memmap_entries; i++)
		boot_add_memory(bi, map[i].addr, map[i].size, map[i].type, "PVH");
}
