/* Files on the root file system (ramfs on Flint): everything happens in a
 * fresh directory under /tmp, removed at the end (hard links in a
 * directory of their own there); then the files the kernel provides:
 * /proc/self/exe, /dev/null, /dev/zero, /proc/meminfo, /proc/cpuinfo. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char dir[64];

static const char *in_dir(const char *name)
{
	static char path[2][PATH_MAX];
	static int which;

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", dir, name);
	return path[which];
}

static int file_is(const char *path, const char *want)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, n);
}

static void check_create_read(void)
{
	const char *path = in_dir("a");
	char buf[16] = { 0 };
	int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0640);

	if (!check(fd >= 0, "open O_CREAT", "%s: %s", path, strerror(errno)))
		return;
	check(write(fd, "hello, world", 12) == 12, "write", "%s", strerror(errno));
	check(lseek(fd, 7, SEEK_SET) == 7, "lseek SEEK_SET", "%s", strerror(errno));
	check(read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "world", 5), "read back",
	      "got '%s'", buf);
	check(lseek(fd, -5, SEEK_END) == 7, "lseek SEEK_END", "%s", strerror(errno));
	check(lseek(fd, 0, SEEK_CUR) == 7, "lseek SEEK_CUR", "%s", strerror(errno));

	struct stat st;
	check(fstat(fd, &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode) &&
	      (st.st_mode & 0777) == 0640, "fstat", "size %lld mode %o",
	      (long long)st.st_size, (unsigned)st.st_mode);
	check(pwrite(fd, "W", 1, 7) == 1, "pwrite", "%s", strerror(errno));
	memset(buf, 0, sizeof(buf));
	check(pread(fd, buf, 5, 7) == 5 && !memcmp(buf, "World", 5), "pread", "got '%s'", buf);
	check(lseek(fd, 0, SEEK_CUR) == 7, "pread/pwrite keep the offset", "offset %lld",
	      (long long)lseek(fd, 0, SEEK_CUR));
	check(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "ftruncate",
	      "size %lld", (long long)st.st_size);
	close(fd);
	check(stat(path, &st) == 0 && st.st_size == 5, "stat", "%s", strerror(errno));
}

static void check_append_dup(void)
{
	const char *path = in_dir("log");
	int fd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0600);

	if (!check(fd >= 0, "open O_APPEND", "%s", strerror(errno)))
		return;
	check(write(fd, "one\n", 4) == 4, "append write", "%s", strerror(errno));
	lseek(fd, 0, SEEK_SET);
	check(write(fd, "two\n", 4) == 4 && file_is(path, "one\ntwo\n"), "O_APPEND appends",
	      "the second write did not go to the end");
	check(dup2(fd, 20) == 20 && write(20, "three\n", 6) == 6, "dup2", "%s", strerror(errno));
	close(fd);
	close(20);
	check(file_is(path, "one\ntwo\nthree\n"), "dup2 shares the file", "content differs");
}

static void check_names(void)
{
	struct stat st;
	char buf[64] = { 0 };

	check(rename(in_dir("log"), in_dir("log2")) == 0 && stat(in_dir("log"), &st) < 0 &&
	      errno == ENOENT && stat(in_dir("log2"), &st) == 0, "rename", "%s", strerror(errno));
	check(symlink("log2", in_dir("link")) == 0, "symlink", "%s", strerror(errno));
	check(readlink(in_dir("link"), buf, sizeof(buf)) == 4 && !memcmp(buf, "log2", 4),
	      "readlink", "got '%s'", buf);
	check(lstat(in_dir("link"), &st) == 0 && S_ISLNK(st.st_mode), "lstat", "mode %o",
	      (unsigned)st.st_mode);
	check(stat(in_dir("link"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 14,
	      "stat follows symlink", "mode %o size %lld", (unsigned)st.st_mode,
	      (long long)st.st_size);
	check(mkdir(in_dir("sub"), 0755) == 0 && stat(in_dir("sub"), &st) == 0 &&
	      S_ISDIR(st.st_mode), "mkdir", "%s", strerror(errno));
	/* A trailing slash names a directory. */
	errno = 0;
	check(stat(in_dir("log2/"), &st) < 0 && errno == ENOTDIR, "stat file/: ENOTDIR", "%s",
	      strerror(errno));
	errno = 0;
	check(open(in_dir("log2/"), O_RDONLY) < 0 && errno == ENOTDIR, "open file/: ENOTDIR",
	      "%s", strerror(errno));
	errno = 0;
	check(stat(in_dir("link/"), &st) < 0 && errno == ENOTDIR,
	      "stat link-to-file/: ENOTDIR", "%s", strerror(errno));
	check(stat(in_dir("sub/"), &st) == 0 && S_ISDIR(st.st_mode), "stat dir/", "%s",
	      strerror(errno));
	errno = 0;
	check(open(in_dir("new/"), O_CREAT | O_WRONLY, 0644) < 0 && errno == EISDIR &&
	      stat(in_dir("new"), &st) < 0, "creat new/: EISDIR, nothing made", "%s",
	      strerror(errno));
	errno = 0;
	check(unlink(in_dir("log2/")) < 0 && errno == ENOTDIR && stat(in_dir("log2"), &st) == 0,
	      "unlink file/: ENOTDIR, kept", "%s", strerror(errno));
}

