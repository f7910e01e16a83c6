/* The socket families that need no network device. */
#include <flint/socket.h>

#include "netlink.h"
#include "unix.h"

void socket_local_init(void)
{
	unix_init();
	netlink_init();
}
