/*
 * The mount table: memory filesystems (rootfs, ramfs, tmpfs, devtmpfs,
 * proc) and disk ones (ext2/ext3/ext4, fs/ext2_vfs.c) on directories,
 * mount(2) and umount2(2), /proc/mounts and mountinfo, and the boot's
 * mounts: /dev, /proc, /tmp and /dev/shm, then root= (the disk becomes /
 * and the initrd moves to /initrd) and mount=. A mount covers a directory
 * (vnode->mounted); fs/vfs.c's lookup crosses it.
 */
#include <flint/blockdev.h>
#include <flint/errno.h>
#include <flint/format.h>
#include <flint/heap.h>
#include <flint/page_alloc.h>
#include <flint/pagecache.h>
#include <flint/param.h>
#include <flint/printk.h>
#include <flint/string.h>

#include "fs.h"

/* statfs f_type values (Linux's include/uapi/linux/magic.h). */
#define RAMFS_MAGIC 0x858458f6u
#define TMPFS_MAGIC 0x01021994u
#define PROC_SUPER_MAGIC 0x9fa0u

#define MOUNT_DIR_PERM 0755
#define TMP_PERM 01777			/* /tmp and /dev/shm: sticky, everyone's */
#define PROC_PERM 0555
#define MOUNT_ARGS_MAX 8		/* mount= options */
#define MOUNT_PATH_MAX 64
#define MOUNT_WHY_MAX 160
#define ROOT_ID 1			/* Linux numbers mounts from 1 as well */
#define INITRD_DIR "/initrd"

static const struct vfs_fs_type rootfs_type = { .name = "rootfs", .magic = RAMFS_MAGIC };
static const struct vfs_fs_type ramfs_type = { .name = "ramfs", .magic = RAMFS_MAGIC };
static const struct vfs_fs_type tmpfs_type = { .name = "tmpfs", .magic = TMPFS_MAGIC };
static const struct vfs_fs_type devtmpfs_type = { .name = "devtmpfs", .magic = TMPFS_MAGIC };
static const struct vfs_fs_type proc_type = { .name = "proc", .magic = PROC_SUPER_MAGIC };

/* Names mount(2) accepts, with the type that serves each. */
static const struct {
	const char *name;
	const struct vfs_fs_type *type;
} fs_types[] = {
	{ "ramfs", &ramfs_type }, { "tmpfs", &tmpfs_type }, { "devtmpfs", &devtmpfs_type },
	{ "proc", &proc_type }, { "ext2", &ext2_fs_type }, { "ext3", &ext2_fs_type },
	{ "ext4", &ext2_fs_type },
};

static struct vfs_mount *mounts;
static int last_id;

/* The command line's root=, rootfstype=, ro, rw and mount=. */
static const char *root_disk, *root_type;
static bool root_ro, root_rw;
static const char *mount_args[MOUNT_ARGS_MAX];
static unsigned nmount_args, failures;

static int root_param(const char *v)
{
	root_disk = v;
	return v && *v ? 0 : -1;
}
KERNEL_PARAM("root", root_param);

static int rootfstype_param(const char *v)
{
	root_type = v;
	return v && *v ? 0 : -1;
}
KERNEL_PARAM("rootfstype", rootfstype_param);
KERNEL_FLAG("ro", root_ro);
KERNEL_FLAG("rw", root_rw);

static int mount_param(const char *v)
{
	if (!v || nmount_args == MOUNT_ARGS_MAX)
		return -1;
	mount_args[nmount_args++] = v;
	return 0;
}
KERNEL_PARAM("mount", mount_param);

static const struct vfs_fs_type *find_type(const char *name)
{
	for (size_t i = 0; i < sizeof(fs_types) / sizeof(fs_types[0]); i++)
		if (!strcmp(fs_types[i].name, name))
			return fs_types[i].type;
	return NULL;
}

/* A memory filesystem's root: everyone's (sticky) for tmpfs, read-only
 * for proc, as Linux makes them. */
