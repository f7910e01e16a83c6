/*
 * ext2, ext3 and ext4 behind the VFS (fs/fs.h): the library in fs/ext2/
 * over a disk, through fs/blkdev.c's byte ranges. A node's ino is its
 * inode number on the disk. ext2 mounts read-write; the others, and an
 * ext2 the library refuses to write, only read-only (the reason in one
 * line). Every change is on the disk when its call returns (the library
 * writes through, in an order that leaks space at worst after a crash);
 * fsync and sync add the disk's FLUSH.
 */
#include <flint/blockdev.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2/ext2.h"
#include "fs.h"

#define EXT2_SUPER_MAGIC 0xef53u	/* statfs f_type: ext2, ext3 and ext4 alike */
#define NAMES_FIRST 4096		/* load_dir's first name buffer */

/* A node with more than one name in memory, so that every name of one
 * inode reaches the same node. */
struct shared_node {
	struct vnode *node;
	struct shared_node *next;
};

struct ext2_mount {
	struct ext2_fs *fs;
	struct blockdev *disk;
	struct shared_node *shared;
};

static struct ext2_mount *em_of(const struct vnode *n)
{
	return n->mnt->sb;
}

static struct ext2_fs *fs_of(const struct vnode *n)
{
	return em_of(n)->fs;
}

static int disk_bytes(struct ext2_mount *em, void *buf, size_t len, uint64_t off, bool write)
{
	long r = blkdev_bytes(em->disk, buf, len, off, write);

	return r < 0 ? (int)r : (size_t)r == len ? 0 : -EIO;
}

static int disk_read(void *arg, uint64_t off, void *buf, size_t len)
{
	return disk_bytes(arg, buf, len, off, false);
}

static int disk_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	return disk_bytes(arg, (void *)buf, len, off, true);
}

static struct vnode *shared_find(struct ext2_mount *em, uint32_t ino)
{
	for (struct shared_node *s = em->shared; s; s = s->next)
		if (s->node->ino == ino)
			return s->node;
	return NULL;
}

static void shared_add(struct ext2_mount *em, struct vnode *n)
{
	struct shared_node *s;

	if (shared_find(em, (uint32_t)n->ino))
		return;
	s = kmalloc(sizeof(*s));
	if (!s)
		return;		/* a second name would get a second node */
	*s = (struct shared_node){ .node = n, .next = em->shared };
	em->shared = s;
}

static void shared_remove(struct ext2_mount *em, const struct vnode *n)
{
	for (struct shared_node **pp = &em->shared; *pp; pp = &(*pp)->next)
		if ((*pp)->node == n) {
			struct shared_node *s = *pp;

			*pp = s->next;
			kfree(s);
			return;
		}
}

/* What the disk says of n now: its size, time and link count. */
static int refresh(struct vnode *n)
{
	struct ext2_inode_info in;
	int r = ext2_iget(fs_of(n), (uint32_t)n->ino, &in);

	if (r == 0) {
		n->size = in.size;
		n->mtime = in.mtime;
		n->disk_links = in.links;
	}
	return r;
}

/* The node of inode ino of m's, made from the disk (a symlink with its
 * target), or the one in memory already. */
static int node_of(struct vfs_mount *m, uint32_t ino, struct vnode **out)
{
	struct ext2_mount *em = m->sb;
	struct ext2_inode_info in;
	struct vnode *n = shared_find(em, ino);
	int r;

	if (n) {
		*out = n;
		return 0;
	}
	r = ext2_iget(em->fs, ino, &in);
	if (r < 0)
		return r;
	n = vfs_fs_node(m, in.mode, ino);
	if (!n)
		return -ENOMEM;
	n->mtime = in.mtime;
	n->disk_links = in.links;
	if ((in.mode & VFS_S_IFMT) != VFS_S_IFLNK) {
		n->size = in.size;
	} else {
		size_t len = in.size < VFS_PATH_MAX ? (size_t)in.size : VFS_PATH_MAX;
		long got;

		r = ramfs_resize(n, len);
		got = r < 0 ? r : ext2_readlink(em->fs, ino, (char *)n->data, len);
		if (got < 0) {
			ramfs_put(n);
			return (int)got;
		}
		n->size = (uint64_t)got;
	}
	if (in.links > 1 && (in.mode & VFS_S_IFMT) != VFS_S_IFDIR)
		shared_add(em, n);
	*out = n;
	return 0;
}

/* load_dir's names, gathered before any inode is read. */
struct names {
	char *buf;			/* len, name bytes, ino: one after another */
	size_t used, cap;
};

