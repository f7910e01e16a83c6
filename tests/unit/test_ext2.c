/* The ext2/ext4 reader (fs/ext2/) on images Debian's mke2fs makes from
 * the tree tests/unit/ext2_tree.py writes (see unit.mk): every node of
 * each image is compared with the tree itself (lstat, readlink, the
 * bytes). Then damaged copies of good images: each must give an error,
 * never a crash, a hang or a read outside the image (the device callback
 * fails the case on such a read). The test reaches into the reader's
 * state (ext2_int.h) only to find where to damage an image. */
#define _GNU_SOURCE	/* SEEK_DATA, SEEK_HOLE */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <flint/errno.h>

#include "../../fs/ext2/ext2_int.h"
#include "check.h"
#include "ext2_image.h"

#define MIB (1u << 20)
#define TREE EXT2_FIXTURE_DIR "/tree"

static int try_mount(struct image *im, struct ext2_fs **fs, char *why, size_t whylen)
{
	struct ext2_dev dev = { mem_read, im, im->size, NULL };

	return ext2_mount(&dev, fs, why, whylen);
}

static struct ext2_fs *mount_ok(struct image *im)
{
	char why[EXT2_WHY_MAX];
	struct ext2_fs *fs;
	int r = try_mount(im, &fs, why, sizeof(why));

	CHECKF(r == 0, "mount: %d: %s", r, why);
	return fs;
}

/* The inode a path names, from the root. */
static uint32_t walk_path(struct ext2_fs *fs, const char *path)
{
	uint32_t ino = EXT2_ROOT;

	while (*path) {
		size_t len = strcspn(path, "/");
		int r;

		if (len) {
			r = ext2_lookup(fs, ino, path, len, &ino);
			CHECKF(r == 0, "lookup %.*s: %d", (int)len, path, r);
		}
		path += len + (path[len] == '/');
	}
	return ino;
}

/* ---- comparing an image with the tree ---- */

struct entry {
	char name[256];
	uint32_t ino;
	unsigned type;
	int matched;
};

struct listing {
	struct entry *e;
	size_t n, cap;
};

static int collect(void *arg, const char *name, size_t len, uint32_t ino, unsigned type)
{
	struct listing *l = arg;

	CHECK(len > 0 && len < 256);
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
		CHECK(l->e);
	}
	memcpy(l->e[l->n].name, name, len);
	l->e[l->n].name[len] = '\0';
	l->e[l->n].ino = ino;
	l->e[l->n].type = type;
	l->e[l->n].matched = 0;
	l->n++;
	return 0;
}

