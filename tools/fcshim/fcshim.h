/* Types shared across the shim: what is being imitated, and the facts
 * gathered from QEMU before anything is overwritten. */
#ifndef FCSHIM_H
#define FCSHIM_H

#include <stdbool.h>
#include <stdint.h>

enum fc_version {
	FC_HEAD,	/* Firecracker main after v1.16.1 (contract §0) */
	FC_V1_7,	/* v1.5-v1.7: MP table only, no ACPI, no PVH (§16) */
};

enum fc_entry {
	FC_ENTRY_AUTO,
	FC_ENTRY_LINUX64,	/* §4: 64-bit Linux boot protocol */
	FC_ENTRY_PVH,		/* §7: PVH */
};

/* One e820 / PVH memmap entry (§5.1, §7). */
struct fc_region {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

#define E820_RAM 1u		/* §5.1 */
#define E820_RESERVED 2u	/* §5.1 */
#define FC_MAX_REGIONS 4u	/* §5.1: at most 4 entries for RAM below 3 GiB */

/* A virtio-mmio transport announced on QEMU's command line (§17.3). */
#define VIRTIO_TOKEN_MAX 64u
#define VIRTIO_MAX_DEVICES 24u
struct virtio_mmio_dev {
	char token[VIRTIO_TOKEN_MAX];
	uint32_t base;
	uint32_t size;
	uint32_t gsi;
};

/* The PCI MMCONFIG (ECAM) window of the e820 map and the MCFG (§5.1, §10):
 * Firecracker's fixed one, or with fcshim.pci=on the one q35 decodes. */
struct fc_ecam {
	uint64_t base;
	uint32_t size;
	uint32_t bus_end;	/* buses 0 to bus_end, 1 MiB each */
};

/* Firecracker's initrd_path (§8); size 0 when there is none. */
struct fc_initrd {
	uint32_t addr;
	uint32_t size;
};

const char *fc_version_name(enum fc_version v);
const char *fc_entry_name(enum fc_entry e);

#endif
