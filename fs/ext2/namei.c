/* ext2 names: create, mkdir, symlink, link, unlink, rmdir, rename and
 * evict over dir.c's records and the allocators. Link counts follow
 * POSIX: a directory has 2 plus one per subdirectory (their ".."). An
 * inode is freed only by ext2_evict, when the caller holds it no more. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2_int.h"

static bool is_dot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* A name a caller may give: 1 to 255 bytes, no '/' or NUL. */
static int check_name(const char *name, size_t len)
{
	if (!len)
		return -ENOENT;
	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || !name[i])
			return -EINVAL;
	return 0;
}

/* A directory to change: none on a read-only mount. */
static int load_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *raw)
{
	return fs->rw ? ext2_dir_load(fs, dir, raw) : -EROFS;
}

static bool is_dir(const struct ext2_inode *raw)
{
	return (raw->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
}

/* The end of every change: the superblock's counts. */
static int done(struct ext2_fs *fs, int r)
{
	int s = ext2_flush_super(fs);

	return r ? r : s;
}

/* Checks dir and name for a new entry: dir loaded, the name free. */
static int prepare_new(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		       struct ext2_inode *draw)
{
	uint32_t found;
	int r = check_name(name, len);

	if (r)
		return r;
	r = load_dir(fs, dir, draw);
	if (r)
		return r;
	if (!draw->i_links_count)
		return -ENOENT;	/* removed, still open */
	if (is_dot(name, len))
		return -EEXIST;
	if (fs->names_known)
		return 0;
	r = ext2_lookup(fs, dir, name, len, &found);
	return r == -ENOENT ? 0 : r ? r : -EEXIST;
}

/* Frees a new inode again after a failure: the caller's error stays. */
static void undo_new(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw)
{
	raw->i_links_count = 0;
	ext2_drop_inode(fs, ino, raw);
}

/* A new inode of mode (type included) named name in dir, with size and
 * i_block set by init (which may take blocks) before it is named. */
static int new_inode(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		     uint32_t mode, const struct ext2_new_attr *a, uint32_t *out,
		     int (*init)(struct ext2_fs *fs, uint32_t dir, uint32_t ino,
				 struct ext2_inode *raw, const void *arg),
		     const void *arg)
{
	struct ext2_inode draw, raw;
	bool dir_new = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
	uint32_t ino;
	int r = prepare_new(fs, dir, name, len, &draw);

	if (r)
		return r;
	if (dir_new && draw.i_links_count >= EXT2_LINK_MAX)
		return -EMLINK;
	fs->now = a->time;
	r = ext2_new_inode(fs, dir, dir_new, &ino);
	if (r)
		return done(fs, r);
	memset(&raw, 0, sizeof(raw));
	raw.i_mode = (uint16_t)mode;
	raw.i_uid = (uint16_t)a->uid;
	raw.i_uid_high = (uint16_t)(a->uid >> 16);
	raw.i_gid = (uint16_t)a->gid;
	raw.i_gid_high = (uint16_t)(a->gid >> 16);
	raw.i_atime = raw.i_mtime = raw.i_ctime = a->time;
	raw.i_links_count = dir_new ? 2 : 1;
	r = ext2_inode_init(fs, ino, &raw);
	if (!r && init)
		r = init(fs, dir, ino, &raw, arg);
	if (!r)
		r = ext2_inode_store(fs, ino, &raw);
	if (!r)
		r = ext2_dir_add(fs, &draw, dir, name, len, ino, ext2_mode_type(mode));
	if (r) {
		undo_new(fs, ino, &raw);
		return done(fs, r);
	}
	if (dir_new)
		draw.i_links_count++;
	r = ext2_inode_store(fs, dir, &draw);
	if (!r)
		*out = ino;
	return done(fs, r);
}

int ext2_create(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		const struct ext2_new_attr *a, uint32_t *ino)
{
	return new_inode(fs, dir, name, len, EXT2_S_IFREG | (a->mode & 07777), a, ino, NULL, NULL);
}

/* A new inode's block 0, near its group, holding buf. */
static int first_block(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw,
		       const void *buf)
{
	uint64_t blk;
	int r = ext2_new_block(fs, ext2_group_first_block(fs, (ino - 1) / fs->inodes_per_group),
			       &blk);

	if (r)
		return r;
	r = ext2_write_block(fs, blk, buf);
	if (!r)
		r = ext2_link_block(fs, raw, 0, blk);
	if (r)
		ext2_free_block(fs, blk);
	return r;
}

/* A directory's first block: "." and "..", the second filling it. */
static int init_dir(struct ext2_fs *fs, uint32_t dir, uint32_t ino, struct ext2_inode *raw,
		    const void *arg)
{
	unsigned char *buf = kzalloc(fs->block_size);
	struct ext2_dir_entry *dot = (void *)buf, *dotdot;
	bool ft = fs->incompat & EXT2_INCOMPAT_FILETYPE;
	int r;

	(void)arg;
	if (!buf)
		return -ENOMEM;
	dot->inode = ino;
	dot->rec_len = EXT2_DIR_REC_MIN;
	dot->name_len = 1;
	dot->file_type = ft ? EXT2_FT_DIR : 0;
	dot->name[0] = '.';
	dotdot = (void *)(buf + EXT2_DIR_REC_MIN);
	dotdot->inode = dir;
	dotdot->rec_len = (uint16_t)(fs->block_size - EXT2_DIR_REC_MIN);
	dotdot->name_len = 2;
	dotdot->file_type = ft ? EXT2_FT_DIR : 0;
	dotdot->name[0] = dotdot->name[1] = '.';
	r = first_block(fs, ino, raw, buf);
	kfree(buf);
	if (!r)
		raw->i_size_lo = fs->block_size;
	return r;
}

int ext2_mkdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
	       const struct ext2_new_attr *a, uint32_t *ino)
{
	return new_inode(fs, dir, name, len, EXT2_S_IFDIR | (a->mode & 07777), a, ino, init_dir,
			 NULL);
}

