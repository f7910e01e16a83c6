/* The ext2/ext3/ext4 on-disk format, as fs/ext2/ reads it. Everything is
 * little-endian, as is x86-64, so the structures are read in place.
 * Source of the facts: "The Second Extended File System" (Dave Poirier's
 * ext2 specification, nongnu.org/ext2-doc, sections named "spec 3.x") and
 * the kernel wiki's "Ext4 Disk Layout" (named "ext4 layout: ...").
 * Only what the reader uses is named; the rest of each structure is
 * padding so that the sizes and offsets match the format (checked below). */
#ifndef FLINT_FS_EXT2_DISK_H
#define FLINT_FS_EXT2_DISK_H

#include <stddef.h>
#include <stdint.h>

/* spec 3.1: the superblock is 1024 bytes at byte 1024 of the device,
 * whatever the block size. */
#define EXT2_SUPER_OFFSET 1024
#define EXT2_SUPER_SIZE 1024
#define EXT2_SUPER_MAGIC 0xEF53		/* spec 3.1 s_magic */
#define EXT2_MIN_LOG_BLOCK 10		/* s_log_block_size is log2(size) - 10 */
#define EXT2_MAX_LOG_BLOCK 16		/* 64 KiB: the largest ext4 allows */
#define EXT2_GOOD_OLD_REV 0		/* spec 3.1 s_rev_level: fixed inode size */
#define EXT2_DYNAMIC_REV 1		/* s_inode_size, s_first_ino, features */
#define EXT2_GOOD_OLD_INODE_SIZE 128	/* spec 3.1 s_inode_size for revision 0 */
#define EXT2_GOOD_OLD_FIRST_INO 11
#define EXT2_ROOT_INO 2			/* spec 3.5 "Reserved inodes" */
#define EXT2_VALID_FS 1			/* spec 3.1 s_state */
#define EXT2_ERROR_FS 2

struct ext2_super {
	uint32_t s_inodes_count;	/* 0x00 */
	uint32_t s_blocks_count_lo;
	uint32_t s_r_blocks_count_lo;
	uint32_t s_free_blocks_count_lo;
	uint32_t s_free_inodes_count;	/* 0x10 */
	uint32_t s_first_data_block;
	uint32_t s_log_block_size;
	uint32_t s_log_cluster_size;
	uint32_t s_blocks_per_group;	/* 0x20 */
	uint32_t s_clusters_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;		/* 0x30 */
	uint16_t s_mnt_count;
	uint16_t s_max_mnt_count;
	uint16_t s_magic;		/* 0x38 */
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;		/* 0x40 */
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;		/* 0x50 */
	uint16_t s_def_resgid;
	/* EXT2_DYNAMIC_REV only (spec 3.1.23 on) */
	uint32_t s_first_ino;		/* 0x54 */
	uint16_t s_inode_size;		/* 0x58 */
	uint16_t s_block_group_nr;
	uint32_t s_feature_compat;	/* 0x5c */
	uint32_t s_feature_incompat;	/* 0x60 */
	uint32_t s_feature_ro_compat;	/* 0x64 */
	uint8_t s_uuid[16];		/* 0x68 */
	char s_volume_name[16];		/* 0x78 */
	char s_last_mounted[64];	/* 0x88 */
	uint32_t s_algorithm_usage_bitmap; /* 0xc8 */
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks;
	uint8_t s_journal_uuid[16];	/* 0xd0 */
	uint32_t s_journal_inum;	/* 0xe0 */
	uint32_t s_journal_dev;
	uint32_t s_last_orphan;
	uint32_t s_hash_seed[4];	/* 0xec */
	uint8_t s_def_hash_version;	/* 0xfc */
	uint8_t s_jnl_backup_type;
	uint16_t s_desc_size;		/* 0xfe: ext4 layout, 64bit */
	uint32_t s_default_mount_opts;	/* 0x100 */
	uint32_t s_first_meta_bg;	/* 0x104: ext4 layout, meta_bg */
	uint32_t s_mkfs_time;
	uint32_t s_jnl_blocks[17];	/* 0x10c */
	uint32_t s_blocks_count_hi;	/* 0x150: ext4 layout, 64bit */
	uint32_t s_r_blocks_count_hi;
	uint32_t s_free_blocks_count_hi;
	uint16_t s_min_extra_isize;	/* 0x15c */
	uint16_t s_want_extra_isize;
	uint8_t pad0[0x24c - 0x160];
	uint32_t s_backup_bgs[2];	/* 0x24c: ext4 layout, sparse_super2 */
	uint8_t pad1[0x400 - 0x254];
};

