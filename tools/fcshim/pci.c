/* Host bridge configuration space and q35's ECAM window. */
#include <arch/io.h>

#include "console.h"
#include "pci.h"

#define PCI_CONFIG_ADDRESS 0xCF8u
#define PCI_CONFIG_DATA 0xCFCu
#define PCI_ENABLE 0x80000000u		/* bus 0, device 0, function 0 */

/* Q35 MCH PCIEXBAR (64-bit at 0x60): bit 0 enable, bits 2:1 length
 * (0: 256 MiB, 1: 128 MiB, 2: 64 MiB), base in bits 35:26 by length. */
#define Q35_PCIEXBAR 0x60u
#define PCIEXBAR_ENABLE 0x1u
#define PCIEXBAR_LENGTH_SHIFT 1u
#define PCIEXBAR_LENGTH_MASK 0x3u
#define PCIEXBAR_LENGTH_RESERVED 3u
#define PCIEXBAR_HIGH_MASK 0xFu		/* base bits 35:32 */
#define ECAM_MAX_SIZE 0x10000000u	/* 256 buses */
#define ECAM_BUS_SHIFT 20u		/* 1 MiB per bus */

uint32_t pci_read32(uint32_t reg)
{
	outl(PCI_CONFIG_ADDRESS, PCI_ENABLE | (reg & ~3u));
	return inl(PCI_CONFIG_DATA);
}

void pci_write8(uint32_t reg, uint8_t v)
{
	outl(PCI_CONFIG_ADDRESS, PCI_ENABLE | (reg & ~3u));
	outb((uint16_t)(PCI_CONFIG_DATA + (reg & 3u)), v);
}

void pci_read_ecam(struct fc_ecam *e)
{
	uint32_t id = pci_read32(0), low, high, length;

	if (id != Q35_MCH_ID)
		fail("fcshim.pci=on needs -M q35 for its ECAM (host bridge %04x:%04x)",
		     id & 0xFFFFu, id >> 16);
	low = pci_read32(Q35_PCIEXBAR);
	high = pci_read32(Q35_PCIEXBAR + 4);
	length = low >> PCIEXBAR_LENGTH_SHIFT & PCIEXBAR_LENGTH_MASK;
	if (!(low & PCIEXBAR_ENABLE) || length == PCIEXBAR_LENGTH_RESERVED)
		fail("q35 PCIEXBAR 0x%08x%08x enables no ECAM window", high, low);
	e->size = ECAM_MAX_SIZE >> length;
	e->base = (uint64_t)(high & PCIEXBAR_HIGH_MASK) << 32 | (low & ~(e->size - 1));
	e->bus_end = (e->size >> ECAM_BUS_SHIFT) - 1;
}
