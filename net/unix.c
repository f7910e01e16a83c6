/*
 * AF_UNIX (unix(7)): stream, datagram and seqpacket sockets, socketpair,
 * names in the filesystem (socket nodes), abstract names (sun_path
 * starting with a NUL) and autobind, listen and accept, shutdown,
 * SO_PEERCRED and SO_PASSCRED, SO_SNDBUF and SO_RCVBUF, readiness. The
 * messages themselves are net/unix_io.c's. See docs/network.md.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/vfs.h>

#include "unix.h"

#define UNIX_NODE_PERM 0755		/* 0777 less the usual umask 022 */
#define UNIX_AUTOBIND_DIGITS 5		/* "\0" and 5 hex digits (af_unix.c) */
#define UNIX_AUTOBIND_NAMES 0x100000	/* the names those digits make */
/* Buffer sizes (net/core/sock.c, sysctl net.core.*mem_*): a new socket's,
 * the most setsockopt gives (twice wmem_max), and the least (about two
 * 2 KiB packets with their overhead, SOCK_MIN_SNDBUF/SOCK_MIN_RCVBUF). */
#define UNIX_BUF_DEFAULT 212992
#define UNIX_BUF_MAX (2 * 212992)
#define UNIX_SNDBUF_MIN 4608
#define UNIX_RCVBUF_MIN 2304
/* SO_PEERCRED of a socket with no peer: pid 0, ids -1 (as Linux 6.x). */
#define UNIX_NO_ID (-1)
#define UNIX_FIONREAD 0x541b		/* SIOCINQ */
#define UNIX_SIOCOUTQ 0x5411		/* TIOCOUTQ */

static struct mutex lock;
static struct unix_sock *abstract_names;
static unsigned autobind_next;

void unix_lock(void)
{
	mutex_lock(&lock);
}

void unix_unlock(void)
{
	mutex_unlock(&lock);
}

int unix_wait(bool nonblock, uint64_t gen, uint64_t deadline)
{
	int r;

	if (nonblock)
		return -EAGAIN;
	unix_unlock();
	r = vfs_poll_wait(gen, deadline);
	unix_lock();
	return r == -ETIMEDOUT ? -EAGAIN : r;
}

static struct unix_sock *unix_new(int type)
{
	struct unix_sock *u = kzalloc(sizeof(*u));

	if (u) {
		u->type = type;
		u->refs = 1;
		u->sndbuf = UNIX_BUF_DEFAULT;
		u->rcvbuf = UNIX_BUF_DEFAULT;
		unix_lock();
		unix_list_add(u);
		unix_unlock();
	}
	return u;
}

void unix_put(struct unix_sock *u)
{
	if (--u->refs)
		return;
	unix_list_del(u);
	kfree(u);
}

static struct unix_sock *usock(struct socket *s)
{
	return s->priv;
}

static bool connection_oriented(const struct unix_sock *u)
{
	return u->type != SOCK_DGRAM;
}

/* The peer of a connection, NULL once it is closed. */
static void set_peer(struct unix_sock *u, struct unix_sock *peer)
{
	if (u->peer)
		unix_put(u->peer);
	u->peer = peer;
	if (peer)
		peer->refs++;
}

/* An address as bind and connect take it: the family, then a path (up to
 * its NUL) or an abstract name (all len bytes). *len becomes the length
 * Linux keeps: a path's with one NUL. */
static int check_addr(const struct sock_addr *a, uint32_t *len)
{
	if (a->len < UNIX_FAMILY_LEN || a->len > UNIX_ADDR_MAX || a->family != SOCK_AF_UNIX)
		return -EINVAL;
	if (a->len == UNIX_FAMILY_LEN)
		return -EINVAL;
	*len = a->len;
	if (a->bytes[UNIX_FAMILY_LEN] != '\0')
		*len = UNIX_FAMILY_LEN + (uint32_t)strnlen((const char *)a->bytes + UNIX_FAMILY_LEN,
							   a->len - UNIX_FAMILY_LEN) + 1;
	return 0;
}

static bool is_abstract(const uint8_t *addr)
{
	return addr[UNIX_FAMILY_LEN] == '\0';
}