static void check_readdir(void)
{
	const char *want[] = { ".", "..", "a", "link", "log2", "sub" };
	int seen = 0, extra = 0;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!check(d != NULL, "opendir", "%s", strerror(errno)))
		return;
	while ((e = readdir(d))) {
		int known = 0;
		for (int i = 0; i < 6; i++)
			if (!strcmp(e->d_name, want[i])) {
				seen |= 1 << i;
				known = 1;
			}
		extra += !known;
	}
	closedir(d);
	check(seen == 0x3f && !extra, "readdir", "seen mask %#x, %d unexpected", seen, extra);
}

static void check_cwd(void)
{
	char buf[PATH_MAX] = { 0 };

	check(chdir(in_dir("sub")) == 0, "chdir", "%s", strerror(errno));
	check(getcwd(buf, sizeof(buf)) && !strcmp(buf, in_dir("sub")), "getcwd", "got '%s'",
	      buf);
	check(close(open("rel", O_CREAT | O_WRONLY, 0644)) == 0 &&
	      access(in_dir("sub/rel"), F_OK) == 0, "relative path after chdir", "%s",
	      strerror(errno));
	check(chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, dir), "chdir ..",
	      "cwd '%s'", buf);
}

static int nlink_is(const char *path, nlink_t want)
{
	struct stat st;

	return lstat(path, &st) == 0 && st.st_nlink == want;
}

