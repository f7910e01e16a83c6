/* ext2/ext4 directories, read linearly (spec 4.1): every block is a chain
 * of records, each checked before use. An htree (dir_index) directory is
 * read the same way: its index blocks look like one empty record filling
 * the block, and its root's index hides inside ".."'s record.
 * The writer changes records in place (spec 4.1): a new name goes into
 * the first record with room for it (splitting it), else into a new
 * block; a removed one is merged into the record before it, or, first in
 * its block, left with inode 0. A changed htree directory loses its
 * EXT2_INDEX_FL and becomes a plain one, which the records still are. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2_int.h"

typedef int (*entry_fn)(void *arg, const char *name, size_t len, uint32_t ino, unsigned type);

int ext2_dir_load(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *raw)
{
	int r = ext2_inode_load(fs, dir, raw);

	if (r)
		return r;
	return (raw->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR ? 0 : -ENOTDIR;
}

/* Checks the record at off of a directory block: its rec_len and name
 * inside the block, its inode inside the filesystem. */
static int rec_check(const struct ext2_fs *fs, const unsigned char *buf, uint32_t off,
		     uint32_t *rec_len, size_t *name_len)
{
	const struct ext2_dir_entry *de = (const void *)(buf + off);

	if (fs->block_size - off < EXT2_DIR_REC_MIN)
		return -EIO;
	*rec_len = de->rec_len;
	*name_len = de->name_len;
	if (fs->block_size > EXT4_DIR_REC_MAX_DISK &&
	    (*rec_len == EXT4_DIR_REC_MAX_DISK || *rec_len == 0))
		*rec_len = fs->block_size;
	if (!(fs->incompat & EXT2_INCOMPAT_FILETYPE))
		*name_len |= (size_t)de->file_type << 8;
	if (*rec_len < EXT2_DIR_REC_MIN || (*rec_len & 3) || *rec_len > fs->block_size - off ||
	    *name_len > EXT2_NAME_LEN || EXT2_DIR_REC_HEADER + *name_len > *rec_len ||
	    de->inode > fs->inodes_count || (de->inode && !*name_len))
		return -EIO;
	return 0;
}

/* Calls fn for each used record at or after byte *pos; see ext2_readdir. */
static int walk(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t *pos,
		entry_fn fn, void *arg)
{
	uint64_t size = ext2_inode_size(fs, raw), nblocks = size >> fs->log_block;
	bool filetype = fs->incompat & EXT2_INCOMPAT_FILETYPE;
	unsigned char *buf;
	int r = 0;

	if (size & (fs->block_size - 1))
		return -EIO;	/* directories are whole blocks */
	if (*pos >= size) {
		*pos = size;
		return 0;
	}
	buf = kmalloc(fs->block_size);
	if (!buf)
		return -ENOMEM;
	for (uint64_t b = *pos >> fs->log_block; b < nblocks && !r; ) {
		uint64_t dblk, run;
		uint32_t off = 0;

		r = ext2_map(fs, raw, b, &dblk, &run);
		if (r)
			break;
		if (!dblk) {	/* a hole: no entries there */
			b = run < nblocks - b ? b + run : nblocks;
			*pos = b << fs->log_block;
			continue;
		}
		r = ext2_read_block(fs, dblk, buf);
		while (!r && off < fs->block_size) {
			const struct ext2_dir_entry *de = (const void *)(buf + off);
			uint64_t at = (b << fs->log_block) + off;
			uint32_t rec_len;
			size_t name_len;

			r = rec_check(fs, buf, off, &rec_len, &name_len);
			if (r)
				break;
			if (de->inode && at >= *pos) {
				unsigned type = filetype && de->file_type <= EXT2_FT_SYMLINK ?
						de->file_type : EXT2_FT_UNKNOWN;

				if (fn(arg, de->name, name_len, de->inode, type)) {
					*pos = at;
					r = 1;
					break;
				}
			}
			off += rec_len;
		}
		if (!r) {
			b++;
			*pos = b << fs->log_block;
		}
	}
	kfree(buf);
	return r;
}

int ext2_readdir(struct ext2_fs *fs, uint32_t dir, uint64_t *cookie,
		 int (*fn)(void *arg, const char *name, size_t len, uint32_t ino, unsigned type),
		 void *arg)
{
	struct ext2_inode raw;
	int r = ext2_dir_load(fs, dir, &raw);

	return r ? r : walk(fs, &raw, cookie, fn, arg);
}

