/*
 * The virtual filesystem (fs/vfs.c) over the in-memory ramfs (fs/ramfs.c):
 * path lookup, the file operations as kernel functions returning a
 * negative errno (<flint/errno.h>), and file-descriptor tables. See
 * docs/fs.md. The tree and file offsets are under one VFS mutex; blocking
 * reads (pipes, the console) sleep without it.
 */
#ifndef FLINT_VFS_H
#define FLINT_VFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <flint/pagecache.h>
#include <flint/sync.h>

#define VFS_NAME_MAX 255	/* bytes in one path component */
#define VFS_SYMLINK_MAX 40	/* links followed in one lookup (ELOOP) */
#define VFS_PATH_MAX 4096	/* a symlink target's bytes */
#define VFS_DYNLINK_MAX 32	/* a dynamic symlink's target bytes (/proc/self) */
#define VFS_LINK_MAX 65000	/* names of one node (EMLINK), ext4's limit */
#define FDTABLE_MAX 1024	/* descriptors in one table (RLIMIT_NOFILE) */

/* File types and permission bits, with Linux's values. */
#define VFS_S_IFMT 0170000
#define VFS_S_IFDIR 0040000
#define VFS_S_IFREG 0100000
#define VFS_S_IFLNK 0120000
#define VFS_S_IFCHR 0020000
#define VFS_S_IFBLK 0060000
#define VFS_S_IFIFO 0010000
#define VFS_S_IFSOCK 0140000
#define VFS_S_PERM 07777
#define VFS_S_ISUID 04000		/* inode(7) */
#define VFS_S_ISGID 02000
#define VFS_S_ISVTX 01000		/* sticky */

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

#define VFS_O_NONBLOCK 04000
#define VFS_O_NOCTTY 0400
#define VFS_O_CLOEXEC 02000000
#define VFS_O_DSYNC 010000
#define VFS_O_SYNC 04010000		/* includes O_DSYNC's bit, as Linux's */
#define VFS_O_PATH 010000000		/* names the file only: no reads or writes */

/* Readiness bits for poll (Linux's POLL* values, uapi/asm-generic/poll.h). */
#define VFS_POLLIN 0x001
#define VFS_POLLPRI 0x002
#define VFS_POLLOUT 0x004
#define VFS_POLLERR 0x008
#define VFS_POLLHUP 0x010
#define VFS_POLLNVAL 0x020

/* Terminal ioctls (Linux's uapi/asm-generic/ioctls.h) and the kernel's
 * struct termios they carry (NCCS 19, uapi/asm-generic/termbits.h). */
#define VFS_TCGETS 0x5401
#define VFS_TCSETS 0x5402
#define VFS_TCSETSW 0x5403
#define VFS_TCSETSF 0x5404
#define VFS_TIOCGPGRP 0x540f
#define VFS_TIOCSPGRP 0x5410
#define VFS_TIOCGWINSZ 0x5413
#define VFS_TIOCSWINSZ 0x5414
#define VFS_FIONREAD 0x541b
#define VFS_NCCS 19

struct vfs_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[VFS_NCCS];
};

struct vfs_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

struct file;
struct vfs_stat;

/* What an open file does when it is not a plain ramfs file or directory:
 * character devices, pipes, and the ABI layer's own kinds (eventfd,
 * epoll). Buffers are kernel memory. Absent operations: read/write
 * -EINVAL, poll "always ready", ioctl -ENOTTY, stat nothing more. */
