/* File mappings through the page cache: MAP_SHARED between processes
 * (fork, and separate opens) and against read(2)/write(2), msync's
 * argument errors, MAP_PRIVATE copy on write, memfd_create across fork,
 * fallocate's modes, large sparse ftruncate.
 *   mapfile           the checks above, in /tmp
 *   mapfile big       a 1 GiB file written and read back
 *   mapfile cow FILE K  FILE mapped private and read whole copies nothing;
 *                     writing K pages copies K (MemFree tells) */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "meminfo.h"

#define PG 4096
#define FILE_PAGES 4
#define BIG_SIZE (1ull << 30)
#define BIG_CHUNK (1u << 20)
/* Page tables and the program's own pages may move MemFree a little. */
#define SLACK_KB 256
/* Mapping a file's pages costs at most this fraction of its size. */
#define COPY_FRACTION 16

static int open_tmp(const char *path, size_t size)
{
	char page[PG];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (size_t off = 0; fd >= 0 && off < size; off += PG) {
		memset(page, (int)('a' + off / PG), PG);
		if (pwrite(fd, page, PG, (off_t)off) != PG)
			return -1;
	}
	return fd;
}

static char byte_at(int fd, off_t off)
{
	char c = 0;

	return pread(fd, &c, 1, off) == 1 ? c : -1;
}

static int child_exit(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void shared(void)
{
	int fd = open_tmp("/tmp/shared", FILE_PAGES * PG), fd2;
	char *p, *q;
	pid_t pid;

	check(fd >= 0, "shared: file made", "errno %d", errno);
	p = mmap(NULL, FILE_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED, "shared: mmap", "errno %d", errno);
	check(p[PG] == 'b', "shared: mapping shows the file", "%d", p[PG]);
	p[0] = 'A';
	check(byte_at(fd, 0) == 'A', "shared: a store is read(2)'s at once", "%d", byte_at(fd, 0));
	check(pwrite(fd, "B", 1, 100) == 1 && p[100] == 'B', "shared: write(2) shows in the mapping",
	      "%d", p[100]);
	fd2 = open("/tmp/shared", O_RDWR);
	q = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	check(q != MAP_FAILED, "shared: a second open maps it", "errno %d", errno);
	p[200] = 'C';
	check(q[200] == 'C', "shared: the second mapping sees the first's store", "%d", q[200]);
	pid = fork();
	if (pid == 0) {
		p[300] = 'D';
		_exit(0);
	}
	check(child_exit(pid) == 0 && p[300] == 'D' && byte_at(fd, 300) == 'D',
	      "shared: fork's child stores into the parent's mapping", "%d", p[300]);
	pid = fork();
	if (pid == 0) {
		int cfd = open("/tmp/shared", O_RDWR);
		char *c = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);

		if (c == MAP_FAILED || c[200] != 'C')
			_exit(1);
		c[400] = 'E';
		_exit(0);
	}
	check(child_exit(pid) == 0 && p[400] == 'E',
	      "shared: another process's own mapping stores into ours", "%d", p[400]);
	check(msync(p, FILE_PAGES * PG, MS_SYNC) == 0, "msync: MS_SYNC", "errno %d", errno);
	check(msync(p, PG, MS_ASYNC | MS_INVALIDATE) == 0, "msync: MS_ASYNC|MS_INVALIDATE",
	      "errno %d", errno);
	check(msync(p + 1, PG, MS_SYNC) == -1 && errno == EINVAL, "msync: unaligned is EINVAL",
	      "errno %d", errno);
	check(msync(p, PG, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL,
	      "msync: MS_SYNC|MS_ASYNC is EINVAL", "errno %d", errno);
	check(msync(p, PG, 0x100) == -1 && errno == EINVAL, "msync: an unknown flag is EINVAL",
	      "errno %d", errno);
	munmap(q, PG);
	check(msync(q, PG, MS_SYNC) == -1 && errno == ENOMEM, "msync: unmapped is ENOMEM",
	      "errno %d", errno);
	check(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, open("/tmp/shared", O_RDONLY), 0) ==
	      MAP_FAILED && errno == EACCES, "mmap: shared writable of a read-only fd is EACCES",
	      "errno %d", errno);
	check(mmap(NULL, PG, PROT_READ, MAP_SHARED, open("/tmp/shared", O_WRONLY), 0) ==
	      MAP_FAILED && errno == EACCES, "mmap: a write-only fd is EACCES", "errno %d", errno);
	munmap(p, FILE_PAGES * PG);
	close(fd);
	close(fd2);
}

