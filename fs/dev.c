/* The device nodes in /dev; the console and /dev/tty are fs/tty.c's. */
#include <flint/entropy.h>
#include <flint/errno.h>
#include <flint/string.h>
#include <flint/vfs.h>

#define DEV_DIR_PERM 0755
#define DEV_NODE_PERM 0666
/* Linux's numbers for them (Documentation/admin-guide/devices.txt). */
#define DEV_MEM_MAJOR 1
#define DEV_NULL_MINOR 3
#define DEV_ZERO_MINOR 5
#define DEV_FULL_MINOR 7
#define DEV_RANDOM_MINOR 8
#define DEV_URANDOM_MINOR 9

static long read_nothing(struct file *f, void *buf, size_t n)
{
	(void)f;
	(void)buf;
	(void)n;
	return 0;
}

static long write_discard(struct file *f, const void *buf, size_t n)
{
	(void)f;
	(void)buf;
	return (long)n;
}

static long read_zero(struct file *f, void *buf, size_t n)
{
	(void)f;
	memset(buf, 0, n);
	return (long)n;
}

/* /dev/full: every write finds the device full (man 4 full). */
static long write_full(struct file *f, const void *buf, size_t n)
{
	(void)f;
	(void)buf;
	(void)n;
	return -ENOSPC;
}

static long read_urandom(struct file *f, void *buf, size_t n)
{
	(void)f;
	entropy_random(buf, n);
	return (long)n;
}

static int stat_null(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->rdev = VFS_RDEV(DEV_MEM_MAJOR, DEV_NULL_MINOR);
	return 0;
}

static int stat_zero(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->rdev = VFS_RDEV(DEV_MEM_MAJOR, DEV_ZERO_MINOR);
	return 0;
}

static int stat_full(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->rdev = VFS_RDEV(DEV_MEM_MAJOR, DEV_FULL_MINOR);
	return 0;
}

static int stat_random(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->rdev = VFS_RDEV(DEV_MEM_MAJOR, DEV_RANDOM_MINOR);
	return 0;
}

static int stat_urandom(struct file *f, struct vfs_stat *st)
{
	(void)f;
	st->rdev = VFS_RDEV(DEV_MEM_MAJOR, DEV_URANDOM_MINOR);
	return 0;
}

static const struct file_ops dev_null = {
	.read = read_nothing, .write = write_discard, .stat = stat_null,
};
static const struct file_ops dev_zero = {
	.read = read_zero, .write = write_discard, .stat = stat_zero,
};
static const struct file_ops dev_full = {
	.read = read_zero, .write = write_full, .stat = stat_full,
};
/* The entropy pool never runs dry, so /dev/random reads as /dev/urandom
 * does (as Linux's has since 5.6). */
static const struct file_ops dev_random = {
	.read = read_urandom, .write = write_discard, .stat = stat_random,
};
static const struct file_ops dev_urandom = {
	.read = read_urandom, .write = write_discard, .stat = stat_urandom,
};

static const struct {
	const char *path;
	const struct file_ops *dev;
} dev_nodes[] = {
	{ "/dev/null", &dev_null },
	{ "/dev/zero", &dev_zero },
	{ "/dev/full", &dev_full },
	{ "/dev/random", &dev_random },
	{ "/dev/urandom", &dev_urandom },
};

/* Keeps what the initrd put in /dev under the same names. */
int dev_populate(void)
{
	int r = vfs_mkdir(NULL, "/dev", DEV_DIR_PERM);

	if (r < 0 && r != -EEXIST)
		return r;
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		r = vfs_mkdev(NULL, dev_nodes[i].path, DEV_NODE_PERM, dev_nodes[i].dev);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}
