/*
 * test.ext2: the ext2/ext4 reader (fs/ext2/) over a real disk. With the
 * option, after the boot's stages, the first block device is read as an
 * ext2 or ext4 filesystem: its read-write verdict, then one line per
 * entry below the root, depth first, with what the host compares with
 * the tree it made the image from (tests/boot/linux_cases.py):
 *
 *   ext2-test: D /dir 40755
 *   ext2-test: F /dir/file 100644 1234 <FNV-1a 64 of the bytes>
 *   ext2-test: L /link target
 *
 * and a last line with the count, or a line saying what failed (status
 * 1). With test.ext2.write too, the disk is then mounted read-write and
 * changed in a known way (write_check) for the host's e2fsck and debugfs
 * to check, or the refusal's line printed. The filesystems are not
 * mounted for programs yet: this is the library's check on a virtio disk
 * until they are.
 */
#include <flint/blockdev.h>
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/param.h>
#include <flint/power.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/vfs.h>

#include "ext2/ext2.h"

#define CHECK_FAILED 1			/* the exit status when the check fails */
#define CHUNK (64 * 1024)		/* bytes per file read and write */
#define DEPTH_MAX 16			/* directories below the root */
#define ENTRIES_MAX 4096		/* entries of one directory */
#define FNV_OFFSET 0xcbf29ce484222325ull	/* FNV-1a 64 (draft-eastlake-fnv) */
#define FNV_PRIME 0x100000001b3ull
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000

/* test.ext2.write's changes (tests/boot/linux_cases.py checks them). */
#define WRITE_DIR "flint"
#define WRITE_FILE "data"
#define WRITE_BYTES 200000
#define WRITE_LINK "link"
#define WRITE_MOVE_FROM "small"
#define WRITE_MOVE_TO "small-moved"
#define WRITE_REMOVE "empty"
#define WRITE_TIME 1700000000u		/* the fs layer has no wall clock */
#define DIR_PERM 0755
#define FILE_PERM 0644
#define LINK_PERM 0777

static bool enabled, write_enabled;
KERNEL_FLAG("test.ext2", enabled);
KERNEL_FLAG("test.ext2.write", write_enabled);

struct check {
	struct blockdev *dev;
	struct ext2_fs *fs;
	uint8_t *data;			/* CHUNK bytes: file data */
	char path[VFS_PATH_MAX];
	unsigned entries;
};

/* The reader's and writer's byte ranges, through fs/blkdev.c's sectors:
 * all of it or an error. */
static int dev_bytes(struct check *c, void *buf, size_t len, uint64_t off, bool write)
{
	long r = blkdev_bytes(c->dev, buf, len, off, write);

	return r < 0 ? (int)r : (size_t)r == len ? 0 : -EIO;
}

static int dev_read(void *arg, uint64_t off, void *buf, size_t len)
{
	return dev_bytes(arg, buf, len, off, false);
}

static int dev_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	return dev_bytes(arg, (void *)buf, len, off, true);
}

/* The pattern test.ext2.write writes (the host makes the same). */
static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

/* A directory, a file, a symlink, a rename and an unlink. */
static int write_check(struct check *c)
{
	struct ext2_new_attr dir = { DIR_PERM, 0, 0, WRITE_TIME };
	struct ext2_new_attr file = { FILE_PERM, 0, 0, WRITE_TIME };
	struct ext2_new_attr link = { LINK_PERM, 0, 0, WRITE_TIME };
	uint32_t d, f, l, gone;
	int r = ext2_mkdir(c->fs, EXT2_ROOT, WRITE_DIR, strlen(WRITE_DIR), &dir, &d);

	if (r == 0)
		r = ext2_create(c->fs, d, WRITE_FILE, strlen(WRITE_FILE), &file, &f);
	for (size_t off = 0; r == 0 && off < WRITE_BYTES;) {
		size_t n = WRITE_BYTES - off < CHUNK ? WRITE_BYTES - off : CHUNK;
		long w;

		for (size_t i = 0; i < n; i++)
			c->data[i] = pattern(off + i);
		w = ext2_write(c->fs, f, off, c->data, n, WRITE_TIME);
		r = w < 0 ? (int)w : (size_t)w != n ? -EIO : 0;
		off += n;
	}
	if (r == 0)
		r = ext2_symlink(c->fs, d, WRITE_LINK, strlen(WRITE_LINK), WRITE_FILE,
				 strlen(WRITE_FILE), &link, &l);
	if (r == 0)
		r = ext2_rename(c->fs, EXT2_ROOT, WRITE_MOVE_FROM, strlen(WRITE_MOVE_FROM), d,
				WRITE_MOVE_TO, strlen(WRITE_MOVE_TO), WRITE_TIME, &gone);
	if (r == 0)
		r = ext2_unlink(c->fs, EXT2_ROOT, WRITE_REMOVE, strlen(WRITE_REMOVE), WRITE_TIME,
				&gone);
	if (r == 0 && gone)
		r = ext2_evict(c->fs, gone, WRITE_TIME);
	return r;
}

