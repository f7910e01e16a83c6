/* kernel/page_alloc.c over fake RAM: a page-aligned host buffer that the
 * memory map describes by its host address (DIRECT_MAP_BASE is 0). The
 * allocator writes only into free pages, so each case's map may use any
 * part of the buffer. */
#include <flint/memory.h>
#include <flint/page_alloc.h>

#include "check.h"

#define RAM_PAGES 1024

static _Alignas(PAGE_SIZE) unsigned char ram_buf[RAM_PAGES * PAGE_SIZE];

/* Address of page i of the buffer. */
static uint64_t P(unsigned i)
{
	return (uint64_t)(uintptr_t)ram_buf + (uint64_t)i * PAGE_SIZE;
}

/* Index of the page at phys, checking that it is a whole page of the buffer. */
static unsigned page_index(uint64_t phys)
{
	CHECKF(phys >= P(0) && phys < P(RAM_PAGES), "%#" PRIx64 " outside the buffer", phys);
	CHECKF((phys - P(0)) % PAGE_SIZE == 0, "%#" PRIx64 " not page-aligned", phys);
	return (unsigned)((phys - P(0)) / PAGE_SIZE);
}

/* One RAM entry over pages [first, last) minus the reserved ranges;
 * returns the number of pages the allocator took. */
static uint64_t setup(unsigned first, unsigned last,
		      const struct phys_range *reserved, unsigned nreserved)
{
	struct memmap m = { 0 };

	CHECK_EQ(memmap_add(&m, P(first), P(last) - P(first), MEMMAP_RAM), MEMMAP_ADDED);
	CHECK_EQ(page_alloc_init(&m, reserved, nreserved), 0);
	return page_free_count();
}

/* Takes single pages until none are left; marks them in taken[] (which
 * must not have them yet) and returns how many there were. */
static unsigned drain(bool *taken)
{
	unsigned n = 0;
	uint64_t p;

	while ((p = page_alloc(1))) {
		unsigned i = page_index(p);

		CHECKF(!taken[i], "page %u handed out twice", i);
		taken[i] = true;
		n++;
	}
	CHECK_EQ(page_free_count(), 0);
	return n;
}

TEST(top_down_order)
{
	CHECK_EQ(setup(0, 16, NULL, 0), 16);
	for (unsigned i = 16; i-- > 0;)
		CHECK_EQ(page_alloc(1), P(i));
	CHECK_EQ(page_alloc(1), 0);
}

TEST(reserved_ranges_carved_out)
{
	/* Over the entry's start, in the middle, over its end (from mid-page),
	 * and two overlapping each other. */
	const struct phys_range res[] = {
		{ P(0) - 5 * PAGE_SIZE, P(2) },
		{ P(10), P(20) },
		{ P(59) + PAGE_SIZE / 2, P(70) },
		{ P(30), P(34) },
		{ P(32), P(36) },
	};
	bool taken[RAM_PAGES] = { 0 };

	CHECK_EQ(setup(0, 64, res, 5), 64 - 2 - 10 - 5 - 6);
	CHECK_EQ(drain(taken), 41);
	for (unsigned i = 0; i < 64; i++) {
		bool reserved = i < 2 || (i >= 10 && i < 20) || i >= 59 || (i >= 30 && i < 36);

		CHECKF(taken[i] != reserved, "page %u: taken %d, reserved %d", i, taken[i], reserved);
	}
}

TEST(reserved_range_covers_whole_entry)
{
	struct memmap m = { 0 };
	const struct phys_range res = { P(15), P(25) };
	bool taken[RAM_PAGES] = { 0 };

	memmap_add(&m, P(0), 8 * PAGE_SIZE, MEMMAP_RAM);
	memmap_add(&m, P(16), 8 * PAGE_SIZE, MEMMAP_RAM);
	CHECK_EQ(page_alloc_init(&m, &res, 1), 0);
	CHECK_EQ(page_free_count(), 8);
	CHECK_EQ(drain(taken), 8);
	for (unsigned i = 0; i < 8; i++)
		CHECK(taken[i]);
}

TEST(unaligned_entries_shrink_to_whole_pages)
{
	struct memmap m = { 0 };

	memmap_add(&m, P(1) + 0x123, P(10) - 0x10 - (P(1) + 0x123), MEMMAP_RAM);
	memmap_add(&m, P(20) + 0x10, 0x7f0, MEMMAP_RAM);	/* less than a page */
	memmap_add(&m, P(24) + 1, PAGE_SIZE, MEMMAP_RAM);	/* straddles two */
	CHECK_EQ(page_alloc_init(&m, NULL, 0), 0);
	CHECK_EQ(page_free_count(), 7);
	for (unsigned i = 9; i-- > 2;)
		CHECK_EQ(page_alloc(1), P(i));
	CHECK_EQ(page_alloc(1), 0);
}