/* A path's bytes, NUL-terminated. */
static void path_of(const struct sock_addr *a, uint32_t len, char path[UNIX_PATH_MAX + 1])
{
	size_t n = len - UNIX_FAMILY_LEN - 1;

	memcpy(path, a->bytes + UNIX_FAMILY_LEN, n);
	path[n] = '\0';
}

static struct unix_sock *find_abstract(const uint8_t *addr, uint32_t len, int type)
{
	for (struct unix_sock *u = abstract_names; u; u = u->abstract_next)
		if (u->type == type && u->addr_len == len && !memcmp(u->addr, addr, len))
			return u;
	return NULL;
}

static void set_abstract(struct unix_sock *u, const uint8_t *addr, uint32_t len)
{
	memcpy(u->addr, addr, len);
	u->addr_len = len;
	u->abstract_next = abstract_names;
	abstract_names = u;
}

int unix_autobind(struct unix_sock *u)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t addr[UNIX_FAMILY_LEN + 1 + UNIX_AUTOBIND_DIGITS] = { SOCK_AF_UNIX, 0, 0 };

	if (u->addr_len)
		return 0;
	for (unsigned tries = 0; tries < UNIX_AUTOBIND_NAMES; tries++) {
		unsigned n = autobind_next++ % UNIX_AUTOBIND_NAMES;

		for (int i = UNIX_AUTOBIND_DIGITS - 1; i >= 0; i--, n >>= 4)
			addr[UNIX_FAMILY_LEN + 1 + i] = (uint8_t)hex[n & 0xf];
		if (!find_abstract(addr, sizeof(addr), u->type)) {
			set_abstract(u, addr, sizeof(addr));
			return 0;
		}
	}
	return -ENOSPC;
}

int unix_find(const struct sock_addr *a, int type, struct vnode *cwd, struct unix_sock **out)
{
	char path[UNIX_PATH_MAX + 1];
	uint32_t len;
	void *found;
	int r = check_addr(a, &len);

	if (r < 0)
		return r;
	if (is_abstract(a->bytes)) {
		*out = find_abstract(a->bytes, len, type);
		return *out ? 0 : -ECONNREFUSED;
	}
	path_of(a, len, path);
	r = vfs_lookup_sock(cwd, path, &found);
	if (r < 0)
		return r;
	*out = found;
	return (*out)->type == type ? 0 : -EPROTOTYPE;
}

/* The family alone asks for an abstract name (none more once named).
 * Linux makes a path's node before it looks at the socket: a named
 * socket's bind to a path that exists answers EADDRINUSE, to another
 * EINVAL. */
static int unix_bind(struct socket *s, const struct sock_addr *a)
{
	struct unix_sock *u = usock(s);
	struct vnode *cwd = socket_caller_cwd(), *n;
	char path[UNIX_PATH_MAX + 1];
	uint32_t len;
	int r;

	if (a->len < UNIX_FAMILY_LEN || a->family != SOCK_AF_UNIX)
		return -EINVAL;
	if (a->len == UNIX_FAMILY_LEN) {
		unix_lock();
		r = unix_autobind(u);
		unix_unlock();
		return r;
	}
	r = check_addr(a, &len);
	if (r < 0)
		return r;
	unix_lock();
	if (is_abstract(a->bytes)) {
		if (u->addr_len)
			r = -EINVAL;
		else if (find_abstract(a->bytes, len, u->type))
			r = -EADDRINUSE;
		else
			set_abstract(u, a->bytes, len);
		goto out;
	}
	path_of(a, len, path);
	if (u->addr_len) {
		r = vfs_lookup(cwd, path, false, &n) == 0 ? -EADDRINUSE : -EINVAL;
		goto out;
	}
	r = vfs_mksock(cwd, path, UNIX_NODE_PERM, u, &u->node);
	if (r == 0) {
		memcpy(u->addr, a->bytes, len - 1);
		u->addr[len - 1] = '\0';
		u->addr_len = len;
	} else if (r == -EEXIST) {
		r = -EADDRINUSE;
	}
out:
	unix_unlock();
	return r;
}

