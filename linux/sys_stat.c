/*
 * The Linux calls that name files by path (open, stat, mkdir, rename,
 * ...), the *at variants with their directory descriptors, the working
 * directory, and the attribute calls (chmod, chown, utimensat, statfs).
 * Calls on descriptors only are in linux/sys_fs.c. Numbers:
 * arch/x86/entry/syscalls/syscall_64.tbl.
 *
 * Nodes have owners and the VFS checks permissions against the caller's
 * credentials (creds.c); the rules of chmod, chown and access are here.
 * There are no device nodes or FIFOs to create. Hard links (link, linkat) are the
 * ramfs's own: see docs/fs.md.
 */
#include <flint/page_alloc.h>
#include <flint/string.h>
#include "linux.h"

/* include/uapi/linux/fcntl.h */
#define LINUX_AT_FDCWD (-100)
#define LINUX_AT_SYMLINK_NOFOLLOW 0x100
#define LINUX_AT_REMOVEDIR 0x200
#define LINUX_AT_EACCESS 0x200
#define LINUX_AT_SYMLINK_FOLLOW 0x400
#define LINUX_AT_NO_AUTOMOUNT 0x800
#define LINUX_AT_EMPTY_PATH 0x1000
#define LINUX_AT_STATX_SYNC_TYPE 0x6000

/* include/uapi/asm-generic/fcntl.h */
#define LINUX_O_PATH 010000000
#define LINUX_O_TMPFILE_BIT 020000000	/* __O_TMPFILE */
/* The open flags the VFS understands; the others (O_LARGEFILE, ...) mean
 * nothing here. */
#define OPEN_PASSED (VFS_O_ACCMODE | VFS_O_CREAT | VFS_O_EXCL | VFS_O_TRUNC | VFS_O_APPEND | \
		     VFS_O_DIRECTORY | VFS_O_NOFOLLOW | VFS_O_NONBLOCK | VFS_O_CLOEXEC | \
		     VFS_O_SYNC | VFS_O_NOCTTY)
/* What O_PATH keeps (fs/open.c, O_PATH_FLAGS). */
#define OPEN_PATH_PASSED (VFS_O_DIRECTORY | VFS_O_NOFOLLOW | VFS_O_CLOEXEC)

/* include/uapi/linux/fs.h */
#define LINUX_RENAME_NOREPLACE 1

/* include/linux/fs.h (access modes for access(2)) */
#define LINUX_X_OK 1
#define LINUX_W_OK 2
#define LINUX_R_OK 4
#define ACCESS_MODES (LINUX_X_OK | LINUX_W_OK | LINUX_R_OK)
#define CHOWN_KEEP 0xffffffffu		/* (uid_t)-1: chown(2) keeps that id */
#define GROUP_EXEC 0010
#define CAP_CHOWN_BIT 1u		/* 1 << CAP_CHOWN (include/uapi/linux/capability.h) */

/* include/uapi/linux/stat.h */
#define LINUX_S_ISVTX 01000
#define LINUX_S_IFIFO 0010000
#define LINUX_S_IFBLK 0060000
#define LINUX_S_IFSOCK 0140000
#define MKDIR_PERM (0777 | LINUX_S_ISVTX)
#define UMASK_BITS 0777
#define STATX_BASIC_STATS 0x7ffu
#define STATX_RESERVED 0x80000000u
#define UTIME_NOW ((1l << 30) - 1)
#define UTIME_OMIT ((1l << 30) - 2)
#define NSEC_PER_SEC 1000000000l

#define STAT_BLKSIZE 4096
#define STAT_BLOCK 512			/* st_blocks counts 512-byte units */


/* include/linux/kdev_t.h, new_decode_dev: a dev_t's major and minor. */
#define DEV_MAJOR(d) (((d) >> 8) & 0xfffu)
#define DEV_MINOR(d) (((d) & 0xffu) | (((d) >> 12) & 0xfff00u))

/* arch/x86/include/uapi/asm/stat.h, x86-64 */
struct linux_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	uint64_t st_atime, st_atime_nsec;
	uint64_t st_mtime, st_mtime_nsec;
	uint64_t st_ctime, st_ctime_nsec;
	int64_t unused[3];
};

/* include/uapi/linux/stat.h */
struct linux_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct linux_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor;
	uint32_t stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};

/* include/uapi/asm-generic/statfs.h, 64-bit */
struct linux_statfs {
	int64_t f_type;
	int64_t f_bsize;
	int64_t f_blocks;
	int64_t f_bfree;
	int64_t f_bavail;
	int64_t f_files;
	int64_t f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen;
	int64_t f_frsize;
	int64_t f_flags;
	int64_t f_spare[4];
};

/* include/uapi/linux/time_types.h */
struct linux_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

_Static_assert(sizeof(struct linux_stat) == 144, "struct stat");
_Static_assert(__builtin_offsetof(struct linux_stat, st_rdev) == 40, "struct stat");
_Static_assert(__builtin_offsetof(struct linux_stat, st_mtime) == 88, "struct stat");
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx");
_Static_assert(__builtin_offsetof(struct linux_statx, stx_mtime) == 0x70, "struct statx");
_Static_assert(__builtin_offsetof(struct linux_statx, stx_rdev_major) == 0x80, "struct statx");
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs");
_Static_assert(BOUNCE_SIZE >= VFS_PATH_MAX, "a path fits the bounce buffer");

static uint64_t stat_blocks(uint64_t size)
{
	return (size + STAT_BLOCK - 1) / STAT_BLOCK;
}

/* The node's mtime stands for all three times: nothing else is kept. */
static void stat_to_linux(const struct vfs_stat *st, struct linux_stat *out)
{
	*out = (struct linux_stat){
		.st_dev = st->dev,
		.st_ino = st->ino,
		.st_nlink = st->nlink,
		.st_mode = st->mode,
		.st_uid = st->uid,
		.st_gid = st->gid,
		.st_rdev = st->rdev,
		.st_size = (int64_t)st->size,
		.st_blksize = STAT_BLKSIZE,
		.st_blocks = (int64_t)stat_blocks(st->size),
		.st_atime = st->mtime,
		.st_mtime = st->mtime,
		.st_ctime = st->mtime,
	};
}

