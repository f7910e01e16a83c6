/*
 * ext2, ext3 and ext4 behind the VFS (fs/fs.h): the library in fs/ext2/
 * over a disk, through fs/blkdev.c's byte ranges. A node's ino is its
 * inode number on the disk. ext2 mounts read-write; the others, and an
 * ext2 the library refuses to write, only read-only (the reason in one
 * line). A regular file's data goes through its page cache, whose pages
 * are read from and written back here (fsync, sync, the flusher); the
 * library's own reads and writes go through the mount's buffer cache
 * (fs/bcache.c), which reaches the disk at fsync, sync, unmount, the
 * flusher's tick or when it needs the room, and then the disk's FLUSH.
 * The library is used by one thread at a time: the mount's lock, taken
 * inside the VFS's and a cache's, since the flusher writes pages back
 * without the VFS lock.
 */
#include <flint/blockdev.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/timer.h>

#include "bcache.h"
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

#define CACHE_SLOTS 2048u		/* the buffer cache's 4 KiB pieces: 8 MiB a mount */
#define READAHEAD_PAGES 128u		/* a cache miss reads this much of the file: 512 KiB */

/* The pages a file's cache miss read beyond the page it wanted, for the
 * misses that follow (a sequential read asks page by page). */
struct readahead {
	uint32_t ino;			/* 0: none */
	uint64_t first;			/* the file's page at buf */
	unsigned count;
	uint8_t *buf;			/* READAHEAD_PAGES pages */
};

struct ext2_mount {
	struct mutex lock;		/* over fs, cache, ra and shared */
	struct ext2_fs *fs;
	struct blockdev *disk;
	struct bcache *cache;		/* every transfer of the library's */
	struct readahead ra;
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

static int disk_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct ext2_mount *em = arg;

	return bcache_read(em->cache, off, buf, len);
}

static int disk_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct ext2_mount *em = arg;

	return bcache_write(em->cache, off, buf, len);
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

static void lock(struct ext2_mount *em)
{
	mutex_lock(&em->lock);
}

static void unlock(struct ext2_mount *em)
{
	mutex_unlock(&em->lock);
}

/* What the disk says of n now: its link count, and a directory's size and
 * time (a regular file's size is its cache's, ahead of the disk's). */
static int refresh(struct vnode *n)
{
	struct ext2_inode_info in;
	int r = ext2_iget(fs_of(n), (uint32_t)n->ino, &in);

	if (r == 0) {
		n->disk_links = in.links;
		if ((n->mode & VFS_S_IFMT) == VFS_S_IFDIR) {
			n->size = in.size;
			n->mtime = in.mtime;
		}
	}
	return r;
}

/* The file's pages read ahead are stale once it is written or cut. */
static void forget_readahead(struct ext2_mount *em, uint32_t ino)
{
	if (em->ra.ino == ino)
		em->ra.ino = 0;
}

/* The cache's backing store: a page of the file, zeros past the disk's
 * end of it (a page the cache lacks has never been written since); a
 * miss reads READAHEAD_PAGES at once, in one request where the blocks
 * follow each other. */
static int read_page(void *arg, uint64_t index, void *page)
{
	struct vnode *n = arg;
	struct ext2_mount *em = em_of(n);
	struct readahead *ra;
	long r = 0;

	if (!em)
		return -EIO;
	lock(em);
	ra = &em->ra;
	if (ra->ino != n->ino || index < ra->first || index >= ra->first + ra->count) {
		if (!ra->buf)
			ra->buf = kmalloc(READAHEAD_PAGES * PAGE_SIZE);
		ra->ino = 0;
		r = ra->buf ? ext2_read(em->fs, (uint32_t)n->ino, index * PAGE_SIZE, ra->buf,
					READAHEAD_PAGES * PAGE_SIZE) : -ENOMEM;
		if (r >= 0) {
			memset(ra->buf + r, 0, READAHEAD_PAGES * PAGE_SIZE - (size_t)r);
			*ra = (struct readahead){ (uint32_t)n->ino, index,
						  r ? (unsigned)((r + PAGE_SIZE - 1) / PAGE_SIZE) : 1,
						  ra->buf };
		}
	}
	if (r >= 0)
		memcpy(page, ra->buf + (index - ra->first) * PAGE_SIZE, PAGE_SIZE);
	unlock(em);
	return r < 0 ? (int)r : 0;
}

static int write_page(void *arg, uint64_t index, const void *page, size_t len)
{
	struct vnode *n = arg;
	struct ext2_mount *em = em_of(n);
	long r = -EIO;

	if (!em || (n->mnt->flags & VFS_MS_RDONLY))
		return em ? -EROFS : (int)r;
	lock(em);
	forget_readahead(em, (uint32_t)n->ino);
	r = ext2_write(em->fs, (uint32_t)n->ino, index * PAGE_SIZE, page, len, vfs_now());
	unlock(em);
	return r < 0 ? (int)r : (size_t)r == len ? 0 : -EIO;
}

