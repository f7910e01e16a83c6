/* Reads QEMU's hvm_start_info (the PVH ABI layout, contract §7). */
#include <flint/string.h>

#include "console.h"
#include "guest.h"
#include "qemu.h"

#define PVH_MAGIC 0x336EC578u
#define SI_MAGIC 0u
#define SI_NR_MODULES 12u
#define SI_MODLIST_PADDR 16u
#define SI_CMDLINE_PADDR 24u
#define MOD_PADDR 0u
#define MOD_SIZE 8u

/* Reads a u64 that the shim needs as a 32-bit address. */
static uint32_t get_addr32(uint32_t at, const char *what)
{
	uint64_t v = get64(at);

	if (v >> 32)
		fail("%s 0x%llx is above 4 GiB", what, (unsigned long long)v);
	return (uint32_t)v;
}

void qemu_boot_read(uint32_t start_info, struct qemu_boot *qb)
{
	uint32_t cmdline, modlist, len;

	if (get32(start_info + SI_MAGIC) != PVH_MAGIC)
		fail("EBX 0x%x holds no hvm_start_info: boot the shim with -kernel",
		     start_info);
	cmdline = get_addr32(start_info + SI_CMDLINE_PADDR, "cmdline_paddr");
	len = cmdline ? strnlen((const char *)phys(cmdline), QEMU_CMDLINE_MAX) : 0;
	if (len == QEMU_CMDLINE_MAX)
		fail("QEMU command line longer than %u bytes", QEMU_CMDLINE_MAX - 1);
	memcpy(qb->cmdline, (const void *)phys(cmdline), len);
	qb->cmdline[len] = '\0';

	if (get32(start_info + SI_NR_MODULES) == 0)
		fail("no module: pass the kernel ELF with -initrd");
	modlist = get_addr32(start_info + SI_MODLIST_PADDR, "modlist_paddr");
	qb->module_addr = get_addr32(modlist + MOD_PADDR, "module address");
	qb->module_size = get_addr32(modlist + MOD_SIZE, "module size");
	report("qemu start_info=0x%x cmdline=0x%x modlist=0x%x", start_info,
	       cmdline, modlist);
	report("module addr=0x%x size=0x%x", qb->module_addr, qb->module_size);
}
