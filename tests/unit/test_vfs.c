/* fs/vfs.c and fs/ramfs.c on the kernel heap over fake RAM (as test_heap). */
#include <flint/errno.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/vfs.h>

#include "check.h"

#define RAM_PAGES 1024

static _Alignas(PAGE_SIZE) unsigned char ram[RAM_PAGES * PAGE_SIZE];

static void setup(void)
{
	struct memmap m = { 0 };

	memmap_add(&m, (uint64_t)(uintptr_t)ram, sizeof(ram), MEMMAP_RAM);
	CHECK_EQ(page_alloc_init(&m, NULL, 0), 0);
	CHECK_EQ(vfs_init(), 0);
}

static void lookup_is(const char *path, bool follow, const char *node)
{
	struct vnode *n, *want;

	CHECKF(vfs_lookup(NULL, path, follow, &n) == 0, "lookup %s", path);
	CHECK_EQ(vfs_lookup(NULL, node, false, &want), 0);
	CHECKF(n == want, "%s is not %s", path, node);
}

TEST(lookup_dot_dotdot_symlinks)
{
	struct vnode *n;

	setup();
	CHECK_EQ(vfs_mkdir(NULL, "/a", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/a/b", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/a/b/f", 0644, "data", 4), 0);
	CHECK_EQ(vfs_symlink(NULL, "b/f", "/a/rel"), 0);
	CHECK_EQ(vfs_symlink(NULL, "/a/b", "/abs"), 0);
	lookup_is("/a/./b/../b//f", true, "/a/b/f");
	lookup_is("/../../a", true, "/a");
	lookup_is("/a/rel", true, "/a/b/f");
	lookup_is("/abs/f", false, "/a/b/f");
	lookup_is("/abs/..", true, "/a");
	CHECK_EQ(vfs_lookup(NULL, "/a/rel", false, &n), 0);
	CHECK_EQ(n->mode & VFS_S_IFMT, (uint32_t)VFS_S_IFLNK);
	CHECK_EQ(vfs_lookup(vfs_root(), "a/b", true, &n), 0);
	lookup_is("/abs", true, "/a/b");
	CHECK_EQ(vfs_lookup(n, "f", true, &n), 0);
	CHECK_EQ(vfs_lookup(NULL, "/a/b/f/x", true, &n), -ENOTDIR);
	CHECK_EQ(vfs_lookup(NULL, "/nope", true, &n), -ENOENT);
	CHECK_EQ(vfs_lookup(NULL, "", true, &n), -ENOENT);
}

TEST(symlink_loops)
{
	char path[64];
	struct vnode *n;

	setup();
	CHECK_EQ(vfs_symlink(NULL, "/loop2", "/loop1"), 0);
	CHECK_EQ(vfs_symlink(NULL, "/loop1", "/loop2"), 0);
	CHECK_EQ(vfs_lookup(NULL, "/loop1", true, &n), -ELOOP);
	CHECK_EQ(vfs_lookup(NULL, "/loop1", false, &n), 0);
	/* A chain of exactly 40 links resolves; 41 is too many. */
	CHECK_EQ(vfs_create_file(NULL, "/l0", 0644, "", 0), 0);
	for (int i = 1; i <= 41; i++) {
		char target[16];

		snprintf(target, sizeof(target), "/l%d", i - 1);
		snprintf(path, sizeof(path), "/l%d", i);
		CHECK_EQ(vfs_symlink(NULL, target, path), 0);
	}
	lookup_is("/l40", true, "/l0");
	CHECK_EQ(vfs_lookup(NULL, "/l41", true, &n), -ELOOP);
}

TEST(create_read_write_seek)
{
	struct fdtable t;
	char buf[64];
	struct vfs_stat st;
	int fd, fd2;

	setup();
	fdtable_init(&t);
	CHECK_EQ(vfs_open(&t, NULL, "/f", VFS_O_RDWR, 0), -ENOENT);
	fd = vfs_open(&t, NULL, "/f", VFS_O_RDWR | VFS_O_CREAT, 0640);
	CHECK_EQ(fd, 0);
	CHECK_EQ(vfs_open(&t, NULL, "/f", VFS_O_RDWR | VFS_O_CREAT | VFS_O_EXCL, 0640), -EEXIST);
	CHECK_EQ(vfs_write(&t, fd, "hello world", 11), 11);
	CHECK_EQ(vfs_lseek(&t, fd, 6, VFS_SEEK_SET), 6);
	CHECK_EQ(vfs_read(&t, fd, buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "world", 5));
	CHECK_EQ(vfs_read(&t, fd, buf, sizeof(buf)), 0);
	/* A write past the end leaves a zero-filled hole. */
	CHECK_EQ(vfs_lseek(&t, fd, 100, VFS_SEEK_END), 111);
	CHECK_EQ(vfs_write(&t, fd, "!", 1), 1);
	CHECK_EQ(vfs_fstat(&t, fd, &st), 0);
	CHECK_EQ(st.size, 112u);
	CHECK_EQ(st.mode, (uint32_t)(VFS_S_IFREG | 0640));
	CHECK_EQ(vfs_lseek(&t, fd, -1, VFS_SEEK_SET), -EINVAL);
	CHECK_EQ(vfs_lseek(&t, fd, 50, VFS_SEEK_SET), 50);
	CHECK_EQ(vfs_read(&t, fd, buf, 1), 1);
	CHECK_EQ(buf[0], 0);
	/* dup shares the offset. */
	fd2 = vfs_dup(&t, fd);
	CHECK_EQ(fd2, 1);
	CHECK_EQ(vfs_lseek(&t, fd2, 0, VFS_SEEK_CUR), 51);
	CHECK_EQ(vfs_close(&t, fd), 0);
	CHECK_EQ(vfs_close(&t, fd), -EBADF);
	CHECK_EQ(vfs_read(&t, fd2, buf, 1), 1);
	fd = vfs_open(&t, NULL, "/f", VFS_O_WRONLY | VFS_O_TRUNC, 0);
	CHECK_EQ(fd, 0);
	CHECK_EQ(vfs_read(&t, fd, buf, 1), -EBADF);
	CHECK_EQ(vfs_stat(NULL, "/f", true, &st), 0);
	CHECK_EQ(st.size, 0u);
	fdtable_release(&t);
	CHECK_EQ(vfs_close(&t, fd2), -EBADF);
}