/* The record of name in dir: its block (read into buf), offset and the
 * offset of the record before it in the block (itself when first). The
 * search starts at the block where the last one was found (fs->find_block,
 * whatever directory that was) and wraps around, so that names taken in
 * the order they were made cost a block each, not the directory. */
static int find(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, size_t len,
		unsigned char *buf, uint64_t *dblk, uint32_t *off, uint32_t *prev)
{
	uint64_t size = ext2_inode_size(fs, dir), nblocks = size >> fs->log_block;
	uint64_t start = fs->find_block < nblocks ? fs->find_block : 0;
	int r;

	if (size & (fs->block_size - 1))
		return -EIO;
	for (uint64_t i = 0, b = start; i < nblocks; i++, b = (b + 1) % nblocks) {
		uint64_t run;

		r = ext2_map(fs, dir, b, dblk, &run);
		if (r)
			return r;
		if (!*dblk)
			continue;
		r = ext2_read_block(fs, *dblk, buf);
		*prev = 0;
		for (uint32_t at = 0; !r && at < fs->block_size; ) {
			const struct ext2_dir_entry *de = (const void *)(buf + at);
			uint32_t rec_len;
			size_t name_len;

			r = rec_check(fs, buf, at, &rec_len, &name_len);
			if (!r && de->inode && name_len == len && !memcmp(de->name, name, len)) {
				*off = at;
				fs->find_block = b;
				return 0;
			}
			*prev = at;
			at += rec_len;
		}
		if (r)
			return r;
	}
	return -ENOENT;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
	struct ext2_inode raw;
	unsigned char *buf;
	uint64_t dblk;
	uint32_t off, prev;
	int r;

	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	r = ext2_dir_load(fs, dir, &raw);
	if (r)
		return r;
	if (!len)
		return -ENOENT;
	buf = kmalloc(fs->block_size);
	if (!buf)
		return -ENOMEM;
	r = find(fs, &raw, name, len, buf, &dblk, &off, &prev);
	if (!r)
		*ino = ((const struct ext2_dir_entry *)(buf + off))->inode;
	kfree(buf);
	return r;
}
/* The room a record of a name of n bytes takes (spec 4.1: 4-byte aligned). */
#define REC_LEN(n) ((uint32_t)(EXT2_DIR_REC_HEADER + (n) + 3) & ~3u)

unsigned ext2_mode_type(uint32_t mode)
{
	switch (mode & EXT2_S_IFMT) {
	case EXT2_S_IFREG: return EXT2_FT_REG_FILE;
	case EXT2_S_IFDIR: return EXT2_FT_DIR;
	case EXT2_S_IFCHR: return EXT2_FT_CHRDEV;
	case EXT2_S_IFBLK: return EXT2_FT_BLKDEV;
	case EXT2_S_IFIFO: return EXT2_FT_FIFO;
	case EXT2_S_IFSOCK: return EXT2_FT_SOCK;
	case EXT2_S_IFLNK: return EXT2_FT_SYMLINK;
	default: return EXT2_FT_UNKNOWN;
	}
}

static void fill(const struct ext2_fs *fs, struct ext2_dir_entry *de, const char *name,
		 size_t len, uint32_t ino, unsigned type)
{
	de->inode = ino;
	de->name_len = (uint8_t)len;
	de->file_type = fs->incompat & EXT2_INCOMPAT_FILETYPE ? (uint8_t)type : 0;
	memcpy(de->name, name, len);
}

static void touch(struct ext2_fs *fs, struct ext2_inode *dir)
{
	dir->i_flags &= ~EXT2_INDEX_FL;
	dir->i_mtime = dir->i_ctime = fs->now;
}


