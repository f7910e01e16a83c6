#include "tsc_freq.h"

uint64_t tsc_khz_from_leaf15(uint32_t eax, uint32_t ebx, uint32_t ecx)
{
	if (!eax || !ebx || !ecx)
		return 0;
	return (uint64_t)ecx * ebx / eax / 1000;
}

uint64_t tsc_khz_from_pvclock(uint32_t mul, int8_t shift)
{
	/* Invert ns-per-cycle: kHz = 10^6 * 2^32 / mul, undoing the shift. */
	uint64_t khz;

	if (!mul)
		return 0;
	khz = (1000000ull << 32) / mul;
	/* The shift comes from the hypervisor: a result that cannot be
	 * represented is no frequency at all. */
	if (shift < 0)
		return -shift < 64 && khz <= UINT64_MAX >> -shift ? khz << -shift : 0;
	return shift < 64 ? khz >> shift : 0;
}

uint64_t tsc_khz_from_reference(uint64_t cycles, uint64_t ref_ticks, uint64_t ref_hz)
{
	if (!ref_ticks)
		return 0;
	/* cycles * ref_hz / ref_ticks without a 128-bit product; the remainder
	 * term stays below 2^64 for any ref_ticks under 2^40. */
	return (cycles / ref_ticks * ref_hz + cycles % ref_ticks * ref_hz / ref_ticks) / 1000;
}
