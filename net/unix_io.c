/*
 * AF_UNIX messages: what a send puts in the receiver's queue and a
 * receive takes out. Streams are bytes (a read spans writes, but stops
 * after one that carried descriptors, as Linux's does); datagrams and
 * seqpackets keep their boundaries (MSG_TRUNC). Senders wait while the
 * receiver holds what the send buffer allows, bounded too by the
 * receiver's SO_RCVBUF.
 */
#include <flint/errno.h>
#include <flint/heap.h>
#include <flint/string.h>
#include <flint/vfs.h>

#include "unix.h"

#define UNIX_STREAM_CHUNK 65536		/* the most one stream message holds */
/* What a message costs beyond its data, charged to the buffers so that
 * small writes cannot pile up headers without bound (Linux charges each
 * packet's truesize). */
#define UNIX_MSG_COST sizeof(struct unix_msg)
/* A datagram socket's queue holds at most this many more messages from
 * senders it is not connected to (sysctl net.unix.max_dgram_qlen). */
#define UNIX_MAX_DGRAM_QLEN 10

size_t unix_iov_len(const struct sock_msg *m)
{
	size_t n = 0;

	for (unsigned i = 0; i < m->iovlen; i++)
		n += m->iov[i].len;
	return n;
}

/* Copies n bytes from m's buffers, starting off bytes in, to dst. */
static void from_iov(const struct sock_msg *m, size_t off, unsigned char *dst, size_t n)
{
	for (unsigned i = 0; i < m->iovlen && n; i++) {
		size_t len = m->iov[i].len, run;

		if (off >= len) {
			off -= len;
			continue;
		}
		run = len - off < n ? len - off : n;
		memcpy(dst, (const unsigned char *)m->iov[i].base + off, run);
		dst += run;
		n -= run;
		off = 0;
	}
}

static void to_iov(struct sock_msg *m, size_t off, const unsigned char *src, size_t n)
{
	for (unsigned i = 0; i < m->iovlen && n; i++) {
		size_t len = m->iov[i].len, run;

		if (off >= len) {
			off -= len;
			continue;
		}
		run = len - off < n ? len - off : n;
		memcpy((unsigned char *)m->iov[i].base + off, src, run);
		src += run;
		n -= run;
		off = 0;
	}
}

/* A message of n bytes of m's from off, from u; with m's files when
 * rights (each with a new reference). */
static struct unix_msg *msg_new(const struct unix_sock *u, const struct sock_msg *m, size_t off,
				size_t n, bool rights)
{
	struct unix_msg *msg = kmalloc(sizeof(*msg) + n);

	if (!msg)
		return NULL;
	*msg = (struct unix_msg){ .len = n, .pid = socket_caller_pid(), .from_len = u->addr_len };
	memcpy(msg->from, u->addr, u->addr_len);
	from_iov(m, off, msg->data, n);
	if (rights && m->nrights) {
		msg->rights = kmalloc(m->nrights * sizeof(*msg->rights));
		if (!msg->rights) {
			kfree(msg);
			return NULL;
		}
		for (unsigned i = 0; i < m->nrights; i++) {
			file_get(m->rights[i]);
			msg->rights[i] = m->rights[i];
		}
		msg->nrights = m->nrights;
		unix_inflight(msg->rights, msg->nrights, 1);
	}
	return msg;
}

static void enqueue(struct unix_sock *to, struct unix_msg *msg)
{
	if (to->tail)
		to->tail->next = msg;
	else
		to->head = msg;
	to->tail = msg;
	to->queued += msg->len;
	to->mem += UNIX_MSG_COST + msg->len;
	to->nqueued++;
}

static void dequeue(struct unix_sock *u, struct unix_msg *msg, struct unix_msg **garbage)
{
	unix_inflight(msg->rights, msg->nrights, -1);
	u->head = msg->next;
	if (!u->head)
		u->tail = NULL;
	u->queued -= msg->len - msg->off;
	u->mem -= UNIX_MSG_COST + msg->len;
	u->nqueued--;
	msg->next = *garbage;
	*garbage = msg;
}

