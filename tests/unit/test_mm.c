/*
 * linux/mm.c on the heap and page allocator over fake RAM (as test_heap
 * does), with the page tables of uspace_fake.c. The RAM starts full of
 * 0xa5 so that a page handed out unzeroed shows. User accesses are
 * simulated as the CPU makes them: a page that is absent or whose
 * protection forbids the access faults (mm_fault), then the access is
 * retried; an unresolved fault is a SIGSEGV.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/page_ref.h>
#include <flint/pagecache.h>
#include <flint/thread.h>
#include <flint/timer.h>
#include <flint/uspace.h>
#include <flint/vfs.h>

#include "../../linux/mm.h"
#include "check.h"

#define RAM_PAGES 1024
#define PG ((uint64_t)PAGE_SIZE)
#define RW (LINUX_PROT_READ | LINUX_PROT_WRITE)
#define ANON (LINUX_MAP_PRIVATE | LINUX_MAP_ANONYMOUS)
#define FIXED (ANON | LINUX_MAP_FIXED)
#define A 0x40000000ull		/* a free address for fixed mappings */
#define SIGSEGV_ -1

extern unsigned fake_flushes;
extern unsigned fake_uspaces;
extern long fake_map_budget;
bool fake_stale(const struct uspace *us);

static _Alignas(PAGE_SIZE) unsigned char ram[RAM_PAGES * PAGE_SIZE];

/* Files are nodes with a memory-only page cache; the holds on them are
 * counted, and must be gone when every mm is. */
static int holds;

void vfs_node_hold(struct vnode *n)
{
	(void)n;
	holds++;
}

void vfs_node_release(struct vnode *n)
{
	(void)n;
	CHECK(holds > 0);
	holds--;
}

/* msync(MS_SYNC): a memory-only file's write-back, as the VFS does it. */
int vfs_node_sync(struct vnode *n, uint64_t from, uint64_t to)
{
	return pagecache_writeback(&n->cache, from, to);
}

uint64_t clock_ns(void)
{
	return 1;
}

/* A new file holding bytes[0, n). */
static struct vnode *file_of(const void *bytes, size_t n)
{
	static struct vnode nodes[4];
	static unsigned next;
	struct vnode *v = &nodes[next++ % 4];

	pagecache_init(&v->cache, NULL);
	CHECK_EQ(pagecache_write(&v->cache, bytes, n, 0), (long)n);
	return v;
}

static void setup_ram(unsigned npages)
{
	struct memmap m = { 0 };

	memset(ram, 0xa5, sizeof(ram));
	memmap_add(&m, (uint64_t)(uintptr_t)ram, (uint64_t)npages * PAGE_SIZE, MEMMAP_RAM);
	CHECK_EQ(page_alloc_init(&m, NULL, 0), 0);
}

static struct mm *setup(void)
{
	struct mm *mm;

	setup_ram(RAM_PAGES);
	mm = mm_create();
	CHECK(mm);
	return mm;
}

enum access { READ, WRITE, EXEC };

/* The page behind va and whether its protection allows the access. */
static uint64_t mapped(struct mm *mm, uint64_t va, enum access how, bool *allowed)
{
	unsigned prot = 0;
	uint64_t phys = uspace_lookup(mm_uspace(mm), va & ~(PG - 1), &prot);

	*allowed = phys && (how == READ ? prot != 0 :
			    how == WRITE ? (prot & UPROT_W) : (prot & UPROT_X));
	return phys;
}

/* Where the CPU would access va, after a fault if one is needed; NULL for
 * a SIGSEGV. */
static unsigned char *user(struct mm *mm, uint64_t va, enum access how)
{
	bool allowed;
	uint64_t phys = mapped(mm, va, how, &allowed);

	if (!allowed) {
		if (!mm_fault(mm, va, how == WRITE, how == EXEC))
			return NULL;
		phys = mapped(mm, va, how, &allowed);
		CHECKF(allowed, "mm_fault(%#" PRIx64 ") succeeded, the access still faults", va);
	}
	return (unsigned char *)phys_to_virt(phys) + (va & (PG - 1));
}

static int peek(struct mm *mm, uint64_t va)
{
	unsigned char *p = user(mm, va, READ);

	return p ? *p : SIGSEGV_;
}

static bool poke(struct mm *mm, uint64_t va, unsigned char v)
{
	unsigned char *p = user(mm, va, WRITE);

	if (p)
		*p = v;
	return p;
}

static bool exec_ok(struct mm *mm, uint64_t va)
{
	return user(mm, va, EXEC);
}

/* Whether a page is mapped at va, without faulting. */
static bool present(struct mm *mm, uint64_t va)
{
	bool allowed;

	return mapped(mm, va, READ, &allowed);
}

static void check_zero_page(struct mm *mm, uint64_t va)
{
	for (uint64_t i = 0; i < PG; i++)
		CHECKF(peek(mm, va + i) == 0, "%#" PRIx64 " reads %d, want 0", va + i,
		       peek(mm, va + i));
}

/* Writes one tag byte at the start and end of each of n pages from va. */
static void tag_pages(struct mm *mm, uint64_t va, unsigned n, unsigned char tag)
{
	for (unsigned i = 0; i < n; i++) {
		CHECK(poke(mm, va + i * PG, (unsigned char)(tag + i)));
		CHECK(poke(mm, va + i * PG + PG - 1, (unsigned char)(tag + i)));
	}
}

static void check_tags(struct mm *mm, uint64_t va, unsigned n, unsigned char tag)
{
	for (unsigned i = 0; i < n; i++) {
		CHECKF(peek(mm, va + i * PG) == (unsigned char)(tag + i), "page %u at %#" PRIx64
		       " lost its data: %d", i, va + i * PG, peek(mm, va + i * PG));
		CHECK_EQ(peek(mm, va + i * PG + PG - 1), (unsigned char)(tag + i));
	}
}

static long map_fixed(struct mm *mm, uint64_t addr, unsigned npages, int prot)
{
	long r = mm_mmap(mm, addr, npages * PG, prot, FIXED, NULL, 0);

	CHECK_EQ(r, addr);
	return r;
}

TEST(anonymous_memory_is_demand_zero)
{
	struct mm *mm = setup();
	long a = mm_mmap(mm, 0, 3 * PG, RW, ANON, NULL, 0);

	CHECKF(a > 0 && (uint64_t)a % PG == 0 && (uint64_t)a + 3 * PG <= MM_MMAP_TOP,
	       "mmap gave %#lx", a);
	CHECK_EQ(mm_pages(mm), 0);
	CHECK(!present(mm, (uint64_t)a));
	for (unsigned i = 0; i < 3; i++)
		check_zero_page(mm, (uint64_t)a + i * PG);
	CHECK_EQ(mm_pages(mm), 3);
	CHECK(poke(mm, (uint64_t)a + 5000, 42));
	CHECK_EQ(peek(mm, (uint64_t)a + 5000), 42);
	CHECK_EQ(mm_pages(mm), 3);
	mm_destroy(mm);
	CHECK_EQ(fake_uspaces, 0);
}

TEST(fault_on_a_mapped_page_allocates_nothing)
{
	struct mm *mm = setup();
	unsigned prot;
	uint64_t phys;

	map_fixed(mm, A, 1, RW);
	CHECK(mm_fault(mm, A + 8, true, false));
	phys = uspace_lookup(mm_uspace(mm), A, &prot);
	CHECK(phys);
	CHECK_EQ(prot, RW);
	/* The second thread of a race finds the page there. */
	CHECK(mm_fault(mm, A + 100, true, false));
	CHECK(mm_fault(mm, A + 200, false, false));
	CHECK_EQ(uspace_lookup(mm_uspace(mm), A, &prot), phys);
	CHECK_EQ(mm_pages(mm), 1);
	mm_destroy(mm);
}

TEST(fault_outside_areas_fails)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 2, RW);
	CHECK(!mm_fault(mm, A - 1, false, false));
	CHECK(!mm_fault(mm, A + 2 * PG, true, false));
	CHECK(!mm_fault(mm, 0, false, false));
	CHECK(!mm_fault(mm, USER_TOP, false, false));
	CHECK(!mm_fault(mm, UINT64_MAX, true, false));
	CHECK(mm_fault(mm, A + 2 * PG - 1, true, false));
	CHECK_EQ(mm_pages(mm), 1);
	mm_destroy(mm);
}

