/*
 * lwIP's compiler and platform definitions for Flint's freestanding
 * kernel: no libc, so formats, ctype and errno come from here.
 */
#ifndef FLINT_LWIP_CC_H
#define FLINT_LWIP_CC_H

#include <flint/string.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_LIMITS_H 1
#define INT_MAX __INT_MAX__
#define SSIZE_MAX __LONG_MAX__
typedef long ssize_t;
#define BYTE_ORDER LITTLE_ENDIAN
/* Byte swaps inline: lwIP's own are out-of-line calls, several for every
 * segment's headers. */
#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

#define X8_F "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

/* Linux's errno values, kept per thread (struct thread's net_errno), so
 * that the socket layer's errno is the caller's own. */
#define LWIP_ERRNO_INCLUDE "flint/errno.h"
int *lwip_port_errno(void);
#define errno (*lwip_port_errno())

void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void lwip_port_assert(const char *what, const char *file, int line);
#define LWIP_PLATFORM_DIAG(x) do { lwip_port_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __FILE__, __LINE__)

#include <stddef.h>
unsigned lwip_port_rand(void);
void *lwip_port_malloc(size_t size);
void *lwip_port_calloc(size_t n, size_t size);
void lwip_port_free(void *p);

#endif