/* spec 3.1.27-29 and ext4 layout "Superblock": the feature sets.
 * COMPAT: a reader that does not know the bit may still read and write. */
#define EXT2_COMPAT_DIR_PREALLOC 0x0001
#define EXT2_COMPAT_IMAGIC_INODES 0x0002
#define EXT2_COMPAT_HAS_JOURNAL 0x0004
#define EXT2_COMPAT_EXT_ATTR 0x0008
#define EXT2_COMPAT_RESIZE_INODE 0x0010
#define EXT2_COMPAT_DIR_INDEX 0x0020
#define EXT2_COMPAT_SPARSE_SUPER2 0x0200
#define EXT2_COMPAT_ORPHAN_FILE 0x1000
/* INCOMPAT: a reader that does not know the bit must not mount at all. */
#define EXT2_INCOMPAT_COMPRESSION 0x0001
#define EXT2_INCOMPAT_FILETYPE 0x0002	/* directory entries carry the type */
#define EXT2_INCOMPAT_RECOVER 0x0004	/* the journal needs replaying */
#define EXT2_INCOMPAT_JOURNAL_DEV 0x0008
#define EXT2_INCOMPAT_META_BG 0x0010
#define EXT2_INCOMPAT_EXTENTS 0x0040
#define EXT2_INCOMPAT_64BIT 0x0080
#define EXT2_INCOMPAT_MMP 0x0100
#define EXT2_INCOMPAT_FLEX_BG 0x0200
#define EXT2_INCOMPAT_EA_INODE 0x0400
#define EXT2_INCOMPAT_DIRDATA 0x1000
#define EXT2_INCOMPAT_CSUM_SEED 0x2000
#define EXT2_INCOMPAT_LARGEDIR 0x4000
#define EXT2_INCOMPAT_INLINE_DATA 0x8000
#define EXT2_INCOMPAT_ENCRYPT 0x10000
#define EXT2_INCOMPAT_CASEFOLD 0x20000
/* RO_COMPAT: a reader that does not know the bit may read, not write. */
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_RO_COMPAT_LARGE_FILE 0x0002
#define EXT2_RO_COMPAT_BTREE_DIR 0x0004
#define EXT2_RO_COMPAT_HUGE_FILE 0x0008
#define EXT2_RO_COMPAT_GDT_CSUM 0x0010
#define EXT2_RO_COMPAT_DIR_NLINK 0x0020
#define EXT2_RO_COMPAT_EXTRA_ISIZE 0x0040
#define EXT2_RO_COMPAT_HAS_SNAPSHOT 0x0080
#define EXT2_RO_COMPAT_QUOTA 0x0100
#define EXT2_RO_COMPAT_BIGALLOC 0x0200
#define EXT2_RO_COMPAT_METADATA_CSUM 0x0400
#define EXT2_RO_COMPAT_REPLICA 0x0800
#define EXT2_RO_COMPAT_READONLY 0x1000
#define EXT2_RO_COMPAT_PROJECT 0x2000
#define EXT2_RO_COMPAT_SHARED_BLOCKS 0x4000
#define EXT2_RO_COMPAT_VERITY 0x8000
#define EXT2_RO_COMPAT_ORPHAN_PRESENT 0x10000

/* spec 3.2 and ext4 layout "Block Group Descriptors": 32 bytes, or
 * s_desc_size (>= 64) with 64bit, whose second half holds the high words. */
#define EXT2_DESC_SIZE 32
#define EXT4_MIN_DESC_SIZE_64BIT 64
#define EXT4_BG_INODE_UNINIT 0x0001	/* bg_flags: no inode of the group in use */