struct file_ops {
	/* Optional: a device node's open, after f->ops and f->priv are the
	 * node's (it may change both), outside the VFS lock, with f->flags
	 * as opened (VFS_O_NOCTTY too, dropped after): 0 or an errno (then
	 * release runs with f->priv as open left it). */
	int (*open)(struct file *f);
	/* May block unless f->flags has VFS_O_NONBLOCK (then -EAGAIN). */
	long (*read)(struct file *f, void *buf, size_t n);
	long (*write)(struct file *f, const void *buf, size_t n);
	/* Optional: read straight into a program's memory (ubuf is a user
	 * address), sparing the caller's bounce copy: -EFAULT when nothing
	 * could be copied there, -EOPNOTSUPP when this file cannot (the
	 * caller then reads through a kernel buffer). */
	long (*read_user)(struct file *f, void *ubuf, size_t n);
	/* VFS_POLL* bits ready now; never blocks. */
	unsigned (*poll)(struct file *f);
	/* arg is the command's argument, already copied into kernel memory
	 * by the caller (who knows each command's size), and copied back. */
	long (*ioctl)(struct file *f, unsigned long cmd, void *arg);
	/* Adds to what the node gave (a device's rdev), or fills all of st
	 * (zeroed) for a file without a node. */
	int (*stat)(struct file *f, struct vfs_stat *st);
	/* Seekable devices (disks): positioned transfers and the size that
	 * SEEK_END counts from. With pread, read and write go through
	 * pread and pwrite at the file's offset, and lseek works. */
	long (*pread)(struct file *f, void *buf, size_t n, uint64_t offset);
	long (*pwrite)(struct file *f, const void *buf, size_t n, uint64_t offset);
	uint64_t (*size)(struct file *f);
	/* Optional: what was written reaches stable storage (fsync,
	 * fdatasync, O_SYNC and O_DSYNC writes). Without it fsync is
	 * -EINVAL, as Linux answers for pipes, sockets and most devices. */
	int (*fsync)(struct file *f);
	/* The last reference is gone. */
	void (*release)(struct file *f);
};

struct vnode;

/* A directory entry: one name of a node in one directory. A non-directory
 * has one per hard link, a directory one (none for the root and once it
 * is removed). */
struct ramfs_entry {
	struct vnode *node;
	struct vnode *dir;		/* the directory it is in */
	/* dir's next and previous entries: sorted by name, or in the disk's
	 * order (vnode->disk_order) */
	struct ramfs_entry *next, *prev;
	struct ramfs_entry *alias;	/* the node's next name, newer */
	struct ramfs_entry *hnext;	/* the next in its bucket of dir's index */
	uint32_t hash;			/* of the name: its bucket */
	char name[];			/* NUL-terminated, at most VFS_NAME_MAX bytes */
};

/* A ramfs node, separate from its names. It lives while it has a name or
 * an open file (or a hold). */
struct vnode {
	uint32_t mode;			/* type and permissions */
	uint32_t uid, gid;		/* owner (a disk's own are not read or kept) */
	uint32_t mtime;
	uint64_t ino;			/* unique, from 1 */
	/* A regular file's data size (what its cache's size is: the data
	 * paths keep both), or a symlink target's bytes. */
	uint64_t size;
	unsigned char *data;		/* a symlink's target, on the heap */
	struct pagecache cache;		/* a regular file's data */
	const struct file_ops *dev;	/* VFS_S_IFCHR, VFS_S_IFBLK */
	void *dev_priv;			/* a device's files' priv (vfs_mkblkdev) */
	/* A generated file (/proc): its content, made at each open from
	 * gen_arg (what vfs_mkgen was given). */
	size_t (*gen)(long arg, char *buf, size_t size);
	long gen_arg;
	/* A dynamic symlink (/proc/self): its target, made at each lookup. */
	size_t (*link)(char *buf, size_t size);
	/* A socket node (VFS_S_IFSOCK): the AF_UNIX socket bound to it, NULL
	 * once that socket is closed. */
	void *sock;
	/* A directory's entries (sorted by name, or in the disk's order:
	 * disk_order, where a new one goes last, as readdir on Linux shows a
	 * disk directory), their count, and an index of them by name hash
	 * once there are many (index_size buckets, a power of two). */
	struct ramfs_entry *entries, *last_entry;
	uint32_t nentries, index_size;
	struct ramfs_entry **index;
	bool disk_order;
	struct ramfs_entry *names;	/* the entries naming it, oldest first */
	uint32_t nlink;			/* how many names (a directory: 0 or 1) */
	unsigned opens;			/* open file descriptions and holds */
	struct vfs_mount *mnt;		/* the filesystem it is in */
	struct vfs_mount *mounted;	/* a directory: the mount over it */
	/* A disk filesystem's node: its directory's names are all in memory
	 * (loaded); its link count on the disk; gone from the disk once it
	 * leaves memory (no link left). */
	bool loaded;
	bool gone;
	uint32_t disk_links;
	struct pagecache_backing backing;	/* a disk file's cache's */
};

