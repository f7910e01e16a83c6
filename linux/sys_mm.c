/* The memory syscalls: argument handling around linux/mm.c. */
#include "linux.h"
#include "mm.h"

static struct mm *current_mm(void)
{
	return process_current()->mm;
}

static long sys_mmap(const uint64_t a[6])
{
	uint64_t addr = a[0], len = a[1], off = a[5];
	int prot = (int)a[2], flags = (int)a[3], fd = (int)a[4];
	struct file *f;
	long r;

	if (flags & LINUX_MAP_ANONYMOUS)
		return mm_mmap(current_mm(), addr, len, prot, flags, NULL, 0, 0);
	f = fdtable_get(&process_current()->fds, fd);
	if (!f)
		return -EBADF;
	/* A disk file has no pages to map before the page cache. */
	if (!f->node || (f->node->mode & VFS_S_IFMT) != VFS_S_IFREG ||
	    (!f->node->data && f->node->size))
		r = -ENODEV;
	else if ((f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
		r = -EACCES;
	else if ((prot & LINUX_PROT_EXEC) && vfs_node_noexec(f->node))
		r = -EPERM;
	else
		r = mm_mmap(current_mm(), addr, len, prot, flags, f->node->data, f->node->size, off);
	file_put(f);
	return r;
}
SYSCALL(9, "mmap", "pxxxfx:p", sys_mmap);

static long sys_munmap(const uint64_t a[6])
{
	return mm_munmap(current_mm(), a[0], a[1]);
}
SYSCALL(11, "munmap", "px", sys_munmap);

static long sys_mprotect(const uint64_t a[6])
{
	return mm_mprotect(current_mm(), a[0], a[1], (int)a[2]);
}
SYSCALL(10, "mprotect", "pxx", sys_mprotect);

static long sys_mremap(const uint64_t a[6])
{
	return mm_mremap(current_mm(), a[0], a[1], a[2], (int)a[3], a[4]);
}
SYSCALL(25, "mremap", "pxxxp:p", sys_mremap);

static long sys_madvise(const uint64_t a[6])
{
	return mm_madvise(current_mm(), a[0], a[1], (int)a[2]);
}
SYSCALL(28, "madvise", "pxd", sys_madvise);

static long sys_brk(const uint64_t a[6])
{
	return (long)mm_brk(current_mm(), a[0]);
}
SYSCALL(12, "brk", "p:p", sys_brk);

/* Memory is never written back anywhere: ramfs files are not mapped
 * shared, so there is nothing to sync. */
SYSCALL(26, "msync", "pxx", syscall_zero);
