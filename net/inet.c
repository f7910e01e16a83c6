/*
 * AF_INET and AF_INET6 (TCP, UDP, raw ICMP) over lwIP's socket API. Each
 * Flint socket owns one lwIP socket, always non-blocking: every wait is
 * Flint's own (vfs_poll_wait, bounded by the socket's timeout, ended by
 * signals), and readiness comes from lwIP's per-socket event counters.
 * Each lwIP connection's event callback is wrapped so that every change
 * of readiness calls vfs_poll_notify; connections a listener accepts
 * inherit the wrapper (lwIP copies the listener's callback). What lwIP
 * does not keep the way Linux does is kept here: end of stream once seen,
 * shutdowns, the outcome of a connect, and the errno values Linux gives.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/net.h>
#include <flint/socket.h>
#include <flint/string.h>
#include <flint/sync.h>
#include <flint/uspace.h>
#include <flint/vfs.h>
#include "lwip/api.h"
#include "lwip/priv/sockets_priv.h"
#include "lwip/sockets.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "net_priv.h"
#include "sockaddr.h"

_Static_assert(LW_AF_INET == AF_INET && LW_AF_INET6 == AF_INET6, "lwIP families");
_Static_assert(LW_SOL_SOCKET == SOL_SOCKET && LW_IPPROTO_TCP == IPPROTO_TCP &&
	       LW_IPPROTO_IPV6 == IPPROTO_IPV6 && LW_IPPROTO_IP == IPPROTO_IP, "lwIP levels");
_Static_assert(LW_SO_REUSEADDR == SO_REUSEADDR && LW_SO_KEEPALIVE == SO_KEEPALIVE &&
	       LW_SO_BROADCAST == SO_BROADCAST && LW_SO_ACCEPTCONN == SO_ACCEPTCONN &&
	       LW_SO_LINGER == SO_LINGER && LW_SO_SNDBUF == SO_SNDBUF &&
	       LW_SO_RCVBUF == SO_RCVBUF && LW_SO_ERROR == SO_ERROR, "lwIP options");
_Static_assert(LW_TCP_NODELAY == TCP_NODELAY && LW_TCP_KEEPIDLE == TCP_KEEPIDLE &&
	       LW_TCP_KEEPINTVL == TCP_KEEPINTVL && LW_TCP_KEEPCNT == TCP_KEEPCNT &&
	       LW_IPV6_V6ONLY == IPV6_V6ONLY && LW_IP_TOS == IP_TOS && LW_IP_TTL == IP_TTL,
	       "lwIP protocol options");
_Static_assert(LW_MSG_PEEK == MSG_PEEK && LW_MSG_DONTWAIT == MSG_DONTWAIT &&
	       LW_MSG_OOB == MSG_OOB && LW_MSG_MORE == MSG_MORE, "lwIP message flags");
_Static_assert(LW_SOCKADDR_IN_LEN == sizeof(struct sockaddr_in) &&
	       LW_SOCKADDR_IN6_LEN == sizeof(struct sockaddr_in6), "lwIP addresses");
_Static_assert(SOCK_SHUT_RD == SHUT_RD && SOCK_SHUT_WR == SHUT_WR &&
	       SOCK_SHUT_RDWR == SHUT_RDWR, "shutdown's how");

/* include/uapi/linux/in.h */
#define LINUX_IPPROTO_ICMP 1
#define LINUX_IPPROTO_TCP 6
#define LINUX_IPPROTO_UDP 17
#define LINUX_IPPROTO_ICMPV6 58
#define LINUX_IPPROTO_MAX 256
/* Linux's defaults (net.ipv4.tcp_rmem/wmem, net.core.rmem/wmem_default) and
 * floors (SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF): SO_RCVBUF and SO_SNDBUF are
 * answered as Linux would (twice what was set), lwIP's own buffers being
 * fixed by lwipopts.h. */
#define TCP_RCVBUF_DEFAULT 131072
#define TCP_SNDBUF_DEFAULT 16384
#define DGRAM_BUF_DEFAULT 212992
#define BUF_MAX 212992			/* net.core.rmem_max, wmem_max */
#define RCVBUF_MIN 2304
#define SNDBUF_MIN 4608
/* lwIP keeps a listen backlog in a byte. */
#define LW_BACKLOG_MAX 0xff

