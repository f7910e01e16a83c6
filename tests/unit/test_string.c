/* lib/string.c's memcpy, memset and memmove against byte-at-a-time
 * references, at every alignment of both ends and lengths around the
 * word and block sizes, with guard bytes around the destination. The
 * kernel's names are renamed flint_* for this test (unit.mk). */
#include <flint/string.h>

#include "check.h"

#define AREA 512
#define GUARD 0xa5
#define MAX_ALIGN 16

static unsigned char src[AREA], dst[AREA], want[AREA];

static void fill(unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 151 + seed * 13 + 1);
}

/* The destination and the expectation all guard bytes: a store outside
 * the bytes a call may write shows as a difference. */
static void guard_all(void)
{
	for (size_t i = 0; i < AREA; i++)
		dst[i] = want[i] = GUARD;
}

static const size_t lengths[] = { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65,
				  100, 255, 256, 257, 400 };

TEST(memcpy_every_alignment)
{
	fill(src, AREA, 1);
	for (size_t so = 0; so < MAX_ALIGN; so++)
		for (size_t d = 0; d < MAX_ALIGN; d++)
			for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++) {
				size_t n = lengths[k];

				guard_all();
				for (size_t i = 0; i < n; i++)
					want[d + i] = src[so + i];
				CHECK(flint_memcpy(dst + d, src + so, n) == dst + d);
				CHECKF(!flint_memcmp(dst, want, AREA), "src+%zu dst+%zu len %zu", so,
				       d, n);
			}
}

TEST(memset_every_alignment)
{
	for (size_t d = 0; d < MAX_ALIGN; d++)
		for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++) {
			size_t n = lengths[k];

			guard_all();
			for (size_t i = 0; i < n; i++)
				want[d + i] = 0x3c;
			CHECK(flint_memset(dst + d, 0x3c, n) == dst + d);
			CHECKF(!flint_memcmp(dst, want, AREA), "dst+%zu len %zu", d, n);
		}
}

/* Overlapping both ways: forward moves go through memcpy's word loop,
 * which must read each word before the store that could overwrite it. */
TEST(memmove_overlaps)
{
	for (size_t so = 0; so < 2 * MAX_ALIGN; so++)
		for (size_t d = 0; d < 2 * MAX_ALIGN; d++)
			for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++) {
				size_t n = lengths[k];

				fill(dst, AREA, 2);
				for (size_t i = 0; i < AREA; i++)
					want[i] = dst[i];
				for (size_t i = 0; i < n; i++)
					want[d + i] = dst[so + i];
				CHECK(flint_memmove(dst + d, dst + so, n) == dst + d);
				CHECKF(!flint_memcmp(dst, want, AREA), "from +%zu to +%zu len %zu",
				       so, d, n);
			}
}

int main(void)
{
	return check_run();
}
