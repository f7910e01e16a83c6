/* Memory bring-up: the page allocator over the boot memory map, then the
 * kernel's own page tables. */
#include <flint/arch.h>
#include <flint/bootinfo.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/panic.h>
#include <flint/printk.h>

#define FIRST_MIB (1ull << 20)	/* BIOS data, tables and boot structures */
#define PATTERN 0x466c696e74ull	/* "Flint" */

/* The allocator hands out the highest page first: writing it through the
 * new direct map proves the map reaches the top of RAM (above 4 GiB when
 * there is RAM there). */
static void check_top_page(void)
{
	uint64_t page = page_alloc(1);
	volatile uint64_t *p = phys_to_virt(page);

	*p = PATTERN ^ page;
	if (*p != (PATTERN ^ page))
		panic("memory: page %#llx does not hold its value", (unsigned long long)page);
	page_free(page, 1);
}

void memory_init(const struct bootinfo *bi)
{
	struct phys_range reserved[3] = { { 0, FIRST_MIB } };
	unsigned n = 1, lost;

	arch_kernel_range(&reserved[n].start, &reserved[n].end);
	n++;
	if (bi->initrd_size)
		reserved[n++] = (struct phys_range){ bi->initrd_base,
						     bi->initrd_base + bi->initrd_size };
	lost = page_alloc_init(&bi->memmap, reserved, n);
	if (lost)
		printk("memory: %u RAM ranges did not fit the allocator; not used\n", lost);
	if (!page_free_count())
		panic("memory: no usable RAM in the memory map");
	arch_paging_init(&bi->memmap);
	check_top_page();
}
