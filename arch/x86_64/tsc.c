/*
 * The clock: the TSC, with its frequency from CPUID leaf 0x15/0x16, else
 * kvmclock, else measured against the 8254 PIT. The measurement does not
 * busy-wait: it starts at the entry into C and every arch_clock_sample
 * (the bootchart calls it at each stage) extends it, so it spans the work
 * the boot does anyway and sharpens as the boot goes on.
 */
#include "tsc_freq.h"

#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/x86.h>
#include <flint/arch.h>
#include <flint/string.h>

/* CPUID leaves (SDM vol. 2A, CPUID). */
#define CPUID_TSC_LEAF 0x15
#define CPUID_FREQ_LEAF 0x16		/* EAX: base frequency in MHz */
/* KVM paravirtual CPUID and MSRs (Linux Documentation/virt/kvm/x86/cpuid.rst, msr.rst). */
#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES 0x40000001
#define KVM_FEATURE_CLOCKSOURCE (1u << 0)
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_SYSTEM_TIME 0x12
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_SYSTEM_TIME_ENABLE 1

/* 8254 PIT channel 2, gated by port 0x61 (IBM PC/AT technical reference;
 * Intel 8254 datasheet for the control word). */
#define PIT_HZ 1193182
#define PIT_CH2_DATA 0x42
#define PIT_CONTROL 0x43
#define PIT_CH2_RATE_LOHI 0xb4		/* channel 2, lobyte/hibyte, mode 2 */
#define PIT_CH2_LATCH 0x80		/* channel 2, counter latch */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
/* Stop refining after ~50 ms of PIT ticks: precise enough, and the 16-bit
 * counter wraps every 55 ms, which a later, sparser sample could miss. */
#define PIT_ENOUGH (PIT_HZ / 20)
#define NO_REFERENCE_KHZ 1000000	/* a guess, reported as such */

/* The kvmclock page the hypervisor writes (KVM msr.rst, MSR_KVM_SYSTEM_TIME_NEW). */
struct pvclock_vcpu_time_info {
	uint32_t version;		/* odd while the hypervisor updates */
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

static struct pvclock_vcpu_time_info kvmclock __attribute__((aligned(64)));

enum clock_source { SOURCE_NONE, SOURCE_CPUID15, SOURCE_CPUID16, SOURCE_KVMCLOCK, SOURCE_PIT };

static const char *const source_name[] = {
	[SOURCE_NONE] = "no reference (1 GHz assumed)",
	[SOURCE_CPUID15] = "cpuid 0x15",
	[SOURCE_CPUID16] = "cpuid 0x16",
	[SOURCE_KVMCLOCK] = "kvmclock",
	[SOURCE_PIT] = "pit",
};

static enum clock_source source;
static uint64_t khz;			/* the CPUID and kvmclock sources */

static struct {
	bool active;			/* sampling the PIT */
	uint16_t last;
	uint64_t ticks;
	uint64_t tsc_start, tsc_last;
} pit;

uint64_t arch_cycles(void)
{
	return rdtsc();
}

static bool from_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < CPUID_TSC_LEAF)
		return false;
	r = cpuid(CPUID_TSC_LEAF, 0);
	khz = tsc_khz_from_leaf15(r.eax, r.ebx, r.ecx);
	if (khz) {
		source = SOURCE_CPUID15;
		return true;
	}
	if (cpuid(0, 0).eax < CPUID_FREQ_LEAF)
		return false;
	khz = (uint64_t)(cpuid(CPUID_FREQ_LEAF, 0).eax & 0xffff) * 1000;
	if (khz)
		source = SOURCE_CPUID16;
	return khz != 0;
}

static bool from_kvmclock(void)
{
	struct cpuid_regs sig = cpuid(KVM_CPUID_SIGNATURE, 0);
	uint32_t features, msr, version;

	if (sig.ebx != 0x4b4d564b || sig.ecx != 0x564b4d56 || sig.edx != 0x4d ||
	    sig.eax < KVM_CPUID_FEATURES)	/* "KVMKVMKVM\0\0\0" */
		return false;
	features = cpuid(KVM_CPUID_FEATURES, 0).eax;
	if (features & KVM_FEATURE_CLOCKSOURCE2)
		msr = MSR_KVM_SYSTEM_TIME_NEW;
	else if (features & KVM_FEATURE_CLOCKSOURCE)
		msr = MSR_KVM_SYSTEM_TIME;
	else
		return false;
	wrmsr(msr, KERNEL_PHYS(&kvmclock) | KVM_SYSTEM_TIME_ENABLE);
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t mul;
		int8_t shift;

		version = __atomic_load_n(&kvmclock.version, __ATOMIC_ACQUIRE);
		mul = kvmclock.tsc_to_system_mul;
		shift = kvmclock.tsc_shift;
		if (version & 1 || __atomic_load_n(&kvmclock.version, __ATOMIC_ACQUIRE) != version)
			continue;
		khz = tsc_khz_from_pvclock(mul, shift);
		if (khz) {
			source = SOURCE_KVMCLOCK;
			return true;
		}
	}
	return false;
}

static uint16_t pit_read(void)
{
	uint8_t lo, hi;

	outb(PIT_CONTROL, PIT_CH2_LATCH);
	lo = inb(PIT_CH2_DATA);
	hi = inb(PIT_CH2_DATA);
	return (uint16_t)(hi << 8 | lo);
}

static void pit_start(void)
{
	outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_CONTROL, PIT_CH2_RATE_LOHI);
	outb(PIT_CH2_DATA, 0);		/* reload 0 = 65536 */
	outb(PIT_CH2_DATA, 0);
	pit.tsc_start = pit.tsc_last = rdtsc();
	pit.last = pit_read();
	pit.active = true;
	source = SOURCE_PIT;
}

void arch_clock_init(void)
{
	if (!from_cpuid() && !from_kvmclock())
		pit_start();
}

void arch_clock_sample(void)
{
	uint16_t now;

	if (!pit.active)
		return;
	pit.tsc_last = rdtsc();
	now = pit_read();
	pit.ticks += (uint16_t)(pit.last - now);	/* it counts down */
	pit.last = now;
	if (pit.ticks >= PIT_ENOUGH)
		pit.active = false;
}

void arch_clock_freeze(void)
{
	arch_clock_sample();
	pit.active = false;
}

uint64_t arch_cycles_khz(void)
{
	if (source == SOURCE_PIT) {
		uint64_t k = tsc_khz_from_reference(pit.tsc_last - pit.tsc_start, pit.ticks, PIT_HZ);

		if (k)
			return k;
		source = SOURCE_NONE;	/* the PIT never moved: there is none */
		pit.active = false;
	}
	return source == SOURCE_NONE ? NO_REFERENCE_KHZ : khz;
}

const char *arch_clock_source(void)
{
	return source_name[source];
}
