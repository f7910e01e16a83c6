/*
 * A process's memory: a sorted array of areas over a struct uspace, and the
 * Linux calls that reshape it. Behaviour follows Linux's mm/mmap.c,
 * mm/mprotect.c, mm/mremap.c and mm/madvise.c (argument checks, error
 * numbers, top-down placement below MM_MMAP_TOP, brk's guard page).
 *
 * Invariants, under mm->lock: areas are sorted, disjoint, page-aligned and
 * merged with equal neighbours after every call; a page is mapped only
 * inside an area, with that area's protection, except that a private page
 * with other owners (after fork: <flint/page_ref.h> counts them) is never
 * writable, so that the first write copies it; every mapped page holds
 * one reference and counts in mm->pages. A file area holds a hold on its
 * node (vfs_node_hold) and maps its file's cache pages (<flint/pagecache.h>):
 * shared, the cache page itself; private, the cache page read-only until
 * a write copies it, as fork's pages. Pages are never touched through
 * user addresses, only through the direct map, so no call can fault on its
 * own lock. A page that leaves the page tables loses its reference only
 * after the TLBs are flushed: until then another CPU may still reach it,
 * and another owner could free it.
 */
#include <flint/compiler.h>
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/page_ref.h>
#include <flint/pagecache.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/uspace.h>
#include <flint/vfs.h>

#include "mm.h"

/* Linux's default vm.mmap_min_addr: nothing is mapped below it. */
#define MMAP_MIN_ADDR 0x10000ull

/* include/uapi/asm-generic/mman-common.h: accepted by mprotect, no effect. */
#define LINUX_PROT_SEM 0x8
/* include/uapi/asm-generic/mman-common.h: a flag MAP_SHARED_VALIDATE
 * accepts though linux/mm.h has no use for it. */
#define LINUX_MAP_UNINITIALIZED 0x4000000

#define PROT_RWX (LINUX_PROT_READ | LINUX_PROT_WRITE | LINUX_PROT_EXEC)

/* The flags MAP_SHARED_VALIDATE knows (include/linux/mman.h,
 * LEGACY_MAP_MASK); any other bit gives -EOPNOTSUPP. */
#define MAP_KNOWN (LINUX_MAP_TYPE | LINUX_MAP_FIXED | LINUX_MAP_ANONYMOUS | \
	LINUX_MAP_GROWSDOWN | LINUX_MAP_DENYWRITE | LINUX_MAP_EXECUTABLE | LINUX_MAP_LOCKED | \
	LINUX_MAP_NORESERVE | LINUX_MAP_POPULATE | LINUX_MAP_NONBLOCK | LINUX_MAP_STACK | \
	LINUX_MAP_HUGETLB | LINUX_MAP_FIXED_NOREPLACE | LINUX_MAP_UNINITIALIZED)

/* Area prots go to uspace_map unchanged. */
_Static_assert(LINUX_PROT_READ == UPROT_R && LINUX_PROT_WRITE == UPROT_W &&
	       LINUX_PROT_EXEC == UPROT_X, "LINUX_PROT_* and UPROT_* differ");

/* Area kinds. */
#define AREA_FILE 1u		/* over a file's cache pages (private: copied on write) */
#define AREA_SHARED 2u		/* MAP_SHARED: fork shares its pages, writable */

/* The most areas one call adds before merging: mremap with MREMAP_FIXED
 * splits around the destination, the old tail and the old range. Each
 * call reserves that much room first, so that nothing fails half-way. */
#define AREAS_PER_CALL 4
#define AREAS_MIN 16

/* Pages unmapped but still referenced: the TLB flush that lets them go
 * comes after this many, or at the end of the call. */
#define FREE_BATCH 256

struct area {
	uint64_t start, end;
	unsigned prot;		/* LINUX_PROT_* */
	unsigned kind;		/* AREA_* */
	struct vnode *node;	/* AREA_FILE: the file, held */
	uint64_t pgoff;		/* AREA_FILE: the file's page at start */
};

struct mm {
	unsigned refs;		/* atomic */
	struct mutex lock;
	struct uspace *us;
	struct area *areas;
	unsigned count, cap;
	uint64_t brk_start, brk;
	uint64_t pages;
	uint64_t cow_copies;
	bool stale;		/* translations were removed or reduced: flush */
	unsigned nfreed;
	uint64_t freed[FREE_BATCH];
};

static bool page_aligned(uint64_t x)
{
	return !(x & (PAGE_SIZE - 1));
}

static uint64_t page_down(uint64_t x)
{
	return x & ~(uint64_t)(PAGE_SIZE - 1);
}

/* 0 when x rounds past the top of the address space. */
static uint64_t page_up(uint64_t x)
{
	return page_down(x + PAGE_SIZE - 1);
}

/* Flushes stale translations and only then drops the references of the
 * pages behind them, freeing those that had no other owner. */
