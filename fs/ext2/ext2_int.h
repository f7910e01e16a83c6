/* What the files of fs/ext2/ share: the mounted filesystem's state and
 * the helpers each file gives the others. Not an interface: see ext2.h. */
#ifndef FLINT_FS_EXT2_INT_H
#define FLINT_FS_EXT2_INT_H

#include <stdbool.h>

#include "ext2.h"
#include "ext2_disk.h"

#define EXT2_IND_LEVELS 3
/* The largest blocks written: a record's rec_len then fits 16 bits. */
#define EXT2_RW_MAX_BLOCK 4096
#define EXT2_SYMLINK_MAX 4096	/* a target's room with its NUL: PATH_MAX */

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
	/* ext2_set_names_known; and where the last name was added (a block of
	 * directory add_dir), where the next one's search starts. */
	bool names_known;
	uint32_t add_dir;
	uint64_t add_block;
	uint64_t find_block;		/* the directory block a name was last found in */
	uint32_t cluster_ratio;		/* blocks per cluster: 1 without bigalloc */
	uint64_t free_blocks, reserved_blocks;
	uint64_t free_inodes;
	uint64_t *itable;		/* per group: its inode table's first block */
	uint32_t *iused;		/* per group: inodes past this index are unused */
	/* Kept for a read-write mount (ext2_mount_rw), which writes them back:
	 * the superblock as read, and each group's descriptor with its place. */
	struct ext2_super *sb;
	struct ext2_group_desc *gd;
	uint64_t *gd_off;		/* per group: its descriptor's byte offset */
	bool rw;
	bool sb_dirty;			/* free counts or features changed */
	uint32_t now;			/* the caller's time of the last change */
	uint32_t first_ino;		/* the first inode not reserved */
	uint16_t extra_isize;		/* i_extra_isize of new inodes */
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

/* Writing (read-write mounts only; -EROFS otherwise). Every write is
 * checked against the device's size, blocks against the filesystem. */
int ext2_dev_write(struct ext2_fs *fs, uint64_t off, const void *buf, size_t len);
int ext2_write_block(struct ext2_fs *fs, uint64_t blk, const void *buf);
int ext2_write_desc(struct ext2_fs *fs, uint32_t g);
/* The blocks at the start of group g that hold a superblock copy and
 * group descriptors (reserved ones included). */
uint32_t ext2_group_reserved(const struct ext2_fs *fs, uint32_t g);
/* Writes the superblock if its counts or features changed. */
int ext2_flush_super(struct ext2_fs *fs);

/* balloc.c */
int ext2_new_block(struct ext2_fs *fs, uint64_t goal, uint64_t *blk);
int ext2_free_block(struct ext2_fs *fs, uint64_t blk);
/* The first block of group g: a goal near an inode. */
uint64_t ext2_group_first_block(const struct ext2_fs *fs, uint32_t g);

/* ialloc.c */
int ext2_new_inode(struct ext2_fs *fs, uint32_t dir, bool is_dir, uint32_t *ino);
int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool is_dir);

/* inode.c */
int ext2_inode_load(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw);
uint64_t ext2_inode_size(const struct ext2_fs *fs, const struct ext2_inode *raw);
/* File block fblock of raw: *dblock (0: a hole) and *run, how many blocks
 * from fblock on continue the same way (contiguous on the device, or
 * holes), at least 1. */
int ext2_map(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t fblock,
	     uint64_t *dblock, uint64_t *run);

bool ext2_fast_symlink(const struct ext2_fs *fs, const struct ext2_inode *raw);
int ext2_inode_store(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *raw);
/* Writes a new inode whole: raw, then zeros past it but i_extra_isize. */
int ext2_inode_init(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *raw);

/* file.c */
#define EXT2_SECTORS(fs) ((fs)->block_size >> 9)	/* i_blocks per block */
/* Makes dblk, already written, file block fblock of raw (a hole), with
 * the indirect blocks on the way; raw is the caller's to store. */
int ext2_link_block(struct ext2_fs *fs, struct ext2_inode *raw, uint64_t fblock, uint64_t dblk);
/* Frees raw's blocks from file block from on (the indirect blocks no
 * longer needed too): the cut map is stored as inode ino before they are
 * freed; raw's i_blocks, counted down after, is the caller's to store. */
int ext2_free_blocks_from(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw,
			  uint64_t from);
/* Frees an inode with no links left: its blocks, its extended attribute
 * block's share, its bitmap bit (i_dtime set). */
int ext2_drop_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *raw);

/* dir.c */
/* Directory dir's inode into raw: -ENOTDIR when it is not one. */
int ext2_dir_load(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *raw);
int ext2_dir_add(struct ext2_fs *fs, struct ext2_inode *dir, uint32_t dir_ino, const char *name,
		 size_t len, uint32_t ino, unsigned type);
int ext2_dir_remove(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len);
int ext2_dir_set(struct ext2_fs *fs, struct ext2_inode *dir, const char *name, size_t len,
		 uint32_t ino, unsigned type);
/* 0 when dir holds nothing but "." and "..", -ENOTEMPTY otherwise. */
int ext2_dir_empty(struct ext2_fs *fs, const struct ext2_inode *dir);
unsigned ext2_mode_type(uint32_t mode);

/* extent.c */
int ext4_extent_map(struct ext2_fs *fs, const struct ext2_inode *raw, uint64_t fblock,
		    uint64_t *dblock, uint64_t *run);

#endif
