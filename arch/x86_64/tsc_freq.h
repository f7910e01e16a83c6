/* TSC frequency arithmetic (arch/x86_64/tsc_freq.c): pure, host-tested. */
#ifndef ARCH_TSC_FREQ_H
#define ARCH_TSC_FREQ_H

#include <stdint.h>

/* CPUID leaf 0x15: TSC = crystal * ebx / eax; 0 when not enumerated. */
uint64_t tsc_khz_from_leaf15(uint32_t eax, uint32_t ebx, uint32_t ecx);

/* kvmclock: ns = (tsc << shift or >> -shift) * mul >> 32. */
uint64_t tsc_khz_from_pvclock(uint32_t mul, int8_t shift);

/* Cycles counted while a reference clock of ref_hz counted ref_ticks. */
uint64_t tsc_khz_from_reference(uint64_t cycles, uint64_t ref_ticks, uint64_t ref_hz);

#endif