static void private(void)
{
	int fd = open("/tmp/shared", O_RDWR);
	char *p = mmap(NULL, FILE_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *r = mmap(NULL, FILE_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *r2 = mmap(NULL, FILE_PAGES * PG, PROT_READ, MAP_PRIVATE, fd, 0);

	check(r != MAP_FAILED && r2 != MAP_FAILED, "private: mmap", "errno %d", errno);
	check(r[0] == 'A', "private: shows the file", "%d", r[0]);
	r[0] = 'Z';
	check(p[0] == 'A' && byte_at(fd, 0) == 'A' && r2[0] == 'A',
	      "private: a store stays private", "%d %d %d", p[0], byte_at(fd, 0), r2[0]);
	p[1] = 'Y';
	check(r[1] != 'Y', "private: a written page no longer follows the file", "%d", r[1]);
	p[PG] = 'F';
	check(r[PG] == 'F', "private: an unwritten page follows the file", "%d", r[PG]);
	check(madvise(r, PG, MADV_DONTNEED) == 0 && r[0] == 'A',
	      "private: MADV_DONTNEED brings the file's page back", "%d", r[0]);
	munmap(p, FILE_PAGES * PG);
	munmap(r, FILE_PAGES * PG);
	munmap(r2, FILE_PAGES * PG);
	close(fd);
}

static void memfd(void)
{
	int fd = memfd_create("flint", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct stat st;
	char *m;
	pid_t pid;

	check(fd >= 0, "memfd: made", "errno %d", errno);
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "memfd: MFD_CLOEXEC", "%d", fcntl(fd, F_GETFD));
	check(ftruncate(fd, 2 * PG) == 0, "memfd: ftruncate", "errno %d", errno);
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(m != MAP_FAILED, "memfd: mmap", "errno %d", errno);
	pid = fork();
	if (pid == 0) {
		m[PG + 10] = 'M';
		_exit(0);
	}
	check(child_exit(pid) == 0 && m[PG + 10] == 'M' && byte_at(fd, PG + 10) == 'M',
	      "memfd: shared across fork", "%d", m[PG + 10]);
	check(ftruncate(fd, 1ll << 40) == 0 && fstat(fd, &st) == 0 && st.st_size == 1ll << 40,
	      "memfd: ftruncate to 1 TiB", "errno %d", errno);
	check(pwrite(fd, "T", 1, (1ll << 40) - 1) == 1 && byte_at(fd, (1ll << 40) - 1) == 'T',
	      "memfd: a byte at 1 TiB", "errno %d", errno);
	check(byte_at(fd, 1ll << 39) == 0, "memfd: the hole reads zero", "%s", "no");
	check(memfd_create("x", 0x100) == -1 && errno == EINVAL, "memfd: unknown flags are EINVAL",
	      "errno %d", errno);
	munmap(m, 2 * PG);
	close(fd);
}

static void fallocate_modes(void)
{
	int fd = open("/tmp/falloc", O_RDWR | O_CREAT | O_TRUNC, 0644), ro, p[2];
	struct stat st;
	char buf[PG];
	int zeros = 1;

	check(fallocate(fd, 0, 0, 10000) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000,
	      "fallocate: mode 0 grows the file", "errno %d size %lld", errno,
	      (long long)st.st_size);
	check(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 40000) == 0 && fstat(fd, &st) == 0 &&
	      st.st_size == 10000, "fallocate: KEEP_SIZE keeps it", "size %lld",
	      (long long)st.st_size);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 3; i++)
		pwrite(fd, buf, PG, (off_t)i * PG);
	check(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 2 * PG) == 0,
	      "fallocate: PUNCH_HOLE|KEEP_SIZE", "errno %d", errno);
	pread(fd, buf, sizeof(buf), PG);
	for (int i = 0; i < PG; i++)
		zeros &= buf[i] == 0;
	check(zeros && byte_at(fd, 99) == 'x' && byte_at(fd, 100) == 0 &&
	      byte_at(fd, 2 * PG + 100) == 'x' && byte_at(fd, 2 * PG + 99) == 0,
	      "fallocate: the hole reads zero, around it the data", "%s", "no");
	check(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, PG) == -1 && errno == EOPNOTSUPP,
	      "fallocate: PUNCH_HOLE without KEEP_SIZE is EOPNOTSUPP", "errno %d", errno);
	check(fallocate(fd, 0x40, 0, PG) == -1 && errno == EOPNOTSUPP,
	      "fallocate: an unknown mode is EOPNOTSUPP", "errno %d", errno);
	check(fallocate(fd, 0, 0, 0) == -1 && errno == EINVAL, "fallocate: len 0 is EINVAL",
	      "errno %d", errno);
	check(fallocate(fd, 0, -1, PG) == -1 && errno == EINVAL, "fallocate: offset -1 is EINVAL",
	      "errno %d", errno);
	check(fallocate(1000, 0, 0, PG) == -1 && errno == EBADF, "fallocate: a bad fd is EBADF",
	      "errno %d", errno);
	ro = open("/tmp/falloc", O_RDONLY);
	check(fallocate(ro, 0, 0, PG) == -1 && errno == EBADF,
	      "fallocate: a read-only fd is EBADF", "errno %d", errno);
	pipe(p);
	check(fallocate(p[1], 0, 0, PG) == -1 && errno == ESPIPE, "fallocate: a pipe is ESPIPE",
	      "errno %d", errno);
	check(fallocate(fd, 0, 0x7fffffffffff0000ll, 0x10000000) == -1 && errno == EFBIG,
	      "fallocate: past the largest file is EFBIG", "errno %d", errno);
	close(ro);
	close(p[0]);
	close(p[1]);
	close(fd);
	unlink("/tmp/falloc");
}

