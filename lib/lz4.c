/*
 * LZ4 frame and block decoding and XXH32, written from the LZ4 Frame Format
 * Description (v1.6.x), the LZ4 Block Format Description and the xxHash
 * specification (XXH32). Used by the 32-bit BIOS loader, so: no 64-bit
 * division, no allocation, no global state. Nothing is read from src or
 * written to dst without a bounds check first, and every loop consumes
 * input or produces bounded output, so a hostile stream ends in an error.
 */
#include <flint/lz4.h>
#include <flint/string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "load32 reads little-endian fields with native loads"
#endif

/* xxHash spec, "XXH32 Algorithm Description": the five primes, the stripe
 * of four 32-bit lanes, the rotation of a round (step 2), those of the
 * accumulator convergence (step 3), of the input's tail (step 5), and the
 * shifts of the final mix (step 6). */
#define XXH_PRIME32_1 0x9E3779B1u
#define XXH_PRIME32_2 0x85EBCA77u
#define XXH_PRIME32_3 0xC2B2AE3Du
#define XXH_PRIME32_4 0x27D4EB2Fu
#define XXH_PRIME32_5 0x165667B1u
#define XXH32_LANE 4
#define XXH32_STRIPE (4 * XXH32_LANE)
#define XXH32_ROUND_ROT 13
#define XXH32_CONVERGE_ROT1 1
#define XXH32_CONVERGE_ROT2 7
#define XXH32_CONVERGE_ROT3 12
#define XXH32_CONVERGE_ROT4 18
#define XXH32_TAIL4_ROT 17
#define XXH32_TAIL1_ROT 11
#define XXH32_MIX_SHIFT1 15
#define XXH32_MIX_SHIFT2 13
#define XXH32_MIX_SHIFT3 16

/* LZ4 block format, "Compressed block format": a token's two 4-bit
 * lengths, where 15 means "more length bytes follow", each adding up to
 * 255 and another following only after 255; a 2-byte little-endian offset;
 * match lengths start at 4. */
#define LZ4_TOKEN_LIT_SHIFT 4
#define LZ4_RUN_MASK 15
#define LZ4_LEN_MORE 255
#define LZ4_MIN_MATCH 4
#define LZ4_OFFSET_BYTES 2

/* LZ4 frame format, "General Structure" and "Frame Descriptor". */
#define LZ4F_MAGIC 0x184D2204u
#define LZ4F_SKIPPABLE_MAGIC 0x184D2A50u	/* "Skippable Frames": 0x184D2A5? */
#define LZ4F_SKIPPABLE_MASK 0xFFFFFFF0u
#define LZ4F_FLG_VERSION_SHIFT 6
#define LZ4F_VERSION 1
#define LZ4F_FLG_B_INDEP 0x20
#define LZ4F_FLG_B_CHECKSUM 0x10
#define LZ4F_FLG_C_SIZE 0x08
#define LZ4F_FLG_C_CHECKSUM 0x04
#define LZ4F_FLG_RESERVED 0x02
#define LZ4F_FLG_DICT_ID 0x01
#define LZ4F_BD_RESERVED 0x8F
#define LZ4F_BD_MAX_SHIFT 4
#define LZ4F_BD_MAX_MASK 7
#define LZ4F_BD_MAX_LOWEST 4	/* 4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB */
#define LZ4F_BLOCK_MAX_LOWEST 0x10000u
#define LZ4F_FLG_BD_BYTES 2
#define LZ4F_CONTENT_SIZE_BYTES 8
#define LZ4F_HC_SHIFT 8		/* HC = (XXH32(descriptor, 0) >> 8) & 0xFF */
#define LZ4F_HC_MASK 0xFF
#define LZ4F_HC_BYTES 1
#define LZ4F_FIELD_BYTES 4	/* magic, block sizes, checksums */
/* "Data Blocks": the size's high bit marks a block stored uncompressed;
 * "End Mark": a size of 0 ends the blocks. */
#define LZ4F_BLOCK_STORED 0x80000000u
#define LZ4F_END_MARK 0u

/* The return value of the decoders must hold any output size. (GCC's own
 * macro: <limits.h> would pull in the C library's, absent for -m32.) */
#define LZ4_MAX_OUTPUT ((size_t)__LONG_MAX__)

