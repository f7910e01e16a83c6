/* lib/lz4.c: frames made by Debian's lz4 command (unit.mk writes them to
 * LZ4_FIXTURE_DIR, named in LZ4_FIXTURES), damaged and hand-made hostile
 * frames and blocks, and XXH32 known answers (from libxxhash 0.8.1). Every
 * input and output buffer is allocated to its exact size, so ASan reports
 * any access outside it. */
#include <flint/lz4.h>

#include <limits.h>

#include "check.h"

/* LZ4 frame format, "Frame Descriptor" and "Data Blocks". */
#define MAGIC 0x184D2204u
#define FLG_V01 0x40
#define FLG_B_INDEP 0x20
#define FLG_B_CHECKSUM 0x10
#define FLG_C_SIZE 0x08
#define FLG_C_CHECKSUM 0x04
#define FLG_RESERVED 0x02
#define FLG_DICT_ID 0x01
#define BD_64K 0x40
#define BLOCK_64K 65536
#define BLOCK_STORED 0x80000000u
#define HEADER_MIN 7	/* magic, FLG, BD, HC */

struct buf {
	unsigned char *p;
	size_t n;
};

static struct buf buf_copy(const void *p, size_t n)
{
	struct buf b = { malloc(n), n };

	CHECK(b.p || n == 0);
	if (n)
		memcpy(b.p, p, n);
	return b;
}

static struct buf read_file(const char *name)
{
	char path[512];
	struct buf b = { NULL, 0 };
	unsigned char chunk[1 << 16];
	size_t got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", LZ4_FIXTURE_DIR, name);
	f = fopen(path, "rb");
	CHECKF(f, "cannot open %s (make unit-tests writes it; it needs lz4)", path);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		b.p = realloc(b.p, b.n + got);
		CHECK(b.p);
		memcpy(b.p + b.n, chunk, got);
		b.n += got;
	}
	fclose(f);
	/* Exactly sized (realloc'ed to each new length), never NULL. */
	if (!b.p)
		b.p = malloc(0);
	CHECK(b.p);
	return b;
}

/* Decodes a copy of src (exactly sized) into an exactly sized buffer of
 * cap bytes; the output stays in *out when out is not NULL. */
static long decode(const void *src, size_t n, size_t cap, struct buf *out)
{
	struct buf in = buf_copy(src, n), dst = { malloc(cap), cap };
	long r;

	CHECK(dst.p || cap == 0);
	r = lz4_decode_frame(in.p, in.n, dst.p, dst.n);
	CHECKF(r < 0 || (size_t)r <= cap, "decoded %ld bytes into %zu", r, cap);
	free(in.p);
	if (out)
		*out = dst;
	else
		free(dst.p);
	return r;
}

/* Calls fn(name) for every fixture: "<input>.<options>". */
static void each_fixture(void (*fn)(const char *name))
{
	const char *s = LZ4_FIXTURES;
	char name[64];
	unsigned count = 0;

	while (*s) {
		size_t len = strcspn(s, " ");

		CHECK(len > 0 && len < sizeof(name));
		memcpy(name, s, len);
		name[len] = '\0';
		fn(name);
		count++;
		s += len;
		s += strspn(s, " ");
	}
	CHECK(count >= 10);
}

/* The header's length, for walking the blocks of a fixture. */
static size_t header_len(const struct buf *f)
{
	CHECK(f->n >= HEADER_MIN);
	return HEADER_MIN + (f->p[4] & FLG_C_SIZE ? 8 : 0);
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> 8 * i);
}

/* Rewrites FLG and fixes the header checksum to match. */
static void set_flg(struct buf *f, unsigned flg)
{
	size_t hc = header_len(f) - 1;

	f->p[4] = (unsigned char)flg;
	f->p[hc] = (unsigned char)(xxh32(f->p + 4, hc - 4, 0) >> 8);
}