static void flush(struct mm *mm)
{
	if (!mm->stale)
		return;
	uspace_flush(mm->us);
	for (unsigned i = 0; i < mm->nfreed; i++)
		if (page_ref_put(mm->freed[i]))
			page_free(mm->freed[i], 1);
	mm->nfreed = 0;
	mm->stale = false;
}

static void lock(struct mm *mm)
{
	mutex_lock(&mm->lock);
}

static void unlock(struct mm *mm)
{
	flush(mm);
	mutex_unlock(&mm->lock);
}

/* Drops the reference of a page this mm no longer maps, after the flush. */
static void put_later(struct mm *mm, uint64_t phys)
{
	if (mm->nfreed == FREE_BATCH)
		flush(mm);
	mm->freed[mm->nfreed++] = phys;
	mm->stale = true;
}

static void release_page(struct mm *mm, uint64_t phys)
{
	put_later(mm, phys);
	mm->pages--;
}

static uint64_t file_index(const struct area *a, uint64_t va)
{
	return a->pgoff + (va - a->start) / PAGE_SIZE;
}

static bool shared_file(const struct area *a)
{
	return (a->kind & (AREA_FILE | AREA_SHARED)) == (AREA_FILE | AREA_SHARED);
}

/* Unmaps a's pages in [start, end); they are freed after the flush. A
 * shared file page mapped writable may have been written: dirty. */
static void drop_pages(struct mm *mm, const struct area *a, uint64_t start, uint64_t end)
{
	for (uint64_t va = start; (va = uspace_next_mapped(mm->us, va, end)) < end;
	     va += PAGE_SIZE) {
		unsigned prot = 0;
		uint64_t phys = uspace_lookup(mm->us, va, &prot);

		if (phys && shared_file(a) && (prot & UPROT_W))
			pagecache_set_dirty(&a->node->cache, file_index(a, va));
		if (uspace_unmap(mm->us, va))
			release_page(mm, phys);
	}
}

/* An area copy that refers to the node too (a split, fork). */
static void hold_area(const struct area *a)
{
	if (a->node)
		vfs_node_hold(a->node);
}

static void release_area(const struct area *a)
{
	if (a->node)
		vfs_node_release(a->node);
}

/* A zeroed page mapped at va, its first n bytes from src: its physical
 * address, or 0 when memory or page tables ran out. */
static uint64_t add_page(struct mm *mm, uint64_t va, unsigned prot, const void *src, size_t n)
{
	uint64_t phys = page_alloc(1);
	uint8_t *p;

	if (!phys)
		return 0;
	p = phys_to_virt(phys);
	if (n)
		memcpy(p, src, n);
	memset(p + n, 0, PAGE_SIZE - n);
	if (uspace_map(mm->us, va, phys, prot)) {
		page_free(phys, 1);
		return 0;
	}
	mm->pages++;
	return phys;
}

/* The index of the first area that ends above addr: the one holding it,
 * or the next one. */
