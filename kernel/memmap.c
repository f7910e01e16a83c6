/* Memory map normalisation. Pure code: also built into the host unit tests.
 * Firecracker hands its e820 list unsorted, qboot ends its list with a zero
 * entry, and firmware may report overlaps: every entry point funnels its
 * list through here. */
#include <flint/memmap.h>
#include <flint/sort.h>
#include <stddef.h>

enum memmap_add_result memmap_add(struct memmap *m, uint64_t base,
				  uint64_t size, uint32_t type)
{
	enum memmap_add_result r = MEMMAP_ADDED;

	if (size == 0 || type == 0)
		return MEMMAP_SKIPPED_EMPTY;
	if (m->count == MEMMAP_MAX)
		return MEMMAP_FULL;
	if (size - 1 > UINT64_MAX - base) {
		size = UINT64_MAX - base + 1;	/* up to the top; base > 0 here */
		r = MEMMAP_CLIPPED;
	}
	m->entry[m->count++] = (struct memmap_entry){ base, size, type };
	return r;
}

bool memmap_is_ram_like(uint32_t type)
{
	return type == MEMMAP_RAM || type == MEMMAP_ACPI || type == MEMMAP_NVS;
}

/* Which type owns bytes claimed by two entries. */
static unsigned precedence(uint32_t type)
{
	return type == MEMMAP_RAM ? 0 : type;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t entry_last(const struct memmap_entry *e)
{
	return e->base + e->size - 1;
}

/* Most firmware hands over a sorted map without overlaps: then merging
 * neighbours is all there is to do, and cheap (each new branch costs a
 * translation under emulation). */
static bool merge_if_sorted(struct memmap *m)
{
	unsigned out = 0;

	for (unsigned i = 1; i < m->count; i++)
		if (m->entry[i].base <= entry_last(&m->entry[i - 1]))
			return false;
	for (unsigned i = 0; i < m->count; i++) {
		struct memmap_entry *prev = out ? &m->entry[out - 1] : NULL;

		if (prev && prev->type == m->entry[i].type && entry_last(prev) + 1 == m->entry[i].base)
			prev->size += m->entry[i].size;
		else
			m->entry[out++] = m->entry[i];
	}
	m->count = out;
	return true;
}

/* Cut the address space at every entry edge; each piece between two cuts
 * gets the winning type of the entries covering it. Entries end at "last"
 * (inclusive) so that one reaching 2^64 - 1 needs no 65-bit arithmetic. */
unsigned memmap_normalise(struct memmap *m)
{
	uint64_t cut[2 * MEMMAP_MAX];
	struct memmap out = { 0 };
	unsigned ncut = 0, dropped = 0;

	if (merge_if_sorted(m))
		return 0;

	for (unsigned i = 0; i < m->count; i++) {
		cut[ncut++] = m->entry[i].base;
		if (entry_last(&m->entry[i]) != UINT64_MAX)
			cut[ncut++] = entry_last(&m->entry[i]) + 1;
	}
	sort(cut, ncut, sizeof(cut[0]), cmp_u64);

	for (unsigned k = 0; k < ncut; k++) {
		uint64_t start = cut[k], last;
		uint32_t type = 0;

		if (k + 1 < ncut && cut[k + 1] == start)
			continue;
		last = k + 1 < ncut ? cut[k + 1] - 1 : UINT64_MAX;
		for (unsigned i = 0; i < m->count; i++) {
			const struct memmap_entry *e = &m->entry[i];

			if (e->base <= start && entry_last(e) >= last &&
			    (type == 0 || precedence(e->type) > precedence(type)))
				type = e->type;
		}
		if (type == 0)
			continue;
		if (out.count && out.entry[out.count - 1].type == type &&
		    entry_last(&out.entry[out.count - 1]) + 1 == start) {
			out.entry[out.count - 1].size += last - start + 1;
			continue;
		}
		/* Nested overlaps can split the map into more pieces than fit. */
		if (out.count == MEMMAP_MAX) {
			dropped++;
			continue;
		}
		out.entry[out.count++] = (struct memmap_entry){ start, last - start + 1, type };
	}
	*m = out;
	return dropped;
}

uint64_t memmap_total(const struct memmap *m, uint32_t type)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < m->count; i++)
		if (m->entry[i].type == type)
			total += m->entry[i].size;
	return total;
}
