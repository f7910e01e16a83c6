/* Path lookup across mounts and the tree operations over the
 * filesystems (fs/fs.h), open file descriptions, descriptor tables and
 * the readiness generation. One VFS mutex covers the tree, the nodes, the
 * ramfs files' data and offsets, and a disk filesystem's calls: the
 * public functions take it, the static tree helpers expect it held. */
#include <flint/errno.h>
#include <flint/filelock.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/sched.h>
#include <flint/string.h>
#include <flint/vfs.h>

#include "fs.h"

#define VFS_ROOT_PERM 0755
#define VFS_SYMLINK_PERM 0777
#define VFS_GEN_FIRST_SIZE 4096		/* a generated file's first buffer */
#define VFS_DIR_LINKS 2			/* a directory's "." and its entry */
/* Flags that only matter to open itself (Linux's F_GETFL drops them). */
#define VFS_OPEN_ONLY (VFS_O_CREAT | VFS_O_EXCL | VFS_O_TRUNC | VFS_O_CLOEXEC | VFS_O_NOFOLLOW)

static struct vnode *root;
static struct mutex vfs_mutex;
static uint32_t (*clock_now)(void);

/* A generated file's content, made at open: the description's priv. */
struct gen_buf {
	size_t len;
	char data[];
};

static void lock(void)
{
	mutex_lock(&vfs_mutex);
}

static void unlock(void)
{
	mutex_unlock(&vfs_mutex);
}

void vfs_lock(void)
{
	lock();
}

void vfs_unlock(void)
{
	unlock();
}

void vfs_set_clock(uint32_t (*now)(void))
{
	clock_now = now;
}

uint32_t vfs_now(void)
{
	return clock_now ? clock_now() : 0;
}

/* A disk filesystem's operations; NULL for a memory one. */
static const struct vfs_node_ops *ops_of(const struct vnode *n)
{
	return n->mnt ? n->mnt->type->ops : NULL;
}

static bool read_only(const struct vnode *n)
{
	return n->mnt && (n->mnt->flags & VFS_MS_RDONLY);
}

bool vfs_node_noexec(const struct vnode *n)
{
	return n->mnt && (n->mnt->flags & VFS_MS_NOEXEC);
}

static void (*cred_source)(struct vfs_cred *c);

void vfs_set_cred_source(void (*get)(struct vfs_cred *c))
{
	cred_source = get;
}

void vfs_cred_get(struct vfs_cred *c)
{
	if (cred_source) {
		cred_source(c);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->dac_override = c->fowner = true;
}

/* Linux's generic_permission (fs/namei.c): with CAP_DAC_OVERRIDE, all
 * but executing a file without any x bit; else the owner's, the group's
 * or the others' bits. */
int vfs_permission(const struct vfs_cred *c, uint32_t mode, uint32_t uid, uint32_t gid,
		   int may)
{
	bool in_group = gid == c->gid;
	unsigned bits, i;

	if (c->dac_override && (!(may & VFS_MAY_EXEC) ||
				(mode & VFS_S_IFMT) == VFS_S_IFDIR || (mode & 0111)))
		return 0;
	for (i = 0; i < c->ngroups && !in_group; i++)
		in_group = c->groups[i] == gid;
	bits = c->uid == uid ? (mode >> 6) & 7 : in_group ? (mode >> 3) & 7 : mode & 7;
	return ((unsigned)may & ~bits) ? -EACCES : 0;
}

static int node_permission(const struct vnode *n, int may)
{
	struct vfs_cred c;

	vfs_cred_get(&c);
	return vfs_permission(&c, n->mode, n->uid, n->gid, may);
}

/* Removing or replacing e's name: write and search on the directory and,
 * in a sticky one, owning the file or the directory (man 2 unlink). */
static int may_remove(const struct ramfs_entry *e)
{
	struct vfs_cred c;
	int r;

	vfs_cred_get(&c);
	r = vfs_permission(&c, e->dir->mode, e->dir->uid, e->dir->gid,
			   VFS_MAY_WRITE | VFS_MAY_EXEC);
	if (r == 0 && (e->dir->mode & VFS_S_ISVTX) && !c.fowner && c.uid != e->node->uid &&
	    c.uid != e->dir->uid)
		r = -EPERM;
	return r;
}

bool vfs_node_nosuid(const struct vnode *n)
{
	return n->mnt && (n->mnt->flags & VFS_MS_NOSUID);
}

bool vfs_node_nodev(const struct vnode *n)
{
	return n->mnt && (n->mnt->flags & VFS_MS_NODEV);
}

static bool can_write(const struct file *f);

/* inotify's hook, and how many watches exist: without any, no event is
 * looked at. */
static vfs_watch_fn watch_hook;
static unsigned watch_count;		/* atomic */
static uint32_t move_cookie;		/* under the lock */

void vfs_set_watch_hook(vfs_watch_fn fn)
{
	watch_hook = fn;
}

void vfs_watches(int delta)
{
	__atomic_add_fetch(&watch_count, (unsigned)delta, __ATOMIC_RELAXED);
}

static bool watched(void)
{
	return watch_hook && __atomic_load_n(&watch_count, __ATOMIC_RELAXED);
}

static uint32_t isdir_bit(const struct vnode *n)
{
	return (n->mode & VFS_S_IFMT) == VFS_S_IFDIR ? VFS_IN_ISDIR : 0;
}

/* An event of dir's entry name (len bytes). */
static void entry_event(struct vnode *dir, uint32_t mask, const struct vnode *n,
			const char *name, size_t len, uint32_t cookie)
{
	if (watched())
		watch_hook(dir, mask | isdir_bit(n), name, len, cookie);
}

/* An event of n for its own watchers only (a link count's change). */
static void self_event(struct vnode *n, uint32_t mask)
{
	if (watched())
		watch_hook(n, mask | isdir_bit(n), NULL, 0, 0);
}

/* An event of n: each directory naming it hears of it under that name,
 * then n's own watchers (Linux's order). */
static void node_event(struct vnode *n, uint32_t mask)
{
	if (!watched())
		return;
	mask |= isdir_bit(n);
	for (struct ramfs_entry *e = n->names; e; e = e->alias)
		watch_hook(e->dir, mask, e->name, strlen(e->name), 0);
	watch_hook(n, mask, NULL, 0, 0);
}

void vfs_node_put(struct vnode *n)
{
	ramfs_put(n);
}

struct vnode *vfs_fs_node(struct vfs_mount *m, uint32_t mode, uint64_t ino)
{
	struct vnode *n = ramfs_new(mode);

	if (n) {
		n->mnt = m;
		if (ino)
			n->ino = ino;
	}
	return n;
}

int vfs_fs_enter(struct vnode *dir, struct vnode *n, const char *name, size_t len)
{
	return ramfs_link(dir, n, name, len);
}

/* A disk directory's names come into memory at its first use. */
static int load(struct vnode *dir)
{
	const struct vfs_node_ops *ops = ops_of(dir);
	int r;

	if (!ops || dir->loaded || (dir->mode & VFS_S_IFMT) != VFS_S_IFDIR)
		return 0;
	r = ops->load_dir(dir);
	if (r == 0)
		dir->loaded = true;
	return r;
}

/* What a directory that another filesystem is mounted on shows: the top
 * mount's root. */
static struct vnode *over(struct vnode *n)
{
	while (n->mounted)
		n = n->mounted->root;
	return n;
}

/* A mount's root stands for the directory it covers, going up. */
static const struct vnode *under(const struct vnode *n)
{
	while (n->mnt && n == n->mnt->root && n->mnt->covered)
		n = n->mnt->covered;
	return n;
}

static bool is_type(const struct vnode *n, uint32_t type)
{
	return (n->mode & VFS_S_IFMT) == type;
}

static bool is_device(const struct vnode *n)
{
	return is_type(n, VFS_S_IFCHR) || is_type(n, VFS_S_IFBLK);
}

int vfs_init(void)
{
	struct vfs_mount *m = mount_rootfs();

	root = m ? vfs_fs_node(m, VFS_S_IFDIR | VFS_ROOT_PERM, 0) : NULL;
	if (!root)
		return -ENOMEM;
	root->opens = 1;	/* it has no name to keep it */
	m->root = root;
	return 0;
}

void vfs_set_root(struct vnode *dir)
{
	root = dir;
}

struct vnode *vfs_root(void)
{
	return root;
}

/* A directory's parent: the root's is itself, a removed one has none;
 * a mount's root's is the covered directory's. */
static struct vnode *parent_of(const struct vnode *dir)
{
	if (dir == root)
		return root;
	dir = under(dir);
	if (dir == root)
		return root;
	return dir->names ? dir->names->dir : NULL;
}

static bool ends_in_slash(const char *path)
{
	size_t n = strlen(path);

	return n > 1 && path[n - 1] == '/';
}

static bool is_dot(const char *p, size_t len)
{
	return len == 1 && p[0] == '.';
}

static bool is_dotdot(const char *p, size_t len)
{
	return len == 2 && p[0] == '.' && p[1] == '.';
}

static int resolve(struct vnode *top, struct vnode *dir, const char *path, size_t plen,
		   bool follow, struct vnode **out, unsigned *links);

/* Resolves the symlink n found in dir; a dynamic one's target is made now. */
static int follow_link(struct vnode *top, struct vnode *dir, const struct vnode *n,
		       struct vnode **out, unsigned *links)
{
	char target[VFS_DYNLINK_MAX];
	const char *t = (const char *)n->data;
	size_t len = n->size;

	if (++*links > VFS_SYMLINK_MAX)
		return -ELOOP;
	if (n->link) {
		len = n->link(target, sizeof(target));
		if (len > sizeof(target))
			return -ENAMETOOLONG;
		t = target;
	}
	return resolve(top, dir, t, len, true, out, links);
}

/* Resolves path (len bytes, not NUL-terminated: a symlink target) from dir,
 * top being "/"; *links counts the symlinks followed so far. */
static int resolve(struct vnode *top, struct vnode *dir, const char *path, size_t plen,
		   bool follow, struct vnode **out, unsigned *links)
{
	const char *p = path, *end = path + plen;

	if (plen == 0)
		return -ENOENT;
	if (*p == '/')
		dir = top;
	for (;;) {
		struct ramfs_entry *e;
		struct vnode *child;
		const char *c;
		size_t len;
		bool last;

		while (p < end && *p == '/')
			p++;
		if (p == end) {
			/* "f/" names a directory, as on Linux: not a file. */
			if (end[-1] == '/' && !is_type(dir, VFS_S_IFDIR))
				return -ENOTDIR;
			*out = dir;
			return 0;
		}
		c = p;
		while (p < end && *p != '/')
			p++;
		len = (size_t)(p - c);
		if (len > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		if (!is_type(dir, VFS_S_IFDIR))
			return -ENOTDIR;
		/* "a/" names a directory: its symlink is followed. */
		last = p == end;
		if (is_dot(c, len))
			continue;
		if (is_dotdot(c, len)) {
			dir = dir == top ? top : parent_of(dir);
			if (!dir)
				return -ENOENT;	/* a removed directory */
			continue;
		}
		int r = load(dir);

		if (r < 0)
			return r;
		e = ramfs_find(dir, c, len);
		if (!e)
			return -ENOENT;
		child = over(e->node);
		if (is_type(child, VFS_S_IFLNK) && (!last || follow)) {
			r = follow_link(top, dir, child, &child, links);
			if (r < 0)
				return r;
		}
		dir = child;
	}
}

static int lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	unsigned links = 0;

	return resolve(root, cwd ? cwd : root, path, strlen(path), follow, out, &links);
}

int vfs_lookup_locked(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	return lookup(cwd, path, follow, out);
}

int vfs_lookup_from_locked(struct vnode *dir, const char *path, struct vnode **out)
{
	unsigned links = 0;

	return resolve(dir, dir, path, strlen(path), true, out, &links);
}

int vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	int r;

	lock();
	r = lookup(cwd, path, follow, out);
	unlock();
	return r;
}