static unsigned area_index(const struct mm *mm, uint64_t addr)
{
	unsigned lo = 0, hi = mm->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (mm->areas[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static struct area *find_area(struct mm *mm, uint64_t addr)
{
	unsigned i = area_index(mm, addr);

	return i < mm->count && mm->areas[i].start <= addr ? &mm->areas[i] : NULL;
}

static bool range_free(const struct mm *mm, uint64_t start, uint64_t end)
{
	unsigned i = area_index(mm, start);

	return i == mm->count || mm->areas[i].start >= end;
}

/* Whether areas cover [start, end) with no hole. */
static bool range_covered(const struct mm *mm, uint64_t start, uint64_t end)
{
	for (unsigned i = area_index(mm, start); start < end; i++) {
		if (i == mm->count || mm->areas[i].start > start)
			return false;
		start = mm->areas[i].end;
	}
	return true;
}

/* Room for extra more areas than there are. */
static int reserve(struct mm *mm, unsigned extra)
{
	unsigned cap = mm->cap ? mm->cap : AREAS_MIN;
	struct area *bigger;

	while (cap < mm->count + extra)
		cap *= 2;
	if (cap == mm->cap)
		return 0;
	bigger = kmalloc(cap * sizeof(*bigger));
	if (!bigger)
		return -ENOMEM;
	if (mm->count)
		memcpy(bigger, mm->areas, mm->count * sizeof(*bigger));
	kfree(mm->areas);
	mm->areas = bigger;
	mm->cap = cap;
	return 0;
}

static void insert_at(struct mm *mm, unsigned i, struct area a)
{
	memmove(&mm->areas[i + 1], &mm->areas[i], (mm->count - i) * sizeof(a));
	mm->areas[i] = a;
	mm->count++;
}

/* Removes areas [i, j) (their holds pass to the caller). */
static void remove_areas(struct mm *mm, unsigned i, unsigned j)
{
	memmove(&mm->areas[i], &mm->areas[j], (mm->count - j) * sizeof(*mm->areas));
	mm->count -= j - i;
}

/* Makes addr an area boundary if an area straddles it. */
static void split_at(struct mm *mm, uint64_t addr)
{
	unsigned i = area_index(mm, addr);
	struct area right;

	if (i == mm->count || mm->areas[i].start >= addr)
		return;
	right = mm->areas[i];
	right.start = addr;
	if (right.node)
		right.pgoff = file_index(&mm->areas[i], addr);
	mm->areas[i].end = addr;
	hold_area(&right);
	insert_at(mm, i + 1, right);
}

static void merge_areas(struct mm *mm)
{
	unsigned out = 0;

	for (unsigned i = 0; i < mm->count; i++) {
		struct area *prev = out ? &mm->areas[out - 1] : NULL, *a = &mm->areas[i];

		if (prev && prev->end == a->start && prev->prot == a->prot && prev->kind == a->kind &&
		    prev->node == a->node && (!a->node || file_index(prev, a->start) == a->pgoff)) {
			prev->end = a->end;
			release_area(a);
		} else {
			mm->areas[out++] = *a;
		}
	}
	mm->count = out;
}

/* Removes [start, end) from the areas and unmaps its pages. */
static void unmap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	unsigned i, j;

	split_at(mm, start);
	split_at(mm, end);
	i = area_index(mm, start);
	for (j = i; j < mm->count && mm->areas[j].start < end; j++) {
		drop_pages(mm, &mm->areas[j], mm->areas[j].start, mm->areas[j].end);
		release_area(&mm->areas[j]);
	}
	remove_areas(mm, i, j);
}

/* The highest free len bytes below MM_MMAP_TOP (Linux's top-down layout);
 * 0 when there are none. */
static uint64_t find_gap(const struct mm *mm, uint64_t len)
{
	uint64_t top = MM_MMAP_TOP;

	for (unsigned i = mm->count;; i--) {
		uint64_t floor = MAX(i ? mm->areas[i - 1].end : 0, MMAP_MIN_ADDR);

		if (top > floor && top - floor >= len)
			return top - len;
		if (!i)
			return 0;
		top = MIN(top, mm->areas[i - 1].start);
	}
}

/* The area kind for mmap's flags, or Linux's error for them (mm/mmap.c,
 * do_mmap: anonymous memory knows no MAP_SHARED_VALIDATE). */
static int map_kind(int flags, unsigned *kind)
{
	bool anon = flags & LINUX_MAP_ANONYMOUS;

	switch (flags & LINUX_MAP_TYPE) {
	case LINUX_MAP_PRIVATE:
		*kind = anon ? 0 : AREA_FILE;
		return 0;
	case LINUX_MAP_SHARED:
		*kind = anon ? AREA_SHARED : AREA_SHARED | AREA_FILE;
		return 0;
	case LINUX_MAP_SHARED_VALIDATE:
		if (anon)
			return -EINVAL;
		*kind = AREA_SHARED | AREA_FILE;
		return (unsigned)flags & ~MAP_KNOWN ? -EOPNOTSUPP : 0;
	default:
		return -EINVAL;
	}
}

/* Where a mapping of len bytes goes: addr or a negative errno. */
static long place(const struct mm *mm, uint64_t addr, uint64_t len, int flags)
{
	if (flags & LINUX_MAP_FIXED) {
		if ((flags & LINUX_MAP_FIXED_NOREPLACE) && !range_free(mm, addr, addr + len))
			return -EEXIST;
		return (long)addr;
	}
	addr = page_up(addr);
	if (addr >= MMAP_MIN_ADDR && addr <= USER_TOP - len && range_free(mm, addr, addr + len))
		return (long)addr;
	addr = find_gap(mm, len);
	return addr ? (long)addr : -ENOMEM;
}

static int new_page(struct mm *mm, const struct area *a, uint64_t va, bool write,
		    uint64_t *phys);

/* Puts a in place of whatever was there (its node's hold passes to the
 * mm), its pages made now when populate says so. */
static int install(struct mm *mm, struct area a, bool populate)
{
	uint64_t phys;

	if (reserve(mm, AREAS_PER_CALL)) {
		release_area(&a);
		return -ENOMEM;
	}
	unmap_range(mm, a.start, a.end);
	insert_at(mm, area_index(mm, a.start), a);
	for (uint64_t va = a.start; populate && va < a.end; va += PAGE_SIZE) {
		int r = new_page(mm, &a, va, false, &phys);

		/* MAP_POPULATE of a file stops quietly at its end. */
		if (r == -ENXIO)
			break;
		if (r) {
			unmap_range(mm, a.start, a.end);
			return -ENOMEM;
		}
	}
	merge_areas(mm);
	return 0;
}

long mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, int prot, int flags,
	     struct vnode *node, uint64_t off)
{
	struct area a = { .prot = (unsigned)prot & PROT_RWX };
	long ret;

	if (!page_aligned(off) || !len)
		return -EINVAL;
	if (flags & LINUX_MAP_FIXED_NOREPLACE)
		flags |= LINUX_MAP_FIXED;
	len = page_up(len);
	if (!len || len > USER_TOP)
		return -ENOMEM;
	if (off + len < off)
		return -EOVERFLOW;
	if (flags & LINUX_MAP_FIXED) {
		if (addr > USER_TOP - len)
			return -ENOMEM;
		if (!page_aligned(addr))
			return -EINVAL;
		if (addr < MMAP_MIN_ADDR)
			return -EPERM;
	}
	ret = map_kind(flags, &a.kind);
	if (ret)
		return ret;
	if (a.kind & AREA_FILE) {
		a.node = node;
		a.pgoff = off / PAGE_SIZE;
		vfs_node_hold(node);
	}
	lock(mm);
	ret = place(mm, addr, len, flags);
	if (ret >= 0) {
		a.start = (uint64_t)ret;
		a.end = a.start + len;
		/* PROT_NONE memory could not be touched: nothing to populate. */
		if (install(mm, a, (flags & LINUX_MAP_POPULATE) && a.prot))
			ret = -ENOMEM;
	} else {
		release_area(&a);
	}
	unlock(mm);
	return ret;
}

long mm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	long ret = 0;

	len = page_up(len);
	if (!page_aligned(addr) || !len || len > USER_TOP || addr > USER_TOP - len)
		return -EINVAL;
	lock(mm);
	if (reserve(mm, AREAS_PER_CALL))
		ret = -ENOMEM;
	else
		unmap_range(mm, addr, addr + len);
	unlock(mm);
	return ret;
}

