/* What the files of fs/ext2/ share: the mounted filesystem's state and
 * the helpers each file gives the others. Not an interface: see ext2.h. */
#ifndef FLINT_FS_EXT2_INT_H
#define FLINT_FS_EXT2_INT_H

#include <stdbool.h>

#include "ext2.h"
#include "ext2_disk.h"

#define EXT2_IND_LEVELS 3

struct ext2_fs {
	struct ext2_dev dev;
	uint32_t block_size;
	uint32_t log_block;		/* log2(block_size) */
	uint32_t ptrs_per_block;	/* block_size / 4: an indirect block's entries */
	uint64_t blocks_count;
	uint32_t first_data_block;
	uint32_t blocks_per_group;
	uint32_t inodes_per_group;
	uint32_t inodes_count;
	uint32_t groups;
	uint32_t inode_size;
	uint32_t desc_size;
	uint32_t rev;
	uint32_t compat, incompat, ro_compat;
	uint16_t state;
	uint32_t cluster_ratio;		/* blocks per cluster: 1 without bigalloc */
	uint64_t free_blocks, reserved_blocks;
	uint64_t free_inodes;
	uint64_t *itable;		/* per group: its inode table's first block */
	uint32_t *iused;		/* per group: inodes past this index are unused */
	/* The last indirect block read at each depth (1-, 2-, 3-indirect
	 * chains share them): sequential reads then read each once. */
	uint64_t ind_blk[EXT2_IND_LEVELS];
	uint32_t *ind_buf[EXT2_IND_LEVELS];
};

/* super.c */
int ext2_dev_read(struct ext2_fs *fs, uint64_t off, void *buf, size_t len);
bool ext2_block_ok(const struct ext2_fs *fs, uint64_t blk);
int ext2_read_block(struct ext2_fs *fs, uint64_t blk, void *buf);
int ext2_read_blocks(struct ext2_fs *fs, uint64_t blk, uint64_t count, void *buf);

/* inode.c */
int ext2_inode_load(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw);
uint64_t ext2_inode_size(const struct ext2_fs *fs, const struct ext2_inode *raw);
/* File block fblock of raw: *dblock (0: a hole) and *run, how many blocks
 * from fblock on continue the same way (contiguous on the device, or
 * holes), at least 1. */
int ext2_map(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t fblock,
	     uint64_t *dblock, uint64_t *run);

/* extent.c */
int ext4_extent_map(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t fblock,
		    uint64_t *dblock, uint64_t *run);

#endif
