/* ext2/ext4 superblock, group descriptors, features and statfs: the
 * mount checks every number the rest of the reader relies on, so that
 * inode.c, extent.c and dir.c need only check what they read themselves.
 * A read-write mount (ext2 only) keeps the superblock and descriptors in
 * memory and writes each change through at once. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>

#include "ext2_int.h"

/* The reasons: one line in the caller's buffer, built piece by piece. */
struct why {
	char *buf;
	size_t len, pos;
};

static void why_str(struct why *w, const char *s)
{
	if (!w->buf || !w->len)
		return;
	while (*s && w->pos + 1 < w->len)
		w->buf[w->pos++] = *s++;
	w->buf[w->pos] = '\0';
}

static void why_num(struct why *w, uint64_t v, unsigned base)
{
	char digits[24];
	int n = 0;

	if (base == 16)
		why_str(w, "0x");
	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n) {
		char c[2] = { digits[--n], '\0' };

		why_str(w, c);
	}
}

/* Replaces the reason with "ext2: " a v b (just a when b is NULL);
 * returns err. */
static int why_fail(struct why *w, int err, const char *a, uint64_t v, const char *b)
{
	w->pos = 0;
	why_str(w, "ext2: ");
	why_str(w, a);
	if (b) {
		why_num(w, v, 10);
		why_str(w, b);
	}
	return err;
}

struct feature_name {
	uint32_t bit;
	const char *name;
};

static const struct feature_name incompat_names[] = {
	{ EXT2_INCOMPAT_COMPRESSION, "compression" },
	{ EXT2_INCOMPAT_FILETYPE, "filetype" },
	{ EXT2_INCOMPAT_RECOVER, "needs_recovery" },
	{ EXT2_INCOMPAT_JOURNAL_DEV, "journal_dev" },
	{ EXT2_INCOMPAT_META_BG, "meta_bg" },
	{ EXT2_INCOMPAT_EXTENTS, "extent" },
	{ EXT2_INCOMPAT_64BIT, "64bit" },
	{ EXT2_INCOMPAT_MMP, "mmp" },
	{ EXT2_INCOMPAT_FLEX_BG, "flex_bg" },
	{ EXT2_INCOMPAT_EA_INODE, "ea_inode" },
	{ EXT2_INCOMPAT_DIRDATA, "dirdata" },
	{ EXT2_INCOMPAT_CSUM_SEED, "metadata_csum_seed" },
	{ EXT2_INCOMPAT_LARGEDIR, "large_dir" },
	{ EXT2_INCOMPAT_INLINE_DATA, "inline_data" },
	{ EXT2_INCOMPAT_ENCRYPT, "encrypt" },
	{ EXT2_INCOMPAT_CASEFOLD, "casefold" },
	{ 0, NULL },
};

static const struct feature_name ro_compat_names[] = {
	{ EXT2_RO_COMPAT_SPARSE_SUPER, "sparse_super" },
	{ EXT2_RO_COMPAT_LARGE_FILE, "large_file" },
	{ EXT2_RO_COMPAT_BTREE_DIR, "btree_dir" },
	{ EXT2_RO_COMPAT_HUGE_FILE, "huge_file" },
	{ EXT2_RO_COMPAT_GDT_CSUM, "uninit_bg" },
	{ EXT2_RO_COMPAT_DIR_NLINK, "dir_nlink" },
	{ EXT2_RO_COMPAT_EXTRA_ISIZE, "extra_isize" },
	{ EXT2_RO_COMPAT_QUOTA, "quota" },
	{ EXT2_RO_COMPAT_BIGALLOC, "bigalloc" },
	{ EXT2_RO_COMPAT_METADATA_CSUM, "metadata_csum" },
	{ EXT2_RO_COMPAT_PROJECT, "project" },
	{ EXT2_RO_COMPAT_VERITY, "verity" },
	{ EXT2_RO_COMPAT_ORPHAN_PRESENT, "orphan_present" },
	{ EXT2_RO_COMPAT_HAS_SNAPSHOT, "snapshot" },
	{ EXT2_RO_COMPAT_REPLICA, "replica" },
	{ EXT2_RO_COMPAT_READONLY, "read-only" },
	{ EXT2_RO_COMPAT_SHARED_BLOCKS, "shared_blocks" },
	{ 0, NULL },
};

