/*
 * Physical pages. Free memory is a short sorted table of ranges, carved
 * from the top; freed single pages go on a list threaded through the pages
 * themselves (via the direct map), so frees never need table space. A freed
 * multi-page block joins a neighbouring range, takes a table slot, or, with
 * the table full, goes on the list page by page: nothing is ever lost.
 * Pure code: also built into the host unit tests.
 */
#include <flint/compiler.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/string.h>
#include <flint/sync.h>

#define MAX_RANGES 128

static struct phys_range range[MAX_RANGES];	/* sorted, disjoint */
static unsigned nranges;
static uint64_t free_list;	/* phys of the first free page, 0 = none */
static uint64_t nfree;
static spinlock_t lock;		/* all of the above; interrupt-safe */

static void remove_range(unsigned i)
{
	memmove(&range[i], &range[i + 1], (nranges - i - 1) * sizeof(range[0]));
	nranges--;
}

static bool insert_range(uint64_t start, uint64_t end)
{
	unsigned i = 0;

	if (nranges == MAX_RANGES)
		return false;
	while (i < nranges && range[i].start < start)
		i++;
	memmove(&range[i + 1], &range[i], (nranges - i) * sizeof(range[0]));
	range[i] = (struct phys_range){ start, end };
	nranges++;
	return true;
}

/* Adds [start, end) minus every reserved range; returns ranges lost. */
static unsigned add_free(uint64_t start, uint64_t end,
			 const struct phys_range *reserved, unsigned nreserved)
{
	for (unsigned r = 0; r < nreserved; r++) {
		const struct phys_range *x = &reserved[r];

		if (x->end <= start || x->start >= end)
			continue;
		return (x->start > start ? add_free(start, x->start, reserved, nreserved) : 0) +
		       (x->end < end ? add_free(x->end, end, reserved, nreserved) : 0);
	}
	start = ALIGN_UP(start, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (start >= end)
		return 0;
	if (!insert_range(start, end))
		return 1;
	nfree += (end - start) >> PAGE_SHIFT;
	return 0;
}

unsigned page_alloc_init(const struct memmap *m,
			 const struct phys_range *reserved, unsigned nreserved)
{
	unsigned lost = 0;

	nranges = 0;
	nfree = 0;
	free_list = 0;
	for (unsigned i = 0; i < m->count; i++) {
		const struct memmap_entry *e = &m->entry[i];

		if (e->type == MEMMAP_RAM)
			lost += add_free(e->base, e->base + e->size, reserved, nreserved);
	}
	return lost;
}

static uint64_t pop_list(uint64_t limit)
{
	uint64_t page = free_list;

	if (!page || page + PAGE_SIZE > limit)
		return 0;
	free_list = *(uint64_t *)phys_to_virt(page);
	nfree--;
	return page;
}

static uint64_t alloc_below(unsigned npages, uint64_t limit)
{
	uint64_t bytes = (uint64_t)npages << PAGE_SHIFT;

	if (npages == 0)
		return 0;
	limit = ALIGN_DOWN(limit, PAGE_SIZE);
	if (npages == 1) {
		uint64_t page = pop_list(limit);

		if (page)
			return page;
	}
	for (unsigned i = nranges; i-- > 0;) {
		struct phys_range *r = &range[i];
		uint64_t top = MIN(r->end, limit);
		uint64_t start;

		if (top < r->start || top - r->start < bytes)
			continue;
		start = top - bytes;
		if (top == r->end) {
			r->end = start;
			if (r->start == r->end)
				remove_range(i);
		} else if (start == r->start) {
			r->start = top;
		} else {
			uint64_t old_end = r->end;

			/* Splitting needs a slot; without one try lower ranges. */
			if (nranges == MAX_RANGES)
				continue;
			r->end = start;
			insert_range(top, old_end);
		}
		nfree -= npages;
		return start;
	}
	return 0;
}

uint64_t page_alloc_below(unsigned npages, uint64_t limit)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	uint64_t page = alloc_below(npages, limit);

	spin_unlock_irqrestore(&lock, flags);
	return page;
}

uint64_t page_alloc(unsigned npages)
{
	return page_alloc_below(npages, UINT64_MAX);
}

static void push_list(uint64_t page)
{
	*(uint64_t *)phys_to_virt(page) = free_list;
	free_list = page;
	nfree++;
}

static void free_pages(uint64_t phys, unsigned npages)
{
	uint64_t end = phys + ((uint64_t)npages << PAGE_SHIFT);

	if (npages == 1) {
		push_list(phys);
		return;
	}
	for (unsigned i = 0; i < nranges; i++) {
		struct phys_range *r = &range[i];

		if (r->end == phys) {
			r->end = end;
			if (i + 1 < nranges && range[i + 1].start == end) {
				r->end = range[i + 1].end;
				remove_range(i + 1);
			}
			nfree += npages;
			return;
		}
		if (r->start == end) {
			r->start = phys;
			nfree += npages;
			return;
		}
	}
	if (insert_range(phys, end)) {
		nfree += npages;
		return;
	}
	for (unsigned i = 0; i < npages; i++)
		push_list(phys + ((uint64_t)i << PAGE_SHIFT));
}

void page_free(uint64_t phys, unsigned npages)
{
	unsigned long flags = spin_lock_irqsave(&lock);

	free_pages(phys, npages);
	spin_unlock_irqrestore(&lock, flags);
}

uint64_t page_free_count(void)
{
	return nfree;
}
