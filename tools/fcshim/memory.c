/* RAM checks and zeroing. */
#include <flint/string.h>

#include "console.h"
#include "fcshim.h"
#include "fwcfg.h"
#include "guest.h"
#include "layout.h"
#include "memory.h"
#include "pci.h"

#define MAX_TEST_RAM 0x80000000u	/* §17.2.8: keep tests at or below 2 GiB */
#define MIB 0x100000u
#define QEMU_E820_MAX 16u
#define PROBE_BYTE 0xA5u

#define I440FX_PAM0 0x59u		/* PAM0-PAM6: 0x59-0x5F */
#define Q35_PAM0 0x90u			/* PAM0-PAM6: 0x90-0x96 */
#define PAM_REGS 7u
#define PAM0_RW 0x30u			/* 0xF0000-0xFFFFF read/write RAM */
#define PAM_RW 0x33u			/* both 16 KiB halves read/write RAM */

uint32_t memory_check(void)
{
	struct fc_region e820[QEMU_E820_MAX];
	uint64_t size = fwcfg_ram_size();
	uint32_t n = fwcfg_e820(e820, QEMU_E820_MAX);
	bool backed = false;

	for (uint32_t i = 0; i < n; i++) {
		report("qemu_e820[%u] addr=0x%llx size=0x%llx type=%u", i,
		       (unsigned long long)e820[i].addr, (unsigned long long)e820[i].size,
		       e820[i].type);
		if (e820[i].type == E820_RAM && e820[i].addr == 0 && e820[i].size >= size)
			backed = true;
	}
	if (size > MAX_TEST_RAM)
		fail("-m is 0x%llx bytes: fcshim imitates Firecracker's single RAM "
		     "region only up to 2 GiB", (unsigned long long)size);
	if (size & (MIB - 1))
		fail("-m is 0x%llx bytes: Firecracker's mem_size_mib needs whole MiB",
		     (unsigned long long)size);
	if (!backed)
		fail("QEMU's e820 has no RAM region covering [0, 0x%llx) as "
		     "Firecracker's layout needs", (unsigned long long)size);
	return (uint32_t)size;
}

/* Makes 0xC0000-0xFFFFF read/write RAM on pc and q35; microvm has no PCI
 * host bridge and plain RAM there (§17.2.4). */
static void open_bios_area(void)
{
	uint32_t id = pci_read32(0);
	uint32_t pam0;

	if ((id & 0xFFFFu) == PCI_VENDOR_NONE) {
		report("host_bridge=none pam=none");
		return;
	}
	if (id == I440FX_ID)
		pam0 = I440FX_PAM0;
	else if (id == Q35_MCH_ID)
		pam0 = Q35_PAM0;
	else
		fail("unknown PCI host bridge %04x:%04x: cannot re-open 0xc0000-0xfffff",
		     id & 0xFFFFu, id >> 16);
	pci_write8(pam0, PAM0_RW);
	for (uint32_t r = 1; r < PAM_REGS; r++)
		pci_write8(pam0 + r, PAM_RW);
	report("host_bridge=%04x:%04x pam=0x%x-0x%x value=0x%x", id & 0xFFFFu, id >> 16,
	       pam0, pam0 + PAM_REGS - 1, PAM_RW);
}

/* True when every page of [start, end) holds what is written to it. */
static bool is_ram(uint32_t start, uint32_t end)
{
	for (uint32_t a = start; a < end; a += PAGE_SIZE) {
		put8(a, PROBE_BYTE);
		put8(a + PAGE_SIZE - 1, (uint8_t)~PROBE_BYTE);
		if (get8(a) != PROBE_BYTE || get8(a + PAGE_SIZE - 1) != (uint8_t)~PROBE_BYTE)
			return false;
	}
	return true;
}

void memory_zero(uint32_t start, uint32_t end)
{
	memset((void *)phys(start), 0, end - start);
}

static bool page_is_zero(uint32_t page)
{
	for (uint32_t a = page; a < page + PAGE_SIZE; a += 4)
		if (get32(a))
			return false;
	return true;
}

uint32_t memory_scrub(uint32_t start, uint32_t end)
{
	uint32_t dirty = 0;

	for (uint32_t page = start; page < end; page += PAGE_SIZE) {
		if (page_is_zero(page))
			continue;
		memory_zero(page, page + PAGE_SIZE);
		dirty++;
	}
	return dirty;
}

/* Zeroes and reads back a region that must be RAM. */
static void zero_verified(uint32_t start, uint32_t end)
{
	if (!is_ram(start, end))
		fail("[0x%x, 0x%x) is not writable RAM under this QEMU machine", start, end);
	memory_zero(start, end);
	for (uint32_t a = start; a < end; a += 4)
		if (get32(a))
			fail("[0x%x, 0x%x) does not read back as zero at 0x%x", start, end, a);
	report("zeroed addr=0x%x size=0x%x verified=yes", start, end - start);
}

void memory_clear_low(void)
{
	zero_verified(0, LEGACY_VGA_START);
	/* Firecracker has RAM here too; pc/q35 map the VGA window instead. */
	if (is_ram(LEGACY_VGA_START, LEGACY_BIOS_START)) {
		zero_verified(LEGACY_VGA_START, LEGACY_BIOS_START);
	} else {
		report("not_ram addr=0x%x size=0x%x", LEGACY_VGA_START,
		       LEGACY_BIOS_START - LEGACY_VGA_START);
	}
	open_bios_area();
	zero_verified(LEGACY_BIOS_START, FC_HIMEM_START);
}
