/* The VFS (fs/vfs.c, fs/ramfs.c), /dev, pipes, the console tty and /proc
 * on the kernel heap over fake RAM (as test_heap). The scheduler, the UART
 * and CPUID are stand-ins below: a sleep never blocks (it ends at its
 * deadline, or else as if a signal came), and the UART's output is kept. */
#include <flint/arch.h>
#include <flint/entropy.h>
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/printk.h>
#include <flint/sched.h>
#include <flint/serial.h>
#include <flint/thread.h>
#include <flint/timer.h>
#include <flint/vfs.h>

#include "check.h"

#define RAM_PAGES 1024
#define PIPE_CAPACITY 65536
#define PIPE_ATOMIC 4096
/* termios (uapi/asm-generic/termbits.h) */
#define ISIG 0x1
#define ICANON 0x2
#define ECHO 0x8
#define OPOST 0x1
#define VINTR 0
#define VTIME 5
#define VMIN 6

static _Alignas(PAGE_SIZE) unsigned char ram[RAM_PAGES * PAGE_SIZE];
static struct thread self;
static void (*serial_rx)(char c);
static char serial_out[4096];
static size_t serial_len;

void mutex_lock(struct mutex *m)
{
	CHECK(!m->owner);
	m->owner = &self;
}

void mutex_unlock(struct mutex *m)
{
	CHECK(m->owner == &self);
	m->owner = NULL;
}

struct thread *thread_current(void)
{
	return &self;
}

int sched_sleep(spinlock_t *release, uint64_t deadline, bool interruptible)
{
	CHECK(interruptible);
	spin_unlock(release);
	return deadline ? -ETIMEDOUT : -EINTR;
}

void sched_wake(struct thread *t)
{
	(void)t;
}

unsigned sched_cpus(void)
{
	return 2;
}

uint64_t clock_ns(void)
{
	return 1;
}

uint64_t clock_boot_ns(void)
{
	return 0;
}

/* /proc/sys/kernel/hostname's source. */
void net_hostname(char *buf, size_t size)
{
	snprintf(buf, size, "flint");
}

uint64_t arch_cycles_khz(void)
{
	return 2999998;
}

void arch_cpuinfo(struct arch_cpuinfo *ci)
{
	*ci = (struct arch_cpuinfo){ .vendor = "GenuineIntel", .model_name = "Test CPU @ 3.00GHz",
				     .family = 6, .model = 85, .stepping = 7,
				     .flags = { "fpu", "sse2", "avx2" }, .nflags = 3 };
}

void entropy_random(void *buf, size_t n)
{
	memset(buf, 0x5a, n);
}

void serial_write_raw(const char *s, size_t n)
{
	CHECK(serial_len + n <= sizeof(serial_out));
	memcpy(serial_out + serial_len, s, n);
	serial_len += n;
}

void serial_set_input(void (*rx)(char c))
{
	serial_rx = rx;
}

void printk_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

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

static uint32_t nlink_of(const char *path)
{
	struct vfs_stat st;

	CHECKF(vfs_stat(NULL, path, false, &st) == 0, "stat %s", path);
	return st.nlink;
}

/* Each name reaches one node: a write through one is read through the
 * others; nlink counts the names; readdir keeps each directory sorted. */
TEST(hard_links)
{
	struct vfs_dirent d;
	struct vfs_stat a, b;
	struct vnode *n, *dir;
	struct file *f;
	char buf[16] = { 0 };
	const char *names[] = { "a", "c", "h" };

	setup();
	CHECK_EQ(vfs_mkdir(NULL, "/a", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/b", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/a/f", 0644, "one", 3), 0);
	CHECK_EQ(nlink_of("/a/f"), 1u);
	CHECK_EQ(vfs_link(NULL, "/a/f", false, NULL, "/a/g"), 0);
	CHECK_EQ(nlink_of("/a/f"), 2u);
	CHECK_EQ(vfs_lookup(NULL, "/b", true, &dir), 0);
	CHECK_EQ(vfs_link(NULL, "/a/g", false, dir, "h"), 0);	/* relative, another directory */
	CHECK_EQ(nlink_of("/b/h"), 3u);
	CHECK_EQ(vfs_stat(NULL, "/a/f", true, &a), 0);
	CHECK_EQ(vfs_stat(NULL, "/b/h", true, &b), 0);
	CHECK_EQ(a.ino, b.ino);
	lookup_is("/b/h", true, "/a/f");
	CHECK_EQ(vfs_open_file(NULL, "/a/g", VFS_O_WRONLY | VFS_O_TRUNC, 0, &f), 0);
	CHECK_EQ(vfs_file_write(f, "two!", 4), 4);
	file_put(f);
	CHECK_EQ(vfs_open_file(NULL, "/b/h", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "two!", 4));
	file_put(f);
	/* Directories keep their entries sorted: "h" lands between "a" and "c"'s. */
	CHECK_EQ(vfs_link(NULL, "/a/f", false, NULL, "/b/c"), 0);
	CHECK_EQ(vfs_link(NULL, "/a/f", false, NULL, "/b/a"), 0);
	CHECK_EQ(nlink_of("/a/f"), 5u);
	CHECK_EQ(vfs_open_file(NULL, "/b", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(vfs_file_readdir(f, &d), 1);
		CHECK_STR(d.name, names[i]);
		CHECK_EQ(d.mode, (uint32_t)(VFS_S_IFREG | 0644));
	}
	CHECK_EQ(vfs_file_readdir(f, &d), 0);
	file_put(f);
	CHECK_EQ(vfs_unlink(NULL, "/b/a"), 0);
	CHECK_EQ(vfs_unlink(NULL, "/b/c"), 0);
	/* One name goes: the others still work, nlink drops; the path is the
	 * oldest name left. */
	CHECK_EQ(vfs_lookup(NULL, "/a/f", true, &n), 0);
	CHECK_EQ(vfs_path_of(n, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "/a/f");
	CHECK_EQ(vfs_unlink(NULL, "/a/f"), 0);
	CHECK_EQ(vfs_lookup(NULL, "/a/f", true, &n), -ENOENT);
	CHECK_EQ(nlink_of("/a/g"), 2u);
	CHECK_EQ(vfs_lookup(NULL, "/b/h", true, &n), 0);
	CHECK_EQ(vfs_path_of(n, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "/a/g");
	CHECK_EQ(n->size, 4u);
	/* The directories' own counts are unchanged by file links. */
	CHECK_EQ(nlink_of("/b"), 2u);
	CHECK_EQ(nlink_of("/"), 4u);
}

TEST(hard_link_errors)
{
	struct vnode *n, *gone;
	struct vfs_stat st;
	char name[VFS_NAME_MAX + 3];	/* "/" and one byte too many */

	setup();
	CHECK_EQ(vfs_mkdir(NULL, "/d", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/f", 0644, "x", 1), 0);
	CHECK_EQ(vfs_create_file(NULL, "/g", 0644, "", 0), 0);
	CHECK_EQ(vfs_link(NULL, "/d", false, NULL, "/e"), -EPERM);
	CHECK_EQ(vfs_link(NULL, "/", false, NULL, "/e"), -EPERM);
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, "/g"), -EEXIST);
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, "/d"), -EEXIST);
	CHECK_EQ(vfs_link(NULL, "/d", false, NULL, "/g"), -EEXIST);	/* EEXIST first, as Linux */
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, "/"), -EEXIST);
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, "/d/.."), -EEXIST);
	CHECK_EQ(vfs_link(NULL, "/nope", false, NULL, "/e"), -ENOENT);
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, "/nope/e"), -ENOENT);
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, "/g/e"), -ENOTDIR);
	CHECK_EQ(vfs_link(NULL, "/f/x", false, NULL, "/e"), -ENOTDIR);
	memset(name, 'n', sizeof(name) - 1);
	name[0] = '/';
	name[sizeof(name) - 1] = '\0';
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, name), -ENAMETOOLONG);
	CHECK_EQ(vfs_link(NULL, name, false, NULL, "/e"), -ENAMETOOLONG);
	CHECK_EQ(vfs_symlink(NULL, "/loop", "/loop"), 0);
	CHECK_EQ(vfs_link(NULL, "/loop", true, NULL, "/e"), -ELOOP);
	/* EMLINK at ext4's limit (the count is set by hand: 65000 names
	 * would not fit this test's RAM). */
	CHECK_EQ(vfs_lookup(NULL, "/f", false, &n), 0);
	n->nlink = VFS_LINK_MAX;
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, "/e"), -EMLINK);
	n->nlink = VFS_LINK_MAX - 1;
	CHECK_EQ(vfs_link(NULL, "/f", false, NULL, "/e"), 0);
	n->nlink = 2;
	CHECK_EQ(vfs_unlink(NULL, "/e"), 0);
	CHECK_EQ(nlink_of("/f"), 1u);
	/* Nothing is made in a removed directory. */
	CHECK_EQ(vfs_mkdir(NULL, "/gone", 0755), 0);
	CHECK_EQ(vfs_lookup(NULL, "/gone", false, &gone), 0);
	vfs_node_hold(gone);
	CHECK_EQ(vfs_rmdir(NULL, "/gone"), 0);
	CHECK_EQ(vfs_link(NULL, "/f", false, gone, "e"), -ENOENT);
	CHECK_EQ(vfs_create_file(gone, "e", 0644, "", 0), -ENOENT);
	CHECK_EQ(vfs_stat(gone, ".", false, &st), 0);
	vfs_node_release(gone);
	CHECK_EQ(vfs_stat(NULL, "/e", false, &st), -ENOENT);
}

