/*
 * AF_NETLINK (netlink(7)), NETLINK_ROUTE only: a socket sends requests to
 * the kernel (port id 0) and reads the answers that net/netlink_msg.c
 * builds, one datagram at a time, from its own queue. Port ids are
 * unique: autobind takes the process's pid when it is free, as Linux
 * does, else a negative number. Multicast groups are accepted and kept
 * but nothing is ever announced.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/socket.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/vfs.h>

#include "netlink.h"

#define NETLINK_ROUTE 0
#define NL_ADDR_LEN 12			/* struct sockaddr_nl */
#define NL_AUTOBIND_FIRST (-4096)	/* af_netlink.c's rover, counting down */
#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_OPT_MAX 12		/* NETLINK_GET_STRICT_CHK, the last one kept */
#define NL_GROUPS_BITS 32		/* nl_groups: the first 32 groups */
/* Buffer sizes, as AF_UNIX's (net/core/sock.c). */
#define NL_BUF_DEFAULT 212992
#define NL_BUF_MAX (2 * 212992)
#define NL_BUF_MIN 2304

/* One datagram of answers. */
struct nl_dgram {
	struct nl_dgram *next;
	size_t len;
	uint8_t data[];
};

struct nl_sock {
	struct nl_sock *next;		/* every netlink socket, for port ids */
	uint32_t portid;
	bool bound;
	uint32_t groups, dst_pid, dst_groups;
	struct nl_dgram *head, *tail;
	size_t queued;
	unsigned sndbuf, rcvbuf;
	int err;			/* ENOBUFS: answers were dropped */
	uint32_t opts;			/* SOL_NETLINK flags set, by bit */
};

/* Sockets and their queues. Answers are built without it (they ask the
 * stack), then queued under it. */
static struct mutex lock;
static struct nl_sock *socks;
static int32_t rover = NL_AUTOBIND_FIRST;

static struct nl_sock *nsock(struct socket *s)
{
	return s->priv;
}

static bool port_used(uint32_t portid)
{
	for (struct nl_sock *n = socks; n; n = n->next)
		if (n->bound && n->portid == portid)
			return true;
	return false;
}

/* Lock held. */
static void autobind(struct nl_sock *n)
{
	int pid = socket_caller_pid();

	if (n->bound)
		return;
	if (pid > 0 && !port_used((uint32_t)pid)) {
		n->portid = (uint32_t)pid;
	} else {
		while (port_used((uint32_t)rover))
			rover = rover == INT32_MIN ? NL_AUTOBIND_FIRST : rover - 1;
		n->portid = (uint32_t)rover;
		rover = rover == INT32_MIN ? NL_AUTOBIND_FIRST : rover - 1;
	}
	n->bound = true;
}

/* struct sockaddr_nl: family, pad, nl_pid, nl_groups. */
static int parse_addr(const struct sock_addr *a, uint32_t *pid, uint32_t *groups)
{
	if (a->len < NL_ADDR_LEN || a->family != SOCK_AF_NETLINK)
		return -EINVAL;
	memcpy(pid, a->bytes + 4, sizeof(*pid));
	memcpy(groups, a->bytes + 8, sizeof(*groups));
	return 0;
}

static void fill_addr(struct sock_addr *a, uint32_t pid, uint32_t groups)
{
	memset(a->bytes, 0, NL_ADDR_LEN);
	a->len = NL_ADDR_LEN;
	a->family = SOCK_AF_NETLINK;
	memcpy(a->bytes + 4, &pid, sizeof(pid));
	memcpy(a->bytes + 8, &groups, sizeof(groups));
}

static int nl_bind(struct socket *s, const struct sock_addr *a)
{
	struct nl_sock *n = nsock(s);
	uint32_t pid, groups;
	int r = parse_addr(a, &pid, &groups);

	if (r < 0)
		return r;
	mutex_lock(&lock);
	if (n->bound && pid && pid != n->portid) {
		r = -EINVAL;
	} else if (!n->bound && pid) {
		if (port_used(pid)) {
			r = -EADDRINUSE;
		} else {
			n->portid = pid;
			n->bound = true;
		}
	} else {
		autobind(n);
	}
	if (r == 0)
		n->groups = groups;
	mutex_unlock(&lock);
	return r;
}

static int nl_connect(struct socket *s, const struct sock_addr *a)
{
	struct nl_sock *n = nsock(s);
	uint32_t pid = 0, groups = 0;
	int r = 0;

	if (a->len < sizeof(a->family))
		return -EINVAL;
	if (a->family != SOCK_AF_UNSPEC)
		r = parse_addr(a, &pid, &groups);
	if (r < 0)
		return r;
	mutex_lock(&lock);
	autobind(n);
	n->dst_pid = pid;
	n->dst_groups = groups;
	mutex_unlock(&lock);
	return 0;
}

