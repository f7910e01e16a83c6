/* File calls (item 5 of issue 14): a named pipe between two processes
 * with fifo(7)'s open rules, /dev/full and the other /dev nodes, O_PATH
 * descriptors that cannot be read, utimensat's UTIME_OMIT. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "check.h"
#include "reap.h"

static char dir[] = "/tmp/fileopsXXXXXX";
static char fifo[64], plain[64];

static void named_pipe(void)
{
	struct stat st;
	char buf[32] = { 0 };
	pid_t pid;
	int fd, r;

	check(mkfifo(fifo, 0640) == 0, "mkfifo", "%s", strerror(errno));
	check(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0640,
	      "stat shows S_IFIFO", "mode %o", (unsigned)st.st_mode);
	r = mkfifo(fifo, 0640);
	check(r < 0 && errno == EEXIST, "mkfifo over a name is EEXIST", "r %d", r);
	fd = open(fifo, O_WRONLY | O_NONBLOCK);
	check(fd < 0 && errno == ENXIO, "a nonblocking writer without a reader is ENXIO", "fd %d",
	      fd);
	fd = open(fifo, O_RDONLY | O_NONBLOCK);
	check(fd >= 0, "a nonblocking reader opens at once", "%s", strerror(errno));
	check(read(fd, buf, sizeof(buf)) == 0, "reading with no writer is end of file", "no");
	r = open(fifo, O_WRONLY | O_NONBLOCK);
	check(r >= 0, "a nonblocking writer opens with a reader", "%s", strerror(errno));
	check(lseek(r, 0, SEEK_SET) < 0 && errno == ESPIPE, "lseek on a FIFO is ESPIPE", "no");
	close(r);
	close(fd);
	pid = fork();
	if (pid == 0) {
		int w = open(fifo, O_WRONLY);

		_exit(w < 0 || write(w, "through the fifo", 16) != 16);
	}
	fd = open(fifo, O_RDONLY);
	check(fd >= 0, "a blocking reader opens once a writer comes", "%s", strerror(errno));
	r = 0;
	for (int got; (got = (int)read(fd, buf + r, sizeof(buf) - 1 - (size_t)r)) > 0;)
		r += got;
	check(r == 16 && !strcmp(buf, "through the fifo"), "data flows from the other process",
	      "got %d %s", r, buf);
	check(reap(pid) == 0, "the writer exits", "status");
	close(fd);
	fd = open(fifo, O_RDWR);
	check(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, 1) == 1 && buf[0] == 'x',
	      "O_RDWR opens both ends without waiting", "%s", strerror(errno));
	close(fd);
	check(unlink(fifo) == 0, "unlink of a FIFO", "%s", strerror(errno));
}

static void pipe_size(void)
{
	int p[2], r, fd;

	if (pipe(p))
		return;
	r = fcntl(p[0], F_GETPIPE_SZ);
	check(r >= 4096 && r % 4096 == 0, "F_GETPIPE_SZ is whole pages", "%d", r);
	r = fcntl(p[1], F_SETPIPE_SZ, 4096);
	check(r >= 4096 && fcntl(p[0], F_GETPIPE_SZ) == r, "F_SETPIPE_SZ grants at least the size",
	      "r %d", r);
	r = fcntl(p[1], F_SETPIPE_SZ, -1);
	check(r < 0, "F_SETPIPE_SZ of a negative size fails", "r %d", r);
	fd = open("/dev/null", O_RDONLY);
	r = fcntl(fd, F_GETPIPE_SZ);
	check(r < 0 && errno == EBADF, "F_GETPIPE_SZ of another file is EBADF", "r %d", r);
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void dev_nodes(void)
{
	static const char *const nodes[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
					     "/dev/urandom" };
	char buf[16];
	int fd, r;

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		struct stat st;

		check(stat(nodes[i], &st) == 0 && S_ISCHR(st.st_mode), nodes[i], "%s",
		      strerror(errno));
	}
	fd = open("/dev/full", O_RDWR);
	r = (int)write(fd, "x", 1);
	check(r < 0 && errno == ENOSPC, "writing /dev/full is ENOSPC", "r %d", r);
	memset(buf, 1, sizeof(buf));
	r = (int)read(fd, buf, sizeof(buf));
	check(r == (int)sizeof(buf) && buf[0] == 0 && buf[15] == 0, "/dev/full reads zeros",
	      "r %d", r);
	close(fd);
}

static void path_and_times(void)
{
	struct timespec ts[2] = { { .tv_sec = 1000000000 }, { .tv_sec = 1200000000 } };
	struct stat st;
	char buf[4];
	int fd, r;

	fd = open(plain, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, "data", 4);
	close(fd);
	fd = open(plain, O_PATH);
	check(fd >= 0, "O_PATH open", "%s", strerror(errno));
	r = (int)read(fd, buf, sizeof(buf));
	check(r < 0 && errno == EBADF, "read of an O_PATH descriptor is EBADF", "r %d", r);
	r = (int)write(fd, buf, 1);
	check(r < 0 && errno == EBADF, "write of an O_PATH descriptor is EBADF", "r %d", r);
	check(fstat(fd, &st) == 0 && st.st_size == 4, "fstat of an O_PATH descriptor", "%s",
	      strerror(errno));
	check(close(fd) == 0, "close of an O_PATH descriptor", "%s", strerror(errno));
	check(utimensat(AT_FDCWD, plain, ts, 0) == 0 && stat(plain, &st) == 0 &&
	      st.st_mtime == 1200000000, "utimensat sets the mtime", "mtime %ld",
	      (long)st.st_mtime);
	ts[1].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 5;
	check(utimensat(AT_FDCWD, plain, ts, 0) == 0 && stat(plain, &st) == 0 &&
	      st.st_mtime == 1200000000, "UTIME_OMIT leaves the mtime", "mtime %ld",
	      (long)st.st_mtime);
	ts[1].tv_nsec = UTIME_NOW;
	check(utimensat(AT_FDCWD, plain, ts, 0) == 0 && stat(plain, &st) == 0 &&
	      st.st_mtime > 1500000000 && st.st_mtime <= time(NULL),
	      "UTIME_NOW sets the mtime to now", "mtime %ld", (long)st.st_mtime);
	{
		struct timeval tv[2] = { { .tv_sec = 1300000000 }, { .tv_sec = 1400000000 } };
		struct utimbuf ub = { .actime = 1, .modtime = 1500000000 };

		check(utimes(plain, tv) == 0 && stat(plain, &st) == 0 &&
		      st.st_mtime == 1400000000, "utimes sets the mtime", "mtime %ld",
		      (long)st.st_mtime);
		tv[0].tv_usec = 1000000;
		r = utimes(plain, tv);
		check(r < 0 && errno == EINVAL, "utimes with a bad tv_usec is EINVAL", "r %d", r);
		check(utime(plain, &ub) == 0 && stat(plain, &st) == 0 &&
		      st.st_mtime == 1500000000, "utime sets the mtime", "mtime %ld",
		      (long)st.st_mtime);
	}
	ts[1].tv_nsec = 1000000000;
	r = utimensat(AT_FDCWD, plain, ts, 0);
	check(r < 0 && errno == EINVAL, "a bad tv_nsec is EINVAL", "r %d", r);
	unlink(plain);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("fileops: mkdtemp");
		return 1;
	}
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	named_pipe();
	pipe_size();
	dev_nodes();
	path_and_times();
	rmdir(dir);
	return checks_done();
}
