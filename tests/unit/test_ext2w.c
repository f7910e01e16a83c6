/* The ext2 writer (fs/ext2/) on empty images Debian's mke2fs makes (see
 * unit.mk): sequences of writes, truncations and namespace changes, kept
 * in a model here; then the image is written to a file and must pass
 * `e2fsck -fn` with nothing to say, `debugfs -R "rdump /t DIR"` must give
 * back the model's tree byte for byte, and the reader must read the model
 * back. Then running out of blocks and inodes, refused mounts, and
 * damaged images, which must never make the writer write outside the
 * device (the callback fails the case on such a write). */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <flint/errno.h>

#include "../../fs/ext2/ext2_int.h"
#include "check.h"
#include "ext2_image.h"

#define NOW 1700000000u
#define GIB (1ull << 30)

static struct ext2_fs *mount_rw(struct image *im)
{
	struct ext2_dev dev = { mem_read, im, im->size, mem_write };
	struct ext2_fs *fs;
	char why[EXT2_WHY_MAX];
	int r = ext2_mount_rw(&dev, NOW, &fs, why, sizeof(why));

	CHECKF(r == 0, "mount_rw: %d %s", r, why);
	return fs;
}

static struct ext2_fs *mount_ro(struct image *im)
{
	struct ext2_dev dev = { mem_read, im, im->size, NULL };
	struct ext2_fs *fs;
	char why[EXT2_WHY_MAX];
	int r = ext2_mount(&dev, &fs, why, sizeof(why));

	CHECKF(r == 0, "mount: %d %s", r, why);
	return fs;
}

/* Writes the image to a file of the build directory; its path in out. */
static void save(const struct image *im, const char *name, char *out, size_t outlen)
{
	int fd;

	snprintf(out, outlen, "%s/out-%s-%d.img", EXT2W_FIXTURE_DIR, name, (int)getpid());
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECKF(fd >= 0, "cannot create %s", out);
	CHECK_EQ(pwrite(fd, im->data, im->size, 0), (ssize_t)im->size);
	close(fd);
}

/* e2fsck -fn must find nothing: exit status 0. */
static void fsck_clean(const char *img)
{
	char cmd[1200], log[1024], msg[700] = "";
	FILE *f;
	int st;

	snprintf(log, sizeof(log), "%s.fsck", img);
	snprintf(cmd, sizeof(cmd), "%s -fn %s > %s 2>&1", E2FSCK, img, log);
	st = system(cmd);
	if (st) {
		f = fopen(log, "r");
		if (f) {
			size_t n = fread(msg, 1, sizeof(msg) - 1, f);

			msg[n] = '\0';
			fclose(f);
		}
	}
	CHECKF(st == 0, "e2fsck -fn %s: status %d:\n%s", img, st, msg);
	unlink(log);
}

/* --- The model: what the tree under /t must hold. --- */

#define MAX_NODES 1400
#define PATH_MAX_T 300

struct node {
	char path[PATH_MAX_T];	/* from the root, "/t/..." */
	char type;		/* 'f', 'd', 'l' */
	unsigned char *data;	/* a file's bytes, a link's target */
	uint64_t size;
	uint32_t mode;
};

static struct node model[MAX_NODES];
static int nmodel;

static struct node *m_find(const char *path)
{
	for (int i = 0; i < nmodel; i++)
		if (!strcmp(model[i].path, path))
			return &model[i];
	return NULL;
}

static struct node *m_add(const char *path, char type, uint32_t mode)
{
	struct node *n;

	CHECK(nmodel < MAX_NODES && !m_find(path));
	n = &model[nmodel++];
	memset(n, 0, sizeof(*n));
	snprintf(n->path, sizeof(n->path), "%s", path);
	n->type = type;
	n->mode = mode;
	n->data = malloc(1);
	CHECK(n->data);
	return n;
}

static void m_del(const char *path)
{
	struct node *n = m_find(path);

	CHECKF(n, "model has no %s", path);
	free(n->data);
	*n = model[--nmodel];
}

/* Renames path and everything below it. */
static void m_rename(const char *from, const char *to)
{
	size_t fl = strlen(from);

	if (m_find(to))
		m_del(to);
	for (int i = 0; i < nmodel; i++) {
		char tmp[PATH_MAX_T];

		if (strncmp(model[i].path, from, fl) || (model[i].path[fl] && model[i].path[fl] != '/'))
			continue;
		snprintf(tmp, sizeof(tmp), "%s%s", to, model[i].path + fl);
		strcpy(model[i].path, tmp);
	}
}

static void m_resize(struct node *n, uint64_t size)
{
	n->data = realloc(n->data, size ? size : 1);
	CHECK(n->data);
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	n->size = size;
}

/* --- Paths in the filesystem. --- */

static uint32_t resolve(struct ext2_fs *fs, const char *path)
{
	uint32_t ino = EXT2_ROOT;
	const char *p = path;

	while (*p) {
		const char *e;
		int r;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		r = ext2_lookup(fs, ino, p, (size_t)(e - p), &ino);
		CHECKF(r == 0, "lookup %s in %s: %d", p, path, r);
		p = e;
	}
	return ino;
}