static int unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = usock(s);
	int r = 0;

	if (!connection_oriented(u))
		return -EOPNOTSUPP;
	unix_lock();
	if (!u->addr_len || u->state == UNIX_CONNECTED) {
		r = -EINVAL;
	} else {
		u->state = UNIX_LISTENING;
		u->backlog = backlog < 0 ? 0 : backlog;
		u->has_peercred = true;
		u->peer_pid = socket_caller_pid();
	}
	unix_unlock();
	vfs_poll_notify();
	return r;
}

/* A stream or seqpacket connect: the listener gets a new socket, still
 * without a file, in its accept queue, already connected to u. Waits
 * while the queue holds more than the backlog, as Linux does. */
static int stream_connect(struct socket *s, struct unix_sock *u, const struct sock_addr *a)
{
	struct unix_sock *e = unix_new(u->type), *l;
	struct vnode *cwd = socket_caller_cwd();
	uint64_t deadline = socket_deadline(s->sndtimeo_ns);
	bool nonblock = socket_nonblocking(s, 0);
	int r;

	if (!e)
		return -ENOMEM;
	unix_lock();
	for (;;) {
		uint64_t gen = vfs_poll_generation();

		if (u->state == UNIX_CONNECTED)
			r = -EISCONN;
		else if (u->state == UNIX_LISTENING)
			r = -EINVAL;
		else
			r = unix_find(a, u->type, cwd, &l);
		if (r == 0 && (l->dead || l->state != UNIX_LISTENING))
			r = -ECONNREFUSED;
		if (r == 0 && l->npending > (unsigned)l->backlog)
			r = unix_wait(nonblock, gen, deadline);
		else
			break;
		if (r < 0)
			break;
	}
	if (r == 0 && u->passcred)
		r = unix_autobind(u);
	if (r < 0) {
		unix_put(e);
		unix_unlock();
		return r;
	}
	e->state = UNIX_CONNECTED;
	memcpy(e->addr, l->addr, l->addr_len);
	e->addr_len = l->addr_len;
	e->sndbuf = l->sndbuf;
	e->rcvbuf = l->rcvbuf;
	e->passcred = l->passcred;
	e->has_peercred = true;
	e->peer_pid = socket_caller_pid();
	set_peer(e, u);
	u->state = UNIX_CONNECTED;
	u->has_peercred = true;
	u->peer_pid = l->peer_pid;
	set_peer(u, e);
	if (l->pending_tail)
		l->pending_tail->pending_next = e;
	else
		l->pending = e;
	l->pending_tail = e;
	l->npending++;
	unix_unlock();
	vfs_poll_notify();
	return 0;
}

/* A datagram socket's default destination; AF_UNSPEC forgets it. */
static int dgram_connect(struct unix_sock *u, const struct sock_addr *a)
{
	struct vnode *cwd = socket_caller_cwd();
	struct unix_sock *to;
	int r = 0;

	unix_lock();
	if (a->len >= UNIX_FAMILY_LEN && a->family == SOCK_AF_UNSPEC) {
		set_peer(u, NULL);
		u->state = UNIX_UNCONNECTED;
		goto out;
	}
	r = unix_find(a, u->type, cwd, &to);
	if (r == 0 && to->dead)
		r = -ECONNREFUSED;
	if (r == 0 && to->peer && to->peer != u)
		r = -EPERM;
	if (r == 0 && u->passcred)
		r = unix_autobind(u);
	if (r == 0) {
		set_peer(u, to);
		u->state = UNIX_CONNECTED;
	}
out:
	unix_unlock();
	vfs_poll_notify();
	return r;
}

static int unix_connect(struct socket *s, const struct sock_addr *a)
{
	struct unix_sock *u = usock(s);

	if (!connection_oriented(u))
		return dgram_connect(u, a);
	return stream_connect(s, u, a);
}

static const struct socket_ops unix_ops;