void unix_queue_drain(struct unix_sock *u, struct unix_msg **garbage)
{
	while (u->head)
		dequeue(u, u->head, garbage);
}

void unix_msgs_free(struct unix_msg *list)
{
	while (list) {
		struct unix_msg *next = list->next;

		for (unsigned i = 0; i < list->nrights; i++)
			file_put(list->rights[i]);
		kfree(list->rights);
		kfree(list);
		list = next;
	}
}

size_t unix_outq(const struct unix_sock *u)
{
	const struct unix_sock *p = u->peer;

	return u->type != SOCK_DGRAM && p && !p->dead ? p->queued : 0;
}

size_t unix_outmem(const struct unix_sock *u)
{
	const struct unix_sock *p = u->peer;

	return u->type != SOCK_DGRAM && p && !p->dead ? p->mem : 0;
}

/* Whether a message of n bytes from u must wait for room at to. */
static bool full(const struct unix_sock *u, const struct unix_sock *to, size_t n)
{
	size_t limit = u->sndbuf < to->rcvbuf ? u->sndbuf : to->rcvbuf;

	if (!to->head)
		return false;
	if (u->type == SOCK_DGRAM && to->peer != u && to->nqueued > UNIX_MAX_DGRAM_QLEN)
		return true;
	return to->mem + UNIX_MSG_COST + n > limit;
}

/* Files that a receive hands over, taken from the queue under the lock
 * and given out (or released: the caller's room for them is short)
 * without it. */
struct rights {
	struct file **files;
	unsigned n;
};

/* Takes msg's files for the caller; a peek takes new references. 0 or
 * -ENOMEM. */
static int take_rights(struct unix_msg *msg, bool peek, struct rights *out)
{
	if (!msg->nrights)
		return 0;
	if (!peek) {
		unix_inflight(msg->rights, msg->nrights, -1);
		out->files = msg->rights;
		out->n = msg->nrights;
		msg->rights = NULL;
		msg->nrights = 0;
		return 0;
	}
	out->files = kmalloc(msg->nrights * sizeof(*out->files));
	if (!out->files)
		return -ENOMEM;
	for (unsigned i = 0; i < msg->nrights; i++) {
		file_get(msg->rights[i]);
		out->files[i] = msg->rights[i];
	}
	out->n = msg->nrights;
	return 0;
}

/* Without the lock: the files the caller has room for pass to it, the
 * rest are released and MSG_CTRUNC says so. */
static void give_rights(struct sock_msg *m, struct rights *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (m->rights && m->nrights < m->max_rights) {
			m->rights[m->nrights++] = r->files[i];
		} else {
			file_put(r->files[i]);
			m->flags |= SOCK_MSG_CTRUNC;
		}
	}
	kfree(r->files);
}

static void give_cred(const struct unix_sock *u, struct sock_msg *m, const struct unix_msg *msg)
{
	if (!u->passcred)
		return;
	m->has_cred = true;
	m->cred_pid = msg->pid;
	m->cred_uid = 0;
	m->cred_gid = 0;
}