static uint32_t root_perm(const struct vfs_fs_type *type)
{
	if (type == &tmpfs_type)
		return TMP_PERM;
	return type == &proc_type ? PROC_PERM : MOUNT_DIR_PERM;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A mount not yet in the table: a memory one gets an anonymous device
 * number (major 0, as Linux's), a disk one the disk's. */
static struct vfs_mount *mount_new(const struct vfs_fs_type *type, const char *source,
				   unsigned flags)
{
	struct vfs_mount *m = kzalloc(sizeof(*m));

	if (!m)
		return NULL;
	m->type = type;
	m->flags = flags & VFS_MS_FLAGS;
	m->id = ++last_id;
	m->dev = VFS_RDEV(0u, (unsigned)m->id);
	copy_str(m->source, sizeof(m->source), source);
	copy_str(m->fstype, sizeof(m->fstype), type->name);
	return m;
}

static void table_add(struct vfs_mount *m)
{
	struct vfs_mount **pp = &mounts;

	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
}

static void table_remove(struct vfs_mount *m)
{
	struct vfs_mount **pp = &mounts;

	while (*pp != m)
		pp = &(*pp)->next;
	*pp = m->next;
}

/* A new tree (vfs_init) starts a new table; the old one is dropped. */
struct vfs_mount *mount_rootfs(void)
{
	struct vfs_mount *m;

	mounts = NULL;
	last_id = 0;
	m = mount_new(&rootfs_type, "rootfs", 0);

	if (m)
		table_add(m);
	return m;
}

/* tmpfs's size=N with an optional k, m or g suffix; mode, uid and gid
 * are accepted and ignored (one user). */
static int memory_options(struct vfs_mount *m, const char *data)
{
	const char *p = data;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > 5 && !strncmp(p, "size=", 5)) {
			uint64_t v = 0;
			size_t i = 5;

			for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
				v = v * 10 + (uint64_t)(p[i] - '0');
			if (i + 1 == len && (p[i] == 'k' || p[i] == 'K'))
				v <<= 10;
			else if (i + 1 == len && (p[i] == 'm' || p[i] == 'M'))
				v <<= 20;
			else if (i + 1 == len && (p[i] == 'g' || p[i] == 'G'))
				v <<= 30;
			else if (i != len)
				return -EINVAL;
			m->size_limit = v;
		} else if (!(len > 5 && !strncmp(p, "mode=", 5)) &&
			   !(len > 4 && (!strncmp(p, "uid=", 4) || !strncmp(p, "gid=", 4)))) {
			return -EINVAL;
		}
		p = end ? end + 1 : NULL;
	}
	if (data)
		copy_str(m->opts, sizeof(m->opts), data);
	return 0;
}

/* A disk's node for a disk filesystem's source. */
static int source_disk(struct vnode *cwd, const char *source, struct blockdev **out)
{
	struct vnode *n;
	int r;

	if (!source || !*source)
		return -ENOTBLK;
	r = vfs_lookup_locked(cwd, source, true, &n);
	if (r < 0)
		return r;
	if ((n->mode & VFS_S_IFMT) != VFS_S_IFBLK || !n->dev_priv)
		return -ENOTBLK;
	if (vfs_node_nodev(n))
		return -EACCES;
	*out = n->dev_priv;
	return 0;
}

static bool disk_mounted(const struct blockdev *d)
{
	for (const struct vfs_mount *m = mounts; m; m = m->next)
		if (m->disk == d)
			return true;
	return false;
}