static unsigned ft_of(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return EXT2_FT_REG_FILE;
	case S_IFDIR: return EXT2_FT_DIR;
	case S_IFCHR: return EXT2_FT_CHRDEV;
	case S_IFBLK: return EXT2_FT_BLKDEV;
	case S_IFIFO: return EXT2_FT_FIFO;
	case S_IFSOCK: return EXT2_FT_SOCK;
	case S_IFLNK: return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

static void check_zeros(struct ext2_fs *fs, uint32_t ino, uint64_t from, uint64_t to)
{
	static unsigned char buf[256 * 1024], zero[256 * 1024];
	uint64_t step = to - from <= 4 * MIB ? sizeof(buf) : 256ull * MIB;

	/* a long hole is sampled: its start, every 256 MiB, its end */
	for (uint64_t at = from; at < to; at += step) {
		size_t n = to - at < sizeof(buf) ? (size_t)(to - at) : sizeof(buf);

		CHECK_EQ(ext2_read(fs, ino, at, buf, n), n);
		CHECKF(!memcmp(buf, zero, n), "hole at %" PRIu64 " is not zeros", at);
	}
	if (to - from > sizeof(buf)) {
		CHECK_EQ(ext2_read(fs, ino, to - sizeof(buf), buf, sizeof(buf)), sizeof(buf));
		CHECK(!memcmp(buf, zero, sizeof(buf)));
	}
}

static void check_bytes(struct ext2_fs *fs, uint32_t ino, int fd, uint64_t from, uint64_t to)
{
	static unsigned char a[MIB], b[MIB];

	for (uint64_t at = from; at < to; at += sizeof(a)) {
		size_t n = to - at < sizeof(a) ? (size_t)(to - at) : sizeof(a);

		CHECK_EQ(pread(fd, a, n, (off_t)at), (ssize_t)n);
		CHECK_EQ(ext2_read(fs, ino, at, b, n), n);
		CHECKF(!memcmp(a, b, n), "bytes differ in [%" PRIu64 ", +%zu)", at, n);
	}
}

/* The tree's file is walked by its data and holes (SEEK_DATA). */
static void compare_file(struct ext2_fs *fs, uint32_t ino, const char *path, uint64_t size)
{
	int fd = open(path, O_RDONLY);
	uint64_t off = 0;
	char c;

	CHECKF(fd >= 0, "open %s", path);
	while (off < size) {
		off_t data = lseek(fd, (off_t)off, SEEK_DATA), hole;

		if (data < 0 || (uint64_t)data > size)
			data = (off_t)size;
		check_zeros(fs, ino, off, (uint64_t)data);
		if ((uint64_t)data >= size)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		CHECK(hole > data);
		check_bytes(fs, ino, fd, (uint64_t)data, (uint64_t)hole);
		off = (uint64_t)hole;
	}
	close(fd);
	CHECK_EQ(ext2_read(fs, ino, size, &c, 1), 0);
	CHECK_EQ(ext2_read(fs, ino, size + 12345, &c, 1), 0);
}

static void compare_dir(struct ext2_fs *fs, uint32_t dino, uint32_t parent, const char *path,
			int top);

static void compare_node(struct ext2_fs *fs, uint32_t ino, unsigned type, const char *path,
			 uint32_t parent)
{
	struct ext2_inode_info info;
	struct stat st;
	int r;

	CHECKF(!lstat(path, &st), "lstat %s", path);
	r = ext2_iget(fs, ino, &info);
	CHECKF(r == 0, "iget %s (%u): %d", path, ino, r);
	CHECK_EQ(info.ino, ino);
	CHECKF(info.mode == st.st_mode, "%s: mode %o, tree %o", path, info.mode, st.st_mode);
	CHECKF(info.uid == st.st_uid && info.gid == st.st_gid, "%s: owner %u:%u, tree %u:%u",
	       path, info.uid, info.gid, st.st_uid, st.st_gid);
	CHECKF(info.mtime == (uint32_t)st.st_mtime, "%s: mtime", path);
	CHECKF(info.links == st.st_nlink, "%s: %u links, tree %ju", path, info.links,
	       (uintmax_t)st.st_nlink);
	if (fs->incompat & EXT2_INCOMPAT_FILETYPE)
		CHECKF(type == ft_of(st.st_mode), "%s: type %u", path, type);
	else
		CHECK_EQ(type, EXT2_FT_UNKNOWN);
	if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
		CHECKF(info.size == (uint64_t)st.st_size, "%s: size %" PRIu64, path, info.size);
	if (S_ISREG(st.st_mode)) {
		compare_file(fs, ino, path, info.size);
	} else if (S_ISLNK(st.st_mode)) {
		char want[4096], got[4096];
		ssize_t n = readlink(path, want, sizeof(want));

		CHECK(n > 0);
		CHECK_EQ(ext2_readlink(fs, ino, got, sizeof(got)), n);
		CHECKF(!memcmp(want, got, (size_t)n), "%s: target", path);
		CHECK_EQ(ext2_readlink(fs, ino, got, 3), 3);	/* clipped */
		CHECK(!memcmp(want, got, 3));
		CHECK_EQ(ext2_read(fs, ino, 0, got, 1), -EINVAL);
	} else if (S_ISDIR(st.st_mode)) {
		compare_dir(fs, ino, parent, path, 0);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		unsigned ma = major(st.st_rdev), mi = minor(st.st_rdev);

		CHECK_EQ(info.rdev, (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12));
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void compare_dir(struct ext2_fs *fs, uint32_t dino, uint32_t parent, const char *path,
			int top)
{
	struct listing l = { 0 };
	uint64_t cookie = 0;
	struct dirent *de;
	size_t host = 0, extra = 0;
	DIR *d;

	CHECK_EQ(ext2_readdir(fs, dino, &cookie, collect, &l), 0);
	CHECK_EQ(ext2_readdir(fs, dino, &cookie, collect, &l), 0);	/* at the end: nothing */
	qsort(l.e, l.n, sizeof(*l.e), by_name);
	d = opendir(path);
	CHECKF(d, "opendir %s", path);
	while ((de = readdir(d))) {
		struct entry key, *e;
		char sub[1024];
		uint32_t ino;

		snprintf(key.name, sizeof(key.name), "%s", de->d_name);
		e = bsearch(&key, l.e, l.n, sizeof(*l.e), by_name);
		CHECKF(e, "%s/%s: not in the image", path, de->d_name);
		CHECKF(!e->matched, "%s/%s twice", path, de->d_name);
		e->matched = 1;
		CHECK_EQ(ext2_lookup(fs, dino, de->d_name, strlen(de->d_name), &ino), 0);
		CHECK_EQ(ino, e->ino);
		host++;
		if (!strcmp(de->d_name, "."))
			CHECK_EQ(e->ino, dino);
		else if (!strcmp(de->d_name, ".."))
			CHECK_EQ(e->ino, parent);
		else {
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			compare_node(fs, e->ino, e->type, sub, dino);
		}
	}
	closedir(d);
	for (size_t i = 0; i < l.n; i++)
		if (!l.e[i].matched) {
			CHECKF(top && !strcmp(l.e[i].name, "lost+found"), "%s/%s: not in the tree",
			       path, l.e[i].name);
			extra++;
		}
	CHECK_EQ(l.n, host + extra);
	free(l.e);
}

static void check_statfs(struct ext2_fs *fs, const char *kind)
{
	static const char *const keys[] = { "Block count:", "Free blocks:", "Inode count:",
					    "Free inodes:", "Block size:", "Reserved block count:" };
	uint64_t want[6] = { 0 };
	struct ext2_statfs st;
	char path[512], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.info", EXT2_FIXTURE_DIR, kind);
	f = fopen(path, "r");
	CHECKF(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f))
		for (int i = 0; i < 6; i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				want[i] = strtoull(line + strlen(keys[i]), NULL, 10);
	fclose(f);
	CHECK_EQ(ext2_statfs(fs, &st), 0);
	CHECK_EQ(st.blocks, want[0]);
	CHECK_EQ(st.free_blocks, want[1]);
	CHECK_EQ(st.inodes, want[2]);
	CHECK_EQ(st.free_inodes, want[3]);
	CHECK_EQ(st.block_size, want[4]);
	CHECK_EQ(st.avail_blocks, want[1] - want[5]);
	CHECK_EQ(st.name_max, 255u);
}

static void compare_image(const char *kind, const char *sub)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, kind);
	struct ext2_fs *fs = mount_ok(&im);
	char path[512], why[EXT2_WHY_MAX];

	snprintf(path, sizeof(path), "%s%s", TREE, sub);
	compare_dir(fs, EXT2_ROOT, EXT2_ROOT, path, 1);
	check_statfs(fs, kind);
	CHECKF(ext2_rw_problem(fs, why, sizeof(why)) == 0, "%s", why);
	CHECK_STR(why, "");
	ext2_unmount(fs);
	free(im.data);
}

TEST(ext2_1k) { compare_image("ext2-1k", ""); }
TEST(ext2_2k) { compare_image("ext2-2k", ""); }
TEST(ext2_4k) { compare_image("ext2-4k", ""); }
TEST(ext2_rev0) { compare_image("ext2-rev0", "/level0"); }
TEST(ext2_meta_bg) { compare_image("ext2-metabg", ""); }
TEST(ext4_1k) { compare_image("ext4", ""); }
TEST(ext4_4k) { compare_image("ext4-4k", ""); }

/* ---- particular properties of the good images ---- */

TEST(hard_link_and_htree)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext4");
	struct ext2_fs *fs = mount_ok(&im);
	struct ext2_inode_info info;
	struct ext2_inode raw;
	uint32_t a = walk_path(fs, "hello"), b = walk_path(fs, "hardlink"), many, ino;
	char name[64];

	CHECK_EQ(a, b);
	CHECK_EQ(ext2_iget(fs, a, &info), 0);
	CHECK_EQ(info.links, 2u);
	/* "many" is an htree directory, read linearly */
	many = walk_path(fs, "many");
	CHECK_EQ(ext2_inode_load(fs, many, &raw), 0);
	CHECK(raw.i_flags & 0x1000);	/* EXT2_INDEX_FL */
	for (int i = 0; i < 3000; i += 7) {
		snprintf(name, sizeof(name), "entry-%04d-%.*s", i, i % 37,
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		CHECK_EQ(ext2_lookup(fs, many, name, strlen(name), &ino), 0);
	}
	CHECK_EQ(ext2_lookup(fs, many, "entry-3000", 10, &ino), -ENOENT);
	CHECK_EQ(ext2_lookup(fs, a, "x", 1, &ino), -ENOTDIR);
	CHECK_EQ(ext2_lookup(fs, many, "", 0, &ino), -ENOENT);
	memset(name, 'a', sizeof(name));
	CHECK_EQ(ext2_lookup(fs, many, name, 256, &ino), -ENAMETOOLONG);
	/* "pieces" has 400 extents: a tree two levels deep at 1 KiB blocks */
	CHECK_EQ(ext2_inode_load(fs, walk_path(fs, "pieces"), &raw), 0);
	CHECK(raw.i_flags & EXT4_EXTENTS_FL);
	CHECK_EQ(((struct ext4_extent_header *)raw.i_block)->eh_depth, 2);
	CHECK_EQ(ext2_iget(fs, 0, &info), -EINVAL);
	CHECK_EQ(ext2_iget(fs, fs->inodes_count + 1, &info), -EINVAL);
	CHECK_EQ(ext2_iget(fs, fs->inodes_count, &info), -ENOENT);	/* unused */
	CHECK_EQ(ext2_read(fs, many, 0, name, 1), -EISDIR);
	ext2_unmount(fs);
	free(im.data);
}

static int stop_at(void *arg, const char *name, size_t len, uint32_t ino, unsigned type)
{
	struct listing *l = arg;

	if (l->n == 5)
		return 1;
	return collect(arg, name, len, ino, type);
}

/* readdir resumed from its cookie, 5 entries at a time, gives every entry
 * once; bmap agrees with the bytes read. */
TEST(readdir_cookie_and_bmap)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext2-1k");
	struct ext2_fs *fs = mount_ok(&im);
	uint32_t many = walk_path(fs, "many"), file = walk_path(fs, "size-307207");
	struct listing all = { 0 }, part = { 0 };
	uint64_t cookie = 0, dblk;
	unsigned char buf[1024];
	int r, calls = 0;

	CHECK_EQ(ext2_readdir(fs, many, &cookie, collect, &all), 0);
	CHECK_EQ(all.n, 3002u);
	cookie = 0;
	do {	/* stop_at takes five and refuses the sixth: the next call starts there */
		struct listing batch = { 0 };

		r = ext2_readdir(fs, many, &cookie, stop_at, &batch);
		CHECK(r == 0 || r == 1);
		CHECK(r == 0 || batch.n == 5);
		for (size_t i = 0; i < batch.n; i++) {
			CHECK(part.n + i < all.n);
			CHECK_STR(batch.e[i].name, all.e[part.n + i].name);
		}
		part.n += batch.n;
		free(batch.e);
	} while (r == 1 && ++calls < 2000);
	CHECK_EQ(r, 0);
	CHECK_EQ(part.n, all.n);
	free(all.e);
	for (uint64_t fb = 0; fb < 300; fb += 3) {
		CHECK_EQ(ext2_bmap(fs, file, fb, &dblk), 0);
		CHECK(dblk);
		CHECK_EQ(ext2_read(fs, file, fb * 1024, buf, 1024), 1024);
		CHECK(!memcmp(buf, im.data + dblk * 1024, 1024));
	}
	CHECK_EQ(ext2_bmap(fs, file, 301, &dblk), 0);
	CHECK_EQ(dblk, 0u);	/* past the end */
	CHECK_EQ(ext2_bmap(fs, walk_path(fs, "holes"), 200, &dblk), 0);
	CHECK_EQ(dblk, 0u);	/* a hole */
	ext2_unmount(fs);
	free(im.data);
}

