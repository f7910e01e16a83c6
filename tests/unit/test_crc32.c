/* lib/crc32.c against Python's zlib.crc32 (the values below come from it). */
#include <flint/crc32.h>

#include "check.h"

#define BUF_LEN 4096

/* b[i] = i * 151 + 17, the same buffer the values were computed over. */
static void fill(unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 151 + 17);
}

TEST(known_answers)
{
	static const struct { const char *s; uint32_t want; } strings[] = {
		{ "", 0x00000000 },
		{ "a", 0xe8b7be43 },
		{ "abc", 0x352441c2 },
		{ "123456789", 0xcbf43926 },	/* the CRC-32 check value */
		{ "The quick brown fox jumps over the lazy dog", 0x414fa339 },
	};
	static const struct { unsigned char byte; uint32_t want; } bytes[] = {
		{ 0x00, 0xd202ef8d }, { 0x01, 0xa505df1b }, { 0x80, 0x3fba6cad },
		{ 0xff, 0xff000000 },
	};
	unsigned char b[BUF_LEN];

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		CHECKF(crc32(0, strings[i].s, strlen(strings[i].s)) == strings[i].want,
		       "\"%s\"", strings[i].s);
	for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++)
		CHECKF(crc32(0, &bytes[i].byte, 1) == bytes[i].want, "byte %#x", bytes[i].byte);
	memset(b, 0, 32);
	CHECK_EQ(crc32(0, b, 32), 0x190a55ad);
	memset(b, 0xff, 32);
	CHECK_EQ(crc32(0, b, 32), 0xff6cab0b);
	fill(b, sizeof(b));
	CHECK_EQ(crc32(0, b, sizeof(b)), 0x767b6c23);
}

/* Empty input leaves any CRC as it is (NULL included: nothing is read). */
TEST(empty)
{
	CHECK_EQ(crc32(0, NULL, 0), 0);
	CHECK_EQ(crc32(0x12345678, "", 0), 0x12345678);
	CHECK_EQ(crc32(0xffffffff, NULL, 0), 0xffffffff);
}

/* crc32(crc32(0, a), b) == crc32(0, ab), wherever the split is. */
TEST(chaining)
{
	unsigned char b[BUF_LEN];

	CHECK_EQ(crc32(0x352441c2, "def", 3), 0x4b8e39ef);	/* "abc", then "def" */
	fill(b, sizeof(b));
	for (size_t split = 0; split <= sizeof(b); split += 7)
		CHECKF(crc32(crc32(0, b, split), b + split, sizeof(b) - split) == 0x767b6c23,
		       "split at %zu", split);
}

TEST(any_alignment)
{
	unsigned char b[BUF_LEN + 8];

	for (size_t off = 0; off < 8; off++) {
		fill(b + off, BUF_LEN);
		CHECKF(crc32(0, b + off, BUF_LEN) == 0x767b6c23, "offset %zu", off);
	}
}

int main(void)
{
	return check_run();
}
