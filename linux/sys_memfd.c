/* memfd_create and fallocate: files that live in the page cache alone,
 * and their space. Behaviour and errors follow Linux's mm/memfd.c and
 * fs/open.c (vfs_fallocate) with tmpfs's modes. */
#include "linux.h"

/* include/uapi/linux/memfd.h */
#define LINUX_MFD_CLOEXEC 0x1u
#define LINUX_MFD_ALLOW_SEALING 0x2u
#define LINUX_MFD_HUGETLB 0x4u
/* mm/memfd.c: the name's limit, "memfd:" and the NUL counted in. */
#define MFD_NAME_MAX 249
#define MFD_PERM 0777

static long sys_memfd_create(const uint64_t a[6])
{
	unsigned flags = (unsigned)a[1];
	char name[MFD_NAME_MAX + 1];
	struct file *f;
	long r;
	int fd;

	/* Hugetlb pages are not offered: Linux says EINVAL where it has
	 * none either. Sealing is accepted; no seal is ever set. */
	if (flags & ~(LINUX_MFD_CLOEXEC | LINUX_MFD_ALLOW_SEALING))
		return -EINVAL;
	r = strncpy_from_user(name, (const char *)a[0], sizeof(name));
	if (r == -ENAMETOOLONG)
		return -EINVAL;
	if (r < 0)
		return r;
	r = vfs_open_unnamed(MFD_PERM, VFS_O_RDWR, &f);
	if (r < 0)
		return r;
	fd = fdtable_install(&process_current()->fds, f, 0, flags & LINUX_MFD_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}
SYSCALL(319, "memfd_create", "sx", sys_memfd_create);

#define FALLOC_KNOWN (VFS_FALLOC_KEEP_SIZE | VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_ZERO_RANGE)

static long sys_fallocate(const uint64_t a[6])
{
	int mode = (int)a[1];
	int64_t off = (int64_t)a[2], len = (int64_t)a[3];
	struct file *f;
	long r;

	if (off < 0 || len <= 0)
		return -EINVAL;
	/* Unknown modes; a punch must keep the size; punch and zero
	 * exclude each other (fs/open.c). */
	if ((unsigned)mode & ~FALLOC_KNOWN ||
	    ((mode & VFS_FALLOC_PUNCH_HOLE) && !(mode & VFS_FALLOC_KEEP_SIZE)) ||
	    ((mode & VFS_FALLOC_PUNCH_HOLE) && (mode & VFS_FALLOC_ZERO_RANGE)))
		return -EOPNOTSUPP;
	f = fdtable_get(&process_current()->fds, (int)a[0]);
	if (!f)
		return -EBADF;
	if (f->ops && !f->node)
		r = (f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY ? -EBADF : -ESPIPE;
	else
		r = vfs_file_allocate(f, mode, (uint64_t)off, (uint64_t)len);
	file_put(f);
	return r;
}
SYSCALL(285, "fallocate", "fdxx", sys_fallocate);
