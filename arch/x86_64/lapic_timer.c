/*
 * Each CPU's one-shot timer: the local APIC timer in TSC-deadline mode
 * where CPUID offers it (a deadline in TSC cycles, no conversion), else in
 * one-shot mode with its count rate measured against the TSC once, when a
 * timer is first armed (a boot that arms none never waits for it).
 * SDM vol. 3A §11.5.4.
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
enum { UNMEASURED, MEASURING, MEASURED };
static int measure_state;

static void timer_irq(void *arg)
{
	(void)arg;
	timer_interrupt();
}

/* Counts of the free-running timer over MEASURE_US of TSC, interrupts
 * masked (the LVT is), on the calling CPU: all local APIC timers count at
 * the same rate. The LVT is set up again after. */
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
	arch_timer_cpu_init();
}

/* The first CPU to arm a timer measures; others wait for its result. */
static void measure_once(void)
{
	int expect = UNMEASURED;

	if (__atomic_compare_exchange_n(&measure_state, &expect, MEASURING, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		measure();
		__atomic_store_n(&measure_state, MEASURED, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&measure_state, __ATOMIC_ACQUIRE) != MEASURED)
		__asm__ volatile("pause");
}

void arch_timer_init(void)
{
	tsc_deadline = cpuid(1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE;
	irq_set_fixed(TIMER_VECTOR, timer_irq, NULL);
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
	if (__atomic_load_n(&measure_state, __ATOMIC_ACQUIRE) != MEASURED)
		measure_once();
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