/* The node of inode ino of m's, made from the disk (a symlink with its
 * target, a regular file with its cache), or the one in memory already.
 * Called without the mount's lock. */
static int node_of(struct vfs_mount *m, uint32_t ino, struct vnode **out)
{
	struct ext2_mount *em = m->sb;
	struct ext2_inode_info in;
	struct vnode *n;
	long r;

	lock(em);
	n = shared_find(em, ino);
	r = n ? 0 : ext2_iget(em->fs, ino, &in);
	unlock(em);
	if (n || r < 0) {
		*out = n;
		return (int)r;
	}
	n = vfs_fs_node(m, in.mode, ino);
	if (!n)
		return -ENOMEM;
	n->disk_order = true;
	n->mtime = in.mtime;
	n->disk_links = in.links;
	n->size = in.size;
	if ((in.mode & VFS_S_IFMT) == VFS_S_IFREG) {
		n->backing = (struct pagecache_backing){ read_page, write_page, n };
		pagecache_init(&n->cache, &n->backing);
		r = pagecache_resize(&n->cache, in.size);
	} else if ((in.mode & VFS_S_IFMT) == VFS_S_IFLNK) {
		size_t len = in.size < VFS_PATH_MAX ? (size_t)in.size : VFS_PATH_MAX;

		n->data = kmalloc(len ? len : 1);
		r = -ENOMEM;
		if (n->data) {
			lock(em);
			r = ext2_readlink(em->fs, ino, (char *)n->data, len);
			unlock(em);
		}
		n->size = r < 0 ? 0 : (uint64_t)r;
	}
	if (r < 0) {
		ramfs_put(n);
		return (int)r;
	}
	if (in.links > 1 && (in.mode & VFS_S_IFMT) != VFS_S_IFDIR) {
		lock(em);
		shared_add(em, n);
		unlock(em);
	}
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
	struct ext2_mount *em = em_of(dir);
	struct names nm = { 0 };
	uint64_t cookie = 0;
	int r;

	lock(em);
	do
		r = ext2_readdir(em->fs, (uint32_t)dir->ino, &cookie, gather, &nm);
	while (r == 1 && nm.used);	/* gather stopped: out of memory */
	unlock(em);
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
	struct ext2_mount *em = em_of(dir);
	uint32_t ino;
	int r;

	lock(em);
	switch (mode & VFS_S_IFMT) {
	case VFS_S_IFREG:
		r = ext2_create(em->fs, (uint32_t)dir->ino, name, len, &a, &ino);
		break;
	case VFS_S_IFDIR:
		r = ext2_mkdir(em->fs, (uint32_t)dir->ino, name, len, &a, &ino);
		if (r == 0)
			r = refresh(dir);
		break;
	case VFS_S_IFLNK:
		r = ext2_symlink(em->fs, (uint32_t)dir->ino, name, len, target, tlen, &a, &ino);
		break;
	default:
		r = -EPERM;	/* device, FIFO and socket nodes stay in memory filesystems */
	}
	unlock(em);
	if (r == 0)
		r = node_of(dir->mnt, ino, out);
	if (r == 0 && (mode & VFS_S_IFMT) == VFS_S_IFDIR)
		(*out)->loaded = true;
	return r;
}

static int link(struct vnode *n, struct vnode *dir, const char *name, size_t len)
{
	struct ext2_mount *em = em_of(n);
	int r;

	lock(em);
	r = ext2_link(em->fs, (uint32_t)n->ino, (uint32_t)dir->ino, name, len, vfs_now());
	if (r == 0) {
		n->disk_links++;
		shared_add(em, n);
	}
	unlock(em);
	return r;
}

static int remove(struct ramfs_entry *e)
{
	struct vnode *n = e->node, *dir = e->dir;
	struct ext2_mount *em = em_of(dir);
	bool is_dir = (n->mode & VFS_S_IFMT) == VFS_S_IFDIR;
	uint32_t gone = 0;
	int r;

	lock(em);
	if (is_dir)
		r = ext2_rmdir(em->fs, (uint32_t)dir->ino, e->name, strlen(e->name), vfs_now(),
			       &gone);
	else
		r = ext2_unlink(em->fs, (uint32_t)dir->ino, e->name, strlen(e->name), vfs_now(),
				&gone);
	if (r == 0) {
		n->gone = gone == n->ino;
		if (!n->gone)
			refresh(n);
		if (is_dir)
			r = refresh(dir);
	}
	unlock(em);
	return r;
}

static int rename(struct ramfs_entry *e, struct vnode *dir, const char *name, size_t len,
		  struct ramfs_entry *target)
{
	struct ext2_mount *em = em_of(dir);
	struct vnode *from = e->dir;
	uint32_t gone = 0;
	int r;