static void stat_to_statx(const struct vfs_stat *st, struct linux_statx *out)
{
	struct linux_statx_timestamp t = { .tv_sec = st->mtime };

	*out = (struct linux_statx){
		.stx_mask = STATX_BASIC_STATS,
		.stx_blksize = STAT_BLKSIZE,
		.stx_nlink = st->nlink,
		.stx_mode = (uint16_t)st->mode,
		.stx_uid = st->uid,
		.stx_gid = st->gid,
		.stx_ino = st->ino,
		.stx_size = st->size,
		.stx_blocks = stat_blocks(st->size),
		.stx_atime = t,
		.stx_ctime = t,
		.stx_mtime = t,
		.stx_rdev_major = DEV_MAJOR(st->rdev),
		.stx_rdev_minor = DEV_MINOR(st->rdev),
		.stx_dev_major = DEV_MAJOR(st->dev),
		.stx_dev_minor = DEV_MINOR(st->dev),
	};
}

/* The working directory (NULL: the root). The process holds its node
 * (vfs_node_hold), so a removed cwd stays valid; a lookup racing another
 * thread's chdir may still use the old one after its release. */
static struct vnode *cwd_get(void)
{
	struct process *p = process_current();
	struct vnode *v;

	mutex_lock(&p->lock);
	v = p->cwd;
	mutex_unlock(&p->lock);
	return v;
}

static void cwd_set(struct vnode *v)
{
	struct process *p = process_current();
	struct vnode *old;

	vfs_node_hold(v);
	mutex_lock(&p->lock);
	old = p->cwd;
	p->cwd = v;
	mutex_unlock(&p->lock);
	if (old)
		vfs_node_release(old);
}

static uint32_t umask_get(void)
{
	struct process *p = process_current();
	uint32_t m;

	mutex_lock(&p->lock);
	m = p->umask;
	mutex_unlock(&p->lock);
	return m;
}

static bool is_dir_mode(uint32_t mode)
{
	return (mode & VFS_S_IFMT) == VFS_S_IFDIR;
}

/* A user path and where it starts. */
struct upath {
	char *path;			/* bounce buffer, VFS_PATH_MAX bytes */
	struct vnode *dir;		/* a relative path's start (NULL: the root) */
	struct file *dirf;		/* the dirfd's file, which keeps dir alive */
};

/* Copies the path in; may_be_empty: "" (or NULL) is let through for
 * AT_EMPTY_PATH, else it is -ENOENT. */
static long upath_copy(struct upath *u, uint64_t upath, bool may_be_empty)
{
	long r;

	*u = (struct upath){ .path = bounce_get() };
	if (!u->path)
		return -ENOMEM;
	r = may_be_empty && !upath ? -ENOENT : user_path(u->path, upath);
	if (r == -ENOENT && may_be_empty) {
		u->path[0] = '\0';
		return 0;
	}
	if (r < 0) {
		bounce_put(u->path);
		return r;
	}
	return 0;
}

static void upath_put(struct upath *u)
{
	if (u->dirf)
		file_put(u->dirf);
	bounce_put(u->path);
}

/* Resolves the starting directory of a relative path: the cwd, or the
 * directory dirfd names. An absolute path ignores dirfd, as in Linux. */
static long upath_at(struct upath *u, int dirfd)
{
	struct file *f;

	if (u->path[0] == '/')
		return 0;
	if (dirfd == LINUX_AT_FDCWD) {
		u->dir = cwd_get();
		return 0;
	}
	f = fdtable_get(&process_current()->fds, dirfd);
	if (!f)
		return -EBADF;
	if (!f->node || f->ops || !is_dir_mode(f->node->mode)) {
		file_put(f);
		return -ENOTDIR;
	}
	u->dirf = f;
	u->dir = f->node;
	return 0;
}

/* upath_copy and upath_at for a path that may not be empty. */
static long upath_get(struct upath *u, int dirfd, uint64_t upath)
{
	long r = upath_copy(u, upath, false);

	if (r < 0)
		return r;
	r = upath_at(u, dirfd);
	if (r < 0)
		upath_put(u);
	return r;
}

/* Makes a relative path absolute (its directory's path, "/", the path),
 * for calls whose two paths start in different directories. */
static long upath_absolute(struct upath *u)
{
	size_t len = strlen(u->path);
	char *abs;
	int n;

	if (u->path[0] == '/')
		return 0;
	abs = bounce_get();
	if (!abs)
		return -ENOMEM;
	n = vfs_path_of(u->dir ? u->dir : vfs_root(), abs, VFS_PATH_MAX);
	if (n == -ERANGE || (n >= 0 && (size_t)n + 1 + len >= VFS_PATH_MAX))
		n = -ENAMETOOLONG;
	if (n >= 0) {
		abs[n] = '/';
		memcpy(abs + n + 1, u->path, len + 1);
		memcpy(u->path, abs, (size_t)n + 1 + len + 1);
		u->dir = NULL;
	}
	bounce_put(abs);
	return n < 0 ? n : 0;
}

/* Two paths for one VFS call: the directory they both start from. */
static long two_paths_dir(struct upath *a, struct upath *b, struct vnode **dir)
{
	bool rel_a = a->path[0] != '/', rel_b = b->path[0] != '/';
	long r;

	if (!rel_a || !rel_b || a->dir == b->dir) {
		*dir = rel_a ? a->dir : b->dir;
		return 0;
	}
	r = upath_absolute(a);
	if (r == 0)
		r = upath_absolute(b);
	*dir = NULL;
	return r;
}

/* stat of what dirfd names itself (AT_EMPTY_PATH): any open file. */
static long stat_dirfd(int dirfd, struct vfs_stat *st)
{
	struct file *f;
	long r;

	if (dirfd == LINUX_AT_FDCWD)
		return vfs_stat(cwd_get(), ".", false, st);
	f = fdtable_get(&process_current()->fds, dirfd);
	if (!f)
		return -EBADF;
	r = vfs_file_stat(f, st);
	file_put(f);
	return r;
}

/* flags: AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH. */
static long stat_at(int dirfd, uint64_t upath, int flags, struct vfs_stat *st)
{
	struct upath u;
	long r = upath_copy(&u, upath, flags & LINUX_AT_EMPTY_PATH);

	if (r < 0)
		return r;
	if (!u.path[0])
		r = stat_dirfd(dirfd, st);
	else if ((r = upath_at(&u, dirfd)) == 0)
		r = vfs_stat(u.dir, u.path, !(flags & LINUX_AT_SYMLINK_NOFOLLOW), st);
	upath_put(&u);
	return r;
}