/* Counts the compressed and the stored blocks of a frame. */
static void count_blocks(const struct buf *f, unsigned *compressed, unsigned *stored)
{
	size_t p = header_len(f);

	*compressed = *stored = 0;
	for (;;) {
		uint32_t size;

		CHECK(p + 4 <= f->n);
		size = get32(f->p + p);
		p += 4;
		if (!size)
			break;
		++*(size & BLOCK_STORED ? stored : compressed);
		p += (size & ~BLOCK_STORED) + (f->p[4] & FLG_B_CHECKSUM ? 4 : 0);
	}
}

TEST(xxh32_known_answers)
{
	/* XXH32(b, n, 0) for n = 0..40, b[i] = i * 151 + 17. */
	static const uint32_t by_length[] = {
		0x02cc5d05, 0xb804f774, 0x30173757, 0x4f5abc73, 0x5d959c7a, 0xa40da6f8,
		0x396563b3, 0xacd12b82, 0xe38b1388, 0xe42fe77b, 0xa44e60a8, 0x2a46bbef,
		0x6a42156b, 0xa8842277, 0x6d108092, 0xa9d5f605, 0x72c58b6a, 0x590e05d6,
		0x31e337a5, 0x7556248d, 0x69dbaaf3, 0xe6cf2c84, 0x7f70b922, 0xd9d47e2b,
		0x0231a7d4, 0x7f24b368, 0xd3aec851, 0x18cf9a53, 0x0458b1f0, 0x65a978df,
		0x9d7dd5de, 0xe96e3458, 0xdf61fbd5, 0x4b8a222a, 0x81d236a0, 0x79ba9d2c,
		0xec95dc54, 0x36c6406d, 0xd3d8f703, 0x31959ec3, 0x57abc6f7,
	};
	static const struct { size_t n; uint32_t seed, want; } seeded[] = {
		{ 0, 0x00000001, 0x0b2cb792 }, { 3, 0x00000001, 0x6d7fb4a8 },
		{ 16, 0x00000001, 0xe12f7073 }, { 33, 0x00000001, 0x7c97adb5 },
		{ 4096, 0x00000001, 0xc719715a }, { 0, 0x9e3779b1, 0x36b78ae7 },
		{ 3, 0x9e3779b1, 0x0f039f93 }, { 16, 0x9e3779b1, 0x5142d109 },
		{ 33, 0x9e3779b1, 0x10b34c07 }, { 4096, 0x9e3779b1, 0x28915ee8 },
		{ 0, 0xffffffff, 0x9061da9d }, { 3, 0xffffffff, 0xd23c3d17 },
		{ 16, 0xffffffff, 0x0c8665bc }, { 33, 0xffffffff, 0x54b2229a },
		{ 4096, 0xffffffff, 0xb8792678 },
	};
	static const struct { const char *s; uint32_t want; } strings[] = {
		{ "", 0x02cc5d05 }, { "a", 0x550d7456 }, { "abc", 0x32d153ff },
		{ "Nobody inspects the spammish repetition", 0xe2293b2f },
	};
	unsigned char b[4096];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 151 + 17);
	for (size_t n = 0; n < sizeof(by_length) / sizeof(by_length[0]); n++) {
		struct buf exact = buf_copy(b, n);

		CHECKF(xxh32(exact.p, n, 0) == by_length[n], "length %zu", n);
		free(exact.p);
	}
	for (size_t i = 0; i < sizeof(seeded) / sizeof(seeded[0]); i++)
		CHECKF(xxh32(b, seeded[i].n, seeded[i].seed) == seeded[i].want,
		       "length %zu seed %#x", seeded[i].n, seeded[i].seed);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		CHECK_EQ(xxh32(strings[i].s, strlen(strings[i].s), 0), strings[i].want);
}

TEST(xxh32_any_alignment)
{
	unsigned char b[4096 + 8];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 151 + 17);
	for (size_t off = 1; off < 8; off++) {
		memmove(b + off, b + off - 1, 4096);
		CHECKF(xxh32(b + off, 4096, 1) == 0xc719715a, "offset %zu", off);
	}
}

