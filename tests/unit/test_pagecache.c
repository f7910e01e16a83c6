/* The page cache (fs/pagecache.c) over fake RAM (as test_heap), with a
 * fake backing store that counts its reads and writes: the sparse index,
 * reads and writes across pages, holes, truncation, writeback of dirty
 * pages only, shrink of clean unreferenced pages only, a page at 1 TiB.
 * sched_fake.c stands in for the mutex, the clock and threads. */
#include <flint/errno.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/page_ref.h>
#include <flint/pagecache.h>

#include "check.h"

#define RAM_PAGES 512
#define DISK_PAGES 64

static _Alignas(PAGE_SIZE) unsigned char ram[RAM_PAGES * PAGE_SIZE];

/* A file on a fake disk: DISK_PAGES pages, each byte its offset's low
 * byte plus the page number, until written. */
struct disk {
	unsigned char data[DISK_PAGES][PAGE_SIZE];
	unsigned reads, writes;
	int fail;			/* the next write's error */
};

static int disk_read(void *arg, uint64_t index, void *page)
{
	struct disk *d = arg;

	CHECK(index < DISK_PAGES);
	memcpy(page, d->data[index], PAGE_SIZE);
	d->reads++;
	return 0;
}

static int disk_write(void *arg, uint64_t index, const void *page, size_t len)
{
	struct disk *d = arg;

	CHECK(index < DISK_PAGES && len <= PAGE_SIZE);
	if (d->fail) {
		int r = d->fail;

		d->fail = 0;
		return r;
	}
	memcpy(d->data[index], page, len);
	d->writes++;
	return 0;
}

static struct disk disk;
static const struct pagecache_backing backing = { disk_read, disk_write, &disk };

static void setup(void)
{
	struct memmap m = { 0 };

	memmap_add(&m, (uint64_t)(uintptr_t)ram, sizeof(ram), MEMMAP_RAM);
	CHECK_EQ(page_alloc_init(&m, NULL, 0), 0);
	/* The reference table's first heap page stays with the heap: take
	 * it now, so that counts of free pages compare. */
	CHECK_EQ(page_ref_get(PAGE_SIZE), 0);
	CHECK(!page_ref_put(PAGE_SIZE));
	for (unsigned p = 0; p < DISK_PAGES; p++)
		for (unsigned i = 0; i < PAGE_SIZE; i++)
			disk.data[p][i] = (unsigned char)(i + p);
}

static struct pagecache_stats stats(void)
{
	struct pagecache_stats st;

	pagecache_stats(&st);
	return st;
}

TEST(write_read_across_pages_and_holes)
{
	static unsigned char buf[3 * PAGE_SIZE], back[3 * PAGE_SIZE];
	struct pagecache c;
	uint64_t free0;

	setup();
	free0 = page_free_count();
	pagecache_init(&c, NULL);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 13 + 1);
	/* Bytes 100 .. 3 pages + 100 cover four pages. */
	CHECK_EQ(pagecache_write(&c, buf, sizeof(buf), 100), (long)sizeof(buf));
	CHECK_EQ(pagecache_size(&c), sizeof(buf) + 100);
	CHECK_EQ(c.pages, 4u);
	CHECK_EQ(pagecache_read(&c, back, sizeof(back), 100), (long)sizeof(back));
	CHECK(!memcmp(back, buf, sizeof(buf)));
	CHECK_EQ(pagecache_read(&c, back, 200, 0), 200);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(back[i], 0);
	CHECK_EQ(pagecache_read(&c, back, 10, sizeof(buf) + 100), 0);
	/* A write far out leaves a hole that takes no page and reads zero. */
	CHECK_EQ(pagecache_write(&c, "x", 1, 100 * PAGE_SIZE), 1);
	CHECK_EQ(c.pages, 5u);
	memset(back, 1, PAGE_SIZE);
	CHECK_EQ(pagecache_read(&c, back, PAGE_SIZE, 50 * PAGE_SIZE), PAGE_SIZE);
	for (int i = 0; i < PAGE_SIZE; i++)
		CHECK_EQ(back[i], 0);
	CHECK_EQ(pagecache_read(&c, back, 2, 100 * PAGE_SIZE), 1);
	CHECK_EQ(back[0], 'x');
	/* Memory-only pages count as Shmem, never as Dirty. */
	CHECK_EQ(stats().shmem, 5u);
	CHECK_EQ(stats().dirty, 0u);
	pagecache_destroy(&c);
	CHECK_EQ(stats().cached, 0u);
	CHECK_EQ(page_free_count(), free0);
}

