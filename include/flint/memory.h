/* Physical memory as the kernel sees it: every RAM byte is mapped at
 * DIRECT_MAP_BASE + phys (arch/x86_64/paging.c builds the map; the early
 * page tables alias the first 4 GiB there already). */
#ifndef FLINT_MEMORY_H
#define FLINT_MEMORY_H

/* Host unit tests use 0 so that "physical" addresses are host pointers. */
#ifndef DIRECT_MAP_BASE
#define DIRECT_MAP_BASE 0xffff800000000000
#endif

#define PAGE_SIZE 4096
#define PAGE_SHIFT 12

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)(phys + DIRECT_MAP_BASE);
}

static inline uint64_t virt_to_phys(const void *virt)
{
	return (uint64_t)(uintptr_t)virt - DIRECT_MAP_BASE;
}

/* Whether p is a direct-map address (the heap's, a page's), not a kernel
 * stack's or the kernel image's, which lie above DIRECT_MAP_END. */
#ifndef DIRECT_MAP_END
#define DIRECT_MAP_END 0xffffff0000000000
#endif
static inline int in_direct_map(const void *p)
{
	return (uintptr_t)p - DIRECT_MAP_BASE < DIRECT_MAP_END - DIRECT_MAP_BASE;
}
#endif

#endif
