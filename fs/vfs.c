/* Path lookup and the file operations over the ramfs; file-descriptor
 * tables. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/vfs.h>

#define VFS_ROOT_PERM 0755
#define VFS_SYMLINK_PERM 0777

static struct vnode *root;

static bool is_type(const struct vnode *n, uint32_t type)
{
	return (n->mode & VFS_S_IFMT) == type;
}

int vfs_init(void)
{
	root = ramfs_new(VFS_S_IFDIR | VFS_ROOT_PERM);
	if (!root)
		return -ENOMEM;
	root->parent = root;
	return 0;
}

struct vnode *vfs_root(void)
{
	return root;
}

static bool is_dot(const char *p, size_t len)
{
	return len == 1 && p[0] == '.';
}

static bool is_dotdot(const char *p, size_t len)
{
	return len == 2 && p[0] == '.' && p[1] == '.';
}

/* Resolves path (len bytes, not NUL-terminated: a symlink target) from dir;
 * *links counts the symlinks followed so far. */
static int resolve(struct vnode *dir, const char *path, size_t plen, bool follow,
		   struct vnode **out, unsigned *links)
{
	const char *p = path, *end = path + plen;

	if (plen == 0)
		return -ENOENT;
	if (*p == '/')
		dir = root;
	for (;;) {
		struct vnode *child;
		const char *c;
		size_t len;
		bool last;

		while (p < end && *p == '/')
			p++;
		if (p == end) {
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
			dir = dir->parent;
			continue;
		}
		child = ramfs_find(dir, c, len);
		if (!child)
			return -ENOENT;
		if (is_type(child, VFS_S_IFLNK) && (!last || follow)) {
			int r;

			if (++*links > VFS_SYMLINK_MAX)
				return -ELOOP;
			r = resolve(dir, (const char *)child->data, child->size, true, &child,
				    links);
			if (r < 0)
				return r;
		}
		dir = child;
	}
}

int vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	unsigned links = 0;

	return resolve(cwd ? cwd : root, path, strlen(path), follow, out, &links);
}

/* Splits path into its directory (resolved) and last component. Returns
 * -EBUSY for a path without one ("/"). */
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
		r = resolve(cwd ? cwd : root, path, i, true, dir, &links);
		if (r < 0)
			return r;
	}
	return is_type(*dir, VFS_S_IFDIR) ? 0 : -ENOTDIR;
}

/* Creates a node of mode at path; *out is it. */
static int create(struct vnode *cwd, const char *path, uint32_t mode, struct vnode **out)
{
	struct vnode *dir, *n;
	const char *name;
	size_t len;
	int r = lookup_parent(cwd, path, &dir, &name, &len);

	if (r == -EBUSY)
		return -EEXIST;
	if (r < 0)
		return r;
	if (is_dot(name, len) || is_dotdot(name, len) || ramfs_find(dir, name, len))
		return -EEXIST;
	n = ramfs_new(mode);
	if (!n)
		return -ENOMEM;
	ramfs_link(dir, n, name, len);
	*out = n;
	return 0;
}

int vfs_mkdir(struct vnode *cwd, const char *path, uint32_t perm)
{
	struct vnode *n;

	return create(cwd, path, VFS_S_IFDIR | (perm & VFS_S_PERM), &n);
}