/* Reads at random offsets and lengths agree with the tree's file. */
TEST(random_reads)
{
	static const char *const kinds[] = { "ext2-1k", "ext2-4k", "ext4" };
	static unsigned char a[70000], b[70000];
	uint64_t seed = 42;

	for (int k = 0; k < 3; k++) {
		struct image im = image_load(EXT2_FIXTURE_DIR, kinds[k]);
		struct ext2_fs *fs = mount_ok(&im);
		uint32_t ino = walk_path(fs, "size-307207");
		int fd = open(TREE "/size-307207", O_RDONLY);

		CHECK(fd >= 0);
		for (int i = 0; i < 300; i++) {
			uint64_t off = check_below(&seed, 310000), len = check_below(&seed, sizeof(a));
			ssize_t want = pread(fd, a, len, (off_t)off);

			CHECK(want >= 0);
			CHECK_EQ(ext2_read(fs, ino, off, b, len), want);
			CHECKF(!memcmp(a, b, (size_t)want), "%s: at %" PRIu64 " +%" PRIu64,
			       kinds[k], off, len);
		}
		close(fd);
		ext2_unmount(fs);
		free(im.data);
	}
}

/* ---- damaged images ---- */

static struct ext2_super *super_of(struct image *im)
{
	return (struct ext2_super *)(im->data + EXT2_SUPER_OFFSET);
}

