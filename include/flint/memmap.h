/* The physical memory map every boot entry produces (kernel/memmap.c):
 * E820 types, sorted by address, without overlaps or zero-sized entries. */
#ifndef FLINT_MEMMAP_H
#define FLINT_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>

/* E820 address range types (ACPI 6.5 §15.3 "Address Range Types"); the PVH
 * memory map uses the same numbers. */
enum memmap_type {
	MEMMAP_RAM = 1,
	MEMMAP_RESERVED = 2,
	MEMMAP_ACPI = 3,
	MEMMAP_NVS = 4,
	MEMMAP_UNUSABLE = 5,
	MEMMAP_PMEM = 7,
};

#define MEMMAP_MAX 128

struct memmap_entry {
	uint64_t base;
	uint64_t size;
	uint32_t type;
};

struct memmap {
	unsigned count;
	struct memmap_entry entry[MEMMAP_MAX];
};

enum memmap_add_result {
	MEMMAP_ADDED,
	MEMMAP_SKIPPED_EMPTY,	/* size 0 or type 0: qboot's terminator */
	MEMMAP_CLIPPED,		/* ran past 2^64: cut at the top */
	MEMMAP_FULL,
};

enum memmap_add_result memmap_add(struct memmap *m, uint64_t base,
				  uint64_t size, uint32_t type);

/* Sorts, resolves overlaps (any non-RAM type beats RAM, then the higher
 * type number wins) and merges neighbours of one type. Returns how many
 * pieces did not fit in MEMMAP_MAX entries (0 unless overlaps nest deeply). */
unsigned memmap_normalise(struct memmap *m);

uint64_t memmap_total(const struct memmap *m, uint32_t type);
bool memmap_is_ram_like(uint32_t type);

#endif
