/* arch/x86_64/tsc_freq.c: TSC frequency from CPUID 0x15, kvmclock and a
 * reference clock. */
#include "tsc_freq.h"

#include "check.h"

#define PIT_HZ 1193182

TEST(leaf15)
{
	CHECK_EQ(tsc_khz_from_leaf15(2, 176, 24000000), 2112000);
	CHECK_EQ(tsc_khz_from_leaf15(2, 300, 24000000), 3600000);
	CHECK_EQ(tsc_khz_from_leaf15(1, 84, 25000000), 2100000);
	CHECK_EQ(tsc_khz_from_leaf15(3, 2, 25000000), 16666);	/* 16666.67 */
	/* The product needs all 64 bits. */
	CHECK_EQ(tsc_khz_from_leaf15(1, UINT32_MAX, UINT32_MAX),
		 (uint64_t)UINT32_MAX * UINT32_MAX / 1000);
}

TEST(leaf15_not_enumerated)
{
	CHECK_EQ(tsc_khz_from_leaf15(0, 0, 0), 0);
	CHECK_EQ(tsc_khz_from_leaf15(0, 176, 24000000), 0);
	CHECK_EQ(tsc_khz_from_leaf15(2, 0, 24000000), 0);
	CHECK_EQ(tsc_khz_from_leaf15(2, 176, 0), 0);	/* no crystal frequency */
}

/* KVM's kvm_get_time_scale(NSEC_PER_SEC, hz): the (mul, shift) a host
 * publishes for a TSC of hz, such that
 * ns = ((tsc << shift) or (tsc >> -shift)) * mul >> 32. */
static void kvm_time_scale(uint64_t hz, uint32_t *mul, int8_t *shift)
{
	uint64_t scaled = 1000000000, tps64 = hz;
	uint32_t tps32;
	int s = 0;

	while (tps64 > scaled * 2 || tps64 >> 32) {
		tps64 >>= 1;
		s--;
	}
	tps32 = (uint32_t)tps64;
	while (tps32 <= scaled || scaled >> 32) {
		if (scaled >> 32 || tps32 & 0x80000000)
			scaled >>= 1;
		else
			tps32 <<= 1;
		s++;
	}
	*shift = (int8_t)s;
	*mul = (uint32_t)((scaled << 32) / tps32);
}

/* Nanoseconds kvmclock counts for tsc cycles. */
static uint64_t pvclock_ns(uint64_t tsc, uint32_t mul, int8_t shift)
{
	tsc = shift < 0 ? tsc >> -shift : tsc << shift;
	return (uint64_t)(((unsigned __int128)tsc * mul) >> 32);
}

TEST(pvclock_one_ghz)
{
	/* 2 * 2^31 / 2^32: one nanosecond per cycle. */
	CHECK_EQ(pvclock_ns(1000, 0x80000000, 1), 1000);
	CHECK_EQ(tsc_khz_from_pvclock(0x80000000, 1), 1000000);
}

TEST(pvclock_inverts_kvm_scale)
{
	static const uint64_t hz[] = {
		1000000000, 2100000000, 2500000000, 3000000000, 2999999999, 3700000000,
		4200000000, 1600000000, 800000000, 500000000, 100000000, 25000000,
		10000000000ull,
	};

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
		uint32_t mul;
		int8_t shift;
		uint64_t khz, want = hz[i] / 1000;

		kvm_time_scale(hz[i], &mul, &shift);
		/* The scale is sound: a second of cycles is about a second. */
		CHECKF(pvclock_ns(hz[i], mul, shift) / 1000 == 999999 ||
		       pvclock_ns(hz[i], mul, shift) / 1000 == 1000000,
		       "%" PRIu64 " Hz: mul %#" PRIx32 " shift %d is no scale", hz[i], mul, shift);
		khz = tsc_khz_from_pvclock(mul, shift);
		CHECKF(khz + 1 >= want && khz <= want + 1,
		       "%" PRIu64 " Hz (mul %#" PRIx32 ", shift %d): %" PRIu64 " kHz", hz[i], mul,
		       shift, khz);
	}
}

