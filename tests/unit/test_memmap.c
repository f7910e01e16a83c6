/* kernel/memmap.c: adding entries and normalising the map. */
#include <flint/memmap.h>

#include "check.h"

#define MiB (1ull << 20)

struct range {
	uint64_t base, size;
	uint32_t type;
};

static void add_all(struct memmap *m, const struct range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		CHECKF(memmap_add(m, r[i].base, r[i].size, r[i].type) == MEMMAP_ADDED,
		       "entry %u not added", i);
}

/* m holds exactly want[0..n). */
static void check_map(const struct memmap *m, const struct range *want, unsigned n)
{
	for (unsigned i = 0; i < m->count && i < n; i++)
		CHECKF(m->entry[i].base == want[i].base && m->entry[i].size == want[i].size &&
		       m->entry[i].type == want[i].type,
		       "entry %u: %#" PRIx64 "+%#" PRIx64 " type %" PRIu32 ", want %#" PRIx64
		       "+%#" PRIx64 " type %" PRIu32, i, m->entry[i].base, m->entry[i].size,
		       m->entry[i].type, want[i].base, want[i].size, want[i].type);
	CHECK_EQ(m->count, n);
}

/* Sorted, no zero sizes, no overlaps, no two touching entries of one type. */
static void check_normal(const struct memmap *m)
{
	for (unsigned i = 0; i < m->count; i++) {
		const struct memmap_entry *e = &m->entry[i], *p = e - 1;

		CHECKF(e->size && e->type, "entry %u empty", i);
		CHECKF(e->base + (e->size - 1) >= e->base, "entry %u wraps", i);
		if (!i)
			continue;
		CHECKF(p->base + (p->size - 1) < e->base, "entries %u and %u overlap or unsorted",
		       i - 1, i);
		CHECKF(!(p->base + p->size == e->base && p->type == e->type),
		       "entries %u and %u not merged", i - 1, i);
	}
}

static void normalise(struct memmap *m, const struct range *in, unsigned nin,
		      const struct range *want, unsigned nwant)
{
	add_all(m, in, nin);
	CHECK_EQ(memmap_normalise(m), 0);
	check_normal(m);
	check_map(m, want, nwant);
}

#define RANGES(...) (const struct range[]){ __VA_ARGS__ }, \
	sizeof((const struct range[]){ __VA_ARGS__ }) / sizeof(struct range)

TEST(firecracker_unsorted_e820)
{
	struct memmap m = { 0 };

	/* Firecracker's order: the low RAM, the EBDA/BIOS hole, the MMIO gap,
	 * then the RAM above 1 MiB. */
	normalise(&m,
		  RANGES({ 0, 0x9fc00, MEMMAP_RAM },
			 { 0x9fc00, 0xe0000 - 0x9fc00, MEMMAP_RESERVED },
			 { 0xeec00000, 256 * MiB, MEMMAP_RESERVED },
			 { 0x100000, 128 * MiB - 0x100000, MEMMAP_RAM }),
		  RANGES({ 0, 0x9fc00, MEMMAP_RAM },
			 { 0x9fc00, 0xe0000 - 0x9fc00, MEMMAP_RESERVED },
			 { 0x100000, 128 * MiB - 0x100000, MEMMAP_RAM },
			 { 0xeec00000, 256 * MiB, MEMMAP_RESERVED }));
	CHECK_EQ(memmap_total(&m, MEMMAP_RAM), 0x9fc00 + 127 * MiB);
	CHECK_EQ(memmap_total(&m, MEMMAP_RESERVED), 0xe0000 - 0x9fc00 + 256 * MiB);
	CHECK_EQ(memmap_total(&m, MEMMAP_ACPI), 0);
}