int vfs_symlink(struct vnode *cwd, const char *target, const char *path)
{
	size_t len = strlen(target);
	struct vnode *n;
	int r;

	if (len == 0)
		return -ENOENT;
	if (len >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	r = create(cwd, path, VFS_S_IFLNK | VFS_SYMLINK_PERM, &n);
	if (r < 0)
		return r;
	r = ramfs_resize(n, len);
	if (r < 0) {
		ramfs_unlink(n);
		return r;
	}
	memcpy(n->data, target, len);
	return 0;
}

int vfs_mkdev(struct vnode *cwd, const char *path, uint32_t perm,
	      const struct vfs_chardev *dev)
{
	struct vnode *n;
	int r = create(cwd, path, VFS_S_IFCHR | (perm & VFS_S_PERM), &n);

	if (r == 0)
		n->dev = dev;
	return r;
}

int vfs_create_file(struct vnode *cwd, const char *path, uint32_t perm,
		    const void *data, size_t size)
{
	struct vnode *n;
	int r = create(cwd, path, VFS_S_IFREG | (perm & VFS_S_PERM), &n);

	if (r < 0)
		return r;
	r = ramfs_resize(n, size);
	if (r < 0) {
		ramfs_unlink(n);
		return r;
	}
	if (size)
		memcpy(n->data, data, size);
	return 0;
}

int vfs_readlink(struct vnode *cwd, const char *path, char *buf, size_t size)
{
	struct vnode *n;
	int r = vfs_lookup(cwd, path, false, &n);

	if (r < 0)
		return r;
	if (!is_type(n, VFS_S_IFLNK))
		return -EINVAL;
	if (size > n->size)
		size = n->size;
	memcpy(buf, n->data, size);
	return (int)size;
}

static void fill_stat(const struct vnode *n, struct vfs_stat *st)
{
	*st = (struct vfs_stat){ .mode = n->mode, .mtime = n->mtime, .size = n->size };
}

int vfs_stat(struct vnode *cwd, const char *path, bool follow, struct vfs_stat *st)
{
	struct vnode *n;
	int r = vfs_lookup(cwd, path, follow, &n);

	if (r == 0)
		fill_stat(n, st);
	return r;
}

int vfs_chmod(struct vnode *cwd, const char *path, uint32_t perm, uint32_t mtime)
{
	struct vnode *n;
	int r = vfs_lookup(cwd, path, true, &n);

	if (r == 0) {
		n->mode = (n->mode & VFS_S_IFMT) | (perm & VFS_S_PERM);
		n->mtime = mtime;
	}
	return r;
}

/* The node at path's last component, not followed. */
static int lookup_last(struct vnode *cwd, const char *path, struct vnode **out)
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

int vfs_unlink(struct vnode *cwd, const char *path)
{
	struct vnode *n;
	int r = lookup_last(cwd, path, &n);

	if (r < 0)
		return r;
	if (is_type(n, VFS_S_IFDIR))
		return -EISDIR;
	ramfs_unlink(n);
	return 0;
}

int vfs_rmdir(struct vnode *cwd, const char *path)
{
	struct vnode *n;
	int r = lookup_last(cwd, path, &n);

	if (r < 0)
		return r;
	if (!is_type(n, VFS_S_IFDIR))
		return -ENOTDIR;
	if (n->children)
		return -ENOTEMPTY;
	ramfs_unlink(n);
	return 0;
}

int vfs_rename(struct vnode *cwd, const char *oldpath, const char *newpath)
{
	struct vnode *n, *dir, *old;
	const char *name;
	size_t len;
	int r = lookup_last(cwd, oldpath, &n);

	if (r < 0)
		return r;
	r = lookup_parent(cwd, newpath, &dir, &name, &len);
	if (r < 0)
		return r;
	if (is_dot(name, len) || is_dotdot(name, len))
		return -EINVAL;
	/* A directory cannot move under itself. */
	for (struct vnode *a = dir; ; a = a->parent) {
		if (a == n)
			return -EINVAL;
		if (a == root)
			break;
	}
	old = ramfs_find(dir, name, len);
	if (old == n)
		return 0;
	if (old) {
		if (is_type(n, VFS_S_IFDIR) && !is_type(old, VFS_S_IFDIR))
			return -ENOTDIR;
		if (!is_type(n, VFS_S_IFDIR) && is_type(old, VFS_S_IFDIR))
			return -EISDIR;
		if (old->children)
			return -ENOTEMPTY;
		ramfs_unlink(old);
	}
	/* Out of the old directory without freeing: the parent goes last. */
	n->opens++;
	ramfs_unlink(n);
	n->opens--;
	ramfs_link(dir, n, name, len);
	return 0;
}

static void walk(struct vnode *dir, char *path, size_t len,
		 void (*fn)(const char *path, const struct vnode *n, void *arg), void *arg)
{
	for (struct vnode *c = dir->children; c; c = c->next) {
		size_t n = strlen(c->name);

		if (len + 1 + n >= VFS_PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, c->name, n + 1);
		fn(path, c, arg);
		if (is_type(c, VFS_S_IFDIR))
			walk(c, path, len + 1 + n, fn, arg);
	}
}

void vfs_walk(struct vnode *dir, void (*fn)(const char *path, const struct vnode *n, void *arg),
	      void *arg)
{
	char *path = kmalloc(VFS_PATH_MAX);

	if (!path)
		return;
	walk(dir, path, 0, fn, arg);
	kfree(path);
}

void fdtable_init(struct fdtable *t)
{
	memset(t, 0, sizeof(*t));
}

void fdtable_release(struct fdtable *t)
{
	for (int fd = 0; fd < FDTABLE_MAX; fd++)
		if (t->fd[fd])
			vfs_close(t, fd);
}

static int free_fd(const struct fdtable *t)
{
	for (int fd = 0; fd < FDTABLE_MAX; fd++)
		if (!t->fd[fd])
			return fd;
	return -EMFILE;
}

static struct file *get_file(const struct fdtable *t, int fd)
{
	return fd >= 0 && fd < FDTABLE_MAX ? t->fd[fd] : NULL;
}

int vfs_open(struct fdtable *t, struct vnode *cwd, const char *path, int flags, uint32_t perm)
{
	int acc = flags & VFS_O_ACCMODE, fd = free_fd(t), r;
	struct vnode *n;
	struct file *f;

	if (fd < 0)
		return fd;
	if (acc != VFS_O_RDONLY && acc != VFS_O_WRONLY && acc != VFS_O_RDWR)
		return -EINVAL;
	r = vfs_lookup(cwd, path, !(flags & VFS_O_NOFOLLOW), &n);
	if (r == -ENOENT && (flags & VFS_O_CREAT))
		r = create(cwd, path, VFS_S_IFREG | (perm & VFS_S_PERM), &n);
	else if (r == 0 && (flags & VFS_O_CREAT) && (flags & VFS_O_EXCL))
		return -EEXIST;
	if (r < 0)
		return r;
	if (is_type(n, VFS_S_IFLNK))
		return -ELOOP;
	if ((flags & VFS_O_DIRECTORY) && !is_type(n, VFS_S_IFDIR))
		return -ENOTDIR;
	if (is_type(n, VFS_S_IFDIR) && acc != VFS_O_RDONLY)
		return -EISDIR;
	if ((flags & VFS_O_TRUNC) && acc != VFS_O_RDONLY && is_type(n, VFS_S_IFREG))
		ramfs_resize(n, 0);
	f = kmalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct file){ .node = n, .flags = flags, .refs = 1 };
	n->opens++;
	t->fd[fd] = f;
	return fd;
}

