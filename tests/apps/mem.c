/* Memory: mmap, munmap, mprotect, mremap, brk, a big malloc, MAP_FIXED.
 * Whether a page is mapped or writable is asked through the kernel, not
 * by faulting (that is the signal program's job): write() from an
 * unmapped page and read() into a read-only one must fail with EFAULT. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define PAGE 4096UL
#define MIB (1024UL * 1024)

static int pipe_fds[2];

/* Whether the kernel can read one byte at p. */
static int readable(const void *p)
{
	char c;

	if (write(pipe_fds[1], p, 1) != 1)
		return 0;
	return read(pipe_fds[0], &c, 1) == 1;
}

/* Whether the kernel can write one byte at p. */
static int writable(void *p)
{
	if (write(pipe_fds[1], "w", 1) != 1)
		return 0;
	if (read(pipe_fds[0], p, 1) == 1)
		return 1;
	char c;
	(void)!read(pipe_fds[0], &c, 1);
	return 0;
}

static void check_mmap(void)
{
	unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!check(p != MAP_FAILED, "mmap anonymous", "%s", strerror(errno)))
		return;
	int zero = 1;
	for (size_t i = 0; i < 4 * PAGE; i++)
		zero &= !p[i];
	check(zero, "mmap memory is zeroed", "a nonzero byte");
	memset(p, 0x5a, 4 * PAGE);
	check(munmap(p + PAGE, PAGE) == 0, "munmap", "%s", strerror(errno));
	check(!readable(p + PAGE) && errno == EFAULT && readable(p) && readable(p + 2 * PAGE),
	      "munmap unmaps exactly one page", "the page or its neighbours are wrong");

	check(mprotect(p, PAGE, PROT_READ) == 0, "mprotect read-only", "%s", strerror(errno));
	check(!writable(p) && errno == EFAULT && readable(p) && p[0] == 0x5a,
	      "a read-only page refuses writes", "write went through or read failed");
	check(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == 0 && writable(p), "mprotect back",
	      "%s", strerror(errno));
	munmap(p, 4 * PAGE);
}

static void check_mremap(void)
{
	size_t old = 4 * PAGE, grown = 256 * PAGE;
	unsigned char *p = mmap(NULL, old, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);

	if (p == MAP_FAILED)
		return;
	for (size_t i = 0; i < old; i++)
		p[i] = (unsigned char)(i * 7);
	unsigned char *q = mremap(p, old, grown, MREMAP_MAYMOVE);
	if (!check(q != MAP_FAILED, "mremap grows", "%s", strerror(errno)))
		return;
	int same = 1;
	for (size_t i = 0; i < old; i++)
		same &= q[i] == (unsigned char)(i * 7);
	check(same, "mremap keeps the content", "a byte changed");
	q[grown - 1] = 1;
	check(q[grown - 1] == 1 && q[old] == 0, "mremap's new part is usable and zeroed",
	      "q[old] %d", q[old]);
	munmap(q, grown);
}

/* brk itself, not sbrk: musl's sbrk refuses to move the break. */
static void check_brk(void)
{
	uintptr_t start = syscall(SYS_brk, 0);
	uintptr_t want = start + MIB;
	uintptr_t got = syscall(SYS_brk, want);

	if (!check(start && got == want, "brk grows", "start %#lx, asked %#lx, got %#lx",
		   (unsigned long)start, (unsigned long)want, (unsigned long)got))
		return;
	memset((void *)start, 0x33, MIB);
	check(((unsigned char *)start)[MIB - 1] == 0x33, "brk memory is usable", "lost a write");
	check((uintptr_t)syscall(SYS_brk, start) == start, "brk shrinks", "%s", strerror(errno));
}

static void check_big_malloc(void)
{
	size_t size = 64 * MIB, step = 64 * 1024;
	unsigned char *p = malloc(size);

	if (!check(p != NULL, "malloc 64 MiB", "%s", strerror(errno)))
		return;
	for (size_t i = 0; i < size; i += step)
		p[i] = (unsigned char)(i / step);
	int same = 1;
	for (size_t i = 0; i < size; i += step)
		same &= p[i] == (unsigned char)(i / step);
	check(same, "64 MiB touched sparsely", "a byte changed");
	free(p);
}

static void check_fixed(void)
{
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	memset(p, 0x77, 3 * PAGE);
	unsigned char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(q == p + PAGE, "MAP_FIXED at the address asked", "got %p for %p", (void *)q,
	      (void *)(p + PAGE));
	check(q == p + PAGE && q[0] == 0 && q[PAGE - 1] == 0 && p[PAGE - 1] == 0x77 &&
	      p[2 * PAGE] == 0x77, "MAP_FIXED replaces only its page", "contents wrong");
	munmap(p, 3 * PAGE);
}

int main(void)
{
	if (pipe(pipe_fds)) {
		perror("pipe");
		return 1;
	}
	check_brk();
	check_mmap();
	check_mremap();
	check_big_malloc();
	check_fixed();
	return checks_done();
}
