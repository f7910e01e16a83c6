/* The socket families' questions to the process layer (<flint/socket.h>:
 * struct socket_caller), answered for the calling thread. */
#include <flint/socket.h>

#include "linux.h"

static int caller_pid(void)
{
	struct process *p = process_current();

	return p ? p->pid : 0;
}

/* As the path calls take it: the process holds its cwd, so the node stays
 * valid even if a racing chdir releases it. */
static struct vnode *caller_cwd(void)
{
	struct process *p = process_current();
	struct vnode *v;

	if (!p)
		return NULL;
	mutex_lock(&p->lock);
	v = p->cwd;
	mutex_unlock(&p->lock);
	return v;
}

static const struct socket_caller caller = {
	.pid = caller_pid,
	.cwd = caller_cwd,
};

void socket_caller_init(void)
{
	socket_set_caller(&caller);
}