/* Splits path into its directory (resolved) and last component. Returns
 * -EBUSY for a path without one ("/"), -ENOENT in a removed directory
 * (nothing is made there, as in Linux). */
static int lookup_parent(struct vnode *cwd, const char *path, struct vnode **dir,
			 const char **name, size_t *len)
{
	size_t n = strlen(path), i;
	unsigned links = 0;
	int r;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0)
		return -ENOENT;
	i = n;
	while (i > 0 && path[i - 1] != '/')
		i--;
	if (i == n)
		return -EBUSY;
	*name = path + i;
	*len = n - i;
	if (*len > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (i == 0)
		*dir = cwd ? cwd : root;
	else {
		r = resolve(root, cwd ? cwd : root, path, i, true, dir, &links);
		if (r < 0)
			return r;
	}
	if (!is_type(*dir, VFS_S_IFDIR))
		return -ENOTDIR;
	if (!parent_of(*dir))
		return -ENOENT;
	return load(*dir);
}

/* The directory and last component of path for a name to be made: -EEXIST
 * when it is taken ("/", ".", ".." always are). */
static int new_name(struct vnode *cwd, const char *path, struct vnode **dir, const char **name,
		    size_t *len)
{
	int r = lookup_parent(cwd, path, dir, name, len);

	if (r == -EBUSY)
		return -EEXIST;
	if (r < 0)
		return r;
	if (is_dot(*name, *len) || is_dotdot(*name, *len) || ramfs_find(*dir, *name, *len))
		return -EEXIST;
	return 0;
}

/* Creates a node of mode at path (a symlink on a disk: to target, tlen
 * bytes); *out is it. */
static int create_node(struct vnode *cwd, const char *path, uint32_t mode, const char *target,
		       size_t tlen, struct vnode **out)
{
	const struct vfs_node_ops *ops;
	struct vnode *dir, *n;
	const char *name;
	size_t len;
	int r = new_name(cwd, path, &dir, &name, &len);
	struct vfs_cred c;

	if (r < 0)
		return r;
	vfs_cred_get(&c);
	r = vfs_permission(&c, dir->mode, dir->uid, dir->gid, VFS_MAY_WRITE | VFS_MAY_EXEC);
	if (r < 0)
		return r;
	if (read_only(dir))
		return -EROFS;
	/* A set-group-ID directory gives its group, and directories its bit. */
	if (dir->mode & VFS_S_ISGID) {
		c.gid = dir->gid;
		if ((mode & VFS_S_IFMT) == VFS_S_IFDIR)
			mode |= VFS_S_ISGID;
	}
	ops = ops_of(dir);
	if (ops)
		r = ops->create(dir, name, len, mode, target, tlen, &n);
	else
		n = vfs_fs_node(dir->mnt, mode, 0);
	if (r < 0)
		return r;
	if (!n)
		return -ENOMEM;
	n->uid = c.uid;
	n->gid = c.gid;
	r = ramfs_link(dir, n, name, len);
	if (r < 0) {
		ramfs_put(n);
		return r;
	}
	entry_event(dir, VFS_IN_CREATE, n, name, len, 0);
	*out = n;
	return 0;
}

