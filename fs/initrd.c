/* The boot's "fs" stage: the initrd (a newc cpio archive) unpacked into
 * the ramfs at /, then /dev (with the console tty) and /proc. A regular
 * file's data stays where it lies in the archive (the initrd's memory is
 * the kernel's for good): unpacking copies no file. */
#include <flint/bootinfo.h>
#include <flint/cpio.h>
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>
#include <flint/vfs.h>

#define INITRD_ERR_MAX 160

static bool show;
KERNEL_FLAG("fs.show", show);

static int check_entry(const struct cpio_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

/* The entry's path from the root: "./a", "/a" and "a" are all "/a"; "."
 * is the root itself (NULL). */
static const char *entry_path(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	if (!name[0] || !strcmp(name, "."))
		return NULL;
	return name;
}

/* A regular file whose other names may come later in the archive: newc
 * gives each name of a hard-linked file its own entry, with the same
 * inode number, nlink > 1, and the data on one of them (GNU cpio: the
 * last). */
struct linked_file {
	uint32_t ino, devmajor, devminor;
	struct vnode *node;		/* alive: nothing is unlinked meanwhile */
	struct linked_file *next;
};

static struct linked_file *linked_find(struct linked_file *l, const struct cpio_entry *e)
{
	for (; l; l = l->next)
		if (l->ino == e->ino && l->devmajor == e->devmajor && l->devminor == e->devminor)
			return l;
	return NULL;
}

/* A name of a hard-linked file: the first makes it, the others link to
 * it, and the one with the data writes it. */
static int unpack_linked(const struct cpio_entry *e, const char *path, uint32_t perm,
			 struct linked_file **links)
{
	struct linked_file *l = linked_find(*links, e);
	struct file *f;
	long r;

	if (l) {
		r = vfs_link(l->node, "", false, NULL, path);
	} else {
		l = kmalloc(sizeof(*l));
		if (!l)
			return -ENOMEM;
		*l = (struct linked_file){ .ino = e->ino, .devmajor = e->devmajor,
					   .devminor = e->devminor };
		r = vfs_create_file(NULL, path, perm, NULL, 0);
		if (r == 0)
			r = vfs_lookup(NULL, path, false, &l->node);
		if (r < 0) {
			kfree(l);
			return (int)r;
		}
		l->next = *links;
		*links = l;
	}
	if (r < 0 || !e->size)
		return (int)r;
	r = vfs_open_file(NULL, path, VFS_O_WRONLY | VFS_O_TRUNC, 0, &f);
	if (r < 0)
		return (int)r;
	r = vfs_file_write(f, e->data, e->size);
	file_put(f);
	return r < 0 ? (int)r : 0;
}

static int unpack_entry(const struct cpio_entry *e, void *arg)
{
	const char *path = entry_path(e->name);
	uint32_t perm = e->mode & VFS_S_PERM;
	static char target[VFS_PATH_MAX];	/* one boot CPU unpacks */
	int r;

	if (!path) {
		vfs_root()->mode = VFS_S_IFDIR | perm;
		return 0;
	}
	switch (e->mode & VFS_S_IFMT) {
	case VFS_S_IFDIR:
		r = vfs_mkdir(NULL, path, perm);
		if (r == -EEXIST)
			r = 0;
		break;
	case VFS_S_IFREG:
		if (e->nlink > 1)
			r = unpack_linked(e, path, perm, arg);
		else
			r = vfs_create_file_in_place(NULL, path, perm, (void *)e->data, e->size);
		break;
	case VFS_S_IFLNK:
		if (e->size >= sizeof(target)) {
			r = -ENAMETOOLONG;
			break;
		}
		memcpy(target, e->data, e->size);
		target[e->size] = '\0';
		r = vfs_symlink(NULL, target, path);
		break;
	default:	/* device nodes, FIFOs, sockets: not kept */
		return 0;
	}
	if (r == 0 && (e->mode & VFS_S_IFMT) != VFS_S_IFLNK)
		r = vfs_chmod(NULL, path, perm, e->mtime);
	if (r < 0)
		printk_line("initrd: %s: cannot create it (error %d)", e->name, -r);
	return 0;
}

static void show_node(const char *path, const struct ramfs_entry *e, void *arg)
{
	const struct vnode *n = e->node;
	unsigned perm = n->mode & VFS_S_PERM;

	(void)arg;
	switch (n->mode & VFS_S_IFMT) {
	case VFS_S_IFDIR:
		printk_line("fs: %s/ %04o", path, perm);
		break;
	case VFS_S_IFLNK:
		if (n->link)
			printk_line("fs: %s %04o -> (the caller's)", path, perm);
		else
			printk_line("fs: %s %04o -> %.*s", path, perm, (int)n->size,
				    (const char *)n->data);
		break;
	case VFS_S_IFCHR:
		printk_line("fs: %s %04o chr", path, perm);
		break;
	case VFS_S_IFBLK:
		printk_line("fs: %s %04o blk", path, perm);
		break;
	default:
		printk_line("fs: %s %04o %llu", path, perm, (unsigned long long)n->size);
	}
}

/* The initrd's pages, and which hold some file's data (borrowed by the
 * ramfs: vfs_create_file_in_place). */
struct initrd_pages {
	uint64_t first;			/* phys of the first page wholly in it */
	size_t n;			/* pages wholly in it */
	uint8_t *keep;			/* a bit a page */
};

static void keep_data(const char *path, const struct ramfs_entry *e, void *arg)
{
	struct initrd_pages *ip = arg;
	const struct vnode *n = e->node;
	uint64_t start, end;

	(void)path;
	if (!n->borrowed || !n->cap || e != n->names)
		return;
	start = virt_to_phys(n->data);
	end = start + n->cap;
	if (end <= ip->first || start >= ip->first + ip->n * PAGE_SIZE)
		return;
	start = start < ip->first ? 0 : (start - ip->first) / PAGE_SIZE;
	end = (end - ip->first + PAGE_SIZE - 1) / PAGE_SIZE;
	for (uint64_t pg = start; pg < end && pg < ip->n; pg++)
		ip->keep[pg / 8] |= (uint8_t)(1u << pg % 8);
}

/*
 * The archive's pages that hold no file's data (headers, names, link
 * targets, padding, files that were copied) go back to the page
 * allocator; a page with any file's bytes stays, as that file's. Only
 * pages wholly inside the initrd are freed: its ends may share a page
 * with something else. A file that later moves to the heap, or is
 * removed, keeps its pages reserved.
 */
static void free_unused(const struct bootinfo *bi)
{
	uint64_t end = (bi->initrd_base + bi->initrd_size) / PAGE_SIZE * PAGE_SIZE;
	struct initrd_pages ip = {
		.first = (bi->initrd_base + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE };
	size_t kept = 0, freed = 0;

	if (end <= ip.first)
		return;
	ip.n = (size_t)((end - ip.first) / PAGE_SIZE);
	ip.keep = kzalloc((ip.n + 7) / 8);
	if (!ip.keep)
		return;
	vfs_walk(vfs_root(), keep_data, &ip);
	for (size_t pg = 0; pg < ip.n;) {
		size_t run = 0;

		if (ip.keep[pg / 8] & (1u << pg % 8)) {
			kept++;
			pg++;
			continue;
		}
		while (pg + run < ip.n && !(ip.keep[(pg + run) / 8] & (1u << (pg + run) % 8)))
			run++;
		page_free(ip.first + pg * PAGE_SIZE, (unsigned)run);
		freed += run;
		pg += run;
	}
	kfree(ip.keep);
	if (show)
		printk_line("initrd: %zu pages: %zu hold file data, %zu freed", ip.n, kept, freed);
}

void fs_init(const struct bootinfo *bi)
{
	char err[INITRD_ERR_MAX];
	struct linked_file *links = NULL;
	int r;

	if (vfs_init() < 0) {
		printk_line("fs: out of memory for the root");
		return;
	}
	if (bi->initrd_size) {
		const void *archive = phys_to_virt(bi->initrd_base);

		/* A first pass checks the whole archive, so a malformed one
		 * leaves the root empty. */
		if (cpio_parse(archive, bi->initrd_size, check_entry, NULL, err, sizeof(err)))
			printk_line("initrd: %s", err);
		else
			cpio_parse(archive, bi->initrd_size, unpack_entry, &links, err, sizeof(err));
		while (links) {
			struct linked_file *next = links->next;

			kfree(links);
			links = next;
		}
		free_unused(bi);
	}
	mount_boot_memory();
	r = dev_populate();
	if (r < 0)
		printk_line("fs: cannot create /dev (error %d)", -r);
	r = blkdev_populate();
	if (r < 0)
		printk_line("fs: cannot create the disks in /dev (error %d)", -r);
	tty_init();
	r = proc_populate();
	if (r == 0)
		r = blkdev_proc_populate();
	if (r < 0)
		printk_line("fs: cannot create /proc (error %d)", -r);
	mount_boot_disks();
	if (show)
		vfs_walk(vfs_root(), show_node, NULL);
}
