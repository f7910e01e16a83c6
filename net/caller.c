/* The process layer's answers for the socket families (<flint/socket.h>):
 * net/ is below linux/, so linux/ registers them at start. */
#include <flint/socket.h>

static const struct socket_caller *caller;

void socket_set_caller(const struct socket_caller *c)
{
	__atomic_store_n(&caller, c, __ATOMIC_RELEASE);
}

int socket_caller_pid(void)
{
	const struct socket_caller *c = __atomic_load_n(&caller, __ATOMIC_ACQUIRE);

	return c ? c->pid() : 0;
}

struct vnode *socket_caller_cwd(void)
{
	const struct socket_caller *c = __atomic_load_n(&caller, __ATOMIC_ACQUIRE);

	return c ? c->cwd() : NULL;
}
