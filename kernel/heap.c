/*
 * Each block starts with a 16-byte header naming its size class, or, for
 * blocks bigger than the largest class, the number of pages it spans.
 * Free small blocks wait on per-class lists, linked through their payload
 * so that the header stays. A class page whose blocks are all free again
 * goes back to the page allocator, but for one such page a class keeps
 * (so that one block taken and freed over and over costs no page each
 * time): what a burst of packets or connections took comes back. Large
 * blocks go back when freed.
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
	uint32_t npages;	/* LARGE: pages spanned; a class page's first
				 * block: how many of the page's blocks are free */
	uint64_t pad;		/* keeps the payload 16-byte aligned */
};

/* In a free block's payload: the smallest class has room for exactly this. */
struct free_block {
	struct free_block *next, *prev;
};

static struct free_block *free_blocks[NCLASSES];
static unsigned empty_pages[NCLASSES];	/* class pages with every block free */
static spinlock_t lock;			/* the class lists; interrupt-safe */

static int class_of(size_t total)
{
	for (int c = 0; c < NCLASSES; c++)
		if (total <= (size_t)1 << (c + MIN_SHIFT))
			return c;
	return -1;
}

static unsigned per_page(int c)
{
	return PAGE_SIZE >> (c + MIN_SHIFT);
}

/* The header of the first block of h's page, which counts its free blocks. */
static struct header *page_head(struct header *h)
{
	return (struct header *)((uintptr_t)h & ~(uintptr_t)(PAGE_SIZE - 1));
}

static void push(int c, struct header *h)
{
	struct free_block *b = (struct free_block *)(h + 1);

	b->prev = NULL;
	b->next = free_blocks[c];
	if (b->next)
		b->next->prev = b;
	free_blocks[c] = b;
}

static void unlink_block(int c, struct free_block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		free_blocks[c] = b->next;
	if (b->next)
		b->next->prev = b->prev;
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
		struct header *h = (struct header *)(base + off);

		h->class = (uint32_t)c;
		push(c, h);
	}
	((struct header *)base)->npages = per_page(c);
	empty_pages[c]++;
	return 0;
}

/* Every block of the page of head, all free, leaves the list; the page
 * goes back. */
static void release_page(int c, struct header *head)
{
	size_t bsize = (size_t)1 << (c + MIN_SHIFT);

	for (size_t off = 0; off + bsize <= PAGE_SIZE; off += bsize)
		unlink_block(c, (struct free_block *)((struct header *)((char *)head + off) + 1));
	page_free(virt_to_phys(head), 1);
}

void *kmalloc(size_t size)
{
	size_t total = size + sizeof(struct header);
	struct header *h, *head;
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
	h = (struct header *)free_blocks[c] - 1;
	unlink_block(c, free_blocks[c]);
	head = page_head(h);
	if (head->npages-- == per_page(c))
		empty_pages[c]--;
	spin_unlock_irqrestore(&lock, flags);
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
	struct header *h, *head;
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
	head = page_head(h);
	flags = spin_lock_irqsave(&lock);
	push((int)c, h);
	if (++head->npages == per_page((int)c)) {
		if (empty_pages[c])
			release_page((int)c, head);
		else
			empty_pages[c]++;
	}
	spin_unlock_irqrestore(&lock, flags);
}
