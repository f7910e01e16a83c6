/*
 * What a filesystem gives the VFS, and the VFS's calls a filesystem
 * makes: the interface inside fs/ (fs/vfs.c, fs/mount.c, fs/ramfs.c and
 * the filesystems behind them; see docs/fs.md "Filesystems and mounts").
 * Programs and the rest of the kernel see only <flint/vfs.h>.
 *
 * The VFS keeps every node and name it has met in memory (struct vnode
 * and struct ramfs_entry are its inode and directory-entry caches). A
 * memory filesystem (ramfs, tmpfs, /dev, /proc) is nothing more; a disk
 * filesystem fills a directory's names the first time it is used
 * (load_dir) and is asked first for every change, which the VFS then
 * makes in memory only when the disk took it. Every operation runs under
 * the VFS lock.
 */
#ifndef FLINT_FS_FS_H
#define FLINT_FS_FS_H

#include <flint/vfs.h>

struct blockdev;

/* The operations of a disk filesystem's nodes. n->mnt is the mount; a
 * node the filesystem made has n->ino its own inode number. Lock order:
 * the VFS lock, a file's cache (<flint/pagecache.h>), the filesystem's
 * own; a filesystem never calls the cache holding its own lock. */
struct vfs_node_ops {
	/* Enters every name of directory dir (vfs_fs_enter), once. */
	int (*load_dir)(struct vnode *dir);
	/* A new node of mode (a symlink: with target, tlen bytes) named name
	 * in dir, on the disk: *out is made with vfs_fs_node, not entered. */
	int (*create)(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		      const char *target, size_t tlen, struct vnode **out);
	int (*link)(struct vnode *n, struct vnode *dir, const char *name, size_t len);
	/* Removes entry e (a directory or not, as its node is) from the disk. */
	int (*remove)(struct ramfs_entry *e);
	/* Moves e to name in dir, replacing target (NULL: none there). */
	int (*rename)(struct ramfs_entry *e, struct vnode *dir, const char *name, size_t len,
		      struct ramfs_entry *target);
	/* n's mode and mtime reach the disk. */
	int (*setattr)(struct vnode *n);
	/* A regular file's new size, in its cache and on the disk. Its data
	 * goes through its cache, whose backing store the filesystem set. */
	int (*truncate)(struct vnode *n, uint64_t size);
	/* The node leaves memory: its dirty pages are written back, or, for
	 * an inode left without links, the inode goes. */
	void (*evict)(struct vnode *n);
	int (*statfs)(struct vfs_mount *m, struct vfs_statfs *st);
	/* Everything written so far reaches the disk, then a FLUSH. */
	int (*sync)(struct vfs_mount *m);
	/* The flusher's periodic call: what has waited long goes to the disk. */
	void (*tick)(struct vfs_mount *m);
	/* The mount goes: the disk is left clean. */
	void (*unmount)(struct vfs_mount *m);
};

/* A kind of filesystem, as mount(2) and /proc/mounts name it. */
struct vfs_fs_type {
	const char *name;
	uint32_t magic;			/* statfs's f_type (Linux's *_MAGIC) */
	bool needs_disk;
	/* Fills m->root (made with vfs_fs_node) and m->sb; m->disk, m->flags
	 * and m->source are set. A refusal's reason goes in why (one line,
	 * NUL-terminated) with -EINVAL, -EROFS or -EOPNOTSUPP. */
	int (*mount)(struct vfs_mount *m, const char *data, char *why, size_t whylen);
	const struct vfs_node_ops *ops;	/* NULL: memory only */
};

extern const struct vfs_fs_type ext2_fs_type;

#define VFS_STATFS_BSIZE 4096	/* a memory filesystem's block: a page */
#define VFS_ST_VALID 0x20u	/* statfs f_flags: they are valid (include/linux/statfs.h) */

/* statfs's f_flags for m (ST_RDONLY... share MS_*'s values). */
uint32_t mount_statfs_flags(const struct vfs_mount *m);
/* A memory filesystem's figures: its files' pages and the free memory,
 * or its size= limit. */
void mount_memory_statfs(struct vfs_mount *m, struct vfs_statfs *st);

/* tmpfs's size=: whether a write of [off, off + len) to memory file n
 * fits its mount (0 or -ENOSPC), and, after a change of n's pages, the
 * mount's count of them (pages_before: n's before it). */
int ramfs_charge(struct vnode *n, uint64_t off, uint64_t len);
void ramfs_charged(struct vnode *n, uint64_t pages_before);

/* A node of m's (mode, ino), not yet named. */
struct vnode *vfs_fs_node(struct vfs_mount *m, uint32_t mode, uint64_t ino);
/* load_dir's entry of n as name (len bytes) in dir: 0 or -ENOMEM. */
int vfs_fs_enter(struct vnode *dir, struct vnode *n, const char *name, size_t len);
/* Seconds since 1970 for the times a filesystem writes. */
uint32_t vfs_now(void);

/* Between fs/vfs.c and fs/mount.c. The _locked calls expect the VFS
 * lock held. */
/* Connects an open file of a FIFO node to the node's pipe, waiting for
 * the other end as fifo(7) says (fs/pipe.c). */
int pipe_fifo_open(struct file *f);

void vfs_lock(void);
void vfs_unlock(void);
/* The rootfs mount vfs_init puts the root in, first in the table. */
struct vfs_mount *mount_rootfs(void);
int vfs_lookup_locked(struct vnode *cwd, const char *path, bool follow, struct vnode **out);
/* path (absolute or not) from dir, as if dir were the root. */
int vfs_lookup_from_locked(struct vnode *dir, const char *path, struct vnode **out);
/* vfs_path_of under the lock. */
int vfs_path_of_locked(const struct vnode *n, char *buf, size_t size);
/* n is released: freed when nothing names or holds it. */
void vfs_node_put(struct vnode *n);
bool vfs_node_nodev(const struct vnode *n);
/* root= : dir becomes "/". */
void vfs_set_root(struct vnode *dir);

#endif
