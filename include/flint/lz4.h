/* LZ4 frame and block decoding, and XXH32 (lib/lz4.c). Freestanding and
 * free of 64-bit division, so the 32-bit BIOS loader builds it too. Every
 * read and write is bounds-checked: a hostile stream gives an error. */
#ifndef FLINT_LZ4_H
#define FLINT_LZ4_H

#include <stddef.h>
#include <stdint.h>

/* Errors, all negative. */
#define LZ4_E_TRUNCATED		(-1)	/* input ends inside a field */
#define LZ4_E_MAGIC		(-2)	/* not an LZ4 frame */
#define LZ4_E_SKIPPABLE		(-3)	/* a skippable frame (not supported) */
#define LZ4_E_VERSION		(-4)	/* frame version is not 01 */
#define LZ4_E_RESERVED		(-5)	/* a reserved descriptor bit or value */
#define LZ4_E_DICT		(-6)	/* needs a dictionary (not supported) */
#define LZ4_E_HEADER_CHECKSUM	(-7)
#define LZ4_E_BLOCK_SIZE	(-8)	/* block larger than the frame's maximum */
#define LZ4_E_BLOCK_CHECKSUM	(-9)
#define LZ4_E_CONTENT_CHECKSUM	(-10)
#define LZ4_E_CONTENT_SIZE	(-11)	/* output size differs from the header's */
#define LZ4_E_OUTPUT_FULL	(-12)	/* dst_cap too small */
#define LZ4_E_OFFSET		(-13)	/* match offset 0 or before the window */
#define LZ4_E_TRAILING		(-14)	/* bytes after the frame's end */

/*
 * Decodes one complete LZ4 frame of exactly src_len bytes into dst.
 * Returns the number of bytes written, or a negative LZ4_E_* error (dst
 * may then hold partial output). Checksums present in the frame are
 * verified. dst_cap above LONG_MAX is treated as LONG_MAX.
 */
long lz4_decode_frame(const void *src, size_t src_len, void *dst, size_t dst_cap);

/*
 * Decodes one LZ4 block (a sequence list, no header) of src_len bytes into
 * dst. Matches may reach back into the dst_prefix bytes just before dst
 * (the output of earlier linked blocks), never further. Returns the bytes
 * written or a negative LZ4_E_* error.
 */
long lz4_decode_block(const void *src, size_t src_len, void *dst, size_t dst_cap,
		      size_t dst_prefix);

/* Short English text for an LZ4_E_* value. */
const char *lz4_strerror(long err);

/* XXH32 of n bytes with the given seed. */
uint32_t xxh32(const void *p, size_t n, uint32_t seed);

#endif