TEST(only_ram_entries_are_used)
{
	struct memmap m = { 0 };

	memmap_add(&m, P(0), 4 * PAGE_SIZE, MEMMAP_RAM);
	memmap_add(&m, P(4), 4 * PAGE_SIZE, MEMMAP_ACPI);
	memmap_add(&m, P(8), 4 * PAGE_SIZE, MEMMAP_RESERVED);
	memmap_add(&m, P(12), 4 * PAGE_SIZE, MEMMAP_NVS);
	CHECK_EQ(page_alloc_init(&m, NULL, 0), 0);
	CHECK_EQ(page_free_count(), 4);
	CHECK_EQ(page_alloc(1), P(3));
}

TEST(alloc_below_honours_limit)
{
	setup(0, 32, NULL, 0);
	CHECK_EQ(page_alloc_below(1, P(8)), P(7));	/* splits the range */
	CHECK_EQ(page_alloc_below(4, P(8)), P(3));
	CHECK_EQ(page_alloc(1), P(31));		/* the top is untouched */
	CHECK_EQ(page_alloc_below(1, P(0)), 0);
	CHECK_EQ(page_alloc_below(4, P(3)), 0);	/* only 3 pages below */
	CHECK_EQ(page_alloc_below(3, P(3)), P(0));
	CHECK_EQ(page_alloc_below(1, P(3)), 0);
	CHECK_EQ(page_alloc_below(2, P(9)), 0);	/* P(8) alone is free below */
	CHECK_EQ(page_alloc_below(1, P(9)), P(8));
	CHECK_EQ(page_free_count(), 32 - 10);
}

TEST(alloc_below_skips_listed_page_above_limit)
{
	uint64_t high, low;

	setup(0, 16, NULL, 0);
	high = page_alloc(1);
	page_free(high, 1);			/* onto the single-page list */
	CHECK_EQ(page_alloc_below(1, P(8)), P(7));
	CHECK_EQ(page_alloc(1), high);		/* the list is intact */

	low = page_alloc_below(1, P(2));
	CHECK_EQ(low, P(1));
	page_free(low, 1);
	CHECK_EQ(page_alloc_below(1, P(2)), low);	/* a listed page below is fine */
}

TEST(alloc_below_unaligned_limit)
{
	/* A limit inside a page: that page is not wholly below it, and what
	 * is handed out must still be whole pages. */
	uint64_t p;

	setup(0, 16, NULL, 0);
	p = page_alloc_below(1, P(8) + PAGE_SIZE / 2);
	CHECKF(p == P(7), "page_alloc_below(1, P(8) + 2048) = P(0) + %#" PRIx64 ", want P(7)",
	       p - P(0));
	p = page_alloc_below(2, P(4) + 1);
	CHECKF(p == P(2), "page_alloc_below(2, P(4) + 1) = P(0) + %#" PRIx64 ", want P(2)",
	       p - P(0));
	for (unsigned i = 0; i < 13; i++)
		page_index(page_alloc(1));
	CHECK_EQ(page_alloc(1), 0);
}

TEST(contiguous_multi_page_blocks)
{
	const struct phys_range hole = { P(10), P(12) };
	uint64_t a, b;

	setup(0, 22, &hole, 1);	/* two runs of 10 pages */
	CHECK_EQ(page_alloc(0), 0);
	CHECK_EQ(page_alloc(11), 0);		/* 20 pages, but not in a row */
	CHECK_EQ(page_free_count(), 20);
	a = page_alloc(8);
	CHECK_EQ(a, P(14));
	b = page_alloc(8);
	CHECK_EQ(b, P(2));			/* the top run has only 2 left */
	memset((void *)(uintptr_t)a, 0xaa, 8 * PAGE_SIZE);	/* all ours */
	memset((void *)(uintptr_t)b, 0xbb, 8 * PAGE_SIZE);
	CHECK_EQ(page_alloc(10), 0);
	CHECK_EQ(page_alloc(2), P(12));
	CHECK_EQ(page_alloc(2), P(0));
	CHECK_EQ(page_free_count(), 0);
}