int ext2_dir_add(struct ext2_fs *fs, struct ext2_inode *dir, uint32_t dir_ino, const char *name,
		 size_t len, uint32_t ino, unsigned type)
{
	uint64_t size = ext2_inode_size(fs, dir), nblocks = size >> fs->log_block;
	uint64_t dblk = 0, run, goal, start;
	uint32_t need = REC_LEN(len);
	unsigned char *buf;
	int r = 0;

	if (size & (fs->block_size - 1))
		return -EIO;
	buf = kmalloc(fs->block_size);
	if (!buf)
		return -ENOMEM;
	/* Every block once, from the last one that took a name. */
	start = fs->add_dir == dir_ino && fs->add_block < nblocks ? fs->add_block : 0;
	for (uint64_t i = 0, b = start; i < nblocks && !r; i++, b = (b + 1) % nblocks) {
		r = ext2_map(fs, dir, b, &dblk, &run);
		if (r || !dblk)
			continue;
		r = ext2_read_block(fs, dblk, buf);
		for (uint32_t at = 0; !r && at < fs->block_size; ) {
			struct ext2_dir_entry *de = (void *)(buf + at);
			uint32_t rec_len, used;
			size_t name_len;

			r = rec_check(fs, buf, at, &rec_len, &name_len);
			if (r)
				break;
			used = de->inode ? REC_LEN(name_len) : 0;
			if (rec_len >= used + need) {
				if (used) {
					de->rec_len = (uint16_t)used;
					de = (void *)(buf + at + used);
					de->rec_len = (uint16_t)(rec_len - used);
				}
				fill(fs, de, name, len, ino, type);
				r = ext2_write_block(fs, dblk, buf);
				if (!r) {
					touch(fs, dir);
					fs->add_dir = dir_ino;
					fs->add_block = b;
				}
				kfree(buf);
				return r;
			}
			at += rec_len;
		}
	}
	/* no room: a new block at the end, one record filling it */
	goal = ext2_group_first_block(fs, (dir_ino - 1) / fs->inodes_per_group);
	if (!r && nblocks && !ext2_map(fs, dir, nblocks - 1, &dblk, &run) && dblk)
		goal = dblk + 1;
	if (!r && size + fs->block_size > UINT32_MAX)
		r = -EFBIG;
	if (!r)
		r = ext2_new_block(fs, goal, &dblk);
	if (!r) {
		struct ext2_dir_entry *de = (void *)buf;

		memset(buf, 0, fs->block_size);
		de->rec_len = (uint16_t)fs->block_size;
		fill(fs, de, name, len, ino, type);
		r = ext2_write_block(fs, dblk, buf);
		if (!r)
			r = ext2_link_block(fs, dir, nblocks, dblk);
		if (r) {
			ext2_free_block(fs, dblk);
			/* indirect blocks it did link stay, counted */
			ext2_inode_store(fs, dir_ino, dir);
		}
	}
	kfree(buf);
	if (r)
		return r;
	dir->i_size_lo = (uint32_t)(size + fs->block_size);
	touch(fs, dir);
	fs->add_dir = dir_ino;
	fs->add_block = nblocks;
	return 0;
}

/* The record of name in dir changed in its block, which is written back,
 * and dir's times: taken out (its room joined to the record before it, or
 * its inode 0 when it is first) or, with remove false, made to name ino of
 * type. */
static int edit_record(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len,
		       bool remove, uint32_t ino, unsigned type)
{
	unsigned char *buf = kmalloc(fs->block_size);
	uint64_t dblk;
	uint32_t off, prev;
	int r;

	if (!buf)
		return -ENOMEM;
	r = find(fs, dir, name, len, buf, &dblk, &off, &prev);
	if (!r) {
		struct ext2_dir_entry *de = (void *)(buf + off);

		if (!remove) {
			fill(fs, de, name, len, ino, type);
		} else if (prev != off) {
			struct ext2_dir_entry *pd = (void *)(buf + prev);

			pd->rec_len = (uint16_t)(pd->rec_len + de->rec_len);
		} else {
			de->inode = 0;
		}
		r = ext2_write_block(fs, dblk, buf);
	}
	kfree(buf);
	if (!r)
		touch(fs, dir);
	return r;
}

int ext2_dir_remove(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len)
{
	return edit_record(fs, dir, name, len, true, 0, 0);
}

int ext2_dir_set(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len,
		 uint32_t ino, unsigned type)
{
	return edit_record(fs, dir, name, len, false, ino, type);
}

static int not_dot(void *arg, const char *name, size_t len, uint32_t ino, unsigned type)
{
	(void)arg;
	(void)ino;
	(void)type;
	return !(len == 1 && name[0] == '.') && !(len == 2 && name[0] == '.' && name[1] == '.');
}

int ext2_dir_empty(struct ext2_fs *fs, const struct ext2_inode *dir)
{
	uint64_t pos = 0;
	int r = walk(fs, dir, &pos, not_dot, NULL);

	return r == 1 ? -ENOTEMPTY : r;
}
