/*
 * Each CPU's one-shot timer: the local APIC timer in TSC-deadline mode
 * where CPUID offers it (a deadline in TSC cycles, no conversion), else in
 * one-shot mode with its count rate measured against the TSC once, at
 * scheduler start. SDM vol. 3A §11.5.4.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <flint/arch.h>
#include <flint/timer.h>

#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)	/* SDM vol. 2A Table 3-10 */
#define MSR_TSC_DEADLINE 0x6e0		/* SDM vol. 4 Table 2-2 */
#define MEASURE_US 100			/* 10^5 counts at 1 GHz: a rate, not a clock */
#define COUNT_MAX 0xffffffffu
#define ARM_MAX_MS 1000			/* keeps the conversion from overflowing */

static bool tsc_deadline;
static uint64_t lapic_khz;		/* one-shot mode: counts per ms */

static void timer_irq(void *arg)
{
	(void)arg;
	timer_interrupt();
}

/* Counts of the free-running timer over MEASURE_US of TSC, interrupts
 * masked (the LVT is). */
static void measure(void)
{
	uint64_t khz = arch_cycles_khz(), start, end;
	uint32_t left;

	apic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	apic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	start = arch_cycles();
	apic_write(LAPIC_TIMER_INITIAL, COUNT_MAX);
	while (arch_cycles() - start < khz * MEASURE_US / 1000)
		__asm__ volatile("pause");
	left = apic_read(LAPIC_TIMER_CURRENT);
	end = arch_cycles();
	apic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_khz = (uint64_t)(COUNT_MAX - left) * khz / (end - start);
	if (!lapic_khz)
		lapic_khz = 1;
}

void arch_timer_init(void)
{
	tsc_deadline = cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE;
	irq_set_fixed(TIMER_VECTOR, timer_irq, NULL);
	if (!tsc_deadline)
		measure();
}

void arch_timer_cpu_init(void)
{
	apic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	apic_write(LAPIC_LVT_TIMER,
		   TIMER_VECTOR | (tsc_deadline ? LVT_TIMER_TSC_DEADLINE : 0));
}

const char *arch_timer_mode(void)
{
	return tsc_deadline ? "tsc-deadline" : "one-shot";
}

void arch_timer_arm(uint64_t deadline)
{
	uint64_t now, count;

	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline);
		return;
	}
	now = arch_cycles();
	count = deadline > now ? deadline - now : 0;
	if (count > arch_cycles_khz() * ARM_MAX_MS)
		count = arch_cycles_khz() * ARM_MAX_MS;	/* an early interrupt re-arms */
	count = count * lapic_khz / arch_cycles_khz();
	/* 0 would stop the timer: a deadline already past fires at once. */
	if (!count)
		count = 1;
	apic_write(LAPIC_TIMER_INITIAL, count > COUNT_MAX ? COUNT_MAX : (uint32_t)count);
}

void arch_timer_stop(void)
{
	if (tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, 0);
	else
		apic_write(LAPIC_TIMER_INITIAL, 0);
}
