/* Undoes what SeaBIOS/qboot programmed: PIT running, PICs initialised,
 * LAPIC enabled. Done with paging off, since the IOAPIC and LAPIC lie
 * outside Firecracker's 1 GiB identity map. */
#include <arch/io.h>

#include "console.h"
#include "devices.h"
#include "guest.h"
#include "layout.h"

#define PIT_COMMAND 0x43u
#define PIT_CH0_MODE0 0x30u		/* channel 0, lo/hi byte, mode 0; no count follows */
#define PIC1_DATA 0x21u
#define PIC2_DATA 0xA1u
#define PIC_MASK_ALL 0xFFu

#define IOAPIC_REGSEL 0x00u
#define IOAPIC_WINDOW 0x10u
#define IOAPIC_VERSION 0x01u
#define IOAPIC_MAX_ENTRY_SHIFT 16u	/* version register bits 16-23 */
#define IOAPIC_REDTBL 0x10u		/* entry i: registers 0x10 + 2i (low), + 1 (high) */
#define IOAPIC_MASKED 0x10000u		/* KVM's reset value of an entry */

#define LAPIC_TPR 0x080u
#define LAPIC_LDR 0x0D0u
#define LAPIC_DFR 0x0E0u
#define LAPIC_SVR 0x0F0u
#define LAPIC_ESR 0x280u
#define LAPIC_LVT_TIMER 0x320u
#define LAPIC_LVT_THERMAL 0x330u
#define LAPIC_LVT_PERF 0x340u
#define LAPIC_LVT_LINT0 0x350u
#define LAPIC_LVT_LINT1 0x360u
#define LAPIC_LVT_ERROR 0x370u
#define LAPIC_TIMER_INIT 0x380u
#define LAPIC_TIMER_DIVIDE 0x3E0u
#define LVT_MASKED 0x10000u
#define LINT0_EXTINT 0x700u		/* §4.4: vCPU 0, unmasked */
#define LINT1_NMI_MASKED 0x10400u	/* §4.4 */
#define SVR_DISABLED 0xFFu		/* §4.4: vector 0xFF, software-disabled */
#define SVR_ENABLED 0x1FFu
#define DFR_FLAT 0xFFFFFFFFu		/* KVM reset value */

static uint32_t ioapic_read(uint32_t reg)
{
	put32(FC_IOAPIC_ADDR + IOAPIC_REGSEL, reg);
	return get32(FC_IOAPIC_ADDR + IOAPIC_WINDOW);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	put32(FC_IOAPIC_ADDR + IOAPIC_REGSEL, reg);
	put32(FC_IOAPIC_ADDR + IOAPIC_WINDOW, v);
}

static uint32_t lapic_read(uint32_t reg)
{
	return get32(FC_LAPIC_ADDR + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	put32(FC_LAPIC_ADDR + reg, v);
}

static void ioapic_mask_all(void)
{
	uint32_t pins = (ioapic_read(IOAPIC_VERSION) >> IOAPIC_MAX_ENTRY_SHIFT & 0xFFu) + 1;
	uint32_t masked = 0;

	for (uint32_t i = 0; i < pins; i++) {
		ioapic_write(IOAPIC_REDTBL + 2 * i, IOAPIC_MASKED);
		ioapic_write(IOAPIC_REDTBL + 2 * i + 1, 0);
		masked += ioapic_read(IOAPIC_REDTBL + 2 * i) == IOAPIC_MASKED &&
			  ioapic_read(IOAPIC_REDTBL + 2 * i + 1) == 0;
	}
	if (pins != FC_IRQ_PINS || masked != pins)
		fail("IOAPIC at 0x%x: %u pins, %u masked (Firecracker: %u, all masked)",
		     FC_IOAPIC_ADDR, pins, masked, FC_IRQ_PINS);
	report("ioapic addr=0x%x pins=%u masked=%u", FC_IOAPIC_ADDR, pins, masked);
}

/* §4.4: KVM's reset state plus Firecracker's LINT0/LINT1. The LVTs are
 * written while the APIC is still software-enabled, so none is forced
 * masked, and SVR goes last. */
static void lapic_reset(void)
{
	lapic_write(LAPIC_SVR, SVR_ENABLED);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LDR, 0);
	lapic_write(LAPIC_DFR, DFR_FLAT);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_write(LAPIC_TIMER_DIVIDE, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_THERMAL, LVT_MASKED);
	lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LINT0_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LINT1_NMI_MASKED);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_DISABLED);
	report("lapic addr=0x%x svr=0x%x tpr=0x%x ldr=0x%x dfr=0x%x lint0=0x%x lint1=0x%x "
	       "timer=0x%x thermal=0x%x perf=0x%x error=0x%x init_count=0x%x divide=0x%x",
	       FC_LAPIC_ADDR, lapic_read(LAPIC_SVR), lapic_read(LAPIC_TPR),
	       lapic_read(LAPIC_LDR), lapic_read(LAPIC_DFR), lapic_read(LAPIC_LVT_LINT0),
	       lapic_read(LAPIC_LVT_LINT1), lapic_read(LAPIC_LVT_TIMER),
	       lapic_read(LAPIC_LVT_THERMAL), lapic_read(LAPIC_LVT_PERF),
	       lapic_read(LAPIC_LVT_ERROR), lapic_read(LAPIC_TIMER_INIT),
	       lapic_read(LAPIC_TIMER_DIVIDE));
}

void devices_normalise(void)
{
	outb(PIT_COMMAND, PIT_CH0_MODE0);
	report("pit channel0=mode0 count=none");
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
	report("pic master_imr=0x%x slave_imr=0x%x", inb(PIC1_DATA), inb(PIC2_DATA));
	ioapic_mask_all();
	lapic_reset();
}
