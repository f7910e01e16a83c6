/* CRC-32 (IEEE 802.3, as zlib and Ethernet compute it) (lib/crc32.c). */
#ifndef FLINT_CRC32_H
#define FLINT_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Returns the CRC of n more bytes after a CRC of crc (0 to start), the
 * same value as zlib's crc32(crc, p, n). */
uint32_t crc32(uint32_t crc, const void *p, size_t n);

#endif
