/* An ext2/ext3/ext4 reader over a byte-read callback, and an ext2 writer
 * over a byte-write one (fs/ext2/, docs/fs.md "ext2 and ext4"). Pure
 * logic: no locks, no page cache; one struct ext2_fs must not be used by
 * two threads at once.
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
 *   -EROFS      a write on a read-only mount; ext2_mount_rw refusing;
 *   -ENOENT, -ENOTDIR, -EISDIR, -ENAMETOOLONG, -ENOMEM, -EEXIST,
 *   -ENOTEMPTY, -EMLINK, -ENOSPC, -EFBIG, -EPERM as usual.
 * A damaged image never makes the reader read, or the writer write,
 * outside dev->size, loop without bound or touch memory it does not own. */
#ifndef FLINT_FS_EXT2_H
#define FLINT_FS_EXT2_H

#include <stddef.h>
#include <stdint.h>

#define EXT2_WHY_MAX 160	/* room enough for any reason ext2_mount gives */

struct ext2_fs;

/* read: bytes [byte_off, byte_off + len) of the device into buf; 0 or a
 * negative errno. The reader asks only for ranges inside size. write: the
 * same the other way (NULL: a read-only device); ranges need not be
 * whole sectors (a superblock is 1 KiB, a descriptor 32 bytes, an inode
 * 128): the callback reads, modifies and writes what it must. */
struct ext2_dev {
	int (*read)(void *arg, uint64_t byte_off, void *buf, size_t len);
	void *arg;
	uint64_t size;
	int (*write)(void *arg, uint64_t byte_off, const void *buf, size_t len);
};

/* Checks the superblock and every group descriptor. On success *out is
 * the mounted filesystem; on failure a negative errno and, when why is
 * not NULL, a one-line reason ("ext2: ..."), NUL-terminated. */
int ext2_mount(const struct ext2_dev *dev, struct ext2_fs **out, char *why, size_t whylen);
/* Unmounting a read-write mount marks the filesystem clean again. */
void ext2_unmount(struct ext2_fs *fs);

/* The filesystem as Linux would name its driver: "ext4" with any of
 * ext4's INCOMPAT features (extents, 64bit, flex_bg...), "ext3" with a
 * journal, else "ext2". */
const char *ext2_kind(const struct ext2_fs *fs);

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

/* The caller knows every name of each directory it adds names to (it
 * read them whole, and every change goes through it): the library then
 * does not search a directory for a new name before adding it, and looks
 * for room from where the previous name went, so that a directory of n
 * names takes n small steps, not n searches. */
void ext2_set_names_known(struct ext2_fs *fs);

/* Writing: ext2 revision 1 with blocks of 1 to 4 KiB and no feature
 * beyond ext_attr, resize_inode, dir_index, filetype, sparse_super,
 * sparse_super2, meta_bg and large_file. ext2_mount_rw mounts as
 * ext2_mount does, then refuses (-EROFS, one line in why) what
 * ext2_rw_problem reports, a device without write, and any other
 * feature; else it marks the filesystem not clean (s_state), counts the
 * mount and sets s_mtime to now, until ext2_unmount.
 *
 * Each call below writes all it changes through dev->write before it
 * returns, in this order: file data, then the block map's indirect
 * blocks, then the inode and the directory records; a block or inode is
 * taken in its bitmap (and the group's and superblock's counts) before
 * it is used and given back after the last reference to it is gone, so
 * that a crash between writes leaks space, never shares it. now is the
 * caller's clock (seconds since 1970), for the times it sets. A failure
 * (-ENOSPC, damage) leaves the filesystem consistent, perhaps with part
 * of a write done: ext2_write then returns the bytes written. */
int ext2_mount_rw(const struct ext2_dev *dev, uint32_t now, struct ext2_fs **out, char *why,
		  size_t whylen);

/* A new inode's attributes: permission bits (the type is the call's),
 * owner and its times (atime, mtime and ctime alike). */
struct ext2_new_attr {
	uint32_t mode, uid, gid, time;
};

/* Writes len bytes of buf at off in regular file ino, allocating blocks
 * (and indirect blocks) for holes written; returns the count written
 * (short only when a failure stopped it, which is then the result if
 * nothing was written). Sets mtime and ctime. */
long ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *buf, size_t len,
		uint32_t now);
/* Sets a regular file's size: up leaves a hole, down frees the blocks
 * past it. Sets mtime and ctime. */
int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size, uint32_t now);

#define EXT2_ATTR_MODE 1u	/* permission bits; the type stays */
#define EXT2_ATTR_UID 2u
#define EXT2_ATTR_GID 4u
#define EXT2_ATTR_ATIME 8u
#define EXT2_ATTR_MTIME 16u
#define EXT2_ATTR_CTIME 32u
struct ext2_setattr {
	unsigned valid;		/* EXT2_ATTR_*: which fields to set */
	uint32_t mode, uid, gid, atime, mtime, ctime;
};
int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct ext2_setattr *sa);

/* Names: in directory dir, name of len bytes (1 to 255, no '/' or NUL,
 * not "." or ".."). On success *ino is the new inode. */
int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		const struct ext2_new_attr *a, uint32_t *ino);
int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
	       const struct ext2_new_attr *a, uint32_t *ino);
/* A symlink to target (1 to 4095 bytes, less than a block): kept in the
 * inode when shorter than 60 bytes, else in a block. */
int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		 const char *target, size_t tlen, const struct ext2_new_attr *a, uint32_t *ino);
/* A new name for ino (not a directory: -EPERM). */
int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name, size_t len,
	      uint32_t now);
/* Remove the name (unlink: not a directory, -EISDIR; rmdir: an empty
 * directory, -ENOTDIR, -ENOTEMPTY) and drop the inode's link count; rename
 * replaces an existing new name as POSIX's rename(2) does. The inode
 * itself stays: *gone is the inode left with no links (0 when none),
 * which the caller gives to ext2_evict once no open file holds it. */
int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t now,
		uint32_t *gone);
int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t now,
	       uint32_t *gone);
int ext2_rename(struct ext2_fs *fs, uint32_t olddir, const char *oldname, size_t oldlen,
		uint32_t newdir, const char *newname, size_t newlen, uint32_t now, uint32_t *gone);
/* Frees inode ino, which has no links left (-EBUSY if it has), with its
 * blocks. */
int ext2_evict(struct ext2_fs *fs, uint32_t ino, uint32_t now);

#endif