static long stat_out(const struct vfs_stat *st, uint64_t ubuf)
{
	struct linux_stat ls;

	stat_to_linux(st, &ls);
	return copy_to_user((void *)(uintptr_t)ubuf, &ls, sizeof(ls));
}

static long stat_path(int dirfd, uint64_t upath, int flags, uint64_t ubuf)
{
	struct vfs_stat st;
	long r = stat_at(dirfd, upath, flags, &st);

	return r < 0 ? r : stat_out(&st, ubuf);
}

static long sys_stat(const uint64_t a[6])
{
	return stat_path(LINUX_AT_FDCWD, a[0], 0, a[1]);
}
SYSCALL(4, "stat", "sp", sys_stat);

static long sys_lstat(const uint64_t a[6])
{
	return stat_path(LINUX_AT_FDCWD, a[0], LINUX_AT_SYMLINK_NOFOLLOW, a[1]);
}
SYSCALL(6, "lstat", "sp", sys_lstat);

static long sys_fstat(const uint64_t a[6])
{
	struct vfs_stat st;
	long r;

	if ((int)a[0] == LINUX_AT_FDCWD)
		return -EBADF;
	r = stat_dirfd((int)a[0], &st);
	return r < 0 ? r : stat_out(&st, a[1]);
}
SYSCALL(5, "fstat", "fp", sys_fstat);

#define FSTATAT_FLAGS (LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH | LINUX_AT_NO_AUTOMOUNT)

static long sys_newfstatat(const uint64_t a[6])
{
	int flags = (int)a[3];

	if (flags & ~FSTATAT_FLAGS)
		return -EINVAL;
	return stat_path((int)a[0], a[1], flags, a[2]);
}
SYSCALL(262, "newfstatat", "fspx", sys_newfstatat);

/* Every basic field is known whatever the mask asks for. */
static long sys_statx(const uint64_t a[6])
{
	int flags = (int)a[2];
	struct linux_statx sx;
	struct vfs_stat st;
	long r;

	if (flags & ~(FSTATAT_FLAGS | LINUX_AT_STATX_SYNC_TYPE) ||
	    (flags & LINUX_AT_STATX_SYNC_TYPE) == LINUX_AT_STATX_SYNC_TYPE ||
	    (a[3] & STATX_RESERVED))
		return -EINVAL;
	r = stat_at((int)a[0], a[1], flags, &st);
	if (r < 0)
		return r;
	stat_to_statx(&st, &sx);
	return copy_to_user((void *)(uintptr_t)a[4], &sx, sizeof(sx));
}
SYSCALL(332, "statx", "fsxxp", sys_statx);