static const struct feature_name compat_names[] = {
	{ EXT2_COMPAT_DIR_PREALLOC, "dir_prealloc" },
	{ EXT2_COMPAT_IMAGIC_INODES, "imagic_inodes" },
	{ EXT2_COMPAT_HAS_JOURNAL, "has_journal" },
	{ EXT2_COMPAT_EXT_ATTR, "ext_attr" },
	{ EXT2_COMPAT_RESIZE_INODE, "resize_inode" },
	{ EXT2_COMPAT_DIR_INDEX, "dir_index" },
	{ EXT2_COMPAT_SPARSE_SUPER2, "sparse_super2" },
	{ EXT2_COMPAT_ORPHAN_FILE, "orphan_file" },
	{ 0, NULL },
};

/* The INCOMPAT features this reader reads. The journal (RECOVER) is never
 * replayed: a read-only reader sees the filesystem as of the last
 * checkpoint. MMP is not honoured (nothing here writes). */
#define INCOMPAT_READ (EXT2_INCOMPAT_FILETYPE | EXT2_INCOMPAT_RECOVER | EXT2_INCOMPAT_META_BG | \
	EXT2_INCOMPAT_EXTENTS | EXT2_INCOMPAT_64BIT | EXT2_INCOMPAT_MMP | EXT2_INCOMPAT_FLEX_BG | \
	EXT2_INCOMPAT_EA_INODE | EXT2_INCOMPAT_CSUM_SEED | EXT2_INCOMPAT_LARGEDIR)
/* The RO_COMPAT features whose meaning this reader knows (checksums are
 * not verified; quotas, project ids, verity and orphans need nothing from
 * a reader). Any other bit is ext2_rw_problem's. */
#define RO_COMPAT_KNOWN (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE | \
	EXT2_RO_COMPAT_HUGE_FILE | EXT2_RO_COMPAT_GDT_CSUM | EXT2_RO_COMPAT_DIR_NLINK | \
	EXT2_RO_COMPAT_EXTRA_ISIZE | EXT2_RO_COMPAT_QUOTA | EXT2_RO_COMPAT_BIGALLOC | \
	EXT2_RO_COMPAT_METADATA_CSUM | EXT2_RO_COMPAT_PROJECT | EXT2_RO_COMPAT_VERITY | \
	EXT2_RO_COMPAT_ORPHAN_PRESENT)
/* What a read-write mount writes: plain ext2. The rest is refused rather
 * than half kept: a journal, extents, checksums, 64-bit or flexible group
 * layouts and the counts of huge_file, dir_nlink and quotas would all need
 * their own upkeep. dir_index is kept by clearing EXT2_INDEX_FL on each
 * directory changed (the linear records stay right), ext_attr blocks are
 * only dropped with their last inode, resize_inode's blocks are left alone. */
#define RW_COMPAT (EXT2_COMPAT_DIR_PREALLOC | EXT2_COMPAT_EXT_ATTR | \
	EXT2_COMPAT_RESIZE_INODE | EXT2_COMPAT_DIR_INDEX | EXT2_COMPAT_SPARSE_SUPER2)
#define RW_INCOMPAT (EXT2_INCOMPAT_FILETYPE | EXT2_INCOMPAT_META_BG)
#define RW_RO_COMPAT (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)

/* Appends the names of the bits of set (hex for nameless ones). */
static void why_features(struct why *w, uint32_t set, const struct feature_name *names)
{
	const char *sep = "";

	for (uint32_t bit = 1; bit; bit <<= 1) {
		const struct feature_name *n = names;

		if (!(set & bit))
			continue;
		while (n->name && n->bit != bit)
			n++;
		why_str(w, sep);
		if (n->name)
			why_str(w, n->name);
		else
			why_num(w, bit, 16);
		sep = " ";
	}
}