int vfs_close(struct fdtable *t, int fd)
{
	struct file *f = get_file(t, fd);

	if (!f)
		return -EBADF;
	t->fd[fd] = NULL;
	if (--f->refs == 0) {
		f->node->opens--;
		ramfs_put(f->node);
		kfree(f);
	}
	return 0;
}

int vfs_dup(struct fdtable *t, int fd)
{
	struct file *f = get_file(t, fd);
	int nfd = free_fd(t);

	if (!f)
		return -EBADF;
	if (nfd < 0)
		return nfd;
	f->refs++;
	t->fd[nfd] = f;
	return nfd;
}

long vfs_read(struct fdtable *t, int fd, void *buf, size_t n)
{
	struct file *f = get_file(t, fd);
	struct vnode *v;

	if (!f || (f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
		return -EBADF;
	v = f->node;
	if (is_type(v, VFS_S_IFCHR))
		return v->dev->read(buf, n);
	if (is_type(v, VFS_S_IFDIR))
		return -EISDIR;
	if (f->offset >= v->size)
		return 0;
	if (n > v->size - f->offset)
		n = v->size - f->offset;
	memcpy(buf, v->data + f->offset, n);
	f->offset += n;
	return (long)n;
}

long vfs_write(struct fdtable *t, int fd, const void *buf, size_t n)
{
	struct file *f = get_file(t, fd);
	struct vnode *v;
	int r;

	if (!f || (f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
		return -EBADF;
	v = f->node;
	if (is_type(v, VFS_S_IFCHR))
		return v->dev->write(buf, n);
	if (f->flags & VFS_O_APPEND)
		f->offset = v->size;
	if (f->offset + n > v->size) {
		r = ramfs_resize(v, f->offset + n);
		if (r < 0)
			return r;
	}
	memcpy(v->data + f->offset, buf, n);
	f->offset += n;
	return (long)n;
}

int64_t vfs_lseek(struct fdtable *t, int fd, int64_t offset, int whence)
{
	struct file *f = get_file(t, fd);
	int64_t base;

	if (!f)
		return -EBADF;
	if (is_type(f->node, VFS_S_IFCHR))
		return -ESPIPE;
	switch (whence) {
	case VFS_SEEK_SET:
		base = 0;
		break;
	case VFS_SEEK_CUR:
		base = (int64_t)f->offset;
		break;
	case VFS_SEEK_END:
		base = (int64_t)f->node->size;
		break;
	default:
		return -EINVAL;
	}
	if (offset < -base || offset > INT64_MAX - base)
		return -EINVAL;
	f->offset = (uint64_t)(base + offset);
	return (int64_t)f->offset;
}

int vfs_fstat(struct fdtable *t, int fd, struct vfs_stat *st)
{
	struct file *f = get_file(t, fd);

	if (!f)
		return -EBADF;
	fill_stat(f->node, st);
	return 0;
}

int vfs_readdir(struct fdtable *t, int fd, struct vfs_dirent *d)
{
	struct file *f = get_file(t, fd);
	struct vnode *c;
	uint64_t i = 0;

	if (!f)
		return -EBADF;
	if (!is_type(f->node, VFS_S_IFDIR))
		return -ENOTDIR;
	for (c = f->node->children; c && i < f->offset; c = c->next)
		i++;
	if (!c)
		return 0;
	d->mode = c->mode;
	memcpy(d->name, c->name, sizeof(d->name));
	f->offset++;
	return 1;
}