static int unix_accept(struct socket *s, struct file **out, struct sock_addr *peer, int flags)
{
	struct unix_sock *u = usock(s), *e = NULL;
	uint64_t deadline = socket_deadline(s->rcvtimeo_ns);
	bool nonblock = socket_nonblocking(s, 0);
	struct socket *ns;
	int r = 0;

	if (!connection_oriented(u))
		return -EOPNOTSUPP;
	ns = kzalloc(sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	unix_lock();
	while (r == 0) {
		uint64_t gen = vfs_poll_generation();

		if (u->state != UNIX_LISTENING) {
			r = -EINVAL;
		} else if (u->pending) {
			e = u->pending;
			u->pending = e->pending_next;
			if (!u->pending)
				u->pending_tail = NULL;
			e->pending_next = NULL;
			u->npending--;
			break;
		} else {
			r = unix_wait(nonblock, gen, deadline);
		}
	}
	if (r < 0) {
		unix_unlock();
		kfree(ns);
		return r;
	}
	*ns = (struct socket){ .ops = &unix_ops, .family = SOCK_AF_UNIX, .type = u->type,
			       .priv = e };
	e->sock = ns;
	if (peer) {
		struct unix_sock *c = e->peer;

		peer->len = c && c->addr_len ? c->addr_len : UNIX_FAMILY_LEN;
		peer->family = SOCK_AF_UNIX;
		if (c && c->addr_len)
			memcpy(peer->bytes, c->addr, c->addr_len);
	}
	unix_unlock();
	vfs_poll_notify();
	r = socket_file(ns, flags, out);
	if (r < 0) {
		unix_ops.release(ns);
		kfree(ns);
	}
	return r;
}

/* Closes u (lock held): its messages go onto *garbage; the connections
 * waiting in its accept queue close with it. */
static void close_locked(struct unix_sock *u, struct unix_msg **garbage)
{
	struct unix_sock *p = u->peer;
	/* Unread data, or a connection never accepted: the peer sees a reset. */
	bool reset = u->head || !u->sock;

	u->dead = true;
	u->sock = NULL;
	if (u->node) {
		vfs_sock_unbind(u->node);
		u->node = NULL;
	} else if (u->addr_len) {
		for (struct unix_sock **pp = &abstract_names; *pp; pp = &(*pp)->abstract_next)
			if (*pp == u) {
				*pp = u->abstract_next;
				break;
			}
	}
	unix_queue_drain(u, garbage);
	while (u->pending) {
		struct unix_sock *e = u->pending;

		u->pending = e->pending_next;
		e->pending_next = NULL;
		close_locked(e, garbage);
		unix_put(e);
	}
	u->pending_tail = NULL;
	u->npending = 0;
	if (p && connection_oriented(u)) {
		p->shutdown = UNIX_SHUT_BOTH;
		if (reset)
			p->err = ECONNRESET;
	}
	set_peer(u, NULL);
}

static void unix_release(struct socket *s)
{
	struct unix_sock *u = usock(s);
	struct unix_msg *garbage = NULL;

	unix_lock();
	close_locked(u, &garbage);
	unix_put(u);
	unix_gc(&garbage);
	unix_unlock();
	unix_msgs_free(garbage);
	vfs_poll_notify();
}

static int unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = usock(s), *p;
	unsigned mine;

	if (how < SOCK_SHUT_RD || how > SOCK_SHUT_RDWR)
		return -EINVAL;
	mine = (unsigned)how + 1;	/* SHUT_RD 0 -> RCV 1, WR -> SEND 2, RDWR -> both */
	unix_lock();
	u->shutdown |= mine;
	p = u->peer;
	if (p && connection_oriented(u)) {
		if (mine & UNIX_SHUT_RCV)
			p->shutdown |= UNIX_SHUT_SEND;
		if (mine & UNIX_SHUT_SEND)
			p->shutdown |= UNIX_SHUT_RCV;
	}
	unix_unlock();
	vfs_poll_notify();
	return 0;
}

static void fill_name(struct sock_addr *a, const struct unix_sock *u)
{
	a->family = SOCK_AF_UNIX;
	a->len = u && u->addr_len ? u->addr_len : UNIX_FAMILY_LEN;
	if (u && u->addr_len)
		memcpy(a->bytes, u->addr, u->addr_len);
}

