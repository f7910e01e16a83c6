/* AML encodings from the ACPI specification (§20 "AML Specification" and
 * §6.4 "Resource Data Types"). */
#include <flint/string.h>

#include "aml.h"
#include "console.h"

#define AML_NAME_OP 0x08u
#define AML_BYTE_PREFIX 0x0Au
#define AML_WORD_PREFIX 0x0Bu
#define AML_DWORD_PREFIX 0x0Cu
#define AML_STRING_PREFIX 0x0Du
#define AML_ONE_OP 0x01u
#define AML_BUFFER_OP 0x11u
#define AML_METHOD_OP 0x14u
#define AML_RETURN_OP 0xA4u
#define AML_EXT_OP_PREFIX 0x5Bu
#define AML_DEVICE_OP 0x82u
#define AML_ROOT_CHAR '\\'
#define AML_DUAL_NAME_PREFIX 0x2Eu
#define AML_MULTI_NAME_PREFIX 0x2Fu
#define AML_NAME_SEG_SIZE 4u
#define AML_PKG_LENGTH_MAX 0x0FFFFFFFu

#define RES_IO 0x47u			/* I/O port descriptor, 7 bytes */
#define RES_IO_DECODE16 1u
#define RES_MEMORY32_FIXED 0x86u	/* large item, 9 data bytes */
#define RES_MEMORY32_FIXED_LEN 9u
#define RES_MEMORY_RW 1u
#define RES_EXT_INTERRUPT 0x89u		/* large item, 6 data bytes for one GSI */
#define RES_EXT_INTERRUPT_LEN 6u
#define RES_INT_CONSUMER 0x01u
#define RES_INT_EDGE 0x02u
#define RES_END_TAG 0x79u

static void put(struct aml *a, uint8_t v)
{
	if (a->len == a->cap)
		fail("DSDT: AML buffer of %u bytes is too small", a->cap);
	a->p[a->len++] = v;
}

static void put_le(struct aml *a, uint32_t v, uint32_t bytes)
{
	for (uint32_t i = 0; i < bytes; i++)
		put(a, (uint8_t)(v >> (8 * i)));
}

static void append(struct aml *a, const struct aml *b)
{
	for (uint32_t i = 0; i < b->len; i++)
		put(a, b->p[i]);
}

/* "\\_SB_.COM1" style paths of 4-character segments. */
static void name_string(struct aml *a, const char *path)
{
	uint32_t segs = 1;

	if (*path == AML_ROOT_CHAR)
		put(a, (uint8_t)*path++);
	for (const char *c = path; *c; c++)
		segs += *c == '.';
	if (strlen(path) != segs * (AML_NAME_SEG_SIZE + 1) - 1)
		fail("DSDT: bad AML name \"%s\"", path);
	if (segs == 2) {
		put(a, AML_DUAL_NAME_PREFIX);
	} else if (segs > 2) {
		put(a, AML_MULTI_NAME_PREFIX);
		put(a, (uint8_t)segs);
	}
	for (const char *c = path; *c; c++)
		if (*c != '.')
			put(a, (uint8_t)*c);
}

/* PkgLength counts itself: 1 byte up to 63, else a lead byte holding the
 * low 4 bits and the count of following bytes, then 8 bits per byte. */
static void pkg_length(struct aml *a, uint32_t body)
{
	uint32_t extra, total;

	for (extra = 0; extra < 3; extra++) {
		uint32_t limit = extra ? (1u << (4 + 8 * extra)) - 1 : 63;

		if (body + extra + 1 <= limit)
			break;
	}
	total = body + extra + 1;
	if (total > AML_PKG_LENGTH_MAX)
		fail("DSDT: AML package too long");
	if (!extra) {
		put(a, (uint8_t)total);
		return;
	}
	put(a, (uint8_t)(extra << 6 | (total & 0xFu)));
	for (uint32_t i = 0; i < extra; i++)
		put(a, (uint8_t)(total >> (4 + 8 * i)));
}

static void integer(struct aml *a, uint32_t v)
{
	if (v <= 0xFFu) {
		put(a, AML_BYTE_PREFIX);
		put(a, (uint8_t)v);
	} else if (v <= 0xFFFFu) {
		put(a, AML_WORD_PREFIX);
		put_le(a, v, 2);
	} else {
		put(a, AML_DWORD_PREFIX);
		put_le(a, v, 4);
	}
}

