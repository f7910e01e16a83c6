/* ext2 writing of the classic block map (spec 3.5.13 i_block): making
 * holes into blocks with the indirect blocks on the way, cutting a map at
 * a file block, and over them the writes, truncation and attributes of
 * regular files. i_blocks counts 512-byte units of every block the inode
 * owns, indirect ones included. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2_int.h"

#define LARGE_FILE_SIZE (1ull << 31)	/* from here on a file needs large_file */

static int add_block(struct ext2_fs *fs, struct ext2_inode *raw)
{
	/* i_blocks_lo is all there is without huge_file */
	if (raw->i_blocks_lo > UINT32_MAX - EXT2_SECTORS(fs))
		return -EFBIG;
	raw->i_blocks_lo += EXT2_SECTORS(fs);
	return 0;
}

static void sub_block(struct ext2_fs *fs, struct ext2_inode *raw)
{
	raw->i_blocks_lo = raw->i_blocks_lo > EXT2_SECTORS(fs) ?
			   raw->i_blocks_lo - EXT2_SECTORS(fs) : 0;
}

/* The blocks the map can reach: 12 direct, then p, p^2 and p^3. */
static uint64_t map_blocks(const struct ext2_fs *fs)
{
	uint64_t p = fs->ptrs_per_block;

	return EXT2_NDIR_BLOCKS + p + p * p + p * p * p;
}

int ext2_link_block(struct ext2_fs *fs, struct ext2_inode *raw, uint64_t fblock, uint64_t dblk)
{
	uint64_t p = fs->ptrs_per_block, span = 1, parent = 0;
	uint32_t *cur, *next, *slot;
	unsigned levels;
	int r = 0;

	if (fblock < EXT2_NDIR_BLOCKS) {
		if (raw->i_block[fblock])
			return -EIO;
		r = add_block(fs, raw);
		if (!r)
			raw->i_block[fblock] = (uint32_t)dblk;
		return r;
	}
	fblock -= EXT2_NDIR_BLOCKS;
	for (levels = 1; levels <= EXT2_IND_LEVELS; levels++) {
		span *= p;
		if (fblock < span)
			break;
		fblock -= span;
	}
	if (levels > EXT2_IND_LEVELS)
		return -EFBIG;
	cur = kmalloc(fs->block_size);
	next = kmalloc(fs->block_size);
	if (!cur || !next) {
		kfree(cur);
		kfree(next);
		return -ENOMEM;
	}
	slot = &raw->i_block[EXT2_IND_BLOCK + levels - 1];
	for (unsigned below = levels; below && !r; below--) {
		uint64_t blk = *slot, idx;
		uint32_t *t;

		span /= p;
		idx = fblock / span;
		fblock %= span;
		if (!blk) {
			/* a new indirect block, written empty before it is linked */
			r = add_block(fs, raw);
			if (r)
				break;
			r = ext2_new_block(fs, dblk, &blk);
			if (r) {
				sub_block(fs, raw);
				break;
			}
			memset(next, 0, fs->block_size);
			r = ext2_write_block(fs, blk, next);
			if (r) {
				ext2_free_block(fs, blk);
				break;
			}
			*slot = (uint32_t)blk;
			if (parent)
				r = ext2_write_block(fs, parent, cur);
			if (r)
				break;
		} else if (!ext2_block_ok(fs, blk)) {
			r = -EIO;
		} else {
			r = ext2_read_block(fs, blk, next);
		}
		t = cur;
		cur = next;
		next = t;
		parent = blk;
		slot = &cur[idx];
	}
	if (!r && *slot)
		r = -EIO;	/* not a hole after all */
	if (!r)
		r = add_block(fs, raw);
	if (!r) {
		*slot = (uint32_t)dblk;
		r = ext2_write_block(fs, parent, cur);
	}
	kfree(cur);
	kfree(next);
	return r;
}