/* Mounting must fail with err and a one-line reason. */
static void mount_fails(struct image *im, int err, const char *reason)
{
	char why[EXT2_WHY_MAX];
	struct ext2_fs *fs = (void *)1;
	int r = try_mount(im, &fs, why, sizeof(why));

	CHECKF(r == err, "mount gave %d, not %d (%s)", r, err, why);
	CHECK(fs == NULL);
	CHECKF(!strncmp(why, "ext2: ", 6) && !strchr(why, '\n'), "reason \"%s\"", why);
	CHECKF(strstr(why, reason), "reason \"%s\" does not say \"%s\"", why, reason);
}

TEST(damaged_superblock)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext2-1k");
	struct ext2_super *sb = super_of(&im), good = *sb;
	size_t size = im.size;

#define BAD_SB(field, value, reason)					\
	do {								\
		*sb = good;						\
		sb->field = (value);					\
		mount_fails(&im, -EINVAL, reason);			\
	} while (0)
	BAD_SB(s_magic, 0x1234, "no ext2 superblock (magic 4660)");
	BAD_SB(s_rev_level, 7, "unknown revision 7");
	BAD_SB(s_log_block_size, 30, "bad block size");
	BAD_SB(s_blocks_count_lo, 0xffffffff, "larger than the device");
	BAD_SB(s_blocks_count_lo, 0, "bad block count");
	BAD_SB(s_r_blocks_count_lo, good.s_blocks_count_lo + 1, "reserved block count");
	BAD_SB(s_inodes_count, good.s_inodes_count + 1, "inode count does not match");
	BAD_SB(s_inodes_per_group, 0, "bad inodes per group");
	BAD_SB(s_inodes_per_group, 1u << 30, "bad inodes per group");
	BAD_SB(s_blocks_per_group, 0, "bad blocks per group");
	BAD_SB(s_blocks_per_group, 1, "inode count does not match");
	BAD_SB(s_first_data_block, 5, "bad first data block");
	BAD_SB(s_inode_size, 100, "bad inode size");
	BAD_SB(s_inode_size, 4096, "bad inode size");
	BAD_SB(s_free_inodes_count, good.s_inodes_count + 1, "free inode count");
	*sb = good;
	im.size = 1500;
	mount_fails(&im, -EINVAL, "has no superblock");
	im.size = size / 2;
	mount_fails(&im, -EINVAL, "larger than the device");
	im.size = size;
	free(im.data);

	im = image_load(EXT2_FIXTURE_DIR, "ext4");
	sb = super_of(&im);
	good = *sb;
	BAD_SB(s_desc_size, 48, "bad group descriptor size");
	BAD_SB(s_desc_size, 96, "bad group descriptor size");
	BAD_SB(s_blocks_count_hi, 1, "larger than the device");
	*sb = good;
	sb->s_feature_ro_compat |= EXT2_RO_COMPAT_BIGALLOC;
	sb->s_log_cluster_size = 20;	/* 2^20 blocks a cluster */
	mount_fails(&im, -EINVAL, "bad cluster size");
	free(im.data);