static void name_op(struct aml *a, const char *path)
{
	put(a, AML_NAME_OP);
	name_string(a, path);
}

void aml_name_string(struct aml *a, const char *path, const char *s)
{
	name_op(a, path);
	put(a, AML_STRING_PREFIX);
	while (*s)
		put(a, (uint8_t)*s++);
	put(a, 0);
}

void aml_name_byte(struct aml *a, const char *path, uint8_t v)
{
	name_op(a, path);
	put(a, AML_BYTE_PREFIX);
	put(a, v);
}

void aml_name_dword(struct aml *a, const char *path, uint32_t v)
{
	name_op(a, path);
	put(a, AML_DWORD_PREFIX);
	put_le(a, v, 4);
}

void aml_name_one(struct aml *a, const char *path)
{
	name_op(a, path);
	put(a, AML_ONE_OP);
}

static uint32_t hex_digit(char c)
{
	return c <= '9' ? (uint32_t)(c - '0') : (uint32_t)((c | 0x20) - 'a' + 10);
}

/* EISA id "PNP0501": three 5-bit letters and four hex digits, stored
 * most significant byte first. */
void aml_name_eisaid(struct aml *a, const char *path, const char *id)
{
	uint32_t v = (uint32_t)(id[0] - '@') << 26 | (uint32_t)(id[1] - '@') << 21 |
		     (uint32_t)(id[2] - '@') << 16 | hex_digit(id[3]) << 12 |
		     hex_digit(id[4]) << 8 | hex_digit(id[5]) << 4 | hex_digit(id[6]);

	name_op(a, path);
	put(a, AML_DWORD_PREFIX);
	for (int shift = 24; shift >= 0; shift -= 8)
		put(a, (uint8_t)(v >> shift));
}

void aml_name_resources(struct aml *a, const char *path, const struct aml *res)
{
	uint8_t tmp[8];
	struct aml size = aml_buffer(tmp, sizeof(tmp));
	uint32_t bytes = res->len + 2;	/* descriptors + end tag */

	integer(&size, bytes);
	name_op(a, path);
	put(a, AML_BUFFER_OP);
	pkg_length(a, size.len + bytes);
	append(a, &size);
	append(a, res);
	put(a, RES_END_TAG);
	put(a, 0);	/* checksum 0: "treat as valid" */
}

void aml_method_return_byte(struct aml *a, const char *path, uint8_t v)
{
	uint8_t tmp[16];
	struct aml body = aml_buffer(tmp, sizeof(tmp));

	name_string(&body, path);
	put(&body, 0);	/* 0 arguments, not serialized */
	put(&body, AML_RETURN_OP);
	put(&body, AML_BYTE_PREFIX);
	put(&body, v);
	put(a, AML_METHOD_OP);
	pkg_length(a, body.len);
	append(a, &body);
}

void aml_device(struct aml *a, const char *path, const struct aml *body)
{
	uint8_t tmp[16];
	struct aml name = aml_buffer(tmp, sizeof(tmp));

	name_string(&name, path);
	put(a, AML_EXT_OP_PREFIX);
	put(a, AML_DEVICE_OP);
	pkg_length(a, name.len + body->len);
	append(a, &name);
	append(a, body);
}

void res_io(struct aml *r, uint16_t port, uint8_t align, uint8_t len)
{
	put(r, RES_IO);
	put(r, RES_IO_DECODE16);
	put_le(r, port, 2);	/* minimum */
	put_le(r, port, 2);	/* maximum */
	put(r, align);
	put(r, len);
}

void res_interrupt(struct aml *r, uint32_t gsi)
{
	put(r, RES_EXT_INTERRUPT);
	put_le(r, RES_EXT_INTERRUPT_LEN, 2);
	put(r, RES_INT_CONSUMER | RES_INT_EDGE);
	put(r, 1);	/* one interrupt number follows */
	put_le(r, gsi, 4);
}

void res_memory32_fixed(struct aml *r, uint32_t base, uint32_t len)
{
	put(r, RES_MEMORY32_FIXED);
	put_le(r, RES_MEMORY32_FIXED_LEN, 2);
	put(r, RES_MEMORY_RW);
	put_le(r, base, 4);
	put_le(r, len, 4);
}