/* The protection of a's page at phys: a private page that others share
 * stays read-only, so that a write faults and copies it. */
static unsigned page_prot(const struct area *a, uint64_t phys)
{
	if (!(a->kind & AREA_SHARED) && page_ref_count(phys) > 1)
		return a->prot & ~UPROT_W;
	return a->prot;
}

static void protect_range(struct mm *mm, uint64_t start, uint64_t end, unsigned prot)
{
	split_at(mm, start);
	split_at(mm, end);
	for (unsigned i = area_index(mm, start); i < mm->count && mm->areas[i].start < end; i++) {
		const struct area *a = &mm->areas[i];

		if (a->prot & ~prot)
			mm->stale = true;
		mm->areas[i].prot = prot;
		for (uint64_t va = a->start; (va = uspace_next_mapped(mm->us, va, a->end)) < a->end;
		     va += PAGE_SIZE) {
			uint64_t phys = uspace_lookup(mm->us, va, NULL);

			if (phys)
				uspace_protect(mm->us, va, page_prot(a, phys));
		}
	}
	merge_areas(mm);
}

long mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, int prot)
{
	uint64_t end = addr + page_up(len);
	long ret = 0;

	if ((unsigned)prot & ~(PROT_RWX | LINUX_PROT_SEM) || !page_aligned(addr))
		return -EINVAL;
	if (!len)
		return 0;
	if (end <= addr)
		return -ENOMEM;
	lock(mm);
	/* Linux changes the part before a hole, then fails; this changes
	 * nothing. */
	if (!range_covered(mm, addr, end) || reserve(mm, AREAS_PER_CALL))
		ret = -ENOMEM;
	else
		protect_range(mm, addr, end, (unsigned)prot & PROT_RWX);
	unlock(mm);
	return ret;
}

/* Maps the pages of [from, from + len) at [to, to + len) instead; on
 * running out of page tables, nothing changes. */
static int move_pages(struct mm *mm, uint64_t from, uint64_t to, uint64_t len)
{
	uint64_t off;
	unsigned prot;

	for (off = 0; off < len; off += PAGE_SIZE) {
		uint64_t phys = uspace_lookup(mm->us, from + off, &prot);

		if (phys && uspace_map(mm->us, to + off, phys, prot)) {
			while (off) {
				off -= PAGE_SIZE;
				if (uspace_unmap(mm->us, to + off))
					mm->stale = true;
			}
			return -ENOMEM;
		}
	}
	for (off = 0; off < len; off += PAGE_SIZE)
		if (uspace_unmap(mm->us, from + off))
			mm->stale = true;
	return 0;
}

/* Moves [old, old + oldlen), inside one area, to dest, where newlen bytes
 * are free; the pages go along, the rest is demand-zero. */
static long move_area(struct mm *mm, uint64_t old, uint64_t oldlen, uint64_t newlen,
		      uint64_t dest)
{
	struct area piece;
	unsigned i;

	if (move_pages(mm, old, dest, oldlen))
		return -ENOMEM;
	split_at(mm, old);
	split_at(mm, old + oldlen);
	i = area_index(mm, old);
	piece = mm->areas[i];
	remove_areas(mm, i, i + 1);
	piece.start = dest;
	piece.end = dest + newlen;
	insert_at(mm, area_index(mm, dest), piece);
	return (long)dest;
}

