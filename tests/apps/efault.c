/* Bad user pointers: every raw syscall given one must fail with EFAULT (or
 * what Linux returns instead) and the kernel must go on. The bad pointers:
 * NULL, 1, a kernel address, a hole between two mappings, a PROT_NONE page,
 * and, for calls that write to user memory, a read-only page; for calls
 * given a length, a range that starts in user space (the top of the stack
 * on Flint) and runs past its end. Also paths that run into an unmapped or a
 * PROT_NONE page without their NUL. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define PAGE_SIZE 4096
/* The first address of the kernel half, arch/x86/include/asm/page_64_types.h. */
#define KERNEL_ADDR 0xffff800000000000ul
/* TASK_SIZE_MAX, arch/x86/include/asm/page_64_types.h: the end of user space. */
#define USER_TOP 0x7ffffffff000ul
/* The kernel's sigset_t: 64 signals, arch/x86/include/uapi/asm/signal.h. */
#define KERNEL_SIGSET_SIZE 8
/* ARCH_GET_FS, arch/x86/include/uapi/asm/prctl.h. */
#define ARCH_GET_FS 0x1003
/* sizeof(struct clone_args) with every field up to cgroup, CLONE_ARGS_SIZE_VER2. */
#define CLONE_ARGS_SIZE 88
/* FUTEX_WAIT | FUTEX_PRIVATE_FLAG, include/uapi/linux/futex.h. */
#define FUTEX_WAIT_PRIVATE 128
/* Bytes every buffer call asks for. */
#define BUF_LEN 64
/* A range of BUF_LEN bytes from here runs past USER_TOP. */
#define PAST_TOP ((void *)(USER_TOP - BUF_LEN / 2))
/* STATX_BASIC_STATS, include/uapi/linux/stat.h (not every libc has it). */
#define STATX_BASIC 0x7ff

struct bad {
	const char *name;
	void *ptr;
};

static char *rdonly_page;	/* zero-filled, PROT_READ */
static struct bad bads[5];	/* every bad pointer but the read-only page */
static int nbads;
static char tmp_file[64], tmp_link[64];

static void expect(const char *call, const char *ptr, long r, int want)
{
	char what[96];

	snprintf(what, sizeof(what), "%s %s", call, ptr);
	check(r == -1 && errno == want, what, "returned %ld, errno %d (%s), expected %s", r,
	      r == -1 ? errno : 0, r == -1 ? strerror(errno) : "-", strerror(want));
}

/* Where NULL means "none" (no old action, no timeout), the call succeeds. */
static void expect_optional(const char *call, const void *p, const char *ptr, long r)
{
	char what[96];

	if (p) {
		expect(call, ptr, r, EFAULT);
		return;
	}
	snprintf(what, sizeof(what), "%s NULL is none", call);
	check(r == 0, what, "returned %ld, errno %d (%s)", r, errno, strerror(errno));
}

static void *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Three pages, the middle one unmapped: a hole between two mappings. */
static void *make_hole(void)
{
	char *p = map(3 * PAGE_SIZE, PROT_READ | PROT_WRITE);

	if (!p || munmap(p + PAGE_SIZE, PAGE_SIZE))
		return NULL;
	return p + PAGE_SIZE;
}

