/*
 * Guest side of the storage benchmark (tools/bench.py storage), run on
 * Flint and in the Linux baseline guest on the same ext2 image, mounted
 * at DIR. Two phases, each in its own boot, so that the read starts with
 * nothing of the file in memory:
 *
 *   fsbench DIR write [MIB [FILES]]
 *       seq write: DIR/big, MIB (default 256) 1 MiB writes, then fsync;
 *       create: FILES (default 10000) files in DIR/small, each opened
 *       with O_CREAT | O_EXCL, one 100-byte write, closed, then syncfs;
 *       delete: the same files unlinked, then syncfs;
 *       fsync: 200 rounds of a 4 KiB write appended to DIR/fsync + fsync,
 *       each timed: the median and the 99th percentile.
 *   fsbench DIR read [MIB]
 *       read: DIR/big read whole in 1 MiB reads (cold: a fresh boot);
 *       reread: read whole again (from the page cache); every 4 KiB block
 *       is checked for the words the write phase put in it.
 *
 * One line per figure, "fsbench: NAME VALUE UNIT" (MB = 10^6 bytes), or
 * "fsbench: failed WHAT: ERROR" and status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define BLOCK 4096
#define DEFAULT_MIB 256
#define DEFAULT_FILES 10000
#define SMALL_BYTES 100
#define FSYNC_ROUNDS 200
#define NSEC_PER_SEC 1000000000LL
#define NSEC_PER_USEC 1000LL

static char path[4096];

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int failed(const char *what)
{
	printf("fsbench: failed %s: %s\n", what, strerror(errno));
	return 1;
}

static const char *name(const char *dir, const char *rest)
{
	snprintf(path, sizeof(path), "%s/%s", dir, rest);
	return path;
}

static void rate(const char *figure, long long bytes, long long ns)
{
	printf("fsbench: %s %.1f MB/s\n", figure, bytes * 1e3 / (ns ? ns : 1));
	fflush(stdout);
}

/* Block b of the big file starts with b and its complement, so that a
 * block read from the wrong place or not written shows. */
static void stamp(char *buf, uint64_t first_block)
{
	for (size_t off = 0; off < MIB; off += BLOCK) {
		uint64_t words[2] = { first_block + off / BLOCK, ~(first_block + off / BLOCK) };

		memcpy(buf + off, words, sizeof(words));
	}
}

static int stamped(const char *buf, uint64_t first_block)
{
	for (size_t off = 0; off < MIB; off += BLOCK) {
		uint64_t words[2];

		memcpy(words, buf + off, sizeof(words));
		if (words[0] != first_block + off / BLOCK || words[1] != ~words[0])
			return 0;
	}
	return 1;
}

static int seq_write(const char *dir, char *buf, int mib)
{
	int fd = open(name(dir, "big"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long long t0 = now_ns();

	if (fd < 0)
		return failed("open big");
	for (int i = 0; i < mib; i++) {
		stamp(buf, (uint64_t)i * (MIB / BLOCK));
		if (write(fd, buf, MIB) != MIB)
			return failed("write big");
	}
	if (fsync(fd))
		return failed("fsync big");
	rate("write", (long long)mib * MIB, now_ns() - t0);
	return close(fd) ? failed("close big") : 0;
}

static int seq_read(const char *dir, char *buf, int mib, const char *figure)
{
	int fd = open(name(dir, "big"), O_RDONLY);
	long long t0 = now_ns(), total = 0;
	ssize_t n;

	if (fd < 0)
		return failed("open big");
	/* Whole 1 MiB reads: a short one is a failure, not a retry. */
	while ((n = read(fd, buf, MIB)) == MIB) {
		if (!stamped(buf, (uint64_t)total / BLOCK)) {
			errno = EIO;
			return failed("big holds other data than was written");
		}
		total += n;
	}
	if (n < 0)
		return failed("read big");
	if (n > 0 || total != (long long)mib * MIB) {
		errno = EIO;
		return failed("big is not the size written");
	}
	rate(figure, total, now_ns() - t0);
	return close(fd) ? failed("close big") : 0;
}

static int small_files(const char *dir, int files)
{
	char data[SMALL_BYTES], file[64];
	long long t0;
	int dfd;

	memset(data, 'x', sizeof(data));
	if (mkdir(name(dir, "small"), 0755))
		return failed("mkdir small");
	dfd = open(path, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return failed("open small");
	t0 = now_ns();
	for (int i = 0; i < files; i++) {
		int fd;

		snprintf(file, sizeof(file), "f%05d", i);
		fd = openat(dfd, file, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			return failed("create a small file");
		if (write(fd, data, sizeof(data)) != sizeof(data) || close(fd))
			return failed("write a small file");
	}
	if (syncfs(dfd))
		return failed("syncfs after creating");
	printf("fsbench: create %.0f files/s\n", files * 1e9 / (now_ns() - t0));
	t0 = now_ns();
	for (int i = 0; i < files; i++) {
		snprintf(file, sizeof(file), "f%05d", i);
		if (unlinkat(dfd, file, 0))
			return failed("unlink a small file");
	}
	if (syncfs(dfd))
		return failed("syncfs after deleting");
	printf("fsbench: delete %.0f files/s\n", files * 1e9 / (now_ns() - t0));
	fflush(stdout);
	close(dfd);
	return rmdir(name(dir, "small")) ? failed("rmdir small") : 0;
}

static int compare(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int fsync_latency(const char *dir, char *buf)
{
	static long long ns[FSYNC_ROUNDS];
	int fd = open(name(dir, "fsync"), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

	if (fd < 0)
		return failed("open fsync");
	for (int i = 0; i < FSYNC_ROUNDS; i++) {
		long long t0 = now_ns();

		if (write(fd, buf, BLOCK) != BLOCK)
			return failed("write fsync");
		if (fsync(fd))
			return failed("fsync fsync");
		ns[i] = now_ns() - t0;
	}
	qsort(ns, FSYNC_ROUNDS, sizeof(ns[0]), compare);
	printf("fsbench: fsync_median %lld us\n", ns[FSYNC_ROUNDS / 2] / NSEC_PER_USEC);
	/* The 99th percentile: the smallest that 99% of the rounds are at or under. */
	printf("fsbench: fsync_p99 %lld us\n",
	       ns[(FSYNC_ROUNDS * 99 + 99) / 100 - 1] / NSEC_PER_USEC);
	fflush(stdout);
	return close(fd) || unlink(name(dir, "fsync")) ? failed("remove fsync") : 0;
}

int main(int argc, char **argv)
{
	int mib = argc > 3 ? atoi(argv[3]) : DEFAULT_MIB;
	int files = argc > 4 ? atoi(argv[4]) : DEFAULT_FILES;
	char *buf;

	if (argc < 3 || mib <= 0 || files <= 0 ||
	    (strcmp(argv[2], "write") && strcmp(argv[2], "read"))) {
		fprintf(stderr, "usage: fsbench DIR write [MIB [FILES]] | DIR read [MIB]\n");
		return 2;
	}
	buf = aligned_alloc(BLOCK, MIB);
	if (!buf)
		return failed("aligned_alloc");
	memset(buf, 0x5a, MIB);
	if (!strcmp(argv[2], "read"))
		return seq_read(argv[1], buf, mib, "read") ||
		       seq_read(argv[1], buf, mib, "reread");
	return seq_write(argv[1], buf, mib) || small_files(argv[1], files) ||
	       fsync_latency(argv[1], buf);
}