static long remap(struct mm *mm, uint64_t old, uint64_t oldlen, uint64_t newlen, int flags,
		  uint64_t newaddr)
{
	struct area *a = find_area(mm, old);
	uint64_t dest;

	if (!a || oldlen > a->end - old)
		return -EFAULT;
	/* Linux duplicates shared mappings this way, and refuses private
	 * ones. */
	if (!oldlen)
		return -EINVAL;
	if (flags & LINUX_MREMAP_FIXED) {
		if (newaddr < old + oldlen && old < newaddr + newlen)
			return -EINVAL;
		unmap_range(mm, newaddr, newaddr + newlen);
		if (oldlen > newlen) {
			unmap_range(mm, old + newlen, old + oldlen);
			oldlen = newlen;
		}
		return move_area(mm, old, oldlen, newlen, newaddr);
	}
	if (newlen <= oldlen) {
		unmap_range(mm, old + newlen, old + oldlen);
		return (long)old;
	}
	if (old + oldlen == a->end && newlen <= USER_TOP - old &&
	    range_free(mm, a->end, old + newlen)) {
		a->end = old + newlen;
		return (long)old;
	}
	if (!(flags & LINUX_MREMAP_MAYMOVE))
		return -ENOMEM;
	dest = find_gap(mm, newlen);
	return dest ? move_area(mm, old, oldlen, newlen, dest) : -ENOMEM;
}

long mm_mremap(struct mm *mm, uint64_t old, uint64_t oldlen, uint64_t newlen, int flags,
	       uint64_t newaddr)
{
	long ret;

	if ((unsigned)flags & ~(LINUX_MREMAP_MAYMOVE | LINUX_MREMAP_FIXED) ||
	    ((flags & LINUX_MREMAP_FIXED) && !(flags & LINUX_MREMAP_MAYMOVE)) ||
	    !page_aligned(old))
		return -EINVAL;
	oldlen = page_up(oldlen);
	newlen = page_up(newlen);
	if (!newlen)
		return -EINVAL;
	if ((flags & LINUX_MREMAP_FIXED) &&
	    (!page_aligned(newaddr) || newlen > USER_TOP || newaddr > USER_TOP - newlen))
		return -EINVAL;
	lock(mm);
	ret = reserve(mm, AREAS_PER_CALL) ? -ENOMEM : remap(mm, old, oldlen, newlen, flags, newaddr);
	merge_areas(mm);
	unlock(mm);
	return ret;
}

/* MADV_DONTNEED: private anonymous pages go (they read back as zero),
 * and private copies of file pages (the file's page comes back); file
 * pages are unmapped, to fault back in. Shared anonymous memory lives
 * only in its mappings: it stays. */
static void discard(struct mm *mm, uint64_t start, uint64_t end)
{
	for (unsigned i = area_index(mm, start); i < mm->count && mm->areas[i].start < end; i++) {
		const struct area *a = &mm->areas[i];

		if (a->kind != AREA_SHARED)
			drop_pages(mm, a, MAX(a->start, start), MIN(a->end, end));
	}
}

long mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	uint64_t end = addr + page_up(len);
	long ret = 0;

	if (!page_aligned(addr) || end < addr || (len && end == addr))
		return -EINVAL;
	if (end == addr)
		return 0;
	lock(mm);
	/* MADV_FREE may free at once: the pages then read back zero, which
	 * it allows. Other advice changes nothing here. */
	if (advice == LINUX_MADV_DONTNEED || advice == LINUX_MADV_FREE)
		discard(mm, addr, end);
	if (!range_covered(mm, addr, end))
		ret = -ENOMEM;
	unlock(mm);
	return ret;
}

/* A shared file area's pages in [start, end) that are mapped writable
 * may have been written since they were last written back: dirty. */
static void mark_written(struct mm *mm, const struct area *a, uint64_t start, uint64_t end)
{
	for (uint64_t va = start; (va = uspace_next_mapped(mm->us, va, end)) < end;
	     va += PAGE_SIZE) {
		unsigned prot = 0;

		if (uspace_lookup(mm->us, va, &prot) && (prot & UPROT_W))
			pagecache_set_dirty(&a->node->cache, file_index(a, va));
	}
}

long mm_msync(struct mm *mm, uint64_t addr, uint64_t len, int flags)
{
	uint64_t end = addr + page_up(len), at = addr;
	long ret = 0;
	int err = 0;

	if ((unsigned)flags & ~(LINUX_MS_ASYNC | LINUX_MS_INVALIDATE | LINUX_MS_SYNC) ||
	    !page_aligned(addr) || ((flags & LINUX_MS_ASYNC) && (flags & LINUX_MS_SYNC)))
		return -EINVAL;
	if (end < addr)
		return -ENOMEM;
	if (end == addr)
		return 0;
	lock(mm);
	for (unsigned i = area_index(mm, addr); i < mm->count && mm->areas[i].start < end; i++) {
		const struct area *a = &mm->areas[i];
		uint64_t from = MAX(a->start, addr), to = MIN(a->end, end);

		if (a->start > at)
			ret = -ENOMEM;
		at = a->end;
		if (!shared_file(a))
			continue;
		mark_written(mm, a, from, to);
		/* MS_ASYNC: the flusher writes them soon, as on Linux. */
		if ((flags & LINUX_MS_SYNC) && !err)
			err = vfs_node_sync(a->node, file_index(a, from) * PAGE_SIZE,
					    file_index(a, to) * PAGE_SIZE);
	}
	if (at < end)
		ret = -ENOMEM;
	unlock(mm);
	return err ? err : ret;
}

