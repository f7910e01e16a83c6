/*
 * CRC-32 with the IEEE 802.3 polynomial, reflected, initial value and
 * final XOR all ones (the zlib and Ethernet CRC). The byte table is a
 * constant the preprocessor computes, so there is nothing to set up before
 * first use and nothing writable: the 32-bit loader uses it as is.
 */
#include <flint/crc32.h>

#define CRC32_POLY 0xEDB88320u	/* 0x04C11DB7, bit-reversed */

/* One bit of the division: shift right, subtract the polynomial if the
 * bit shifted out was 1. A table entry is the CRC of its byte's 8 bits. */
#define CRC32_BIT(c) (((c) >> 1) ^ (CRC32_POLY & (0u - ((c) & 1u))))
#define CRC32_BIT2(c) CRC32_BIT(CRC32_BIT(c))
#define CRC32_BIT4(c) CRC32_BIT2(CRC32_BIT2(c))
#define CRC32_ENTRY(n) CRC32_BIT4(CRC32_BIT4((uint32_t)(n)))
#define CRC32_ROW4(n) CRC32_ENTRY(n), CRC32_ENTRY((n) + 1), \
	CRC32_ENTRY((n) + 2), CRC32_ENTRY((n) + 3)
#define CRC32_ROW16(n) CRC32_ROW4(n), CRC32_ROW4((n) + 4), \
	CRC32_ROW4((n) + 8), CRC32_ROW4((n) + 12)
#define CRC32_ROW64(n) CRC32_ROW16(n), CRC32_ROW16((n) + 16), \
	CRC32_ROW16((n) + 32), CRC32_ROW16((n) + 48)

static const uint32_t crc32_table[256] = {
	CRC32_ROW64(0), CRC32_ROW64(64), CRC32_ROW64(128), CRC32_ROW64(192)
};

uint32_t crc32(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *b = p;

	crc = ~crc;
	while (n--)
		crc = crc32_table[(crc ^ *b++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}
