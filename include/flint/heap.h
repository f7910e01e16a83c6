/* The kernel heap (kernel/heap.c): small blocks from power-of-two size
 * classes carved out of pages, large ones as whole pages. */
#ifndef FLINT_HEAP_H
#define FLINT_HEAP_H

#include <stddef.h>

/* The largest request served from a size class (2 KiB blocks less their
 * 16-byte header); anything larger takes whole pages. */
#define KMALLOC_CLASS_MAX (2048 - 16)

void *kmalloc(size_t size);	/* 16-byte aligned; NULL when out of memory */
void *kzalloc(size_t size);
void kfree(void *p);

#endif