/* Frees blk and what it maps (depth 0: a data block), no longer linked. */
static int free_tree(struct ext2_fs *fs, struct ext2_inode *raw, uint64_t blk, unsigned depth)
{
	int r = 0;

	if (depth) {
		uint32_t *buf = kmalloc(fs->block_size);

		if (!buf)
			return -ENOMEM;
		r = ext2_read_block(fs, blk, buf);
		for (uint32_t i = 0; !r && i < fs->ptrs_per_block; i++)
			if (buf[i])
				r = free_tree(fs, raw, buf[i], depth - 1);
		kfree(buf);
	}
	if (!r)
		r = ext2_free_block(fs, blk);
	if (!r)
		sub_block(fs, raw);
	return r;
}

/* Cuts indirect block blk (mapping file blocks [base, base + span), depth
 * levels above the data, base < from < base + span) at from: the entries
 * from there on are cleared and the block written before what they
 * mapped is freed. */
static int cut(struct ext2_fs *fs, struct ext2_inode *raw, uint64_t blk, unsigned depth,
	       uint64_t base, uint64_t span, uint64_t from)
{
	uint64_t child = span / fs->ptrs_per_block;
	uint32_t *buf, *orig;
	bool changed = false;
	int r;

	if (!ext2_block_ok(fs, blk))
		return -EIO;
	buf = kmalloc(fs->block_size);
	orig = kmalloc(fs->block_size);
	if (!buf || !orig) {
		kfree(buf);
		kfree(orig);
		return -ENOMEM;
	}
	r = ext2_read_block(fs, blk, buf);
	if (!r)
		memcpy(orig, buf, fs->block_size);
	for (uint32_t i = 0; !r && i < fs->ptrs_per_block; i++) {
		uint64_t cbase = base + i * child;

		if (!buf[i])
			continue;
		if (cbase >= from) {
			buf[i] = 0;
			changed = true;
		} else if (cbase + child > from) {
			r = cut(fs, raw, buf[i], depth - 1, cbase, child, from);
		}
	}
	if (!r && changed)
		r = ext2_write_block(fs, blk, buf);
	for (uint32_t i = 0; !r && i < fs->ptrs_per_block; i++)
		if (orig[i] && !buf[i])
			r = free_tree(fs, raw, orig[i], depth - 1);
	kfree(buf);
	kfree(orig);
	return r;
}

int ext2_free_blocks_from(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw, uint64_t from)
{
	uint32_t orig[EXT2_N_BLOCKS];
	uint64_t base[EXT2_N_BLOCKS], span[EXT2_N_BLOCKS];
	unsigned depth[EXT2_N_BLOCKS];
	int r = 0;

	for (unsigned k = 0; k < EXT2_N_BLOCKS; k++) {
		depth[k] = k < EXT2_NDIR_BLOCKS ? 0 : k - EXT2_NDIR_BLOCKS + 1;
		base[k] = k <= EXT2_NDIR_BLOCKS ? k : base[k - 1] + span[k - 1];
		span[k] = k < EXT2_NDIR_BLOCKS ? 1 :
			  k == EXT2_NDIR_BLOCKS ? fs->ptrs_per_block : span[k - 1] * fs->ptrs_per_block;
	}
	memcpy(orig, raw->i_block, sizeof(orig));
	for (unsigned k = 0; k < EXT2_N_BLOCKS && !r; k++) {
		if (!raw->i_block[k] || base[k] + span[k] <= from)
			continue;
		if (base[k] >= from)
			raw->i_block[k] = 0;
		else
			r = cut(fs, raw, raw->i_block[k], depth[k], base[k], span[k], from);
	}
	/* the inode lets go of the blocks before they are freed */
	if (!r)
		r = ext2_inode_store(fs, ino, raw);
	for (unsigned k = 0; k < EXT2_N_BLOCKS && !r; k++)
		if (orig[k] && !raw->i_block[k])
			r = free_tree(fs, raw, orig[k], depth[k]);
	return r;
}

