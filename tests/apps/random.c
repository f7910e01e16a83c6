/* getrandom: 64 bytes, not all zero, and two calls differ. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "check.h"

#define LEN 64

int main(void)
{
	unsigned char a[LEN] = { 0 }, b[LEN] = { 0 };
	ssize_t na = getrandom(a, LEN, 0), nb = getrandom(b, LEN, 0);
	int nonzero = 0;

	check(na == LEN && nb == LEN, "getrandom 64 bytes", "%zd and %zd (%s)", na, nb,
	      strerror(errno));
	for (int i = 0; i < LEN; i++)
		nonzero |= a[i];
	check(nonzero, "getrandom bytes not all zero", "64 zero bytes");
	check(memcmp(a, b, LEN) != 0, "two getrandom calls differ", "same 64 bytes twice");
	check(getrandom(a, LEN, GRND_NONBLOCK) == LEN, "getrandom GRND_NONBLOCK", "%s",
	      strerror(errno));
	return checks_done();
}