int ext2_dev_read(struct ext2_fs *fs, uint64_t off, void *buf, size_t len)
{
	int r;

	if (off > fs->dev.size || len > fs->dev.size - off)
		return -EIO;
	r = fs->dev.read(fs->dev.arg, off, buf, len);
	if (r < 0)
		return r;
	return r ? -EIO : 0;
}

/* A block that may hold data or metadata other than the superblock: past
 * the first data block (the superblock's own) and inside the filesystem. */
bool ext2_block_ok(const struct ext2_fs *fs, uint64_t blk)
{
	return blk > fs->first_data_block && blk < fs->blocks_count;
}

int ext2_read_blocks(struct ext2_fs *fs, uint64_t blk, uint64_t count, void *buf)
{
	if (!count || !ext2_block_ok(fs, blk) || count > fs->blocks_count - blk)
		return -EIO;
	return ext2_dev_read(fs, blk << fs->log_block, buf, (size_t)(count << fs->log_block));
}

int ext2_read_block(struct ext2_fs *fs, uint64_t blk, void *buf)
{
	return ext2_read_blocks(fs, blk, 1, buf);
}

int ext2_dev_write(struct ext2_fs *fs, uint64_t off, const void *buf, size_t len)
{
	int r;

	if (!fs->rw)
		return -EROFS;
	if (off > fs->dev.size || len > fs->dev.size - off)
		return -EIO;
	r = fs->dev.write(fs->dev.arg, off, buf, len);
	if (r < 0)
		return r;
	return r ? -EIO : 0;
}

int ext2_write_block(struct ext2_fs *fs, uint64_t blk, const void *buf)
{
	if (!ext2_block_ok(fs, blk))
		return -EIO;
	/* the map's cached indirect blocks must not go stale */
	for (unsigned i = 0; i < EXT2_IND_LEVELS; i++)
		if (fs->ind_blk[i] == blk)
			fs->ind_blk[i] = 0;
	return ext2_dev_write(fs, blk << fs->log_block, buf, fs->block_size);
}

/* Only the 32 bytes of ext2's descriptor: a read-write mount has no 64bit. */
int ext2_write_desc(struct ext2_fs *fs, uint32_t g)
{
	return ext2_dev_write(fs, fs->gd_off[g], &fs->gd[g], EXT2_DESC_SIZE);
}

static int write_super(struct ext2_fs *fs)
{
	fs->sb->s_free_blocks_count_lo = (uint32_t)fs->free_blocks;
	fs->sb->s_free_inodes_count = (uint32_t)fs->free_inodes;
	fs->sb->s_wtime = fs->now;
	fs->sb_dirty = false;
	return ext2_dev_write(fs, EXT2_SUPER_OFFSET, fs->sb, EXT2_SUPER_SIZE);
}

int ext2_flush_super(struct ext2_fs *fs)
{
	return fs->sb_dirty ? write_super(fs) : 0;
}

static bool power_of_3_5_7(uint32_t g)
{
	for (uint32_t base = 3; base <= 7; base += 2) {
		uint64_t p = base;

		while (p < g)
			p *= base;
		if (p == g)
			return true;
	}
	return false;
}

/* Whether group g holds a copy of the superblock (and so of the group
 * descriptors): ext4 layout "Block Groups", sparse_super and sparse_super2. */
static bool group_has_super(const struct ext2_fs *fs, const struct ext2_super *sb, uint32_t g)
{
	if (g == 0)
		return true;
	if (fs->compat & EXT2_COMPAT_SPARSE_SUPER2)
		return g == sb->s_backup_bgs[0] || g == sb->s_backup_bgs[1];
	if (g == 1 || !(fs->ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER))
		return true;
	return power_of_3_5_7(g);
}

/* The device block of the j-th block of group descriptors. Without
 * meta_bg they follow the superblock; with it, block j from
 * s_first_meta_bg on sits in the first group of the j-th meta group
 * (a meta group being the groups one block of descriptors describes),
 * after that group's superblock copy if it has one. */