/* A new mount of type from source with flags and data, not attached. */
static int make_mount(struct vnode *cwd, const struct vfs_fs_type *type, const char *source,
		      unsigned flags, const char *data, struct vfs_mount **out)
{
	char why[MOUNT_WHY_MAX] = "";
	struct blockdev *disk = NULL;
	struct vfs_mount *m;
	int r;

	if (type->needs_disk) {
		r = source_disk(cwd, source, &disk);
		if (r < 0)
			return r;
		if (disk_mounted(disk))
			return -EBUSY;
		if (disk->read_only && !(flags & VFS_MS_RDONLY))
			return -EROFS;
	}
	m = mount_new(type, source && *source ? source : "none", flags);
	if (!m)
		return -ENOMEM;
	m->disk = disk;
	if (disk)
		m->dev = blkdev_rdev(disk);
	if (type->mount) {
		r = type->mount(m, data, why, sizeof(why));
	} else {
		r = memory_options(m, data);
		if (r == 0) {
			m->root = vfs_fs_node(m, VFS_S_IFDIR | root_perm(type), 0);
			r = m->root ? 0 : -ENOMEM;
		}
	}
	if (r < 0) {
		if (why[0])
			printk_line("mount: %s: %s", m->source, why);
		kfree(m);
		return r;
	}
	m->root->opens++;	/* the mount's own hold */
	*out = m;
	return 0;
}

static void attach(struct vfs_mount *m, struct vnode *on)
{
	m->covered = on;
	m->parent = on->mnt;
	on->mounted = m;
	on->opens++;
}

static void detach(struct vfs_mount *m)
{
	struct vnode *on = m->covered;

	on->mounted = NULL;
	m->covered = NULL;
	m->parent = NULL;
	on->opens--;
	vfs_node_put(on);
}

/* Whether anything holds a node of m's below dir: an open file, a
 * working directory, another mount. */
static bool busy_below(const struct vnode *dir)
{
	for (const struct ramfs_entry *e = dir->entries; e; e = e->next) {
		const struct vnode *n = e->node;

		if (n->opens || n->mounted)
			return true;
		if ((n->mode & VFS_S_IFMT) == VFS_S_IFDIR && busy_below(n))
			return true;
	}
	return false;
}

/* Forgets m's nodes, deepest first (a disk filesystem's are on the disk). */
static void drop_tree(struct vnode *dir)
{
	while (dir->entries) {
		struct ramfs_entry *e = dir->entries;

		if ((e->node->mode & VFS_S_IFMT) == VFS_S_IFDIR)
			drop_tree(e->node);
		ramfs_unlink(e);
	}
}

static void destroy(struct vfs_mount *m)
{
	drop_tree(m->root);
	if (m->type->ops && m->type->ops->unmount)
		m->type->ops->unmount(m);
	m->root->opens--;
	vfs_node_put(m->root);
	kfree(m);
}

static int remount(struct vnode *target, unsigned flags)
{
	struct vfs_mount *m = target->mnt;

	if (target != m->root)
		return -EINVAL;
	/* A disk filesystem mounted read-only was checked for that alone. */
	if (m->type->ops && (m->flags & VFS_MS_RDONLY) && !(flags & VFS_MS_RDONLY))
		return -EROFS;
	if (m->type->ops && !(m->flags & VFS_MS_RDONLY) && (flags & VFS_MS_RDONLY)) {
		pagecache_sync_all();
		m->type->ops->sync(m);
	}
	m->flags = flags & VFS_MS_FLAGS;
	return 0;
}

int vfs_mount(struct vnode *cwd, const char *source, const char *target, const char *fstype,
	      unsigned flags, const char *data)
{
	const struct vfs_fs_type *type;
	struct vfs_mount *m;
	struct vnode *on;
	int r;

	vfs_lock();
	r = vfs_lookup_locked(cwd, target, true, &on);
	if (r == 0 && (on->mode & VFS_S_IFMT) != VFS_S_IFDIR)
		r = -ENOTDIR;
	if (r < 0)
		goto out;
	if (flags & VFS_MS_REMOUNT) {
		r = remount(on, flags);
		goto out;
	}
	if (flags & (VFS_MS_BIND | VFS_MS_MOVE)) {
		r = -EINVAL;
		goto out;
	}
	type = fstype ? find_type(fstype) : NULL;
	if (!type) {
		r = -ENODEV;
		goto out;
	}
	/* "/" itself, or a removed directory; a mount's root takes another
	 * mount over it, as on Linux. */
	if (on == vfs_root() || (!on->names && on != on->mnt->root)) {
		r = -EBUSY;
		goto out;
	}
	r = make_mount(cwd, type, source, flags, data, &m);
	if (r == 0) {
		attach(m, on);
		table_add(m);
	}
out:
	vfs_unlock();
	return r;
}