static long open_at(int dirfd, uint64_t upath, int flags, uint32_t mode)
{
	int vflags = flags & OPEN_PASSED;
	struct file *f;
	struct upath u;
	long r;

	if (flags & LINUX_O_TMPFILE_BIT)
		return -EOPNOTSUPP;
	if (flags & LINUX_O_PATH)
		vflags = (flags & OPEN_PATH_PASSED) | VFS_O_PATH;
	r = upath_get(&u, dirfd, upath);
	if (r < 0)
		return r;
	r = vfs_open_file(u.dir, u.path, vflags, mode & VFS_S_PERM & ~umask_get(), &f);
	upath_put(&u);
	if (r < 0)
		return r;
	r = fdtable_install(&process_current()->fds, f, 0, flags & VFS_O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

static long sys_open(const uint64_t a[6])
{
	return open_at(LINUX_AT_FDCWD, a[0], (int)a[1], (uint32_t)a[2]);
}
SYSCALL(2, "open", "sxo", sys_open);

static long sys_openat(const uint64_t a[6])
{
	return open_at((int)a[0], a[1], (int)a[2], (uint32_t)a[3]);
}
SYSCALL(257, "openat", "fsxo", sys_openat);

static long sys_creat(const uint64_t a[6])
{
	return open_at(LINUX_AT_FDCWD, a[0], VFS_O_CREAT | VFS_O_WRONLY | VFS_O_TRUNC,
		       (uint32_t)a[1]);
}
SYSCALL(85, "creat", "so", sys_creat);

/* Checked with the real ids, unless AT_EACCESS asks for the effective
 * (filesystem) ones (man 2 access). */
static long access_at(int dirfd, uint64_t upath, int mode, int flags)
{
	struct linux_cred c;
	struct vfs_cred v;
	struct vfs_stat st;
	long r;

	if (mode & ~ACCESS_MODES ||
	    flags & ~(LINUX_AT_EACCESS | LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
		return -EINVAL;
	r = stat_at(dirfd, upath, flags, &st);
	if (r < 0)
		return r;
	cred_current(&c);
	cred_vfs(&c, !(flags & LINUX_AT_EACCESS), &v);
	return vfs_permission(&v, st.mode, st.uid, st.gid, mode);
}

static long sys_access(const uint64_t a[6])
{
	return access_at(LINUX_AT_FDCWD, a[0], (int)a[1], 0);
}
SYSCALL(21, "access", "so", sys_access);

static long sys_faccessat(const uint64_t a[6])
{
	return access_at((int)a[0], a[1], (int)a[2], 0);
}
SYSCALL(269, "faccessat", "fso", sys_faccessat);

static long sys_faccessat2(const uint64_t a[6])
{
	return access_at((int)a[0], a[1], (int)a[2], (int)a[3]);
}
SYSCALL(439, "faccessat2", "fsox", sys_faccessat2);

static long mkdir_at(int dirfd, uint64_t upath, uint32_t mode)
{
	struct upath u;
	long r = upath_get(&u, dirfd, upath);

	if (r < 0)
		return r;
	r = vfs_mkdir(u.dir, u.path, mode & MKDIR_PERM & ~umask_get());
	upath_put(&u);
	return r;
}

static long sys_mkdir(const uint64_t a[6])
{
	return mkdir_at(LINUX_AT_FDCWD, a[0], (uint32_t)a[1]);
}
SYSCALL(83, "mkdir", "so", sys_mkdir);

static long sys_mkdirat(const uint64_t a[6])
{
	return mkdir_at((int)a[0], a[1], (uint32_t)a[2]);
}
SYSCALL(258, "mkdirat", "fso", sys_mkdirat);

static long unlink_at(int dirfd, uint64_t upath, int flags)
{
	struct upath u;
	long r;

	if (flags & ~LINUX_AT_REMOVEDIR)
		return -EINVAL;
	r = upath_get(&u, dirfd, upath);
	if (r < 0)
		return r;
	if (flags & LINUX_AT_REMOVEDIR)
		r = vfs_rmdir(u.dir, u.path);
	else
		r = vfs_unlink(u.dir, u.path);
	upath_put(&u);
	return r;
}

static long sys_rmdir(const uint64_t a[6])
{
	return unlink_at(LINUX_AT_FDCWD, a[0], LINUX_AT_REMOVEDIR);
}
SYSCALL(84, "rmdir", "s", sys_rmdir);

static long sys_unlink(const uint64_t a[6])
{
	return unlink_at(LINUX_AT_FDCWD, a[0], 0);
}
SYSCALL(87, "unlink", "s", sys_unlink);

static long sys_unlinkat(const uint64_t a[6])
{
	return unlink_at((int)a[0], a[1], (int)a[2]);
}
SYSCALL(263, "unlinkat", "fsx", sys_unlinkat);

/* RENAME_NOREPLACE checks, then renames: another rename in between may
 * still be replaced (the VFS has no such flag). */
static long rename_paths(struct upath *o, struct upath *n, unsigned flags)
{
	struct vnode *dir;
	struct vfs_stat st;
	long r = two_paths_dir(o, n, &dir);

	if (r < 0)
		return r;
	if ((flags & LINUX_RENAME_NOREPLACE) && vfs_stat(dir, n->path, false, &st) == 0)
		return -EEXIST;
	return vfs_rename(dir, o->path, n->path);
}

static long rename_at(int olddirfd, uint64_t uold, int newdirfd, uint64_t unew, unsigned flags)
{
	struct upath o, n;
	long r;

	if (flags & ~LINUX_RENAME_NOREPLACE)
		return -EINVAL;
	r = upath_get(&o, olddirfd, uold);
	if (r < 0)
		return r;
	r = upath_get(&n, newdirfd, unew);
	if (r == 0) {
		r = rename_paths(&o, &n, flags);
		upath_put(&n);
	}
	upath_put(&o);
	return r;
}

static long sys_rename(const uint64_t a[6])
{
	return rename_at(LINUX_AT_FDCWD, a[0], LINUX_AT_FDCWD, a[1], 0);
}
SYSCALL(82, "rename", "ss", sys_rename);

static long sys_renameat(const uint64_t a[6])
{
	return rename_at((int)a[0], a[1], (int)a[2], a[3], 0);
}
SYSCALL(264, "renameat", "fsfs", sys_renameat);

static long sys_renameat2(const uint64_t a[6])
{
	return rename_at((int)a[0], a[1], (int)a[2], a[3], (unsigned)a[4]);
}
SYSCALL(316, "renameat2", "fsfsx", sys_renameat2);

/* AT_EMPTY_PATH: what olddirfd names itself, kept alive by o->dirf. A
 * file without a node (a pipe) is on another filesystem in Linux. */
static long link_source_fd(struct upath *o, int olddirfd)
{
	struct file *f;

	if (olddirfd == LINUX_AT_FDCWD) {
		o->dir = cwd_get();
		return 0;
	}
	f = fdtable_get(&process_current()->fds, olddirfd);
	if (!f)
		return -EBADF;
	o->dirf = f;
	o->dir = f->node;
	return f->node ? 0 : -EXDEV;
}

/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH in Linux, which root has. */
static long link_at(int olddirfd, uint64_t uold, int newdirfd, uint64_t unew, int flags)
{
	struct upath o, n;
	long r;

	if (flags & ~(LINUX_AT_SYMLINK_FOLLOW | LINUX_AT_EMPTY_PATH))
		return -EINVAL;
	r = upath_copy(&o, uold, flags & LINUX_AT_EMPTY_PATH);
	if (r < 0)
		return r;
	r = o.path[0] ? upath_at(&o, olddirfd) : link_source_fd(&o, olddirfd);
	if (r == 0 && (r = upath_get(&n, newdirfd, unew)) == 0) {
		r = vfs_link(o.dir, o.path, flags & LINUX_AT_SYMLINK_FOLLOW, n.dir, n.path);
		upath_put(&n);
	}
	upath_put(&o);
	return r;
}

static long sys_link(const uint64_t a[6])
{
	return link_at(LINUX_AT_FDCWD, a[0], LINUX_AT_FDCWD, a[1], 0);
}
SYSCALL(86, "link", "ss", sys_link);

static long sys_linkat(const uint64_t a[6])
{
	return link_at((int)a[0], a[1], (int)a[2], a[3], (int)a[4]);
}
SYSCALL(265, "linkat", "fsfsx", sys_linkat);

static long symlink_at(uint64_t utarget, int dirfd, uint64_t upath)
{
	struct upath target, u;
	long r = upath_copy(&target, utarget, false);

	if (r < 0)
		return r;
	r = upath_get(&u, dirfd, upath);
	if (r == 0) {
		r = vfs_symlink(u.dir, target.path, u.path);
		upath_put(&u);
	}
	upath_put(&target);
	return r;
}

static long sys_symlink(const uint64_t a[6])
{
	return symlink_at(a[0], LINUX_AT_FDCWD, a[1]);
}
SYSCALL(88, "symlink", "ss", sys_symlink);

static long sys_symlinkat(const uint64_t a[6])
{
	return symlink_at(a[0], (int)a[1], a[2]);
}
SYSCALL(266, "symlinkat", "sfs", sys_symlinkat);

static long readlink_at(int dirfd, uint64_t upath, uint64_t ubuf, uint64_t size)
{
	struct upath u;
	char *buf;
	long r;

	if ((int)size <= 0)
		return -EINVAL;
	r = upath_get(&u, dirfd, upath);
	if (r < 0)
		return r;
	buf = bounce_get();
	if (!buf)
		r = -ENOMEM;
	else
		r = vfs_readlink(u.dir, u.path, buf, size < BOUNCE_SIZE ? size : BOUNCE_SIZE);
	if (r > 0 && copy_to_user((void *)(uintptr_t)ubuf, buf, (size_t)r) < 0)
		r = -EFAULT;
	if (buf)
		bounce_put(buf);
	upath_put(&u);
	return r;
}

static long sys_readlink(const uint64_t a[6])
{
	return readlink_at(LINUX_AT_FDCWD, a[0], a[1], a[2]);
}
SYSCALL(89, "readlink", "spu", sys_readlink);

static long sys_readlinkat(const uint64_t a[6])
{
	return readlink_at((int)a[0], a[1], a[2], a[3]);
}
SYSCALL(267, "readlinkat", "fspu", sys_readlinkat);

static long sys_chdir(const uint64_t a[6])
{
	struct vnode *n;
	struct upath u;
	long r = upath_get(&u, LINUX_AT_FDCWD, a[0]);

	if (r < 0)
		return r;
	r = vfs_lookup(u.dir, u.path, true, &n);
	if (r == 0 && !is_dir_mode(n->mode))
		r = -ENOTDIR;
	if (r == 0)
		cwd_set(n);
	upath_put(&u);
	return r;
}
SYSCALL(80, "chdir", "s", sys_chdir);

static long sys_fchdir(const uint64_t a[6])
{
	struct file *f = fdtable_get(&process_current()->fds, (int)a[0]);
	long r = 0;

	if (!f)
		return -EBADF;
	if (!f->node || f->ops || !is_dir_mode(f->node->mode))
		r = -ENOTDIR;
	else
		cwd_set(f->node);
	file_put(f);
	return r;
}
SYSCALL(81, "fchdir", "f", sys_fchdir);

/* The system call's result is the length with the NUL (the C library
 * returns the buffer). */
static long sys_getcwd(const uint64_t a[6])
{
	struct vnode *cwd = cwd_get();
	char *buf = bounce_get();
	long r;

	if (!buf)
		return -ENOMEM;
	r = vfs_path_of(cwd ? cwd : vfs_root(), buf, BOUNCE_SIZE);
	if (r >= 0 && (uint64_t)r + 1 > a[1])
		r = -ERANGE;
	if (r >= 0 && copy_to_user((void *)(uintptr_t)a[0], buf, (size_t)r + 1) < 0)
		r = -EFAULT;
	bounce_put(buf);
	return r < 0 ? r : r + 1;
}
SYSCALL(79, "getcwd", "pu", sys_getcwd);

static long sys_umask(const uint64_t a[6])
{
	struct process *p = process_current();
	uint32_t old;

	mutex_lock(&p->lock);
	old = p->umask;
	p->umask = (uint32_t)a[0] & UMASK_BITS;
	mutex_unlock(&p->lock);
	return old;
}
SYSCALL(95, "umask", "o", sys_umask);

static long sys_truncate(const uint64_t a[6])
{
	struct file *f;
	struct upath u;
	long r;

	if ((int64_t)a[1] < 0)
		return -EINVAL;
	r = upath_get(&u, LINUX_AT_FDCWD, a[0]);
	if (r < 0)
		return r;
	r = vfs_open_file(u.dir, u.path, VFS_O_WRONLY, 0, &f);
	upath_put(&u);
	if (r < 0)
		return r;
	r = vfs_file_truncate(f, a[1]);
	file_put(f);
	return r;
}
SYSCALL(76, "truncate", "sd", sys_truncate);

/* Sets an open file's permissions and mtime through its path: the VFS
 * changes nodes by name. A file without one (a pipe, or unlinked) keeps
 * its attributes and the call still succeeds, as it would in Linux. */
static long set_attr_file(struct file *f, uint32_t perm, uint32_t mtime)
{
	char *buf;
	long r;

	if (!f->node)
		return 0;
	buf = bounce_get();
	if (!buf)
		return -ENOMEM;
	r = vfs_path_of(f->node, buf, BOUNCE_SIZE);
	if (r >= 0)
		r = vfs_chmod(NULL, buf, perm, mtime);
	bounce_put(buf);
	return r == -ENOENT ? 0 : r;
}

static bool cred_in_group(const struct vfs_cred *c, uint32_t gid)
{
	unsigned i;

	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return gid == c->gid;
}

/* chmod and explicit times are the owner's (or CAP_FOWNER's); a new mode
 * loses set-group-ID when the file's group is not the caller's (man 2
 * chmod). */
static long attr_allowed(const struct vfs_stat *st, bool set_perm, uint32_t *perm,
			 bool set_mtime)
{
	struct vfs_cred c;

	if (!set_perm && !set_mtime)
		return 0;
	vfs_cred_get(&c);
	if (c.fowner)
		return 0;
	if (c.uid != st->uid)
		return -EPERM;
	if (set_perm && !cred_in_group(&c, st->gid))
		*perm &= ~VFS_S_ISGID;
	return 0;
}

/* The attributes to set on what dirfd names itself; AT_FDCWD: the cwd. */
static long set_attr_dirfd(int dirfd, bool set_perm, uint32_t perm, bool set_mtime,
			   uint32_t mtime)
{
	struct vfs_stat st;
	struct file *f;
	long r;

	if (dirfd == LINUX_AT_FDCWD) {
		struct vnode *cwd = cwd_get();

		r = vfs_stat(cwd, ".", false, &st);
		if (r == 0)
			r = attr_allowed(&st, set_perm, &perm, set_mtime);
		return r < 0 ? r : vfs_chmod(cwd, ".", set_perm ? perm : st.mode,
					     set_mtime ? mtime : st.mtime);
	}
	f = fdtable_get(&process_current()->fds, dirfd);
	if (!f)
		return -EBADF;
	r = vfs_file_stat(f, &st);
	if (r == 0)
		r = attr_allowed(&st, set_perm, &perm, set_mtime);
	if (r == 0)
		r = set_attr_file(f, set_perm ? perm : st.mode, set_mtime ? mtime : st.mtime);
	file_put(f);
	return r;
}

/* The same by path; a symlink itself (not followed) keeps its attributes,
 * since the VFS changes what a link points to. */
static long set_attr_path(struct upath *u, bool follow, bool set_perm, uint32_t perm,
			  bool set_mtime, uint32_t mtime)
{
	struct vfs_stat st;
	long r = vfs_stat(u->dir, u->path, follow, &st);

	if (r < 0 || (st.mode & VFS_S_IFMT) == VFS_S_IFLNK)
		return r;
	r = attr_allowed(&st, set_perm, &perm, set_mtime);
	if (r < 0)
		return r;
	return vfs_chmod(u->dir, u->path, set_perm ? perm : st.mode, set_mtime ? mtime : st.mtime);
}

static long chmod_at(int dirfd, uint64_t upath, uint32_t mode)
{
	struct upath u;
	long r = upath_get(&u, dirfd, upath);

	if (r < 0)
		return r;
	r = set_attr_path(&u, true, true, mode & VFS_S_PERM, false, 0);
	upath_put(&u);
	return r;
}

static long sys_chmod(const uint64_t a[6])
{
	return chmod_at(LINUX_AT_FDCWD, a[0], (uint32_t)a[1]);
}
SYSCALL(90, "chmod", "so", sys_chmod);

static long sys_fchmodat(const uint64_t a[6])
{
	return chmod_at((int)a[0], a[1], (uint32_t)a[2]);
}
SYSCALL(268, "fchmodat", "fso", sys_fchmodat);

static long sys_fchmod(const uint64_t a[6])
{
	if ((int)a[0] == LINUX_AT_FDCWD)
		return -EBADF;
	return set_attr_dirfd((int)a[0], true, (uint32_t)a[1] & VFS_S_PERM, false, 0);
}
SYSCALL(91, "fchmod", "fo", sys_fchmod);

/* Who may give st's node owner uid and group gid ((uint32_t)-1: kept):
 * CAP_CHOWN anything; the owner only a group of its own (man 2 chown).
 * *clear: the set-user-ID bit, and set-group-ID with group execute, go
 * from a file that is not a directory, as Linux drops them. */
static long chown_allowed(const struct vfs_stat *st, uint32_t *uid, uint32_t *gid,
			  uint32_t *clear)
{
	struct linux_cred lc;
	struct vfs_cred c;

	if (*uid == CHOWN_KEEP)
		*uid = st->uid;
	if (*gid == CHOWN_KEEP)
		*gid = st->gid;
	cred_current(&lc);
	cred_vfs(&lc, false, &c);
	*clear = 0;
	if (!is_dir_mode(st->mode))
		*clear = VFS_S_ISUID | ((st->mode & GROUP_EXEC) ? VFS_S_ISGID : 0);
	if (lc.cap_effective & CAP_CHOWN_BIT)
		return 0;
	if (c.uid != st->uid || *uid != st->uid || (*gid != st->gid && !cred_in_group(&c, *gid)))
		return -EPERM;
	return 0;
}

/* What fd (AT_FDCWD: the cwd) names, by its node's path as set_attr_file
 * does. */
static long fchown_fd(int fd, uint32_t uid, uint32_t gid)
{
	struct vfs_stat st;
	struct file *f = NULL;
	uint32_t clear;
	char *buf;
	long r;

	if (fd != LINUX_AT_FDCWD && !(f = fdtable_get(&process_current()->fds, fd)))
		return -EBADF;
	r = stat_dirfd(fd, &st);
	if (r == 0)
		r = chown_allowed(&st, &uid, &gid, &clear);
	if (r == 0 && fd == LINUX_AT_FDCWD)
		r = vfs_chown(cwd_get(), ".", true, uid, gid, clear);
	else if (r == 0 && f->node && (buf = bounce_get())) {
		r = vfs_path_of(f->node, buf, BOUNCE_SIZE);
		if (r >= 0)
			r = vfs_chown(NULL, buf, true, uid, gid, clear);
		bounce_put(buf);
	} else if (r == 0 && f->node) {
		r = -ENOMEM;
	}
	if (f)
		file_put(f);
	return r == -ENOENT ? 0 : r;
}

static long chown_path(struct upath *u, bool follow, uint32_t uid, uint32_t gid)
{
	struct vfs_stat st;
	uint32_t clear;
	long r = vfs_stat(u->dir, u->path, follow, &st);

	if (r == 0)
		r = chown_allowed(&st, &uid, &gid, &clear);
	if (r == 0)
		r = vfs_chown(u->dir, u->path, follow, uid, gid, clear);
	return r;
}

static long chown_at(int dirfd, uint64_t upath, uint32_t uid, uint32_t gid, int flags)
{
	struct upath u;
	long r;

	if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
		return -EINVAL;
	r = upath_copy(&u, upath, flags & LINUX_AT_EMPTY_PATH);
	if (r < 0)
		return r;
	if (!u.path[0]) {
		upath_put(&u);
		return fchown_fd(dirfd, uid, gid);
	}
	r = upath_at(&u, dirfd);
	if (r == 0)
		r = chown_path(&u, !(flags & LINUX_AT_SYMLINK_NOFOLLOW), uid, gid);
	upath_put(&u);
	return r;
}

static long sys_chown(const uint64_t a[6])
{
	return chown_at(LINUX_AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2], 0);
}
SYSCALL(92, "chown", "sdd", sys_chown);

static long sys_lchown(const uint64_t a[6])
{
	return chown_at(LINUX_AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2],
			LINUX_AT_SYMLINK_NOFOLLOW);
}
SYSCALL(94, "lchown", "sdd", sys_lchown);

static long sys_fchownat(const uint64_t a[6])
{
	return chown_at((int)a[0], a[1], (uint32_t)a[2], (uint32_t)a[3], (int)a[4]);
}
SYSCALL(260, "fchownat", "fsddx", sys_fchownat);

static long sys_fchown(const uint64_t a[6])
{
	if ((int)a[0] == LINUX_AT_FDCWD)
		return -EBADF;
	return fchown_fd((int)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}
SYSCALL(93, "fchown", "fdd", sys_fchown);

static bool utime_valid(const struct linux_timespec *t)
{
	return t->tv_nsec == UTIME_NOW || t->tv_nsec == UTIME_OMIT ||
	       (t->tv_nsec >= 0 && t->tv_nsec < NSEC_PER_SEC);
}

/* Nodes keep whole seconds in 32 bits. */
static uint32_t utime_seconds(int64_t sec)
{
	if (sec < 0)
		return 0;
	return sec > UINT32_MAX ? UINT32_MAX : (uint32_t)sec;
}

/* Only the mtime is kept, in whole seconds: UTIME_NOW (or a NULL times)
 * gives it the wall clock's, UTIME_OMIT leaves it. A NULL path names
 * dirfd itself (futimens). */
static long sys_utimensat(const uint64_t a[6])
{
	int dirfd = (int)a[0], flags = (int)a[3];
	struct linux_timespec t[2];
	bool set = true;
	uint32_t mtime = wall_seconds();
	struct upath u;
	long r;

	if (flags & ~(LINUX_AT_SYMLINK_NOFOLLOW | LINUX_AT_EMPTY_PATH))
		return -EINVAL;
	if (a[2]) {
		if (copy_from_user(t, (const void *)(uintptr_t)a[2], sizeof(t)) < 0)
			return -EFAULT;
		if (!utime_valid(&t[0]) || !utime_valid(&t[1]))
			return -EINVAL;
		set = t[1].tv_nsec != UTIME_OMIT;
		if (t[1].tv_nsec != UTIME_NOW)
			mtime = utime_seconds(t[1].tv_sec);
	}
	if (!a[1] && dirfd != LINUX_AT_FDCWD)
		return set_attr_dirfd(dirfd, false, 0, set, mtime);
	r = upath_copy(&u, a[1], flags & LINUX_AT_EMPTY_PATH);
	if (r < 0)
		return r;
	if (!u.path[0])
		r = set_attr_dirfd(dirfd, false, 0, set, mtime);
	else if ((r = upath_at(&u, dirfd)) == 0)
		r = set_attr_path(&u, !(flags & LINUX_AT_SYMLINK_NOFOLLOW), false, 0, set, mtime);
	upath_put(&u);
	return r;
}
SYSCALL(280, "utimensat", "fspx", sys_utimensat);

/* include/uapi/linux/time.h: utimes' struct timeval; utime's struct
 * utimbuf (include/uapi/linux/utime.h) is two seconds, actime then
 * modtime. */
struct linux_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};
#define USEC_PER_SEC 1000000

/* utimes, futimesat: the second timeval is the mtime; NULL means now. */
static long utimes_at(int dirfd, uint64_t upath, uint64_t utimes)
{
	uint32_t mtime = wall_seconds();
	struct linux_timeval tv[2];
	struct upath u;
	long r;

	if (utimes) {
		if (copy_from_user(tv, (const void *)(uintptr_t)utimes, sizeof(tv)) < 0)
			return -EFAULT;
		for (int i = 0; i < 2; i++)
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= USEC_PER_SEC)
				return -EINVAL;
		mtime = utime_seconds(tv[1].tv_sec);
	}
	r = upath_get(&u, dirfd, upath);
	if (r < 0)
		return r;
	r = set_attr_path(&u, true, false, 0, true, mtime);
	upath_put(&u);
	return r;
}

static long sys_utimes(const uint64_t a[6])
{
	return utimes_at(LINUX_AT_FDCWD, a[0], a[1]);
}
SYSCALL(235, "utimes", "sp", sys_utimes);

static long sys_futimesat(const uint64_t a[6])
{
	return utimes_at((int)a[0], a[1], a[2]);
}
SYSCALL(261, "futimesat", "fsp", sys_futimesat);

static long sys_utime(const uint64_t a[6])
{
	int64_t times[2];
	uint32_t mtime = wall_seconds();
	struct upath u;
	long r;

	if (a[1]) {
		if (copy_from_user(times, (const void *)(uintptr_t)a[1], sizeof(times)) < 0)
			return -EFAULT;
		mtime = utime_seconds(times[1]);
	}
	r = upath_get(&u, LINUX_AT_FDCWD, a[0]);
	if (r < 0)
		return r;
	r = set_attr_path(&u, true, false, 0, true, mtime);
	upath_put(&u);
	return r;
}
SYSCALL(132, "utime", "sp", sys_utime);

/* Regular files and FIFOs: there are no device nodes or sockets to make
 * on the ramfs, and Linux answers EPERM to an unprivileged caller asking
 * for those. */
static long mknod_at(int dirfd, uint64_t upath, uint32_t mode)
{
	uint32_t type = mode & VFS_S_IFMT;
	struct upath u;
	long r;

	switch (type) {
	case 0:
	case VFS_S_IFREG:
		break;
	case LINUX_S_IFIFO:
		break;
	case VFS_S_IFCHR:
	case VFS_S_IFDIR:
	case LINUX_S_IFBLK:
	case LINUX_S_IFSOCK:
		return -EPERM;
	default:
		return -EINVAL;
	}
	r = upath_get(&u, dirfd, upath);
	if (r < 0)
		return r;
	if (type == LINUX_S_IFIFO)
		r = vfs_mkfifo(u.dir, u.path, mode & VFS_S_PERM & ~umask_get());
	else
		r = vfs_create_file(u.dir, u.path, mode & VFS_S_PERM & ~umask_get(), NULL, 0);
	upath_put(&u);
	return r;
}

static long sys_mknod(const uint64_t a[6])
{
	return mknod_at(LINUX_AT_FDCWD, a[0], (uint32_t)a[1]);
}
SYSCALL(133, "mknod", "sox", sys_mknod);

static long sys_mknodat(const uint64_t a[6])
{
	return mknod_at((int)a[0], a[1], (uint32_t)a[2]);
}
SYSCALL(259, "mknodat", "fsox", sys_mknodat);

static long statfs_out(const struct vfs_statfs *st, uint64_t ubuf)
{
	struct linux_statfs sf = {
		.f_type = st->type,
		.f_bsize = st->bsize,
		.f_blocks = (int64_t)st->blocks,
		.f_bfree = (int64_t)st->bfree,
		.f_bavail = (int64_t)st->bavail,
		.f_files = (int64_t)st->files,
		.f_ffree = (int64_t)st->ffree,
		.f_fsid = { (int32_t)st->fsid, 0 },
		.f_namelen = st->namelen,
		.f_frsize = st->bsize,
		.f_flags = st->flags,
	};

	return copy_to_user((void *)(uintptr_t)ubuf, &sf, sizeof(sf));
}

static long sys_statfs(const uint64_t a[6])
{
	struct vfs_statfs st;
	struct upath u;
	long r = upath_copy(&u, a[0], false);

	if (r < 0)
		return r;
	r = upath_at(&u, LINUX_AT_FDCWD);
	if (r == 0)
		r = vfs_statfs(u.dir, u.path, &st);
	upath_put(&u);
	return r < 0 ? r : statfs_out(&st, a[1]);
}
SYSCALL(137, "statfs", "sp", sys_statfs);

static long sys_fstatfs(const uint64_t a[6])
{
	struct vfs_statfs st;
	struct file *f;
	long r;

	f = fdtable_get(&process_current()->fds, (int)a[0]);
	if (!f)
		return -EBADF;
	r = vfs_file_statfs(f, &st);
	file_put(f);
	return r < 0 ? r : statfs_out(&st, a[1]);
}
SYSCALL(138, "fstatfs", "fp", sys_fstatfs);

/* mount(2) flags Flint takes without effect (uapi/linux/mount.h): times,
 * synchronous writes, mandatory locks and propagation types; the old
 * magic number in the top half (MS_MGC_VAL) is ignored as Linux does. */
#define LINUX_MS_IGNORED (0x10u | 0x40u | 0x80u | 0x400u | 0x800u | 0x4000u | 0x20000u | \
			  0x40000u | 0x80000u | 0x100000u | 0x200000u | 0x1000000u | 0x2000000u)