/* The directory of path and the name's place in path. */
static uint32_t parent_of(struct ext2_fs *fs, const char *path, const char **name)
{
	char dir[PATH_MAX_T];
	const char *slash = strrchr(path, '/');

	CHECK(slash);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	*name = slash + 1;
	return resolve(fs, dir);
}

static const struct ext2_new_attr attr644 = { 0644, 1000, 100, NOW };
static const struct ext2_new_attr attr755 = { 0755, 0, 0, NOW };

static uint32_t do_mkdir(struct ext2_fs *fs, const char *path)
{
	const char *name;
	uint32_t dir = parent_of(fs, path, &name), ino;
	int r = ext2_mkdir(fs, dir, name, strlen(name), &attr755, &ino);

	CHECKF(r == 0, "mkdir %s: %d", path, r);
	m_add(path, 'd', 0755);
	return ino;
}

static uint32_t do_create(struct ext2_fs *fs, const char *path)
{
	const char *name;
	uint32_t dir = parent_of(fs, path, &name), ino;
	int r = ext2_create(fs, dir, name, strlen(name), &attr644, &ino);

	CHECKF(r == 0, "create %s: %d", path, r);
	m_add(path, 'f', 0644);
	return ino;
}

static uint64_t rng = 88172645463325252ull;

static unsigned char next_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned char)rng;
}

/* Writes len pseudo-random bytes at off in pieces of piece bytes. */
static void do_write(struct ext2_fs *fs, const char *path, uint64_t off, uint64_t len,
		     size_t piece)
{
	struct node *n = m_find(path);
	uint32_t ino = resolve(fs, path);
	unsigned char *buf = malloc(piece);

	CHECK(n && buf);
	if (off + len > n->size)
		m_resize(n, off + len);
	for (uint64_t done = 0; done < len; ) {
		size_t k = len - done < piece ? (size_t)(len - done) : piece;
		long w;

		for (size_t i = 0; i < k; i++)
			buf[i] = next_byte();
		w = ext2_write(fs, ino, off + done, buf, k, NOW + 1);
		CHECKF(w == (long)k, "write %s at %" PRIu64 ": %ld", path, off + done, w);
		memcpy(n->data + off + done, buf, k);
		done += k;
	}
	free(buf);
}

static void do_truncate(struct ext2_fs *fs, const char *path, uint64_t size)
{
	struct node *n = m_find(path);
	int r = ext2_truncate(fs, resolve(fs, path), size, NOW + 2);

	CHECKF(r == 0, "truncate %s to %" PRIu64 ": %d", path, size, r);
	m_resize(n, size);
}

static void do_symlink(struct ext2_fs *fs, const char *path, size_t tlen)
{
	const char *name;
	uint32_t dir = parent_of(fs, path, &name), ino;
	struct node *n = m_add(path, 'l', 0777);
	int r;

	n->data = realloc(n->data, tlen);
	for (size_t i = 0; i < tlen; i++)
		n->data[i] = (unsigned char)('a' + i % 26);
	n->size = tlen;
	r = ext2_symlink(fs, dir, name, strlen(name), (const char *)n->data, tlen, &attr755, &ino);
	CHECKF(r == 0, "symlink %s: %d", path, r);
}

static void evict(struct ext2_fs *fs, uint32_t gone)
{
	if (gone)
		CHECK_EQ(ext2_evict(fs, gone, NOW + 5), 0);
}

static void do_unlink(struct ext2_fs *fs, const char *path)
{
	const char *name;
	uint32_t dir = parent_of(fs, path, &name), gone;
	int r = ext2_unlink(fs, dir, name, strlen(name), NOW + 3, &gone);

	CHECKF(r == 0, "unlink %s: %d", path, r);
	evict(fs, gone);
	m_del(path);
}

static void do_rename(struct ext2_fs *fs, const char *from, const char *to)
{
	const char *on, *nn;
	uint32_t od = parent_of(fs, from, &on), nd = parent_of(fs, to, &nn), gone;
	int r = ext2_rename(fs, od, on, strlen(on), nd, nn, strlen(nn), NOW + 4, &gone);

	CHECKF(r == 0, "rename %s %s: %d", from, to, r);
	evict(fs, gone);
	m_rename(from, to);
}

/* Files too sparse for the model, in the root: len bytes of a pattern
 * written at off (creating the file), checked back with zeros before. */
static unsigned char sparse_byte(uint64_t off)
{
	return (unsigned char)(off * 7 + 3);
}

static void sparse_write(struct ext2_fs *fs, const char *name, uint64_t off, size_t len)
{
	unsigned char *buf = malloc(len);
	uint32_t ino;

	CHECK(buf);
	if (ext2_lookup(fs, EXT2_ROOT, name, strlen(name), &ino))
		CHECK_EQ(ext2_create(fs, EXT2_ROOT, name, strlen(name), &attr644, &ino), 0);
	for (size_t i = 0; i < len; i++)
		buf[i] = sparse_byte(off + i);
	CHECK_EQ(ext2_write(fs, ino, off, buf, len, NOW), (long)len);
	free(buf);
}