/* link, linkat and their errors; the names are left for links_cleanup. */
static void check_link_calls(const char *one, const char *sub)
{
	char two[PATH_MAX], three[PATH_MAX];
	struct stat a, b;

	snprintf(two, sizeof(two), "%s", in_dir("ln/two"));
	snprintf(three, sizeof(three), "%s", in_dir("ln/sub/three"));
	check(link(one, two) == 0 && link(two, three) == 0 && nlink_is(one, 3),
	      "link: three names", "%s", strerror(errno));
	check(stat(one, &a) == 0 && stat(three, &b) == 0 && a.st_ino == b.st_ino,
	      "link: one inode", "%s", strerror(errno));
	int fd = open(three, O_WRONLY | O_APPEND);
	check(fd >= 0 && write(fd, "!", 1) == 1 && file_is(one, "shared!"),
	      "link: written through one name, read through another", "%s", strerror(errno));
	close(fd);
	check(link(one, two) < 0 && errno == EEXIST, "link onto a name: EEXIST", "%s",
	      strerror(errno));
	check(link(sub, in_dir("ln/d")) < 0 && errno == EPERM, "link of a directory: EPERM",
	      "%s", strerror(errno));
	check(link(in_dir("ln/nope"), in_dir("ln/x")) < 0 && errno == ENOENT,
	      "link of nothing: ENOENT", "%s", strerror(errno));
	check(link(one, in_dir("ln/nope/x")) < 0 && errno == ENOENT,
	      "link into nothing: ENOENT", "%s", strerror(errno));
	check(link(one, in_dir("ln/one/x")) < 0 && errno == ENOTDIR,
	      "link into a file: ENOTDIR", "%s", strerror(errno));
	check(linkat(AT_FDCWD, one, AT_FDCWD, in_dir("ln/x"), AT_REMOVEDIR) < 0 &&
	      errno == EINVAL, "linkat with an unknown flag: EINVAL", "%s", strerror(errno));

	/* A symlink is linked itself, unless AT_SYMLINK_FOLLOW. */
	check(symlink("one", in_dir("ln/sym")) == 0 && link(in_dir("ln/sym"), in_dir("ln/sym2")) == 0 &&
	      lstat(in_dir("ln/sym2"), &b) == 0 && S_ISLNK(b.st_mode) && nlink_is(one, 3),
	      "link of a symlink links the symlink", "%s", strerror(errno));
	check(linkat(AT_FDCWD, in_dir("ln/sym"), AT_FDCWD, in_dir("ln/four"), AT_SYMLINK_FOLLOW) == 0 &&
	      lstat(in_dir("ln/four"), &b) == 0 && S_ISREG(b.st_mode) && nlink_is(one, 4),
	      "linkat AT_SYMLINK_FOLLOW", "%s", strerror(errno));
	int dfd = open(in_dir("ln"), O_RDONLY | O_DIRECTORY);
	int sfd = open(sub, O_RDONLY | O_DIRECTORY);
	check(dfd >= 0 && sfd >= 0 && linkat(dfd, "one", sfd, "five", 0) == 0 && nlink_is(one, 5),
	      "linkat from directory descriptors", "%s", strerror(errno));
	close(sfd);
	/* Root has CAP_DAC_READ_SEARCH, which AT_EMPTY_PATH asks for (whether
	 * others may depends on the host's kernel). */
	fd = open(one, O_RDONLY);
	int r = linkat(fd, "", dfd, "six", AT_EMPTY_PATH);
	check(r == 0 ? nlink_is(one, 6) : geteuid() != 0,
	      "linkat AT_EMPTY_PATH", "%s", strerror(errno));
	if (r == 0)
		unlinkat(dfd, "six", 0);
	close(fd);
	close(dfd);
}

/* Hard links in tmp/ln (and ln/sub): calls, renames, unlinks while open. */
static void check_links(void)
{
	char one[PATH_MAX], sub[PATH_MAX], buf[16] = { 0 };
	struct stat st;
	int fd;

	snprintf(one, sizeof(one), "%s", in_dir("ln/one"));
	snprintf(sub, sizeof(sub), "%s", in_dir("ln/sub"));
	if (!check(mkdir(in_dir("ln"), 0755) == 0 && mkdir(sub, 0755) == 0,
		   "mkdir for links", "%s", strerror(errno)))
		return;
	fd = open(one, O_CREAT | O_EXCL | O_WRONLY, 0644);
	check(fd >= 0 && write(fd, "shared", 6) == 6 && nlink_is(one, 1), "a file to link",
	      "%s", strerror(errno));
	close(fd);
	check_link_calls(one, sub);

	/* rename onto another name of the same file does nothing (POSIX);
	 * across directories it keeps the count. */
	check(rename(one, in_dir("ln/two")) == 0 && nlink_is(one, 5) && nlink_is(in_dir("ln/two"), 5),
	      "rename onto a hard link of itself does nothing", "%s", strerror(errno));
	check(rename(in_dir("ln/two"), in_dir("ln/sub/moved")) == 0 &&
	      access(in_dir("ln/two"), F_OK) < 0 && nlink_is(in_dir("ln/sub/moved"), 5),
	      "rename a hard link across directories", "%s", strerror(errno));

	/* Every name goes while it is open: still readable, nlink 0. */
	fd = open(in_dir("ln/sub/five"), O_RDONLY);
	const char *names[] = { "ln/one", "ln/four", "ln/sub/three", "ln/sub/moved",
				"ln/sub/five" };
	int gone = fd >= 0;
	for (int i = 0; i < 5; i++)
		gone &= unlink(in_dir(names[i])) == 0 && fstat(fd, &st) == 0 &&
			st.st_nlink == (nlink_t)(4 - i);
	check(gone, "unlink one name at a time: nlink drops", "%s", strerror(errno));
	check(fstat(fd, &st) == 0 && st.st_nlink == 0 && read(fd, buf, sizeof(buf)) == 7 &&
	      !memcmp(buf, "shared!", 7), "all names unlinked while open: still readable",
	      "nlink %lu, '%s'", (unsigned long)st.st_nlink, buf);
	close(fd);
	check(unlink(in_dir("ln/sym")) == 0 && unlink(in_dir("ln/sym2")) == 0 && rmdir(sub) == 0 &&
	      rmdir(in_dir("ln")) == 0, "links cleaned up", "%s", strerror(errno));
}