static int setup(void)
{
	void *hole = make_hole(), *none = map(PAGE_SIZE, PROT_NONE);
	int fd;

	rdonly_page = map(PAGE_SIZE, PROT_READ);
	if (!check(hole && none && rdonly_page, "mmap the bad pages", "%s", strerror(errno)))
		return 0;
	bads[nbads++] = (struct bad){ "NULL", NULL };
	bads[nbads++] = (struct bad){ "1", (void *)1 };
	bads[nbads++] = (struct bad){ "kernel", (void *)KERNEL_ADDR };
	bads[nbads++] = (struct bad){ "hole", hole };
	bads[nbads++] = (struct bad){ "PROT_NONE", none };

	snprintf(tmp_file, sizeof(tmp_file), "/tmp/efault.%d", (int)getpid());
	snprintf(tmp_link, sizeof(tmp_link), "/tmp/efault.%d.link", (int)getpid());
	fd = open(tmp_file, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char data[PAGE_SIZE];
	memset(data, 'x', sizeof(data));
	return check(fd >= 0 && write(fd, data, sizeof(data)) == (ssize_t)sizeof(data) &&
		     !close(fd) && !symlink("target", tmp_link), "make the test files", "%s",
		     strerror(errno));
}

/* read, pread64, readv and write, writev on a regular file. */
static void check_io(void)
{
	int fd = open(tmp_file, O_RDWR);
	struct iovec iov;

	for (int i = 0; i < nbads; i++) {
		void *p = bads[i].ptr;
		const char *n = bads[i].name;

		expect("read", n, syscall(SYS_read, fd, p, BUF_LEN), EFAULT);
		expect("pread64", n, syscall(SYS_pread64, fd, p, BUF_LEN, 0), EFAULT);
		expect("write", n, syscall(SYS_write, fd, p, BUF_LEN), EFAULT);
		expect("readv iovec", n, syscall(SYS_readv, fd, p, 1), EFAULT);
		expect("writev iovec", n, syscall(SYS_writev, fd, p, 1), EFAULT);
		iov = (struct iovec){ p, BUF_LEN };
		expect("readv base", n, syscall(SYS_readv, fd, &iov, 1), EFAULT);
		expect("writev base", n, syscall(SYS_writev, fd, &iov, 1), EFAULT);
	}
	expect("read", "read-only", syscall(SYS_read, fd, rdonly_page, BUF_LEN), EFAULT);
	expect("pread64", "read-only", syscall(SYS_pread64, fd, rdonly_page, BUF_LEN, 0), EFAULT);
	iov = (struct iovec){ rdonly_page, BUF_LEN };
	expect("readv base", "read-only", syscall(SYS_readv, fd, &iov, 1), EFAULT);
	off_t pos = lseek(fd, 0, SEEK_CUR);
	check(pos == 0, "failed reads and writes leave the file position", "at %lld",
	      (long long)pos);
	close(fd);
}

/* A pipe read that cannot copy out takes nothing from the pipe. */
static void check_pipe(void)
{
	char buf[8];
	int p[2];

	if (!check(pipe(p) == 0 && write(p[1], "abc", 3) == 3, "pipe setup", "%s",
		   strerror(errno)))
		return;
	for (int i = 0; i < nbads; i++)
		expect("read pipe", bads[i].name, syscall(SYS_read, p[0], bads[i].ptr, 3), EFAULT);
	expect("read pipe", "read-only", syscall(SYS_read, p[0], rdonly_page, 3), EFAULT);
	check(read(p[0], buf, sizeof(buf)) == 3 && !memcmp(buf, "abc", 3),
	      "failed pipe reads leave the data", "%s", strerror(errno));
	close(p[0]);
	close(p[1]);
}

/* The path calls: a bad path, then a good path with a bad buffer. */
static void check_paths(void)
{
	for (int i = 0; i < nbads; i++) {
		void *p = bads[i].ptr;
		const char *n = bads[i].name;
		char buf[PAGE_SIZE];

		expect("open path", n, syscall(SYS_open, p, O_RDONLY), EFAULT);
		expect("openat path", n, syscall(SYS_openat, AT_FDCWD, p, O_RDONLY), EFAULT);
		expect("stat path", n, syscall(SYS_stat, p, buf), EFAULT);
		expect("lstat path", n, syscall(SYS_lstat, p, buf), EFAULT);
		expect("newfstatat path", n, syscall(SYS_newfstatat, AT_FDCWD, p, buf, 0), EFAULT);
		expect("statx path", n, syscall(SYS_statx, AT_FDCWD, p, 0, STATX_BASIC, buf),
		       EFAULT);
		expect("readlink path", n, syscall(SYS_readlink, p, buf, sizeof(buf)), EFAULT);
		expect("stat buf", n, syscall(SYS_stat, tmp_file, p), EFAULT);
		expect("lstat buf", n, syscall(SYS_lstat, tmp_file, p), EFAULT);
		expect("newfstatat buf", n, syscall(SYS_newfstatat, AT_FDCWD, tmp_file, p, 0),
		       EFAULT);
		expect("statx buf", n, syscall(SYS_statx, AT_FDCWD, tmp_file, 0, STATX_BASIC,
					      p), EFAULT);
		expect("readlink buf", n, syscall(SYS_readlink, tmp_link, p, BUF_LEN), EFAULT);
		expect("getcwd", n, syscall(SYS_getcwd, p, BUF_LEN), EFAULT);
	}
	expect("stat buf", "read-only", syscall(SYS_stat, tmp_file, rdonly_page), EFAULT);
	expect("statx buf", "read-only", syscall(SYS_statx, AT_FDCWD, tmp_file, 0,
						 STATX_BASIC, rdonly_page), EFAULT);
	expect("readlink buf", "read-only", syscall(SYS_readlink, tmp_link, rdonly_page, BUF_LEN),
	       EFAULT);
	expect("getcwd", "read-only", syscall(SYS_getcwd, rdonly_page, BUF_LEN), EFAULT);
}

/* A path whose last byte is the last byte of its page, the next page
 * unmapped or PROT_NONE: no NUL to be found. */
static void check_unterminated(const char *name, int next_prot)
{
	char *p = map(2 * PAGE_SIZE, PROT_READ | PROT_WRITE), *path;
	char what[64];

	if (!check(p != NULL, "mmap the path pages", "%s", strerror(errno)))
		return;
	if (next_prot < 0)
		munmap(p + PAGE_SIZE, PAGE_SIZE);
	else
		mprotect(p + PAGE_SIZE, PAGE_SIZE, next_prot);
	path = p + PAGE_SIZE - 8;
	memcpy(path, "/tmp/abc", 8);
	snprintf(what, sizeof(what), "unterminated path before %s", name);
	expect("open", what, syscall(SYS_open, path, O_RDONLY), EFAULT);
	expect("stat", what, syscall(SYS_stat, path, rdonly_page), EFAULT);
	expect("mkdir", what, syscall(SYS_mkdir, path, 0755), EFAULT);
	munmap(p, 2 * PAGE_SIZE);
}

/* Linux refuses the whole range (access_ok) before copying anything. From
 * PAST_TOP, struct stat (144 bytes), statx (256), utsname (390) and
 * sysinfo (112) run past the top too. */
static void check_past_top(void)
{
	int fd = open(tmp_file, O_RDWR);
	struct iovec iov = { PAST_TOP, BUF_LEN };
	const char *n = "past the top";

	expect("read", n, syscall(SYS_read, fd, PAST_TOP, BUF_LEN), EFAULT);
	expect("pread64", n, syscall(SYS_pread64, fd, PAST_TOP, BUF_LEN, 0), EFAULT);
	expect("write", n, syscall(SYS_write, fd, PAST_TOP, BUF_LEN), EFAULT);
	expect("readv base", n, syscall(SYS_readv, fd, &iov, 1), EFAULT);
	expect("writev base", n, syscall(SYS_writev, fd, &iov, 1), EFAULT);
	expect("getrandom", n, syscall(SYS_getrandom, PAST_TOP, BUF_LEN, 0), EFAULT);
	expect("stat buf", n, syscall(SYS_stat, tmp_file, PAST_TOP), EFAULT);
	expect("statx buf", n, syscall(SYS_statx, AT_FDCWD, tmp_file, 0, STATX_BASIC, PAST_TOP),
	       EFAULT);
	expect("uname", n, syscall(SYS_uname, PAST_TOP), EFAULT);
	expect("sysinfo", n, syscall(SYS_sysinfo, PAST_TOP), EFAULT);
	close(fd);
}

static void check_getdents(void)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY);

	for (int i = 0; i < nbads; i++)
		expect("getdents64", bads[i].name,
		       syscall(SYS_getdents64, fd, bads[i].ptr, PAGE_SIZE), EFAULT);
	expect("getdents64", "read-only", syscall(SYS_getdents64, fd, rdonly_page, PAGE_SIZE),
	       EFAULT);
	close(fd);
}

