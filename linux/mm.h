/*
 * A process's memory (linux/mm.c): its address space as a sorted list of
 * areas (VMAs) over a struct uspace, with the Linux calls that change it
 * (mmap, munmap, mprotect, mremap, madvise, msync, brk) and demand paging.
 * Anonymous pages are allocated on first touch and zero-filled; file
 * mappings map the file's page-cache pages. See docs/linux-abi.md,
 * "Memory".
 */
#ifndef LINUX_MM_H
#define LINUX_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux's mmap flags and protections (include/uapi/asm-generic/mman*.h). */
#define LINUX_PROT_READ 0x1
#define LINUX_PROT_WRITE 0x2
#define LINUX_PROT_EXEC 0x4
#define LINUX_MAP_SHARED 0x01
#define LINUX_MAP_PRIVATE 0x02
#define LINUX_MAP_SHARED_VALIDATE 0x03
#define LINUX_MAP_TYPE 0x0f
#define LINUX_MAP_FIXED 0x10
#define LINUX_MAP_ANONYMOUS 0x20
#define LINUX_MAP_GROWSDOWN 0x0100
#define LINUX_MAP_DENYWRITE 0x0800
#define LINUX_MAP_EXECUTABLE 0x1000
#define LINUX_MAP_LOCKED 0x2000
#define LINUX_MAP_NORESERVE 0x4000
#define LINUX_MAP_POPULATE 0x8000
#define LINUX_MAP_NONBLOCK 0x10000
#define LINUX_MAP_STACK 0x20000
#define LINUX_MAP_HUGETLB 0x40000
#define LINUX_MAP_FIXED_NOREPLACE 0x100000
#define LINUX_MREMAP_MAYMOVE 1
#define LINUX_MREMAP_FIXED 2
#define LINUX_MADV_NORMAL 0
#define LINUX_MADV_DONTNEED 4
#define LINUX_MADV_FREE 8
#define LINUX_MS_ASYNC 1
#define LINUX_MS_INVALIDATE 2
#define LINUX_MS_SYNC 4

/* Where the kernel places mappings that name no address: below the
 * stack, growing down, like Linux's top-down layout. */
#define MM_MMAP_TOP 0x7f0000000000ull
#define MM_STACK_SIZE (8ull << 20)	/* the main thread's stack area (RLIMIT_STACK) */

struct mm;
struct uspace;
struct vnode;

/* NULL when out of memory. */
struct mm *mm_create(void);
/* Unmaps everything, drops its references to the pages (freeing those no
 * other mm maps) and frees the page tables. */
void mm_destroy(struct mm *mm);
/* References: mm_create's caller holds one; vfork children share their
 * parent's mm. mm_put of the last one destroys it (no CPU may still be
 * running in it). */
void mm_get(struct mm *mm);
void mm_put(struct mm *mm);
/* fork: a copy of mm sharing every page copy-on-write (private pages
 * become read-only in both until the first write copies them; shared
 * anonymous areas stay shared, their untouched pages allocated now so
 * that both reach the same memory). mm's TLBs are flushed before it
 * returns. NULL when out of memory. */
struct mm *mm_fork(struct mm *mm);
struct uspace *mm_uspace(struct mm *mm);

/* The calls, with Linux's arguments and results (an address, 0, or a
 * negative errno). node: a file mapping's file (held by the mapping
 * while it lasts), off its offset; NULL for anonymous memory. A file's
 * pages are its cache pages: MAP_SHARED maps them (a store marks them
 * dirty), MAP_PRIVATE maps them read-only and copies one on its first
 * write. Each takes the mm's lock itself. */
long mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, int prot, int flags,
	     struct vnode *node, uint64_t off);
/* msync(2): MS_SYNC writes a shared file mapping's dirty pages back
 * through the file's backing store. */
long mm_msync(struct mm *mm, uint64_t addr, uint64_t len, int flags);
long mm_munmap(struct mm *mm, uint64_t addr, uint64_t len);
long mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, int prot);
long mm_mremap(struct mm *mm, uint64_t old, uint64_t oldlen, uint64_t newlen, int flags,
	       uint64_t newaddr);
long mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice);
/* brk(2): moves the break within [start, limit) and returns the new one,
 * or the old one when the request cannot be met (Linux's convention). */
uint64_t mm_brk(struct mm *mm, uint64_t newbrk);
/* Where the break starts: the page after the program's last segment. */
void mm_set_brk(struct mm *mm, uint64_t start);

/* Demand paging: maps a page for addr if an area allows the access.
 * false: a SIGSEGV (no area, the wrong protection, or a file mapping's
 * page past the file's end, where Linux sends SIGBUS). */
bool mm_fault(struct mm *mm, uint64_t addr, bool write, bool exec);

/* Writes kernel bytes into the address space regardless of protection,
 * allocating pages as needed (the ELF loader and initial stack): 0 or
 * -EFAULT when part of the range is in no area. */
int mm_write(struct mm *mm, uint64_t addr, const void *src, size_t n);

/* Pages mapped in this address space, shared ones included (for
 * sysinfo, /proc and tests). */
uint64_t mm_pages(const struct mm *mm);
/* Pages copied by copy-on-write faults since the mm was made (fork's
 * footprint). */
uint64_t mm_cow_copies(const struct mm *mm);
/* What an address space's mapped pages are, in pages, as Linux's
 * /proc/<pid>/status and smaps_rollup count them. Owners: the address
 * spaces that map a page (a file's page in the cache: its references but
 * the cache's). A shared page has more than one; pss_pages sums each
 * page's share, 1/owners, in units of 1/MM_PSS_ONE of a page. Anonymous
 * pages (a private file page once written among them) count as dirty,
 * file pages when mapped writable. */
#define MM_PSS_ONE (1u << 12)
struct mm_usage {
	uint64_t first, last;		/* the first area's start, the last's end */
	uint64_t size;			/* pages in areas, mapped or not */
	uint64_t rss, anon, file, shmem;
	uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t pss_pages;		/* in 1/MM_PSS_ONE pages */
};
void mm_usage(struct mm *mm, struct mm_usage *u);
/* One area as /proc/<pid>/maps shows it, with its pages' usage. */
struct mm_area_info {
	uint64_t start, end;
	unsigned prot;			/* LINUX_PROT_* */
	bool shared;			/* MAP_SHARED */
	bool heap;			/* the brk area */
	struct vnode *node;		/* a file's (held), or NULL */
	uint64_t offset;		/* bytes into the file at start */
	struct mm_usage use;
};
/* A copy of mm's areas, in order, in *out: their count, or -ENOMEM.
 * mm_areas_free lets the copy and its nodes' holds go. */
int mm_areas(struct mm *mm, struct mm_area_info **out);
void mm_areas_free(struct mm_area_info *info, int n);
/* The physical address behind addr when it lies in a MAP_SHARED area and
 * its page is mapped (a process-shared futex's key), else 0. */
uint64_t mm_shared_phys(struct mm *mm, uint64_t addr);
/* The file a MAP_SHARED area maps with its first page at addr (shmdt's
 * lookup), or NULL. */
struct vnode *mm_file_start_at(struct mm *mm, uint64_t addr);

#endif