static int gather(void *arg, const char *name, size_t len, uint32_t ino, unsigned type)
{
	struct names *nm = arg;
	size_t need = 1 + len + sizeof(ino);

	(void)type;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	if (nm->used + need > nm->cap) {
		size_t cap = nm->cap ? 2 * nm->cap : NAMES_FIRST;
		char *b = kmalloc(cap);

		if (!b)
			return -ENOMEM;
		memcpy(b, nm->buf, nm->used);
		kfree(nm->buf);
		nm->buf = b;
		nm->cap = cap;
	}
	nm->buf[nm->used] = (char)len;
	memcpy(nm->buf + nm->used + 1, name, len);
	memcpy(nm->buf + nm->used + 1 + len, &ino, sizeof(ino));
	nm->used += need;
	return 0;
}

static int load_dir(struct vnode *dir)
{
	struct names nm = { 0 };
	uint64_t cookie = 0;
	int r;

	do
		r = ext2_readdir(fs_of(dir), (uint32_t)dir->ino, &cookie, gather, &nm);
	while (r == 1 && nm.used);	/* gather stopped: out of memory */
	if (r == 1)
		r = -ENOMEM;
	for (size_t at = 0; r == 0 && at < nm.used;) {
		size_t len = (unsigned char)nm.buf[at];
		const char *name = nm.buf + at + 1;
		struct vnode *n;
		uint32_t ino;

		memcpy(&ino, name + len, sizeof(ino));
		at += 1 + len + sizeof(ino);
		r = node_of(dir->mnt, ino, &n);
		if (r == 0) {
			r = vfs_fs_enter(dir, n, name, len);
			if (r < 0 && !n->names)
				ramfs_put(n);
		}
	}
	kfree(nm.buf);
	return r;
}

static int create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		  const char *target, size_t tlen, struct vnode **out)
{
	struct ext2_new_attr a = { mode & VFS_S_PERM, 0, 0, vfs_now() };
	struct ext2_fs *fs = fs_of(dir);
	uint32_t ino;
	int r;

	switch (mode & VFS_S_IFMT) {
	case VFS_S_IFREG:
		r = ext2_create(fs, (uint32_t)dir->ino, name, len, &a, &ino);
		break;
	case VFS_S_IFDIR:
		r = ext2_mkdir(fs, (uint32_t)dir->ino, name, len, &a, &ino);
		break;
	case VFS_S_IFLNK:
		r = ext2_symlink(fs, (uint32_t)dir->ino, name, len, target, tlen, &a, &ino);
		break;
	default:
		return -EPERM;	/* device, FIFO and socket nodes stay in memory filesystems */
	}
	if (r < 0)
		return r;
	r = node_of(dir->mnt, ino, out);
	if (r == 0 && (mode & VFS_S_IFMT) == VFS_S_IFDIR) {
		(*out)->loaded = true;
		r = refresh(dir);
	}
	return r;
}

static int link(struct vnode *n, struct vnode *dir, const char *name, size_t len)
{
	int r = ext2_link(fs_of(n), (uint32_t)n->ino, (uint32_t)dir->ino, name, len, vfs_now());

	if (r == 0) {
		n->disk_links++;
		shared_add(em_of(n), n);
	}
	return r;
}

static int remove(struct ramfs_entry *e)
{
	struct vnode *n = e->node, *dir = e->dir;
	bool is_dir = (n->mode & VFS_S_IFMT) == VFS_S_IFDIR;
	uint32_t gone = 0;
	int r;

	if (is_dir)
		r = ext2_rmdir(fs_of(dir), (uint32_t)dir->ino, e->name, strlen(e->name), vfs_now(),
			       &gone);
	else
		r = ext2_unlink(fs_of(dir), (uint32_t)dir->ino, e->name, strlen(e->name),
				vfs_now(), &gone);
	if (r < 0)
		return r;
	n->gone = gone == n->ino;
	if (!n->gone)
		refresh(n);
	return is_dir ? refresh(dir) : 0;
}

static int rename(struct ramfs_entry *e, struct vnode *dir, const char *name, size_t len,
		  struct ramfs_entry *target)
{
	struct vnode *from = e->dir;
	uint32_t gone = 0;
	int r = ext2_rename(fs_of(dir), (uint32_t)from->ino, e->name, strlen(e->name),
			    (uint32_t)dir->ino, name, len, vfs_now(), &gone);

	if (r < 0)
		return r;
	if (target) {
		target->node->gone = gone == target->node->ino;
		if (!target->node->gone)
			refresh(target->node);
	}
	refresh(from);
	return from == dir ? 0 : refresh(dir);
}