#define LINUX_MS_MGC_MASK 0xffff0000u
#define LINUX_MS_MGC_VAL 0xc0ed0000u

/* A user string argument that may be NULL: copied into *out (a bounce
 * buffer to bounce_put), or *out NULL. */
static long user_opt_str(uint64_t uptr, char **out)
{
	long r;

	*out = NULL;
	if (!uptr)
		return 0;
	*out = bounce_get();
	if (!*out)
		return -ENOMEM;
	r = user_path(*out, uptr);
	if (r < 0) {
		bounce_put(*out);
		*out = NULL;
	}
	return r < 0 ? r : 0;
}

static long sys_mount(const uint64_t a[6])
{
	unsigned flags = (unsigned)a[3];
	char *source = NULL, *type = NULL, *data = NULL;
	struct upath target;
	long r;

	if ((flags & LINUX_MS_MGC_MASK) == LINUX_MS_MGC_VAL)
		flags &= ~LINUX_MS_MGC_MASK;
	flags &= ~LINUX_MS_IGNORED;
	r = upath_copy(&target, a[1], false);
	if (r < 0)
		return r;
	r = upath_at(&target, LINUX_AT_FDCWD);
	if (r == 0 && !(flags & (VFS_MS_REMOUNT | VFS_MS_MOVE | VFS_MS_BIND)))
		r = user_opt_str(a[2], &type);
	if (r == 0 && !(flags & VFS_MS_REMOUNT))
		r = user_opt_str(a[0], &source);
	/* data is a string for every filesystem Flint has. */
	if (r == 0)
		r = user_opt_str(a[4], &data);
	if (r == 0 && flags & ~(VFS_MS_FLAGS | VFS_MS_REMOUNT | VFS_MS_BIND | VFS_MS_MOVE |
				VFS_MS_SILENT))
		r = -EINVAL;
	/* A propagation change alone (MS_PRIVATE...) has nothing to do. */
	if (r == 0 && ((flags & ~(unsigned)VFS_MS_SILENT) || type || source))
		r = vfs_mount(target.dir, source, target.path, type, flags, data);
	bounce_put(source);
	bounce_put(type);
	bounce_put(data);
	upath_put(&target);
	return r;
}
SYSCALL(165, "mount", "sssxs", sys_mount);

