/* A read-only ext2/ext3/ext4 reader over a byte-read callback
 * (fs/ext2/, docs/fs.md "ext2 and ext4"). Pure logic: no locks, no page
 * cache; one struct ext2_fs must not be used by two threads at once.
 *
 * Errors are negative errno values (<flint/errno.h>):
 *   -EINVAL     ext2_mount: no ext2 superblock, or one whose numbers do not
 *               fit together (the reason in why); elsewhere a bad argument
 *               (an inode number of 0 or above the count, a wrong type);
 *   -EOPNOTSUPP ext2_mount: an INCOMPAT feature this reader cannot read
 *               (why names them); a file with inline data;
 *   -EIO        damaged metadata met after the mount (a block or inode
 *               number outside the filesystem, a bad extent node, a bad
 *               directory record, a size the block map cannot hold), or the
 *               device's read failing (its own error is passed on instead);
 *   -ENOENT, -ENOTDIR, -EISDIR, -ENAMETOOLONG, -ENOMEM as usual.
 * A damaged image never makes the reader read outside dev->size, loop
 * without bound or touch memory it does not own. */
#ifndef FLINT_FS_EXT2_H
#define FLINT_FS_EXT2_H

#include <stddef.h>
#include <stdint.h>

#define EXT2_WHY_MAX 160	/* room enough for any reason ext2_mount gives */

struct ext2_fs;

/* read: bytes [byte_off, byte_off + len) of the device into buf; 0 or a
 * negative errno. The reader asks only for ranges inside size. */
struct ext2_dev {
	int (*read)(void *arg, uint64_t byte_off, void *buf, size_t len);
	void *arg;
	uint64_t size;
};

/* Checks the superblock and every group descriptor. On success *out is
 * the mounted filesystem; on failure a negative errno and, when why is
 * not NULL, a one-line reason ("ext2: ..."), NUL-terminated. */
int ext2_mount(const struct ext2_dev *dev, struct ext2_fs **out, char *why, size_t whylen);
void ext2_unmount(struct ext2_fs *fs);

/* What a read-write mount would have to be refused for: 0 for nothing,
 * else -EROFS with a one-line reason in why (RO_COMPAT features this
 * reader does not know, a journal needing recovery, MMP, an unclean or
 * erroneous state, the read-only feature). */
int ext2_rw_problem(const struct ext2_fs *fs, char *why, size_t whylen);

#define EXT2_ROOT 2u	/* the root directory's inode number */

struct ext2_inode_info {
	uint32_t ino, mode, uid, gid, links, atime, mtime, ctime, flags;
	uint64_t size;
	uint64_t blocks;	/* 512-byte units, as st_blocks */
	uint32_t rdev;		/* device files: Linux's new_encode_dev form (VFS_RDEV) */
};
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode_info *out);

/* The inode named name (len bytes, no NUL needed) in directory dir. */
int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);

/* Calls fn for each entry of dir from *cookie on ("." and ".." included,
 * as stored), with the entry's name (not NUL-terminated), its length, its
 * inode and its EXT2_FT_* type (0 when the filesystem does not record
 * types). *cookie is a byte offset in the directory, 0 at the start: it
 * is left at the entry after the last one fn accepted. When fn returns
 * non-zero the walk stops and that entry is not consumed (the next call
 * gives it again). Returns 0 at the end of the directory, 1 when fn
 * stopped it, or a negative errno. */
int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie,
		 int (*fn)(void *arg, const char *name, size_t len, uint32_t ino, unsigned type),
		 void *arg);

/* A regular file's bytes [off, off + len) clipped at its size (holes read
 * as zeros); returns the count read, or a negative errno. */
long ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, size_t len);

/* A symlink's target, clipped at len, not NUL-terminated; returns its
 * length, or a negative errno (-EINVAL: not a symlink). */
long ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t len);

/* The device block holding file block fblock of a regular file,
 * directory or slow symlink; 0 for a hole (and for an unwritten extent,
 * which reads as zeros). */
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, uint64_t fblock, uint64_t *dblock);

struct ext2_statfs {
	uint32_t block_size;
	uint32_t name_max;
	uint64_t blocks;	/* the filesystem's size in blocks */
	uint64_t free_blocks;	/* free, reserved ones included */
	uint64_t avail_blocks;	/* free to others than the reserved user */
	uint64_t inodes;
	uint64_t free_inodes;
};
int ext2_statfs(const struct ext2_fs *fs, struct ext2_statfs *st);

#endif