	lock(em);
	r = ext2_rename(em->fs, (uint32_t)from->ino, e->name, strlen(e->name), (uint32_t)dir->ino,
			name, len, vfs_now(), &gone);
	if (r == 0 && target) {
		target->node->gone = gone == target->node->ino;
		if (!target->node->gone)
			refresh(target->node);
	}
	if (r == 0)
		r = refresh(from);
	if (r == 0 && from != dir)
		r = refresh(dir);
	unlock(em);
	return r;
}

static int setattr(struct vnode *n)
{
	struct ext2_mount *em = em_of(n);
	struct ext2_setattr sa = {
		.valid = EXT2_ATTR_MODE | EXT2_ATTR_MTIME | EXT2_ATTR_CTIME,
		.mode = n->mode & VFS_S_PERM,
		.mtime = n->mtime,
		.ctime = vfs_now(),
	};
	int r;

	lock(em);
	r = ext2_setattr(em->fs, (uint32_t)n->ino, &sa);
	unlock(em);
	return r;
}

/* The cache first, so that no page past the new end is written back
 * after the disk's file is cut. */
static int truncate(struct vnode *n, uint64_t size)
{
	struct ext2_mount *em = em_of(n);
	uint32_t now = vfs_now();
	int r = pagecache_resize(&n->cache, size);

	if (r < 0)
		return r;
	lock(em);
	forget_readahead(em, (uint32_t)n->ino);
	r = ext2_truncate(em->fs, (uint32_t)n->ino, size, now);
	unlock(em);
	n->size = pagecache_size(&n->cache);
	if (r == 0)
		n->mtime = now;
	return r;
}

static void evict(struct vnode *n)
{
	struct ext2_mount *em = em_of(n);

	if (!em)
		return;		/* after the VM's last sync */
	if ((n->mode & VFS_S_IFMT) == VFS_S_IFREG && !n->gone)
		pagecache_writeback(&n->cache, 0, UINT64_MAX);
	lock(em);
	forget_readahead(em, (uint32_t)n->ino);
	shared_remove(em, n);
	if (n->gone)
		ext2_evict(em->fs, (uint32_t)n->ino, vfs_now());
	unlock(em);
}

static int statfs(struct vfs_mount *m, struct vfs_statfs *st)
{
	struct ext2_mount *em = m->sb;
	struct ext2_statfs es;
	int r;

	lock(em);
	r = ext2_statfs(em->fs, &es);
	unlock(em);
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

/* What the library wrote reaches the disk's medium (the caller wrote the
 * files' pages back first): the buffer cache's dirty pieces, then a
 * FLUSH; nothing when nothing is dirty. */
static int sync(struct vfs_mount *m)
{
	struct ext2_mount *em = m->sb;
	unsigned dirty;
	int r;

	if (!em)
		return 0;
	lock(em);
	dirty = bcache_dirty(em->cache);
	r = bcache_flush(em->cache);
	unlock(em);
	if (r < 0 || !dirty)
		return r;
	return blockdev_flush(em->disk) ? -EIO : 0;
}

/* What the buffer cache has held dirty for PAGECACHE_FLUSH_AGE_NS goes,
 * as the files' pages do. */
static void tick(struct vfs_mount *m)
{
	struct ext2_mount *em = m->sb;
	uint64_t since;

	if (!em)
		return;
	lock(em);
	since = bcache_dirty_since(em->cache);
	unlock(em);
	if (since && clock_ns() - since >= PAGECACHE_FLUSH_AGE_NS)
		sync(m);
}

static void unmount(struct vfs_mount *m)
{
	struct ext2_mount *em = m->sb;

	if (!em)
		return;
	lock(em);
	ext2_unmount(em->fs);
	bcache_flush(em->cache);
	bcache_free(em->cache);
	kfree(em->ra.buf);
	while (em->shared)
		shared_remove(em, em->shared->node);
	m->sb = NULL;
	unlock(em);
	blockdev_flush(m->disk);
	kfree(em);
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
	em->cache = bcache_new(m->disk, CACHE_SLOTS);
	if (!em->cache) {
		kfree(em);
		return -ENOMEM;
	}
	if (m->flags & VFS_MS_RDONLY)
		r = ext2_mount(&dev, &em->fs, why, whylen);
	else
		r = ext2_mount_rw(&dev, vfs_now(), &em->fs, why, whylen);
	if (r < 0) {
		bcache_free(em->cache);
		kfree(em);
		return r;
	}
	m->sb = em;
	ext2_set_names_known(em->fs);	/* the VFS reads a directory whole before changing it */
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
	.truncate = truncate,
	.evict = evict,
	.statfs = statfs,
	.sync = sync,
	.tick = tick,
	.unmount = unmount,
};

const struct vfs_fs_type ext2_fs_type = {
	.name = "ext2",
	.magic = EXT2_SUPER_MAGIC,
	.needs_disk = true,
	.mount = mount,
	.ops = &ext2_ops,
};
