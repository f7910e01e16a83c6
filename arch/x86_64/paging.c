/*
 * The kernel's final page tables. The low half is left empty (no identity
 * map: a null pointer faults; user address spaces fill it, uspace.c),
 * all RAM is mapped at DIRECT_MAP_BASE with 2 MiB pages, and the kernel
 * image at KERNEL_VMA with 4 KiB pages: text read-only and executable,
 * rodata read-only, data and bss writable and non-executable, and the page
 * below the boot stack not mapped at all.
 */
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/uspace.h>
#include <arch/x86.h>
#include <flint/arch.h>
#include <flint/compiler.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/panic.h>
#include <flint/printk.h>
#include <flint/string.h>

#define PTE_NX (1ull << 63)		/* SDM vol. 3A §4.5: execute-disable */
#define PTE_PWT 0x8			/* write-through */
#define PTE_PCD 0x10			/* cache disable */
#define PTE_ADDR 0x000ffffffffff000ull	/* bits 51:12 */
#define LARGE_PAGE (2ull << 20)
#define LEVELS 4
/* The direct map may use PML4 slots 256..383: 64 TiB of physical space. */
#define DIRECT_MAP_SPAN (64ull << 40)
#define LOW_MEMORY (1ull << 20)		/* always mapped: BIOS tables live here */

extern const char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern const char __data_start[], __kernel_end[], boot_stack_guard[];
extern const char __kernel_phys_start[], __kernel_phys_end[];

static uint64_t *pml4;
static uint64_t nx;			/* PTE_NX when EFER.NXE could be set */

static uint64_t *new_table(void)
{
	/* Until the switch only the early map's 4 GiB are reachable. */
	uint64_t phys = page_alloc_below(1, EARLY_MAP_LIMIT);

	if (!phys)
		panic("paging: no memory below 4 GiB for page tables");
	memset(phys_to_virt(phys), 0, PAGE_SIZE);
	return phys_to_virt(phys);
}

/* The entry mapping va at level (1: 4 KiB page, 2: 2 MiB page). Not
 * inlined, here and in map_direct: under emulation each copy of the code
 * is translated again, and translation dominates the boot time there. */
static __attribute__((noinline)) uint64_t *entry_for(uint64_t va, int level)
{
	uint64_t *table = pml4;

	for (int l = LEVELS; l > level; l--) {
		uint64_t *e = &table[(va >> (PAGE_SHIFT + 9 * (l - 1))) & 511];

		if (!(*e & PTE_P)) {
			*e = virt_to_phys(new_table()) | PTE_P | PTE_W;
			if (l == LEVELS)
				uspace_kernel_entry((unsigned)(e - pml4), *e);
		}
		table = phys_to_virt(*e & PTE_ADDR);
	}
	return &table[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511];
}

static __attribute__((noinline)) void map_direct(uint64_t start, uint64_t end)
{
	start = ALIGN_DOWN(start, LARGE_PAGE);
	end = MIN(ALIGN_UP(end, LARGE_PAGE), DIRECT_MAP_SPAN);
	for (uint64_t pa = start; pa < end; pa += LARGE_PAGE)
		*entry_for(DIRECT_MAP_BASE + pa, 2) = pa | PTE_P | PTE_W | PTE_PS | PTE_G | nx;
}

static void map_kernel(const char *start, const char *end, uint64_t flags)
{
	for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE)
		if (va != (uint64_t)boot_stack_guard)
			*entry_for(va, 1) = KERNEL_PHYS(va) | flags | PTE_P | PTE_G;
}

void arch_paging_init(const struct memmap *m)
{
	if (rdmsr(MSR_EFER) & EFER_NXE)
		nx = PTE_NX;
	pml4 = new_table();

	map_direct(0, LOW_MEMORY);
	for (unsigned i = 0; i < m->count; i++) {
		const struct memmap_entry *e = &m->entry[i];

		if (!memmap_is_ram_like(e->type))
			continue;
		if (e->base + e->size > DIRECT_MAP_SPAN)
			printk("paging: memory above 64 TiB not mapped (%#llx+%#llx)\n",
			       (unsigned long long)e->base, (unsigned long long)e->size);
		map_direct(e->base, e->base + e->size);
	}

	map_kernel(__text_start, __text_end, 0);
	map_kernel(__rodata_start, __rodata_end, nx);
	map_kernel(__data_start, __kernel_end, PTE_W | nx);

	write_cr3(virt_to_phys(pml4));
	write_cr4(read_cr4() | CR4_PGE);
}

uint64_t paging_kernel_root(void)
{
	return virt_to_phys(pml4);
}

void arch_kernel_range(uint64_t *start, uint64_t *end)
{
	*start = (uint64_t)__kernel_phys_start;
	*end = (uint64_t)__kernel_phys_end;
}

/* Device registers: 4 KiB pages at DIRECT_MAP_BASE + phys, uncached. They
 * lie outside the RAM the direct map covers; where one shares a 2 MiB page
 * with RAM, that (cacheable) mapping is all there is, which firmware's
 * memory-type ranges still make uncached on real hardware. */
void *arch_map_mmio(uint64_t phys, size_t size)
{
	uint64_t start = ALIGN_DOWN(phys, PAGE_SIZE);
	uint64_t end = ALIGN_UP(phys + size, PAGE_SIZE);

	for (uint64_t pa = start; pa < end; pa += PAGE_SIZE) {
		uint64_t *pde = entry_for(DIRECT_MAP_BASE + pa, 2);

		if (*pde & PTE_PS)
			continue;
		*entry_for(DIRECT_MAP_BASE + pa, 1) = pa | PTE_P | PTE_W | PTE_PCD | PTE_PWT | nx;
	}
	return phys_to_virt(phys);
}

/* Kernel stacks live apart from the direct map so that the page below each
 * can stay unmapped: a guard that turns an overflow into a fault. */
#define STACK_AREA 0xffffff0000000000ull	/* PML4 slot 510 */
#define STACK_SLOT (64 * 1024)

void *arch_alloc_stack(unsigned slot, size_t size)
{
	uint64_t top = STACK_AREA + (uint64_t)(slot + 1) * STACK_SLOT;
	size_t npages = size / PAGE_SIZE;

	if (size > STACK_SLOT - PAGE_SIZE)
		panic("paging: a %zu-byte stack does not fit a stack slot", size);
	for (size_t i = 1; i <= npages; i++) {
		uint64_t page = page_alloc(1);

		if (!page)
			panic("paging: no memory for a kernel stack");
		*entry_for(top - i * PAGE_SIZE, 1) = page | PTE_P | PTE_W | PTE_G | nx;
	}
	return (void *)top;
}

/* The AP start-up code runs at its physical address below 1 MiB until it
 * reaches the higher half: an identity map of the first 2 MiB meanwhile. */
void arch_identity_low(bool on)
{
	if (on) {
		*entry_for(0, 2) = PTE_P | PTE_W | PTE_PS;
		return;
	}
	pml4[0] = 0;		/* the tables under it stay: a few pages, once */
	write_cr3(read_cr3());
}
