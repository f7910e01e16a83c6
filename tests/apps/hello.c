/* The smallest program: which C library it was built with, and argv[0]. */
#include "check.h"

int main(int argc, char **argv)
{
	printf("hello from %s\n", LIBC_NAME);
	printf("argv[0] %s\n", argc > 0 ? argv[0] : "(none)");
	return 0;
}