static long sys_umount2(const uint64_t a[6])
{
	struct upath target;
	long r = upath_copy(&target, a[0], false);

	if (r < 0)
		return r;
	r = upath_at(&target, LINUX_AT_FDCWD);
	if (r == 0)
		r = vfs_umount(target.dir, target.path, (unsigned)a[1]);
	upath_put(&target);
	return r;
}
SYSCALL(166, "umount2", "sx", sys_umount2);

/* Extended attributes: no filesystem here keeps any (as Linux's ramfs).
 * Reading one is ENODATA and the list is empty once the file is found
 * (ls -l asks for ACLs and SELinux labels this way and takes ENODATA as
 * "none"); setting or removing one is EOPNOTSUPP. */
static long xattr_file(uint64_t upath, bool follow, long found)
{
	struct vfs_stat st;
	long r = stat_at(LINUX_AT_FDCWD, upath, follow ? 0 : LINUX_AT_SYMLINK_NOFOLLOW, &st);

	return r < 0 ? r : found;
}

static long xattr_fd(uint64_t fd, long found)
{
	struct vfs_stat st;
	long r = (int)fd == LINUX_AT_FDCWD ? -EBADF : stat_dirfd((int)fd, &st);

	return r < 0 ? r : found;
}

static long sys_getxattr(const uint64_t a[6])
{
	return xattr_file(a[0], true, -ENODATA);
}
SYSCALL(191, "getxattr", "ssp", sys_getxattr);