static void decodes_exactly(const char *name)
{
	char file[80];
	struct buf frame, raw, out;
	long r;

	snprintf(file, sizeof(file), "%s.lz4", name);
	frame = read_file(file);
	snprintf(file, sizeof(file), "%.*s.raw", (int)strcspn(name, "."), name);
	raw = read_file(file);
	r = decode(frame.p, frame.n, raw.n, &out);
	CHECKF(r == (long)raw.n, "%s: %ld (%s), want %zu", name, r, lz4_strerror(r), raw.n);
	CHECKF(!memcmp(out.p, raw.p, raw.n), "%s: output differs", name);
	free(out.p);
	/* Room to spare changes nothing; one byte too few is an error. */
	r = decode(frame.p, frame.n, raw.n + 100, NULL);
	CHECKF(r == (long)raw.n, "%s with room: %ld", name, r);
	if (raw.n) {
		r = decode(frame.p, frame.n, raw.n - 1, NULL);
		CHECKF(r == LZ4_E_OUTPUT_FULL, "%s into %zu bytes: %ld", name, raw.n - 1, r);
	}
	free(frame.p);
	free(raw.p);
}

TEST(lz4_command_frames)
{
	each_fixture(decodes_exactly);
}

/* The option sets did what they say: "all" and "image" (what flint-img
 * uses) have the flags, and -B4 made several blocks, one stored. (For an
 * input that fits one block, the lz4 command makes the frame independent
 * whatever -BD says, and picks the smallest block size that holds it.) */
TEST(lz4_command_options)
{
	struct buf all = read_file("mix.all.lz4"), image = read_file("mix.image.lz4");
	struct buf b4 = read_file("mix.b4.lz4");
	unsigned compressed, stored;

	CHECK_EQ(all.p[4], FLG_V01 | FLG_B_CHECKSUM | FLG_C_SIZE | FLG_C_CHECKSUM);
	CHECK_EQ(all.p[5], BD_64K);
	CHECK_EQ(image.p[4], FLG_V01 | FLG_B_INDEP | FLG_C_SIZE | FLG_C_CHECKSUM);
	CHECK_EQ(b4.p[4], FLG_V01 | FLG_B_INDEP | FLG_C_CHECKSUM);
	count_blocks(&b4, &compressed, &stored);
	CHECK(compressed >= 3);
	CHECK(stored >= 1);
	free(all.p);
	free(image.p);
	free(b4.p);
}

/* Linked blocks refer back across block boundaries: marked independent,
 * the same frame must fail on an offset reaching before its block. */
TEST(linked_blocks_refer_back)
{
	static const char *const names[] = { "mix.b4linked.lz4", "mix.linked.lz4" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct buf f = read_file(names[i]);

		CHECKF(!(f.p[4] & FLG_B_INDEP), "%s", names[i]);
		CHECK(decode(f.p, f.n, 400000, NULL) > 0);
		set_flg(&f, f.p[4] | FLG_B_INDEP);
		CHECKF(decode(f.p, f.n, 400000, NULL) == LZ4_E_OFFSET, "%s", names[i]);
		free(f.p);
	}
}

TEST(truncated_at_every_length)
{
	static const char *const names[] = {
		"small.all.lz4", "small.nocrc.lz4", "small.default.lz4", "small.size.lz4",
		"one.default.lz4", "empty.size.lz4", "zeros.b4linked.lz4",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct buf f = read_file(names[i]);

		CHECKF(decode(f.p, f.n, 200000, NULL) >= 0, "%s whole", names[i]);
		for (size_t n = 0; n < f.n; n++) {
			long r = decode(f.p, n, 200000, NULL);

			CHECKF(r < 0, "%s cut to %zu bytes: %ld", names[i], n, r);
		}
		free(f.p);
	}
}

/* With a content or block checksum, no flipped bit goes unnoticed: it is
 * an error, or it changes nothing decoded. The only such bits are the
 * last token's match length, which the last sequence (literals only) has
 * no use for. */