/* A symlink is linked itself unless follow says otherwise (linkat's
 * AT_SYMLINK_FOLLOW); an empty old path is the node given (AT_EMPTY_PATH). */
TEST(hard_link_symlink_and_empty_path)
{
	struct vfs_stat st, file;
	struct file *f;
	char target[8];

	setup();
	CHECK_EQ(vfs_create_file(NULL, "/f", 0644, "x", 1), 0);
	CHECK_EQ(vfs_symlink(NULL, "f", "/s"), 0);
	CHECK_EQ(vfs_link(NULL, "/s", false, NULL, "/s2"), 0);
	CHECK_EQ(vfs_stat(NULL, "/s2", false, &st), 0);
	CHECK_EQ(st.mode & VFS_S_IFMT, (uint32_t)VFS_S_IFLNK);
	CHECK_EQ(st.nlink, 2u);
	CHECK_EQ(vfs_readlink(NULL, "/s2", target, sizeof(target)), 1);
	CHECK_EQ(nlink_of("/f"), 1u);
	CHECK_EQ(vfs_link(NULL, "/s", true, NULL, "/f2"), 0);
	CHECK_EQ(vfs_stat(NULL, "/f2", false, &st), 0);
	CHECK_EQ(vfs_stat(NULL, "/f", false, &file), 0);
	CHECK_EQ(st.ino, file.ino);
	CHECK_EQ(st.nlink, 2u);

	CHECK_EQ(vfs_open_file(NULL, "/f", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_link(f->node, "", false, NULL, "/f3"), 0);
	CHECK_EQ(nlink_of("/f3"), 3u);
	CHECK_EQ(vfs_unlink(NULL, "/f"), 0);
	CHECK_EQ(vfs_unlink(NULL, "/f2"), 0);
	CHECK_EQ(vfs_unlink(NULL, "/f3"), 0);
	/* An open file with no name left cannot get one back (Linux: ENOENT). */
	CHECK_EQ(vfs_link(f->node, "", false, NULL, "/f4"), -ENOENT);
	file_put(f);
	CHECK_EQ(vfs_link(NULL, "", false, NULL, "/r"), -EPERM);	/* the root */
}

/* Pages free after n rounds of: a file with three names in two
 * directories, open; every name unlinked; read; closed. */
static uint64_t free_after_rounds(int rounds)
{
	struct file *f;
	struct vfs_stat st;
	char buf[8];

	for (int i = 0; i < rounds; i++) {
		CHECK_EQ(vfs_create_file(NULL, "/a/f", 0644, "data", 4), 0);
		CHECK_EQ(vfs_link(NULL, "/a/f", false, NULL, "/b/g"), 0);
		CHECK_EQ(vfs_link(NULL, "/b/g", false, NULL, "/a/h"), 0);
		CHECK_EQ(vfs_open_file(NULL, "/b/g", VFS_O_RDWR, 0, &f), 0);
		CHECK_EQ(vfs_unlink(NULL, "/a/f"), 0);
		CHECK_EQ(vfs_unlink(NULL, "/b/g"), 0);
		CHECK_EQ(vfs_file_stat(f, &st), 0);
		CHECK_EQ(st.nlink, 1u);
		CHECK_EQ(vfs_unlink(NULL, "/a/h"), 0);
		CHECK_EQ(vfs_file_stat(f, &st), 0);
		CHECK_EQ(st.nlink, 0u);
		CHECK_EQ(vfs_path_of(f->node, buf, sizeof(buf)), -ENOENT);
		CHECK_EQ(vfs_file_pread(f, buf, sizeof(buf), 0), 4);
		CHECK(!memcmp(buf, "data", 4));
		CHECK_EQ(vfs_file_write(f, "more", 4), 4);
		file_put(f);
	}
	return page_free_count();
}

/* The node is freed once, at the last close after its last name: rounds
 * leak nothing, and the heap hands out distinct blocks afterwards (a
 * double free would hand one out twice). */
TEST(hard_links_unlinked_while_open)
{
	uint64_t before;
	void *x, *y;

	setup();
	CHECK_EQ(vfs_mkdir(NULL, "/a", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/b", 0755), 0);
	before = free_after_rounds(1);
	CHECK_EQ(free_after_rounds(200), before);
	x = kmalloc(sizeof(struct vnode));
	y = kmalloc(sizeof(struct vnode));
	CHECK(x && y && x != y);
	kfree(x);
	kfree(y);
}

/* rename across directories keeps the node and its count; onto another
 * name of the same node it does nothing (POSIX). */
TEST(rename_hard_links)
{
	struct file *f;
	struct vfs_stat st, before;
	struct vnode *n;
	char buf[16];

	setup();
	CHECK_EQ(vfs_mkdir(NULL, "/a", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/b", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/a/sub", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/a/f", 0644, "f", 1), 0);
	CHECK_EQ(vfs_link(NULL, "/a/f", false, NULL, "/b/g"), 0);
	CHECK_EQ(vfs_stat(NULL, "/a/f", false, &before), 0);
	CHECK_EQ(vfs_rename(NULL, "/a/f", "/b/g"), 0);
	CHECK_EQ(nlink_of("/a/f"), 2u);
	CHECK_EQ(nlink_of("/b/g"), 2u);
	CHECK_EQ(vfs_rename(NULL, "/a/f", "/a/f"), 0);
	CHECK_EQ(vfs_rename(NULL, "/a/f", "/b/x"), 0);
	CHECK_EQ(vfs_stat(NULL, "/a/f", false, &st), -ENOENT);
	CHECK_EQ(vfs_stat(NULL, "/b/x", false, &st), 0);
	CHECK_EQ(st.ino, before.ino);
	CHECK_EQ(st.nlink, 2u);
	/* Over another file: that one loses its name, an open file of it lives. */
	CHECK_EQ(vfs_create_file(NULL, "/a/other", 0644, "other", 5), 0);
	CHECK_EQ(vfs_open_file(NULL, "/a/other", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_rename(NULL, "/b/g", "/a/other"), 0);
	CHECK_EQ(vfs_file_stat(f, &st), 0);
	CHECK_EQ(st.nlink, 0u);
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 5);
	file_put(f);
	CHECK_EQ(nlink_of("/a/other"), 2u);
	CHECK_EQ(vfs_lookup(NULL, "/b/x", false, &n), 0);
	CHECK_EQ(vfs_path_of(n, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "/b/x");
	/* A directory moves with its one name; the counts follow. */
	CHECK_EQ(nlink_of("/a"), 3u);
	CHECK_EQ(vfs_rename(NULL, "/a/sub", "/b/sub2"), 0);
	CHECK_EQ(nlink_of("/a"), 2u);
	CHECK_EQ(nlink_of("/b"), 3u);
	CHECK_EQ(vfs_lookup(NULL, "/b/sub2", false, &n), 0);
	CHECK_EQ(vfs_path_of(n, buf, sizeof(buf)), 7);
	CHECK_STR(buf, "/b/sub2");
	lookup_is("/b/sub2/..", true, "/b");
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

/* How many open descriptions path's node has. */
static unsigned opens_of(const char *path)
{
	struct vnode *n;

	CHECK_EQ(vfs_lookup(NULL, path, true, &n), 0);
	return n->opens;
}

TEST(fdtable_install_dup2_cloexec)
{
	struct fdtable t;
	struct file *f, *g;
	int fd;

	setup();
	fdtable_init(&t);
	CHECK_EQ(vfs_create_file(NULL, "/f", 0644, "abc", 3), 0);
	CHECK_EQ(vfs_create_file(NULL, "/g", 0644, "", 0), 0);
	CHECK_EQ(vfs_open_file(NULL, "/f", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(fdtable_install(&t, f, 10, true), 10);
	CHECK_EQ(fdtable_get_cloexec(&t, 10), 1);
	CHECK_EQ(fdtable_get_cloexec(&t, 9), -EBADF);
	CHECK_EQ(fdtable_set_cloexec(&t, 10, false), 0);
	CHECK_EQ(fdtable_get_cloexec(&t, 10), 0);
	CHECK_EQ(fdtable_install(&t, f, FDTABLE_MAX, false), -EINVAL);
	/* fdtable_get adds a reference of its own. */
	g = fdtable_get(&t, 10);
	CHECK(g == f);
	CHECK_EQ(f->refs, 2u);
	file_put(g);
	CHECK(!fdtable_get(&t, 11));
	/* dup2 onto an open descriptor closes what was there. */
	fd = vfs_open(&t, NULL, "/g", VFS_O_RDONLY | VFS_O_CLOEXEC, 0);
	CHECK_EQ(fd, 0);
	CHECK_EQ(fdtable_get_cloexec(&t, 0), 1);
	CHECK_EQ(opens_of("/g"), 1u);
	CHECK_EQ(fdtable_dup2(&t, 10, 0, false), 0);
	CHECK_EQ(opens_of("/g"), 0u);
	CHECK_EQ(fdtable_get_cloexec(&t, 0), 0);
	CHECK_EQ(f->refs, 2u);
	CHECK_EQ(fdtable_dup2(&t, 10, 10, true), 10);
	CHECK_EQ(fdtable_get_cloexec(&t, 10), 0);
	CHECK_EQ(fdtable_dup2(&t, 3, 4, false), -EBADF);
	CHECK_EQ(fdtable_dup2(&t, 10, FDTABLE_MAX, false), -EBADF);
	CHECK_EQ(fdtable_dup2(&t, 10, 7, true), 7);
	/* exec closes 7 only; the description lives on in 0 and 10. */
	fdtable_close_on_exec(&t);
	CHECK(!fdtable_get(&t, 7));
	CHECK_EQ(f->refs, 2u);
	CHECK_EQ(opens_of("/f"), 1u);
	fdtable_release(&t);
	CHECK_EQ(opens_of("/f"), 0u);
}

TEST(append_pread_pwrite_truncate)
{
	struct fdtable t;
	struct file *f;
	char buf[16] = { 0 };
	struct vfs_stat st;

	setup();
	fdtable_init(&t);
	CHECK_EQ(vfs_create_file(NULL, "/f", 0644, "hello", 5), 0);
	CHECK_EQ(vfs_open_file(NULL, "/f", VFS_O_RDWR | VFS_O_APPEND, 0, &f), 0);
	CHECK_EQ(f->flags, VFS_O_RDWR | VFS_O_APPEND);
	CHECK_EQ(vfs_file_lseek(f, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_file_write(f, "!", 1), 1);
	CHECK_EQ(f->offset, 6u);
	/* pwrite with O_APPEND appends too, as on Linux, and moves no offset. */
	CHECK_EQ(vfs_file_pwrite(f, "?", 1, 0), 1);
	CHECK_EQ(f->offset, 6u);
	CHECK_EQ(vfs_file_pread(f, buf, sizeof(buf), 4), 3);
	CHECK(!memcmp(buf, "o!?", 3));
	CHECK_EQ(vfs_file_pread(f, buf, sizeof(buf), 100), 0);
	CHECK_EQ(f->offset, 6u);
	CHECK_EQ(vfs_file_truncate(f, 2), 0);
	CHECK_EQ(vfs_file_stat(f, &st), 0);
	CHECK_EQ(st.size, 2u);
	CHECK_EQ(vfs_file_truncate(f, 4), 0);
	CHECK_EQ(vfs_file_pread(f, buf, sizeof(buf), 0), 4);
	CHECK(!memcmp(buf, "he\0\0", 4));
	CHECK_EQ(vfs_file_lseek(f, 0, VFS_SEEK_END), 4);
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCGETS, buf), -ENOTTY);
	CHECK_EQ(vfs_file_poll(f), (unsigned)(VFS_POLLIN | VFS_POLLOUT));
	file_put(f);
	CHECK_EQ(vfs_open_file(NULL, "/f", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_truncate(f, 0), -EINVAL);
	CHECK_EQ(vfs_file_pwrite(f, "x", 1, 0), -EBADF);
	file_put(f);
}

TEST(readdir_lseek_through_files)
{
	struct vfs_dirent d;
	struct file *f;

	setup();
	CHECK_EQ(vfs_mkdir(NULL, "/d", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/d/sub", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/d/a", 0644, "", 0), 0);
	CHECK_EQ(vfs_open_file(NULL, "/d", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
	CHECK_EQ(vfs_file_readdir(f, &d), 1);
	CHECK_STR(d.name, "a");
	CHECK_EQ(d.mode, (uint32_t)(VFS_S_IFREG | 0644));
	CHECK_EQ(vfs_file_readdir(f, &d), 1);
	CHECK_STR(d.name, "sub");
	CHECK_EQ(vfs_file_readdir(f, &d), 0);
	CHECK_EQ(vfs_file_read(f, &d, 1), -EISDIR);
	/* rewinddir */
	CHECK_EQ(vfs_file_lseek(f, 0, VFS_SEEK_SET), 0);
	CHECK_EQ(vfs_file_readdir(f, &d), 1);
	CHECK_STR(d.name, "a");
	file_put(f);
	CHECK_EQ(vfs_open_file(NULL, "/d/a", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_readdir(f, &d), -ENOTDIR);
	file_put(f);
}

TEST(path_of)
{
	char buf[16];
	struct vnode *n;
	struct file *f;

	setup();
	CHECK_EQ(vfs_path_of(vfs_root(), buf, sizeof(buf)), 1);
	CHECK_STR(buf, "/");
	CHECK_EQ(vfs_mkdir(NULL, "/usr", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/usr/bin", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/usr/bin/sh", 0755, "", 0), 0);
	CHECK_EQ(vfs_lookup(NULL, "/usr/bin/sh", true, &n), 0);
	CHECK_EQ(vfs_path_of(n, buf, sizeof(buf)), 11);
	CHECK_STR(buf, "/usr/bin/sh");
	CHECK_EQ(vfs_path_of(n, buf, 12), 11);
	CHECK_EQ(vfs_path_of(n, buf, 11), -ERANGE);
	CHECK_EQ(vfs_path_of(n, buf, 1), -ERANGE);
	CHECK_EQ(vfs_open_file(NULL, "/usr/bin/sh", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_unlink(NULL, "/usr/bin/sh"), 0);
	CHECK_EQ(vfs_path_of(f->node, buf, sizeof(buf)), -ENOENT);
	file_put(f);
}

TEST(ino_nlink_rdev)
{
	struct vfs_stat a, b, st;
	struct file *f;

	setup();
	CHECK_EQ(vfs_mkdir(NULL, "/d", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/d/x", 0755), 0);
	CHECK_EQ(vfs_mkdir(NULL, "/d/y", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/d/f", 0644, "", 0), 0);
	CHECK_EQ(vfs_stat(NULL, "/d", true, &a), 0);
	CHECK_EQ(a.nlink, 4u);
	CHECK_EQ(vfs_stat(NULL, "/d/x", true, &b), 0);
	CHECK_EQ(b.nlink, 2u);
	CHECK(a.ino && b.ino && a.ino != b.ino);
	CHECK_EQ(vfs_stat(NULL, "/d/f", true, &st), 0);
	CHECK_EQ(st.nlink, 1u);
	CHECK(st.ino != a.ino && st.ino != b.ino);
	CHECK_EQ(vfs_open_file(NULL, "/d/f", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_unlink(NULL, "/d/f"), 0);
	CHECK_EQ(vfs_file_stat(f, &st), 0);
	CHECK_EQ(st.nlink, 0u);
	file_put(f);
	CHECK_EQ(dev_populate(), 0);
	tty_init();
	CHECK(serial_rx);
	CHECK_EQ(vfs_stat(NULL, "/dev/null", true, &st), 0);
	CHECK_EQ(st.mode, (uint32_t)(VFS_S_IFCHR | 0666));
	CHECK_EQ(st.rdev, 0x103u);
	CHECK_EQ(vfs_stat(NULL, "/dev/zero", true, &st), 0);
	CHECK_EQ(st.rdev, 0x105u);
	CHECK_EQ(vfs_stat(NULL, "/dev/urandom", true, &st), 0);
	CHECK_EQ(st.rdev, 0x109u);
	CHECK_EQ(vfs_stat(NULL, "/dev/console", true, &st), 0);
	CHECK_EQ(st.mode, (uint32_t)(VFS_S_IFCHR | 0600));
	CHECK_EQ(st.rdev, 0x501u);
	CHECK_EQ(vfs_open_file(NULL, "/dev/tty", VFS_O_RDWR, 0, &f), 0);
	CHECK_EQ(vfs_file_stat(f, &st), 0);
	CHECK_EQ(st.rdev, 0x500u);
	CHECK_EQ(vfs_file_lseek(f, 0, VFS_SEEK_SET), -ESPIPE);
	CHECK_EQ(vfs_file_pread(f, &st, 1, 0), -ESPIPE);
	file_put(f);
	CHECK_EQ(VFS_RDEV(259u, 300u), 0x11032cu);
}

TEST(dev_nodes_read_write)
{
	struct fdtable t;
	unsigned char buf[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	int fd;

	setup();
	fdtable_init(&t);
	CHECK_EQ(dev_populate(), 0);
	fd = vfs_open(&t, NULL, "/dev/zero", VFS_O_RDWR, 0);
	CHECK_EQ(vfs_read(&t, fd, buf, sizeof(buf)), 8);
	CHECK_EQ(buf[7], 0);
	CHECK_EQ(vfs_write(&t, fd, buf, 3), 3);
	fd = vfs_open(&t, NULL, "/dev/null", VFS_O_RDONLY, 0);
	CHECK_EQ(vfs_read(&t, fd, buf, sizeof(buf)), 0);
	CHECK_EQ(vfs_write(&t, fd, buf, 1), -EBADF);
	fd = vfs_open(&t, NULL, "/dev/urandom", VFS_O_RDONLY, 0);
	CHECK_EQ(vfs_read(&t, fd, buf, sizeof(buf)), 8);
	CHECK_EQ(buf[0], 0x5a);
	fdtable_release(&t);
}

static unsigned disk_syncs;
static unsigned char disk[64];

static long disk_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	(void)f;
	if (off >= sizeof(disk))
		return 0;
	n = n < sizeof(disk) - off ? n : sizeof(disk) - off;
	memcpy(buf, disk + off, n);
	return (long)n;
}

static long disk_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	(void)f;
	if (off >= sizeof(disk))
		return -ENOSPC;
	n = n < sizeof(disk) - off ? n : sizeof(disk) - off;
	memcpy(disk + off, buf, n);
	return (long)n;
}

static uint64_t disk_size(struct file *f)
{
	(void)f;
	return sizeof(disk);
}

static int disk_fsync(struct file *f)
{
	(void)f;
	return ++disk_syncs == 99 ? -EIO : 0;
}

static const struct file_ops disk_ops = {
	.pread = disk_pread, .pwrite = disk_pwrite, .size = disk_size, .fsync = disk_fsync,
};

/* A file made in place (the initrd's): its whole pages become its cache
 * pages where they lie (a write lands there), the last partial page is
 * copied, and the pages go back to the page allocator with the file;
 * unaligned data is copied. 50 rounds with the free pages back where
 * they were. */
TEST(file_in_place)
{
	const size_t size = 2 * PAGE_SIZE + 10;
	static char buf[3 * PAGE_SIZE];
	struct file *f;
	size_t free_before;

	setup();
	/* The heap's pages for a node and a name exist before the count. */
	CHECK_EQ(vfs_create_file(NULL, "/warm", 0644, "w", 1), 0);
	CHECK_EQ(vfs_unlink(NULL, "/warm"), 0);
	free_before = page_free_count();
	for (int round = 0; round < 50; round++) {
		uint64_t phys = page_alloc(3);
		char *archive = phys_to_virt(phys);

		CHECK(phys);
		for (size_t i = 0; i < 3 * PAGE_SIZE; i++)
			archive[i] = (char)('a' + i % 26);
		CHECK_EQ(vfs_create_file_in_place(NULL, "/p", 0644, archive, size), 0);
		CHECK_EQ(vfs_open_file(NULL, "/p", VFS_O_RDWR, 0, &f), 0);
		CHECK_EQ(f->node->cache.pages, 3u);
		CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), (long)size);
		CHECK(!memcmp(buf, archive, size));
		CHECK_EQ(vfs_file_pwrite(f, "IN", 2, PAGE_SIZE), 2);
		CHECK(!memcmp(archive + PAGE_SIZE, "IN", 2));	/* written where it lies */
		CHECK_EQ(vfs_file_pwrite(f, "!", 1, 2 * PAGE_SIZE), 1);
		CHECK(archive[2 * PAGE_SIZE] != '!');		/* the last page copied */
		file_put(f);
		CHECK_EQ(vfs_unlink(NULL, "/p"), 0);
		page_free(phys + 2 * PAGE_SIZE, 1);		/* the archive's rest */
		/* Unaligned: copied, the archive untouched. */
		CHECK_EQ(vfs_create_file_in_place(NULL, "/q", 0644, buf + 1, 20), 0);
		CHECK_EQ(vfs_open_file(NULL, "/q", VFS_O_RDWR, 0, &f), 0);
		CHECK_EQ(vfs_file_pwrite(f, "Q", 1, 0), 1);
		CHECK(buf[1] != 'Q');
		file_put(f);
		CHECK_EQ(vfs_unlink(NULL, "/q"), 0);
	}
	CHECK_EQ(vfs_create_file_in_place(NULL, "/e", 0644, NULL, 0), 0);
	CHECK_EQ(vfs_unlink(NULL, "/e"), 0);
	CHECK(page_free_count() + 1 >= free_before);
}

/* fsync: memory files are synced already, a device's own fsync runs,
 * pipes and devices without one are -EINVAL; O_SYNC and O_DSYNC writes
 * sync after writing, and report its failure. */
TEST(fsync_and_sync_writes)
{
	struct file *f, *p[2];

	setup();
	CHECK_EQ(dev_populate(), 0);
	CHECK_EQ(vfs_mkblkdev(NULL, "/dev/disk", 0660, &disk_ops, NULL), 0);
	CHECK_EQ(vfs_create_file(NULL, "/f", 0644, "hello", 5), 0);
	CHECK_EQ(vfs_open_file(NULL, "/f", VFS_O_RDWR | VFS_O_SYNC, 0, &f), 0);
	CHECK_EQ(vfs_file_write(f, "x", 1), 1);
	CHECK_EQ(vfs_file_fsync(f), 0);
	file_put(f);
	CHECK_EQ(vfs_open_file(NULL, "/", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_fsync(f), 0);
	file_put(f);
	CHECK_EQ(vfs_pipe(p, 0), 0);
	CHECK_EQ(vfs_file_fsync(p[0]), -EINVAL);
	CHECK_EQ(vfs_file_fsync(p[1]), -EINVAL);
	file_put(p[0]);
	file_put(p[1]);
	CHECK_EQ(vfs_open_file(NULL, "/dev/null", VFS_O_WRONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_fsync(f), -EINVAL);
	file_put(f);

	disk_syncs = 0;
	CHECK_EQ(vfs_open_file(NULL, "/dev/disk", VFS_O_RDWR, 0, &f), 0);
	CHECK_EQ(vfs_file_write(f, "ab", 2), 2);
	CHECK_EQ(disk_syncs, 0u);
	CHECK_EQ(vfs_file_fsync(f), 0);
	CHECK_EQ(disk_syncs, 1u);
	file_put(f);
	CHECK_EQ(vfs_open_file(NULL, "/dev/disk", VFS_O_RDWR | VFS_O_DSYNC, 0, &f), 0);
	CHECK_EQ(vfs_file_write(f, "cd", 2), 2);
	CHECK_EQ(vfs_file_pwrite(f, "ef", 2, 10), 2);
	CHECK_EQ(disk_syncs, 3u);
	CHECK_EQ(vfs_file_pwrite(f, "", 0, 10), 0);	/* nothing written, nothing synced */
	CHECK_EQ(disk_syncs, 3u);
	disk_syncs = 98;				/* the next one fails */
	CHECK_EQ(vfs_file_write(f, "gh", 2), -EIO);
	file_put(f);
	/* Written before the failed sync, as on Linux. */
	CHECK(!memcmp(disk, "cdgh", 4) && !memcmp(disk + 10, "ef", 2));
}

static unsigned gen_calls;

/* 5000 bytes, more than a first buffer, ending in the call's number. */
static size_t gen_big(long arg, char *buf, size_t size)
{
	char text[5001];

	CHECK_EQ(arg, 77);
	gen_calls++;
	memset(text, 'x', 4999);
	text[4999] = (char)('0' + gen_calls % 10);
	text[5000] = '\0';
	if (size >= 5000)
		memcpy(buf, text, 5000);
	else
		memcpy(buf, text, size);
	return 5000;
}

TEST(generated_files)
{
	struct file *f, *g;
	struct vfs_stat st;
	char buf[6000];

	setup();
	CHECK_EQ(vfs_mkgen(NULL, "/gen", 0444, gen_big, 77), 0);
	CHECK_EQ(vfs_stat(NULL, "/gen", true, &st), 0);
	CHECK_EQ(st.mode, (uint32_t)(VFS_S_IFREG | 0444));
	CHECK_EQ(st.size, 0u);
	CHECK_EQ(vfs_open_file(NULL, "/gen", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(gen_calls, 2u);	/* 4096 bytes were too few */
	CHECK_EQ(vfs_file_read(f, buf, 4000), 4000);
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 1000);
	CHECK_EQ(buf[999], '2');
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 0);
	/* Each open has its own content; an open one keeps its own. */
	CHECK_EQ(vfs_open_file(NULL, "/gen", VFS_O_RDONLY, 0, &g), 0);
	CHECK_EQ(vfs_file_pread(g, buf, 1, 4999), 1);
	CHECK_EQ(buf[0], '4');
	CHECK_EQ(vfs_file_pread(f, buf, 1, 4999), 1);
	CHECK_EQ(buf[0], '2');
	CHECK_EQ(vfs_file_lseek(f, -1, VFS_SEEK_END), 4999);
	CHECK_EQ(vfs_file_stat(f, &st), 0);
	CHECK_EQ(st.size, 0u);
	file_put(g);
	file_put(f);
	CHECK_EQ(vfs_open_file(NULL, "/gen", VFS_O_RDWR, 0, &f), -EACCES);
	CHECK_EQ(vfs_open_file(NULL, "/gen", VFS_O_WRONLY | VFS_O_TRUNC, 0, &f), -EACCES);
}

TEST(poll_generation)
{
	uint64_t g = vfs_poll_generation();

	vfs_poll_notify();
	CHECK_EQ(vfs_poll_generation(), g + 1);
	CHECK_EQ(vfs_poll_wait(g, 0), 0);
	CHECK_EQ(vfs_poll_wait(g + 1, 0), -EINTR);
	CHECK_EQ(vfs_poll_wait(g + 1, 5), -ETIMEDOUT);
}

TEST(pipe_fill_drain_nonblocking)
{
	static unsigned char data[PIPE_CAPACITY + 1], back[PIPE_CAPACITY];
	struct file *p[2];
	struct vfs_stat st;
	uint64_t g;
	int avail;

	setup();
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7);
	CHECK_EQ(vfs_pipe(p, VFS_O_NONBLOCK), 0);
	CHECK_EQ(p[0]->flags, VFS_O_RDONLY | VFS_O_NONBLOCK);
	CHECK_EQ(vfs_file_poll(p[0]), 0u);
	CHECK_EQ(vfs_file_poll(p[1]), (unsigned)VFS_POLLOUT);
	CHECK_EQ(vfs_file_read(p[0], back, 1), -EAGAIN);
	CHECK_EQ(vfs_file_write(p[0], data, 1), -EBADF);
	CHECK_EQ(vfs_file_read(p[1], back, 1), -EBADF);
	g = vfs_poll_generation();
	CHECK_EQ(vfs_file_write(p[1], data, 1000), 1000);
	CHECK(vfs_poll_generation() != g);
	CHECK_EQ(vfs_file_poll(p[0]), (unsigned)VFS_POLLIN);
	/* A big write fills what is left and stops there. */
	CHECK_EQ(vfs_file_write(p[1], data + 1000, sizeof(data) - 1000), PIPE_CAPACITY - 1000);
	CHECK_EQ(vfs_file_write(p[1], data, 1), -EAGAIN);
	CHECK_EQ(vfs_file_poll(p[1]), 0u);
	CHECK_EQ(vfs_file_ioctl(p[0], VFS_FIONREAD, &avail), 0);
	CHECK_EQ(avail, PIPE_CAPACITY);
	/* Reads come out in order across the ring's end. */
	CHECK_EQ(vfs_file_read(p[0], back, 3000), 3000);
	CHECK(!memcmp(back, data, 3000));
	/* 3000 bytes free: a 3001-byte write would not be atomic, so it waits. */
	CHECK_EQ(vfs_file_write(p[1], data, 3001), -EAGAIN);
	CHECK_EQ(vfs_file_poll(p[1]), 0u);
	CHECK_EQ(vfs_file_write(p[1], data + PIPE_CAPACITY, 1), 1);
	CHECK_EQ(vfs_file_read(p[0], back, sizeof(back)), PIPE_CAPACITY - 3000 + 1);
	CHECK(!memcmp(back, data + 3000, PIPE_CAPACITY - 3000 + 1));
	CHECK_EQ(vfs_file_write(p[1], data, 2 * PIPE_ATOMIC), 2 * PIPE_ATOMIC);
	CHECK_EQ(vfs_file_read(p[0], back, sizeof(back)), 2 * PIPE_ATOMIC);
	CHECK(!memcmp(back, data, 2 * PIPE_ATOMIC));
	CHECK_EQ(vfs_file_stat(p[0], &st), 0);
	CHECK_EQ(st.mode & VFS_S_IFMT, 0010000u);
	CHECK_EQ(vfs_file_lseek(p[0], 0, VFS_SEEK_SET), -ESPIPE);
	CHECK_EQ(vfs_file_pwrite(p[1], data, 1, 0), -ESPIPE);
	file_put(p[0]);
	file_put(p[1]);
}

TEST(pipe_eof_epipe_eintr)
{
	struct file *p[2];
	char buf[8];

	setup();
	CHECK_EQ(vfs_pipe(p, 0), 0);
	/* Blocking on an empty pipe: the stand-in sleep ends as a signal. */
	CHECK_EQ(vfs_file_read(p[0], buf, sizeof(buf)), -EINTR);
	CHECK_EQ(vfs_file_write(p[1], "ab", 2), 2);
	file_put(p[1]);
	CHECK_EQ(vfs_file_poll(p[0]), (unsigned)(VFS_POLLIN | VFS_POLLHUP));
	CHECK_EQ(vfs_file_read(p[0], buf, sizeof(buf)), 2);
	CHECK_EQ(vfs_file_read(p[0], buf, sizeof(buf)), 0);
	CHECK_EQ(vfs_file_poll(p[0]), (unsigned)VFS_POLLHUP);
	file_put(p[0]);

	CHECK_EQ(vfs_pipe(p, 0), 0);
	file_get(p[0]);
	file_put(p[0]);		/* a dup closed: the reader is still there */
	CHECK_EQ(vfs_file_write(p[1], "x", 1), 1);
	file_put(p[0]);
	CHECK_EQ(vfs_file_write(p[1], "x", 1), -EPIPE);
	CHECK_EQ(vfs_file_poll(p[1]), (unsigned)(VFS_POLLOUT | VFS_POLLERR));
	file_put(p[1]);
}

TEST(pipe_blocking_write_partial)
{
	static unsigned char data[PIPE_CAPACITY + 100];
	struct file *p[2];

	setup();
	CHECK_EQ(vfs_pipe(p, 0), 0);
	/* What went in before the wait was interrupted is what it returns. */
	CHECK_EQ(vfs_file_write(p[1], data, sizeof(data)), PIPE_CAPACITY);
	CHECK_EQ(vfs_file_write(p[1], data, 1), -EINTR);
	file_put(p[0]);
	file_put(p[1]);
}

/* The console: input as the UART's interrupt would give it. */
static struct file *console_open(int flags)
{
	struct file *f;

	setup();
	CHECK_EQ(dev_populate(), 0);
	tty_init();
	CHECK_EQ(vfs_open_file(NULL, "/dev/console", VFS_O_RDWR | flags, 0, &f), 0);
	serial_len = 0;
	return f;
}

static void type(const char *s)
{
	while (*s)
		serial_rx(*s++);
}

static void echoed(const char *want)
{
	CHECKF(serial_len == strlen(want) && !memcmp(serial_out, want, serial_len),
	       "echo \"%.*s\", expected \"%s\"", (int)serial_len, serial_out, want);
	serial_len = 0;
}

static void reads(struct file *f, const char *want)
{
	char buf[64];
	long n = vfs_file_read(f, buf, sizeof(buf));

	CHECKF(n == (long)strlen(want) && !memcmp(buf, want, (size_t)n),
	       "read %ld \"%.*s\", expected \"%s\"", n, n > 0 ? (int)n : 0, buf, want);
}

TEST(tty_canonical_editing)
{
	struct file *f = console_open(VFS_O_NONBLOCK);
	int avail;

	CHECK_EQ(vfs_file_poll(f), (unsigned)VFS_POLLOUT);
	type("ab\x7f" "c");
	echoed("ab\b \bc");
	/* Not a line yet. */
	CHECK_EQ(vfs_file_read(f, &avail, 1), -EAGAIN);
	type("\r");
	echoed("\r\n");
	CHECK_EQ(vfs_file_poll(f), (unsigned)(VFS_POLLIN | VFS_POLLOUT));
	CHECK_EQ(vfs_file_ioctl(f, VFS_FIONREAD, &avail), 0);
	CHECK_EQ(avail, 3);
	type("one\ntwo\n");
	echoed("one\r\ntwo\r\n");
	reads(f, "ac\n");
	reads(f, "one\n");
	reads(f, "two\n");
	/* ^U kills the line, ^W a word; control characters echo as ^X and
	 * take two columns to erase. */
	type("junk\x15");
	echoed("junk\b \b\b \b\b \b\b \b");
	type("x \x01y\x17z\n");
	echoed("x ^Ay\b \b\b \b\b \bz\r\n");
	reads(f, "x z\n");
	/* ^D: the line so far without a newline, then end of file. */
	type("hi\x04\x04");
	echoed("hi");
	reads(f, "hi");
	reads(f, "");
	CHECK_EQ(vfs_file_read(f, &avail, 1), -EAGAIN);
	/* ^C drops the input and echoes. */
	type("abc\x03");
	echoed("abc^C");
	type("\n");
	reads(f, "\n");
	file_put(f);
}

TEST(tty_blocking_read_interrupted)
{
	struct file *f = console_open(0);
	char buf[4];

	type("partial");
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), -EINTR);
	type("\n");
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "part", 4));
	reads(f, "ial\n");
	file_put(f);
}

TEST(tty_raw_mode_and_ioctls)
{
	struct file *f = console_open(0);
	struct vfs_termios tio;
	struct vfs_winsize ws;
	int pgrp;

	CHECK_EQ(vfs_file_ioctl(f, VFS_TCGETS, &tio), 0);
	CHECK_EQ(tio.c_iflag, 0x500u);		/* ICRNL | IXON */
	CHECK_EQ(tio.c_oflag, 0x5u);		/* OPOST | ONLCR */
	CHECK_EQ(tio.c_cflag, 0x4bfu);		/* B38400 | CS8 | CREAD | HUPCL */
	CHECK_EQ(tio.c_lflag, 0x8a3bu);
	CHECK_EQ(tio.c_cc[VMIN], 1);
	CHECK_EQ(tio.c_cc[2], 0x7f);
	CHECK_EQ(vfs_file_ioctl(f, VFS_TIOCGWINSZ, &ws), 0);
	CHECK_EQ(ws.ws_row, 24);
	CHECK_EQ(ws.ws_col, 80);
	ws.ws_row = 50;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TIOCSWINSZ, &ws), 0);
	ws.ws_row = 0;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TIOCGWINSZ, &ws), 0);
	CHECK_EQ(ws.ws_row, 50);
	CHECK_EQ(vfs_file_ioctl(f, VFS_TIOCGPGRP, &pgrp), 0);
	CHECK_EQ(pgrp, 1);
	pgrp = 7;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TIOCSPGRP, &pgrp), 0);
	pgrp = 0;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TIOCGPGRP, &pgrp), 0);
	CHECK_EQ(pgrp, 7);
	CHECK_EQ(tty_foreground_pgrp(), 7);
	/* Linux's answers for a negative group and for group 0 (no pid 0). */
	pgrp = -3;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TIOCSPGRP, &pgrp), -EINVAL);
	pgrp = 0;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TIOCSPGRP, &pgrp), -ESRCH);
	CHECK_EQ(tty_foreground_pgrp(), 7);
	CHECK_EQ(vfs_file_ioctl(f, 0x5401ff, &pgrp), -ENOTTY);

	/* Output: ONLCR, then OPOST off. */
	CHECK_EQ(vfs_file_write(f, "a\nb", 3), 3);
	echoed("a\r\nb");
	/* The half line typed in canonical mode is readable once raw. */
	type("ab");
	echoed("ab");
	tio.c_lflag &= ~(uint32_t)(ICANON | ECHO);
	tio.c_oflag &= ~(uint32_t)OPOST;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCSETS, &tio), 0);
	CHECK_EQ(vfs_file_write(f, "a\n", 2), 2);
	echoed("a\n");
	CHECK_EQ(vfs_file_poll(f), (unsigned)(VFS_POLLIN | VFS_POLLOUT));
	reads(f, "ab");
	/* VMIN 1: waits for a byte (here: interrupted). */
	CHECK_EQ(vfs_file_read(f, &pgrp, 1), -EINTR);
	type("\x03q\r");
	echoed("");
	reads(f, "q\n");
	/* VMIN 0, VTIME 0: what is there, maybe nothing; VTIME 1: nothing
	 * once it runs out. */
	tio.c_cc[VMIN] = 0;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCSETSW, &tio), 0);
	reads(f, "");
	tio.c_cc[VTIME] = 1;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCSETS, &tio), 0);
	reads(f, "");
	type("z");
	reads(f, "z");
	/* VMIN 2 with VTIME: one byte when the timer runs out after it. */
	tio.c_cc[VMIN] = 2;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCSETS, &tio), 0);
	type("y");
	reads(f, "y");
	/* TCSETSF drops what was typed. */
	type("lost");
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCSETSF, &tio), 0);
	type("k");
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCSETS, &tio), 0);
	reads(f, "k");
	file_put(f);
}