static int nl_no_listen(struct socket *s, int backlog)
{
	(void)s;
	(void)backlog;
	return -EOPNOTSUPP;
}

static int nl_no_accept(struct socket *s, struct file **out, struct sock_addr *peer, int flags)
{
	(void)s;
	(void)out;
	(void)peer;
	(void)flags;
	return -EOPNOTSUPP;
}

static int nl_no_shutdown(struct socket *s, int how)
{
	(void)s;
	(void)how;
	return -EOPNOTSUPP;
}

/* The sink's emit: a datagram into the queue, or dropped (ENOBUFS) when
 * the queue is past SO_RCVBUF. */
static int enqueue(void *arg, const void *data, size_t len)
{
	struct nl_sock *n = arg;
	struct nl_dgram *d = kmalloc(sizeof(*d) + len);

	mutex_lock(&lock);
	if (!d || (n->head && n->queued + len > n->rcvbuf)) {
		n->err = ENOBUFS;
		mutex_unlock(&lock);
		kfree(d);
		return -ENOBUFS;
	}
	d->next = NULL;
	d->len = len;
	memcpy(d->data, data, len);
	if (n->tail)
		n->tail->next = d;
	else
		n->head = d;
	n->tail = d;
	n->queued += len;
	mutex_unlock(&lock);
	return 0;
}

static size_t iov_len(const struct sock_msg *m)
{
	size_t n = 0;

	for (unsigned i = 0; i < m->iovlen; i++)
		n += m->iov[i].len;
	return n;
}

/* Requests to the kernel are answered at once; other destinations (other
 * programs' sockets) are not served. */
static long nl_sendmsg(struct socket *s, struct sock_msg *m)
{
	struct nl_sock *n = nsock(s);
	size_t total = iov_len(m), off = 0;
	uint32_t dst = n->dst_pid, groups = 0, portid;
	struct nl_sink *sink;
	uint8_t *req;
	int r;

	if (m->addr) {
		r = parse_addr(m->addr, &dst, &groups);
		if (r < 0)
			return r;
	}
	if (dst)
		return -ECONNREFUSED;
	if (total > n->sndbuf)
		return -EMSGSIZE;
	mutex_lock(&lock);
	autobind(n);
	portid = n->portid;
	mutex_unlock(&lock);
	req = kmalloc(total ? total : 1);
	sink = kmalloc(sizeof(*sink));
	if (!req || !sink) {
		kfree(req);
		kfree(sink);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < m->iovlen; i++) {
		memcpy(req + off, m->iov[i].base, m->iov[i].len);
		off += m->iov[i].len;
	}
	sink->emit = enqueue;
	sink->arg = n;
	nl_answer(sink, req, total, portid);
	kfree(sink);
	kfree(req);
	vfs_poll_notify();
	return (long)total;
}

/* One datagram; MSG_TRUNC as for any datagram socket. The sender is the
 * kernel: port id 0. */
static long nl_recvmsg(struct socket *s, struct sock_msg *m)
{
	struct nl_sock *n = nsock(s);
	uint64_t deadline = socket_deadline(s->rcvtimeo_ns);
	bool nonblock = socket_nonblocking(s, m->flags);
	bool peek = m->flags & SOCK_MSG_PEEK, whole = m->flags & SOCK_MSG_TRUNC;
	size_t total = iov_len(m), len = 0, done = 0;
	struct nl_dgram *d = NULL;
	long r = 0;

	m->flags &= ~(SOCK_MSG_TRUNC | SOCK_MSG_CTRUNC);
	mutex_lock(&lock);
	for (;;) {
		uint64_t gen = vfs_poll_generation();

		d = n->head;
		if (d)
			break;
		if (n->err) {
			r = -n->err;
			n->err = 0;
			break;
		}
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		mutex_unlock(&lock);
		r = vfs_poll_wait(gen, deadline);
		mutex_lock(&lock);
		if (r < 0) {
			r = r == -ETIMEDOUT ? -EAGAIN : r;
			break;
		}
	}
	if (d) {
		len = d->len;
		for (unsigned i = 0; i < m->iovlen && done < len; i++) {
			size_t run = len - done < m->iov[i].len ? len - done : m->iov[i].len;

			memcpy(m->iov[i].base, d->data + done, run);
			done += run;
		}
		if (len > total)
			m->flags |= SOCK_MSG_TRUNC;
		if (!peek) {
			n->head = d->next;
			if (!n->head)
				n->tail = NULL;
			n->queued -= d->len;
		}
	}
	mutex_unlock(&lock);
	if (d && !peek)
		kfree(d);
	if (r < 0)
		return r;
	if (m->addr)
		fill_addr(m->addr, 0, 0);
	return (long)(whole ? len : done);
}