/* Mount flags, Linux's MS_* values (uapi/linux/mount.h). */
#define VFS_MS_RDONLY 1u
#define VFS_MS_NOSUID 2u
#define VFS_MS_NODEV 4u
#define VFS_MS_NOEXEC 8u
#define VFS_MS_REMOUNT 32u
#define VFS_MS_BIND 4096u
#define VFS_MS_MOVE 8192u
#define VFS_MS_SILENT 32768u
#define VFS_MS_FLAGS (VFS_MS_RDONLY | VFS_MS_NOSUID | VFS_MS_NODEV | VFS_MS_NOEXEC)
/* umount2 flags (uapi/linux/fs.h; include/linux/fs.h UMOUNT_NOFOLLOW). */
#define VFS_MNT_FORCE 1u
#define VFS_MNT_DETACH 2u
#define VFS_MNT_EXPIRE 4u
#define VFS_UMOUNT_NOFOLLOW 8u

#define VFS_MOUNT_SOURCE_MAX 64
#define VFS_MOUNT_OPTS_MAX 64
#define VFS_MOUNT_TYPE_MAX 12

struct vfs_fs_type;
struct blockdev;

/* A mounted filesystem (fs/mount.c). */
struct vfs_mount {
	const struct vfs_fs_type *type;
	int id;				/* /proc/self/mountinfo's mount ID */
	uint32_t dev;			/* st_dev of its nodes (VFS_RDEV form) */
	unsigned flags;			/* VFS_MS_RDONLY, NOSUID, NODEV, NOEXEC */
	struct vnode *root;
	struct vnode *covered;		/* the directory it hides; NULL for / */
	struct vfs_mount *parent;	/* covered's mount */
	struct vfs_mount *next;		/* the mount table, oldest first */
	struct blockdev *disk;		/* a disk filesystem's */
	void *sb;			/* the filesystem's own */
	uint64_t size_limit;		/* tmpfs size=: bytes of file data, 0 none */
	uint64_t used_pages;		/* a memory filesystem's file data */
	char source[VFS_MOUNT_SOURCE_MAX];
	char fstype[VFS_MOUNT_TYPE_MAX];	/* as /proc/mounts shows it */
	char opts[VFS_MOUNT_OPTS_MAX];	/* the filesystem's own options */
};

/* statfs(2)'s answers. */
struct vfs_statfs {
	uint32_t type;			/* f_type: the filesystem's magic */
	uint32_t bsize;
	uint64_t blocks, bfree, bavail;
	uint64_t files, ffree;
	uint32_t namelen;
	uint32_t flags;			/* ST_RDONLY... as Linux's f_flags */
	uint32_t fsid;
};

/* An open file description: shared by the descriptors dup'ed from it. */
struct file {
	const struct file_ops *ops;	/* NULL: a ramfs file or directory */
	struct vnode *node;		/* NULL for pipes, eventfds, epoll */
	uint64_t offset;		/* under the VFS lock */
	int flags;			/* VFS_O_*, as opened (fcntl F_SETFL changes
					 * VFS_O_APPEND and VFS_O_NONBLOCK) */
	unsigned refs;			/* atomic */
	void *priv;			/* the ops' own state */
};

/* Descriptor tables may be shared between threads: every call below takes
 * t->lock. */
struct fdtable {
	spinlock_t lock;
	struct file *fd[FDTABLE_MAX];
	bool cloexec[FDTABLE_MAX];
};

/* A device number as Linux's new_encode_dev makes it (include/linux/kdev_t.h):
 * the minor's low byte, the major, then the minor's high bits. */
#define VFS_RDEV(major, minor) \
	(((minor) & 0xffu) | ((major) << 8) | (((minor) & ~0xffu) << 12))

struct vfs_stat {
	uint32_t dev;			/* the filesystem's (struct vfs_mount dev) */
	uint32_t mode;
	uint32_t uid, gid;
	uint32_t nlink;
	uint32_t mtime;
	uint32_t rdev;			/* character devices: Linux's major:minor */
	uint64_t ino;
	uint64_t size;
};

/* One entry of a directory, as vfs_readdir gives them. */
struct vfs_dirent {
	uint32_t mode;
	char name[VFS_NAME_MAX + 1];
};

