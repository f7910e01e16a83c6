/* ext2/ext4 inodes: reading them from the inode tables, the classic
 * block map (12 direct blocks, then 1-, 2- and 3-indirect blocks), and
 * the reads of files and symlinks over it (extent.c maps extent files). */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2_int.h"

static uint64_t inode_off(const struct ext2_fs *fs, uint32_t ino)
{
	uint32_t g = (ino - 1) / fs->inodes_per_group, idx = (ino - 1) % fs->inodes_per_group;

	/* load_groups checked that the whole table lies inside the filesystem */
	return (fs->itable[g] << fs->log_block) + (uint64_t)idx * fs->inode_size;
}

int ext2_inode_load(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw)
{
	int r;

	if (ino == 0 || ino > fs->inodes_count)
		return -EINVAL;
	if ((ino - 1) % fs->inodes_per_group >= fs->iused[(ino - 1) / fs->inodes_per_group])
		return -ENOENT;
	r = ext2_dev_read(fs, inode_off(fs, ino), raw, sizeof(*raw));
	if (r)
		return r;
	if (raw->i_mode == 0)
		return -ENOENT;
	switch (raw->i_mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG: case EXT2_S_IFDIR: case EXT2_S_IFLNK: case EXT2_S_IFCHR:
	case EXT2_S_IFBLK: case EXT2_S_IFIFO: case EXT2_S_IFSOCK:
		return 0;
	default:
		return -EIO;
	}
}

int ext2_inode_store(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *raw)
{
	if (ino == 0 || ino > fs->inodes_count)
		return -EIO;
	return ext2_dev_write(fs, inode_off(fs, ino), raw, sizeof(*raw));
}

int ext2_inode_init(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *raw)
{
	unsigned char *buf;
	int r;

	if (ino == 0 || ino > fs->inodes_count)
		return -EIO;
	buf = kzalloc(fs->inode_size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, raw, sizeof(*raw));
	if (fs->extra_isize)
		memcpy(buf + EXT2_INODE_EXTRA_ISIZE_OFF, &fs->extra_isize, sizeof(fs->extra_isize));
	r = ext2_dev_write(fs, inode_off(fs, ino), buf, fs->inode_size);
	kfree(buf);
	return r;
}

/* A fast symlink keeps its target in i_block and owns no block but
 * perhaps an extended attribute block. */
bool ext2_fast_symlink(const struct ext2_fs *fs, const struct ext2_inode *raw)
{
	uint64_t sectors = raw->i_blocks_lo, ea_sectors = 0;

	if ((raw->i_mode & EXT2_S_IFMT) != EXT2_S_IFLNK || (raw->i_flags & EXT4_EXTENTS_FL))
		return false;
	if (fs->ro_compat & EXT2_RO_COMPAT_HUGE_FILE)
		sectors |= (uint64_t)raw->i_blocks_high << 32;
	if (raw->i_file_acl_lo || raw->i_file_acl_high)
		ea_sectors = (uint64_t)fs->cluster_ratio << (fs->log_block - 9);
	return sectors == ea_sectors;
}

uint64_t ext2_inode_size(const struct ext2_fs *fs, const struct ext2_inode *raw)
{
	uint32_t type = raw->i_mode & EXT2_S_IFMT;
	uint64_t size = raw->i_size_lo;

	/* i_size_high is i_dir_acl for directories unless large_dir */
	if (type == EXT2_S_IFREG ||
	    (type == EXT2_S_IFDIR && (fs->incompat & EXT2_INCOMPAT_LARGEDIR)))
		size |= (uint64_t)raw->i_size_high << 32;
	return size;
}

/* The run of entries starting at ptrs[i] (of n) that continue alike:
 * zeros (holes), or consecutive block numbers. */
static uint64_t ptr_run(const uint32_t *ptrs, uint32_t i, uint32_t n)
{
	uint32_t j = i + 1;

	if (!ptrs[i]) {
		while (j < n && !ptrs[j])
			j++;
	} else {
		while (j < n && ptrs[j] == ptrs[j - 1] + 1 && ptrs[j])
			j++;
	}
	return j - i;
}