static int create(struct vnode *cwd, const char *path, uint32_t mode, struct vnode **out)
{
	return create_node(cwd, path, mode, NULL, 0, out);
}

/* create under the lock, for the callers that need nothing more. */
static int create_locked(struct vnode *cwd, const char *path, uint32_t mode,
			 struct vnode **out)
{
	int r;

	lock();
	r = create(cwd, path, mode, out);
	unlock();
	return r;
}

int vfs_mkdir(struct vnode *cwd, const char *path, uint32_t perm)
{
	struct vnode *n;

	return create_locked(cwd, path, VFS_S_IFDIR | (perm & VFS_S_PERM), &n);
}

/* Creates a node of mode at path holding n bytes of data: a symlink's
 * in a heap block (a disk's gets its target at creation), a file's in its
 * cache. */
static int create_with_data(struct vnode *cwd, const char *path, uint32_t mode,
			    const void *data, size_t size)
{
	struct vnode *n;
	long r = create_node(cwd, path, mode, data, size, &n);

	if (r < 0)
		return (int)r;
	if (is_type(n, VFS_S_IFLNK) && ops_of(n)) {
		return 0;
	} else if (is_type(n, VFS_S_IFLNK)) {
		n->data = kmalloc(size);
		r = n->data ? 0 : -ENOMEM;
		if (n->data)
			memcpy(n->data, data, size);
	} else if (size) {
		uint64_t before = n->cache.pages;

		r = ramfs_charge(n, 0, size);
		if (r == 0)
			r = pagecache_write(&n->cache, data, size, 0);
		ramfs_charged(n, before);
	}
	if (r < 0) {
		ramfs_unlink(n->names);
		return (int)r;
	}
	n->size = size;
	return 0;
}