TEST(placement_is_top_down_and_reuses_holes)
{
	struct mm *mm = setup();
	long a = mm_mmap(mm, 0, 4 * PG, RW, ANON, NULL, 0);
	long b = mm_mmap(mm, 0, PG, RW, ANON, NULL, 0);
	long c;

	CHECK_EQ(a, MM_MMAP_TOP - 4 * PG);
	CHECK_EQ(b, a - PG);
	CHECK_EQ(mm_munmap(mm, (uint64_t)a, 4 * PG), 0);
	c = mm_mmap(mm, 0, 2 * PG, RW, ANON, NULL, 0);
	CHECK_EQ(c, MM_MMAP_TOP - 2 * PG);
	/* Too big for the hole that is left: below b. */
	c = mm_mmap(mm, 0, 3 * PG, RW, ANON, NULL, 0);
	CHECK_EQ(c, b - 3 * PG);
	/* A stack above MM_MMAP_TOP changes nothing. */
	map_fixed(mm, USER_TOP - MM_STACK_SIZE, 1, RW);
	c = mm_mmap(mm, 0, 2 * PG, RW, ANON, NULL, 0);
	CHECK_EQ(c, MM_MMAP_TOP - 4 * PG);
	mm_destroy(mm);
}

TEST(free_hint_is_used)
{
	struct mm *mm = setup();
	long r;

	CHECK_EQ(mm_mmap(mm, A, 2 * PG, RW, ANON, NULL, 0), A);
	/* Rounded up to a page, like Linux. */
	CHECK_EQ(mm_mmap(mm, A + 2 * PG + 1, PG, RW, ANON, NULL, 0), A + 3 * PG);
	/* Taken: the hint is only a hint. */
	r = mm_mmap(mm, A + PG, PG, RW, ANON, NULL, 0);
	CHECK_EQ(r, MM_MMAP_TOP - PG);
	/* Below mmap_min_addr or past the top: ignored. */
	CHECK_EQ(mm_mmap(mm, 0x1000, PG, RW, ANON, NULL, 0), MM_MMAP_TOP - 2 * PG);
	CHECK_EQ(mm_mmap(mm, USER_TOP - PG, 2 * PG, RW, ANON, NULL, 0), MM_MMAP_TOP - 4 * PG);
	/* Above MM_MMAP_TOP is fine when free. */
	CHECK_EQ(mm_mmap(mm, USER_TOP - PG, PG, RW, ANON, NULL, 0), USER_TOP - PG);
	mm_destroy(mm);
}

TEST(map_fixed_replaces)
{
	struct mm *mm = setup();
	unsigned flushes;

	map_fixed(mm, A, 4, RW);
	tag_pages(mm, A, 4, 10);
	CHECK_EQ(mm_pages(mm), 4);
	flushes = fake_flushes;
	map_fixed(mm, A + PG, 2, LINUX_PROT_READ);
	CHECK(fake_flushes > flushes);
	CHECK_EQ(mm_pages(mm), 2);
	check_zero_page(mm, A + PG);
	CHECK(!poke(mm, A + 2 * PG, 1));
	check_tags(mm, A, 1, 10);
	check_tags(mm, A + 3 * PG, 1, 13);
	CHECK(poke(mm, A + 3 * PG + 7, 1));
	mm_destroy(mm);
}

TEST(map_fixed_noreplace_refuses_overlap)
{
	struct mm *mm = setup();
	int noreplace = ANON | LINUX_MAP_FIXED_NOREPLACE;

	map_fixed(mm, A, 2, RW);
	tag_pages(mm, A, 2, 20);
	CHECK_EQ(mm_mmap(mm, A + PG, 2 * PG, RW, noreplace, NULL, 0), -EEXIST);
	CHECK_EQ(mm_mmap(mm, A - PG, 2 * PG, RW, noreplace, NULL, 0), -EEXIST);
	check_tags(mm, A, 2, 20);
	CHECK_EQ(mm_mmap(mm, A + 2 * PG, 2 * PG, RW, noreplace, NULL, 0), A + 2 * PG);
	CHECK_EQ(mm_mmap(mm, A - PG, PG, RW, noreplace, NULL, 0), A - PG);
	mm_destroy(mm);
}

TEST(munmap_splits_an_area)
{
	struct mm *mm = setup();
	unsigned flushes;

	map_fixed(mm, A, 5, RW);
	tag_pages(mm, A, 5, 30);
	flushes = fake_flushes;
	CHECK_EQ(mm_munmap(mm, A + 2 * PG, PG), 0);
	CHECK_EQ(fake_flushes, flushes + 1);
	CHECK_EQ(mm_pages(mm), 4);
	CHECK_EQ(peek(mm, A + 2 * PG), SIGSEGV_);
	CHECK(!present(mm, A + 2 * PG));
	check_tags(mm, A, 2, 30);
	check_tags(mm, A + 3 * PG, 2, 33);
	/* Holes inside the range are fine; the length rounds up. */
	CHECK_EQ(mm_munmap(mm, A, 4 * PG + 1), 0);
	CHECK_EQ(mm_pages(mm), 0);
	CHECK_EQ(peek(mm, A + 4 * PG), SIGSEGV_);
	CHECK_EQ(mm_munmap(mm, A, 5 * PG), 0);
	mm_destroy(mm);
}

TEST(mprotect_splits_and_faults_follow)
{
	struct mm *mm = setup();
	unsigned flushes;

	map_fixed(mm, A, 4, RW);
	tag_pages(mm, A, 4, 40);
	flushes = fake_flushes;
	/* Other CPUs may still hold the writable translations. */
	CHECK_EQ(mm_mprotect(mm, A + PG, 2 * PG, LINUX_PROT_READ), 0);
	CHECK_EQ(fake_flushes, flushes + 1);
	CHECK(!poke(mm, A + PG, 1));
	CHECK(!poke(mm, A + 3 * PG - 1, 1));
	check_tags(mm, A, 4, 40);
	CHECK(poke(mm, A + PG - 1, 40));
	CHECK(poke(mm, A + 3 * PG, 43));
	/* PROT_NONE keeps the data for later. */
	CHECK_EQ(mm_mprotect(mm, A + 3 * PG, PG, 0), 0);
	CHECK_EQ(peek(mm, A + 3 * PG), SIGSEGV_);
	CHECK(!mm_fault(mm, A + 3 * PG, false, false));
	CHECK_EQ(mm_mprotect(mm, A, 4 * PG, RW), 0);
	check_tags(mm, A, 4, 40);
	CHECK(poke(mm, A + 2 * PG, 1));
	CHECK_EQ(mm_pages(mm), 4);
	mm_destroy(mm);
}

TEST(exec_needs_prot_exec)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 2, RW);
	CHECK(!exec_ok(mm, A));
	CHECK_EQ(mm_mprotect(mm, A, PG, LINUX_PROT_READ | LINUX_PROT_EXEC), 0);
	CHECK(exec_ok(mm, A));
	CHECK(!exec_ok(mm, A + PG));
	/* Execute-only and write-only pages read on x86. */
	CHECK_EQ(mm_mprotect(mm, A, PG, LINUX_PROT_EXEC), 0);
	CHECK_EQ(peek(mm, A), 0);
	CHECK_EQ(mm_mprotect(mm, A + PG, PG, LINUX_PROT_WRITE), 0);
	CHECK_EQ(peek(mm, A + PG), 0);
	mm_destroy(mm);
}

TEST(mprotect_arguments)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 2, RW);
	map_fixed(mm, A + 3 * PG, 1, RW);
	CHECK_EQ(mm_mprotect(mm, A + 1, PG, LINUX_PROT_READ), -EINVAL);
	CHECK_EQ(mm_mprotect(mm, A, PG, 0x10), -EINVAL);
	CHECK_EQ(mm_mprotect(mm, A, 0, LINUX_PROT_READ), 0);
	CHECK_EQ(mm_mprotect(mm, A, UINT64_MAX, LINUX_PROT_READ), -ENOMEM);
	/* A hole in the range: -ENOMEM, and nothing changes. */
	CHECK_EQ(mm_mprotect(mm, A, 4 * PG, LINUX_PROT_READ), -ENOMEM);
	CHECK(poke(mm, A, 1));
	CHECK_EQ(mm_mprotect(mm, A + 2 * PG, PG, LINUX_PROT_READ), -ENOMEM);
	CHECK_EQ(mm_mprotect(mm, A, 2 * PG, LINUX_PROT_READ | 0x8), 0);	/* PROT_SEM */
	CHECK(!poke(mm, A, 1));
	mm_destroy(mm);
}

TEST(split_areas_merge_again)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 4, RW);
	tag_pages(mm, A, 4, 50);
	CHECK_EQ(mm_mprotect(mm, A + PG, PG, LINUX_PROT_READ), 0);
	CHECK_EQ(mm_mprotect(mm, A + PG, PG, RW), 0);
	/* Growing in place needs the old range to end its area. */
	CHECK_EQ(mm_mremap(mm, A, 4 * PG, 6 * PG, 0, 0), A);
	check_tags(mm, A, 4, 50);
	/* A move next to a like area joins it. */
	CHECK_EQ(mm_mmap(mm, 0, PG, RW, ANON, NULL, 0), MM_MMAP_TOP - PG);
	CHECK_EQ(mm_mremap(mm, A, 6 * PG, 6 * PG, LINUX_MREMAP_MAYMOVE | LINUX_MREMAP_FIXED,
			   MM_MMAP_TOP - 7 * PG), MM_MMAP_TOP - 7 * PG);
	CHECK_EQ(mm_mremap(mm, MM_MMAP_TOP - 7 * PG, 7 * PG, 8 * PG, 0, 0), MM_MMAP_TOP - 7 * PG);
	check_tags(mm, MM_MMAP_TOP - 7 * PG, 4, 50);
	mm_destroy(mm);
}

