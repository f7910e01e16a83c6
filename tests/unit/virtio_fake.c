/*
 * The kernel services the virtio core, its rings and drivers use, for the
 * host tests that run them (test_vring, test_virtio_net,
 * test_virtio_net_dev): pages and the heap from the C library, and
 * console lines kept (the last one, and how many) for the tests to check.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "virtio_fake.h"

unsigned fake_printk_lines;
char fake_printk_last[FAKE_PRINTK_MAX];

void printk_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake_printk_last, sizeof(fake_printk_last), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", fake_printk_last);
	fake_printk_lines++;
}

uint64_t page_alloc_below(unsigned npages, uint64_t limit)
{
	(void)limit;
	return (uint64_t)(uintptr_t)aligned_alloc(4096, (size_t)npages * 4096);
}

void page_free(uint64_t phys, unsigned npages)
{
	(void)npages;
	free((void *)(uintptr_t)phys);
}

unsigned fake_kmalloc_fail_after = ~0u;

void *kmalloc(size_t size)
{
	if (!fake_kmalloc_fail_after)
		return NULL;
	fake_kmalloc_fail_after--;
	return malloc(size);
}

void *kzalloc(size_t size)
{
	return calloc(1, size);
}

void kfree(void *p)
{
	free(p);
}