static int unix_getname(struct socket *s, struct sock_addr *a, bool peer)
{
	struct unix_sock *u = usock(s);
	int r = 0;

	unix_lock();
	if (!peer)
		fill_name(a, u);
	else if (!u->peer || (connection_oriented(u) && u->state != UNIX_CONNECTED))
		r = -ENOTCONN;
	else
		fill_name(a, u->peer);
	unix_unlock();
	return r;
}

/* Linux's setsockopt for the buffers: twice what is asked, within its
 * bounds. */
static unsigned buf_size(int v, unsigned min)
{
	unsigned d = v < 0 ? 0 : (unsigned)v > UNIX_BUF_MAX / 2 ? UNIX_BUF_MAX : 2 * (unsigned)v;

	return d < min ? min : d;
}

/* Options every Linux socket keeps that change nothing for AF_UNIX: a get
 * answers what a set said. */
static bool flag_opt(int name)
{
	return name == SOCK_SO_DEBUG || name == SOCK_SO_REUSEADDR || name == SOCK_SO_DONTROUTE ||
	       name == SOCK_SO_BROADCAST || name == SOCK_SO_KEEPALIVE ||
	       name == SOCK_SO_OOBINLINE || name == SOCK_SO_REUSEPORT;
}

static int unix_setsockopt(struct socket *s, int level, int name, const void *val, unsigned len)
{
	struct unix_sock *u = usock(s);
	int v;

	if (level != SOCK_SOL_SOCKET)
		return -EOPNOTSUPP;		/* AF_UNIX has no options of its own */
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	unix_lock();
	switch (name) {
	case SOCK_SO_SNDBUF:
		u->sndbuf = buf_size(v, UNIX_SNDBUF_MIN);
		break;
	case SOCK_SO_RCVBUF:
		u->rcvbuf = buf_size(v, UNIX_RCVBUF_MIN);
		break;
	case SOCK_SO_PASSCRED:
		u->passcred = v != 0;
		break;
	default:
		if (!flag_opt(name)) {
			unix_unlock();
			return -ENOPROTOOPT;
		}
		u->flag_opts = v ? u->flag_opts | 1u << name : u->flag_opts & ~(1u << name);
		break;
	}
	unix_unlock();
	vfs_poll_notify();
	return 0;
}

static int put_opt(void *val, unsigned *len, const void *v, unsigned size)
{
	if (*len > size)
		*len = size;
	memcpy(val, v, *len);
	return 0;
}

static int unix_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len)
{
	struct unix_sock *u = usock(s);
	int v, r;

	if (level != SOCK_SOL_SOCKET)
		return -EOPNOTSUPP;		/* AF_UNIX has no options of its own */
	unix_lock();
	switch (name) {
	case SOCK_SO_SNDBUF:
		v = (int)u->sndbuf;
		break;
	case SOCK_SO_RCVBUF:
		v = (int)u->rcvbuf;
		break;
	case SOCK_SO_PASSCRED:
		v = u->passcred;
		break;
	case SOCK_SO_ACCEPTCONN:
		v = u->state == UNIX_LISTENING;
		break;
	case SOCK_SO_ERROR:
		v = u->err;
		u->err = 0;
		break;
	case SOCK_SO_PEERCRED: {
		/* struct ucred */
		int cred[3] = { 0, UNIX_NO_ID, UNIX_NO_ID };

		if (u->has_peercred) {
			cred[0] = u->peer_pid;
			cred[1] = 0;
			cred[2] = 0;
		}
		unix_unlock();
		return put_opt(val, len, cred, sizeof(cred));
	}
	default:
		if (!flag_opt(name)) {
			unix_unlock();
			return -ENOPROTOOPT;
		}
		v = (u->flag_opts >> name) & 1;
		break;
	}
	unix_unlock();
	r = put_opt(val, len, &v, sizeof(v));
	return r;
}