TEST(adjacent_same_type_merges)
{
	struct memmap m = { 0 };

	normalise(&m,
		  RANGES({ 0x3000, 0x1000, MEMMAP_RESERVED },
			 { 0x1000, 0x2000, MEMMAP_RAM },
			 { 0x6000, 0x1000, MEMMAP_RAM },	/* after a gap */
			 { 0, 0x1000, MEMMAP_RAM },
			 { 0x4000, 0x1000, MEMMAP_RESERVED },
			 { 0x7000, 0x1000, MEMMAP_ACPI }),	/* other type */
		  RANGES({ 0, 0x3000, MEMMAP_RAM },
			 { 0x3000, 0x2000, MEMMAP_RESERVED },
			 { 0x6000, 0x1000, MEMMAP_RAM },
			 { 0x7000, 0x1000, MEMMAP_ACPI }));
}

TEST(sorted_map_merges_neighbours)
{
	struct memmap m = { 0 };

	normalise(&m,
		  RANGES({ 0, 0x1000, MEMMAP_RAM },
			 { 0x1000, 0x1000, MEMMAP_RAM },
			 { 0x2000, 0x1000, MEMMAP_RESERVED },
			 { 0x3000, 0x1000, MEMMAP_RESERVED },
			 { 0x5000, 0x1000, MEMMAP_RAM },
			 { 0x6000, 0x1000, MEMMAP_ACPI },
			 { 0x7000, 0x1000, MEMMAP_ACPI },
			 { UINT64_MAX - 0x1fff, 0x1000, MEMMAP_RAM }),
		  RANGES({ 0, 0x2000, MEMMAP_RAM },
			 { 0x2000, 0x2000, MEMMAP_RESERVED },
			 { 0x5000, 0x1000, MEMMAP_RAM },
			 { 0x6000, 0x2000, MEMMAP_ACPI },
			 { UINT64_MAX - 0x1fff, 0x1000, MEMMAP_RAM }));
}

TEST(sorted_but_overlapping_by_one_byte)
{
	struct memmap m = { 0 };

	normalise(&m,
		  RANGES({ 0, 0x2000, MEMMAP_RAM },
			 { 0x1fff, 0x1000, MEMMAP_RESERVED },
			 { 0x2fff, 0x1001, MEMMAP_RAM }),
		  RANGES({ 0, 0x1fff, MEMMAP_RAM },
			 { 0x1fff, 0x1000, MEMMAP_RESERVED },
			 { 0x2fff, 0x1001, MEMMAP_RAM }));
}

TEST(overlap_non_ram_wins)
{
	struct memmap m = { 0 };

	normalise(&m,
		  RANGES({ 0, 0x10000, MEMMAP_RAM },
			 { 0x8000, 0x10000, MEMMAP_RESERVED },
			 { 0x20000, 0x1000, MEMMAP_RESERVED },
			 { 0x1f000, 0x3000, MEMMAP_RAM },	/* around reserved */
			 { 0x30000, 0x2000, MEMMAP_ACPI },
			 { 0x31000, 0x2000, MEMMAP_RESERVED }),	/* higher type wins */
		  RANGES({ 0, 0x8000, MEMMAP_RAM },
			 { 0x8000, 0x10000, MEMMAP_RESERVED },
			 { 0x1f000, 0x1000, MEMMAP_RAM },
			 { 0x20000, 0x1000, MEMMAP_RESERVED },
			 { 0x21000, 0x1000, MEMMAP_RAM },
			 { 0x30000, 0x2000, MEMMAP_ACPI },
			 { 0x32000, 0x1000, MEMMAP_RESERVED }));
}

TEST(nested_overlaps)
{
	struct memmap m = { 0 };

	normalise(&m,
		  RANGES({ 0, 100, MEMMAP_RAM },
			 { 10, 80, MEMMAP_RESERVED },
			 { 20, 10, MEMMAP_ACPI },
			 { 40, 10, MEMMAP_NVS },
			 { 45, 2, MEMMAP_RAM },		/* loses inside NVS */
			 { 60, 5, MEMMAP_UNUSABLE }),
		  RANGES({ 0, 10, MEMMAP_RAM },
			 { 10, 10, MEMMAP_RESERVED },
			 { 20, 10, MEMMAP_ACPI },
			 { 30, 10, MEMMAP_RESERVED },
			 { 40, 10, MEMMAP_NVS },
			 { 50, 10, MEMMAP_RESERVED },
			 { 60, 5, MEMMAP_UNUSABLE },
			 { 65, 25, MEMMAP_RESERVED },
			 { 90, 10, MEMMAP_RAM }));
}