static void check_remove(void)
{
	struct stat st;

	check(rmdir(in_dir("sub")) < 0 && errno == ENOTEMPTY, "rmdir non-empty fails",
	      "%s", strerror(errno));
	check(unlink(in_dir("sub/rel")) == 0 && rmdir(in_dir("sub")) == 0, "rmdir", "%s",
	      strerror(errno));
	check(unlink(in_dir("link")) == 0 && unlink(in_dir("log2")) == 0 &&
	      unlink(in_dir("a")) == 0 && stat(in_dir("a"), &st) < 0 && errno == ENOENT,
	      "unlink", "%s", strerror(errno));
	check(rmdir(dir) == 0, "rmdir the test directory", "%s", strerror(errno));
}

static void check_exe(const char *argv0)
{
	char want[PATH_MAX], got[PATH_MAX] = { 0 };

	if (argv0[0] == '/')
		snprintf(want, sizeof(want), "%s", argv0);
	else if (!realpath(argv0, want))
		want[0] = '\0';
	check(readlink("/proc/self/exe", got, sizeof(got) - 1) > 0 && !strcmp(got, want),
	      "/proc/self/exe", "'%s', expected '%s'", got, want);
}

static void check_devices(void)
{
	char buf[4096];
	int fd = open("/dev/null", O_RDWR);

	check(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, sizeof(buf)) == 0,
	      "/dev/null", "%s", strerror(errno));
	close(fd);
	memset(buf, 0xff, sizeof(buf));
	fd = open("/dev/zero", O_RDONLY);
	int zero = fd >= 0 && read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
	for (size_t i = 0; zero && i < sizeof(buf); i++)
		zero = !buf[i];
	check(zero, "/dev/zero", "%s", strerror(errno));
	close(fd);
}

static int file_has_line(const char *path, const char *prefix)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, prefix, strlen(prefix));
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	(void)argc;
	/* First, while a relative argv[0] still resolves. */
	check_exe(argv[0]);
	snprintf(dir, sizeof(dir), "/tmp/files.%d", (int)getpid());
	if (check(mkdir(dir, 0700) == 0, "mkdir the test directory", "%s: %s", dir,
		  strerror(errno))) {
		check_create_read();
		check_append_dup();
		check_names();
		check_readdir();
		check_cwd();
		check_links();
		check_remove();
	}
	check_devices();
	check(file_has_line("/proc/meminfo", "MemTotal:"), "/proc/meminfo MemTotal",
	      "no MemTotal line");
	check(file_has_line("/proc/cpuinfo", "processor"), "/proc/cpuinfo processor",
	      "no processor line");
	return checks_done();
}