/* unix(7)'s readiness, as Linux's unix_poll and unix_dgram_poll answer. */
static unsigned unix_poll(struct socket *s)
{
	struct unix_sock *u = usock(s), *p;
	unsigned bits = 0;
	bool writable;

	unix_lock();
	p = u->peer;
	if (u->err)
		bits |= VFS_POLLERR;
	if (u->shutdown & UNIX_SHUT_RCV)
		bits |= VFS_POLLIN | SOCK_POLLRDHUP;
	if (u->shutdown == UNIX_SHUT_BOTH)
		bits |= VFS_POLLHUP;
	if (u->head || u->pending)
		bits |= VFS_POLLIN;
	if (connection_oriented(u) && u->state == UNIX_UNCONNECTED)
		bits |= VFS_POLLHUP;
	/* Writable while at most a quarter of the send buffer is in use. */
	writable = u->state != UNIX_LISTENING && unix_outmem(u) * 4 <= u->sndbuf;
	if (!connection_oriented(u) && p && !p->dead && p->peer != u && p->mem >= p->rcvbuf)
		writable = false;
	if (writable)
		bits |= VFS_POLLOUT;
	unix_unlock();
	return bits;
}

/* FIONREAD and SIOCOUTQ (the generic layer answers the interface
 * queries). */
static long unix_ioctl(struct socket *s, unsigned long cmd, void *arg)
{
	struct unix_sock *u = usock(s);
	long r = 0;

	if (cmd != UNIX_FIONREAD && cmd != UNIX_SIOCOUTQ)
		return -ENOTTY;
	unix_lock();
	if (u->state == UNIX_LISTENING)
		r = -EINVAL;
	else if (cmd == UNIX_SIOCOUTQ)
		*(int *)arg = (int)unix_outq(u);
	else if (connection_oriented(u))
		*(int *)arg = (int)u->queued;
	else
		*(int *)arg = u->head ? (int)u->head->len : 0;
	unix_unlock();
	return r;
}

static long unix_sendmsg(struct socket *s, struct sock_msg *m)
{
	struct unix_sock *u = usock(s);

	if (u->type == SOCK_STREAM)
		return unix_stream_send(u, s, m);
	return unix_dgram_send(u, s, m);
}

static long unix_recvmsg(struct socket *s, struct sock_msg *m)
{
	struct unix_sock *u = usock(s);

	if (u->type == SOCK_STREAM)
		return unix_stream_recv(u, s, m);
	return unix_dgram_recv(u, s, m);
}

struct unix_sock *unix_of_file(struct file *f)
{
	struct socket *s = socket_of(f);

	return s && s->ops == &unix_ops ? s->priv : NULL;
}

static const struct socket_ops unix_ops = {
	.bind = unix_bind,
	.connect = unix_connect,
	.listen = unix_listen,
	.accept = unix_accept,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getname = unix_getname,
	.setsockopt = unix_setsockopt,
	.getsockopt = unix_getsockopt,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.release = unix_release,
};

/* SOCK_RAW is taken as SOCK_DGRAM, as Linux does. */
static int unix_create(struct socket *s, int type, int protocol)
{
	struct unix_sock *u;

	if (protocol != 0 && protocol != SOCK_AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM;
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	u = unix_new(type);
	if (!u)
		return -ENOMEM;
	u->sock = s;
	s->type = type;
	s->ops = &unix_ops;
	s->priv = u;
	return 0;
}

/* Both ends unnamed, each the other's peer, with the creator's pid. */
static int unix_pair(struct socket *a, struct socket *b, int type, int protocol)
{
	int r = unix_create(a, type, protocol);
	struct unix_sock *ua, *ub;

	if (r < 0)
		return r;
	r = unix_create(b, type, protocol);
	if (r < 0) {
		unix_lock();
		unix_put(a->priv);
		unix_unlock();
		return r;
	}
	ua = usock(a);
	ub = usock(b);
	unix_lock();
	set_peer(ua, ub);
	set_peer(ub, ua);
	ua->state = ub->state = UNIX_CONNECTED;
	ua->has_peercred = ub->has_peercred = true;
	ua->peer_pid = ub->peer_pid = socket_caller_pid();
	unix_unlock();
	return 0;
}

static const struct socket_family unix_family = {
	.family = SOCK_AF_UNIX,
	.create = unix_create,
	.pair = unix_pair,
};

void unix_init(void)
{
	socket_register_family(&unix_family);
}
