/* Access to guest-physical memory. The shim runs with paging off, so a
 * physical address is a pointer; volatile keeps every probe and read-back. */
#ifndef FCSHIM_GUEST_H
#define FCSHIM_GUEST_H

#include <stdint.h>

#define PAGE_SIZE 0x1000u

static inline volatile uint8_t *phys(uint32_t addr)
{
	return (volatile uint8_t *)(uintptr_t)addr;
}

/* Each access is one load or store of its width (x86 allows unaligned
 * ones), so the same helpers serve RAM and 32-bit MMIO registers. */
static inline void put8(uint32_t addr, uint8_t v)
{
	*phys(addr) = v;
}

static inline void put16(uint32_t addr, uint16_t v)
{
	*(volatile uint16_t *)phys(addr) = v;
}

static inline void put32(uint32_t addr, uint32_t v)
{
	*(volatile uint32_t *)phys(addr) = v;
}

static inline void put64(uint32_t addr, uint64_t v)
{
	put32(addr, (uint32_t)v);
	put32(addr + 4, (uint32_t)(v >> 32));
}

static inline uint8_t get8(uint32_t addr)
{
	return *phys(addr);
}

static inline uint16_t get16(uint32_t addr)
{
	return *(volatile uint16_t *)phys(addr);
}

static inline uint32_t get32(uint32_t addr)
{
	return *(volatile uint32_t *)phys(addr);
}

static inline uint64_t get64(uint32_t addr)
{
	return get32(addr) | (uint64_t)get32(addr + 4) << 32;
}

static inline void put_bytes(uint32_t addr, const void *src, uint32_t len)
{
	const uint8_t *s = src;

	for (uint32_t i = 0; i < len; i++)
		put8(addr + i, s[i]);
}

/* Sum of len bytes at addr; ACPI and MP checksums make it 0. */
static inline uint8_t byte_sum(uint32_t addr, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + get8(addr + i));
	return sum;
}

#endif