static int hook_sigs[4];
static unsigned hook_calls;

static void record_signal(int sig)
{
	CHECK(hook_calls < sizeof(hook_sigs) / sizeof(hook_sigs[0]));
	hook_sigs[hook_calls++] = sig;
}

/* ^C, ^\ and ^Z send SIGINT, SIGQUIT and SIGTSTP through the hook, with
 * ISIG only; a changed VINTR is the one that counts. */
TEST(tty_signal_characters)
{
	struct file *f = console_open(VFS_O_NONBLOCK);
	struct vfs_termios tio;

	hook_calls = 0;
	type("\x03");
	echoed("^C");
	CHECK_EQ(hook_calls, 0u);
	tty_set_signal_hook(record_signal);
	type("ab\x03x\x1c\x1a\n");
	echoed("ab^Cx^\\^Z\r\n");
	CHECK_EQ(hook_calls, 3u);
	CHECK_EQ(hook_sigs[0], 2);
	CHECK_EQ(hook_sigs[1], 3);
	CHECK_EQ(hook_sigs[2], 20);
	reads(f, "\n");
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCGETS, &tio), 0);
	tio.c_cc[VINTR] = 'q';
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCSETS, &tio), 0);
	type("q\x03\n");
	CHECK_EQ(hook_calls, 4u);
	CHECK_EQ(hook_sigs[3], 2);
	reads(f, "\x03\n");
	tio.c_lflag &= ~(uint32_t)ISIG;
	CHECK_EQ(vfs_file_ioctl(f, VFS_TCSETS, &tio), 0);
	type("q\x1c\n");
	CHECK_EQ(hook_calls, 4u);
	reads(f, "q\x1c\n");
	tty_set_signal_hook(NULL);
	file_put(f);
}