/* Moves the heap's end to newbrk's page; growing needs free space and,
 * as Linux keeps, a free page above it. */
static int move_break(struct mm *mm, uint64_t newbrk)
{
	uint64_t from = page_up(mm->brk), to = page_up(newbrk);
	struct area heap = { .start = from, .end = to, .prot = LINUX_PROT_READ | LINUX_PROT_WRITE };

	if (to <= from) {
		unmap_range(mm, to, from);
		return 0;
	}
	if (!range_free(mm, from, to + PAGE_SIZE))
		return -ENOMEM;
	insert_at(mm, area_index(mm, from), heap);
	merge_areas(mm);
	return 0;
}

uint64_t mm_brk(struct mm *mm, uint64_t newbrk)
{
	uint64_t ret;

	lock(mm);
	if (mm->brk_start && newbrk >= mm->brk_start && newbrk <= USER_TOP - PAGE_SIZE &&
	    !reserve(mm, AREAS_PER_CALL) && !move_break(mm, newbrk))
		mm->brk = newbrk;
	ret = mm->brk;
	unlock(mm);
	return ret;
}

void mm_set_brk(struct mm *mm, uint64_t start)
{
	lock(mm);
	mm->brk_start = mm->brk = page_up(start);
	unlock(mm);
}

/* Reads need any access (x86 reads what it may write or execute). */
static bool allows(unsigned prot, bool write, bool exec)
{
	return prot && (!write || (prot & LINUX_PROT_WRITE)) && (!exec || (prot & LINUX_PROT_EXEC));
}

/* A page for a's va, where none is mapped: zeroed for anonymous memory;
 * the file's cache page for a file area (read-only until written, so
 * that a write marks it dirty, or is copied: private), or a private copy
 * of it at once for a write. 0 with *phys, -ENXIO past the file's end,
 * -ENOMEM. */
static int new_page(struct mm *mm, const struct area *a, uint64_t va, bool write,
		    uint64_t *phys)
{
	uint64_t page;
	unsigned prot = a->prot;
	int r;

	if (!a->node) {
		*phys = add_page(mm, va, prot, NULL, 0);
		return *phys ? 0 : -ENOMEM;
	}
	r = pagecache_map_page(&a->node->cache, file_index(a, va), &page);
	if (r)
		return r;
	if (write && !(a->kind & AREA_SHARED)) {
		*phys = add_page(mm, va, prot, phys_to_virt(page), PAGE_SIZE);
		if (page_ref_put(page))
			page_free(page, 1);
		if (*phys)
			mm->cow_copies++;
		return *phys ? 0 : -ENOMEM;
	}
	if (write)
		pagecache_set_dirty(&a->node->cache, file_index(a, va));
	else
		prot &= ~UPROT_W;
	if (uspace_map(mm->us, va, page, prot)) {
		if (page_ref_put(page))
			page_free(page, 1);
		return -ENOMEM;
	}
	mm->pages++;
	*phys = page;
	return 0;
}

/* Gives a's page at va, mapped at phys without write access, its area's
 * protection back: as it is when no one else maps it (a shared file's
 * page is now dirty), else as a private copy. The page now at va, or 0
 * when memory ran out. */
static uint64_t unshare(struct mm *mm, const struct area *a, uint64_t va, uint64_t phys)
{
	uint64_t copy;

	if ((a->kind & AREA_SHARED) || page_ref_count(phys) == 1) {
		if (shared_file(a))
			pagecache_set_dirty(&a->node->cache, file_index(a, va));
		uspace_protect(mm->us, va, a->prot);
		return phys;
	}
	copy = page_alloc(1);
	if (!copy)
		return 0;
	memcpy(phys_to_virt(copy), phys_to_virt(phys), PAGE_SIZE);
	if (uspace_map(mm->us, va, copy, a->prot)) {
		page_free(copy, 1);
		return 0;
	}
	/* Other CPUs may still read the old page until the flush. */
	put_later(mm, phys);
	mm->cow_copies++;
	return copy;
}

/* The page at va, inside an area, allocated or unshared as a write to it
 * needs: only a writable translation guarantees this mm owns it alone.
 * 0 when memory ran out or va is past its file's end. */