/* Calls that only write a result to user memory. */
static void check_results(void *p, const char *n)
{
	expect("clock_gettime", n, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p), EFAULT);
	expect_optional("gettimeofday", p, n, syscall(SYS_gettimeofday, p, NULL));
	expect("getrandom", n, syscall(SYS_getrandom, p, BUF_LEN, 0), EFAULT);
	expect("uname", n, syscall(SYS_uname, p), EFAULT);
	expect("sysinfo", n, syscall(SYS_sysinfo, p), EFAULT);
	expect("pipe2", n, syscall(SYS_pipe2, p, 0), EFAULT);
	expect_optional("rt_sigaction old", p, n,
			syscall(SYS_rt_sigaction, SIGUSR1, NULL, p, KERNEL_SIGSET_SIZE));
	expect_optional("rt_sigprocmask old", p, n,
			syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, KERNEL_SIGSET_SIZE));
	expect_optional("sigaltstack old", p, n, syscall(SYS_sigaltstack, NULL, p));
	expect_optional("prlimit64 old", p, n,
			syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, p));
	expect("sched_getaffinity", n, syscall(SYS_sched_getaffinity, 0, BUF_LEN, p), EFAULT);
	expect("arch_prctl ARCH_GET_FS", n, syscall(SYS_arch_prctl, ARCH_GET_FS, p), EFAULT);
}

