/* What lwIP's sources take from <string.h>: the kernel's own (lwIP is
 * built with -nostdinc, so no host header is seen). */
#include <flint/string.h>