static uint64_t desc_block(const struct ext2_fs *fs, const struct ext2_super *sb, uint32_t j)
{
	uint64_t first = EXT2_SUPER_OFFSET / fs->block_size + 1;
	uint32_t per_block = fs->block_size / fs->desc_size;
	uint64_t g;

	if (!(fs->incompat & EXT2_INCOMPAT_META_BG) || j < sb->s_first_meta_bg)
		return first + j;
	g = (uint64_t)j * per_block;
	return fs->first_data_block + g * fs->blocks_per_group +
	       (group_has_super(fs, sb, (uint32_t)g) ? 1 : 0);
}

uint32_t ext2_group_reserved(const struct ext2_fs *fs, uint32_t g)
{
	uint32_t per_block = fs->block_size / fs->desc_size;
	uint32_t old_blocks = (fs->groups + per_block - 1) / per_block, n;
	uint32_t in_meta = g % per_block;

	if (fs->incompat & EXT2_INCOMPAT_META_BG)
		old_blocks = fs->sb->s_first_meta_bg;
	n = group_has_super(fs, fs->sb, g) ? 1 + old_blocks + fs->sb->s_reserved_gdt_blocks : 0;
	/* meta_bg: a meta group's descriptors in its first, second and last
	 * groups, after the superblock copy if any */
	if ((fs->incompat & EXT2_INCOMPAT_META_BG) && g / per_block >= fs->sb->s_first_meta_bg &&
	    (in_meta == 0 || in_meta == 1 || in_meta == per_block - 1))
		n = (group_has_super(fs, fs->sb, g) ? 1 : 0) + 1;
	return n;
}

/* Reads and checks every group descriptor: the bitmaps and inode table
 * inside the filesystem; sums the free counts. */