#undef BAD_SB
}

static struct ext2_group_desc *desc_of(struct image *im, uint32_t g)
{
	struct ext2_super *sb = super_of(im);
	uint32_t bs = 1024u << sb->s_log_block_size;
	uint32_t dsz = sb->s_feature_incompat & EXT2_INCOMPAT_64BIT ? sb->s_desc_size : 32;

	/* not meta_bg: the table follows the superblock's block */
	return (void *)(im->data + (size_t)(1024 / bs + 1) * bs + (size_t)g * dsz);
}

TEST(damaged_group_descriptors)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext2-1k");
	struct ext2_group_desc *d = desc_of(&im, 0), good = *d, *d3 = desc_of(&im, 3), good3 = *d3;

	d->bg_inode_table_lo = 0xfffffff0;
	mount_fails(&im, -EINVAL, "group 0: a bitmap or the inode table is outside");
	*d = good;
	d->bg_block_bitmap_lo = 0;
	mount_fails(&im, -EINVAL, "group 0: a bitmap");
	*d = good;
	d3->bg_inode_table_lo = super_of(&im)->s_blocks_count_lo - 3;	/* runs past the end */
	mount_fails(&im, -EINVAL, "group 3: a bitmap or the inode table");
	*d3 = good3;
	d->bg_free_inodes_count_lo = 60000;
	mount_fails(&im, -EINVAL, "group 0: inode counts");
	free(im.data);

	im = image_load(EXT2_FIXTURE_DIR, "ext4");
	d = desc_of(&im, 1);
	d->bg_inode_table_hi = 1;
	mount_fails(&im, -EINVAL, "group 1: a bitmap or the inode table is outside");
	free(im.data);

	im = image_load(EXT2_FIXTURE_DIR, "ext2-metabg");
	super_of(&im)->s_first_meta_bg = 1000;
	mount_fails(&im, -EINVAL, "first meta group 1000");
	free(im.data);
}