TEST(truncate_zeroes_the_tail_and_frees_pages)
{
	static unsigned char buf[4 * PAGE_SIZE], back[PAGE_SIZE];
	struct pagecache c;
	uint64_t free0;

	setup();
	free0 = page_free_count();
	pagecache_init(&c, NULL);
	memset(buf, 0xab, sizeof(buf));
	CHECK_EQ(pagecache_write(&c, buf, sizeof(buf), 0), (long)sizeof(buf));
	CHECK_EQ(pagecache_resize(&c, PAGE_SIZE + 10), 0);
	CHECK_EQ(c.pages, 2u);
	/* Growing again shows zeros past the old cut, not the old bytes. */
	CHECK_EQ(pagecache_resize(&c, 3 * PAGE_SIZE), 0);
	CHECK_EQ(c.pages, 2u);
	CHECK_EQ(pagecache_read(&c, back, PAGE_SIZE, PAGE_SIZE), PAGE_SIZE);
	for (int i = 0; i < PAGE_SIZE; i++)
		CHECK_EQ(back[i], i < 10 ? 0xab : 0);
	CHECK_EQ(pagecache_resize(&c, 0), 0);
	CHECK_EQ(c.pages, 0u);
	CHECK(c.root == NULL);
	CHECK_EQ(page_free_count(), free0);
	CHECK_EQ(pagecache_resize(&c, PAGECACHE_MAX_SIZE + 1), -EFBIG);
	pagecache_destroy(&c);
}

TEST(punch_and_allocate)
{
	static unsigned char buf[4 * PAGE_SIZE], back[4 * PAGE_SIZE];
	struct pagecache c;

	setup();
	pagecache_init(&c, NULL);
	memset(buf, 7, sizeof(buf));
	CHECK_EQ(pagecache_write(&c, buf, sizeof(buf), 0), (long)sizeof(buf));
	/* From the middle of page 0 to the middle of page 3: pages 1 and 2
	 * go, the two partial ones are zeroed in place. */
	pagecache_punch(&c, PAGE_SIZE / 2, 3 * PAGE_SIZE);
	CHECK_EQ(c.pages, 2u);
	CHECK_EQ(pagecache_size(&c), sizeof(buf));
	CHECK_EQ(pagecache_read(&c, back, sizeof(back), 0), (long)sizeof(back));
	for (size_t i = 0; i < sizeof(back); i++)
		CHECKF(back[i] == (i < PAGE_SIZE / 2 || i >= 3 * PAGE_SIZE + PAGE_SIZE / 2 ? 7 : 0),
		       "byte %zu", i);
	/* Within one page. */
	pagecache_punch(&c, 10, 20);
	CHECK_EQ(pagecache_read(&c, back, 40, 0), 40);
	CHECK(back[9] == 7 && back[10] == 0 && back[29] == 0 && back[30] == 7);
	/* Allocation fills holes; KEEP_SIZE leaves the size. */
	CHECK_EQ(pagecache_allocate(&c, 0, 8 * PAGE_SIZE, true), 0);
	CHECK_EQ(c.pages, 8u);
	CHECK_EQ(pagecache_size(&c), sizeof(buf));
	CHECK_EQ(pagecache_allocate(&c, 0, 9 * PAGE_SIZE - 1, false), 0);
	CHECK_EQ(pagecache_size(&c), 9 * PAGE_SIZE - 1);
	CHECK_EQ(c.pages, 9u);
	CHECK_EQ(pagecache_read(&c, back, PAGE_SIZE, PAGE_SIZE), PAGE_SIZE);
	for (int i = 0; i < PAGE_SIZE; i++)
		CHECK_EQ(back[i], 0);
	pagecache_destroy(&c);
}

