/* In-place sorting for the small arrays the kernel keeps (lib/sort.c). */
#ifndef FLINT_SORT_H
#define FLINT_SORT_H

#include <stddef.h>

/* Stable insertion sort: n is small wherever the kernel sorts. */
void sort(void *base, size_t n, size_t size,
	  int (*cmp)(const void *a, const void *b));

#endif