static int nl_getname(struct socket *s, struct sock_addr *a, bool peer)
{
	struct nl_sock *n = nsock(s);

	mutex_lock(&lock);
	if (peer)
		fill_addr(a, n->dst_pid, n->dst_groups);
	else
		fill_addr(a, n->portid, n->groups);
	mutex_unlock(&lock);
	return 0;
}

static unsigned buf_size(int v)
{
	unsigned d = v < 0 ? 0 : (unsigned)v > NL_BUF_MAX / 2 ? NL_BUF_MAX : 2 * (unsigned)v;

	return d < NL_BUF_MIN ? NL_BUF_MIN : d;
}

/* SO_SNDBUF and SO_RCVBUF; SOL_NETLINK's memberships and flags, kept. */
static int nl_setsockopt(struct socket *s, int level, int name, const void *val, unsigned len)
{
	struct nl_sock *n = nsock(s);
	int v, r = 0;

	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	mutex_lock(&lock);
	if (level == SOCK_SOL_SOCKET && name == SOCK_SO_SNDBUF)
		n->sndbuf = buf_size(v);
	else if (level == SOCK_SOL_SOCKET && name == SOCK_SO_RCVBUF)
		n->rcvbuf = buf_size(v);
	else if (level == SOL_NETLINK && name == NETLINK_ADD_MEMBERSHIP && v > 0 &&
		 v <= NL_GROUPS_BITS)
		n->groups |= 1u << (v - 1);
	else if (level == SOL_NETLINK && name == NETLINK_DROP_MEMBERSHIP && v > 0 &&
		 v <= NL_GROUPS_BITS)
		n->groups &= ~(1u << (v - 1));
	else if (level == SOL_NETLINK && name > NETLINK_DROP_MEMBERSHIP && name <= NETLINK_OPT_MAX)
		n->opts = v ? n->opts | 1u << name : n->opts & ~(1u << name);
	else
		r = -ENOPROTOOPT;
	mutex_unlock(&lock);
	return r;
}

static int nl_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len)
{
	struct nl_sock *n = nsock(s);
	int v;

	mutex_lock(&lock);
	if (level == SOCK_SOL_SOCKET && name == SOCK_SO_SNDBUF) {
		v = (int)n->sndbuf;
	} else if (level == SOCK_SOL_SOCKET && name == SOCK_SO_RCVBUF) {
		v = (int)n->rcvbuf;
	} else if (level == SOCK_SOL_SOCKET && name == SOCK_SO_ERROR) {
		v = n->err;
		n->err = 0;
	} else if (level == SOL_NETLINK && name > NETLINK_DROP_MEMBERSHIP && name <= NETLINK_OPT_MAX) {
		v = (n->opts >> name) & 1;
	} else {
		v = -1;
	}
	mutex_unlock(&lock);
	if (v < 0)
		return -ENOPROTOOPT;
	if (*len > sizeof(v))
		*len = sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}

static unsigned nl_poll(struct socket *s)
{
	struct nl_sock *n = nsock(s);
	unsigned bits = VFS_POLLOUT;

	mutex_lock(&lock);
	if (n->head)
		bits |= VFS_POLLIN;
	if (n->err)
		bits |= VFS_POLLERR;
	mutex_unlock(&lock);
	return bits;
}

static long nl_ioctl(struct socket *s, unsigned long cmd, void *arg)
{
	(void)s;
	(void)cmd;
	(void)arg;
	return -ENOTTY;
}

static void nl_release(struct socket *s)
{
	struct nl_sock *n = nsock(s);
	struct nl_dgram *d;

	mutex_lock(&lock);
	for (struct nl_sock **pp = &socks; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	mutex_unlock(&lock);
	while ((d = n->head)) {
		n->head = d->next;
		kfree(d);
	}
	kfree(n);
}

static const struct socket_ops nl_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.listen = nl_no_listen,
	.accept = nl_no_accept,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.shutdown = nl_no_shutdown,
	.getname = nl_getname,
	.setsockopt = nl_setsockopt,
	.getsockopt = nl_getsockopt,
	.poll = nl_poll,
	.ioctl = nl_ioctl,
	.release = nl_release,
};

static int nl_create(struct socket *s, int type, int protocol)
{
	struct nl_sock *n;

	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->sndbuf = NL_BUF_DEFAULT;
	n->rcvbuf = NL_BUF_DEFAULT;
	s->ops = &nl_ops;
	s->priv = n;
	mutex_lock(&lock);
	n->next = socks;
	socks = n;
	mutex_unlock(&lock);
	return 0;
}

static const struct socket_family nl_family = {
	.family = SOCK_AF_NETLINK,
	.create = nl_create,
};

void netlink_init(void)
{
	socket_register_family(&nl_family);
}
