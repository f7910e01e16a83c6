/* The boot-protocol structures Firecracker writes: the Linux zero page
 * (contract §5) or the PVH hvm_start_info with its memory map (§7). */
#ifndef FCSHIM_BOOTINFO_H
#define FCSHIM_BOOTINFO_H

#include <stdint.h>

#include "fcshim.h"

void write_zero_page(enum fc_version v, const struct fc_region *map, uint32_t n,
		     uint32_t cmdline_size, const struct fc_initrd *initrd);
/* With an initrd, also its module entry at 0x6040. */
void write_start_info(const struct fc_region *map, uint32_t n,
		      const struct fc_initrd *initrd);

#endif