static long sys_lgetxattr(const uint64_t a[6])
{
	return xattr_file(a[0], false, -ENODATA);
}
SYSCALL(192, "lgetxattr", "ssp", sys_lgetxattr);

static long sys_fgetxattr(const uint64_t a[6])
{
	return xattr_fd(a[0], -ENODATA);
}
SYSCALL(193, "fgetxattr", "fsp", sys_fgetxattr);

static long sys_listxattr(const uint64_t a[6])
{
	return xattr_file(a[0], true, 0);
}
SYSCALL(194, "listxattr", "spx", sys_listxattr);

static long sys_llistxattr(const uint64_t a[6])
{
	return xattr_file(a[0], false, 0);
}
SYSCALL(195, "llistxattr", "spx", sys_llistxattr);

static long sys_flistxattr(const uint64_t a[6])
{
	return xattr_fd(a[0], 0);
}
SYSCALL(196, "flistxattr", "fpx", sys_flistxattr);

static long sys_setxattr(const uint64_t a[6])
{
	return xattr_file(a[0], true, -EOPNOTSUPP);
}
SYSCALL(188, "setxattr", "sspxx", sys_setxattr);

static long sys_lsetxattr(const uint64_t a[6])
{
	return xattr_file(a[0], false, -EOPNOTSUPP);
}
SYSCALL(189, "lsetxattr", "sspxx", sys_lsetxattr);

static long sys_fsetxattr(const uint64_t a[6])
{
	return xattr_fd(a[0], -EOPNOTSUPP);
}
SYSCALL(190, "fsetxattr", "fspxx", sys_fsetxattr);

static long sys_removexattr(const uint64_t a[6])
{
	return xattr_file(a[0], true, -EOPNOTSUPP);
}
SYSCALL(197, "removexattr", "ss", sys_removexattr);

static long sys_lremovexattr(const uint64_t a[6])
{
	return xattr_file(a[0], false, -EOPNOTSUPP);
}
SYSCALL(198, "lremovexattr", "ss", sys_lremovexattr);

static long sys_fremovexattr(const uint64_t a[6])
{
	return xattr_fd(a[0], -EOPNOTSUPP);
}
SYSCALL(199, "fremovexattr", "fs", sys_fremovexattr);