struct target {
	const char *s;
	size_t len;
};

/* A symlink's target: in i_block when it fits with room for a NUL, as
 * Linux makes them, else in a block of its own. */
static int init_symlink(struct ext2_fs *fs, uint32_t dir, uint32_t ino, struct ext2_inode *raw,
			const void *arg)
{
	const struct target *t = arg;
	unsigned char *buf;
	int r;

	(void)dir;
	raw->i_size_lo = (uint32_t)t->len;
	if (t->len < EXT2_I_BLOCK_BYTES) {
		memcpy(raw->i_block, t->s, t->len);
		return 0;
	}
	buf = kzalloc(fs->block_size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, t->s, t->len);
	r = first_block(fs, ino, raw, buf);
	kfree(buf);
	return r;
}

int ext2_symlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
		 const char *target, size_t tlen, const struct ext2_new_attr *a, uint32_t *ino)
{
	struct target t = { target, tlen };

	if (!tlen)
		return -ENOENT;
	if (tlen >= fs->block_size || tlen >= EXT2_SYMLINK_MAX)
		return -ENAMETOOLONG;
	return new_inode(fs, dir, name, len, EXT2_S_IFLNK | 0777, a, ino, init_symlink, &t);
}

int ext2_link(struct ext2_fs *fs, uint32_t ino, uint32_t dir, const char *name, size_t len,
	      uint32_t now)
{
	struct ext2_inode draw, raw;
	int r = prepare_new(fs, dir, name, len, &draw);

	if (!r)
		r = ext2_inode_load(fs, ino, &raw);
	if (r)
		return r;
	if (is_dir(&raw))
		return -EPERM;
	if (raw.i_links_count >= EXT2_LINK_MAX)
		return -EMLINK;
	if (!raw.i_links_count)
		return -ENOENT;
	fs->now = now;
	/* the count first: a crash leaves one link too many, never too few */
	raw.i_links_count++;
	raw.i_ctime = now;
	r = ext2_inode_store(fs, ino, &raw);
	if (!r)
		r = ext2_dir_add(fs, &draw, dir, name, len, ino, ext2_mode_type(raw.i_mode));
	if (r) {
		raw.i_links_count--;
		ext2_inode_store(fs, ino, &raw);
		return done(fs, r);
	}
	return done(fs, ext2_inode_store(fs, dir, &draw));
}

/* Drops the entry name (inode ino, raw) from dir (draw) and one link. */
static int drop_name(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *draw, const char *name,
		     size_t len, uint32_t ino, struct ext2_inode *raw, uint32_t *gone)
{
	int r = ext2_dir_remove(fs, draw, name, len);

	if (r)
		return r;
	if (is_dir(raw)) {
		raw->i_links_count = 0;	/* its own "." and its name */
		if (draw->i_links_count > 2)
			draw->i_links_count--;	/* its ".." */
	} else if (raw->i_links_count) {
		raw->i_links_count--;
	}
	raw->i_ctime = fs->now;
	r = ext2_inode_store(fs, dir, draw);
	if (!r)
		r = ext2_inode_store(fs, ino, raw);
	if (!r && !raw->i_links_count)
		*gone = ino;
	return r;
}

static int remove_name(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t now,
		  uint32_t *gone, bool want_dir)
{
	struct ext2_inode draw, raw;
	uint32_t ino;
	int r = check_name(name, len);

	*gone = 0;
	if (r)
		return r;
	r = load_dir(fs, dir, &draw);
	if (r)
		return r;
	if (is_dot(name, len))
		return want_dir ? (len == 1 ? -EINVAL : -ENOTEMPTY) : -EISDIR;
	r = ext2_lookup(fs, dir, name, len, &ino);
	if (!r)
		r = ext2_inode_load(fs, ino, &raw);
	if (r)
		return r;
	if (want_dir && !is_dir(&raw))
		return -ENOTDIR;
	if (!want_dir && is_dir(&raw))
		return -EISDIR;
	if (want_dir) {
		r = ext2_dir_empty(fs, &raw);
		if (r)
			return r;
	}
	fs->now = now;
	return done(fs, drop_name(fs, dir, &draw, name, len, ino, &raw, gone));
}