TEST(tty_input_ring_full)
{
	struct file *f = console_open(0);
	char buf[5000];

	for (int i = 0; i < 5000; i++) {
		serial_rx('a');
		serial_len = 0;
	}
	type("\n");
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 4096);
	CHECK_EQ(buf[4094], 'a');
	CHECK_EQ(buf[4095], '\n');
	file_put(f);
}

static void read_all(const char *path, char *buf, size_t size)
{
	struct file *f;
	long n;

	CHECK_EQ(vfs_open_file(NULL, path, VFS_O_RDONLY, 0, &f), 0);
	n = vfs_file_read(f, buf, size - 1);
	CHECK(n > 0);
	buf[n] = '\0';
	file_put(f);
}

TEST(proc_files)
{
	char buf[2048];
	unsigned total, free_kb, avail_kb;
	struct vfs_stat st;

	setup();
	CHECK_EQ(proc_populate(), 0);
	read_all("/proc/cpuinfo", buf, sizeof(buf));
	CHECK_STR(buf, "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
		  "model\t\t: 85\nmodel name\t: Test CPU @ 3.00GHz\nstepping\t: 7\n"
		  "cpu MHz\t\t: 2999.998\nflags\t\t: fpu sse2 avx2\n\n"
		  "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
		  "model\t\t: 85\nmodel name\t: Test CPU @ 3.00GHz\nstepping\t: 7\n"
		  "cpu MHz\t\t: 2999.998\nflags\t\t: fpu sse2 avx2\n\n");
	read_all("/proc/meminfo", buf, sizeof(buf));
	CHECKF(sscanf(buf, "MemTotal: %u kB\nMemFree: %u kB\nMemAvailable: %u kB\n",
		      &total, &free_kb, &avail_kb) == 3, "meminfo: %s", buf);
	CHECK(total > RAM_PAGES * 4 - 64 && total <= RAM_PAGES * 4);
	CHECK(free_kb <= total && free_kb > 0);
	CHECK_EQ(avail_kb, free_kb);
	/* Linux's columns: the name in 16, the number in 8. */
	CHECK(!strncmp(buf, "MemTotal:           ", 20));
	CHECK(strstr(buf, "\nSwapTotal:             0 kB\nSwapFree:              0 kB\n"));
	CHECK_EQ(vfs_stat(NULL, "/proc/cpuinfo", true, &st), 0);
	CHECK_EQ(st.size, 0u);
	CHECK_EQ(proc_populate(), -EEXIST);
}