static void check_sparse(struct ext2_fs *fs, const char *name, uint64_t off, size_t len)
{
	unsigned char *buf = malloc(len + 4096);
	uint32_t ino;

	CHECK(buf);
	CHECK_EQ(ext2_lookup(fs, EXT2_ROOT, name, strlen(name), &ino), 0);
	CHECK_EQ(ext2_read(fs, ino, off - 4096, buf, len + 4096), (long)(len + 4096));
	for (size_t i = 0; i < 4096; i++)
		CHECKF(!buf[i], "%s: byte %" PRIu64 " not zero", name, off - 4096 + i);
	for (size_t i = 0; i < len; i++)
		CHECKF(buf[4096 + i] == sparse_byte(off + i), "%s: byte %" PRIu64, name, off + i);
	free(buf);
}

/* --- Checking the model. --- */

static void check_reader(struct ext2_fs *fs)
{
	uint64_t files = 0;

	for (int i = 0; i < nmodel; i++) {
		struct node *n = &model[i];
		uint32_t ino = resolve(fs, n->path);
		struct ext2_inode_info info;
		unsigned char *buf;
		long got;

		CHECK_EQ(ext2_iget(fs, ino, &info), 0);
		CHECKF((info.mode & 07777) == n->mode, "%s: mode %o", n->path, info.mode);
		if (n->type == 'd') {
			CHECKF((info.mode & EXT2_S_IFMT) == EXT2_S_IFDIR, "%s: not a dir", n->path);
			continue;
		}
		CHECKF(info.size == n->size, "%s: size %" PRIu64 " != %" PRIu64, n->path,
		       info.size, n->size);
		buf = malloc(n->size + 1);
		got = n->type == 'l' ? ext2_readlink(fs, ino, (char *)buf, n->size + 1) :
		      ext2_read(fs, ino, 0, buf, n->size + 1);
		CHECKF(got == (long)n->size, "%s: read %ld", n->path, got);
		CHECKF(!memcmp(buf, n->data, n->size), "%s: bytes differ", n->path);
		free(buf);
		files++;
	}
	CHECK(files > 0);
}

static int count_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	CHECKF(d, "opendir %s", dir);
	while ((e = readdir(d))) {
		char sub[PATH_MAX_T + 256];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		n++;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		CHECK(!lstat(sub, &st));
		if (S_ISDIR(st.st_mode))
			n += count_tree(sub);
	}
	closedir(d);
	return n;
}

/* debugfs's rdump of /t against the model. */
static void check_rdump(const char *img)
{
	char out[600], cmd[2400];
	int entries = 0;

	snprintf(out, sizeof(out), "%s.d", img);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s && %s -R 'rdump /t %s' %s "
		 "> /dev/null 2>&1", out, out, DEBUGFS, out, img);
	CHECK_EQ(system(cmd), 0);
	for (int i = 0; i < nmodel; i++) {
		struct node *n = &model[i];
		char path[1000];
		struct stat st;

		if (strncmp(n->path, "/t/", 3))
			continue;
		entries++;
		snprintf(path, sizeof(path), "%s/t%s", out, n->path + 2);
		CHECKF(!lstat(path, &st), "rdump has no %s", path);
		if (n->type == 'd') {
			CHECKF(S_ISDIR(st.st_mode), "%s not a dir", path);
		} else if (n->type == 'l') {
			char target[5000];
			ssize_t k = readlink(path, target, sizeof(target));

			CHECKF(S_ISLNK(st.st_mode) && k == (ssize_t)n->size &&
			       !memcmp(target, n->data, n->size), "%s: link differs", path);
		} else {
			unsigned char *buf = malloc(n->size + 1);
			int fd = open(path, O_RDONLY);

			CHECKF(S_ISREG(st.st_mode) && (uint64_t)st.st_size == n->size,
			       "%s: size %lld != %" PRIu64, path, (long long)st.st_size, n->size);
			CHECK(fd >= 0 && buf);
			CHECK_EQ(pread(fd, buf, n->size, 0), (ssize_t)n->size);
			CHECKF(!memcmp(buf, n->data, n->size), "%s: bytes differ", path);
			CHECKF((st.st_mode & 07777) == n->mode, "%s: mode %o", path, st.st_mode);
			close(fd);
			free(buf);
		}
	}
	snprintf(cmd, sizeof(cmd), "%s/t", out);
	CHECK_EQ(count_tree(cmd), entries);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", out);
	CHECK_EQ(system(cmd), 0);
}

static void finish(struct image *im, const char *name)
{
	char img[600];
	struct ext2_fs *fs;

	save(im, name, img, sizeof(img));
	fsck_clean(img);
	check_rdump(img);
	fs = mount_ro(im);
	check_reader(fs);
	ext2_unmount(fs);
	unlink(img);
}