/* Who is asking: the caller's filesystem ids and the two capabilities
 * that bypass the permission bits. The VFS gets it from the source its
 * user registers (none: root) to check opening, creating and removing,
 * and to own new nodes. */
#define VFS_CRED_GROUPS 64
struct vfs_cred {
	uint32_t uid, gid;
	uint32_t groups[VFS_CRED_GROUPS];
	unsigned ngroups;
	bool dac_override;		/* CAP_DAC_OVERRIDE: any read, write or search */
	bool fowner;			/* CAP_FOWNER: as if owning every node */
};
/* access(2)'s bits (include/linux/fs.h MAY_EXEC, MAY_WRITE, MAY_READ). */
#define VFS_MAY_EXEC 1
#define VFS_MAY_WRITE 2
#define VFS_MAY_READ 4
void vfs_set_cred_source(void (*get)(struct vfs_cred *c));
void vfs_cred_get(struct vfs_cred *c);
/* 0 or -EACCES: may (VFS_MAY_*) on a node of mode owned by uid:gid. */
int vfs_permission(const struct vfs_cred *c, uint32_t mode, uint32_t uid, uint32_t gid,
		   int may);

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
	      const struct file_ops *dev);
/* The same for a block device node (a disk: ops with pread); priv is its
 * files' priv (the disk), whatever name opens it. */
/* A named pipe (mkfifo, mknod S_IFIFO). */
int vfs_mkfifo(struct vnode *cwd, const char *path, uint32_t perm);
int vfs_mkblkdev(struct vnode *cwd, const char *path, uint32_t perm,
		 const struct file_ops *dev, void *priv);
/* A socket node at path (AF_UNIX's bind; -EEXIST when path exists) bound
 * to sock, held (vfs_node_hold) for the socket: *out is it. Opening it
 * answers -ENXIO, as Linux does. */
int vfs_mksock(struct vnode *cwd, const char *path, uint32_t perm, void *sock,
	       struct vnode **out);
/* The socket bound to path's node (symlinks followed): 0 with *sock,
 * -ECONNREFUSED for a node that is not a socket or whose socket is
 * closed, or the lookup's error. The caller keeps sock alive by holding
 * the lock under which sockets call vfs_sock_unbind. */
int vfs_lookup_sock(struct vnode *cwd, const char *path, void **sock);
/* The socket is closed: the node forgets it and the hold goes. */
void vfs_sock_unbind(struct vnode *n);
/* A read-only file whose content gen makes at each open, outside the VFS
 * lock: gen(arg, ...) writes at most size bytes and returns the full
 * length (called again with a bigger buffer when that is more). */
int vfs_mkgen(struct vnode *cwd, const char *path, uint32_t perm,
	      size_t (*gen)(long arg, char *buf, size_t size), long arg);
/* A symlink whose target depends on who looks (/proc/self): link writes
 * at most size bytes of it for the calling thread and returns its full
 * length, at most VFS_DYNLINK_MAX (0: no target, -ENOENT). It runs under
 * the VFS lock, so it takes no lock that is held around VFS calls. */
int vfs_symlink_dynamic(struct vnode *cwd, const char *path,
			size_t (*link)(char *buf, size_t size));
/* Creates (O_EXCL) a regular file whose data are the size bytes at data
 * (the initrd's files): when data is page-aligned, its whole pages become
 * the file's cache pages without a copy (they are the file's from then
 * on, and go back to the page allocator when it lets them go); the last
 * partial page, and any unaligned data, is copied. */
int vfs_create_file_in_place(struct vnode *cwd, const char *path, uint32_t perm, void *data,
			     size_t size);
/* Creates (O_EXCL) a regular file holding n bytes of data. */
int vfs_create_file(struct vnode *cwd, const char *path, uint32_t perm,
		    const void *data, size_t n);
int vfs_readlink(struct vnode *cwd, const char *path, char *buf, size_t size);
int vfs_stat(struct vnode *cwd, const char *path, bool follow, struct vfs_stat *st);
int vfs_chmod(struct vnode *cwd, const char *path, uint32_t perm, uint32_t mtime);
/* Removes a non-directory (a directory: -EISDIR); an open file lives on
 * until its last description is closed. */
/* Gives path's node (the link itself unless follow) owner uid:gid and
 * clears the mode bits clear; the caller checks who may. */