TEST(pvclock_zero_mul)
{
	CHECK_EQ(tsc_khz_from_pvclock(0, 0), 0);
	CHECK_EQ(tsc_khz_from_pvclock(0, -1), 0);
}

TEST(pvclock_hostile_shift_is_defined)
{
	/* The shift comes from the hypervisor's page: any int8_t must give a
	 * defined result (UBSan watches). Plausible shifts give the exact
	 * frequency; absurd ones may be refused with 0 where it would fit. */
	for (int s = INT8_MIN; s <= INT8_MAX; s++) {
		uint64_t khz = tsc_khz_from_pvclock(0x80000000, (int8_t)s);

		if (s >= 0)
			CHECKF(khz == (s < 64 ? 2000000ull >> s : 0), "shift %d: %" PRIu64, s, khz);
		else if (s >= -8)	/* up to a 512 GHz TSC */
			CHECKF(khz == 2000000ull << -s, "shift %d: %" PRIu64, s, khz);
		else if (s >= -42)	/* 2,000,000 << 42 still fits */
			CHECKF(khz == 0 || khz == 2000000ull << -s, "shift %d: %" PRIu64, s, khz);
	}
}

TEST(reference_exact)
{
	CHECK_EQ(tsc_khz_from_reference(2100000000, PIT_HZ, PIT_HZ), 2100000);
	CHECK_EQ(tsc_khz_from_reference(3000000, 1000, 1000000), 3000000);
	CHECK_EQ(tsc_khz_from_reference(0, 100, PIT_HZ), 0);
	CHECK_EQ(tsc_khz_from_reference(12345, 0, PIT_HZ), 0);	/* the clock never moved */
}

TEST(reference_pit_calibration)
{
	/* The way tsc.c uses it: cycles over a few tens of ms of PIT ticks. */
	static const uint64_t hz[] = { 1000000000, 2100000000, 2500000000, 3000000000,
				       3999999999, 5000000000ull };
	static const uint64_t ticks[] = { 1, 1193, 11932, 59659, 65536 * 3 };

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++)
		for (size_t j = 0; j < sizeof(ticks) / sizeof(ticks[0]); j++) {
			uint64_t cycles = (uint64_t)((unsigned __int128)hz[i] * ticks[j] / PIT_HZ);
			uint64_t khz = tsc_khz_from_reference(cycles, ticks[j], PIT_HZ);
			uint64_t want = hz[i] / 1000;
			/* cycles lost under one cycle: under ref_hz / ticks Hz */
			uint64_t slack = PIT_HZ / ticks[j] / 1000 + 2;

			CHECKF(khz <= want && khz + slack >= want,
			       "%" PRIu64 " Hz over %" PRIu64 " ticks: %" PRIu64 " kHz", hz[i],
			       ticks[j], khz);
		}
}

TEST(reference_matches_wide_arithmetic)
{
	/* Exact floor(cycles * ref_hz / ref_ticks) / 1000 wherever the result
	 * fits, for reference clocks up to 2^24 Hz (PIT, ACPI PM, HPET) over
	 * up to 2^40 ticks. */
	uint64_t seed = 0x75c;

	for (int i = 0; i < 200000; i++) {
		uint64_t ticks = 1 + (check_rand(&seed) >> (24 + check_below(&seed, 40)));
		uint64_t ref_hz = 1 + (check_rand(&seed) >> (40 + check_below(&seed, 24)));
		uint64_t cycles = check_rand(&seed) >> check_below(&seed, 64);
		unsigned __int128 exact = (unsigned __int128)cycles * ref_hz / ticks;

		if (exact >> 64)
			continue;
		CHECKF(tsc_khz_from_reference(cycles, ticks, ref_hz) == (uint64_t)exact / 1000,
		       "cycles %" PRIu64 " ticks %" PRIu64 " ref_hz %" PRIu64, cycles, ticks, ref_hz);
	}
}

int main(void)
{
	return check_run();
}