static void reset_model(void)
{
	for (int i = 0; i < nmodel; i++)
		free(model[i].data);
	nmodel = 0;
}

/* The sequence of changes each block size goes through. */
static void exercise(const char *kind)
{
	struct image im = image_load(EXT2W_FIXTURE_DIR, kind);
	struct ext2_fs *fs = mount_rw(&im);
	const struct ext2_super *sb = (const void *)(im.data + EXT2_SUPER_OFFSET);
	uint64_t bs = fs->block_size, p = bs / 4;
	uint64_t sizes[] = { 0, 1, bs - 1, bs, bs + 1, 12 * bs, 12 * bs + 1, (12 + p) * bs,
			     (12 + p) * bs + 5, 300 * 1024 };
	uint32_t ino, gone, hl;
	struct ext2_inode_info info;
	struct ext2_statfs st0, st1;
	char path[PATH_MAX_T];

	reset_model();
	CHECK(!(sb->s_state & EXT2_VALID_FS));
	CHECK_EQ(ext2_statfs(fs, &st0), 0);
	m_add("/t", 'd', 0755);
	CHECK_EQ(ext2_mkdir(fs, EXT2_ROOT, "t", 1, &attr755, &ino), 0);
	do_mkdir(fs, "/t/a");
	do_mkdir(fs, "/t/a/b");
	do_mkdir(fs, "/t/a/b/c");
	do_mkdir(fs, "/t/a/b/c/d");
	do_mkdir(fs, "/t/e");

	/* sizes around the direct, single and double indirect edges */
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(path, sizeof(path), "/t/f%u", i);
		do_create(fs, path);
		do_write(fs, path, 0, sizes[i], i % 2 ? 7777 : (size_t)bs);
	}
	/* holes, truncation down and up */
	do_create(fs, "/t/a/holes");
	do_write(fs, "/t/a/holes", 0, 100, 100);
	do_write(fs, "/t/a/holes", 5 * bs + 3, 100, 100);
	do_write(fs, "/t/a/holes", (12 + p + 3) * bs, 100, 100);
	do_truncate(fs, "/t/a/holes", (12 + p + 9) * bs + 11);
	do_create(fs, "/t/a/shrink");
	do_write(fs, "/t/a/shrink", 0, (12 + p) * bs + 5, 65536);
	do_truncate(fs, "/t/a/shrink", 12 * bs + 7);
	do_truncate(fs, "/t/a/shrink", 3);
	do_truncate(fs, "/t/a/shrink", 10 * bs);
	do_write(fs, "/t/a/shrink", 4 * bs + 1, 10, 10);
	/* overwrite in the middle */
	do_write(fs, "/t/f9", 1000, 5000, 333);

	/* many names in one directory, every third removed */
	do_mkdir(fs, "/t/many");
	for (int i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "/t/many/entry-with-a-longish-name-%04d", i);
		do_create(fs, path);
		if (i % 50 == 0)
			do_write(fs, path, 0, 17, 17);
	}
	for (int i = 0; i < 1100; i += 3) {
		snprintf(path, sizeof(path), "/t/many/entry-with-a-longish-name-%04d", i);
		do_unlink(fs, path);
	}
	do_create(fs, "/t/many/after-removals");

	/* renames: within, across, over a file, a directory across and over
	 * an empty directory, and what must be refused */
	do_rename(fs, "/t/f1", "/t/one");
	do_rename(fs, "/t/one", "/t/a/one");
	do_create(fs, "/t/e/victim");
	do_write(fs, "/t/e/victim", 0, 3 * bs, 4096);
	do_rename(fs, "/t/f5", "/t/e/victim");
	do_rename(fs, "/t/a/b", "/t/e/b2");
	do_mkdir(fs, "/t/empty");
	do_rename(fs, "/t/e/b2/c", "/t/empty");
	CHECK_EQ(ext2_rename(fs, resolve(fs, "/t"), "e", 1, resolve(fs, "/t/e/b2"), "x", 1,
			     NOW, &gone), -EINVAL);
	CHECK_EQ(ext2_rename(fs, resolve(fs, "/t"), "empty", 5, resolve(fs, "/t"), "a", 1,
			     NOW, &gone), -ENOTEMPTY);
	CHECK_EQ(ext2_rename(fs, resolve(fs, "/t"), "f2", 2, resolve(fs, "/t"), "a", 1,
			     NOW, &gone), -EISDIR);

	/* rmdir, unlink of a directory, hard links */
	CHECK_EQ(ext2_rmdir(fs, resolve(fs, "/t"), "a", 1, NOW, &gone), -ENOTEMPTY);
	CHECK_EQ(ext2_unlink(fs, resolve(fs, "/t"), "a", 1, NOW, &gone), -EISDIR);
	CHECK_EQ(ext2_rmdir(fs, resolve(fs, "/t/empty"), "d", 1, NOW, &gone), 0);
	evict(fs, gone);
	m_del("/t/empty/d");
	CHECK_EQ(ext2_create(fs, resolve(fs, "/t"), "f2", 2, &attr644, &ino), -EEXIST);
	hl = resolve(fs, "/t/f3");
	CHECK_EQ(ext2_link(fs, hl, resolve(fs, "/t/e"), "hard", 4, NOW), 0);
	m_add("/t/e/hard", 'f', 0644);
	m_resize(m_find("/t/e/hard"), m_find("/t/f3")->size);
	memcpy(m_find("/t/e/hard")->data, m_find("/t/f3")->data, m_find("/t/f3")->size);
	CHECK_EQ(ext2_iget(fs, hl, &info), 0);
	CHECK_EQ(info.links, 2u);
	CHECK_EQ(ext2_link(fs, resolve(fs, "/t/a"), resolve(fs, "/t"), "dl", 2, NOW), -EPERM);
	/* unlinked while "open": the data stays readable until evicted */
	do_create(fs, "/t/open");
	do_write(fs, "/t/open", 0, 2 * bs, 999);
	ino = resolve(fs, "/t/open");
	CHECK_EQ(ext2_unlink(fs, resolve(fs, "/t"), "open", 4, NOW, &gone), 0);
	CHECK_EQ(gone, ino);
	CHECK_EQ(ext2_read(fs, ino, 0, path, 10), 10);
	CHECK_EQ(ext2_evict(fs, ino, NOW), 0);
	m_del("/t/open");

	do_symlink(fs, "/t/fast", 59);
	do_symlink(fs, "/t/e/slow", 60);
	do_symlink(fs, "/t/a/slower", bs - 1 < 1000 ? bs - 1 : 1000);

	/* setattr */
	{
		struct ext2_setattr sa = { EXT2_ATTR_MODE | EXT2_ATTR_UID | EXT2_ATTR_MTIME,
					   0600, 70000, 0, 0, 12345, 0 };

		CHECK_EQ(ext2_setattr(fs, resolve(fs, "/t/f2"), &sa), 0);
		m_find("/t/f2")->mode = 0600;
		CHECK_EQ(ext2_iget(fs, resolve(fs, "/t/f2"), &info), 0);
		CHECK_EQ(info.uid, 70000u);
		CHECK_EQ(info.mtime, 12345u);
	}

	/* past 4 GiB (sparse; large_file set as it passes 2 GiB), and the
	 * triple-indirect range, outside /t (not dumped) */
	sparse_write(fs, "big", 5 * GIB, 9);
	sparse_write(fs, "tind", (12 + p + p * p) * bs + bs / 2, (size_t)bs);
	sparse_write(fs, "tind", (12 + p + p * p + p) * bs, 100);
	CHECK(fs->ro_compat & EXT2_RO_COMPAT_LARGE_FILE);
	check_reader(fs);

	/* a file grown and cut again frees all it took */
	CHECK_EQ(ext2_statfs(fs, &st1), 0);
	do_create(fs, "/t/tmp");
	do_write(fs, "/t/tmp", 0, (12 + p + 2 * p) * bs, 1 << 16);
	do_truncate(fs, "/t/tmp", 0);
	{
		struct ext2_statfs st2;

		CHECK_EQ(ext2_statfs(fs, &st2), 0);
		CHECK_EQ(st2.free_blocks, st1.free_blocks);
		CHECK_EQ(st2.free_inodes, st1.free_inodes - 1);
		CHECK(st2.free_blocks < st0.free_blocks);
	}
	ext2_unmount(fs);
	CHECK(sb->s_state & EXT2_VALID_FS);
	CHECK_EQ(sb->s_mnt_count, 1);
	finish(&im, kind);
	fs = mount_ro(&im);
	check_sparse(fs, "big", 5 * GIB, 9);
	check_sparse(fs, "tind", (12 + p + p * p + p) * bs, 100);
	CHECK_EQ(ext2_iget(fs, resolve(fs, "/big"), &info), 0);
	CHECK_EQ(info.size, 5 * GIB + 9);
	CHECK_EQ(info.blocks, 4 * (bs / 512));	/* data and three levels of indirect */
	ext2_unmount(fs);

	/* a second mount sees it all, and removes most of it */
	fs = mount_rw(&im);
	check_reader(fs);
	for (int i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "/t/many/entry-with-a-longish-name-%04d", i);
		if (m_find(path))
			do_unlink(fs, path);
	}
	check_sparse(fs, "big", 5 * GIB, 9);
	check_sparse(fs, "tind", (12 + p + p * p) * bs + bs / 2, (size_t)bs);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(ext2_unlink(fs, EXT2_ROOT, i ? "big" : "tind", i ? 3 : 4, NOW, &gone), 0);
		evict(fs, gone);
	}
	CHECK_EQ(ext2_rmdir(fs, resolve(fs, "/t"), "many", 4, NOW, &gone), -ENOTEMPTY);
	do_unlink(fs, "/t/many/after-removals");
	CHECK_EQ(ext2_rmdir(fs, resolve(fs, "/t"), "many", 4, NOW, &gone), 0);
	evict(fs, gone);
	m_del("/t/many");
	ext2_unmount(fs);
	CHECK_EQ(sb->s_mnt_count, 2);
	finish(&im, kind);
	free(im.data);
}

