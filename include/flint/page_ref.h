/*
 * Reference counts of physical pages (kernel/page_ref.c), for pages that
 * several address spaces map at once (fork's copy-on-write, shared
 * anonymous memory). A page's count starts at 1 when it is allocated and
 * is implicit: only pages shared by more than one owner take space.
 */
#ifndef FLINT_PAGE_REF_H
#define FLINT_PAGE_REF_H

#include <stdbool.h>
#include <stdint.h>

/* One more owner of the page at phys: 0, or -ENOMEM (the table could not
 * grow; the count is unchanged). */
int page_ref_get(uint64_t phys);
/* One owner fewer: true when that was the last, and the caller frees it. */
bool page_ref_put(uint64_t phys);
/* The page's owners now (1 for any page the table does not hold). */
unsigned page_ref_count(uint64_t phys);

#endif