TEST(features)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext2-1k");
	struct ext2_super *sb = super_of(&im), good = *sb;
	struct ext2_fs *fs;
	char why[EXT2_WHY_MAX];
	uint32_t ino;

	sb->s_feature_incompat |= 0x80000000;
	mount_fails(&im, -EOPNOTSUPP, "ext2: cannot read incompatible feature(s): 0x80000000");
	sb->s_feature_incompat |= EXT2_INCOMPAT_INLINE_DATA | EXT2_INCOMPAT_CASEFOLD;
	mount_fails(&im, -EOPNOTSUPP,
		    "incompatible feature(s): inline_data casefold 0x80000000");
	*sb = good;
	sb->s_feature_incompat |= EXT2_INCOMPAT_ENCRYPT;
	mount_fails(&im, -EOPNOTSUPP, "encrypt");

	/* unknown RO_COMPAT bits: readable, but not for writing */
	*sb = good;
	sb->s_feature_ro_compat |= 0x80000000 | EXT2_RO_COMPAT_SHARED_BLOCKS;
	fs = mount_ok(&im);
	CHECK_EQ(ext2_lookup(fs, EXT2_ROOT, "hello", 5, &ino), 0);
	CHECK_EQ(ext2_rw_problem(fs, why, sizeof(why)), -EROFS);
	CHECK_STR(why, "ext2: read-only: features shared_blocks 0x80000000");
	ext2_unmount(fs);

	/* a journal to replay: readable as of the last checkpoint */
	*sb = good;
	sb->s_feature_incompat |= EXT2_INCOMPAT_RECOVER;
	sb->s_state = 0;
	fs = mount_ok(&im);
	CHECK_EQ(ext2_rw_problem(fs, why, sizeof(why)), -EROFS);
	CHECK_STR(why, "ext2: read-only: the journal needs recovery; "
		       "the filesystem was not cleanly unmounted");
	CHECK_EQ(ext2_rw_problem(fs, NULL, 0), -EROFS);
	ext2_unmount(fs);
	*sb = good;
	sb->s_state = EXT2_VALID_FS | EXT2_ERROR_FS;
	fs = mount_ok(&im);
	CHECK_EQ(ext2_rw_problem(fs, why, 20), -EROFS);	/* clipped, terminated */
	CHECK_STR(why, "ext2: read-only: th");
	ext2_unmount(fs);
	free(im.data);
}

/* Where ino's inode lies in the image. */
static struct ext2_inode *inode_of(struct image *im, const char *path, uint32_t *ino_out)
{
	struct ext2_fs *fs = mount_ok(im);
	uint32_t ino = walk_path(fs, path);
	uint64_t g = (ino - 1) / fs->inodes_per_group, i = (ino - 1) % fs->inodes_per_group;
	uint64_t off = (fs->itable[g] << fs->log_block) + i * fs->inode_size;

	ext2_unmount(fs);
	if (ino_out)
		*ino_out = ino;
	return (struct ext2_inode *)(im->data + off);
}

/* Reads ino at off through a fresh mount (no cached block). */
static long read_at(struct image *im, uint32_t ino, uint64_t off)
{
	static unsigned char buf[8192];
	struct ext2_fs *fs = mount_ok(im);
	long r = ext2_read(fs, ino, off, buf, sizeof(buf));

	ext2_unmount(fs);
	return r;
}

TEST(damaged_block_map)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext2-1k");
	uint32_t bs = 1024, tri, mid, hello, lv;
	struct ext2_inode *t = inode_of(&im, "triple", &tri), tg = *t;
	struct ext2_inode *m = inode_of(&im, "size-307207", &mid), mg = *m;
	struct ext2_inode *h = inode_of(&im, "hello", &hello), hg = *h;
	struct ext2_inode *l = inode_of(&im, "level0", &lv);
	uint32_t *dind, save, blocks = super_of(&im)->s_blocks_count_lo;
	uint64_t dblk;
	struct ext2_fs *fs;

	CHECK_EQ(read_at(&im, tri, 70 * MIB + 123), 3000);
	t->i_block[EXT2_TIND_BLOCK] = 0xfffffff0;
	CHECK_EQ(read_at(&im, tri, 70 * MIB + 123), -EIO);
	fs = mount_ok(&im);
	CHECK_EQ(ext2_bmap(fs, tri, (70 * MIB + 123) / bs, &dblk), -EIO);
	ext2_unmount(fs);
	*t = tg;
	CHECK_EQ(read_at(&im, mid, 12 * bs), 8192);
	m->i_block[EXT2_IND_BLOCK] = blocks;
	CHECK_EQ(read_at(&im, mid, 12 * bs), -EIO);
	*m = mg;
	m->i_block[0] = 1;	/* the superblock */
	CHECK_EQ(read_at(&im, mid, 0), -EIO);
	*m = mg;
	/* the double-indirect block's first entry */
	dind = (uint32_t *)(im.data + (size_t)mg.i_block[EXT2_DIND_BLOCK] * bs);
	save = dind[0];
	dind[0] = 0xffffffff;
	CHECK_EQ(read_at(&im, mid, (12 + 256) * bs), -EIO);
	dind[0] = save;
	CHECK_EQ(read_at(&im, mid, (12 + 256) * bs), 8192);
	/* a size the block map cannot reach */
	h->i_size_high = 0xffffffff;
	CHECK_EQ(read_at(&im, hello, 1ull << 60), -EIO);
	*h = hg;
	h->i_flags |= EXT4_EXTENTS_FL;	/* without the extent feature */
	CHECK_EQ(read_at(&im, hello, 0), -EIO);
	*h = hg;
	h->i_mode = 0170644;	/* no such type */
	CHECK_EQ(read_at(&im, hello, 0), -EIO);
	*h = hg;
	/* a directory whose size is not whole blocks */
	l->i_size_lo = 1000;
	fs = mount_ok(&im);
	CHECK_EQ(ext2_lookup(fs, lv, "file", 4, &save), -EIO);
	ext2_unmount(fs);
	free(im.data);
}

