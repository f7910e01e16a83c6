/* Firecracker's memory map for a version and RAM size (contract §5.1). */
#ifndef FCSHIM_E820_H
#define FCSHIM_E820_H

#include <stdint.h>

#include "fcshim.h"

/* Fills out (FC_MAX_REGIONS entries) in Firecracker's unsorted order, with
 * ecam as HEAD's MMCONFIG entry; returns the number of entries. */
uint32_t fc_memory_map(enum fc_version v, uint32_t mem, const struct fc_ecam *ecam,
		       struct fc_region *out);

#endif