/* Extended attribute blocks are shared: the last inode frees it. */
static int put_xattr(struct ext2_fs *fs, struct ext2_inode *raw)
{
	uint64_t blk = raw->i_file_acl_lo;
	uint32_t *buf, refs;
	int r;

	if (!blk)
		return 0;
	buf = kmalloc(fs->block_size);
	if (!buf)
		return -ENOMEM;
	r = ext2_read_block(fs, blk, buf);
	if (!r && buf[0] != EXT2_XATTR_MAGIC)
		r = -EIO;
	refs = r ? 0 : buf[EXT2_XATTR_REFCOUNT_OFF / 4];
	if (!r && refs > 1) {
		buf[EXT2_XATTR_REFCOUNT_OFF / 4] = refs - 1;
		r = ext2_write_block(fs, blk, buf);
	} else if (!r) {
		r = ext2_free_block(fs, blk);
	}
	kfree(buf);
	if (!r) {
		raw->i_file_acl_lo = 0;
		sub_block(fs, raw);
	}
	return r;
}

int ext2_drop_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw)
{
	uint32_t type = raw->i_mode & EXT2_S_IFMT;
	int r = 0;

	raw->i_dtime = fs->now;
	if (type == EXT2_S_IFREG || type == EXT2_S_IFDIR ||
	    (type == EXT2_S_IFLNK && !ext2_fast_symlink(fs, raw)))
		r = ext2_free_blocks_from(fs, ino, raw, 0);
	if (!r)
		r = put_xattr(fs, raw);
	if (r)
		return r;
	raw->i_size_lo = 0;
	raw->i_size_high = 0;
	r = ext2_inode_store(fs, ino, raw);
	return r ? r : ext2_free_inode(fs, ino, type == EXT2_S_IFDIR);
}

static int load_reg(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw)
{
	int r;

	if (!fs->rw)
		return -EROFS;
	r = ext2_inode_load(fs, ino, raw);
	if (r)
		return r;
	switch (raw->i_mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG:
		return 0;
	case EXT2_S_IFDIR:
		return -EISDIR;
	default:
		return -EINVAL;
	}
}

/* Zeros the bytes of size's block past size: what a file grown later
 * must read there. */
static int zero_tail(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t size)
{
	uint32_t boff = (uint32_t)(size & (fs->block_size - 1));
	uint64_t dblk, run;
	unsigned char *buf;
	int r;

	if (!boff)
		return 0;
	r = ext2_map(fs, raw, size >> fs->log_block, &dblk, &run);
	if (r || !dblk)
		return r;
	buf = kmalloc(fs->block_size);
	if (!buf)
		return -ENOMEM;
	r = ext2_read_block(fs, dblk, buf);
	if (!r) {
		memset(buf + boff, 0, fs->block_size - boff);
		r = ext2_write_block(fs, dblk, buf);
	}
	kfree(buf);
	return r;
}