TEST(mremap_grows_in_place)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 2, RW);
	tag_pages(mm, A, 2, 60);
	CHECK_EQ(mm_mremap(mm, A, 2 * PG, 4 * PG, 0, 0), A);
	check_tags(mm, A, 2, 60);
	check_zero_page(mm, A + 3 * PG);
	CHECK(poke(mm, A + 4 * PG - 1, 1));
	CHECK_EQ(peek(mm, A + 4 * PG), SIGSEGV_);
	mm_destroy(mm);
}

TEST(mremap_moves_the_pages)
{
	struct mm *mm = setup();
	uint64_t phys[2];
	unsigned prot;
	long b;

	map_fixed(mm, A, 2, RW);
	map_fixed(mm, A + 2 * PG, 1, LINUX_PROT_READ);
	tag_pages(mm, A, 2, 70);
	phys[0] = uspace_lookup(mm_uspace(mm), A, &prot);
	phys[1] = uspace_lookup(mm_uspace(mm), A + PG, &prot);
	CHECK_EQ(mm_mremap(mm, A, 2 * PG, 4 * PG, 0, 0), -ENOMEM);
	check_tags(mm, A, 2, 70);
	b = mm_mremap(mm, A, 2 * PG, 4 * PG, LINUX_MREMAP_MAYMOVE, 0);
	CHECKF(b > 0 && (uint64_t)b != A, "mremap gave %#lx", b);
	CHECK_EQ(uspace_lookup(mm_uspace(mm), (uint64_t)b, &prot), phys[0]);
	CHECK_EQ(prot, RW);
	CHECK_EQ(uspace_lookup(mm_uspace(mm), (uint64_t)b + PG, &prot), phys[1]);
	check_tags(mm, (uint64_t)b, 2, 70);
	check_zero_page(mm, (uint64_t)b + 3 * PG);
	CHECK_EQ(peek(mm, A), SIGSEGV_);
	CHECK(!present(mm, A + PG));
	CHECK_EQ(peek(mm, A + 2 * PG), 0);
	CHECK_EQ(mm_pages(mm), 4);
	mm_destroy(mm);
}

TEST(mremap_shrinks)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 4, RW);
	tag_pages(mm, A, 4, 80);
	CHECK_EQ(mm_mremap(mm, A, 4 * PG, PG + 1, 0, 0), A);
	CHECK_EQ(mm_pages(mm), 2);
	check_tags(mm, A, 2, 80);
	CHECK_EQ(peek(mm, A + 2 * PG), SIGSEGV_);
	CHECK_EQ(mm_mremap(mm, A, 2 * PG, 2 * PG, 0, 0), A);
	CHECK_EQ(mm_pages(mm), 2);
	mm_destroy(mm);
}

TEST(mremap_fixed)
{
	struct mm *mm = setup();
	int fixed = LINUX_MREMAP_MAYMOVE | LINUX_MREMAP_FIXED;
	uint64_t b = A + 16 * PG;

	map_fixed(mm, A, 3, RW);
	map_fixed(mm, b + PG, 1, RW);
	tag_pages(mm, A, 3, 90);
	tag_pages(mm, b + PG, 1, 99);
	CHECK_EQ(mm_mremap(mm, A, 3 * PG, 3 * PG, LINUX_MREMAP_FIXED, b), -EINVAL);
	CHECK_EQ(mm_mremap(mm, A, 3 * PG, 3 * PG, fixed, A + PG), -EINVAL);	/* overlap */
	CHECK_EQ(mm_mremap(mm, A, 3 * PG, 3 * PG, fixed, b + 1), -EINVAL);
	CHECK_EQ(mm_mremap(mm, A, 3 * PG, 3 * PG, fixed, USER_TOP - PG), -EINVAL);
	/* Shrinks on the way, replacing what was at b. */
	CHECK_EQ(mm_mremap(mm, A, 3 * PG, 2 * PG, fixed, b), b);
	check_tags(mm, b, 2, 90);
	CHECK_EQ(peek(mm, A), SIGSEGV_);
	CHECK_EQ(peek(mm, A + 2 * PG), SIGSEGV_);
	CHECK_EQ(mm_pages(mm), 2);
	/* And grows. */
	CHECK_EQ(mm_mremap(mm, b, 2 * PG, 3 * PG, fixed, A), A);
	check_tags(mm, A, 2, 90);
	check_zero_page(mm, A + 2 * PG);
	mm_destroy(mm);
}

TEST(mremap_arguments)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 2, RW);
	map_fixed(mm, A + 2 * PG, 1, LINUX_PROT_READ);
	CHECK_EQ(mm_mremap(mm, A - PG, PG, 2 * PG, LINUX_MREMAP_MAYMOVE, 0), -EFAULT);
	/* The old range must lie in one area. */
	CHECK_EQ(mm_mremap(mm, A, 3 * PG, 4 * PG, LINUX_MREMAP_MAYMOVE, 0), -EFAULT);
	CHECK_EQ(mm_mremap(mm, A + 1, PG, 2 * PG, 0, 0), -EINVAL);
	CHECK_EQ(mm_mremap(mm, A, PG, 0, 0, 0), -EINVAL);
	CHECK_EQ(mm_mremap(mm, A, PG, UINT64_MAX, LINUX_MREMAP_MAYMOVE, 0), -EINVAL);
	CHECK_EQ(mm_mremap(mm, A, PG, 2 * PG, 8, 0), -EINVAL);
	CHECK_EQ(mm_mremap(mm, A, 0, PG, LINUX_MREMAP_MAYMOVE, 0), -EINVAL);
	CHECK_EQ(mm_mremap(mm, A, PG, 1ull << 47, LINUX_MREMAP_MAYMOVE, 0), -ENOMEM);
	mm_destroy(mm);
}

TEST(mremap_out_of_page_tables_changes_nothing)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 3, RW);
	map_fixed(mm, A + 3 * PG, 1, LINUX_PROT_READ);
	tag_pages(mm, A, 3, 100);
	fake_map_budget = 2;
	CHECK_EQ(mm_mremap(mm, A, 3 * PG, 4 * PG, LINUX_MREMAP_MAYMOVE, 0), -ENOMEM);
	fake_map_budget = -1;
	check_tags(mm, A, 3, 100);
	CHECK_EQ(mm_pages(mm), 3);
	CHECK(!present(mm, MM_MMAP_TOP - 4 * PG));
	CHECK(!present(mm, MM_MMAP_TOP - 3 * PG));
	CHECK_EQ(mm_mremap(mm, A, 3 * PG, 4 * PG, LINUX_MREMAP_MAYMOVE, 0), MM_MMAP_TOP - 4 * PG);
	check_tags(mm, MM_MMAP_TOP - 4 * PG, 3, 100);
	mm_destroy(mm);
}

TEST(madvise_dontneed_zeroes_private_memory)
{
	struct mm *mm = setup();
	static const unsigned char bytes[PAGE_SIZE] = { 7 };
	struct vnode *file;
	uint64_t free_before;

	map_fixed(mm, A, 3, RW);
	tag_pages(mm, A, 3, 110);
	free_before = page_free_count();
	CHECK_EQ(mm_madvise(mm, A, 2 * PG, LINUX_MADV_DONTNEED), 0);
	CHECK_EQ(mm_pages(mm), 1);
	CHECK_EQ(page_free_count(), free_before + 2);
	check_zero_page(mm, A);
	check_zero_page(mm, A + PG);
	check_tags(mm, A + 2 * PG, 1, 112);
	/* A private file page's copy goes and the file's page comes back;
	 * shared memory keeps its bytes. */
	file = file_of(bytes, sizeof(bytes));
	CHECK_EQ(mm_mmap(mm, A + 4 * PG, PG, RW, LINUX_MAP_PRIVATE | LINUX_MAP_FIXED, file, 0),
		 A + 4 * PG);
	CHECK(poke(mm, A + 4 * PG, 8));
	CHECK_EQ(mm_mmap(mm, A + 5 * PG, PG, RW,
			 LINUX_MAP_SHARED | LINUX_MAP_ANONYMOUS | LINUX_MAP_FIXED, NULL, 0),
		 A + 5 * PG);
	CHECK(poke(mm, A + 5 * PG, 9));
	CHECK_EQ(mm_madvise(mm, A + 4 * PG, 2 * PG, LINUX_MADV_DONTNEED), 0);
	CHECK_EQ(peek(mm, A + 4 * PG), 7);
	CHECK_EQ(peek(mm, A + 5 * PG), 9);
	CHECK_EQ(mm_madvise(mm, A + 2 * PG, PG, LINUX_MADV_FREE), 0);
	CHECK_EQ(peek(mm, A + 2 * PG), 0);
	mm_destroy(mm);
	pagecache_destroy(&file->cache);
	CHECK_EQ(holds, 0);
}