static int check_write(struct check *c)
{
	char why[EXT2_WHY_MAX];
	struct ext2_dev dev = { .read = dev_read, .arg = c,
				.size = c->dev->sectors * BLOCKDEV_SECTOR, .write = dev_write };
	int r = ext2_mount_rw(&dev, WRITE_TIME, &c->fs, why, sizeof(why));

	if (r == -EROFS) {
		printk_line("ext2-test: read-write mount refused: %s", why);
		return 0;
	}
	if (r < 0) {
		printk_line("ext2-test: read-write mount: %s", why);
		return r;
	}
	r = write_check(c);
	ext2_unmount(c->fs);
	if (r < 0)
		printk_line("ext2-test: writing: error %d", r);
	else
		printk_line("ext2-test: wrote /" WRITE_DIR);
	return r;
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static int file_line(struct check *c, const struct ext2_inode_info *in)
{
	uint64_t h = FNV_OFFSET;

	for (uint64_t off = 0; off < in->size;) {
		long n = ext2_read(c->fs, in->ino, off, c->data, CHUNK);

		if (n <= 0)
			return n ? (int)n : -EIO;
		h = fnv(h, c->data, (size_t)n);
		off += (uint64_t)n;
	}
	printk("ext2-test: F %s %o %llu %016llx\n", c->path, in->mode,
	       (unsigned long long)in->size, (unsigned long long)h);
	return 0;
}

static int link_line(struct check *c, const struct ext2_inode_info *in)
{
	long n = ext2_readlink(c->fs, in->ino, (char *)c->data, CHUNK - 1);

	if (n < 0)
		return (int)n;
	c->data[n] = '\0';
	printk("ext2-test: L %s %s\n", c->path, (char *)c->data);
	return 0;
}

/* A directory's entries, collected before any is visited (the reader is
 * not re-entered from its own callback). */
struct listing {
	unsigned n;
	uint32_t ino[ENTRIES_MAX];
	char *name[ENTRIES_MAX];
};

static int collect(void *arg, const char *name, size_t len, uint32_t ino, unsigned type)
{
	struct listing *l = arg;

	(void)type;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	if (l->n == ENTRIES_MAX || len > VFS_NAME_MAX)
		return -E2BIG;
	l->name[l->n] = kmalloc(len + 1);
	if (!l->name[l->n])
		return -ENOMEM;
	memcpy(l->name[l->n], name, len);
	l->name[l->n][len] = '\0';
	l->ino[l->n++] = ino;
	return 0;
}

static int walk(struct check *c, uint32_t dir, unsigned depth);

static int visit(struct check *c, uint32_t ino, unsigned depth)
{
	struct ext2_inode_info in;
	int r = ext2_iget(c->fs, ino, &in);

	if (r < 0)
		return r;
	c->entries++;
	switch (in.mode & S_IFMT) {
	case S_IFDIR:
		printk("ext2-test: D %s %o\n", c->path, in.mode);
		return depth < DEPTH_MAX ? walk(c, ino, depth + 1) : -ELOOP;
	case S_IFREG:
		return file_line(c, &in);
	case S_IFLNK:
		return link_line(c, &in);
	default:
		printk("ext2-test: O %s %o\n", c->path, in.mode);
		return 0;
	}
}

static int walk(struct check *c, uint32_t dir, unsigned depth)
{
	struct listing *l = kzalloc(sizeof(*l));
	size_t base = strlen(c->path);
	uint64_t cookie = 0;
	int r;

	if (!l)
		return -ENOMEM;
	r = ext2_readdir(c->fs, dir, &cookie, collect, l);
	if (r == 1)
		r = -E2BIG;	/* collect refused an entry */
	for (unsigned i = 0; i < l->n && r == 0; i++) {
		size_t len = strlen(l->name[i]);

		if (base + 1 + len >= sizeof(c->path)) {
			r = -ENAMETOOLONG;
			break;
		}
		c->path[base] = '/';
		memcpy(c->path + base + 1, l->name[i], len + 1);
		r = visit(c, l->ino[i], depth);
		c->path[base] = '\0';
	}
	for (unsigned i = 0; i < l->n; i++)
		kfree(l->name[i]);
	kfree(l);
	return r;
}

static int check_disk(struct check *c)
{
	char why[EXT2_WHY_MAX];
	struct ext2_dev dev = { .read = dev_read, .arg = c,
				.size = c->dev->sectors * BLOCKDEV_SECTOR };
	int r = ext2_mount(&dev, &c->fs, why, sizeof(why));

	if (r < 0) {
		printk_line("ext2-test: %s: %s", c->dev->name, why);
		return r;
	}
	if (ext2_rw_problem(c->fs, why, sizeof(why)))
		printk_line("ext2-test: read-write refused: %s", why);
	else
		printk_line("ext2-test: read-write possible");
	r = walk(c, EXT2_ROOT, 0);
	if (r < 0)
		printk_line("ext2-test: at %s: error %d", c->path[0] ? c->path : "/", r);
	else
		printk_line("ext2-test: %s: %u entries read", c->dev->name, c->entries);
	ext2_unmount(c->fs);
	return r;
}

void ext2_selftest(void)
{
	struct check *c;
	int r = -ENOMEM;

	if (!enabled)
		return;
	if (!blockdev_count()) {
		printk_line("ext2-test: no block device");
		power_off(CHECK_FAILED);
	}
	c = kzalloc(sizeof(*c));
	if (c) {
		c->dev = blockdev_get(0);
		c->data = kmalloc(CHUNK);
		if (c->data)
			r = check_disk(c);
		if (r >= 0 && write_enabled)
			r = check_write(c);
		else
			printk_line("ext2-test: out of memory");
		kfree(c->data);
	}
	kfree(c);
	if (r < 0)
		power_off(CHECK_FAILED);
}
