/* ext2 inode allocation (spec 3.4 "Inode Bitmap"): bit i of group g's
 * bitmap is inode g * inodes_per_group + i + 1; inodes below s_first_ino
 * are reserved. A file goes to its directory's group, a directory to a
 * group with more free inodes than the average and the most free blocks,
 * so that directories spread and their files stay near them. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2_int.h"

static int take_in_group(struct ext2_fs *fs, uint32_t g, bool is_dir, unsigned char *map,
			 uint32_t *ino)
{
	struct ext2_group_desc *d = &fs->gd[g];
	uint32_t first = 0;
	int r;

	if (!d->bg_free_inodes_count_lo)
		return -ENOSPC;
	if ((uint64_t)g * fs->inodes_per_group + 1 < fs->first_ino)
		first = fs->first_ino - 1 - g * fs->inodes_per_group;
	if (first >= fs->inodes_per_group)
		return -ENOSPC;
	r = ext2_read_block(fs, d->bg_inode_bitmap_lo, map);
	if (r)
		return r;
	for (uint32_t i = first; i < fs->inodes_per_group; i++) {
		if (map[i / 8] & (1u << (i % 8)))
			continue;
		if (!fs->free_inodes)
			return -EIO;
		map[i / 8] |= (unsigned char)(1u << (i % 8));
		r = ext2_write_block(fs, d->bg_inode_bitmap_lo, map);
		if (r)
			return r;
		d->bg_free_inodes_count_lo--;
		if (is_dir)
			d->bg_used_dirs_count_lo++;
		fs->free_inodes--;
		fs->sb_dirty = true;
		*ino = g * fs->inodes_per_group + i + 1;
		return ext2_write_desc(fs, g);
	}
	return -ENOSPC;	/* the count was wrong; try elsewhere */
}

/* A directory's group: above-average free inodes, then most free blocks. */
static uint32_t dir_group(const struct ext2_fs *fs, uint32_t parent_group)
{
	uint64_t avg = fs->free_inodes / fs->groups;
	uint32_t best = parent_group;
	bool found = false;

	for (uint32_t i = 0; i < fs->groups; i++) {
		uint32_t g = parent_group + i < fs->groups ? parent_group + i :
			     parent_group + i - fs->groups;
		const struct ext2_group_desc *d = &fs->gd[g];

		if (!d->bg_free_inodes_count_lo || d->bg_free_inodes_count_lo < avg)
			continue;
		if (!found || d->bg_free_blocks_count_lo > fs->gd[best].bg_free_blocks_count_lo)
			best = g;
		found = true;
	}
	return best;
}

int ext2_new_inode(struct ext2_fs *fs, uint32_t dir, bool is_dir, uint32_t *ino)
{
	uint32_t g0 = (dir - 1) / fs->inodes_per_group;
	unsigned char *map;
	int r = -ENOSPC;

	if (!fs->free_inodes)
		return -ENOSPC;
	if (is_dir)
		g0 = dir_group(fs, g0);
	map = kmalloc(fs->block_size);
	if (!map)
		return -ENOMEM;
	for (uint32_t i = 0; i < fs->groups && r == -ENOSPC; i++)
		r = take_in_group(fs, g0 + i < fs->groups ? g0 + i : g0 + i - fs->groups, is_dir,
				  map, ino);
	kfree(map);
	return r;
}

int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool is_dir)
{
	uint32_t g = (ino - 1) / fs->inodes_per_group, i = (ino - 1) % fs->inodes_per_group;
	struct ext2_group_desc *d = &fs->gd[g];
	unsigned char *map;
	int r;

	if (ino < fs->first_ino || ino > fs->inodes_count)
		return -EIO;
	map = kmalloc(fs->block_size);
	if (!map)
		return -ENOMEM;
	r = ext2_read_block(fs, d->bg_inode_bitmap_lo, map);
	if (!r && !(map[i / 8] & (1u << (i % 8))))
		r = -EIO;	/* already free */
	if (!r) {
		map[i / 8] &= (unsigned char)~(1u << (i % 8));
		r = ext2_write_block(fs, d->bg_inode_bitmap_lo, map);
	}
	kfree(map);
	if (r)
		return r;
	d->bg_free_inodes_count_lo++;
	if (is_dir && d->bg_used_dirs_count_lo)
		d->bg_used_dirs_count_lo--;
	fs->free_inodes++;
	fs->sb_dirty = true;
	return ext2_write_desc(fs, g);
}