int vfs_chown(struct vnode *cwd, const char *path, bool follow, uint32_t uid, uint32_t gid,
	      uint32_t clear);
int vfs_unlink(struct vnode *cwd, const char *path);
int vfs_rmdir(struct vnode *cwd, const char *path);
/* Replaces newpath if it exists (an empty directory by a directory only);
 * two names of one node: nothing happens, as POSIX says. */
int vfs_rename(struct vnode *cwd, const char *oldpath, const char *newpath);
/* A hard link: newpath (from newcwd) becomes another name of oldpath's
 * node (from oldcwd; follow: a final symlink is followed). An empty
 * oldpath is oldcwd itself (AT_EMPTY_PATH; the caller keeps it alive).
 * -EEXIST, -EPERM for a directory, -ENOENT for a node without a name,
 * -EMLINK past VFS_LINK_MAX, or a lookup's error. */
int vfs_link(struct vnode *oldcwd, const char *oldpath, bool follow, struct vnode *newcwd,
	     const char *newpath);

/* Calls fn for every entry under dir, depth first in name order, with its
 * path from the root (a node with hard links comes once per name: its
 * first, e == e->node->names, once). */
void vfs_walk(struct vnode *dir,
	      void (*fn)(const char *path, const struct ramfs_entry *e, void *arg), void *arg);

void fdtable_init(struct fdtable *t);
/* Closes every descriptor. */
void fdtable_release(struct fdtable *t);
/* fork: dst (initialised, empty) gets every descriptor of src, sharing
 * the open file descriptions (and so their offsets), as POSIX says. */
void fdtable_copy(struct fdtable *dst, struct fdtable *src);
/* Closes the descriptors marked close-on-exec. */
void fdtable_close_on_exec(struct fdtable *t);
/* Enters f (the caller's reference passes to the table) at the lowest
 * free descriptor >= min: the descriptor, or -EMFILE (f is not put). */
int fdtable_install(struct fdtable *t, struct file *f, int min, bool cloexec);
/* fd's file with a new reference (file_put it), or NULL. */
struct file *fdtable_get(struct fdtable *t, int fd);
/* dup2/dup3: newfd becomes a copy of oldfd (closing what it was). */
int fdtable_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec);
int fdtable_get_cloexec(struct fdtable *t, int fd);	/* 0/1 or -EBADF */
int fdtable_set_cloexec(struct fdtable *t, int fd, bool on);

/* A new description with one reference; NULL when out of memory. */
struct file *file_new(const struct file_ops *ops, int flags, void *priv);
void file_get(struct file *f);
void file_put(struct file *f);

/* Opens path as a new description (no descriptor): 0 or a negative errno. */
int vfs_open_file(struct vnode *cwd, const char *path, int flags, uint32_t perm,
		  struct file **out);
long vfs_file_read(struct file *f, void *buf, size_t n);
/* read(2) straight into a program's memory where the file can (its
 * read_user); -EOPNOTSUPP where it cannot: read through a kernel buffer. */
long vfs_file_read_user(struct file *f, void *ubuf, size_t n);
long vfs_file_write(struct file *f, const void *buf, size_t n);
/* At offset, leaving the file's offset alone (-ESPIPE for pipes, devices). */
long vfs_file_pread(struct file *f, void *buf, size_t n, uint64_t offset);
long vfs_file_pwrite(struct file *f, const void *buf, size_t n, uint64_t offset);
int64_t vfs_file_lseek(struct file *f, int64_t offset, int whence);
int vfs_file_stat(struct file *f, struct vfs_stat *st);
unsigned vfs_file_poll(struct file *f);
long vfs_file_ioctl(struct file *f, unsigned long cmd, void *arg);
int vfs_file_readdir(struct file *f, struct vfs_dirent *d);
/* ftruncate: a ramfs file's size; growth is a hole (no memory). */
int vfs_file_truncate(struct file *f, uint64_t size);
/* fallocate(2)'s modes, with Linux's values (uapi/linux/falloc.h). */
#define VFS_FALLOC_KEEP_SIZE 0x01
#define VFS_FALLOC_PUNCH_HOLE 0x02
#define VFS_FALLOC_ZERO_RANGE 0x10
/* fallocate on a ramfs file, mode checked by the caller: 0 allocates the
 * range's pages (zeros), PUNCH_HOLE frees them, ZERO_RANGE zeroes it
 * (freeing whole pages); the size grows to cover the range unless
 * KEEP_SIZE. 0, -EBADF (not open for writing), -ENODEV or -EISDIR (not
 * a regular file), -EFBIG, -ENOMEM. */
