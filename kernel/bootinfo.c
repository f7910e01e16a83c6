#include <flint/bootinfo.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>

static bool show;
KERNEL_FLAG("bootinfo.show", show);

const char *boot_entry_name(enum boot_entry e)
{
	switch (e) {
	case BOOT_ENTRY_LINUX64: return "linux64";
	case BOOT_ENTRY_PVH: return "pvh";
	case BOOT_ENTRY_BIOS: return "bios";
	}
	return "?";
}

void bootinfo_show(const struct bootinfo *bi)
{
	if (!show)
		return;
	printk("bootinfo: entry %s, cmdline %zu bytes\n", boot_entry_name(bi->entry),
	       strlen(bi->cmdline));
	if (bi->rsdp)
		printk("bootinfo: rsdp %#llx\n", (unsigned long long)bi->rsdp);
	else
		printk("bootinfo: rsdp none\n");
	if (bi->initrd_size)
		printk("bootinfo: initrd %#llx size %#llx\n", (unsigned long long)bi->initrd_base,
		       (unsigned long long)bi->initrd_size);
	else
		printk("bootinfo: initrd none\n");
	for (unsigned i = 0; i < bi->memmap.count; i++)
		printk("bootinfo: memmap %#llx size %#llx type %u\n",
		       (unsigned long long)bi->memmap.entry[i].base,
		       (unsigned long long)bi->memmap.entry[i].size, bi->memmap.entry[i].type);
}
