/* The kernel heap (kernel/heap.c): small blocks from power-of-two size
 * classes carved out of pages, large ones as whole pages. */
#ifndef FLINT_HEAP_H
#define FLINT_HEAP_H

#include <stddef.h>

void *kmalloc(size_t size);	/* 16-byte aligned; NULL when out of memory */
void *kzalloc(size_t size);
void kfree(void *p);

#endif