TEST(write_1k) { exercise("1k"); }
TEST(write_2k) { exercise("2k"); }
TEST(write_4k) { exercise("4k"); }

/* Out of blocks, then out of inodes: each refused cleanly, the
 * filesystem consistent, and everything given back when removed. */
TEST(enospc)
{
	struct image im = image_load(EXT2W_FIXTURE_DIR, "small");
	struct ext2_fs *fs = mount_rw(&im);
	struct ext2_statfs st0, st1;
	unsigned char buf[4096];
	uint32_t ino, fill, gone;
	uint64_t written = 0;
	char name[64];
	int r = 0, made = 0;

	reset_model();
	CHECK_EQ(ext2_statfs(fs, &st0), 0);
	m_add("/t", 'd', 0755);
	CHECK_EQ(ext2_mkdir(fs, EXT2_ROOT, "t", 1, &attr755, &ino), 0);
	fill = do_create(fs, "/t/fill");
	memset(buf, 0x5a, sizeof(buf));
	for (;;) {
		long w = ext2_write(fs, fill, written, buf, sizeof(buf), NOW);

		if (w < 0) {
			CHECK_EQ(w, -ENOSPC);
			break;
		}
		written += (uint64_t)w;
		if (w < (long)sizeof(buf))
			break;
	}
	CHECK(written > 500 * 1024);
	m_resize(m_find("/t/fill"), written);
	memset(m_find("/t/fill")->data, 0x5a, written);
	CHECK_EQ(ext2_statfs(fs, &st1), 0);
	CHECK_EQ(st1.free_blocks, 0u);
	/* names still fit in the directory's block: inodes run out */
	for (made = 0; made < 100; made++) {
		snprintf(name, sizeof(name), "n%d", made);
		r = ext2_create(fs, resolve(fs, "/t"), name, strlen(name), &attr644, &ino);
		if (r)
			break;
		snprintf(name, sizeof(name), "/t/n%d", made);
		m_add(name, 'f', 0644);
	}
	CHECK(r == -ENOSPC && made > 5);
	CHECK_EQ(ext2_mkdir(fs, EXT2_ROOT, "x", 1, &attr755, &ino), -ENOSPC);
	CHECK_EQ(ext2_write(fs, resolve(fs, "/t/n0"), 0, buf, 1, NOW), -ENOSPC);
	ext2_unmount(fs);
	finish(&im, "enospc");

	/* free a little: a directory's new block then fails, names stay */
	fs = mount_rw(&im);
	CHECK_EQ(ext2_unlink(fs, resolve(fs, "/t"), "n0", 2, NOW, &gone), 0);
	evict(fs, gone);
	m_del("/t/n0");
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "a-much-longer-name-to-fill-blocks-%d", i);
		r = ext2_symlink(fs, resolve(fs, "/t"), name, strlen(name), name, strlen(name),
				 &attr755, &ino);
		if (r)
			break;
		do_unlink(fs, "/t/n1");
		m_add("/t/n1", 'f', 0644);	/* put back below */
		CHECK_EQ(ext2_create(fs, resolve(fs, "/t"), "n1", 2, &attr644, &ino), 0);
		{
			char p[80];
			struct node *n;

			snprintf(p, sizeof(p), "/t/%s", name);
			n = m_add(p, 'l', 0777);
			n->size = strlen(name);
			free(n->data);
			n->data = (unsigned char *)strdup(name);
		}
	}
	CHECK_EQ(r, -ENOSPC);
	ext2_unmount(fs);
	finish(&im, "enospc2");

	/* remove everything: the counts come back */
	fs = mount_rw(&im);
	while (nmodel > 1) {
		struct node *n = &model[nmodel - 1];

		if (n->type == 'd')
			break;
		do_unlink(fs, n->path);
	}
	CHECK_EQ(ext2_rmdir(fs, EXT2_ROOT, "t", 1, NOW, &gone), 0);
	evict(fs, gone);
	CHECK_EQ(ext2_statfs(fs, &st1), 0);
	CHECK_EQ(st1.free_blocks, st0.free_blocks);
	CHECK_EQ(st1.free_inodes, st0.free_inodes);
	ext2_unmount(fs);
	{
		char img[600];

		save(&im, "enospc3", img, sizeof(img));
		fsck_clean(img);
		unlink(img);
	}
	free(im.data);
}