int vfs_file_allocate(struct file *f, int mode, uint64_t off, uint64_t len);
/* A new description (flags: VFS_O_*) of a new regular ramfs file with no
 * name (memfd_create): the file goes with its last description. */
int vfs_open_unnamed(uint32_t perm, int flags, struct file **out);
/* fsync(2): 0 for ramfs nodes (memory is all the storage there is), the
 * ops' fsync for others, -EINVAL where they have none. */
int vfs_file_fsync(struct file *f);
/* The same for the bytes [from, to) of a node's data (msync), without the
 * VFS lock held. */
int vfs_node_sync(struct vnode *n, uint64_t from, uint64_t to);
/* Keeps a node alive while something refers to it without an open file
 * (a working directory), even once it is removed. */
void vfs_node_hold(struct vnode *n);
void vfs_node_release(struct vnode *n);
/* The node's absolute path (getcwd, /proc/self/exe), NUL-terminated: its
 * length without the NUL, -ERANGE, or -ENOENT once it is unlinked. A node
 * with hard links gives its oldest remaining name. */
int vfs_path_of(const struct vnode *n, char *buf, size_t size);

/* The same by descriptor (the unit tests and the boot's own users). */
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

/* File events (inotify, include/uapi/linux/inotify.h's masks): while a
 * watch exists (vfs_watches counts them), the VFS tells the hook of each
 * change under its lock, which the hook must not take: an event of a node
 * comes with name NULL, and the directories that name it hear of it too,
 * with the name; entries made, removed and moved are events of their
 * directory (a move's two halves share a cookie). */
#define VFS_IN_ACCESS 0x1u
#define VFS_IN_MODIFY 0x2u
#define VFS_IN_ATTRIB 0x4u
#define VFS_IN_CLOSE_WRITE 0x8u
#define VFS_IN_CLOSE_NOWRITE 0x10u
#define VFS_IN_OPEN 0x20u
#define VFS_IN_MOVED_FROM 0x40u
#define VFS_IN_MOVED_TO 0x80u
#define VFS_IN_CREATE 0x100u
#define VFS_IN_DELETE 0x200u
#define VFS_IN_DELETE_SELF 0x400u
#define VFS_IN_MOVE_SELF 0x800u
#define VFS_IN_ISDIR 0x40000000u
typedef void (*vfs_watch_fn)(struct vnode *n, uint32_t mask, const char *name, size_t len,
			     uint32_t cookie);
void vfs_set_watch_hook(vfs_watch_fn fn);
void vfs_watches(int delta);		/* a watch made (1) or gone (-1) */

/* Readiness changes: every file whose poll answer may have changed calls
 * vfs_poll_notify; a waiter reads the generation, checks its files, and
 * sleeps in vfs_poll_wait until the generation moves on, the deadline
 * (clock_ns(); 0: none) passes (-ETIMEDOUT), or the thread is interrupted
 * by a signal (-EINTR). Blocking reads of pipes and the console use it. */
uint64_t vfs_poll_generation(void);
void vfs_poll_notify(void);
int vfs_poll_wait(uint64_t seen, uint64_t deadline);

/*
 * fs/mount.c: the mount table. A filesystem is mounted on a directory
 * (mount(2) and the boot's root=, mount=); lookups cross into its root,
 * and ".." from its root back to the directory it hides.
 */
/* mount(2): source is a disk's node for a disk filesystem (ext2, ext3,
 * ext4), anything for a memory one (tmpfs, ramfs, proc, devtmpfs); data
 * the filesystem's options (tmpfs: size=N[kmg%]). With VFS_MS_REMOUNT,
 * target's mount gets flags. */
int vfs_mount(struct vnode *cwd, const char *source, const char *target, const char *fstype,
	      unsigned flags, const char *data);
/* umount2(2): -EINVAL when target is no mount's root, -EBUSY while a node
 * of it is open (unless VFS_MNT_DETACH) or another is mounted below it. */