TEST(bit_flips_with_checksums)
{
	static const char *const names[] = {
		"small.all", "small.default", "small.size", "small.blockcrc", "one.default",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char file[64];
		struct buf f, raw;
		unsigned unchanged = 0;

		snprintf(file, sizeof(file), "%s.lz4", names[i]);
		f = read_file(file);
		snprintf(file, sizeof(file), "%.*s.raw", (int)strcspn(names[i], "."), names[i]);
		raw = read_file(file);
		for (size_t at = 0; at < f.n; at++) {
			for (int bit = 0; bit < 8; bit++) {
				struct buf out;
				long r;

				f.p[at] ^= 1 << bit;
				r = decode(f.p, f.n, raw.n, &out);
				CHECKF(r < 0 || (r == (long)raw.n && !memcmp(out.p, raw.p, raw.n)),
				       "%s, bit %d of byte %zu: %ld", names[i], bit, at, r);
				unchanged += r >= 0;
				f.p[at] ^= 1 << bit;
				free(out.p);
			}
		}
		CHECKF(unchanged <= 4, "%s: %u flips unnoticed", names[i], unchanged);
		free(f.p);
		free(raw.p);
	}
}

/* Without checksums a flip may go unnoticed, but never past the buffers. */
TEST(bit_flips_without_checksums)
{
	struct buf f = read_file("small.nocrc.lz4");
	unsigned errors = 0;

	for (size_t at = 0; at < f.n; at++) {
		for (int bit = 0; bit < 8; bit++) {
			f.p[at] ^= 1 << bit;
			errors += decode(f.p, f.n, 2000, NULL) < 0;
			f.p[at] ^= 1 << bit;
		}
	}
	CHECK(errors > 0);
	free(f.p);
}

/* Random damage after the header (the header checksum would catch it
 * there) of a frame without checksums: only bounds keep the decoder in. */
TEST(random_damage)
{
	struct buf f = read_file("mix.nocrc.lz4"), linked = read_file("mix.b4linked.lz4");
	struct buf *frames[] = { &f, &linked };
	uint64_t seed = 42;

	set_flg(&linked, linked.p[4] & ~FLG_C_CHECKSUM);
	for (int i = 0; i < 600; i++) {
		struct buf *src = frames[i & 1], d = buf_copy(src->p, src->n);
		size_t head = header_len(&d);
		int changes = 1 + (int)check_below(&seed, 8);

		for (int c = 0; c < changes; c++)
			d.p[head + check_below(&seed, d.n - head)] = (unsigned char)check_rand(&seed);
		decode(d.p, d.n, 1 + check_below(&seed, 400000), NULL);
		free(d.p);
	}
	free(f.p);
	free(linked.p);
}

/* Random bytes as a block, with and without a prefix before dst. */
TEST(random_blocks)
{
	uint64_t seed = 7;
	unsigned char prefixed[64 + 300];

	for (int i = 0; i < 200000; i++) {
		unsigned char src[48];
		size_t n = check_below(&seed, sizeof(src) + 1), cap = check_below(&seed, 300);
		size_t prefix = check_below(&seed, 65);
		struct buf in, dst;
		long r;

		for (size_t k = 0; k < n; k++)
			src[k] = (unsigned char)check_rand(&seed);
		in = buf_copy(src, n);
		if (i & 1) {
			dst = (struct buf){ malloc(cap), cap };
			r = lz4_decode_block(in.p, n, dst.p, cap, 0);
			free(dst.p);
		} else {
			r = lz4_decode_block(in.p, n, prefixed + prefix, cap, prefix);
		}
		CHECK(r < 0 || (size_t)r <= cap);
		free(in.p);
	}
}

/* Appends the extra bytes of a length whose token nibble is 15. */
static size_t put_extra(unsigned char *b, size_t n, size_t len)
{
	if (len < 15)
		return n;
	for (len -= 15; len >= 255; len -= 255)
		b[n++] = 255;
	b[n++] = (unsigned char)len;
	return n;
}

