/*
 * The socket calls: Linux's argument checks, user memory copied into
 * kernel buffers and out (at most SOCK_CHUNK bytes at a time for a
 * stream), control messages (SCM_RIGHTS as files, SCM_CREDENTIALS), and
 * SIGPIPE. The sockets themselves are <flint/socket.h>'s. Interrupted
 * calls restart under SA_RESTART unless the socket has a timeout for
 * them, as Linux's sock_intr_errno.
 */
#include <flint/heap.h>
#include <flint/net.h>
#include <flint/socket.h>
#include <flint/timer.h>
#include <flint/string.h>
#include "linux.h"

/* include/uapi/asm-generic/signal.h */
#define LINUX_SIGPIPE 13

/* include/linux/socket.h: families past AF_MAX are refused at once;
 * net/socket.c: types past SOCK_MAX. */
#define LINUX_AF_MAX 46
#define LINUX_SOCK_MAX 11
/* include/linux/socket.h: recvmmsg's MSG_WAITFORONE. */
#define LINUX_MSG_WAITFORONE 0x10000
/* net.core.somaxconn's default: listen backlogs are cut to it. */
#define SOMAXCONN 4096
/* net.core.optmem_max's default: control data a sendmsg may carry. */
#define CONTROL_MAX 20480
/* include/uapi/linux/uio.h; include/linux/fs.h */
#define UIO_MAXIOV 1024
#define IOV_ON_STACK 8
#define MAX_RW_COUNT 0x7ffff000ull

/* A stream moves through a kernel buffer of this many bytes at a time;
 * a datagram is moved whole, up to DGRAM_MAX (above AF_UNIX's default
 * send buffer and UDP's largest datagram). */
#define SOCK_CHUNK (64 * 1024)
#define DGRAM_MAX (256 * 1024)
/* Option values longer than this are cut (no option takes more). */
#define OPT_MAX 256

/* The x86-64 struct msghdr, mmsghdr and cmsghdr (include/linux/socket.h). */
struct linux_msghdr {
	uint64_t name;
	int32_t namelen;
	uint32_t pad0;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	uint32_t pad1;
};

struct linux_mmsghdr {
	struct linux_msghdr hdr;
	uint32_t len;
	uint32_t pad;
};

struct linux_cmsghdr {
	uint64_t len;
	int32_t level;
	int32_t type;
};

struct linux_iovec {
	uint64_t base;
	uint64_t len;
};

/* struct ucred (include/linux/socket.h) */
struct linux_ucred {
	int32_t pid, uid, gid;
};

/* struct timespec, x86-64 */
struct linux_timespec {
	int64_t sec, nsec;
};

/* struct ifconf (include/uapi/linux/if.h) */
struct linux_ifconf {
	int32_t len;
	uint32_t pad;
	uint64_t buf;
};

/* sin_addr's place in a struct sockaddr_in (include/uapi/linux/in.h). */
#define IFREQ_SIN_ADDR 4

_Static_assert(sizeof(struct linux_msghdr) == 56, "struct msghdr");
_Static_assert(sizeof(struct linux_mmsghdr) == 64, "struct mmsghdr");
_Static_assert(sizeof(struct linux_cmsghdr) == 16, "struct cmsghdr");
_Static_assert(sizeof(struct linux_ifconf) == 16, "struct ifconf");

#define CMSG_ALIGN(len) (((len) + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1))
#define CMSG_LEN(len) (sizeof(struct linux_cmsghdr) + (len))
#define CMSG_SPACE(len) (sizeof(struct linux_cmsghdr) + CMSG_ALIGN(len))
#define NSEC_PER_SEC 1000000000ll

static struct fdtable *fds(void)
{
	return &process_current()->fds;
}

static void *uptr(uint64_t a)
{
	return (void *)(uintptr_t)a;
}