#define WORD 8	/* bytes moved per step by the copy loops */

static uint32_t load32(const unsigned char *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rotl32(uint32_t x, unsigned r)
{
	return (x << r) | (x >> (32 - r));
}

static uint32_t xxh32_round(uint32_t acc, uint32_t lane)
{
	return rotl32(acc + lane * XXH_PRIME32_2, XXH32_ROUND_ROT) * XXH_PRIME32_1;
}

uint32_t xxh32(const void *p, size_t n, uint32_t seed)
{
	const unsigned char *b = p, *end = b + n;
	uint32_t h;

	if (n >= XXH32_STRIPE) {
		uint32_t v1 = seed + XXH_PRIME32_1 + XXH_PRIME32_2, v2 = seed + XXH_PRIME32_2;
		uint32_t v3 = seed, v4 = seed - XXH_PRIME32_1;

		do {
			v1 = xxh32_round(v1, load32(b));
			v2 = xxh32_round(v2, load32(b + XXH32_LANE));
			v3 = xxh32_round(v3, load32(b + 2 * XXH32_LANE));
			v4 = xxh32_round(v4, load32(b + 3 * XXH32_LANE));
			b += XXH32_STRIPE;
		} while (end - b >= XXH32_STRIPE);
		h = rotl32(v1, XXH32_CONVERGE_ROT1) + rotl32(v2, XXH32_CONVERGE_ROT2) +
		    rotl32(v3, XXH32_CONVERGE_ROT3) + rotl32(v4, XXH32_CONVERGE_ROT4);
	} else {
		h = seed + XXH_PRIME32_5;
	}
	h += (uint32_t)n;	/* the length modulo 2^32, as the spec says */
	for (; end - b >= XXH32_LANE; b += XXH32_LANE)
		h = rotl32(h + load32(b) * XXH_PRIME32_3, XXH32_TAIL4_ROT) * XXH_PRIME32_4;
	for (; b < end; b++)
		h = rotl32(h + *b * XXH_PRIME32_5, XXH32_TAIL1_ROT) * XXH_PRIME32_1;
	h ^= h >> XXH32_MIX_SHIFT1;
	h *= XXH_PRIME32_2;
	h ^= h >> XXH32_MIX_SHIFT2;
	h *= XXH_PRIME32_3;
	h ^= h >> XXH32_MIX_SHIFT3;
	return h;
}

/* Forward copy, a word at a time (x86 allows unaligned access). Safe for
 * overlapping ranges as long as src is at least WORD bytes before dst. */
static void copy_forward(unsigned char *dst, const unsigned char *src, size_t n)
{
	for (; n >= WORD; n -= WORD, dst += WORD, src += WORD)
		__builtin_memcpy(dst, src, WORD);
	while (n--)
		*dst++ = *src++;
}

/* Writes len bytes of a match found off bytes back. */
static void copy_match(unsigned char *op, size_t off, size_t len)
{
	const unsigned char *m = op - off;
	size_t head, step;

	if (off >= WORD) {
		copy_forward(op, m, len);
		return;
	}
	/* Short offsets repeat a pattern of off bytes: write the first bytes
	 * one by one; from there on any multiple of off that is at least a
	 * word is a distance that word copies can use. */
	head = len < WORD ? len : WORD;
	for (size_t i = 0; i < head; i++)
		op[i] = m[i];
	for (step = off; step < WORD; step += off)
		;
	copy_forward(op + head, op + head - step, len - head);
}

/* Adds the extra bytes of a length whose nibble was 15. A length above
 * limit is an error (the caller cannot use it), which also keeps the sum
 * far from overflowing. */
static long read_length(const unsigned char **ip, const unsigned char *iend, size_t *len,
			size_t limit)
{
	unsigned b;

	do {
		if (*ip == iend)
			return LZ4_E_TRUNCATED;
		b = *(*ip)++;
		*len += b;
		if (*len > limit)
			return LZ4_E_OUTPUT_FULL;
	} while (b == LZ4_LEN_MORE);
	return 0;
}

long lz4_decode_block(const void *src, size_t src_len, void *dst, size_t dst_cap,
		      size_t dst_prefix)
{
	const unsigned char *ip = src, *const iend = ip + src_len;
	unsigned char *op = dst, *const start = dst, *oend;
	long err;

	if (dst_cap > LZ4_MAX_OUTPUT)
		dst_cap = LZ4_MAX_OUTPUT;
	oend = op + dst_cap;
	for (;;) {
		size_t lit, mlen, off, room;
		unsigned token;

		/* A block ends with a sequence of literals only: running out of
		 * input anywhere else means it was cut short. */
		if (ip == iend)
			return LZ4_E_TRUNCATED;
		token = *ip++;
		room = (size_t)(oend - op);
		lit = token >> LZ4_TOKEN_LIT_SHIFT;
		if (lit == LZ4_RUN_MASK && (err = read_length(&ip, iend, &lit, room)))
			return err;
		if (lit > room)
			return LZ4_E_OUTPUT_FULL;
		if (lit > (size_t)(iend - ip))
			return LZ4_E_TRUNCATED;
		copy_forward(op, ip, lit);
		op += lit;
		ip += lit;
		if (ip == iend)
			return op - start;

		if (iend - ip < LZ4_OFFSET_BYTES)
			return LZ4_E_TRUNCATED;
		off = ip[0] | (size_t)ip[1] << 8;
		ip += LZ4_OFFSET_BYTES;
		if (off == 0 || (off > dst_prefix && off - dst_prefix > (size_t)(op - start)))
			return LZ4_E_OFFSET;
		room = (size_t)(oend - op);
		mlen = token & LZ4_RUN_MASK;
		if (mlen == LZ4_RUN_MASK && (err = read_length(&ip, iend, &mlen, room)))
			return err;
		mlen += LZ4_MIN_MATCH;
		if (mlen > room)
			return LZ4_E_OUTPUT_FULL;
		copy_match(op, off, mlen);
		op += mlen;
	}
}

long lz4_decode_frame(const void *src, size_t src_len, void *dst, size_t dst_cap)
{
	const unsigned char *ip = src, *const iend = ip + src_len, *desc;
	unsigned char *const out = dst, *op = dst, *oend;
	uint64_t content_size = 0;
	size_t desc_len, block_max;
	unsigned flg, bd, max_code;
	uint32_t magic;

	if (dst_cap > LZ4_MAX_OUTPUT)
		dst_cap = LZ4_MAX_OUTPUT;
	oend = op + dst_cap;

	if (src_len < LZ4F_FIELD_BYTES)
		return LZ4_E_TRUNCATED;
	magic = load32(ip);
	if ((magic & LZ4F_SKIPPABLE_MASK) == LZ4F_SKIPPABLE_MAGIC)
		return LZ4_E_SKIPPABLE;
	if (magic != LZ4F_MAGIC)
		return LZ4_E_MAGIC;
	ip += LZ4F_FIELD_BYTES;

	/* Frame descriptor: FLG, BD, optional content size and dictionary id,
	 * then the header checksum byte. */
	if (iend - ip < LZ4F_FLG_BD_BYTES)
		return LZ4_E_TRUNCATED;
	desc = ip;
	flg = desc[0];
	bd = desc[1];
	if (flg >> LZ4F_FLG_VERSION_SHIFT != LZ4F_VERSION)
		return LZ4_E_VERSION;
	max_code = bd >> LZ4F_BD_MAX_SHIFT & LZ4F_BD_MAX_MASK;
	if ((flg & LZ4F_FLG_RESERVED) || (bd & LZ4F_BD_RESERVED) || max_code < LZ4F_BD_MAX_LOWEST)
		return LZ4_E_RESERVED;
	if (flg & LZ4F_FLG_DICT_ID)
		return LZ4_E_DICT;
	/* Each code up is four times the size. */
	block_max = (size_t)LZ4F_BLOCK_MAX_LOWEST << 2 * (max_code - LZ4F_BD_MAX_LOWEST);
	desc_len = LZ4F_FLG_BD_BYTES + (flg & LZ4F_FLG_C_SIZE ? LZ4F_CONTENT_SIZE_BYTES : 0);
	if ((size_t)(iend - desc) < desc_len + LZ4F_HC_BYTES)
		return LZ4_E_TRUNCATED;
	if ((xxh32(desc, desc_len, 0) >> LZ4F_HC_SHIFT & LZ4F_HC_MASK) != desc[desc_len])
		return LZ4_E_HEADER_CHECKSUM;
	if (flg & LZ4F_FLG_C_SIZE) {
		content_size = load32(desc + LZ4F_FLG_BD_BYTES) |
			       (uint64_t)load32(desc + LZ4F_FLG_BD_BYTES + 4) << 32;
		if (content_size > dst_cap)
			return LZ4_E_OUTPUT_FULL;
	}
	ip = desc + desc_len + LZ4F_HC_BYTES;

	for (;;) {
		size_t size, cap;
		uint32_t field;
		long n;

		if (iend - ip < LZ4F_FIELD_BYTES)
			return LZ4_E_TRUNCATED;
		field = load32(ip);
		ip += LZ4F_FIELD_BYTES;
		if (field == LZ4F_END_MARK)
			break;
		size = field & ~LZ4F_BLOCK_STORED;
		if (size > block_max)
			return LZ4_E_BLOCK_SIZE;
		if ((size_t)(iend - ip) < size)
			return LZ4_E_TRUNCATED;
		if (flg & LZ4F_FLG_B_CHECKSUM) {
			if ((size_t)(iend - ip) - size < LZ4F_FIELD_BYTES)
				return LZ4_E_TRUNCATED;
			if (xxh32(ip, size, 0) != load32(ip + size))
				return LZ4_E_BLOCK_CHECKSUM;
		}
		/* No block decodes to more than the frame's maximum. */
		cap = (size_t)(oend - op);
		if (cap > block_max)
			cap = block_max;
		if (field & LZ4F_BLOCK_STORED) {
			if (size > cap)
				return LZ4_E_OUTPUT_FULL;
			copy_forward(op, ip, size);
			n = (long)size;
		} else {
			/* Linked blocks may reach back into all earlier output. */
			n = lz4_decode_block(ip, size, op, cap,
					     flg & LZ4F_FLG_B_INDEP ? 0 : (size_t)(op - out));
			/* Full at the frame's limit: the block is at fault. */
			if (n == LZ4_E_OUTPUT_FULL && cap == block_max)
				return LZ4_E_BLOCK_SIZE;
			if (n < 0)
				return n;
		}
		op += n;
		ip += size;
		if (flg & LZ4F_FLG_B_CHECKSUM)
			ip += LZ4F_FIELD_BYTES;
	}

	if ((flg & LZ4F_FLG_C_SIZE) && content_size != (uint64_t)(op - out))
		return LZ4_E_CONTENT_SIZE;
	if (flg & LZ4F_FLG_C_CHECKSUM) {
		if (iend - ip < LZ4F_FIELD_BYTES)
			return LZ4_E_TRUNCATED;
		if (xxh32(out, (size_t)(op - out), 0) != load32(ip))
			return LZ4_E_CONTENT_CHECKSUM;
		ip += LZ4F_FIELD_BYTES;
	}
	if (ip != iend)
		return LZ4_E_TRAILING;
	return op - out;
}

const char *lz4_strerror(long err)
{
	static const char *const text[] = {
		[0] = "success",
		[-LZ4_E_TRUNCATED] = "input truncated",
		[-LZ4_E_MAGIC] = "not an LZ4 frame (bad magic)",
		[-LZ4_E_SKIPPABLE] = "skippable frame not supported",
		[-LZ4_E_VERSION] = "unsupported frame version",
		[-LZ4_E_RESERVED] = "reserved frame descriptor bit or value set",
		[-LZ4_E_DICT] = "dictionary not supported",
		[-LZ4_E_HEADER_CHECKSUM] = "frame header checksum mismatch",
		[-LZ4_E_BLOCK_SIZE] = "block larger than the frame's maximum",
		[-LZ4_E_BLOCK_CHECKSUM] = "block checksum mismatch",
		[-LZ4_E_CONTENT_CHECKSUM] = "content checksum mismatch",
		[-LZ4_E_CONTENT_SIZE] = "content size mismatch",
		[-LZ4_E_OUTPUT_FULL] = "output buffer too small",
		[-LZ4_E_OFFSET] = "match offset out of range",
		[-LZ4_E_TRAILING] = "data after the frame",
	};

	if (err > 0)
		err = 0;
	if (err <= -(long)(sizeof(text) / sizeof(text[0])))
		return "unknown LZ4 error";
	return text[-err];
}