int ext2_unlink(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t now,
		uint32_t *gone)
{
	return remove_name(fs, dir, name, len, now, gone, false);
}

int ext2_rmdir(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t now,
	       uint32_t *gone)
{
	return remove_name(fs, dir, name, len, now, gone, true);
}

/* Whether directory anc is dir or one of its ancestors: the walk up the
 * ".." entries is bounded by the inode count. */
static int is_ancestor(struct ext2_fs *fs, uint32_t anc, uint32_t dir)
{
	for (uint32_t steps = 0; steps < fs->inodes_count; steps++) {
		uint32_t up;
		int r;

		if (dir == anc)
			return 1;
		if (dir == EXT2_ROOT_INO)
			return 0;
		r = ext2_lookup(fs, dir, "..", 2, &up);
		if (r)
			return r;
		dir = up;
	}
	return -EIO;	/* a loop of ".." */
}

int ext2_rename(struct ext2_fs *fs, uint32_t olddir, const char *oldname, size_t oldlen,
		uint32_t newdir, const char *newname, size_t newlen, uint32_t now, uint32_t *gone)
{
	struct ext2_inode odraw, ndraw, raw, traw;
	struct ext2_inode *nd = olddir == newdir ? &odraw : &ndraw;
	uint32_t ino, target = 0;
	bool moved_dir;
	int r;

	*gone = 0;
	r = check_name(oldname, oldlen);
	if (!r)
		r = check_name(newname, newlen);
	if (!r)
		r = load_dir(fs, olddir, &odraw);
	if (!r && nd != &odraw)
		r = load_dir(fs, newdir, nd);
	if (r)
		return r;
	if (is_dot(oldname, oldlen) || is_dot(newname, newlen))
		return -EBUSY;
	r = ext2_lookup(fs, olddir, oldname, oldlen, &ino);
	if (!r)
		r = ext2_inode_load(fs, ino, &raw);
	if (r)
		return r;
	moved_dir = is_dir(&raw);
	r = ext2_lookup(fs, newdir, newname, newlen, &target);
	if (r == -ENOENT)
		target = 0;
	else if (r)
		return r;
	if (target == ino)
		return 0;	/* two names of one inode: nothing to do */
	if (moved_dir && olddir != newdir) {
		r = is_ancestor(fs, ino, newdir);
		if (r)
			return r < 0 ? r : -EINVAL;
		if (!target && nd->i_links_count >= EXT2_LINK_MAX)
			return -EMLINK;
	}
	if (target) {
		r = ext2_inode_load(fs, target, &traw);
		if (r)
			return r;
		if (moved_dir && !is_dir(&traw))
			return -ENOTDIR;
		if (!moved_dir && is_dir(&traw))
			return -EISDIR;
		if (is_dir(&traw)) {
			r = ext2_dir_empty(fs, &traw);
			if (r)
				return r;
		}
	}
	if (!nd->i_links_count)
		return -ENOENT;
	fs->now = now;
	/* the new name first: a crash leaves two names, never none */
	if (target)
		r = ext2_dir_set(fs, nd, newname, newlen, ino, ext2_mode_type(raw.i_mode));
	else
		r = ext2_dir_add(fs, nd, newdir, newname, newlen, ino, ext2_mode_type(raw.i_mode));
	if (!r && nd != &odraw)
		r = ext2_inode_store(fs, newdir, nd);
	if (r)
		return done(fs, r);
	if (target) {
		/* the replaced inode loses this name; a directory its "." too,
		 * and newdir the ".." it had */
		if (is_dir(&traw)) {
			traw.i_links_count = 0;
			if (nd->i_links_count > 2)
				nd->i_links_count--;
		} else if (traw.i_links_count) {
			traw.i_links_count--;
		}
		traw.i_ctime = now;
		r = ext2_inode_store(fs, target, &traw);
		if (!r && !traw.i_links_count)
			*gone = target;
	}
	if (!r)
		r = ext2_dir_remove(fs, &odraw, oldname, oldlen);
	if (!r && moved_dir && olddir != newdir) {
		r = ext2_dir_set(fs, &raw, "..", 2, newdir, EXT2_FT_DIR);
		if (odraw.i_links_count > 2)
			odraw.i_links_count--;
		nd->i_links_count++;
	}
	raw.i_ctime = now;
	if (!r)
		r = ext2_inode_store(fs, ino, &raw);
	if (!r)
		r = ext2_inode_store(fs, olddir, &odraw);
	if (!r && nd != &odraw)
		r = ext2_inode_store(fs, newdir, nd);
	return done(fs, r);
}

int ext2_evict(struct ext2_fs *fs, uint32_t ino, uint32_t now)
{
	struct ext2_inode raw;
	int r;

	if (!fs->rw)
		return -EROFS;
	r = ext2_inode_load(fs, ino, &raw);
	if (r)
		return r;
	if (raw.i_links_count)
		return -EBUSY;
	if (ino < fs->first_ino)
		return -EINVAL;
	fs->now = now;
	return done(fs, ext2_drop_inode(fs, ino, &raw));
}