TEST(identical_duplicates_collapse)
{
	struct memmap m = { 0 };

	normalise(&m,
		  RANGES({ 0x1000, 0x1000, MEMMAP_RAM },
			 { 0x1000, 0x1000, MEMMAP_RAM },
			 { 0x1000, 0x1000, MEMMAP_RAM }),
		  RANGES({ 0x1000, 0x1000, MEMMAP_RAM }));
}

TEST(empty_and_typeless_entries_skipped)
{
	struct memmap m = { 0 };

	CHECK_EQ(memmap_add(&m, 0x1000, 0, MEMMAP_RAM), MEMMAP_SKIPPED_EMPTY);
	CHECK_EQ(memmap_add(&m, 0, 0, 0), MEMMAP_SKIPPED_EMPTY);	/* qboot's end */
	CHECK_EQ(memmap_add(&m, 0x1000, 0x1000, 0), MEMMAP_SKIPPED_EMPTY);
	CHECK_EQ(m.count, 0);
	CHECK_EQ(memmap_normalise(&m), 0);
	CHECK_EQ(m.count, 0);
	CHECK_EQ(memmap_total(&m, MEMMAP_RAM), 0);
}

TEST(entry_past_top_is_clipped)
{
	struct memmap m = { 0 };

	CHECK_EQ(memmap_add(&m, UINT64_MAX - 0xfff, 0x2000, MEMMAP_RESERVED), MEMMAP_CLIPPED);
	CHECK_EQ(m.entry[0].size, 0x1000);
	CHECK_EQ(memmap_add(&m, UINT64_MAX, UINT64_MAX, MEMMAP_RAM), MEMMAP_CLIPPED);
	CHECK_EQ(m.entry[1].size, 1);
	CHECK_EQ(memmap_normalise(&m), 0);
	check_normal(&m);
	check_map(&m, RANGES({ UINT64_MAX - 0xfff, 0x1000, MEMMAP_RESERVED }));
}

TEST(entries_at_the_top_normalise)
{
	/* The last piece ends at 2^64 - 1; nothing may wrap to 0. */
	struct memmap m = { 0 };

	m.entry[m.count++] = (struct memmap_entry){ UINT64_MAX - 0x1fff, 0x1000, MEMMAP_RAM };
	m.entry[m.count++] = (struct memmap_entry){ UINT64_MAX - 0xfff, 0x1000, MEMMAP_RAM };
	m.entry[m.count++] = (struct memmap_entry){ 0, 0x1000, MEMMAP_RAM };
	m.entry[m.count++] = (struct memmap_entry){ UINT64_MAX - 0x10fff, 0x1000, MEMMAP_RAM };
	m.entry[m.count++] = (struct memmap_entry){ UINT64_MAX, 1, MEMMAP_RESERVED };
	CHECK_EQ(memmap_normalise(&m), 0);
	check_normal(&m);
	check_map(&m, RANGES({ 0, 0x1000, MEMMAP_RAM },
			     { UINT64_MAX - 0x10fff, 0x1000, MEMMAP_RAM },
			     { UINT64_MAX - 0x1fff, 0x1fff, MEMMAP_RAM },
			     { UINT64_MAX, 1, MEMMAP_RESERVED }));
	CHECK_EQ(memmap_total(&m, MEMMAP_RAM), 0x3fff);
}