/* Appends one sequence to a block: literals, then (mlen > 0) a match. */
static size_t put_sequence(unsigned char *b, size_t n, const void *lit, size_t nlit,
			   size_t off, size_t mlen)
{
	size_t token = n++;

	b[token] = (unsigned char)((nlit < 15 ? nlit : 15) << 4);
	n = put_extra(b, n, nlit);
	memcpy(b + n, lit, nlit);
	n += nlit;
	if (!mlen)
		return n;
	b[n++] = (unsigned char)off;
	b[n++] = (unsigned char)(off >> 8);
	b[token] |= mlen - 4 < 15 ? mlen - 4 : 15;
	return put_extra(b, n, mlen - 4);
}

static long block(const unsigned char *src, size_t n, size_t cap, struct buf *out)
{
	struct buf in = buf_copy(src, n), dst = { malloc(cap), cap };
	long r = lz4_decode_block(in.p, n, dst.p, cap, 0);

	free(in.p);
	if (out)
		*out = dst;
	else
		free(dst.p);
	return r;
}

/* Every short offset (overlapping copies) and length, and the length
 * encodings around 15 and 15 + 255, against a byte-by-byte reference. */
TEST(block_matches)
{
	static unsigned char src[2048], want[2048];
	static const size_t lengths[] = { 4, 5, 7, 8, 9, 15, 16, 18, 19, 20, 33, 64, 269,
					   270, 271, 273, 274, 600 };
	static const size_t literals[] = { 1, 14, 15, 16, 269, 270, 271, 300 };

	for (size_t off = 1; off <= 20; off++) {
		for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
			for (size_t k = 0; k < sizeof(literals) / sizeof(literals[0]); k++) {
				size_t nlit = literals[k], mlen = lengths[l], n, total;
				unsigned char lit[300];
				struct buf out;
				long r;

				if (off > nlit)
					continue;
				for (size_t i = 0; i < nlit; i++)
					lit[i] = (unsigned char)(i * 37 + off);
				n = put_sequence(src, 0, lit, nlit, off, mlen);
				n = put_sequence(src, n, "end", 3, 0, 0);
				memcpy(want, lit, nlit);
				for (size_t i = 0; i < mlen; i++)
					want[nlit + i] = want[nlit + i - off];
				memcpy(want + nlit + mlen, "end", 3);
				total = nlit + mlen + 3;
				r = block(src, n, total, &out);
				CHECKF(r == (long)total && !memcmp(out.p, want, total),
				       "offset %zu length %zu literals %zu: %ld", off, mlen, nlit, r);
				free(out.p);
				r = block(src, n, total - 1, NULL);
				CHECKF(r == LZ4_E_OUTPUT_FULL, "one byte short: %ld", r);
			}
		}
	}
}