struct ext2_group_desc {
	uint32_t bg_block_bitmap_lo;	/* 0x00 */
	uint32_t bg_inode_bitmap_lo;
	uint32_t bg_inode_table_lo;
	uint16_t bg_free_blocks_count_lo; /* 0x0c */
	uint16_t bg_free_inodes_count_lo;
	uint16_t bg_used_dirs_count_lo;	/* 0x10 */
	uint16_t bg_flags;
	uint32_t bg_exclude_bitmap_lo;
	uint16_t bg_block_bitmap_csum_lo; /* 0x18 */
	uint16_t bg_inode_bitmap_csum_lo;
	uint16_t bg_itable_unused_lo;	/* 0x1c */
	uint16_t bg_checksum;
	/* 64bit only, when s_desc_size >= 64 */
	uint32_t bg_block_bitmap_hi;	/* 0x20 */
	uint32_t bg_inode_bitmap_hi;
	uint32_t bg_inode_table_hi;
	uint16_t bg_free_blocks_count_hi; /* 0x2c */
	uint16_t bg_free_inodes_count_hi;
	uint16_t bg_used_dirs_count_hi;	/* 0x30 */
	uint16_t bg_itable_unused_hi;
	uint32_t bg_exclude_bitmap_hi;
	uint16_t bg_block_bitmap_csum_hi; /* 0x38 */
	uint16_t bg_inode_bitmap_csum_hi;
	uint32_t bg_reserved;
};

/* spec 3.5 "Inode Table" and ext4 layout "Inode Table". */
#define EXT2_N_BLOCKS 15		/* i_block: 12 direct, then 1-, 2-, 3-indirect */
#define EXT2_NDIR_BLOCKS 12
#define EXT2_IND_BLOCK 12
#define EXT2_DIND_BLOCK 13
#define EXT2_TIND_BLOCK 14
#define EXT2_I_BLOCK_BYTES 60		/* sizeof(i_block): a fast symlink's room */

/* i_mode (spec 3.5.1) */
#define EXT2_S_IFMT 0170000
#define EXT2_S_IFSOCK 0140000
#define EXT2_S_IFLNK 0120000
#define EXT2_S_IFREG 0100000
#define EXT2_S_IFBLK 0060000
#define EXT2_S_IFDIR 0040000
#define EXT2_S_IFCHR 0020000
#define EXT2_S_IFIFO 0010000

/* i_flags (spec 3.5.12, ext4 layout "i_flags") */
#define EXT2_INDEX_FL 0x00001000	/* a hash-indexed directory (dir_index) */
#define EXT4_HUGE_FILE_FL 0x00040000	/* i_blocks counts fs blocks, not sectors */
#define EXT4_EXTENTS_FL 0x00080000	/* i_block holds an extent tree */
#define EXT4_INLINE_DATA_FL 0x10000000

struct ext2_inode {
	uint16_t i_mode;		/* 0x00 */
	uint16_t i_uid;
	uint32_t i_size_lo;
	uint32_t i_atime;		/* 0x08 */
	uint32_t i_ctime;
	uint32_t i_mtime;		/* 0x10 */
	uint32_t i_dtime;
	uint16_t i_gid;			/* 0x18 */
	uint16_t i_links_count;
	uint32_t i_blocks_lo;		/* 0x1c: 512-byte sectors */
	uint32_t i_flags;		/* 0x20 */
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS]; /* 0x28 */
	uint32_t i_generation;		/* 0x64 */
	uint32_t i_file_acl_lo;		/* 0x68: the extended attribute block */
	uint32_t i_size_high;		/* 0x6c: i_dir_acl in revision 0 */
	uint32_t i_faddr;		/* 0x70 */
	/* osd2, Linux's flavour (spec 3.5.20) */
	uint16_t i_blocks_high;		/* 0x74: huge_file */
	uint16_t i_file_acl_high;
	uint16_t i_uid_high;		/* 0x78 */
	uint16_t i_gid_high;
	uint16_t i_checksum_lo;
	uint16_t i_reserved;
};

/* ext4 layout "Inode Table": past the 128 bytes above, in inodes of
 * s_inode_size > 128, i_extra_isize counts the extra fields in use. */