static char names[3100][EXT2_NAME_LEN + 1];
static int nnames;

static int collect_name(void *arg, const char *name, size_t len, uint32_t ino, unsigned type)
{
	(void)arg;
	(void)ino;
	(void)type;
	CHECK(nnames < 3100);
	memcpy(names[nnames], name, len);
	names[nnames++][len] = '\0';
	return 0;
}

/* A hash-indexed directory (test_ext2's ext2-1k image, "many" made an
 * htree by e2fsck -D) changed: it loses EXT2_INDEX_FL, and e2fsck finds
 * a plain directory with the right records. */
TEST(htree_dir)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext2-1k");
	struct ext2_fs *fs = mount_rw(&im);
	struct ext2_inode_info info;
	uint32_t many, ino, gone;
	char name[64], img[600];
	uint64_t entries = 0;

	nnames = 0;
	CHECK_EQ(ext2_lookup(fs, EXT2_ROOT, "many", 4, &many), 0);
	CHECK_EQ(ext2_iget(fs, many, &info), 0);
	CHECK(info.flags & EXT2_INDEX_FL);
	/* every tenth of its old names goes */
	CHECK_EQ(ext2_readdir(fs, many, &entries, collect_name, NULL), 0);
	CHECK(nnames > 3000);
	for (int i = 2; i < nnames; i += 10) {
		CHECK_EQ(ext2_unlink(fs, many, names[i], strlen(names[i]), NOW, &gone), 0);
		evict(fs, gone);
	}
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "new-%d", i);
		CHECK_EQ(ext2_create(fs, many, name, strlen(name), &attr644, &ino), 0);
	}
	CHECK_EQ(ext2_iget(fs, many, &info), 0);
	CHECK(!(info.flags & EXT2_INDEX_FL));
	CHECK_EQ(ext2_rename(fs, many, "new-7", 5, EXT2_ROOT, "moved", 5, NOW, &gone), 0);
	CHECK_EQ(ext2_lookup(fs, EXT2_ROOT, "moved", 5, &ino), 0);
	ext2_unmount(fs);
	fs = mount_ro(&im);
	CHECK_EQ(ext2_lookup(fs, many, "new-199", 7, &ino), 0);
	CHECK_EQ(ext2_lookup(fs, many, "new-7", 5, &ino), -ENOENT);
	ext2_unmount(fs);
	save(&im, "htree", img, sizeof(img));
	fsck_clean(img);
	unlink(img);
	free(im.data);
}