TEST(sparse_index_at_one_tebibyte)
{
	const uint64_t tib = (uint64_t)1 << 40;
	struct pagecache c;
	uint64_t free0, phys;
	char b[4];

	setup();
	free0 = page_free_count();
	pagecache_init(&c, NULL);
	CHECK_EQ(pagecache_write(&c, "end", 3, tib), 3);
	CHECK_EQ(pagecache_size(&c), tib + 3);
	CHECK_EQ(c.pages, 1u);
	/* One page of data and one node a level (2^28 pages: four levels). */
	CHECK_EQ(c.height, 4u);
	CHECK_EQ(free0 - page_free_count(), 1u + 4u);
	CHECK_EQ(pagecache_read(&c, b, 4, tib), 3);
	CHECK(!memcmp(b, "end", 3));
	CHECK_EQ(pagecache_write(&c, "0", 1, 0), 1);
	CHECK_EQ(pagecache_read(&c, b, 1, 0), 1);
	CHECK_EQ(b[0], '0');
	/* A mapping takes a reference; the page outlives the cache's. */
	CHECK_EQ(pagecache_map_page(&c, tib / PAGE_SIZE, &phys), 0);
	CHECK_EQ(page_ref_count(phys), 2u);
	CHECK_EQ(pagecache_map_page(&c, tib / PAGE_SIZE + 1, &phys), -ENXIO);
	CHECK_EQ(pagecache_write(&c, "x", 1, PAGECACHE_MAX_SIZE), -EFBIG);
	pagecache_destroy(&c);
	CHECK(page_ref_put(phys));
	page_free(phys, 1);
	CHECK_EQ(page_free_count(), free0);
}

TEST(backing_reads_missing_pages_and_writes_back_dirty_ones)
{
	unsigned char b[PAGE_SIZE];
	struct pagecache c;

	disk = (struct disk){ 0 };
	setup();
	pagecache_init(&c, &backing);
	CHECK_EQ(pagecache_resize(&c, 10 * PAGE_SIZE + 100), 0);
	/* A read brings the pages in once. */
	CHECK_EQ(pagecache_read(&c, b, 10, 3 * PAGE_SIZE + 5), 10);
	CHECK_EQ(b[0], (unsigned char)(5 + 3));
	CHECK_EQ(pagecache_read(&c, b, 10, 3 * PAGE_SIZE + 20), 10);
	CHECK_EQ(disk.reads, 1u);
	CHECK_EQ(stats().dirty, 0u);
	/* A partial write reads its page first; a whole-page one does not. */
	CHECK_EQ(pagecache_write(&c, "ab", 2, 5 * PAGE_SIZE + 1), 2);
	CHECK_EQ(disk.reads, 2u);
	memset(b, 'w', sizeof(b));
	CHECK_EQ(pagecache_write(&c, b, PAGE_SIZE, 6 * PAGE_SIZE), PAGE_SIZE);
	CHECK_EQ(disk.reads, 2u);
	CHECK_EQ(pagecache_write(&c, "t", 1, 10 * PAGE_SIZE + 50), 1);
	CHECK_EQ(c.dirty, 3u);
	CHECK_EQ(stats().dirty, 3u);
	CHECK_EQ(stats().shmem, 0u);
	/* Writeback of a range writes only its dirty pages. */
	CHECK_EQ(pagecache_writeback(&c, 0, 6 * PAGE_SIZE), 0);
	CHECK_EQ(disk.writes, 1u);
	CHECK(disk.data[5][0] == (unsigned char)5 && disk.data[5][1] == 'a' &&
	      disk.data[5][2] == 'b' && disk.data[5][3] == (unsigned char)(3 + 5));
	CHECK_EQ(c.dirty, 2u);
	/* A failed write keeps the page dirty for the next try. */
	disk.fail = -EIO;
	CHECK_EQ(pagecache_sync_all(), -EIO);
	CHECK_EQ(c.dirty, 1u);
	CHECK_EQ(pagecache_sync_all(), 0);
	CHECK_EQ(c.dirty, 0u);
	CHECK_EQ(disk.writes, 3u);
	/* The last page goes out as far as the file's end only. */
	CHECK_EQ(disk.data[10][50], 't');
	CHECK_EQ(disk.data[10][100], (unsigned char)(100 + 10));
	CHECK_EQ(pagecache_sync_all(), 0);
	CHECK_EQ(disk.writes, 3u);
	pagecache_destroy(&c);
}