TEST(entry_ending_exactly_at_top_is_not_clipped)
{
	/* base + size == 2^64: the last byte is 2^64 - 1, nothing is cut. */
	struct memmap m = { 0 };

	CHECK_EQ(memmap_add(&m, UINT64_MAX - 0xfff, 0x1000, MEMMAP_RAM), MEMMAP_ADDED);
	CHECK_EQ(memmap_add(&m, UINT64_MAX, 1, MEMMAP_RESERVED), MEMMAP_ADDED);
	CHECK_EQ(m.entry[0].size, 0x1000);
	CHECK_EQ(m.entry[1].size, 1);
}

TEST(entry_ending_one_below_top)
{
	struct memmap m = { 0 };

	normalise(&m,
		  RANGES({ UINT64_MAX - 0x1000, 0x1000, MEMMAP_RAM },	/* ends at 2^64 - 1 */
			 { 0, 0x1000, MEMMAP_RAM }),
		  RANGES({ 0, 0x1000, MEMMAP_RAM },
			 { UINT64_MAX - 0x1000, 0x1000, MEMMAP_RAM }));
}

TEST(full_at_max_entries)
{
	struct memmap m = { 0 };

	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		CHECK_EQ(memmap_add(&m, 0x2000ull * i, 0x1000, MEMMAP_RAM), MEMMAP_ADDED);
	CHECK_EQ(memmap_add(&m, 0x2000ull * MEMMAP_MAX, 0x1000, MEMMAP_RAM), MEMMAP_FULL);
	CHECK_EQ(memmap_add(&m, 0, 0, MEMMAP_RAM), MEMMAP_SKIPPED_EMPTY);
	CHECK_EQ(m.count, MEMMAP_MAX);
	CHECK_EQ(memmap_normalise(&m), 0);
	check_normal(&m);
	CHECK_EQ(m.count, MEMMAP_MAX);
	CHECK_EQ(memmap_total(&m, MEMMAP_RAM), 0x1000ull * MEMMAP_MAX);
}

TEST(ram_like_types)
{
	CHECK(memmap_is_ram_like(MEMMAP_RAM));
	CHECK(memmap_is_ram_like(MEMMAP_ACPI));
	CHECK(memmap_is_ram_like(MEMMAP_NVS));
	CHECK(!memmap_is_ram_like(MEMMAP_RESERVED));
	CHECK(!memmap_is_ram_like(MEMMAP_UNUSABLE));
	CHECK(!memmap_is_ram_like(MEMMAP_PMEM));
	CHECK(!memmap_is_ram_like(0));
}

TEST(deep_nesting_drops_pieces)
{
	/* 128 nested entries, each of a higher type than the one around it:
	 * 255 pieces, only 128 of which fit. */
	struct memmap m = { 0 };

	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		CHECK_EQ(memmap_add(&m, i, 2 * (MEMMAP_MAX - i), 10 + i), MEMMAP_ADDED);
	CHECK_EQ(memmap_normalise(&m), 2 * MEMMAP_MAX - 1 - MEMMAP_MAX);
	CHECK_EQ(m.count, MEMMAP_MAX);
	check_normal(&m);
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		CHECKF(m.entry[i].base == i && m.entry[i].type == 10 + i &&
		       m.entry[i].size == (i + 1 < MEMMAP_MAX ? 1u : 2u),	/* the core */
		       "piece %u", i);
}

TEST(many_holes_drop_pieces)
{
	/* One RAM entry with 127 reserved holes: 255 alternating pieces. */
	struct memmap m = { 0 };

	CHECK_EQ(memmap_add(&m, 0, 0x1000, MEMMAP_RAM), MEMMAP_ADDED);
	for (unsigned i = 0; i < MEMMAP_MAX - 1; i++)
		CHECK_EQ(memmap_add(&m, 16 * i + 8, 4, MEMMAP_RESERVED), MEMMAP_ADDED);
	CHECK_EQ(memmap_normalise(&m), 2 * (MEMMAP_MAX - 1) + 1 - MEMMAP_MAX);
	CHECK_EQ(m.count, MEMMAP_MAX);
	check_normal(&m);
	CHECK(m.entry[0].base == 0 && m.entry[0].size == 8 && m.entry[0].type == MEMMAP_RAM);
}