/* A fake process layer: pid 1 (sh, with a child) and pid 12 (a zombie
 * once zombie is set); the caller is self_pid. */
static int self_pid;
static bool zombie;

static int fake_self(void)
{
	return self_pid;
}

static size_t fake_cmdline(int pid, char *buf, size_t size)
{
	static const char argv[] = "sh\0-c\0echo hi";

	if (pid != 1)
		return 0;
	memcpy(buf, argv, size < sizeof(argv) ? size : sizeof(argv));
	return sizeof(argv);
}

static int fake_status(int pid, struct proc_status *st)
{
	if (pid != 1 && pid != 12)
		return -ESRCH;
	*st = (struct proc_status){ .name = "sh", .state = 'R', .pid = pid, .ppid = 0,
				    .umask = 022, .threads = 2, .has_mm = true,
				    .first = 0x400000, .last = 0x7ffffffff000, .vm_pages = 1000,
				    .rss_pages = 300, .anon_pages = 100, .file_pages = 199,
				    .shmem_pages = 1, .shared_clean = 150, .private_clean = 50,
				    .private_dirty = 100, .pss_kb = 900 };
	if (pid == 12 && zombie)
		*st = (struct proc_status){ .name = "busybox", .state = 'Z', .pid = 12,
					    .ppid = 1 };
	return 0;
}