static int load_groups(struct ext2_fs *fs, const struct ext2_super *sb, struct why *w)
{
	uint32_t per_block = fs->block_size / fs->desc_size;
	uint32_t nblocks = (fs->groups + per_block - 1) / per_block;
	uint64_t itable_blocks = ((uint64_t)fs->inodes_per_group * fs->inode_size +
				  fs->block_size - 1) >> fs->log_block;
	bool csum = fs->ro_compat & (EXT2_RO_COMPAT_GDT_CSUM | EXT2_RO_COMPAT_METADATA_CSUM);
	bool wide = fs->desc_size >= EXT4_MIN_DESC_SIZE_64BIT;
	unsigned char *buf;
	uint32_t g = 0;
	int r = 0;

	if ((fs->incompat & EXT2_INCOMPAT_META_BG) && sb->s_first_meta_bg > nblocks)
		return why_fail(w, -EINVAL, "first meta group ", sb->s_first_meta_bg,
				" is past the group descriptors");
	if (!(fs->incompat & EXT2_INCOMPAT_META_BG) || sb->s_first_meta_bg) {
		uint64_t end = desc_block(fs, sb, 0) + (fs->incompat & EXT2_INCOMPAT_META_BG ?
					sb->s_first_meta_bg : nblocks);

		if (end > fs->blocks_count)
			return why_fail(w, -EINVAL, "group descriptors run past block ",
					fs->blocks_count, "");
	}
	fs->itable = kmalloc((size_t)fs->groups * sizeof(*fs->itable));
	fs->iused = kmalloc((size_t)fs->groups * sizeof(*fs->iused));
	fs->gd = kzalloc((size_t)fs->groups * sizeof(*fs->gd));
	fs->gd_off = kmalloc((size_t)fs->groups * sizeof(*fs->gd_off));
	buf = kmalloc(fs->block_size);
	if (!fs->itable || !fs->iused || !fs->gd || !fs->gd_off || !buf) {
		kfree(buf);
		return why_fail(w, -ENOMEM, "no memory for ", fs->groups, " groups");
	}
	fs->free_blocks = 0;
	fs->free_inodes = 0;
	for (uint32_t j = 0; j < nblocks && !r; j++) {
		uint64_t blk = desc_block(fs, sb, j);

		if (!ext2_block_ok(fs, blk)) {
			r = why_fail(w, -EINVAL, "group descriptor block ", blk,
				     " is outside the filesystem");
			break;
		}
		r = ext2_read_block(fs, blk, buf);
		if (r) {
			why_fail(w, r, "cannot read group descriptor block ", blk, "");
			break;
		}
		for (uint32_t i = 0; i < per_block && g < fs->groups; i++, g++) {
			const struct ext2_group_desc *d =
				(const void *)(buf + (size_t)i * fs->desc_size);
			uint64_t bb = d->bg_block_bitmap_lo, ib = d->bg_inode_bitmap_lo;
			uint64_t it = d->bg_inode_table_lo, fb = d->bg_free_blocks_count_lo;
			uint32_t fi = d->bg_free_inodes_count_lo, unused = d->bg_itable_unused_lo;

			if (wide) {
				bb |= (uint64_t)d->bg_block_bitmap_hi << 32;
				ib |= (uint64_t)d->bg_inode_bitmap_hi << 32;
				it |= (uint64_t)d->bg_inode_table_hi << 32;
				fb |= (uint64_t)d->bg_free_blocks_count_hi << 16;
				fi |= (uint32_t)d->bg_free_inodes_count_hi << 16;
				unused |= (uint32_t)d->bg_itable_unused_hi << 16;
			}
			if (!ext2_block_ok(fs, bb) || !ext2_block_ok(fs, ib) ||
			    !ext2_block_ok(fs, it) || itable_blocks > fs->blocks_count - it) {
				r = why_fail(w, -EINVAL, "group ", g,
					     ": a bitmap or the inode table is outside the filesystem");
				break;
			}
			if (fi > fs->inodes_per_group || unused > fs->inodes_per_group) {
				r = why_fail(w, -EINVAL, "group ", g, ": inode counts above the group's");
				break;
			}
			fs->itable[g] = it;
			memcpy(&fs->gd[g], d, fs->desc_size < sizeof(*d) ? fs->desc_size : sizeof(*d));
			fs->gd_off[g] = (blk << fs->log_block) + (uint64_t)i * fs->desc_size;
			fs->iused[g] = fs->inodes_per_group;
			if (csum && (d->bg_flags & EXT4_BG_INODE_UNINIT))
				fs->iused[g] = 0;
			else if (csum)
				fs->iused[g] = fs->inodes_per_group - unused;
			fs->free_blocks += fb * fs->cluster_ratio;
			fs->free_inodes += fi;
		}
	}
	kfree(buf);
	return r;
}