static int leaf_ptr(struct ext2_fs *fs, const uint32_t *ptrs, uint32_t i, uint32_t n,
		    uint64_t *dblock, uint64_t *run)
{
	*dblock = ptrs[i];
	*run = ptr_run(ptrs, i, n);
	if (*dblock && (!ext2_block_ok(fs, *dblock) || *run > fs->blocks_count - *dblock))
		return -EIO;
	return 0;
}

static int indirect_map(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t fblock,
			uint64_t *dblock, uint64_t *run)
{
	uint64_t p = fs->ptrs_per_block, span = 1, blk;
	unsigned levels;

	if (fblock < EXT2_NDIR_BLOCKS)
		return leaf_ptr(fs, raw->i_block, (uint32_t)fblock, EXT2_NDIR_BLOCKS, dblock, run);
	fblock -= EXT2_NDIR_BLOCKS;
	for (levels = 1; levels <= EXT2_IND_LEVELS; levels++) {
		span *= p;	/* the blocks a chain of this many levels maps */
		if (fblock < span)
			break;
		fblock -= span;
	}
	if (levels > EXT2_IND_LEVELS)
		return -EIO;	/* past what the block map can hold */
	blk = raw->i_block[EXT2_IND_BLOCK + levels - 1];
	for (unsigned below = levels; ; below--) {
		uint64_t idx;
		int r;

		/* blk maps span blocks; fblock is the offset among them */
		if (!blk) {
			*dblock = 0;
			*run = span - fblock;
			return 0;
		}
		if (!ext2_block_ok(fs, blk))
			return -EIO;
		if (fs->ind_blk[below - 1] != blk) {
			fs->ind_blk[below - 1] = 0;
			r = ext2_read_block(fs, blk, fs->ind_buf[below - 1]);
			if (r)
				return r;
			fs->ind_blk[below - 1] = blk;
		}
		span /= p;
		idx = fblock / span;
		fblock %= span;
		if (below == 1)
			return leaf_ptr(fs, fs->ind_buf[0], (uint32_t)idx, (uint32_t)p, dblock, run);
		blk = fs->ind_buf[below - 1][idx];
	}
}

int ext2_map(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t fblock,
	     uint64_t *dblock, uint64_t *run)
{
	if (raw->i_flags & EXT4_INLINE_DATA_FL)
		return -EOPNOTSUPP;
	if (raw->i_flags & EXT4_EXTENTS_FL) {
		if (!(fs->incompat & EXT2_INCOMPAT_EXTENTS))
			return -EIO;
		return ext4_extent_map(fs, raw, fblock, dblock, run);
	}
	return indirect_map(fs, raw, fblock, dblock, run);
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode_info *out)
{
	struct ext2_inode raw;
	uint32_t type;
	int r = ext2_inode_load(fs, ino, &raw);

	if (r)
		return r;
	type = raw.i_mode & EXT2_S_IFMT;
	memset(out, 0, sizeof(*out));
	out->ino = ino;
	out->mode = raw.i_mode;
	out->uid = raw.i_uid | (uint32_t)raw.i_uid_high << 16;
	out->gid = raw.i_gid | (uint32_t)raw.i_gid_high << 16;
	out->links = raw.i_links_count;
	out->atime = raw.i_atime;
	out->mtime = raw.i_mtime;
	out->ctime = raw.i_ctime;
	out->flags = raw.i_flags;
	out->size = ext2_inode_size(fs, &raw);
	out->blocks = raw.i_blocks_lo;
	if (fs->ro_compat & EXT2_RO_COMPAT_HUGE_FILE) {
		out->blocks |= (uint64_t)raw.i_blocks_high << 32;
		if (raw.i_flags & EXT4_HUGE_FILE_FL)
			out->blocks <<= fs->log_block - 9;
	}
	if (type == EXT2_S_IFCHR || type == EXT2_S_IFBLK)
		out->rdev = raw.i_block[0] ? raw.i_block[0] : raw.i_block[1];
	return 0;
}

