/* kernel/heap.c on top of kernel/page_alloc.c over fake RAM: a page-aligned
 * host buffer that the memory map describes by its host address
 * (DIRECT_MAP_BASE is 0). */
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>

#include "check.h"

#define RAM_PAGES 4096

static _Alignas(PAGE_SIZE) unsigned char ram[RAM_PAGES * PAGE_SIZE];

/* Gives the allocator the first npages pages of the buffer. */
static void setup(unsigned npages)
{
	struct memmap m = { 0 };

	memmap_add(&m, (uint64_t)(uintptr_t)ram, (uint64_t)npages * PAGE_SIZE, MEMMAP_RAM);
	CHECK_EQ(page_alloc_init(&m, NULL, 0), 0);
	CHECK_EQ(page_free_count(), npages);
}

/* p is a 16-byte aligned block of size bytes inside the buffer, after
 * its header. */
static void check_block(const void *p, size_t size)
{
	uintptr_t a = (uintptr_t)p;

	CHECKF(p, "kmalloc(%zu) failed", size);
	CHECKF(a % 16 == 0, "kmalloc(%zu) = %p: not 16-byte aligned", size, p);
	CHECKF(a >= (uintptr_t)ram + 16 && a + size <= (uintptr_t)ram + sizeof(ram),
	       "kmalloc(%zu) = %p: outside the RAM", size, p);
}

TEST(aligned_for_every_size)
{
	setup(RAM_PAGES);
	for (size_t size = 0; size <= 3 * PAGE_SIZE; size++) {
		void *p = kmalloc(size);

		check_block(p, size);
		memset(p, 0x5a, size);	/* ASan: all of it is ours */
		kfree(p);
	}
}

TEST(freed_block_is_reused)
{
	void *p, *q;

	setup(16);
	p = kmalloc(100);
	q = kmalloc(100);
	check_block(p, 100);
	check_block(q, 100);
	CHECK(p != q);
	kfree(p);
	CHECK(kmalloc(100) == p);
	kfree(q);
	CHECK(kmalloc(90) == q);	/* same size class */
}

TEST(kzalloc_zeroes_reused_memory)
{
	unsigned char *p;
	size_t sizes[] = { 1, 100, 2000, 5000, 70000 };

	setup(64);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		p = kmalloc(n);
		check_block(p, n);
		memset(p, 0xa5, n);
		kfree(p);
		p = kzalloc(n);
		check_block(p, n);
		for (size_t j = 0; j < n; j++)
			CHECKF(p[j] == 0, "kzalloc(%zu)[%zu] = %#x", n, j, p[j]);
		kfree(p);
	}
}

TEST(small_classes_take_one_page_at_a_time)
{
	void *p[2];

	setup(16);
	p[0] = kmalloc(2032);		/* 2032 + 16-byte header: the 2 KiB class */
	CHECK_EQ(page_free_count(), 15);
	p[1] = kmalloc(2000);		/* the same page's other half */
	CHECK_EQ(page_free_count(), 15);
	check_block(p[0], 2032);
	check_block(p[1], 2000);
	CHECK((char *)p[0] + 2032 <= (char *)p[1] || (char *)p[1] + 2000 <= (char *)p[0]);
	kfree(p[0]);
	kfree(p[1]);
	CHECK_EQ(page_free_count(), 15);	/* classes keep their pages */
}

TEST(emptied_class_pages_go_back_but_one)
{
	/* 2 KiB blocks, two a page: 16 of them take 8 pages. */
	void *p[16];

	setup(16);
	for (unsigned i = 0; i < 16; i++) {
		p[i] = kmalloc(2000);
		check_block(p[i], 2000);
	}
	CHECK_EQ(page_free_count(), 8);
	/* One block left on each of the first pages: none is empty. */
	for (unsigned i = 0; i < 16; i += 2)
		kfree(p[i]);
	CHECK_EQ(page_free_count(), 8);
	for (unsigned i = 1; i < 16; i += 2)
		kfree(p[i]);
	CHECK_EQ(page_free_count(), 15);	/* the class keeps one empty page */
	for (unsigned i = 0; i < 16; i++) {
		p[i] = kmalloc(2000);
		check_block(p[i], 2000);
		memset(p[i], i, 2000);
	}
	CHECK_EQ(page_free_count(), 8);
	for (unsigned i = 0; i < 16; i++)
		kfree(p[i]);
	CHECK_EQ(page_free_count(), 15);
}

