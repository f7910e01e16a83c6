/*
 * Disks as files: /dev/vda, /dev/vdb, ... for the block devices in
 * discovery order (kernel/blockdev.c), so that programs (busybox dd,
 * sha256sum) read and write them. Any offset and length work: the
 * sectors around a transfer are read and, for a write, written back
 * whole. Nothing is cached: a write reaches the device before it returns,
 * and fsync, fdatasync, sync and O_SYNC writes flush the device's own
 * write cache.
 */
#include <flint/blockdev.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/vfs.h>

#define BLKDEV_PERM 0660
#define DISKSTATS_PERM 0444
#define BLKDEV_PATH_MAX 16		/* "/dev/" and a device name */
#define CHUNK (64 * 1024)		/* bytes moved per device request */
/* Linux's virtio-blk numbers (drivers/block/virtio_blk.c): a dynamic
 * major (254 on a typical machine) and 16 minors per disk. */
#define VIRTBLK_MAJOR 254
#define VIRTBLK_MINORS 16

static struct blockdev *dev_of(struct file *f)
{
	return f->priv;
}

static uint64_t disk_bytes(struct blockdev *d)
{
	return d->sectors * BLOCKDEV_SECTOR;
}

static uint64_t blk_size(struct file *f)
{
	struct blockdev *d = dev_of(f);

	return d ? disk_bytes(d) : 0;
}

/* One piece of a transfer that fits a CHUNK once widened to whole
 * sectors: read those sectors, copy in or out, write them back for a
 * write. Returns the bytes moved or a negative errno. */
static long transfer(struct blockdev *d, uint8_t *bounce, void *buf, size_t n, uint64_t off,
		     bool write)
{
	uint64_t first = off / d->sector_size * d->sector_size;
	uint64_t end = off + n;
	uint64_t last = (end + d->sector_size - 1) / d->sector_size * d->sector_size;
	uint64_t sector = first / BLOCKDEV_SECTOR;
	size_t len = (size_t)(last - first);
	int r = 0;

	if (!write || first != off || last != end)
		r = blockdev_read(d, sector, bounce, len);
	if (r < 0)
		return r;
	if (!write) {
		memcpy(buf, bounce + (off - first), n);
		return (long)n;
	}
	memcpy(bounce + (off - first), buf, n);
	r = blockdev_write(d, sector, bounce, len);
	return r < 0 ? r : (long)n;
}

long blkdev_bytes(struct blockdev *d, void *buf, size_t n, uint64_t off, bool write)
{
	uint8_t *bounce;
	size_t done = 0;
	long r = 0;

	if (write && d->read_only)
		return -EPERM;
	if (off >= disk_bytes(d))
		return write && n ? -ENOSPC : 0;
	if (n > disk_bytes(d) - off)
		n = (size_t)(disk_bytes(d) - off);
	bounce = kmalloc((n < CHUNK ? n : CHUNK) + 2 * d->sector_size);
	if (!bounce)
		return -ENOMEM;
	while (done < n) {
		size_t step = n - done < CHUNK ? n - done : CHUNK;

		r = transfer(d, bounce, (uint8_t *)buf + done, step, off + done, write);
		if (r < 0)
			break;
		done += step;
	}
	kfree(bounce);
	return done ? (long)done : r;
}

static long blk_rw(struct file *f, void *buf, size_t n, uint64_t off, bool write)
{
	struct blockdev *d = dev_of(f);

	return d ? blkdev_bytes(d, buf, n, off, write) : -ENXIO;
}

static long blk_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	return blk_rw(f, buf, n, off, false);
}

static long blk_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	return blk_rw(f, (void *)buf, n, off, true);
}

uint32_t blkdev_rdev(const struct blockdev *d)
{
	for (unsigned i = 0; i < blockdev_count(); i++)
		if (blockdev_get(i) == d)
			return VFS_RDEV(VIRTBLK_MAJOR, i * VIRTBLK_MINORS);
	return 0;
}

/* Linux reports a block device's size as 0 in stat; its number tells
 * which disk it is. */
static int blk_stat(struct file *f, struct vfs_stat *st)
{
	if (dev_of(f))
		st->rdev = blkdev_rdev(dev_of(f));
	return 0;
}

/* Writes reach the device before they return: fsync flushes its cache
 * (a device without one writes through, and the driver says done). */
static int blk_fsync(struct file *f)
{
	struct blockdev *d = dev_of(f);

	if (!d)
		return -ENXIO;
	return blockdev_flush(d) ? -EIO : 0;
}

static const struct file_ops blk_ops = {
	.pread = blk_pread,
	.pwrite = blk_pwrite,
	.size = blk_size,
	.stat = blk_stat,
	.fsync = blk_fsync,
};

int blkdev_sync_all(void)
{
	int r = 0;

	for (unsigned i = 0; i < blockdev_count(); i++)
		if (blockdev_flush(blockdev_get(i)) && !r)
			r = -EIO;
	return r;
}

/* Linux's 17 figures after the name (Documentation/admin-guide/iostats):
 * reads, merged, sectors, ms; writes, merged, sectors, ms; in flight, ms
 * doing I/O, weighted ms; discards, merged, sectors, ms; flushes, ms.
 * Flint counts requests and sectors, not time or merges. */
static size_t gen_diskstats(long arg, char *buf, size_t size)
{
	size_t len = 0;

	(void)arg;
	for (unsigned i = 0; i < blockdev_count(); i++) {
		const struct blockdev *d = blockdev_get(i);
		const struct blockdev_stats *s = &d->stats;
		size_t at = len < size ? len : size;

		len += (size_t)snprintf(buf + at, size - at,
					"%4u %7u %s %llu 0 %llu 0 %llu 0 %llu 0 0 0 0 0 0 0 0 %llu 0\n",
					VIRTBLK_MAJOR, i * VIRTBLK_MINORS, d->name,
					(unsigned long long)__atomic_load_n(&s->reads, __ATOMIC_RELAXED),
					(unsigned long long)__atomic_load_n(&s->read_sectors,
									    __ATOMIC_RELAXED),
					(unsigned long long)__atomic_load_n(&s->writes, __ATOMIC_RELAXED),
					(unsigned long long)__atomic_load_n(&s->write_sectors,
									    __ATOMIC_RELAXED),
					(unsigned long long)__atomic_load_n(&s->flushes,
									    __ATOMIC_RELAXED));
	}
	return len;
}

int blkdev_populate(void)
{
	char path[BLKDEV_PATH_MAX];

	for (unsigned i = 0; i < blockdev_count(); i++) {
		struct blockdev *d = blockdev_get(i);
		int r;

		snprintf(path, sizeof(path), "/dev/%s", d->name);
		r = vfs_mkblkdev(NULL, path, BLKDEV_PERM, &blk_ops, d);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}

int blkdev_proc_populate(void)
{
	return vfs_mkgen(NULL, "/proc/diskstats", DISKSTATS_PERM, gen_diskstats, 0);
}