TEST(block_hostile)
{
	unsigned char b[1 << 16];
	size_t n;

	/* Offset 0, and an offset reaching before the output. */
	n = put_sequence(b, 0, "abc", 3, 0, 4);
	n = put_sequence(b, n, "z", 1, 0, 0);
	CHECK_EQ(block(b, n, 100, NULL), LZ4_E_OFFSET);
	n = put_sequence(b, 0, "abc", 3, 4, 4);
	n = put_sequence(b, n, "z", 1, 0, 0);
	CHECK_EQ(block(b, n, 100, NULL), LZ4_E_OFFSET);
	n = put_sequence(b, 0, "abc", 3, 65535, 4);
	n = put_sequence(b, n, "z", 1, 0, 0);
	CHECK_EQ(block(b, n, 100, NULL), LZ4_E_OFFSET);
	n = put_sequence(b, 0, "abc", 3, 3, 4);
	n = put_sequence(b, n, "z", 1, 0, 0);
	CHECK_EQ(block(b, n, 100, NULL), 8);

	/* A match length far beyond the output (64 KiB of 255s): refused
	 * early, with no overflow and no read past the input. */
	n = put_sequence(b, 0, "abc", 3, 1, 4);
	b[0] |= 15;
	memset(b + n, 0xFF, sizeof(b) - n);
	CHECK_EQ(block(b, sizeof(b) - 1, 1000, NULL), LZ4_E_OUTPUT_FULL);
	CHECK_EQ(block(b, sizeof(b) - 1, 1 << 24, NULL), LZ4_E_TRUNCATED);

	/* Literals running past the input, and a literal length cut short. */
	n = put_sequence(b, 0, "0123456789abcdefghijklmnopqrstuvwxyz", 36, 0, 0);
	CHECK_EQ(block(b, n, 100, NULL), 36);
	CHECK_EQ(block(b, n - 1, 100, NULL), LZ4_E_TRUNCATED);
	CHECK_EQ(block(b, 2, 100, NULL), LZ4_E_TRUNCATED);
	CHECK_EQ(block(b, 1, 100, NULL), LZ4_E_TRUNCATED);
	b[0] = 0xF0;
	memset(b + 1, 0xFF, 100);
	CHECK_EQ(block(b, 101, 1 << 20, NULL), LZ4_E_TRUNCATED);

	/* Cut inside the offset, and a block ending with a match. */
	n = put_sequence(b, 0, "abcd", 4, 4, 4);
	CHECK_EQ(block(b, n - 1, 100, NULL), LZ4_E_TRUNCATED);
	CHECK_EQ(block(b, n, 100, NULL), LZ4_E_TRUNCATED);
	CHECK_EQ(block(b, 0, 100, NULL), LZ4_E_TRUNCATED);

	/* Output one byte too small for literals alone. */
	n = put_sequence(b, 0, "abcd", 4, 0, 0);
	CHECK_EQ(block(b, n, 4, NULL), 4);
	CHECK_EQ(block(b, n, 3, NULL), LZ4_E_OUTPUT_FULL);
	CHECK_EQ(block(b, n, 0, NULL), LZ4_E_OUTPUT_FULL);
}

/* dst_prefix lets matches reach into the bytes before dst, no further. */
TEST(block_prefix)
{
	unsigned char src[32], *out = malloc(16);
	size_t n;

	CHECK(out);
	memcpy(out, "0123456789", 10);
	n = put_sequence(src, 0, "ab", 2, 6, 6);
	n = put_sequence(src, n, "!", 1, 0, 0);
	CHECK_EQ(lz4_decode_block(src, n, out + 10, 6, 3), LZ4_E_OFFSET);
	CHECK_EQ(lz4_decode_block(src, n, out + 10, 6, 4), LZ4_E_OUTPUT_FULL);
	CHECK_EQ(lz4_decode_block(src, n, out + 7, 9, 7), 9);
	CHECK(!memcmp(out, "0123456ab3456ab!", 16));
	free(out);
}

/* A frame built by hand: header, blocks, end. */
struct frame {
	unsigned char b[4 * BLOCK_64K];
	size_t n;
};

static void frame_begin(struct frame *f, unsigned flg, unsigned bd, uint64_t size)
{
	size_t desc;

	f->n = 0;
	put32(f->b, MAGIC);
	f->n = 4;
	desc = f->n;
	f->b[f->n++] = (unsigned char)flg;
	f->b[f->n++] = (unsigned char)bd;
	if (flg & FLG_C_SIZE) {
		put32(f->b + f->n, (uint32_t)size);
		put32(f->b + f->n + 4, (uint32_t)(size >> 32));
		f->n += 8;
	}
	if (flg & FLG_DICT_ID) {
		put32(f->b + f->n, 1);
		f->n += 4;
	}
	f->b[f->n] = (unsigned char)(xxh32(f->b + desc, f->n - desc, 0) >> 8);
	f->n++;
}

static void frame_block(struct frame *f, const void *data, size_t len, uint32_t stored)
{
	put32(f->b + f->n, (uint32_t)len | stored);
	memcpy(f->b + f->n + 4, data, len);
	f->n += 4 + len;
	if (f->b[4] & FLG_B_CHECKSUM) {
		put32(f->b + f->n, xxh32(data, len, 0));
		f->n += 4;
	}
}