#define EXT2_INODE_EXTRA_ISIZE_OFF 0x80
#define EXT2_LINK_MAX 32000		/* the most i_links_count ext2 allows */

/* ext4 layout "Extended Attributes": i_file_acl's block starts with this
 * magic and a count of the inodes sharing it. */
#define EXT2_XATTR_MAGIC 0xEA020000
#define EXT2_XATTR_REFCOUNT_OFF 4

/* ext4 layout "Extent Tree": a 12-byte header, then 12-byte index entries
 * (interior nodes, eh_depth > 0) or extents (leaves, eh_depth == 0). The
 * root lives in i_block (room for 4 entries); other nodes fill a block. */
#define EXT4_EXT_MAGIC 0xF30A
#define EXT4_EXT_MAX_DEPTH 5		/* the deepest tree ext4 makes */
#define EXT4_EXT_INIT_MAX_LEN 32768	/* ee_len above this: an unwritten extent */

struct ext4_extent_header {
	uint16_t eh_magic;
	uint16_t eh_entries;
	uint16_t eh_max;
	uint16_t eh_depth;
	uint32_t eh_generation;
};

struct ext4_extent_idx {
	uint32_t ei_block;		/* first file block it covers */
	uint32_t ei_leaf_lo;		/* the node below */
	uint16_t ei_leaf_hi;
	uint16_t ei_unused;
};

struct ext4_extent {
	uint32_t ee_block;		/* first file block */
	uint16_t ee_len;
	uint16_t ee_start_hi;		/* first device block */
	uint32_t ee_start_lo;
};

/* spec 4.1 "Linked Directories": records of 8 bytes plus the name, padded
 * to 4 bytes; rec_len reaches the next record. Without the filetype
 * feature name_len is 16 bits; with it, the high byte is the type. */
#define EXT2_DIR_REC_HEADER 8
#define EXT2_DIR_REC_MIN 12		/* the header and a name of 1 to 4 bytes */
#define EXT2_NAME_LEN 255
#define EXT4_DIR_REC_MAX_DISK 65535	/* 64 KiB blocks: 65535 (or 0) means 65536 */

struct ext2_dir_entry {
	uint32_t inode;			/* 0: an unused record */
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type;		/* EXT2_FT_*, with the filetype feature */
	char name[];
};

/* spec 4.1.1 file_type */
#define EXT2_FT_UNKNOWN 0
#define EXT2_FT_REG_FILE 1
#define EXT2_FT_DIR 2
#define EXT2_FT_CHRDEV 3
#define EXT2_FT_BLKDEV 4
#define EXT2_FT_FIFO 5
#define EXT2_FT_SOCK 6
#define EXT2_FT_SYMLINK 7

_Static_assert(sizeof(struct ext2_super) == EXT2_SUPER_SIZE, "superblock size");
_Static_assert(offsetof(struct ext2_super, s_magic) == 0x38, "s_magic");
_Static_assert(offsetof(struct ext2_super, s_feature_incompat) == 0x60, "incompat");
_Static_assert(offsetof(struct ext2_super, s_desc_size) == 0xfe, "s_desc_size");
_Static_assert(offsetof(struct ext2_super, s_blocks_count_hi) == 0x150, "blocks hi");
_Static_assert(offsetof(struct ext2_super, s_backup_bgs) == 0x24c, "backup bgs");
_Static_assert(sizeof(struct ext2_group_desc) == 64, "group descriptor");
_Static_assert(offsetof(struct ext2_group_desc, bg_inode_table_hi) == 0x28, "itable hi");
_Static_assert(sizeof(struct ext2_inode) == EXT2_GOOD_OLD_INODE_SIZE, "inode size");
_Static_assert(offsetof(struct ext2_inode, i_block) == 0x28, "i_block");
_Static_assert(offsetof(struct ext2_inode, i_size_high) == 0x6c, "i_size_high");
_Static_assert(sizeof(struct ext4_extent_header) == 12, "extent header");
_Static_assert(sizeof(struct ext4_extent_idx) == 12, "extent index");
_Static_assert(sizeof(struct ext4_extent) == 12, "extent");

#endif
