/*
 * The local APIC. x2APIC (MSR access, 32-bit APIC ids) is used when the
 * CPU offers it, else the xAPIC register page. SDM vol. 3A chapter 11.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <flint/arch.h>
#include <flint/panic.h>

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define X2APIC_MSR(reg) (0x800 + ((reg) >> 4))	/* SDM §11.12.1.2 */

/* Register offsets in the xAPIC page (SDM Table 11-1). */
#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define SVR_ENABLE 0x100
#define LVT_NMI 0x400
#define ICR_PENDING 0x1000		/* xAPIC delivery status */
#define ICR_WAIT_LIMIT 1000000

static volatile uint32_t *xapic;	/* the register page, unless x2APIC */
static bool x2apic;

uint32_t apic_read(unsigned reg)
{
	return x2apic ? (uint32_t)rdmsr(X2APIC_MSR(reg)) : xapic[reg / 4];
}

void apic_write(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR(reg), v);
	else
		xapic[reg / 4] = v;
}

bool apic_x2apic(void)
{
	return x2apic;
}

void apic_init_bsp(uint64_t lapic_phys)
{
	x2apic = cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC;
	if (!x2apic)
		xapic = arch_map_mmio(lapic_phys, 4096);
}

void apic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	apic_write(LAPIC_TPR, 0);
	apic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	apic_write(LAPIC_LVT_THERMAL, LVT_MASKED);
	apic_write(LAPIC_LVT_PERF, LVT_MASKED);
	apic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	/* LINT1 carries NMI on every PC the tables describe (MP/MADT). */
	apic_write(LAPIC_LVT_LINT1, LVT_NMI);
	apic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	apic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
}

uint32_t apic_id(void)
{
	return x2apic ? apic_read(LAPIC_ID) : apic_read(LAPIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(LAPIC_EOI, 0);
}

void apic_send_ipi(uint32_t dest, uint32_t icr)
{
	if (x2apic) {
		wrmsr(X2APIC_MSR(LAPIC_ICR_LOW), (uint64_t)dest << 32 | icr);
		return;
	}
	apic_write(LAPIC_ICR_HIGH, dest << 24);
	apic_write(LAPIC_ICR_LOW, icr);
	for (int i = 0; i < ICR_WAIT_LIMIT && (apic_read(LAPIC_ICR_LOW) & ICR_PENDING); i++)
		;
	if (apic_read(LAPIC_ICR_LOW) & ICR_PENDING)
		panic("apic: IPI %#x to APIC %u never left", icr, dest);
}