int vfs_umount(struct vnode *cwd, const char *target, unsigned flags)
{
	struct vfs_mount *m;
	struct vnode *n;
	int r;

	if (flags & ~(VFS_MNT_FORCE | VFS_MNT_DETACH | VFS_MNT_EXPIRE | VFS_UMOUNT_NOFOLLOW) ||
	    ((flags & VFS_MNT_EXPIRE) && (flags & (VFS_MNT_FORCE | VFS_MNT_DETACH))))
		return -EINVAL;
	vfs_lock();
	r = vfs_lookup_locked(cwd, target, !(flags & VFS_UMOUNT_NOFOLLOW), &n);
	m = r == 0 ? n->mnt : NULL;
	if (r == 0 && (n != m->root || !m->covered))
		r = -EINVAL;
	/* The mount's own hold and, while the lookup runs, nothing else. */
	if (r == 0 && (m->root->opens > 1 || busy_below(m->root)))
		r = (flags & VFS_MNT_DETACH) ? 1 : -EBUSY;
	if (r >= 0) {
		detach(m);
		table_remove(m);
		/* A lazy unmount of a busy filesystem leaves it in memory,
		 * reachable only by what holds it; its disk is synced. */
		if (r == 0)
			destroy(m);
		else if (m->type->ops)
			m->type->ops->sync(m);
		r = 0;
	}
	vfs_unlock();
	return r;
}

/* The path at which m is mounted, from the root: the length. */
static size_t mount_point(const struct vfs_mount *m, char *buf, size_t size)
{
	int n = m->covered ? vfs_path_of_locked(m->covered, buf, size) : -ENOENT;

	if (n < 0)
		return (size_t)snprintf(buf, size, "%s", m->covered ? "?" : "/");
	return (size_t)n;
}

size_t vfs_mounts_text(char *buf, size_t size, bool mountinfo)
{
	char *point = kmalloc(VFS_PATH_MAX);
	size_t len = 0;

	if (!point)
		return 0;
	vfs_lock();
	for (const struct vfs_mount *m = mounts; m; m = m->next) {
		size_t at = len < size ? len : size;
		char flags[32];

		if (m != vfs_root()->mnt && !m->covered)
			continue;	/* the initrd when root= has nowhere to show it */
		mount_point(m, point, VFS_PATH_MAX);
		snprintf(flags, sizeof(flags), "%s%s%s%s", m->flags & VFS_MS_RDONLY ? "ro" : "rw",
			 m->flags & VFS_MS_NOSUID ? ",nosuid" : "",
			 m->flags & VFS_MS_NODEV ? ",nodev" : "",
			 m->flags & VFS_MS_NOEXEC ? ",noexec" : "");
		if (mountinfo)
			len += (size_t)snprintf(buf + at, size - at,
						"%d %d %u:%u / %s %s - %s %s %s\n", m->id,
						m->parent ? m->parent->id : m->id,
						(m->dev >> 8) & 0xfffu,
						(m->dev & 0xffu) | ((m->dev >> 12) & ~0xffu),
						point, flags, m->fstype, m->source,
						m->flags & VFS_MS_RDONLY ? "ro" : "rw");
		else
			len += (size_t)snprintf(buf + at, size - at, "%s %s %s %s%s%s 0 0\n",
						m->source, point, m->fstype, flags,
						m->opts[0] ? "," : "", m->opts);
	}
	vfs_unlock();
	kfree(point);
	return len;
}

uint32_t mount_statfs_flags(const struct vfs_mount *m)
{
	return (m->flags & VFS_MS_FLAGS) | VFS_ST_VALID;
}