int vfs_symlink(struct vnode *cwd, const char *target, const char *path)
{
	size_t len = strlen(target);
	int r;

	if (len == 0)
		return -ENOENT;
	if (len >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	lock();
	r = create_with_data(cwd, path, VFS_S_IFLNK | VFS_SYMLINK_PERM, target, len);
	unlock();
	return r;
}

int vfs_create_file_in_place(struct vnode *cwd, const char *path, uint32_t perm, void *data,
			     size_t size)
{
	size_t whole = ((uintptr_t)data % PAGE_SIZE) ? 0 : size / PAGE_SIZE * PAGE_SIZE;
	struct vnode *n = NULL;
	long r;

	lock();
	r = create(cwd, path, VFS_S_IFREG | (perm & VFS_S_PERM), &n);
	if (r == 0 && whole)
		r = pagecache_adopt(&n->cache, 0, virt_to_phys(data), whole / PAGE_SIZE);
	if (r == 0 && size > whole)
		r = pagecache_write(&n->cache, (uint8_t *)data + whole, size - whole, whole);
	if (r >= 0)
		r = ramfs_resize(n, size);
	else if (r != -EEXIST && n)
		ramfs_unlink(n->names);
	if (r >= 0)
		ramfs_charged(n, 0);
	unlock();
	return r < 0 ? (int)r : 0;
}

int vfs_create_file(struct vnode *cwd, const char *path, uint32_t perm,
		    const void *data, size_t size)
{
	int r;

	lock();
	r = create_with_data(cwd, path, VFS_S_IFREG | (perm & VFS_S_PERM), data, size);
	unlock();
	return r;
}

static int mknode(struct vnode *cwd, const char *path, uint32_t mode,
		  const struct file_ops *dev, void *priv)
{
	struct vnode *n;
	int r;

	lock();
	r = create(cwd, path, mode, &n);
	if (r == 0) {
		n->dev = dev;
		n->dev_priv = priv;
	}
	unlock();
	return r;
}

int vfs_mkdev(struct vnode *cwd, const char *path, uint32_t perm,
	      const struct file_ops *dev)
{
	return mknode(cwd, path, VFS_S_IFCHR | (perm & VFS_S_PERM), dev, NULL);
}

int vfs_mkfifo(struct vnode *cwd, const char *path, uint32_t perm)
{
	return mknode(cwd, path, VFS_S_IFIFO | (perm & VFS_S_PERM), NULL, NULL);
}

int vfs_mkblkdev(struct vnode *cwd, const char *path, uint32_t perm,
		 const struct file_ops *dev, void *priv)
{
	return mknode(cwd, path, VFS_S_IFBLK | (perm & VFS_S_PERM), dev, priv);
}

int vfs_mksock(struct vnode *cwd, const char *path, uint32_t perm, void *sock,
	       struct vnode **out)
{
	struct vnode *n;
	int r;

	lock();
	r = create(cwd, path, VFS_S_IFSOCK | (perm & VFS_S_PERM), &n);
	if (r == 0) {
		n->sock = sock;
		n->opens++;
		*out = n;
	}
	unlock();
	return r;
}

int vfs_lookup_sock(struct vnode *cwd, const char *path, void **sock)
{
	struct vnode *n;
	int r;

	lock();
	r = lookup(cwd, path, true, &n);
	if (r == 0 && (!is_type(n, VFS_S_IFSOCK) || !n->sock))
		r = -ECONNREFUSED;
	if (r == 0)
		*sock = n->sock;
	unlock();
	return r;
}

void vfs_sock_unbind(struct vnode *n)
{
	lock();
	n->sock = NULL;
	n->opens--;
	ramfs_put(n);
	unlock();
}

int vfs_mkgen(struct vnode *cwd, const char *path, uint32_t perm,
	      size_t (*gen)(long arg, char *buf, size_t size), long arg)
{
	struct vnode *n;
	int r;

	lock();
	r = create(cwd, path, VFS_S_IFREG | (perm & VFS_S_PERM), &n);
	if (r == 0) {
		n->gen = gen;
		n->gen_arg = arg;
	}
	unlock();
	return r;
}

int vfs_symlink_dynamic(struct vnode *cwd, const char *path,
			size_t (*link)(char *buf, size_t size))
{
	struct vnode *n;
	int r;

	lock();
	r = create(cwd, path, VFS_S_IFLNK | VFS_SYMLINK_PERM, &n);
	if (r == 0)
		n->link = link;
	unlock();
	return r;
}

int vfs_readlink(struct vnode *cwd, const char *path, char *buf, size_t size)
{
	struct vnode *n;
	int r;

	lock();
	r = lookup(cwd, path, false, &n);
	if (r == 0 && !is_type(n, VFS_S_IFLNK))
		r = -EINVAL;
	if (r == 0 && n->link) {
		size_t len = n->link(buf, size);

		r = len == 0 ? -ENOENT : (int)(len < size ? len : size);
	} else if (r == 0) {
		if (size > n->size)
			size = n->size;
		memcpy(buf, n->data, size);
		r = (int)size;
	}
	unlock();
	return r;
}

/* A non-directory's names; a directory's "." and its entry, and each
 * subdirectory's "..". */
static uint32_t link_count(const struct vnode *n)
{
	uint32_t links = VFS_DIR_LINKS;

	if (!is_type(n, VFS_S_IFDIR))
		return n->nlink;
	for (const struct ramfs_entry *e = n->entries; e; e = e->next)
		if (is_type(e->node, VFS_S_IFDIR))
			links++;
	return links;
}

/* A generated file's size is 0, as in Linux's /proc; a device's stat
 * operation adds what it knows (its rdev). */
static void fill_stat(struct vnode *n, struct vfs_stat *st)
{
	*st = (struct vfs_stat){
		.dev = n->mnt ? n->mnt->dev : 0,
		.mode = n->mode,
		.uid = n->uid,
		.gid = n->gid,
		.nlink = ops_of(n) ? n->disk_links : link_count(n),
		.mtime = n->mtime,
		.ino = n->ino,
		.size = n->gen ? 0 : n->size,
	};
	if (is_device(n) && n->dev->stat) {
		struct file probe = { .ops = n->dev, .node = n, .priv = n->dev_priv };

		n->dev->stat(&probe, st);
	}
}

int vfs_stat(struct vnode *cwd, const char *path, bool follow, struct vfs_stat *st)
{
	struct vnode *n;
	int r;

	lock();
	r = lookup(cwd, path, follow, &n);
	if (r == 0)
		fill_stat(n, st);
	unlock();
	return r;
}

int vfs_chmod(struct vnode *cwd, const char *path, uint32_t perm, uint32_t mtime)
{
	struct vnode *n;
	int r;

	lock();
	r = lookup(cwd, path, true, &n);
	if (r == 0 && read_only(n))
		r = -EROFS;
	if (r == 0) {
		uint32_t was_mode = n->mode, was_mtime = n->mtime;

		n->mode = (n->mode & VFS_S_IFMT) | (perm & VFS_S_PERM);
		n->mtime = mtime;
		if (ops_of(n) && ops_of(n)->setattr)
			r = ops_of(n)->setattr(n);
		if (r < 0) {
			n->mode = was_mode;
			n->mtime = was_mtime;
		} else {
			node_event(n, VFS_IN_ATTRIB);
		}
	}
	unlock();
	return r;
}

int vfs_chown(struct vnode *cwd, const char *path, bool follow, uint32_t uid, uint32_t gid,
	      uint32_t clear)
{
	struct vnode *n;
	int r;

	lock();
	r = lookup(cwd, path, follow, &n);
	if (r == 0 && read_only(n))
		r = -EROFS;
	if (r == 0) {
		n->uid = uid;
		n->gid = gid;
		n->mode &= ~clear;
	}
	unlock();
	return r;
}

/* The entry of path's last component (a symlink is not followed). */
static int lookup_last(struct vnode *cwd, const char *path, struct ramfs_entry **out)
{
	struct vnode *dir;
	const char *name;
	size_t len;
	int r = lookup_parent(cwd, path, &dir, &name, &len);

	if (r < 0)
		return r;
	if (is_dot(name, len) || is_dotdot(name, len))
		return -EINVAL;
	*out = ramfs_find(dir, name, len);
	return *out ? 0 : -ENOENT;
}

/* Removes path's entry, a directory or not as dir says. */
static int remove_node(struct vnode *cwd, const char *path, bool dir)
{
	struct ramfs_entry *e;
	int r = lookup_last(cwd, path, &e);

	if (r < 0)
		return r;
	if (is_type(e->node, VFS_S_IFDIR) != dir)
		return dir ? -ENOTDIR : -EISDIR;
	if (e->node->mounted)
		return -EBUSY;
	r = load(e->node);
	if (r < 0)
		return r;
	if (e->node->entries)
		return -ENOTEMPTY;
	r = may_remove(e);
	if (r < 0)
		return r;
	if (read_only(e->dir))
		return -EROFS;
	if (ops_of(e->dir)) {
		r = ops_of(e->dir)->remove(e);
		if (r < 0)
			return r;
	}
	/* As Linux orders them: the link count, the node's end (while the name
	 * still holds it; its watches end), then the directory's entry. */
	self_event(e->node, VFS_IN_ATTRIB);
	if (e->node->nlink == 1)
		self_event(e->node, VFS_IN_DELETE_SELF);
	entry_event(e->dir, VFS_IN_DELETE, e->node, e->name, strlen(e->name), 0);
	ramfs_unlink(e);
	return 0;
}

int vfs_unlink(struct vnode *cwd, const char *path)
{
	struct vnode *n;
	int r;

	lock();
	/* "f/": what it names is not unlinked (Linux: ENOTDIR for a file,
	 * EISDIR for a directory). */
	if (ends_in_slash(path)) {
		r = lookup(cwd, path, true, &n);
		if (r == 0)
			r = -EISDIR;
	} else {
		r = remove_node(cwd, path, false);
	}
	unlock();
	return r;
}

int vfs_rmdir(struct vnode *cwd, const char *path)
{
	int r;

	lock();
	r = remove_node(cwd, path, true);
	unlock();
	return r;
}

/* The new entry comes first (replacing the target), so that the node
 * never lacks a name and an allocation failure changes nothing. */
static int rename_node(struct vnode *cwd, const char *oldpath, const char *newpath)
{
	struct ramfs_entry *e, *target;
	struct vnode *n, *dir;
	const char *name;
	size_t len;
	int r = lookup_last(cwd, oldpath, &e);

	if (r < 0)
		return r;
	n = e->node;
	r = lookup_parent(cwd, newpath, &dir, &name, &len);
	if (r < 0)
		return r;
	if (is_dot(name, len) || is_dotdot(name, len))
		return -EINVAL;
	/* A directory cannot move under itself. */
	for (struct vnode *a = dir; a && a != root; a = parent_of(a))
		if (a == n)
			return -EINVAL;
	if (n->mnt != dir->mnt)
		return -EXDEV;
	if (n->mounted)
		return -EBUSY;
	target = ramfs_find(dir, name, len);
	r = may_remove(e);
	if (r == 0 && target)
		r = may_remove(target);
	else if (r == 0)
		r = node_permission(dir, VFS_MAY_WRITE | VFS_MAY_EXEC);
	if (r < 0)
		return r;
	/* The same entry, or two names of one node: POSIX says nothing happens. */
	if (target && target->node == n)
		return 0;
	if (target) {
		struct vnode *old = target->node;

		if (is_type(n, VFS_S_IFDIR) && !is_type(old, VFS_S_IFDIR))
			return -ENOTDIR;
		if (!is_type(n, VFS_S_IFDIR) && is_type(old, VFS_S_IFDIR))
			return -EISDIR;
		if (old->mounted)
			return -EBUSY;
		r = load(old);
		if (r < 0)
			return r;
		if (old->entries)
			return -ENOTEMPTY;
	}
	if (read_only(dir))
		return -EROFS;
	if (ops_of(dir)) {
		r = ops_of(dir)->rename(e, dir, name, len, target);
		if (r < 0)
			return r;
	}
	if (target && target->node->nlink == 1)
		self_event(target->node, VFS_IN_DELETE_SELF);
	r = ramfs_link(dir, n, name, len);
	if (r == 0) {
		move_cookie++;
		entry_event(e->dir, VFS_IN_MOVED_FROM, n, e->name, strlen(e->name), move_cookie);
		entry_event(dir, VFS_IN_MOVED_TO, n, name, len, move_cookie);
		self_event(n, VFS_IN_MOVE_SELF);
		ramfs_unlink(e);
	}
	return r;
}

static int link_node(struct vnode *oldcwd, const char *oldpath, bool follow,
		     struct vnode *newcwd, const char *newpath)
{
	struct vnode *n = oldcwd ? oldcwd : root, *dir;
	const char *name;
	size_t len;
	int r = 0;

	if (oldpath[0])
		r = lookup(oldcwd, oldpath, follow, &n);
	if (r < 0)
		return r;
	r = new_name(newcwd, newpath, &dir, &name, &len);
	if (r < 0)
		return r;
	if (is_type(n, VFS_S_IFDIR))
		return -EPERM;
	if (n->mnt != dir->mnt)
		return -EXDEV;
	if (!n->nlink)
		return -ENOENT;		/* unlinked, open by AT_EMPTY_PATH */
	if (n->nlink >= VFS_LINK_MAX || (ops_of(n) && n->disk_links >= VFS_LINK_MAX))
		return -EMLINK;
	if (read_only(dir))
		return -EROFS;
	if (ops_of(dir)) {
		r = ops_of(dir)->link(n, dir, name, len);
		if (r < 0)
			return r;
	}
	r = ramfs_link(dir, n, name, len);
	if (r == 0) {
		self_event(n, VFS_IN_ATTRIB);
		entry_event(dir, VFS_IN_CREATE, n, name, len, 0);
	}
	return r;
}

int vfs_link(struct vnode *oldcwd, const char *oldpath, bool follow, struct vnode *newcwd,
	     const char *newpath)
{
	int r;

	lock();
	r = link_node(oldcwd, oldpath, follow, newcwd, newpath);
	unlock();
	return r;
}

void vfs_node_hold(struct vnode *n)
{
	lock();
	n->opens++;
	unlock();
}

void vfs_node_release(struct vnode *n)
{
	lock();
	n->opens--;
	ramfs_put(n);
	unlock();
}

int vfs_rename(struct vnode *cwd, const char *oldpath, const char *newpath)
{
	int r;

	lock();
	r = rename_node(cwd, oldpath, newpath);
	unlock();
	return r;
}

static void walk(struct vnode *dir, char *path, size_t len,
		 void (*fn)(const char *path, const struct ramfs_entry *e, void *arg), void *arg)
{
	for (struct ramfs_entry *e = dir->entries; e; e = e->next) {
		size_t n = strlen(e->name);

		if (len + 1 + n >= VFS_PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->name, n + 1);
		fn(path, e, arg);
		if (is_type(e->node, VFS_S_IFDIR))
			walk(over(e->node), path, len + 1 + n, fn, arg);
	}
}

void vfs_walk(struct vnode *dir,
	      void (*fn)(const char *path, const struct ramfs_entry *e, void *arg), void *arg)
{
	char *path = kmalloc(VFS_PATH_MAX);

	if (!path)
		return;
	lock();
	walk(dir, path, 0, fn, arg);
	unlock();
	kfree(path);
}

/* Writes the path backwards from buf's end; the caller moves it. */
static int path_of(const struct vnode *n, char *buf, size_t size)
{
	size_t at = size;

	if (size < 2)
		return -ERANGE;
	buf[--at] = '\0';
	/* A file's oldest name; every directory above it is live. A mount's
	 * root is the directory it covers; one out of sight has no path. */
	for (; (n = under(n)) != root; n = n->names->dir) {
		size_t len;

		if (!n->names)
			return -ENOENT;
		len = strlen(n->names->name);
		if (at < len + 1)
			return -ERANGE;
		at -= len;
		memcpy(buf + at, n->names->name, len);
		buf[--at] = '/';
	}
	if (at == size - 1)
		buf[--at] = '/';
	return (int)at;
}

int vfs_path_of_locked(const struct vnode *n, char *buf, size_t size)
{
	int at = path_of(n, buf, size);

	if (at < 0)
		return at;
	memmove(buf, buf + at, size - (size_t)at);
	return (int)(size - (size_t)at - 1);
}

int vfs_path_of(const struct vnode *n, char *buf, size_t size)
{
	int r;

	lock();
	r = vfs_path_of_locked(n, buf, size);
	unlock();
	return r;
}

void fdtable_init(struct fdtable *t)
{
	memset(t, 0, sizeof(*t));
}

struct file *file_new(const struct file_ops *ops, int flags, void *priv)
{
	struct file *f = kmalloc(sizeof(*f));

	if (f)
		*f = (struct file){ .ops = ops, .flags = flags, .refs = 1, .priv = priv };
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	struct vnode *n = f->node;

	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	filelock_release_file(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	if (n) {
		if (n->gen)
			kfree(f->priv);
		lock();
		node_event(n, can_write(f) ? VFS_IN_CLOSE_WRITE : VFS_IN_CLOSE_NOWRITE);
		n->opens--;
		ramfs_put(n);
		unlock();
	}
	kfree(f);
}

/* Takes fd out of the table: the file (the table's reference) or NULL. */
static struct file *take_fd(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	unsigned long flags;

	if (fd < 0 || fd >= FDTABLE_MAX)
		return NULL;
	flags = spin_lock_irqsave(&t->lock);
	f = t->fd[fd];
	t->fd[fd] = NULL;
	t->cloexec[fd] = false;
	spin_unlock_irqrestore(&t->lock, flags);
	return f;
}

/* Closes every descriptor, or those marked close-on-exec. */
static void close_all(struct fdtable *t, bool only_cloexec)
{
	for (int fd = 0; fd < FDTABLE_MAX; fd++) {
		struct file *f = NULL;
		unsigned long flags = spin_lock_irqsave(&t->lock);

		if (!only_cloexec || t->cloexec[fd]) {
			f = t->fd[fd];
			t->fd[fd] = NULL;
			t->cloexec[fd] = false;
		}
		spin_unlock_irqrestore(&t->lock, flags);
		if (f) {
			filelock_close(t, f);
			file_put(f);
		}
	}
}

void fdtable_release(struct fdtable *t)
{
	close_all(t, false);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	close_all(t, true);
}

void fdtable_copy(struct fdtable *dst, struct fdtable *src)
{
	unsigned long flags = spin_lock_irqsave(&src->lock);

	for (int fd = 0; fd < FDTABLE_MAX; fd++) {
		dst->fd[fd] = src->fd[fd];
		dst->cloexec[fd] = src->cloexec[fd];
		if (src->fd[fd])
			file_get(src->fd[fd]);
	}
	spin_unlock_irqrestore(&src->lock, flags);
}

int fdtable_install(struct fdtable *t, struct file *f, int min, bool cloexec)
{
	unsigned long flags;
	int fd;

	if (min < 0 || min >= FDTABLE_MAX)
		return -EINVAL;
	flags = spin_lock_irqsave(&t->lock);
	for (fd = min; fd < FDTABLE_MAX && t->fd[fd]; fd++)
		;
	if (fd < FDTABLE_MAX) {
		t->fd[fd] = f;
		t->cloexec[fd] = cloexec;
	} else {
		fd = -EMFILE;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return fd;
}

struct file *fdtable_get(struct fdtable *t, int fd)
{
	struct file *f;
	unsigned long flags;

	if (fd < 0 || fd >= FDTABLE_MAX)
		return NULL;
	flags = spin_lock_irqsave(&t->lock);
	f = t->fd[fd];
	if (f)
		file_get(f);
	spin_unlock_irqrestore(&t->lock, flags);
	return f;
}

int fdtable_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
	struct file *f, *was = NULL;
	unsigned long flags;

	if (oldfd < 0 || oldfd >= FDTABLE_MAX || newfd < 0 || newfd >= FDTABLE_MAX)
		return -EBADF;
	flags = spin_lock_irqsave(&t->lock);
	f = t->fd[oldfd];
	if (f && oldfd != newfd) {
		file_get(f);
		was = t->fd[newfd];
		t->fd[newfd] = f;
		t->cloexec[newfd] = cloexec;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	if (was) {
		filelock_close(t, was);
		file_put(was);
	}
	return f ? newfd : -EBADF;
}

int fdtable_get_cloexec(struct fdtable *t, int fd)
{
	unsigned long flags;
	int r = -EBADF;

	if (fd < 0 || fd >= FDTABLE_MAX)
		return r;
	flags = spin_lock_irqsave(&t->lock);
	if (t->fd[fd])
		r = t->cloexec[fd];
	spin_unlock_irqrestore(&t->lock, flags);
	return r;
}

int fdtable_set_cloexec(struct fdtable *t, int fd, bool on)
{
	unsigned long flags;
	int r = -EBADF;

	if (fd < 0 || fd >= FDTABLE_MAX)
		return r;
	flags = spin_lock_irqsave(&t->lock);
	if (t->fd[fd]) {
		t->cloexec[fd] = on;
		r = 0;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return r;
}

/* A regular file's new size, on its disk first. */
static int resize(struct vnode *n, uint64_t size)
{
	int r = ops_of(n) ? ops_of(n)->truncate(n, size) : ramfs_resize(n, size);

	if (r == 0)
		node_event(n, VFS_IN_MODIFY);
	return r;
}

/* Finds or creates path's node and checks that flags may open it. */
static int open_node(struct vnode *cwd, const char *path, int flags, uint32_t perm,
		     struct vnode **out)
{
	int acc = flags & VFS_O_ACCMODE, r;
	bool made = false;
	struct vnode *n;

	/* Linux's answer to creating "f/", whether or not it exists. */
	if ((flags & VFS_O_CREAT) && ends_in_slash(path))
		return -EISDIR;
	r = lookup(cwd, path, !(flags & VFS_O_NOFOLLOW), &n);
	if (r == -ENOENT && (flags & VFS_O_CREAT)) {
		r = create(cwd, path, VFS_S_IFREG | (perm & VFS_S_PERM), &n);
		made = r == 0;
	} else if (r == 0 && (flags & VFS_O_CREAT) && (flags & VFS_O_EXCL))
		return -EEXIST;
	/* A node it made itself opens whatever its mode (open(2)). */
	else if (r == 0)
		r = node_permission(n, (acc != VFS_O_WRONLY ? VFS_MAY_READ : 0) |
				       (acc != VFS_O_RDONLY || (flags & VFS_O_TRUNC) ?
					VFS_MAY_WRITE : 0));
	if (r < 0)
		return r;
	if (is_type(n, VFS_S_IFLNK))
		return -ELOOP;
	if (is_type(n, VFS_S_IFSOCK))
		return -ENXIO;
	if ((flags & VFS_O_DIRECTORY) && !is_type(n, VFS_S_IFDIR))
		return -ENOTDIR;
	if (is_type(n, VFS_S_IFDIR) && acc != VFS_O_RDONLY)
		return -EISDIR;
	if (n->gen && acc != VFS_O_RDONLY)
		return -EACCES;
	if (is_device(n) && vfs_node_nodev(n))
		return -EACCES;
	if (read_only(n) && !is_device(n) && (acc != VFS_O_RDONLY || (flags & VFS_O_TRUNC)))
		return -EROFS;
	/* Linux tells of the open before the truncation, which a file just
	 * made does not need. */
	node_event(n, VFS_IN_OPEN);
	if ((flags & VFS_O_TRUNC) && acc != VFS_O_RDONLY && is_type(n, VFS_S_IFREG) && !made) {
		r = resize(n, 0);
		if (r < 0)
			return r;
	}
	*out = n;
	return 0;
}

/* Runs the node's generator until its buffer holds the whole content. */
static struct gen_buf *generate(const struct vnode *n)
{
	size_t size = VFS_GEN_FIRST_SIZE;

	for (;;) {
		struct gen_buf *g = kmalloc(sizeof(*g) + size);

		if (!g)
			return NULL;
		g->len = n->gen(n->gen_arg, g->data, size);
		if (g->len <= size)
			return g;
		size = g->len;
		kfree(g);
	}
}

int vfs_open_file(struct vnode *cwd, const char *path, int flags, uint32_t perm,
		  struct file **out)
{
	int acc = flags & VFS_O_ACCMODE, r;
	struct vnode *n;
	struct file *f;

	if (acc != VFS_O_RDONLY && acc != VFS_O_WRONLY && acc != VFS_O_RDWR)
		return -EINVAL;
	f = file_new(NULL, flags & ~VFS_OPEN_ONLY, NULL);
	if (!f)
		return -ENOMEM;
	lock();
	r = open_node(cwd, path, flags, perm, &n);
	if (r == 0) {
		n->opens++;
		f->node = n;
		if (is_device(n)) {
			f->ops = n->dev;
			f->priv = n->dev_priv;
		}
	}
	unlock();
	if (r < 0) {
		kfree(f);
		return r;
	}
	if (n->gen) {
		f->priv = generate(n);
		if (!f->priv) {
			file_put(f);
			return -ENOMEM;
		}
	}
	if (is_type(n, VFS_S_IFIFO) && !(flags & VFS_O_PATH) && (r = pipe_fifo_open(f)) < 0) {
		file_put(f);
		return r;
	}
	if (f->ops && f->ops->open) {
		r = f->ops->open(f);
		if (r < 0) {
			file_put(f);
			return r;
		}
	}
	/* Only a terminal's open looks at it; it is not kept (Linux). */
	f->flags &= ~VFS_O_NOCTTY;
	*out = f;
	return 0;
}

static bool can_read(const struct file *f)
{
	return (f->flags & VFS_O_ACCMODE) != VFS_O_WRONLY && !(f->flags & VFS_O_PATH);
}

static bool can_write(const struct file *f)
{
	return (f->flags & VFS_O_ACCMODE) != VFS_O_RDONLY && !(f->flags & VFS_O_PATH);
}

/* Copies from a regular file (through its cache: a disk file's reads the
 * disk for what it lacks) or a generated one at offset. */
static long read_at(struct file *f, void *buf, size_t n, uint64_t offset)
{
	struct vnode *v = f->node;
	const struct gen_buf *g = f->priv;

	if (is_type(v, VFS_S_IFDIR))
		return -EISDIR;
	if (!v->gen) {
		long r = pagecache_read(&v->cache, buf, n, offset);

		if (r > 0)
			node_event(v, VFS_IN_ACCESS);
		return r;
	}
	if (offset >= g->len)
		return 0;
	if (n > g->len - offset)
		n = (size_t)(g->len - offset);
	memcpy(buf, g->data + offset, n);
	return (long)n;
}

static long write_at(struct file *f, const void *buf, size_t n, uint64_t offset)
{
	struct vnode *v = f->node;
	uint64_t before;
	long r;

	if (f->flags & VFS_O_APPEND)
		offset = v->size;
	before = v->cache.pages;
	r = ramfs_charge(v, offset, n);
	if (r == 0)
		r = pagecache_write(&v->cache, buf, n, offset);
	v->size = pagecache_size(&v->cache);
	ramfs_charged(v, before);
	if (r > 0)
		node_event(v, VFS_IN_MODIFY);
	return r;
}

/* A seekable device's transfer at the file's offset: the offset is read
 * and moved under the VFS lock, the transfer itself runs without it (a
 * disk sleeps). Threads sharing the description may overlap, as they may
 * on Linux without O_APPEND. */
static uint64_t offset_of(struct file *f)
{
	uint64_t off;

	lock();
	off = f->offset;
	unlock();
	return off;
}

static long advance(struct file *f, long r)
{
	if (r > 0) {
		lock();
		f->offset += (uint64_t)r;
		unlock();
	}
	return r;
}

long vfs_file_read_user(struct file *f, void *ubuf, size_t n)
{
	if (!can_read(f))
		return -EBADF;
	if (!f->ops || f->ops->pread || !f->ops->read_user)
		return -EOPNOTSUPP;
	return f->ops->read_user(f, ubuf, n);
}

long vfs_file_read(struct file *f, void *buf, size_t n)
{
	long r;

	if (!can_read(f))
		return -EBADF;
	if (f->ops && f->ops->pread)
		return advance(f, f->ops->pread(f, buf, n, offset_of(f)));
	if (f->ops)
		return f->ops->read ? f->ops->read(f, buf, n) : -EINVAL;
	lock();
	r = read_at(f, buf, n, f->offset);
	if (r > 0)
		f->offset += (uint64_t)r;
	unlock();
	return r;
}

/* O_SYNC and O_DSYNC (whose bit O_SYNC includes): a write that moved
 * something returns once it is on stable storage. Memory (ramfs) is. */
static long synced(struct file *f, long r)
{
	int e;

	if (r <= 0 || !(f->flags & VFS_O_DSYNC))
		return r;
	if (f->ops && !f->ops->fsync)
		return r;
	e = vfs_file_fsync(f);
	return e ? e : r;
}

long vfs_file_write(struct file *f, const void *buf, size_t n)
{
	long r;

	if (!can_write(f))
		return -EBADF;
	if (f->ops && f->ops->pwrite)
		return synced(f, advance(f, f->ops->pwrite(f, buf, n, offset_of(f))));
	if (f->ops)
		return f->ops->write ? f->ops->write(f, buf, n) : -EINVAL;
	lock();
	if (f->flags & VFS_O_APPEND)
		f->offset = f->node->size;
	r = write_at(f, buf, n, f->offset);
	if (r > 0)
		f->offset += (uint64_t)r;
	unlock();
	return synced(f, r);
}

long vfs_file_pread(struct file *f, void *buf, size_t n, uint64_t offset)
{
	long r;

	if (!can_read(f))
		return -EBADF;
	if (f->ops)
		return f->ops->pread ? f->ops->pread(f, buf, n, offset) : -ESPIPE;
	lock();
	r = read_at(f, buf, n, offset);
	unlock();
	return r;
}

/* With O_APPEND the data goes to the end whatever offset says, as Linux's
 * pwrite does. */
long vfs_file_pwrite(struct file *f, const void *buf, size_t n, uint64_t offset)
{
	long r;

	if (!can_write(f))
		return -EBADF;
	if (f->ops)
		return f->ops->pwrite ? synced(f, f->ops->pwrite(f, buf, n, offset)) : -ESPIPE;
	lock();
	r = write_at(f, buf, n, offset);
	unlock();
	return synced(f, r);
}

int64_t vfs_file_lseek(struct file *f, int64_t offset, int whence)
{
	int64_t base, r;

	if (f->ops && !f->ops->pread)
		return -ESPIPE;
	lock();
	switch (whence) {
	case VFS_SEEK_SET:
		base = 0;
		break;
	case VFS_SEEK_CUR:
		base = (int64_t)f->offset;
		break;
	case VFS_SEEK_END:
		base = f->ops ? (int64_t)f->ops->size(f) :
		       f->node->gen ? (int64_t)((const struct gen_buf *)f->priv)->len :
				      (int64_t)f->node->size;
		break;
	default:
		unlock();
		return -EINVAL;
	}
	if (offset < -base || offset > INT64_MAX - base) {
		r = -EINVAL;
	} else {
		f->offset = (uint64_t)(base + offset);
		r = (int64_t)f->offset;
	}
	unlock();
	return r;
}

/* Files without a node (pipes...) describe themselves through ops->stat. */
int vfs_file_stat(struct file *f, struct vfs_stat *st)
{
	if (!f->node) {
		*st = (struct vfs_stat){ 0 };
		return f->ops->stat ? f->ops->stat(f, st) : 0;
	}
	lock();
	fill_stat(f->node, st);
	unlock();
	return 0;
}

unsigned vfs_file_poll(struct file *f)
{
	if (f->ops && f->ops->poll)
		return f->ops->poll(f);
	return VFS_POLLIN | VFS_POLLOUT;
}

long vfs_file_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	if (f->ops && f->ops->ioctl)
		return f->ops->ioctl(f, cmd, arg);
	return -ENOTTY;
}

int vfs_file_readdir(struct file *f, struct vfs_dirent *d)
{
	struct ramfs_entry *e;
	uint64_t i = 0;
	int r = 0;

	if (!f->node || !is_type(f->node, VFS_S_IFDIR))
		return -ENOTDIR;
	lock();
	r = parent_of(f->node) ? load(f->node) : -ENOENT;	/* removed */
	for (e = r ? NULL : f->node->entries; e && i < f->offset; e = e->next)
		i++;
	if (e) {
		d->mode = e->node->mode;
		memcpy(d->name, e->name, strlen(e->name) + 1);
		f->offset++;
		r = 1;
	}
	unlock();
	return r;
}

/* A disk file's dirty pages go to the disk (its other changes are there
 * already, fs/ext2_vfs.c), then the disk's FLUSH. The open file keeps the
 * node; the write-back runs without the VFS lock. */
int vfs_node_sync(struct vnode *n, uint64_t from, uint64_t to)
{
	int r;

	if (!ops_of(n) || read_only(n))
		return 0;
	r = is_type(n, VFS_S_IFREG) ? pagecache_writeback(&n->cache, from, to) : 0;
	if (r < 0)
		return r;
	lock();
	r = ops_of(n)->sync(n->mnt);
	unlock();
	return r;
}

int vfs_file_fsync(struct file *f)
{
	if (f->ops)
		return f->ops->fsync ? f->ops->fsync(f) : -EINVAL;
	return vfs_node_sync(f->node, 0, UINT64_MAX);
}

/* syncfs: f's own filesystem, every file's pages first; memory has
 * nothing to do. */
int vfs_file_syncfs(struct file *f)
{
	int r;

	if (!f->node || f->ops || !ops_of(f->node) || read_only(f->node))
		return 0;
	r = pagecache_sync_all();
	if (r < 0)
		return r;
	lock();
	r = ops_of(f->node)->sync(f->node->mnt);
	unlock();
	return r;
}

int vfs_file_truncate(struct file *f, uint64_t size)
{
	int r;

	if (f->ops || !can_write(f) || !is_type(f->node, VFS_S_IFREG))
		return -EINVAL;
	lock();
	r = read_only(f->node) ? -EROFS : resize(f->node, size);
	unlock();
	return r;
}

static int statfs_of(struct vnode *n, struct vfs_statfs *st)
{
	const struct vfs_mount *m = n->mnt;

	*st = (struct vfs_statfs){
		.type = m->type->magic,
		.bsize = VFS_STATFS_BSIZE,
		.namelen = VFS_NAME_MAX,
		.flags = mount_statfs_flags(m),
		.fsid = m->dev,
	};
	if (ops_of(n))
		return ops_of(n)->statfs(n->mnt, st);
	mount_memory_statfs(n->mnt, st);
	return 0;
}

int vfs_statfs(struct vnode *cwd, const char *path, struct vfs_statfs *st)
{
	struct vnode *n;
	int r;

	lock();
	r = lookup(cwd, path, true, &n);
	if (r == 0)
		r = statfs_of(n, st);
	unlock();
	return r;
}

int vfs_file_statfs(struct file *f, struct vfs_statfs *st)
{
	int r;

	/* Pipes and sockets: Linux's pipefs and sockfs answer with little. */
	if (!f->node) {
		*st = (struct vfs_statfs){ .bsize = VFS_STATFS_BSIZE, .namelen = VFS_NAME_MAX,
					   .flags = VFS_ST_VALID };
		return 0;
	}
	lock();
	r = statfs_of(f->node, st);
	unlock();
	return r;
}

int vfs_file_allocate(struct file *f, int mode, uint64_t off, uint64_t len)
{
	struct vnode *n = f->node;
	bool keep = mode & VFS_FALLOC_KEEP_SIZE;
	int r = 0;

	if (!can_write(f))
		return -EBADF;
	if (f->ops || !n || !is_type(n, VFS_S_IFREG))
		return is_type(n, VFS_S_IFDIR) ? -EISDIR : -ENODEV;
	if (off + len < off || off + len > PAGECACHE_MAX_SIZE)
		return -EFBIG;
	/* ext2 has no fallocate on Linux either (glibc's posix_fallocate
	 * then writes zeros itself). */
	if (ops_of(n))
		return -EOPNOTSUPP;
	lock();
	uint64_t before = n->cache.pages;

	if (mode & (VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_ZERO_RANGE))
		pagecache_punch(&n->cache, off, len);
	else
		r = ramfs_charge(n, off, len);
	if (r == 0 && !(mode & (VFS_FALLOC_PUNCH_HOLE | VFS_FALLOC_ZERO_RANGE)))
		r = pagecache_allocate(&n->cache, off, len, keep);
	if (r == 0 && !keep && off + len > n->size)
		r = pagecache_resize(&n->cache, off + len);
	n->size = pagecache_size(&n->cache);
	ramfs_charged(n, before);
	unlock();
	return r;
}

int vfs_open_unnamed(uint32_t perm, int flags, struct file **out)
{
	struct file *f = file_new(NULL, flags & ~VFS_OPEN_ONLY, NULL);
	struct vnode *n = ramfs_new(VFS_S_IFREG | (perm & VFS_S_PERM));

	if (!f || !n) {
		kfree(f);
		kfree(n);
		return -ENOMEM;
	}
	n->opens = 1;
	f->node = n;
	*out = f;
	return 0;
}

int vfs_open(struct fdtable *t, struct vnode *cwd, const char *path, int flags, uint32_t perm)
{
	struct file *f;
	int r = vfs_open_file(cwd, path, flags, perm, &f);

	if (r < 0)
		return r;
	r = fdtable_install(t, f, 0, flags & VFS_O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

int vfs_close(struct fdtable *t, int fd)
{
	struct file *f = take_fd(t, fd);

	if (!f)
		return -EBADF;
	filelock_close(t, f);
	file_put(f);
	return 0;
}

int vfs_dup(struct fdtable *t, int fd)
{
	struct file *f = fdtable_get(t, fd);
	int r;

	if (!f)
		return -EBADF;
	r = fdtable_install(t, f, 0, false);
	if (r < 0)
		file_put(f);
	return r;
}

long vfs_read(struct fdtable *t, int fd, void *buf, size_t n)
{
	struct file *f = fdtable_get(t, fd);
	long r;

	if (!f)
		return -EBADF;
	r = vfs_file_read(f, buf, n);
	file_put(f);
	return r;
}

long vfs_write(struct fdtable *t, int fd, const void *buf, size_t n)
{
	struct file *f = fdtable_get(t, fd);
	long r;

	if (!f)
		return -EBADF;
	r = vfs_file_write(f, buf, n);
	file_put(f);
	return r;
}

int64_t vfs_lseek(struct fdtable *t, int fd, int64_t offset, int whence)
{
	struct file *f = fdtable_get(t, fd);
	int64_t r;

	if (!f)
		return -EBADF;
	r = vfs_file_lseek(f, offset, whence);
	file_put(f);
	return r;
}

int vfs_fstat(struct fdtable *t, int fd, struct vfs_stat *st)
{
	struct file *f = fdtable_get(t, fd);
	int r;

	if (!f)
		return -EBADF;
	r = vfs_file_stat(f, st);
	file_put(f);
	return r;
}

int vfs_readdir(struct fdtable *t, int fd, struct vfs_dirent *d)
{
	struct file *f = fdtable_get(t, fd);
	int r;

	if (!f)
		return -EBADF;
	r = vfs_file_readdir(f, d);
	file_put(f);
	return r;
}

/* Readiness: a generation counter that every notify moves on, and the
 * threads sleeping until it does. Notify runs in interrupt context too
 * (the console's receive interrupt), hence the irqsave lock. */
struct poll_sleeper {
	struct thread *thread;
	struct poll_sleeper *next;
};

static spinlock_t poll_lock;
static uint64_t poll_gen;
static struct poll_sleeper *poll_sleepers;

uint64_t vfs_poll_generation(void)
{
	return __atomic_load_n(&poll_gen, __ATOMIC_ACQUIRE);
}

void vfs_poll_notify(void)
{
	unsigned long flags = spin_lock_irqsave(&poll_lock);

	__atomic_add_fetch(&poll_gen, 1, __ATOMIC_RELEASE);
	for (struct poll_sleeper *s = poll_sleepers; s; s = s->next)
		sched_wake(s->thread);
	poll_sleepers = NULL;
	spin_unlock_irqrestore(&poll_lock, flags);
}

/* A sleeper that ended by timeout or signal may still be listed: it takes
 * itself off under the lock, so no notify can wake it once it is gone. */
static void unlist(struct poll_sleeper *me)
{
	for (struct poll_sleeper **pp = &poll_sleepers; *pp; pp = &(*pp)->next)
		if (*pp == me) {
			*pp = me->next;
			return;
		}
}

int vfs_poll_wait(uint64_t seen, uint64_t deadline)
{
	struct poll_sleeper me = { .thread = thread_current() };
	unsigned long flags = spin_lock_irqsave(&poll_lock);
	int r = 0;

	if (poll_gen == seen) {
		me.next = poll_sleepers;
		poll_sleepers = &me;
		r = sched_sleep(&poll_lock, deadline, true);
		spin_lock(&poll_lock);
		unlist(&me);
		if (r == 0 || poll_gen != seen)
			r = 0;
	}
	spin_unlock_irqrestore(&poll_lock, flags);
	return r;
}