/* The property test works on a window of the address space: [0, 160), and
 * the top 128 bytes, where entries get clipped at 2^64. Entries start in the
 * first 128 bytes of the window and are under 30 bytes long. */
#define SPAN 160

static const uint32_t types[] = { MEMMAP_RAM, MEMMAP_RAM, MEMMAP_RESERVED, MEMMAP_ACPI,
				  MEMMAP_NVS, MEMMAP_UNUSABLE, MEMMAP_PMEM, 12 };

static bool beats(uint32_t a, uint32_t b)
{
	unsigned pa = a == MEMMAP_RAM ? 0 : a, pb = b == MEMMAP_RAM ? 0 : b;

	return b == 0 || pa > pb;
}

/* sorted: entries in address order without overlaps (they may touch), as
 * most firmware hands them over. */
static void random_map(uint64_t *seed, uint64_t origin, unsigned span, bool sorted)
{
	struct memmap m = { 0 }, again;
	uint32_t want[SPAN] = { 0 }, got[SPAN] = { 0 };
	uint64_t want_total[13] = { 0 };
	unsigned n = (unsigned)check_below(seed, 21);
	uint64_t next = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t base = sorted ? next + check_below(seed, 3) : check_below(seed, 128);
		uint64_t size = check_below(seed, sorted ? 8 : 30);	/* 0 sometimes */
		uint32_t type = types[check_below(seed, sizeof(types) / sizeof(types[0]))];
		enum memmap_add_result r;

		if (base >= 128)
			break;
		r = memmap_add(&m, origin + base, size, type);
		if (size == 0) {
			CHECK_EQ(r, MEMMAP_SKIPPED_EMPTY);
			continue;
		}
		next = base + size;
		/* Ending exactly at 2^64 has a case of its own. */
		if (base + size < span)
			CHECK_EQ(r, MEMMAP_ADDED);
		else if (base + size > span)
			CHECK_EQ(r, MEMMAP_CLIPPED);
		for (uint64_t a = base; a < base + size && a < span; a++)
			if (beats(type, want[a]))
				want[a] = type;
	}
	CHECK_EQ(memmap_normalise(&m), 0);
	check_normal(&m);
	for (unsigned i = 0; i < m.count; i++) {
		const struct memmap_entry *e = &m.entry[i];

		CHECKF(e->base >= origin && e->base - origin + e->size <= span,
		       "entry %u outside the window", i);
		for (uint64_t a = e->base - origin; a < e->base - origin + e->size; a++)
			got[a] = e->type;
	}
	for (unsigned a = 0; a < span; a++) {
		CHECKF(got[a] == want[a], "origin %#" PRIx64 " byte %u: type %" PRIu32
		       ", want %" PRIu32, origin, a, got[a], want[a]);
		want_total[want[a]]++;
	}
	for (unsigned t = 1; t < 13; t++)
		CHECK_EQ(memmap_total(&m, t), want_total[t]);

	/* A normal map is a fixed point. */
	again = m;
	CHECK_EQ(memmap_normalise(&again), 0);
	CHECK(again.count == m.count &&
	      !memcmp(again.entry, m.entry, m.count * sizeof(m.entry[0])));
}

TEST(random_maps_match_oracle)
{
	uint64_t seed = 0x5eed0001;

	for (int i = 0; i < 10000; i++) {
		random_map(&seed, 0, SPAN, false);
		random_map(&seed, 0 - (uint64_t)128, 128, false);	/* at the top */
		random_map(&seed, 0, SPAN, true);
		random_map(&seed, 0 - (uint64_t)128, 128, true);
	}
}

int main(void)
{
	return check_run();
}