TEST(madvise_arguments)
{
	struct mm *mm = setup();

	map_fixed(mm, A, 2, RW);
	tag_pages(mm, A, 2, 120);
	CHECK_EQ(mm_madvise(mm, A, PG, LINUX_MADV_NORMAL), 0);
	CHECK_EQ(mm_madvise(mm, A + 1, PG, LINUX_MADV_DONTNEED), -EINVAL);
	CHECK_EQ(mm_madvise(mm, A, UINT64_MAX, LINUX_MADV_DONTNEED), -EINVAL);
	CHECK_EQ(mm_madvise(mm, A, 0, LINUX_MADV_DONTNEED), 0);
	check_tags(mm, A, 2, 120);
	/* Linux applies it to what is mapped, then reports the hole. */
	CHECK_EQ(mm_madvise(mm, A + PG, 2 * PG, LINUX_MADV_DONTNEED), -ENOMEM);
	check_tags(mm, A, 1, 120);
	check_zero_page(mm, A + PG);
	mm_destroy(mm);
}

TEST(brk_grows_and_shrinks)
{
	struct mm *mm = setup();
	uint64_t start = 0x600123, base = 0x601000;

	CHECK_EQ(mm_brk(mm, 0), 0);
	CHECK_EQ(mm_brk(mm, 0x700000), 0);
	mm_set_brk(mm, start);
	CHECK_EQ(mm_brk(mm, 0), base);
	CHECK_EQ(peek(mm, base), SIGSEGV_);
	CHECK_EQ(mm_brk(mm, base + 3 * PG + 5), base + 3 * PG + 5);
	check_zero_page(mm, base + 3 * PG);
	tag_pages(mm, base, 4, 130);
	CHECK_EQ(peek(mm, base + 4 * PG), SIGSEGV_);
	CHECK_EQ(mm_brk(mm, base - 1), base + 3 * PG + 5);
	/* Within the last page: nothing moves. */
	CHECK_EQ(mm_brk(mm, base + 3 * PG + 1), base + 3 * PG + 1);
	check_tags(mm, base, 4, 130);
	CHECK_EQ(mm_brk(mm, base + PG), base + PG);
	CHECK_EQ(mm_pages(mm), 1);
	CHECK_EQ(peek(mm, base + PG), SIGSEGV_);
	check_tags(mm, base, 1, 130);
	CHECK_EQ(mm_brk(mm, base + 2 * PG), base + 2 * PG);
	check_zero_page(mm, base + PG);
	CHECK_EQ(mm_brk(mm, base), base);
	CHECK_EQ(mm_pages(mm), 0);
	CHECK_EQ(mm_brk(mm, UINT64_MAX), base);
	mm_destroy(mm);
}

TEST(brk_stops_a_page_short_of_a_mapping)
{
	struct mm *mm = setup();
	uint64_t base = 0x601000, wall = base + 8 * PG;

	mm_set_brk(mm, base);
	map_fixed(mm, wall, 1, LINUX_PROT_READ);
	CHECK_EQ(mm_brk(mm, wall - PG + 1), base);
	CHECK_EQ(mm_brk(mm, wall + 4 * PG), base);
	CHECK_EQ(mm_brk(mm, wall - PG), wall - PG);
	CHECK(poke(mm, wall - PG - 1, 1));
	CHECK_EQ(mm_brk(mm, wall - PG + 1), wall - PG);
	mm_destroy(mm);
}

TEST(private_file_mapping_copies_on_write)
{
	struct mm *mm = setup();
	static unsigned char bytes[10000];
	struct vnode *file;
	uint64_t b = A + 8 * PG;
	unsigned char back;

	for (unsigned i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 7 + 1);
	file = file_of(bytes, sizeof(bytes));
	CHECK_EQ(mm_mmap(mm, A, 4 * PG, LINUX_PROT_READ, LINUX_MAP_PRIVATE | LINUX_MAP_FIXED,
			 file, PG), A);
	CHECK_EQ(mm_pages(mm), 0);
	/* The file's bytes, zero past its end in its last page; the pages
	 * wholly past it fault (Linux: SIGBUS). */
	for (uint64_t i = 0; i < 2 * PG; i++) {
		int want = PG + i < sizeof(bytes) ? bytes[PG + i] : 0;

		CHECKF(peek(mm, A + i) == want, "byte %" PRIu64 ": %d, want %d", i,
		       peek(mm, A + i), want);
	}
	CHECK_EQ(peek(mm, A + 2 * PG), SIGSEGV_);
	CHECK(!poke(mm, A, 1));
	/* The cache's own pages are mapped: nothing copied. */
	CHECK_EQ(mm_pages(mm), 2);
	CHECK_EQ(mm_cow_copies(mm), 0);
	/* Private and writable: the copy changes, the file does not. */
	CHECK_EQ(mm_mmap(mm, b, 2 * PG, RW, LINUX_MAP_PRIVATE | LINUX_MAP_FIXED, file, 0), b);
	CHECK_EQ(peek(mm, b + 1), bytes[1]);
	CHECK(poke(mm, b + 1, 0xee));
	CHECK(poke(mm, b + PG, 0xef));
	CHECK_EQ(peek(mm, b + 1), 0xee);
	CHECK_EQ(mm_cow_copies(mm), 2);
	CHECK_EQ(pagecache_read(&file->cache, &back, 1, 1), 1);
	CHECK_EQ(back, bytes[1]);
	/* A write to the file shows where no copy was made. */
	CHECK_EQ(pagecache_write(&file->cache, "Z", 1, 2), 1);
	CHECK_EQ(peek(mm, A - PG + PG + 0), bytes[PG]);
	CHECK_EQ(peek(mm, b + 2), 'Z' == bytes[2] ? 'Z' : bytes[2]);
	/* PROT_NONE still holds the bytes for a later mprotect. */
	CHECK_EQ(mm_mmap(mm, b, PG, 0, LINUX_MAP_PRIVATE | LINUX_MAP_FIXED, file, 0), b);
	CHECK_EQ(peek(mm, b + 2), SIGSEGV_);
	CHECK_EQ(mm_mprotect(mm, b, PG, LINUX_PROT_READ), 0);
	CHECK_EQ(peek(mm, b + 2), 'Z');
	mm_destroy(mm);
	CHECK_EQ(holds, 0);
	pagecache_destroy(&file->cache);
}

TEST(shared_file_mapping_is_the_file)
{
	struct mm *mm = setup(), *child;
	static unsigned char bytes[3 * PAGE_SIZE];
	struct vnode *file;
	uint64_t b = A + 8 * PG;
	unsigned char back;

	memset(bytes, 3, sizeof(bytes));
	file = file_of(bytes, sizeof(bytes));
	CHECK_EQ(mm_mmap(mm, A, 3 * PG, RW, LINUX_MAP_SHARED | LINUX_MAP_FIXED, file, 0), A);
	CHECK_EQ(mm_mmap(mm, b, PG, RW, LINUX_MAP_SHARED | LINUX_MAP_FIXED, file, PG), b);
	/* A store is the file's at once, and shows in the other mapping. */
	CHECK(poke(mm, A + PG + 5, 0x55));
	CHECK_EQ(pagecache_read(&file->cache, &back, 1, PG + 5), 1);
	CHECK_EQ(back, 0x55);
	CHECK_EQ(peek(mm, b + 5), 0x55);
	CHECK_EQ(pagecache_write(&file->cache, "w", 1, PG + 6), 1);
	CHECK_EQ(peek(mm, A + PG + 6), 'w');
	CHECK_EQ(mm_cow_copies(mm), 0);
	/* fork shares the pages, as the file does. */
	child = mm_fork(mm);
	CHECK(child);
	CHECK(poke(child, A + 7, 0x77));
	CHECK_EQ(peek(mm, A + 7), 0x77);
	CHECK(poke(mm, A + 2 * PG, 0x22));
	CHECK_EQ(peek(child, A + 2 * PG), 0x22);
	CHECK_EQ(mm_cow_copies(child), 0);
	/* Splitting and merging keep each piece's file offset. */
	CHECK_EQ(mm_mprotect(mm, A + PG, PG, LINUX_PROT_READ), 0);
	CHECK_EQ(peek(mm, A + 2 * PG), 0x22);
	CHECK_EQ(mm_mprotect(mm, A + PG, PG, RW), 0);
	CHECK_EQ(mm_munmap(mm, A, PG), 0);
	CHECK_EQ(peek(mm, A + PG + 5), 0x55);
	/* The file's end: a page past it faults, growing it lets it in. */
	CHECK_EQ(mm_mmap(mm, A + 16 * PG, 2 * PG, RW, LINUX_MAP_SHARED | LINUX_MAP_FIXED, file,
			 2 * PG), A + 16 * PG);
	CHECK_EQ(peek(mm, A + 17 * PG), SIGSEGV_);
	CHECK_EQ(pagecache_resize(&file->cache, 4 * PG), 0);
	CHECK(poke(mm, A + 17 * PG, 0x44));
	CHECK_EQ(pagecache_read(&file->cache, &back, 1, 3 * PG), 1);
	CHECK_EQ(back, 0x44);
	mm_destroy(child);
	mm_destroy(mm);
	CHECK_EQ(holds, 0);
	pagecache_destroy(&file->cache);
}