static struct ext4_extent_header *root_of(struct ext2_inode *i)
{
	return (struct ext4_extent_header *)i->i_block;
}

TEST(damaged_extents)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext4");
	uint32_t pieces, small, bs = 1024;
	struct ext2_inode *p = inode_of(&im, "pieces", &pieces), pg = *p;
	struct ext2_inode *s = inode_of(&im, "size-4097", &small), sg = *s;
	struct ext4_extent_idx *idx = (void *)(root_of(p) + 1), *idx2;
	struct ext4_extent_header *node;
	struct ext4_extent *ext;
	uint64_t b1 = idx->ei_leaf_lo, b2;
	unsigned char saved[1024];

	CHECK_EQ(read_at(&im, pieces, 0), 8192);
#define BAD_ROOT(field, value)						\
	do {								\
		*p = pg;						\
		root_of(p)->field = (value);				\
		CHECK_EQ(read_at(&im, pieces, 0), -EIO);		\
	} while (0)
	BAD_ROOT(eh_magic, 0xf30b);
	BAD_ROOT(eh_depth, 6);
	BAD_ROOT(eh_depth, 1);	/* its children are at depth 1, not 0 */
	BAD_ROOT(eh_depth, 3);
	BAD_ROOT(eh_entries, 5);
	BAD_ROOT(eh_max, 5);
	*p = pg;
	idx->ei_leaf_lo = 0xfffffff0;
	CHECK_EQ(read_at(&im, pieces, 0), -EIO);
	*p = pg;
	/* an index node pointing back at itself, then at its parent's level */
	node = (void *)(im.data + b1 * bs);
	memcpy(saved, node, bs);
	idx2 = (void *)(node + 1);
	CHECK_EQ(node->eh_depth, 1);
	b2 = idx2->ei_leaf_lo;
	idx2->ei_leaf_lo = (uint32_t)b1;
	CHECK_EQ(read_at(&im, pieces, 0), -EIO);
	memcpy(node, saved, bs);
	/* a leaf's extent outside the filesystem; an empty extent */
	node = (void *)(im.data + b2 * bs);
	CHECK_EQ(node->eh_depth, 0);
	ext = (void *)(node + 1);
	memcpy(saved, node, bs);
	ext->ee_start_lo = 0xfffffff0;
	CHECK_EQ(read_at(&im, pieces, 0), -EIO);
	memcpy(node, saved, bs);
	ext->ee_len = 0;
	CHECK_EQ(read_at(&im, pieces, 0), -EIO);
	memcpy(node, saved, bs);
	ext[1].ee_block = ext[0].ee_block;	/* overlapping */
	CHECK_EQ(read_at(&im, pieces, 8192), -EIO);
	memcpy(node, saved, bs);
	CHECK_EQ(read_at(&im, pieces, 0), 8192);
	/* a tree in the inode alone */
	ext = (void *)(root_of(s) + 1);
	CHECK_EQ(root_of(s)->eh_depth, 0);
	ext->ee_start_lo = super_of(&im)->s_blocks_count_lo - 2;	/* 5 blocks past the end */
	CHECK_EQ(read_at(&im, small, 0), -EIO);
	*s = sg;
	CHECK_EQ(read_at(&im, small, 0), 4097);
	free(im.data);
#undef BAD_ROOT
}

static int count_entries(void *arg, const char *name, size_t len, uint32_t ino, unsigned type)
{
	(void)name, (void)len, (void)ino, (void)type;
	++*(int *)arg;
	return 0;
}