TEST(exhaustion_returns_zero)
{
	bool taken[RAM_PAGES] = { 0 };

	CHECK_EQ(setup(3, 40, NULL, 0), 37);
	CHECK_EQ(drain(taken), 37);
	CHECK_EQ(page_alloc(1), 0);
	CHECK_EQ(page_alloc(2), 0);
	CHECK_EQ(page_alloc_below(1, UINT64_MAX), 0);
}

TEST(single_pages_reused_last_in_first_out)
{
	uint64_t a, b;

	setup(0, 8, NULL, 0);
	a = page_alloc(1);
	b = page_alloc(1);
	page_free(a, 1);
	CHECK_EQ(page_free_count(), 7);
	CHECK_EQ(page_alloc(1), a);
	page_free(a, 1);
	page_free(b, 1);
	CHECK_EQ(page_free_count(), 8);
	CHECK_EQ(page_alloc(1), b);
	CHECK_EQ(page_alloc(1), a);
	CHECK_EQ(page_free_count(), 6);
}

TEST(multi_page_frees_merge_with_neighbours)
{
	uint64_t a, b, c;

	setup(0, 20, NULL, 0);
	a = page_alloc(4);	/* 16..19 */
	b = page_alloc(4);	/* 12..15 */
	c = page_alloc(4);	/* 8..11; [0, 8) stays free */
	CHECK_EQ(a, P(16));
	CHECK_EQ(c, P(8));
	page_free(b, 4);	/* alone: a range of its own */
	CHECK_EQ(page_free_count(), 12);
	page_free(c, 4);	/* joins [0, 8) and b */
	CHECK_EQ(page_alloc(17), 0);
	CHECK_EQ(page_alloc(16), P(0));	/* one run now */
	page_free(P(0), 16);
	page_free(a, 4);	/* joins the top */
	CHECK_EQ(page_free_count(), 20);
	CHECK_EQ(page_alloc(20), P(0));
}

TEST(free_below_a_range_merges)
{
	uint64_t low;

	setup(0, 12, NULL, 0);
	CHECK_EQ(page_alloc(4), P(8));
	low = page_alloc_below(4, P(4));	/* leaves [4, 8) */
	CHECK_EQ(low, P(0));
	page_free(low, 4);			/* ends where [4, 8) starts */
	CHECK_EQ(page_alloc(8), P(0));
}

TEST(init_reports_ranges_that_do_not_fit)
{
	/* 129 one-page holes cut one entry into 130 ranges; 128 fit. */
	struct phys_range holes[129];
	struct memmap m = { 0 };

	for (unsigned i = 0; i < 129; i++)
		holes[i] = (struct phys_range){ P(2 * i + 1), P(2 * i + 2) };
	memmap_add(&m, P(0), P(260) - P(0), MEMMAP_RAM);
	CHECK_EQ(page_alloc_init(&m, holes, 129), 2);
	CHECK_EQ(page_free_count(), 128);
	CHECK_EQ(page_alloc(1), P(254));	/* the two top ranges were lost */
}

/* Allocates everything in blocks of n pages, frees every other block, and
 * returns how many blocks were freed; the free table overflows on the way. */
static unsigned checkerboard(unsigned n, unsigned nblocks)
{
	CHECK_EQ(setup(0, n * nblocks, NULL, 0), n * nblocks);
	for (unsigned i = nblocks; i-- > 0;)
		CHECK_EQ(page_alloc(n), P(n * i));
	CHECK_EQ(page_alloc(1), 0);
	for (unsigned i = 0; i < nblocks; i += 2)
		page_free(P(n * i), n);
	CHECK_EQ(page_free_count(), (uint64_t)n * ((nblocks + 1) / 2));
	return (nblocks + 1) / 2;
}

TEST(table_full_frees_lose_no_pages)
{
	/* 150 separate 2-page blocks: 128 ranges, then 22 blocks page by page. */
	unsigned nblocks = 300;
	bool taken[RAM_PAGES] = { 0 };

	CHECK_EQ(checkerboard(2, nblocks), 150);
	page_free(P(2), 2);	/* block 1 bridges blocks 0 and 2 */
	CHECK_EQ(page_free_count(), 302);
	CHECK_EQ(drain(taken), 302);
	for (unsigned i = 0; i < 2 * nblocks; i++)
		CHECKF(taken[i] == ((i / 2) % 2 == 0 || i / 2 == 1), "page %u", i);
}

