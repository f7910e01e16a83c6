/* The device nodes in /dev. /dev/console's reads return 0 bytes: there is
 * no console input yet. */
#include <flint/entropy.h>
#include <flint/errno.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/vfs.h>

#define DEV_DIR_PERM 0755
#define DEV_NODE_PERM 0666
#define DEV_CONSOLE_PERM 0600
#define DEV_CONSOLE_CHUNK 1024	/* printk's precision is an int */

static long read_nothing(void *buf, size_t n)
{
	(void)buf;
	(void)n;
	return 0;
}

static long write_discard(const void *buf, size_t n)
{
	(void)buf;
	return (long)n;
}

static long read_zero(void *buf, size_t n)
{
	memset(buf, 0, n);
	return (long)n;
}

/* Without RDRAND the pool gives only what was credited: a short read, or
 * -EAGAIN when it has nothing. */
static long read_urandom(void *buf, size_t n)
{
	size_t got = entropy_get(buf, n);

	return got || !n ? (long)got : -EAGAIN;
}

static long write_console(const void *buf, size_t n)
{
	const char *s = buf;

	for (size_t done = 0; done < n; done += DEV_CONSOLE_CHUNK) {
		size_t len = n - done < DEV_CONSOLE_CHUNK ? n - done : DEV_CONSOLE_CHUNK;

		printk("%.*s", (int)len, s + done);
	}
	return (long)n;
}

static const struct vfs_chardev dev_null = { read_nothing, write_discard };
static const struct vfs_chardev dev_zero = { read_zero, write_discard };
static const struct vfs_chardev dev_urandom = { read_urandom, write_discard };
static const struct vfs_chardev dev_console = { read_nothing, write_console };

static const struct {
	const char *path;
	uint32_t perm;
	const struct vfs_chardev *dev;
} dev_nodes[] = {
	{ "/dev/null", DEV_NODE_PERM, &dev_null },
	{ "/dev/zero", DEV_NODE_PERM, &dev_zero },
	{ "/dev/urandom", DEV_NODE_PERM, &dev_urandom },
	{ "/dev/console", DEV_CONSOLE_PERM, &dev_console },
};

/* Keeps what the initrd put in /dev under the same names. */
int dev_populate(void)
{
	int r = vfs_mkdir(NULL, "/dev", DEV_DIR_PERM);

	if (r < 0 && r != -EEXIST)
		return r;
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		r = vfs_mkdev(NULL, dev_nodes[i].path, dev_nodes[i].perm, dev_nodes[i].dev);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	return 0;
}