long unix_stream_send(struct unix_sock *u, struct socket *s, struct sock_msg *m)
{
	uint64_t deadline = socket_deadline(s->sndtimeo_ns);
	bool nonblock = socket_nonblocking(s, m->flags);
	size_t total = unix_iov_len(m), sent = 0;
	long r = 0;

	unix_lock();
	if (m->addr)
		r = u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	/* Checked before each piece, and once for an empty write. */
	while (r == 0) {
		uint64_t gen = vfs_poll_generation();
		struct unix_sock *p = u->peer;
		struct unix_msg *msg;
		size_t n, limit, room;

		if (u->state != UNIX_CONNECTED) {
			r = -ENOTCONN;
			break;
		}
		if ((u->shutdown & UNIX_SHUT_SEND) || !p || p->dead || (p->shutdown & UNIX_SHUT_RCV)) {
			r = -EPIPE;
			break;
		}
		if (sent == total)
			break;
		limit = u->sndbuf < p->rcvbuf ? u->sndbuf : p->rcvbuf;
		n = total - sent;
		if (n > UNIX_STREAM_CHUNK)
			n = UNIX_STREAM_CHUNK;
		room = p->mem + UNIX_MSG_COST < limit ? limit - p->mem - UNIX_MSG_COST : 0;
		if (n > room)
			n = room;
		if (!n) {
			r = unix_wait(nonblock, gen, deadline);
			continue;
		}
		msg = msg_new(u, m, sent, n, sent == 0);
		if (!msg) {
			r = -ENOMEM;
			break;
		}
		enqueue(p, msg);
		sent += n;
	}
	unix_unlock();
	if (sent)
		vfs_poll_notify();
	return sent ? (long)sent : r;
}

long unix_stream_recv(struct unix_sock *u, struct socket *s, struct sock_msg *m)
{
	uint64_t deadline = socket_deadline(s->rcvtimeo_ns);
	bool nonblock = socket_nonblocking(s, m->flags);
	bool peek = m->flags & SOCK_MSG_PEEK;
	size_t total = unix_iov_len(m), copied = 0;
	size_t target = (m->flags & SOCK_MSG_WAITALL) ? total : 1;
	struct unix_msg *garbage = NULL, *last = NULL;
	struct rights rights = { 0 };
	long r = 0;

	if (m->addr)
		m->addr->len = 0;
	m->flags &= ~(SOCK_MSG_TRUNC | SOCK_MSG_CTRUNC);
	unix_lock();
	if (u->state != UNIX_CONNECTED)
		r = -EINVAL;
	while (r == 0 && copied < total) {
		uint64_t gen = vfs_poll_generation();
		/* A peek goes on through the queue without taking from it. */
		struct unix_msg *msg = peek && last ? last->next : u->head;
		size_t skip, n;

		if (!msg) {
			/* A peek that has something does not wait: what it
			 * read may be gone after. */
			if (copied >= target || (peek && copied))
				break;
			if (u->err) {
				r = -u->err;
				u->err = 0;
			} else if (u->shutdown & UNIX_SHUT_RCV) {
				break;
			} else {
				r = unix_wait(nonblock, gen, deadline);
			}
			continue;
		}
		skip = msg == u->head ? msg->off : 0;
		n = msg->len - skip;
		if (n > total - copied)
			n = total - copied;
		to_iov(m, copied, msg->data + skip, n);
		copied += n;
		give_cred(u, m, msg);
		if (msg->nrights && take_rights(msg, peek, &rights) < 0)
			r = -ENOMEM;
		if (peek) {
			last = msg;
		} else {
			msg->off += n;
			u->queued -= n;
			if (msg->off == msg->len)
				dequeue(u, msg, &garbage);
		}
		if (rights.n)
			break;
	}
	unix_unlock();
	give_rights(m, &rights);
	unix_msgs_free(garbage);
	if (copied && !peek)
		vfs_poll_notify();
	return copied ? (long)copied : r;
}

/* A datagram's destination: the address given, or the connected peer. A
 * peer found closed is forgotten (-ECONNREFUSED once, then -ENOTCONN). */
static int dgram_dest(struct unix_sock *u, const struct sock_msg *m, struct vnode *cwd,
		      struct unix_sock **to)
{
	int r;