static void frame_end(struct frame *f, const void *content, size_t len)
{
	put32(f->b + f->n, 0);
	f->n += 4;
	if (f->b[4] & FLG_C_CHECKSUM) {
		put32(f->b + f->n, xxh32(content, len, 0));
		f->n += 4;
	}
}

TEST(frame_header_refused)
{
	static struct frame f;
	static const struct { unsigned flg, bd; long err; } cases[] = {
		{ 0x00, BD_64K, LZ4_E_VERSION },
		{ 0x80, BD_64K, LZ4_E_VERSION },
		{ 0xC0, BD_64K, LZ4_E_VERSION },
		{ FLG_V01 | FLG_RESERVED, BD_64K, LZ4_E_RESERVED },
		{ FLG_V01, BD_64K | 0x80, LZ4_E_RESERVED },
		{ FLG_V01, BD_64K | 0x01, LZ4_E_RESERVED },
		{ FLG_V01, BD_64K | 0x08, LZ4_E_RESERVED },
		{ FLG_V01, 0x00, LZ4_E_RESERVED },
		{ FLG_V01, 0x30, LZ4_E_RESERVED },
		{ FLG_V01 | FLG_DICT_ID, BD_64K, LZ4_E_DICT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		frame_begin(&f, cases[i].flg, cases[i].bd, 0);
		frame_end(&f, "", 0);
		CHECKF(decode(f.b, f.n, 16, NULL) == cases[i].err, "case %zu", i);
	}

	/* Each block maximum size is accepted. */
	for (unsigned bd = 0x40; bd <= 0x70; bd += 0x10) {
		frame_begin(&f, FLG_V01, bd, 0);
		frame_end(&f, "", 0);
		CHECK_EQ(decode(f.b, f.n, 0, NULL), 0);
	}

	frame_begin(&f, FLG_V01 | FLG_C_SIZE, BD_64K, 0);
	frame_end(&f, "", 0);
	CHECK_EQ(decode(f.b, f.n, 0, NULL), 0);
	f.b[6] ^= 1;	/* content size, under the header checksum */
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_HEADER_CHECKSUM);
	f.b[6] ^= 1;
	f.b[HEADER_MIN + 8 - 1] ^= 0x80;
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_HEADER_CHECKSUM);

	put32(f.b, 0x184D2A53);		/* a skippable frame */
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_SKIPPABLE);
	put32(f.b, 0x184C2102);		/* the legacy format */
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_MAGIC);
	put32(f.b, MAGIC + 1);
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_MAGIC);
}