static int setattr(struct vnode *n)
{
	struct ext2_setattr sa = {
		.valid = EXT2_ATTR_MODE | EXT2_ATTR_MTIME | EXT2_ATTR_CTIME,
		.mode = n->mode & VFS_S_PERM,
		.mtime = n->mtime,
		.ctime = vfs_now(),
	};

	return ext2_setattr(fs_of(n), (uint32_t)n->ino, &sa);
}

static long read(struct vnode *n, void *buf, size_t len, uint64_t off)
{
	return ext2_read(fs_of(n), (uint32_t)n->ino, off, buf, len);
}

static long write(struct vnode *n, const void *buf, size_t len, uint64_t off)
{
	uint32_t now = vfs_now();
	long r = ext2_write(fs_of(n), (uint32_t)n->ino, off, buf, len, now);

	if (r > 0 && off + (uint64_t)r > n->size)
		n->size = off + (uint64_t)r;
	if (r > 0)
		n->mtime = now;
	return r;
}

static int truncate(struct vnode *n, uint64_t size)
{
	uint32_t now = vfs_now();
	int r = ext2_truncate(fs_of(n), (uint32_t)n->ino, size, now);

	if (r == 0) {
		n->size = size;
		n->mtime = now;
	}
	return r;
}

static void evict(struct vnode *n)
{
	struct ext2_mount *em = em_of(n);

	if (!em)
		return;		/* after the VM's last sync */
	shared_remove(em, n);
	if (n->gone)
		ext2_evict(em->fs, (uint32_t)n->ino, vfs_now());
}

static int statfs(struct vfs_mount *m, struct vfs_statfs *st)
{
	struct ext2_mount *em = m->sb;
	struct ext2_statfs es;
	int r = ext2_statfs(em->fs, &es);

	if (r < 0)
		return r;
	st->type = EXT2_SUPER_MAGIC;
	st->bsize = es.block_size;
	st->namelen = es.name_max;
	st->blocks = es.blocks;
	st->bfree = es.free_blocks;
	st->bavail = es.avail_blocks;
	st->files = es.inodes;
	st->ffree = es.free_inodes;
	return 0;
}

static int sync(struct vfs_mount *m)
{
	struct ext2_mount *em = m->sb;

	if (!em)
		return 0;
	return blockdev_flush(em->disk) ? -EIO : 0;
}

static void unmount(struct vfs_mount *m)
{
	struct ext2_mount *em = m->sb;

	if (!em)
		return;
	ext2_unmount(em->fs);
	while (em->shared)
		shared_remove(em, em->shared->node);
	kfree(em);
	m->sb = NULL;
}

static int mount(struct vfs_mount *m, const char *data, char *why, size_t whylen)
{
	struct ext2_mount *em = kzalloc(sizeof(*em));
	struct ext2_dev dev = {
		.read = disk_read,
		.arg = em,
		.size = m->disk->sectors * BLOCKDEV_SECTOR,
		.write = (m->flags & VFS_MS_RDONLY) ? NULL : disk_write,
	};
	const char *kind;
	int r;

	(void)data;	/* ext2's options (errors=, acl...) change nothing here */
	if (!em)
		return -ENOMEM;
	em->disk = m->disk;
	if (m->flags & VFS_MS_RDONLY)
		r = ext2_mount(&dev, &em->fs, why, whylen);
	else
		r = ext2_mount_rw(&dev, vfs_now(), &em->fs, why, whylen);
	if (r < 0) {
		kfree(em);
		return r;
	}
	m->sb = em;
	kind = ext2_kind(em->fs);
	memcpy(m->fstype, kind, strlen(kind) + 1);
	r = node_of(m, EXT2_ROOT, &m->root);
	if (r == 0 && (m->root->mode & VFS_S_IFMT) != VFS_S_IFDIR) {
		ramfs_put(m->root);
		r = -EINVAL;
	}
	if (r < 0) {
		snprintf(why, whylen, "ext2: the root directory cannot be read (error %d)", -r);
		unmount(m);
	}
	return r;
}

static const struct vfs_node_ops ext2_ops = {
	.load_dir = load_dir,
	.create = create,
	.link = link,
	.remove = remove,
	.rename = rename,
	.setattr = setattr,
	.read = read,
	.write = write,
	.truncate = truncate,
	.evict = evict,
	.statfs = statfs,
	.sync = sync,
	.unmount = unmount,
};

const struct vfs_fs_type ext2_fs_type = {
	.name = "ext2",
	.magic = EXT2_SUPER_MAGIC,
	.needs_disk = true,
	.mount = mount,
	.ops = &ext2_ops,
};