static const struct proc_provider fake_provider = {
	.self = fake_self,
	.cmdline = fake_cmdline,
	.status = fake_status,
};

TEST(proc_processes)
{
	char buf[512], target[64];
	struct vfs_stat st;
	struct file *f;

	setup();
	CHECK_EQ(proc_populate(), 0);
	/* Before the process layer registers, /proc/self leads nowhere. */
	CHECK_EQ(vfs_readlink(NULL, "/proc/self", target, sizeof(target)), -ENOENT);
	proc_set_provider(&fake_provider);
	self_pid = 1;
	CHECK_EQ(proc_process_added(1, ""), 0);
	CHECK_EQ(proc_process_added(1, "/bin/sh"), -EEXIST);
	CHECK_EQ(vfs_readlink(NULL, "/proc/1/exe", target, sizeof(target)), -ENOENT);
	CHECK_EQ(proc_set_exe(1, "/bin/sh"), 0);
	CHECK_EQ(proc_set_exe(1, "/bin/busybox"), 0);
	CHECK_EQ(proc_process_added(12, "/bin/busybox"), 0);

	/* self is a symlink whose target is the caller's pid. */
	CHECK_EQ(vfs_stat(NULL, "/proc/self", false, &st), 0);
	CHECK_EQ(st.mode & VFS_S_IFMT, (uint32_t)VFS_S_IFLNK);
	CHECK_EQ(vfs_readlink(NULL, "/proc/self", target, sizeof(target)), 1);
	CHECK(!memcmp(target, "1", 1));
	CHECK_EQ(vfs_readlink(NULL, "/proc/self/exe", target, sizeof(target)), 12);
	CHECK(!memcmp(target, "/bin/busybox", 12));
	lookup_is("/proc/self/", true, "/proc/1");
	self_pid = 12;
	CHECK_EQ(vfs_readlink(NULL, "/proc/self", target, sizeof(target)), 2);
	CHECK(!memcmp(target, "12", 2));
	CHECK_EQ(vfs_readlink(NULL, "/proc/self", target, 1), 1);
	lookup_is("/proc/self/status", true, "/proc/12/status");
	CHECK_EQ(vfs_readlink(NULL, "/proc/self/exe", target, sizeof(target)), 12);
	/* A kernel thread has no self. */
	self_pid = 0;
	CHECK_EQ(vfs_readlink(NULL, "/proc/self", target, sizeof(target)), -ENOENT);
	CHECK_EQ(vfs_stat(NULL, "/proc/self/status", true, &st), -ENOENT);
	self_pid = 1;

	read_all("/proc/1/status", buf, sizeof(buf));
	CHECK_STR(buf, "Name:\tsh\nUmask:\t0022\nState:\tR (running)\nTgid:\t1\nPid:\t1\n"
		  "PPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n"
		  "VmSize:\t    4000 kB\nVmRSS:\t    1200 kB\nRssAnon:\t     400 kB\n"
		  "RssFile:\t     796 kB\nRssShmem:\t       4 kB\nThreads:\t2\n");
	read_all("/proc/1/smaps_rollup", buf, sizeof(buf));
	CHECK_STR(buf, "00400000-7ffffffff000 ---p 00000000 00:00 0                         "
		  "[rollup]\nRss:                1200 kB\nPss:                 900 kB\n"
		  "Shared_Clean:        600 kB\nShared_Dirty:          0 kB\n"
		  "Private_Clean:       200 kB\nPrivate_Dirty:       400 kB\n"
		  "Referenced:         1200 kB\nAnonymous:           400 kB\n"
		  "Swap:                  0 kB\n");
	CHECK_EQ(vfs_open_file(NULL, "/proc/self/cmdline", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 14);
	CHECK(!memcmp(buf, "sh\0-c\0echo hi", 14));
	file_put(f);
	zombie = true;
	read_all("/proc/12/status", buf, sizeof(buf));
	CHECK(strstr(buf, "Name:\tbusybox\nUmask:\t0000\nState:\tZ (zombie)\n"));
	CHECK(strstr(buf, "PPid:\t1\n"));
	CHECK(!strstr(buf, "VmRSS"));
	CHECK_EQ(vfs_open_file(NULL, "/proc/12/smaps_rollup", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 0);
	file_put(f);
	CHECK_EQ(vfs_open_file(NULL, "/proc/12/cmdline", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_file_read(f, buf, sizeof(buf)), 0);
	file_put(f);

	/* Reaped: the directory goes; an open file keeps what it read. */
	CHECK_EQ(vfs_open_file(NULL, "/proc/12/status", VFS_O_RDONLY, 0, &f), 0);
	proc_process_removed(12);
	CHECK_EQ(vfs_stat(NULL, "/proc/12", true, &st), -ENOENT);
	CHECK_EQ(vfs_file_read(f, buf, 5), 5);
	CHECK(!memcmp(buf, "Name:", 5));
	file_put(f);
	CHECK_EQ(vfs_stat(NULL, "/proc/1/status", true, &st), 0);
	proc_set_provider(NULL);
}

/* A directory past INDEX_FIRST names gets an index: lookups, replacing
 * renames, removals and the sorted listing stay right as it grows. */
TEST(large_directory_index)
{
	struct vfs_dirent d;
	char path[64], last[VFS_NAME_MAX + 1] = "";
	struct vnode *n;
	int fd, listed = 0;
	struct fdtable t;

	setup();
	fdtable_init(&t);
	CHECK_EQ(vfs_mkdir(NULL, "/big", 0755), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "/big/f%04d", (i * 7919) % 1000);
		int r = vfs_create_file(NULL, path, 0644, NULL, 0);

		CHECKF(r == 0, "create %s: %d (i %d)", path, r, i);
	}
	CHECK_EQ(vfs_lookup(NULL, "/big", true, &n), 0);
	CHECK_EQ(n->nentries, 1000u);
	CHECK(n->index_size >= 1000u);
	for (int i = 0; i < 1000; i += 2) {
		snprintf(path, sizeof(path), "/big/f%04d", i);
		CHECKF(vfs_unlink(NULL, path) == 0, "unlink %s", path);
	}
	CHECK_EQ(vfs_rename(NULL, "/big/f0001", "/big/f0003"), 0);
	CHECK_EQ(vfs_lookup(NULL, "/big/f0001", true, &n), -ENOENT);
	CHECK_EQ(vfs_lookup(NULL, "/big/f0002", true, &n), -ENOENT);
	CHECK_EQ(vfs_lookup(NULL, "/big/f0003", true, &n), 0);
	CHECK_EQ(vfs_lookup(NULL, "/big/f0999", true, &n), 0);
	fd = vfs_open(&t, NULL, "/big", VFS_O_RDONLY | VFS_O_DIRECTORY, 0);
	CHECK(fd >= 0);
	while (vfs_readdir(&t, fd, &d) == 1) {
		CHECKF(strcmp(last, d.name) < 0, "%s after %s", d.name, last);
		strcpy(last, d.name);
		listed++;
	}
	CHECK_EQ(listed, 499);
	fdtable_release(&t);
}

static void write_bytes(const char *path, size_t n, long want)
{
	static char zeros[16384];
	struct file *f;

	CHECK_EQ(vfs_open_file(NULL, path, VFS_O_WRONLY | VFS_O_CREAT | VFS_O_APPEND, 0644, &f),
		 0);
	CHECKF(vfs_file_write(f, zeros, n) == want, "write %zu bytes to %s", n, path);
	file_put(f);
}

TEST(mounts_tmpfs)
{
	struct vfs_statfs sfs;
	struct vfs_stat a, b;
	struct vnode *n;
	struct file *f;
	char buf[1024];
	size_t len;

	setup();
	CHECK_EQ(vfs_mkdir(NULL, "/mnt", 0755), 0);
	CHECK_EQ(vfs_create_file(NULL, "/file", 0644, "x", 1), 0);
	CHECK_EQ(vfs_mount(NULL, "tmpfs", "/mnt", "tmpfs", 0, "size=8k"), 0);
	CHECK_EQ(vfs_mount(NULL, "tmpfs", "/file", "tmpfs", 0, NULL), -ENOTDIR);
	CHECK_EQ(vfs_mount(NULL, "x", "/mnt", "nofs", 0, NULL), -ENODEV);
	CHECK_EQ(vfs_mount(NULL, "/file", "/mnt", "ext2", 0, NULL), -ENOTBLK);
	CHECK_EQ(vfs_mount(NULL, "tmpfs", "/", "tmpfs", 0, NULL), -EBUSY);
	CHECK_EQ(vfs_mount(NULL, "tmpfs", "/mnt", "tmpfs", 0, "bogus=1"), -EINVAL);
	/* size=8k: two pages, then ENOSPC; the space comes back at unlink */
	write_bytes("/mnt/a", 8192, 8192);
	write_bytes("/mnt/a", 1, -ENOSPC);
	CHECK_EQ(vfs_statfs(NULL, "/mnt/a", &sfs), 0);
	CHECK_EQ(sfs.type, 0x01021994u);
	CHECK_EQ(sfs.blocks, 2u);
	CHECK_EQ(sfs.bfree, 0u);
	CHECK_EQ(vfs_stat(NULL, "/mnt/a", true, &a), 0);
	CHECK_EQ(vfs_stat(NULL, "/file", true, &b), 0);
	CHECK(a.dev != b.dev);
	/* one filesystem per name: EXDEV across */
	CHECK_EQ(vfs_rename(NULL, "/mnt/a", "/a"), -EXDEV);
	CHECK_EQ(vfs_link(NULL, "/file", false, NULL, "/mnt/b"), -EXDEV);
	CHECK_EQ(vfs_lookup(NULL, "/mnt/a", true, &n), 0);
	CHECK_EQ(vfs_path_of(n, buf, sizeof(buf)), 6);
	CHECK_STR(buf, "/mnt/a");
	lookup_is("/mnt/..", true, "/");
	CHECK_EQ(vfs_rmdir(NULL, "/mnt"), -EBUSY);
	CHECK_EQ(vfs_rename(NULL, "/mnt", "/mnt2"), -EBUSY);
	len = vfs_mounts_text(buf, sizeof(buf), false);
	CHECKF(len < sizeof(buf) && strstr(buf, "tmpfs /mnt tmpfs rw,size=8k 0 0\n"), "%s", buf);
	/* busy while open, gone after */
	CHECK_EQ(vfs_open_file(NULL, "/mnt/a", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_umount(NULL, "/mnt", 0), -EBUSY);
	file_put(f);
	CHECK_EQ(vfs_umount(NULL, "/mnt/a", 0), -EINVAL);
	CHECK_EQ(vfs_umount(NULL, "/mnt", 0), 0);
	CHECK_EQ(vfs_lookup(NULL, "/mnt/a", true, &n), -ENOENT);
	CHECK_EQ(vfs_umount(NULL, "/mnt", 0), -EINVAL);
	CHECK_EQ(vfs_umount(NULL, "/", 0), -EINVAL);
	/* read-only until remounted */
	CHECK_EQ(vfs_mount(NULL, "tmpfs", "/mnt", "tmpfs", VFS_MS_RDONLY, NULL), 0);
	CHECK_EQ(vfs_create_file(NULL, "/mnt/c", 0644, "x", 1), -EROFS);
	CHECK_EQ(vfs_mkdir(NULL, "/mnt/d", 0755), -EROFS);
	CHECK_EQ(vfs_mount(NULL, NULL, "/mnt", NULL, VFS_MS_REMOUNT, NULL), 0);
	CHECK_EQ(vfs_create_file(NULL, "/mnt/c", 0644, "x", 1), 0);
	CHECK_EQ(vfs_mount(NULL, NULL, "/mnt", NULL, VFS_MS_REMOUNT | VFS_MS_RDONLY, NULL), 0);
	CHECK_EQ(vfs_chmod(NULL, "/mnt/c", 0600, 0), -EROFS);
	CHECK_EQ(vfs_open_file(NULL, "/mnt/c", VFS_O_WRONLY, 0, &f), -EROFS);
	CHECK_EQ(vfs_unlink(NULL, "/mnt/c"), -EROFS);
	/* a lazy unmount of a busy mount: out of sight at once */
	CHECK_EQ(vfs_open_file(NULL, "/mnt/c", VFS_O_RDONLY, 0, &f), 0);
	CHECK_EQ(vfs_umount(NULL, "/mnt", VFS_MNT_DETACH), 0);
	CHECK_EQ(vfs_lookup(NULL, "/mnt/c", true, &n), -ENOENT);
	file_put(f);
	CHECK_EQ(vfs_umount(NULL, "/mnt", 0xff), -EINVAL);
}

int main(void)
{
	return check_run();
}