TEST(large_blocks_take_and_return_pages)
{
	static const struct {
		size_t size;
		unsigned pages;
	} large[] = {
		{ 2033, 1 },			/* just past the largest class */
		{ PAGE_SIZE - 16, 1 },
		{ PAGE_SIZE - 15, 2 },
		{ 100000, 25 },
		{ 40 * PAGE_SIZE, 41 },
	};

	setup(64);
	for (size_t i = 0; i < sizeof(large) / sizeof(large[0]); i++) {
		void *p = kmalloc(large[i].size);

		check_block(p, large[i].size);
		CHECKF(page_free_count() == 64 - large[i].pages, "kmalloc(%zu) took %" PRIu64
		       " pages, want %u", large[i].size, 64 - page_free_count(), large[i].pages);
		memset(p, 0x77, large[i].size);
		kfree(p);
		CHECK_EQ(page_free_count(), 64);
	}
}

TEST(oversized_requests_fail)
{
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX - 15, SIZE_MAX - 16, SIZE_MAX - PAGE_SIZE,
		SIZE_MAX / 2, (size_t)UINT32_MAX * PAGE_SIZE, (size_t)1 << 40,
		65 * PAGE_SIZE,		/* more than there is */
	};

	setup(64);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CHECKF(kmalloc(sizes[i]) == NULL, "kmalloc(%#zx) succeeded", sizes[i]);
		CHECKF(kzalloc(sizes[i]) == NULL, "kzalloc(%#zx) succeeded", sizes[i]);
		CHECK_EQ(page_free_count(), 64);
	}
}

TEST(out_of_memory_returns_null)
{
	/* 64 + 16 bytes round up to the 128-byte class: 32 blocks a page. */
	void *p[8 * 32];

	setup(8);
	for (unsigned i = 0; i < 8 * 32; i++) {
		p[i] = kmalloc(64);
		check_block(p[i], 64);
	}
	CHECK(kmalloc(64) == NULL);
	CHECK(kmalloc(5000) == NULL);
	CHECK(kzalloc(1) == NULL);	/* another class, no page for it */
	kfree(p[77]);
	CHECK(kmalloc(64) == p[77]);
	CHECK(kmalloc(64) == NULL);
}

TEST(out_of_memory_large)
{
	void *p;

	setup(8);
	CHECK(kmalloc(8 * PAGE_SIZE) == NULL);		/* needs 9 pages */
	p = kmalloc(8 * PAGE_SIZE - 16);
	check_block(p, 8 * PAGE_SIZE - 16);
	CHECK(kmalloc(1) == NULL);
	kfree(p);
	CHECK_EQ(page_free_count(), 8);
}

TEST(kfree_null_is_harmless)
{
	setup(4);
	kfree(NULL);
	CHECK_EQ(page_free_count(), 4);
}

struct live {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

static void check_fill(const struct live *b)
{
	for (size_t j = 0; j < b->size; j++)
		CHECKF(b->p[j] == b->fill, "block %p (%zu bytes) byte %zu changed", (void *)b->p,
		       b->size, j);
}

TEST(random_blocks_never_overlap)
{
	static struct live live[400];
	unsigned nlive = 0;
	uint64_t seed = 0x4ea9;

	setup(RAM_PAGES);
	for (int step = 0; step < 30000; step++) {
		if (nlive == 400 || (nlive && check_below(&seed, 2))) {
			unsigned k = (unsigned)check_below(&seed, nlive);

			check_fill(&live[k]);
			kfree(live[k].p);
			live[k] = live[--nlive];
			continue;
		}
		struct live b;

		b.size = check_below(&seed, 5) ? check_below(&seed, 2100) :
			 check_below(&seed, 6 * PAGE_SIZE);
		b.p = kmalloc(b.size);
		b.fill = (unsigned char)step;
		check_block(b.p, b.size);
		/* Blocks with their 16-byte headers: never empty, never shared. */
		for (unsigned i = 0; i < nlive; i++)
			CHECKF(b.p + b.size <= live[i].p - 16 || live[i].p + live[i].size <= b.p - 16,
			       "step %d: [%p, +%zu) overlaps [%p, +%zu)", step, (void *)b.p,
			       b.size, (void *)live[i].p, live[i].size);
		memset(b.p, b.fill, b.size);
		live[nlive++] = b;
	}
	while (nlive--)
		check_fill(&live[nlive]);
}

int main(void)
{
	return check_run();
}
