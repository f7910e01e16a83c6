/* Firecracker's ACPI tables (contract §10, HEAD only). */
#ifndef FCSHIM_ACPI_H
#define FCSHIM_ACPI_H

#include <stdint.h>

#include "fcshim.h"

/* Packs DSDT, FADT, MADT, MCFG (describing ecam) and XSDT from start on
 * and writes the RSDP at 0xE0000. */
void write_acpi(uint32_t start, uint32_t cpus, const struct virtio_mmio_dev *devs,
		uint32_t ndev, const struct fc_ecam *ecam);
/* Reports every "RSD PTR " left in 0xE0000-0xFFFFF, where guests scan. */
void report_rsdp_scan(void);

#endif
