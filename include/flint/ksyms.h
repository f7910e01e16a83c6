/* The kernel's own function symbols, for stack traces (kernel/ksyms.c).
 * The table is generated from the first link by tools/gen-ksyms.sh. */
#ifndef FLINT_KSYMS_H
#define FLINT_KSYMS_H

#include <stdint.h>

/* Name of the function containing addr and addr's offset in it, or NULL. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
