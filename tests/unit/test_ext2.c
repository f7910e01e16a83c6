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
#include <flint/heap.h>

#include "../../fs/ext2/ext2_int.h"
#include "check.h"

void *kmalloc(size_t size)
{
	return malloc(size ? size : 1);
}

void *kzalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void kfree(void *p)
{
	free(p);
}

#define MIB (1u << 20)
#define TREE EXT2_FIXTURE_DIR "/tree"

struct image {
	unsigned char *data;
	size_t size;
	uint64_t reads;
};

static int mem_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct image *im = arg;

	CHECKF(off <= im->size && len <= im->size - off,
	       "read outside the device: %" PRIu64 " + %zu > %zu", off, len, im->size);
	memcpy(buf, im->data + off, len);
	im->reads++;
	return 0;
}

static struct image load(const char *kind)
{
	char path[512];
	struct image im = { 0 };
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.img", EXT2_FIXTURE_DIR, kind);
	fd = open(path, O_RDONLY);
	CHECKF(fd >= 0, "cannot open %s", path);
	CHECK(!fstat(fd, &st));
	im.size = (size_t)st.st_size;
	im.data = malloc(im.size);
	CHECK(im.data);
	CHECK_EQ(pread(fd, im.data, im.size, 0), (ssize_t)im.size);
	close(fd);
	return im;
}

static int try_mount(struct image *im, struct ext2_fs **fs, char *why, size_t whylen)
{
	struct ext2_dev dev = { mem_read, im, im->size };

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
	struct image im = load(kind);
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
	struct image im = load("ext4");
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
	struct image im = load("ext2-1k");
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
		struct image im = load(kinds[k]);
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

int main(void)
{
	return check_run();
}