	if (u->type == SOCK_SEQPACKET || !m->addr) {
		if (u->state != UNIX_CONNECTED || !u->peer)
			return -ENOTCONN;
		*to = u->peer;
		if (!(*to)->dead)
			return 0;
		if (u->type == SOCK_SEQPACKET)
			return -EPIPE;
		unix_put(u->peer);
		u->peer = NULL;
		u->state = UNIX_UNCONNECTED;
		return -ECONNREFUSED;
	}
	r = unix_find(m->addr, u->type, cwd, to);
	if (r < 0)
		return r;
	if ((*to)->dead)
		return -ECONNREFUSED;
	if ((*to)->peer && (*to)->peer != u)
		return -EPERM;
	return 0;
}

/* Datagrams and seqpackets: one message, whole or not at all. */
long unix_dgram_send(struct unix_sock *u, struct socket *s, struct sock_msg *m)
{
	uint64_t deadline = socket_deadline(s->sndtimeo_ns);
	bool nonblock = socket_nonblocking(s, m->flags);
	size_t total = unix_iov_len(m);
	struct vnode *cwd = m->addr ? socket_caller_cwd() : NULL;
	struct unix_msg *msg;
	struct unix_sock *to;
	long r;

	if (total > u->sndbuf)
		return -EMSGSIZE;
	unix_lock();
	for (;;) {
		uint64_t gen = vfs_poll_generation();

		if (u->shutdown & UNIX_SHUT_SEND) {
			r = -EPIPE;
			break;
		}
		r = dgram_dest(u, m, cwd, &to);
		if (r == 0 && (to->shutdown & UNIX_SHUT_RCV))
			r = -EPIPE;
		if (r == 0 && u->passcred && u->type == SOCK_DGRAM)
			r = unix_autobind(u);
		if (r < 0 || !full(u, to, total))
			break;
		r = unix_wait(nonblock, gen, deadline);
		if (r < 0)
			break;
	}
	if (r == 0) {
		msg = msg_new(u, m, 0, total, true);
		if (msg)
			enqueue(to, msg);
		else
			r = -ENOMEM;
	}
	unix_unlock();
	if (r < 0)
		return r;
	vfs_poll_notify();
	return (long)total;
}

/* With MSG_TRUNC given, the datagram's whole length is returned. */
long unix_dgram_recv(struct unix_sock *u, struct socket *s, struct sock_msg *m)
{
	uint64_t deadline = socket_deadline(s->rcvtimeo_ns);
	bool nonblock = socket_nonblocking(s, m->flags);
	bool peek = m->flags & SOCK_MSG_PEEK, whole = m->flags & SOCK_MSG_TRUNC;
	size_t total = unix_iov_len(m), n = 0;
	struct unix_msg *garbage = NULL, *msg;
	struct rights rights = { 0 };
	long r = 0;

	if (m->addr)
		m->addr->len = 0;
	m->flags &= ~(SOCK_MSG_TRUNC | SOCK_MSG_CTRUNC);
	unix_lock();
	for (;;) {
		uint64_t gen = vfs_poll_generation();

		msg = u->head;
		if (msg)
			break;
		if (u->type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED) {
			r = -ENOTCONN;
		} else if (u->err) {
			r = -u->err;
			u->err = 0;
		} else if (u->shutdown & UNIX_SHUT_RCV) {
			break;
		} else {
			r = unix_wait(nonblock, gen, deadline);
		}
		if (r < 0)
			break;
	}
	if (msg) {
		n = msg->len < total ? msg->len : total;
		to_iov(m, 0, msg->data, n);
		if (msg->len > total)
			m->flags |= SOCK_MSG_TRUNC;
		if (whole)
			n = msg->len;
		if (m->addr && msg->from_len) {
			m->addr->len = msg->from_len;
			memcpy(m->addr->bytes, msg->from, msg->from_len);
		}
		give_cred(u, m, msg);
		if (take_rights(msg, peek, &rights) < 0)
			r = -ENOMEM;
		if (!peek)
			dequeue(u, msg, &garbage);
	}
	unix_unlock();
	give_rights(m, &rights);
	unix_msgs_free(garbage);
	if (msg && !peek)
		vfs_poll_notify();
	if (r < 0)
		return r;
	return (long)n;
}
