/* fsync, fdatasync, syncfs, sync and O_SYNC/O_DSYNC writes, with a disk
 * (argv[1], /dev/vda in the boot test): each that should reach the disk
 * adds a flush to its line of /proc/diskstats; the files without storage
 * answer as Linux's do (ramfs 0, pipes, sockets and /dev/null EINVAL).
 * Writes "sync-test" at DISK_AT for the host to find in the image. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define DISK_AT 4096
#define SECTOR 512
/* /proc/diskstats after major, minor and name (Linux's iostats): */
#define WRITES 4
#define FLUSHES 15

/* The disk's counters from /proc/diskstats: field n (0 = reads) of the
 * line named name, or -1. */
static long long diskstat(const char *name, int n)
{
	char buf[4096], dev[32];
	FILE *f = fopen("/proc/diskstats", "r");
	long long v[17], r = -1;
	unsigned major, minor;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "%u %u %31s %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld "
			   "%lld %lld %lld %lld %lld %lld", &major, &minor, dev, &v[0], &v[1], &v[2],
			   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11], &v[12],
			   &v[13], &v[14], &v[15], &v[16]) == 20 && !strcmp(dev, name))
			r = v[n];
	fclose(f);
	return r;
}

static int no_storage(int fd, const char *what)
{
	errno = 0;
	return check(fsync(fd) == -1 && errno == EINVAL, what, "fsync errno %d", errno) &
	       check(fdatasync(fd) == -1 && errno == EINVAL, what, "fdatasync errno %d", errno);
}

int main(int argc, char **argv)
{
	const char *disk = argc > 1 ? argv[1] : "/dev/vda";
	const char *name = strrchr(disk, '/') ? strrchr(disk, '/') + 1 : disk;
	char block[SECTOR], back[SECTOR];
	int p[2], s[2], fd;
	long long flushes, writes;

	errno = 0;
	check(fsync(-1) == -1 && errno == EBADF, "fsync of a bad descriptor", "errno %d", errno);
	errno = 0;
	check(syncfs(-1) == -1 && errno == EBADF, "syncfs of a bad descriptor", "errno %d",
	      errno);
	if (check(pipe(p) == 0, "pipe", "errno %d", errno)) {
		no_storage(p[0], "a pipe has no storage");
		close(p[0]);
		close(p[1]);
	}
	if (check(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "socketpair", "errno %d", errno)) {
		no_storage(s[0], "a socket has no storage");
		close(s[0]);
		close(s[1]);
	}
	fd = open("/dev/null", O_WRONLY);
	no_storage(fd, "/dev/null has no storage");
	close(fd);

	fd = open("/tmp/sync-file", O_RDWR | O_CREAT | O_TRUNC | O_SYNC, 0644);
	check(fd >= 0 && write(fd, "data", 4) == 4, "O_SYNC write to a memory file",
	      "errno %d", errno);
	check(fsync(fd) == 0 && fdatasync(fd) == 0 && syncfs(fd) == 0,
	      "fsync, fdatasync, syncfs of a memory file", "errno %d", errno);
	close(fd);
	unlink("/tmp/sync-file");
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	check(fsync(fd) == 0, "fsync of a directory", "errno %d", errno);
	close(fd);

	flushes = diskstat(name, FLUSHES);
	writes = diskstat(name, WRITES);
	if (!check(flushes >= 0 && writes >= 0, "the disk in /proc/diskstats", "%s not found",
		   name))
		return checks_done();
	fd = open(disk, O_RDWR);
	memset(block, 0, sizeof(block));
	strcpy(block, "sync-test");
	check(pwrite(fd, block, SECTOR, DISK_AT) == SECTOR, "a sector written", "errno %d", errno);
	check(diskstat(name, WRITES) > writes, "diskstats counts the write", "%lld writes",
	      diskstat(name, WRITES));
	check(diskstat(name, FLUSHES) == flushes, "a plain write flushes nothing",
	      "%lld flushes", diskstat(name, FLUSHES));
	errno = 0;
	check(fsync(fd) == 0 && diskstat(name, FLUSHES) == flushes + 1,
	      "fsync flushes the disk", "errno %d, %lld flushes", errno,
	      diskstat(name, FLUSHES));
	errno = 0;
	check(fdatasync(fd) == 0 && diskstat(name, FLUSHES) == flushes + 2,
	      "fdatasync flushes the disk", "errno %d, %lld flushes", errno,
	      diskstat(name, FLUSHES));
	check(pread(fd, back, SECTOR, DISK_AT) == SECTOR && !memcmp(back, block, SECTOR),
	      "the sector reads back", "errno %d", errno);
	close(fd);
	fd = open(disk, O_RDWR | O_SYNC);
	check((fcntl(fd, F_GETFL) & O_SYNC) == O_SYNC, "F_GETFL shows O_SYNC", "flags %#x",
	      fcntl(fd, F_GETFL));
	check(pwrite(fd, block, SECTOR, DISK_AT) == SECTOR &&
	      diskstat(name, FLUSHES) == flushes + 3, "an O_SYNC write flushes",
	      "errno %d, %lld flushes", errno, diskstat(name, FLUSHES));
	close(fd);
	fd = open(disk, O_RDWR | O_DSYNC);
	check(pwrite(fd, block, SECTOR, DISK_AT) == SECTOR &&
	      diskstat(name, FLUSHES) == flushes + 4, "an O_DSYNC write flushes",
	      "errno %d, %lld flushes", errno, diskstat(name, FLUSHES));
	close(fd);
	sync();
	check(diskstat(name, FLUSHES) == flushes + 5, "sync flushes every disk",
	      "%lld flushes", diskstat(name, FLUSHES));
	return checks_done();
}