TEST(msync_arguments)
{
	struct mm *mm = setup();
	static unsigned char bytes[2 * PAGE_SIZE];
	struct vnode *file = file_of(bytes, sizeof(bytes));

	CHECK_EQ(mm_mmap(mm, A, 2 * PG, RW, LINUX_MAP_SHARED | LINUX_MAP_FIXED, file, 0), A);
	CHECK(poke(mm, A, 1));
	CHECK_EQ(mm_msync(mm, A, 2 * PG, LINUX_MS_SYNC), 0);
	CHECK_EQ(mm_msync(mm, A, 1, LINUX_MS_ASYNC | LINUX_MS_INVALIDATE), 0);
	CHECK_EQ(mm_msync(mm, A, 0, LINUX_MS_SYNC), 0);
	CHECK_EQ(mm_msync(mm, A + 1, PG, LINUX_MS_SYNC), -EINVAL);
	CHECK_EQ(mm_msync(mm, A, PG, LINUX_MS_SYNC | LINUX_MS_ASYNC), -EINVAL);
	CHECK_EQ(mm_msync(mm, A, PG, 8), -EINVAL);
	CHECK_EQ(mm_msync(mm, A, 3 * PG, LINUX_MS_SYNC), -ENOMEM);
	CHECK_EQ(mm_msync(mm, A - PG, 2 * PG, LINUX_MS_SYNC), -ENOMEM);
	CHECK_EQ(mm_msync(mm, A + 8 * PG, PG, 0), -ENOMEM);
	/* Anonymous memory: nothing to write, no error. */
	map_fixed(mm, A + 2 * PG, 1, RW);
	CHECK_EQ(mm_msync(mm, A, 3 * PG, LINUX_MS_SYNC), 0);
	mm_destroy(mm);
	pagecache_destroy(&file->cache);
}

TEST(mapping_types)
{
	struct mm *mm = setup();
	static const unsigned char bytes[16];
	struct vnode *file = file_of(bytes, sizeof(bytes));
	int validate = LINUX_MAP_SHARED_VALIDATE;

	CHECK(mm_mmap(mm, 0, PG, RW, LINUX_MAP_SHARED, file, 0) > 0);
	CHECK(mm_mmap(mm, 0, PG, RW, validate, file, 0) > 0);
	CHECK_EQ(mm_mmap(mm, 0, PG, RW, validate | 0x800000, file, 0), -EOPNOTSUPP);
	CHECK_EQ(mm_mmap(mm, 0, PG, RW, validate | LINUX_MAP_ANONYMOUS, NULL, 0), -EINVAL);
	CHECK_EQ(mm_mmap(mm, 0, PG, RW, LINUX_MAP_ANONYMOUS, NULL, 0), -EINVAL);
	CHECK_EQ(mm_mmap(mm, 0, PG, RW, 0x0f | LINUX_MAP_ANONYMOUS, NULL, 0), -EINVAL);
	CHECK_EQ(mm_pages(mm), 0);
	/* Unknown flags elsewhere are ignored, as are unknown prot bits. */
	CHECK(mm_mmap(mm, 0, PG, RW | 0x80, ANON | 0x800000 | LINUX_MAP_STACK, NULL, 0) > 0);
	CHECK(mm_mmap(mm, 0, PG, RW, LINUX_MAP_SHARED | LINUX_MAP_ANONYMOUS, NULL, 0) > 0);
	mm_destroy(mm);
	CHECK_EQ(holds, 0);
	pagecache_destroy(&file->cache);
}

TEST(populate_allocates_now)
{
	struct mm *mm = setup();
	long a = mm_mmap(mm, 0, 3 * PG, RW, ANON | LINUX_MAP_POPULATE, NULL, 0);

	CHECK(a > 0);
	CHECK_EQ(mm_pages(mm), 3);
	CHECK(present(mm, (uint64_t)a + 2 * PG));
	check_zero_page(mm, (uint64_t)a + PG);
	/* Nothing to populate in PROT_NONE memory. */
	CHECK(mm_mmap(mm, 0, 3 * PG, 0, ANON | LINUX_MAP_POPULATE, NULL, 0) > 0);
	CHECK_EQ(mm_pages(mm), 3);
	mm_destroy(mm);
}

TEST(mm_write_spans_pages_and_ignores_protection)
{
	struct mm *mm = setup();
	static unsigned char bytes[6000];
	uint64_t at = A + 3000;

	for (unsigned i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i % 251 + 1);
	map_fixed(mm, A, 3, LINUX_PROT_READ);
	CHECK_EQ(mm_write(mm, at, bytes, sizeof(bytes)), 0);
	CHECK_EQ(mm_pages(mm), 3);
	for (unsigned i = 0; i < sizeof(bytes); i++)
		CHECKF(peek(mm, at + i) == bytes[i], "byte %u: %d", i, peek(mm, at + i));
	CHECK_EQ(peek(mm, at - 1), 0);
	CHECK_EQ(peek(mm, at + sizeof(bytes)), 0);
	CHECK(!poke(mm, at, 1));
	CHECK_EQ(mm_write(mm, A + 3 * PG - 1, bytes, 1), 0);
	CHECK_EQ(peek(mm, A + 3 * PG - 1), bytes[0]);
	CHECK_EQ(mm_write(mm, A, bytes, 0), 0);
	/* Part of the range in no area: nothing is written. */
	CHECK_EQ(mm_write(mm, A + 3 * PG - 2, bytes + 10, 3), -EFAULT);
	CHECK_EQ(peek(mm, A + 3 * PG - 2), 0);
	CHECK_EQ(mm_write(mm, UINT64_MAX - 1, bytes, 4), -EFAULT);
	/* PROT_NONE: written all the same, read after an mprotect. */
	map_fixed(mm, A + 8 * PG, 1, 0);
	CHECK_EQ(mm_write(mm, A + 8 * PG + 5, bytes, 1), 0);
	CHECK_EQ(peek(mm, A + 8 * PG + 5), SIGSEGV_);
	CHECK_EQ(mm_mprotect(mm, A + 8 * PG, PG, LINUX_PROT_READ), 0);
	CHECK_EQ(peek(mm, A + 8 * PG + 5), bytes[0]);
	mm_destroy(mm);
}

TEST(mmap_arguments)
{
	struct mm *mm = setup();

	CHECK_EQ(mm_mmap(mm, 0, 0, RW, ANON, NULL, 0), -EINVAL);
	CHECK_EQ(mm_mmap(mm, 0, PG, RW, ANON, NULL, 100), -EINVAL);
	CHECK_EQ(mm_mmap(mm, 0, UINT64_MAX, RW, ANON, NULL, 0), -ENOMEM);
	CHECK_EQ(mm_mmap(mm, 0, USER_TOP + PG, RW, ANON, NULL, 0), -ENOMEM);
	CHECK_EQ(mm_mmap(mm, 0, PG, RW, ANON, NULL, UINT64_MAX & ~(PG - 1)), -EOVERFLOW);
	CHECK_EQ(mm_mmap(mm, A + 1, PG, RW, FIXED, NULL, 0), -EINVAL);
	CHECK_EQ(mm_mmap(mm, USER_TOP - PG, 2 * PG, RW, FIXED, NULL, 0), -ENOMEM);
	CHECK_EQ(mm_mmap(mm, UINT64_MAX & ~(PG - 1), PG, RW, FIXED, NULL, 0), -ENOMEM);
	CHECK_EQ(mm_mmap(mm, 0x1000, PG, RW, FIXED, NULL, 0), -EPERM);
	CHECK_EQ(mm_mmap(mm, USER_TOP - PG, PG, RW, FIXED, NULL, 0), USER_TOP - PG);
	/* Nothing fits: more than the space below MM_MMAP_TOP. */
	CHECK_EQ(mm_mmap(mm, 0, MM_MMAP_TOP, RW, ANON, NULL, 0), -ENOMEM);
	CHECK_EQ(mm_munmap(mm, A + 1, PG), -EINVAL);
	CHECK_EQ(mm_munmap(mm, A, 0), -EINVAL);
	CHECK_EQ(mm_munmap(mm, USER_TOP - PG, 2 * PG), -EINVAL);
	CHECK_EQ(mm_munmap(mm, A, UINT64_MAX), -EINVAL);
	CHECK_EQ(mm_pages(mm), 0);
	mm_destroy(mm);
}

