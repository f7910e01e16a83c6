/* Which firmware tables describe this machine: ACPI, else the MP table,
 * else nothing (one CPU, the usual IOAPIC). */
#include <arch/cpu.h>
#include <flint/arch.h>
#include <flint/firmware.h>
#include <flint/memory.h>
#include <flint/param.h>
#include <flint/power.h>
#include <flint/printk.h>

/* BIOS data area (IBM PC/AT technical reference). */
#define BDA_EBDA_SEGMENT 0x40e
#define BDA_BASE_KIB 0x413
#define TABLE_READ_LIMIT (1u << 20)	/* no firmware table is bigger */
#define CPUID_1_EBX_APIC_ID_SHIFT 24

static bool show;
KERNEL_FLAG("platform.show", show);

#define LOW_MEMORY 0x100000		/* BIOS areas: tables may be anywhere here */

static const struct memmap *memmap;

/* Firmware tables live in the first MiB or in ranges the memory map lists
 * (RAM, ACPI, reserved); a pointer anywhere else is a lie, and following
 * it could touch device registers. */
static const void *read_phys(uint64_t phys, size_t len)
{
	uint64_t last = phys + len - 1;

	if (!len || len > TABLE_READ_LIMIT || last < phys)
		return NULL;
	if (last >= LOW_MEMORY) {
		unsigned i = 0;

		while (i < memmap->count && !(memmap->entry[i].base <= phys &&
					      last - memmap->entry[i].base < memmap->entry[i].size))
			i++;
		if (i == memmap->count)
			return NULL;
	}
	return arch_map_mmio(phys, len);
}

static const char *const source_name[] = {
	[PLATFORM_DEFAULTS] = "defaults",
	[PLATFORM_ACPI] = "ACPI",
	[PLATFORM_MPTABLE] = "MP table",
};

static void show_platform(const struct platform *p)
{
	printk("platform: %s, %u CPUs, LAPIC %#llx%s\n", source_name[p->source], p->ncpus,
	       (unsigned long long)p->lapic_addr, p->pic_present ? ", 8259s" : "");
	for (unsigned i = 0; i < p->ncpus; i++)
		printk("platform: cpu apic %u%s\n", p->cpu[i].apic_id, p->cpu[i].bsp ? " bsp" : "");
	for (unsigned i = 0; i < p->nioapics; i++)
		printk("platform: ioapic %u at %#llx gsi %u\n", p->ioapic[i].id,
		       (unsigned long long)p->ioapic[i].addr, p->ioapic[i].gsi_base);
	for (unsigned i = 0; i < p->noverrides; i++)
		printk("platform: irq %u -> gsi %u flags %#x\n", p->override[i].irq,
		       p->override[i].gsi, p->override[i].flags);
	if (p->s5_valid)
		printk("platform: S5 %u/%u%s\n", p->s5_typ_a, p->s5_typ_b,
		       p->hw_reduced ? " hw-reduced" : "");
	if (p->ecam_base)
		printk("platform: ecam %#llx buses %u-%u\n", (unsigned long long)p->ecam_base,
		       p->ecam_bus_start, p->ecam_bus_end);
	if (p->pvpanic)
		printk("platform: pvpanic port %#x\n", p->pvpanic_port);
}

void platform_discover(struct platform *p, const struct bootinfo *bi)
{
	const uint8_t *bda = phys_to_virt(0);
	uint32_t base_kib = bda[BDA_BASE_KIB] | bda[BDA_BASE_KIB + 1] << 8;
	uint32_t ebda = (uint32_t)(bda[BDA_EBDA_SEGMENT] | bda[BDA_EBDA_SEGMENT + 1] << 8) << 4;

	memmap = &bi->memmap;
	if (bi->rsdp && !acpi_parse(p, bi->rsdp, read_phys, printk_line))
		goto found;
	if (!mptable_parse(p, base_kib, ebda, read_phys, printk_line))
		goto found;
	printk("platform: no ACPI MADT and no MP table: one CPU, default IOAPIC\n");
	platform_defaults(p, cpuid(1, 0).ebx >> CPUID_1_EBX_APIC_ID_SHIFT);
found:
	if (show)
		show_platform(p);
}