/* fd's socket, with a reference to its file in *fp: -EBADF, -ENOTSOCK. */
static struct socket *sock_get(uint64_t fd, struct file **fp, long *err)
{
	struct file *f = fdtable_get(fds(), (int)fd);
	struct socket *s;

	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	s = socket_of(f);
	if (!s) {
		file_put(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	*fp = f;
	*err = 0;
	return s;
}

/* An interrupted wait under a socket timeout is not restarted. */
static long intr(long r, uint64_t timeout_ns)
{
	if (r == -EINTR && timeout_ns)
		task_current()->restart_nr = -1;
	return r;
}

static long note_epipe(long r, int flags)
{
	if (r == -EPIPE && !(flags & SOCK_MSG_NOSIGNAL))
		signal_send_task(task_current(), LINUX_SIGPIPE);
	return r;
}

/* Linux's move_addr_to_kernel: len 0 is no address. */
static long addr_in(struct sock_addr *a, uint64_t uaddr, int64_t len)
{
	if (len < 0 || len > SOCK_ADDR_MAX)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->len = (uint32_t)len;
	if (len && copy_from_user(a->bytes, uptr(uaddr), (size_t)len) < 0)
		return -EFAULT;
	return 0;
}

/* Linux's move_addr_to_user: at most *ulen bytes of a, and *ulen gets
 * a's whole length. */
static long addr_out(const struct sock_addr *a, uint64_t uaddr, uint64_t ulen)
{
	int32_t len;

	if (copy_from_user(&len, uptr(ulen), sizeof(len)) < 0)
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if ((uint32_t)len > a->len)
		len = (int32_t)a->len;
	if (len && copy_to_user(uptr(uaddr), a->bytes, (size_t)len) < 0)
		return -EFAULT;
	len = (int32_t)a->len;
	return copy_to_user(uptr(ulen), &len, sizeof(len)) < 0 ? -EFAULT : 0;
}

/* Checks a length pointer before the call (accept, getsockname). */
static long ulen_check(uint64_t ulen)
{
	int32_t len;

	if (copy_from_user(&len, uptr(ulen), sizeof(len)) < 0)
		return -EFAULT;
	return len < 0 ? -EINVAL : 0;
}

/* A user vector and a cursor through it. */
struct uvec {
	struct linux_iovec small[IOV_ON_STACK], *iov;
	unsigned n, i;
	uint64_t off, total;
};

/* The vector's segments lie in user space and their sum fits a count. */
static long uvec_check(struct uvec *v)
{
	v->i = 0;
	v->off = 0;
	v->total = 0;
	for (unsigned i = 0; i < v->n; i++) {
		const struct linux_iovec *e = &v->iov[i];

		if (e->len > (uint64_t)INT64_MAX - v->total)
			return -EINVAL;
		if (e->len && (e->base >= USER_TOP || e->len > USER_TOP - e->base))
			return -EFAULT;
		v->total += e->len;
	}
	if (v->total > MAX_RW_COUNT)
		v->total = MAX_RW_COUNT;
	return 0;
}

/* One user buffer (send, recv, sendto, recvfrom). */
static long uvec_one(struct uvec *v, uint64_t base, uint64_t len)
{
	v->iov = v->small;
	v->n = 1;
	v->small[0] = (struct linux_iovec){ base, len };
	return uvec_check(v);
}

/* A msghdr's vector, copied in. */
static long uvec_load(struct uvec *v, uint64_t uiov, uint64_t n)
{
	v->iov = v->small;
	v->n = 0;
	if (n > UIO_MAXIOV)
		return -EMSGSIZE;
	if (n > IOV_ON_STACK) {
		v->iov = kmalloc(n * sizeof(*v->iov));
		if (!v->iov) {
			v->iov = v->small;
			return -ENOMEM;
		}
	}
	v->n = (unsigned)n;
	if (copy_from_user(v->iov, uptr(uiov), n * sizeof(*v->iov)) < 0)
		return -EFAULT;
	return uvec_check(v);
}

static void uvec_free(struct uvec *v)
{
	if (v->iov != v->small)
		kfree(v->iov);
}

/* Moves n bytes between buf and the vector's next bytes: 0 or -EFAULT. */
static long uvec_move(struct uvec *v, unsigned char *buf, size_t n, bool to_user)
{
	size_t done = 0;

	while (done < n && v->i < v->n) {
		const struct linux_iovec *e = &v->iov[v->i];
		uint64_t step = e->len - v->off;
		void *u = uptr(e->base + v->off);
		int r;

		if (!step) {
			v->i++;
			v->off = 0;
			continue;
		}
		if (step > n - done)
			step = n - done;
		r = to_user ? copy_to_user(u, buf + done, step) : copy_from_user(buf + done, u, step);
		if (r < 0)
			return -EFAULT;
		done += step;
		v->off += step;
	}
	return 0;
}

static size_t buffer_size(const struct socket *s, uint64_t total)
{
	uint64_t cap = s->type == SOCK_STREAM ? SOCK_CHUNK : DGRAM_MAX;

	return total < cap ? (size_t)total : (size_t)cap;
}

/* The data of a sendmsg: a stream in chunks, anything else whole. */
static long send_data(struct socket *s, struct uvec *v, struct sock_msg *m)
{
	size_t size = buffer_size(s, v->total);
	struct sock_iov kiov;
	unsigned char *buf;
	uint64_t done = 0;
	long r;

	if (s->type != SOCK_STREAM && v->total > DGRAM_MAX)
		return -EMSGSIZE;
	buf = kmalloc(size ? size : 1);
	if (!buf)
		return -ENOMEM;
	m->iov = &kiov;
	m->iovlen = 1;
	do {
		size_t n = v->total - done < size ? (size_t)(v->total - done) : size;

		r = uvec_move(v, buf, n, false);
		if (r < 0)
			break;
		kiov = (struct sock_iov){ buf, n };
		r = s->ops->sendmsg(s, m);
		if (r < 0)
			break;
		done += (uint64_t)r;
		m->rights = NULL;
		m->nrights = 0;
		if ((size_t)r < n)
			break;
	} while (done < v->total);
	kfree(buf);
	return done ? (long)done : r;
}

/* Files for SCM_RIGHTS: what the message's descriptors name. */
struct rights {
	struct file *f[SOCK_RIGHTS_MAX];
	unsigned n;
};

static void rights_put(struct rights *rt)
{
	for (unsigned i = 0; i < rt->n; i++)
		file_put(rt->f[i]);
	rt->n = 0;
}

/* One SOL_SOCKET control message of a send. */
static long control_one(const struct linux_cmsghdr *c, const unsigned char *data,
			struct rights *rt)
{
	size_t len = c->len - sizeof(*c);

	switch (c->type) {
	case SOCK_SCM_RIGHTS:
		if (len / sizeof(int) > SOCK_RIGHTS_MAX - rt->n)
			return -EINVAL;
		for (size_t i = 0; i < len / sizeof(int); i++) {
			int fd;

			memcpy(&fd, data + i * sizeof(int), sizeof(fd));
			rt->f[rt->n] = fdtable_get(fds(), fd);
			if (!rt->f[rt->n])
				return -EBADF;
			rt->n++;
		}
		return 0;
	case SOCK_SCM_CREDENTIALS:
		/* Every process runs as root: any credentials are its own. */
		return len == sizeof(struct linux_ucred) ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* A sendmsg's control data: SCM_RIGHTS files into rt. Messages of other
 * levels (IP_PKTINFO ...) are not looked at. */
static long control_in(const struct linux_msghdr *h, struct rights *rt)
{
	unsigned char *buf;
	size_t off = 0;
	long r = 0;

	if (!h->controllen)
		return 0;
	if (h->controllen > CONTROL_MAX)
		return -ENOBUFS;
	buf = kmalloc(h->controllen);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, uptr(h->control), h->controllen) < 0)
		r = -EFAULT;
	while (!r && off + sizeof(struct linux_cmsghdr) <= h->controllen) {
		struct linux_cmsghdr c;

		memcpy(&c, buf + off, sizeof(c));
		if (c.len < sizeof(c) || c.len > h->controllen - off) {
			r = -EINVAL;
			break;
		}
		if (c.level == SOCK_SOL_SOCKET)
			r = control_one(&c, buf + off + sizeof(c), rt);
		off += CMSG_ALIGN(c.len);
	}
	kfree(buf);
	if (r < 0)
		rights_put(rt);
	return r;
}

/* sendmsg on s with h (kernel memory) and its data in v. */
static long do_sendmsg(struct socket *s, const struct linux_msghdr *h, struct uvec *v, int flags)
{
	struct sock_addr addr;
	struct rights *rt;
	struct sock_msg m = { .flags = flags };
	long r;

	if (!s->ops->sendmsg)
		return -EOPNOTSUPP;
	if (h->name && h->namelen) {
		r = addr_in(&addr, h->name, h->namelen);
		if (r < 0)
			return r;
		m.addr = &addr;
	}
	rt = kzalloc(sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	r = control_in(h, rt);
	if (r == 0) {
		m.rights = rt->f;
		m.nrights = rt->n;
		r = note_epipe(intr(send_data(s, v, &m), s->sndtimeo_ns), flags);
	}
	rights_put(rt);
	kfree(rt);
	return r;
}

/* A receive's result on its way to the user. */
struct recv_out {
	struct sock_addr addr;
	struct rights rt;
	bool has_cred;
	struct linux_ucred cred;
	int flags;			/* MSG_TRUNC, MSG_CTRUNC, MSG_EOR */
};

#define RECV_OUT_FLAGS (SOCK_MSG_TRUNC | SOCK_MSG_CTRUNC | SOCK_MSG_EOR)

/* The data of a recvmsg: a stream in chunks (the later ones only while
 * data is there, or with MSG_WAITALL until the buffer is full), anything
 * else as one message. */
static long recv_data(struct socket *s, struct uvec *v, int flags, bool want_rights,
		      struct recv_out *o)
{
	size_t size = buffer_size(s, v->total);
	bool stream = s->type == SOCK_STREAM;
	struct sock_msg m = { 0 };
	struct sock_iov kiov;
	unsigned char *buf = kmalloc(size ? size : 1);
	uint64_t done = 0;
	long r;

	if (!buf)
		return -ENOMEM;
	do {
		size_t n = v->total - done < size ? (size_t)(v->total - done) : size;
		size_t got;

		kiov = (struct sock_iov){ buf, n };
		m = (struct sock_msg){
			.addr = done ? NULL : &o->addr, .iov = &kiov, .iovlen = 1,
			.rights = o->rt.f, .max_rights = want_rights ? SOCK_RIGHTS_MAX : 0,
			.flags = flags,
		};
		r = s->ops->recvmsg(s, &m);
		if (r < 0)
			break;
		o->flags |= m.flags & RECV_OUT_FLAGS;
		o->rt.n = m.nrights;
		if (!done && m.has_cred) {
			o->has_cred = true;
			o->cred = (struct linux_ucred){ m.cred_pid, m.cred_uid, m.cred_gid };
		}
		got = (size_t)r < n ? (size_t)r : n;
		if (uvec_move(v, buf, got, true) < 0) {
			r = -EFAULT;
			break;
		}
		if (!stream) {
			done = (uint64_t)r;	/* MSG_TRUNC asks for the whole length */
			break;
		}
		done += got;
		if (!r || got < n || (flags & SOCK_MSG_PEEK) || m.nrights)
			break;
		if (!(flags & SOCK_MSG_WAITALL))
			flags |= SOCK_MSG_DONTWAIT;
	} while (done < v->total);
	kfree(buf);
	return r < 0 && !done ? r : (long)done;
}

/* Linux's put_cmsg: a message cut to the room left sets MSG_CTRUNC. */
static size_t put_cmsg(unsigned char *buf, size_t room, int level, int type,
		       const void *data, size_t len, int *flags)
{
	struct linux_cmsghdr c = { CMSG_LEN(len), level, type };
	size_t n = CMSG_LEN(len);

	if (room < sizeof(c)) {
		*flags |= SOCK_MSG_CTRUNC;
		return 0;
	}
	if (room < n) {
		*flags |= SOCK_MSG_CTRUNC;
		n = room;
	}
	memcpy(buf, &c, sizeof(c));
	memcpy(buf + sizeof(c), data, n - sizeof(c));
	n = CMSG_SPACE(len);
	return n < room ? n : room;
}

/* The received files as new descriptors (MSG_CMSG_CLOEXEC) in an
 * SCM_RIGHTS message, as many as fit the room (Linux's scm_detach_fds);
 * the rest are closed. Returns the bytes used; fdv gets the descriptors. */
static size_t rights_out(unsigned char *buf, size_t room, struct rights *rt, bool cloexec,
			 int *fdv, unsigned *nfd, int *flags)
{
	size_t fit = room > sizeof(struct linux_cmsghdr)
		   ? (room - sizeof(struct linux_cmsghdr)) / sizeof(int) : 0;
	unsigned i;

	for (i = 0; i < rt->n && i < fit; i++) {
		int fd = fdtable_install(fds(), rt->f[i], 0, cloexec);

		if (fd < 0)
			break;
		fdv[i] = fd;
	}
	*nfd = i;
	if (i < rt->n)
		*flags |= SOCK_MSG_CTRUNC;
	for (unsigned k = i; k < rt->n; k++)
		file_put(rt->f[k]);
	rt->n = 0;
	if (!i)
		return 0;
	return put_cmsg(buf, room, SOCK_SOL_SOCKET, SOCK_SCM_RIGHTS, fdv, i * sizeof(int), flags);
}

/* The control data of a receive, copied to h's buffer: 0 or -EFAULT;
 * h->controllen becomes the bytes used. */
static long control_out(struct linux_msghdr *h, struct recv_out *o, bool cloexec)
{
	size_t room = h->controllen, need = CMSG_SPACE(sizeof(o->cred)) +
		      CMSG_SPACE(o->rt.n * sizeof(int)), used = 0;
	unsigned char *buf;
	int *fdv;
	unsigned nfd = 0;
	long r = 0;

	if (!o->has_cred && !o->rt.n) {
		h->controllen = 0;
		return 0;
	}
	if (room > need)
		room = need;
	buf = kzalloc(need + SOCK_RIGHTS_MAX * sizeof(int));
	if (!buf) {
		rights_put(&o->rt);
		return -ENOMEM;
	}
	fdv = (int *)(buf + need);
	if (!h->control)
		room = 0;
	if (o->has_cred)
		used += put_cmsg(buf, room, SOCK_SOL_SOCKET, SOCK_SCM_CREDENTIALS, &o->cred,
				 sizeof(o->cred), &o->flags);
	used += rights_out(buf + used, room - used, &o->rt, cloexec, fdv, &nfd, &o->flags);
	if (used && copy_to_user(uptr(h->control), buf, used) < 0) {
		for (unsigned i = 0; i < nfd; i++)
			vfs_close(fds(), fdv[i]);
		r = -EFAULT;
	}
	kfree(buf);
	h->controllen = used;
	return r;
}

/* recvmsg on s with h (kernel memory) into v: the data's length, with
 * h's namelen, controllen and flags filled. */
static long do_recvmsg(struct socket *s, struct linux_msghdr *h, struct uvec *v, int flags)
{
	struct recv_out *o;
	bool cloexec = flags & SOCK_MSG_CMSG_CLOEXEC;
	long r, e;

	if (!s->ops->recvmsg)
		return -EOPNOTSUPP;
	if (h->name && h->namelen < 0)
		return -EINVAL;
	o = kzalloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	/* SOCK_MSG_USER_IOV is the kernel's own (Linux's MSG_FASTOPEN, which
	 * means nothing to recv): v is copied through kernel memory here. */
	r = intr(recv_data(s, v, flags & ~(SOCK_MSG_CMSG_CLOEXEC | SOCK_MSG_USER_IOV),
			   h->controllen > 0, o),
		 s->rcvtimeo_ns);
	if (r < 0) {
		rights_put(&o->rt);
		kfree(o);
		return r;
	}
	e = control_out(h, o, cloexec);
	if (!e && h->name) {
		int32_t len = h->namelen < (int32_t)o->addr.len ? h->namelen : (int32_t)o->addr.len;

		if (len && copy_to_user(uptr(h->name), o->addr.bytes, (size_t)len) < 0)
			e = -EFAULT;
		h->namelen = (int32_t)o->addr.len;
	} else if (!h->name) {
		h->namelen = 0;
	}
	h->flags = o->flags;
	kfree(o);
	return e < 0 ? e : r;
}

static long sys_socket(const uint64_t a[6])
{
	int family = (int)a[0], type = (int)a[1], protocol = (int)a[2];
	struct file *f;
	long r;

	if (family < 0 || family >= LINUX_AF_MAX)
		return -EAFNOSUPPORT;
	if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) ||
	    (type & SOCK_TYPE_MASK) >= LINUX_SOCK_MAX)
		return -EINVAL;
	r = socket_create(family, type, protocol, type & SOCK_NONBLOCK, &f);
	if (r < 0)
		return r;
	r = fdtable_install(fds(), f, 0, type & SOCK_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}
SYSCALL(41, "socket", "ddd", sys_socket);

static long sys_socketpair(const uint64_t a[6])
{
	int family = (int)a[0], type = (int)a[1], protocol = (int)a[2];
	bool cloexec = type & SOCK_CLOEXEC;
	struct file *f[2];
	int fd[2];
	long r;

	if (family < 0 || family >= LINUX_AF_MAX)
		return -EAFNOSUPPORT;
	if (type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) ||
	    (type & SOCK_TYPE_MASK) >= LINUX_SOCK_MAX)
		return -EINVAL;
	r = socket_pair(family, type, protocol, type & SOCK_NONBLOCK, f);
	if (r < 0)
		return r;
	fd[0] = fdtable_install(fds(), f[0], 0, cloexec);
	if (fd[0] < 0) {
		file_put(f[0]);
		file_put(f[1]);
		return fd[0];
	}
	fd[1] = fdtable_install(fds(), f[1], 0, cloexec);
	if (fd[1] < 0) {
		file_put(f[1]);
		vfs_close(fds(), fd[0]);
		return fd[1];
	}
	if (copy_to_user(uptr(a[3]), fd, sizeof(fd)) < 0) {
		vfs_close(fds(), fd[0]);
		vfs_close(fds(), fd[1]);
		return -EFAULT;
	}
	return 0;
}
SYSCALL(53, "socketpair", "dddp", sys_socketpair);

/* bind and connect: a socket and an address from the user. */
static long addr_call(const uint64_t a[6], bool connect)
{
	struct sock_addr addr;
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	r = addr_in(&addr, a[1], (int32_t)a[2]);
	if (r == 0 && connect)
		r = s->ops->connect ? intr(s->ops->connect(s, &addr), s->sndtimeo_ns) : -EOPNOTSUPP;
	else if (r == 0)
		r = s->ops->bind ? s->ops->bind(s, &addr) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

static long sys_bind(const uint64_t a[6])
{
	return addr_call(a, false);
}
SYSCALL(49, "bind", "fpd", sys_bind);

static long sys_connect(const uint64_t a[6])
{
	return addr_call(a, true);
}
SYSCALL(42, "connect", "fpd", sys_connect);

static long sys_listen(const uint64_t a[6])
{
	unsigned backlog = (unsigned)a[1];
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	if (backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	r = s->ops->listen ? s->ops->listen(s, (int)backlog) : -EOPNOTSUPP;
	file_put(f);
	return r;
}
SYSCALL(50, "listen", "fd", sys_listen);

static long do_accept(const uint64_t a[6], int flags)
{
	struct sock_addr peer = { 0 };
	struct file *f, *nf;
	long r;
	struct socket *s;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	s = sock_get(a[0], &f, &r);
	if (!s)
		return r;
	r = s->ops->accept ? 0 : -EOPNOTSUPP;
	if (r == 0 && a[1])
		r = ulen_check(a[2]);
	if (r == 0)
		r = intr(s->ops->accept(s, &nf, a[1] ? &peer : NULL,
					flags & SOCK_NONBLOCK ? VFS_O_NONBLOCK : 0), s->rcvtimeo_ns);
	file_put(f);
	if (r < 0)
		return r;
	if (a[1]) {
		r = addr_out(&peer, a[1], a[2]);
		if (r < 0) {
			file_put(nf);
			return r;
		}
	}
	r = fdtable_install(fds(), nf, 0, flags & SOCK_CLOEXEC);
	if (r < 0)
		file_put(nf);
	return r;
}

static long sys_accept(const uint64_t a[6])
{
	return do_accept(a, 0);
}
SYSCALL(43, "accept", "fpp", sys_accept);

static long sys_accept4(const uint64_t a[6])
{
	return do_accept(a, (int)a[3]);
}
SYSCALL(288, "accept4", "fppx", sys_accept4);

static long sys_shutdown(const uint64_t a[6])
{
	int how = (int)a[1];
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	if (how < SOCK_SHUT_RD || how > SOCK_SHUT_RDWR)
		r = -EINVAL;
	else
		r = s->ops->shutdown ? s->ops->shutdown(s, how) : -EOPNOTSUPP;
	file_put(f);
	return r;
}
SYSCALL(48, "shutdown", "fd", sys_shutdown);

static long getname(const uint64_t a[6], bool peer)
{
	struct sock_addr addr = { 0 };
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	r = ulen_check(a[2]);
	if (r == 0)
		r = s->ops->getname ? s->ops->getname(s, &addr, peer) : -EOPNOTSUPP;
	if (r == 0)
		r = addr_out(&addr, a[1], a[2]);
	file_put(f);
	return r;
}

static long sys_getsockname(const uint64_t a[6])
{
	return getname(a, false);
}
SYSCALL(51, "getsockname", "fpp", sys_getsockname);

static long sys_getpeername(const uint64_t a[6])
{
	return getname(a, true);
}
SYSCALL(52, "getpeername", "fpp", sys_getpeername);

static long sys_setsockopt(const uint64_t a[6])
{
	int32_t len = (int32_t)a[4];
	unsigned char val[OPT_MAX];
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	if (len < 0)
		r = -EINVAL;
	else if (len > OPT_MAX)
		len = OPT_MAX;
	if (r == 0 && len && copy_from_user(val, uptr(a[3]), (size_t)len) < 0)
		r = -EFAULT;
	if (r == 0)
		r = socket_setsockopt(s, (int)a[1], (int)a[2], val, (unsigned)len);
	file_put(f);
	return r;
}
SYSCALL(54, "setsockopt", "fddpd", sys_setsockopt);

static long sys_getsockopt(const uint64_t a[6])
{
	unsigned char val[OPT_MAX] = { 0 };
	int32_t len;
	unsigned klen;
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	if (copy_from_user(&len, uptr(a[4]), sizeof(len)) < 0)
		r = -EFAULT;
	else if (len < 0)
		r = -EINVAL;
	klen = len > OPT_MAX ? OPT_MAX : (unsigned)len;
	if (r == 0)
		r = socket_getsockopt(s, (int)a[1], (int)a[2], val, &klen);
	if (r == 0 && klen && copy_to_user(uptr(a[3]), val, klen) < 0)
		r = -EFAULT;
	len = (int32_t)klen;
	if (r == 0 && copy_to_user(uptr(a[4]), &len, sizeof(len)) < 0)
		r = -EFAULT;
	file_put(f);
	return r;
}
SYSCALL(55, "getsockopt", "fddpp", sys_getsockopt);

/* The fields of a user's msghdr a receive fills. */
static long msghdr_out(uint64_t uh, const struct linux_msghdr *h)
{
	if (copy_to_user(uptr(uh + offsetof(struct linux_msghdr, namelen)), &h->namelen,
			 sizeof(h->namelen)) < 0 ||
	    copy_to_user(uptr(uh + offsetof(struct linux_msghdr, controllen)), &h->controllen,
			 sizeof(h->controllen)) < 0 ||
	    copy_to_user(uptr(uh + offsetof(struct linux_msghdr, flags)), &h->flags,
			 sizeof(h->flags)) < 0)
		return -EFAULT;
	return 0;
}

/* One sendmsg or recvmsg of a user msghdr at uh. */
static long msg_call(struct socket *s, uint64_t uh, int flags, bool send)
{
	struct linux_msghdr h;
	struct uvec v;
	long r, e;

	if (copy_from_user(&h, uptr(uh), sizeof(h)) < 0)
		return -EFAULT;
	r = uvec_load(&v, h.iov, h.iovlen);
	if (r == 0)
		r = send ? do_sendmsg(s, &h, &v, flags) : do_recvmsg(s, &h, &v, flags);
	uvec_free(&v);
	if (r >= 0 && !send) {
		e = msghdr_out(uh, &h);
		if (e < 0)
			r = e;
	}
	return r;
}

static long sys_sendmsg(const uint64_t a[6])
{
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	r = msg_call(s, a[1], (int)a[2], true);
	file_put(f);
	return r;
}
SYSCALL(46, "sendmsg", "fpx", sys_sendmsg);

static long sys_recvmsg(const uint64_t a[6])
{
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	r = msg_call(s, a[1], (int)a[2], false);
	file_put(f);
	return r;
}
SYSCALL(47, "recvmsg", "fpx", sys_recvmsg);

/* sendto: one buffer and perhaps an address. */
static long sys_sendto(const uint64_t a[6])
{
	struct linux_msghdr h = { .name = a[4], .namelen = (int32_t)a[5] };
	struct uvec v;
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	r = uvec_one(&v, a[1], a[2]);
	if (r == 0)
		r = do_sendmsg(s, &h, &v, (int)a[3]);
	file_put(f);
	return r;
}
SYSCALL(44, "sendto", "fpuxpd", sys_sendto);

/* recvfrom: one buffer; the sender's address when addr is not NULL
 * (none from a stream: *addrlen becomes 0). */
static long sys_recvfrom(const uint64_t a[6])
{
	struct linux_msghdr h = { .name = a[4] };
	struct uvec v;
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	r = uvec_one(&v, a[1], a[2]);
	if (r == 0 && h.name) {
		if (copy_from_user(&h.namelen, uptr(a[5]), sizeof(h.namelen)) < 0)
			r = -EFAULT;
		else if (h.namelen < 0)
			r = -EINVAL;
	}
	if (r == 0)
		r = do_recvmsg(s, &h, &v, (int)a[3]);
	if (r >= 0 && h.name && copy_to_user(uptr(a[5]), &h.namelen, sizeof(h.namelen)) < 0)
		r = -EFAULT;
	file_put(f);
	return r;
}
SYSCALL(45, "recvfrom", "fpuxpp", sys_recvfrom);

/* sendmmsg and recvmmsg: each message's length goes to its msg_len; an
 * error after the first message ends the batch with what was done. */
static long sys_sendmmsg(const uint64_t a[6])
{
	unsigned vlen = (unsigned)a[2], done = 0;
	struct file *f;
	long r;
	struct socket *s = sock_get(a[0], &f, &r);

	if (!s)
		return r;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (; done < vlen; done++) {
		uint64_t uh = a[1] + done * sizeof(struct linux_mmsghdr);
		uint32_t len;

		r = msg_call(s, uh, (int)a[3], true);
		if (r < 0)
			break;
		len = (uint32_t)r;
		r = copy_to_user(uptr(uh + offsetof(struct linux_mmsghdr, len)), &len, sizeof(len));
		if (r < 0)
			break;
	}
	file_put(f);
	return done ? (long)done : r;
}
SYSCALL(307, "sendmmsg", "fpux", sys_sendmmsg);

/* recvmmsg's timeout is looked at after each message, as Linux does. */
static long sys_recvmmsg(const uint64_t a[6])
{
	unsigned vlen = (unsigned)a[2], done = 0;
	int flags = (int)a[3];
	struct linux_timespec ts;
	uint64_t end = 0;
	struct file *f;
	long r;
	struct socket *s;

	if (a[4]) {
		if (copy_from_user(&ts, uptr(a[4]), sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= NSEC_PER_SEC)
			return -EINVAL;
		end = clock_ns() + (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
	}
	s = sock_get(a[0], &f, &r);
	if (!s)
		return r;
	if (vlen > UIO_MAXIOV)
		vlen = UIO_MAXIOV;
	for (; done < vlen; done++) {
		uint64_t uh = a[1] + done * sizeof(struct linux_mmsghdr);
		uint32_t len;

		r = msg_call(s, uh, flags & ~LINUX_MSG_WAITFORONE, false);
		if (r < 0)
			break;
		len = (uint32_t)r;
		r = copy_to_user(uptr(uh + offsetof(struct linux_mmsghdr, len)), &len, sizeof(len));
		if (r < 0)
			break;
		if (flags & LINUX_MSG_WAITFORONE)
			flags |= SOCK_MSG_DONTWAIT;
		if (end && clock_ns() >= end) {
			done++;
			break;
		}
	}
	file_put(f);
	if (a[4] && (done || r >= 0)) {
		uint64_t now = clock_ns(), left = end > now ? end - now : 0;

		ts = (struct linux_timespec){ (int64_t)(left / NSEC_PER_SEC),
					      (int64_t)(left % NSEC_PER_SEC) };
		if (copy_to_user(uptr(a[4]), &ts, sizeof(ts)) < 0 && !done)
			return -EFAULT;
	}
	return done ? (long)done : r;
}
SYSCALL(299, "recvmmsg", "fpuxp", sys_recvmmsg);

/* SIOCGIFCONF: the interfaces with an IPv4 address, as struct ifreqs
 * (name, then a sockaddr_in); with a NULL buffer, the bytes all would
 * take. */
long socket_ifconf(struct file *f, uint64_t uarg)
{
	struct linux_ifconf c;
	struct net_ifinfo ifi;
	unsigned char req[SOCK_IFREQ_SIZE];
	int32_t used = 0;

	if (!socket_of(f))
		return -ENOTTY;
	if (copy_from_user(&c, uptr(uarg), sizeof(c)) < 0)
		return -EFAULT;
	for (unsigned pos = 0; pos < net_if_count(); pos++) {
		uint16_t family = SOCK_AF_INET;

		if (net_if_get(pos, &ifi) < 0 || !ifi.addr4)
			continue;
		if (c.buf && used + SOCK_IFREQ_SIZE > c.len)
			break;
		if (c.buf) {
			memset(req, 0, sizeof(req));
			memcpy(req, ifi.name, NET_IFNAME_MAX);
			memcpy(req + NET_IFNAME_MAX, &family, sizeof(family));
			memcpy(req + NET_IFNAME_MAX + IFREQ_SIN_ADDR, &ifi.addr4, sizeof(ifi.addr4));
			if (copy_to_user(uptr(c.buf + (uint64_t)used), req, sizeof(req)) < 0)
				return -EFAULT;
		}
		used += SOCK_IFREQ_SIZE;
	}
	c.len = used;
	return copy_to_user(uptr(uarg), &c.len, sizeof(c.len)) < 0 ? -EFAULT : 0;
}