/* Checks the superblock's numbers and fills fs from them. */
static int check_super(struct ext2_fs *fs, const struct ext2_super *sb, struct why *w)
{
	uint32_t unsupported;
	uint64_t groups;

	if (sb->s_magic != EXT2_SUPER_MAGIC)
		return why_fail(w, -EINVAL, "no ext2 superblock (magic ", sb->s_magic, ")");
	if (sb->s_rev_level > EXT2_DYNAMIC_REV)
		return why_fail(w, -EINVAL, "unknown revision ", sb->s_rev_level, "");
	if (sb->s_log_block_size > EXT2_MAX_LOG_BLOCK - EXT2_MIN_LOG_BLOCK)
		return why_fail(w, -EINVAL, "bad block size (log ", sb->s_log_block_size, ")");
	fs->rev = sb->s_rev_level;
	fs->log_block = sb->s_log_block_size + EXT2_MIN_LOG_BLOCK;
	fs->block_size = 1u << fs->log_block;
	fs->ptrs_per_block = fs->block_size / 4;
	if (fs->rev == EXT2_DYNAMIC_REV) {
		fs->compat = sb->s_feature_compat;
		fs->incompat = sb->s_feature_incompat;
		fs->ro_compat = sb->s_feature_ro_compat;
		fs->inode_size = sb->s_inode_size;
	} else {
		fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
	}
	unsupported = fs->incompat & ~INCOMPAT_READ;
	if (unsupported) {
		w->pos = 0;
		why_str(w, "ext2: cannot read incompatible feature(s): ");
		why_features(w, unsupported, incompat_names);
		return -EOPNOTSUPP;
	}
	fs->state = sb->s_state;
	fs->blocks_count = sb->s_blocks_count_lo;
	fs->reserved_blocks = sb->s_r_blocks_count_lo;
	fs->desc_size = EXT2_DESC_SIZE;
	if (fs->incompat & EXT2_INCOMPAT_64BIT) {
		fs->blocks_count |= (uint64_t)sb->s_blocks_count_hi << 32;
		fs->reserved_blocks |= (uint64_t)sb->s_r_blocks_count_hi << 32;
		fs->desc_size = sb->s_desc_size;
		if (fs->desc_size < EXT4_MIN_DESC_SIZE_64BIT || fs->desc_size > fs->block_size ||
		    (fs->desc_size & (fs->desc_size - 1)))
			return why_fail(w, -EINVAL, "bad group descriptor size ", fs->desc_size, "");
	}
	if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE || fs->inode_size > fs->block_size ||
	    (fs->inode_size & (fs->inode_size - 1)))
		return why_fail(w, -EINVAL, "bad inode size ", fs->inode_size, "");
	fs->first_data_block = sb->s_first_data_block;
	if (fs->first_data_block > EXT2_SUPER_OFFSET / fs->block_size)
		return why_fail(w, -EINVAL, "bad first data block ", fs->first_data_block, "");
	if (fs->blocks_count <= fs->first_data_block + 1u)
		return why_fail(w, -EINVAL, "bad block count ", fs->blocks_count, "");
	if (fs->blocks_count > fs->dev.size >> fs->log_block)
		return why_fail(w, -EINVAL, "filesystem of ", fs->blocks_count,
				" blocks is larger than the device");
	if (fs->reserved_blocks > fs->blocks_count)
		return why_fail(w, -EINVAL, "reserved block count ", fs->reserved_blocks,
				" is above the block count");
	fs->cluster_ratio = 1;
	fs->blocks_per_group = sb->s_blocks_per_group;
	if (fs->ro_compat & EXT2_RO_COMPAT_BIGALLOC) {
		if (sb->s_log_cluster_size < sb->s_log_block_size ||
		    sb->s_log_cluster_size - sb->s_log_block_size > 16)
			return why_fail(w, -EINVAL, "bad cluster size (log ", sb->s_log_cluster_size, ")");
		fs->cluster_ratio = 1u << (sb->s_log_cluster_size - sb->s_log_block_size);
		if (sb->s_clusters_per_group == 0 || sb->s_clusters_per_group > 8 * fs->block_size ||
		    (uint64_t)sb->s_clusters_per_group * fs->cluster_ratio != fs->blocks_per_group)
			return why_fail(w, -EINVAL, "bad clusters per group ", sb->s_clusters_per_group, "");
	} else if (fs->blocks_per_group == 0 || fs->blocks_per_group > 8 * fs->block_size) {
		return why_fail(w, -EINVAL, "bad blocks per group ", fs->blocks_per_group, "");
	}
	fs->inodes_per_group = sb->s_inodes_per_group;
	if (fs->inodes_per_group == 0 || fs->inodes_per_group > 8 * fs->block_size)
		return why_fail(w, -EINVAL, "bad inodes per group ", fs->inodes_per_group, "");
	groups = (fs->blocks_count - fs->first_data_block + fs->blocks_per_group - 1) /
		 fs->blocks_per_group;
	fs->inodes_count = sb->s_inodes_count;
	if (groups > UINT32_MAX || groups * fs->inodes_per_group != fs->inodes_count)
		return why_fail(w, -EINVAL, "inode count does not match the ", groups,
				" groups' inodes");
	fs->groups = (uint32_t)groups;	/* groups <= inodes_count < 2^32 */
	if (sb->s_free_inodes_count > fs->inodes_count)
		return why_fail(w, -EINVAL, "free inode count ", sb->s_free_inodes_count,
				" is above the inode count");
	return 0;
}

