/* Page-table services for arch code (arch/x86_64/paging.c). */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Physical address of the kernel's top-level table (no user half). */
uint64_t paging_kernel_root(void);

/* A kernel stack of size bytes in stack slot slot, with an unmapped guard
 * page below it; returns its top. */
void *arch_alloc_stack(unsigned slot, size_t size);

/* Adds (on) or removes the identity map of the first 2 MiB that the AP
 * start-up code needs. */
void arch_identity_low(bool on);

#endif