int vfs_umount(struct vnode *cwd, const char *target, unsigned flags);
int vfs_statfs(struct vnode *cwd, const char *path, struct vfs_statfs *st);
int vfs_file_statfs(struct file *f, struct vfs_statfs *st);
/* n's mount forbids exec (noexec), set-user/group-ID (nosuid) or device
 * files (nodev). */
bool vfs_node_noexec(const struct vnode *n);
bool vfs_node_nosuid(const struct vnode *n);
/* Every filesystem's writes on its disk (sync, syncfs: f's own or all):
 * 0 or the first error. */
int vfs_sync_all(void);
int vfs_file_syncfs(struct file *f);
/* The VM ends: every disk filesystem synced and left clean. */
void vfs_shutdown(void);
/* /proc/mounts and /proc/PID/mountinfo's text: the full length. */
size_t vfs_mounts_text(char *buf, size_t size, bool mountinfo);
/* The boot's mounts, each failure one line: /dev, /proc, /tmp and
 * /dev/shm (after the initrd is unpacked), then root= and mount= (once
 * /dev has the disks). */
void mount_boot_memory(void);
void mount_boot_disks(void);
/* How many of root= and mount= failed (each said in its line). */
unsigned mount_boot_failures(void);
/* The filesystems' clock (seconds since 1970), from the Linux layer. */
void vfs_set_clock(uint32_t (*now)(void));

/* fs/blkdev.c: /dev/vda, /dev/vdb, ... for the registered block devices. */
int blkdev_populate(void);
struct blockdev;
/* n bytes at any offset of d, through whole sectors (those at either end
 * read, and for a write written back whole), clipped at its end: the
 * count moved, or a negative errno when nothing was (-EPERM: a write to a
 * read-only disk, -ENOSPC: a write past the end). */
long blkdev_bytes(struct blockdev *d, void *buf, size_t n, uint64_t off, bool write);
/* The disk's device number, as its /dev node's rdev and its filesystem's
 * st_dev show it (Linux's virtio-blk numbers: 254:0, 254:16, ...). */
uint32_t blkdev_rdev(const struct blockdev *d);
/* sync(2): every block device's write cache flushed; 0 or the first
 * failure (-EIO). */
int blkdev_sync_all(void);
/* /proc/diskstats (after proc_populate). */
int blkdev_proc_populate(void);
/* fs/ext2_check.c: with the test.ext2 option, the first disk read whole
 * as ext2/ext4, one line per entry; a failure ends the VM (status 1). */
void ext2_selftest(void);

/* fs/pipe.c: a pipe's two ends (read, write), each with one reference. */
int vfs_pipe(struct file *ends[2], int flags);
/* A pipe's or FIFO's capacity in bytes, or -EBADF for another file. */
long vfs_pipe_size(const struct file *f);

/* fs/tty.c: the serial console as a terminal (line editing, echo, raw
 * mode through TCSETS); /dev/console and /dev/tty open it. */
extern const struct file_ops tty_console_ops;
void tty_init(void);
/* With ISIG, VINTR, VQUIT and VSUSP call fn with Linux's SIGINT, SIGQUIT
 * or SIGTSTP, in interrupt context (NULL: none is sent). */
void tty_set_signal_hook(void (*fn)(int sig));
/* The terminal's foreground process group: what TIOCSPGRP set (any
 * positive number: groups are not checked), 1 until then. The console's
 * signals are for it. */
int tty_foreground_pgrp(void);

/*
 * fs/procfs.c: /proc with cpuinfo, meminfo, a directory per process and
 * self, a dynamic symlink to the caller's. What a process directory shows
 * comes from the process layer through a provider.
 */
#define PROC_COMM_MAX 16	/* Name: bytes, NUL included (TASK_COMM_LEN) */

