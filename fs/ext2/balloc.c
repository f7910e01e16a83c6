/* ext2 block allocation (spec 3.3 "Block Bitmap"): bit i of group g's
 * bitmap is block first_data_block + g * blocks_per_group + i. The bitmap
 * block, the group's descriptor and the free counts change together. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2_int.h"

uint64_t ext2_group_first_block(const struct ext2_fs *fs, uint32_t g)
{
	return fs->first_data_block + (uint64_t)g * fs->blocks_per_group;
}

/* The blocks of group g: the last group may be short. */
static uint32_t group_blocks(const struct ext2_fs *fs, uint32_t g)
{
	uint64_t left = fs->blocks_count - ext2_group_first_block(fs, g);

	return left < fs->blocks_per_group ? (uint32_t)left : fs->blocks_per_group;
}

/* The group's own superblock copy, descriptors, bitmaps and inode table,
 * which a damaged bitmap might call free: never handed out. */
static bool group_meta(const struct ext2_fs *fs, uint32_t g, uint64_t blk)
{
	const struct ext2_group_desc *d = &fs->gd[g];
	uint64_t itable_blocks = ((uint64_t)fs->inodes_per_group * fs->inode_size +
				  fs->block_size - 1) >> fs->log_block;

	return blk - ext2_group_first_block(fs, g) < ext2_group_reserved(fs, g) ||
	       blk == d->bg_block_bitmap_lo || blk == d->bg_inode_bitmap_lo ||
	       (blk >= fs->itable[g] && blk - fs->itable[g] < itable_blocks);
}

/* The first clear bit of map's n at or after start, wrapping; n if none. */
static uint32_t find_clear(const unsigned char *map, uint32_t n, uint32_t start)
{
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = start + k < n ? start + k : start + k - n;

		if (map[i / 8] == 0xff) {
			k += 7 - i % 8;	/* the rest of a full byte */
			continue;
		}
		if (!(map[i / 8] & (1u << (i % 8))))
			return i;
	}
	return n;
}

static int take_in_group(struct ext2_fs *fs, uint32_t g, uint32_t start, unsigned char *map,
			 uint64_t *blk)
{
	uint32_t n = group_blocks(fs, g), bit;
	int r;

	if (!fs->gd[g].bg_free_blocks_count_lo)
		return -ENOSPC;
	r = ext2_read_block(fs, fs->gd[g].bg_block_bitmap_lo, map);
	if (r)
		return r;
	bit = find_clear(map, n, start < n ? start : 0);
	if (bit == n)
		return -ENOSPC;	/* the count was wrong; try elsewhere */
	*blk = ext2_group_first_block(fs, g) + bit;
	if (!ext2_block_ok(fs, *blk) || group_meta(fs, g, *blk) || !fs->free_blocks)
		return -EIO;
	map[bit / 8] |= (unsigned char)(1u << (bit % 8));
	r = ext2_write_block(fs, fs->gd[g].bg_block_bitmap_lo, map);
	if (r)
		return r;
	fs->gd[g].bg_free_blocks_count_lo--;
	fs->free_blocks--;
	fs->sb_dirty = true;
	return ext2_write_desc(fs, g);
}

int ext2_new_block(struct ext2_fs *fs, uint64_t goal, uint64_t *blk)
{
	uint32_t g0, start;
	unsigned char *map;
	int r = -ENOSPC;

	if (!ext2_block_ok(fs, goal))
		goal = fs->first_data_block + 1;
	g0 = (uint32_t)((goal - fs->first_data_block) / fs->blocks_per_group);
	start = (uint32_t)((goal - fs->first_data_block) % fs->blocks_per_group);
	map = kmalloc(fs->block_size);
	if (!map)
		return -ENOMEM;
	for (uint32_t i = 0; i < fs->groups && r == -ENOSPC; i++) {
		uint32_t g = g0 + i < fs->groups ? g0 + i : g0 + i - fs->groups;

		r = take_in_group(fs, g, i ? 0 : start, map, blk);
	}
	kfree(map);
	return r;
}

int ext2_free_block(struct ext2_fs *fs, uint64_t blk)
{
	uint32_t g, bit;
	unsigned char *map;
	int r;

	if (!ext2_block_ok(fs, blk))
		return -EIO;
	g = (uint32_t)((blk - fs->first_data_block) / fs->blocks_per_group);
	bit = (uint32_t)((blk - fs->first_data_block) % fs->blocks_per_group);
	if (group_meta(fs, g, blk))
		return -EIO;
	map = kmalloc(fs->block_size);
	if (!map)
		return -ENOMEM;
	r = ext2_read_block(fs, fs->gd[g].bg_block_bitmap_lo, map);
	if (!r && !(map[bit / 8] & (1u << (bit % 8))))
		r = -EIO;	/* already free: two owners, or a damaged map */
	if (!r) {
		map[bit / 8] &= (unsigned char)~(1u << (bit % 8));
		r = ext2_write_block(fs, fs->gd[g].bg_block_bitmap_lo, map);
	}
	kfree(map);
	if (r)
		return r;
	fs->gd[g].bg_free_blocks_count_lo++;
	fs->free_blocks++;
	fs->sb_dirty = true;
	return ext2_write_desc(fs, g);
}