int ext2_mount(const struct ext2_dev *dev, struct ext2_fs **out, char *whybuf, size_t whylen)
{
	struct why w = { whybuf, whylen, 0 };
	struct ext2_super *sb;
	struct ext2_fs *fs;
	int r;

	why_str(&w, "");
	*out = NULL;
	if (dev->size < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE)
		return why_fail(&w, -EINVAL, "device of ", dev->size, " bytes has no superblock");
	fs = kzalloc(sizeof(*fs));
	sb = kmalloc(sizeof(*sb));
	if (!fs || !sb) {
		kfree(fs);
		kfree(sb);
		return why_fail(&w, -ENOMEM, "no memory", 0, NULL);
	}
	fs->dev = *dev;
	r = ext2_dev_read(fs, EXT2_SUPER_OFFSET, sb, sizeof(*sb));
	if (r)
		why_fail(&w, r, "cannot read the superblock", 0, NULL);
	else
		r = check_super(fs, sb, &w);
	if (!r)
		r = load_groups(fs, sb, &w);
	for (unsigned i = 0; !r && i < EXT2_IND_LEVELS; i++) {
		fs->ind_buf[i] = kmalloc(fs->block_size);
		if (!fs->ind_buf[i])
			r = why_fail(&w, -ENOMEM, "no memory", 0, NULL);
	}
	fs->sb = sb;
	if (r) {
		ext2_unmount(fs);
		return r;
	}
	*out = fs;
	return 0;
}

void ext2_set_names_known(struct ext2_fs *fs)
{
	fs->names_known = true;
}

/* INCOMPAT features only ext4's driver reads. */
#define EXT4_ONLY_INCOMPAT (EXT2_INCOMPAT_EXTENTS | EXT2_INCOMPAT_64BIT | \
	EXT2_INCOMPAT_FLEX_BG | EXT2_INCOMPAT_MMP | EXT2_INCOMPAT_EA_INODE | \
	EXT2_INCOMPAT_CSUM_SEED | EXT2_INCOMPAT_LARGEDIR | EXT2_INCOMPAT_INLINE_DATA)

const char *ext2_kind(const struct ext2_fs *fs)
{
	if (fs->incompat & EXT4_ONLY_INCOMPAT)
		return "ext4";
	return fs->compat & EXT2_COMPAT_HAS_JOURNAL ? "ext3" : "ext2";
}

void ext2_unmount(struct ext2_fs *fs)
{
	if (!fs)
		return;
	/* A failed write leaves the state "not clean": e2fsck will look. */
	if (fs->rw) {
		fs->sb->s_state |= EXT2_VALID_FS;
		write_super(fs);
	}
	kfree(fs->sb);
	kfree(fs->gd);
	kfree(fs->gd_off);
	for (unsigned i = 0; i < EXT2_IND_LEVELS; i++)
		kfree(fs->ind_buf[i]);
	kfree(fs->itable);
	kfree(fs->iused);
	kfree(fs);
}

int ext2_rw_problem(const struct ext2_fs *fs, char *whybuf, size_t whylen)
{
	struct why w = { whybuf, whylen, 0 };
	uint32_t unknown = fs->ro_compat & ~RO_COMPAT_KNOWN;
	const char *sep = "ext2: read-only: ";

	why_str(&w, "");
	if (unknown) {
		why_str(&w, sep);
		why_str(&w, "features ");
		why_features(&w, unknown, ro_compat_names);
		sep = "; ";
	}
	if (fs->incompat & EXT2_INCOMPAT_RECOVER) {
		why_str(&w, sep);
		why_str(&w, "the journal needs recovery");
		sep = "; ";
	}
	if (fs->incompat & EXT2_INCOMPAT_MMP) {
		why_str(&w, sep);
		why_str(&w, "multiple-mount protection is not supported");
		sep = "; ";
	}
	if (fs->state & EXT2_ERROR_FS) {
		why_str(&w, sep);
		why_str(&w, "the filesystem has errors");
		sep = "; ";
	} else if (!(fs->state & EXT2_VALID_FS)) {
		why_str(&w, sep);
		why_str(&w, "the filesystem was not cleanly unmounted");
		sep = "; ";
	}
	return sep[0] == ';' ? -EROFS : 0;
}