/* A process as /proc/<pid>/status shows it. */
struct proc_status {
	char name[PROC_COMM_MAX];
	char state;			/* proc(5)'s R, S, D, T or Z */
	int pid, ppid;			/* ppid 0: none */
	int pgid, sid;
	uint64_t start_ticks;		/* since boot, in USER_HZ (100 Hz) ticks */
	uint32_t umask;
	uint32_t uid[4], gid[4];	/* real, effective, saved, filesystem */
	uint32_t groups[VFS_CRED_GROUPS];
	unsigned ngroups;
	unsigned threads;
	int nice;			/* the main thread's */
	bool has_mm;			/* zombies have no memory lines */
	/* The memory, in pages (smaps_rollup's and status's figures): areas'
	 * extent, pages mapped and what they are, those mapped by other
	 * processes too (shared) and the process's proportional share. */
	uint64_t first, last;		/* lowest and highest address mapped */
	uint64_t vm_pages, rss_pages, anon_pages, file_pages, shmem_pages;
	uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t pss_kb;
};

/* One mapping of /proc/<pid>/maps and smaps, its usage in pages. */
struct proc_area {
	uint64_t start, end;
	unsigned prot;			/* PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4 */
	bool shared;
	const char *name;		/* "[heap]", "[stack]", or NULL */
	struct vnode *node;		/* a file's, held until areas_free */
	uint64_t offset;
	uint64_t rss_pages, anon_pages, pss_kb;
	uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
};

/* Machine-wide figures for /proc/stat and /proc/loadavg. */
struct proc_counts {
	unsigned threads, running;	/* live user threads; those runnable */
	int last_pid;			/* the newest pid or tid given */
	uint64_t boot_time;		/* the wall clock at boot, in seconds */
};

/* uname's release and version (linux/sys_info.c), /proc/sys/kernel's too. */
#define PROC_OSRELEASE "6.1.0-flint"
#define PROC_OSVERSION "#1 SMP Flint"

struct proc_provider {
	/* The calling thread's pid; 0 in a kernel thread. No locks taken:
	 * it runs under the VFS lock. */
	int (*self)(void);
	/* argv, NUL-separated: writes at most size bytes and returns the
	 * full length (0: no such process, or a zombie). */
	size_t (*cmdline)(int pid, char *buf, size_t size);
	/* 0, or -ESRCH when pid is gone. */
	int (*status)(int pid, struct proc_status *st);
	/* The process's mappings in address order in *out: their count
	 * (0 for a zombie), -ESRCH or -ENOMEM. areas_free lets them go. */
	int (*areas)(int pid, struct proc_area **out);
	void (*areas_free)(struct proc_area *a, int n);
	void (*counts)(struct proc_counts *c);
};

int proc_populate(void);
/* Registered once, before any process exists. */
void proc_set_provider(const struct proc_provider *p);
/* Hooks for the process layer, which calls them without the VFS lock
 * (they take it) and not in interrupt context:
 * proc_process_added: a new pid (fork, and the first process) gets
 * /proc/<pid>/ with cmdline, status, and exe -> exe (none while exe is
 * ""). 0, -EEXIST, or -ENOMEM (then nothing is left behind).
 * proc_set_exe: /proc/<pid>/exe -> path, at each successful exec.
 * proc_process_removed: /proc/<pid>/ goes, when the process is reaped
 * (a zombie keeps it, as in Linux). Open files of it live on, reading
 * what they read at open. */
int proc_process_added(int pid, const char *exe);
int proc_set_exe(int pid, const char *path);
void proc_process_removed(int pid);

/* fs/ramfs.c: the nodes and entries under the VFS. */
struct vnode *ramfs_new(uint32_t mode);		/* NULL when out of memory */
struct ramfs_entry *ramfs_find(const struct vnode *dir, const char *name, size_t len);
/* Enters n in dir under name (len bytes, at most VFS_NAME_MAX), replacing
 * the entry of that name if there is one (rename): 0, or -ENOMEM with
 * nothing changed. */
int ramfs_link(struct vnode *dir, struct vnode *n, const char *name, size_t len);
/* Takes e out of its directory and frees it; its node goes too once it
 * has no name and is not open. */
void ramfs_unlink(struct ramfs_entry *e);
/* Frees a node without names once its last description (or hold) is gone. */
void ramfs_put(struct vnode *n);
/* Sets a regular file's size: growth reads as zeros (a hole, no
 * memory), the pages past a cut go. 0 or -EFBIG. */
int ramfs_resize(struct vnode *n, uint64_t size);

/* fs/dev.c: /dev with null, zero, urandom and console. */
int dev_populate(void);
/* fs/initrd.c: the boot's "fs" stage. */
struct bootinfo;
void fs_init(const struct bootinfo *bi);

#endif
