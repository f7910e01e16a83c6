/* The cpio "newc" parser: every length is checked against what is left of
 * the archive before it is used. */
#include <flint/cpio.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/string.h>

#define CPIO_MAGIC_LEN 6
#define CPIO_FIELD_LEN 8
#define CPIO_FIELDS 13
#define CPIO_MAGIC_NEWC "070701"
#define CPIO_MAGIC_CRC "070702"

/* The fields after the magic, in header order. */
enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
};

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The field's 8 hex digits, or -1 if one is not a hex digit. */
static int64_t parse_field(const char *s)
{
	uint32_t v = 0;

	for (int i = 0; i < CPIO_FIELD_LEN; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	return v;
}

/* Rounds off up to the alignment, or returns len + 1 past the end. */
static size_t align_up(size_t off, size_t len)
{
	size_t pad = (CPIO_ALIGN - off % CPIO_ALIGN) % CPIO_ALIGN;

	return pad > len - off ? len + 1 : off + pad;
}

int cpio_parse(const void *buf, size_t len, cpio_entry_fn fn, void *arg,
	       char *err, size_t errlen)
{
	const char *p = buf;
	size_t off = 0;

	for (;;) {
		uint32_t f[CPIO_FIELDS];
		struct cpio_entry e;
		size_t name_off, data_off, namesize;
		int r;

		if (off >= len) {
			snprintf(err, errlen, "no trailer: the archive ends at offset %zu", len);
			return -EINVAL;
		}
		if (len - off < CPIO_HEADER_SIZE) {
			snprintf(err, errlen, "truncated header at offset %zu (%zu bytes left)",
				 off, len - off);
			return -EINVAL;
		}
		if (memcmp(p + off, CPIO_MAGIC_NEWC, CPIO_MAGIC_LEN) &&
		    memcmp(p + off, CPIO_MAGIC_CRC, CPIO_MAGIC_LEN)) {
			snprintf(err, errlen, "bad magic at offset %zu (not a newc cpio archive)",
				 off);
			return -EINVAL;
		}
		for (int i = 0; i < CPIO_FIELDS; i++) {
			int64_t v = parse_field(p + off + CPIO_MAGIC_LEN + i * CPIO_FIELD_LEN);

			if (v < 0) {
				snprintf(err, errlen, "non-hex digit in the header at offset %zu",
					 off + CPIO_MAGIC_LEN + i * CPIO_FIELD_LEN);
				return -EINVAL;
			}
			f[i] = (uint32_t)v;
		}
		name_off = off + CPIO_HEADER_SIZE;
		namesize = f[F_NAMESIZE];
		if (namesize == 0) {
			snprintf(err, errlen, "entry at offset %zu: name size 0", off);
			return -EINVAL;
		}
		if (namesize > len - name_off) {
			snprintf(err, errlen, "entry at offset %zu: name of %zu bytes past the end",
				 off, namesize);
			return -EINVAL;
		}
		/* NULs after the name's own pad it (tools/flint-initrd puts a
		 * file's data on a page boundary so), as Linux's initramfs and
		 * GNU cpio read it: the name ends at the first. */
		if (p[name_off + namesize - 1] != '\0' || !p[name_off]) {
			snprintf(err, errlen, "entry at offset %zu: name %s at its size %zu", off,
				 p[name_off] ? "not NUL-terminated" : "empty", namesize);
			return -EINVAL;
		}
		data_off = align_up(name_off + namesize, len);
		if (data_off > len || f[F_FILESIZE] > len - data_off) {
			snprintf(err, errlen, "entry at offset %zu (%s): data of %u bytes past the end",
				 off, p + name_off, f[F_FILESIZE]);
			return -EINVAL;
		}
		if (!strcmp(p + name_off, CPIO_TRAILER))
			return 0;
		e = (struct cpio_entry){
			.name = p + name_off, .ino = f[F_INO], .mode = f[F_MODE],
			.uid = f[F_UID], .gid = f[F_GID], .nlink = f[F_NLINK],
			.mtime = f[F_MTIME], .devmajor = f[F_DEVMAJOR],
			.devminor = f[F_DEVMINOR], .rdevmajor = f[F_RDEVMAJOR],
			.rdevminor = f[F_RDEVMINOR], .data = p + data_off,
			.size = f[F_FILESIZE], .offset = off,
		};
		r = fn(&e, arg);
		if (r)
			return r;
		off = align_up(data_off + e.size, len);
	}
}