long ext2_read(struct ext2_fs *fs, uint32_t ino, uint64_t off, void *buf, size_t len)
{
	struct ext2_inode raw;
	unsigned char *out = buf, *tmp = NULL;
	uint64_t size, bmask = fs->block_size - 1;
	size_t done = 0;
	int r = ext2_inode_load(fs, ino, &raw);

	if (r)
		return r;
	if ((raw.i_mode & EXT2_S_IFMT) != EXT2_S_IFREG)
		return (raw.i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR ? -EISDIR : -EINVAL;
	size = ext2_inode_size(fs, &raw);
	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	if (len > (size_t)__LONG_MAX__)
		len = (size_t)__LONG_MAX__;
	while (done < len) {
		uint64_t pos = off + done, boff = pos & bmask, dblk, run, chunk;

		r = ext2_map(fs, &raw, pos >> fs->log_block, &dblk, &run);
		if (r)
			break;
		chunk = (run << fs->log_block) - boff;
		if (chunk > len - done)
			chunk = len - done;
		if (!dblk) {
			memset(out + done, 0, (size_t)chunk);
		} else if (!boff && chunk >= fs->block_size) {
			chunk &= ~bmask;
			r = ext2_read_blocks(fs, dblk, chunk >> fs->log_block, out + done);
		} else {
			if (chunk > fs->block_size - boff)
				chunk = fs->block_size - boff;
			if (!tmp && !(tmp = kmalloc(fs->block_size)))
				r = -ENOMEM;
			else
				r = ext2_read_block(fs, dblk, tmp);
			if (!r)
				memcpy(out + done, tmp + boff, (size_t)chunk);
		}
		if (r)
			break;
		done += (size_t)chunk;
	}
	kfree(tmp);
	return r ? r : (long)done;
}

long ext2_readlink(struct ext2_fs *fs, uint32_t ino, char *buf, size_t len)
{
	struct ext2_inode raw;
	uint64_t size, dblk, run;
	char *tmp;
	int r = ext2_inode_load(fs, ino, &raw);

	if (r)
		return r;
	if ((raw.i_mode & EXT2_S_IFMT) != EXT2_S_IFLNK)
		return -EINVAL;
	if (raw.i_flags & EXT4_INLINE_DATA_FL)
		return -EOPNOTSUPP;
	size = ext2_inode_size(fs, &raw);
	if (size == 0 || size >= fs->block_size || size >= 4096)
		return -EIO;
	if (len > size)
		len = (size_t)size;
	if (ext2_fast_symlink(fs, &raw)) {
		if (size >= EXT2_I_BLOCK_BYTES)
			return -EIO;
		memcpy(buf, raw.i_block, len);
		return (long)len;
	}
	r = ext2_map(fs, &raw, 0, &dblk, &run);
	if (r)
		return r;
	if (!dblk)
		return -EIO;
	tmp = kmalloc(fs->block_size);
	if (!tmp)
		return -ENOMEM;
	r = ext2_read_block(fs, dblk, tmp);
	if (!r)
		memcpy(buf, tmp, len);
	kfree(tmp);
	return r ? r : (long)len;
}

int ext2_bmap(struct ext2_fs *fs, uint32_t ino, uint64_t fblock, uint64_t *dblock)
{
	struct ext2_inode raw;
	uint64_t size, run;
	uint32_t type;
	int r = ext2_inode_load(fs, ino, &raw);

	if (r)
		return r;
	type = raw.i_mode & EXT2_S_IFMT;
	if (type != EXT2_S_IFREG && type != EXT2_S_IFDIR && type != EXT2_S_IFLNK)
		return -EINVAL;
	size = ext2_inode_size(fs, &raw);
	if (fblock >= (size + fs->block_size - 1) >> fs->log_block) {
		*dblock = 0;	/* past the end: nothing there */
		return 0;
	}
	return ext2_map(fs, &raw, fblock, dblock, &run);
}
