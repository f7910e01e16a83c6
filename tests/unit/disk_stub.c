/* No disks: fs/mount.c's disk filesystem and disk numbers for the unit tests
 * that run the VFS (a disk filesystem's mount finds no disk node). */
#include <flint/blockdev.h>
#include <flint/errno.h>

#include "../../fs/fs.h"

const struct vfs_fs_type ext2_fs_type = { .name = "ext2", .needs_disk = true };

uint32_t blkdev_rdev(const struct blockdev *d)
{
	(void)d;
	return 0;
}
