/* ext2/ext4 directories, read linearly (spec 4.1): every block is a chain
 * of records, each checked before use. An htree (dir_index) directory is
 * read the same way: its index blocks look like one empty record filling
 * the block, and its root's index hides inside ".."'s record. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2_int.h"

typedef int (*entry_fn)(void *arg, const char *name, size_t len, uint32_t ino, unsigned type);

static int load_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *raw)
{
	int r = ext2_inode_load(fs, dir, raw);

	if (r)
		return r;
	return (raw->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR ? 0 : -ENOTDIR;
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
			uint32_t rec_len = de->rec_len;
			size_t name_len = de->name_len;
			uint64_t at = (b << fs->log_block) + off;

			if (fs->block_size - off < EXT2_DIR_REC_MIN) {
				r = -EIO;
				break;
			}
			if (fs->block_size > EXT4_DIR_REC_MAX_DISK &&
			    (rec_len == EXT4_DIR_REC_MAX_DISK || rec_len == 0))
				rec_len = fs->block_size;
			if (!filetype)
				name_len |= (size_t)de->file_type << 8;
			if (rec_len < EXT2_DIR_REC_MIN || (rec_len & 3) ||
			    rec_len > fs->block_size - off || name_len > EXT2_NAME_LEN ||
			    EXT2_DIR_REC_HEADER + name_len > rec_len ||
			    de->inode > fs->inodes_count || (de->inode && !name_len)) {
				r = -EIO;
				break;
			}
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
	int r = load_dir(fs, dir, &raw);

	return r ? r : walk(fs, &raw, cookie, fn, arg);
}

struct lookup {
	const char *name;
	size_t len;
	uint32_t ino;
};

static int lookup_one(void *arg, const char *name, size_t len, uint32_t ino, unsigned type)
{
	struct lookup *l = arg;

	(void)type;
	if (len != l->len || memcmp(name, l->name, len))
		return 0;
	l->ino = ino;
	return 1;
}

int ext2_lookup(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
	struct lookup l = { name, len, 0 };
	struct ext2_inode raw;
	uint64_t pos = 0;
	int r;

	if (len > EXT2_NAME_LEN)
		return -ENAMETOOLONG;
	r = load_dir(fs, dir, &raw);
	if (r)
		return r;
	if (!len)
		return -ENOENT;
	r = walk(fs, &raw, &pos, lookup_one, &l);
	if (r < 0)
		return r;
	if (!r)
		return -ENOENT;
	*ino = l.ino;
	return 0;
}
