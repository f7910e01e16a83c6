/* Freestanding string and memory functions, in plain C so that they build
 * the same for the 64-bit kernel and the 32-bit test shim. memcpy and
 * memset move words, not bytes: under emulation every loop iteration
 * counts. */
#include <flint/string.h>
#include <stdint.h>

#define WORD sizeof(uintptr_t)
#define ALIGNED(p) (((uintptr_t)(p) & (WORD - 1)) == 0)
#define BLOCK (4 * WORD)

/* A word read from any address: x86 loads unaligned words at full speed,
 * so only the destination needs aligning. */
typedef uintptr_t __attribute__((may_alias, aligned(1))) uword;

/* Four words an iteration: under emulation each iteration ends a
 * translated block, so fewer iterations beat any cleverness. */
void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n && !ALIGNED(d); n--)
		*d++ = *s++;
	for (; n >= BLOCK; n -= BLOCK, d += BLOCK, s += BLOCK) {
		uintptr_t a = ((const uword *)s)[0], b = ((const uword *)s)[1];
		uintptr_t c = ((const uword *)s)[2], e = ((const uword *)s)[3];

		((uintptr_t *)d)[0] = a;
		((uintptr_t *)d)[1] = b;
		((uintptr_t *)d)[2] = c;
		((uintptr_t *)d)[3] = e;
	}
	for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
		*(uintptr_t *)d = *(const uword *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uintptr_t w = (uintptr_t)-1 / 255 * (unsigned char)c;

	for (; n && !ALIGNED(d); n--)
		*d++ = (unsigned char)c;
	for (; n >= WORD; n -= WORD, d += WORD)
		*(uintptr_t *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
