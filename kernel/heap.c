/*
 * Each block starts with a 16-byte header naming its size class, or, for
 * blocks bigger than the largest class, the number of pages it spans.
 * Free small blocks wait on per-class lists; pages are never given back to
 * the page allocator by a class (the heap only grows, as a boot-time
 * unikernel heap usually does), but large blocks are.
 */
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_alloc.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <stdint.h>

#define MIN_SHIFT 5		/* 32-byte blocks: 16 of header, 16 of data */
#define MAX_SHIFT 11		/* 2 KiB blocks; bigger ones take pages */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define LARGE 0xff

struct header {
	uint32_t class;		/* size-class index, or LARGE */
	uint32_t npages;	/* LARGE blocks only */
	uint64_t pad;		/* keeps the payload 16-byte aligned */
};

struct free_block {
	struct free_block *next;
};

static struct free_block *free_blocks[NCLASSES];
static spinlock_t lock;			/* the class lists; interrupt-safe */

static int class_of(size_t total)
{
	for (int c = 0; c < NCLASSES; c++)
		if (total <= (size_t)1 << (c + MIN_SHIFT))
			return c;
	return -1;
}

static int refill(int c)
{
	uint64_t page = page_alloc(1);
	size_t bsize = (size_t)1 << (c + MIN_SHIFT);
	char *base;

	if (!page)
		return -1;
	base = phys_to_virt(page);
	for (size_t off = 0; off + bsize <= PAGE_SIZE; off += bsize) {
		struct free_block *b = (struct free_block *)(base + off);

		b->next = free_blocks[c];
		free_blocks[c] = b;
	}
	return 0;
}

void *kmalloc(size_t size)
{
	size_t total = size + sizeof(struct header);
	struct header *h;
	unsigned long flags;
	int c;

	if (total < size)
		return NULL;
	c = class_of(total);
	if (c < 0) {
		size_t npages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
		uint64_t phys;

		if (npages > UINT32_MAX)
			return NULL;
		phys = page_alloc((unsigned)npages);
		if (!phys)
			return NULL;
		h = phys_to_virt(phys);
		h->class = LARGE;
		h->npages = (uint32_t)npages;
		return h + 1;
	}
	flags = spin_lock_irqsave(&lock);
	if (!free_blocks[c] && refill(c)) {
		spin_unlock_irqrestore(&lock, flags);
		return NULL;
	}
	h = (struct header *)free_blocks[c];
	free_blocks[c] = free_blocks[c]->next;
	spin_unlock_irqrestore(&lock, flags);
	h->class = (uint32_t)c;
	return h + 1;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	struct header *h;
	struct free_block *b;
	unsigned long flags;
	uint32_t c;

	if (!p)
		return;
	h = (struct header *)p - 1;
	c = h->class;
	if (c == LARGE) {
		page_free(virt_to_phys(h), h->npages);
		return;
	}
	/* The link overwrites the header: c was read first. */
	b = (struct free_block *)h;
	flags = spin_lock_irqsave(&lock);
	b->next = free_blocks[c];
	free_blocks[c] = b;
	spin_unlock_irqrestore(&lock, flags);
}
