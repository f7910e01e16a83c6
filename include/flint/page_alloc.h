/* The physical page allocator (kernel/page_alloc.c). It hands out 4 KiB
 * pages of RAM from the top of memory down, so memory above 4 GiB is used
 * first where it exists and low memory stays for whoever needs it. */
#ifndef FLINT_PAGE_ALLOC_H
#define FLINT_PAGE_ALLOC_H

#include <flint/memmap.h>
#include <stdint.h>

struct phys_range {
	uint64_t start;
	uint64_t end;		/* exclusive */
};

/* Makes the RAM of m available, except the reserved ranges. Returns the
 * number of RAM ranges that did not fit in the allocator's table. */
unsigned page_alloc_init(const struct memmap *m,
			 const struct phys_range *reserved, unsigned nreserved);

/* npages contiguous pages, physical address or 0 when none are left. */
uint64_t page_alloc(unsigned npages);

/* The same, all below limit (page tables built while only the early
 * 4 GiB map exists). */
uint64_t page_alloc_below(unsigned npages, uint64_t limit);

void page_free(uint64_t phys, unsigned npages);

uint64_t page_free_count(void);

struct bootinfo;

/* Sets up the allocator from bi's memory map (keeping the first MiB, the
 * kernel and the initrd out of it) and the kernel's page tables. */
void memory_init(const struct bootinfo *bi);

#endif