TEST(fdtable_fills_and_reuses_lowest)
{
	struct fdtable t;

	setup();
	fdtable_init(&t);
	CHECK_EQ(vfs_create_file(NULL, "/f", 0644, "x", 1), 0);
	for (int i = 0; i < FDTABLE_MAX; i++)
		CHECK_EQ(vfs_open(&t, NULL, "/f", VFS_O_RDONLY, 0), i);
	CHECK_EQ(vfs_open(&t, NULL, "/f", VFS_O_RDONLY, 0), -EMFILE);
	CHECK_EQ(vfs_close(&t, 5), 0);
	CHECK_EQ(vfs_open(&t, NULL, "/f", VFS_O_RDONLY, 0), 5);
	fdtable_release(&t);
}

TEST(unlink_rename_rmdir)
{
	struct fdtable t;
	struct vnode *n;
	char buf[8];
	int fd;

	setup();
	fdtable_init(&t);
	CHECK_EQ(vfs_mkdir(NULL, "/d", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/d", 0755), -EEXIST);
	CHECK_EQ(vfs_create_file(NULL, "/d/f", 0644, "abc", 3), 0);
	CHECK_EQ(vfs_unlink(NULL, "/d"), -EISDIR);
	CHECK_EQ(vfs_rmdir(NULL, "/d"), -ENOTEMPTY);
	/* An open file outlives its name. */
	fd = vfs_open(&t, NULL, "/d/f", VFS_O_RDONLY, 0);
	CHECK_EQ(vfs_unlink(NULL, "/d/f"), 0);
	CHECK_EQ(vfs_lookup(NULL, "/d/f", true, &n), -ENOENT);
	CHECK_EQ(vfs_read(&t, fd, buf, sizeof(buf)), 3);
	CHECK_EQ(vfs_close(&t, fd), 0);
	CHECK_EQ(vfs_rmdir(NULL, "/d"), 0);

	CHECK_EQ(vfs_mkdir(NULL, "/a", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/a/sub", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/a/x", 0644, "x", 1), 0);
	CHECK_EQ(vfs_create_file(NULL, "/y", 0600, "yy", 2), 0);
	CHECK_EQ(vfs_rename(NULL, "/a", "/a/sub/a"), -EINVAL);
	CHECK_EQ(vfs_rename(NULL, "/y", "/a/sub"), -EISDIR);
	CHECK_EQ(vfs_rename(NULL, "/a/sub", "/y"), -ENOTDIR);
	CHECK_EQ(vfs_rename(NULL, "/y", "/a/x"), 0);	/* replaces x */
	CHECK_EQ(vfs_lookup(NULL, "/y", true, &n), -ENOENT);
	CHECK_EQ(vfs_lookup(NULL, "/a/x", true, &n), 0);
	CHECK_EQ(n->size, 2u);
	CHECK_EQ(vfs_rename(NULL, "/a", "/b"), 0);
	lookup_is("/b/sub/..", true, "/b");
	CHECK_EQ(vfs_rename(NULL, "/nope", "/c"), -ENOENT);
	CHECK_EQ(vfs_unlink(NULL, "/"), -EBUSY);
}

TEST(readdir_in_name_order)
{
	struct fdtable t;
	struct vfs_dirent d;
	const char *names[] = { "a", "b", "c" };
	int fd;

	setup();
	fdtable_init(&t);
	CHECK_EQ(vfs_mkdir(NULL, "/c", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/a", 0644, "", 0), 0);
	CHECK_EQ(vfs_symlink(NULL, "a", "/b"), 0);
	fd = vfs_open(&t, NULL, "/", VFS_O_RDONLY | VFS_O_DIRECTORY, 0);
	CHECK(fd >= 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(vfs_readdir(&t, fd, &d), 1);
		CHECK_STR(d.name, names[i]);
	}
	CHECK_EQ(vfs_readdir(&t, fd, &d), 0);
	CHECK_EQ(vfs_open(&t, NULL, "/", VFS_O_RDWR, 0), -EISDIR);
	CHECK_EQ(vfs_open(&t, NULL, "/a", VFS_O_RDONLY | VFS_O_DIRECTORY, 0), -ENOTDIR);
	fdtable_release(&t);
}

int main(void)
{
	return check_run();
}