TEST(damaged_directories)
{
	static const char *const kinds[] = { "ext2-1k", "ext4" };

	for (int k = 0; k < 2; k++) {
		struct image im = image_load(EXT2_FIXTURE_DIR, kinds[k]);
		struct ext2_fs *fs = mount_ok(&im);
		uint32_t dir = walk_path(fs, "level0"), bs = 1 << fs->log_block, ino;
		uint64_t blk, cookie;
		struct ext2_dir_entry *de;
		unsigned char saved[4096];
		int n = 0;

		CHECK_EQ(ext2_bmap(fs, dir, 0, &blk), 0);
		ext2_unmount(fs);
		de = (void *)(im.data + blk * bs);
		memcpy(saved, de, bs);
#define BAD_DE(stmt)							\
		do {							\
			memcpy(de, saved, bs);				\
			stmt;						\
			fs = mount_ok(&im);				\
			cookie = 0;					\
			CHECK_EQ(ext2_lookup(fs, dir, "file", 4, &ino), -EIO); \
			CHECK_EQ(ext2_readdir(fs, dir, &cookie, count_entries, &n), -EIO); \
			ext2_unmount(fs);				\
		} while (0)
		BAD_DE(de->rec_len = 0);
		BAD_DE(de->rec_len = 13);
		BAD_DE(de->rec_len = (uint16_t)(bs + 4));
		BAD_DE(de->name_len = 200);
		BAD_DE(de->inode = 0xffffff00);
		BAD_DE(de->name_len = 0);
		/* the second record ("..") stretched past the block */
		BAD_DE(((struct ext2_dir_entry *)((unsigned char *)de + de->rec_len))->rec_len =
			       (uint16_t)bs);
		memcpy(de, saved, bs);
		fs = mount_ok(&im);
		CHECK_EQ(ext2_lookup(fs, dir, "file", 4, &ino), 0);
		ext2_unmount(fs);
		free(im.data);
#undef BAD_DE
	}
}

/* Random bytes of the metadata changed: whatever the reader makes of it,
 * it must not crash, hang or read outside the image. exercise() walks a
 * bounded number of nodes, reading the head and tail of each. */
static void exercise(struct ext2_fs *fs, uint32_t dir, int depth, int *budget)
{
	struct listing l = { 0 };
	uint64_t cookie = 0;

	if (depth > 8 || ext2_readdir(fs, dir, &cookie, collect, &l) < 0) {
		free(l.e);
		return;
	}
	for (size_t i = 0; i < l.n && *budget > 0; i++, --*budget) {
		static unsigned char buf[4096];
		struct ext2_inode_info info;
		uint32_t ino;
		uint64_t dblk;

		if (!strcmp(l.e[i].name, ".") || !strcmp(l.e[i].name, ".."))
			continue;
		(void)ext2_lookup(fs, dir, l.e[i].name, strlen(l.e[i].name), &ino);
		if (ext2_iget(fs, l.e[i].ino, &info))
			continue;
		(void)ext2_read(fs, l.e[i].ino, 0, buf, sizeof(buf));
		if (info.size > sizeof(buf))
			(void)ext2_read(fs, l.e[i].ino, info.size - sizeof(buf), buf, sizeof(buf));
		(void)ext2_readlink(fs, l.e[i].ino, (char *)buf, sizeof(buf));
		(void)ext2_bmap(fs, l.e[i].ino, 1, &dblk);
		if ((info.mode & 0170000) == 040000)
			exercise(fs, l.e[i].ino, depth + 1, budget);
	}
	free(l.e);
}

TEST(fuzz)
{
	static const char *const kinds[] = { "ext2-1k", "ext4", "ext2-4k", "ext4-4k" };
	uint64_t seed = 7;

	for (int k = 0; k < 4; k++) {
		struct image im = image_load(EXT2_FIXTURE_DIR, kinds[k]);
		unsigned char *good = malloc(im.size);
		size_t span = 3 * MIB;	/* the superblock, descriptors, inode tables, directories */

		CHECK(good);
		memcpy(good, im.data, im.size);
		for (int round = 0; round < 150; round++) {
			size_t at[8];
			int n = 1 + (int)check_below(&seed, 8), budget = 400;
			struct ext2_fs *fs;
			char why[EXT2_WHY_MAX];
			struct ext2_statfs st;

			for (int i = 0; i < n; i++) {
				at[i] = (size_t)check_below(&seed, span);
				im.data[at[i]] = (unsigned char)check_rand(&seed);
			}
			if (try_mount(&im, &fs, why, sizeof(why)) == 0) {
				(void)ext2_rw_problem(fs, why, sizeof(why));
				(void)ext2_statfs(fs, &st);
				exercise(fs, EXT2_ROOT, 0, &budget);
				ext2_unmount(fs);
			}
			for (int i = 0; i < n; i++)
				im.data[at[i]] = good[at[i]];
		}
		free(good);
		free(im.data);
	}
}

int main(void)
{
	return check_run();
}