static int big(void)
{
	static char chunk[BIG_CHUNK], back[BIG_CHUNK];
	int fd = open("/tmp/big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int same = 1;

	for (uint64_t off = 0; off < BIG_SIZE; off += BIG_CHUNK) {
		memset(chunk, (int)(off / BIG_CHUNK), sizeof(chunk));
		if (pwrite(fd, chunk, sizeof(chunk), (off_t)off) != (ssize_t)sizeof(chunk)) {
			check(0, "big: 1 GiB written", "at %llu errno %d", (unsigned long long)off,
			      errno);
			return checks_done();
		}
	}
	check(1, "big: 1 GiB written", "%s", "no");
	for (uint64_t off = 0; off < BIG_SIZE && same; off += BIG_CHUNK) {
		memset(chunk, (int)(off / BIG_CHUNK), sizeof(chunk));
		same = pread(fd, back, sizeof(back), (off_t)off) == (ssize_t)sizeof(back) &&
		       !memcmp(chunk, back, sizeof(back));
	}
	check(same, "big: 1 GiB read back", "%s", "no");
	return checks_done();
}

static int cow(const char *path, long k)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	long free0, free1, free2;
	volatile char *m;
	unsigned sum = 0;

	check(fd >= 0 && fstat(fd, &st) == 0, "cow: file opened", "errno %d", errno);
	free0 = mem_free_kb();
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(m != MAP_FAILED, "cow: mapped private", "errno %d", errno);
	for (off_t off = 0; off < st.st_size; off += PG)
		sum += (unsigned char)m[off];
	free1 = mem_free_kb();
	/* A copy would take the file's size; the page tables and the
	 * counts of the pages now shared (kernel/page_ref.c) take some. */
	check(free0 - free1 < st.st_size / 1024 / COPY_FRACTION, "cow: reading it all copies nothing",
	      "%ld kB used (sum %u)", free0 - free1, sum);
	for (long i = 0; i < k; i++)
		m[i * PG] = 1;
	free2 = mem_free_kb();
	check(free1 - free2 >= k * PG / 1024 && free1 - free2 < k * PG / 1024 + SLACK_KB,
	      "cow: writing K pages copies K", "%ld kB used for %ld pages", free1 - free2, k);
	printf("cow: %ld pages written, %ld kB used\n", k, free1 - free2);
	return checks_done();
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "big"))
		return big();
	if (argc > 3 && !strcmp(argv[1], "cow"))
		return cow(argv[2], atol(argv[3]));
	shared();
	private();
	memfd();
	fallocate_modes();
	return checks_done();
}