struct usage {
	uint64_t nodes, pages;
};

/* A node with hard links counts once, at its first name. */
static void count_below(const struct vnode *dir, struct usage *u)
{
	for (const struct ramfs_entry *e = dir->entries; e; e = e->next) {
		const struct vnode *n = e->node;

		if (e != n->names)
			continue;
		u->nodes++;
		u->pages += (n->size + VFS_STATFS_BSIZE - 1) / VFS_STATFS_BSIZE;
		if ((n->mode & VFS_S_IFMT) == VFS_S_IFDIR)
			count_below(n, u);
	}
}

void mount_memory_statfs(struct vfs_mount *m, struct vfs_statfs *st)
{
	struct usage u = { .nodes = 1 };	/* the root */
	uint64_t free = page_free_count();

	count_below(m->root, &u);
	if (m->size_limit) {
		uint64_t limit = m->size_limit / VFS_STATFS_BSIZE;

		free = limit > u.pages ? limit - u.pages : 0;
	}
	st->blocks = u.pages + free;
	st->bfree = st->bavail = free;
	st->files = u.nodes + free;
	st->ffree = free;
}

/* The flusher's tick: what the disk filesystems hold dirty of their own
 * (fs/bcache.c) goes to their disks within a period. */
static void write_back_disks(void)
{
	vfs_lock();
	for (struct vfs_mount *m = mounts; m; m = m->next)
		if (m->type->ops && !(m->flags & VFS_MS_RDONLY))
			m->type->ops->tick(m);
	vfs_unlock();
}

int vfs_sync_all(void)
{
	int r = pagecache_sync_all();

	vfs_lock();
	for (struct vfs_mount *m = mounts; m; m = m->next)
		if (m->type->ops && m->type->ops->sync && !(m->flags & VFS_MS_RDONLY)) {
			int e = m->type->ops->sync(m);

			if (e && !r)
				r = e;
		}
	vfs_unlock();
	return r;
}

void vfs_shutdown(void)
{
	pagecache_sync_all();
	vfs_lock();
	for (struct vfs_mount *m = mounts; m; m = m->next)
		if (m->type->ops && m->type->ops->unmount && m->sb) {
			if (m->type->ops->sync && !(m->flags & VFS_MS_RDONLY))
				m->type->ops->sync(m);
			m->type->ops->unmount(m);
			m->sb = NULL;
		}
	vfs_unlock();
}

/* mkdir -p for a mount point of the boot's own; 0 when it is there. */
static int boot_dir(const char *path, uint32_t perm)
{
	int r = vfs_mkdir(NULL, path, perm);

	return r == -EEXIST ? 0 : r;
}

static void boot_mount(const char *source, const char *target, const char *type, uint32_t perm,
		       unsigned flags)
{
	int r = boot_dir(target, perm);

	if (r == 0)
		r = vfs_mount(NULL, source, target, type, flags, NULL);
	if (r < 0)
		printk_line("fs: cannot mount %s on %s (error %d)", type, target, -r);
}

void mount_boot_memory(void)
{
	pagecache_set_tick(write_back_disks);
	boot_mount("devtmpfs", "/dev", "devtmpfs", MOUNT_DIR_PERM, VFS_MS_NOSUID);
	boot_mount("proc", "/proc", "proc", PROC_PERM,
		   VFS_MS_NOSUID | VFS_MS_NODEV | VFS_MS_NOEXEC);
	boot_mount("tmpfs", "/tmp", "tmpfs", TMP_PERM, VFS_MS_NOSUID | VFS_MS_NODEV);
	boot_mount("tmpfs", "/dev/shm", "tmpfs", TMP_PERM, VFS_MS_NOSUID | VFS_MS_NODEV);
}

/* The disk's root replaces old (the boot's ramfs) as /: every mount on
 * old moves to the same path under it, and old to /initrd there; what has
 * no directory to go to is said and stays out of sight. */