TEST(frame_blocks)
{
	static struct frame f;
	static unsigned char big[BLOCK_64K + 1], blk[BLOCK_64K];
	unsigned char seq[64];
	size_t n;

	/* A stored block, then a compressed one reaching back into it. */
	n = put_sequence(seq, 0, "", 0, 5, 10);
	n = put_sequence(seq, n, "!", 1, 0, 0);
	frame_begin(&f, FLG_V01 | FLG_B_CHECKSUM | FLG_C_SIZE | FLG_C_CHECKSUM, BD_64K, 16);
	frame_block(&f, "hello", 5, BLOCK_STORED);
	frame_block(&f, seq, n, 0);
	frame_end(&f, "hellohellohello!", 16);
	CHECK_EQ(decode(f.b, f.n, 16, NULL), 16);
	CHECK_EQ(decode(f.b, f.n, 15, NULL), LZ4_E_OUTPUT_FULL);
	f.b[f.n - 1] ^= 1;
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_CONTENT_CHECKSUM);
	f.b[f.n - 1] ^= 1;
	f.b[HEADER_MIN + 8 + 4] ^= 1;	/* the stored block's data */
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_BLOCK_CHECKSUM);
	f.b[HEADER_MIN + 8 + 4] ^= 1;
	f.b[f.n - 8] = 1;		/* end mark no longer 0 */
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_TRUNCATED);
	f.b[f.n - 8] = 0;

	/* The same, independent: the back-reference is refused. */
	f.b[4] |= FLG_B_INDEP;
	f.b[HEADER_MIN + 8 - 1] = (unsigned char)(xxh32(f.b + 4, 10, 0) >> 8);
	CHECK_EQ(decode(f.b, f.n, 16, NULL), LZ4_E_OFFSET);

	/* Wrong content size, larger than the output, and trailing bytes. */
	frame_begin(&f, FLG_V01 | FLG_C_SIZE, BD_64K, 6);
	frame_block(&f, "hello", 5, BLOCK_STORED);
	frame_end(&f, "", 0);
	CHECK_EQ(decode(f.b, f.n, 100, NULL), LZ4_E_CONTENT_SIZE);
	CHECK_EQ(decode(f.b, f.n, 5, NULL), LZ4_E_OUTPUT_FULL);
	frame_begin(&f, FLG_V01 | FLG_C_SIZE, BD_64K, (uint64_t)1 << 40);
	frame_end(&f, "", 0);
	CHECK_EQ(decode(f.b, f.n, 100, NULL), LZ4_E_OUTPUT_FULL);
	frame_begin(&f, FLG_V01, BD_64K, 0);
	frame_block(&f, "hello", 5, BLOCK_STORED);
	frame_block(&f, "", 0, BLOCK_STORED);
	frame_end(&f, "", 0);
	CHECK_EQ(decode(f.b, f.n, 5, NULL), 5);
	f.b[f.n++] = 0;
	CHECK_EQ(decode(f.b, f.n, 5, NULL), LZ4_E_TRAILING);

	/* Blocks over the maximum: stored, and decoding to more. */
	frame_begin(&f, FLG_V01, BD_64K, 0);
	frame_block(&f, big, BLOCK_64K + 1, BLOCK_STORED);
	frame_end(&f, "", 0);
	CHECK_EQ(decode(f.b, f.n, 2 * BLOCK_64K, NULL), LZ4_E_BLOCK_SIZE);
	n = put_sequence(blk, 0, "a", 1, 1, BLOCK_64K);
	n = put_sequence(blk, n, "", 0, 0, 0);
	frame_begin(&f, FLG_V01, BD_64K, 0);
	frame_block(&f, blk, n, 0);
	frame_end(&f, "", 0);
	CHECK_EQ(decode(f.b, f.n, 2 * BLOCK_64K, NULL), LZ4_E_BLOCK_SIZE);
	CHECK_EQ(decode(f.b, f.n, 100, NULL), LZ4_E_OUTPUT_FULL);
	n = put_sequence(blk, 0, "a", 1, 1, BLOCK_64K - 1);
	n = put_sequence(blk, n, "", 0, 0, 0);
	frame_begin(&f, FLG_V01, BD_64K, 0);
	frame_block(&f, blk, n, 0);
	frame_end(&f, "", 0);
	CHECK_EQ(decode(f.b, f.n, 2 * BLOCK_64K, NULL), BLOCK_64K);
	/* A block size field claiming more than the input holds. */
	put32(f.b + HEADER_MIN, BLOCK_64K);
	CHECK_EQ(decode(f.b, f.n, 2 * BLOCK_64K, NULL), LZ4_E_TRUNCATED);
}

TEST(strerror)
{
	for (long e = 0; e >= LZ4_E_TRAILING; e--) {
		const char *s = lz4_strerror(e);

		CHECKF(s && *s && strcmp(s, "unknown LZ4 error"), "error %ld", e);
		for (long o = 0; o > e; o--)
			CHECKF(strcmp(s, lz4_strerror(o)), "%ld and %ld", e, o);
	}
	CHECK_STR(lz4_strerror(LZ4_E_TRAILING - 1), "unknown LZ4 error");
	CHECK_STR(lz4_strerror(LONG_MIN), "unknown LZ4 error");
	CHECK_STR(lz4_strerror(12345), "success");
}

int main(void)
{
	return check_run();
}
