/* The e820 list exactly in the order Firecracker writes it (§5.1): it is
 * not sorted, and HEAD's MMCONFIG entry sits above the RAM entry. */
#include "e820.h"
#include "layout.h"

#define V1_7_EBDA_SIZE 0x400u	/* §5.1: v1.5-v1.7 reserve [0x9FC00, +1 KiB) */

static void add(struct fc_region *out, uint32_t *n, uint64_t addr, uint64_t size,
		uint32_t type)
{
	out[*n] = (struct fc_region){ addr, size, type };
	(*n)++;
}

uint32_t fc_memory_map(enum fc_version v, uint32_t mem, const struct fc_ecam *ecam,
		       struct fc_region *out)
{
	uint32_t n = 0;

	add(out, &n, 0, FC_MPTABLE_ADDR, E820_RAM);
	if (v == FC_HEAD) {
		add(out, &n, FC_MPTABLE_ADDR, FC_SYSTEM_MEM_END - FC_MPTABLE_ADDR,
		    E820_RESERVED);
		add(out, &n, ecam->base, ecam->size, E820_RESERVED);
	} else {
		add(out, &n, FC_MPTABLE_ADDR, V1_7_EBDA_SIZE, E820_RESERVED);
	}
	/* One RAM region from 0: RAM below 3 GiB only (§3); reported from 1 MiB. */
	add(out, &n, FC_HIMEM_START, mem - FC_HIMEM_START, E820_RAM);
	return n;
}
