/*
 * The page cache (fs/pagecache.c): a file's data as physical pages found
 * by page number through a sparse radix tree (a 1 TiB sparse file costs
 * its few pages; no file needs contiguous memory), shared by read(2),
 * write(2) and mmap. A file of a disk filesystem has a backing store: a
 * missing page is read from it, and dirty pages are written back to it
 * (fsync and msync through pagecache_writeback, sync(2) through
 * pagecache_sync_all, and a flusher thread for pages dirty longer than
 * PAGECACHE_FLUSH_AGE_NS). Pages of a file without one (ramfs, tmpfs,
 * memfd) are the only copy of the data: they are never dropped.
 *
 * Locks: each cache has a mutex over its tree, size, flags and counts;
 * every call below takes it itself, and backing-store I/O runs under it
 * (one file's pages are read and written one at a time). The list of
 * backed caches has its own mutex, taken before a cache's (sync, the
 * flusher, shrink). Callers may hold the VFS lock or an mm's lock around
 * these calls, never a cache's. pagecache_shrink takes caches' mutexes:
 * call it with none held.
 *
 * Pages and references: a page in a cache holds one reference (its
 * allocation, <flint/page_ref.h>); pagecache_map_page gives the caller
 * one more, which it drops with page_ref_put (and frees the page when
 * that was the last: the cache had let it go meanwhile). A page leaves a
 * cache (truncate, punch, shrink, destroy) by dropping the cache's
 * reference; shrink only takes pages that nothing else references.
 */
#ifndef FLINT_PAGECACHE_H
#define FLINT_PAGECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <flint/sync.h>

/* The flusher writes back a backed file whose first dirty page is older
 * than this, looking every PAGECACHE_FLUSH_PERIOD_NS. */
#define PAGECACHE_FLUSH_AGE_NS 5000000000ull
#define PAGECACHE_FLUSH_PERIOD_NS 1000000000ull

/* A disk filesystem's file: how its pages reach the disk. Both return 0
 * or a negative errno; they may sleep. read_page fills the whole page
 * (zeros past the file's end or in a hole); write_page gets len bytes,
 * fewer than a page for the file's last page. */
struct pagecache_backing {
	int (*read_page)(void *arg, uint64_t index, void *page);
	int (*write_page)(void *arg, uint64_t index, const void *page, size_t len);
	void *arg;
};

/* One file's pages. The fields are the cache's own: use the calls. */
struct pagecache {
	struct mutex lock;
	uint64_t *root;			/* a node of PAGECACHE_FANOUT slots, or NULL */
	unsigned height;		/* levels below root; 0: empty */
	uint64_t size;			/* the file's bytes */
	uint64_t pages, dirty;		/* pages held, pages dirty */
	uint64_t dirty_since;		/* clock_ns() when the first dirty page was */
	const struct pagecache_backing *backing;	/* NULL: memory only */
	struct pagecache *next, *prev;	/* the list of backed caches */
};

/* An empty cache of size 0 (backing NULL: memory only). A backed cache
 * joins the list that sync, the flusher and shrink walk, and the first
 * one starts the flusher thread. The backing must outlive the cache. */
void pagecache_init(struct pagecache *c, const struct pagecache_backing *backing);
/* Lets every page go (a mapped one lives on until its last mapping goes)
 * and leaves the list. Dirty pages are not written: write them back
 * first if they matter. */
void pagecache_destroy(struct pagecache *c);

uint64_t pagecache_size(struct pagecache *c);
/* Up to n bytes at off, clipped at the file's size; holes read as zeros.
 * The count, or a negative errno (the backing store's, -ENOMEM). */
long pagecache_read(struct pagecache *c, void *buf, size_t n, uint64_t off);
/* n bytes at off, the size growing to cover them: n, or a negative errno
 * with nothing past what was written changed (-ENOMEM, -EFBIG past
 * PAGECACHE_MAX_SIZE). The pages become dirty. */
#define PAGECACHE_MAX_SIZE ((uint64_t)1 << 44)
long pagecache_write(struct pagecache *c, const void *buf, size_t n, uint64_t off);
/* ftruncate: pages wholly past size go, the last page's bytes past size
 * become zero; growing allocates nothing (a hole). 0 or -EFBIG. */
int pagecache_resize(struct pagecache *c, uint64_t size);
/* fallocate's PUNCH_HOLE and ZERO_RANGE: [off, off + len) reads as
 * zeros, whole pages in it go (partial ones are zeroed). The size stays. */
void pagecache_punch(struct pagecache *c, uint64_t off, uint64_t len);
/* fallocate mode 0: pages for [off, off + len) now, zeroed where they
 * were holes; keep_size: the size does not grow. 0, -ENOMEM (pages
 * allocated so far stay) or -EFBIG. */
int pagecache_allocate(struct pagecache *c, uint64_t off, uint64_t len, bool keep_size);

/* The cache page at index for a mapping, made (from the backing store, or
 * zeroed) when missing, with a reference for the caller. 0 with *phys,
 * -ENXIO when the page lies wholly past the file's size (SIGBUS), or
 * -ENOMEM, or the backing store's error. */
int pagecache_map_page(struct pagecache *c, uint64_t index, uint64_t *phys);
/* The page at index (if present) was written through a mapping. */
void pagecache_set_dirty(struct pagecache *c, uint64_t index);
/* Whether the page at index is phys (an mm telling the cache's page from
 * its private copy, for its usage figures). */
bool pagecache_holds(struct pagecache *c, uint64_t index, uint64_t phys);
/* Makes the npages pages from phys on (pages nothing else owns) the
 * file's pages from index on without copying (the initrd's pages); the
 * size is not changed. 0, or -ENOMEM: the pages before the one that
 * failed are the cache's, the rest stay the caller's. */
int pagecache_adopt(struct pagecache *c, uint64_t index, uint64_t phys, uint64_t npages);

/* Writes the dirty pages of [from, to) (bytes) to the backing store and
 * marks them clean: 0 or the first error (those pages stay dirty). A
 * cache without a backing store has nothing to write: 0. */
int pagecache_writeback(struct pagecache *c, uint64_t from, uint64_t to);
/* sync(2): every backed cache's dirty pages written: 0 or the first
 * error. The caller flushes the disks afterwards. */
int pagecache_sync_all(void);
/* fn runs in the flusher after each of its passes, without locks: the
 * filesystems' own write-back of what is not file data (fs/mount.c). */
void pagecache_set_tick(void (*fn)(void));
/* Memory pressure: up to npages clean, unreferenced pages of backed
 * files go back to the page allocator; the count freed. Hooked where a
 * user page fault runs out of memory (linux/mm.c); call it with no cache
 * lock held. */
uint64_t pagecache_shrink(uint64_t npages);

/* Pages in all caches, dirty ones, and those of memory-only files (the
 * Cached, Dirty and Shmem lines of /proc/meminfo). */
struct pagecache_stats {
	uint64_t cached, dirty, shmem;
};
void pagecache_stats(struct pagecache_stats *st);

#endif