struct inet_sock {
	int fd;				/* lwIP's socket */
	struct mutex lock;		/* one lwIP call on it at a time */
	bool bound, listening, connecting, connected;
	bool rd_eof;			/* the peer's FIN was read */
	bool rd_shut, wr_shut;		/* shutdown(2) here */
	bool reset;			/* the connection failed or was reset */
	int pending_err;		/* an error to report once (negative) */
	int reuseport;
	int rcvbuf, sndbuf;		/* as SO_RCVBUF/SO_SNDBUF answer them */
};

static const struct socket_ops inet_ops;
static netconn_callback lwip_event;	/* sockets.c's own callback */

/* lwIP's errno for the call that just failed (its port keeps it per
 * thread), negated. */
static int lw_err(void)
{
	int e = errno;

	return e ? -e : -EIO;
}

/* Readiness changes reach Flint's waiters as well as lwIP's: data or a
 * connection where there was none, room to send where there was none,
 * an error, the peer's FIN or a new connection (len 0). Losing readiness
 * wakes no one, and a notify for every segment acknowledged would look
 * like a new edge to EPOLLET. */
static void inet_event(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	struct lwip_sock *ls = conn && conn->socket >= 0 ?
			       lwip_socket_dbg_get_socket(conn->socket) : NULL;
	bool wake = evt == NETCONN_EVT_ERROR ||
		    (evt == NETCONN_EVT_RCVPLUS && (!ls || ls->rcvevent <= 0 || !len)) ||
		    (evt == NETCONN_EVT_SENDPLUS && (!ls || !ls->sendevent));

	lwip_event(conn, evt, len);
	if (wake)
		vfs_poll_notify();
}

static struct lwip_sock *lw_sock(const struct inet_sock *p)
{
	return lwip_socket_dbg_get_socket(p->fd);
}

/* An lwIP socket set up for Flint: non-blocking, its events wrapped. */
static int lw_adopt(int fd)
{
	struct lwip_sock *ls = lwip_socket_dbg_get_socket(fd);

	if (!ls || !ls->conn)
		return -EIO;
	lwip_fcntl(fd, F_SETFL, O_NONBLOCK);
	LOCK_TCPIP_CORE();
	if (ls->conn->callback != inet_event) {
		lwip_event = ls->conn->callback;
		ls->conn->callback = inet_event;
	}
	UNLOCK_TCPIP_CORE();
	return 0;
}

/* Waits until try() gives something other than -EAGAIN: its answer,
 * -EAGAIN without blocking or at the deadline, or -EINTR. */
static long wait_for(struct socket *s, long (*try)(struct socket *s, void *arg), void *arg,
		     bool nonblock, uint64_t timeout_ns)
{
	uint64_t deadline = socket_deadline(timeout_ns);

	for (;;) {
		uint64_t gen = vfs_poll_generation();
		long r = try(s, arg);
		int w;

		if (r != -EAGAIN || nonblock)
			return r;
		w = vfs_poll_wait(gen, deadline);
		if (w == -ETIMEDOUT)
			return -EAGAIN;
		if (w < 0)
			return w;
	}
}

