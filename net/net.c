/* The network stack's start: being written. */
#include <flint/net.h>

void net_init(void)
{
}
