/*
 * Page reference counts as an open-addressed hash table (linear probing)
 * of only the pages with more than one owner. A counts array covering RAM
 * would cost memory in proportion to RAM even with no process forked, too
 * much at the smallest boot (2.5 MiB); this table costs in proportion to
 * the pages that are shared, and shrinks when they stop being shared. It
 * is allocated from the heap, which never sleeps, so it grows under its
 * spinlock: two address spaces sharing a page update its count from
 * different CPUs, each under its own mm lock only.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/memory.h>
#include <flint/page_ref.h>
#include <flint/sync.h>

/* The smallest table, in slots; it doubles past half full, halves below
 * an eighth and goes when empty (a power of two, so that a hash masks
 * into it). */
#define SLOTS_MIN 64u

/* 2^64 / the golden ratio: Fibonacci hashing spreads page numbers. */
#define HASH_MULT 0x9e3779b97f4a7c15ull

struct slot {
	uint64_t phys;		/* 0: empty */
	unsigned count;		/* 2 or more */
};

static struct slot *table;
static unsigned nslots, used;	/* nslots is 0 or a power of two */
static spinlock_t lock;		/* all of the above; interrupt-safe */

static unsigned home(uint64_t phys, unsigned size)
{
	return (unsigned)(((phys >> PAGE_SHIFT) * HASH_MULT) >> 32) & (size - 1);
}

/* The slot holding phys, or the empty one where it would go. */
static struct slot *lookup(struct slot *t, unsigned size, uint64_t phys)
{
	unsigned i = home(phys, size);

	while (t[i].phys && t[i].phys != phys)
		i = (i + 1) & (size - 1);
	return &t[i];
}

/* Moves every entry into a table of size slots: false when out of
 * memory (the old table stays). */
static bool resize(unsigned size)
{
	struct slot *bigger = kzalloc(size * sizeof(*bigger));

	if (!bigger)
		return false;
	for (unsigned i = 0; i < nslots; i++)
		if (table[i].phys)
			*lookup(bigger, size, table[i].phys) = table[i];
	kfree(table);
	table = bigger;
	nslots = size;
	return true;
}

/* Empties slot i without breaking a probe chain that runs through it:
 * each later entry of the chain that may move back does. */
static void remove_at(unsigned i)
{
	unsigned gap = i;

	for (unsigned j = (i + 1) & (nslots - 1); table[j].phys; j = (j + 1) & (nslots - 1)) {
		unsigned h = home(table[j].phys, nslots);

		/* j's entry may fill the gap unless its home lies in (gap, j]. */
		if (((j - h) & (nslots - 1)) >= ((j - gap) & (nslots - 1))) {
			table[gap] = table[j];
			gap = j;
		}
	}
	table[gap].phys = 0;
	used--;
}

int page_ref_get(uint64_t phys)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	struct slot *s;
	int ret = 0;

	if (2 * (used + 1) > nslots && !resize(nslots ? 2 * nslots : SLOTS_MIN)) {
		ret = -ENOMEM;
	} else {
		s = lookup(table, nslots, phys);
		if (s->phys) {
			s->count++;
		} else {
			*s = (struct slot){ phys, 2 };
			used++;
		}
	}
	spin_unlock_irqrestore(&lock, flags);
	return ret;
}

bool page_ref_put(uint64_t phys)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	struct slot *s = nslots ? lookup(table, nslots, phys) : NULL;
	bool last = !s || !s->phys;

	if (!last && --s->count == 1) {
		remove_at((unsigned)(s - table));
		if (!used) {
			kfree(table);
			table = NULL;
			nslots = 0;
		} else if (nslots > SLOTS_MIN && 8 * used < nslots) {
			/* Failing to shrink only keeps the larger table. */
			resize(nslots / 2);
		}
	}
	spin_unlock_irqrestore(&lock, flags);
	return last;
}

unsigned page_ref_count(uint64_t phys)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	struct slot *s = nslots ? lookup(table, nslots, phys) : NULL;
	unsigned count = s && s->phys ? s->count : 1;

	spin_unlock_irqrestore(&lock, flags);
	return count;
}
