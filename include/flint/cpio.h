/* A parser for cpio archives in the "newc" format (fs/cpio.c): magic
 * 070701, or 070702 ("crc", whose checksum is ignored); each entry is a
 * 110-byte header of ASCII-hex fields, the NUL-terminated name padded to 4
 * bytes, the data padded to 4 bytes; "TRAILER!!!" ends the archive. */
#ifndef FLINT_CPIO_H
#define FLINT_CPIO_H
#include <stddef.h>
#include <stdint.h>

#define CPIO_HEADER_SIZE 110
#define CPIO_ALIGN 4
#define CPIO_TRAILER "TRAILER!!!"

struct cpio_entry {
	const char *name;	/* NUL-terminated, inside the archive */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t devmajor, devminor, rdevmajor, rdevminor;
	const void *data;	/* size bytes, inside the archive */
	size_t size;
	size_t offset;		/* of the entry's header */
};

/* Called for each entry but the trailer; nonzero stops the walk and is
 * cpio_parse's result. */
typedef int (*cpio_entry_fn)(const struct cpio_entry *e, void *arg);

/* Walks the len bytes at buf, never reading outside them. Returns 0 at the
 * trailer, fn's nonzero result, or -EINVAL for a malformed archive with a
 * message naming the offset in err (errlen bytes, NUL-terminated). */
int cpio_parse(const void *buf, size_t len, cpio_entry_fn fn, void *arg,
	       char *err, size_t errlen);

#endif