TEST(shrink_drops_clean_unreferenced_pages_only)
{
	unsigned char b[16];
	struct pagecache c, mem;
	uint64_t phys, free0;

	disk = (struct disk){ 0 };
	setup();
	free0 = page_free_count();
	pagecache_init(&c, &backing);
	pagecache_init(&mem, NULL);
	CHECK_EQ(pagecache_write(&mem, "m", 1, 0), 1);
	CHECK_EQ(pagecache_resize(&c, 8 * PAGE_SIZE), 0);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(pagecache_read(&c, b, 1, i * PAGE_SIZE), 1);
	CHECK_EQ(pagecache_write(&c, "d", 1, 2 * PAGE_SIZE), 1);	/* dirty */
	CHECK_EQ(pagecache_map_page(&c, 3, &phys), 0);			/* mapped */
	CHECK_EQ(pagecache_shrink(2), 2u);
	CHECK_EQ(c.pages, 6u);
	CHECK_EQ(pagecache_shrink(100), 4u);
	CHECK_EQ(c.pages, 2u);
	CHECK_EQ(mem.pages, 1u);
	/* Dropped pages come back from the disk. */
	CHECK_EQ(pagecache_read(&c, b, 1, 7 * PAGE_SIZE), 1);
	CHECK_EQ(b[0], 7);
	CHECK_EQ(pagecache_read(&c, b, 1, 2 * PAGE_SIZE), 1);
	CHECK_EQ(b[0], 'd');
	CHECK_EQ(pagecache_writeback(&c, 0, 8 * PAGE_SIZE), 0);
	CHECK_EQ(pagecache_shrink(100), 2u);
	CHECK_EQ(c.pages, 1u);
	page_ref_put(phys);
	CHECK_EQ(pagecache_shrink(100), 1u);
	pagecache_destroy(&c);
	pagecache_destroy(&mem);
	CHECK_EQ(page_free_count(), free0);
}

TEST(adopted_pages_are_the_files)
{
	struct pagecache c;
	uint64_t page, phys;
	char b[8];

	setup();
	pagecache_init(&c, NULL);
	page = page_alloc(1);
	CHECK(page);
	memcpy(phys_to_virt(page), "in place", 8);
	CHECK_EQ(pagecache_adopt(&c, 2, page, 1), 0);
	CHECK_EQ(pagecache_resize(&c, 2 * PAGE_SIZE + 8), 0);
	CHECK_EQ(pagecache_read(&c, b, 8, 2 * PAGE_SIZE), 8);
	CHECK(!memcmp(b, "in place", 8));
	CHECK_EQ(pagecache_map_page(&c, 2, &phys), 0);
	CHECK_EQ(phys, page);
	CHECK(!page_ref_put(phys));
	pagecache_destroy(&c);
}

int main(void)
{
	return check_run();
}
