/* The platform description when no firmware table says anything. */
#include <flint/platform.h>
#include <flint/string.h>

/* ISA IRQ 0 (the PIT) and the IOAPIC pin it reaches on QEMU. */
#define PIT_IRQ 0
#define PIT_GSI 2

void platform_defaults(struct platform *p, uint32_t apic_id)
{
	memset(p, 0, sizeof(*p));
	p->source = PLATFORM_DEFAULTS;
	p->lapic_addr = PLATFORM_LAPIC_DEFAULT;
	p->pic_present = true;

	p->ncpus = 1;
	p->cpu[0] = (struct platform_cpu){ .apic_id = apic_id, .acpi_uid = apic_id, .bsp = true };

	p->nioapics = 1;
	p->ioapic[0] = (struct platform_ioapic){
		.id = 0, .addr = PLATFORM_IOAPIC_DEFAULT, .gsi_base = 0,
	};

	/* Every QEMU x86 machine (q35, pc, microvm with or without ACPI)
	 * delivers the PIT's IRQ 0 on IOAPIC pin 2, as PC hardware does,
	 * even where its tables carry no override (qemu-test-platform.md
	 * §4.4). Firecracker's PIT arrives on pin 0, but Firecracker always
	 * has an MP table, so these defaults never describe it. */
	p->noverrides = 1;
	p->override[0] = (struct platform_override){
		.irq = PIT_IRQ, .gsi = PIT_GSI,
		.flags = INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE,
	};
}
