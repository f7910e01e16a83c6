/* The generic socket layer's part that the families call (net/socket.c
 * in the kernel), for test_unix and test_netlink: a socket file whose
 * release calls the family's and frees the socket, the registered
 * families; the test provides the clock. */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/socket.h>
#include <flint/timer.h>
#include <flint/vfs.h>

#define FAKE_FAMILIES 4

static const struct socket_family *families[FAKE_FAMILIES];

void socket_register_family(const struct socket_family *f)
{
	for (unsigned i = 0; i < FAKE_FAMILIES; i++)
		if (!families[i]) {
			families[i] = f;
			return;
		}
}

static void fake_release(struct file *f)
{
	struct socket *s = f->priv;

	s->ops->release(s);
	kfree(s);
}

static const struct file_ops fake_socket_ops = {
	.release = fake_release,
};

int socket_file(struct socket *s, int flags, struct file **out)
{
	struct file *f = file_new(&fake_socket_ops, VFS_O_RDWR | flags, s);

	if (!f)
		return -ENOMEM;
	s->file = f;
	*out = f;
	return 0;
}

struct socket *socket_of(struct file *f)
{
	return f->ops == &fake_socket_ops ? f->priv : NULL;
}

static const struct socket_family *family(int af)
{
	for (unsigned i = 0; i < FAKE_FAMILIES; i++)
		if (families[i] && families[i]->family == af)
			return families[i];
	return NULL;
}

int socket_create(int af, int type, int protocol, int flags, struct file **out)
{
	const struct socket_family *fam = family(af);
	struct socket *s;
	int r;

	if (!fam)
		return -EAFNOSUPPORT;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->family = af;
	s->type = type;
	s->protocol = protocol;
	r = fam->create(s, type, protocol);
	if (r == 0)
		r = socket_file(s, flags, out);
	if (r < 0)
		kfree(s);
	return r;
}

int socket_pair(int af, int type, int protocol, int flags, struct file *out[2])
{
	const struct socket_family *fam = family(af);
	struct socket *a = kzalloc(sizeof(*a)), *b = kzalloc(sizeof(*b));
	int r;

	if (!fam || !a || !b)
		return -EAFNOSUPPORT;
	a->family = b->family = af;
	r = fam->pair(a, b, type, protocol);
	if (r < 0)
		return r;
	r = socket_file(a, flags, &out[0]);
	if (r == 0)
		r = socket_file(b, flags, &out[1]);
	return r;
}

bool socket_nonblocking(const struct socket *s, int msg_flags)
{
	return (msg_flags & SOCK_MSG_DONTWAIT) || (s->file && (s->file->flags & VFS_O_NONBLOCK));
}

uint64_t socket_deadline(uint64_t timeout_ns)
{
	return timeout_ns ? clock_ns() + timeout_ns : 0;
}
