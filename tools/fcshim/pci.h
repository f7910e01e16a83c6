/* Configuration space of the host bridge at 00:00.0 (ports 0xCF8/0xCFC)
 * and the ECAM window q35 decodes (contract §1, §10 with --enable-pci). */
#ifndef FCSHIM_PCI_H
#define FCSHIM_PCI_H

#include <stdint.h>

#include "fcshim.h"

#define PCI_VENDOR_NONE 0xFFFFu
#define I440FX_ID 0x12378086u		/* device << 16 | vendor */
#define Q35_MCH_ID 0x29C08086u

/* Register reg of the host bridge (00:00.0). */
uint32_t pci_read32(uint32_t reg);
void pci_write8(uint32_t reg, uint8_t v);
/* The ECAM window q35's PCIEXBAR enables; ends the VM with an error on
 * any other machine or with PCIEXBAR off. */
void pci_read_ecam(struct fc_ecam *e);

#endif