static void refused(struct image *im, bool writable, const char *why_part)
{
	struct ext2_dev dev = { mem_read, im, im->size, writable ? mem_write : NULL };
	struct ext2_fs *fs = NULL;
	char why[EXT2_WHY_MAX];
	uint64_t writes = im->writes;

	CHECK_EQ(ext2_mount_rw(&dev, NOW, &fs, why, sizeof(why)), -EROFS);
	CHECK(fs == NULL);
	CHECKF(strstr(why, why_part), "why: %s", why);
	CHECK_EQ(im->writes, writes);
}

TEST(refusals)
{
	struct image im = image_load(EXT2_FIXTURE_DIR, "ext4");
	struct ext2_super *sb;
	struct ext2_fs *fs;
	uint32_t ino;

	refused(&im, true, "ext2: read-only: cannot write feature(s): has_journal");
	free(im.data);
	im = image_load(EXT2_FIXTURE_DIR, "ext2-rev0");
	refused(&im, true, "revision 0");
	free(im.data);
	im = image_load(EXT2W_FIXTURE_DIR, "2k");
	refused(&im, false, "the device cannot be written");
	sb = (void *)(im.data + EXT2_SUPER_OFFSET);
	sb->s_state &= (uint16_t)~EXT2_VALID_FS;
	refused(&im, true, "not cleanly unmounted");
	sb->s_state |= EXT2_VALID_FS;
	sb->s_feature_compat |= EXT2_COMPAT_HAS_JOURNAL;
	refused(&im, true, "has_journal");
	sb->s_feature_compat &= ~EXT2_COMPAT_HAS_JOURNAL;
	/* a read-only mount writes nothing */
	fs = mount_ro(&im);
	CHECK_EQ(ext2_create(fs, EXT2_ROOT, "x", 1, &attr644, &ino), -EROFS);
	CHECK_EQ(ext2_truncate(fs, 11, 0, NOW), -EROFS);
	ext2_unmount(fs);
	CHECK_EQ(im.writes, 0u);
	/* bad names */
	fs = mount_rw(&im);
	CHECK_EQ(ext2_create(fs, EXT2_ROOT, "a/b", 3, &attr644, &ino), -EINVAL);
	CHECK_EQ(ext2_create(fs, EXT2_ROOT, "..", 2, &attr644, &ino), -EEXIST);
	CHECK_EQ(ext2_create(fs, EXT2_ROOT, "", 0, &attr644, &ino), -ENOENT);
	{
		char longname[300];

		memset(longname, 'x', sizeof(longname));
		CHECK_EQ(ext2_create(fs, EXT2_ROOT, longname, 256, &attr644, &ino), -ENAMETOOLONG);
		CHECK_EQ(ext2_create(fs, EXT2_ROOT, longname, 255, &attr644, &ino), 0);
	}
	CHECK_EQ(ext2_write(fs, EXT2_ROOT, 0, "x", 1, NOW), -EISDIR);
	CHECK_EQ(ext2_evict(fs, ino, NOW), -EBUSY);
	ext2_unmount(fs);
	free(im.data);
}

