/*
 * The virtual filesystem (fs/vfs.c) over the in-memory ramfs (fs/ramfs.c):
 * path lookup, the file operations as kernel functions returning a
 * negative errno (<flint/errno.h>), and file-descriptor tables. See
 * docs/fs.md. Not thread-safe yet: one caller at a time.
 */
#ifndef FLINT_VFS_H
#define FLINT_VFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFS_NAME_MAX 255	/* bytes in one path component */
#define VFS_SYMLINK_MAX 40	/* links followed in one lookup (ELOOP) */
#define VFS_PATH_MAX 4096	/* a symlink target's bytes */
#define FDTABLE_MAX 64		/* descriptors in one table */

/* File types and permission bits, with Linux's values. */
#define VFS_S_IFMT 0170000
#define VFS_S_IFDIR 0040000
#define VFS_S_IFREG 0100000
#define VFS_S_IFLNK 0120000
#define VFS_S_IFCHR 0020000
#define VFS_S_PERM 07777

/* Open flags, with Linux's values. */
#define VFS_O_ACCMODE 03
#define VFS_O_RDONLY 0
#define VFS_O_WRONLY 1
#define VFS_O_RDWR 2
#define VFS_O_CREAT 0100
#define VFS_O_EXCL 0200
#define VFS_O_TRUNC 01000
#define VFS_O_APPEND 02000
#define VFS_O_DIRECTORY 0200000
#define VFS_O_NOFOLLOW 0400000

#define VFS_SEEK_SET 0
#define VFS_SEEK_CUR 1
#define VFS_SEEK_END 2

/* A character device: the node's reads and writes go here. */
struct vfs_chardev {
	long (*read)(void *buf, size_t n);
	long (*write)(const void *buf, size_t n);
};

/* A ramfs node. Directories keep their children sorted by name. */
struct vnode {
	uint32_t mode;			/* type and permissions */
	uint32_t mtime;
	uint64_t size;			/* file data or symlink target bytes */
	unsigned char *data;		/* regular file, symlink: cap bytes */
	size_t cap;
	const struct vfs_chardev *dev;	/* VFS_S_IFCHR */
	struct vnode *parent;		/* NULL once unlinked; root: itself */
	struct vnode *children, *next;	/* directory entries, sorted */
	unsigned opens;			/* open file descriptions */
	char name[VFS_NAME_MAX + 1];
};

/* An open file description: shared by the descriptors dup'ed from it. */
struct file {
	struct vnode *node;
	uint64_t offset;
	int flags;
	unsigned refs;
};

struct fdtable {
	struct file *fd[FDTABLE_MAX];
};

struct vfs_stat {
	uint32_t mode;
	uint32_t mtime;
	uint64_t size;
};

/* One entry of a directory, as vfs_readdir gives them. */
struct vfs_dirent {
	uint32_t mode;
	char name[VFS_NAME_MAX + 1];
};

/* Makes a new, empty root directory (0755); 0 or -ENOMEM. The old tree is
 * dropped, not freed: call it once per boot (or per test). */
int vfs_init(void);
struct vnode *vfs_root(void);

/* Paths are resolved from the root when absolute, else from cwd (the root
 * when NULL). follow: whether a symlink as the last component is followed. */
int vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out);
int vfs_mkdir(struct vnode *cwd, const char *path, uint32_t perm);
int vfs_symlink(struct vnode *cwd, const char *target, const char *path);
int vfs_mkdev(struct vnode *cwd, const char *path, uint32_t perm,
	      const struct vfs_chardev *dev);
/* Creates (O_EXCL) a regular file holding n bytes of data. */
int vfs_create_file(struct vnode *cwd, const char *path, uint32_t perm,
		    const void *data, size_t n);
int vfs_readlink(struct vnode *cwd, const char *path, char *buf, size_t size);
int vfs_stat(struct vnode *cwd, const char *path, bool follow, struct vfs_stat *st);
int vfs_chmod(struct vnode *cwd, const char *path, uint32_t perm, uint32_t mtime);
/* Removes a non-directory (a directory: -EISDIR); an open file lives on
 * until its last description is closed. */
int vfs_unlink(struct vnode *cwd, const char *path);
int vfs_rmdir(struct vnode *cwd, const char *path);
/* Replaces newpath if it exists (an empty directory by a directory only). */
int vfs_rename(struct vnode *cwd, const char *oldpath, const char *newpath);

/* Calls fn for every node under dir, depth first in name order, with its
 * path from the root. */
void vfs_walk(struct vnode *dir, void (*fn)(const char *path, const struct vnode *n, void *arg),
	      void *arg);

void fdtable_init(struct fdtable *t);
/* Closes every descriptor. */
void fdtable_release(struct fdtable *t);
/* The lowest free descriptor, or -EMFILE. */
int vfs_open(struct fdtable *t, struct vnode *cwd, const char *path, int flags, uint32_t perm);
int vfs_close(struct fdtable *t, int fd);
/* A new descriptor for fd's description, sharing its offset. */
int vfs_dup(struct fdtable *t, int fd);
long vfs_read(struct fdtable *t, int fd, void *buf, size_t n);
long vfs_write(struct fdtable *t, int fd, const void *buf, size_t n);
int64_t vfs_lseek(struct fdtable *t, int fd, int64_t offset, int whence);
int vfs_fstat(struct fdtable *t, int fd, struct vfs_stat *st);
/* The directory's next entry ("." and ".." are not listed): 1, 0 at the
 * end, or a negative errno. */
int vfs_readdir(struct fdtable *t, int fd, struct vfs_dirent *d);

/* fs/ramfs.c: the nodes under the VFS. */
struct vnode *ramfs_new(uint32_t mode);		/* NULL when out of memory */
struct vnode *ramfs_find(const struct vnode *dir, const char *name, size_t len);
/* Enters n in dir under name (len bytes, at most VFS_NAME_MAX). */
void ramfs_link(struct vnode *dir, struct vnode *n, const char *name, size_t len);
/* Takes n out of its directory; frees it unless it is open. */
void ramfs_unlink(struct vnode *n);
/* Frees an unlinked node once its last description is gone. */
void ramfs_put(struct vnode *n);
/* Sets the data size, zero-filling growth: 0, -ENOMEM or -EFBIG. */
int ramfs_resize(struct vnode *n, uint64_t size);

/* fs/dev.c: /dev with null, zero, urandom and console. */
int dev_populate(void);
/* fs/initrd.c: the boot's "fs" stage. */
struct bootinfo;
void fs_init(const struct bootinfo *bi);

#endif
