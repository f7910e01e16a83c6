/* ext4 extent trees (ext4 layout "Extent Tree"): the root node sits in
 * the inode's i_block, the others fill a block each; interior nodes hold
 * index entries sorted by first file block, leaves hold extents. Every
 * node's header is checked, and each step down must land on a node one
 * level lower than its parent: a tree at most EXT4_EXT_MAX_DEPTH deep is
 * walked in at most that many reads, and an index pointing back at itself
 * or an ancestor fails the depth check instead of looping. */
#include <flint/errno.h>
#include <flint/heap.h>

#include "ext2_int.h"

#define NO_LIMIT ((uint64_t)1 << 32)	/* past the last file block an extent can map */

static int check_header(const struct ext4_extent_header *h, size_t room)
{
	if (h->eh_magic != EXT4_EXT_MAGIC || h->eh_entries > h->eh_max ||
	    h->eh_max > (room - sizeof(*h)) / sizeof(struct ext4_extent))
		return -EIO;
	return 0;
}

/* In a leaf: the extent holding fblock, or the hole before the next one
 * (or before limit, where the parent's next index begins). */
static int leaf_lookup(struct ext2_fs *fs, const struct ext4_extent_header *h, uint64_t fblock,
		       uint64_t limit, uint64_t *dblock, uint64_t *run)
{
	const struct ext4_extent *e = (const void *)(h + 1);
	uint64_t prev_end = 0;

	for (unsigned i = 0; i < h->eh_entries; i++, e++) {
		uint64_t first = e->ee_block, len = e->ee_len, start;
		bool unwritten = len > EXT4_EXT_INIT_MAX_LEN;

		if (unwritten)
			len -= EXT4_EXT_INIT_MAX_LEN;
		if (!len || first < prev_end || first + len > NO_LIMIT)
			return -EIO;	/* empty, unsorted or overlapping */
		prev_end = first + len;
		if (fblock < first) {
			*dblock = 0;
			*run = (first < limit ? first : limit) - fblock;
			return 0;
		}
		if (fblock >= first + len)
			continue;
		start = e->ee_start_lo | (uint64_t)e->ee_start_hi << 32;
		if (!ext2_block_ok(fs, start) || len > fs->blocks_count - start)
			return -EIO;
		*dblock = unwritten ? 0 : start + (fblock - first);
		*run = first + len - fblock;
		return 0;
	}
	*dblock = 0;
	*run = limit - fblock;
	return 0;
}

int ext4_extent_map(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t fblock,
		    uint64_t *dblock, uint64_t *run)
{
	const struct ext4_extent_header *h = (const void *)raw->i_block;
	size_t room = EXT2_I_BLOCK_BYTES;
	uint64_t limit = NO_LIMIT;
	unsigned char *buf = NULL;
	unsigned depth;
	int r;

	if (fblock >= NO_LIMIT)
		return -EIO;
	r = check_header(h, room);
	depth = h->eh_depth;
	if (!r && depth > EXT4_EXT_MAX_DEPTH)
		r = -EIO;
	while (!r && depth > 0) {
		const struct ext4_extent_idx *x = (const void *)(h + 1), *pick = NULL;
		uint64_t child;

		for (unsigned i = 0; i < h->eh_entries; i++) {
			if (i && x[i].ei_block <= x[i - 1].ei_block) {
				r = -EIO;	/* unsorted */
				break;
			}
			if (x[i].ei_block > fblock) {
				if (x[i].ei_block < limit)
					limit = x[i].ei_block;
				break;
			}
			pick = &x[i];
		}
		if (r)
			break;
		if (!pick) {	/* before the first index (or an empty node): a hole */
			*dblock = 0;
			*run = limit - fblock;
			break;
		}
		child = pick->ei_leaf_lo | (uint64_t)pick->ei_leaf_hi << 32;
		if (!ext2_block_ok(fs, child)) {
			r = -EIO;
			break;
		}
		if (!buf && !(buf = kmalloc(fs->block_size))) {
			r = -ENOMEM;
			break;
		}
		r = ext2_read_block(fs, child, buf);
		if (r)
			break;
		h = (const void *)buf;
		room = fs->block_size;
		r = check_header(h, room);
		if (!r && h->eh_depth != depth - 1)
			r = -EIO;	/* not one level down: a loop or a damaged node */
		depth--;
		if (!r && depth == 0)
			r = leaf_lookup(fs, h, fblock, limit, dblock, run) ? -EIO : 1;
	}
	if (!r && h == (const void *)raw->i_block && depth == 0)
		r = leaf_lookup(fs, h, fblock, limit, dblock, run);
	kfree(buf);
	return r > 0 ? 0 : r;
}