TEST(out_of_memory)
{
	struct mm *mm;
	uint64_t free_before;
	long a;

	setup_ram(64);
	mm = mm_create();
	CHECK(mm);
	map_fixed(mm, A, 1, RW);
	free_before = page_free_count();
	CHECK_EQ(mm_mmap(mm, A, 100 * PG, RW, FIXED | LINUX_MAP_POPULATE, NULL, 0), -ENOMEM);
	CHECK_EQ(page_free_count(), free_before);
	CHECK_EQ(mm_pages(mm), 0);
	CHECK(!mm_fault(mm, A, false, false));
	a = mm_mmap(mm, 0, 100 * PG, RW, ANON, NULL, 0);
	CHECK(a > 0);
	for (unsigned i = 0; i < 100; i++)
		if (!mm_fault(mm, (uint64_t)a + i * PG, true, false))
			break;
	CHECK(page_free_count() == 0);
	CHECK(!mm_fault(mm, (uint64_t)a + 99 * PG, true, false));
	CHECK_EQ(mm_write(mm, (uint64_t)a + 99 * PG, "x", 1), -ENOMEM);
	CHECK_EQ(mm_munmap(mm, (uint64_t)a, 100 * PG), 0);
	CHECK_EQ(mm_pages(mm), 0);
	CHECK_EQ(page_free_count(), free_before);
	mm_destroy(mm);
}

/* A busy life: every call, every kind of memory. */
static void exercise(void)
{
	static const unsigned char bytes[5000] = { 1, 2, 3 };
	struct vnode *file = file_of(bytes, sizeof(bytes));
	struct mm *mm = mm_create();
	long a, b;

	CHECK(mm);
	mm_set_brk(mm, 0x601000);
	CHECK_EQ(mm_brk(mm, 0x601000 + 20 * PG), 0x601000 + 20 * PG);
	CHECK_EQ(mm_write(mm, 0x601000, bytes, sizeof(bytes)), 0);
	a = mm_mmap(mm, 0, 40 * PG, RW, ANON, NULL, 0);
	CHECK(a > 0);
	for (unsigned i = 0; i < 40; i += 3)
		CHECK(poke(mm, (uint64_t)a + i * PG, 1));
	CHECK_EQ(mm_mprotect(mm, (uint64_t)a + 5 * PG, 7 * PG, LINUX_PROT_READ), 0);
	CHECK_EQ(mm_munmap(mm, (uint64_t)a + 20 * PG, 3 * PG), 0);
	b = mm_mremap(mm, (uint64_t)a + 12 * PG, 8 * PG, 30 * PG, LINUX_MREMAP_MAYMOVE, 0);
	CHECK(b > 0 && b != a + 12 * (long)PG);
	CHECK_EQ(mm_madvise(mm, (uint64_t)b, 4 * PG, LINUX_MADV_DONTNEED), 0);
	CHECK(mm_mmap(mm, 0, 3 * PG, LINUX_PROT_READ, LINUX_MAP_PRIVATE, file, 0) > 0);
	CHECK(mm_mmap(mm, 0, 8 * PG, RW, ANON | LINUX_MAP_POPULATE, NULL, 0) > 0);
	CHECK(mm_pages(mm) > 0);
	mm_destroy(mm);
	pagecache_destroy(&file->cache);
}

TEST(destroy_gives_every_page_back)
{
	uint64_t free_before;

	setup_ram(RAM_PAGES);
	exercise();		/* the heap keeps pages for its size classes */
	free_before = page_free_count();
	exercise();
	CHECK_EQ(page_free_count(), free_before);
	CHECK_EQ(fake_uspaces, 0);
}

/*
 * fork: copy-on-write
 */
#define SHARED_ANON (LINUX_MAP_SHARED | LINUX_MAP_ANONYMOUS)

static uint64_t phys_of(struct mm *mm, uint64_t va)
{
	return uspace_lookup(mm_uspace(mm), va, NULL);
}

static bool writable(struct mm *mm, uint64_t va)
{
	bool allowed;

	return mapped(mm, va, WRITE, &allowed) && allowed;
}

/* A fork that must succeed, with the parent's TLBs flushed on return. */
static struct mm *fork_ok(struct mm *parent)
{
	struct mm *child = mm_fork(parent);

	CHECK(child);
	CHECKF(!fake_stale(mm_uspace(parent)), "the parent was not flushed after fork");
	return child;
}

/* A parent with n tagged pages at A, and its fork. */
static struct mm *fork_tagged(struct mm *parent, unsigned n, unsigned char tag)
{
	map_fixed(parent, A, n, RW);
	tag_pages(parent, A, n, tag);
	return fork_ok(parent);
}

TEST(fork_shares_pages_until_written)
{
	struct mm *parent = setup(), *child;
	uint64_t free_before, free_forked;

	map_fixed(parent, A, 8, RW);
	tag_pages(parent, A, 8, 10);
	free_before = page_free_count();
	child = fork_ok(parent);
	free_forked = page_free_count();
	/* Only the heap (areas, reference counts) may take a page or two. */
	CHECKF(free_before - free_forked <= 2, "fork took %" PRIu64 " pages",
	       free_before - free_forked);
	CHECK_EQ(mm_pages(child), 8);
	CHECK_EQ(mm_pages(parent), 8);
	for (unsigned i = 0; i < 8; i++) {
		CHECK_EQ(phys_of(child, A + i * PG), phys_of(parent, A + i * PG));
		CHECK(!writable(parent, A + i * PG) && !writable(child, A + i * PG));
		CHECK_EQ(page_ref_count(phys_of(parent, A + i * PG)), 2);
	}
	check_tags(parent, A, 8, 10);
	check_tags(child, A, 8, 10);
	CHECK_EQ(page_free_count(), free_forked);
	CHECK_EQ(mm_cow_copies(parent) + mm_cow_copies(child), 0);
	mm_destroy(child);
	mm_destroy(parent);
}

/* Two address spaces mapping one file's pages (as two processes running
 * one program do) each count them as shared and half their own; anonymous
 * pages, and a private file page once written, are private and dirty. */
TEST(usage_counts_shared_file_pages)
{
	struct mm *one = setup(), *two = mm_create();
	static unsigned char bytes[4 * PG];
	struct vnode *file = file_of(bytes, sizeof(bytes));
	struct mm_usage u;

	CHECK(two);
	CHECK_EQ(mm_mmap(one, A, 4 * PG, RW, LINUX_MAP_PRIVATE | LINUX_MAP_FIXED, file, 0), A);
	CHECK_EQ(mm_mmap(two, A, 4 * PG, LINUX_PROT_READ, LINUX_MAP_PRIVATE | LINUX_MAP_FIXED,
			 file, 0), A);
	map_fixed(one, A + 8 * PG, 2, RW);
	for (unsigned i = 0; i < 4; i++)
		CHECK(peek(one, A + i * PG) == 0 && peek(two, A + i * PG) == 0);
	CHECK(poke(one, A + 3 * PG, 1));
	CHECK(poke(one, A + 8 * PG, 1));
	CHECK(poke(one, A + 9 * PG, 1));
	mm_usage(one, &u);
	CHECK_EQ(u.first, A);
	CHECK_EQ(u.last, A + 10 * PG);
	CHECK_EQ(u.size, 6);
	CHECK_EQ(u.rss, 6);
	CHECK_EQ(u.file, 3);
	CHECK_EQ(u.anon, 3);
	CHECK_EQ(u.shmem, 0);
	CHECK_EQ(u.shared_clean, 3);
	CHECK_EQ(u.private_dirty, 3);
	CHECK_EQ(u.shared_dirty + u.private_clean, 0);
	CHECK_EQ(u.pss_pages, 3 * MM_PSS_ONE / 2 + 3 * MM_PSS_ONE);
	mm_usage(two, &u);
	CHECK_EQ(u.rss, 4);
	CHECK_EQ(u.shared_clean, 3);
	CHECK_EQ(u.private_clean, 1);
	mm_destroy(two);
	mm_usage(one, &u);
	CHECK_EQ(u.shared_clean, 0);
	CHECK_EQ(u.private_clean, 3);
	mm_destroy(one);
	pagecache_destroy(&file->cache);
}