static int inet_create(struct socket *s, int type, int protocol)
{
	int lw_domain = s->family == SOCK_AF_INET6 ? AF_INET6 : AF_INET;
	struct inet_sock *p;
	int fd, r;

	if (protocol < 0 || protocol >= LINUX_IPPROTO_MAX)
		return -EINVAL;
	switch (type) {
	case SOCK_STREAM:
		if (protocol && protocol != LINUX_IPPROTO_TCP)
			return -EPROTONOSUPPORT;
		break;
	case SOCK_DGRAM:
		/* Ping sockets: net.ipv4.ping_group_range admits no group. */
		if (protocol == LINUX_IPPROTO_ICMP || protocol == LINUX_IPPROTO_ICMPV6)
			return -EACCES;
		if (protocol && protocol != LINUX_IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		break;
	case SOCK_RAW:
		if (!protocol)
			return -EPROTONOSUPPORT;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	net_start();
	fd = lwip_socket(lw_domain, type, protocol);
	if (fd < 0) {
		r = lw_err();
		kfree(p);
		return r == -ENFILE || r == -ENOBUFS ? -ENOBUFS : r;
	}
	r = lw_adopt(fd);
	if (r < 0) {
		lwip_close(fd);
		kfree(p);
		return r;
	}
	p->fd = fd;
	p->rcvbuf = type == SOCK_STREAM ? TCP_RCVBUF_DEFAULT : DGRAM_BUF_DEFAULT;
	p->sndbuf = type == SOCK_STREAM ? TCP_SNDBUF_DEFAULT : DGRAM_BUF_DEFAULT;
	if (!s->protocol)
		s->protocol = type == SOCK_STREAM ? LINUX_IPPROTO_TCP
			    : type == SOCK_DGRAM ? LINUX_IPPROTO_UDP : protocol;
	s->ops = &inet_ops;
	s->priv = p;
	return 0;
}

/* Linux's address for lwIP: AF_UNSPEC with INADDR_ANY binds as AF_INET,
 * as inet_bind allows. */
static int to_lw(const struct socket *s, const struct sock_addr *a, struct lw_addr *out)
{
	struct sock_addr v4;

	if (s->family == SOCK_AF_INET && a->len >= LINUX_SOCKADDR_IN_LEN &&
	    a->family == SOCK_AF_UNSPEC) {
		uint32_t any;

		memcpy(&any, a->bytes + 4, sizeof(any));
		if (any)
			return -EAFNOSUPPORT;
		v4 = *a;
		v4.family = SOCK_AF_INET;
		return sockaddr_to_lw(&v4, s->family, out);
	}
	return sockaddr_to_lw(a, s->family, out);
}

static int inet_bind(struct socket *s, const struct sock_addr *a)
{
	struct inet_sock *p = s->priv;
	struct lw_addr la;
	int r = to_lw(s, a, &la);

	if (r < 0)
		return r;
	mutex_lock(&p->lock);
	if (p->bound)
		r = -EINVAL;
	else if (lwip_bind(p->fd, (struct sockaddr *)la.bytes, la.len) < 0)
		r = lw_err();
	else
		p->bound = true;
	mutex_unlock(&p->lock);
	return r;
}

/* No route is lwIP's ERR_RTE (EHOSTUNREACH); Linux says ENETUNREACH. */
static int route_err(int e)
{
	return e == -EHOSTUNREACH ? -ENETUNREACH : e;
}

/* A connect's outcome as Linux names it: a reset while connecting is a
 * refusal, an abort (the SYN's retries ran out) a timeout. */
static int connect_err(int e)
{
	if (e == -ECONNRESET)
		return -ECONNREFUSED;
	if (e == -ECONNABORTED)
		return -ETIMEDOUT;
	return route_err(e);
}

/* lwIP's SO_ERROR (read and cleared), negated. */
static int lw_so_error(struct inet_sock *p)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (lwip_getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return lw_err();
	return -e;
}

/* A connect in progress that has ended: its outcome, 0 or an error;
 * -EALREADY while it goes on. Lock held. */
static int connect_done(struct inet_sock *p)
{
	struct lwip_sock *ls = lw_sock(p);
	int e;

	if (!p->connecting)
		return 0;
	if (!ls->errevent && !ls->sendevent)
		return -EALREADY;
	p->connecting = false;
	e = connect_err(lw_so_error(p));
	if (!e && !ls->errevent) {
		p->connected = true;
		return 0;
	}
	p->reset = true;
	return e ? e : -ECONNREFUSED;
}

/* A non-blocking connect's end, noticed by whatever call comes next: a
 * failure waits for SO_ERROR or the next transfer. Lock held. */
static void settle(struct inet_sock *p)
{
	int e = connect_done(p);

	if (e < 0 && e != -EALREADY)
		p->pending_err = e;
}

static long try_connect(struct socket *s, void *arg)
{
	struct inet_sock *p = s->priv;
	long r;

	(void)arg;
	mutex_lock(&p->lock);
	r = connect_done(p);
	mutex_unlock(&p->lock);
	return r == -EALREADY ? -EAGAIN : r;
}

static int inet_connect(struct socket *s, const struct sock_addr *a)
{
	struct inet_sock *p = s->priv;
	struct lw_addr la;
	int r;
	long w;

	if (a->len >= sizeof(a->family) && a->family == SOCK_AF_UNSPEC &&
	    s->type != SOCK_STREAM) {
		la = (struct lw_addr){ .len = LW_SOCKADDR_IN_LEN };
		la.bytes[0] = LW_SOCKADDR_IN_LEN;
		la.bytes[1] = LW_AF_UNSPEC;
	} else {
		r = to_lw(s, a, &la);
		if (r < 0)
			return r;
	}
	r = net_wait_configured(socket_deadline(s->sndtimeo_ns));
	if (r < 0)
		return r;
	mutex_lock(&p->lock);
	if (p->connecting) {
		r = -EALREADY;
	} else if (s->type == SOCK_STREAM && p->connected) {
		r = -EISCONN;
	} else if (lwip_connect(p->fd, (struct sockaddr *)la.bytes, la.len) == 0) {
		p->connected = la.bytes[1] != LW_AF_UNSPEC;
		p->bound = true;
		r = 0;
	} else {
		r = lw_err();
		if (r == -EINPROGRESS) {
			p->connecting = true;
			p->bound = true;
		} else {
			r = s->type == SOCK_STREAM ? connect_err(r) : route_err(r);
		}
	}
	mutex_unlock(&p->lock);
	if (r != -EINPROGRESS && r != -EALREADY)
		return r;
	if (socket_nonblocking(s, 0))
		return r;
	w = wait_for(s, try_connect, NULL, false, s->sndtimeo_ns);
	return w == -EAGAIN ? -EINPROGRESS : (int)w;
}

/* Linux's autobind: listen on an unbound socket takes an ephemeral port
 * on the any address (lwIP would listen on port 0). Lock held. */
static int bind_any(const struct socket *s, struct inet_sock *p)
{
	struct lw_addr la = { .len = s->family == SOCK_AF_INET6 ? LW_SOCKADDR_IN6_LEN
							      : LW_SOCKADDR_IN_LEN };

	la.bytes[0] = (uint8_t)la.len;
	la.bytes[1] = s->family == SOCK_AF_INET6 ? LW_AF_INET6 : LW_AF_INET;
	if (lwip_bind(p->fd, (struct sockaddr *)la.bytes, la.len) < 0)
		return lw_err();
	p->bound = true;
	return 0;
}

static int inet_listen(struct socket *s, int backlog)
{
	struct inet_sock *p = s->priv;
	int r = 0;

	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (backlog < 1)
		backlog = 1;
	if (backlog > LW_BACKLOG_MAX)
		backlog = LW_BACKLOG_MAX;
	mutex_lock(&p->lock);
	if (p->connected || p->connecting)
		r = -EINVAL;
	else if (!p->bound)
		r = bind_any(s, p);
	if (r == 0 && lwip_listen(p->fd, backlog) < 0)
		r = lw_err();
	if (r == 0)
		p->listening = true;
	mutex_unlock(&p->lock);
	return r;
}

struct accept_req {
	int fd;
	struct lw_addr peer;
};

static long try_accept(struct socket *s, void *arg)
{
	struct inet_sock *p = s->priv;
	struct accept_req *q = arg;
	socklen_t len = sizeof(q->peer.bytes);
	long r;

	mutex_lock(&p->lock);
	if (!p->listening)
		r = -EINVAL;
	else if (p->rd_shut)
		r = -EINVAL;
	else if ((q->fd = lwip_accept(p->fd, (struct sockaddr *)q->peer.bytes, &len)) < 0)
		r = lw_err();
	else
		r = 0;
	mutex_unlock(&p->lock);
	q->peer.len = len;
	return r;
}

static int inet_accept(struct socket *s, struct file **out, struct sock_addr *peer, int flags)
{
	struct accept_req q;
	struct socket *ns;
	struct inet_sock *np;
	long r = wait_for(s, try_accept, &q, socket_nonblocking(s, 0), s->rcvtimeo_ns);

	if (r < 0)
		return (int)r;
	ns = kzalloc(sizeof(*ns));
	np = kzalloc(sizeof(*np));
	if (!ns || !np || lw_adopt(q.fd) < 0) {
		lwip_close(q.fd);
		kfree(ns);
		kfree(np);
		return -ENOMEM;
	}
	np->fd = q.fd;
	np->bound = np->connected = true;
	np->rcvbuf = TCP_RCVBUF_DEFAULT;
	np->sndbuf = TCP_SNDBUF_DEFAULT;
	*ns = (struct socket){ .ops = &inet_ops, .family = s->family, .type = s->type,
			       .protocol = s->protocol, .priv = np };
	if (peer)
		sockaddr_from_lw(&q.peer, s->family, peer);
	r = socket_file(ns, flags, out);
	if (r < 0) {
		lwip_close(q.fd);
		kfree(np);
		kfree(ns);
	}
	return (int)r;
}

struct xfer {
	struct sock_msg *m;
	int flags;			/* the call's SOCK_MSG_* */
	unsigned char *buf;
	size_t len, done;
	struct lw_addr addr;
	bool has_addr;
	int lw_flags;
};

/* A stream's send: what lwIP takes now. ENOTCONN from lwIP means the
 * connection is gone or never was: Linux's EPIPE. */
static long try_send(struct socket *s, void *arg)
{
	struct inet_sock *p = s->priv;
	struct xfer *x = arg;
	ssize_t n;
	long r;

	mutex_lock(&p->lock);
	settle(p);
	if (p->wr_shut) {
		r = -EPIPE;
	} else if (p->pending_err) {
		r = p->pending_err;
		p->pending_err = 0;
	} else {
		n = s->type == SOCK_STREAM
			? lwip_send(p->fd, x->buf + x->done, x->len - x->done, x->lw_flags)
			: lwip_sendto(p->fd, x->buf, x->len, x->lw_flags,
				      x->has_addr ? (struct sockaddr *)x->addr.bytes : NULL,
				      x->has_addr ? x->addr.len : 0);
		r = n < 0 ? route_err(lw_err()) : (long)n;
	}
	mutex_unlock(&p->lock);
	if (r == -EAGAIN || r == -ENOMEM || r == -ENOBUFS)
		return s->type == SOCK_STREAM ? -EAGAIN : r == -EAGAIN ? -EAGAIN : -ENOBUFS;
	if (s->type == SOCK_STREAM && (r == -ENOTCONN || r == -ECONNABORTED))
		return -EPIPE;
	if (r < 0 || s->type != SOCK_STREAM)
		return r;
	x->done += (size_t)r;
	if (x->done < x->len && !socket_nonblocking(s, x->flags))
		return -EAGAIN;
	return (long)x->done;
}

/* One buffer of the message (the syscall layer passes one); more are
 * gathered. */
static unsigned char *msg_buffer(struct sock_msg *m, size_t *len, bool *owned)
{
	unsigned char *buf;
	size_t total = 0, off = 0;

	*owned = false;
	if (m->iovlen == 1) {
		*len = m->iov[0].len;
		return m->iov[0].base;
	}
	for (unsigned i = 0; i < m->iovlen; i++)
		total += m->iov[i].len;
	buf = kmalloc(total ? total : 1);
	if (!buf)
		return NULL;
	for (unsigned i = 0; i < m->iovlen; i++) {
		memcpy(buf + off, m->iov[i].base, m->iov[i].len);
		off += m->iov[i].len;
	}
	*owned = true;
	*len = total;
	return buf;
}

static long inet_sendmsg(struct socket *s, struct sock_msg *m)
{
	struct inet_sock *p = s->priv;
	struct xfer x = { .m = m, .flags = m->flags,
			  .lw_flags = sockaddr_lw_msg_flags(m->flags) | MSG_DONTWAIT };
	bool owned;
	long r;

	if (m->addr && s->type != SOCK_STREAM) {
		r = to_lw(s, m->addr, &x.addr);
		if (r < 0)
			return r;
		x.has_addr = true;
		r = net_wait_configured(socket_deadline(s->sndtimeo_ns));
		if (r < 0)
			return r;
	} else if (s->type != SOCK_STREAM && !p->connected) {
		return -EDESTADDRREQ;
	} else if (s->type == SOCK_STREAM && !p->connected && !p->connecting) {
		return -EPIPE;
	}
	x.buf = msg_buffer(m, &x.len, &owned);
	if (!x.buf)
		return -ENOMEM;
	r = wait_for(s, try_send, &x, socket_nonblocking(s, m->flags), s->sndtimeo_ns);
	if (owned)
		kfree(x.buf);
	if (s->type == SOCK_STREAM && x.done && r < 0)
		return (long)x.done;
	return r;
}

/* Whether lwIP has something to read: data, end of stream or an error. */
static bool lw_readable(const struct lwip_sock *ls)
{
	return ls->rcvevent > 0 || ls->lastdata.pbuf;
}

/* Up to len bytes of the pbuf chain q into the program's memory at ubuf;
 * how many went (fewer after a fault). */
static size_t copy_chain_user(const struct pbuf *q, uint8_t *ubuf, size_t len)
{
	size_t done = 0;

	for (; q && done < len; q = q->next) {
		size_t n = MIN((size_t)q->len, len - done);

		if (copy_to_user(ubuf + done, q->payload, n) < 0)
			return done;
		done += n;
	}
	return done;
}

/*
 * A stream's receive straight into the program's memory, as lwIP's own
 * lwip_recv_tcp but without its copy into a kernel buffer: pbufs from the
 * connection (or the one a read before left, in lwIP's lastdata) are
 * copied out and freed as consumed, and the window is opened once for
 * all. Never waits. Bytes read, 0 at the end of the stream, or an errno;
 * a fault ends the read (-EFAULT when nothing was read).
 */
static long recv_tcp_user(struct inet_sock *p, uint8_t *ubuf, size_t len)
{
	struct lwip_sock *ls = lwip_socket_dbg_get_socket(p->fd);
	u8_t apiflags = NETCONN_NOAUTORCVD | NETCONN_DONTBLOCK;
	size_t got = 0;
	bool fault = false;

	if (!ls || !ls->conn)
		return -EBADF;
	while (got < len && !fault) {
		struct pbuf *q = ls->lastdata.pbuf;
		size_t want, n;

		if (!q) {
			err_t err = netconn_recv_tcp_pbuf_flags(ls->conn, &q, apiflags);

			if (err != ERR_OK) {
				if (got)
					break;
				return err == ERR_CLSD ? 0 : -err_to_errno(err);
			}
			ls->lastdata.pbuf = q;
		}
		want = MIN((size_t)q->tot_len, len - got);
		n = copy_chain_user(q, ubuf + got, want);
		fault = n < want;
		got += n;
		if (n == q->tot_len) {
			ls->lastdata.pbuf = NULL;
			pbuf_free(q);
		} else if (n) {
			ls->lastdata.pbuf = pbuf_free_header(q, (u16_t)n);
		}
		/* Once there is data, no end of stream until it is read. */
		apiflags |= NETCONN_NOFIN;
	}
	if (got)
		netconn_tcp_recvd(ls->conn, got);
	return got ? (long)got : -EFAULT;
}

static long try_recv(struct socket *s, void *arg)
{
	struct inet_sock *p = s->priv;
	struct xfer *x = arg;
	socklen_t alen = sizeof(x->addr.bytes);
	ssize_t n;
	long r;

	mutex_lock(&p->lock);
	settle(p);
	if (p->pending_err) {
		r = p->pending_err;
		p->pending_err = 0;
	} else if (s->type == SOCK_STREAM && (p->rd_eof || p->rd_shut)) {
		r = 0;
	} else if (s->type == SOCK_STREAM) {
		if (x->flags & SOCK_MSG_USER_IOV) {
			r = recv_tcp_user(p, x->buf + x->done, x->len - x->done);
		} else {
			n = lwip_recv(p->fd, x->buf + x->done, x->len - x->done, x->lw_flags);
			r = n < 0 ? lw_err() : (long)n;
		}
		if (r == 0 && x->len > x->done) {
			p->rd_eof = true;
			vfs_poll_notify();
		}
	} else {
		struct iovec iov = { x->buf, x->len };
		struct msghdr mh = { .msg_name = x->addr.bytes, .msg_namelen = alen,
				     .msg_iov = &iov, .msg_iovlen = 1 };

		n = lwip_recvmsg(p->fd, &mh, x->lw_flags);
		r = n < 0 ? lw_err() : (long)n;
		x->addr.len = mh.msg_namelen;
		if (r >= 0 && (mh.msg_flags & MSG_TRUNC))
			x->m->flags |= SOCK_MSG_TRUNC;
	}
	mutex_unlock(&p->lock);
	if (r == -EAGAIN)
		return x->done ? (long)x->done : -EAGAIN;
	/* A stream that was connected and is no more reads as ended. */
	if (s->type == SOCK_STREAM && r == -ENOTCONN && p->connected)
		return (long)x->done;
	if (s->type != SOCK_STREAM || r < 0)
		return r;
	x->done += (size_t)r;
	if (r && x->done < x->len && (x->flags & SOCK_MSG_WAITALL) &&
	    !(x->flags & SOCK_MSG_PEEK))
		return -EAGAIN;
	return (long)x->done;
}

static long inet_recvmsg(struct socket *s, struct sock_msg *m)
{
	struct inet_sock *p = s->priv;
	int in_flags = m->flags;
	struct xfer x = { .m = m, .flags = m->flags,
			  .lw_flags = sockaddr_lw_msg_flags(m->flags) | MSG_DONTWAIT };
	bool nonblock = socket_nonblocking(s, m->flags);
	long r;

	if (m->iovlen != 1)
		return -EINVAL;
	/* Straight into the program's memory: plain reads of streams only. */
	if ((m->flags & SOCK_MSG_USER_IOV) &&
	    (s->type != SOCK_STREAM || (m->flags & SOCK_MSG_PEEK)))
		return -EOPNOTSUPP;
	if (s->type == SOCK_STREAM && !p->connected && !p->connecting)
		return -ENOTCONN;
	x.buf = m->iov[0].base;
	x.len = m->iov[0].len;
	m->flags = 0;
	m->nrights = 0;
	r = wait_for(s, try_recv, &x, nonblock, s->rcvtimeo_ns);
	if (s->type == SOCK_STREAM && x.done && r < 0)
		r = (long)x.done;
	if (r < 0)
		return r;
	if (m->addr) {
		if (s->type == SOCK_STREAM)
			m->addr->len = 0;
		else
			sockaddr_from_lw(&x.addr, s->family, m->addr);
	}
	/* MSG_TRUNC asks for a datagram's whole length. */
	if (s->type != SOCK_STREAM && !(in_flags & SOCK_MSG_TRUNC) && (size_t)r > x.len)
		r = (long)x.len;
	return r;
}

static int inet_shutdown(struct socket *s, int how)
{
	struct inet_sock *p = s->priv;
	int r = 0;

	mutex_lock(&p->lock);
	settle(p);
	if (!p->connected && !p->listening && !p->connecting) {
		r = -ENOTCONN;
	} else {
		if (s->type == SOCK_STREAM && p->connected && !p->reset &&
		    lwip_shutdown(p->fd, how) < 0 && lw_err() != -ENOTCONN)
			r = lw_err();
		if (how != SOCK_SHUT_WR)
			p->rd_shut = true;
		if (how != SOCK_SHUT_RD)
			p->wr_shut = true;
	}
	mutex_unlock(&p->lock);
	vfs_poll_notify();
	return r;
}

static int inet_getname(struct socket *s, struct sock_addr *a, bool peer)
{
	struct inet_sock *p = s->priv;
	struct lw_addr la = { 0 };
	socklen_t len = sizeof(la.bytes);
	int r = 0;

	mutex_lock(&p->lock);
	settle(p);
	if (peer && (!p->connected || (s->type == SOCK_STREAM && p->reset)))
		r = -ENOTCONN;
	else if ((peer ? lwip_getpeername : lwip_getsockname)(p->fd, (struct sockaddr *)la.bytes,
							      &len) < 0)
		r = lw_err();
	mutex_unlock(&p->lock);
	if (r < 0)
		return r;
	la.len = len;
	sockaddr_from_lw(&la, s->family, a);
	return 0;
}

static int int_opt(const void *val, unsigned len, int *out)
{
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

/* SO_RCVBUF/SO_SNDBUF: kept as Linux keeps them, doubled and bounded. */
static int buf_opt(int *field, const void *val, unsigned len, int floor)
{
	int v, r = int_opt(val, len, &v);

	if (r < 0)
		return r;
	if (v < 0 || v > BUF_MAX)
		v = v < 0 ? 0 : BUF_MAX;
	*field = 2 * v < floor ? floor : 2 * v;
	return 0;
}

static int inet_setsockopt(struct socket *s, int level, int name, const void *val,
			   unsigned len)
{
	struct inet_sock *p = s->priv;
	int lw_level, lw_name, r;

	if (level == SOCK_SOL_SOCKET && name == SOCK_SO_REUSEPORT)
		return int_opt(val, len, &p->reuseport);
	if (level == SOCK_SOL_SOCKET && name == SOCK_SO_RCVBUF)
		return buf_opt(&p->rcvbuf, val, len, RCVBUF_MIN);
	if (level == SOCK_SOL_SOCKET && name == SOCK_SO_SNDBUF)
		return buf_opt(&p->sndbuf, val, len, SNDBUF_MIN);
	r = sockaddr_lw_option(level, name, &lw_level, &lw_name);
	if (r < 0)
		return r;
	mutex_lock(&p->lock);
	if (lwip_setsockopt(p->fd, lw_level, lw_name, val, len) < 0)
		r = lw_err();
	mutex_unlock(&p->lock);
	return r;
}

static int put_int(void *val, unsigned *len, int v)
{
	if (*len > sizeof(v))
		*len = sizeof(v);
	memcpy(val, &v, *len);
	return 0;
}

static int inet_getsockopt(struct socket *s, int level, int name, void *val, unsigned *len)
{
	struct inet_sock *p = s->priv;
	int lw_level, lw_name, r, e;
	socklen_t lwlen;

	if (level == SOCK_SOL_SOCKET) {
		switch (name) {
		case SOCK_SO_REUSEPORT:
			return put_int(val, len, p->reuseport != 0);
		case SOCK_SO_RCVBUF:
			return put_int(val, len, p->rcvbuf);
		case SOCK_SO_SNDBUF:
			return put_int(val, len, p->sndbuf);
		case SOCK_SO_ACCEPTCONN:
			return put_int(val, len, p->listening);
		case SOCK_SO_ERROR:
			mutex_lock(&p->lock);
			settle(p);
			e = p->pending_err;
			p->pending_err = 0;
			if (!e && !p->reset)
				e = lw_so_error(p);
			mutex_unlock(&p->lock);
			return put_int(val, len, -e);
		default:
			break;
		}
	}
	r = sockaddr_lw_option(level, name, &lw_level, &lw_name);
	if (r < 0)
		return r;
	lwlen = *len;
	mutex_lock(&p->lock);
	if (lwip_getsockopt(p->fd, lw_level, lw_name, val, &lwlen) < 0)
		r = lw_err();
	mutex_unlock(&p->lock);
	*len = lwlen;
	/* lwIP answers a flag with its bit in so_options; Linux with 1. */
	if (r == 0 && lw_level == SOL_SOCKET && lw_name != SO_LINGER && lwlen == sizeof(int) &&
	    *(int *)val)
		*(int *)val = 1;
	return r;
}

/* Whether the peer has sent its FIN (Linux's RCV_SHUTDOWN), whatever
 * data is still queued before it: the TCP state says so. */
static bool peer_finished(struct lwip_sock *ls)
{
	bool fin = false;

	LOCK_TCPIP_CORE();
	if (ls->conn && ls->conn->pcb.tcp) {
		enum tcp_state st = ls->conn->pcb.tcp->state;

		fin = st == CLOSE_WAIT || st == LAST_ACK || st == CLOSING || st == TIME_WAIT;
	}
	UNLOCK_TCPIP_CORE();
	return fin;
}

static unsigned inet_poll(struct socket *s)
{
	struct inet_sock *p = s->priv;
	struct lwip_sock *ls;
	unsigned bits = 0;

	mutex_lock(&p->lock);
	ls = lw_sock(p);
	if (!ls) {
		mutex_unlock(&p->lock);
		return VFS_POLLERR;
	}
	settle(p);
	if (s->type != SOCK_STREAM) {
		bits = (lw_readable(ls) ? VFS_POLLIN : 0) | VFS_POLLOUT;
	} else if (p->listening) {
		bits = lw_readable(ls) ? VFS_POLLIN : 0;
	} else if (p->connecting) {
		bits = 0;
	} else if (p->reset || ls->errevent) {
		p->reset = true;
		bits = VFS_POLLIN | VFS_POLLOUT | VFS_POLLHUP | SOCK_POLLRDHUP;
	} else if (!p->connected) {
		bits = VFS_POLLOUT | VFS_POLLHUP;
	} else {
		bool rdhup = p->rd_eof || p->rd_shut || peer_finished(ls);

		if (lw_readable(ls) || rdhup)
			bits |= VFS_POLLIN;
		if (ls->sendevent || p->wr_shut)
			bits |= VFS_POLLOUT;
		if (rdhup)
			bits |= SOCK_POLLRDHUP;
		if (rdhup && p->wr_shut)
			bits |= VFS_POLLHUP;
	}
	if (p->pending_err)
		bits |= VFS_POLLERR;
	mutex_unlock(&p->lock);
	return bits;
}

static long inet_ioctl(struct socket *s, unsigned long cmd, void *arg)
{
	struct inet_sock *p = s->priv;
	int n = 0;
	long r = 0;

	if (cmd != VFS_FIONREAD)
		return -ENOTTY;
	if (p->listening)
		return -EINVAL;
	mutex_lock(&p->lock);
	if (lwip_ioctl(p->fd, FIONREAD, &n) < 0)
		r = lw_err() == -EAGAIN ? 0 : lw_err();
	mutex_unlock(&p->lock);
	*(int *)arg = n;
	return r == -ENOTCONN ? 0 : r;
}

static void inet_release(struct socket *s)
{
	struct inet_sock *p = s->priv;

	lwip_close(p->fd);
	kfree(p);
}

static const struct socket_ops inet_ops = {
	.bind = inet_bind,
	.connect = inet_connect,
	.listen = inet_listen,
	.accept = inet_accept,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.user_iov = true,
	.shutdown = inet_shutdown,
	.getname = inet_getname,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
	.poll = inet_poll,
	.ioctl = inet_ioctl,
	.release = inet_release,
};

static const struct socket_family inet4_family = { .family = SOCK_AF_INET, .create = inet_create };
static const struct socket_family inet6_family = { .family = SOCK_AF_INET6, .create = inet_create };

void socket_inet_init(void)
{
	socket_register_family(&inet4_family);
	socket_register_family(&inet6_family);
}