/* Damage under a read-write mount: -EIO, and never a write outside. */
TEST(damaged)
{
	struct image im = image_load(EXT2W_FIXTURE_DIR, "1k");
	struct ext2_fs *fs = mount_rw(&im);
	struct ext2_inode raw;
	uint32_t ino, gone;
	unsigned char buf[2048];
	size_t off;

	memset(buf, 7, sizeof(buf));
	CHECK_EQ(ext2_create(fs, EXT2_ROOT, "f", 1, &attr644, &ino), 0);
	CHECK_EQ(ext2_write(fs, ino, 12 * 1024, buf, 1024, NOW), 1024);
	/* its single-indirect block pointing outside the filesystem */
	CHECK_EQ(ext2_inode_load(fs, ino, &raw), 0);
	off = (size_t)(fs->itable[0] << fs->log_block) + (ino - 1) * fs->inode_size;
	((struct ext2_inode *)(im.data + off))->i_block[EXT2_IND_BLOCK] = 0xfffffff0u;
	CHECK_EQ(ext2_write(fs, ino, 12 * 1024 + 5, buf, 10, NOW), -EIO);
	CHECK_EQ(ext2_write(fs, ino, 13 * 1024, buf, 10, NOW), -EIO);
	CHECK_EQ(ext2_truncate(fs, ino, 0, NOW), -EIO);
	/* pointing at the superblock */
	((struct ext2_inode *)(im.data + off))->i_block[EXT2_IND_BLOCK] = 1;
	CHECK_EQ(ext2_truncate(fs, ino, 0, NOW), -EIO);
	((struct ext2_inode *)(im.data + off))->i_block[EXT2_IND_BLOCK] = raw.i_block[EXT2_IND_BLOCK];
	/* a block bitmap calling everything free hands out nothing used: a
	 * new file's first block is looked for from its group's start */
	memset(im.data + ((size_t)fs->gd[0].bg_block_bitmap_lo << fs->log_block), 0, 1024);
	CHECK_EQ(ext2_create(fs, EXT2_ROOT, "g", 1, &attr644, &ino), 0);
	CHECK_EQ(ext2_write(fs, ino, 0, buf, 10, NOW), -EIO);
	/* a directory record damaged */
	CHECK_EQ(ext2_unlink(fs, EXT2_ROOT, "f", 1, NOW, &gone), 0);
	ext2_unmount(fs);
	free(im.data);
}

/* Random bytes anywhere in a small used image (1 MiB: mostly metadata),
 * then a fixed sequence of changes: any error is fine, a write outside
 * the device or a crash is not. */
TEST(fuzz)
{
	struct image good = image_load(EXT2W_FIXTURE_DIR, "small");
	struct ext2_fs *fs = mount_rw(&good);
	uint32_t ino, gone;
	unsigned char buf[3000];

	memset(buf, 1, sizeof(buf));
	CHECK_EQ(ext2_mkdir(fs, EXT2_ROOT, "d", 1, &attr755, &ino), 0);
	for (int i = 0; i < 15; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		CHECK_EQ(ext2_create(fs, ino, name, strlen(name), &attr644, &gone), 0);
		CHECK_EQ(ext2_write(fs, gone, (uint64_t)i * 4000, buf, sizeof(buf), NOW),
			 (long)sizeof(buf));
	}
	ext2_unmount(fs);
	for (int round = 0; round < 1000; round++) {
		struct image im = { .data = malloc(good.size), .size = good.size };
		struct ext2_dev dev = { mem_read, &im, im.size, mem_write };
		char why[EXT2_WHY_MAX];
		int n = 1 + (int)(next_byte() % 8);

		CHECK(im.data);
		memcpy(im.data, good.data, good.size);
		for (int k = 0; k < n; k++) {
			size_t at = ((size_t)next_byte() << 16 | (size_t)next_byte() << 8 |
				     next_byte()) % good.size;

			im.data[at] = next_byte();
		}
		if (ext2_mount_rw(&dev, NOW, &fs, why, sizeof(why)) == 0) {
			uint32_t d, f;

			if (!ext2_lookup(fs, EXT2_ROOT, "d", 1, &d)) {
				for (int i = 0; i < 15; i += 4) {
					char name[16];

					snprintf(name, sizeof(name), "f%d", i);
					if (!ext2_lookup(fs, d, name, strlen(name), &f)) {
						ext2_write(fs, f, 70000, buf, 100, NOW);
						ext2_truncate(fs, f, 100, NOW);
					}
					ext2_unlink(fs, d, name, strlen(name), NOW, &gone);
					if (gone)
						ext2_evict(fs, gone, NOW);
				}
				ext2_mkdir(fs, d, "new", 3, &attr755, &f);
				ext2_rename(fs, d, "f1", 2, EXT2_ROOT, "g", 1, NOW, &gone);
			}
			ext2_create(fs, EXT2_ROOT, "z", 1, &attr644, &f);
			ext2_unmount(fs);
		}
		free(im.data);
	}
	free(good.data);
}

int main(void)
{
	return check_run();
}