static uint64_t page_to_write(struct mm *mm, const struct area *a, uint64_t va)
{
	unsigned prot;
	uint64_t phys = uspace_lookup(mm->us, va, &prot);

	if (!phys)
		return new_page(mm, a, va, true, &phys) ? 0 : phys;
	return prot & UPROT_W ? phys : unshare(mm, a, va, phys);
}

/* One try: 0, -EFAULT (no area, or the wrong protection), -ENXIO (past a
 * file's end) or -ENOMEM. */
static int fault(struct mm *mm, uint64_t va, bool write, bool exec)
{
	const struct area *a = find_area(mm, va);
	uint64_t phys;

	if (!a || !allows(a->prot, write, exec))
		return -EFAULT;
	/* Another thread may have resolved the fault first. */
	if (write)
		return page_to_write(mm, a, va) ? 0 : -ENOMEM;
	if (uspace_lookup(mm->us, va, NULL))
		return 0;
	return new_page(mm, a, va, false, &phys);
}

/* Out of memory: clean pages of disk files go (with no mm lock held, as
 * pagecache_shrink needs), and the fault is tried once more. */
#define SHRINK_PAGES 256

bool mm_fault(struct mm *mm, uint64_t addr, bool write, bool exec)
{
	uint64_t va = page_down(addr);
	int r;

	lock(mm);
	r = fault(mm, va, write, exec);
	unlock(mm);
	if (r == -ENOMEM && pagecache_shrink(SHRINK_PAGES)) {
		lock(mm);
		r = fault(mm, va, write, exec);
		unlock(mm);
	}
	return r == 0;
}

int mm_write(struct mm *mm, uint64_t addr, const void *src, size_t n)
{
	const uint8_t *from = src;
	int ret = 0;

	if (addr + n < addr)
		return -EFAULT;
	lock(mm);
	if (!range_covered(mm, addr, addr + n))
		ret = -EFAULT;
	while (!ret && n) {
		uint64_t skip = addr - page_down(addr), chunk = MIN(PAGE_SIZE - skip, n);
		uint64_t va = page_down(addr);
		uint64_t phys = page_to_write(mm, find_area(mm, va), va);

		if (phys)
			memcpy((uint8_t *)phys_to_virt(phys) + skip, from, chunk);
		else
			ret = -ENOMEM;
		addr += chunk;
		from += chunk;
		n -= chunk;
	}
	unlock(mm);
	return ret;
}

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));

	if (!mm)
		return NULL;
	mm->us = uspace_create();
	if (!mm->us) {
		kfree(mm);
		return NULL;
	}
	mm->refs = 1;
	return mm;
}

void mm_get(struct mm *mm)
{
	__atomic_add_fetch(&mm->refs, 1, __ATOMIC_RELAXED);
}

void mm_put(struct mm *mm)
{
	if (!__atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL))
		mm_destroy(mm);
}

/* Maps the page of parent's area a at va into child as well: a private
 * page loses write access in both until a write copies it; a shared
 * area's page stays writable, and one not touched yet is made now, so
 * that both reach the same memory. */
static int share_page(struct mm *parent, struct mm *child, const struct area *a, uint64_t va)
{
	unsigned prot = a->prot;	/* a page made here has its area's */
	uint64_t phys = uspace_lookup(parent->us, va, &prot);

	if (!phys && a->kind == AREA_SHARED)
		phys = add_page(parent, va, a->prot, NULL, 0);
	if (!phys)
		return a->kind == AREA_SHARED ? -ENOMEM : 0;
	if (!(a->kind & AREA_SHARED) && (prot & UPROT_W)) {
		prot &= ~UPROT_W;
		uspace_protect(parent->us, va, prot);
		parent->stale = true;
	}
	if (page_ref_get(phys))
		return -ENOMEM;
	if (uspace_map(child->us, va, phys, prot)) {
		page_ref_put(phys);	/* the parent's reference remains */
		return -ENOMEM;
	}
	child->pages++;
	return 0;
}

/* Gives child parent's areas and their pages. */
static int copy_areas(struct mm *parent, struct mm *child)
{
	if (reserve(child, parent->count))
		return -ENOMEM;
	if (parent->count)
		memcpy(child->areas, parent->areas, parent->count * sizeof(*child->areas));
	child->count = parent->count;
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	for (unsigned i = 0; i < parent->count; i++)
		hold_area(&parent->areas[i]);
	for (unsigned i = 0; i < parent->count; i++) {
		const struct area *a = &parent->areas[i];

		/* A shared anonymous area's untouched pages are made now, so
		 * that both reach the same ones: every page; other areas' are
		 * only those mapped (a file's come from its cache). */
		for (uint64_t va = a->start; va < a->end; va += PAGE_SIZE) {
			if (a->kind != AREA_SHARED &&
			    (va = uspace_next_mapped(parent->us, va, a->end)) == a->end)
				break;
			if (share_page(parent, child, a, va))
				return -ENOMEM;
		}
	}
	return 0;
}