static void switch_root(struct vfs_mount *old, struct vfs_mount *new)
{
	char *path = kmalloc(VFS_PATH_MAX);
	struct vnode *on;

	new->next = mounts;
	mounts = new;
	for (struct vfs_mount *m = new->next; m && path; m = m->next) {
		if (m->parent != old || vfs_path_of_locked(m->covered, path, VFS_PATH_MAX) < 0)
			continue;
		detach(m);
		if (vfs_lookup_from_locked(new->root, path, &on) == 0 &&
		    (on->mode & VFS_S_IFMT) == VFS_S_IFDIR && !on->mounted)
			attach(m, on);
		else
			printk_line("root: no directory %s on %s: its %s is not mounted", path,
				    new->source, m->type->name);
	}
	kfree(path);
	vfs_set_root(new->root);
	if (vfs_lookup_from_locked(new->root, INITRD_DIR, &on) == 0 &&
	    (on->mode & VFS_S_IFMT) == VFS_S_IFDIR && !on->mounted)
		attach(old, on);
	else
		printk_line("root: no directory %s on %s: the initrd is out of sight", INITRD_DIR,
			    new->source);
}

/* "/dev/vdX" or "vdX": the disk's node path in buf. */
static const char *disk_path(const char *name, char *buf, size_t size)
{
	if (!strncmp(name, "/dev/", 5))
		return name;
	snprintf(buf, size, "/dev/%s", name);
	return buf;
}

static void mount_root(void)
{
	const struct vfs_fs_type *type = find_type(root_type ? root_type : "ext2");
	unsigned flags = root_rw ? 0 : VFS_MS_RDONLY;
	char buf[MOUNT_PATH_MAX];
	struct vfs_mount *m;
	int r;

	if (!type || !type->needs_disk) {
		printk_line("root: rootfstype=%s is not a disk filesystem Flint has", root_type);
		failures++;
		return;
	}
	vfs_lock();
	r = make_mount(NULL, type, disk_path(root_disk, buf, sizeof(buf)), flags, NULL, &m);
	if (r == 0)
		switch_root(vfs_root()->mnt, m);
	vfs_unlock();
	if (r < 0) {
		printk_line("root: cannot mount %s (error %d)", root_disk, -r);
		failures++;
	} else
		printk_line("root: %s (%s, %s)", m->source, m->fstype, flags ? "ro" : "rw");
}

/* mount=DISK:DIR[:ro|:rw] */
static void mount_arg(const char *arg)
{
	char disk[MOUNT_PATH_MAX], dir[MOUNT_PATH_MAX], buf[MOUNT_PATH_MAX];
	const char *colon = strchr(arg, ':'), *opt;
	unsigned flags = 0;
	size_t dlen;
	int r;

	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(disk))
		goto bad;
	memcpy(disk, arg, (size_t)(colon - arg));
	disk[colon - arg] = '\0';
	opt = strchr(colon + 1, ':');
	dlen = opt ? (size_t)(opt - colon - 1) : strlen(colon + 1);
	if (!dlen || dlen >= sizeof(dir) || colon[1] != '/')
		goto bad;
	memcpy(dir, colon + 1, dlen);
	dir[dlen] = '\0';
	if (opt && !strcmp(opt, ":ro"))
		flags = VFS_MS_RDONLY;
	else if (opt && strcmp(opt, ":rw"))
		goto bad;
	r = vfs_mount(NULL, disk_path(disk, buf, sizeof(buf)), dir, "ext2", flags, NULL);
	if (r < 0) {
		printk_line("mount: cannot mount %s on %s (error %d)", disk, dir, -r);
		failures++;
	}
	return;
bad:
	printk_line("mount: '%s' is not DISK:DIR[:ro|:rw]", arg);
	failures++;
}

unsigned mount_boot_failures(void)
{
	return failures;
}

void mount_boot_disks(void)
{
	if (root_disk)
		mount_root();
	for (unsigned i = 0; i < nmount_args; i++)
		mount_arg(mount_args[i]);
}