/* Calls that read their argument from user memory. */
static void check_arguments(void *p, const char *n)
{
	expect_optional("rt_sigaction new", p, n,
			syscall(SYS_rt_sigaction, SIGUSR1, p, NULL, KERNEL_SIGSET_SIZE));
	expect_optional("rt_sigprocmask new", p, n,
			syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, KERNEL_SIGSET_SIZE));
	expect_optional("sigaltstack new", p, n, syscall(SYS_sigaltstack, p, NULL));
	expect_optional("prlimit64 new", p, n,
			syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, p, NULL));
	expect("nanosleep", n, syscall(SYS_nanosleep, p, NULL), EFAULT);
	expect("clone3", n, syscall(SYS_clone3, p, CLONE_ARGS_SIZE), EFAULT);
	expect("poll", n, syscall(SYS_poll, p, 1, 0), EFAULT);
	expect_optional("select", p, n,
			syscall(SYS_select, 1, p, NULL, NULL, &(struct timeval){ 0, 0 }));
}

/* FUTEX_WAIT reads the futex word; Linux wants it 4-byte aligned first
 * (EINVAL), kernel/futex/core.c get_futex_key. */
static void check_futex(void)
{
	uint32_t word = 0;

	for (int i = 0; i < nbads; i++) {
		uintptr_t a = (uintptr_t)bads[i].ptr;

		expect("futex FUTEX_WAIT", bads[i].name,
		       syscall(SYS_futex, bads[i].ptr, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0),
		       a % sizeof(uint32_t) ? EINVAL : EFAULT);
		/* A NULL timeout is no timeout: it would wait for ever. */
		if (a)
			expect("futex FUTEX_WAIT timeout", bads[i].name,
			       syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, bads[i].ptr,
				       NULL, 0), EFAULT);
	}
}

/* epoll_wait copies out only what is ready: an eventfd with a count is. */
static void check_epoll(void)
{
	int ep = epoll_create1(0), ev = eventfd(1, 0);
	struct epoll_event e = { .events = EPOLLIN };

	if (!check(ep >= 0 && ev >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e),
		   "epoll setup", "%s", strerror(errno)))
		return;
	for (int i = 0; i < nbads; i++)
		expect("epoll_wait", bads[i].name,
		       syscall(SYS_epoll_wait, ep, bads[i].ptr, 1, 0), EFAULT);
	expect("epoll_wait", "read-only", syscall(SYS_epoll_wait, ep, rdonly_page, 1, 0), EFAULT);
	close(ep);
	close(ev);
}

/* poll and select write their results back: into a read-only page they
 * cannot. The pollfd and fd_set there are zero: fd 0, no events; an empty set. */
static void check_writeback(void)
{
	expect("poll", "read-only", syscall(SYS_poll, rdonly_page, 1, 0), EFAULT);
	expect("select", "read-only", syscall(SYS_select, 1, rdonly_page, NULL, NULL,
					      &(struct timeval){ 0, 0 }), EFAULT);
}

int main(void)
{
	if (!setup())
		return checks_done();
	check_io();
	check_pipe();
	check_paths();
	check_unterminated("an unmapped page", -1);
	check_unterminated("a PROT_NONE page", PROT_NONE);
	check_getdents();
	check_past_top();
	for (int i = 0; i < nbads; i++) {
		check_results(bads[i].ptr, bads[i].name);
		check_arguments(bads[i].ptr, bads[i].name);
	}
	check_results(rdonly_page, "read-only");
	check_futex();
	check_epoll();
	check_writeback();
	check(getppid() >= 0 && unlink(tmp_link) == 0 && unlink(tmp_file) == 0,
	      "the process goes on", "%s", strerror(errno));
	return checks_done();
}