int ext2_statfs(const struct ext2_fs *fs, struct ext2_statfs *st)
{
	st->block_size = fs->block_size;
	st->name_max = EXT2_NAME_LEN;
	st->blocks = fs->blocks_count;
	st->free_blocks = fs->free_blocks;
	st->avail_blocks = fs->free_blocks > fs->reserved_blocks ?
			   fs->free_blocks - fs->reserved_blocks : 0;
	st->inodes = fs->inodes_count;
	st->free_inodes = fs->free_inodes;
	return 0;
}

/* What only the writer refuses: revision 0, blocks above 4 KiB, features
 * outside RW_*; one line naming them all. */
static int rw_refused(const struct ext2_fs *fs, struct why *w)
{
	uint32_t compat = fs->compat & ~RW_COMPAT, incompat = fs->incompat & ~RW_INCOMPAT;
	uint32_t ro_compat = fs->ro_compat & ~RW_RO_COMPAT;
	const char *sep = "";

	if (fs->rev != EXT2_DYNAMIC_REV)
		return why_fail(w, -EROFS, "read-only: revision ", fs->rev,
				" is not written (revision 1 only)");
	if (fs->block_size > EXT2_RW_MAX_BLOCK)
		return why_fail(w, -EROFS, "read-only: blocks of ", fs->block_size,
				" bytes are not written (4096 at most)");
	if (!compat && !incompat && !ro_compat)
		return 0;
	w->pos = 0;
	why_str(w, "ext2: read-only: cannot write feature(s): ");
	if (compat) {
		why_features(w, compat, compat_names);
		sep = " ";
	}
	if (incompat) {
		why_str(w, sep);
		why_features(w, incompat, incompat_names);
		sep = " ";
	}
	if (ro_compat) {
		why_str(w, sep);
		why_features(w, ro_compat, ro_compat_names);
	}
	return -EROFS;
}

int ext2_mount_rw(const struct ext2_dev *dev, uint32_t now, struct ext2_fs **out, char *whybuf,
		  size_t whylen)
{
	struct why w = { whybuf, whylen, 0 };
	struct ext2_fs *fs;
	int r = ext2_mount(dev, out, whybuf, whylen);

	if (r)
		return r;
	fs = *out;
	if (!dev->write)
		r = why_fail(&w, -EROFS, "read-only: the device cannot be written", 0, NULL);
	if (!r)
		r = ext2_rw_problem(fs, whybuf, whylen);
	if (!r)
		r = rw_refused(fs, &w);
	if (!r && (fs->sb->s_first_ino <= EXT2_ROOT_INO || fs->sb->s_first_ino > fs->inodes_count))
		r = why_fail(&w, -EINVAL, "bad first inode ", fs->sb->s_first_ino, "");
	if (r) {
		ext2_unmount(fs);
		*out = NULL;
		return r;
	}
	fs->first_ino = fs->sb->s_first_ino;
	/* new inodes carry the extra fields mke2fs would give them */
	fs->extra_isize = fs->sb->s_want_extra_isize;
	if (fs->extra_isize < fs->sb->s_min_extra_isize)
		fs->extra_isize = fs->sb->s_min_extra_isize;
	if (fs->inode_size == EXT2_GOOD_OLD_INODE_SIZE || (fs->extra_isize & 3) ||
	    fs->extra_isize > fs->inode_size - EXT2_GOOD_OLD_INODE_SIZE)
		fs->extra_isize = 0;
	fs->rw = true;
	fs->now = now;
	fs->sb->s_state &= (uint16_t)~EXT2_VALID_FS;
	fs->sb->s_mnt_count++;
	fs->sb->s_mtime = now;
	r = write_super(fs);
	if (r) {
		why_fail(&w, r, "cannot write the superblock", 0, NULL);
		fs->rw = false;
		ext2_unmount(fs);
		*out = NULL;
	}
	return r;
}