TEST(table_full_split_tries_lower_ranges)
{
	/* With every table slot used, a limit inside a range would need a
	 * split: the allocator must look lower rather than lose pages. */
	unsigned nblocks = 2 * 128 + 1;
	uint64_t limit, p;
	bool taken[RAM_PAGES] = { 0 };

	CHECK_EQ(checkerboard(3, nblocks), 129);	/* 128 ranges + 3 listed pages */
	limit = P(3 * 200 + 2);			/* inside block 200: [600, 603) */
	p = page_alloc_below(1, limit);
	CHECK(p && p + PAGE_SIZE <= limit);
	taken[page_index(p)] = true;
	CHECK_EQ(page_free_count(), 3 * 129 - 1);
	CHECK_EQ(drain(taken), 3 * 129 - 1);
	for (unsigned i = 0; i < 3 * nblocks; i++)
		CHECKF(taken[i] == ((i / 3) % 2 == 0), "page %u", i);
}

struct block {
	uint64_t phys;
	unsigned npages;
};

/* Every page of a live block carries its block's tag in its first and last
 * word: the allocator must never write into a page it handed out. */
static void tag(const struct block *b, uint64_t t)
{
	for (unsigned i = 0; i < b->npages; i++) {
		uint64_t *w = (uint64_t *)(uintptr_t)(b->phys + (uint64_t)i * PAGE_SIZE);

		w[0] = t;
		w[PAGE_SIZE / 8 - 1] = ~t;
	}
}

static void check_tag(const struct block *b, uint64_t t)
{
	for (unsigned i = 0; i < b->npages; i++) {
		const uint64_t *w = (const uint64_t *)(uintptr_t)(b->phys + (uint64_t)i * PAGE_SIZE);

		CHECKF(w[0] == t && w[PAGE_SIZE / 8 - 1] == ~t, "block at %#" PRIx64
		       " page %u overwritten while allocated", b->phys, i);
	}
}

TEST(random_alloc_free_never_hands_out_twice)
{
	const struct phys_range res[] = { { P(100), P(130) }, { P(500), P(501) },
					  { P(1000), P(1030) } };
	static struct block live[RAM_PAGES];
	static bool owned[RAM_PAGES], reserved[RAM_PAGES];
	unsigned nlive = 0;
	uint64_t total, used = 0, seed = 0xa110c;

	total = setup(3, RAM_PAGES, res, 3);
	for (unsigned i = 0; i < RAM_PAGES; i++)
		reserved[i] = i < 3 || (i >= 100 && i < 130) || i == 500 || i >= 1000;
	CHECK_EQ(total, RAM_PAGES - 3 - 30 - 1 - 24);

	for (int step = 0; step < 50000; step++) {
		if (nlive && (check_below(&seed, 100) < 45 || nlive == RAM_PAGES)) {
			unsigned k = (unsigned)check_below(&seed, nlive);
			struct block b = live[k];

			check_tag(&b, b.phys);
			for (unsigned i = 0; i < b.npages; i++)
				owned[page_index(b.phys) + i] = false;
			page_free(b.phys, b.npages);
			used -= b.npages;
			live[k] = live[--nlive];
		} else {
			unsigned npages = check_below(&seed, 4) ? 1 : 1 + (unsigned)check_below(&seed, 8);
			uint64_t limit = check_below(&seed, 4) ? UINT64_MAX :
					 P((unsigned)check_below(&seed, RAM_PAGES + 1));
			struct block b = { page_alloc_below(npages, limit), npages };

			if (!b.phys)
				continue;
			CHECKF(b.phys + (uint64_t)npages * PAGE_SIZE <= limit, "step %d: over the limit", step);
			for (unsigned i = 0; i < npages; i++) {
				unsigned p = page_index(b.phys) + i;

				CHECKF(p < RAM_PAGES, "step %d: block past the buffer", step);
				CHECKF(!owned[p] && !reserved[p], "step %d: page %u handed out"
				       " (owned %d, reserved %d)", step, p, owned[p], reserved[p]);
				owned[p] = true;
			}
			tag(&b, b.phys);
			live[nlive++] = b;
			used += npages;
		}
		CHECKF(page_free_count() == total - used, "step %d: %" PRIu64 " free, want %" PRIu64,
		       step, page_free_count(), total - used);
	}

	/* Give everything back: every page must come out again, once. */
	while (nlive) {
		nlive--;
		check_tag(&live[nlive], live[nlive].phys);
		page_free(live[nlive].phys, live[nlive].npages);
	}
	memset(owned, 0, sizeof(owned));
	CHECK_EQ(drain(owned), total);
	for (unsigned i = 0; i < RAM_PAGES; i++)
		CHECKF(owned[i] != reserved[i], "page %u", i);
}

int main(void)
{
	return check_run();
}