static void set_size(struct ext2_fs *fs, struct ext2_inode *raw, uint64_t size)
{
	raw->i_size_lo = (uint32_t)size;
	raw->i_size_high = (uint32_t)(size >> 32);
	if (size >= LARGE_FILE_SIZE && !(fs->ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
		fs->ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
		fs->sb->s_feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
		fs->sb_dirty = true;
	}
}

/* Writes one block's part of a write: into the block there, or a new one
 * linked where the hole was. *goal: where to look for the next block. */
static int write_block_part(struct ext2_fs *fs, struct ext2_inode *raw, uint64_t fblock,
			    uint32_t boff, const unsigned char *src, uint32_t n,
			    unsigned char *buf, uint64_t *goal)
{
	uint64_t dblk, run;
	int r = ext2_map(fs, raw, fblock, &dblk, &run);

	if (r)
		return r;
	if (dblk && n < fs->block_size)
		r = ext2_read_block(fs, dblk, buf);
	else if (!dblk)
		memset(buf, 0, fs->block_size);
	if (r)
		return r;
	memcpy(buf + boff, src, n);
	if (dblk) {
		*goal = dblk + 1;
		return ext2_write_block(fs, dblk, buf);
	}
	r = ext2_new_block(fs, *goal, &dblk);
	if (r)
		return r;
	r = ext2_write_block(fs, dblk, buf);
	if (!r)
		r = ext2_link_block(fs, raw, fblock, dblk);
	if (r) {
		ext2_free_block(fs, dblk);
		return r;
	}
	*goal = dblk + 1;
	return 0;
}

long ext2_write(struct ext2_fs *fs, uint32_t ino, uint64_t off, const void *src, size_t len,
		uint32_t now)
{
	uint64_t max = map_blocks(fs) << fs->log_block, size, goal, dblk, run;
	const unsigned char *in = src;
	struct ext2_inode raw;
	unsigned char *buf;
	size_t done = 0;
	int r = load_reg(fs, ino, &raw);

	if (r)
		return r;
	if (!len)
		return 0;
	if (off >= max)
		return -EFBIG;
	if (len > max - off)
		len = (size_t)(max - off);
	if (len > (size_t)__LONG_MAX__)
		len = (size_t)__LONG_MAX__;
	fs->now = now;
	size = ext2_inode_size(fs, &raw);
	buf = kmalloc(fs->block_size);
	if (!buf)
		return -ENOMEM;
	if (off > size)
		r = zero_tail(fs, &raw, size);
	goal = ext2_group_first_block(fs, (ino - 1) / fs->inodes_per_group);
	if (!r && (off >> fs->log_block) &&
	    !ext2_map(fs, &raw, (off >> fs->log_block) - 1, &dblk, &run) && dblk)
		goal = dblk + 1;
	while (!r && done < len) {
		uint64_t pos = off + done;
		uint32_t boff = (uint32_t)(pos & (fs->block_size - 1));
		uint32_t n = fs->block_size - boff;

		if (n > len - done)
			n = (uint32_t)(len - done);
		r = write_block_part(fs, &raw, pos >> fs->log_block, boff, in + done, n, buf, &goal);
		if (!r)
			done += n;
	}
	kfree(buf);
	if (!done) {
		/* indirect blocks a failed link did add stay, counted */
		ext2_inode_store(fs, ino, &raw);
		ext2_flush_super(fs);
		return r;
	}
	if (off + done > size)
		set_size(fs, &raw, off + done);
	raw.i_mtime = raw.i_ctime = now;
	r = ext2_inode_store(fs, ino, &raw);
	if (!r)
		r = ext2_flush_super(fs);
	return r ? r : (long)done;
}

int ext2_truncate(struct ext2_fs *fs, uint32_t ino, uint64_t size, uint32_t now)
{
	struct ext2_inode raw;
	uint64_t old;
	int r = load_reg(fs, ino, &raw);

	if (r)
		return r;
	if (size > map_blocks(fs) << fs->log_block)
		return -EFBIG;
	fs->now = now;
	old = ext2_inode_size(fs, &raw);
	r = zero_tail(fs, &raw, size < old ? size : old);
	if (!r && size < old)
		r = ext2_free_blocks_from(fs, ino, &raw,
					  (size + fs->block_size - 1) >> fs->log_block);
	if (r) {
		/* the map as cut so far, holes where blocks went */
		ext2_inode_store(fs, ino, &raw);
		ext2_flush_super(fs);
		return r;
	}
	set_size(fs, &raw, size);
	raw.i_mtime = raw.i_ctime = now;
	r = ext2_inode_store(fs, ino, &raw);
	return r ? r : ext2_flush_super(fs);
}

int ext2_setattr(struct ext2_fs *fs, uint32_t ino, const struct ext2_setattr *sa)
{
	struct ext2_inode raw;
	int r;

	if (!fs->rw)
		return -EROFS;
	r = ext2_inode_load(fs, ino, &raw);
	if (r)
		return r;
	if (sa->valid & EXT2_ATTR_MODE)
		raw.i_mode = (uint16_t)((raw.i_mode & EXT2_S_IFMT) | (sa->mode & 07777));
	if (sa->valid & EXT2_ATTR_UID) {
		raw.i_uid = (uint16_t)sa->uid;
		raw.i_uid_high = (uint16_t)(sa->uid >> 16);
	}
	if (sa->valid & EXT2_ATTR_GID) {
		raw.i_gid = (uint16_t)sa->gid;
		raw.i_gid_high = (uint16_t)(sa->gid >> 16);
	}
	if (sa->valid & EXT2_ATTR_ATIME)
		raw.i_atime = sa->atime;
	if (sa->valid & EXT2_ATTR_MTIME)
		raw.i_mtime = sa->mtime;
	if (sa->valid & EXT2_ATTR_CTIME)
		raw.i_ctime = sa->ctime;
	return ext2_inode_store(fs, ino, &raw);
}
