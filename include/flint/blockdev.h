/*
 * Block devices (kernel/blockdev.c): what the filesystems to come see of
 * a disk. A driver fills a struct blockdev and registers it; callers hand
 * it struct bios, asynchronously (blockdev_submit, completion by callback)
 * or through the sleeping helpers.
 *
 * Addresses are in 512-byte sectors whatever the device's block size;
 * sector_size is that block size, and every request's start and length
 * are multiples of it. Buffers are heap (direct-map) memory, physically
 * contiguous (kmalloc gives that): drivers hand their physical addresses
 * to devices.
 */
#ifndef FLINT_BLOCKDEV_H
#define FLINT_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCKDEV_SECTOR 512		/* the unit of bio.sector and sectors */
#define BLOCKDEV_NAME_MAX 8		/* "vda" and its NUL, with room to spare */
#define BLOCKDEV_MAX 16			/* registered devices */
#define BLOCKDEV_MAX_BYTES (1u << 20)	/* one bio's data; the helpers split */

/* Errors, negated, with Linux's errno values (the Linux ABI will share them). */
#define BLOCKDEV_EIO 5			/* the device failed the request */
#define BLOCKDEV_ENOMEM 12
#define BLOCKDEV_EINVAL 22		/* out of range, misaligned, too long */
#define BLOCKDEV_EROFS 30		/* a write to a read-only device */
#define BLOCKDEV_EOPNOTSUPP 95		/* the device cannot do this */

enum bio_op { BIO_READ, BIO_WRITE, BIO_FLUSH };

struct bio {
	enum bio_op op;
	uint64_t sector;		/* BIO_READ/BIO_WRITE: the first sector */
	void *buf;			/* len bytes; unused by BIO_FLUSH */
	size_t len;
	int status;			/* set before done: 0 or -BLOCKDEV_E* */
	/* Called once when the bio is finished, possibly from an interrupt
	 * handler, possibly before submit returns; it may submit again. */
	void (*done)(struct bio *bio);
	void *arg;			/* the submitter's */
};

struct blockdev;

struct blockdev_ops {
	/* Starts bio (already checked by blockdev_submit): returns 0 and
	 * calls bio->done later, or a negative error without calling it. */
	int (*submit)(struct blockdev *dev, struct bio *bio);
};

/* Requests the driver took (kernel/blockdev.c counts them, atomically),
 * for /proc/diskstats. */
struct blockdev_stats {
	uint64_t reads, read_sectors;
	uint64_t writes, write_sectors;
	uint64_t flushes;
};

struct blockdev {
	char name[BLOCKDEV_NAME_MAX];	/* "vda", "vdb", ... in discovery order */
	uint64_t sectors;		/* capacity in BLOCKDEV_SECTOR units */
	uint32_t sector_size;		/* the device's block size, 512 unless it says */
	bool read_only;
	const struct blockdev_ops *ops;
	void *priv;			/* the driver's */
	struct blockdev_stats stats;
};

/* Adds dev to the registry; 0, or -1 (with a message) when it is full or
 * the name is taken. */
int blockdev_register(struct blockdev *dev);
struct blockdev *blockdev_find(const char *name);
unsigned blockdev_count(void);
struct blockdev *blockdev_get(unsigned i);	/* NULL past the end */

/* Checks bio against dev (range, alignment, length, read-only) and hands
 * it to the driver: 0 with done to come, or a negative error. */
int blockdev_submit(struct blockdev *dev, struct bio *bio);

/* Sleep until done (thread context only); any length, split into bios of
 * at most BLOCKDEV_MAX_BYTES. 0 or a negative error. */
int blockdev_read(struct blockdev *dev, uint64_t sector, void *buf, size_t len);
int blockdev_write(struct blockdev *dev, uint64_t sector, const void *buf, size_t len);
int blockdev_flush(struct blockdev *dev);

#endif
