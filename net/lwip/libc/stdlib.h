/* What lwIP's sources take from <stdlib.h>: atoi (netif names' numbers)
 * and nothing else; memory comes from mem_clib_malloc (lwipopts.h). */
#ifndef FLINT_LWIP_STDLIB_H
#define FLINT_LWIP_STDLIB_H

static inline int atoi(const char *s)
{
	int n = 0;

	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return n;
}

#endif