TEST(write_in_child_copies)
{
	struct mm *parent = setup(), *child = fork_tagged(parent, 4, 20);
	uint64_t free_forked = page_free_count(), old = phys_of(parent, A);

	CHECK(poke(child, A + 5, 99));
	CHECK_EQ(mm_cow_copies(child), 1);
	CHECK_EQ(mm_cow_copies(parent), 0);
	CHECK_EQ(page_free_count(), free_forked - 1);
	CHECK(phys_of(child, A) != old && phys_of(parent, A) == old);
	CHECK(!fake_stale(mm_uspace(child)));
	CHECK_EQ(peek(child, A + 5), 99);
	CHECK_EQ(peek(parent, A + 5), 0);
	check_tags(parent, A, 4, 20);
	check_tags(child, A, 4, 20);
	CHECK_EQ(mm_pages(child), 4);
	/* The parent is the page's only owner now: its write copies nothing. */
	CHECK_EQ(page_ref_count(old), 1);
	CHECK(poke(parent, A + 5, 7));
	CHECK_EQ(mm_cow_copies(parent), 0);
	CHECK_EQ(phys_of(parent, A), old);
	CHECK_EQ(page_free_count(), free_forked - 1);
	CHECK_EQ(peek(child, A + 5), 99);
	mm_destroy(child);
	mm_destroy(parent);
}

TEST(write_in_parent_copies)
{
	struct mm *parent = setup(), *child = fork_tagged(parent, 4, 30);
	uint64_t free_forked = page_free_count();

	CHECK(poke(parent, A + 2 * PG + 1, 0x55));
	CHECK_EQ(mm_cow_copies(parent), 1);
	CHECK_EQ(mm_cow_copies(child), 0);
	CHECK_EQ(page_free_count(), free_forked - 1);
	CHECK_EQ(peek(parent, A + 2 * PG + 1), 0x55);
	CHECK_EQ(peek(child, A + 2 * PG + 1), 0);
	check_tags(child, A, 4, 30);
	check_tags(parent, A, 4, 30);
	mm_destroy(parent);
	check_tags(child, A, 4, 30);
	mm_destroy(child);
}

TEST(sole_owner_after_unmap_writes_without_copying)
{
	struct mm *parent = setup(), *child = fork_tagged(parent, 6, 40);
	uint64_t free_forked = page_free_count();

	CHECK_EQ(mm_munmap(child, A, 6 * PG), 0);
	CHECK_EQ(mm_pages(child), 0);
	/* The pages are the parent's alone again, not freed. */
	CHECK_EQ(page_free_count(), free_forked);
	tag_pages(parent, A, 6, 50);
	CHECK_EQ(mm_cow_copies(parent), 0);
	CHECK_EQ(page_free_count(), free_forked);
	check_tags(parent, A, 6, 50);
	mm_destroy(child);
	mm_destroy(parent);
}

TEST(kernel_writes_copy_too)
{
	struct mm *parent = setup(), *child = fork_tagged(parent, 2, 60);

	/* copy_to_user faults for write as user mode does; mm_write (the
	 * loader's) unshares as well. */
	CHECK(mm_fault(child, A + PG, true, false));
	CHECK(writable(child, A + PG));
	CHECK_EQ(mm_write(child, A + 3, "xyz", 3), 0);
	CHECK_EQ(mm_cow_copies(child), 2);
	CHECK_EQ(peek(child, A + 3), 'x');
	CHECK_EQ(peek(parent, A + 3), 0);
	check_tags(parent, A, 2, 60);
	check_tags(child, A, 2, 60);
	mm_destroy(child);
	mm_destroy(parent);
}

TEST(fork_of_a_fork_has_three_sharers)
{
	struct mm *parent = setup(), *child = fork_tagged(parent, 3, 70), *grandchild;
	uint64_t page = phys_of(parent, A);

	grandchild = fork_ok(child);
	CHECK_EQ(page_ref_count(page), 3);
	CHECK_EQ(phys_of(grandchild, A), page);
	CHECK(poke(grandchild, A + 1, 1));
	CHECK_EQ(page_ref_count(page), 2);
	CHECK(poke(child, A + 1, 2));
	CHECK_EQ(page_ref_count(page), 1);
	CHECK(poke(parent, A + 1, 3));
	CHECK_EQ(mm_cow_copies(grandchild), 1);
	CHECK_EQ(mm_cow_copies(child), 1);
	CHECK_EQ(mm_cow_copies(parent), 0);
	CHECK_EQ(phys_of(parent, A), page);
	CHECK_EQ(peek(grandchild, A + 1), 1);
	CHECK_EQ(peek(child, A + 1), 2);
	CHECK_EQ(peek(parent, A + 1), 3);
	check_tags(grandchild, A, 3, 70);
	check_tags(child, A, 3, 70);
	check_tags(parent, A, 3, 70);
	mm_destroy(child);
	check_tags(grandchild, A, 3, 70);
	check_tags(parent, A, 3, 70);
	mm_destroy(parent);
	mm_destroy(grandchild);
}

/* Parents and children writing, unmapping and dying in turn. */
static void fork_life(void)
{
	struct mm *parent = mm_create(), *child, *grandchild;

	CHECK(parent);
	mm_set_brk(parent, 0x601000);
	CHECK_EQ(mm_brk(parent, 0x601000 + 4 * PG), 0x601000 + 4 * PG);
	tag_pages(parent, 0x601000, 4, 1);
	map_fixed(parent, A, 16, RW);
	tag_pages(parent, A, 16, 2);
	CHECK(mm_mmap(parent, A + 32 * PG, 4 * PG, RW, SHARED_ANON | LINUX_MAP_FIXED, NULL,
		      0) > 0);
	child = fork_ok(parent);
	tag_pages(child, A, 5, 3);
	tag_pages(parent, A + 3 * PG, 5, 4);
	CHECK_EQ(mm_munmap(parent, A + 10 * PG, 2 * PG), 0);
	grandchild = fork_ok(child);
	CHECK_EQ(mm_madvise(child, A + 12 * PG, 2 * PG, LINUX_MADV_DONTNEED), 0);
	tag_pages(grandchild, A + 8 * PG, 8, 5);
	mm_put(parent);
	CHECK_EQ(mm_brk(child, 0x601000), 0x601000);
	mm_put(child);
	check_tags(grandchild, A + 8 * PG, 8, 5);
	mm_put(grandchild);
}

TEST(fork_leaks_nothing)
{
	uint64_t free_before;

	setup_ram(RAM_PAGES);
	fork_life();		/* the heap keeps pages for its size classes */
	free_before = page_free_count();
	fork_life();
	CHECK_EQ(page_free_count(), free_before);
	CHECK_EQ(fake_uspaces, 0);
}

TEST(shared_anonymous_memory_stays_shared)
{
	struct mm *parent = setup(), *child;
	long a = mm_mmap(parent, 0, 3 * PG, RW, SHARED_ANON, NULL, 0);
	uint64_t va;

	CHECK(a > 0);
	va = (uint64_t)a;
	CHECK(poke(parent, va, 1));
	child = fork_ok(parent);
	/* Pages untouched at fork are shared too. */
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(phys_of(child, va + i * PG), phys_of(parent, va + i * PG));
		CHECK(writable(child, va + i * PG) && writable(parent, va + i * PG));
	}
	CHECK(poke(child, va, 2));
	CHECK_EQ(peek(parent, va), 2);
	CHECK(poke(parent, va + 2 * PG + 9, 3));
	CHECK_EQ(peek(child, va + 2 * PG + 9), 3);
	CHECK_EQ(mm_cow_copies(parent) + mm_cow_copies(child), 0);
	/* Its pages survive the parent. */
	mm_destroy(parent);
	CHECK_EQ(peek(child, va + 2 * PG + 9), 3);
	mm_destroy(child);
}

TEST(file_copies_and_prot_none_fork)
{
	static const unsigned char bytes[PAGE_SIZE + 100] = { 7, 8, 9 };
	struct mm *parent = setup(), *child;
	uint64_t text, hidden = A;
	long t = mm_mmap(parent, 0, 2 * PG, LINUX_PROT_READ | LINUX_PROT_EXEC, LINUX_MAP_PRIVATE,
			 file_of(bytes, sizeof(bytes)), 0);

	CHECK(t > 0);
	text = (uint64_t)t;
	CHECK_EQ(peek(parent, text), 7);
	CHECK_EQ(peek(parent, text + PG), 0);
	map_fixed(parent, hidden, 2, RW);
	tag_pages(parent, hidden, 2, 80);
	CHECK_EQ(mm_mprotect(parent, hidden, 2 * PG, 0), 0);
	child = fork_ok(parent);
	CHECK_EQ(phys_of(child, text), phys_of(parent, text));
	CHECK_EQ(peek(child, text + 2), 9);
	CHECK(exec_ok(child, text + PG));
	CHECK_EQ(peek(child, hidden), SIGSEGV_);
	CHECK_EQ(peek(parent, hidden), SIGSEGV_);
	CHECK(present(child, hidden));
	/* A read-only area is written by the kernel alone: that copies. */
	CHECK_EQ(mm_write(child, text + 2, "z", 1), 0);
	CHECK_EQ(peek(child, text + 2), 'z');
	CHECK_EQ(peek(parent, text + 2), 9);
	CHECK(!poke(child, text, 1));
	/* Made writable, a shared page stays copy-on-write. */
	CHECK_EQ(mm_mprotect(child, hidden, 2 * PG, RW), 0);
	CHECK(!writable(child, hidden));
	check_tags(child, hidden, 2, 80);
	CHECK(poke(child, hidden, 0));
	CHECK_EQ(mm_mprotect(parent, hidden, 2 * PG, RW), 0);
	check_tags(parent, hidden, 2, 80);
	/* The first page is the parent's alone now. */
	CHECK(writable(parent, hidden));
	CHECK_EQ(mm_cow_copies(child), 2);
	mm_destroy(parent);
	mm_destroy(child);
}