struct mm *mm_fork(struct mm *parent)
{
	struct mm *child = mm_create();
	int err;

	if (!child)
		return NULL;
	lock(parent);
	err = copy_areas(parent, child);
	/* unlock flushes: the parent's other threads must stop writing to
	 * the pages the child now shares before the child runs. */
	unlock(parent);
	if (err) {
		mm_destroy(child);
		return NULL;
	}
	return child;
}

void mm_destroy(struct mm *mm)
{
	for (unsigned i = 0; i < mm->count; i++)
		drop_pages(mm, &mm->areas[i], mm->areas[i].start, mm->areas[i].end);
	flush(mm);
	for (unsigned i = 0; i < mm->count; i++)
		release_area(&mm->areas[i]);
	uspace_destroy(mm->us);
	kfree(mm->areas);
	kfree(mm);
}

struct uspace *mm_uspace(struct mm *mm)
{
	return mm->us;
}

/* Without the lock: snapshots for statistics. */
uint64_t mm_pages(const struct mm *mm)
{
	return mm->pages;
}

uint64_t mm_cow_copies(const struct mm *mm)
{
	return mm->cow_copies;
}

static void count_page(const struct area *a, uint64_t va, uint64_t phys, unsigned prot,
		       struct mm_usage *u)
{
	bool cached = a->node && pagecache_holds(&a->node->cache, file_index(a, va), phys);
	unsigned refs = page_ref_count(phys);
	unsigned owners = cached && refs > 1 ? refs - 1 : refs;
	bool dirty = !cached || (prot & UPROT_W);

	u->rss++;
	if (cached)
		u->file++;
	else if (!a->node && (a->kind & AREA_SHARED))
		u->shmem++;
	else
		u->anon++;
	if (owners > 1)
		*(dirty ? &u->shared_dirty : &u->shared_clean) += 1;
	else
		*(dirty ? &u->private_dirty : &u->private_clean) += 1;
	u->pss_pages += MM_PSS_ONE / (owners ? owners : 1);
}

static void count_area(const struct mm *mm, const struct area *a, struct mm_usage *u)
{
	u->size += (a->end - a->start) / PAGE_SIZE;
	for (uint64_t va = a->start; (va = uspace_next_mapped(mm->us, va, a->end)) < a->end;
	     va += PAGE_SIZE) {
		unsigned prot = 0;
		uint64_t phys = uspace_lookup(mm->us, va, &prot);

		if (phys)
			count_page(a, va, phys, prot, u);
	}
}

void mm_usage(struct mm *mm, struct mm_usage *u)
{
	memset(u, 0, sizeof(*u));
	lock(mm);
	if (mm->count) {
		u->first = mm->areas[0].start;
		u->last = mm->areas[mm->count - 1].end;
	}
	for (unsigned i = 0; i < mm->count; i++)
		count_area(mm, &mm->areas[i], u);
	unlock(mm);
}

int mm_areas(struct mm *mm, struct mm_area_info **out)
{
	struct mm_area_info *info;
	int n;

	lock(mm);
	n = (int)mm->count;
	info = kmalloc((n ? (size_t)n : 1) * sizeof(*info));
	if (!info) {
		unlock(mm);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		const struct area *a = &mm->areas[i];
		struct mm_area_info *o = &info[i];

		memset(o, 0, sizeof(*o));
		o->start = a->start;
		o->end = a->end;
		o->prot = a->prot;
		o->shared = a->kind & AREA_SHARED;
		o->node = a->node;
		o->offset = a->node ? a->pgoff * PAGE_SIZE : 0;
		/* Linux's test for the brk area (fs/proc/task_mmu.c). */
		o->heap = !a->node && a->start <= mm->brk && a->end >= mm->brk_start &&
			  mm->brk_start;
		hold_area(a);
		count_area(mm, a, &o->use);
	}
	unlock(mm);
	*out = info;
	return n;
}

void mm_areas_free(struct mm_area_info *info, int n)
{
	for (int i = 0; i < n; i++)
		if (info[i].node)
			vfs_node_release(info[i].node);
	kfree(info);
}

uint64_t mm_shared_phys(struct mm *mm, uint64_t addr)
{
	const struct area *a;
	uint64_t phys = 0;

	lock(mm);
	a = find_area(mm, addr);
	if (a && (a->kind & AREA_SHARED))
		phys = uspace_lookup(mm->us, page_down(addr), NULL);
	unlock(mm);
	return phys ? phys + (addr & (PAGE_SIZE - 1)) : 0;
}

struct vnode *mm_file_start_at(struct mm *mm, uint64_t addr)
{
	const struct area *a;
	struct vnode *n = NULL;

	lock(mm);
	a = find_area(mm, addr);
	if (a && a->node && (a->kind & AREA_SHARED) && file_index(a, addr) == 0 &&
	    page_aligned(addr))
		n = a->node;
	unlock(mm);
	return n;
}