TEST(brk_after_fork)
{
	struct mm *parent = setup(), *child;
	const uint64_t start = 0x601000;

	mm_set_brk(parent, start);
	CHECK_EQ(mm_brk(parent, start + 3 * PG), start + 3 * PG);
	tag_pages(parent, start, 3, 90);
	child = fork_ok(parent);
	CHECK_EQ(mm_brk(child, 0), start + 3 * PG);
	check_tags(child, start, 3, 90);
	CHECK_EQ(mm_brk(child, start), start);
	CHECK_EQ(peek(child, start), SIGSEGV_);
	check_tags(parent, start, 3, 90);
	CHECK_EQ(mm_brk(child, start + 2 * PG), start + 2 * PG);
	check_zero_page(child, start + PG);
	tag_pages(parent, start, 3, 91);
	CHECK_EQ(mm_cow_copies(parent), 0);
	CHECK_EQ(mm_brk(parent, start + 5 * PG), start + 5 * PG);
	CHECK_EQ(mm_brk(child, 0), start + 2 * PG);
	mm_destroy(child);
	mm_destroy(parent);
}

TEST(mremap_after_fork)
{
	struct mm *parent = setup(), *child = fork_tagged(parent, 4, 100);
	uint64_t free_forked = page_free_count(), page = phys_of(parent, A + PG);
	const uint64_t to = A + 64 * PG;

	CHECK_EQ(mm_mremap(child, A, 4 * PG, 6 * PG, LINUX_MREMAP_MAYMOVE | LINUX_MREMAP_FIXED,
			   to), (long)to);
	CHECK_EQ(phys_of(child, to + PG), page);
	CHECK_EQ(page_ref_count(page), 2);
	check_tags(child, to, 4, 100);
	CHECK_EQ(mm_cow_copies(child), 0);
	CHECK(poke(child, to + PG, 1));
	CHECK_EQ(mm_cow_copies(child), 1);
	check_tags(parent, A, 4, 100);
	/* Shrinking drops the tail's references only. */
	CHECK_EQ(mm_mremap(child, to, 6 * PG, 2 * PG, 0, 0), (long)to);
	CHECK_EQ(page_ref_count(phys_of(parent, A + 3 * PG)), 1);
	CHECK_EQ(page_free_count(), free_forked - 1);
	check_tags(parent, A, 4, 100);
	mm_destroy(child);
	mm_destroy(parent);
}

TEST(unmapping_in_the_child_keeps_the_parents_pages)
{
	struct mm *parent = setup(), *child = fork_tagged(parent, 6, 110);
	uint64_t free_forked = page_free_count();

	CHECK_EQ(mm_madvise(child, A, 2 * PG, LINUX_MADV_DONTNEED), 0);
	check_zero_page(child, A);
	map_fixed(child, A + 2 * PG, 2, RW);
	check_zero_page(child, A + 2 * PG);
	CHECK_EQ(mm_munmap(child, A + 4 * PG, PG), 0);
	check_tags(parent, A, 6, 110);
	/* Only the two zero pages touched in the child are new. */
	CHECK_EQ(page_free_count(), free_forked - 2);
	mm_destroy(parent);
	CHECK_EQ(peek(child, A + 5 * PG), 115);
	mm_destroy(child);
}

TEST(references_to_an_mm)
{
	uint64_t free_before;
	struct mm *mm;

	setup_ram(RAM_PAGES);
	exercise();
	free_before = page_free_count();
	mm = mm_create();
	CHECK(mm);
	map_fixed(mm, A, 3, RW);
	tag_pages(mm, A, 3, 1);
	mm_get(mm);
	mm_get(mm);
	mm_put(mm);
	mm_put(mm);
	CHECK_EQ(fake_uspaces, 1);
	check_tags(mm, A, 3, 1);
	mm_put(mm);
	CHECK_EQ(fake_uspaces, 0);
	CHECK_EQ(page_free_count(), free_before);
}

TEST(fork_out_of_page_tables_leaks_nothing)
{
	struct mm *parent = setup(), *child = NULL;
	uint64_t free_before;
	long budget;

	map_fixed(parent, A, 20, RW);
	tag_pages(parent, A, 20, 120);
	CHECK(mm_mmap(parent, A + 40 * PG, 2 * PG, RW, SHARED_ANON | LINUX_MAP_FIXED, NULL,
		      0) > 0);
	CHECK(poke(parent, A + 40 * PG, 1));
	CHECK(poke(parent, A + 41 * PG, 2));
	/* Once so that the heap has its pages, then failing at each map. */
	mm_destroy(fork_ok(parent));
	free_before = page_free_count();
	for (budget = 0; !child; budget++) {
		fake_map_budget = budget;
		child = mm_fork(parent);
		fake_map_budget = -1;
		if (child)
			break;
		CHECK_EQ(page_free_count(), free_before);
		CHECK_EQ(fake_uspaces, 1);
		CHECK_EQ(mm_pages(parent), 22);
		CHECK(!fake_stale(mm_uspace(parent)));
		for (unsigned i = 0; i < 20; i++)
			CHECK_EQ(page_ref_count(phys_of(parent, A + i * PG)), 1);
	}
	CHECK_EQ(budget, 22);
	tag_pages(parent, A, 20, 121);
	CHECK_EQ(mm_cow_copies(parent), 20);
	check_tags(child, A, 20, 120);
	mm_destroy(child);
	mm_destroy(parent);
}

TEST(fork_out_of_memory_leaks_nothing)
{
	struct mm *parent, *child;
	uint64_t free_before;
	long a;

	setup_ram(64);
	parent = mm_create();
	CHECK(parent);
	map_fixed(parent, A, 4, RW);
	tag_pages(parent, A, 4, 130);
	mm_destroy(fork_ok(parent));	/* the heap takes its pages */
	a = mm_mmap(parent, 0, 100 * PG, RW, SHARED_ANON, NULL, 0);
	CHECK(a > 0);
	/* Untouched shared memory gets its pages at fork: too many. */
	free_before = page_free_count();
	CHECK(!mm_fork(parent));
	CHECK_EQ(fake_uspaces, 1);
	check_tags(parent, A, 4, 130);
	CHECK_EQ(mm_munmap(parent, (uint64_t)a, 100 * PG), 0);
	CHECK_EQ(page_free_count(), free_before);
	CHECK_EQ(mm_pages(parent), 4);
	child = fork_ok(parent);
	check_tags(child, A, 4, 130);
	/* No page left to copy into: the write faults. */
	while (page_alloc(1))
		;
	CHECK(!mm_fault(child, A, true, false));
	CHECK(!poke(parent, A, 1));
	mm_destroy(child);
	CHECK(poke(parent, A, 1));
	mm_destroy(parent);
}

/* The table against a plain array, through growth, removal and
 * shrinking. */
TEST(page_ref_counts_many_pages)
{
	enum { N = 3000 };
	static unsigned want[N];
	uint64_t x = 1;

	setup_ram(RAM_PAGES);
	for (unsigned i = 0; i < N; i++)
		want[i] = 1;
	for (unsigned step = 0; step < 40 * N; step++) {
		unsigned i;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		i = (unsigned)(x >> 33) % N;
		/* Mostly raising in the first half of the run, mostly dropping
		 * in the second. */
		if (((x >> 20) % 4 != 0) == (step < 20 * N)) {
			CHECK_EQ(page_ref_get((i + 1) * PG), 0);
			want[i]++;
		} else if (want[i] > 1) {
			CHECK(!page_ref_put((i + 1) * PG));
			want[i]--;
		}
		if (step % 997 == 0)
			for (unsigned j = 0; j < N; j++)
				CHECK_EQ(page_ref_count((j + 1) * PG), want[j]);
	}
	for (unsigned i = 0; i < N; i++) {
		while (want[i] > 1) {
			CHECK(!page_ref_put((i + 1) * PG));
			want[i]--;
		}
		CHECK(page_ref_put((i + 1) * PG));
	}
	for (unsigned j = 0; j < N; j++)
		CHECK_EQ(page_ref_count((j + 1) * PG), 1);
}

int main(void)
{
	return check_run();
}
